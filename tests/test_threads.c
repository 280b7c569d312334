/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: threads update bound handles, look series up, create new
 * series and register families while another thread renders in a loop.
 * Every render must be well-formed and self-consistent, and the final
 * counts exact. Run under ThreadSanitizer in CI (--enable-sanitizers=thread)
 * to prove the MT-Safe claims of promfile.h.
 */
#include "pf-test.h"

#include <inttypes.h>
#include <pthread.h>

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

static void *work(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    char id[16], n[16], name[64];

    snprintf(id, sizeof(id), "w%d", w->id);
    /* Registration races with the renderer and with the other workers. */
    snprintf(name, sizeof(name), "t_worker%d_started_total", w->id);
    assert_int_equal(pf_counter_new(sh->reg, name, "Started.",
                                    &(pf_counter *){NULL}),
                     0);
    pthread_barrier_wait(&sh->start);
    for (int i = 0; i < ITERATIONS; i++) {
        assert_int_equal(pf_counter_inc(sh->bound), 0);
        assert_int_equal(pf_gauge_add(sh->level, 1.0), 0);
        assert_int_equal(pf_histogram_observe(sh->latency, 0.5), 0);
        /* Existing series, found without a lock. */
        assert_int_equal(pf_counter_inc_labels(sh->lookups,
                                               i % 2 ? "odd" : "even", NULL),
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
    assert_int_equal(pf_counter_new(sh.reg, "t_bound_total", "Bound.",
                                    &sh.bound),
                     0);
    assert_int_equal(pf_gauge_new(sh.reg, "t_level", "Level.", &sh.level), 0);
    assert_int_equal(pf_histogram_new(sh.reg, "t_latency_seconds", "Lat.",
                                      NULL, 0, &sh.latency),
                     0);
    assert_int_equal(pf_counter_family_new(sh.reg, "t_created_total",
                                           "Created.", two, &sh.created),
                     0);
    assert_int_equal(pf_counter_family_new(sh.reg, "t_lookups_total",
                                           "Lookups.", parity, &sh.lookups),
                     0);
    assert_int_equal(pf_gauge_family_new(sh.reg, "t_churn", "Churn.", one,
                                         &sh.churn),
                     0);
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
    assert_int_equal(atomic_load(&((pf_series *)(void *)sh.bound)->a),
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
    assert_int_equal(atomic_load(&sh.created->nseries),
                     WORKERS * ((ITERATIONS + CREATE_EVERY - 1) /
                                CREATE_EVERY));
    for (size_t i = 0; i < atomic_load(&sh.created->nseries); i++)
        assert_int_equal(
            atomic_load(&pf__family_series_at(sh.created, i)->a), 1);
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
        assert_int_equal(pthread_create(&t[i], NULL, register_same, *state),
                         0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], &got[i]), 0);
    for (int i = 1; i < 4; i++)
        assert_ptr_equal(got[0], got[i]);
}

#define T(name)                                                             \
    cmocka_unit_test_setup_teardown(name, registry_setup, registry_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(threads_update_create_and_render),
        T(threads_register_the_same_family_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
