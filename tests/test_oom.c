/* SPDX-License-Identifier: MIT */
/*
 * Out of memory: for each operation, make the 1st, 2nd, ... allocation
 * fail until the operation succeeds. Every failing attempt must return
 * -ENOMEM, leave the registry rendering exactly as before, and leak
 * nothing (the allocation wrappers count live blocks).
 */
#include "pf-test.h"

static const char *const kv[] = {"kind", "variant", NULL};

typedef void (*prepare_fn)(pf_registry *reg);
typedef int (*op_fn)(pf_registry *reg);

static void prepare_nothing(pf_registry *reg)
{
    UNUSED(reg);
}

static void prepare_some(pf_registry *reg)
{
    static const double b[] = {1, 2, 4};
    pf_family *f;

    assert_int_equal(pf_registry_set_label(reg, "site", "x"), 0);
    assert_int_equal(
        pf_counter_family_new(reg, "oom_auth_total", "Auth.", kv, &f), 0);
    assert_int_equal(pf_counter_inc_labels(f, "imap", "plain", NULL), 0);
    assert_int_equal(
        pf_histogram_family_new(reg, "oom_wait_seconds", "W.", kv, b, 3, &f),
        0);
    assert_int_equal(pf_histogram_observe_labels(f, 3, "a", "b", NULL), 0);
}

/* 64 series: the next one needs a new chunk and a bigger table. */
static void prepare_64_series(pf_registry *reg)
{
    pf_family *f;
    char v[16];

    assert_int_equal(
        pf_counter_family_new(reg, "oom_auth_total", "Auth.", kv, &f), 0);
    for (int i = 0; i < 64; i++) {
        snprintf(v, sizeof(v), "%d", i);
        assert_int_equal(pf_counter_inc_labels(f, "k", v, NULL), 0);
    }
}

static char *render_or_empty(pf_registry *reg)
{
    return render_text(reg);
}

/* Run `op` with the n-th allocation failing, for n = 1, 2, ... */
static void run_oom(prepare_fn prepare, op_fn op)
{
    for (long n = 1;; n++) {
        long live = pf__alloc_live();
        long attempts;
        pf_registry *reg;
        char *before, *after;
        int r;

        assert_int_equal(pf_registry_new(&reg), 0);
        prepare(reg);
        before = render_or_empty(reg);
        pf__alloc_fail_nth(n);
        r = op(reg);
        attempts = pf__alloc_fail_nth(0);
        if (attempts < n) {
            /* The failure was never reached: the operation is done. */
            assert_int_equal(r, 0);
            free(before);
            pf_registry_free(reg);
            assert_int_equal(pf__alloc_live(), live);
            print_message("# succeeded after %ld failing runs\n", n - 1);
            return;
        }
        if (r != -ENOMEM)
            fail_msg("allocation %ld failed but the call returned %d", n, r);
        after = render_or_empty(reg);
        assert_string_equal(before, after);
        free(before);
        free(after);
        pf_registry_free(reg);
        if (pf__alloc_live() != live)
            fail_msg("allocation %ld failed: %ld blocks leaked", n,
                     pf__alloc_live() - live);
    }
}

static int op_registry_new(pf_registry *reg)
{
    pf_registry *r2;
    int r;

    UNUSED(reg);
    r = pf_registry_new(&r2);
    if (r == 0)
        pf_registry_free(r2);
    return r;
}

static int op_counter_family(pf_registry *reg)
{
    return pf_counter_family_new(reg, "oom_new_total", "New.", kv, NULL);
}

static int op_histogram_family(pf_registry *reg)
{
    return pf_histogram_family_new(reg, "oom_new_seconds", "New.", kv, NULL, 0,
                                   NULL);
}

static double zero(void *arg)
{
    UNUSED(arg);
    return 0;
}

static int op_func_family(pf_registry *reg)
{
    return pf_gauge_func_new(reg, "oom_fn", "Fn.", zero, NULL, NULL);
}

static int op_counter_new(pf_registry *reg)
{
    pf_counter *c;

    return pf_counter_new(reg, "oom_plain_total", "Plain.", &c);
}

static int op_new_series(pf_registry *reg)
{
    pf_family *f;
    int r = pf_counter_family_new(reg, "oom_auth_total", "Auth.", kv, &f);

    if (r < 0)
        return r;
    return pf_counter_inc_labels(f, "new", "series", NULL);
}

static int op_65th_series(pf_registry *reg)
{
    return op_new_series(reg);
}

static int op_new_histogram_series(pf_registry *reg)
{
    static const double b[] = {1, 2, 4};
    pf_family *f;
    int r =
        pf_histogram_family_new(reg, "oom_wait_seconds", "W.", kv, b, 3, &f);

    if (r < 0)
        return r;
    return pf_histogram_observe_labels(f, 1, "new", "series", NULL);
}

static int op_set_label(pf_registry *reg)
{
    return pf_registry_set_label(reg, "instance", "mail1");
}

static int op_replace_label(pf_registry *reg)
{
    return pf_registry_set_label(reg, "site", "y");
}

static int op_sharded_series(pf_registry *reg)
{
    pf_family *f;
    int r = pf_counter_family_new_sharded(reg, "oom_hot_total", "Hot.", kv, &f);

    if (r < 0)
        return r;
    return pf_counter_inc_labels(f, "new", "series", NULL);
}

static int op_process_metrics(pf_registry *reg)
{
    return pf_process_metrics_register(reg, "app");
}

static int op_build_info(pf_registry *reg)
{
    return pf_build_info_register(reg, "oom", (const char *[]){"version", NULL},
                                  (const char *[]){"1.0", NULL});
}

static void prepare_build_info(pf_registry *reg)
{
    prepare_some(reg);
    assert_int_equal(op_build_info(reg), 0);
}

static int op_build_info_again(pf_registry *reg)
{
    return pf_build_info_register(reg, "oom", (const char *[]){"version", NULL},
                                  (const char *[]){"2.0", NULL});
}

/* A value policy with values whose repair needs more than the stack
 * buffer of the lookup (4 KiB): the heap, which can fail. */
static int op_policy_series(pf_registry *reg)
{
    char huge[2000];
    pf_family *f;
    int r;

    memset(huge, '\xff', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    r = pf_registry_set_value_policy(reg, 0, PF_VALUES_REPLACE);
    if (r == 0)
        r = pf_counter_family_new(reg, "oom_auth_total", "Auth.", kv, &f);
    if (r == 0)
        r = pf_counter_inc_labels(f, huge, "x", NULL);
    pf_registry_set_value_policy(reg, 0, 0);
    return r;
}

/* pf_writer_start(): each allocation fails in turn. A failure before the
 * writer exists returns -ENOMEM and leaves the registry as it was; one in
 * its first write is reported as that write's error, and the writer runs.
 * Nothing leaks either way. */
static void run_oom_writer(void)
{
    char dir[] = "/tmp/pf-oom-XXXXXX";

    assert_non_null(mkdtemp(dir));
    for (long n = 1;; n++) {
        long live = pf__alloc_live(), attempts;
        pf_registry *reg;
        pf_config *cfg;
        pf_writer *w = NULL;
        char *before, *after;
        int r;

        assert_int_equal(pf_registry_new(&reg), 0);
        prepare_some(reg);
        assert_int_equal(pf_config_new(&cfg), 0);
        assert_int_equal(pf_config_set(cfg, "textfile", "directory", dir, NULL),
                         0);
        assert_int_equal(pf_config_set(cfg, "textfile", "file", "o.prom", NULL),
                         0);
        assert_int_equal(pf_config_set(cfg, "labels", "role", "mx", NULL), 0);
        assert_int_equal(pf_config_set(cfg, "limits", "max_series", "7", NULL),
                         0);
        before = render_text(reg);
        pf__alloc_fail_nth(n);
        r = pf_writer_start(reg, cfg, &w);
        attempts = pf__alloc_fail_nth(0);
        after = render_text(reg);
        if (r == 0) {
            assert_true(attempts < n || pf_writer_last_error(w) == -ENOMEM);
            assert_int_equal(pf_writer_stop(w), 0);
        } else {
            if (r != -ENOMEM)
                fail_msg("allocation %ld failed but start returned %d", n, r);
            assert_string_equal(before, after);
        }
        free(before);
        free(after);
        pf_config_free(cfg);
        pf_registry_free(reg);
        if (pf__alloc_live() != live)
            fail_msg("allocation %ld failed: %ld blocks leaked", n,
                     pf__alloc_live() - live);
        if (attempts < n) {
            print_message("# writer started after %ld failing runs\n", n - 1);
            break;
        }
    }
    test_remove_tree(dir);
}

/* Rendering fails with the n-th allocation of a render that has new series
 * to merge into its sorted caches; the next render must still be right,
 * i.e. equal to that of a twin registry that never failed. */
static void run_oom_render(prepare_fn prepare)
{
    pf_registry *twin;
    char *want;

    assert_int_equal(pf_registry_new(&twin), 0);
    prepare(twin);
    want = render_text(twin);
    pf_registry_free(twin);
    for (long n = 1;; n++) {
        long live = pf__alloc_live();
        long attempts;
        pf_registry *reg;
        char *text = NULL, *again;
        int r;

        assert_int_equal(pf_registry_new(&reg), 0);
        prepare(reg);
        pf__alloc_fail_nth(n);
        r = pf_registry_render(reg, &text, NULL);
        attempts = pf__alloc_fail_nth(0);
        if (attempts < n) {
            assert_int_equal(r, 0);
            assert_string_equal(text, want);
            free(text);
            pf_registry_free(reg);
            assert_int_equal(pf__alloc_live(), live);
            break;
        }
        assert_int_equal(r, -ENOMEM);
        assert_null(text);
        again = render_text(reg);
        assert_string_equal(again, want);
        free(again);
        pf_registry_free(reg);
        assert_int_equal(pf__alloc_live(), live);
    }
    free(want);
}

static void oom_registry_new(void **state)
{
    UNUSED(state);
    run_oom(prepare_nothing, op_registry_new);
}

static void oom_family_new(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_counter_family);
    run_oom(prepare_some, op_histogram_family);
    run_oom(prepare_some, op_func_family);
    run_oom(prepare_some, op_counter_new);
}

static void oom_series_new(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_new_series);
    run_oom(prepare_64_series, op_65th_series);
    run_oom(prepare_some, op_new_histogram_series);
}

static void oom_sharded_series(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_sharded_series);
}

static void oom_process_and_build_info(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_process_metrics);
    run_oom(prepare_some, op_build_info);
    run_oom(prepare_build_info, op_build_info_again);
}

static void oom_value_policy(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_policy_series);
}

static void oom_writer_start(void **state)
{
    UNUSED(state);
    run_oom_writer();
}

static void oom_set_label(void **state)
{
    UNUSED(state);
    run_oom(prepare_some, op_set_label);
    run_oom(prepare_some, op_replace_label);
}

static void oom_render(void **state)
{
    UNUSED(state);
    run_oom_render(prepare_some);
    run_oom_render(prepare_64_series);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oom_registry_new),
        cmocka_unit_test(oom_family_new),
        cmocka_unit_test(oom_series_new),
        cmocka_unit_test(oom_set_label),
        cmocka_unit_test(oom_render),
        cmocka_unit_test(oom_sharded_series),
        cmocka_unit_test(oom_process_and_build_info),
        cmocka_unit_test(oom_value_policy),
        cmocka_unit_test(oom_writer_start),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
