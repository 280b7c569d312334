/* SPDX-License-Identifier: MIT */
/*
 * test_crash PROMFILE: SIGKILL a writer at random moments, at least 200
 * times, and look at what it leaves (run by check-crash.sh).
 *
 * The parent builds a registry of a few thousand series once. Each round,
 * a child forked from it starts a promfile writer on DIR/crash.prom
 * (interval 10 ms, the shortest allowed) and, once pf_writer_start() has
 * returned (the file has been written once), says so through a pipe and
 * keeps changing values. The parent waits for that word, sleeps a random
 * time (the random moment is the experiment: it is no wait for readiness)
 * and kills the child with SIGKILL. Then:
 *   - crash.prom is absent (only before the first round) or complete: it
 *     ends in a newline, has exactly the crash_* samples the child made
 *     and as many samples in all as every other round's file;
 *   - a copy of it is checked by `PROMFILE check --strict` (every round,
 *     in batches) and by `promtool check metrics` (every PROMTOOL_EVERY-th
 *     round);
 *   - temporary files of the killed process (.crash.prom.<pid>.<12 alnum>
 *     .tmp) are counted; once the next writer has started on the file,
 *     none of a dead process may remain (the library removes them at
 *     start), and none of anyone else ever appears.
 * A last child is stopped gracefully (SIGTERM, pf_writer_stop()), after
 * which the directory holds crash.prom alone.
 *
 * Environment: PF_CRASH_KILLS (default 300, 200 under ThreadSanitizer)
 * and PF_CRASH_SEED (default: from the clock; printed, to replay a run).
 * Exit 0 when every check held, 1 otherwise.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <promfile.h>

#define FILE_NAME "crash.prom"
/* The series of the child: counters, gauges and histograms. */
#define NCOUNTERS 2000
#define NGAUGES 300
#define NHISTOGRAMS 12
#define NBOUNDS 8
/* Sample lines: a histogram series has its buckets, +Inf, _sum, _count. */
#define CRASH_SAMPLES (NCOUNTERS + NGAUGES + NHISTOGRAMS * (NBOUNDS + 3))
/* Copies checked by one run of promfile check. */
#define BATCH 25
/* One round in PROMTOOL_EVERY is also checked by promtool. */
#define PROMTOOL_EVERY 4
/* The longest random delay before the kill: several write intervals. */
#define MAX_DELAY_NS 40000000L
/* A child that is never killed gives up after this long. */
#define CHILD_LIFETIME_S 30

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
    va_list ap;

    fputs("FAIL: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    failures++;
}

/* xorshift64*: reproducible from the printed seed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* ---- The child ----------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The registry of every child: built once by the parent, which starts no
 * thread, and inherited through fork() -- a program builds its metrics,
 * then starts its writer. The children change the values. */
static pf_registry *reg;
static pf_counter *counters[NCOUNTERS];
static pf_gauge *gauges[NGAUGES];
static pf_histogram *hists[NHISTOGRAMS];

static int build_registry(void)
{
    static const char *const counter_labels[] = {"shard", "id", NULL};
    static const char *const gauge_labels[] = {"path", NULL};
    static const char *const hist_labels[] = {"op", NULL};
    static const double bounds[NBOUNDS] = {0.001, 0.005, 0.01, 0.05,
                                           0.1,   0.5,   1,    5};
    pf_family *cf, *gf, *hf;
    char a[32], b[64];

    if (pf_registry_new(&reg) < 0 ||
        pf_counter_family_new(reg, "crash_events_total", "Events.",
                              counter_labels, &cf) < 0 ||
        pf_gauge_family_new(reg, "crash_level_ratio",
                            "Levels, with label values to escape.",
                            gauge_labels, &gf) < 0 ||
        pf_histogram_family_new(reg, "crash_wait_seconds", "Waits.",
                                hist_labels, bounds, NBOUNDS, &hf) < 0 ||
        pf_registry_set_label(reg, "instance", "crash\"test\"") < 0)
        return -1;
    for (int i = 0; i < NCOUNTERS; i++) {
        snprintf(a, sizeof(a), "s%d", i % 7);
        snprintf(b, sizeof(b), "%d", i);
        if (pf_counter_with_labels(cf, &counters[i], a, b, NULL) < 0)
            return -1;
    }
    for (int i = 0; i < NGAUGES; i++) {
        snprintf(b, sizeof(b), "/a\"b\\c\nd/\xc3\xa9t\xc3\xa9/%d", i);
        if (pf_gauge_with_labels(gf, &gauges[i], b, NULL) < 0)
            return -1;
    }
    for (int i = 0; i < NHISTOGRAMS; i++) {
        snprintf(a, sizeof(a), "op%d", i);
        if (pf_histogram_with_labels(hf, &hists[i], a, NULL) < 0)
            return -1;
    }
    return 0;
}

/* Start the writer, say "ready" on `ready_fd`, then change values until
 * killed (or, on SIGTERM, stop the writer and exit 0). Never returns. */
static void child(const char *dir, int ready_fd, uint64_t seed)
{
    struct sigaction sa;
    pf_config *cfg;
    pf_writer *w;
    time_t until;

    /* Never outlive the test. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    rng_state = seed;
    if (pf_config_new(&cfg) < 0 ||
        pf_config_set(cfg, "textfile", "directory", dir, NULL) < 0 ||
        pf_config_set(cfg, "textfile", "file", FILE_NAME, NULL) < 0 ||
        pf_config_set(cfg, "textfile", "interval", "10ms", NULL) < 0 ||
        /* Half the writers fsync: a longer window with a temp file. A
         * SIGKILL ends the process, not the kernel: either way the page
         * cache keeps what was written. */
        pf_config_set(cfg, "textfile", "fsync", seed & 1 ? "yes" : "no", NULL) <
            0)
        _exit(3);
    if (pf_writer_start(reg, cfg, &w) < 0)
        _exit(3);
    pf_config_free(cfg);
    /* The file is there: pf_writer_start() writes before it returns. */
    if (write(ready_fd, "r", 1) != 1)
        _exit(3);
    close(ready_fd);
    until = time(NULL) + CHILD_LIFETIME_S;
    /* Bursts of changes with pauses: values change between any two
     * writes, and the other core is left to the checks. */
    while (!stop_requested && time(NULL) < until) {
        const struct timespec pause = {0, 1000000};

        for (int i = 0; i < 200; i++) {
            uint64_t r = rng();

            pf_counter_add_u64(counters[r % NCOUNTERS], 1 + (r >> 60));
            pf_gauge_set(gauges[(r >> 16) % NGAUGES],
                         (double)(int64_t)(r >> 20) / 1e6);
            pf_histogram_observe(hists[(r >> 8) % NHISTOGRAMS],
                                 (double)(r >> 40) / 1e6);
        }
        nanosleep(&pause, NULL);
    }
    _exit(stop_requested && pf_writer_stop(w) == 0 ? 0 : 4);
}

/* ---- The parent's checks ------------------------------------------------- */

/* Is `name` a temporary file of FILE_NAME? Then *pid is its process. */
static bool tmp_name(const char *name, long *pid)
{
    static const char prefix[] = "." FILE_NAME ".";
    const char *p = name + sizeof(prefix) - 1;
    char *end;
    size_t n;

    if (strncmp(name, prefix, sizeof(prefix) - 1) != 0 || *p < '1' || *p > '9')
        return false;
    *pid = strtol(p, &end, 10);
    if (*end != '.')
        return false;
    p = end + 1;
    for (n = 0; n < 12; n++)
        if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
              (p[n] >= '0' && p[n] <= '9')))
            return false;
    return strcmp(p + 12, ".tmp") == 0;
}

/* The temporary files in `dir`: those of `pid` are counted in *mine (and
 * their names kept in `names`, up to `max`), the others' pids reported;
 * anything else but FILE_NAME is a failure. Returns how many others. */
static int scan_dir(const char *dir, long pid, int *mine, char names[][256],
                    int max, const char *when)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int others = 0;

    *mine = 0;
    if (!d) {
        fail("cannot open %s: %s", dir, strerror(errno));
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        long p;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, FILE_NAME) == 0)
            continue;
        if (!tmp_name(de->d_name, &p)) {
            fail("%s: unexpected file %s", when, de->d_name);
            continue;
        }
        if (p == pid) {
            if (*mine < max)
                snprintf(names[*mine], sizeof(names[0]), "%s", de->d_name);
            (*mine)++;
        } else {
            fail("%s: temporary file %s of process %ld, not %ld", when,
                 de->d_name, p, pid);
            others++;
        }
    }
    closedir(d);
    return others;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0;
    char *buf;

    if (!f)
        return NULL;
    buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);

        n += got;
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    fclose(f);
    if (!buf) {
        fail("out of memory");
        exit(1);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Sample lines (not comments, not blank) in all, and those of crash_*;
 * the value of promfile_writes_total in *writes (0 if none). */
static void count_samples(const char *text, size_t len, long *all, long *crash,
                          unsigned long *writes)
{
    const char *p = text, *end = text + len;

    *all = *crash = 0;
    *writes = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;

        if (eol > p && *p != '#') {
            (*all)++;
            if (strncmp(p, "crash_", 6) == 0)
                (*crash)++;
            if (strncmp(p, "promfile_writes_total", 21) == 0) {
                const char *v = memchr(p, ' ', (size_t)(eol - p));

                if (v)
                    *writes = strtoul(v + 1, NULL, 10);
            }
        }
        p = eol + 1;
    }
}

static int wait_status(pid_t pid)
{
    int st;

    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return st;
}

/* Run argv (argv[0] found in PATH), standard input from `in` if not
 * NULL. Returns its exit status, or -1. */
static int run(char *const argv[], const char *in)
{
    pid_t pid;
    int st;

    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (in) {
            int fd = open(in, O_RDONLY | O_CLOEXEC);

            if (fd < 0 || dup2(fd, 0) < 0)
                _exit(126);
        }
        /* Their output is our log. */
        dup2(1, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    st = wait_status(pid);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `promtool check metrics <file`: its exit status, or -1. */
static int promtool(const char *file)
{
    char a0[] = "promtool", a1[] = "check", a2[] = "metrics";
    char *argv[] = {a0, a1, a2, NULL};

    return run(argv, file);
}

/* The copies are checked in batches by a helper process, while the next
 * batch is made: promfile check on each copy, promtool on those marked. Two
 * batches, one being filled, one being checked. */
static char batches[2][BATCH][320];
static bool marked[2][BATCH];
static int checking = -1; /* the batch being checked, or -1 */
static int nchecking;
static pid_t checker;

/* The helper: check batch b of n copies. Returns its exit status. */
static int check_batch(char *promfile, int b, int n)
{
    char a1[] = "check", a2[] = "--strict", a3[] = "--user=";
    char *argv[BATCH + 5];
    int bad = 0, st;

    argv[0] = promfile;
    argv[1] = a1;
    argv[2] = a2;
    argv[3] = a3;
    for (int i = 0; i < n; i++)
        argv[4 + i] = batches[b][i];
    argv[4 + n] = NULL;
    st = run(argv, NULL);
    if (st != 0) {
        printf("FAIL: promfile check --strict exited %d on %s .. %s\n", st,
               batches[b][0], batches[b][n - 1]);
        bad = 1;
    }
    for (int i = 0; i < n; i++) {
        if (!marked[b][i])
            continue;
        st = promtool(batches[b][i]);
        if (st != 0) {
            printf("FAIL: promtool check metrics exited %d on %s\n", st,
                   batches[b][i]);
            bad = 1;
        }
    }
    fflush(stdout);
    return bad;
}

/* Wait for the batch being checked, then remove its copies. */
static void checker_wait(void)
{
    int st;

    if (checking < 0)
        return;
    st = wait_status(checker);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("checks of %s .. %s failed (status 0x%x)", batches[checking][0],
             batches[checking][nchecking - 1], st);
    for (int i = 0; i < nchecking; i++)
        unlink(batches[checking][i]);
    checking = -1;
    nchecking = 0;
}

/* Check the n copies of batches[b], once the batch before is done. */
static void checker_start(char *promfile, int b, int n)
{
    checker_wait();
    if (n == 0)
        return;
    fflush(stdout);
    checker = fork();
    if (checker < 0) {
        fail("fork: %s", strerror(errno));
        return;
    }
    if (checker == 0)
        _exit(check_batch(promfile, b, n));
    checking = b;
    nchecking = n;
}

static void write_copy(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fail("cannot write %s", path);
        exit(1);
    }
}

/* Milliseconds since *t. */
static double elapsed_ms(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 +
           (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);

    return v && *v ? strtol(v, NULL, 10) : def;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[512];

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (de->d_name[1] == '\0' ||
             (de->d_name[1] == '.' && de->d_name[2] == '\0')))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Start a child; returns its pid once it has written the file, or -1. */
static pid_t start_child(const char *dir, uint64_t seed)
{
    int fds[2];
    ssize_t n;
    pid_t pid;
    char c;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        fail("pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        fail("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(dir, fds[1], seed);
    }
    close(fds[1]);
    do
        n = read(fds[0], &c, 1);
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n != 1) {
        int st = wait_status(pid);

        fail("child %ld did not start its writer (status 0x%x)", (long)pid, st);
        return -1;
    }
    return pid;
}

int main(int argc, char **argv)
{
    long kills = env_long("PF_CRASH_KILLS", UNDER_TSAN ? 200 : 300);
    uint64_t seed = (uint64_t)env_long("PF_CRASH_SEED", 0);
    const char *tmpdir = getenv("TMPDIR");
    char dir[256], snaps[256];
    char leftovers[8][256];
    int nbatch = 0, filling = 0, nleft = 0;
    long total_samples = -1, files = 0, checked_by_tool = 0, promtooled = 0;
    long absent = 0, tmp_seen = 0, tmp_removed = 0, changed = 0, done = 0;
    unsigned long writes_sum = 0, writes_max = 0;
    double start_ms = 0;
    long starts = 0;
    char *prev = NULL;
    size_t prev_len = 0;
    struct timespec t0, t1;
    pid_t pid, killed;

    if (argc != 2) {
        fprintf(stderr, "usage: test_crash PROMFILE\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (seed == 0) {
        clock_gettime(CLOCK_REALTIME, &t0);
        seed = (uint64_t)t0.tv_nsec ^ ((uint64_t)t0.tv_sec << 20) ^
               (uint64_t)getpid();
        seed |= 1u << 31;
    }
    rng_state = seed;
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    snprintf(dir, sizeof(dir), "%s/pf-crash-XXXXXX", tmpdir);
    snprintf(snaps, sizeof(snaps), "%s/pf-crash-copies-XXXXXX", tmpdir);
    if (!mkdtemp(dir) || !mkdtemp(snaps)) {
        printf("FAIL: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    if (build_registry() < 0) {
        printf("FAIL: cannot build the registry: %s\n", pf_last_error());
        return 1;
    }
    printf("# seed %llu (PF_CRASH_SEED to replay), %ld kills, directory %s\n",
           (unsigned long long)seed, kills, dir);
    clock_gettime(CLOCK_MONOTONIC, &t0);

    pid = -1;
    for (long round = 0; round <= kills && failures < 10; round++) {
        char path[600], copy[300], when[64];
        struct timespec delay;
        unsigned long writes;
        long all, crash;
        int mine, st;
        size_t len;
        char *text;

        /* Restart a writer on the same file. Once it has started, no
         * temporary file of the process killed before may remain. */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        pid = start_child(dir, (rng() & ~(uint64_t)1) | (uint64_t)(round & 1));
        if (pid < 0)
            break;
        start_ms += elapsed_ms(&t1);
        starts++;
        snprintf(when, sizeof(when), "after restart %ld", round);
        scan_dir(dir, (long)pid, &mine, NULL, 0, when);
        for (int i = 0; i < nleft; i++) {
            snprintf(path, sizeof(path), "%s/%.255s", dir, leftovers[i]);
            if (access(path, F_OK) == 0)
                fail("%s: %s is still there", when, leftovers[i]);
            else
                tmp_removed++;
        }
        nleft = 0;
        if (round == kills)
            break;

        /* The experiment: kill it at a random moment. A quarter of the
         * kills come within the first millisecond after start. */
        delay.tv_sec = 0;
        delay.tv_nsec =
            (long)(rng() %
                   (uint64_t)((rng() & 3) == 0 ? 1000000L : MAX_DELAY_NS));
        nanosleep(&delay, NULL);
        if (kill(pid, SIGKILL) < 0)
            fail("kill %ld: %s", (long)pid, strerror(errno));
        st = wait_status(pid);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
            fail("child %ld ended with status 0x%x, not by SIGKILL", (long)pid,
                 st);
        killed = pid;
        pid = -1;
        done++;

        /* What the dead process left. */
        snprintf(when, sizeof(when), "after kill %ld", round + 1);
        scan_dir(dir, (long)killed, &mine, leftovers, 8, when);
        tmp_seen += mine;
        nleft = mine < 8 ? mine : 8;
        if (mine > 1)
            fail("%s: %d temporary files of one process", when, mine);

        snprintf(path, sizeof(path), "%s/%s", dir, FILE_NAME);
        text = slurp(path, &len);
        if (!text) {
            /* Written before the first "ready", and never removed since:
             * absence is a failure here. */
            fail("%s: %s is absent: %s", when, FILE_NAME, strerror(errno));
            absent++;
            continue;
        }
        files++;
        if (len == 0 || text[len - 1] != '\n')
            fail("%s: %s (%zu bytes) does not end in a newline", when,
                 FILE_NAME, len);
        count_samples(text, len, &all, &crash, &writes);
        if (crash != CRASH_SAMPLES)
            fail("%s: %ld crash_* samples, not %d", when, crash, CRASH_SAMPLES);
        if (total_samples < 0)
            total_samples = all;
        else if (all != total_samples)
            fail("%s: %ld samples, not %ld as before", when, all,
                 total_samples);
        if (writes == 0)
            fail("%s: no promfile_writes_total", when);
        writes_sum += writes;
        if (writes > writes_max)
            writes_max = writes;
        if (!prev || prev_len != len || memcmp(prev, text, len) != 0)
            changed++;
        free(prev);
        prev = text;
        prev_len = len;

        /* A copy, for promfile check (and for promtool, one in
         * PROMTOOL_EVERY), checked in a batch by a helper process. */
        snprintf(copy, sizeof(copy), "%s/kill-%04ld.prom", snaps, round + 1);
        write_copy(copy, text, len);
        snprintf(batches[filling][nbatch], sizeof(batches[0][0]), "%s", copy);
        marked[filling][nbatch] = round % PROMTOOL_EVERY == 0;
        promtooled += marked[filling][nbatch];
        checked_by_tool++;
        if (++nbatch == BATCH) {
            checker_start(argv[1], filling, nbatch);
            filling = !filling;
            nbatch = 0;
        }
    }
    checker_start(argv[1], filling, nbatch);
    checker_wait();

    /* The last writer is stopped as a program would stop it: afterwards
     * the directory holds the textfile alone, and it is valid. */
    if (pid > 0) {
        char path[300];
        size_t len;
        int mine, st;
        char *text;

        kill(pid, SIGTERM);
        st = wait_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail("the last child did not stop cleanly (status 0x%x)", st);
        scan_dir(dir, -1, &mine, NULL, 0, "after the last stop");
        snprintf(path, sizeof(path), "%s/%s", dir, FILE_NAME);
        text = slurp(path, &len);
        if (!text) {
            fail("after the last stop: no %s", FILE_NAME);
        } else {
            char a1[] = "check", a2[] = "--strict", a3[] = "--user=";
            char *pc[] = {argv[1], a1, a2, a3, path, NULL};
            unsigned long writes;
            long all, crash;

            count_samples(text, len, &all, &crash, &writes);
            if (crash != CRASH_SAMPLES || all != total_samples)
                fail("after the last stop: %ld crash_* samples of %ld", crash,
                     all);
            if (run(pc, NULL) != 0)
                fail("after the last stop: promfile check fails");
            if (promtool(path) != 0)
                fail("after the last stop: promtool fails");
            free(text);
        }
    }
    free(prev);
    pf_registry_free(reg);
    remove_dir(dir);
    remove_dir(snaps);

    printf("kills survived: %ld of %ld (SIGKILL after 0-%ld ms)\n", done, kills,
           MAX_DELAY_NS / 1000000);
    printf("files checked: %ld (%ld absent), %ld by promfile check, %ld by "
           "promtool; %d crash_* samples expected in each, %ld samples in "
           "all in the first; %ld differ from the file before\n",
           files, absent, checked_by_tool, promtooled, CRASH_SAMPLES,
           total_samples, changed);
    printf("temporary files of killed writers: %ld seen, %ld removed by the "
           "next writer's start\n",
           tmp_seen, tmp_removed);
    printf("writes by killed writers: %lu (at most %lu by one); a writer "
           "took %.1f ms on average to start; %.1f s in all\n",
           writes_sum, writes_max, start_ms / (double)(starts ? starts : 1),
           elapsed_ms(&t0) / 1e3);
    if (failures)
        printf("FAIL: %d failures\n", failures);
    return failures ? 1 : 0;
}
