/* SPDX-License-Identifier: MIT */
/*
 * promfile write (issue 15): the checked replacement of `sponge FILE` in
 * collector scripts. The text, from standard input or from a command's
 * output, goes straight into the library's temporary file beside FILE
 * (pf__tmp_open(), pf__tmp_write()) while the same chunks go to the reader
 * of text/reader.h. FILE is replaced (pf__tmp_commit()) only when the
 * reader finds no error in the text and the command exited 0; otherwise
 * the temporary file is removed and FILE stays as it was. Nothing holds
 * the whole text: the memory is one chunk plus what the reader keeps (a
 * key per series), and an input over --max-size is refused at the chunk
 * that crosses it. The rename happens under the lock of lock.c, so that
 * a promfile set, inc, del or run of FILE at the same moment is never
 * undone halfway: each waits for the other.
 *
 * With --health, two families of promfile's own end the file: the time
 * of the last replacement and the failures by reason, continued from the
 * old file. A failure then rewrites the old file, its other lines as they
 * were, with the failure counted: the one case where a failed run
 * changes FILE.
 *
 * Signals: SIGHUP, SIGINT and SIGTERM are blocked all along and let in
 * only while promfile waits (for input with ppoll(), for the command with
 * waitid()), so each is acted upon between two steps: the temporary file
 * is removed by the code that made it, never left, and the command is
 * never signalled after it was reaped. The handler only notes the signal
 * and passes it on to the command.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The exit statuses of promfile(1), EXIT STATUS. */
enum {
    ST_WRITTEN = 0,
    ST_REFUSED = 1, /* the text: errors, empty, too large */
    ST_USAGE = 2,
    ST_COMMAND = 3,
    ST_IO = 4, /* FILE not written, the input not read, no memory */
};

/* Why a run left the data of FILE as it was: the values of the label
 * reason of promfile_textfile_failures_total, in the order written. */
enum reason { R_COMMAND, R_EMPTY, R_INVALID, R_IO, R_TOO_LARGE, NREASONS };
#define R_NONE NREASONS
static const char *const reason_names[NREASONS] = {
    [R_COMMAND] = "command",     [R_EMPTY] = "empty",
    [R_INVALID] = "invalid",     [R_IO] = "io",
    [R_TOO_LARGE] = "too_large",
};

/* The --health families. Their names are promfile_textfile_*, apart from
 * the library writer's promfile_* families and promfile run's
 * promfile_job_*; the label file (FILE's base name) keeps the series of
 * two files of one directory apart, since node_exporter drops a series
 * that two files have. The HELP texts are the same in every file, so
 * that node_exporter merges the family across files. */
#define H_SUCCESS "promfile_textfile_last_success_timestamp_seconds"
#define H_SUCCESS_HELP                                                         \
    "Unix time of the last replacement of the file by promfile write (0: "     \
    "none yet)."
#define H_FAILURES "promfile_textfile_failures_total"
#define H_FAILURES_HELP                                                        \
    "Runs of promfile write that left the data of the file as it was, by "     \
    "reason."

/* The default --max-size, 16 MiB. node_exporter re-reads every textfile
 * at every scrape, and 1.5 takes 14 s for a 33 MB one on a 2-core VM
 * (text/reader.h), some 0.4 s a MB: 16 MiB already costs about 7 s of
 * Prometheus's default scrape_timeout of 10 s. Collector scripts write
 * kilobytes; a text this large is a runaway loop or the wrong pipe. */
#define DEFAULT_MAX_SIZE ((uint64_t)16 << 20)
/* A pipe's capacity on Linux: one read() takes what a writer can have
 * written without waiting. */
#define CHUNK ((size_t)64 << 10)
/* Problems printed of one text; a broken script can make millions, and
 * its mail should stay readable. The rest are counted. */
#define MAX_SHOWN 100

typedef struct wopts {
    const char *file;
    char **cmd; /* NULL: the text is standard input */
    unsigned mode;
    bool mode_set, strict, quiet, no_fsync, allow_empty, health;
    uint64_t max_size;
} wopts;

typedef struct health {
    double success;
    double failures[NREASONS];
} health;

/* The file being replaced, read for --health. */
typedef struct old_file {
    int fd;     /* -1: none, or not readable */
    bool valid; /* read with no error: its values and lines are kept */
    health h;
    uint64_t (*spans)[2]; /* the lines of the health families, to drop */
    size_t nspans, capspans;
    bool nomem;
} old_file;

typedef struct wstate {
    const wopts *o;
    char *dir;
    const char *base;
    char shown[128]; /* the text's name in messages */
    unsigned mode;
    unsigned flags; /* of pf__tmp_commit() */
    pt_ctx pc;
    unsigned printed, omitted;
    char why[300]; /* why FILE was not replaced: the first cause */
    pf_reader *r;  /* the reader of the line callbacks */
    /* --health: the keys of its series (the last success, then the
     * failures by reason), compared with pf_reader_line.key. */
    pf_reader_series keys[1 + NREASONS];
    unsigned health_line; /* a line of the text in a health family */
    bool appending;       /* the health block is being read */
    old_file old;
} wstate;

/* Where the text goes: the temporary file and the reader. */
typedef struct sink {
    pf_tmp t;
    bool open; /* t is a temporary file to commit or abort */
    int err;   /* of pf__tmp_write() */
    int rerr;  /* of the reader: -ENOMEM */
    pf_reader *r;
    bool strict;
    uint64_t bytes;
    char last;       /* the last byte so far */
    bool tail_blank; /* nothing but blanks since the last '\n' */
} sink;

/* ---- Messages ----------------------------------------------------------- */

static void because(wstate *s, const char *fmt, ...) PF_PRINTF(2, 3);

/* Note the cause of a failure, for the last line: "FILE not replaced:
 * <cause>". The first one stays. */
static void because(wstate *s, const char *fmt, ...)
{
    va_list ap;

    if (s->why[0])
        return;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
}

/* A problem of the text, printed as promfile check prints it (on
 * standard error): the report callback of every reader here. */
static void on_diag(void *ctx, const pf_reader_diag *d)
{
    wstate *s = ctx;

    if (pf__rule_info(d->rule)->verdict == PF_VERDICT_OK && s->o->quiet)
        return;
    if (s->printed == MAX_SHOWN) {
        s->omitted++;
        return;
    }
    s->printed++;
    pt_print_diag(&s->pc, d);
}

static void size_shown(char *dst, size_t sz, uint64_t v)
{
    if (v >= (1u << 20) && v % (1u << 20) == 0)
        snprintf(dst, sz, "%llu MiB", (unsigned long long)(v >> 20));
    else if (v >= 1024 && v % 1024 == 0)
        snprintf(dst, sz, "%llu KiB", (unsigned long long)(v >> 10));
    else
        snprintf(dst, sz, "%llu bytes", (unsigned long long)v);
}

/* ---- Signals ------------------------------------------------------------ */

static const int caught[] = {SIGHUP, SIGINT, SIGTERM};
static volatile sig_atomic_t got_signal; /* the first one */
static volatile sig_atomic_t child;      /* the command, until reaped */
static sigset_t mask_wait;   /* as promfile was started: while waiting */
static sigset_t mask_run;    /* the same plus the caught signals */
static sigset_t sig_default; /* what the command gets at their default */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (!got_signal)
        got_signal = sig;
    /* Pass on what a process sent (kill(1), systemd, timeout(1)). A
     * signal of the terminal (si_code SI_KERNEL, > 0) went to the
     * command too, which is in promfile's process group: a second one
     * could cut short its own clean-up. */
    if (child > 0 && si->si_code <= 0)
        kill((pid_t)child, sig);
}

static void signals_setup(void)
{
    struct sigaction sa, old;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    /* No SA_RESTART: a wait must end when a signal comes. */
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < PF_ARRAY_SIZE(caught); i++)
        sigaddset(&sa.sa_mask, caught[i]);
    sigprocmask(SIG_SETMASK, NULL, &mask_wait);
    mask_run = mask_wait;
    sigemptyset(&sig_default);
    for (size_t i = 0; i < PF_ARRAY_SIZE(caught); i++) {
        sigaction(caught[i], NULL, &old);
        /* Ignored by whoever started promfile (nohup, a shell's
         * background job): ignored still, by the command too. */
        if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN)
            continue;
        sigaddset(&mask_run, caught[i]);
        sigaddset(&sig_default, caught[i]);
    }
    sigprocmask(SIG_SETMASK, &mask_run, NULL);
    for (size_t i = 0; i < PF_ARRAY_SIZE(caught); i++)
        if (sigismember(&sig_default, caught[i]))
            sigaction(caught[i], &sa, NULL);
    /* promfile itself takes EPIPE (a closed standard error must not kill
     * it with a temporary file left); the command gets SIGPIPE as
     * promfile got it, so a command whose pipe promfile closed ends. */
    sigaction(SIGPIPE, NULL, &old);
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
        sigaddset(&sig_default, SIGPIPE);
    signal(SIGPIPE, SIG_IGN);
    /* waitpid() needs SIGCHLD not ignored. */
    signal(SIGCHLD, SIG_DFL);
}

/* End as the signal sig would have ended promfile, so that a shell sees
 * it (a loop stops at ^C). */
static int die_of(int sig)
{
    sigset_t s;

    signal(sig, SIG_DFL);
    sigemptyset(&s);
    sigaddset(&s, sig);
    raise(sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    return 128 + sig;
}

/* Wait until fd has input (or its end), with the signals let in. Returns
 * 0, -EINTR for a signal, or -errno. */
static int wait_input(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (!got_signal) {
        int n = ppoll(&p, 1, NULL, &mask_wait);

        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
    return -EINTR;
}

/* ---- The command -------------------------------------------------------- */

/* Start argv with its standard output a pipe (*rfd its end to read), its
 * standard input and error promfile's, and its signals as promfile got
 * them. Returns 0 or -errno (posix_spawnp() of glibc reports a failed
 * exec, ENOENT or EACCES, as its own error). */
static int spawn(char **argv, int *rfd, pid_t *ret)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid;
    int p[2], e;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    e = posix_spawn_file_actions_init(&fa);
    if (e == 0) {
        e = posix_spawnattr_init(&at);
        if (e)
            posix_spawn_file_actions_destroy(&fa);
    }
    if (e) {
        close(p[0]);
        close(p[1]);
        return -e;
    }
    /* fds 0 to 2 are open (open_std()): the pipe is above them. */
    e = posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    if (e == 0)
        e = posix_spawnattr_setsigmask(&at, &mask_wait);
    if (e == 0)
        e = posix_spawnattr_setsigdefault(&at, &sig_default);
    if (e == 0)
        e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF);
    if (e == 0)
        e = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (e) {
        close(p[0]);
        return -e;
    }
    child = pid;
    *rfd = p[0];
    *ret = pid;
    return 0;
}

/* Wait for the command to end, with the signals let in (each is passed
 * on); then reap it with them blocked, so that the handler never signals
 * a reaped PID. Returns 0 with *status, or -errno. */
static int wait_command(pid_t pid, int *status)
{
    siginfo_t si;

    for (;;) {
        int r, e;

        sigprocmask(SIG_SETMASK, &mask_wait, NULL);
        r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
        e = errno;
        sigprocmask(SIG_SETMASK, &mask_run, NULL);
        if (r == 0)
            break;
        if (e != EINTR)
            return -e;
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    child = 0;
    return 0;
}

/* ---- The health families -------------------------------------------------
 */

/* Series k: -1 the last success, else the failures of reason k. */
static void put_series(pf_buf *b, const char *base, int k)
{
    if (k < 0)
        pf__buf_puts(b, H_SUCCESS);
    else
        pf__buf_puts(b, H_FAILURES);
    pf__buf_puts(b, "{file=\"");
    pf__buf_put_label_value(b, base, strlen(base));
    pf__buf_putc(b, '"');
    if (k >= 0) {
        pf__buf_puts(b, ",reason=\"");
        pf__buf_put(b, reason_names[k], strlen(reason_names[k]));
        pf__buf_putc(b, '"');
    }
    pf__buf_putc(b, '}');
}

static void put_health(pf_buf *b, const char *base, const health *h)
{
    pf__buf_puts(b, "# HELP " H_SUCCESS " " H_SUCCESS_HELP "\n"
                    "# TYPE " H_SUCCESS " gauge\n");
    put_series(b, base, -1);
    pf__buf_putc(b, ' ');
    pf__buf_put_double(b, h->success);
    pf__buf_putc(b, '\n');
    pf__buf_puts(b, "# HELP " H_FAILURES " " H_FAILURES_HELP "\n"
                    "# TYPE " H_FAILURES " counter\n");
    for (int k = 0; k < NREASONS; k++) {
        put_series(b, base, k);
        pf__buf_putc(b, ' ');
        pf__buf_put_double(b, h->failures[k]);
        pf__buf_putc(b, '\n');
    }
}

static int make_keys(wstate *s)
{
    for (int k = 0; k <= NREASONS; k++) {
        pf_buf b = {0};
        enum pf_rule rule;
        char msg[160];
        int e;

        put_series(&b, s->base, k - 1);
        e = b.failed ? -ENOMEM
                     : pf__reader_parse_series(b.data, b.len, &s->keys[k],
                                               &rule, msg, sizeof(msg));
        pf__buf_release(&b);
        if (e < 0)
            return e;
    }
    return 0;
}

static bool is_health(const wstate *s, int fam)
{
    pf_reader_family f;

    return fam >= 0 && pf__reader_family(s->r, fam, &f) == 0 &&
           (strcmp(f.name, H_SUCCESS) == 0 || strcmp(f.name, H_FAILURES) == 0);
}

/* The line callback of the text: a health family in it is an error. */
static void text_line(void *ctx, const pf_reader_line *l)
{
    wstate *s = ctx;

    if (!s->appending && !s->health_line && is_health(s, l->fam))
        s->health_line = l->no;
}

/* The line callback of the old file: the values of our series and the
 * spans of the health families' lines. */
static void old_line(void *ctx, const pf_reader_line *l)
{
    wstate *s = ctx;
    old_file *o = &s->old;
    uint64_t end = l->off + l->len + (l->newline ? 1 : 0);

    if (!is_health(s, l->fam))
        return;
    if (o->nspans && o->spans[o->nspans - 1][1] == l->off) {
        o->spans[o->nspans - 1][1] = end;
    } else {
        uint64_t(*sp)[2] = o->spans;

        if (o->nspans == o->capspans) {
            size_t cap = o->capspans ? o->capspans * 2 : 8;

            sp = realloc(o->spans, cap * sizeof(*sp));
            if (!sp) {
                o->nomem = true;
                return;
            }
            o->spans = sp;
            o->capspans = cap;
        }
        sp[o->nspans][0] = l->off;
        sp[o->nspans++][1] = end;
    }
    if (l->kind != PF_LINE_SAMPLE)
        return;
    for (int k = 0; k <= NREASONS; k++) {
        const pf_reader_series *key = &s->keys[k];
        /* A counter that went wrong starts again: Prometheus takes it for
         * a reset. */
        double v = isfinite(l->value) && l->value >= 0 ? l->value : 0;

        if (l->keylen != key->keylen || memcmp(l->key, key->key, l->keylen))
            continue;
        if (k == 0)
            o->h.success = v;
        else
            o->h.failures[k - 1] = v;
    }
}

/* Read the old file (dfd: its directory) for --health. Its descriptor is
 * kept, for the rewrite after a failure. Returns 0 or -ENOMEM. */
static int read_old(wstate *s, int dfd)
{
    pf_reader_opts ro = {NULL, old_line, s, true, 0};
    old_file *o = &s->old;
    struct stat st;
    pf_reader *r = NULL;
    int fd, e;

    o->fd = -1;
    /* O_NOFOLLOW: a link at FILE's name is not FILE (the rename replaces
     * the link); its target's lines are never copied into FILE. */
    fd = openat(dfd, s->base,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > PF_READER_MAX_SIZE) {
        if (!s->o->quiet)
            pt_say("warning: %s is not a readable textfile: its health "
                   "metrics start again from 0",
                   s->o->file);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    e = pf__reader_new(&ro, &r);
    s->r = r;
    if (e == 0)
        e = pf__reader_begin(r, s->o->file);
    if (e == 0) {
        e = pt_feed_fd(r, fd);
        if (e < 0 && e != -ENOMEM && !s->o->quiet)
            pt_say("warning: cannot read %s: %s", s->o->file, pf_strerror(e));
    }
    if (e == 0)
        e = pf__reader_end(r);
    if (e == 0)
        e = pf__reader_finish(r);
    if (e == -ENOMEM || o->nomem) {
        pf__reader_free(r);
        close(fd);
        return -ENOMEM;
    }
    o->valid = e == 0 && pf__reader_errors(r) == 0;
    pf__reader_free(r);
    s->r = NULL;
    if (!o->valid) {
        if (!s->o->quiet)
            pt_say("warning: %s fails promfile check: a failure replaces it "
                   "with the health metrics alone, from 0",
                   s->o->file);
        memset(&o->h, 0, sizeof(o->h));
        o->nspans = 0;
    }
    o->fd = fd;
    return 0;
}

/* ---- The text ----------------------------------------------------------- */

static bool refused(const pf_reader *r, bool strict)
{
    return pf__reader_errors(r) || (strict && pf__reader_warnings(r));
}

static void sink_put(sink *k, const char *p, size_t n)
{
    size_t i = n;

    if (n == 0)
        return;
    if (k->open) {
        int e = pf__tmp_write(&k->t, p, n);

        if (e < 0) {
            k->err = e;
            pf__tmp_abort(&k->t);
            k->open = false;
        }
    }
    if (!k->rerr)
        k->rerr = pf__reader_feed(k->r, p, n);
    k->bytes += n;
    k->last = p[n - 1];
    /* A chunk of blanks alone leaves tail_blank as it was. */
    while (i > 0 && pf__is_blank(p[i - 1]))
        i--;
    if (i > 0)
        k->tail_blank = p[i - 1] == '\n';
    /* A text that fails has no use for its temporary file. */
    if (k->open && refused(k->r, k->strict)) {
        pf__tmp_abort(&k->t);
        k->open = false;
    }
}

enum pump_end { PUMP_EOF, PUMP_SIGNAL, PUMP_TOO_LARGE, PUMP_READ, PUMP_SINK };

/* Read fd to its end into k, unless a signal, the size limit, a read
 * error (*err) or the sink stops it first. */
static enum pump_end pump(sink *k, int fd, uint64_t limit, char *buf, int *err)
{
    for (;;) {
        int e = wait_input(fd);
        ssize_t n;

        if (e == -EINTR)
            return PUMP_SIGNAL;
        if (e < 0) {
            *err = e;
            return PUMP_READ;
        }
        n = read(fd, buf, CHUNK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            *err = -errno;
            return PUMP_READ;
        }
        if (n == 0)
            return PUMP_EOF;
        if ((uint64_t)n > limit - k->bytes)
            return PUMP_TOO_LARGE;
        sink_put(k, buf, (size_t)n);
        if (k->err || k->rerr)
            return PUMP_SINK;
    }
}

/* The text has been read whole: end it, with the health block when it
 * is fit to carry one. Returns the reason it fails, or R_NONE. */
static enum reason end_text(wstate *s, sink *k)
{
    const wopts *o = s->o;
    uint64_t samples = pf__reader_samples(k->r);
    bool ok = !refused(k->r, o->strict) && !s->health_line && !k->rerr;
    bool empty = samples == 0 && !o->allow_empty;
    int e;

    /* A last line without '\n' is an error unless it is blanks only,
     * which node_exporter reads: then the block needs a '\n' first. */
    if (ok && o->health && !empty && k->bytes && k->last != '\n') {
        if (k->tail_blank)
            sink_put(k, "\n", 1);
        else
            ok = false;
    }
    if (ok && o->health && !empty) {
        pf_buf b = {0};
        health h = s->old.valid ? s->old.h : (health){0};
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        h.success = (double)ts.tv_sec;
        put_health(&b, s->base, &h);
        if (b.failed) {
            pf__buf_release(&b);
            because(s, "%s", pf_strerror(-ENOMEM));
            return R_IO;
        }
        s->appending = true;
        sink_put(k, b.data, b.len);
        s->appending = false;
        pf__buf_release(&b);
    }
    e = k->rerr ? k->rerr : pf__reader_end(k->r);
    if (e == 0)
        e = pf__reader_finish(k->r);
    if (e < 0) {
        because(s, "%s", pf_strerror(e));
        return R_IO;
    }
    if (k->err) {
        because(s, "cannot write it: %s", pf_strerror(k->err));
        return R_IO;
    }
    if (s->health_line) {
        pt_say("%s:%u: a family of --health's own (%s, %s)", s->shown,
               s->health_line, H_SUCCESS, H_FAILURES);
        because(s, "%s has a family of --health's own", s->shown);
        return R_INVALID;
    }
    /* Empty, not invalid, when only --strict and the warning "empty"
     * refuse it. */
    if (empty && !pf__reader_errors(k->r)) {
        because(s,
                "%s has no samples: a broken script? (--allow-empty "
                "writes it)",
                s->shown);
        return R_EMPTY;
    }
    if (refused(k->r, o->strict)) {
        unsigned ne = pf__reader_errors(k->r);
        unsigned nw = pf__reader_warnings(k->r);

        if (ne)
            because(s, "%s has %u error%s", s->shown, ne, ne == 1 ? "" : "s");
        else
            because(s, "%s has %u warning%s (--strict)", s->shown, nw,
                    nw == 1 ? "" : "s");
        return R_INVALID;
    }
    return R_NONE;
}

/* Copy the old file without the health families' lines into k. */
static int copy_old(wstate *s, sink *k, char *buf)
{
    old_file *o = &s->old;
    uint64_t off = 0;
    size_t sp = 0;

    for (;;) {
        ssize_t n = pread(o->fd, buf, CHUNK, (off_t)off);
        size_t i = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        while (i < (size_t)n) {
            uint64_t at = off + i, stop;

            if (sp < o->nspans && at >= o->spans[sp][1]) {
                sp++;
                continue;
            }
            if (sp < o->nspans && at >= o->spans[sp][0]) {
                stop = o->spans[sp][1] - off;
                i = stop < (uint64_t)n ? (size_t)stop : (size_t)n;
                continue;
            }
            stop = sp < o->nspans ? o->spans[sp][0] - off : (uint64_t)n;
            if (stop > (uint64_t)n)
                stop = (uint64_t)n;
            sink_put(k, buf + i, (size_t)stop - i);
            i = (size_t)stop;
        }
        if (k->err || k->rerr)
            return 0;
        off += (uint64_t)n;
    }
}

/* Replace FILE by the temporary file t, under FILE's lock (lock.c). A
 * directory promfile may write but not read (mode 0300) cannot be
 * flock()ed: FILE is then replaced without the lock, as the library's
 * writer does. */
static int commit_locked(const wstate *s, pf_tmp *t)
{
    int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
    int absent, e;
    struct stat st;

    if (dfd < 0)
        return pf__tmp_commit(t, s->flags);
    e = pt_lock_file(dfd, s->base, NULL, &fd, &st, &absent);
    /* Not a regular file (the rename then says what it is): no lock. */
    if (e == PT_NOT_REGULAR)
        e = 0;
    if (e == 0)
        e = pf__tmp_commit(t, s->flags);
    else
        pf__tmp_abort(t);
    pt_unlock_file(dfd, fd);
    close(dfd);
    return e;
}

/* After a failure for `why`: FILE again, its lines as they were (when it
 * was valid) and its health metrics with the failure counted. */
static void count_failure(wstate *s, enum reason why, char *buf)
{
    pf_reader_opts ro = {on_diag, NULL, s, true, 0};
    health h = s->old.valid ? s->old.h : (health){0};
    sink k = {.last = '\n', .tail_blank = true};
    pf_buf b = {0};
    int e;

    h.failures[why] += 1;
    put_health(&b, s->base, &h);
    e = b.failed ? -ENOMEM : pf__reader_new(&ro, &k.r);
    if (e == 0)
        e = pf__reader_begin(k.r, s->o->file);
    if (e == 0) {
        e = pf__tmp_open(&k.t, s->dir, s->base, s->mode);
        k.open = e == 0;
    }
    if (e == 0 && s->old.valid && s->old.fd >= 0)
        e = copy_old(s, &k, buf);
    if (e == 0 && k.bytes && k.last != '\n')
        sink_put(&k, "\n", 1);
    if (e == 0)
        sink_put(&k, b.data, b.len);
    if (e == 0)
        e = k.rerr ? k.rerr : k.err;
    if (e == 0)
        e = pf__reader_end(k.r);
    if (e == 0)
        e = pf__reader_finish(k.r);
    if (e == 0 && pf__reader_errors(k.r))
        e = -EINVAL;
    if (e == 0 && got_signal)
        e = -EINTR;
    if (e == 0) {
        e = commit_locked(s, &k.t);
        k.open = false;
    }
    if (k.open)
        pf__tmp_abort(&k.t);
    if (e == -EINVAL)
        pt_say("%s: health metrics not updated: the result fails check",
               s->o->file);
    else if (e < 0 && e != -EINTR)
        pt_say("%s: health metrics not updated: %s", s->o->file,
               pf_strerror(e));
    else if (e == 0 && !s->o->quiet)
        pt_say("%s keeps its data; its health metrics count the failure "
               "(reason=\"%s\")",
               s->o->file, reason_names[why]);
    pf__reader_free(k.r);
    pf__buf_release(&b);
}

/* ---- The command line ----------------------------------------------------
 */

static void usage(FILE *out)
{
    fputs("Usage: promfile write [options] FILE                  "
          "(the text on standard input)\n"
          "       promfile write [options] FILE -- COMMAND [ARG...]  "
          "(the command's output)\n"
          "Replace FILE atomically with the text when promfile check "
          "finds no error in it\n"
          "(and the command exited 0); else leave FILE as it was.\n"
          "  -q, --quiet       print no warnings\n"
          "  --strict          refuse a text with warnings too\n"
          "  --health          add promfile_textfile_* metrics; count "
          "failures in FILE\n"
          "  --allow-empty     write a text without samples\n"
          "  --mode MODE       octal (default: FILE's, or 0644)\n"
          "  --max-size SIZE   bytes, or with K, M, G (default 16M, at "
          "most 256M)\n"
          "  --no-fsync        do not fsync(2) before the rename\n"
          "Exit: 0 written; 1 the text refused; 2 usage; 3 the command "
          "failed;\n"
          "4 FILE not written (I/O). See promfile(1).\n",
          out);
}

static bool parse_mode(const char *s, unsigned *ret)
{
    unsigned v = 0;

    if (!*s || strlen(s) > 4)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '7')
            return false;
        v = v * 8 + (unsigned)(*s - '0');
    }
    if (v > 0777)
        return false;
    *ret = v;
    return true;
}

static bool parse_size(const char *s, uint64_t *ret)
{
    unsigned long long v;
    unsigned shift = 0;
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return false;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift)
        end++;
    if (*end || v == 0 || v > (PF_READER_MAX_SIZE >> shift))
        return false;
    *ret = (uint64_t)v << shift;
    return true;
}

enum {
    OPT_STRICT = 256,
    OPT_HEALTH,
    OPT_ALLOW_EMPTY,
    OPT_MODE,
    OPT_MAX_SIZE,
    OPT_NO_FSYNC,
};

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"health", no_argument, NULL, OPT_HEALTH},
    {"allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY},
    {"mode", required_argument, NULL, OPT_MODE},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"no-fsync", no_argument, NULL, OPT_NO_FSYNC},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, wopts *o)
{
    int split = argc, opt, rc = -1;
    char **av;

    /* "--" starts the command; everything before it is promfile's. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            split = i;
            break;
        }
    av = calloc((size_t)split + 1, sizeof(*av));
    if (!av) {
        pt_say("out of memory");
        return ST_IO;
    }
    av[0] = (char *)(uintptr_t) "promfile write";
    for (int i = 1; i < split; i++)
        av[i] = argv[i];
    optind = 1;
    while (rc < 0 &&
           (opt = getopt_long(split, av, "hq", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_STRICT:
            o->strict = true;
            break;
        case OPT_HEALTH:
            o->health = true;
            break;
        case OPT_ALLOW_EMPTY:
            o->allow_empty = true;
            break;
        case OPT_MODE:
            if (!parse_mode(optarg, &o->mode)) {
                pt_say("--mode %s: an octal mode from 0 to 0777, such as "
                       "0644",
                       optarg);
                rc = ST_USAGE;
            }
            o->mode_set = true;
            break;
        case OPT_MAX_SIZE:
            if (!parse_size(optarg, &o->max_size)) {
                pt_say("--max-size %s: bytes, or with K, M or G (KiB, MiB, "
                       "GiB), from 1 to 256M",
                       optarg);
                rc = ST_USAGE;
            }
            break;
        case OPT_NO_FSYNC:
            o->no_fsync = true;
            break;
        default:
            rc = ST_USAGE;
            break;
        }
    }
    if (rc < 0 && split - optind != 1) {
        pt_say(split - optind ? "write takes one FILE (a command goes after "
                                "\"--\")"
                              : "write needs a FILE");
        rc = ST_USAGE;
    }
    if (rc < 0 && split < argc && split + 1 == argc) {
        pt_say("no COMMAND after \"--\"");
        rc = ST_USAGE;
    }
    if (rc < 0) {
        o->file = av[optind];
        o->cmd = split < argc ? argv + split + 1 : NULL;
    }
    if (rc == ST_USAGE)
        fputs("Usage: promfile write [options] FILE [-- COMMAND [ARG...]]; "
              "see promfile write --help\n",
              stderr);
    free(av);
    return rc;
}

/* A closed descriptor 0, 1 or 2 would be taken by the temporary file,
 * and whatever promfile prints would go into it. */
static void open_std(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR | O_NOCTTY);

            if (n >= 0 && n != fd)
                close(n);
        }
}

static const char *dir_hint(int e)
{
    switch (e) {
    case -ELOOP:
        return " (the directory is a symbolic link, which is never "
               "followed: give its real path)";
    case -EPERM:
        return " (as root, a directory above it that another user can "
               "change is refused: see libpromfile(7), Threat model)";
    default:
        return "";
    }
}

/* Describe how the command ended in dst; false if it succeeded. */
static bool command_failed(int status, char *dst, size_t sz)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return false;
    if (WIFEXITED(status))
        snprintf(dst, sz, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(dst, sz, "was killed by signal %d (%s)%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(dst, sz, "ended with status 0x%x", (unsigned)status);
    return true;
}

/* FILE's directory, mode and old file; the reader and the temporary
 * file of the text. Returns R_NONE, or R_IO with the cause noted. */
static enum reason prepare(wstate *s, sink *k)
{
    const wopts *o = s->o;
    pf_reader_opts ro = {on_diag, o->health ? text_line : NULL, s, false, 0};
    struct stat st;
    int dfd, e;

    pf__remove_leftovers(s->dir, s->base);
    dfd = pf__dir_open(s->dir);
    if (dfd < 0) {
        e = -errno;
        because(s, "cannot open its directory %s: %s%s", s->dir, pf_strerror(e),
                dir_hint(e));
        return R_IO;
    }
    if (fstatat(dfd, s->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) {
            because(s, "it is a directory");
            close(dfd);
            return R_IO;
        }
        /* As promfile set/inc/del do: FILE keeps its mode. */
        if (S_ISREG(st.st_mode) && !o->mode_set)
            s->mode = st.st_mode & 0777;
    }
    e = o->health ? make_keys(s) : 0;
    if (e == 0 && o->health)
        e = read_old(s, dfd);
    close(dfd);
    if (e == 0)
        e = pf__reader_new(&ro, &k->r);
    if (e < 0) {
        because(s, "%s", pf_strerror(e));
        return R_IO;
    }
    s->r = k->r;
    e = pf__tmp_open(&k->t, s->dir, s->base, s->mode);
    if (e < 0) {
        because(s, "cannot create a file in %s: %s", s->dir, pf_strerror(e));
        return R_IO;
    }
    k->open = true;
    if (!pf__ends_with(s->base, PF_TEXTFILE_SUFFIX))
        pf__reader_report(k->r, o->file, 0, PF_RULE_FILE_NAME,
                          "node_exporter reads only files whose name ends "
                          "in %s",
                          PF_TEXTFILE_SUFFIX);
    e = pf__reader_begin(k->r, s->shown);
    if (e < 0) {
        because(s, "%s", pf_strerror(e));
        return R_IO;
    }
    return R_NONE;
}

/* Read the text, from standard input or from the command; then commit
 * or abort. Returns the reason of a failure, or R_NONE. */
static enum reason take_text(wstate *s, sink *k, char *buf)
{
    const wopts *o = s->o;
    enum reason why = R_NONE;
    enum pump_end end;
    pid_t pid = 0;
    int fd = STDIN_FILENO, e = 0, status = 0;
    char how[160];

    if (o->cmd) {
        e = spawn(o->cmd, &fd, &pid);
        if (e < 0) {
            because(s, "cannot run %s: %s", o->cmd[0], pf_strerror(e));
            return e == -ENOMEM ? R_IO : R_COMMAND;
        }
    }
    end = pump(k, fd, o->max_size, buf, &e);
    switch (end) {
    case PUMP_EOF:
    case PUMP_SIGNAL:
        break;
    case PUMP_TOO_LARGE:
        size_shown(how, sizeof(how), o->max_size);
        pf__reader_report(k->r, NULL, 0, PF_RULE_TOO_LARGE,
                          "more than the --max-size of %s: not read past "
                          "that",
                          how);
        because(s, "%s is larger than --max-size (%s)", s->shown, how);
        why = R_TOO_LARGE;
        break;
    case PUMP_READ:
        because(s, "cannot read %s: %s", s->shown, pf_strerror(e));
        why = R_IO;
        break;
    case PUMP_SINK:
        if (k->err)
            because(s, "cannot write it: %s", pf_strerror(k->err));
        else
            because(s, "%s", pf_strerror(k->rerr));
        why = R_IO;
        break;
    }
    if (pid > 0) {
        /* A command that writes on gets SIGPIPE (or EPIPE): the rest of
         * its output is not read; it is waited for. */
        close(fd);
        e = wait_command(pid, &status);
        if (e < 0) {
            because(s, "cannot wait for %s: %s", o->cmd[0], pf_strerror(e));
            if (why == R_NONE)
                why = R_COMMAND;
        } else if (why == R_NONE && !got_signal &&
                   command_failed(status, how, sizeof(how))) {
            because(s, "%s %s", o->cmd[0], how);
            why = R_COMMAND;
        }
    }
    if (why != R_NONE || got_signal)
        return why;
    why = end_text(s, k);
    if (why != R_NONE || got_signal)
        return why;
    e = commit_locked(s, &k->t);
    k->open = false;
    if (e < 0) {
        because(s, "cannot write it: %s", pf_strerror(e));
        return R_IO;
    }
    return R_NONE;
}

/* Everything after the options: see the comment at the top. */
static int run(wstate *s, char *buf)
{
    const wopts *o = s->o;
    sink k = {.strict = o->strict, .last = '\n', .tail_blank = true};
    enum reason why = prepare(s, &k);
    /* A rewrite after a failure to open the directory or a file in it
     * would fail the same way. */
    bool rewrite = why == R_NONE;

    if (why == R_NONE)
        why = take_text(s, &k, buf);
    if (k.open)
        pf__tmp_abort(&k.t);
    pf__reader_free(k.r);
    s->r = NULL;
    if (s->omitted)
        pt_say("%u more problems of %s not shown", s->omitted, s->shown);
    if (got_signal) {
        pt_say("%s not replaced: interrupted by signal %d (%s)", o->file,
               (int)got_signal, strsignal(got_signal));
        return 128 + got_signal;
    }
    if (why == R_NONE)
        return ST_WRITTEN;
    pt_say("%s not replaced: %s", o->file, s->why);
    if (o->health && rewrite)
        count_failure(s, why, buf);
    return why == R_COMMAND ? ST_COMMAND : why == R_IO ? ST_IO : ST_REFUSED;
}

int pt_cmd_write(int argc, char **argv)
{
    wopts o = {.mode = 0644, .max_size = DEFAULT_MAX_SIZE};
    wstate s = {0};
    const char *slash;
    char *buf = NULL;
    int rc = parse_args(argc, argv, &o);

    if (rc >= 0)
        return rc;
    slash = strrchr(o.file, '/');
    s.o = &o;
    s.base = slash ? slash + 1 : o.file;
    s.mode = o.mode;
    s.flags = o.no_fsync ? PF_WRITE_NO_FSYNC : 0;
    s.pc.out = stderr;
    s.old.fd = -1;
    if (!*s.base || strcmp(s.base, ".") == 0 || strcmp(s.base, "..") == 0 ||
        strlen(s.base) > PF_MAX_FILE_NAME) {
        pt_say("invalid FILE %s: a file name of 1 to %d bytes", o.file,
               PF_MAX_FILE_NAME);
        return ST_USAGE;
    }
    if (o.health && !pf__utf8_valid(s.base, strlen(s.base))) {
        pt_say("--health: the name of %s is not valid UTF-8, which its label "
               "file must be",
               o.file);
        return ST_USAGE;
    }
    if (o.cmd)
        snprintf(s.shown, sizeof(s.shown), "<output of %.100s>", o.cmd[0]);
    else
        snprintf(s.shown, sizeof(s.shown), "<stdin>");
    open_std();
    if (!slash)
        s.dir = strdup(".");
    else if (slash == o.file)
        s.dir = strdup("/");
    else
        s.dir = strndup(o.file, (size_t)(slash - o.file));
    buf = malloc(CHUNK);
    if (!s.dir || !buf) {
        pt_say("out of memory");
        free(s.dir);
        free(buf);
        return ST_IO;
    }
    signals_setup();
    rc = run(&s, buf);
    for (int k = 0; k <= NREASONS; k++)
        pf__reader_series_clear(&s.keys[k]);
    if (s.old.fd >= 0)
        close(s.old.fd);
    free(s.old.spans);
    free(s.dir);
    free(buf);
    /* A signal that came during the last step (the rename, or the
     * rewrite after a failure, with signals blocked) is acted upon now. */
    sigprocmask(SIG_SETMASK, &mask_wait, NULL);
    if (got_signal)
        return die_of(got_signal);
    return rc;
}
