/* SPDX-License-Identifier: MIT */
/*
 * The state of a reader (see reader.h), shared by its source files:
 * reader.c (files, families, reports, the rules of a whole file), line.c
 * (each line as the parser reads it, the rules of samples) and across.c
 * (the rules across families and files). Private to src/text.
 */
#ifndef PF_TEXT_READER_INT_H
#define PF_TEXT_READER_INT_H

#include "reader.h"

#include "keys.h"

/* ---- State ---- */

/* How a family got its type, which decides whether a TYPE line is still
 * allowed: the parser gives a family without one "untyped" at its first
 * sample. */
enum typed { TYPED_NONE = 0, TYPED_LINE, TYPED_SAMPLE };

/* The labels the parser takes apart in a family: le in a histogram,
 * quantile in a summary. */
enum special { SP_NONE = 0, SP_LE, SP_QUANTILE };

/* A label name of a family, and the line where it was first seen. */
typedef struct lname {
    const char *name; /* in the scope's arena, NUL-terminated */
    size_t len;
    unsigned line;
} lname;

/* One series of a histogram or summary (one metric to the parser): its
 * samples grouped by their labels, le or quantile aside. */
typedef struct group {
    unsigned line;       /* its first sample */
    unsigned last_line;  /* its last bucket */
    unsigned inf_line;   /* its +Inf bucket */
    unsigned count_line; /* its _count */
    uint32_t nbuckets;
    double last_le, last_value, inf_value, count_value;
    bool has_sum, has_count, has_inf;
} group;

/* A family of the file being read (a MetricFamily to the parser). */
typedef struct fam {
    const char *name; /* in the scope's arena */
    size_t nlen;
    enum pf_type type;
    uint8_t typed;    /* enum typed */
    bool crash;       /* TYPE gauge_histogram */
    const char *help; /* unescaped, in the scope's arena; NULL: none */
    size_t help_len;
    unsigned help_line, type_line, first_line;
    uint64_t help_off, help_end, type_off, type_end, last_end;
    uint64_t nsamples;
    bool left;           /* lines of other families came after its own */
    bool split_reported; /* ... and then its own again: reported */
    /* The union of the label names of its samples (le or quantile aside
     * in a histogram or summary), which node_exporter gives every sample
     * of the family, with "" for those a sample lacks. */
    lname *names;
    size_t nnames, capnames;
    uint64_t names_sig; /* of the label names of its last sample */
    /* Histogram, summary: its series, by their exact label sets. */
    pf_text_keys groups;
    group *gv;
    size_t capgv;
} fam;

/* A family of a file of the scope, for the rules across families and
 * files. */
typedef struct sfam {
    const char *name;
    size_t nlen;
    enum pf_type type;
    bool crash;
    const char *help;
    size_t help_len;
    uint64_t nsamples;
    unsigned line; /* its first sample */
    uint32_t file;
    uint32_t names; /* its union of label names, as an id */
} sfam;

typedef struct file_rec {
    const char *path;
    bool refused; /* a rule that makes node_exporter refuse it broken */
    size_t first_sfam, nfams;
} file_rec;

/* One label of a sample, in lineparse.buf. */
typedef struct lab {
    size_t name, nlen, val, vlen;
} lab;

/* What the reading of one line's labels leaves. */
typedef struct lineparse {
    pf_buf buf; /* label names and unescaped values, each NUL-terminated */
    lab *labs;
    size_t nlabs, caplabs;
    size_t *order; /* the labs sorted by name */
    /* le of a histogram's sample, quantile of a summary's: */
    bool special;
    double special_v;
    bool special_canon;
    size_t special_name, special_val, special_vlen;
    long reserved;             /* the first label named __..., or -1 */
    bool cr;                   /* a '\r' in a label value */
    bool has_le, has_quantile; /* among the labs */
    enum pf_rule rule;         /* of a refusal */
    char msg[256];
    pf_buf key, gkey;
} lineparse;

struct pf_reader {
    pf_reader_opts o;
    unsigned errors, warnings;
    char msg[512];

    /* The scope: the files node_exporter reads together. */
    pf_text_arena arena;
    file_rec *files;
    size_t nfiles, capfiles;
    sfam *sfams;
    size_t nsfams, capsfams;
    /* One entry per series (a metric to node_exporter): a = its line,
     * b = its file, c = its family in that file, d = the next entry of
     * the same key in another file + 1 (0: none). */
    pf_text_keys series;
    uint32_t *multi; /* series found in more than one file */
    size_t nmulti, capmulti;
    pf_text_keys unions; /* unions of label names, for their ids */

    /* The current (or last) file. */
    bool in_file, stopped, refused;
    uint32_t file;
    const char *path;
    uint64_t off, bytes, nsamples;
    unsigned line, file_errors;
    long cur_fam;
    pf_buf pending; /* a line cut by the end of a chunk */
    fam *fams;      /* fams[i] is named by key i of names */
    size_t nfams, capfams;
    pf_text_keys names;

    lineparse lp;
};

/* ---- reader.c ---- */

/* Report a problem of the current file, as pf__reader_report() does. */
void pf__text_report(pf_reader *r, unsigned line, enum pf_rule rule,
                     const char *fmt, ...) PF_PRINTF(4, 5);
/* Bytes of a file for a message, in dst[sz]: at most sz - 4 of them,
 * control characters as '?', "..." when cut. Returns dst. */
const char *pf__text_shown(char *dst, size_t sz, const char *s, size_t n);
/* A series key (see line.c) as name{label="value",...}, likewise. */
const char *pf__text_key_shown(char *dst, size_t sz, const char *key,
                               size_t len);
/* The family of the current file that a line of `name` belongs to, made
 * if there is none (*part: the suffix it was found through). Its index,
 * or -ENOMEM. */
long pf__text_fam_get(pf_reader *r, const char *name, size_t n,
                      enum pf_suffix *part);
/* A line of family fi: the rule that a family is one block. */
void pf__text_enter_family(pf_reader *r, long fi, unsigned line);
/* Forget the scope: its files, families, series. */
void pf__text_scope_clear(pf_reader *r);

/* ---- line.c ---- */

/* Read the line p[0..n) of the current file (nl: it ends in '\n'). Returns
 * 0 or -ENOMEM. */
int pf__text_read_line(pf_reader *r, const char *p, size_t n, bool nl);
void pf__text_lp_release(lineparse *lp);
/* Append s[0..n) to b, preceded by its length: a part of a key. */
void pf__text_put_part(pf_buf *b, const char *s, size_t n);

#endif /* PF_TEXT_READER_INT_H */
