/* SPDX-License-Identifier: MIT */
/*
 * A parser of the text format 0.0.4 as prometheus/common's TextParser
 * reads it (the parser of node_exporter 1.5 and promtool 2.42), which
 * reports each syntax problem with its line and rule instead of stopping
 * at the first one, and keeps the byte offsets of every line and value so
 * that promfile set/inc/del can change one value and leave every other
 * byte alone.
 */
#include "tool.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = {
    [PT_UNTYPED] = "untyped",     [PT_COUNTER] = "counter",
    [PT_GAUGE] = "gauge",         [PT_HISTOGRAM] = "histogram",
    [PT_SUMMARY] = "summary",
};

const char *pt_type_name(enum pt_type t)
{
    return type_names[t];
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t skip_blanks(const char *p, size_t i, size_t n)
{
    while (i < n && is_blank(p[i]))
        i++;
    return i;
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, with colon false, a label
 * name, starting at p[i]. Returns its end (i when there is none). */
static size_t name_end(const char *p, size_t i, size_t n, bool colon)
{
    if (i < n && (is_name_start(p[i]) || (colon && p[i] == ':'))) {
        i++;
        while (i < n && (is_name_start(p[i]) || is_digit(p[i]) ||
                         (colon && p[i] == ':')))
            i++;
    }
    return i;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

bool pt_parse_float(const char *s, size_t n, double *ret)
{
    char tmp[512];
    size_t i = 0, digits = 0;
    bool sign = false;
    double v;
    char *end;

    /* prometheus/common refuses 'p' (hex floats need it) and '_' before
     * it calls ParseFloat; Go's ParseFloat itself refuses the rest. */
    if (n == 0 || n >= sizeof(tmp) || memchr(s, '\0', n))
        return false;
    for (size_t k = 0; k < n; k++)
        if (s[k] == 'p' || s[k] == 'P' || s[k] == '_')
            return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (tmp[0] == '+' || tmp[0] == '-') {
        sign = true;
        i++;
    }
    if (strcasecmp(tmp + i, "inf") == 0 ||
        strcasecmp(tmp + i, "infinity") == 0) {
        if (ret)
            *ret = tmp[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (strcasecmp(tmp + i, "nan") == 0) {
        /* Go reads "NaN" in any case, but never with a sign: glibc's
         * "-nan" is refused (TEXTFILE.md). */
        if (sign)
            return false;
        if (ret)
            *ret = NAN;
        return true;
    }
    while (is_digit(tmp[i])) {
        i++;
        digits++;
    }
    if (tmp[i] == '.') {
        i++;
        while (is_digit(tmp[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (tmp[i] == 'e' || tmp[i] == 'E') {
        size_t e = 0;

        i++;
        if (tmp[i] == '+' || tmp[i] == '-')
            i++;
        while (is_digit(tmp[i])) {
            i++;
            e++;
        }
        if (e == 0)
            return false;
    }
    if (tmp[i] != '\0')
        return false;
    /* The tool never calls setlocale(): strtod() reads '.' here. */
    v = strtod(tmp, &end);
    /* Out of range: Go returns ErrRange and the parser fails. */
    if (isinf(v))
        return false;
    if (ret)
        *ret = v;
    return true;
}

/* Why a value is refused, for the message. */
static const char *float_hint(const char *s, size_t n)
{
    if (n >= 4 && strncasecmp(s, "-nan", 4) == 0)
        return " (glibc's printf(\"%g\", NAN); write NaN)";
    if (n >= 4 && strncasecmp(s, "+nan", 4) == 0)
        return " (NaN takes no sign)";
    if (memchr(s, ',', n))
        return " (a decimal comma: printf under a comma locale?)";
    if (n >= 2 && (memchr(s, 'x', n) || memchr(s, 'X', n)))
        return " (hexadecimal floats are refused)";
    if (memchr(s, '_', n))
        return " (digit separators are refused)";
    return "";
}

int pt_family_of(const pt_file *f, const char *name)
{
    size_t n = strlen(name);
    static const char *const suffixes[] = {"_bucket", "_count", "_sum"};

    for (size_t i = 0; i < f->nfams; i++)
        if (strcmp(f->fams[i].name, name) == 0)
            return (int)i;
    /* As the Go parser resolves them: x_sum and x_count belong to
     * summary or histogram x, x_bucket to histogram x. */
    for (size_t s = 0; s < 3; s++) {
        size_t m = strlen(suffixes[s]);

        if (n <= m || strcmp(name + n - m, suffixes[s]) != 0)
            continue;
        for (size_t i = 0; i < f->nfams; i++) {
            const pt_family *fam = &f->fams[i];

            if (strlen(fam->name) == n - m &&
                memcmp(fam->name, name, n - m) == 0 &&
                (fam->type == PT_HISTOGRAM ||
                 (fam->type == PT_SUMMARY && s > 0)))
                return (int)i;
        }
    }
    return -1;
}

static int family_get(pt_file *f, const char *name)
{
    int i = pt_family_of(f, name);
    pt_family *fams;

    if (i >= 0)
        return i;
    fams = realloc(f->fams, (f->nfams + 1) * sizeof(*fams));
    if (!fams)
        return -ENOMEM;
    f->fams = fams;
    memset(&fams[f->nfams], 0, sizeof(*fams));
    fams[f->nfams].name = dup_n(name, strlen(name));
    if (!fams[f->nfams].name)
        return -ENOMEM;
    return (int)f->nfams++;
}

void pt_line_clear(pt_line *l)
{
    free(l->name);
    free(l->text);
    for (size_t i = 0; i < l->nlabels; i++) {
        free(l->labels[i].name);
        free(l->labels[i].value);
    }
    free(l->labels);
    l->name = l->text = NULL;
    l->labels = NULL;
    l->nlabels = 0;
}

void pt_file_free(pt_file *f)
{
    for (size_t i = 0; i < f->nlines; i++)
        pt_line_clear(&f->lines[i]);
    free(f->lines);
    for (size_t i = 0; i < f->nfams; i++) {
        free(f->fams[i].name);
        free(f->fams[i].help);
    }
    free(f->fams);
    f->lines = NULL;
    f->fams = NULL;
    f->nlines = f->nfams = 0;
}

/* Where a parse of the label set stopped and why. */
typedef struct lab_err {
    const char *rule;
    char msg[160];
} lab_err;

/* Parse "{...}" at p[*pi] into l->labels. Returns 0, -EINVAL (e filled
 * in) or -ENOMEM. */
static int parse_labels(const char *p, size_t n, size_t *pi, pt_line *l,
                        lab_err *e)
{
    size_t i = *pi + 1;

    for (;;) {
        size_t ne;
        pf_buf v = {0};
        pt_label *labs;

        i = skip_blanks(p, i, n);
        if (i < n && p[i] == '}') {
            i++;
            break;
        }
        ne = name_end(p, i, n, false);
        if (ne == i) {
            e->rule = "label-syntax";
            snprintf(e->msg, sizeof(e->msg),
                     "expected a label name or '}' at column %zu", i + 1);
            return -EINVAL;
        }
        labs = realloc(l->labels, (l->nlabels + 1) * sizeof(*labs));
        if (!labs)
            return -ENOMEM;
        l->labels = labs;
        labs[l->nlabels].name = dup_n(p + i, ne - i);
        labs[l->nlabels].value = NULL;
        labs[l->nlabels].vlen = 0;
        l->nlabels++;
        if (!labs[l->nlabels - 1].name)
            return -ENOMEM;
        i = skip_blanks(p, ne, n);
        if (i >= n || p[i] != '=') {
            e->rule = "label-syntax";
            snprintf(e->msg, sizeof(e->msg),
                     "expected '=' after label name \"%.60s\"",
                     labs[l->nlabels - 1].name);
            return -EINVAL;
        }
        i = skip_blanks(p, i + 1, n);
        if (i >= n || p[i] != '"') {
            e->rule = "label-syntax";
            snprintf(e->msg, sizeof(e->msg),
                     "expected '\"' to start the value of label \"%.60s\"",
                     labs[l->nlabels - 1].name);
            return -EINVAL;
        }
        for (i++; i < n && p[i] != '"'; i++) {
            if (p[i] != '\\') {
                pf__buf_putc(&v, p[i]);
                continue;
            }
            i++;
            if (i < n && p[i] == '\\')
                pf__buf_putc(&v, '\\');
            else if (i < n && p[i] == '"')
                pf__buf_putc(&v, '"');
            else if (i < n && p[i] == 'n')
                pf__buf_putc(&v, '\n');
            else {
                pf__buf_release(&v);
                e->rule = "label-escape";
                snprintf(e->msg, sizeof(e->msg),
                         "invalid escape sequence in the value of label "
                         "\"%.60s\" (only \\\\, \\\" and \\n exist)",
                         labs[l->nlabels - 1].name);
                return -EINVAL;
            }
        }
        pf__buf_putc(&v, '\0');
        if (v.failed)
            return -ENOMEM;
        labs[l->nlabels - 1].value = dup_n(v.data, v.len - 1);
        labs[l->nlabels - 1].vlen = v.len - 1;
        pf__buf_release(&v);
        if (!labs[l->nlabels - 1].value)
            return -ENOMEM;
        if (i >= n) {
            e->rule = "label-syntax";
            snprintf(e->msg, sizeof(e->msg),
                     "the value of label \"%.60s\" has no closing '\"'",
                     labs[l->nlabels - 1].name);
            return -EINVAL;
        }
        i = skip_blanks(p, i + 1, n);
        if (i < n && p[i] == ',') {
            i++;
            continue;
        }
        if (i < n && p[i] == '}') {
            i++;
            break;
        }
        e->rule = "label-syntax";
        snprintf(e->msg, sizeof(e->msg),
                 "expected ',' or '}' after the value of label \"%.60s\"",
                 labs[l->nlabels - 1].name);
        return -EINVAL;
    }
    *pi = i;
    return 0;
}

/* The label rules every sample obeys wherever it comes from (a file or
 * a command line). Returns the rule broken and fills msg, or NULL. */
static const char *check_labels(const pt_line *l, char *msg, size_t sz)
{
    for (size_t i = 0; i < l->nlabels; i++) {
        const pt_label *a = &l->labels[i];

        if (a->name[0] == '_' && a->name[1] == '_') {
            /* "__name__" is refused by the parser, any other "__" label
             * makes node_exporter panic (TEXTFILE.md). */
            snprintf(msg, sz,
                     "label name \"%.60s\" starts with \"__\", which is "
                     "reserved (node_exporter crashes on it)",
                     a->name);
            return "reserved-label";
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(l->labels[j].name, a->name) == 0) {
                snprintf(msg, sz, "label \"%.60s\" appears twice",
                         a->name);
                return "label-dup";
            }
        if (!pf__utf8_valid(a->value, a->vlen)) {
            snprintf(msg, sz,
                     "the value of label \"%.60s\" is not valid UTF-8",
                     a->name);
            return "utf8";
        }
    }
    return NULL;
}

int pt_parse_series(const char *s, pt_line *ret, char *msg, size_t msgsz)
{
    size_t n = strlen(s), ne = name_end(s, 0, n, true), i;
    lab_err e = {0};
    const char *rule;
    int r;

    memset(ret, 0, sizeof(*ret));
    ret->fam = -1;
    if (ne == 0) {
        snprintf(msg, msgsz,
                 "\"%.60s\" does not start with a metric name "
                 "([a-zA-Z_:][a-zA-Z0-9_:]*)",
                 s);
        return -EINVAL;
    }
    ret->name = dup_n(s, ne);
    if (!ret->name)
        return -ENOMEM;
    if (s[0] == '_' && s[1] == '_') {
        snprintf(msg, msgsz, "metric name \"%.60s\" starts with \"__\", "
                 "which is reserved", ret->name);
        return -EINVAL;
    }
    i = ne;
    if (i < n && s[i] == '{') {
        r = parse_labels(s, n, &i, ret, &e);
        if (r < 0) {
            snprintf(msg, msgsz, "%s", e.msg);
            return r;
        }
    }
    if (i != n) {
        snprintf(msg, msgsz,
                 "unexpected \"%.40s\" after the series; write "
                 "name{label=\"value\",...}",
                 s + i);
        return -EINVAL;
    }
    for (size_t k = 0; k < ret->nlabels; k++)
        if (strcmp(ret->labels[k].name, "le") == 0 ||
            strcmp(ret->labels[k].name, "quantile") == 0) {
            snprintf(msg, msgsz, "label \"%s\" belongs to histograms and "
                     "summaries, which promfile does not edit",
                     ret->labels[k].name);
            return -EINVAL;
        }
    rule = check_labels(ret, msg, msgsz);
    return rule ? -EINVAL : 0;
}

static int cmp_label_ptr(const void *a, const void *b)
{
    const pt_label *x = *(const pt_label *const *)a;
    const pt_label *y = *(const pt_label *const *)b;

    return strcmp(x->name, y->name);
}

char *pt_series_key(const char *name, const pt_label *labels, size_t n,
                    size_t *len)
{
    const pt_label **sorted = calloc(n ? n : 1, sizeof(*sorted));
    pf_buf b = {0};

    if (!sorted)
        return NULL;
    for (size_t i = 0; i < n; i++)
        sorted[i] = &labels[i];
    qsort(sorted, n, sizeof(*sorted), cmp_label_ptr);
    pf__buf_put(&b, name, strlen(name) + 1);
    for (size_t i = 0; i < n; i++) {
        if (sorted[i]->vlen == 0)
            continue;
        pf__buf_put(&b, sorted[i]->name, strlen(sorted[i]->name) + 1);
        pf__buf_put(&b, sorted[i]->value, sorted[i]->vlen + 1);
    }
    free(sorted);
    if (b.failed) {
        pf__buf_release(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

static int parse_comment(pt_file *f, pt_ctx *c, pt_line *l, const char *p,
                         size_t n, size_t i)
{
    size_t k = skip_blanks(p, i + 1, n), ke = k, ne;
    bool help;
    int fi;

    while (ke < n && !is_blank(p[ke]))
        ke++;
    l->kind = PT_COMMENT;
    if (ke - k == 3 && memcmp(p + k, "EOF", 3) == 0) {
        pt_report(c, f, l->no, false, "eof",
                  "\"# EOF\" is OpenMetrics; the 0.0.4 format has no end "
                  "marker (read as a plain comment)");
        return 0;
    }
    if (ke - k == 4 && memcmp(p + k, "UNIT", 4) == 0) {
        pt_report(c, f, l->no, false, "openmetrics",
                  "\"# UNIT\" is OpenMetrics (read as a plain comment)");
        return 0;
    }
    if (ke - k != 4 ||
        (memcmp(p + k, "HELP", 4) != 0 && memcmp(p + k, "TYPE", 4) != 0))
        return 0;
    help = p[k] == 'H';
    k = skip_blanks(p, ke, n);
    if (k == n) {
        pt_report(c, f, l->no, false, "ignored",
                  "\"# %s\" without a metric name is ignored",
                  help ? "HELP" : "TYPE");
        return 0;
    }
    ne = name_end(p, k, n, true);
    if (ne == k || (ne < n && !is_blank(p[ne]))) {
        l->kind = PT_BAD;
        pt_report(c, f, l->no, true, "name",
                  "invalid metric name in \"# %s\"", help ? "HELP" : "TYPE");
        return 0;
    }
    l->name = dup_n(p + k, ne - k);
    if (!l->name)
        return -ENOMEM;
    k = skip_blanks(p, ne, n);
    if (k == n) {
        pt_report(c, f, l->no, false, "ignored",
                  "\"# %s %s\" without %s is ignored",
                  help ? "HELP" : "TYPE", l->name, help ? "text" : "a type");
        return 0;
    }
    fi = family_get(f, l->name);
    if (fi < 0)
        return fi;
    l->fam = fi;
    if (help) {
        pf_buf t = {0};
        pt_family *fam;

        for (; k < n; k++) {
            if (p[k] != '\\') {
                pf__buf_putc(&t, p[k]);
                continue;
            }
            k++;
            if (k < n && p[k] == '\\') {
                pf__buf_putc(&t, '\\');
            } else if (k < n && p[k] == 'n') {
                pf__buf_putc(&t, '\n');
            } else {
                pf__buf_release(&t);
                l->kind = PT_BAD;
                pt_report(c, f, l->no, true, "help-escape",
                          "invalid escape sequence \"\\%.1s\" in HELP (only "
                          "\\\\ and \\n exist; node_exporter up to 1.8 "
                          "rejects the file)",
                          k < n ? p + k : "");
                return 0;
            }
        }
        pf__buf_putc(&t, '\0');
        if (t.failed)
            return -ENOMEM;
        l->text = dup_n(t.data, t.len - 1);
        pf__buf_release(&t);
        if (!l->text)
            return -ENOMEM;
        l->kind = PT_HELP;
        if (!pf__utf8_valid(l->text, strlen(l->text)))
            pt_report(c, f, l->no, true, "utf8",
                      "HELP of %.60s is not valid UTF-8", l->name);
        fam = &f->fams[fi];
        if (fam->help) {
            pt_report(c, f, l->no, true, "help-dup",
                      "second HELP for %.60s (the first is on line %u)",
                      l->name, fam->help_line);
            return 0;
        }
        fam->help = dup_n(l->text, strlen(l->text));
        if (!fam->help)
            return -ENOMEM;
        fam->help_line = l->no;
        if (fam->nsamples > 0)
            pt_report(c, f, l->no, false, "help-order",
                      "HELP of %.60s after its samples", l->name);
        return 0;
    }
    l->text = dup_n(p + k, n - k);
    if (!l->text)
        return -ENOMEM;
    l->kind = PT_TYPE;
    {
        pt_family *fam = &f->fams[fi];
        int t = -1;

        for (int j = 0; j <= PT_SUMMARY; j++)
            if (strcmp(l->text, type_names[j]) == 0)
                t = j;
        if (t < 0) {
            bool other_case = false;

            for (int j = 0; j <= PT_SUMMARY; j++)
                if (strcasecmp(l->text, type_names[j]) == 0)
                    other_case = true;
            l->kind = PT_BAD;
            if (strcmp(l->text, "info") == 0 ||
                strcmp(l->text, "stateset") == 0 ||
                strcmp(l->text, "gaugehistogram") == 0 ||
                strcmp(l->text, "unknown") == 0)
                pt_report(c, f, l->no, true, "openmetrics",
                          "TYPE \"%.30s\" is OpenMetrics only; the text "
                          "format 0.0.4 knows counter, gauge, histogram, "
                          "summary and untyped",
                          l->text);
            else if (other_case)
                pt_report(c, f, l->no, true, "type",
                          "TYPE \"%.30s\" must be written in lower case",
                          l->text);
            else
                pt_report(c, f, l->no, true, "type",
                          "unknown TYPE \"%.30s\" (counter, gauge, "
                          "histogram, summary or untyped; no trailing "
                          "white space)",
                          l->text);
            return 0;
        }
        if (fam->has_type) {
            pt_report(c, f, l->no, true, "type-dup",
                      "second TYPE for %.60s (the first is on line %u)",
                      l->name, fam->type_line);
            return 0;
        }
        if (fam->nsamples > 0) {
            pt_report(c, f, l->no, true, "type-after-samples",
                      "TYPE of %.60s after its samples", l->name);
            return 0;
        }
        fam->has_type = true;
        fam->type = (enum pt_type)t;
        fam->type_line = l->no;
    }
    return 0;
}

static int parse_sample(pt_file *f, pt_ctx *c, pt_line *l, const char *p,
                        size_t n, size_t i, int *prev_fam)
{
    size_t ne = name_end(p, i, n, true), ve;
    lab_err e = {0};
    char msg[200];
    const char *rule;
    int r, fi;

    l->kind = PT_BAD;
    if (ne == i) {
        if (p[i] == '{')
            pt_report(c, f, l->no, true, "no-name",
                      "sample without a metric name (node_exporter 1.9.1 "
                      "and later crash on it)");
        else
            pt_report(c, f, l->no, true, "syntax",
                      "expected a metric name, a comment or a blank line");
        return 0;
    }
    l->name = dup_n(p + i, ne - i);
    if (!l->name)
        return -ENOMEM;
    i = skip_blanks(p, ne, n);
    if (i < n && p[i] == '{') {
        r = parse_labels(p, n, &i, l, &e);
        if (r == -EINVAL) {
            pt_report(c, f, l->no, true, e.rule, "%s", e.msg);
            return 0;
        }
        if (r < 0)
            return r;
        i = skip_blanks(p, i, n);
    }
    rule = check_labels(l, msg, sizeof(msg));
    if (rule) {
        pt_report(c, f, l->no, true, rule, "%s", msg);
        return 0;
    }
    for (ve = i; ve < n && !is_blank(p[ve]);)
        ve++;
    if (ve == i) {
        pt_report(c, f, l->no, true, "value", "sample %.60s has no value",
                  l->name);
        return 0;
    }
    l->voff = (size_t)(p - f->data) + i;
    l->vlen = ve - i;
    if (!pt_parse_float(p + i, ve - i, &l->value)) {
        pt_report(c, f, l->no, true, "value",
                  "\"%.*s\" is not a value Go's ParseFloat accepts%s",
                  (int)(ve - i > 40 ? 40 : ve - i), p + i,
                  float_hint(p + i, ve - i));
        return 0;
    }
    l->value_ok = true;
    if (ve < n) {
        size_t k = skip_blanks(p, ve, n), te = k;

        while (te < n && !is_blank(p[te]))
            te++;
        if (k == n)
            pt_report(c, f, l->no, true, "syntax",
                      "white space after the value (the parser reads it "
                      "as an empty timestamp)");
        else if (p[k] == '#')
            pt_report(c, f, l->no, true, "exemplar",
                      "exemplars are OpenMetrics only");
        else if (te == n && (p[k] == '-' || is_digit(p[k])) &&
                 strspn(p + k + 1, "0123456789") >= te - k - 1)
            pt_report(c, f, l->no, true, "timestamp",
                      "sample with a timestamp: node_exporter refuses "
                      "the whole file");
        else
            pt_report(c, f, l->no, true, "syntax",
                      "unexpected text after the value");
        return 0;
    }
    l->kind = PT_SAMPLE;
    fi = family_get(f, l->name);
    if (fi < 0)
        return fi;
    l->fam = fi;
    {
        pt_family *fam = &f->fams[fi];

        if (fam->nsamples > 0 && *prev_fam != fi &&
            !fam->broken_reported) {
            fam->broken_reported = true;
            pt_report(c, f, l->no, true, "contiguous",
                      "family %.60s continues here after other families "
                      "(its samples start on line %u): a family must be "
                      "one block",
                      fam->name, f->lines[fam->first_idx].no);
        }
        if (fam->nsamples == 0)
            fam->first_idx = (size_t)(l - f->lines);
        fam->last_idx = (size_t)(l - f->lines);
        fam->nsamples++;
    }
    *prev_fam = fi;
    return 0;
}

int pt_parse(pt_file *f, pt_ctx *c)
{
    size_t cap = 0, off = 0;
    int prev_fam = -1;

    while (off < f->len) {
        const char *p = f->data + off;
        const char *nl = memchr(p, '\n', f->len - off);
        size_t n = nl ? (size_t)(nl - p) : f->len - off, i;
        pt_line *l;
        int r;

        if (f->nlines == cap) {
            pt_line *lines;

            cap = cap ? cap * 2 : 64;
            lines = realloc(f->lines, cap * sizeof(*lines));
            if (!lines)
                return -ENOMEM;
            f->lines = lines;
        }
        l = &f->lines[f->nlines++];
        memset(l, 0, sizeof(*l));
        l->no = (unsigned)f->nlines;
        l->off = off;
        l->len = n;
        l->fam = -1;
        off += n + (nl ? 1 : 0);
        if (!nl)
            pt_report(c, f, l->no, true, "newline",
                      "the last line has no final newline (a file cut "
                      "off?): node_exporter refuses the file");
        if (memchr(p, '\r', n)) {
            pt_report(c, f, l->no, true, "cr",
                      "carriage return in the line (CRLF line endings?)");
            while (n > 0 && p[n - 1] == '\r')
                n--;
        }
        i = skip_blanks(p, 0, n);
        if (i == n) {
            l->kind = PT_BLANK;
            continue;
        }
        if (p[i] == '#')
            r = parse_comment(f, c, l, p, n, i);
        else
            r = parse_sample(f, c, l, p, n, i, &prev_fam);
        if (r < 0)
            return r;
    }
    return 0;
}
