/* SPDX-License-Identifier: MIT */
/*
 * The reader of promfile check (src/text/reader.h, issue 13): its lines
 * and their offsets, chunks cut anywhere, the families it finds, series
 * given as text, each rule, out of memory, and its sets of keys.
 * tests/check-verdicts.sh holds the rules against node_exporter itself.
 */
#include "pf-test.h"

#include "text/keys.h"
#include "text/reader.h"

/* ---- What a reading reports ---- */

#define MAXD 64

typedef struct seen {
    unsigned n;
    struct {
        char path[32];
        unsigned line;
        enum pf_rule rule;
    } d[MAXD];
    unsigned nlines;
    pf_reader_line lines[MAXD];
    char keys[MAXD][64];
} seen;

static void on_diag(void *ctx, const pf_reader_diag *d)
{
    seen *s = ctx;

    assert_non_null(d->text);
    assert_true(strlen(d->text) > 0);
    assert_null(strchr(d->text, '\n'));
    if (s->n == MAXD)
        return;
    snprintf(s->d[s->n].path, sizeof(s->d[0].path), "%s", d->path);
    s->d[s->n].line = d->line;
    s->d[s->n].rule = d->rule;
    s->n++;
}

static void on_line(void *ctx, const pf_reader_line *l)
{
    seen *s = ctx;

    if (s->nlines == MAXD)
        return;
    s->lines[s->nlines] = *l;
    if (l->kind == PF_LINE_SAMPLE) {
        assert_true(l->keylen < sizeof(s->keys[0]));
        memcpy(s->keys[s->nlines], l->key, l->keylen);
        s->lines[s->nlines].key = s->keys[s->nlines];
    }
    s->nlines++;
}

/* Read the files texts[0..n) as one directory, each fed in chunks of
 * `chunk` bytes (0: whole). */
static void read_files(seen *s, const char *const *texts, size_t n,
                       size_t chunk, bool no_lint)
{
    pf_reader_opts o = {on_diag, on_line, s, no_lint, 0};
    pf_reader *r;

    memset(s, 0, sizeof(*s));
    assert_int_equal(pf__reader_new(&o, &r), 0);
    for (size_t f = 0; f < n; f++) {
        const char *t = texts[f];
        size_t len = strlen(t);
        char path[8];

        snprintf(path, sizeof(path), "%c.prom", (char)('a' + f));
        assert_int_equal(pf__reader_begin(r, path), 0);
        for (size_t off = 0; off < len;) {
            size_t k = chunk && chunk < len - off ? chunk : len - off;

            assert_int_equal(pf__reader_feed(r, t + off, k), 0);
            off += k;
        }
        assert_int_equal(pf__reader_end(r), 0);
    }
    assert_int_equal(pf__reader_finish(r), 0);
    pf__reader_free(r);
}

static void read_text(seen *s, const char *text)
{
    read_files(s, &text, 1, 0, false);
}

static bool reported(const seen *s, enum pf_rule rule, unsigned line)
{
    for (unsigned i = 0; i < s->n; i++)
        if (s->d[i].rule == rule && s->d[i].line == line)
            return true;
    return false;
}

static void show(const seen *s)
{
    for (unsigned i = 0; i < s->n; i++)
        print_message("  %s:%u: %s\n", s->d[i].path, s->d[i].line,
                      pf__rule_info(s->d[i].rule)->name);
}

/* ---- Lines ---- */

static void reader_reads_lines(void **state)
{
    static const char text[] = "# HELP x_total Things.\n"
                               "\n"
                               "  \t\n"
                               "# TYPE x_total counter\n"
                               "x_total{b=\"2\",a=\"1\"} 12.5\n"
                               "# a comment\n"
                               "x_total{a=\"1\",b=\"3\",c=\"\"}\t7\n"
                               "bad line\n";
    seen s;

    UNUSED(state);
    read_text(&s, text);
    assert_int_equal(s.nlines, 8);
    for (unsigned i = 0; i < s.nlines; i++)
        assert_int_equal(s.lines[i].no, i + 1);
    assert_int_equal(s.lines[0].kind, PF_LINE_HELP);
    assert_int_equal(s.lines[1].kind, PF_LINE_BLANK);
    assert_int_equal(s.lines[2].kind, PF_LINE_BLANK);
    assert_int_equal(s.lines[3].kind, PF_LINE_TYPE);
    assert_int_equal(s.lines[4].kind, PF_LINE_SAMPLE);
    assert_int_equal(s.lines[5].kind, PF_LINE_COMMENT);
    assert_int_equal(s.lines[6].kind, PF_LINE_SAMPLE);
    assert_int_equal(s.lines[7].kind, PF_LINE_BAD);
    /* Offsets from the start of the file, lengths without the '\n'. */
    assert_int_equal(s.lines[4].off, strstr(text, "x_total{b") - text);
    assert_int_equal(s.lines[4].len, strlen("x_total{b=\"2\",a=\"1\"} 12.5"));
    assert_true(s.lines[4].newline);
    assert_int_equal(s.lines[4].voff, strstr(text, "12.5") - text);
    assert_int_equal(s.lines[4].vlen, 4);
    assert_true(s.lines[4].value == 12.5);
    assert_int_equal(s.lines[6].voff, strstr(text, "\t7") + 1 - text);
    /* One family for HELP, TYPE and samples. */
    assert_int_equal(s.lines[0].fam, 0);
    assert_int_equal(s.lines[3].fam, 0);
    assert_int_equal(s.lines[4].fam, 0);
    assert_int_equal(s.lines[5].fam, -1);
    /* Keys: labels sorted, empty values left out; they differ in b. */
    assert_int_equal(s.lines[4].keylen, s.lines[6].keylen);
    assert_memory_not_equal(s.lines[4].key, s.lines[6].key, s.lines[4].keylen);
    /* "bad" is a name, "line" no value. */
    assert_true(reported(&s, PF_RULE_VALUE, 8));
    assert_int_equal(s.n, 1);
}

/* Cut into chunks of every size, a text reads as it does whole. */
static void reader_chunks_change_nothing(void **state)
{
    static const char *const texts[] = {
        "# HELP h Waits.\n# TYPE h histogram\n"
        "h_bucket{le=\"1\",op=\"a\"} 1\nh_bucket{op=\"a\",le=\"+Inf\"} 2\n"
        "h_sum{op=\"a\"} 1.5\nh_count{op=\"a\"} 2\n"
        "x{a=\"caf\xc3\xa9 \\\"q\\\"\\n\"} 1\nx{a=\"caf\xc3\xa9 "
        "\\\"q\\\"\\n\"} "
        "2\r\n# TYPE y GAUGE\ny -nan\nx 1 12",
        "x_count 5\n# TYPE x summary\nx{quantile=\"0.5\"} 1\n",
    };
    seen whole, cut;

    UNUSED(state);
    read_files(&whole, texts, 2, 0, false);
    assert_true(whole.n > 5);
    for (size_t chunk = 1; chunk < 90; chunk++) {
        read_files(&cut, texts, 2, chunk, false);
        assert_int_equal(cut.n, whole.n);
        assert_int_equal(cut.nlines, whole.nlines);
        for (unsigned i = 0; i < whole.n; i++) {
            assert_int_equal(cut.d[i].rule, whole.d[i].rule);
            assert_int_equal(cut.d[i].line, whole.d[i].line);
            assert_string_equal(cut.d[i].path, whole.d[i].path);
        }
        for (unsigned i = 0; i < whole.nlines; i++) {
            assert_int_equal(cut.lines[i].kind, whole.lines[i].kind);
            assert_int_equal(cut.lines[i].off, whole.lines[i].off);
            assert_int_equal(cut.lines[i].len, whole.lines[i].len);
            assert_int_equal(cut.lines[i].voff, whole.lines[i].voff);
        }
    }
}

static void reader_last_line(void **state)
{
    seen s;

    UNUSED(state);
    read_text(&s, "x 1\nx{a=\"1\"} 2");
    assert_true(reported(&s, PF_RULE_NEWLINE, 2));
    assert_int_equal(s.nlines, 2);
    assert_false(s.lines[1].newline);
    assert_int_equal(s.lines[1].kind, PF_LINE_SAMPLE);
    /* Blanks at the end without a newline: the parser reads them. */
    read_text(&s, "x 1\n  \t");
    assert_false(reported(&s, PF_RULE_NEWLINE, 2));
    read_text(&s, "x 1\n# cut");
    assert_true(reported(&s, PF_RULE_NEWLINE, 2));
}

/* ---- Families ---- */

static void reader_finds_families(void **state)
{
    static const char text[] = "# HELP s S.\n# TYPE s summary\n"
                               "s{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n"
                               "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"
                               "h_sum 1\nh_count 1\n"
                               "# TYPE g gauge\ng 1\ng_count 2\n";
    pf_reader_opts o = {0};
    pf_reader_family f;
    pf_reader *r;

    UNUSED(state);
    assert_int_equal(pf__reader_new(&o, &r), 0);
    assert_int_equal(pf__reader_begin(r, "f.prom"), 0);
    assert_int_equal(pf__reader_feed(r, text, strlen(text)), 0);
    assert_int_equal(pf__reader_end(r), 0);
    assert_int_equal(pf__reader_family_of(r, "s_count", &f), 0);
    assert_string_equal(f.name, "s");
    assert_int_equal(f.type, PF_TYPE_SUMMARY);
    assert_string_equal(f.help, "S.");
    assert_int_equal(f.nsamples, 3);
    assert_int_equal(f.help_off, 0);
    assert_int_equal(f.help_end, strlen("# HELP s S.\n"));
    assert_int_equal(f.last_end, strstr(text, "# TYPE h") - text);
    /* A summary makes no _bucket; a gauge no _count. */
    assert_int_equal(pf__reader_family_of(r, "s_bucket", &f), -ENOENT);
    assert_int_equal(pf__reader_family_of(r, "h_bucket", &f), 0);
    assert_string_equal(f.name, "h");
    assert_null(f.help);
    assert_int_equal(pf__reader_family_of(r, "g_count", &f), 0);
    assert_string_equal(f.name, "g_count");
    assert_int_equal(f.type, PF_TYPE_UNTYPED);
    assert_int_equal(pf__reader_family(r, 0, &f), 0);
    assert_string_equal(f.name, "s");
    assert_int_equal(pf__reader_family(r, 99, &f), -ENOENT);
    assert_int_equal(pf__reader_bytes(r), strlen(text));
    assert_int_equal(pf__reader_samples(r), 8);
    /* The counter of g_count's collision is in pf__reader_finish(): none
     * here (a gauge makes no name). */
    assert_int_equal(pf__reader_finish(r), 0);
    assert_int_equal(pf__reader_errors(r), 0);
    pf__reader_free(r);
}

/* ---- Series given as text ---- */

static void reader_parses_series(void **state)
{
    const char *text = "x_total { b = \"2\", a=\"\\\"1\", c=\"\"}";
    pf_reader_series s;
    enum pf_rule rule;
    char msg[200];
    seen l;

    UNUSED(state);
    assert_int_equal(pf__reader_parse_series(text, strlen(text), &s, &rule, msg,
                                             sizeof(msg)),
                     0);
    assert_string_equal(s.name, "x_total");
    assert_int_equal(s.nlabels, 3);
    assert_string_equal(s.labels[0].name, "b");
    assert_string_equal(s.labels[1].value, "\"1");
    assert_int_equal(s.labels[2].vlen, 0);
    /* Its key is that of the same series on a line. */
    read_text(&l, "x_total{a=\"\\\"1\",b=\"2\"} 1\n");
    assert_int_equal(l.lines[0].keylen, s.keylen);
    assert_memory_equal(l.lines[0].key, s.key, s.keylen);
    pf__reader_series_clear(&s);
    assert_null(s.mem);

    assert_int_equal(
        pf__reader_parse_series("1x", 2, &s, &rule, msg, sizeof(msg)), -EINVAL);
    assert_int_equal(rule, PF_RULE_SYNTAX);
    assert_int_equal(
        pf__reader_parse_series("x{a=1}", 6, &s, &rule, msg, sizeof(msg)),
        -EINVAL);
    assert_int_equal(rule, PF_RULE_LABEL_SYNTAX);
    assert_int_equal(pf__reader_parse_series("x{__a=\"1\"}", 10, &s, &rule, msg,
                                             sizeof(msg)),
                     -EINVAL);
    assert_int_equal(rule, PF_RULE_RESERVED_LABEL);
    assert_int_equal(pf__reader_parse_series("x{a=\"1\",a=\"2\"}", 14, &s,
                                             &rule, msg, sizeof(msg)),
                     -EINVAL);
    assert_int_equal(rule, PF_RULE_LABEL_DUP);
    assert_int_equal(
        pf__reader_parse_series("x junk", 6, &s, &rule, msg, sizeof(msg)),
        -EINVAL);
    assert_int_equal(rule, PF_RULE_SYNTAX);
    assert_non_null(strstr(msg, "junk"));
}

/* ---- Rules ---- */

/* A text that breaks one rule, and the line where it is reported. */
static const struct rule_case {
    enum pf_rule rule;
    unsigned line;
    const char *texts[3];
} rule_cases[] = {
    {PF_RULE_TIMESTAMP, 1, {"x 1 1700000000000\n"}},
    {PF_RULE_TIMESTAMP, 1, {"x 1 -5\n"}},
    {PF_RULE_NEWLINE, 1, {"x 1"}},
    {PF_RULE_CR, 1, {"# TYPE x gauge\r\nx 1\n"}},
    {PF_RULE_CR, 1, {"x 1\r\n"}},
    {PF_RULE_UTF8, 1, {"x{a=\"\xff\"} 1\n"}},
    {PF_RULE_UTF8, 1, {"x{a=\"\xed\xa0\x80\"} 1\n"}},
    {PF_RULE_HELP_ESCAPE, 1, {"# HELP x a\\\"b\nx 1\n"}},
    {PF_RULE_HELP_ESCAPE, 1, {"# HELP x a\\\nx 1\n"}},
    {PF_RULE_LABEL_ESCAPE, 1, {"x{a=\"\\t\"} 1\n"}},
    {PF_RULE_HELP_DUP, 2, {"# HELP x a\n# HELP x a\nx 1\n"}},
    {PF_RULE_HELP_DUP,
     3,
     {"# HELP h a\n# TYPE h histogram\n# HELP h_count b\n"}},
    {PF_RULE_TYPE_DUP, 2, {"# TYPE x gauge\n# TYPE x gauge\nx 1\n"}},
    {PF_RULE_TYPE_AFTER_SAMPLES, 2, {"x 1\n# TYPE x gauge\n"}},
    {PF_RULE_TYPE, 1, {"# TYPE x gauge \nx 1\n"}},
    {PF_RULE_OPENMETRICS, 1, {"# TYPE x info\nx 1\n"}},
    {PF_RULE_EXEMPLAR, 1, {"x 1 # {a=\"1\"} 1\n"}},
    {PF_RULE_SYNTAX, 1, {"x 1 \n"}},
    {PF_RULE_SYNTAX, 1, {"1x 1\n"}},
    {PF_RULE_SYNTAX, 1, {"x 1 5 6\n"}},
    {PF_RULE_NAME, 1, {"# HELP 1x a\nx 1\n"}},
    {PF_RULE_NO_NAME, 1, {"{a=\"1\"} 1\n"}},
    {PF_RULE_LABEL_SYNTAX, 1, {"x{a=\"1\" b=\"2\"} 1\n"}},
    {PF_RULE_LABEL_SYNTAX, 1, {"x{a=\"1} 1\n"}},
    {PF_RULE_LABEL_SYNTAX, 1, {"x{,} 1\n"}},
    {PF_RULE_LABEL_DUP, 1, {"x{a=\"1\",a=\"2\"} 1\n"}},
    {PF_RULE_RESERVED_NAME_LABEL, 1, {"x{__name__=\"y\"} 1\n"}},
    {PF_RULE_VALUE, 1, {"x -nan\n"}},
    {PF_RULE_VALUE, 1, {"x 0,5\n"}},
    {PF_RULE_VALUE, 1, {"x{a=\"1\"}\n"}},
    {PF_RULE_LE_QUANTILE_VALUE, 2, {"# TYPE h histogram\nh_sum{le=\"x\"} 1\n"}},
    {PF_RULE_LE_QUANTILE_VALUE,
     2,
     {"# TYPE s summary\ns{quantile=\"half\"} 1\n"}},
    {PF_RULE_RESERVED_LABEL, 1, {"x{__a=\"1\"} 1\n"}},
    {PF_RULE_TYPE_CRASH, 1, {"# TYPE x GAUGE_histogram\nx 1\n"}},
    {PF_RULE_DUPLICATE, 2, {"x{a=\"1\",b=\"\"} 1\nx{a=\"1\"} 2\n"}},
    {PF_RULE_DUPLICATE,
     4,
     {"# TYPE h histogram\nh_bucket{op=\"\",le=\"+Inf\"} 1\n"
      "h_sum{op=\"\"} 1\nh_count 1\n"}},
    {PF_RULE_DUPLICATE_ACROSS, 1, {"x{a=\"1\"} 1\n", "x{a=\"1\"} 2\n"}},
    {PF_RULE_CONFLICT, 1, {"# HELP x A.\nx 1\n", "x{a=\"2\"} 2\n"}},
    {PF_RULE_CONFLICT,
     2,
     {"# TYPE x gauge\nx 1\n", "# TYPE x counter\nx{a=\"2\"} 2\n"}},
    {PF_RULE_COLLISION,
     1,
     {"x_count 5\n# TYPE x summary\nx{quantile=\"0.5\"} 1\n"}},
    {PF_RULE_COLLISION,
     1,
     {"# TYPE x histogram\nx_bucket{le=\"+Inf\"} 1\n", "x_bucket 5\n"}},
    {PF_RULE_COLLISION, 1, {"go_gc_duration_seconds_sum 5\n"}},
    {PF_RULE_NODE_EXPORTER, 1, {"go_goroutines 5\n"}},
    {PF_RULE_VALUE_SPELLING, 1, {"x +Infinity\n"}},
    {PF_RULE_VALUE_SPELLING,
     2,
     {"# TYPE h histogram\nh_bucket{le=\"inf\"} 1\n"}},
    {PF_RULE_COUNTER_NEGATIVE, 2, {"# TYPE x counter\nx -1\n"}},
    {PF_RULE_COUNTER_NAN, 2, {"# TYPE x counter\nx NaN\n"}},
    {PF_RULE_HISTOGRAM,
     2,
     {"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"}},
    {PF_RULE_HISTOGRAM,
     3,
     {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"}},
    {PF_RULE_SUMMARY, 2, {"# TYPE s summary\ns 1\n"}},
    {PF_RULE_LE_QUANTILE, 1, {"x{le=\"1\"} 1\n"}},
    {PF_RULE_CONTIGUOUS, 3, {"x 1\ny 1\nx{a=\"1\"} 1\n"}},
    {PF_RULE_TYPE_CASE, 1, {"# TYPE x Counter\nx 1\n"}},
    {PF_RULE_NAME_RESERVED, 1, {"__x 1\n"}},
    {PF_RULE_UTF8_HELP, 1, {"# HELP x \xff\nx 1\n"}},
    {PF_RULE_CR_TEXT, 1, {"x{a=\"\r\"} 1\n"}},
    {PF_RULE_EOF, 2, {"x 1\n# EOF\n"}},
    {PF_RULE_UNIT, 1, {"# UNIT x seconds\nx 1\n"}},
    {PF_RULE_IGNORED, 1, {"# HELP x\nx 1\n"}},
    {PF_RULE_HELP_ORDER, 2, {"x 1\n# HELP x late\n"}},
    {PF_RULE_EMPTY, 0, {"# nothing\n"}},
    {PF_RULE_NO_SAMPLES, 1, {"# TYPE x counter\nx_total 1\n"}},
    {PF_RULE_NODE_EXPORTER_SERIES,
     3,
     {"# HELP go_info Information about the Go environment.\n"
      "# TYPE go_info gauge\ngo_info{version=\"x\"} 1\n"}},
    {PF_RULE_DUPLICATE_INGEST,
     1,
     {"x{a=\"1\"} 1\n", "x{a=\"1\",b=\"\"} 1\nx{a=\"2\",b=\"3\"} 1\n"}},
    {PF_RULE_LINT_HELP, 1, {"x 1\n"}},
    {PF_RULE_LINT_NAME, 2, {"# HELP x_ms X.\nx_ms 1\n"}},
};

static void reader_reports_each_rule(void **state)
{
    bool covered[PF_NRULES] = {0};
    seen s;

    UNUSED(state);
    for (size_t i = 0; i < PF_ARRAY_SIZE(rule_cases); i++) {
        const struct rule_case *c = &rule_cases[i];
        size_t n = 0;

        while (n < 3 && c->texts[n])
            n++;
        read_files(&s, c->texts, n, 0, false);
        if (!reported(&s, c->rule, c->line)) {
            print_error("case %zu: %s on line %u not reported; got:\n", i,
                        pf__rule_info(c->rule)->name, c->line);
            show(&s);
            fail();
        }
        covered[c->rule] = true;
    }
    /* Those of the file system come from the caller, through
     * pf__reader_report() (below); too-large from the size limit. */
    covered[PF_RULE_READ] = covered[PF_RULE_PERMISSION] = true;
    covered[PF_RULE_NOT_REGULAR] = covered[PF_RULE_DIRECTORY] = true;
    covered[PF_RULE_FILE_NAME] = covered[PF_RULE_TOO_LARGE] = true;
    covered[PF_RULE_STALE] = true;
    for (int r = 0; r < PF_NRULES; r++) {
        if (!covered[r])
            print_error("no case for %s\n", pf__rule_info(r)->name);
        assert_true(covered[r]);
    }
}

/* Every rule has a row: a name, a verdict, a sentence. */
static void reader_rule_table(void **state)
{
    UNUSED(state);
    for (int r = 0; r < PF_NRULES; r++) {
        const pf_rule_info *ri = pf__rule_info(r);

        assert_non_null(ri->name);
        assert_true(strspn(ri->name, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
                    strlen(ri->name));
        assert_non_null(ri->what);
        for (int q = 0; q < r; q++)
            assert_string_not_equal(ri->name, pf__rule_info(q)->name);
    }
    assert_int_equal(pf__rule_info(PF_RULE_DUPLICATE)->verdict,
                     PF_VERDICT_DROPPED);
    assert_int_equal(pf__rule_info(PF_RULE_RESERVED_LABEL)->verdict,
                     PF_VERDICT_CRASHED);
    assert_int_equal(pf__rule_info(PF_RULE_COUNTER_NAN)->verdict,
                     PF_VERDICT_OK);
    assert_true(pf__rule_info(PF_RULE_LINT_NAME)->lint);
    /* An error because asked for, though node_exporter reads the file. */
    assert_int_equal(pf__rule_info(PF_RULE_STALE)->verdict, PF_VERDICT_OK);
    assert_true(pf__rule_is_error(pf__rule_info(PF_RULE_STALE)));
    assert_false(pf__rule_is_error(pf__rule_info(PF_RULE_LINT_NAME)));
    assert_true(pf__rule_is_error(pf__rule_info(PF_RULE_DUPLICATE)));
}

/* The caller's rules count as the reader's; lints can be turned off; the
 * size limit stops the reading. */
static void reader_counts(void **state)
{
    seen s = {0};
    pf_reader_opts o = {on_diag, NULL, &s, true, 8};
    pf_reader *r;

    UNUSED(state);
    assert_int_equal(pf__reader_new(&o, &r), 0);
    assert_int_equal(pf__reader_begin(r, "a.prom"), 0);
    pf__reader_report(r, NULL, 0, PF_RULE_FILE_NAME, "a %s", "warning");
    pf__reader_report(r, "dir", 0, PF_RULE_PERMISSION, "an error");
    pf__reader_report(r, NULL, 0, PF_RULE_STALE, "an error too");
    assert_int_equal(pf__reader_feed(r, "x 1\n", 4), 0);
    assert_int_equal(pf__reader_feed(r, "y 2\n", 4), 0);
    assert_int_equal(pf__reader_feed(r, "z 3\n", 4), 0);
    assert_int_equal(pf__reader_end(r), 0);
    assert_int_equal(pf__reader_finish(r), 0);
    /* x and y read (no lint-help: no_lint), then the limit of 8 bytes. */
    assert_int_equal(pf__reader_samples(r), 2);
    assert_int_equal(pf__reader_warnings(r), 1);
    assert_int_equal(pf__reader_errors(r), 3);
    assert_true(reported(&s, PF_RULE_TOO_LARGE, 0));
    assert_string_equal(s.d[1].path, "dir");
    pf__reader_free(r);
}

/* A group of files read, the next one starts afresh. */
static void reader_finish_starts_afresh(void **state)
{
    seen s = {0};
    pf_reader_opts o = {on_diag, NULL, &s, true, 0};
    pf_reader *r;

    UNUSED(state);
    assert_int_equal(pf__reader_new(&o, &r), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pf__reader_begin(r, "a.prom"), 0);
        assert_int_equal(pf__reader_feed(r, "x{a=\"1\"} 1\n", 11), 0);
        assert_int_equal(pf__reader_finish(r), 0);
    }
    assert_int_equal(pf__reader_errors(r), 0);
    assert_int_equal(s.n, 0);
    pf__reader_free(r);
}

/* ---- Out of memory ---- */

static void reader_out_of_memory(void **state)
{
    static const char *const texts[] = {
        "# HELP h H.\n# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\n"
        "h_sum{a=\"1\"} 1\nh_count{a=\"1\"} 1\nx{b=\"2\"} 1\nx{b=\"2\"} 1\n",
        "x{b=\"2\"} 3\nh_count 1\n# HELP y Y\ny 1\n",
    };
    long live = pf__alloc_live();
    bool done = false;

    UNUSED(state);
    for (long n = 1; !done; n++) {
        pf_reader_opts o = {0};
        pf_reader *r = NULL;
        int e;

        pf__alloc_fail_nth(n);
        e = pf__reader_new(&o, &r);
        for (size_t f = 0; e == 0 && f < 2; f++) {
            e = pf__reader_begin(r, "a.prom");
            if (e == 0)
                e = pf__reader_feed(r, texts[f], strlen(texts[f]));
            if (e == 0)
                e = pf__reader_end(r);
        }
        if (e == 0)
            e = pf__reader_finish(r);
        pf__alloc_fail_nth(0);
        assert_true(e == 0 || e == -ENOMEM);
        done = e == 0;
        /* A duplicate in a, one across, and h_count, which histogram h
         * makes. */
        if (done)
            assert_int_equal(pf__reader_errors(r), 3);
        pf__reader_free(r);
        assert_int_equal(pf__alloc_live(), live);
        assert_true(n < 10000);
    }
}

/* ---- Sets of keys ---- */

static void keys_find_and_grow(void **state)
{
    pf_text_keys s = {0};
    char k[16];
    bool added;

    UNUSED(state);
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        assert_int_equal(pf__text_keys_get(&s, k, strlen(k), &added), i);
        assert_true(added);
        s.keys[i].a = (uint32_t)i;
    }
    /* The empty key and keys with NUL bytes are keys too. */
    assert_int_equal(pf__text_keys_get(&s, "", 0, &added), 5000);
    assert_int_equal(pf__text_keys_get(&s, "a\0b", 3, &added), 5001);
    assert_int_equal(pf__text_keys_find(&s, "a\0c", 3), -1);
    assert_int_equal(pf__text_keys_get(&s, "key42", 5, &added), 42);
    assert_false(added);
    /* An alias shares the bytes, and is not found. */
    assert_int_equal(pf__text_keys_push_alias(&s, 42), 5002);
    assert_ptr_equal(s.keys[5002].key, s.keys[42].key);
    assert_int_equal(s.keys[5002].a, 0);
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        assert_int_equal(pf__text_keys_find(&s, k, strlen(k)), i);
        assert_int_equal(s.keys[i].a, i);
    }
    assert_int_equal(pf__text_keys_find(&s, "key5000", 7), -1);
    assert_true(pf__text_hash("ab", 2) != pf__text_hash("ba", 2));
    pf__text_keys_clear(&s);
    assert_int_equal(s.n, 0);
    assert_int_equal(pf__text_keys_find(&s, "key1", 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_lines),
        cmocka_unit_test(reader_chunks_change_nothing),
        cmocka_unit_test(reader_last_line),
        cmocka_unit_test(reader_finds_families),
        cmocka_unit_test(reader_parses_series),
        cmocka_unit_test(reader_reports_each_rule),
        cmocka_unit_test(reader_rule_table),
        cmocka_unit_test(reader_counts),
        cmocka_unit_test(reader_finish_starts_afresh),
        cmocka_unit_test(reader_out_of_memory),
        cmocka_unit_test(keys_find_and_grow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
