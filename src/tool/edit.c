/* SPDX-License-Identifier: MIT */
/*
 * promfile set/inc/del: change one series of a textfile and write it back
 * through the library's atomic writer, every other byte as it was. The
 * file is read with the reader of text/reader.h, which gives the offsets
 * of each line and value.
 *
 * Writers of one file serialize on the lock of lock.c.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *fmt, ...) PF_PRINTF(1, 2);

/* Print "promfile: <message>" and return 1, the exit status. */
static int fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pt_vsay(fmt, ap);
    va_end(ap);
    return 1;
}

/* The file being edited, locked (lock.c): its descriptor (-1 when it
 * does not exist yet, and the directory's lock is held instead). */
typedef struct target {
    int dfd; /* the directory, locked when fd is -1 */
    int fd;  /* the file, locked */
    struct stat st;
} target;

/* One update of the call: a SERIES and its VALUE or DELTA. */
typedef struct upd {
    pf_reader_series target;
    char where[48];    /* for messages: "series 3", "<stdin>:7" */
    double v;          /* set: the value; inc: the delta */
    enum pf_type type; /* of a new family */
    size_t order;      /* its place in the call */
    bool found;        /* in the file, at line: */
    pf_reader_line line;
} upd;

typedef struct edit_state {
    const pt_edit *e;
    upd *u;
    size_t n, cap;
    upd **by_key; /* the updates sorted by series key, for the scan */
} edit_state;

static int cmp_key(const void *a, const void *b)
{
    const upd *x = *(upd *const *)a, *y = *(upd *const *)b;
    size_t n = x->target.keylen < y->target.keylen ? x->target.keylen
                                                   : y->target.keylen;
    int c = memcmp(x->target.key, y->target.key, n);

    if (c)
        return c;
    if (x->target.keylen != y->target.keylen)
        return x->target.keylen < y->target.keylen ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_order(const void *a, const void *b)
{
    const upd *x = *(const upd *const *)a, *y = *(const upd *const *)b;

    return x->order < y->order ? -1 : x->order > y->order;
}

/* The update of the series with key k[0..n), or NULL. */
static upd *find_key(const edit_state *st, const char *k, size_t n)
{
    size_t lo = 0, hi = st->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const upd *u = st->by_key[mid];
        size_t m = u->target.keylen < n ? u->target.keylen : n;
        int c = memcmp(u->target.key, k, m);

        if (c == 0 && u->target.keylen != n)
            c = u->target.keylen < n ? -1 : 1;
        if (c == 0)
            return st->by_key[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void on_line(void *ctx, const pf_reader_line *l)
{
    edit_state *st = ctx;
    upd *u;

    if (l->kind != PF_LINE_SAMPLE)
        return;
    u = find_key(st, l->key, l->keylen);
    if (!u || u->found)
        return;
    u->found = true;
    u->line = *l;
    u->line.key = NULL;
}

/* A reading of data[0..len) by a new reader, with options o. */
static int read_text(const pf_reader_opts *o, const char *path,
                     const char *data, size_t len, pf_reader **ret)
{
    pf_reader *r;
    int e = pf__reader_new(o, &r);

    if (e < 0)
        return e;
    e = pf__reader_begin(r, path);
    if (e == 0)
        e = pf__reader_feed(r, data, len);
    if (e == 0)
        e = pf__reader_end(r);
    if (e < 0) {
        pf__reader_free(r);
        return e;
    }
    *ret = r;
    return 0;
}

/* The errors of the text as promfile check counts them (printed to
 * stderr with print). */
static int count_errors(const char *path, const char *data, size_t len,
                        bool print, unsigned *errors)
{
    pt_ctx c = {print ? stderr : NULL, true, true};
    pf_reader_opts o = {pt_print_diag, NULL, &c, true, 0};
    pf_reader *r;
    int e = read_text(&o, path, data, len, &r);

    if (e < 0)
        return e;
    e = pf__reader_finish(r);
    *errors = pf__reader_errors(r);
    pf__reader_free(r);
    return e;
}

/* Find the updates' lines in one reading; the reader (in *ret) knows the
 * families. */
static int scan_text(const char *path, const char *data, size_t len,
                     edit_state *st, pf_reader **ret)
{
    pf_reader_opts o = {NULL, on_line, st, true, 0};

    return read_text(&o, path, data, len, ret);
}

/* Append "name{a=\"v\",...} value\n". */
static void put_sample(pf_buf *b, const pf_reader_series *s, double v)
{
    pf__buf_put(b, s->name, strlen(s->name));
    if (s->nlabels) {
        pf__buf_putc(b, '{');
        for (size_t i = 0; i < s->nlabels; i++) {
            if (i)
                pf__buf_putc(b, ',');
            pf__buf_put(b, s->labels[i].name, strlen(s->labels[i].name));
            pf__buf_puts(b, "=\"");
            pf__buf_put_label_value(b, s->labels[i].value, s->labels[i].vlen);
            pf__buf_putc(b, '"');
        }
        pf__buf_putc(b, '}');
    }
    pf__buf_putc(b, ' ');
    pf__buf_put_double(b, v);
    pf__buf_putc(b, '\n');
}

/* The HELP of a new family without --help-text: its name, words split at
 * '_' (promfile(1) documents this). */
static void put_derived_help(pf_buf *b, const char *name)
{
    for (const char *p = name; *p; p++)
        pf__buf_putc(b, *p == '_' || *p == ':' ? ' ' : *p);
}

/* Copy data[from, to); text added after a last line without its newline
 * (--force) needs one first. */
static void put_span(pf_buf *b, const char *data, uint64_t from, uint64_t to,
                     bool more)
{
    if (to > from)
        pf__buf_put(b, data + from, (size_t)(to - from));
    if (more && b->len > 0 && b->data[b->len - 1] != '\n')
        pf__buf_putc(b, '\n');
}

/* What the new text does at an offset of the old one. */
enum ev_kind { EV_REPLACE, EV_CUT, EV_INSERT };
typedef struct ev {
    uint64_t off, end; /* REPLACE, CUT: the old bytes [off, end) */
    enum ev_kind kind;
    const upd *u; /* REPLACE, INSERT */
    size_t seq;   /* inserts at one offset keep the call's order */
} ev;

static int cmp_ev(const void *a, const void *b)
{
    const ev *x = a, *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Check the update u against the family its series belongs to in the
 * file. Returns 0 or 1 (refused, message printed). */
static int check_family(const edit_state *st, const pf_reader *r, upd *u)
{
    const pt_edit *e = st->e;
    pf_reader_family fam;
    const char *name = u->target.name;

    if (e->op == PT_DEL) {
        char b[160];

        if (!u->found)
            return fail("%s: no series %s in %s", u->where,
                        pf__reader_series_shown(b, sizeof(b), &u->target),
                        e->file);
        return 0;
    }
    if (pf__reader_family_of(r, name, &fam) < 0)
        return 0;
    if (fam.type == PF_TYPE_HISTOGRAM || fam.type == PF_TYPE_SUMMARY)
        return fail("%s: %s belongs to the %s family %s; promfile edits "
                    "counters, gauges and untyped series only",
                    u->where, name, pf__type_name(fam.type), fam.name);
    if (e->type && strcmp(e->type, pf__type_name(fam.type)) != 0)
        return fail("%s: %s is already a family of another type (%s)", u->where,
                    name, pf__type_name(fam.type));
    if (fam.type == PF_TYPE_COUNTER) {
        double now = u->found ? u->line.value : 0;
        double next = e->op == PT_INC ? now + u->v : u->v;

        if (e->op == PT_INC && u->v < 0)
            return fail("%s: %s is a counter: a counter only goes up (a "
                        "negative DELTA)",
                        u->where, name);
        if (next < 0)
            return fail("%s: %s is a counter: it cannot be negative", u->where,
                        name);
    }
    return 0;
}

/* Compute the new text of the file in b: every update at once. Returns
 * 0, 1 (refused, message printed) or -ENOMEM. */
static int apply(edit_state *st, const pf_reader *r, const char *data,
                 size_t len, pf_buf *b)
{
    const pt_edit *e = st->e;
    const upd **news = NULL;
    ev *evs = NULL;
    size_t nev = 0, nnew = 0, cap = 3 * st->n;
    uint64_t at = 0;
    int rc = 0;

    for (size_t i = 0; i < st->n; i++) {
        rc = check_family(st, r, &st->u[i]);
        if (rc)
            return rc;
    }
    evs = calloc(cap ? cap : 1, sizeof(*evs));
    news = calloc(st->n ? st->n : 1, sizeof(*news));
    if (!evs || !news) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < st->n; i++) {
        const upd *u = &st->u[i];
        pf_reader_family fam;
        bool has_fam = pf__reader_family_of(r, u->target.name, &fam) == 0;

        if (u->found && e->op == PT_DEL) {
            evs[nev++] =
                (ev){u->line.off, u->line.off + u->line.len + u->line.newline,
                     EV_CUT, u, u->order};
        } else if (u->found) {
            evs[nev++] = (ev){u->line.voff, u->line.voff + u->line.vlen,
                              EV_REPLACE, u, u->order};
        } else if (has_fam && (fam.nsamples || fam.help_end || fam.type_end)) {
            /* A new series of a family: at the end of its block. */
            uint64_t after = fam.nsamples                  ? fam.last_end
                             : fam.help_end > fam.type_end ? fam.help_end
                                                           : fam.type_end;

            evs[nev++] = (ev){after, after, EV_INSERT, u, u->order};
        } else {
            news[nnew++] = u;
        }
    }
    /* A family whose every sample goes takes its HELP and TYPE with it:
     * they would describe nothing. */
    if (e->op == PT_DEL) {
        for (size_t i = 0; i < st->n; i++) {
            const upd *u = &st->u[i];
            pf_reader_family df;
            uint64_t gone = 0;
            bool first = true;

            if (pf__reader_family(r, u->line.fam, &df) < 0)
                continue;
            for (size_t j = 0; j < st->n; j++) {
                if (st->u[j].line.fam != u->line.fam)
                    continue;
                gone++;
                if (j < i)
                    first = false;
            }
            if (!first || gone < df.nsamples)
                continue;
            if (df.help_end)
                evs[nev++] = (ev){df.help_off, df.help_end, EV_CUT, NULL, 0};
            if (df.type_end)
                evs[nev++] = (ev){df.type_off, df.type_end, EV_CUT, NULL, 0};
        }
    }
    qsort(evs, nev, sizeof(*evs), cmp_ev);
    for (size_t i = 0; i < nev; i++) {
        const ev *v = &evs[i];

        put_span(b, data, at, v->off, v->kind == EV_INSERT);
        if (v->off > at)
            at = v->off;
        switch (v->kind) {
        case EV_CUT:
            at = v->end;
            break;
        case EV_REPLACE: {
            double x = e->op == PT_INC ? v->u->line.value + v->u->v : v->u->v;

            pf__buf_put_double(b, x);
            at = v->end;
            break;
        }
        case EV_INSERT:
            put_sample(b, &v->u->target, v->u->v);
            break;
        }
    }
    put_span(b, data, at, len, nnew > 0);
    /* New families at the end, each with its series in the call's order,
     * in the order of their first series. */
    qsort(news, nnew, sizeof(*news), cmp_order);
    for (size_t i = 0; i < nnew; i++) {
        const char *name = news[i]->target.name;
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(news[j]->target.name, name) == 0;
        if (seen)
            continue;
        pf__buf_puts(b, "# HELP ");
        pf__buf_put(b, name, strlen(name));
        pf__buf_putc(b, ' ');
        if (e->help)
            pf__buf_put_help(b, e->help, strlen(e->help));
        else
            put_derived_help(b, name);
        pf__buf_puts(b, "\n# TYPE ");
        pf__buf_put(b, name, strlen(name));
        pf__buf_putc(b, ' ');
        pf__buf_put(b, pf__type_name(news[i]->type),
                    strlen(pf__type_name(news[i]->type)));
        pf__buf_putc(b, '\n');
        for (size_t j = i; j < nnew; j++)
            if (strcmp(news[j]->target.name, name) == 0)
                put_sample(b, &news[j]->target, news[j]->v);
    }
out:
    free(evs);
    free(news);
    return rc;
}

/* Check one update, SERIES `series` with VALUE `value` (NULL: none), at
 * `where`, and add it to st. Returns 0, 1 (printed) or -ENOMEM. */
static int add_update(edit_state *st, const char *series, size_t slen,
                      const char *value, const char *where)
{
    const pt_edit *e = st->e;
    char msg[200];
    enum pf_rule rule;
    upd *u;
    int r;

    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 8;
        upd *nu = realloc(st->u, cap * sizeof(*nu));

        if (!nu)
            return -ENOMEM;
        st->u = nu;
        st->cap = cap;
    }
    u = &st->u[st->n];
    memset(u, 0, sizeof(*u));
    snprintf(u->where, sizeof(u->where), "%s", where);
    u->order = st->n;
    r = pf__reader_parse_series(series, slen, &u->target, &rule, msg,
                                sizeof(msg));
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return fail("%s: invalid series: %s", where, msg);
    st->n++;
    if (strlen(u->target.name) > PF_MAX_NAME)
        return fail("%s: metric name %.60s... is too long", where,
                    u->target.name);
    if (pf__name_reserved(u->target.name))
        return fail("%s: metric name \"%.60s\" starts with \"%s\", which is "
                    "reserved",
                    where, u->target.name, PF_RESERVED_PREFIX);
    for (size_t k = 0; k < u->target.nlabels; k++)
        if (pf__label_is_le_or_quantile(u->target.labels[k].name))
            return fail("%s: label \"%s\" belongs to histograms and "
                        "summaries, which promfile does not edit",
                        where, u->target.labels[k].name);
    if (e->op == PT_DEL) {
        if (value)
            return fail("%s: del takes no value", where);
        return 0;
    }
    if (e->now && value)
        return fail("%s: --now replaces VALUE", where);
    if (e->now) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        u->v = (double)ts.tv_sec;
    } else if (!value && e->op == PT_SET) {
        return fail("%s: set needs a VALUE (or --now)", where);
    } else if (!value) {
        u->v = 1;
    } else if (!pf__parse_value(value, strlen(value), &u->v, NULL)) {
        return fail("%s: invalid value \"%.60s\": write a number such as 42, "
                    "-1.5, 2.5e-3, NaN, +Inf or -Inf",
                    where, value);
    }
    if (e->op == PT_INC && isnan(u->v))
        return fail("%s: invalid DELTA %s", where, value);
    u->type = pf__ends_with(u->target.name, PF_COUNTER_SUFFIX) ? PF_TYPE_COUNTER
                                                               : PF_TYPE_GAUGE;
    if (e->type)
        u->type = strcmp(e->type, pf__type_name(PF_TYPE_COUNTER)) == 0
                      ? PF_TYPE_COUNTER
                      : PF_TYPE_GAUGE;
    /* TEXTFILE.md: the TYPE of a counter names its full sample name,
     * which ends in _total. */
    if (e->type && u->type == PF_TYPE_COUNTER &&
        !pf__ends_with(u->target.name, PF_COUNTER_SUFFIX))
        return fail("%s: a counter's name must end in _total: %s", where,
                    u->target.name);
    return 0;
}

/* Does the argument read as a number (a DELTA of inc)? */
static bool is_number(const char *s)
{
    double v;

    return pf__parse_value(s, strlen(s), &v, NULL);
}

/* The updates of the command line: SERIES VALUE pairs for set, SERIES
 * for del and set --now, SERIES [DELTA] for inc. */
static int args_updates(edit_state *st)
{
    const pt_edit *e = st->e;
    int i = 0, r = 0;

    if (e->op == PT_SET && !e->now && e->nargs % 2)
        return fail("set takes SERIES VALUE pairs (or SERIES... with --now)");
    while (r == 0 && i < e->nargs) {
        const char *series = e->args[i], *value = NULL;
        char where[32];

        snprintf(where, sizeof(where), "series %zu", st->n + 1);
        i++;
        if (e->op == PT_SET && !e->now)
            value = e->args[i++];
        else if (e->op == PT_INC && i < e->nargs && is_number(e->args[i]))
            value = e->args[i++];
        r = add_update(st, series, strlen(series), value, where);
    }
    return r;
}

/* Where the series at the start of s ends: after its name, or after the
 * '}' that closes its labels (quoted values may hold '}' and blanks). */
static size_t series_end(const char *s, size_t n)
{
    size_t i = 0;
    bool quoted = false;

    while (i < n && s[i] != '{' && !pf__is_blank(s[i]))
        i++;
    if (i == n || s[i] != '{')
        return i;
    for (; i < n; i++) {
        if (quoted && s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == '}')
            return i + 1;
    }
    return n;
}

/* The updates of standard input, one "SERIES [VALUE]" a line; blank
 * lines and lines starting with '#' are skipped. */
static int stdin_updates(edit_state *st)
{
    char *line = NULL;
    size_t cap = 0;
    unsigned no = 0;
    ssize_t n;
    int r = 0;

    while (r == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)n, a = 0, end;
        char where[32], *value = NULL;

        no++;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        while (a < len && pf__is_blank(line[a]))
            a++;
        if (a == len || line[a] == '#')
            continue;
        snprintf(where, sizeof(where), "<stdin>:%u", no);
        if (memchr(line, '\0', len))
            return fail("%s: a NUL byte", where);
        end = a + series_end(line + a, len - a);
        if (end < len && !pf__is_blank(line[end]))
            return fail("%s: invalid series: text after it: %.40s", where,
                        line + end);
        for (size_t k = end; k < len && !value; k++)
            if (!pf__is_blank(line[k]))
                value = line + k;
        if (value) {
            size_t vl = strlen(value);

            while (vl && pf__is_blank(value[vl - 1]))
                value[--vl] = '\0';
        }
        r = add_update(st, line + a, end - a, value, where);
    }
    if (r == 0 && ferror(stdin))
        r = fail("cannot read standard input: %s", pf_strerror(-errno));
    if (r == 0 && st->n == 0)
        r = fail("no SERIES on standard input");
    free(line);
    return r;
}

/* The same series twice in one call: set keeps the last value, inc adds
 * the deltas, del deletes it once. */
static int merge_updates(edit_state *st)
{
    size_t k = 0;

    st->by_key = malloc((st->n ? st->n : 1) * sizeof(*st->by_key));
    if (!st->by_key)
        return -ENOMEM;
    for (size_t i = 0; i < st->n; i++)
        st->by_key[i] = &st->u[i];
    qsort(st->by_key, st->n, sizeof(*st->by_key), cmp_key);
    for (size_t i = 0; i < st->n; i++) {
        upd *u = st->by_key[i];

        if (k > 0 && st->by_key[k - 1]->target.keylen == u->target.keylen &&
            memcmp(st->by_key[k - 1]->target.key, u->target.key,
                   u->target.keylen) == 0) {
            upd *first = st->by_key[k - 1];

            first->v = st->e->op == PT_INC ? first->v + u->v : u->v;
            u->order = SIZE_MAX; /* merged: left out below */
            continue;
        }
        st->by_key[k++] = u;
    }
    /* Compact the array: the updates left, in the call's order. */
    {
        size_t m = 0;

        for (size_t i = 0; i < st->n; i++) {
            if (st->u[i].order == SIZE_MAX) {
                pf__reader_series_clear(&st->u[i].target);
                continue;
            }
            if (m != i)
                st->u[m] = st->u[i];
            m++;
        }
        st->n = m;
    }
    for (size_t i = 0; i < st->n; i++)
        st->by_key[i] = &st->u[i];
    qsort(st->by_key, st->n, sizeof(*st->by_key), cmp_key);
    return 0;
}

/* Check everything that needs no file. Returns 0, 1 (printed) or
 * -ENOMEM. */
static int check_args(const pt_edit *e, edit_state *st)
{
    const char *base = strrchr(e->file, '/');
    int r;

    base = base ? base + 1 : e->file;
    if (!*base || strlen(base) > PF_MAX_FILE_NAME)
        return fail("invalid file name %s", e->file);
    if (e->op == PT_DEL && (e->now || e->help || e->type))
        return fail("del takes no --now, --help-text or --type");
    if (e->now && e->op == PT_INC)
        return fail("--now works with set only");
    if (e->help && pf__check_help(e->help) < 0)
        return fail("invalid --help-text: %s", pf_last_error());
    if (e->type && strcmp(e->type, pf__type_name(PF_TYPE_COUNTER)) != 0 &&
        strcmp(e->type, pf__type_name(PF_TYPE_GAUGE)) != 0)
        return fail("invalid --type %s: counter or gauge", e->type);
    if (e->nargs == 1 && strcmp(e->args[0], "-") == 0)
        r = stdin_updates(st);
    else
        r = args_updates(st);
    if (r == 0)
        r = merge_updates(st);
    return r;
}

int pt_cmd_edit(const pt_edit *e)
{
    edit_state st = {e, NULL, 0, 0, NULL};
    target t = {-1, -1, {0}};
    int absent;
    pf_reader *r = NULL;
    pf_buf b = {0};
    unsigned mode = 0644, old_errors = 0, new_errors = 0;
    char *dir = NULL, *data = NULL;
    size_t len = 0;
    const char *base;
    int ret, rc;

    rc = check_args(e, &st);
    if (rc < 0)
        goto nomem;
    if (rc)
        goto out;
    rc = 1;
    base = strrchr(e->file, '/');
    dir = base ? strndup(e->file, (size_t)(base - e->file) + 1) : strdup(".");
    if (!dir)
        goto nomem;
    base = base ? base + 1 : e->file;
    t.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t.dfd < 0) {
        fprintf(stderr, "promfile: cannot open the directory of %s: %s\n",
                e->file, pf_strerror(-errno));
        goto out;
    }
    ret = pt_lock_file(t.dfd, base, NULL, &t.fd, &t.st, &absent);
    if (ret == PT_NOT_REGULAR) {
        fprintf(stderr,
                "promfile: %s is not a regular file but a %s; not "
                "modified\n",
                e->file, pt_file_kind(&t.st));
        goto out;
    }
    if (ret < 0) {
        fprintf(stderr, "promfile: cannot lock %s: %s\n", e->file,
                pf_strerror(ret));
        goto out;
    }
    if (t.fd < 0 && e->op == PT_DEL) {
        fprintf(stderr, "promfile: cannot read %s: %s\n", e->file,
                pf_strerror(-ENOENT));
        goto out;
    }
    if (t.fd >= 0) {
        if ((uint64_t)t.st.st_size > PF_READER_MAX_SIZE) {
            fprintf(stderr,
                    "promfile: %s is larger than %llu MiB; not modified\n",
                    e->file, (unsigned long long)(PF_READER_MAX_SIZE >> 20));
            goto out;
        }
        ret = pt_read_fd(t.fd, (size_t)t.st.st_size, 0, &data, &len);
        if (ret == -ENOMEM)
            goto nomem;
        if (ret < 0) {
            fprintf(stderr, "promfile: cannot read %s: %s\n", e->file,
                    pf_strerror(ret));
            goto out;
        }
        mode = t.st.st_mode & 07777;
    }
    ret = count_errors(e->file, data ? data : "", len, !e->force, &old_errors);
    if (ret < 0)
        goto nomem;
    if (old_errors > 0 && !e->force) {
        fprintf(stderr,
                "promfile: %s fails check; not modified (--force edits it "
                "anyway)\n",
                e->file);
        goto out;
    }
    ret = scan_text(e->file, data ? data : "", len, &st, &r);
    if (ret < 0)
        goto nomem;
    rc = apply(&st, r, data ? data : "", len, &b);
    if (rc < 0)
        goto nomem;
    if (rc)
        goto out;
    rc = 1;
    pf__buf_putc(&b, '\0');
    if (b.failed)
        goto nomem;
    b.len--;
    ret = count_errors(e->file, b.data, b.len, false, &new_errors);
    if (ret < 0)
        goto nomem;
    if (new_errors > old_errors) {
        count_errors(e->file, b.data, b.len, true, &new_errors);
        fprintf(stderr,
                "promfile: the change would make %s fail check; "
                "not modified\n",
                e->file);
        goto out;
    }
    /* promtool's naming lints, for each family the call makes. */
    for (size_t i = 0; !e->quiet && e->op != PT_DEL && i < st.n; i++) {
        const upd *u = &st.u[i];
        pf_reader_family fam;
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(st.u[j].target.name, u->target.name) == 0;
        if (!seen && pf__reader_family_of(r, u->target.name, &fam) < 0 &&
            pf__check_metric_name(u->target.name, u->type) < 0)
            fprintf(stderr, "promfile: warning: %s\n", pf_last_error());
    }
    ret = pf__write_file(dir, base, b.data, b.len, mode,
                         e->no_fsync ? PF_WRITE_NO_FSYNC : 0);
    if (ret < 0) {
        fprintf(stderr, "promfile: cannot write %s: %s\n", e->file,
                pf_strerror(ret));
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    fprintf(stderr, "promfile: out of memory\n");
    rc = 1;
out:
    pf__reader_free(r);
    for (size_t i = 0; i < st.n; i++)
        pf__reader_series_clear(&st.u[i].target);
    free(st.u);
    free(st.by_key);
    pf__buf_release(&b);
    free(data);
    free(dir);
    /* Closing drops the locks, after the rename. */
    if (t.fd >= 0)
        close(t.fd);
    if (t.dfd >= 0)
        close(t.dfd);
    return rc;
}
