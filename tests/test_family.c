/* SPDX-License-Identifier: MIT */
#include "pf-test.h"

static const char *const kv[] = {"kind", "variant", NULL};

static void family_same_registration_returns_existing(void **state)
{
    pf_family *a, *b;

    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", kv, &a), 0);
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", kv, &b), 0);
    assert_ptr_equal(a, b);
    /* ret may be NULL. */
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", kv, NULL), 0);
}

static void family_conflicting_registration_fails(void **state)
{
    static const char *const other[] = {"kind", NULL};
    static const char *const swapped[] = {"variant", "kind", NULL};
    static const double b1[] = {1, 2}, b2[] = {1, 3};
    pf_family *a, *x = NULL;

    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", kv, &a), 0);
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Other.", kv, &x),
        -EEXIST);
    assert_non_null(strstr(pf_last_error(), "already registered"));
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", other, &x),
        -EEXIST);
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", swapped, &x),
        -EEXIST);
    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", NULL, &x),
        -EEXIST);
    assert_null(x);

    assert_int_equal(pf_gauge_family_new(*state, "f_level", "L.", NULL, &a), 0);
    assert_int_equal(
        pf_histogram_family_new(*state, "f_level", "L.", NULL, NULL, 0, &x),
        -EEXIST);
    assert_int_equal(pf_histogram_family_new(*state, "f_wait_seconds", "W.",
                                             NULL, b1, 2, &a),
                     0);
    assert_int_equal(pf_histogram_family_new(*state, "f_wait_seconds", "W.",
                                             NULL, b2, 2, &x),
                     -EEXIST);
    assert_int_equal(pf_histogram_family_new(*state, "f_wait_seconds", "W.",
                                             NULL, NULL, 0, &x),
                     -EEXIST);
    assert_null(x);
}

static void family_default_buckets_are_a_twin_of_themselves(void **state)
{
    const double *def;
    size_t n = pf_buckets_default(&def);
    pf_family *a, *b;

    assert_int_equal(pf_histogram_family_new(*state, "f_delay_seconds", "D.",
                                             NULL, NULL, 0, &a),
                     0);
    assert_int_equal(pf_histogram_family_new(*state, "f_delay_seconds", "D.",
                                             NULL, def, n, &b),
                     0);
    assert_ptr_equal(a, b);
}

static void family_histogram_sample_names_are_reserved(void **state)
{
    pf_family *h;

    assert_int_equal(
        pf_histogram_family_new(*state, "f_x", "X.", NULL, NULL, 0, &h), 0);
    /* Histograms may end in _count; their samples then collide. */
    assert_int_equal(
        pf_histogram_family_new(*state, "f_x_count", "X.", NULL, NULL, 0, NULL),
        -EEXIST);
    assert_non_null(strstr(pf_last_error(), "sample name"));
    assert_int_equal(
        pf_histogram_family_new(*state, "f_y_sum", "Y.", NULL, NULL, 0, NULL),
        0);
    assert_int_equal(
        pf_histogram_family_new(*state, "f_y", "Y.", NULL, NULL, 0, NULL),
        -EEXIST);
}

static void family_bad_names_register_nothing(void **state)
{
    static const char *const dup[] = {"kind", "kind", NULL};
    static const char *const reserved[] = {"__kind", NULL};
    static const char *const le[] = {"le", NULL};
    static const char *const bad[] = {"1kind", NULL};
    pf_family *f = NULL;
    char *text;

    assert_int_equal(pf_counter_family_new(*state, "f_x_total", "X.", dup, &f),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "repeated"));
    assert_int_equal(
        pf_counter_family_new(*state, "f_x_total", "X.", reserved, &f),
        -EINVAL);
    assert_non_null(strstr(pf_last_error(), "\"__kind\""));
    assert_int_equal(
        pf_histogram_family_new(*state, "f_h", "H.", le, NULL, 0, &f), -EINVAL);
    assert_int_equal(pf_counter_family_new(*state, "f_x_total", "X.", bad, &f),
                     -EINVAL);
    assert_int_equal(pf_counter_family_new(*state, "f_x", "X.", NULL, &f),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "_total"));
    assert_int_equal(pf_counter_family_new(*state, "f_x_total", "", NULL, &f),
                     -EINVAL);
    assert_int_equal(pf_counter_family_new(*state, "f_x_total", NULL, NULL, &f),
                     -EINVAL);
    assert_int_equal(pf_counter_family_new(*state, NULL, "X.", NULL, &f),
                     -EINVAL);
    assert_null(f);
    /* The good name is still free after all those failures. */
    assert_int_equal(pf_counter_family_new(*state, "f_x_total", "X.", NULL, &f),
                     0);
    text = render_text(*state);
    assert_string_equal(text, "");
    free(text);
}

static void family_too_many_labels_is_refused(void **state)
{
    char names[PF_MAX_LABELS + 1][8];
    const char *labels[PF_MAX_LABELS + 2];

    for (int i = 0; i <= PF_MAX_LABELS; i++) {
        snprintf(names[i], sizeof(names[i]), "l%d", i);
        labels[i] = names[i];
    }
    labels[PF_MAX_LABELS + 1] = NULL;
    assert_int_equal(pf_gauge_family_new(*state, "f_many", "M.", labels, NULL),
                     -EINVAL);
    labels[PF_MAX_LABELS] = NULL;
    assert_int_equal(pf_gauge_family_new(*state, "f_many", "M.", labels, NULL),
                     0);
}

static double one(void *arg)
{
    UNUSED(arg);
    return 1;
}

static void family_delete_hides_and_revives_from_zero(void **state)
{
    pf_counter *c, *again;
    pf_family *f;
    char *text;

    assert_int_equal(
        pf_counter_family_new(*state, "f_auth_total", "Auth.", kv, &f), 0);
    assert_int_equal(pf_counter_with_labels(f, &c, "imap", "plain", NULL), 0);
    assert_int_equal(pf_counter_add(c, 5), 0);
    assert_int_equal(pf_counter_inc_labels(f, "smtp", "login", NULL), 0);
    assert_int_equal(pf_family_delete_labels(f, "imap", "plain", NULL), 0);
    assert_int_equal(pf_family_delete_labels(f, "imap", "plain", NULL),
                     -ENOENT);
    assert_int_equal(pf_family_delete_labels(f, "nope", "none", NULL), -ENOENT);
    assert_int_equal(pf_family_delete_labels(f, "imap", NULL), -EINVAL);
    text = render_text(*state);
    assert_null(strstr(text, "imap"));
    assert_non_null(strstr(text, "kind=\"smtp\""));
    free(text);
    /* The old handle is still valid memory; using it changes nothing
     * visible. Looking the values up again revives the series at 0. */
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(pf_counter_with_labels(f, &again, "imap", "plain", NULL),
                     0);
    assert_ptr_equal(c, again);
    text = render_text(*state);
    assert_non_null(
        strstr(text, "\nf_auth_total{kind=\"imap\",variant=\"plain\"} 0\n"));
    free(text);
}

static void family_clear_removes_every_series(void **state)
{
    pf_family *f, *fn;
    char *text;

    assert_int_equal(pf_gauge_family_new(*state, "f_sessions", "S.", kv, &f),
                     0);
    assert_int_equal(pf_gauge_set_labels(f, 1, "a", "b", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(f, 2, "c", "d", NULL), 0);
    assert_int_equal(pf_family_clear(f), 0);
    text = render_text(*state);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(pf_gauge_set_labels(f, 7, "c", "d", NULL), 0);
    text = render_text(*state);
    assert_non_null(strstr(text, "f_sessions{kind=\"c\",variant=\"d\"} 7\n"));
    assert_null(strstr(text, "kind=\"a\""));
    free(text);
    assert_int_equal(pf_family_clear(NULL), -EINVAL);
    assert_int_equal(pf_gauge_func_new(*state, "f_fn", "F.", one, NULL, &fn),
                     0);
    assert_int_equal(pf_family_delete(fn, NULL), -EINVAL);
}

static void family_handles_survive_table_growth(void **state)
{
    enum { N = 20000 };
    static pf_counter *handles[N];
    pf_family *f;
    char a[16], b[16];

    assert_int_equal(
        pf_counter_family_new(*state, "f_grow_total", "Grow.", kv, &f), 0);
    for (int i = 0; i < N; i++) {
        snprintf(a, sizeof(a), "k%d", i / 100);
        snprintf(b, sizeof(b), "v%d", i % 100);
        assert_int_equal(pf_counter_with_labels(f, &handles[i], a, b, NULL), 0);
        assert_int_equal(pf_counter_inc(handles[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pf_counter *c;
        double v;

        snprintf(a, sizeof(a), "k%d", i / 100);
        snprintf(b, sizeof(b), "v%d", i % 100);
        assert_int_equal(pf_counter_with_labels(f, &c, a, b, NULL), 0);
        assert_ptr_equal(c, handles[i]);
        assert_int_equal(pf_counter_value(c, &v), 0);
        assert_true(v == 1);
    }
    assert_int_equal(pf__family_nseries(f), N);
}

/* Finding a series that exists allocates nothing, whatever the lengths of
 * its values (every path of the hash and the compare: empty, 1 to 3, 4 to
 * 7, 8, 9 to 16 and longer bytes), and finds the series made first, not
 * one whose values split the same bytes differently. */
static void family_lookup_of_existing_series_allocates_nothing(void **state)
{
    static const char *const values[] = {
        "",
        "a",
        "ab",
        "abc",
        "abcd",
        "abcdefg",
        "abcdefgh",
        "abcdefghi",
        "abcdefghijklmnop",
        "abcdefghijklmnopq",
        "a value longer than any word, forty bytes",
    };
    enum { NV = sizeof(values) / sizeof(values[0]) };
    static const char *const one[] = {"v", NULL};
    pf_counter *handles[NV][NV], *c;
    pf_family *f, *g, *h, *sharded;
    pf_histogram *hist;
    pf_gauge *gauge;
    long attempts;

    assert_int_equal(
        pf_counter_family_new(*state, "f_lookup_total", "Lookups.", kv, &f), 0);
    assert_int_equal(
        pf_gauge_family_new(*state, "f_lookup_level", "Level.", one, &g), 0);
    assert_int_equal(pf_histogram_family_new(*state, "f_lookup_seconds",
                                             "Seconds.", one, NULL, 0, &h),
                     0);
    assert_int_equal(pf_counter_family_new_sharded(*state,
                                                   "f_lookup_sharded_total",
                                                   "Sharded.", one, &sharded),
                     0);
    for (size_t i = 0; i < NV; i++) {
        for (size_t j = 0; j < NV; j++)
            assert_int_equal(pf_counter_with_labels(f, &handles[i][j],
                                                    values[i], values[j], NULL),
                             0);
        assert_int_equal(pf_gauge_set_labels(g, 1, values[i], NULL), 0);
        assert_int_equal(pf_histogram_observe_labels(h, 1, values[i], NULL), 0);
        assert_int_equal(pf_counter_inc_labels(sharded, values[i], NULL), 0);
    }
    assert_int_equal(pf__family_nseries(f), NV * NV);

    pf__alloc_fail_nth(0);
    for (size_t i = 0; i < NV; i++) {
        for (size_t j = 0; j < NV; j++) {
            const char *const pair[] = {values[i], values[j]};

            assert_int_equal(
                pf_counter_with_labels(f, &c, values[i], values[j], NULL), 0);
            assert_ptr_equal(c, handles[i][j]);
            assert_int_equal(pf_counter_with(f, pair, &c), 0);
            assert_ptr_equal(c, handles[i][j]);
            assert_int_equal(
                pf_counter_inc_labels(f, values[i], values[j], NULL), 0);
        }
        assert_int_equal(pf_gauge_with_labels(g, &gauge, values[i], NULL), 0);
        assert_int_equal(pf_gauge_add_labels(g, 1, values[i], NULL), 0);
        assert_int_equal(pf_histogram_with_labels(h, &hist, values[i], NULL),
                         0);
        assert_int_equal(pf_histogram_observe_labels(h, 2, values[i], NULL), 0);
        assert_int_equal(pf_counter_inc_labels(sharded, values[i], NULL), 0);
    }
    attempts = pf__alloc_fail_nth(0);
    assert_int_equal(attempts, 0);
    assert_int_equal(pf__family_nseries(f), NV * NV);

    /* The count itself works: a new series in a new family allocates. */
    assert_int_equal(
        pf_counter_family_new(*state, "f_lookup_new_total", "New.", kv, &f), 0);
    pf__alloc_fail_nth(0);
    assert_int_equal(pf_counter_inc_labels(f, "x", "y", NULL), 0);
    assert_true(pf__alloc_fail_nth(0) > 0);
}

/* With a value policy, a lookup whose values need repairing (too long,
 * invalid UTF-8, a carriage return) finds the series of the repaired
 * values and allocates nothing either (issue 13): the repair is made on
 * the stack. Past 4 KiB of repaired values it may allocate. */
static void family_lookup_with_a_policy_allocates_nothing(void **state)
{
    static const char *const user_addr[] = {"user", "addr", NULL};
    char long_value[600], huge[3000];
    pf_counter *first, *c;
    pf_family *f;

    memset(long_value, 'x', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    memset(huge, '\xff', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    assert_int_equal(pf_registry_set_value_policy(
                         *state, 64, PF_VALUES_TRUNCATE | PF_VALUES_REPLACE),
                     0);
    assert_int_equal(pf_counter_family_new(*state, "f_policy_total", "Policy.",
                                           user_addr, &f),
                     0);
    assert_int_equal(
        pf_counter_with_labels(f, &first, long_value, "caf\xe9\r", NULL), 0);
    pf__alloc_fail_nth(0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(
            pf_counter_with_labels(f, &c, long_value, "caf\xe9\r", NULL), 0);
        assert_ptr_equal(c, first);
        assert_int_equal(
            pf_counter_inc_labels(f, long_value, "caf\xe9\r", NULL), 0);
    }
    assert_int_equal(pf__alloc_fail_nth(0), 0);
    /* Invalid bytes become U+FFFD (3 bytes each), cut at 64 bytes: two
     * values of 3000 such bytes need at most 130 bytes, still the
     * stack. */
    assert_int_equal(pf_counter_inc_labels(f, huge, huge, NULL), 0);
    pf__alloc_fail_nth(0);
    assert_int_equal(pf_counter_inc_labels(f, huge, huge, NULL), 0);
    assert_int_equal(pf__alloc_fail_nth(0), 0);
    /* Without a length limit, 3000 bytes to replace need 9 KiB: the heap,
     * and only then. */
    assert_int_equal(pf_registry_set_value_policy(*state, 0, PF_VALUES_REPLACE),
                     0);
    assert_int_equal(pf_counter_inc_labels(f, huge, "a", NULL), 0);
    pf__alloc_fail_nth(0);
    assert_int_equal(pf_counter_inc_labels(f, huge, "a", NULL), 0);
    assert_int_equal(pf__alloc_fail_nth(0), 1);
    assert_int_equal(pf_counter_value(first, &(double){0}), 0);
}

/* Check that the id="" values in `text` are strictly increasing; return
 * how many there are. */
static size_t count_sorted_ids(const char *text)
{
    static const char key[] = "f_ids{id=\"";
    char prev[32] = "", cur[32];
    size_t seen = 0, off = 0;
    const char *hit;

    while ((hit = strstr(text + off, key)) != NULL) {
        size_t n;

        off = (size_t)(hit - text) + sizeof(key) - 1;
        n = strcspn(text + off, "\"");
        assert_true(n < sizeof(cur));
        memcpy(cur, text + off, n);
        cur[n] = '\0';
        if (strcmp(prev, cur) >= 0)
            fail_msg("\"%s\" is rendered after \"%s\"", cur, prev);
        memcpy(prev, cur, n + 1);
        seen++;
    }
    return seen;
}

static void family_render_order_is_by_values_after_growth(void **state)
{
    enum { N = 3000 };
    static const char *const one_label[] = {"id", NULL};
    pf_family *f;
    char *text;
    char v[32];

    assert_int_equal(
        pf_gauge_family_new(*state, "f_ids", "Ids.", one_label, &f), 0);
    /* Insert in a scrambled order, rendering now and then so that the
     * sorted cache is merged several times. */
    for (unsigned i = 0; i < N; i++) {
        snprintf(v, sizeof(v), "%u", (i * 2654435761u) % 100000u);
        assert_int_equal(pf_gauge_set_labels(f, i, v, NULL), 0);
        if (i % 700 == 0)
            free(render_text(*state));
    }
    text = render_text(*state);
    assert_int_equal(count_sorted_ids(text), N);
    free(text);
}

static void family_constant_label_conflicts(void **state)
{
    static const char *const site[] = {"site", NULL};

    assert_int_equal(pf_registry_set_label(*state, "site", "a"), 0);
    assert_int_equal(pf_gauge_family_new(*state, "f_g", "G.", site, NULL),
                     -EEXIST);
    assert_non_null(strstr(pf_last_error(), "constant label"));
    assert_int_equal(pf_gauge_family_new(*state, "f_g", "G.", kv, NULL), 0);
    assert_int_equal(pf_registry_set_label(*state, "kind", "x"), -EEXIST);
}

#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, registry_setup, registry_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(family_same_registration_returns_existing),
        T(family_conflicting_registration_fails),
        T(family_default_buckets_are_a_twin_of_themselves),
        T(family_histogram_sample_names_are_reserved),
        T(family_bad_names_register_nothing),
        T(family_too_many_labels_is_refused),
        T(family_delete_hides_and_revives_from_zero),
        T(family_clear_removes_every_series),
        T(family_handles_survive_table_growth),
        T(family_lookup_of_existing_series_allocates_nothing),
        T(family_lookup_with_a_policy_allocates_nothing),
        T(family_render_order_is_by_values_after_growth),
        T(family_constant_label_conflicts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
