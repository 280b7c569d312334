/* SPDX-License-Identifier: MIT */
/*
 * The one reader of the text format 0.0.4 (issue 13), whose verdict on a
 * textfile is node_exporter 1.5's: shared by promfile check, promfile
 * set/inc/del, the fuzz targets and the tests. An internal module: it is
 * built into the convenience library src/text/libpf-text.la, linked by
 * the tool and the tests, never into libpromfile.so and never installed.
 *
 * A reader reads files as streams of chunks of any size and keeps only
 * what its rules need: the families of each file, the histogram and
 * summary series of each family, and one key per series (for duplicates
 * within and across files). Each problem is reported with its rule, a
 * row of the table of rules below that says what node_exporter does with
 * such a file. Every fact of the format comes from format.h.
 *
 * Use: pf__reader_new(); then, for each group of files that
 * node_exporter would read together (one file, or the .prom files of a
 * directory), for each file pf__reader_begin(), pf__reader_feed() as
 * often as there are chunks, pf__reader_end(); then pf__reader_finish()
 * for the rules across families and files. pf__reader_free() at the end.
 * Nothing here is thread-safe: a reader is one thread's.
 */
#ifndef PF_TEXT_READER_H
#define PF_TEXT_READER_H

#include "pf-internal.h"

/* ---- Rules ---- */

/* What node_exporter 1.5 does with a file that breaks a rule; the
 * severity of the rule follows: an error for all but PF_VERDICT_OK. */
enum pf_verdict {
    PF_VERDICT_OK = 0,  /* reads it: a warning, if anything */
    PF_VERDICT_DROPPED, /* reads it, then drops samples at every scrape
                           and logs an error */
    PF_VERDICT_REFUSED, /* refuses the whole file (scrape_error 1) */
    PF_VERDICT_CRASHED, /* panics and exits */
};

enum pf_rule {
    /* The file is refused. */
    PF_RULE_TIMESTAMP,
    PF_RULE_NEWLINE,
    PF_RULE_CR,
    PF_RULE_UTF8,
    PF_RULE_HELP_ESCAPE,
    PF_RULE_LABEL_ESCAPE,
    PF_RULE_HELP_DUP,
    PF_RULE_TYPE_DUP,
    PF_RULE_TYPE_AFTER_SAMPLES,
    PF_RULE_TYPE,
    PF_RULE_OPENMETRICS,
    PF_RULE_EXEMPLAR,
    PF_RULE_SYNTAX,
    PF_RULE_NAME,
    PF_RULE_NO_NAME,
    PF_RULE_LABEL_SYNTAX,
    PF_RULE_LABEL_DUP,
    PF_RULE_RESERVED_NAME_LABEL,
    PF_RULE_VALUE,
    PF_RULE_LE_QUANTILE_VALUE,
    PF_RULE_READ,
    PF_RULE_PERMISSION,
    PF_RULE_NOT_REGULAR,
    PF_RULE_TOO_LARGE,
    /* node_exporter crashes. */
    PF_RULE_RESERVED_LABEL,
    PF_RULE_TYPE_CRASH,
    /* Samples are dropped. */
    PF_RULE_DUPLICATE,
    PF_RULE_DUPLICATE_ACROSS,
    PF_RULE_CONFLICT,
    PF_RULE_COLLISION,
    PF_RULE_NODE_EXPORTER,
    /* Warnings. */
    PF_RULE_VALUE_SPELLING,
    PF_RULE_COUNTER_NEGATIVE,
    PF_RULE_COUNTER_NAN,
    PF_RULE_HISTOGRAM,
    PF_RULE_SUMMARY,
    PF_RULE_LE_QUANTILE,
    PF_RULE_CONTIGUOUS,
    PF_RULE_TYPE_CASE,
    PF_RULE_NAME_RESERVED,
    PF_RULE_UTF8_HELP,
    PF_RULE_CR_TEXT,
    PF_RULE_EOF,
    PF_RULE_UNIT,
    PF_RULE_IGNORED,
    PF_RULE_HELP_ORDER,
    PF_RULE_EMPTY,
    PF_RULE_NO_SAMPLES,
    PF_RULE_DIRECTORY,
    PF_RULE_FILE_NAME,
    PF_RULE_NODE_EXPORTER_SERIES,
    PF_RULE_DUPLICATE_INGEST,
    PF_RULE_LINT_HELP,
    PF_RULE_LINT_NAME,
    /* Checked only when asked (promfile check --max-age), then errors. */
    PF_RULE_STALE,
    PF_NRULES
};

typedef struct pf_rule_info {
    const char *name;        /* as printed: "timestamp" */
    enum pf_verdict verdict; /* PF_VERDICT_OK: a warning */
    bool lint;               /* a lint of promtool's (--no-lint) */
    const char *what;        /* what breaks it and what node_exporter
                                does, one sentence */
    bool asked;              /* checked on request only, an error then */
} pf_rule_info;

/* The row of rule r (every rule has one). MT-Safe. */
const pf_rule_info *pf__rule_info(enum pf_rule r);
/* Is breaking the rule an error (else a warning)? What node_exporter
 * does with the file says, unless the rule was asked for. */
bool pf__rule_is_error(const pf_rule_info *ri);

/* The largest file read, 256 MiB. node_exporter re-reads every textfile
 * at every scrape: on a 2-core VM, 1.5 takes 14 s to serve a scrape with
 * a 33 MB one (promtool takes 5 s to check it), past Prometheus's
 * default scrape_timeout of 10 s already, so no textfile that works comes
 * near the limit; and a path given by mistake (a disk image, a log) is
 * refused at once instead of read for minutes. */
#define PF_READER_MAX_SIZE ((uint64_t)256 << 20)

/* ---- Reading ---- */

typedef struct pf_reader pf_reader;

/* One problem, as reported: borrowed for the call. */
typedef struct pf_reader_diag {
    const char *path; /* the file (or directory) as given */
    unsigned line;    /* 1-based; 0 for the whole file */
    enum pf_rule rule;
    const char *text; /* one sentence, no newline */
} pf_reader_diag;

enum pf_line_kind {
    PF_LINE_BLANK,   /* empty or blanks only */
    PF_LINE_COMMENT, /* any other comment, an ignored HELP or TYPE too */
    PF_LINE_HELP,
    PF_LINE_TYPE,
    PF_LINE_SAMPLE,
    PF_LINE_BAD, /* refused: the problem was reported */
};

/* One line, as read: borrowed for the call. */
typedef struct pf_reader_line {
    enum pf_line_kind kind;
    unsigned no;  /* 1-based line number */
    uint64_t off; /* its first byte, from the start of the file */
    size_t len;   /* its bytes, without the '\n' */
    bool newline; /* false for a last line without one */
    int fam;      /* HELP, TYPE, SAMPLE: the family's index in the
                     file (see pf__reader_family()), else -1 */
    /* SAMPLE: */
    uint64_t voff; /* the value's first byte, from the file's start */
    size_t vlen;
    double value;
    const char *key; /* the series: see pf__reader_parse_series() */
    size_t keylen;
} pf_reader_line;

typedef struct pf_reader_opts {
    /* Called for each problem; NULL: count only. */
    void (*report)(void *ctx, const pf_reader_diag *d);
    /* Called for each line after it was read; NULL: none. */
    void (*line)(void *ctx, const pf_reader_line *l);
    void *ctx;
    bool no_lint;      /* skip the rules marked lint */
    uint64_t max_size; /* 0: PF_READER_MAX_SIZE */
} pf_reader_opts;

/* A new reader with options o (copied). Returns 0 or -ENOMEM; *ret is
 * the caller's, for pf__reader_free(). */
int pf__reader_new(const pf_reader_opts *o, pf_reader **ret);
/* Free r (NULL is fine); returns NULL. */
pf_reader *pf__reader_free(pf_reader *r);

/* Start reading the file `path` (copied; only reported). Returns 0 or
 * -ENOMEM. */
int pf__reader_begin(pf_reader *r, const char *path);
/* Read the next n bytes of the file; lines may be cut anywhere by the
 * chunks. Past the size limit, reports too-large once and reads no more.
 * Returns 0 or -ENOMEM (then only pf__reader_free() is safe). */
int pf__reader_feed(pf_reader *r, const void *data, size_t n);
/* The end of the file: its last line and the rules of the whole file.
 * Its families stay known (pf__reader_family_of()) until the next begin
 * or finish. Returns 0 or -ENOMEM. */
int pf__reader_end(pf_reader *r);
/* The end of a group of files that node_exporter reads together: the
 * rules across families and files. The reader is then ready for another
 * group. Returns 0 or -ENOMEM. */
int pf__reader_finish(pf_reader *r);

/* Report a problem of the file being read, or, with path not NULL, of
 * that path (a directory, say), as the reader's own problems are: for
 * the rules of files and permissions, which the caller checks. */
void pf__reader_report(pf_reader *r, const char *path, unsigned line,
                       enum pf_rule rule, const char *fmt, ...) PF_PRINTF(5, 6);

/* The errors and warnings reported so far (lint rules skipped with
 * no_lint are not counted). */
unsigned pf__reader_errors(const pf_reader *r);
unsigned pf__reader_warnings(const pf_reader *r);
/* Bytes and sample lines read of the current (or last) file. */
uint64_t pf__reader_bytes(const pf_reader *r);
uint64_t pf__reader_samples(const pf_reader *r);

/* ---- Families of the last file ---- */

typedef struct pf_reader_family {
    const char *name;
    enum pf_type type; /* PF_TYPE_UNTYPED when it has none */
    bool typed;        /* by a TYPE line or by a sample */
    const char *help;  /* unescaped; NULL: no HELP */
    uint64_t nsamples;
    /* Spans of its lines in the file, from the first byte to after the
     * '\n' (0, 0 for none): */
    uint64_t help_off, help_end;
    uint64_t type_off, type_end;
    uint64_t last_end; /* after its last sample line */
} pf_reader_family;

/* The family that a sample named `name` belongs to, as the parser finds
 * it (x_sum and x_count belong to summary x, x_bucket too to histogram
 * x): 0 and *ret filled in (borrowed until the next begin or finish), or
 * -ENOENT. */
int pf__reader_family_of(const pf_reader *r, const char *name,
                         pf_reader_family *ret);
/* Family i of pf_reader_line.fam, likewise. */
int pf__reader_family(const pf_reader *r, int i, pf_reader_family *ret);

/* ---- Series ---- */

typedef struct pf_reader_label {
    const char *name;
    const char *value; /* unescaped, NUL-terminated */
    size_t vlen;
} pf_reader_label;

typedef struct pf_reader_series {
    const char *name;
    size_t nlabels;
    const pf_reader_label *labels; /* as written */
    /* The series' identity, compared with pf_reader_line.key: its name
     * and its labels sorted by name, those with an empty value left out
     * (node_exporter takes "" for no label). */
    const char *key;
    size_t keylen;
    void *mem; /* everything above, the caller's */
} pf_reader_series;

/* Parse s[0..n), "name" or "name{label=\"value\",...}", as the parser
 * reads one on a sample line. Returns 0 with *ret filled in (free it with
 * pf__reader_series_clear()), -EINVAL with the rule broken in *rule and a
 * sentence in msg, or -ENOMEM. */
int pf__reader_parse_series(const char *s, size_t n, pf_reader_series *ret,
                            enum pf_rule *rule, char *msg, size_t msgsz);
void pf__reader_series_clear(pf_reader_series *s);
/* s as name{label="value",...} for a message, in dst[0..sz). */
const char *pf__reader_series_shown(char *dst, size_t sz,
                                    const pf_reader_series *s);

#endif /* PF_TEXT_READER_H */
