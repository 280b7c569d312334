/* SPDX-License-Identifier: MIT */
#include "pf-test.h"

#include <math.h>
#include <pthread.h>

/* The exact integer part of a counter, which pf_counter_value() cannot
 * show past 2^53. */
static uint64_t exact(pf_counter *c)
{
    return pf__counter_count((pf_series *)(void *)c);
}

static double value(pf_counter *c)
{
    double v = -1;

    assert_int_equal(pf_counter_value(c, &v), 0);
    return v;
}

static void counter_starts_at_zero_and_counts(void **state)
{
    pf_counter *c;

    assert_int_equal(pf_counter_new(*state, "c_events_total", "Events.", &c),
                     0);
    assert_true(value(c) == 0);
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(pf_counter_add(c, 40), 0);
    assert_true(value(c) == 42);
    assert_int_equal(exact(c), 42);
}

static void counter_add_fraction_is_kept_apart(void **state)
{
    pf_counter *c;
    char *text;

    assert_int_equal(pf_counter_new(*state, "c_cpu_seconds_total", "CPU.", &c),
                     0);
    assert_int_equal(pf_counter_add(c, 3), 0);
    assert_int_equal(pf_counter_add(c, 0.5), 0);
    assert_int_equal(pf_counter_add(c, 0.25), 0);
    /* The integer part stays exact; the fraction is summed on the side. */
    assert_int_equal(exact(c), 3);
    assert_true(value(c) == 3.75);
    text = render_text(*state);
    assert_string_equal(text, "# HELP c_cpu_seconds_total CPU.\n"
                              "# TYPE c_cpu_seconds_total counter\n"
                              "c_cpu_seconds_total 3.75\n");
    free(text);
}

static void counter_add_refuses_negative_and_nan(void **state)
{
    pf_counter *c;

    assert_int_equal(pf_counter_new(*state, "c_x_total", "X.", &c), 0);
    assert_int_equal(pf_counter_add(c, -1.0), -EINVAL);
    assert_int_equal(pf_counter_add(c, -0.001), -EINVAL);
    assert_int_equal(pf_counter_add(c, -INFINITY), -EINVAL);
    assert_int_equal(pf_counter_add(c, NAN), -EINVAL);
    assert_true(value(c) == 0);
    /* Zero and +Inf are not decreases. */
    assert_int_equal(pf_counter_add(c, 0.0), 0);
    assert_int_equal(pf_counter_add(c, INFINITY), 0);
    assert_true(isinf(value(c)));
}

static void counter_is_exact_past_2_to_53(void **state)
{
    pf_counter *c;
    char *text;

    assert_int_equal(pf_counter_new(*state, "c_big_total", "Big.", &c), 0);
    assert_int_equal(pf_counter_add_u64(c, 9007199254740992ULL), 0);
    /* A double would lose this increment. */
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(exact(c), 9007199254740993ULL);
    /* Whole doubles up to 2^64 go to the exact part too. */
    assert_int_equal(pf_counter_add(c, 9007199254740992.0), 0);
    assert_int_equal(exact(c), 18014398509481985ULL);
    text = render_text(*state);
    assert_non_null(strstr(text, "\nc_big_total 18014398509481985\n"));
    free(text);
}

static void counter_renders_2_to_64_minus_1(void **state)
{
    pf_counter *c;
    char *text;

    assert_int_equal(pf_counter_new(*state, "c_max_total", "Max.", &c), 0);
    assert_int_equal(pf_counter_add_u64(c, UINT64_MAX), 0);
    text = render_text(*state);
    assert_non_null(strstr(text, "\nc_max_total 18446744073709551615\n"));
    free(text);
    /* One more wraps to zero, which Prometheus reads as a counter reset. */
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(exact(c), 0);
}

static void counter_add_huge_double_goes_to_float_part(void **state)
{
    pf_counter *c;

    assert_int_equal(pf_counter_new(*state, "c_huge_total", "Huge.", &c), 0);
    assert_int_equal(pf_counter_add(c, 1e30), 0);
    assert_int_equal(exact(c), 0);
    assert_true(value(c) == 1e30);
}

static void counter_null_handles_are_refused(void **state)
{
    double v;

    UNUSED(state);
    assert_int_equal(pf_counter_inc(NULL), -EINVAL);
    assert_int_equal(pf_counter_add(NULL, 1), -EINVAL);
    assert_int_equal(pf_counter_add_u64(NULL, 1), -EINVAL);
    assert_int_equal(pf_counter_value(NULL, &v), -EINVAL);
    assert_int_equal(pf_counter_inc_labels(NULL, "a", NULL), -EINVAL);
    assert_int_equal(pf_counter_new(NULL, "c_x_total", "X.", NULL), -EINVAL);
}

static void counter_new_twice_gives_same_handle(void **state)
{
    pf_counter *a, *b;

    assert_int_equal(pf_counter_new(*state, "c_same_total", "Same.", &a), 0);
    assert_int_equal(pf_counter_new(*state, "c_same_total", "Same.", &b), 0);
    assert_ptr_equal(a, b);
    /* Same name, other help: a conflict, not a twin. */
    assert_int_equal(pf_counter_new(*state, "c_same_total", "Other.", &b),
                     -EEXIST);
}

static const char *const auth_labels[] = {"kind", "variant", "result", NULL};

static void counter_labels_find_the_same_series(void **state)
{
    static const char *const v[] = {"imap", "plain", "ok"};
    pf_counter *a, *b, *c;
    pf_family *f;

    assert_int_equal(
        pf_counter_family_new(*state, "c_auth_total", "Auth.", auth_labels, &f),
        0);
    assert_int_equal(pf_counter_with_labels(f, &a, "imap", "plain", "ok", NULL),
                     0);
    assert_int_equal(pf_counter_with(f, v, &b), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(
        pf_counter_with_labels(f, &c, "imap", "plain", "error", NULL), 0);
    assert_ptr_not_equal(a, c);
    assert_int_equal(pf_counter_inc_labels(f, "imap", "plain", "ok", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 2, "imap", "plain", "ok", NULL),
                     0);
    assert_true(value(a) == 3);
    assert_true(value(c) == 0);
}

static void counter_labels_need_exactly_one_value_each(void **state)
{
    pf_family *f;
    pf_counter *c = NULL;
    char *text;

    assert_int_equal(
        pf_counter_family_new(*state, "c_auth_total", "Auth.", auth_labels, &f),
        0);
    assert_int_equal(pf_counter_inc_labels(f, "imap", "plain", NULL), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "has 3 labels but got 2"));
    assert_int_equal(
        pf_counter_inc_labels(f, "imap", "plain", "ok", "extra", NULL),
        -EINVAL);
    assert_non_null(strstr(pf_last_error(), "more values"));
    assert_int_equal(pf_counter_with_labels(f, &c, NULL), -EINVAL);
    assert_null(c);
    assert_int_equal(pf_counter_with(f, NULL, &c), -EINVAL);
    assert_null(c);
    assert_int_equal(pf_counter_add_labels(f, -1, "a", "b", "c", NULL),
                     -EINVAL);
    /* Nothing was created by the failed calls. */
    text = render_text(*state);
    assert_string_equal(text, "");
    free(text);
}

static void counter_labels_refuse_invalid_utf8(void **state)
{
    pf_family *f;
    char *text;

    assert_int_equal(
        pf_counter_family_new(*state, "c_auth_total", "Auth.", auth_labels, &f),
        0);
    assert_int_equal(pf_counter_inc_labels(f, "imap", "\xff", "ok", NULL),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "UTF-8"));
    assert_int_equal(pf_counter_inc_labels(f, "imap", "\xc3", "ok", NULL),
                     -EINVAL);
    text = render_text(*state);
    assert_string_equal(text, "");
    free(text);
}

static void counter_functions_refuse_other_families(void **state)
{
    pf_family *g;
    pf_counter *c = NULL;

    assert_int_equal(pf_gauge_family_new(*state, "c_level", "Level.", NULL, &g),
                     0);
    assert_int_equal(pf_counter_with(g, NULL, &c), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "is a gauge, not a counter"));
    assert_int_equal(pf_counter_inc_labels(g, NULL), -EINVAL);
    assert_null(c);
}

static double negative(void *arg)
{
    UNUSED(arg);
    return -1;
}

static double half(void *arg)
{
    return *(double *)arg / 2;
}

static void counter_func_is_called_at_render(void **state)
{
    static double total = 10;
    pf_family *f, *f2;
    char *text;

    assert_int_equal(pf_counter_func_new(*state, "c_read_bytes_total", "Read.",
                                         half, &total, &f),
                     0);
    /* Registering it again with the same function and arg is a twin. */
    assert_int_equal(pf_counter_func_new(*state, "c_read_bytes_total", "Read.",
                                         half, &total, &f2),
                     0);
    assert_ptr_equal(f, f2);
    assert_int_equal(pf_counter_func_new(*state, "c_bad_total", "Bad.",
                                         negative, NULL, NULL),
                     0);
    assert_int_equal(
        pf_counter_func_new(*state, "c_null_total", "Null.", NULL, NULL, NULL),
        -EINVAL);
    text = render_text(*state);
    /* A negative counter callback is left out, not written. */
    assert_string_equal(text, "# HELP c_read_bytes_total Read.\n"
                              "# TYPE c_read_bytes_total counter\n"
                              "c_read_bytes_total 5\n");
    free(text);
    total = 30;
    text = render_text(*state);
    assert_non_null(strstr(text, "\nc_read_bytes_total 15\n"));
    free(text);
    /* A callback family has no series to look up or delete. */
    assert_int_equal(pf_counter_inc_labels(f, NULL), -EINVAL);
    assert_int_equal(pf_family_clear(f), -EINVAL);
}

typedef struct inc_arg {
    pf_counter *c;
    pf_family *f;
    pthread_barrier_t *start;
} inc_arg;

static void *inc_many(void *p)
{
    inc_arg *a = p;

    pthread_barrier_wait(a->start);
    for (int i = 0; i < 100000; i++) {
        pf_counter_inc(a->c);
        pf_counter_add_u64(a->c, 2);
        pf_counter_inc_labels(a->f, "imap", "plain", "ok", NULL);
    }
    return NULL;
}

static void counter_sharded_counts_exactly_across_threads(void **state)
{
    pthread_barrier_t start;
    pthread_t t[4];
    inc_arg a[4];
    pf_counter *c, *plain;
    pf_family *f;
    char *text;

    assert_int_equal(pf_counter_family_new_sharded(*state, "c_hot_total",
                                                   "Hot.", auth_labels, &f),
                     0);
    /* A plain family of the same name is not its twin. */
    assert_int_equal(
        pf_counter_family_new(*state, "c_hot_total", "Hot.", auth_labels, NULL),
        -EEXIST);
    assert_int_equal(pf_counter_with_labels(f, &c, "imap", "plain", "ok", NULL),
                     0);
    assert_int_equal(pf_counter_add(c, 0.5), 0);
    assert_int_equal(pthread_barrier_init(&start, NULL, 4), 0);
    for (int i = 0; i < 4; i++) {
        a[i] = (inc_arg){c, f, &start};
        assert_int_equal(pthread_create(&t[i], NULL, inc_many, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&start);
    /* 4 threads x 100000 x (1 + 2 + 1), plus the half. */
    assert_true(value(c) == 1600000.5);
    assert_int_equal(pf__counter_count((pf_series *)(void *)c), 1600000);
    text = render_text(*state);
    assert_string_equal(text, "# HELP c_hot_total Hot.\n"
                              "# TYPE c_hot_total counter\n"
                              "c_hot_total{kind=\"imap\",variant=\"plain\","
                              "result=\"ok\"} 1600000.5\n");
    free(text);
    /* Deleted and looked up again: every slot starts from zero. */
    assert_int_equal(pf_family_delete_labels(f, "imap", "plain", "ok", NULL),
                     0);
    assert_int_equal(
        pf_counter_with_labels(f, &plain, "imap", "plain", "ok", NULL), 0);
    assert_ptr_equal(plain, c);
    assert_true(value(c) == 0);
    assert_int_equal(pf_counter_inc(c), 0);
    assert_true(value(c) == 1);
}

#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, registry_setup, registry_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(counter_starts_at_zero_and_counts),
        T(counter_add_fraction_is_kept_apart),
        T(counter_add_refuses_negative_and_nan),
        T(counter_is_exact_past_2_to_53),
        T(counter_renders_2_to_64_minus_1),
        T(counter_add_huge_double_goes_to_float_part),
        T(counter_null_handles_are_refused),
        T(counter_new_twice_gives_same_handle),
        T(counter_labels_find_the_same_series),
        T(counter_labels_need_exactly_one_value_each),
        T(counter_labels_refuse_invalid_utf8),
        T(counter_functions_refuse_other_families),
        T(counter_func_is_called_at_render),
        T(counter_sharded_counts_exactly_across_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
