/* SPDX-License-Identifier: MIT */
/*
 * promfile set/inc/del: change one series of a textfile and write it back
 * through the library's atomic writer, every other byte as it was. The
 * file is read with the reader of text/reader.h, which gives the offsets
 * of each line and value.
 *
 * Writers of one file serialize on flock() of the .prom file itself, and
 * leave nothing else in the directory (issue 12): since every write
 * replaces the file by rename(), a writer that got the lock checks that
 * the name still stands for the file it locked, and starts again if not.
 * The creation of a file that does not exist yet serializes on flock() of
 * its directory.
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

static int lock_fd(int fd)
{
    int r;

    while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
        ;
    return r < 0 ? -errno : 0;
}

/* The file being edited, locked: its descriptor (-1 when it does not
 * exist yet, and the directory's lock is held instead). */
typedef struct target {
    int dfd; /* the directory, locked when fd is -1 */
    int fd;  /* the file, locked */
    struct stat st;
} target;

/* Lock `base` in the directory dfd: see the comment at the top. Returns
 * 0, PT_NOT_REGULAR or -errno. */
static int lock_target(target *t, const char *base)
{
    bool dir_locked = false;
    int r;

    /* Each round is the work of another writer done: bounded only to
     * stop a loop that cannot end. */
    for (int round = 0; round < 100000; round++) {
        struct stat now;

        r = pt_open_regular(t->dfd, base, &t->fd, &t->st);
        if (r == -ENOENT) {
            if (dir_locked)
                return 0;
            /* Creators of the file wait for one another here, then look
             * again: the one before may have made it. */
            r = lock_fd(t->dfd);
            if (r < 0)
                return r;
            dir_locked = true;
            continue;
        }
        if (r != 0)
            return r;
        if (dir_locked) {
            flock(t->dfd, LOCK_UN);
            dir_locked = false;
        }
        r = lock_fd(t->fd);
        /* While this waited, a writer may have renamed a new file over the
         * name: this lock is then on a file nobody reads any more. */
        if (r == 0 && fstatat(t->dfd, base, &now, 0) == 0) {
            if (now.st_dev == t->st.st_dev && now.st_ino == t->st.st_ino &&
                fstat(t->fd, &t->st) == 0)
                return 0;
        } else if (r == 0 && errno != ENOENT) {
            r = -errno;
        }
        close(t->fd);
        t->fd = -1;
        if (r < 0)
            return r;
    }
    return -EAGAIN;
}

/* Everything a reading of the file leaves for the edit. */
typedef struct scan {
    const pf_reader_series *target;
    bool found;
    pf_reader_line line; /* the target's line */
} scan;

static void on_line(void *ctx, const pf_reader_line *l)
{
    scan *s = ctx;

    if (s->found || l->kind != PF_LINE_SAMPLE ||
        l->keylen != s->target->keylen ||
        memcmp(l->key, s->target->key, l->keylen) != 0)
        return;
    s->found = true;
    s->line = *l;
    s->line.key = NULL;
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

/* Find the target's line; the reader (in *ret) knows the families. */
static int scan_text(const char *path, const char *data, size_t len, scan *s,
                     pf_reader **ret)
{
    pf_reader_opts o = {NULL, on_line, s, true, 0};

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

typedef struct edit_state {
    const pt_edit *e;
    pf_reader_series target;
    enum pf_type type; /* of a new family */
    double v;          /* set: the value; inc: the delta */
} edit_state;

/* Compute the new text of the file in b. Returns 0, 1 (refused, message
 * printed) or -ENOMEM. */
static int apply(edit_state *st, const pf_reader *r, const scan *sc,
                 const char *data, size_t len, pf_buf *b)
{
    const pt_edit *e = st->e;
    pf_reader_family fam;
    bool has_fam = pf__reader_family_of(r, st->target.name, &fam) == 0;
    bool has_block;

    if (has_fam &&
        (fam.type == PF_TYPE_HISTOGRAM || fam.type == PF_TYPE_SUMMARY))
        return fail("%s belongs to the %s family %s; promfile edits "
                    "counters, gauges and untyped series only",
                    st->target.name, pf__type_name(fam.type), fam.name);
    if (has_fam && e->type && strcmp(e->type, pf__type_name(fam.type)) != 0)
        return fail("%s is already a family of another type (%s)",
                    st->target.name, pf__type_name(fam.type));
    if (has_fam && fam.type == PF_TYPE_COUNTER && e->op != PT_DEL) {
        double now = sc->found ? sc->line.value : 0;
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
        uint64_t cut[3][2];
        size_t ncut = 0;
        uint64_t at = 0;
        pf_reader_family df;

        if (!sc->found)
            return fail("no series %s in %s", e->series, e->file);
        cut[ncut][0] = sc->line.off;
        cut[ncut++][1] = sc->line.off + sc->line.len + sc->line.newline;
        /* The last sample of a family takes its HELP and TYPE with it:
         * they would describe nothing. */
        if (pf__reader_family(r, sc->line.fam, &df) == 0 && df.nsamples == 1) {
            if (df.help_end) {
                cut[ncut][0] = df.help_off;
                cut[ncut++][1] = df.help_end;
            }
            if (df.type_end) {
                cut[ncut][0] = df.type_off;
                cut[ncut++][1] = df.type_end;
            }
        }
        for (size_t i = 0; i < ncut; i++)
            for (size_t j = i + 1; j < ncut; j++)
                if (cut[j][0] < cut[i][0]) {
                    uint64_t t0 = cut[i][0], t1 = cut[i][1];

                    cut[i][0] = cut[j][0];
                    cut[i][1] = cut[j][1];
                    cut[j][0] = t0;
                    cut[j][1] = t1;
                }
        for (size_t i = 0; i < ncut; i++) {
            put_span(b, data, at, cut[i][0], false);
            at = cut[i][1];
        }
        put_span(b, data, at, len, false);
        return 0;
    }
    if (sc->found) {
        const pf_reader_line *l = &sc->line;
        double v = e->op == PT_INC ? l->value + st->v : st->v;

        pf__buf_put(b, data, (size_t)l->voff);
        pf__buf_put_double(b, v);
        pf__buf_put(b, data + l->voff + l->vlen,
                    len - (size_t)l->voff - l->vlen);
        return 0;
    }
    has_block = has_fam && (fam.nsamples || fam.help_end || fam.type_end);
    if (has_block) {
        /* A new series of a family: at the end of its block. */
        uint64_t after = fam.nsamples                  ? fam.last_end
                         : fam.help_end > fam.type_end ? fam.help_end
                                                       : fam.type_end;

        put_span(b, data, 0, after, true);
        put_sample(b, &st->target, st->v);
        put_span(b, data, after, len, false);
        return 0;
    }
    put_span(b, data, 0, len, true);
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
    pf__buf_put(b, pf__type_name(st->type), strlen(pf__type_name(st->type)));
    pf__buf_putc(b, '\n');
    put_sample(b, &st->target, st->v);
    return 0;
}

/* Check everything that needs no file. Returns 0, 1 (printed) or
 * -ENOMEM. */
static int check_args(const pt_edit *e, edit_state *st)
{
    char msg[200];
    const char *base = strrchr(e->file, '/');
    enum pf_rule rule;
    size_t nl;
    int r;

    base = base ? base + 1 : e->file;
    if (!*base || strlen(base) > PF_MAX_FILE_NAME)
        return fail("invalid file name %s", e->file);
    r = pf__reader_parse_series(e->series, strlen(e->series), &st->target,
                                &rule, msg, sizeof(msg));
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return fail("invalid series: %s", msg);
    nl = strlen(st->target.name);
    if (nl > PF_MAX_NAME)
        return fail("metric name %.60s... is too long", st->target.name);
    if (pf__name_reserved(st->target.name))
        return fail("metric name \"%.60s\" starts with \"%s\", which is "
                    "reserved",
                    st->target.name, PF_RESERVED_PREFIX);
    for (size_t k = 0; k < st->target.nlabels; k++)
        if (pf__label_is_le_or_quantile(st->target.labels[k].name))
            return fail("label \"%s\" belongs to histograms and "
                        "summaries, which promfile does not edit",
                        st->target.labels[k].name);
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
    } else if (!pf__parse_value(e->value, strlen(e->value), &st->v, NULL)) {
        return fail("invalid value \"%.60s\": write a number such as 42, "
                    "-1.5, 2.5e-3, NaN, +Inf or -Inf",
                    e->value);
    }
    if (e->op == PT_INC && isnan(st->v))
        return fail("invalid DELTA %s", e->value);
    if (e->help && pf__check_help(e->help) < 0)
        return fail("invalid --help-text: %s", pf_last_error());
    if (e->type && strcmp(e->type, pf__type_name(PF_TYPE_COUNTER)) != 0 &&
        strcmp(e->type, pf__type_name(PF_TYPE_GAUGE)) != 0)
        return fail("invalid --type %s: counter or gauge", e->type);
    st->type = pf__ends_with(st->target.name, "_total") ? PF_TYPE_COUNTER
                                                        : PF_TYPE_GAUGE;
    if (e->type)
        st->type = strcmp(e->type, pf__type_name(PF_TYPE_COUNTER)) == 0
                       ? PF_TYPE_COUNTER
                       : PF_TYPE_GAUGE;
    /* TEXTFILE.md: the TYPE of a counter names its full sample name,
     * which ends in _total. */
    if (e->type && st->type == PF_TYPE_COUNTER &&
        !pf__ends_with(st->target.name, "_total"))
        return fail("a counter's name must end in _total: %s", st->target.name);
    return 0;
}

/* Read the locked file t->fd whole into *data. */
static int slurp(int fd, size_t size, char **data, size_t *len)
{
    size_t cap = size + 1, n = 0;
    char *buf = malloc(cap);

    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2);

            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;

            free(buf);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *data = buf;
    *len = n;
    return 0;
}

int pt_cmd_edit(const pt_edit *e)
{
    edit_state st = {e, {0}, PF_TYPE_GAUGE, 0};
    target t = {-1, -1, {0}};
    scan sc = {0};
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
    ret = lock_target(&t, base);
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
        ret = slurp(t.fd, (size_t)t.st.st_size, &data, &len);
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
    sc.target = &st.target;
    ret = scan_text(e->file, data ? data : "", len, &sc, &r);
    if (ret < 0)
        goto nomem;
    rc = apply(&st, r, &sc, data ? data : "", len, &b);
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
    if (!e->quiet && e->op != PT_DEL) {
        pf_reader_family fam;

        if (pf__reader_family_of(r, st.target.name, &fam) < 0 &&
            pf__check_metric_name(st.target.name, st.type) < 0)
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
    pf__reader_series_clear(&st.target);
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
