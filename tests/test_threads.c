/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: threads update bound handles, look series up, create new
 * series and register families while another thread renders in a loop.
 * Every render must be well-formed and self-consistent, and the final
 * counts exact. Run under ThreadSanitizer in CI (--enable-sanitizers=thread)
 * to prove the MT-Safe claims of promfile.h. And updates never wait for
 * the writer: every kind of update completes while a writer is frozen in
 * the middle of writing the file, and while a render holds its lock.
 */
#include "pf-test.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define WORKERS 3
#define ITERATIONS 100000
#define CREATE_EVERY 64

typedef struct shared {
    pf_registry *reg;
    pf_counter *bound;
    pf_gauge *level;
    pf_histogram *latency;
    pf_family *created;
    pf_family *lookups;
    pf_family *churn;
    pthread_barrier_t start;
    _Atomic int running;
    unsigned long renders;
} shared;

typedef struct worker {
    shared *sh;
    int id;
} worker;

/* The bound counter, gauge and histogram both tests update. */
static void make_bound(pf_registry *reg, pf_counter **bound, pf_gauge **level,
                       pf_histogram **latency)
{
    assert_int_equal(pf_counter_new(reg, "t_bound_total", "Bound.", bound), 0);
    assert_int_equal(pf_gauge_new(reg, "t_level", "Level.", level), 0);
    assert_int_equal(
        pf_histogram_new(reg, "t_latency_seconds", "Lat.", NULL, 0, latency),
        0);
}

static void *work(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    char id[16], n[16], name[64];

    snprintf(id, sizeof(id), "w%d", w->id);
    /* Registration races with the renderer and with the other workers. */
    snprintf(name, sizeof(name), "t_worker%d_started_total", w->id);
    assert_int_equal(
        pf_counter_new(sh->reg, name, "Started.", &(pf_counter *){NULL}), 0);
    pthread_barrier_wait(&sh->start);
    for (int i = 0; i < ITERATIONS; i++) {
        assert_int_equal(pf_counter_inc(sh->bound), 0);
        assert_int_equal(pf_gauge_add(sh->level, 1.0), 0);
        assert_int_equal(pf_histogram_observe(sh->latency, 0.5), 0);
        /* Existing series, found without a lock. */
        assert_int_equal(
            pf_counter_inc_labels(sh->lookups, i % 2 ? "odd" : "even", NULL),
            0);
        if (i % CREATE_EVERY == 0) {
            snprintf(n, sizeof(n), "%d", i);
            assert_int_equal(pf_counter_inc_labels(sh->created, id, n, NULL),
                             0);
            /* Delete and revive, racing with the renderer. */
            assert_int_equal(pf_gauge_set_labels(sh->churn, i, id, NULL), 0);
            assert_int_equal(pf_family_delete_labels(sh->churn, id, NULL), 0);
        }
    }
    return NULL;
}

/* Parse one render and check it: every histogram's +Inf bucket equals its
 * _count and the buckets are cumulative; the bound counter never goes
 * back. */
static void check_render(const char *text, uint64_t *last_bound)
{
    uint64_t prev = 0, inf = UINT64_MAX, count = 0, bound = 0;
    const char *line = text;
    bool in_hist = false;

    while (*line) {
        const char *end = strchr(line, '\n');
        char buf[256];
        size_t n;

        assert_non_null(end);
        n = (size_t)(end - line);
        if (n >= sizeof(buf))
            n = sizeof(buf) - 1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        if (strncmp(buf, "t_latency_seconds_bucket{", 25) == 0) {
            uint64_t v;

            assert_int_equal(sscanf(strrchr(buf, ' '), " %" SCNu64, &v), 1);
            if (!in_hist)
                prev = 0;
            in_hist = true;
            assert_true(v >= prev);
            prev = v;
            if (strstr(buf, "le=\"+Inf\""))
                inf = v;
        } else if (strncmp(buf, "t_latency_seconds_count ", 24) == 0) {
            assert_int_equal(sscanf(buf + 24, "%" SCNu64, &count), 1);
            assert_int_equal(count, inf);
            in_hist = false;
        } else if (strncmp(buf, "t_bound_total ", 14) == 0) {
            assert_int_equal(sscanf(buf + 14, "%" SCNu64, &bound), 1);
        }
        line = end + 1;
    }
    assert_true(bound >= *last_bound);
    *last_bound = bound;
}

static void *render_loop(void *arg)
{
    shared *sh = arg;
    uint64_t last_bound = 0;

    pthread_barrier_wait(&sh->start);
    do {
        char *text = render_text(sh->reg);

        check_render(text, &last_bound);
        free(text);
        sh->renders++;
    } while (atomic_load(&sh->running));
    return NULL;
}

static void threads_update_create_and_render(void **state)
{
    static const char *const two[] = {"worker", "n", NULL};
    static const char *const parity[] = {"parity", NULL};
    static const char *const one[] = {"worker", NULL};
    pthread_t threads[WORKERS], renderer;
    worker w[WORKERS];
    shared sh = {.reg = *state};
    double v;
    char *text;

    atomic_init(&sh.running, 1);
    make_bound(sh.reg, &sh.bound, &sh.level, &sh.latency);
    assert_int_equal(pf_counter_family_new(sh.reg, "t_created_total",
                                           "Created.", two, &sh.created),
                     0);
    assert_int_equal(pf_counter_family_new(sh.reg, "t_lookups_total",
                                           "Lookups.", parity, &sh.lookups),
                     0);
    assert_int_equal(
        pf_gauge_family_new(sh.reg, "t_churn", "Churn.", one, &sh.churn), 0);
    assert_int_equal(pf_counter_inc_labels(sh.lookups, "odd", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(sh.lookups, "even", NULL), 0);
    assert_int_equal(pthread_barrier_init(&sh.start, NULL, WORKERS + 1), 0);

    assert_int_equal(pthread_create(&renderer, NULL, render_loop, &sh), 0);
    for (int i = 0; i < WORKERS; i++) {
        w[i].sh = &sh;
        w[i].id = i;
        assert_int_equal(pthread_create(&threads[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    atomic_store(&sh.running, 0);
    assert_int_equal(pthread_join(renderer, NULL), 0);
    pthread_barrier_destroy(&sh.start);
    print_message("# %lu renders during the run\n", sh.renders);
    assert_true(sh.renders >= 1);

    /* Exact totals: nothing lost, nothing counted twice. */
    assert_int_equal(pf__counter_count((pf_series *)(void *)sh.bound),
                     (uint64_t)WORKERS * ITERATIONS);
    assert_int_equal(pf_gauge_value(sh.level, &v), 0);
    assert_true(v == (double)WORKERS * ITERATIONS);
    text = render_text(sh.reg);
    {
        char want[128];

        snprintf(want, sizeof(want), "\nt_latency_seconds_count %d\n",
                 WORKERS * ITERATIONS);
        assert_non_null(strstr(text, want));
        snprintf(want, sizeof(want), "\nt_latency_seconds_sum %d\n",
                 WORKERS * ITERATIONS / 2);
        assert_non_null(strstr(text, want));
        snprintf(want, sizeof(want), "t_lookups_total{parity=\"odd\"} %d\n",
                 1 + WORKERS * ITERATIONS / 2);
        assert_non_null(strstr(text, want));
    }
    /* Every created series exists once with the value 1. */
    assert_int_equal(pf__family_nseries(sh.created),
                     WORKERS *
                         ((ITERATIONS + CREATE_EVERY - 1) / CREATE_EVERY));
    for (size_t i = 0; i < pf__family_nseries(sh.created); i++)
        assert_int_equal(pf__counter_count(pf__family_series_at(sh.created, i)),
                         1);
    /* Every worker's family got registered exactly once. */
    for (int i = 0; i < WORKERS; i++) {
        char name[64];

        snprintf(name, sizeof(name), "\nt_worker%d_started_total 0\n", i);
        assert_non_null(strstr(text, name));
    }
    free(text);
}

static void *register_same(void *arg)
{
    pf_registry *reg = arg;
    pf_family *f = NULL;

    assert_int_equal(pf_gauge_family_new(reg, "t_same", "Same.", NULL, &f), 0);
    return f;
}

static void threads_register_the_same_family_once(void **state)
{
    pthread_t t[4];
    void *got[4];

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, register_same, *state), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], &got[i]), 0);
    for (int i = 1; i < 4; i++)
        assert_ptr_equal(got[0], got[i]);
}

/* ---- Updates never wait for the writer --------------------------------- */

static pf_sys real_sys;
static sem_t in_write, let_go;
static atomic_int freeze_next;

/* The writer's write(2): the first call announces that the file is being
 * written, then waits to be let go, holding whatever a writer holds while
 * it writes. */
static long frozen_write(int fd, const void *buf, size_t n)
{
    if (atomic_exchange(&freeze_next, 0)) {
        sem_post(&in_write);
        while (sem_wait(&let_go) < 0 && errno == EINTR)
            ;
    }
    return real_sys.write(fd, buf, n);
}

typedef struct updater {
    pf_registry *reg;
    pf_counter *bound;
    pf_gauge *level;
    pf_histogram *latency;
    pf_family *requests;
    int round;
    sem_t done;
} updater;

/* Every kind of update a program makes: bound handles, series looked up,
 * created, deleted and revived, and a family registered. */
static void *update_everything(void *arg)
{
    updater *u = arg;
    char name[64], value[16];
    pf_counter *c;

    assert_int_equal(pf_counter_inc(u->bound), 0);
    assert_int_equal(pf_gauge_set(u->level, u->round), 0);
    assert_int_equal(pf_histogram_observe(u->latency, 0.5), 0);
    assert_int_equal(pf_counter_inc_labels(u->requests, "old", NULL), 0);
    snprintf(value, sizeof(value), "new%d", u->round);
    assert_int_equal(pf_counter_inc_labels(u->requests, value, NULL), 0);
    assert_int_equal(pf_family_delete_labels(u->requests, "gone", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(u->requests, "gone", NULL), 0);
    snprintf(name, sizeof(name), "t_nowait_round%d_total", u->round);
    assert_int_equal(pf_counter_new(u->reg, name, "Round.", &c), 0);
    assert_int_equal(pf_counter_inc(c), 0);
    sem_post(&u->done);
    return NULL;
}

/* Run update_everything() in a thread of its own and wait for it. Should
 * it block, the wait gives up after a minute (no timing is measured: a
 * minute only turns a hang into a failure). */
static void update_in_thread(updater *u)
{
    struct timespec deadline;
    pthread_t t;
    int r;

    assert_int_equal(pthread_create(&t, NULL, update_everything, u), 0);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 60;
    while ((r = sem_timedwait(&u->done, &deadline)) < 0 && errno == EINTR)
        ;
    assert_int_equal(r, 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    u->round++;
}

static void *flush_writer(void *arg)
{
    return (void *)(intptr_t)pf_writer_flush(arg);
}

static void threads_updates_never_wait_for_the_writer(void **state)
{
    static const char *const path[] = {"path", NULL};
    updater u = {.reg = *state};
    char dir[] = "/tmp/pf-nowait-XXXXXX", file[64], *text;
    pf_config *cfg;
    pf_writer *w;
    pthread_t flusher;
    void *flushed;

    make_bound(u.reg, &u.bound, &u.level, &u.latency);
    assert_int_equal(pf_counter_family_new(u.reg, "t_requests_total",
                                           "Requests.", path, &u.requests),
                     0);
    assert_int_equal(pf_counter_inc_labels(u.requests, "old", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(u.requests, "gone", NULL), 0);
    assert_int_equal(sem_init(&u.done, 0, 0), 0);
    assert_int_equal(sem_init(&in_write, 0, 0), 0);
    assert_int_equal(sem_init(&let_go, 0, 0), 0);

    /* A writer that only writes when flushed. Its start writes once, in
     * this thread; its own thread sleeps for the hour. */
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pf_config_new(&cfg), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", dir, NULL), 0);
    assert_int_equal(
        pf_config_set(cfg, "textfile", "file", "nowait.prom", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "interval", "1h", NULL), 0);
    assert_int_equal(pf_writer_start(u.reg, cfg, &w), 0);
    pf_config_free(cfg);

    /* 1. The writer frozen in write(2), with the file half written. */
    real_sys = pf__sys;
    pf__sys.write = frozen_write;
    atomic_store(&freeze_next, 1);
    assert_int_equal(pthread_create(&flusher, NULL, flush_writer, w), 0);
    while (sem_wait(&in_write) < 0 && errno == EINTR)
        ;
    update_in_thread(&u);

    /* 2. A render under way: its lock held, as while the file's text is
     * made. */
    pthread_mutex_lock(&u.reg->render_mu);
    update_in_thread(&u);
    pthread_mutex_unlock(&u.reg->render_mu);

    /* The frozen write goes on and succeeds; the next one has every
     * update. */
    sem_post(&let_go);
    assert_int_equal(pthread_join(flusher, &flushed), 0);
    assert_int_equal((intptr_t)flushed, 0);
    pf__sys = real_sys;
    assert_int_equal(pf_writer_flush(w), 0);
    snprintf(file, sizeof(file), "%s/nowait.prom", dir);
    text = read_file(file);
    assert_non_null(strstr(text, "\nt_bound_total 2\n"));
    assert_non_null(strstr(text, "\nt_level 1\n"));
    assert_non_null(strstr(text, "\nt_latency_seconds_count 2\n"));
    assert_non_null(strstr(text, "t_requests_total{path=\"old\"} 3\n"));
    assert_non_null(strstr(text, "t_requests_total{path=\"new0\"} 1\n"));
    assert_non_null(strstr(text, "t_requests_total{path=\"new1\"} 1\n"));
    assert_non_null(strstr(text, "t_requests_total{path=\"gone\"} 1\n"));
    assert_non_null(strstr(text, "\nt_nowait_round0_total 1\n"));
    assert_non_null(strstr(text, "\nt_nowait_round1_total 1\n"));
    free(text);
    assert_int_equal(pf_writer_stop(w), 0);
    sem_destroy(&u.done);
    sem_destroy(&in_write);
    sem_destroy(&let_go);
    test_remove_tree(dir);
}

#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, registry_setup, registry_teardown)

/* ---- fork() (issue 12, item 12) ------------------------------------------ */

/* AddressSanitizer's allocator before LLVM 17 (GCC 12's, clang 14's) is
 * not locked around fork(): a child forked while another thread is inside
 * malloc() or free() can hang at its next allocation, in the runtime
 * (google/sanitizers#1814). glibc's malloc is locked around fork(); under
 * ASan the churning thread holds churn_mu around each round, fork() waits
 * for the round to end, and the forks catch the library between calls
 * only. The other builds fork in the middle of them. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_FORK_GUARD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_FORK_GUARD 1
#endif
#endif
#ifdef ASAN_FORK_GUARD
static pthread_mutex_t churn_mu = PTHREAD_MUTEX_INITIALIZER;
static void churn_lock(void)
{
    pthread_mutex_lock(&churn_mu);
}
static void churn_unlock(void)
{
    pthread_mutex_unlock(&churn_mu);
}
#else
static void churn_lock(void)
{
}
static void churn_unlock(void)
{
}
#endif

typedef struct churner {
    pf_registry *reg;
    pf_family *fam;
    _Atomic int stop;
    _Atomic unsigned long rounds;
    _Atomic unsigned errors;
} churner;

/* Create and delete series, register families and render without a
 * pause: whatever fork() catches this thread doing, the child must find
 * every lock free and every structure whole. The series come and go
 * among 1024, so that the family never reaches its limit however slowly
 * the forks go (under ASan they are slow), and only the first error is
 * printed. */
static void *churn(void *arg)
{
    churner *c = arg;
    unsigned long i = 0;

    while (!atomic_load(&c->stop)) {
        char v[32], name[64], *text = NULL;

        churn_lock();
        snprintf(v, sizeof(v), "%lu", i % 1024);
        snprintf(name, sizeof(name), "t_fork_%lu_total", i % 500);
        /* cmocka cannot fail a test from another thread: count. */
        if (pf_counter_inc_labels(c->fam, v, NULL) != 0 ||
            (i % 2 && pf_family_delete_labels(c->fam, v, NULL) != 0) ||
            pf_counter_family_new(c->reg, name, "F.", NULL, NULL) != 0 ||
            (i % 16 == 0 && pf_registry_render(c->reg, &text, NULL) != 0)) {
            if (atomic_fetch_add(&c->errors, 1) == 0)
                fprintf(stderr, "churn: %s\n", pf_last_error());
        }
        free(text);
        churn_unlock();
        i++;
        atomic_store(&c->rounds, i);
    }
    return NULL;
}

/* In the child: create, delete, register, render. 0 when all work, else
 * a bit for each step that failed. */
static int child_uses_registry(churner *c)
{
    pf_counter *own = NULL;
    char *text = NULL;
    int bad = 0;

    bad |= (pf_counter_inc_labels(c->fam, "child", NULL) != 0) << 0;
    bad |= (pf_family_delete_labels(c->fam, "child", NULL) != 0) << 1;
    bad |= (pf_counter_new(c->reg, "t_child_total", "C.", &own) != 0 ||
            pf_counter_inc(own) != 0)
           << 2;
    bad |= (pf_registry_render(c->reg, &text, NULL) != 0) << 3;
    bad |= (!text || !strstr(text, "\nt_child_total 1\n")) << 4;
    free(text);
    return bad;
}

static void threads_fork_while_creating(void **state)
{
    static const char *const labels[] = {"n", NULL};
    churner c = {.reg = *state};
    pthread_t t;

    assert_int_equal(
        pf_counter_family_new(c.reg, "t_churn_total", "C.", labels, &c.fam), 0);
#ifdef ASAN_FORK_GUARD
    assert_int_equal(pthread_atfork(churn_lock, churn_unlock, churn_unlock), 0);
#endif
    assert_int_equal(pthread_create(&t, NULL, churn, &c), 0);
    for (int i = 0; i < 50; i++) {
        int status, fds[2];
        unsigned char bad = 0xff;
        pid_t pid;
        unsigned long seen = atomic_load(&c.rounds);

        /* Fork in the middle of the churn, not before it started. */
        while (atomic_load(&c.rounds) == seen)
            sched_yield();
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* The child says how it went through the pipe and dies by
             * SIGKILL, not exit(): a leak checker at exit (valgrind's,
             * LeakSanitizer's) would count the blocks that only the
             * churning thread, gone in the child, pointed to. */
            unsigned char r = (unsigned char)child_uses_registry(&c);

            close(fds[0]);
            if (write(fds[1], &r, 1) != 1)
                _exit(1);
            raise(SIGKILL);
            _exit(1);
        }
        close(fds[1]);
        if (read(fds[0], &bad, 1) != 1)
            bad = 0xff;
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (bad != 0 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            atomic_store(&c.stop, 1);
            pthread_join(t, NULL);
            fail_msg("child %d: result 0x%x, status 0x%x", i, bad, status);
        }
    }
    atomic_store(&c.stop, 1);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(atomic_load(&c.errors), 0);
}

/* Minor page faults the child of a fork() has taken when fork() returns
 * in it: what the fork handlers touched there. */
static long child_faults(void)
{
    int fds[2], status;
    long faults = -1;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rusage ru;
        long n;

        getrusage(RUSAGE_SELF, &ru);
        n = ru.ru_minflt;
        _exit(write(fds[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
    }
    assert_int_equal(read(fds[0], &faults, sizeof(faults)),
                     (ssize_t)sizeof(faults));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    close(fds[1]);
    return faults;
}

/* The fork handlers touch no family: with 20,000 families the child of a
 * fork() takes no more page faults getting there than with none. Unlocking
 * a mutex in each family (as the handlers once did) took one fault per
 * page of families, over 1,000 here. A count, not a time: the same on any
 * machine, under any sanitizer (the baseline takes their own faults). */
static void threads_fork_cost_does_not_grow_with_families(void **state)
{
    pf_registry *reg = *state;
    long base, many;

    /* Each the lower of two: a stray fault (a page of the stack) is not
     * the handlers'. */
    base = child_faults();
    many = child_faults();
    base = many < base ? many : base;
    for (int i = 0; i < 20000; i++) {
        char name[64];
        pf_counter *ctr;

        snprintf(name, sizeof(name), "t_many_%d_total", i);
        assert_int_equal(pf_counter_new(reg, name, "M.", &ctr), 0);
    }
    many = child_faults();
    {
        long again = child_faults();

        many = again < many ? again : many;
    }
    print_message("child page faults after fork(): %ld with no family, %ld "
                  "with 20,000\n",
                  base, many);
    assert_true(many < base + 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(threads_update_create_and_render),
        T(threads_register_the_same_family_once),
        T(threads_updates_never_wait_for_the_writer),
        T(threads_fork_while_creating),
        T(threads_fork_cost_does_not_grow_with_families),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
