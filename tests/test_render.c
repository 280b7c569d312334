/* SPDX-License-Identifier: MIT */
/*
 * Rendering: each scenario is compared byte for byte with a golden file in
 * tests/data/, and check-golden.sh runs every golden file through promtool
 * and Python's prometheus_client parser.
 */
#include "pf-test.h"

#include <locale.h>
#include <math.h>

#include "auth_metrics.h"

static void render_auth_example(void **state)
{
    pf_registry *reg = *state;
    char *text;

    assert_int_equal(auth_metrics_init(reg), 0);
    assert_int_equal(authentication_inc("imap", "plain", "ok"), 0);
    assert_int_equal(authentication_inc("imap", "plain", "ok"), 0);
    assert_int_equal(
        authentication_inc("submission", "scram-sha-256", "badpassword"), 0);
    assert_int_equal(authentication_inc("webmail", "weblogin", "ok"), 0);
    assert_int_equal(authentication_ratelimited_inc("imap"), 0);
    text = render_text(reg);
    assert_golden(text, "auth.prom");
    free(text);
}

static void render_auth_all_series(void **state)
{
    pf_registry *reg = *state;
    char *text, *p;
    size_t lines = 0;

    /* Every one of the 6 x 9 x 7 = 378 combinations is exported at 0
     * before its first event, plus the 6 rate-limit series. */
    assert_int_equal(auth_metrics_init(reg), 0);
    assert_int_equal(auth_metrics_create_all(), 0);
    text = render_text(reg);
    for (p = text; *p; p++)
        if (*p == '\n')
            lines++;
    assert_int_equal(lines, 378 + 6 + 4);
    assert_non_null(strstr(text, "mox_authentication_total{kind=\"webadmin\","
                                 "variant=\"tlsclientauth\",result="
                                 "\"aborted\"} 0\n"));
    free(text);
}

static void render_escaping(void **state)
{
    pf_registry *reg = *state;
    static const char *const labels[] = {"path", "user", NULL};
    pf_family *f;
    char *text;

    /* HELP escapes only backslash and newline; a quote stays as it is. */
    assert_int_equal(
        pf_counter_family_new(reg, "esc_requests_total",
                              "Requests with \"odd\" paths,\nback\\slash.",
                              labels, &f),
        0);
    assert_int_equal(pf_counter_inc_labels(f, "C:\\temp", "a\"b", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "line1\nline2", "x", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "/z\xc3\xbcrich", /* zürich */
                                           "\xe6\x97\xa5\xe6\x9c\xac", NULL),
                     0);
    assert_int_equal(
        pf_counter_inc_labels(f, "emoji", "\xf0\x9f\x93\xa7", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "", "empty path", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "\\\\\"\"\n", "end", NULL), 0);
    text = render_text(reg);
    assert_golden(text, "escaping.prom");
    free(text);
}

static void add_numbers(pf_registry *reg)
{
    static const char *const labels[] = {"case", NULL};
    pf_counter *c;
    pf_family *g;

    assert_int_equal(
        pf_counter_new(reg, "num_max_total", "2^64-1, exactly.", &c), 0);
    assert_int_equal(pf_counter_add_u64(c, UINT64_MAX), 0);
    assert_int_equal(pf_counter_new(reg, "num_big_total",
                                    "2^53+1: exact in 64 bits, not in a "
                                    "double.",
                                    &c),
                     0);
    assert_int_equal(pf_counter_add_u64(c, 9007199254740993ULL), 0);
    assert_int_equal(pf_counter_new(reg, "num_fraction_total",
                                    "A counter given fractions.", &c),
                     0);
    assert_int_equal(pf_counter_add(c, 1.0), 0);
    assert_int_equal(pf_counter_add(c, 0.25), 0);

    assert_int_equal(
        pf_gauge_family_new(reg, "num_value", "Gauge values.", labels, &g), 0);
    assert_int_equal(pf_gauge_set_labels(g, NAN, "nan", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, -NAN, "negative_nan", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, INFINITY, "plus_inf", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, -INFINITY, "minus_inf", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 0.1, "tenth", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, -2.5, "negative", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 1e-300, "tiny", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 1e21, "huge", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 1.0 / 3.0, "third", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 12345678.0, "integer", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, -0.0, "negative_zero", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(g, 5e-324, "subnormal", NULL), 0);
}

static void render_numbers(void **state)
{
    pf_registry *reg = *state;
    char *text;

    add_numbers(reg);
    text = render_text(reg);
    assert_golden(text, "numbers.prom");
    /* Never glibc's "-nan" or "nan", which node_exporter rejects. */
    assert_null(strstr(text, " -nan\n"));
    assert_null(strstr(text, " nan\n"));
    free(text);
}

/* The same numbers under a locale whose decimal separator is a comma: the
 * output must not change (TEXTFILE.md: "0,25" is rejected). */
static void render_numbers_in_german_locale(void **state)
{
    pf_registry *reg = *state;
    char buf[32];
    char *text;

    if (!setlocale(LC_ALL, "de_DE.UTF-8")) {
        print_message("de_DE.UTF-8 locale not available (apt-get install "
                      "locales; locale-gen)\n");
        skip();
    }
    /* Prove the locale is in force: printf now writes a comma. */
    snprintf(buf, sizeof(buf), "%.2f", 0.25);
    assert_string_equal(buf, "0,25");
    add_numbers(reg);
    text = render_text(reg);
    setlocale(LC_ALL, "C");
    assert_golden(text, "numbers.prom");
    free(text);
}

static void render_histograms(void **state)
{
    pf_registry *reg = *state;
    static const char *const labels[] = {"method", NULL};
    static const double sizes[] = {100, 1000, 10000};
    pf_histogram *h;
    pf_family *f;
    char *text;

    assert_int_equal(pf_histogram_new(reg, "hist_request_duration_seconds",
                                      "Request latency.", NULL, 0, &h),
                     0);
    assert_int_equal(pf_histogram_observe(h, 0.003), 0);
    assert_int_equal(pf_histogram_observe(h, 0.04), 0);
    assert_int_equal(pf_histogram_observe(h, 0.25), 0);
    assert_int_equal(pf_histogram_observe(h, 7), 0);
    assert_int_equal(pf_histogram_observe(h, 42), 0);

    assert_int_equal(pf_histogram_family_new(reg, "hist_response_size_bytes",
                                             "Response sizes.", labels, sizes,
                                             3, &f),
                     0);
    assert_int_equal(pf_histogram_observe_labels(f, 100, "GET", NULL), 0);
    assert_int_equal(pf_histogram_observe_labels(f, 5000, "GET", NULL), 0);
    assert_int_equal(pf_histogram_observe_labels(f, 1e6, "POST", NULL), 0);
    text = render_text(reg);
    assert_golden(text, "histogram.prom");
    free(text);
}

static double answer(void *arg)
{
    return *(double *)arg;
}

static void render_order_and_omissions(void **state)
{
    pf_registry *reg = *state;
    static const char *const labels[] = {"zone", "shard", NULL};
    static double queue = 17, bytes = 1048576;
    pf_family *f, *empty;
    pf_gauge *g;

    /* Created out of order: families sort by name, series by values. */
    assert_int_equal(pf_gauge_new(reg, "order_z_temperature_celsius",
                                  "Last family by name.", &g),
                     0);
    assert_int_equal(pf_gauge_set(g, 21.5), 0);
    assert_int_equal(pf_counter_family_new(reg, "order_jobs_total",
                                           "Jobs by zone and shard.", labels,
                                           &f),
                     0);
    assert_int_equal(pf_counter_add_labels(f, 3, "b", "2", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 1, "a", "10", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 2, "ab", "1", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 4, "a", "1", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 5, "a", "", NULL), 0);
    assert_int_equal(pf_counter_add_labels(f, 6, "gone", "x", NULL), 0);
    assert_int_equal(pf_family_delete_labels(f, "gone", "x", NULL), 0);
    /* A family with no series is left out altogether. */
    assert_int_equal(pf_counter_family_new(reg, "order_empty_total",
                                           "Never used.", labels, &empty),
                     0);
    assert_int_equal(pf_gauge_func_new(reg, "order_queue_length",
                                       "From a callback.", answer, &queue,
                                       NULL),
                     0);
    assert_int_equal(pf_counter_func_new(reg, "order_read_bytes_total",
                                         "A counter from a callback.", answer,
                                         &bytes, NULL),
                     0);
    {
        char *text = render_text(reg);

        assert_golden(text, "order.prom");
        free(text);
    }
}

/* A registry without a family renders as nothing (and copies no NULL
 * list: UBSan found one in a shared registry that had taken in none). */
static void render_empty_registry(void **state)
{
    char *text = NULL;
    size_t len = 1;

    assert_int_equal(pf_registry_render(*state, &text, &len), 0);
    assert_string_equal(text, "");
    assert_int_equal(len, 0);
    free(text);
}

static void render_constant_labels(void **state)
{
    pf_registry *reg = *state;
    static const char *const labels[] = {"kind", NULL};
    static const double b[] = {1, 2};
    pf_counter *c;
    pf_family *f;
    char *text;

    assert_int_equal(pf_registry_set_label(reg, "site", "fra\"1"), 0);
    assert_int_equal(pf_registry_set_label(reg, "instance", "mail1"), 0);
    assert_int_equal(pf_counter_new(reg, "const_starts_total",
                                    "Unlabeled plus constant labels.", &c),
                     0);
    assert_int_equal(pf_counter_inc(c), 0);
    assert_int_equal(pf_gauge_family_new(reg, "const_sessions",
                                         "Labeled plus constant labels.",
                                         labels, &f),
                     0);
    assert_int_equal(pf_gauge_set_labels(f, 3, "imap", NULL), 0);
    assert_int_equal(pf_histogram_family_new(reg, "const_wait_seconds",
                                             "A histogram with constant "
                                             "labels.",
                                             labels, b, 2, &f),
                     0);
    assert_int_equal(pf_histogram_observe_labels(f, 1.5, "smtp", NULL), 0);
    text = render_text(reg);
    assert_golden(text, "constlabels.prom");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(render_auth_example, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_auth_all_series, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_escaping, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_numbers, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_numbers_in_german_locale,
                                        registry_setup, registry_teardown),
        cmocka_unit_test_setup_teardown(render_histograms, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_order_and_omissions,
                                        registry_setup, registry_teardown),
        cmocka_unit_test_setup_teardown(render_empty_registry, registry_setup,
                                        registry_teardown),
        cmocka_unit_test_setup_teardown(render_constant_labels, registry_setup,
                                        registry_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
