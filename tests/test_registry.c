/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/registry.c and src/error.c: creating and freeing
 * registries, the default registry, constant labels, rendering to memory
 * and to a FILE, and the library calls pf_strerror(), pf_version() and
 * pf_last_error().
 */
#include "pf-test.h"

#include <limits.h>
#include <pthread.h>

/* Assert that the rendered text of reg contains `needle`. */
static void assert_render_has(pf_registry *reg, const char *needle)
{
    char *text = render_text(reg);

    if (!strstr(text, needle)) {
        print_error("--- rendered\n%s---\n", text);
        free(text);
        fail_msg("rendered text lacks \"%s\"", needle);
    }
    free(text);
}

/* ---- Creating and freeing ---------------------------------------------- */

static void registry_new_and_free(void **state)
{
    pf_registry *reg = NULL;
    pf_gauge *g = NULL;

    UNUSED(state);
    assert_int_equal(pf_registry_new(&reg), 0);
    assert_non_null(reg);
    assert_int_equal(pf_gauge_new(reg, "app_jobs", "Jobs.", &g), 0);
    assert_null(pf_registry_free(reg));
    assert_null(pf_registry_free(NULL));
    assert_int_equal(pf_registry_new(NULL), -EINVAL);
}

static void registry_new_is_independent(void **state)
{
    pf_registry *other = NULL;
    pf_gauge *a = NULL, *b = NULL;

    assert_int_equal(pf_registry_new(&other), 0);
    assert_ptr_not_equal(other, *state);
    /* The same name in two registries: two families, no conflict. */
    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &a), 0);
    assert_int_equal(pf_gauge_new(other, "app_jobs", "Other help.", &b), 0);
    assert_ptr_not_equal(a, b);
    assert_int_equal(pf_gauge_set(b, 2.0), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs 0\n");
    assert_render(other, "# HELP app_jobs Other help.\n"
                         "# TYPE app_jobs gauge\n"
                         "app_jobs 2\n");
    pf_registry_free(other);
}

/* ---- The default registry ---------------------------------------------- */

/* The default registry lives for the whole process, so the families these
 * tests put there have names no other test uses. */

static void registry_default_is_stable(void **state)
{
    pf_registry *d = pf_registry_default();

    UNUSED(state);
    assert_non_null(d);
    assert_ptr_equal(pf_registry_default(), d);
    assert_ptr_equal(pf_registry_default(), d);
}

static void registry_null_means_default(void **state)
{
    pf_gauge *a = NULL, *b = NULL;
    char *via_null = NULL, *via_default;

    UNUSED(state);
    assert_int_equal(pf_gauge_new(NULL, "test_registry_null_jobs",
                                  "Registered with NULL.", &a),
                     0);
    assert_int_equal(pf_gauge_set(a, 3.0), 0);
    /* Registered in the default registry: the same family again. */
    assert_int_equal(pf_gauge_new(pf_registry_default(),
                                  "test_registry_null_jobs",
                                  "Registered with NULL.", &b),
                     0);
    assert_ptr_equal(a, b);
    assert_render_has(pf_registry_default(), "\ntest_registry_null_jobs 3\n");
    assert_int_equal(pf_registry_render(NULL, &via_null, NULL), 0);
    via_default = render_text(pf_registry_default());
    assert_string_equal(via_null, via_default);
    free(via_null);
    free(via_default);
    assert_int_equal(pf_registry_set_label(NULL, "test_registry_site", "x"), 0);
    assert_render_has(pf_registry_default(),
                      "\ntest_registry_null_jobs{test_registry_site=\"x\"} "
                      "3\n");
    assert_int_equal(pf_registry_set_label(NULL, "test_registry_site", NULL),
                     0);
}

static void registry_free_default_is_ignored(void **state)
{
    pf_registry *d = pf_registry_default();
    pf_gauge *g = NULL;

    UNUSED(state);
    assert_int_equal(pf_gauge_new(d, "test_registry_before_free",
                                  "Registered before the free.", &g),
                     0);
    assert_int_equal(pf_gauge_set(g, 4.0), 0);
    assert_null(pf_registry_free(d));
    assert_null(pf_registry_free(pf_registry_default()));
    /* Still there and still working (ASan would catch a use after free). */
    assert_ptr_equal(pf_registry_default(), d);
    assert_int_equal(pf_gauge_inc(g), 0);
    assert_int_equal(pf_gauge_new(NULL, "test_registry_after_free",
                                  "Registered after the free.", &g),
                     0);
    assert_render_has(d, "\ntest_registry_before_free 5\n");
    assert_render_has(d, "\ntest_registry_after_free 0\n");
}

/* ---- Constant labels --------------------------------------------------- */

static double return_three_quarters(void *arg)
{
    UNUSED(arg);
    return 0.75;
}

static double return_twelve(void *arg)
{
    UNUSED(arg);
    return 12;
}

static void set_label_applies_to_every_series(void **state)
{
    static const char *const code[] = {"code", NULL};
    static const char *const method[] = {"method", NULL};
    static const double one[] = {1};
    static const double hundred[] = {100};
    pf_registry *reg = *state;
    pf_family *requests = NULL, *sizes = NULL;
    pf_counter *restarts = NULL;
    pf_gauge *temp = NULL;
    pf_histogram *latency = NULL;

    /* One label set before the families, one after. */
    assert_int_equal(pf_registry_set_label(reg, "site", "berlin"), 0);
    assert_int_equal(pf_counter_family_new(reg, "app_requests_total",
                                           "Requests.", code, &requests),
                     0);
    assert_int_equal(
        pf_counter_new(reg, "app_restarts_total", "Restarts.", &restarts), 0);
    assert_int_equal(
        pf_gauge_new(reg, "app_temperature_celsius", "Temperature.", &temp), 0);
    assert_int_equal(pf_histogram_new(reg, "app_latency_seconds", "Latency.",
                                      one, 1, &latency),
                     0);
    assert_int_equal(pf_histogram_family_new(reg, "rpc_size_bytes", "Size.",
                                             method, hundred, 1, &sizes),
                     0);
    assert_int_equal(pf_gauge_func_new(reg, "app_load_ratio", "Load.",
                                       return_three_quarters, NULL, NULL),
                     0);
    assert_int_equal(pf_counter_func_new(reg, "app_ticks_total", "Ticks.",
                                         return_twelve, NULL, NULL),
                     0);
    assert_int_equal(pf_registry_set_label(reg, "instance", "host:9100"), 0);

    assert_int_equal(pf_counter_add_labels(requests, 3, "200", NULL), 0);
    assert_int_equal(pf_counter_inc(restarts), 0);
    assert_int_equal(pf_gauge_set(temp, 21.5), 0);
    assert_int_equal(pf_histogram_observe(latency, 0.5), 0);
    assert_int_equal(pf_histogram_observe_labels(sizes, 50, "get", NULL), 0);

    /* Constant labels come after the family's, sorted by name; a
     * histogram's le comes last. */
#define CL "instance=\"host:9100\",site=\"berlin\""
    assert_render(reg,
                  "# HELP app_latency_seconds Latency.\n"
                  "# TYPE app_latency_seconds histogram\n"
                  "app_latency_seconds_bucket{" CL ",le=\"1\"} 1\n"
                  "app_latency_seconds_bucket{" CL ",le=\"+Inf\"} 1\n"
                  "app_latency_seconds_sum{" CL "} 0.5\n"
                  "app_latency_seconds_count{" CL "} 1\n"
                  "# HELP app_load_ratio Load.\n"
                  "# TYPE app_load_ratio gauge\n"
                  "app_load_ratio{" CL "} 0.75\n"
                  "# HELP app_requests_total Requests.\n"
                  "# TYPE app_requests_total counter\n"
                  "app_requests_total{code=\"200\"," CL "} 3\n"
                  "# HELP app_restarts_total Restarts.\n"
                  "# TYPE app_restarts_total counter\n"
                  "app_restarts_total{" CL "} 1\n"
                  "# HELP app_temperature_celsius Temperature.\n"
                  "# TYPE app_temperature_celsius gauge\n"
                  "app_temperature_celsius{" CL "} 21.5\n"
                  "# HELP app_ticks_total Ticks.\n"
                  "# TYPE app_ticks_total counter\n"
                  "app_ticks_total{" CL "} 12\n"
                  "# HELP rpc_size_bytes Size.\n"
                  "# TYPE rpc_size_bytes histogram\n"
                  "rpc_size_bytes_bucket{method=\"get\"," CL ",le=\"100\"} 1\n"
                  "rpc_size_bytes_bucket{method=\"get\"," CL ",le=\"+Inf\"} 1\n"
                  "rpc_size_bytes_sum{method=\"get\"," CL "} 50\n"
                  "rpc_size_bytes_count{method=\"get\"," CL "} 1\n");
#undef CL
}

static void set_label_replaces_value(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_registry_set_label(*state, "site", "a"), 0);
    assert_int_equal(pf_registry_set_label(*state, "site", "b"), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs{site=\"b\"} 0\n");
}

static void set_label_null_removes(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_registry_set_label(*state, "site", "a"), 0);
    assert_int_equal(pf_registry_set_label(*state, "zone", "z"), 0);
    assert_int_equal(pf_registry_set_label(*state, "instance", "i"), 0);
    assert_int_equal(pf_registry_set_label(*state, "site", NULL), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs{instance=\"i\",zone=\"z\"} 0\n");
    assert_int_equal(pf_registry_set_label(*state, "zone", NULL), 0);
    assert_int_equal(pf_registry_set_label(*state, "instance", NULL), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs 0\n");
    /* And it can be set again. */
    assert_int_equal(pf_registry_set_label(*state, "site", "c"), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs{site=\"c\"} 0\n");
}

static void set_label_escapes_value(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(
        pf_registry_set_label(*state, "path", "C:\\dir \"x\"\n\xc3\xa9"), 0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs{path=\"C:\\\\dir \\\"x\\\"\\n\xc3\xa9\"} "
                          "0\n");
}

static void set_label_rejects_invalid(void **state)
{
    static const char *const bad_names[] = {
        "", "1a", "__x", "le", "quantile", "a-b", "siteName", "a:b",
    };
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        if (pf_registry_set_label(*state, bad_names[i], "v") != -EINVAL)
            fail_msg("label name \"%s\" was accepted", bad_names[i]);
        assert_true(strlen(pf_last_error()) > 0);
    }
    assert_int_equal(pf_registry_set_label(*state, "__x", "v"), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "\"__x\""));
    assert_int_equal(pf_registry_set_label(*state, NULL, "v"), -EINVAL);
    assert_int_equal(pf_registry_set_label(*state, "site", "caf\xe9"), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "UTF-8"));
    assert_int_equal(pf_registry_set_label(*state, "site", "\xed\xa0\x80"),
                     -EINVAL);
    /* No label was added by any of them. */
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs 0\n");
}

static void set_label_conflicts_with_family_label(void **state)
{
    static const char *const site[] = {"site", NULL};
    static const char *const method[] = {"method", NULL};
    pf_family *f = NULL, *h = NULL;

    assert_int_equal(pf_gauge_family_new(*state, "app_jobs", "Jobs.", site, &f),
                     0);
    assert_int_equal(pf_histogram_family_new(*state, "app_latency_seconds",
                                             "Latency.", method, NULL, 0, &h),
                     0);
    assert_int_equal(pf_gauge_set_labels(f, 1.0, "s1", NULL), 0);
    assert_int_equal(pf_registry_set_label(*state, "site", "x"), -EEXIST);
    assert_non_null(strstr(pf_last_error(), "app_jobs"));
    assert_int_equal(pf_registry_set_label(*state, "method", "x"), -EEXIST);
    assert_non_null(strstr(pf_last_error(), "app_latency_seconds"));
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs{site=\"s1\"} 1\n");
}

static void set_label_blocks_later_family_label(void **state)
{
    static const char *const site[] = {"site", NULL};
    static const char *const code_site[] = {"code", "site", NULL};
    pf_family *f = NULL;

    assert_int_equal(pf_registry_set_label(*state, "site", "berlin"), 0);
    assert_int_equal(pf_gauge_family_new(*state, "app_jobs", "Jobs.", site, &f),
                     -EEXIST);
    assert_non_null(strstr(pf_last_error(), "constant label"));
    assert_int_equal(pf_counter_family_new(*state, "app_requests_total",
                                           "Requests.", code_site, &f),
                     -EEXIST);
    assert_int_equal(pf_histogram_family_new(*state, "app_latency_seconds",
                                             "Latency.", site, NULL, 0, &f),
                     -EEXIST);
    assert_null(f);
    /* Once the constant label is gone, the family may be registered. */
    assert_int_equal(pf_registry_set_label(*state, "site", NULL), 0);
    assert_int_equal(pf_gauge_family_new(*state, "app_jobs", "Jobs.", site, &f),
                     0);
    assert_non_null(f);
}

/* ---- Rendering --------------------------------------------------------- */

static void render_empty_registry_is_empty(void **state)
{
    char *text = NULL;
    size_t len = 99;

    assert_int_equal(pf_registry_render(*state, &text, &len), 0);
    assert_non_null(text);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
}

static void render_rejects_null_result(void **state)
{
    size_t len = 99;
    char *text = NULL;
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_registry_render(*state, NULL, &len), -EINVAL);
    assert_int_equal(len, 99);
    assert_int_equal(pf_registry_render(*state, NULL, NULL), -EINVAL);
    /* The length is optional. */
    assert_int_equal(pf_registry_render(*state, &text, NULL), 0);
    assert_string_equal(text, "# HELP app_jobs Jobs.\n"
                              "# TYPE app_jobs gauge\n"
                              "app_jobs 0\n");
    free(text);
}

/* Fill reg with a little of everything. */
static void populate(pf_registry *reg)
{
    static const char *const code[] = {"code", NULL};
    pf_family *f = NULL;
    pf_histogram *h = NULL;

    assert_int_equal(
        pf_counter_family_new(reg, "app_requests_total", "Requests.", code, &f),
        0);
    assert_int_equal(pf_counter_inc_labels(f, "200", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "500", NULL), 0);
    assert_int_equal(
        pf_histogram_new(reg, "app_latency_seconds", "Latency.", NULL, 0, &h),
        0);
    assert_int_equal(pf_histogram_observe(h, 0.3), 0);
    assert_int_equal(pf_registry_set_label(reg, "site", "x"), 0);
}

static void render_file_matches_render(void **state)
{
    FILE *f = tmpfile();
    char *want, got[8192];
    size_t n;

    assert_non_null(f);
    populate(*state);
    assert_int_equal(pf_registry_render_file(*state, f), 0);
    want = render_text(*state);
    rewind(f);
    n = fread(got, 1, sizeof(got) - 1, f);
    got[n] = '\0';
    assert_int_equal(fclose(f), 0);
    assert_int_equal(n, strlen(want));
    assert_string_equal(got, want);
    free(want);
}

/* Nothing to write: no fwrite() of a NULL buffer (undefined behaviour,
 * caught by UBSan), no error. */
static void render_file_empty_registry_writes_nothing(void **state)
{
    FILE *f = tmpfile();

    assert_non_null(f);
    assert_int_equal(pf_registry_render_file(*state, f), 0);
    assert_int_equal(ftell(f), 0);
    assert_int_equal(fclose(f), 0);
}

static void render_file_rejects_null_file(void **state)
{
    assert_int_equal(pf_registry_render_file(*state, NULL), -EINVAL);
}

static void render_file_to_full_device_is_eio(void **state)
{
    FILE *f = fopen("/dev/full", "w");

    if (!f)
        skip();
    populate(*state);
    assert_int_equal(pf_registry_render_file(*state, f), -EIO);
    /* The unwritten data makes fclose() fail too; that is expected. */
    fclose(f);
}

/* ---- pf_strerror(), pf_version(), pf_last_error() ----------------------- */

static void strerror_ignores_sign(void **state)
{
    static const int codes[] = {EINVAL, ENOMEM, EEXIST, ENOENT, EIO, E2BIG};

    UNUSED(state);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *neg = pf_strerror(-codes[i]);
        const char *pos = pf_strerror(codes[i]);

        assert_non_null(neg);
        assert_non_null(pos);
        assert_true(strlen(neg) > 0);
        assert_string_equal(neg, pos);
    }
    assert_string_not_equal(pf_strerror(-EINVAL), pf_strerror(-ENOMEM));
}

static void strerror_unknown_is_not_null(void **state)
{
    UNUSED(state);
    assert_non_null(pf_strerror(99999));
    assert_non_null(pf_strerror(-99999));
    assert_non_null(pf_strerror(INT_MAX));
    assert_true(strlen(pf_strerror(-99999)) > 0);
}

/* INT_MIN has no positive counterpart: "the sign is ignored" must not
 * mean negating it (undefined behaviour, caught by UBSan). */
static void strerror_int_min_is_not_null(void **state)
{
    UNUSED(state);
    assert_non_null(pf_strerror(INT_MIN));
}

static void version_matches_package(void **state)
{
    char buf[32];

    UNUSED(state);
    assert_non_null(pf_version());
    assert_string_equal(pf_version(), PACKAGE_VERSION);
    assert_string_equal(pf_version(), PF_VERSION);
    snprintf(buf, sizeof(buf), "%d.%d.%d", PF_VERSION_MAJOR, PF_VERSION_MINOR,
             PF_VERSION_MICRO);
    assert_string_equal(buf, PF_VERSION);
    assert_int_equal(PF_VERSION_HEX, (PF_VERSION_MAJOR << 16) |
                                         (PF_VERSION_MINOR << 8) |
                                         PF_VERSION_MICRO);
}

static void *read_last_error(void *arg)
{
    char *out = arg;

    snprintf(out, 256, "%s", pf_last_error());
    return NULL;
}

static void last_error_is_empty_in_fresh_thread(void **state)
{
    char seen[256] = "not run";
    pthread_t t;

    /* Leave a message in this thread first. */
    assert_int_equal(pf_registry_set_label(*state, "__x", "v"), -EINVAL);
    assert_true(strlen(pf_last_error()) > 0);
    assert_int_equal(pthread_create(&t, NULL, read_last_error, seen), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(seen, "");
    /* This thread's message is untouched. */
    assert_non_null(strstr(pf_last_error(), "__x"));
}

int main(void)
{
#define T(f)                                                                   \
    cmocka_unit_test_setup_teardown(f, registry_setup, registry_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_new_and_free),
        T(registry_new_is_independent),
        cmocka_unit_test(registry_default_is_stable),
        cmocka_unit_test(registry_null_means_default),
        cmocka_unit_test(registry_free_default_is_ignored),
        T(set_label_applies_to_every_series),
        T(set_label_replaces_value),
        T(set_label_null_removes),
        T(set_label_escapes_value),
        T(set_label_rejects_invalid),
        T(set_label_conflicts_with_family_label),
        T(set_label_blocks_later_family_label),
        T(render_empty_registry_is_empty),
        T(render_rejects_null_result),
        T(render_file_matches_render),
        T(render_file_rejects_null_file),
        T(render_file_to_full_device_is_eio),
        cmocka_unit_test(strerror_ignores_sign),
        cmocka_unit_test(strerror_unknown_is_not_null),
        cmocka_unit_test(version_matches_package),
        T(last_error_is_empty_in_fresh_thread),
        /* Last: under UBSan a failure of these ends the process. */
        cmocka_unit_test(strerror_int_min_is_not_null),
        T(render_file_empty_registry_writes_nothing),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
