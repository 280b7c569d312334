/* SPDX-License-Identifier: MIT */
/*
 * promfile(1): declarations shared by the tool's source files. The tool
 * links the library's convenience archive, so the pf__ helpers of
 * pf-internal.h (validation, escaping, number formatting, the atomic
 * writer) are at hand.
 */
#ifndef PF_TOOL_H
#define PF_TOOL_H

#include "pf-internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The types of the text format 0.0.4 (TEXTFILE.md "The format"). */
enum pt_type {
    PT_UNTYPED = 0,
    PT_COUNTER,
    PT_GAUGE,
    PT_HISTOGRAM,
    PT_SUMMARY,
};

enum pt_kind {
    PT_BLANK,   /* empty or white space only */
    PT_COMMENT, /* any other comment, "# EOF" included */
    PT_HELP,
    PT_TYPE,
    PT_SAMPLE,
    PT_BAD, /* a line the parser refused (already reported) */
};

typedef struct pt_label {
    char *name;
    char *value; /* unescaped, NUL-terminated */
    size_t vlen;
} pt_label;

typedef struct pt_line {
    enum pt_kind kind;
    unsigned no;  /* 1-based line number */
    size_t off;   /* the line's first byte in pt_file.data */
    size_t len;   /* its length, without the '\n' */
    char *name;   /* HELP, TYPE, SAMPLE: the metric name */
    char *text;   /* HELP: unescaped text; TYPE: the token */
    size_t nlabels;
    pt_label *labels;
    size_t voff, vlen; /* SAMPLE: the value token in pt_file.data */
    double value;
    bool value_ok;
    int fam; /* index into pt_file.fams, or -1 */
} pt_line;

typedef struct pt_family {
    char *name;
    enum pt_type type;
    bool has_type;
    char *help; /* NULL: no HELP line */
    unsigned help_line, type_line;
    size_t nsamples;
    size_t first_idx, last_idx; /* line indexes of its first and last
                                   sample */
    bool broken_reported; /* the contiguity error was given once */
} pt_family;

/* How problems are reported and counted. */
typedef struct pt_ctx {
    FILE *out;    /* NULL: count only */
    bool quiet;   /* no warnings printed */
    bool no_lint; /* skip promtool's naming lints */
    unsigned errors;
    unsigned warnings;
} pt_ctx;

typedef struct pt_file {
    char *path; /* as reported */
    char *data;
    size_t len;
    pt_line *lines;
    size_t nlines;
    pt_family *fams;
    size_t nfams;
    unsigned errors; /* errors found in this file */
} pt_file;

/* report.c-like helper in check.c: print "PATH:LINE: error: RULE: msg". */
void pt_report(pt_ctx *c, pt_file *f, unsigned line, bool error,
               const char *rule, const char *fmt, ...) PF_PRINTF(6, 7);

/* parse.c */
const char *pt_type_name(enum pt_type t);
/* Does Go's strconv.ParseFloat, as the text parser calls it, accept the n
 * bytes at s? If so and ret is not NULL, *ret is the value. */
bool pt_parse_float(const char *s, size_t n, double *ret);
/* Parse `data` (borrowed by f until pt_file_free) into f, reporting the
 * syntax rules to c. Returns 0 or -ENOMEM. */
int pt_parse(pt_file *f, pt_ctx *c);
void pt_file_free(pt_file *f);
/* Parse a series "name" or "name{a=\"v\",...}" into *ret (name and
 * labels). Returns 0, or -EINVAL with a message in msg. */
int pt_parse_series(const char *s, pt_line *ret, char *msg, size_t msgsz);
void pt_line_clear(pt_line *l);
/* The family a sample name belongs to, as the Go parser resolves it
 * (x_bucket, x_sum and x_count belong to histogram x), or -1. */
int pt_family_of(const pt_file *f, const char *name);
/* The series key of a sample: its name, then its labels sorted by name,
 * empty values left out ("" is "no label"), all NUL-separated. Returns
 * a malloc()ed key (length in *len) or NULL. */
char *pt_series_key(const char *name, const pt_label *labels, size_t n,
                    size_t *len);

/* check.c */
typedef struct pt_opts {
    const char *user; /* the exporter's user, or NULL: none */
    bool strict;
} pt_opts;
/* Read and check one file already in memory: every in-file rule.
 * Returns 0 or -ENOMEM. */
int pt_check_file(pt_file *f, pt_ctx *c);
/* `promfile check`: returns the exit status. */
int pt_cmd_check(char **paths, int n, const pt_opts *o, pt_ctx *c);
/* Read the whole file `path` into *data, *len. Returns 0 or -errno. */
int pt_read_file(const char *path, char **data, size_t *len);

/* edit.c */
enum pt_op { PT_SET, PT_INC, PT_DEL };
typedef struct pt_edit {
    enum pt_op op;
    const char *file;
    const char *series;
    const char *value; /* NULL: none given */
    const char *help;  /* --help-text */
    const char *type;  /* --type */
    bool now;
    bool force;
    bool no_fsync;
    bool quiet;
} pt_edit;
/* Returns the exit status. */
int pt_cmd_edit(const pt_edit *e);

#endif /* PF_TOOL_H */
