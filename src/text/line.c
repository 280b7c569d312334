/* SPDX-License-Identifier: MIT */
/*
 * The lines of a textfile, each read as prometheus/common's TextParser
 * (v0.37, the parser of node_exporter 1.5 and promtool 2.42) reads it:
 * the same tokens and blanks, the same family for each sample, the same
 * grouping of the samples of a histogram or summary into series. Where
 * the parser stops at its first error, the reader reports the line and
 * reads the next one. With each sample, the rules of samples and series:
 * values, labels, histograms, duplicates.
 */
#include "reader-int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Labels and keys ---- */

static size_t skip_blanks(const char *p, size_t i, size_t n)
{
    while (i < n && pf__is_blank(p[i]))
        i++;
    return i;
}

static void lp_reset(lineparse *lp)
{
    lp->buf.len = 0;
    lp->nlabs = 0;
    lp->special = false;
    lp->reserved = -1;
    lp->cr = false;
    lp->has_le = lp->has_quantile = false;
}

void pf__text_lp_release(lineparse *lp)
{
    pf__buf_release(&lp->buf);
    pf__buf_release(&lp->key);
    pf__buf_release(&lp->gkey);
    pf__free(lp->labs);
    pf__free(lp->order);
    memset(lp, 0, sizeof(*lp));
}

static int lp_fail(lineparse *lp, enum pf_rule rule, const char *fmt, ...)
    PF_PRINTF(3, 4);

/* A refusal: returns 1. */
static int lp_fail(lineparse *lp, enum pf_rule rule, const char *fmt, ...)
{
    va_list ap;

    lp->rule = rule;
    va_start(ap, fmt);
    vsnprintf(lp->msg, sizeof(lp->msg), fmt, ap);
    va_end(ap);
    return 1;
}

/* A carriage return where the parser wanted something else is what
 * breaks a CRLF file: say so rather than "syntax". */
static enum pf_rule cr_or(const char *p, size_t n, enum pf_rule rule)
{
    return memchr(p, '\r', n) ? PF_RULE_CR : rule;
}

/* Not what the label set needs at p[i]: refused. */
static int lp_unexpected(lineparse *lp, const char *p, size_t i, size_t n,
                         const char *want)
{
    char b[8];

    if (i >= n)
        return lp_fail(lp, PF_RULE_LABEL_SYNTAX,
                       "the label set has no closing '}'");
    return lp_fail(lp, cr_or(p + i, 1, PF_RULE_LABEL_SYNTAX),
                   "expected %s at column %zu, found '%s'", want, i + 1,
                   pf__text_shown(b, sizeof(b), p + i, 1));
}

static const char *lp_str(const lineparse *lp, size_t off)
{
    return lp->buf.data + off;
}

/* Read the label set "{...}" at p[*pi] as the parser's startLabelName()
 * and startLabelValue() do; with mode SP_LE or SP_QUANTILE, le or quantile
 * is taken apart as they do in a histogram or summary. Returns 0 (*pi
 * after the set and the blanks after it), 1 (refused: lp->rule and
 * lp->msg) or -ENOMEM. */
static int parse_labels(lineparse *lp, const char *p, size_t n, size_t *pi,
                        enum special mode)
{
    size_t i = *pi + 1;
    char b[80];

    for (;;) {
        size_t ns, ne, noff, voff, vlen;
        const char *name, *val;
        bool special;

        i = skip_blanks(p, i, n);
        if (i < n && p[i] == '}') {
            i = skip_blanks(p, i + 1, n);
            break;
        }
        ns = i;
        ne = ns + pf__name_span(p + ns, n - ns, false);
        if (ne == ns)
            return lp_unexpected(lp, p, i, n, "a label name or '}'");
        noff = lp->buf.len;
        pf__buf_put(&lp->buf, p + ns, ne - ns);
        pf__buf_putc(&lp->buf, '\0');
        if (lp->buf.failed)
            return -ENOMEM;
        name = lp_str(lp, noff);
        if (strcmp(name, PF_LABEL_METRIC_NAME) == 0)
            return lp_fail(lp, PF_RULE_RESERVED_NAME_LABEL,
                           "the label name %s is reserved for the metric "
                           "name",
                           PF_LABEL_METRIC_NAME);
        special = (mode == SP_LE && strcmp(name, PF_LABEL_LE) == 0) ||
                  (mode == SP_QUANTILE && strcmp(name, PF_LABEL_QUANTILE) == 0);
        i = skip_blanks(p, ne, n);
        if (i >= n || p[i] != '=')
            return lp_fail(lp, cr_or(p + i, i < n, PF_RULE_LABEL_SYNTAX),
                           "expected '=' after the label name \"%.60s\"", name);
        /* The parser takes the le of a histogram and the quantile of a
         * summary apart: twice is no duplicate to it. */
        for (size_t k = 0; !special && k < lp->nlabs; k++)
            if (lp->labs[k].nlen == ne - ns &&
                memcmp(lp_str(lp, lp->labs[k].name), name, ne - ns) == 0)
                return lp_fail(lp, PF_RULE_LABEL_DUP,
                               "the label \"%.60s\" appears twice", name);
        i = skip_blanks(p, i + 1, n);
        if (i >= n || p[i] != '"')
            return lp_fail(lp, cr_or(p + i, i < n, PF_RULE_LABEL_SYNTAX),
                           "expected '\"' to start the value of the label "
                           "\"%.60s\"",
                           name);
        voff = lp->buf.len;
        for (i++;; i++) {
            int u;

            if (i >= n)
                return lp_fail(lp, PF_RULE_LABEL_SYNTAX,
                               "the value of the label \"%.60s\" has no "
                               "closing '\"' on its line",
                               lp_str(lp, noff));
            if (p[i] == '"')
                break;
            if (p[i] != '\\') {
                if (p[i] == '\r')
                    lp->cr = true;
                pf__buf_putc(&lp->buf, p[i]);
                continue;
            }
            u = i + 1 < n ? pf__label_unescape(p[i + 1]) : -1;
            if (u < 0 && i + 1 >= n)
                return lp_fail(lp, PF_RULE_LABEL_ESCAPE,
                               "a backslash ends the line in the value of "
                               "the label \"%.60s\"",
                               lp_str(lp, noff));
            if (u < 0)
                return lp_fail(lp, PF_RULE_LABEL_ESCAPE,
                               "invalid escape sequence \"\\%s\" in the "
                               "value of the label \"%.60s\" (only \\\\, "
                               "\\\" and \\n exist)",
                               pf__text_shown(b, 8, p + i + 1, 1),
                               lp_str(lp, noff));
            pf__buf_putc(&lp->buf, (char)u);
            i++;
        }
        vlen = lp->buf.len - voff;
        pf__buf_putc(&lp->buf, '\0');
        if (lp->buf.failed)
            return -ENOMEM;
        name = lp_str(lp, noff);
        val = lp_str(lp, voff);
        if (!pf__utf8_valid(val, vlen))
            return lp_fail(lp, PF_RULE_UTF8,
                           "the value of the label \"%.60s\" is not valid "
                           "UTF-8",
                           name);
        if (special) {
            double v;
            bool canon;

            if (!pf__parse_value(val, vlen, &v, &canon))
                return lp_fail(lp, PF_RULE_LE_QUANTILE_VALUE,
                               "%s=\"%s\" is not a number Go's ParseFloat "
                               "accepts",
                               name, pf__text_shown(b, sizeof(b), val, vlen));
            /* The last one counts, as in the parser. */
            lp->special = true;
            lp->special_v = v;
            lp->special_canon = canon;
            lp->special_name = noff;
            lp->special_val = voff;
            lp->special_vlen = vlen;
        } else {
            if (lp->nlabs == lp->caplabs) {
                size_t cap = lp->caplabs;
                lab *v = pf__text_grow(lp->labs, &cap, cap + 1, sizeof(*v));
                size_t *o;

                if (!v)
                    return -ENOMEM;
                lp->labs = v;
                o = pf__text_grow(lp->order, &lp->caplabs, cap, sizeof(*o));
                if (!o)
                    return -ENOMEM;
                lp->order = o;
            }
            lp->labs[lp->nlabs] = (lab){noff, ne - ns, voff, vlen};
            if (lp->reserved < 0 && pf__name_reserved(name))
                lp->reserved = (long)lp->nlabs;
            lp->has_le |= strcmp(name, PF_LABEL_LE) == 0;
            lp->has_quantile |= strcmp(name, PF_LABEL_QUANTILE) == 0;
            lp->nlabs++;
        }
        i = skip_blanks(p, i + 1, n);
        if (i < n && p[i] == ',')
            i++;
        else if (i >= n || p[i] != '}')
            return lp_unexpected(lp, p, i, n, "',' or '}'");
        /* A '}' ends the set at the top of the loop. */
    }
    *pi = i;
    return 0;
}

/* Sort lp->order by label name (names are distinct: duplicates were
 * refused). Insertion sort: samples have few labels. */
static void sort_labels(lineparse *lp)
{
    for (size_t i = 0; i < lp->nlabs; i++) {
        size_t v = lp->order[i] = i, j = i;

        while (j > 0) {
            const lab *a = &lp->labs[lp->order[j - 1]], *c = &lp->labs[v];
            size_t m = a->nlen < c->nlen ? a->nlen : c->nlen;
            int d = memcmp(lp_str(lp, a->name), lp_str(lp, c->name), m);

            if (d < 0 || (d == 0 && a->nlen < c->nlen))
                break;
            lp->order[j] = lp->order[j - 1];
            j--;
        }
        lp->order[j] = v;
    }
}

void pf__text_put_part(pf_buf *b, const char *s, size_t n)
{
    size_t v = n;

    while (v >= 0x80) {
        pf__buf_putc(b, (char)(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    pf__buf_putc(b, (char)v);
    pf__buf_put(b, s, n);
}

/* The key of a series in *out: the name, then each label (sorted by name)
 * and its value, each part preceded by its length, so that any bytes may
 * be in it; with keep_empty false, labels with an empty value are left out
 * (node_exporter takes them for absent). Call sort_labels() first. */
static int build_key(const lineparse *lp, pf_buf *out, const char *name,
                     size_t nlen, bool keep_empty)
{
    out->len = 0;
    pf__text_put_part(out, name, nlen);
    for (size_t k = 0; k < lp->nlabs; k++) {
        const lab *l = &lp->labs[lp->order[k]];

        if (!keep_empty && l->vlen == 0)
            continue;
        pf__text_put_part(out, lp_str(lp, l->name), l->nlen);
        pf__text_put_part(out, lp_str(lp, l->val), l->vlen);
    }
    return out->failed ? -ENOMEM : 0;
}

/* ---- Series ---- */

/* A metric of node_exporter's, key[0..len) of family fi, on `line`: the
 * same key twice in a file is a duplicate; in two files, one if their
 * families have the same label names (decided in pf__reader_finish()). */
static int series_add(pf_reader *r, long fi, const char *key, size_t len,
                      unsigned line)
{
    bool added;
    long idx = pf__text_keys_get(&r->series, key, len, &added), last, a;
    pf_text_key *k;
    char b[120];

    if (idx < 0)
        return (int)idx;
    k = r->series.keys;
    if (added) {
        k[idx].a = line;
        k[idx].b = r->file;
        k[idx].c = (uint32_t)fi;
        return 0;
    }
    for (last = idx;; last = (long)k[last].d - 1) {
        if (k[last].b == r->file) {
            pf__text_report(r, line, PF_RULE_DUPLICATE,
                            "the series %s is also on line %u (an empty label "
                            "value is no label): node_exporter drops one",
                            pf__text_key_shown(b, sizeof(b), key, len),
                            k[last].a);
            return 0;
        }
        if (!k[last].d)
            break;
    }
    a = pf__text_keys_push_alias(&r->series, (size_t)idx);
    if (a < 0)
        return (int)a;
    k = r->series.keys;
    k[a].a = line;
    k[a].b = r->file;
    k[a].c = (uint32_t)fi;
    k[last].d = (uint32_t)a + 1;
    if (last == idx) {
        uint32_t *m =
            pf__text_grow(r->multi, &r->capmulti, r->nmulti + 1, sizeof(*m));

        if (!m)
            return -ENOMEM;
        r->multi = m;
        r->multi[r->nmulti++] = (uint32_t)idx;
    }
    return 0;
}

/* Is v a count, a whole number >= 0? */
static bool whole(double v)
{
    return isfinite(v) && v >= 0 && v == floor(v);
}

/* A sample of histogram f, in its series gi (part: how its name was
 * resolved). What the parser does with it, and the rules of buckets. */
static void hist_sample(pf_reader *r, fam *f, long gi, enum pf_suffix part,
                        const lineparse *lp, double v, unsigned line)
{
    group *g = &f->gv[gi];
    char b[40];
    double le = lp->special_v;

    if (part == PF_SUFFIX_SUM) {
        g->has_sum = true;
        return;
    }
    if (part == PF_SUFFIX_COUNT) {
        if (!whole(v))
            pf__text_report(r, line, PF_RULE_HISTOGRAM,
                            "the _count of %s is not a whole number >= 0",
                            f->name);
        g->has_count = true;
        g->count_value = v;
        g->count_line = line;
        return;
    }
    /* Without le, or le="NaN", the parser makes no bucket of it. */
    if (!lp->special)
        return;
    if (isnan(le)) {
        pf__text_report(
            r, line, PF_RULE_HISTOGRAM,
            "le=\"%s\" makes no bucket of %s: the parser ignores it",
            pf__text_shown(b, sizeof(b), lp_str(lp, lp->special_val),
                           lp->special_vlen),
            f->name);
        return;
    }
    if (!whole(v))
        pf__text_report(r, line, PF_RULE_HISTOGRAM,
                        "the bucket count of %s is not a whole number >= 0",
                        f->name);
    if (g->nbuckets > 0 && le == g->last_le)
        pf__text_report(r, line, PF_RULE_HISTOGRAM,
                        "the bucket le=\"%s\" of %s is also on line %u "
                        "(node_exporter keeps the last)",
                        pf__text_shown(b, sizeof(b),
                                       lp_str(lp, lp->special_val),
                                       lp->special_vlen),
                        f->name, g->last_line);
    else if (g->nbuckets > 0 && (le < g->last_le || v < g->last_value))
        pf__text_report(r, line, PF_RULE_HISTOGRAM,
                        "the buckets of %s are not %s (after line %u)", f->name,
                        le < g->last_le ? "in increasing le order"
                                        : "cumulative: this count is lower",
                        g->last_line);
    if (isinf(le) && le > 0) {
        g->has_inf = true;
        g->inf_value = v;
        g->inf_line = line;
    }
    g->last_le = le;
    g->last_value = v;
    g->last_line = line;
    g->nbuckets++;
}

/* Add the label names of the sample to the family's union. */
static int union_add(pf_reader *r, fam *f, const lineparse *lp, unsigned line)
{
    uint64_t sig = 0x2545f4914f6cdd1dULL;

    /* Most samples of a family have the label names of the one before. */
    for (size_t k = 0; k < lp->nlabs; k++)
        sig = (sig ^
               pf__text_hash(lp_str(lp, lp->labs[k].name), lp->labs[k].nlen)) *
              0x9e3779b97f4a7c15ULL;
    if (f->nsamples > 1 && sig == f->names_sig)
        return 0;
    f->names_sig = sig;
    for (size_t k = 0; k < lp->nlabs; k++) {
        const lab *l = &lp->labs[k];
        const char *name = lp_str(lp, l->name);
        bool found = false;
        lname *v;

        for (size_t j = 0; j < f->nnames && !found; j++)
            found = f->names[j].len == l->nlen &&
                    memcmp(f->names[j].name, name, l->nlen) == 0;
        if (found)
            continue;
        v = pf__text_grow(f->names, &f->capnames, f->nnames + 1, sizeof(*v));
        if (!v)
            return -ENOMEM;
        f->names = v;
        f->names[f->nnames].name = pf__text_arena_dup(&r->arena, name, l->nlen);
        if (!f->names[f->nnames].name)
            return -ENOMEM;
        f->names[f->nnames].len = l->nlen;
        f->names[f->nnames].line = line;
        f->nnames++;
    }
    return 0;
}

/* ---- Lines ---- */

/* Why Go's ParseFloat refuses a value, for the message. */
static const char *float_hint(const char *s, size_t n)
{
    if (n >= 4 && (memcmp(s, "-nan", 4) == 0 || memcmp(s, "-NaN", 4) == 0))
        return " (glibc's printf(\"%g\", NAN) prints it; write NaN)";
    if (n >= 1 && (s[0] == '+' || s[0] == '-') && n >= 4 &&
        (s[1] == 'n' || s[1] == 'N'))
        return " (NaN takes no sign)";
    if (memchr(s, ',', n))
        return " (a decimal comma: printf under a comma locale?)";
    if (memchr(s, 'x', n) || memchr(s, 'X', n))
        return " (hexadecimal numbers are refused)";
    if (memchr(s, '_', n))
        return " (digit separators are refused)";
    return "";
}

/* The spelling the library would write for v. */
static const char *spelling_hint(double v)
{
    if (isnan(v))
        return "write " PF_VALUE_NAN;
    if (isinf(v))
        return v > 0 ? "write " PF_VALUE_PINF : "write " PF_VALUE_NINF;
    return "write decimal digits without a '+'";
}

static int read_help(pf_reader *r, long fi, const char *t, size_t m,
                     pf_reader_line *l)
{
    fam *f = &r->fams[fi];
    pf_buf *b = &r->lp.buf;
    char s[8];

    if (f->help) {
        pf__text_report(r, l->no, PF_RULE_HELP_DUP,
                        "second HELP for %s (the first is on line %u)", f->name,
                        f->help_line);
        return 0;
    }
    b->len = 0;
    for (size_t j = 0; j < m; j++) {
        int u;

        if (t[j] != '\\') {
            pf__buf_putc(b, t[j]);
            continue;
        }
        u = j + 1 < m ? pf__help_unescape(t[j + 1]) : -1;
        if (u < 0) {
            if (j + 1 < m)
                pf__text_report(
                    r, l->no, PF_RULE_HELP_ESCAPE,
                    "invalid escape sequence \"\\%s\" in the HELP of %s "
                    "(only \\\\ and \\n exist; node_exporter up to 1.8 "
                    "refuses \\\")",
                    pf__text_shown(s, sizeof(s), t + j + 1, 1), f->name);
            else
                pf__text_report(
                    r, l->no, PF_RULE_HELP_ESCAPE,
                    "the HELP of %s ends in a backslash, which escapes "
                    "the newline",
                    f->name);
            return 0;
        }
        pf__buf_putc(b, (char)u);
        j++;
    }
    if (b->failed)
        return -ENOMEM;
    f->help = pf__text_arena_dup(&r->arena, b->data ? b->data : "", b->len);
    if (!f->help)
        return -ENOMEM;
    f->help_len = b->len;
    f->help_line = l->no;
    f->help_off = l->off;
    f->help_end = l->off + l->len + l->newline;
    l->kind = PF_LINE_HELP;
    if (!pf__utf8_valid(f->help, f->help_len))
        pf__text_report(
            r, l->no, PF_RULE_UTF8_HELP,
            "the HELP of %s is not valid UTF-8 (node_exporter passes "
            "the bytes through)",
            f->name);
    if (memchr(t, '\r', m))
        pf__text_report(
            r, l->no, PF_RULE_CR_TEXT,
            "a carriage return in the HELP of %s (a CRLF line end?): "
            "it becomes part of the text",
            f->name);
    if (f->nsamples > 0)
        pf__text_report(r, l->no, PF_RULE_HELP_ORDER,
                        "the HELP of %s comes after its samples", f->name);
    return 0;
}

static void read_type(pf_reader *r, long fi, const char *t, size_t m,
                      pf_reader_line *l)
{
    fam *f = &r->fams[fi];
    char s[40];
    enum pf_type type = PF_TYPE_UNTYPED;

    if (f->typed == TYPED_LINE) {
        pf__text_report(r, l->no, PF_RULE_TYPE_DUP,
                        "second TYPE for %s (the first is on line %u)", f->name,
                        f->type_line);
        return;
    }
    if (f->typed == TYPED_SAMPLE) {
        pf__text_report(r, l->no, PF_RULE_TYPE_AFTER_SAMPLES,
                        "the TYPE of %s comes after its samples (line %u)",
                        f->name, f->first_line);
        return;
    }
    switch (pf__type_parse(t, m, &type)) {
    case PF_TOKEN_EXACT:
        break;
    case PF_TOKEN_FOLDED:
        pf__text_report(r, l->no, PF_RULE_TYPE_CASE,
                        "TYPE \"%s\" is read as %s: write it in lower case",
                        pf__text_shown(s, sizeof(s), t, m),
                        pf__type_name(type));
        break;
    case PF_TOKEN_CRASH:
        f->crash = true;
        break;
    case PF_TOKEN_UNKNOWN:
        if (memchr(t, '\r', m))
            pf__text_report(r, l->no, PF_RULE_CR,
                            "TYPE \"%s\" ends in a carriage return (CRLF line "
                            "ends?), which makes it no type",
                            pf__text_shown(s, sizeof(s), t, m));
        else if (pf__type_openmetrics(t, m))
            pf__text_report(
                r, l->no, PF_RULE_OPENMETRICS,
                "TYPE \"%s\" is OpenMetrics only; the text format 0.0.4 "
                "knows counter, gauge, histogram, summary and untyped",
                pf__text_shown(s, sizeof(s), t, m));
        else
            pf__text_report(r, l->no, PF_RULE_TYPE,
                            "unknown TYPE \"%s\" (counter, gauge, histogram, "
                            "summary or untyped, without trailing blanks)",
                            pf__text_shown(s, sizeof(s), t, m));
        return;
    }
    f->type = type;
    f->typed = TYPED_LINE;
    f->type_line = l->no;
    f->type_off = l->off;
    f->type_end = l->off + l->len + l->newline;
    l->kind = PF_LINE_TYPE;
}

/* A comment line, '#' at p[i]: startComment() of the parser. */
static int read_comment(pf_reader *r, const char *p, size_t n, size_t i,
                        pf_reader_line *l)
{
    size_t k = skip_blanks(p, i + 1, n), ke = k, ns, ne;
    enum pf_keyword kw;
    enum pf_suffix part;
    const char *what;
    char s[80];
    long fi;

    l->kind = PF_LINE_COMMENT;
    while (ke < n && !pf__is_blank(p[ke]))
        ke++;
    kw = pf__comment_keyword(p + k, ke - k);
    if (kw == PF_KEYWORD_EOF) {
        pf__text_report(r, l->no, PF_RULE_EOF,
                        "\"# EOF\" is OpenMetrics; the 0.0.4 format has no end "
                        "marker (read as a plain comment)");
        return 0;
    }
    if (kw == PF_KEYWORD_UNIT) {
        pf__text_report(r, l->no, PF_RULE_UNIT,
                        "\"# UNIT\" is OpenMetrics (read as a plain comment)");
        return 0;
    }
    if (kw == PF_KEYWORD_NONE) {
        if (memchr(p, '\r', n))
            pf__text_report(
                r, l->no, PF_RULE_CR_TEXT,
                "a carriage return in a comment (a CRLF line end?)");
        return 0;
    }
    what = kw == PF_KEYWORD_HELP ? "HELP" : "TYPE";
    ns = skip_blanks(p, ke, n);
    ne = ns + pf__name_span(p + ns, n - ns, true);
    if (ne == n) {
        /* The parser stops at the end of the line, creating nothing. */
        if (ne == ns)
            pf__text_report(r, l->no, PF_RULE_IGNORED,
                            "\"# %s\" without a metric name is ignored", what);
        else
            pf__text_report(r, l->no, PF_RULE_IGNORED,
                            "\"# %s %s\" without %s is ignored", what,
                            pf__text_shown(s, sizeof(s), p + ns, ne - ns),
                            kw == PF_KEYWORD_HELP ? "a text" : "a type");
        return 0;
    }
    if (!pf__is_blank(p[ne])) {
        l->kind = PF_LINE_BAD;
        pf__text_report(r, l->no, cr_or(p + ne, 1, PF_RULE_NAME),
                        "invalid metric name in \"# %s\" at column %zu", what,
                        ne + 1);
        return 0;
    }
    fi = pf__text_fam_get(r, p + ns, ne - ns, &part);
    if (fi < 0)
        return (int)fi;
    k = skip_blanks(p, ne, n);
    if (k == n) {
        /* Blanks after the name: the parser made the family first. */
        pf__text_report(r, l->no, PF_RULE_IGNORED,
                        "\"# %s %s\" without %s is ignored", what,
                        r->fams[fi].name,
                        kw == PF_KEYWORD_HELP ? "a text" : "a type");
        return 0;
    }
    l->kind = PF_LINE_BAD;
    l->fam = (int)fi;
    pf__text_enter_family(r, fi, l->no);
    if (kw == PF_KEYWORD_HELP)
        return read_help(r, fi, p + k, n - k, l);
    read_type(r, fi, p + k, n - k, l);
    return 0;
}

/* What the parser makes of a sample of a histogram or summary that is
 * not what its name says (part: how its name was resolved): a reason,
 * with its rule in *rule, or NULL. */
static const char *misplaced(enum special mode, enum pf_suffix part,
                             const lineparse *lp, enum pf_rule *rule)
{
    *rule = mode == SP_LE ? PF_RULE_HISTOGRAM : PF_RULE_SUMMARY;
    if (mode == SP_NONE)
        return NULL;
    if (mode == SP_LE && part == PF_SUFFIX_NONE)
        return lp->special ? "has no _bucket suffix (read as a bucket)"
                           : "has no _bucket, _sum or _count suffix (the "
                             "parser ignores it)";
    if (mode == SP_LE && part == PF_SUFFIX_BUCKET)
        return lp->special ? NULL : "has no le label (the parser ignores it)";
    if (mode == SP_QUANTILE && part == PF_SUFFIX_NONE && !lp->special)
        return "has no quantile label (the parser ignores it)";
    if (mode == SP_QUANTILE && part == PF_SUFFIX_NONE)
        return isnan(lp->special_v) ? "has quantile=\"NaN\", which makes "
                                      "no quantile (the parser ignores it)"
                                    : NULL;
    /* A _sum or _count. */
    *rule = PF_RULE_LE_QUANTILE;
    return lp->special ? "has an le or quantile label, which the parser "
                         "ignores there"
                       : NULL;
}

/* The rules of a sample that the parser read, of family fi. */
static int sample(pf_reader *r, long fi, enum pf_suffix part, enum special mode,
                  const char *p, size_t ns, size_t ne, double v, bool canon,
                  pf_reader_line *l)
{
    lineparse *lp = &r->lp;
    fam *f = &r->fams[fi];
    char b[80], c[40];
    enum pf_rule rule;
    const char *why;
    int ret;

    r->nsamples++;
    if (lp->reserved >= 0)
        pf__text_report(r, l->no, PF_RULE_RESERVED_LABEL,
                        "the label name \"%.60s\" starts with \"%s\", which is "
                        "reserved: node_exporter panics on it",
                        lp_str(lp, lp->labs[lp->reserved].name),
                        PF_RESERVED_PREFIX);
    if (lp->cr)
        pf__text_report(
            r, l->no, PF_RULE_CR_TEXT,
            "a carriage return in a label value of %s: node_exporter "
            "keeps it",
            f->name);
    if (!canon)
        pf__text_report(
            r, l->no, PF_RULE_VALUE_SPELLING,
            "the value \"%s\" is read, but %s",
            pf__text_shown(c, sizeof(c), p + (l->voff - l->off), l->vlen),
            spelling_hint(v));
    if (f->typed == TYPED_LINE && !f->crash && f->type == PF_TYPE_COUNTER) {
        if (isnan(v))
            pf__text_report(r, l->no, PF_RULE_COUNTER_NAN,
                            "the counter %s is NaN", f->name);
        else if (v < 0)
            pf__text_report(r, l->no, PF_RULE_COUNTER_NEGATIVE,
                            "the counter %s is negative", f->name);
    }
    pf__text_shown(b, sizeof(b), p + ns, ne - ns);
    why = misplaced(mode, part, lp, &rule);
    if (why)
        pf__text_report(r, l->no, rule, "the sample %s of the %s %s %s", b,
                        pf__type_name(f->type), f->name, why);
    if (lp->has_le || lp->has_quantile)
        pf__text_report(r, l->no, PF_RULE_LE_QUANTILE,
                        "the label %s belongs to %s, not to %s",
                        lp->has_le ? PF_LABEL_LE : PF_LABEL_QUANTILE,
                        lp->has_le ? "the buckets of histograms" : "summaries",
                        b);
    if (lp->special && !lp->special_canon)
        pf__text_report(
            r, l->no, PF_RULE_VALUE_SPELLING, "%s=\"%s\" is read, but %s",
            lp_str(lp, lp->special_name),
            pf__text_shown(c, sizeof(c), lp_str(lp, lp->special_val),
                           lp->special_vlen),
            spelling_hint(lp->special_v));
    pf__text_enter_family(r, fi, l->no);
    f = &r->fams[fi];
    if (f->nsamples == 0)
        f->first_line = l->no;
    f->nsamples++;
    f->last_end = l->off + l->len + l->newline;
    ret = union_add(r, f, lp, l->no);
    if (ret < 0)
        return ret;
    sort_labels(lp);
    if (mode == SP_NONE || r->o.line) {
        ret = build_key(lp, &lp->key, p + ns, ne - ns, false);
        if (ret < 0)
            return ret;
        l->key = lp->key.data;
        l->keylen = lp->key.len;
    }
    if (mode == SP_NONE)
        return series_add(r, fi, lp->key.data, lp->key.len, l->no);
    {
        bool added;
        long gi;

        /* The parser's series of a histogram or summary: its exact label
         * set, where "" is a value like any other. */
        ret = build_key(lp, &lp->gkey, f->name, f->nlen, true);
        if (ret < 0)
            return ret;
        gi = pf__text_keys_get(&f->groups, lp->gkey.data, lp->gkey.len, &added);
        if (gi < 0)
            return (int)gi;
        if (added) {
            group *g =
                pf__text_grow(f->gv, &f->capgv, (size_t)gi + 1, sizeof(*g));

            if (!g)
                return -ENOMEM;
            f->gv = g;
            memset(&f->gv[gi], 0, sizeof(f->gv[gi]));
            f->gv[gi].line = l->no;
            /* One metric to node_exporter, whose labels are completed
             * with "": duplicates ignore empty values. */
            ret = build_key(lp, &lp->gkey, f->name, f->nlen, false);
            if (ret == 0)
                ret = series_add(r, fi, lp->gkey.data, lp->gkey.len, l->no);
            if (ret < 0)
                return ret;
        }
        if (mode == SP_LE)
            hist_sample(r, f, gi, part, lp, v, l->no);
    }
    return 0;
}

/* A sample line, its first byte at p[i]: readingMetricName() and the
 * states after it. */
static int read_sample(pf_reader *r, const char *p, size_t n, size_t i,
                       pf_reader_line *l)
{
    lineparse *lp = &r->lp;
    size_t ns = i, ne = i + pf__name_span(p + i, n - i, true), vs, ve;
    enum pf_suffix part;
    enum special mode = SP_NONE;
    char b[80], c[8];
    double v;
    bool canon;
    long fi;
    fam *f;
    int ret;

    l->kind = PF_LINE_BAD;
    if (ne == ns) {
        if (p[i] == '{')
            pf__text_report(
                r, l->no, PF_RULE_NO_NAME,
                "a sample without a metric name (node_exporter 1.9.1 "
                "and later crash on it)");
        else
            pf__text_report(
                r, l->no, cr_or(p + i, 1, PF_RULE_SYNTAX),
                "expected a metric name, a comment or a blank line, "
                "found '%s'",
                pf__text_shown(c, sizeof(c), p + i, 1));
        return 0;
    }
    fi = pf__text_fam_get(r, p + ns, ne - ns, &part);
    if (fi < 0)
        return (int)fi;
    f = &r->fams[fi];
    if (f->typed == TYPED_NONE) {
        f->typed = TYPED_SAMPLE;
        f->type = PF_TYPE_UNTYPED;
    }
    if (!f->crash && f->type == PF_TYPE_HISTOGRAM)
        mode = SP_LE;
    else if (!f->crash && f->type == PF_TYPE_SUMMARY)
        mode = SP_QUANTILE;
    i = skip_blanks(p, ne, n);
    lp_reset(lp);
    if (i < n && p[i] == '{') {
        ret = parse_labels(lp, p, n, &i, mode);
        if (ret < 0)
            return ret;
        if (ret > 0) {
            pf__text_report(r, l->no, lp->rule, "%s", lp->msg);
            return 0;
        }
    }
    vs = i;
    for (ve = vs; ve < n && !pf__is_blank(p[ve]); ve++)
        ;
    if (!pf__parse_value(p + vs, ve - vs, &v, &canon)) {
        if (ve == vs)
            pf__text_report(r, l->no, PF_RULE_VALUE,
                            "the sample %s has no value",
                            pf__text_shown(b, sizeof(b), p + ns, ne - ns));
        else if (memchr(p + vs, '\r', ve - vs))
            pf__text_report(r, l->no, PF_RULE_CR,
                            "a carriage return in the value \"%s\" (CRLF line "
                            "ends?): it is no number",
                            pf__text_shown(b, sizeof(b), p + vs, ve - vs));
        else
            pf__text_report(r, l->no, PF_RULE_VALUE,
                            "\"%s\" is not a value Go's ParseFloat accepts%s",
                            pf__text_shown(b, sizeof(b), p + vs, ve - vs),
                            float_hint(p + vs, ve - vs));
        return 0;
    }
    if (ve < n) {
        size_t ts = skip_blanks(p, ve, n), te = ts;

        while (te < n && !pf__is_blank(p[te]))
            te++;
        if (ts == n)
            pf__text_report(r, l->no, PF_RULE_SYNTAX,
                            "blanks after the value: the parser reads an empty "
                            "timestamp there");
        else if (pf__parse_timestamp(p + ts, te - ts) && te == n)
            pf__text_report(
                r, l->no, PF_RULE_TIMESTAMP,
                "a sample with a timestamp: node_exporter refuses the "
                "whole file");
        else if (pf__parse_timestamp(p + ts, te - ts))
            pf__text_report(r, l->no, cr_or(p + te, n - te, PF_RULE_SYNTAX),
                            "text after the timestamp");
        else if (p[ts] == '#')
            pf__text_report(r, l->no, PF_RULE_EXEMPLAR,
                            "an exemplar (OpenMetrics): the parser wants a "
                            "timestamp there");
        else
            pf__text_report(r, l->no, cr_or(p + ts, te - ts, PF_RULE_SYNTAX),
                            "unexpected \"%s\" after the value",
                            pf__text_shown(b, sizeof(b), p + ts, te - ts));
        return 0;
    }
    l->kind = PF_LINE_SAMPLE;
    l->fam = (int)fi;
    l->voff = l->off + vs;
    l->vlen = ve - vs;
    l->value = v;
    return sample(r, fi, part, mode, p, ns, ne, v, canon, l);
}

int pf__text_read_line(pf_reader *r, const char *p, size_t n, bool nl)
{
    pf_reader_line l;
    size_t i = skip_blanks(p, 0, n);
    int ret = 0;

    memset(&l, 0, sizeof(l));
    l.no = ++r->line;
    l.off = r->off;
    l.len = n;
    l.newline = nl;
    l.fam = -1;
    l.kind = PF_LINE_BLANK;
    /* A last line of blanks without a newline is no error: the parser
     * meets the end of its input while it skips them. */
    if (i < n) {
        if (!nl)
            pf__text_report(
                r, l.no, PF_RULE_NEWLINE,
                "the last line has no final newline (a file cut off?): "
                "node_exporter refuses the file");
        if (p[i] == '#')
            ret = read_comment(r, p, n, i, &l);
        else
            ret = read_sample(r, p, n, i, &l);
    }
    r->off += n + nl;
    if (ret == 0 && r->o.line)
        r->o.line(r->o.ctx, &l);
    return ret;
}

/* ---- Series given as text ---- */

int pf__reader_parse_series(const char *s, size_t n, pf_reader_series *ret,
                            enum pf_rule *rule, char *msg, size_t msgsz)
{
    lineparse lp = {0};
    size_t ne = pf__name_span(s, n, true), i, size;
    pf_reader_label *labels;
    char *mem, *q, b[80];
    int r;

    memset(ret, 0, sizeof(*ret));
    lp.reserved = -1;
    if (ne == 0) {
        *rule = n && s[0] == '{' ? PF_RULE_NO_NAME : PF_RULE_SYNTAX;
        snprintf(msg, msgsz,
                 "\"%s\" does not start with a metric name "
                 "([a-zA-Z_:][a-zA-Z0-9_:]*)",
                 pf__text_shown(b, sizeof(b), s, n));
        return -EINVAL;
    }
    i = skip_blanks(s, ne, n);
    if (i < n && s[i] == '{') {
        r = parse_labels(&lp, s, n, &i, SP_NONE);
        if (r != 0) {
            *rule = lp.rule;
            snprintf(msg, msgsz, "%s", lp.msg);
            pf__text_lp_release(&lp);
            return r < 0 ? r : -EINVAL;
        }
    }
    if (i != n) {
        *rule = PF_RULE_SYNTAX;
        snprintf(msg, msgsz,
                 "unexpected \"%s\" after the series; write "
                 "name{label=\"value\",...}",
                 pf__text_shown(b, sizeof(b), s + i, n - i));
        pf__text_lp_release(&lp);
        return -EINVAL;
    }
    if (lp.reserved >= 0) {
        *rule = PF_RULE_RESERVED_LABEL;
        snprintf(msg, msgsz,
                 "the label name \"%.60s\" starts with \"%s\", which is "
                 "reserved (node_exporter crashes on it)",
                 lp_str(&lp, lp.labs[lp.reserved].name), PF_RESERVED_PREFIX);
        pf__text_lp_release(&lp);
        return -EINVAL;
    }
    sort_labels(&lp);
    r = build_key(&lp, &lp.key, s, ne, false);
    if (r < 0) {
        pf__text_lp_release(&lp);
        return r;
    }
    /* One block: the labels, the name, the names and values, the key. */
    size = lp.nlabs * sizeof(*labels) + ne + 1 + lp.buf.len + lp.key.len;
    mem = pf__malloc(size ? size : 1);
    if (!mem) {
        pf__text_lp_release(&lp);
        return -ENOMEM;
    }
    labels = (pf_reader_label *)(void *)mem;
    q = mem + lp.nlabs * sizeof(*labels);
    memcpy(q, s, ne);
    q[ne] = '\0';
    ret->name = q;
    q += ne + 1;
    if (lp.buf.len)
        memcpy(q, lp.buf.data, lp.buf.len);
    for (size_t k = 0; k < lp.nlabs; k++) {
        labels[k].name = q + lp.labs[k].name;
        labels[k].value = q + lp.labs[k].val;
        labels[k].vlen = lp.labs[k].vlen;
    }
    q += lp.buf.len;
    if (lp.key.len)
        memcpy(q, lp.key.data, lp.key.len);
    ret->key = q;
    ret->keylen = lp.key.len;
    ret->nlabels = lp.nlabs;
    ret->labels = labels;
    ret->mem = mem;
    pf__text_lp_release(&lp);
    return 0;
}

void pf__reader_series_clear(pf_reader_series *s)
{
    pf__free(s->mem);
    memset(s, 0, sizeof(*s));
}
