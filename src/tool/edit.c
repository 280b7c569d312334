/* SPDX-License-Identifier: MIT */
/*
 * promfile set/inc/del: change one series of a textfile and write it back
 * through the library's atomic writer, every other byte as it was.
 * Writers of one file serialize on flock() of FILE.lock beside it: the
 * .prom itself cannot carry the lock, since each write replaces it by
 * rename() and a waiter would then hold a lock on the old inode.
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

    fputs("promfile: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static int lock_file(const char *file, int *ret)
{
    size_t n = strlen(file);
    char *path = malloc(n + sizeof(".lock"));
    int fd, r;

    if (!path)
        return -ENOMEM;
    memcpy(path, file, n);
    memcpy(path + n, ".lock", sizeof(".lock"));
    /* Never removed: unlinking a lock file lets two writers hold locks on
     * two different inodes of the same name. */
    fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0)
        return -errno;
    while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    *ret = fd;
    return 0;
}

/* Append "name{a=\"v\",...} value\n". */
static void put_sample(pf_buf *b, const pt_line *s, double v)
{
    pf__buf_put(b, s->name, strlen(s->name));
    if (s->nlabels) {
        pf__buf_putc(b, '{');
        for (size_t i = 0; i < s->nlabels; i++) {
            if (i)
                pf__buf_putc(b, ',');
            pf__buf_put(b, s->labels[i].name, strlen(s->labels[i].name));
            pf__buf_puts(b, "=\"");
            pf__buf_put_label_value(b, s->labels[i].value,
                                    s->labels[i].vlen);
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

/* Copy the lines [from, to) of f. */
static void put_lines(pf_buf *b, const pt_file *f, size_t from, size_t to)
{
    size_t start, end;

    if (from >= to)
        return;
    start = f->lines[from].off;
    end = to < f->nlines ? f->lines[to].off : f->len;
    pf__buf_put(b, f->data + start, end - start);
    /* A last line without its newline (--force) gets one before text is
     * added after it. */
    if (to < f->nlines || end == 0 || f->data[end - 1] == '\n')
        return;
    pf__buf_putc(b, '\n');
}

static int file_errors(const char *data, size_t len, const char *path,
                       bool print)
{
    pt_ctx c = {print ? stderr : NULL, true, true, 0, 0};
    pt_file f = {0};
    int r;

    f.path = (char *)(uintptr_t)path;
    f.data = (char *)(uintptr_t)data;
    f.len = len;
    r = pt_check_file(&f, &c);
    pt_file_free(&f);
    return r < 0 ? r : (int)c.errors;
}

typedef struct edit_state {
    const pt_edit *e;
    pt_line target;
    enum pt_type type;
    double v; /* set: the value; inc: the delta */
} edit_state;

/* Compute the new text of the file in b. Returns 0, 1 (refused, message
 * printed) or -ENOMEM. */
static int apply(edit_state *st, const pt_file *f, pf_buf *b)
{
    const pt_edit *e = st->e;
    size_t tlen, found = SIZE_MAX;
    char *tkey = pt_series_key(st->target.name, st->target.labels,
                               st->target.nlabels, &tlen);
    int fi = pt_family_of(f, st->target.name);
    const pt_family *fam = fi >= 0 ? &f->fams[fi] : NULL;

    if (!tkey)
        return -ENOMEM;
    for (size_t i = 0; i < f->nlines && found == SIZE_MAX; i++) {
        const pt_line *l = &f->lines[i];
        size_t len;
        char *key;

        if (l->kind != PT_SAMPLE)
            continue;
        key = pt_series_key(l->name, l->labels, l->nlabels, &len);
        if (!key) {
            pf__free(tkey);
            return -ENOMEM;
        }
        if (len == tlen && memcmp(key, tkey, len) == 0)
            found = i;
        pf__free(key);
    }
    pf__free(tkey);
    if (fam && (fam->type == PT_HISTOGRAM || fam->type == PT_SUMMARY))
        return fail("%s belongs to the %s family; promfile edits counters, "
                    "gauges and untyped series only",
                    st->target.name, pt_type_name(fam->type));
    if (fam && e->type && strcmp(e->type, pt_type_name(fam->type)) != 0)
        return fail("%s is already a family of another type (%s)",
                    st->target.name, pt_type_name(fam->type));
    if (fam && fam->type == PT_COUNTER && e->op != PT_DEL) {
        double now = found != SIZE_MAX ? f->lines[found].value : 0;
        double next = e->op == PT_INC ? now + st->v : st->v;

        if (e->op == PT_INC && st->v < 0)
            return fail("%s is a counter: a counter only goes up (a "
                        "negative DELTA)",
                        st->target.name);
        if (next < 0)
            return fail("%s is a counter: it cannot be negative",
                        st->target.name);
    }
    if (e->op == PT_DEL) {
        const pt_family *df;
        bool drop_meta;

        if (found == SIZE_MAX)
            return fail("no series %s in %s", e->series, e->file);
        df = &f->fams[f->lines[found].fam];
        drop_meta = df->nsamples == 1;
        for (size_t i = 0; i < f->nlines; i++) {
            const pt_line *l = &f->lines[i];

            /* The last sample of a family takes its HELP and TYPE with
             * it: they would describe nothing. */
            if (i == found ||
                (drop_meta && (l->kind == PT_HELP || l->kind == PT_TYPE) &&
                 l->fam == f->lines[found].fam))
                continue;
            put_lines(b, f, i, i + 1);
        }
        return 0;
    }
    if (found != SIZE_MAX) {
        const pt_line *l = &f->lines[found];
        double v = e->op == PT_INC ? l->value + st->v : st->v;

        pf__buf_put(b, f->data, l->voff);
        pf__buf_put_double(b, v);
        pf__buf_put(b, f->data + l->voff + l->vlen,
                    f->len - l->voff - l->vlen);
        return 0;
    }
    if (fam) {
        /* A new series of a family: at the end of its block. */
        size_t after = fam->nsamples ? fam->last_idx + 1
                       : (fam->help_line > fam->type_line ? fam->help_line
                                                          : fam->type_line);

        put_lines(b, f, 0, after);
        put_sample(b, &st->target, st->v);
        put_lines(b, f, after, f->nlines);
        return 0;
    }
    put_lines(b, f, 0, f->nlines);
    pf__buf_puts(b, "# HELP ");
    pf__buf_put(b, st->target.name, strlen(st->target.name));
    pf__buf_putc(b, ' ');
    if (e->help)
        pf__buf_put_help(b, e->help, strlen(e->help));
    else
        put_derived_help(b, st->target.name);
    pf__buf_puts(b, "\n# TYPE ");
    pf__buf_put(b, st->target.name, strlen(st->target.name));
    pf__buf_putc(b, ' ');
    pf__buf_put(b, pt_type_name(st->type), strlen(pt_type_name(st->type)));
    pf__buf_putc(b, '\n');
    put_sample(b, &st->target, st->v);
    return 0;
}

/* Check everything that needs no file. Returns 0 or 1 (printed). */
static int check_args(const pt_edit *e, edit_state *st)
{
    char msg[200];
    const char *base = strrchr(e->file, '/');
    size_t nl;

    base = base ? base + 1 : e->file;
    if (!*base || strlen(base) > PF_MAX_FILE_NAME)
        return fail("invalid file name %s", e->file);
    if (pt_parse_series(e->series, &st->target, msg, sizeof(msg)) < 0)
        return fail("invalid series: %s", msg);
    if (strlen(st->target.name) > PF_MAX_NAME)
        return fail("metric name %.60s... is too long",
                    st->target.name);
    nl = strlen(st->target.name);
    if (e->op == PT_DEL) {
        if (e->value || e->now || e->help || e->type)
            return fail("del takes no value, --now, --help-text or "
                        "--type");
        return 0;
    }
    if (e->now && (e->value || e->op == PT_INC))
        return fail("--now replaces VALUE and works with set only");
    if (e->now) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        st->v = (double)ts.tv_sec;
    } else if (!e->value && e->op == PT_SET) {
        return fail("set needs a VALUE (or --now)");
    } else if (!e->value) {
        st->v = 1;
    } else if (!pt_parse_float(e->value, strlen(e->value), &st->v)) {
        return fail("invalid value \"%.60s\": write a number such as 42, "
                    "-1.5, 2.5e-3, NaN, +Inf or -Inf",
                    e->value);
    }
    if (e->op == PT_INC && isnan(st->v))
        return fail("invalid DELTA %s", e->value);
    if (e->help && pf__check_help(e->help) < 0)
        return fail("invalid --help-text: %s", pf_last_error());
    if (e->type && strcmp(e->type, "counter") != 0 &&
        strcmp(e->type, "gauge") != 0)
        return fail("invalid --type %s: counter or gauge", e->type);
    st->type = nl > 6 && strcmp(st->target.name + nl - 6, "_total") == 0
                   ? PT_COUNTER
                   : PT_GAUGE;
    if (e->type)
        st->type = e->type[0] == 'c' ? PT_COUNTER : PT_GAUGE;
    /* TEXTFILE.md: the TYPE of a counter names its full sample name,
     * which ends in _total. */
    if (e->type && st->type == PT_COUNTER &&
        (nl <= 6 || strcmp(st->target.name + nl - 6, "_total") != 0))
        return fail("a counter's name must end in _total: %s",
                    st->target.name);
    return 0;
}

int pt_cmd_edit(const pt_edit *e)
{
    edit_state st = {e, {0}, PT_GAUGE, 0};
    pt_file f = {0};
    pf_buf b = {0};
    struct stat sb;
    unsigned mode = 0644;
    int lockfd = -1, r, rc = 1, old_errors;
    char *dir = NULL;
    const char *base;

    rc = check_args(e, &st);
    if (rc)
        goto out;
    rc = 1;
    r = lock_file(e->file, &lockfd);
    if (r < 0) {
        fprintf(stderr, "promfile: cannot lock %s.lock: %s\n", e->file,
                pf_strerror(r));
        goto out;
    }
    f.path = (char *)(uintptr_t)e->file;
    r = pt_read_file(e->file, &f.data, &f.len);
    if (r == -ENOENT && e->op != PT_DEL) {
        f.data = calloc(1, 1);
        if (!f.data)
            goto nomem;
    } else if (r < 0) {
        fprintf(stderr, "promfile: cannot read %s: %s\n", e->file,
                pf_strerror(r));
        goto out;
    } else if (stat(e->file, &sb) == 0) {
        mode = sb.st_mode & 07777;
    }
    old_errors = file_errors(f.data, f.len, e->file, !e->force);
    if (old_errors < 0)
        goto nomem;
    if (old_errors > 0 && !e->force) {
        fprintf(stderr,
                "promfile: %s fails check; not modified (--force edits it "
                "anyway)\n",
                e->file);
        goto out;
    }
    r = pt_parse(&f, &(pt_ctx){NULL, true, true, 0, 0});
    if (r < 0)
        goto nomem;
    rc = apply(&st, &f, &b);
    if (rc < 0)
        goto nomem;
    if (rc)
        goto out;
    rc = 1;
    pf__buf_putc(&b, '\0');
    if (b.failed)
        goto nomem;
    b.len--;
    r = file_errors(b.data, b.len, e->file, false);
    if (r < 0)
        goto nomem;
    if (r > old_errors) {
        file_errors(b.data, b.len, e->file, true);
        fprintf(stderr, "promfile: the change would make %s fail check; "
                "not modified\n", e->file);
        goto out;
    }
    if (!e->quiet && e->op != PT_DEL &&
        pt_family_of(&f, st.target.name) < 0 &&
        pf__check_metric_name(st.target.name,
                              st.type == PT_COUNTER ? PF_TYPE_COUNTER
                                                    : PF_TYPE_GAUGE) < 0)
        fprintf(stderr, "promfile: warning: %s\n", pf_last_error());
    base = strrchr(e->file, '/');
    dir = base ? strndup(e->file, (size_t)(base - e->file) + 1)
               : strdup(".");
    if (!dir)
        goto nomem;
    base = base ? base + 1 : e->file;
    r = pf__write_file(dir, base, b.data, b.len, mode,
                       e->no_fsync ? PF_WRITE_NO_FSYNC : 0);
    if (r < 0) {
        fprintf(stderr, "promfile: cannot write %s: %s\n", e->file,
                pf_strerror(r));
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    fprintf(stderr, "promfile: out of memory\n");
    rc = 1;
out:
    pt_line_clear(&st.target);
    pf__buf_release(&b);
    pt_file_free(&f);
    free(f.data);
    free(dir);
    if (lockfd >= 0)
        close(lockfd);
    return rc;
}
