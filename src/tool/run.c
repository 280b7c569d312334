/* SPDX-License-Identifier: MIT */
/*
 * promfile run NAME -- COMMAND: run a cron job or a systemd timer's
 * command as a wrapper does (its standard streams untouched, signals
 * forwarded, its exit status returned, or its death by a signal
 * repeated), and record each run in <dir>/NAME.prom (issue 15): start,
 * end, duration, exit status, signal, the last success and the runs by
 * result, all labelled job="NAME".
 *
 * The file is also the run's lock. A run holds flock(LOCK_EX) on the
 * .prom file that has the name, from its "running" marker to its end,
 * by the scheme of edit.c (promfile set/inc/del): a writer that got the
 * lock checks that the name still stands for the file it locked, and the
 * creation of a file that does not exist yet serializes on flock() of
 * the directory. Since every write replaces the file by rename(), the
 * marker is locked before it takes the name: its temporary file is
 * flock()ed and its descriptor dup()ed, and the lock, which belongs to
 * the open file description, outlives pf__tmp_commit()'s close().
 *
 * Signals: TERM, INT, HUP and QUIT (those not ignored when promfile
 * started) and CHLD are blocked from the marker on and taken with
 * sigtimedwait(), so that no handler runs while a temporary file exists;
 * every other signal is blocked during each write. Waiting for the lock
 * comes first, with the dispositions promfile was started with: a
 * signal ends a waiting run at once, and it leaves nothing.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Exit statuses of promfile's own (promfile(1), EXIT STATUS): those of
 * timeout(1) and env(1) for a wrapper, and sysexits.h's EX_TEMPFAIL for
 * "try again later". */
#define EXIT_BUSY 75
#define EXIT_TIMEOUT 124
#define EXIT_PROMFILE 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127

/* The default --kill-after, as systemd's TimeoutStopSec is tens of
 * seconds: long enough for a clean exit, short enough for a timer. */
#define KILL_AFTER_DEFAULT_NS (10 * 1000000000ull)

/* A file larger than this is not one promfile run wrote (those are a few
 * KiB, whatever their labels): its counts are not read. */
#define PREV_MAX_SIZE ((size_t)1 << 20)

/* ---- The metrics --------------------------------------------------------- */

enum result { R_SUCCESS, R_FAILURE, R_KILLED, R_TIMEOUT, R_ERROR, R_LOST, NR };

static const char *const result_names[NR] = {
    "success", "failure", "killed", "timeout", "error", "lost",
};

enum metric {
    M_START,
    M_END,
    M_DURATION,
    M_EXIT,
    M_SIGNAL,
    M_LAST_SUCCESS,
    M_RUNNING,
    M_RUNS,
    M_TIMEOUT,
    NM
};

/* Names and HELP texts, for writing and reading. A family's HELP must be
 * the same in the files of all jobs, or node_exporter drops the samples
 * of all but the first file: nothing of a job goes in it. */
static const struct {
    const char *name;
    const char *help;
} metrics[NM] = {
    [M_START] = {"promfile_job_start_timestamp_seconds",
                 "Unix time at which the last run of the job started (the "
                 "current one while promfile_job_running is 1)."},
    [M_END] = {"promfile_job_end_timestamp_seconds",
               "Unix time at which the last completed run of the job "
               "ended; 0 before the first."},
    [M_DURATION] = {"promfile_job_duration_seconds",
                    "How long the last completed run of the job took, "
                    "measured on the monotonic clock; 0 before the first."},
    [M_EXIT] = {"promfile_job_exit_code",
                "Exit status of the last completed run of the job as a "
                "shell shows it: the command's own, 128+N if signal N "
                "killed it, 124 if it timed out, 126 if it could not be "
                "executed, 127 if it was not found."},
    [M_SIGNAL] = {"promfile_job_signal",
                  "Number of the signal that killed the last completed run "
                  "of the job, 0 if none did."},
    [M_LAST_SUCCESS] = {"promfile_job_last_success_timestamp_seconds",
                        "Unix time at which the last successful run of the "
                        "job (exit status 0) ended; 0 if none has."},
    [M_RUNNING] = {"promfile_job_running",
                   "1 while a run of the job is in progress, else 0."},
    [M_RUNS] = {"promfile_job_runs_total",
                "Runs of the job by result: success (exit status 0), "
                "failure (another exit status), killed (by a signal), "
                "timeout (killed at its timeout), error (could not be "
                "started), lost (ended unrecorded)."},
    [M_TIMEOUT] = {"promfile_job_timeout_seconds",
                   "The timeout of the last run of the job, after which "
                   "it is terminated."},
};

/* What the file says: a value per metric, and the runs by result. */
typedef struct state {
    double v[NM]; /* v[M_RUNS] unused */
    double runs[NR];
} state;

/* ---- Options ------------------------------------------------------------- */

typedef struct run_opts {
    const char *name;
    char file[PF_MAX_FILE_NAME + 1];
    const char *dir;
    unsigned mode;
    unsigned wflags; /* PF_WRITE_* */
    uint64_t timeout_ns;
    uint64_t kill_after_ns;
    bool has_timeout;
    bool wait;
    size_t nlabels;
    char **lnames; /* the caller's, freed by opts_free() */
    const char **lvalues;
    char **command;
} run_opts;

static int fail(const char *fmt, ...) PF_PRINTF(1, 2);

/* Print "promfile: <message>" and return EXIT_PROMFILE. */
static int fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pt_vsay(fmt, ap);
    va_end(ap);
    return EXIT_PROMFILE;
}

static void warn(const char *fmt, ...) PF_PRINTF(1, 2);

static void warn(const char *fmt, ...)
{
    va_list ap;

    fputs("promfile: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *out)
{
    fputs("Usage: promfile run [options] NAME -- COMMAND [ARG...]\n"
          "Run COMMAND and record the run in DIR/NAME.prom, labelled "
          "job=\"NAME\".\n"
          "  -d, --dir DIR           the textfile directory\n"
          "  -c, --config FILE       take it from FILE's [textfile] "
          "directory\n"
          "  -t, --timeout DURATION  terminate the command after DURATION "
          "(90, 90s, 5m, 1h)\n"
          "  -k, --kill-after DURATION  then kill it after DURATION "
          "(default 10s)\n"
          "  -l, --label NAME=VALUE  add a label to every series "
          "(repeatable)\n"
          "  -w, --wait              wait for a run of NAME in progress, "
          "do not refuse\n"
          "      --no-fsync          do not fsync the file before the "
          "rename\n"
          "Exit status: the command's; 124 timed out, 125 promfile "
          "failed,\n126 not executable, 127 not found, 75 NAME already "
          "running.\nSee promfile(1).\n",
          out);
}

static void opts_free(run_opts *o)
{
    for (size_t i = 0; i < o->nlabels; i++)
        free(o->lnames[i]);
    free(o->lnames);
    free(o->lvalues);
}

/* A job's name is its file's name and a label value that alerts print:
 * letters, digits and "_.-@:", not starting with '.' (a hidden file) or
 * '-' (read as an option). systemd's template instances (backup@home)
 * fit. */
static int check_name(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > PF_MAX_FILE_NAME - strlen(".prom"))
        return fail("invalid NAME \"%.60s\": 1 to %zu characters", name,
                    PF_MAX_FILE_NAME - strlen(".prom"));
    if (name[0] == '.' || name[0] == '-' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_.-@:") != n)
        return fail("invalid NAME \"%.60s\": use letters, digits and "
                    "\"_.-@:\", not starting with '.' or '-'",
                    name);
    return 0;
}

/* --label NAME=VALUE. */
static int add_label(run_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char **names;
    const char **values;
    char *name;

    if (!eq)
        return fail("invalid --label \"%.60s\": write NAME=VALUE", arg);
    name = strndup(arg, (size_t)(eq - arg));
    if (!name)
        return fail("out of memory");
    if (pf__check_label_name(name) < 0) {
        fail("invalid --label: %s", pf_last_error());
        free(name);
        return EXIT_PROMFILE;
    }
    /* job is the job's name, result the label of the runs. */
    if (strcmp(name, "job") == 0 || strcmp(name, "result") == 0) {
        fail("invalid --label: the label \"%s\" is promfile's own", name);
        free(name);
        return EXIT_PROMFILE;
    }
    for (size_t i = 0; i < o->nlabels; i++)
        if (strcmp(o->lnames[i], name) == 0) {
            fail("invalid --label: \"%s\" given twice", name);
            free(name);
            return EXIT_PROMFILE;
        }
    /* Prometheus takes an empty label value for no label. */
    if (!eq[1] || pf__check_label_value(eq + 1, strlen(eq + 1)) < 0) {
        fail("invalid --label %s: %s", name,
             eq[1] ? pf_last_error() : "the value is empty");
        free(name);
        return EXIT_PROMFILE;
    }
    names = realloc(o->lnames, (o->nlabels + 1) * sizeof(*names));
    if (!names) {
        free(name);
        return fail("out of memory");
    }
    o->lnames = names;
    values = realloc(o->lvalues, (o->nlabels + 1) * sizeof(*values));
    if (!values) {
        free(name);
        return fail("out of memory");
    }
    o->lvalues = values;
    o->lnames[o->nlabels] = name;
    o->lvalues[o->nlabels++] = eq + 1;
    return 0;
}

static int duration_arg(const char *opt, const char *arg, uint64_t *ns)
{
    int r = pt_parse_duration(arg, ns);

    if (r == -ERANGE)
        return fail("invalid %s \"%.60s\": at most %llu years", opt, arg,
                    (unsigned long long)(PT_DURATION_MAX_S / (365 * 86400)));
    if (r < 0)
        return fail("invalid %s \"%.60s\": write seconds (90, 2.5) or a "
                    "duration such as 90s, 5m, 1h30m or 1d",
                    opt, arg);
    return 0;
}

/* The directory, mode and fsync of --config or $PROMFILE_CONFIG. */
static int load_config(run_opts *o, const char *path, pf_config **cfg)
{
    pf_error err = {0};
    int r;

    if (!path && !pf__config_env())
        return 0;
    r = pf_config_new(cfg);
    if (r < 0)
        return fail("%s", pf_strerror(r));
    r = pf_config_load(*cfg, path, &err);
    if (r < 0) {
        const char *src = err.source[0] ? err.source : path;

        if (err.line)
            return fail("%s:%u: %s", src, err.line,
                        err.text[0] ? err.text : pf_strerror(r));
        return fail("%s: %s", src ? src : "PROMFILE_CONFIG",
                    err.text[0] ? err.text : pf_strerror(r));
    }
    if (!o->dir && (*cfg)->directory)
        o->dir = (*cfg)->directory;
    o->mode = (*cfg)->mode;
    o->wflags = ((*cfg)->fsync ? 0 : PF_WRITE_NO_FSYNC) |
                ((*cfg)->fsync_dir ? PF_WRITE_FSYNC_DIR : 0);
    return 0;
}

enum { OPT_NO_FSYNC = 256 };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"dir", required_argument, NULL, 'd'},
    {"config", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, 't'},
    {"kill-after", required_argument, NULL, 'k'},
    {"label", required_argument, NULL, 'l'},
    {"wait", no_argument, NULL, 'w'},
    {"no-fsync", no_argument, NULL, OPT_NO_FSYNC},
    {NULL, 0, NULL, 0},
};

/* Parse argv ("run" first) into o. Returns -1 to go on, or the exit
 * status. The options end at the first "--", which must follow NAME. */
static int parse_args(int argc, char **argv, run_opts *o, pf_config **cfg)
{
    const char *config = NULL;
    bool no_fsync = false;
    int dd, opt, r;

    o->mode = 0644;
    o->kill_after_ns = KILL_AFTER_DEFAULT_NS;
    for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
        if (strcmp(argv[dd], "-h") == 0 || strcmp(argv[dd], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    opterr = 0;
    while ((opt = getopt_long(dd, argv, ":hd:c:t:k:l:w", options, NULL)) !=
           -1) {
        switch (opt) {
        case 'd':
            o->dir = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 't':
            r = duration_arg("--timeout", optarg, &o->timeout_ns);
            if (r)
                return r;
            o->has_timeout = o->timeout_ns > 0;
            break;
        case 'k':
            r = duration_arg("--kill-after", optarg, &o->kill_after_ns);
            if (r)
                return r;
            break;
        case 'l':
            r = add_label(o, optarg);
            if (r)
                return r;
            break;
        case 'w':
            o->wait = true;
            break;
        case OPT_NO_FSYNC:
            no_fsync = true;
            break;
        case ':':
            fail("run: option %s needs an argument", argv[optind - 1]);
            goto usage;
        default:
            fail("run: unknown option %s", argv[optind - 1]);
            goto usage;
        }
    }
    if (dd == argc) {
        fail("run: no \"--\" before the command");
        goto usage;
    }
    if (optind == dd) {
        fail("run: no NAME before \"--\"");
        goto usage;
    }
    if (optind != dd - 1) {
        fail("run: one NAME before \"--\", not \"%s\" too", argv[optind + 1]);
        goto usage;
    }
    if (dd + 1 == argc) {
        fail("run: no command after \"--\"");
        goto usage;
    }
    o->name = argv[optind];
    o->command = argv + dd + 1;
    r = check_name(o->name);
    if (r)
        return r;
    snprintf(o->file, sizeof(o->file), "%s.prom", o->name);
    r = load_config(o, config, cfg);
    if (r)
        return r;
    if (!o->dir)
        o->dir = PF_DEFAULT_DIRECTORY;
    if (no_fsync)
        o->wflags |= PF_WRITE_NO_FSYNC;
    return -1;
usage:
    fputs("Usage: promfile run [options] NAME -- COMMAND [ARG...]\n"
          "Try \"promfile run --help\".\n",
          stderr);
    return EXIT_PROMFILE;
}

static const char *fmt_time(double t, char *buf, size_t size);

/* ---- The previous file --------------------------------------------------- */

typedef struct prev_read {
    const char *data;
    const char *job;
    state *st;
    unsigned bad_line; /* the first bad value's line, 0: none */
    char why[200];     /* the first problem */
    int err;           /* -ENOMEM */
} prev_read;

static void on_diag(void *ctx, const pf_reader_diag *d)
{
    prev_read *p = ctx;

    if (!p->why[0] && pf__rule_info(d->rule)->verdict != PF_VERDICT_OK)
        snprintf(p->why, sizeof(p->why), "line %u: %s", d->line, d->text);
}

static const char *label_of(const pf_reader_series *s, const char *name)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

/* A sample of ours (a name of the table, job="NAME"; other labels may be
 * whatever an earlier --label gave) sets its value in the state. */
static void on_line(void *ctx, const pf_reader_line *l)
{
    prev_read *p = ctx;
    pf_reader_series s;
    enum pf_rule rule;
    const char *job, *result;
    char msg[160];
    size_t n = (size_t)(l->voff - l->off);
    int m, res = -1, r;

    if (l->kind != PF_LINE_SAMPLE || p->err)
        return;
    while (n > 0 &&
           (p->data[l->off + n - 1] == ' ' || p->data[l->off + n - 1] == '\t'))
        n--;
    r = pf__reader_parse_series(p->data + l->off, n, &s, &rule, msg,
                                sizeof(msg));
    if (r == -ENOMEM)
        p->err = r;
    if (r < 0)
        return;
    for (m = 0; m < NM; m++)
        if (strcmp(s.name, metrics[m].name) == 0)
            break;
    job = label_of(&s, "job");
    if (m == NM || !job || strcmp(job, p->job) != 0) {
        pf__reader_series_clear(&s);
        return;
    }
    if (m == M_RUNS) {
        result = label_of(&s, "result");
        for (res = 0; result && res < NR; res++)
            if (strcmp(result, result_names[res]) == 0)
                break;
        if (!result || res == NR) {
            pf__reader_series_clear(&s);
            return;
        }
    }
    pf__reader_series_clear(&s);
    /* Times, counts and codes are never negative, NaN or infinite; counts
     * are whole numbers. */
    if (!isfinite(l->value) || l->value < 0 ||
        (m == M_RUNS && l->value != floor(l->value))) {
        if (!p->bad_line)
            p->bad_line = l->no;
        return;
    }
    if (m == M_RUNS)
        p->st->runs[res] = l->value;
    else
        p->st->v[m] = l->value;
}

/* Read the text of the previous file into *st. Returns 0, 1 (it is not a
 * valid file: why says so) or -ENOMEM. */
static int parse_prev(const char *data, size_t len, const char *job, state *st,
                      char *why, size_t whysz)
{
    prev_read p = {data, job, st, 0, "", 0};
    pf_reader_opts ro = {on_diag, on_line, &p, true, 0};
    pf_reader *r;
    int e = pf__reader_new(&ro, &r);

    if (e < 0)
        return e;
    e = pf__reader_begin(r, "");
    if (e == 0)
        e = pf__reader_feed(r, data, len);
    if (e == 0)
        e = pf__reader_end(r);
    if (e == 0)
        e = pf__reader_finish(r);
    if (e == 0)
        e = p.err;
    if (e == 0 && pf__reader_errors(r) > 0) {
        snprintf(why, whysz, "%s", p.why[0] ? p.why : "it fails check");
        e = 1;
    } else if (e == 0 && p.bad_line) {
        snprintf(why, whysz, "line %u: a value out of range", p.bad_line);
        e = 1;
    }
    pf__reader_free(r);
    return e;
}

/* The whole file fd, from its start, in *data (the caller frees it).
 * Returns 0, -EFBIG (too large for one of ours) or -errno. */
static int slurp(int fd, char **data, size_t *len)
{
    if (lseek(fd, 0, SEEK_SET) < 0)
        return -errno;
    return pt_read_fd(fd, 4096, PREV_MAX_SIZE, data, len);
}

/* Read the previous file fd into *st (zeros when it cannot be used, with
 * a warning). Returns 0 or -ENOMEM. */
static int read_prev(const run_opts *o, int fd, state *st, bool *running)
{
    char why[240] = "";
    char *data = NULL;
    size_t len = 0;
    int r = slurp(fd, &data, &len);

    memset(st, 0, sizeof(*st));
    *running = false;
    if (r == 0) {
        r = parse_prev(data, len, o->name, st, why, sizeof(why));
        free(data);
    } else if (r == -EFBIG) {
        snprintf(why, sizeof(why), "larger than %zu KiB", PREV_MAX_SIZE >> 10);
        r = 1;
    } else if (r != -ENOMEM) {
        snprintf(why, sizeof(why), "cannot read it: %s", pf_strerror(r));
        r = 1;
    }
    if (r < 0)
        return r;
    if (r == 1) {
        warn("%s/%s: %s; the counts of %s start afresh", o->dir, o->file, why,
             o->name);
        memset(st, 0, sizeof(*st));
        return 0;
    }
    *running = st->v[M_RUNNING] == 1;
    return 0;
}

/* Does the file fd say that a run of the job is in progress? Then *start
 * is when it started. */
static bool shows_running(const run_opts *o, int fd, double *start)
{
    state st;
    char why[8];
    char *data = NULL;
    size_t len = 0;
    bool yes = false;

    memset(&st, 0, sizeof(st));
    if (slurp(fd, &data, &len) != 0)
        return false;
    if (parse_prev(data, len, o->name, &st, why, sizeof(why)) == 0)
        yes = st.v[M_RUNNING] == 1;
    *start = st.v[M_START];
    free(data);
    return yes;
}

/* ---- The lock ------------------------------------------------------------ */

/* The lock of lock.c. Held by a run of the job, or for a moment by
 * promfile set, inc or del (or by a run that has yet to write its
 * marker): the file tells which (a run that just ended holds the lock of
 * its marker a moment longer). */
typedef struct busy_arg {
    const run_opts *o;
    double *since; /* when the run that holds it started */
} busy_arg;

static bool busy_running(void *arg, int fd)
{
    busy_arg *b = arg;

    return shows_running(b->o, fd, b->since);
}

/* Lock the file o->file in the directory dfd: 0 with *fd the file
 * locked, or -1 and the directory locked when there is no file, or one
 * promfile cannot read (*unreadable then says why); PT_LOCK_BUSY when a
 * run of the job holds it (and o->wait is not set), with *busy_since
 * when it started; PT_NOT_REGULAR; or -errno. */
static int lock_file(const run_opts *o, int dfd, int *fd, int *unreadable,
                     double *busy_since)
{
    busy_arg b = {o, busy_since};
    pt_lock_how how = {true, o->wait ? NULL : busy_running, &b};
    struct stat st;

    int r = pt_lock_file(dfd, o->file, &how, fd, &st, unreadable);

    /* No file yet is no news. */
    if (*unreadable == -ENOENT)
        *unreadable = 0;
    return r;
}

/* ---- Signals and the terminal -------------------------------------------- */

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

typedef struct sigs {
    sigset_t orig_mask;
    struct sigaction orig_chld, orig_ttou;
    sigset_t fwd;  /* forwarded: those not ignored when promfile started */
    sigset_t wait; /* fwd and SIGCHLD */
    int tty;       /* the terminal handed to the command's group, or -1 */
} sigs;

/* Block the signals promfile takes with sigtimedwait(). SIGCHLD gets its
 * default action (promfile may have been started with it ignored, which
 * would reap the command unseen). */
static void sigs_setup(sigs *s)
{
    struct sigaction dfl;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&s->fwd);
    for (size_t i = 0; i < PF_ARRAY_SIZE(forwarded); i++) {
        struct sigaction sa;

        if (sigaction(forwarded[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
            sigaddset(&s->fwd, forwarded[i]);
    }
    s->wait = s->fwd;
    sigaddset(&s->wait, SIGCHLD);
    sigaction(SIGCHLD, &dfl, &s->orig_chld);
    sigprocmask(SIG_BLOCK, &s->wait, &s->orig_mask);
    s->tty = -1;
}

/* When promfile's process group has the terminal (an interactive shell
 * started it in the foreground), the command's group is given it, as a
 * shell gives it to a job: the command reads the terminal, and ^C and ^Z
 * reach it, as if it had been run directly. SIGTTOU is ignored meanwhile,
 * so that promfile, then in the background, may take the terminal back. */
static void tty_setup(sigs *s)
{
    struct sigaction ign;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

    if (fd < 0)
        return;
    if (tcgetpgrp(fd) != getpgrp()) {
        close(fd);
        return;
    }
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGTTOU, &ign, &s->orig_ttou);
    s->tty = fd;
}

static void tty_restore(sigs *s)
{
    if (s->tty < 0)
        return;
    tcsetpgrp(s->tty, getpgrp());
    sigaction(SIGTTOU, &s->orig_ttou, NULL);
    close(s->tty);
    s->tty = -1;
}

/* Send sig to the command's process group, or to the command alone if it
 * left the group. */
static void signal_command(pid_t pid, int sig)
{
    if (kill(-pid, sig) < 0 && errno == ESRCH)
        kill(pid, sig);
}

/* The command's group was stopped (^Z at the terminal). promfile stops
 * too, so that the shell sees the job stop and takes the terminal; when
 * the job is continued, the command's group is continued, and given the
 * terminal again if the job is in the foreground. */
static void on_stop(sigs *s, pid_t pid)
{
    if (s->tty < 0)
        return;
    tcsetpgrp(s->tty, getpgrp());
    raise(SIGSTOP);
    if (tcgetpgrp(s->tty) == getpgrp())
        tcsetpgrp(s->tty, pid);
    signal_command(pid, SIGCONT);
}

/* End as the command ended, killed by sig: the default action, without
 * a core dump of promfile's own. */
static int die_by(int sig)
{
    struct rlimit no_core = {0, 0};
    sigset_t one;

    fflush(NULL);
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    /* A signal whose default action does not end the process. */
    return 128 + sig;
}

/* ---- Time ---------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Unix time in seconds, to the millisecond. */
static double real_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

/* t as local time, for messages: "2024-05-01 02:30:00 +0200". */
static const char *fmt_time(double t, char *buf, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;

    if (t <= 0 || !localtime_r(&secs, &tm) ||
        strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(buf, size, "%.0f", t);
    return buf;
}

/* ---- Writing ------------------------------------------------------------- */

static void put_labels(pf_buf *b, const run_opts *o, const char *result)
{
    pf__buf_puts(b, "{job=\"");
    pf__buf_put_label_value(b, o->name, strlen(o->name));
    pf__buf_putc(b, '"');
    for (size_t i = 0; i < o->nlabels; i++) {
        pf__buf_putc(b, ',');
        pf__buf_put(b, o->lnames[i], strlen(o->lnames[i]));
        pf__buf_puts(b, "=\"");
        pf__buf_put_label_value(b, o->lvalues[i], strlen(o->lvalues[i]));
        pf__buf_putc(b, '"');
    }
    if (result) {
        pf__buf_puts(b, ",result=\"");
        pf__buf_put(b, result, strlen(result));
        pf__buf_putc(b, '"');
    }
    pf__buf_puts(b, "} ");
}

static void put_family(pf_buf *b, enum metric m)
{
    const char *name = metrics[m].name;
    const char *type =
        pf__type_name(m == M_RUNS ? PF_TYPE_COUNTER : PF_TYPE_GAUGE);

    pf__buf_puts(b, "# HELP ");
    pf__buf_put(b, name, strlen(name));
    pf__buf_putc(b, ' ');
    pf__buf_put_help(b, metrics[m].help, strlen(metrics[m].help));
    pf__buf_puts(b, "\n# TYPE ");
    pf__buf_put(b, name, strlen(name));
    pf__buf_putc(b, ' ');
    pf__buf_put(b, type, strlen(type));
    pf__buf_putc(b, '\n');
}

static void render(pf_buf *b, const run_opts *o, const state *st)
{
    for (int m = 0; m < NM; m++) {
        if (m == M_TIMEOUT && !o->has_timeout)
            continue;
        put_family(b, (enum metric)m);
        if (m != M_RUNS) {
            pf__buf_put(b, metrics[m].name, strlen(metrics[m].name));
            put_labels(b, o, NULL);
            pf__buf_put_double(b, st->v[m]);
            pf__buf_putc(b, '\n');
            continue;
        }
        for (int r = 0; r < NR; r++) {
            pf__buf_put(b, metrics[m].name, strlen(metrics[m].name));
            put_labels(b, o, result_names[r]);
            pf__buf_put_double(b, st->runs[r]);
            pf__buf_putc(b, '\n');
        }
    }
}

/* Write st to the file, every signal blocked meanwhile so that no
 * temporary file is left. With lockfd, the new file is flock()ed before
 * it takes the name, and *lockfd keeps the lock. Returns 0 or -errno. */
static int write_state(const run_opts *o, const state *st, int *lockfd)
{
    pf_buf b = {0};
    pf_tmp t;
    sigset_t all, old;
    int e, lfd = -1;

    render(&b, o, st);
    if (b.failed) {
        pf__buf_release(&b);
        return -ENOMEM;
    }
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    e = pf__tmp_open(&t, o->dir, o->file, o->mode);
    if (e == 0)
        e = pf__tmp_write(&t, b.data, b.len);
    if (e == 0 && lockfd) {
        /* A new file nobody else has open: LOCK_NB cannot fail for a
         * lock of another's. */
        lfd = fcntl(t.fd, F_DUPFD_CLOEXEC, 3);
        if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0)
            e = -errno;
    }
    if (e < 0)
        pf__tmp_abort(&t);
    else
        e = pf__tmp_commit(&t, o->wflags);
    sigprocmask(SIG_SETMASK, &old, NULL);
    pf__buf_release(&b);
    if (e < 0 && lfd >= 0)
        close(lfd);
    else if (lockfd)
        *lockfd = lfd;
    return e;
}

/* ---- Running ------------------------------------------------------------- */

typedef struct outcome {
    enum result result;
    int exit_code; /* as recorded: what a shell would show */
    int sig;       /* that killed it, or 0 */
    int status;    /* promfile's own exit status, or -sig to die by */
} outcome;

/* After execvp() failed with EACCES for a name without a slash: is
 * there a file of that name in a directory of PATH at all? execvp()
 * says EACCES for a directory of PATH that cannot be searched too (root's
 * PATH in a job run as another user), where a shell says "not found"
 * (127). Run in the child, which is alone in its process: no locks. */
static bool in_path(const char *name)
{
    const char *path = getenv("PATH"), *p, *end;
    char buf[4096];
    struct stat st;

    /* execvp()'s default, glibc's and musl's. */
    if (!path)
        path = "/bin:/usr/bin";
    for (p = path;; p = end + 1) {
        int n;

        end = strchr(p, ':');
        if (!end)
            end = p + strlen(p);
        /* An empty entry is the current directory. */
        n = end == p ? snprintf(buf, sizeof(buf), "%s", name)
                     : snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p,
                                name);
        if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0 &&
            !S_ISDIR(st.st_mode))
            return true;
        if (!*end)
            return false;
    }
}

/* Start the command. Returns its pid, or -1 with *exec_errno set (0: no
 * process could be made, errno says why). */
static pid_t spawn(const run_opts *o, sigs *s, int *exec_errno)
{
    int p[2], e = 0;
    ssize_t n;
    pid_t pid;

    *exec_errno = 0;
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        /* The child: its own process group (in the foreground if
         * promfile's was), the signal mask and dispositions promfile was
         * started with, then the command. An exec that fails sends its
         * errno through the pipe, which a successful one closes. */
        setpgid(0, 0);
        if (s->tty >= 0)
            tcsetpgrp(s->tty, getpid());
        if (s->tty >= 0)
            sigaction(SIGTTOU, &s->orig_ttou, NULL);
        sigaction(SIGCHLD, &s->orig_chld, NULL);
        sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
        execvp(o->command[0], o->command);
        e = errno;
        if (e == EACCES && !strchr(o->command[0], '/') &&
            !in_path(o->command[0]))
            e = ENOENT;
        n = write(p[1], &e, sizeof(e));
        (void)n;
        _exit(EXIT_NOTFOUND);
    }
    close(p[1]);
    /* Both sides, as shells do: whichever runs first. */
    setpgid(pid, pid);
    if (s->tty >= 0)
        tcsetpgrp(s->tty, pid);
    while ((n = read(p[0], &e, sizeof(e))) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (n == (ssize_t)sizeof(e)) {
        int status;

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        *exec_errno = e ? e : ENOEXEC;
        return -1;
    }
    return pid;
}

/* Wait for the command, forwarding signals and enforcing the timeout.
 * Returns its wait status in *status and whether it timed out. */
static bool wait_command(const run_opts *o, sigs *s, pid_t pid,
                         uint64_t start_ns, int *status)
{
    uint64_t term_at = start_ns + o->timeout_ns, kill_at = 0;
    bool timed_out = false;

    for (;;) {
        struct timespec ts, *tp = NULL;
        siginfo_t si;
        uint64_t now, next = 0;
        int sig;

        memset(&si, 0, sizeof(si));
        /* WNOWAIT: a command that ended is reaped below, after the rest of
         * its group was killed, so that its pid, the group's id, cannot
         * be taken by another process meanwhile. */
        if (waitid(P_PID, (id_t)pid, &si,
                   WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0 &&
            errno != EINTR)
            break;
        if (si.si_pid == pid && si.si_code == CLD_STOPPED) {
            waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG);
            on_stop(s, pid);
            continue;
        }
        if (si.si_pid == pid) {
            /* A timed-out command's group goes with it: what it started
             * and what ignores SIGTERM. */
            if (timed_out)
                kill(-pid, SIGKILL);
            break;
        }
        now = mono_ns();
        if (o->has_timeout && !timed_out && now >= term_at) {
            timed_out = true;
            if (o->kill_after_ns == 0) {
                fprintf(stderr,
                        "promfile: %s: timed out; sending SIGKILL to its "
                        "process group\n",
                        o->name);
                signal_command(pid, SIGKILL);
            } else {
                fprintf(stderr,
                        "promfile: %s: timed out; sending SIGTERM to its "
                        "process group\n",
                        o->name);
                signal_command(pid, SIGTERM);
                /* A stopped command would not see it. */
                signal_command(pid, SIGCONT);
                kill_at = now + o->kill_after_ns;
            }
            continue;
        }
        if (kill_at && now >= kill_at) {
            fprintf(stderr,
                    "promfile: %s: still running after --kill-after; "
                    "sending SIGKILL to its process group\n",
                    o->name);
            signal_command(pid, SIGKILL);
            kill_at = 0;
            continue;
        }
        if (o->has_timeout && !timed_out)
            next = term_at;
        else if (kill_at)
            next = kill_at;
        if (next) {
            ts.tv_sec = (time_t)((next - now) / 1000000000u);
            ts.tv_nsec = (long)((next - now) % 1000000000u);
            tp = &ts;
        }
        sig = sigtimedwait(&s->wait, NULL, tp);
        if (sig > 0 && sig != SIGCHLD)
            signal_command(pid, sig);
    }
    for (;;) {
        if (waitpid(pid, status, 0) == pid)
            break;
        if (errno != EINTR) {
            /* Cannot happen with SIGCHLD at its default action. */
            fail("lost the command %s: %s", o->command[0], pf_strerror(-errno));
            *status = EXIT_PROMFILE << 8;
            break;
        }
    }
    return timed_out;
}

/* What became of the command, and the state after it. */
static outcome finish(state *st, int status, bool timed_out, int exec_errno,
                      bool spawned, uint64_t start_ns)
{
    outcome out = {R_SUCCESS, 0, 0, 0};
    double end = real_now();
    uint64_t ns = mono_ns() - start_ns;

    if (!spawned) {
        out.result = R_ERROR;
        out.exit_code = exec_errno == 0 ? EXIT_PROMFILE
                        : exec_errno == ENOENT || exec_errno == ENOTDIR
                            ? EXIT_NOTFOUND
                            : EXIT_NOEXEC;
        out.status = out.exit_code;
    } else if (WIFSIGNALED(status)) {
        out.sig = WTERMSIG(status);
        out.exit_code = 128 + out.sig;
        out.result = R_KILLED;
        out.status = -out.sig;
    } else {
        out.exit_code = WEXITSTATUS(status);
        out.result = out.exit_code == 0 ? R_SUCCESS : R_FAILURE;
        out.status = out.exit_code;
    }
    if (timed_out) {
        out.result = R_TIMEOUT;
        out.exit_code = EXIT_TIMEOUT;
        out.status = EXIT_TIMEOUT;
    }
    st->v[M_END] = end;
    st->v[M_DURATION] = (double)(ns / 1000) / 1e6;
    st->v[M_EXIT] = out.exit_code;
    st->v[M_SIGNAL] = out.sig;
    st->v[M_RUNNING] = 0;
    if (out.result == R_SUCCESS)
        st->v[M_LAST_SUCCESS] = end;
    st->runs[out.result]++;
    return out;
}

int pt_cmd_run(int argc, char **argv)
{
    run_opts o;
    pf_config *cfg = NULL;
    state st;
    sigs s;
    outcome out;
    bool prev_running, spawned, timed_out;
    uint64_t start_ns;
    double since = 0;
    char when[64];
    int dfd = -1, fd = -1, lockfd = -1, unreadable, status = 0, exec_errno;
    int r, rc;
    pid_t pid;

    memset(&o, 0, sizeof(o));
    rc = parse_args(argc, argv, &o, &cfg);
    if (rc >= 0)
        goto out;
    rc = EXIT_PROMFILE;
    dfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        fail("cannot open the textfile directory %s: %s", o.dir,
             pf_strerror(-errno));
        goto out;
    }
    r = lock_file(&o, dfd, &fd, &unreadable, &since);
    if (r == PT_LOCK_BUSY) {
        fail("%s is already running, since %s (%s/%s is locked); not "
             "started again (--wait waits for it)",
             o.name, fmt_time(since, when, sizeof(when)), o.dir, o.file);
        rc = EXIT_BUSY;
        goto out;
    }
    if (r == PT_NOT_REGULAR) {
        fail("%s/%s is not a regular file; not run", o.dir, o.file);
        goto out;
    }
    if (r < 0) {
        fail("cannot lock %s/%s: %s", o.dir, o.file, pf_strerror(r));
        goto out;
    }
    /* Temporary files of a promfile killed with SIGKILL. */
    pf__remove_leftovers(o.dir, o.file);
    prev_running = false;
    memset(&st, 0, sizeof(st));
    if (fd >= 0) {
        r = read_prev(&o, fd, &st, &prev_running);
        if (r < 0) {
            fail("out of memory");
            goto out;
        }
    } else if (unreadable) {
        warn("%s/%s: cannot read it: %s; the counts of %s start afresh", o.dir,
             o.file, pf_strerror(unreadable), o.name);
    }
    if (prev_running) {
        /* Nobody held the lock: the run that wrote this marker ended
         * without recording its end. */
        warn("the run of %s started %s did not record its end; counted as "
             "lost",
             o.name, fmt_time(st.v[M_START], when, sizeof(when)));
        st.runs[R_LOST]++;
    }
    sigs_setup(&s);
    st.v[M_START] = real_now();
    st.v[M_RUNNING] = 1;
    st.v[M_TIMEOUT] = (double)(o.timeout_ns / 1000000) / 1000.0;
    start_ns = mono_ns();
    r = write_state(&o, &st, &lockfd);
    if (r < 0) {
        fail("cannot write %s/%s: %s; %s not run", o.dir, o.file,
             pf_strerror(r), o.command[0]);
        goto out;
    }
    /* The marker has the name and the lock: the previous file's lock, or
     * the directory's, is no longer needed. */
    if (fd >= 0)
        close(fd);
    fd = -1;
    close(dfd);
    dfd = -1;
    tty_setup(&s);
    pid = spawn(&o, &s, &exec_errno);
    spawned = pid > 0;
    timed_out = false;
    if (spawned)
        timed_out = wait_command(&o, &s, pid, start_ns, &status);
    else if (exec_errno)
        /* As a shell says it: the command, and why. */
        fprintf(stderr, "promfile: %s: %s\n", o.command[0],
                pf_strerror(-exec_errno));
    else
        fail("cannot start %s: %s", o.command[0], pf_strerror(-errno));
    tty_restore(&s);
    out = finish(&st, status, timed_out, exec_errno, spawned, start_ns);
    r = write_state(&o, &st, NULL);
    if (r < 0) {
        fail("cannot record the run of %s in %s/%s: %s", o.name, o.dir, o.file,
             pf_strerror(r));
        /* A success that was not recorded must not look like one; a
         * failure already says it failed. */
        if (out.status == 0)
            out.status = EXIT_PROMFILE;
    }
    rc = out.status;
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (lockfd >= 0)
        close(lockfd);
    pf_config_free(cfg);
    opts_free(&o);
    return rc < 0 ? die_by(-rc) : rc;
}
