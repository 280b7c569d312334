/* SPDX-License-Identifier: MIT */
/*
 * The reader of the text format 0.0.4: see reader.h. This file holds the
 * reader itself, its reports, the families of the file being read, the
 * stream of chunks cut into lines (read in line.c), and the rules of a
 * whole file; across.c has those across families and files.
 */
#include "reader-int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Reporting ---- */

static void vreport(pf_reader *r, const char *path, unsigned line,
                    enum pf_rule rule, const char *fmt, va_list ap)
{
    const pf_rule_info *ri = pf__rule_info(rule);
    pf_reader_diag d;

    if (ri->lint && r->o.no_lint)
        return;
    if (!pf__rule_is_error(ri)) {
        r->warnings++;
    } else {
        r->errors++;
        if (!path && r->in_file) {
            r->file_errors++;
            if (ri->verdict == PF_VERDICT_REFUSED)
                r->refused = true;
        }
    }
    if (!r->o.report)
        return;
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    d.path = path ? path : r->path ? r->path : "-";
    d.line = line;
    d.rule = rule;
    d.text = r->msg;
    r->o.report(r->o.ctx, &d);
}

/* A problem of the current file. */
void pf__text_report(pf_reader *r, unsigned line, enum pf_rule rule,
                     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(r, NULL, line, rule, fmt, ap);
    va_end(ap);
}

void pf__reader_report(pf_reader *r, const char *path, unsigned line,
                       enum pf_rule rule, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(r, path, line, rule, fmt, ap);
    va_end(ap);
}

unsigned pf__reader_errors(const pf_reader *r)
{
    return r->errors;
}

unsigned pf__reader_warnings(const pf_reader *r)
{
    return r->warnings;
}

uint64_t pf__reader_bytes(const pf_reader *r)
{
    return r->bytes;
}

uint64_t pf__reader_samples(const pf_reader *r)
{
    return r->nsamples;
}

/* Bytes of a file for a message: at most sz - 4 of them, control
 * characters as '?', "..." when cut. */
const char *pf__text_shown(char *dst, size_t sz, const char *s, size_t n)
{
    size_t max = sz - 4, k = n < max ? n : max;

    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];

        dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (n > max) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = '\0';
    return dst;
}

/* A series key (see build_key()) as name{label="value",...}. */
const char *pf__text_key_shown(char *dst, size_t sz, const char *key,
                               size_t len)
{
    pf_buf b = {0};
    size_t i = 0, part = 0;

    while (i < len) {
        size_t n = 0;
        unsigned shift = 0;

        while (i < len && (key[i] & 0x80)) {
            n |= (size_t)(key[i++] & 0x7f) << shift;
            shift += 7;
        }
        if (i < len)
            n |= (size_t)key[i++] << shift;
        if (n > len - i)
            n = len - i;
        if (part == 1)
            pf__buf_putc(&b, '{');
        else if (part > 1 && part % 2 == 1)
            pf__buf_putc(&b, ',');
        pf__buf_put(&b, key + i, n);
        if (part > 0 && part % 2 == 1)
            pf__buf_puts(&b, "=\"");
        else if (part > 0)
            pf__buf_putc(&b, '"');
        i += n;
        part++;
    }
    if (part > 1)
        pf__buf_putc(&b, '}');
    pf__text_shown(dst, sz,
                   b.failed ? ""
                   : b.data ? b.data
                            : "",
                   b.failed ? 0 : b.len);
    pf__buf_release(&b);
    return dst;
}

const char *pf__reader_series_shown(char *dst, size_t sz,
                                    const pf_reader_series *s)
{
    return pf__text_key_shown(dst, sz, s->key, s->keylen);
}

/* ---- Families of the current file ---- */

static long fam_find(const pf_reader *r, const char *name, size_t n)
{
    return pf__text_keys_find(&r->names, name, n);
}

static long fam_add(pf_reader *r, const char *name, size_t n)
{
    bool added;
    long i = pf__text_keys_get(&r->names, name, n, &added);
    fam *f;

    if (i < 0)
        return i;
    f = pf__text_grow(r->fams, &r->capfams, (size_t)i + 1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    r->fams = f;
    r->nfams = (size_t)i + 1;
    f = &r->fams[i];
    memset(f, 0, sizeof(*f));
    /* Its name is its key, which the set keeps NUL-terminated. */
    f->name = r->names.keys[i].key;
    f->nlen = n;
    f->type = PF_TYPE_UNTYPED;
    return i;
}

/* The family a line of `name` belongs to, as the parser's
 * setOrCreateCurrentMF() finds it: its own, or else the histogram or
 * summary whose _bucket, _sum or _count it is; *part says which. -1 if
 * there is none. */
static long fam_resolve(const pf_reader *r, const char *name, size_t n,
                        enum pf_suffix *part)
{
    long i = fam_find(r, name, n);
    size_t base;
    enum pf_suffix s;

    *part = PF_SUFFIX_NONE;
    if (i >= 0)
        return i;
    s = pf__suffix_of(name, n, &base);
    if (s == PF_SUFFIX_NONE)
        return -1;
    i = fam_find(r, name, base);
    if (i >= 0) {
        const fam *f = &r->fams[i];

        /* A family without a TYPE line is "counter" to GetType() there,
         * and one typed by a sample is untyped: neither takes them. */
        if (f->typed == TYPED_LINE && !f->crash &&
            (f->type == PF_TYPE_HISTOGRAM || f->type == PF_TYPE_SUMMARY) &&
            pf__type_has_suffix(f->type, s)) {
            *part = s;
            return i;
        }
    }
    return -1;
}

/* fam_resolve(), creating the family when there is none. */
long pf__text_fam_get(pf_reader *r, const char *name, size_t n,
                      enum pf_suffix *part)
{
    long i = fam_resolve(r, name, n, part);

    return i >= 0 ? i : fam_add(r, name, n);
}

/* A line of family fi: lines of one family must be one block. */
void pf__text_enter_family(pf_reader *r, long fi, unsigned line)
{
    fam *f = &r->fams[fi];

    if (r->cur_fam == fi)
        return;
    if (f->left && f->nsamples > 0 && !f->split_reported) {
        f->split_reported = true;
        pf__text_report(
            r, line, PF_RULE_CONTIGUOUS,
            "family %s continues here after other families (its "
            "samples start on line %u): the parser merges them, but a "
            "family should be one block",
            f->name, f->first_line);
    }
    if (r->cur_fam >= 0)
        r->fams[r->cur_fam].left = true;
    r->cur_fam = fi;
}

static void fams_clear(pf_reader *r)
{
    for (size_t i = 0; i < r->nfams; i++) {
        pf__free(r->fams[i].names);
        pf__free(r->fams[i].gv);
        pf__text_keys_clear(&r->fams[i].groups);
    }
    r->nfams = 0;
    pf__text_keys_clear(&r->names);
    r->cur_fam = -1;
}

static void fam_info(const fam *f, pf_reader_family *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->name = f->name;
    ret->type = f->type;
    ret->typed = f->typed != TYPED_NONE;
    ret->help = f->help;
    ret->nsamples = f->nsamples;
    ret->help_off = f->help_off;
    ret->help_end = f->help_end;
    ret->type_off = f->type_off;
    ret->type_end = f->type_end;
    ret->last_end = f->last_end;
}

int pf__reader_family_of(const pf_reader *r, const char *name,
                         pf_reader_family *ret)
{
    enum pf_suffix part;
    long i = fam_resolve(r, name, strlen(name), &part);

    if (i < 0)
        return -ENOENT;
    fam_info(&r->fams[i], ret);
    return 0;
}

int pf__reader_family(const pf_reader *r, int i, pf_reader_family *ret)
{
    if (i < 0 || (size_t)i >= r->nfams)
        return -ENOENT;
    fam_info(&r->fams[i], ret);
    return 0;
}

/* ---- Files ---- */

int pf__reader_new(const pf_reader_opts *o, pf_reader **ret)
{
    pf_reader *r = pf__calloc(1, sizeof(*r));

    if (!r)
        return -ENOMEM;
    if (o)
        r->o = *o;
    if (!r->o.max_size)
        r->o.max_size = PF_READER_MAX_SIZE;
    r->cur_fam = -1;
    r->lp.reserved = -1;
    *ret = r;
    return 0;
}

void pf__text_scope_clear(pf_reader *r)
{
    fams_clear(r);
    pf__free(r->files);
    r->files = NULL;
    r->nfiles = r->capfiles = 0;
    pf__free(r->sfams);
    r->sfams = NULL;
    r->nsfams = r->capsfams = 0;
    pf__text_keys_clear(&r->series);
    pf__text_keys_clear(&r->unions);
    pf__free(r->multi);
    r->multi = NULL;
    r->nmulti = r->capmulti = 0;
    pf__text_arena_clear(&r->arena);
    r->path = NULL;
}

pf_reader *pf__reader_free(pf_reader *r)
{
    if (!r)
        return NULL;
    pf__text_scope_clear(r);
    pf__free(r->fams);
    pf__buf_release(&r->pending);
    pf__text_lp_release(&r->lp);
    pf__free(r);
    return NULL;
}

int pf__reader_begin(pf_reader *r, const char *path)
{
    file_rec *fr;

    fams_clear(r);
    fr = pf__text_grow(r->files, &r->capfiles, r->nfiles + 1, sizeof(*fr));
    if (!fr)
        return -ENOMEM;
    r->files = fr;
    fr = &r->files[r->nfiles];
    memset(fr, 0, sizeof(*fr));
    fr->path = pf__text_arena_dup(&r->arena, path, strlen(path));
    if (!fr->path)
        return -ENOMEM;
    r->file = (uint32_t)r->nfiles++;
    r->path = fr->path;
    r->in_file = true;
    r->stopped = r->refused = false;
    r->off = r->bytes = r->nsamples = 0;
    r->line = r->file_errors = 0;
    r->pending.len = 0;
    r->pending.failed = false;
    return 0;
}

int pf__reader_feed(pf_reader *r, const void *data, size_t n)
{
    const char *p = data;

    if (!r->in_file || r->stopped || n == 0)
        return 0;
    if (n > r->o.max_size - r->bytes) {
        pf__text_report(r, 0, PF_RULE_TOO_LARGE,
                        "the file is larger than %llu MiB: not read past that",
                        (unsigned long long)(r->o.max_size >> 20));
        r->stopped = true;
        return 0;
    }
    r->bytes += n;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len;
        int ret;

        if (!nl) {
            pf__buf_put(&r->pending, p, n);
            return r->pending.failed ? -ENOMEM : 0;
        }
        len = (size_t)(nl - p);
        if (r->pending.len) {
            pf__buf_put(&r->pending, p, len);
            if (r->pending.failed)
                return -ENOMEM;
            ret = pf__text_read_line(r, r->pending.data, r->pending.len, true);
            r->pending.len = 0;
        } else {
            ret = pf__text_read_line(r, p, len, true);
        }
        if (ret < 0)
            return ret;
        p += len + 1;
        n -= len + 1;
    }
    return 0;
}

/* The rules of a histogram's series that need all of its samples. */
static void hist_end(pf_reader *r, const fam *f, const group *g)
{
    if (g->nbuckets == 0) {
        pf__text_report(r, g->line, PF_RULE_HISTOGRAM,
                        "a series of the histogram %s has no bucket", f->name);
        return;
    }
    if (!g->has_inf)
        pf__text_report(
            r, g->line, PF_RULE_HISTOGRAM,
            "a series of the histogram %s has no le=\"+Inf\" bucket", f->name);
    else if (g->has_count && g->inf_value != g->count_value)
        pf__text_report(
            r, g->count_line, PF_RULE_HISTOGRAM,
            "the _count of %s differs from its +Inf bucket (line %u)", f->name,
            g->inf_line);
    if (!g->has_count)
        pf__text_report(r, g->line, PF_RULE_HISTOGRAM,
                        "a series of the histogram %s has no _count", f->name);
    if (!g->has_sum)
        pf__text_report(r, g->line, PF_RULE_HISTOGRAM,
                        "a series of the histogram %s has no _sum", f->name);
}

/* The rules of a family that need the whole file. */
static void fam_end(pf_reader *r, fam *f)
{
    const char *names[PF_MAX_LABELS];
    const pf_nodeexp_family *ne;
    bool reserved;

    if (f->nsamples == 0) {
        char alt[PF_MAX_NAME + 16];
        long other = -1;
        unsigned at = f->type_line ? f->type_line : f->help_line;

        if (!f->help && f->typed != TYPED_LINE)
            return;
        if (f->type == PF_TYPE_COUNTER && f->nlen <= PF_MAX_NAME) {
            snprintf(alt, sizeof(alt), "%s_total", f->name);
            other = fam_find(r, alt, strlen(alt));
        }
        if (other >= 0 && r->fams[other].nsamples > 0)
            pf__text_report(r, at, PF_RULE_NO_SAMPLES,
                            "TYPE %s counter names no sample; %s is exported "
                            "untyped (write \"# TYPE %s counter\")",
                            f->name, alt, alt);
        else
            pf__text_report(
                r, at, PF_RULE_NO_SAMPLES,
                "the family %s has a HELP or TYPE but no samples (the "
                "parser drops it)",
                f->name);
        return;
    }
    if (f->crash)
        pf__text_report(r, f->type_line, PF_RULE_TYPE_CRASH,
                        "TYPE gauge_histogram: node_exporter 1.5 panics on the "
                        "samples of %s",
                        f->name);
    if (!f->crash && f->type == PF_TYPE_HISTOGRAM)
        for (size_t i = 0; i < f->groups.n; i++)
            hist_end(r, f, &f->gv[i]);
    for (size_t i = 0; i < f->nnames && i < PF_MAX_LABELS; i++)
        names[i] = f->names[i].name;
    ne = pf__nodeexp_family(f->name);
    if (ne) {
        const char *t =
            f->crash ? PF_TYPE_NAME_GAUGE_HISTOGRAM : pf__type_name(f->type);

        if (strcmp(t, ne->type) != 0 || !f->help ||
            f->help_len != strlen(ne->help) ||
            memcmp(f->help, ne->help, f->help_len) != 0)
            pf__text_report(
                r, f->first_line, PF_RULE_NODE_EXPORTER,
                "node_exporter exports %s itself, as a %s with the HELP "
                "\"%.60s\": this family, of another type or HELP, is "
                "dropped at every scrape",
                f->name, ne->type, ne->help);
        else if (f->nnames <= PF_MAX_LABELS &&
                 pf__nodeexp_same_labels(ne, names, f->nnames) &&
                 f->nnames == 0)
            pf__text_report(
                r, f->first_line, PF_RULE_NODE_EXPORTER,
                "node_exporter exports %s itself, without labels: this "
                "series is dropped at every scrape",
                f->name);
        else if (f->nnames <= PF_MAX_LABELS &&
                 pf__nodeexp_same_labels(ne, names, f->nnames))
            pf__text_report(
                r, f->first_line, PF_RULE_NODE_EXPORTER_SERIES,
                "node_exporter exports %s itself with these label "
                "names: a series with the values of one of its own is "
                "dropped",
                f->name);
    }
    reserved = pf__name_reserved(f->name);
    if (reserved)
        pf__text_report(
            r, f->first_line, PF_RULE_NAME_RESERVED,
            "the metric name %s starts with \"%s\", which Prometheus "
            "reserves for its own (node_exporter reads it)",
            f->name, PF_RESERVED_PREFIX);
    if (!f->help)
        pf__text_report(r, f->first_line, PF_RULE_LINT_HELP,
                        "%s has no HELP (promtool: \"no help text\")", f->name);
    if (!reserved && !r->o.no_lint) {
        enum pf_type lt =
            f->type == PF_TYPE_COUNTER ? PF_TYPE_COUNTER
            : f->type == PF_TYPE_HISTOGRAM || f->type == PF_TYPE_SUMMARY
                ? PF_TYPE_HISTOGRAM
                : PF_TYPE_GAUGE;

        /* promtool takes an untyped x_total for a counter. */
        if (pf__check_metric_name(f->name, lt) < 0 &&
            !(f->type == PF_TYPE_UNTYPED &&
              pf__ends_with(f->name, PF_COUNTER_SUFFIX)))
            pf__text_report(r, f->first_line, PF_RULE_LINT_NAME, "%s",
                            pf_last_error());
    }
    for (size_t i = 0; i < f->nnames; i++)
        if (pf__camel_case(f->names[i].name)) {
            pf__text_report(
                r, f->names[i].line, PF_RULE_LINT_NAME,
                "the label name \"%.60s\" is camelCase; use snake_case",
                f->names[i].name);
            break;
        }
}

static int cmp_lname(const void *a, const void *b)
{
    const lname *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->name, y->name, m);

    return d ? d : (x->len > y->len) - (x->len < y->len);
}

/* An id for the union of the label names of f: equal ids, equal sets. */
static long union_id(pf_reader *r, fam *f)
{
    pf_buf *b = &r->lp.gkey;
    bool added;

    if (f->nnames > 1)
        qsort(f->names, f->nnames, sizeof(*f->names), cmp_lname);
    b->len = 0;
    for (size_t i = 0; i < f->nnames; i++)
        pf__text_put_part(b, f->names[i].name, f->names[i].len);
    if (b->failed)
        return -ENOMEM;
    return pf__text_keys_get(&r->unions, b->data ? b->data : "", b->len,
                             &added);
}

int pf__reader_end(pf_reader *r)
{
    file_rec *fr;
    sfam *sf;
    int ret;

    if (!r->in_file)
        return 0;
    if (r->pending.len && !r->stopped) {
        ret = pf__text_read_line(r, r->pending.data, r->pending.len, false);
        r->pending.len = 0;
        if (ret < 0)
            return ret;
    }
    /* node_exporter reads no family of a file it refuses. */
    for (size_t i = 0; i < r->nfams && !r->refused; i++)
        fam_end(r, &r->fams[i]);
    if (r->nsamples == 0 && r->file_errors == 0 && !r->stopped)
        pf__text_report(r, 0, PF_RULE_EMPTY,
                        "%s: node_exporter reads it as no metrics, silently",
                        r->bytes ? "no samples" : "an empty file");
    r->in_file = false;
    fr = &r->files[r->file];
    fr->refused = r->refused;
    fr->first_sfam = r->nsfams;
    fr->nfams = r->nfams;
    sf = pf__text_grow(r->sfams, &r->capsfams, r->nsfams + r->nfams,
                       sizeof(*sf));
    if (!sf)
        return -ENOMEM;
    r->sfams = sf;
    for (size_t i = 0; i < r->nfams; i++) {
        fam *f = &r->fams[i];
        sfam *s = &r->sfams[r->nsfams + i];
        long id = union_id(r, f);

        if (id < 0)
            return (int)id;
        /* The file's names go at its next begin: the scope keeps its own. */
        s->name = pf__text_arena_dup(&r->arena, f->name, f->nlen);
        if (!s->name)
            return -ENOMEM;
        s->nlen = f->nlen;
        s->type = f->type;
        s->crash = f->crash;
        s->help = f->help;
        s->help_len = f->help_len;
        s->nsamples = f->nsamples;
        s->line = f->first_line;
        s->file = r->file;
        s->names = (uint32_t)id;
    }
    r->nsfams += r->nfams;
    return 0;
}
