/* SPDX-License-Identifier: MIT */
/*
 * pfbench: the workloads of issue 5, on libpromfile.
 *
 *   tests/bench/pfbench WORKLOAD [ITERATIONS]
 *
 * WORKLOAD is w1, w2, w3same, w3diff, w3sharded, w4, w5 or latency. Each
 * run prints one line
 *
 *   RESULT lib=promfile workload=W iterations=N ... ns_per_op=X
 *
 * Definitions (so that figures compare with client_golang's, measured by
 * tests/bench/golang/pfbench.go the same way):
 *   w1        one bound child of a 3-label counter, Inc in a loop
 *   w2        lookup by 3 label values + Inc, cycling in a fixed order
 *             over the 6 x 9 x 7 = 378 auth example series, all created
 *             before timing
 *   w3same    2 threads released by a barrier, N each, on the same child
 *   w3diff    the same on two different children
 *   w3sharded the same on one child of a sharded counter family
 *   w4        one bound histogram child with the default buckets,
 *             observing 0.003 0.007 ... 20 in turn
 *   w5        one family with labels kind, variant, result and 100,000
 *             series, written 10 times atomically to /dev/shm
 *   latency   the cost of each Inc, measured one by one, while another
 *             thread keeps writing the 100,000-series file
 *   latencyidle  the same with no writer, for comparison
 *   latencynop   the same with the writer but no Inc: what the machine
 *             itself adds (interrupts, the writer's use of a CPU), to
 *             compare the Inc's tail with
 *   w1floor   the machine's limit for w1: a loop of bare atomic adds
 *   w1shared  w1 in a forked worker of a shared registry (issue 14)
 *   w3shared  2 worker processes released together, N each, on the same
 *             series of a shared registry: aggregate ns/op
 *   w5shared  w5's 100,000 series in a shared registry with 16 worker
 *             slots in use, written N (10) times
 *   fork      fork() + _exit() + waitpid() with 0, 1,000 and 10,000
 *             families registered: median of N (101) each
 *   create    the time to create N/100, N/10 and N series (N = 1,000,000):
 *             ns_per_op per series, which stays flat if creation is linear
 * ns_per_op is wall time / total operations (all threads).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <promfile.h>

#include "auth_metrics.h"

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, int r)
{
    fprintf(stderr, "pfbench: %s: %s (%s)\n", what, pf_strerror(r),
            pf_last_error());
    exit(1);
}

static void check(const char *what, int r)
{
    if (r < 0)
        die(what, r);
}

static void result(const char *workload, long iterations, double ns,
                   const char *extra)
{
    printf("RESULT lib=promfile workload=%s iterations=%ld%s%s "
           "ns_per_op=%.3f\n",
           workload, iterations, extra ? " " : "", extra ? extra : "", ns);
    fflush(stdout);
}

static const char *const labels3[] = {"kind", "variant", "result", NULL};

/* ---- w1 --------------------------------------------------------------- */

static void w1(long n)
{
    pf_family *f;
    pf_counter *c;
    double t0, t1;

    check("family",
          pf_counter_family_new(NULL, "bench_w1_total", "W1.", labels3, &f));
    check("child", pf_counter_with_labels(f, &c, "imap", "plain", "ok", NULL));
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        pf_counter_inc(c);
    t1 = now_ns();
    result("w1", n, (t1 - t0) / (double)n, NULL);
}

/* w1floor: the machine's own limit for w1, the unavoidable work only: one
 * relaxed atomic add (x86's lock add) a time on a counter in memory, as a
 * counter that threads share needs, and nothing else. */
static void w1floor(long n)
{
    static _Atomic uint64_t x;
    double t0, t1;

    t0 = now_ns();
    for (long i = 0; i < n; i++)
        atomic_fetch_add_explicit(&x, 1, memory_order_relaxed);
    t1 = now_ns();
    if (atomic_load(&x) != (uint64_t)n)
        abort();
    result("w1floor", n, (t1 - t0) / (double)n, NULL);
}

/* ---- w2 --------------------------------------------------------------- */

static void w2(long n)
{
    const char *combo[378][3];
    size_t k = 0;
    double t0, t1;

    check("init", auth_metrics_init(NULL));
    check("create", auth_metrics_create_all());
    for (size_t a = 0; auth_kinds[a]; a++)
        for (size_t b = 0; auth_variants[b]; b++)
            for (size_t c = 0; auth_results[c]; c++) {
                combo[k][0] = auth_kinds[a];
                combo[k][1] = auth_variants[b];
                combo[k][2] = auth_results[c];
                k++;
            }
    t0 = now_ns();
    for (long i = 0, j = 0; i < n; i++) {
        authentication_inc(combo[j][0], combo[j][1], combo[j][2]);
        if (++j == 378)
            j = 0;
    }
    t1 = now_ns();
    result("w2", n, (t1 - t0) / (double)n, NULL);
}

/* ---- w3 --------------------------------------------------------------- */

typedef struct w3_arg {
    pf_counter *c;
    long n;
    pthread_barrier_t *start;
} w3_arg;

static void *w3_thread(void *p)
{
    w3_arg *a = p;

    pthread_barrier_wait(a->start);
    for (long i = 0; i < a->n; i++)
        pf_counter_inc(a->c);
    return NULL;
}

static void w3(const char *workload, long n)
{
    pthread_barrier_t start;
    pthread_t t[2];
    w3_arg a[2];
    pf_family *f;
    double t0, t1, v0, v1;
    int sharded = strcmp(workload, "w3sharded") == 0;
    int diff = strcmp(workload, "w3diff") == 0;

    if (sharded)
        check("family", pf_counter_family_new_sharded(NULL, "bench_w3_total",
                                                      "W3.", labels3, &f));
    else
        check("family", pf_counter_family_new(NULL, "bench_w3_total", "W3.",
                                              labels3, &f));
    pthread_barrier_init(&start, NULL, 3);
    for (int i = 0; i < 2; i++) {
        check("child",
              pf_counter_with_labels(f, &a[i].c, "imap", "plain",
                                     diff && i ? "error" : "ok", NULL));
        a[i].n = n;
        a[i].start = &start;
        pthread_create(&t[i], NULL, w3_thread, &a[i]);
    }
    pthread_barrier_wait(&start);
    t0 = now_ns();
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    t1 = now_ns();
    pf_counter_value(a[0].c, &v0);
    pf_counter_value(a[1].c, &v1);
    /* The counts must be exact, or the figure means nothing. */
    if ((diff ? v0 + v1 : v0) != 2.0 * (double)n) {
        fprintf(stderr, "pfbench: %s counted %.0f, not %ld\n", workload,
                diff ? v0 + v1 : v0, 2 * n);
        exit(1);
    }
    pthread_barrier_destroy(&start);
    result(workload, 2 * n, (t1 - t0) / (2.0 * (double)n), "threads=2");
}

/* ---- w4 --------------------------------------------------------------- */

static void w4(long n)
{
    static const double v[] = {0.003, 0.007, 0.02, 0.04, 0.08, 0.2,
                               0.4,   0.8,   2,    4,    8,    20};
    pf_family *f;
    pf_histogram *h;
    double t0, t1;

    check("family", pf_histogram_family_new(NULL, "bench_w4_seconds", "W4.",
                                            labels3, NULL, 0, &f));
    check("child",
          pf_histogram_with_labels(f, &h, "imap", "plain", "ok", NULL));
    t0 = now_ns();
    for (long i = 0, j = 0; i < n; i++) {
        pf_histogram_observe(h, v[j]);
        if (++j == 12)
            j = 0;
    }
    t1 = now_ns();
    result("w4", n, (t1 - t0) / (double)n, NULL);
}

/* ---- w5 and latency ---------------------------------------------------- */

#define W5_SERIES 100000

/* A field of /proc/self/status, in bytes. */
static long status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = atol(line + n + 1);
    fclose(f);
    return kb * 1024;
}

/* Create series 0..n-1 of f, as issue 5 defines them: k{i/1000},
 * v{(i/10)%100}, r{i%10}; with `count`, series i gets the value i + 1.
 * Returns the time it took, in ms. */
static double create_series(pf_family *f, long n, int count)
{
    double t0 = now_ns();

    for (long i = 0; i < n; i++) {
        char k[24], v[24], r[24];
        pf_counter *c;

        snprintf(k, sizeof(k), "k%ld", i / 1000);
        snprintf(v, sizeof(v), "v%ld", (i / 10) % 100);
        snprintf(r, sizeof(r), "r%ld", i % 10);
        check("child", pf_counter_with_labels(f, &c, k, v, r, NULL));
        if (count)
            pf_counter_add_u64(c, (uint64_t)i + 1);
    }
    return (now_ns() - t0) / 1e6;
}

static pf_registry *make_w5(double *create_ms)
{
    pf_registry *reg;
    pf_family *f;

    check("registry", pf_registry_new(&reg));
    check("family",
          pf_counter_family_new(reg, "bench_w5_total", "W5.", labels3, &f));
    *create_ms = create_series(f, W5_SERIES, 1);
    return reg;
}

/* Create n series of one 3-label family (named as in w5) in a new
 * registry; 10,000, 100,000 and 1,000,000 of them show whether creation
 * stays linear (a hash table that degrades would not). */
static void create(long n)
{
    long sizes[3] = {n / 100, n / 10, n};

    for (int j = 0; j < 3; j++) {
        pf_registry *reg;
        pf_family *f;
        double ms;
        char extra[64];

        check("registry", pf_registry_new(&reg));
        check("family", pf_counter_family_new(reg, "bench_create_total",
                                              "Create.", labels3, &f));
        /* A million series is past the default limit of a family. */
        check("limit", pf_family_set_max_series(f, 0));
        ms = create_series(f, sizes[j], 0);
        snprintf(extra, sizeof(extra), "series=%ld create_ms=%.1f", sizes[j],
                 ms);
        result("create", sizes[j], ms * 1e6 / (double)sizes[j], extra);
        pf_registry_free(reg);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void w5(long n)
{
    double create_ms, ms[64], t0;
    long rss0, rss1, hwm;
    pf_registry *reg;
    char extra[256];
    long size = 0;
    FILE *f;

    if (n <= 0 || n > 64)
        n = 10;
    rss0 = status_bytes("VmRSS");
    reg = make_w5(&create_ms);
    rss1 = status_bytes("VmRSS");
    for (long i = 0; i < n; i++) {
        t0 = now_ns();
        check("write", pf_registry_write_textfile(reg, "/dev/shm",
                                                  "pfbench-w5.prom", 0, 0));
        ms[i] = (now_ns() - t0) / 1e6;
    }
    hwm = status_bytes("VmHWM");
    f = fopen("/dev/shm/pfbench-w5.prom", "r");
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    unlink("/dev/shm/pfbench-w5.prom");
    qsort(ms, (size_t)n, sizeof(ms[0]), cmp_double);
    snprintf(extra, sizeof(extra),
             "series=%d write_ms_median=%.2f file_bytes=%ld create_ms=%.1f "
             "bytes_per_series_rss=%.0f bytes_per_series_hwm=%.0f",
             W5_SERIES, ms[n / 2], size, create_ms,
             (double)(rss1 - rss0) / W5_SERIES,
             (double)(hwm - rss0) / W5_SERIES);
    result("w5", n, ms[n / 2] * 1e6 / W5_SERIES, extra);
    pf_registry_free(reg);
}

typedef struct lat_arg {
    pf_writer *w;
    volatile int stop;
    long writes;
} lat_arg;

/* Rewrite the file back to back, as a busy background writer would. */
static void *lat_writer(void *p)
{
    lat_arg *a = p;

    while (!a->stop) {
        check("write", pf_writer_flush(a->w));
        a->writes++;
    }
    return NULL;
}

/* Latencies up to 100 us in 1 ns steps; beyond that only the maximum. */
#define LAT_SLOTS 100000

/* With `writing`, while a thread rewrites the 100,000-series file back to
 * back; without, the same measurement alone, to tell the machine's own
 * interruptions (scheduler, interrupts) from anything the writer does.
 * Without `inc`, nothing is timed but the clock: the tail that any code
 * gets on this machine while the writer runs. */
static void latency(long n, int writing, int inc)
{
    static uint32_t hist[LAT_SLOTS];
    double create_ms, maxv = 0, overhead = 1e9;
    pf_registry *reg;
    pf_config *cfg;
    pf_counter *c;
    pf_family *f;
    pthread_t t;
    lat_arg a = {0};
    char extra[256];
    long over = 0, over1us = 0;
    double pct[4] = {0.5, 0.99, 0.999, 1.0}, val[4] = {0};

    reg = make_w5(&create_ms);
    check("family",
          pf_counter_family_new(reg, "bench_lat_total", "Lat.", NULL, &f));
    check("child", pf_counter_with(f, NULL, &c));
    /* The library's own writer (a buffer kept between writes), with an
     * interval of an hour: the thread below does the writing. */
    check("config", pf_config_new(&cfg));
    check("config",
          pf_config_set(cfg, "textfile", "directory", "/dev/shm", NULL));
    check("config",
          pf_config_set(cfg, "textfile", "file", "pfbench-lat.prom", NULL));
    check("config", pf_config_set(cfg, "textfile", "interval", "1h", NULL));
    check("config",
          pf_config_set(cfg, "textfile", "remove_on_exit", "yes", NULL));
    check("writer", pf_writer_start(reg, cfg, &a.w));
    pf_config_free(cfg);
    /* What two clock readings cost, to subtract. */
    for (int i = 0; i < 1000; i++) {
        double x = now_ns(), y = now_ns();

        if (y - x < overhead)
            overhead = y - x;
    }
    if (writing)
        pthread_create(&t, NULL, lat_writer, &a);
    for (long i = 0; i < n; i++) {
        double x = now_ns(), d;

        if (inc)
            pf_counter_inc(c);
        d = now_ns() - x - overhead;
        if (d < 0)
            d = 0;
        if (d > maxv)
            maxv = d;
        if (d > 1000)
            over1us++;
        if (d < LAT_SLOTS)
            hist[(long)d]++;
        else
            over++;
    }
    a.stop = 1;
    if (writing)
        pthread_join(t, NULL);
    check("stop", pf_writer_stop(a.w));
    for (int p = 0; p < 3; p++) {
        long want = (long)(pct[p] * (double)n), seen = 0;

        for (long s = 0; s < LAT_SLOTS; s++) {
            seen += hist[s];
            if (seen >= want) {
                val[p] = (double)s;
                break;
            }
        }
        if (seen < want)
            val[p] = maxv;
    }
    val[3] = maxv;
    snprintf(extra, sizeof(extra),
             "file_writes=%ld p50_ns=%.0f p99_ns=%.0f p999_ns=%.0f "
             "max_ns=%.0f over_1us=%ld over_100us=%ld clock_overhead_ns=%.0f",
             a.writes, val[0], val[1], val[2], val[3], over1us, over, overhead);
    result(!inc      ? "latencynop"
           : writing ? "latency"
                     : "latencyidle",
           n, val[0], extra);
    pf_registry_free(reg);
}

/* ---- shared registries (issue 14) -------------------------------------- */

/* A shared registry for `workers` processes and `series` series. */
static pf_registry *shared_registry(unsigned workers, unsigned series)
{
    pf_registry *reg;
    pf_config *cfg;
    char v[32];

    check("config", pf_config_new(&cfg));
    snprintf(v, sizeof(v), "%u", workers);
    check("workers", pf_config_set(cfg, "shared", "workers", v, NULL));
    snprintf(v, sizeof(v), "%u", series);
    check("series", pf_config_set(cfg, "shared", "series", v, NULL));
    check("shared", pf_registry_new_shared(cfg, &reg));
    pf_config_free(cfg);
    return reg;
}

/* Run fn(arg, n) in `procs` forked workers released together (a pipe
 * closed by the parent), and return the wall time in ns from the release
 * to the last one's end. */
static double in_workers(int procs, void (*fn)(void *, long), void *arg, long n)
{
    int go[2], ready[2];
    double t0, t1;
    char b;

    if (pipe(go) < 0 || pipe(ready) < 0)
        die("pipe", -errno);
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();

        if (pid < 0)
            die("fork", -errno);
        if (pid == 0) {
            close(go[1]);
            if (write(ready[1], "x", 1) != 1 || read(go[0], &b, 1) != 0)
                _exit(1);
            fn(arg, n);
            _exit(0);
        }
    }
    for (int i = 0; i < procs; i++)
        if (read(ready[0], &b, 1) != 1)
            die("worker", -EIO);
    t0 = now_ns();
    close(go[1]);
    while (wait(NULL) > 0)
        ;
    t1 = now_ns();
    close(go[0]);
    close(ready[0]);
    close(ready[1]);
    return t1 - t0;
}

static void inc_loop(void *arg, long n)
{
    pf_counter *c = arg;

    for (long i = 0; i < n; i++)
        pf_counter_inc(c);
}

/* w1shared: w1 in a worker process of a shared registry (its own slot);
 * w3shared: two worker processes on the same series. */
static void w_shared(const char *workload, long n)
{
    int procs = strcmp(workload, "w3shared") == 0 ? 2 : 1;
    pf_registry *reg = shared_registry(4, 100);
    pf_family *f;
    pf_counter *c;
    double ns, v;

    check("family",
          pf_counter_family_new(reg, "bench_w1_total", "W1.", labels3, &f));
    check("child", pf_counter_with_labels(f, &c, "imap", "plain", "ok", NULL));
    ns = in_workers(procs, inc_loop, c, n);
    /* Counted exactly, in the workers' slots, or the figure means
     * nothing. */
    pf_counter_value(c, &v);
    if (v != (double)procs * (double)n) {
        fprintf(stderr, "pfbench: %s counted %.0f, not %ld\n", workload, v,
                procs * n);
        exit(1);
    }
    result(workload, procs * n, ns / ((double)procs * (double)n),
           procs == 2 ? "processes=2" : "processes=1");
    pf_registry_free(reg);
}

static void touch(void *arg, long n)
{
    (void)n;
    pf_counter_inc(arg);
}

/* w5shared: w5's 100,000 series in a shared registry with 16 worker slots
 * in use (15 workers counted once each), rendered and written n times. */
static void w5_shared(long n)
{
    pf_registry *reg = shared_registry(16, W5_SERIES + 10);
    double create_ms, ms[64], t0;
    pf_family *f;
    pf_counter *c;
    char extra[256];
    long size = 0;
    FILE *file;

    if (n <= 0 || n > 64)
        n = 10;
    check("family",
          pf_counter_family_new(reg, "bench_w5_total", "W5.", labels3, &f));
    check("limit", pf_family_set_max_series(f, 0));
    create_ms = create_series(f, W5_SERIES, 1);
    check("child", pf_counter_with_labels(f, &c, "k0", "v0", "r0", NULL));
    /* 15 workers, one after the other: with the parent, 16 slots used. */
    for (int i = 0; i < 15; i++)
        in_workers(1, touch, c, 1);
    for (long i = 0; i < n; i++) {
        t0 = now_ns();
        check("write", pf_registry_write_textfile(reg, "/dev/shm",
                                                  "pfbench-w5s.prom", 0, 0));
        ms[i] = (now_ns() - t0) / 1e6;
    }
    file = fopen("/dev/shm/pfbench-w5s.prom", "r");
    if (file) {
        fseek(file, 0, SEEK_END);
        size = ftell(file);
        fclose(file);
    }
    unlink("/dev/shm/pfbench-w5s.prom");
    qsort(ms, (size_t)n, sizeof(ms[0]), cmp_double);
    snprintf(extra, sizeof(extra),
             "series=%d slots=16 write_ms_median=%.2f file_bytes=%ld "
             "create_ms=%.1f",
             W5_SERIES, ms[n / 2], size, create_ms);
    result("w5shared", n, ms[n / 2] * 1e6 / W5_SERIES, extra);
    pf_registry_free(reg);
}

/* ---- fork --------------------------------------------------------------- */

/* fork() + _exit() + waitpid() with 0, 1,000 and 10,000 families of one
 * series each registered (issue 12: the fork handlers should cost about
 * the same whatever the number of families). The median of n forks. */
static void fork_cost(long n)
{
    static const long counts[] = {0, 1000, 10000};
    pf_registry *reg;
    double *ms = calloc((size_t)n, sizeof(*ms));

    if (!ms)
        die("calloc", -ENOMEM);
    check("registry", pf_registry_new(&reg));
    for (size_t k = 0, made = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        char extra[64];

        for (; made < (size_t)counts[k]; made++) {
            char name[64];
            pf_counter *c;

            snprintf(name, sizeof(name), "bench_fork_%zu_total", made);
            check("family", pf_counter_new(reg, name, "Fork.", &c));
        }
        for (long i = 0; i < n; i++) {
            double t0 = now_ns();
            pid_t pid = fork();

            if (pid < 0)
                die("fork", -errno);
            if (pid == 0)
                _exit(0);
            waitpid(pid, NULL, 0);
            ms[i] = (now_ns() - t0) / 1e6;
        }
        qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
        snprintf(extra, sizeof(extra), "families=%ld median_ms=%.3f", counts[k],
                 ms[n / 2]);
        result("fork", n, ms[n / 2] * 1e6, extra);
    }
    pf_registry_free(reg);
    free(ms);
}

int main(int argc, char **argv)
{
    const char *w;
    long n;

    if (argc < 2 || argc > 3) {
        fprintf(stderr,
                "usage: pfbench w1|w1floor|w2|w3same|w3diff|w3sharded|w4|"
                "w5|w1shared|w3shared|w5shared|create|fork|latency|"
                "latencyidle|latencynop "
                "[ITERATIONS]\n");
        return 2;
    }
    w = argv[1];
    n = argc == 3 ? atol(argv[2]) : 0;
    if (strcmp(w, "w1") == 0)
        w1(n ? n : 100000000);
    else if (strcmp(w, "w1floor") == 0)
        w1floor(n ? n : 100000000);
    else if (strcmp(w, "w2") == 0)
        w2(n ? n : 20000000);
    else if (strncmp(w, "w3", 2) == 0 &&
             (strcmp(w + 2, "same") == 0 || strcmp(w + 2, "diff") == 0 ||
              strcmp(w + 2, "sharded") == 0))
        w3(w, n ? n : 100000000);
    else if (strcmp(w, "w4") == 0)
        w4(n ? n : 50000000);
    else if (strcmp(w, "w5") == 0)
        w5(n ? n : 10);
    else if (strcmp(w, "w1shared") == 0 || strcmp(w, "w3shared") == 0)
        w_shared(w, n ? n : 100000000);
    else if (strcmp(w, "w5shared") == 0)
        w5_shared(n ? n : 10);
    else if (strcmp(w, "fork") == 0)
        fork_cost(n ? n : 101);
    else if (strcmp(w, "create") == 0)
        create(n ? n : 1000000);
    else if (strcmp(w, "latency") == 0)
        latency(n ? n : 10000000, 1, 1);
    else if (strcmp(w, "latencyidle") == 0)
        latency(n ? n : 10000000, 0, 1);
    else if (strcmp(w, "latencynop") == 0)
        latency(n ? n : 10000000, 1, 0);
    else {
        fprintf(stderr, "pfbench: unknown workload %s\n", w);
        return 2;
    }
    return 0;
}
