/* SPDX-License-Identifier: MIT */
/*
 * promfile(1): declarations shared by the tool's source files. The tool
 * links the library's convenience archive, so the pf__ helpers of
 * pf-internal.h (validation, escaping, number formatting, the atomic
 * writer) are at hand, and the reader of the text format (text/reader.h),
 * which every command reads textfiles with.
 */
#ifndef PF_TOOL_H
#define PF_TOOL_H

#include "pf-internal.h"
#include "text/reader.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/* How problems are printed. */
typedef struct pt_ctx {
    FILE *out;    /* NULL: count only */
    bool quiet;   /* no warnings printed */
    bool no_lint; /* skip promtool's naming lints */
} pt_ctx;

/* Print one problem as "PATH:LINE: error|warning: RULE: message"; a
 * report callback of the reader, ctx a pt_ctx. */
void pt_print_diag(void *ctx, const pf_reader_diag *d);

/* Open `path` (relative to dfd) for reading without blocking on a FIFO
 * or a device, and without a controlling terminal. Returns 0 with *fd
 * and *st for a regular file; PT_NOT_REGULAR with *st (and no descriptor)
 * for anything else; or -errno. */
#define PT_NOT_REGULAR 1
int pt_open_regular(int dfd, const char *path, int *fd, struct stat *st);
/* lock.c: lock the textfile `base` in the directory dfd before replacing
 * it, as every command does. Returns 0 with *fd the file, locked, and *st
 * its status; or 0 with *fd -1 and the directory locked, when there is
 * no file (*absent -ENOENT), or one that cannot be read and
 * how->unreadable_is_absent is set (*absent -EACCES); PT_LOCK_BUSY when
 * how->busy says the lock's holder is not to be waited for;
 * PT_NOT_REGULAR; or -errno. `how` may be NULL: wait for every holder. */
#define PT_LOCK_BUSY 2
typedef struct pt_lock_how {
    bool unreadable_is_absent;
    /* With the file held by another: true to refuse, false to wait. */
    bool (*busy)(void *arg, int fd);
    void *arg;
} pt_lock_how;
int pt_lock_file(int dfd, const char *base, const pt_lock_how *how, int *fd,
                 struct stat *st, int *absent);
/* Let go of what pt_lock_file() locked (closes fd). */
void pt_unlock_file(int dfd, int fd);
/* What st is, in a word: "directory", "FIFO", ... */
const char *pt_file_kind(const struct stat *st);
/* Feed what is left of fd to r. Returns 0, -errno of read() or -ENOMEM. */
int pt_feed_fd(pf_reader *r, int fd);
/* Print "promfile: MESSAGE" and a newline on standard error. */
void pt_say(const char *fmt, ...) PF_PRINTF(1, 2);
void pt_vsay(const char *fmt, va_list ap) PF_PRINTF(1, 0);
/* Read what is left of fd into *data (the caller frees it) and *len,
 * `hint` bytes expected, at most `max` (0: no limit). Returns 0, -EFBIG
 * (more than max), -ENOMEM or -errno of read(). */
int pt_read_fd(int fd, size_t hint, size_t max, char **data, size_t *len);

/* duration.c */
/* The longest duration: a century, past any --max-age or --timeout that
 * means something, and within 64 bits of nanoseconds (584 years). */
#define PT_DURATION_MAX_S (100ull * 365 * 86400)
/* Parse a duration into *ret in nanoseconds: parts with units, largest
 * first, each at most once (y w d h m s ms; "90s", "1h30m", "2d", "1.5h"),
 * or a plain number of seconds ("90", "2.5"). Returns 0, -EINVAL or
 * -ERANGE (over PT_DURATION_MAX_S); *ret is written only on success. */
int pt_parse_duration(const char *s, uint64_t *ret);
/* ns as a person reads it, in its two largest units, whole seconds:
 * "3d4h", "90s" as "1m30s". */
void pt_format_duration(uint64_t ns, char *buf, size_t size);

/* check.c */
typedef struct pt_opts {
    const char *user; /* the exporter's user, or NULL: none */
    bool strict;
    uint64_t max_age; /* nanoseconds; 0: files of any age */
} pt_opts;
/* `promfile check`: returns the exit status. */
int pt_cmd_check(char **paths, int n, const pt_opts *o, pt_ctx *c);
/* `promfile check --list-rules`: returns the exit status. */
int pt_list_rules(FILE *out);

/* edit.c */
enum pt_op { PT_SET, PT_INC, PT_DEL };
typedef struct pt_edit {
    enum pt_op op;
    const char *file;
    /* What follows FILE: SERIES VALUE pairs (set), SERIES [DELTA] (inc),
     * SERIES (del, set --now), or "-": the same from standard input, one
     * update a line. */
    char **args;
    int nargs;
    const char *help; /* --help-text */
    const char *type; /* --type */
    bool now;
    bool force;
    bool no_fsync;
    bool quiet;
} pt_edit;
/* Returns the exit status. */
int pt_cmd_edit(const pt_edit *e);

/* write.c: `promfile write`, argv[0] "write"; returns the exit status. */
int pt_cmd_write(int argc, char **argv);

/* run.c: `promfile run`, argv[0] "run"; returns the exit status, or ends
 * by the signal that killed the command. */
int pt_cmd_run(int argc, char **argv);

#endif /* PF_TOOL_H */
