/* SPDX-License-Identifier: MIT */
/*
 * shared_load: a pre-fork daemon for the integration tests of shared
 * registries (issue 14), run by tests/check-shared.sh and
 * tests/nodeexp.py. The master makes a shared registry and a writer of
 * DIR/daemon.prom every 10 ms, and forks its workers.
 *
 *   shared_load burst DIR WORKERS N
 *       WORKERS workers, each N increments of a bound handle, N of a
 *       series looked up by its labels and N observations of a histogram.
 *       Every file the writer writes meanwhile is checked as it appears
 *       (inotify): complete, no counter lower than in the file before,
 *       +Inf equal to _count; and copied to DIR/seen/ for promfile check
 *       and promtool. At the end the file holds WORKERS * N exactly.
 *   shared_load kill DIR ROUNDS
 *       ROUNDS workers through 4 slots, 3 at a time: each counts until
 *       a random number of increments, then is killed with SIGKILL (by
 *       itself, or by the master as it runs); a new one takes its slot.
 *       Each records its progress: the total must equal the increments
 *       that completed (exactly for those that killed themselves, give or
 *       take the one a kill by the master may catch in flight), files
 *       never go down, and no worker ever found no slot.
 *   shared_load leader DIR
 *       A child writes (it started first: the leader), the master's writer
 *       stands by; the child is killed with SIGKILL; the master's next
 *       write succeeds, and the time the takeover took is printed. The
 *       leader's last file, the files the takeover writes and the new
 *       leader's own are checked as above and copied to DIR/seen/.
 *   shared_load churn DIR NSERIES
 *       NSERIES series of load_requests_total, counted by workers that
 *       come and go, 4 at a time, until standard input is closed; prints
 *       "ready" once the file exists (for nodeexp.py).
 *
 * Prints "ok ..." and exits 0, or prints what failed and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <promfile.h>

static const char *dir;
static int failures;

static void fail(const char *fmt, const char *a, double v)
{
    printf("FAIL: ");
    printf(fmt, a, v);
    printf("\n");
    failures++;
}

static void die(const char *what, int r)
{
    fprintf(stderr, "shared_load: %s: %s (%s)\n", what, pf_strerror(r),
            pf_last_error());
    exit(1);
}

static pf_registry *make_registry(unsigned workers)
{
    pf_registry *reg;
    pf_config *cfg;
    char v[16];
    int r;

    snprintf(v, sizeof(v), "%u", workers);
    if (pf_config_new(&cfg) < 0 ||
        pf_config_set(cfg, "shared", "workers", v, NULL) < 0)
        die("config", -ENOMEM);
    r = pf_registry_new_shared(cfg, &reg);
    pf_config_free(cfg);
    if (r < 0)
        die("pf_registry_new_shared", r);
    return reg;
}

static pf_writer *start_writer(pf_registry *reg, const char *interval)
{
    pf_config *cfg;
    pf_writer *w;
    int r;

    if (pf_config_new(&cfg) < 0 ||
        pf_config_set(cfg, "textfile", "directory", dir, NULL) < 0 ||
        pf_config_set(cfg, "textfile", "file", "daemon.prom", NULL) < 0 ||
        pf_config_set(cfg, "textfile", "interval", interval, NULL) < 0 ||
        pf_config_set(cfg, "textfile", "fsync", "no", NULL) < 0)
        die("config", -EINVAL);
    r = pf_writer_start(reg, cfg, &w);
    pf_config_free(cfg);
    if (r < 0)
        die("pf_writer_start", r);
    return w;
}

/* The value of the sample line `prefix` in text, or -1. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap + 1);

    if (!f || !buf) {
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + 1);

            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* ---- Watching the files ----------------------------------------------------
 */

/* The samples every file must have, which must never go down. */
static const char *const watched[] = {
    "shared_ops_total{kind=\"bound\"}",
    "shared_ops_total{kind=\"lookup\"}",
    "shared_wait_seconds_count",
    "shared_runs_total",
};
#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

typedef struct watch {
    int fd;
    double last[NWATCHED];
    unsigned files;
    unsigned saved;
} watch;

static void watch_start(watch *w)
{
    char seen[PATH_MAX];

    memset(w, 0, sizeof(*w));
    for (size_t i = 0; i < NWATCHED; i++)
        w->last[i] = -1;
    snprintf(seen, sizeof(seen), "%s/seen", dir);
    mkdir(seen, 0755);
    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->fd < 0 || inotify_add_watch(w->fd, dir, IN_MOVED_TO) < 0)
        die("inotify", -errno);
}

/* Check the file as it is now. */
static void check_file(watch *w)
{
    char path[PATH_MAX], copy[PATH_MAX];
    char *text;
    size_t len;

    snprintf(path, sizeof(path), "%s/daemon.prom", dir);
    text = read_all(path);
    if (!text)
        return;
    len = strlen(text);
    w->files++;
    if (len == 0 || text[len - 1] != '\n')
        fail("%sa file that does not end in a newline (%g bytes)", "",
             (double)len);
    for (size_t i = 0; i < NWATCHED; i++) {
        double v = sample(text, watched[i]);

        if (v < 0)
            continue;
        if (v < w->last[i])
            fail("%s went down to %g", watched[i], v);
        w->last[i] = v;
    }
    if (sample(text, "shared_wait_seconds_bucket{le=\"+Inf\"}") !=
        sample(text, "shared_wait_seconds_count"))
        fail("%s+Inf bucket differs from _count (%g)", "",
             sample(text, "shared_wait_seconds_count"));
    /* Every file, for promfile check and promtool. */
    snprintf(copy, sizeof(copy), "%s/seen/%05u.prom", dir, w->saved++);
    {
        FILE *f = fopen(copy, "w");

        if (f) {
            fputs(text, f);
            fclose(f);
        }
    }
    free(text);
}

/* Handle the files renamed into place so far, waiting up to timeout_ms
 * for the first. Returns how many were seen. */
static int watch_poll(watch *w, int timeout_ms)
{
    char buf[4096] __attribute__((aligned(8)));
    struct pollfd p = {w->fd, POLLIN, 0};
    int seen = 0;

    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof(buf));

        if (n <= 0)
            break;
        for (char *q = buf; q < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)q;

            if (ev->len && strcmp(ev->name, "daemon.prom") == 0) {
                check_file(w);
                seen++;
            }
            q += sizeof(*ev) + ev->len;
        }
    }
    return seen;
}

/* ---- burst ------------------------------------------------------------------
 */

static int burst(int workers, long n)
{
    static const char *const kind[] = {"kind", NULL};
    pf_registry *reg = make_registry((unsigned)workers + 2);
    pf_family *ops, *wait;
    pf_counter *bound;
    pf_histogram *h;
    pf_writer *w;
    watch wt;
    char path[PATH_MAX], *text;
    int alive = workers;

    if (pf_counter_family_new(reg, "shared_ops_total", "Operations.", kind,
                              &ops) < 0 ||
        pf_histogram_family_new(reg, "shared_wait_seconds", "Waits.", NULL,
                                NULL, 0, &wait) < 0 ||
        pf_counter_with_labels(ops, &bound, "bound", NULL) < 0 ||
        pf_histogram_with(wait, NULL, &h) < 0)
        die("families", -EINVAL);
    watch_start(&wt);
    w = start_writer(reg, "10ms");
    for (int i = 0; i < workers; i++) {
        pid_t pid = fork();

        if (pid < 0)
            die("fork", -errno);
        if (pid == 0) {
            int bad = 0;

            for (long k = 0; k < n; k++) {
                bad |= pf_counter_inc(bound);
                bad |= pf_counter_inc_labels(ops, "lookup", NULL);
                bad |= pf_histogram_observe(h, 0.001 * (double)(k % 20));
            }
            _exit(bad ? 1 : 0);
        }
    }
    /* Check the files as they come, until every worker is done. */
    while (alive > 0) {
        int status;
        pid_t pid;

        watch_poll(&wt, 5);
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            alive--;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail("%sa worker failed (status %g)", "", (double)status);
        }
    }
    if (pf_writer_flush(w) < 0)
        die("flush", pf_writer_last_error(w));
    watch_poll(&wt, 1000);
    pf_writer_stop(w);
    snprintf(path, sizeof(path), "%s/daemon.prom", dir);
    text = read_all(path);
    if (!text)
        die("read", -errno);
    if (sample(text, watched[0]) != (double)workers * (double)n)
        fail("%s is %g", watched[0], sample(text, watched[0]));
    if (sample(text, watched[1]) != (double)workers * (double)n)
        fail("%s is %g", watched[1], sample(text, watched[1]));
    if (sample(text, "shared_wait_seconds_bucket{le=\"+Inf\"}") !=
            (double)workers * (double)n ||
        sample(text, "shared_wait_seconds_count") !=
            (double)workers * (double)n)
        fail("%sthe histogram counts %g", "",
             sample(text, "shared_wait_seconds_count"));
    printf("%s %d workers x %ld: %g, %g, %g; %u files checked as they "
           "came\n",
           failures ? "FAIL" : "ok", workers, n, sample(text, watched[0]),
           sample(text, watched[1]), sample(text, "shared_wait_seconds_count"),
           wt.files);
    free(text);
    pf_registry_free(reg);
    return failures != 0;
}

/* ---- kill -------------------------------------------------------------------
 */

typedef struct progress {
    _Atomic long done[4096];
} progress;

static int kill_rounds(int rounds)
{
    pf_registry *reg = make_registry(4);
    progress *pr = mmap(NULL, sizeof(*pr), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pids[3] = {0};
    int slot_of[3], started = 0, finished = 0, by_master = 0;
    unsigned seed = 12345;
    long target[3] = {0};
    pf_counter *runs;
    pf_writer *w;
    watch wt;
    char path[PATH_MAX], *text;
    double total = 0, want = 0;

    if (pr == MAP_FAILED)
        die("mmap", -errno);
    if (pf_counter_new(reg, "shared_runs_total", "Runs.", &runs) < 0)
        die("counter", -EINVAL);
    watch_start(&wt);
    w = start_writer(reg, "10ms");
    while (finished < rounds) {
        for (int i = 0; i < 3; i++) {
            int status;

            if (pids[i] == 0 && started < rounds) {
                int id = started++;
                bool self = rand_r(&seed) % 2;
                long stop = 1000 + rand_r(&seed) % 200000;

                target[i] = self ? -1 : stop / 2;
                slot_of[i] = id;
                pids[i] = fork();
                if (pids[i] < 0)
                    die("fork", -errno);
                if (pids[i] == 0) {
                    for (long k = 0;; k++) {
                        pf_counter_inc(runs);
                        atomic_store(&pr->done[id], k + 1);
                        /* Killed by itself at a point it chose: exactly
                         * this many increments completed. */
                        if (self && k + 1 == stop)
                            raise(SIGKILL);
                    }
                }
            }
            if (pids[i] == 0)
                continue;
            /* The master's kill, mid-burst: once the worker passed its
             * target. */
            if (target[i] > 0 &&
                atomic_load(&pr->done[slot_of[i]]) >= target[i]) {
                kill(pids[i], SIGKILL);
                target[i] = 0;
                by_master++;
            }
            if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
                    fail("%sa worker ended otherwise (status %g)", "",
                         (double)status);
                pids[i] = 0;
                finished++;
            }
        }
        watch_poll(&wt, 1);
    }
    if (pf_writer_flush(w) < 0)
        die("flush", pf_writer_last_error(w));
    watch_poll(&wt, 1000);
    pf_writer_stop(w);
    for (int i = 0; i < rounds; i++)
        want += (double)atomic_load(&pr->done[i]);
    snprintf(path, sizeof(path), "%s/daemon.prom", dir);
    text = read_all(path);
    if (!text)
        die("read", -errno);
    total = sample(text, "shared_runs_total");
    /* A kill by the master can land between the increment and its
     * record: at most one increment more than recorded, per such kill. */
    if (total < want || total > want + by_master)
        fail("%sthe total %g is not the increments that completed", "", total);
    if (sample(text, "promfile_shared_overflows_total{resource=\"workers\","
                     "file=\"daemon.prom\"}") != 0)
        fail("%sa worker found no slot (%g)", "",
             sample(text, "promfile_shared_overflows_total{resource="
                          "\"workers\",file=\"daemon.prom\"}"));
    printf("%s %d workers through 4 slots, %d killed by the master: total %g, "
           "%g recorded; %u files checked as they came\n",
           failures ? "FAIL" : "ok", rounds, by_master, total, want, wt.files);
    free(text);
    pf_registry_free(reg);
    return failures != 0;
}

/* ---- leader
 * ------------------------------------------------------------------ */

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int leader(void)
{
    pf_registry *reg = make_registry(8);
    int ready[2], go[2];
    pf_counter *c;
    pf_writer *w;
    watch wt;
    double t0, t1 = -1;
    char b;
    pid_t pid;
    int r;

    if (pf_counter_new(reg, "shared_runs_total", "Runs.", &c) < 0 ||
        pipe(ready) < 0 || pipe(go) < 0)
        die("setup", -EINVAL);
    pid = fork();
    if (pid < 0)
        die("fork", -errno);
    if (pid == 0) {
        pf_writer *lead = start_writer(reg, "100ms");

        pf_counter_inc(c);
        if (pf_writer_flush(lead) < 0 || write(ready[1], "x", 1) != 1)
            _exit(1);
        /* Writing every 100 ms until killed. */
        for (;;)
            pause();
    }
    /* A child that fails before it is ready ends the read, not hangs it. */
    close(ready[1]);
    if (read(ready[0], &b, 1) != 1)
        die("child", -EIO);
    w = start_writer(reg, "100ms");
    r = pf_writer_flush(w);
    if (r != -EBUSY)
        fail("%sthe standby wrote (%g) while the leader lives", "", (double)r);
    watch_start(&wt);
    /* The leader's file, as it stands before the kill. */
    check_file(&wt);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* What is queued now was renamed by the dead leader (checked, not
     * taken for the takeover); at worst this takes in the first write of
     * the new one, and the next is timed. */
    watch_poll(&wt, 0);
    t0 = now_ms();
    /* The standby's thread takes over at its next interval: wait for its
     * file (up to 100 intervals, so that a slow machine does not fail). */
    while (now_ms() - t0 < 10000 && t1 < 0)
        if (watch_poll(&wt, 100) > 0)
            t1 = now_ms();
    if (t1 < 0)
        fail("%sno write within %g ms of the leader's death", "", 10000.0);
    /* And its own write succeeds, the first after the death. */
    pf_counter_inc(c);
    r = pf_writer_flush(w);
    if (r != 0)
        fail("%sthe new leader's write failed (%g)", "", (double)r);
    else
        check_file(&wt);
    pf_writer_stop(w);
    printf("%s the standby took over %.0f ms after the leader was killed "
           "(interval 100 ms); %u files checked across the takeover\n",
           failures ? "FAIL" : "ok", t1 - t0, wt.files);
    pf_registry_free(reg);
    return failures != 0;
}

/* ---- churn
 * ------------------------------------------------------------------- */

static int churn(long nseries)
{
    static const char *const labels[] = {"shard", "id", NULL};
    pf_registry *reg = make_registry(16);
    pf_counter **series = calloc((size_t)nseries, sizeof(*series));
    pid_t pids[4] = {0};
    pf_family *f;
    pf_writer *w;
    struct pollfd in = {0, POLLIN, 0};
    unsigned generation = 0;

    if (!series || pf_counter_family_new(reg, "load_requests_total",
                                         "Requests.", labels, &f) < 0)
        die("family", -EINVAL);
    for (long i = 0; i < nseries; i++) {
        char a[24], b[24];

        snprintf(a, sizeof(a), "s%ld", i % 7);
        snprintf(b, sizeof(b), "%ld", i);
        if (pf_counter_with_labels(f, &series[i], a, b, NULL) < 0)
            die("series", -EINVAL);
    }
    w = start_writer(reg, "10ms");
    printf("ready\n");
    fflush(stdout);
    /* Workers come and go until standard input is closed. */
    while (poll(&in, 1, 0) == 0) {
        for (int i = 0; i < 4; i++) {
            if (pids[i] && waitpid(pids[i], NULL, WNOHANG) == pids[i])
                pids[i] = 0;
            if (pids[i])
                continue;
            pids[i] = fork();
            if (pids[i] == 0) {
                unsigned seed = generation;

                for (int k = 0; k < 20000; k++)
                    pf_counter_inc(series[rand_r(&seed) % nseries]);
                _exit(0);
            }
            generation++;
        }
        poll(&in, 1, 2);
    }
    for (int i = 0; i < 4; i++)
        if (pids[i])
            waitpid(pids[i], NULL, 0);
    pf_writer_stop(w);
    printf("writes %u generations of workers\n", generation);
    pf_registry_free(reg);
    free(series);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        goto usage;
    dir = argv[2];
    /* Worker exits must not be caught by the writers' default handlers. */
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[1], "burst") == 0 && argc == 5)
        return burst(atoi(argv[3]), atol(argv[4]));
    if (strcmp(argv[1], "kill") == 0 && argc == 4)
        return kill_rounds(atoi(argv[3]));
    if (strcmp(argv[1], "leader") == 0 && argc == 3)
        return leader();
    if (strcmp(argv[1], "churn") == 0 && argc == 4)
        return churn(atol(argv[3]));
usage:
    fprintf(stderr, "usage: shared_load burst DIR WORKERS N | kill DIR ROUNDS "
                    "| leader DIR | churn DIR NSERIES\n");
    return 2;
}
