/* SPDX-License-Identifier: MIT */
/*
 * config.c: the writer's configuration and its ini file, promfile.conf(5).
 * (Named conf.h: config.h is configure's.)
 */
#ifndef PF_CONF_H
#define PF_CONF_H

#include "base.h"

/* The longest textfile name accepted: NAME_MAX (255) less room for the
 * temporary name built around it (see writer.c). */
#define PF_MAX_FILE_NAME 200
/* Debian's textfile directory (prometheus-node-exporter's default). */
#define PF_DEFAULT_DIRECTORY "/var/lib/prometheus/node-exporter"

struct pf_config {
    char *directory; /* NULL: the default */
    char *file;      /* NULL: <program name>.prom */
    uint64_t interval_ms;
    unsigned mode;
    bool fsync;
    bool fsync_dir;
    bool remove_on_exit;
    /* [labels], in file order, with their lines for error messages. */
    size_t nlabels;
    char **label_names;
    char **label_values;
    unsigned *label_lines;
    /* [process] enabled: register the process metrics, with the label
     * program="<program>" (NULL: the program's name). */
    bool process;
    char *program;
    /* [limits], applied to the registry only when set (limits_set bits:
     * PF_LIMIT_*), so that limits set in code stay otherwise. */
    unsigned limits_set;
    size_t max_series;
    size_t max_label_len;
    bool replace_invalid;
    /* [shared]: the region of pf_registry_new_shared() (shared.h). */
    char *shared_path; /* NULL: anonymous */
    size_t shared_workers;
    size_t shared_series;
    size_t shared_cells; /* 0: 4 per series */
    size_t shared_bytes; /* 0: 64 per series */
    unsigned shared_mode;
    char *source; /* the ini file loaded last, or NULL */
    void (*err_fn)(int err, void *arg);
    void *err_arg;
};

/* Every default (see promfile.conf(5)). Cannot fail. */
void pf__config_init(pf_config *cfg);
/* pf_config_load(), for the library's own use. */
int pf__config_load(pf_config *cfg, const char *path, pf_error *reterr);
/* $PROMFILE_CONFIG if set and not empty (and the program is not set-user-
 * or set-group-ID), else NULL. */
const char *pf__config_env(void);
int pf__config_copy(const pf_config *src, pf_config *dst);
#define PF_LIMIT_SERIES 0x1u /* max_series */
#define PF_LIMIT_LENGTH 0x2u /* max_label_value_length */
#define PF_LIMIT_UTF8 0x4u   /* invalid_utf8 */
void pf__config_clear(pf_config *cfg);
int pf__parse_duration_ms(const char *v, uint64_t *ret);
/* 0, or -EINVAL with a message: a textfile name must end in .prom and
 * contain no '/'. */
int pf__check_file_name(const char *file);

#endif /* PF_CONF_H */
