/* SPDX-License-Identifier: MIT */
/*
 * authdemo: a small daemon that simulates authentication attempts and
 * keeps their counts in a node_exporter textfile.
 *
 *   authdemo -c FILE.ini [-d SECONDS] [-t THREADS] [-w WORKERS]
 *
 * THREADS threads (default 2; 0: the main thread alone) count random
 * attempts with auth_metrics, some of them refused by a rate limit, while
 * the writer configured by FILE.ini (promfile.conf(5)) rewrites the file
 * every interval. After SECONDS (default: until SIGINT or SIGTERM) it
 * stops the writer, which writes a last time, and exits 0. A bad ini file
 * is reported with its line and exit status 1.
 *
 * With -w, it is a pre-fork daemon, as a mail server is: the master makes
 * a shared registry (the [shared] section of FILE.ini sets its limits),
 * forks WORKERS workers that count with THREADS threads each, and writes
 * the one file of their totals (libpromfile(7), "Pre-fork daemons").
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <promfile.h>

#include "auth_metrics.h"

static atomic_bool stop;

static size_t count(const char *const *list)
{
    size_t n = 0;

    while (list[n])
        n++;
    return n;
}

/* One simulated attempt, mostly successful, sometimes with a bad
 * password, now and then rate-limited. */
static void attempt(unsigned *seed)
{
    size_t nk = count(auth_kinds), nv = count(auth_variants);
    size_t nr = count(auth_results);
    const char *kind = auth_kinds[(size_t)rand_r(seed) % nk];
    int dice = rand_r(seed) % 100;

    if (dice < 3) {
        authentication_ratelimited_inc(kind);
    } else {
        const char *result =
            dice < 75 ? "ok" : auth_results[(size_t)rand_r(seed) % nr];

        authentication_inc(kind, auth_variants[(size_t)rand_r(seed) % nv],
                           result);
    }
}

static const struct timespec pause_1ms = {0, 1000000};

/* One simulated client thread: an attempt about every millisecond. */
static void *client(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;

    while (!atomic_load(&stop)) {
        attempt(&seed);
        nanosleep(&pause_1ms, NULL);
    }
    return NULL;
}

/* -t 0: the calling thread is the one client, and looks for a signal
 * after each attempt; for `seconds` if not 0. */
static void count_here(long seconds, sigset_t *sigs)
{
    const struct timespec zero = {0, 0};
    unsigned seed = (unsigned)getpid();
    struct timespec end, now;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += seconds;
    for (;;) {
        attempt(&seed);
        nanosleep(&pause_1ms, NULL);
        if (sigtimedwait(sigs, NULL, &zero) >= 0)
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds > 0 &&
            (now.tv_sec > end.tv_sec ||
             (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)))
            return;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: authdemo -c FILE.ini [-d SECONDS] [-t THREADS] "
               "[-w WORKERS]\n");
}

/* Count with `threads` client threads until SIGINT or SIGTERM (blocked:
 * taken by sigwait()), or for `seconds` if not 0; with none, in this
 * thread. */
static int count_until_told(long threads, long seconds, sigset_t *sigs)
{
    pthread_t *tids;

    if (threads == 0) {
        count_here(seconds, sigs);
        return 0;
    }
    tids = calloc((size_t)threads, sizeof(*tids));
    if (!tids)
        return -1;
    for (long i = 0; i < threads; i++)
        if (pthread_create(&tids[i], NULL, client,
                           (void *)(uintptr_t)(getpid() * 1000 + i + 1)) != 0) {
            fprintf(stderr, "authdemo: cannot start a thread\n");
            return -1;
        }
    if (seconds > 0) {
        struct timespec t = {seconds, 0};

        while (sigtimedwait(sigs, NULL, &t) < 0 && errno == EINTR)
            ;
    } else {
        int sig;

        sigwait(sigs, &sig);
    }
    atomic_store(&stop, true);
    for (long i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    return 0;
}

/* The pre-fork daemon of -w: a shared registry, `workers` workers, one
 * file written by the master. */
static int prefork(const char *ini, long workers, long threads, long seconds,
                   sigset_t *sigs)
{
    pf_registry *reg;
    pf_config *cfg;
    pf_writer *w;
    pf_error err;
    pid_t *pids;
    int r;

    r = pf_config_new(&cfg);
    if (r == 0)
        r = pf_config_load(cfg, ini, &err);
    if (r < 0) {
        fprintf(stderr, "authdemo: %s:%u: %s\n", err.source, err.line,
                err.text);
        return 1;
    }
    r = pf_registry_new_shared(cfg, &reg);
    if (r == 0)
        r = auth_metrics_init(reg);
    if (r == 0)
        r = auth_metrics_create_all();
    if (r == 0)
        r = pf_writer_start(reg, cfg, &w);
    pf_config_free(cfg);
    if (r < 0) {
        fprintf(stderr, "authdemo: %s\n", pf_last_error());
        return 1;
    }
    pids = calloc((size_t)workers, sizeof(*pids));
    if (!pids)
        return 1;
    for (long i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            fprintf(stderr, "authdemo: fork: %s\n", strerror(errno));
            return 1;
        }
        /* A worker: the registry and its handles are its too; it counts
         * until the master stops it. */
        if (pids[i] == 0)
            exit(count_until_told(threads, 0, sigs) < 0);
    }
    if (seconds > 0) {
        struct timespec t = {seconds, 0};

        while (sigtimedwait(sigs, NULL, &t) < 0 && errno == EINTR)
            ;
    } else {
        int sig;

        sigwait(sigs, &sig);
    }
    for (long i = 0; i < workers; i++)
        kill(pids[i], SIGTERM);
    for (long i = 0; i < workers; i++)
        waitpid(pids[i], NULL, 0);
    free(pids);
    /* The last write has every worker's counts. */
    r = pf_writer_stop(w);
    pf_registry_free(reg);
    if (r < 0) {
        fprintf(stderr, "authdemo: last write failed: %s\n", pf_strerror(r));
        return 1;
    }
    return 0;
}

static long number(const char *s, const char *what, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "authdemo: %s must be a number from %ld to %ld\n", what,
                min, max);
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *ini = NULL;
    long seconds = 0, threads = 2, workers = 0;
    sigset_t sigs;
    pf_writer *w;
    pf_error err;
    int opt, r;

    while ((opt = getopt(argc, argv, "c:d:t:w:h")) != -1) {
        switch (opt) {
        case 'c':
            ini = optarg;
            break;
        case 'd':
            seconds = number(optarg, "SECONDS", 1, INT_MAX);
            break;
        case 't':
            threads = number(optarg, "THREADS", 0, 256);
            break;
        case 'w':
            workers = number(optarg, "WORKERS", 1, 1024);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (!ini || optind != argc) {
        usage(stderr);
        return 1;
    }

    /* Signals are taken by sigwait() in main only. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    if (workers)
        return prefork(ini, workers, threads, seconds, &sigs);

    r = auth_metrics_init(NULL);
    if (r == 0)
        r = auth_metrics_create_all();
    if (r < 0) {
        fprintf(stderr, "authdemo: metrics: %s\n", pf_last_error());
        return 1;
    }
    r = pf_writer_start_ini(NULL, ini, &err, &w);
    if (r < 0) {
        if (err.line)
            fprintf(stderr, "authdemo: %s:%u: %s\n", err.source, err.line,
                    err.text);
        else
            fprintf(stderr, "authdemo: %s: %s\n", ini, err.text);
        return 1;
    }
    if (pf_writer_last_error(w) < 0)
        fprintf(stderr,
                "authdemo: writing the textfile failed: %s (will "
                "retry)\n",
                pf_strerror(pf_writer_last_error(w)));

    if (count_until_told(threads, seconds, &sigs) < 0)
        return 1;
    r = pf_writer_stop(w);
    if (r < 0) {
        fprintf(stderr, "authdemo: last write failed: %s\n", pf_strerror(r));
        return 1;
    }
    return 0;
}
