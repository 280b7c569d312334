/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/validate.c: UTF-8 validation, metric and label names
 * (the text format's syntax and promtool's naming lints), HELP texts and
 * label values. Every rejection must also leave a sentence in
 * pf_last_error() that names the problem.
 */
#include "pf-test.h"

/* Make pf_last_error() "" so that a stale message cannot satisfy the
 * next check. */
static void clear_error(void)
{
    pf__err(0, "%s", "");
}

/* Assert that `call` returns -EINVAL and that pf_last_error() then
 * contains `needle`. A macro, so that a failure names the caller's line. */
#define assert_einval_msg(call, needle)                                        \
    do {                                                                       \
        int r_;                                                                \
                                                                               \
        clear_error();                                                         \
        r_ = (call);                                                           \
        if (r_ != -EINVAL)                                                     \
            fail_msg("%s returned %d, expected -EINVAL", #call, r_);           \
        if (!strstr(pf_last_error(), (needle)))                                \
            fail_msg("%s: pf_last_error() \"%s\" does not contain \"%s\"",     \
                     #call, pf_last_error(), (needle));                        \
    } while (0)

#define assert_ok(call)                                                        \
    do {                                                                       \
        int r_ = (call);                                                       \
                                                                               \
        if (r_ != 0)                                                           \
            fail_msg("%s returned %d (%s), expected 0", #call, r_,             \
                     pf_last_error());                                         \
    } while (0)

/* pf__utf8_valid() on a string literal, NULs included. */
#define utf8_ok(lit) pf__utf8_valid((lit), sizeof(lit) - 1)

/* ---- pf__utf8_valid ---------------------------------------------------- */

static void utf8_valid_accepts_ascii(void **state)
{
    UNUSED(state);
    assert_true(utf8_ok("hello, world"));
    assert_true(utf8_ok("\x01\x1f !~\x7f"));
    /* NUL is a valid code point; only `len` bounds the string. */
    assert_true(utf8_ok("a\0b"));
}

static void utf8_valid_accepts_empty(void **state)
{
    UNUSED(state);
    assert_true(pf__utf8_valid("", 0));
    /* Only len bytes are looked at. */
    assert_true(pf__utf8_valid("\xff", 0));
}

static void utf8_valid_accepts_two_byte(void **state)
{
    UNUSED(state);
    assert_true(utf8_ok("\xc2\x80"));     /* U+0080, the smallest */
    assert_true(utf8_ok("\xc3\xa9"));     /* U+00E9 e acute */
    assert_true(utf8_ok("\xdf\xbf"));     /* U+07FF, the largest */
    assert_true(utf8_ok("caf\xc3\xa9!")); /* embedded in ASCII */
}

static void utf8_valid_accepts_three_byte(void **state)
{
    UNUSED(state);
    assert_true(utf8_ok("\xe0\xa0\x80")); /* U+0800, the smallest */
    assert_true(utf8_ok("\xe2\x82\xac")); /* U+20AC euro sign */
    assert_true(utf8_ok("\xed\x9f\xbf")); /* U+D7FF, below surrogates */
    assert_true(utf8_ok("\xee\x80\x80")); /* U+E000, above surrogates */
    assert_true(utf8_ok("\xef\xbf\xbf")); /* U+FFFF */
}

static void utf8_valid_accepts_four_byte(void **state)
{
    UNUSED(state);
    assert_true(utf8_ok("\xf0\x90\x80\x80")); /* U+10000, the smallest */
    assert_true(utf8_ok("\xf0\x9f\x98\x80")); /* U+1F600 emoji */
    assert_true(utf8_ok("\xf3\xbf\xbf\xbf")); /* U+FFFFF */
    assert_true(utf8_ok("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the largest */
    assert_true(utf8_ok("a\xf4\x8f\xbf\xbf"
                        "b\xc3\xa9"));
}

static void utf8_valid_rejects_overlong(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\xc0\x80"));         /* NUL in 2 bytes */
    assert_false(utf8_ok("\xc0\xaf"));         /* '/' in 2 bytes */
    assert_false(utf8_ok("\xc1\xbf"));         /* U+007F in 2 bytes */
    assert_false(utf8_ok("\xe0\x80\x80"));     /* NUL in 3 bytes */
    assert_false(utf8_ok("\xe0\x9f\xbf"));     /* U+07FF in 3 bytes */
    assert_false(utf8_ok("\xf0\x80\x80\x80")); /* NUL in 4 bytes */
    assert_false(utf8_ok("\xf0\x8f\xbf\xbf")); /* U+FFFF in 4 bytes */
}

static void utf8_valid_rejects_surrogates(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\xed\xa0\x80")); /* U+D800 */
    assert_false(utf8_ok("\xed\xaf\xbf")); /* U+DBFF */
    assert_false(utf8_ok("\xed\xb0\x80")); /* U+DC00 */
    assert_false(utf8_ok("\xed\xbf\xbf")); /* U+DFFF */
    /* A CESU-8 pair for U+10000. */
    assert_false(utf8_ok("\xed\xa0\x80\xed\xb0\x80"));
}

static void utf8_valid_rejects_above_max(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(utf8_ok("\xf4\xbf\xbf\xbf"));
    assert_false(utf8_ok("\xf5\x80\x80\x80"));
    assert_false(utf8_ok("\xf7\xbf\xbf\xbf"));
    assert_false(utf8_ok("\xf8\x88\x80\x80\x80")); /* old 5-byte form */
    assert_false(utf8_ok("\xfc\x84\x80\x80\x80\x80"));
    assert_false(utf8_ok("\xfe"));
    assert_false(utf8_ok("\xff"));
}

static void utf8_valid_rejects_truncated(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\xc3"));
    assert_false(utf8_ok("\xe2\x82"));
    assert_false(utf8_ok("\xe2"));
    assert_false(utf8_ok("\xf0\x9f\x98"));
    assert_false(utf8_ok("\xf0\x9f"));
    assert_false(utf8_ok("\xf0"));
    assert_false(utf8_ok("abc\xe2\x82"));
    /* A valid sequence cut by len, not by the string's end. */
    assert_false(pf__utf8_valid("\xc3\xa9", 1));
    assert_false(pf__utf8_valid("x\xf0\x9f\x98\x80", 4));
    assert_true(pf__utf8_valid("x\xf0\x9f\x98\x80", 5));
}

static void utf8_valid_rejects_stray_continuation(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\x80"));
    assert_false(utf8_ok("\xbf"));
    assert_false(utf8_ok("a\x80"
                         "b"));
    assert_false(utf8_ok("\xc3\xa9\xa9")); /* one too many */
    assert_false(utf8_ok("\x80\x80\x80\x80"));
}

static void utf8_valid_rejects_bad_continuation(void **state)
{
    UNUSED(state);
    assert_false(utf8_ok("\xc3(")); /* ASCII where a tail belongs */
    assert_false(utf8_ok("\xe2(\xa1"));
    assert_false(utf8_ok("\xe2\x82("));
    assert_false(utf8_ok("\xf0\x9f(\x80"));
    assert_false(utf8_ok("\xf0\x9f\x98("));
    assert_false(utf8_ok("\xc3\xc3\xa9")); /* a lead where a tail belongs */
}

/* ---- pf__check_metric_name: syntax -------------------------------------- */

static void metric_name_accepts_valid(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_metric_name("app_requests_total", PF_TYPE_COUNTER));
    assert_ok(pf__check_metric_name("a", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("_x", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("B2", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("app_temperature_celsius", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("http_request_duration_seconds",
                                    PF_TYPE_HISTOGRAM));
    assert_ok(
        pf__check_metric_name("process_resident_memory_bytes", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("node_http2_streams", PF_TYPE_GAUGE));
    /* promlint looks for "_gauge_" and a "_gauge" suffix only, so a type
     * word as the first word passes. */
    assert_ok(pf__check_metric_name("gauge_things", PF_TYPE_GAUGE));
}

static void metric_name_rejects_empty(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("", PF_TYPE_GAUGE), "empty");
    assert_einval_msg(pf__check_metric_name(NULL, PF_TYPE_GAUGE), "empty");
}

static void metric_name_rejects_bad_first_char(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("1abc", PF_TYPE_GAUGE),
                      "must start with");
    assert_einval_msg(pf__check_metric_name("-abc", PF_TYPE_GAUGE),
                      "must start with");
    assert_einval_msg(pf__check_metric_name("\xc3\xa9t\xc3\xa9", PF_TYPE_GAUGE),
                      "must start with");
}

static void metric_name_rejects_bad_chars(void **state)
{
    static const char *const bad[] = {
        "a-b", "a b", "a.b", "a\xc3\xa9", "a{b}", "a\"b", "a\nb", "ab/",
    };

    UNUSED(state);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_einval_msg(pf__check_metric_name(bad[i], PF_TYPE_GAUGE),
                          "other than [a-zA-Z0-9_:]");
}

static void metric_name_rejects_double_underscore(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("__x", PF_TYPE_GAUGE),
                      "starts with \"__\"");
    assert_einval_msg(pf__check_metric_name("__name__", PF_TYPE_GAUGE),
                      "starts with \"__\"");
}

static void metric_name_rejects_too_long(void **state)
{
    char name[PF_MAX_NAME + 2];

    UNUSED(state);
    memset(name, 'a', PF_MAX_NAME);
    name[PF_MAX_NAME] = '\0';
    assert_ok(pf__check_metric_name(name, PF_TYPE_GAUGE));
    name[PF_MAX_NAME] = 'a';
    name[PF_MAX_NAME + 1] = '\0';
    assert_einval_msg(pf__check_metric_name(name, PF_TYPE_GAUGE),
                      "longer than 255");
}

/* ---- pf__check_metric_name: promtool's lints ---------------------------- */

static void metric_name_rejects_colon(void **state)
{
    UNUSED(state);
    assert_einval_msg(
        pf__check_metric_name("job:requests:rate5m", PF_TYPE_GAUGE),
        "contains ':'");
    assert_einval_msg(pf__check_metric_name(":x", PF_TYPE_GAUGE),
                      "contains ':'");
    assert_einval_msg(pf__check_metric_name("x:", PF_TYPE_GAUGE),
                      "contains ':'");
}

static void metric_name_rejects_camel_case(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("httpRequests", PF_TYPE_GAUGE),
                      "camelCase");
    assert_einval_msg(
        pf__check_metric_name("app_requestsTotal_total", PF_TYPE_COUNTER),
        "camelCase");
}

static void metric_name_counter_needs_total(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("app_requests", PF_TYPE_COUNTER),
                      "does not end in \"_total\"");
    assert_einval_msg(
        pf__check_metric_name("app_requests_totals", PF_TYPE_COUNTER),
        "does not end in \"_total\"");
    assert_einval_msg(pf__check_metric_name("total", PF_TYPE_COUNTER),
                      "does not end in \"_total\"");
}

static void metric_name_non_counter_rejects_total(void **state)
{
    UNUSED(state);
    assert_einval_msg(
        pf__check_metric_name("app_requests_total", PF_TYPE_GAUGE),
        "which is for counters");
    assert_einval_msg(
        pf__check_metric_name("app_requests_total", PF_TYPE_HISTOGRAM),
        "which is for counters");
}

static void metric_name_rejects_histogram_suffixes(void **state)
{
    static const char *const names[] = {
        "app_latency_bucket",
        "app_latency_count",
        "app_latency_sum",
    };

    UNUSED(state);
    for (size_t i = 0; i < 3; i++)
        assert_einval_msg(pf__check_metric_name(names[i], PF_TYPE_GAUGE),
                          "reserved for histograms");
    /* A counter must end in _total, so it cannot end in these. */
    assert_ok(
        pf__check_metric_name("app_latency_count_total", PF_TYPE_COUNTER));
}

static void metric_name_histogram_allows_histogram_suffixes(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_metric_name("app_latency_bucket", PF_TYPE_HISTOGRAM));
    assert_ok(pf__check_metric_name("app_latency_count", PF_TYPE_HISTOGRAM));
    assert_ok(pf__check_metric_name("app_latency_sum", PF_TYPE_HISTOGRAM));
}

static void metric_name_rejects_type_words(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_metric_name("queue_gauge", PF_TYPE_GAUGE),
                      "type name \"gauge\"");
    assert_einval_msg(
        pf__check_metric_name("app_counter_errors_total", PF_TYPE_COUNTER),
        "type name \"counter\"");
    assert_einval_msg(
        pf__check_metric_name("latency_histogram_seconds", PF_TYPE_HISTOGRAM),
        "type name \"histogram\"");
    assert_einval_msg(pf__check_metric_name("rpc_summary", PF_TYPE_GAUGE),
                      "type name \"summary\"");
    assert_einval_msg(
        pf__check_metric_name("app_untyped_things", PF_TYPE_GAUGE),
        "type name \"untyped\"");
    /* Compared in lower case, as promlint does. */
    assert_einval_msg(pf__check_metric_name("queue_GAUGE", PF_TYPE_GAUGE),
                      "type name \"gauge\"");
    /* Only whole words count. */
    assert_ok(pf__check_metric_name("queue_gauges", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("queue_countering", PF_TYPE_GAUGE));
}

static void metric_name_rejects_abbreviated_units(void **state)
{
    static const struct {
        const char *name;
        const char *msg;
    } cases[] = {
        {"request_latency_ms", "abbreviated unit \"ms\""},
        {"request_duration_s", "abbreviated unit \"s\""},
        {"memory_kb", "abbreviated unit \"kb\""},
        {"uptime_sec", "abbreviated unit \"sec\""},
        {"disk_gb_free", "abbreviated unit \"gb\""},
        {"cpu_time_ns", "abbreviated unit \"ns\""},
        {"trip_h", "abbreviated unit \"h\""},
        {"request_latency_MS", "abbreviated unit \"ms\""},
    };

    UNUSED(state);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_einval_msg(pf__check_metric_name(cases[i].name, PF_TYPE_GAUGE),
                          cases[i].msg);
    /* A unit word that merely starts like an abbreviation is fine. */
    assert_ok(pf__check_metric_name("app_msgs", PF_TYPE_GAUGE));
}

static void metric_name_rejects_non_base_units(void **state)
{
    static const struct {
        const char *name;
        const char *unit;
        const char *base;
    } cases[] = {
        {"request_duration_milliseconds", "\"milliseconds\"",
         "base unit \"seconds\""},
        {"job_age_minutes", "\"minutes\"", "base unit \"seconds\""},
        {"cache_size_kilobytes", "\"kilobytes\"", "base unit \"bytes\""},
        {"link_speed_bits", "\"bits\"", "base unit \"bytes\""},
        {"cpu_time_microseconds", "\"microseconds\"", "base unit \"seconds\""},
        {"uptime_hours", "\"hours\"", "base unit \"seconds\""},
        {"memory_kibibytes", "\"kibibytes\"", "base unit \"bytes\""},
        {"room_temperature_fahrenheit", "\"fahrenheit\"",
         "base unit \"celsius\""},
    };

    UNUSED(state);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_einval_msg(pf__check_metric_name(cases[i].name, PF_TYPE_GAUGE),
                          cases[i].unit);
        assert_einval_msg(pf__check_metric_name(cases[i].name, PF_TYPE_GAUGE),
                          cases[i].base);
    }
}

static void metric_name_accepts_base_units(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_metric_name("request_duration_seconds", PF_TYPE_GAUGE));
    assert_ok(
        pf__check_metric_name("request_duration_seconds", PF_TYPE_HISTOGRAM));
    assert_ok(pf__check_metric_name("cpu_seconds_total", PF_TYPE_COUNTER));
    assert_ok(pf__check_metric_name("response_size_bytes", PF_TYPE_GAUGE));
    assert_ok(pf__check_metric_name("sent_bytes_total", PF_TYPE_COUNTER));
    assert_ok(pf__check_metric_name("room_temperature_celsius", PF_TYPE_GAUGE));
}

/* ---- pf__check_label_name ----------------------------------------------- */

static void label_name_accepts_valid(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_label_name("method"));
    assert_ok(pf__check_label_name("status_code"));
    assert_ok(pf__check_label_name("_x"));
    assert_ok(pf__check_label_name("a1"));
    assert_ok(pf__check_label_name("Z"));
    assert_ok(pf__check_label_name("len"));
    assert_ok(pf__check_label_name("quantiles"));
}

static void label_name_rejects_empty(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_name(""), "label name is empty");
    assert_einval_msg(pf__check_label_name(NULL), "label name is empty");
}

static void label_name_rejects_digit_first(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_name("1a"), "must start with");
    assert_einval_msg(pf__check_label_name("9"), "must start with");
}

static void label_name_rejects_bad_chars(void **state)
{
    UNUSED(state);
    /* Unlike metric names, label names may not contain ':'. */
    assert_einval_msg(pf__check_label_name("a:b"), "other than [a-zA-Z0-9_]");
    assert_einval_msg(pf__check_label_name("a-b"), "other than [a-zA-Z0-9_]");
    assert_einval_msg(pf__check_label_name("a\xc3\xa9"),
                      "other than [a-zA-Z0-9_]");
    assert_einval_msg(pf__check_label_name(":a"), "must start with");
}

static void label_name_rejects_double_underscore(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_name("__x"), "starts with \"__\"");
    assert_einval_msg(pf__check_label_name("__name__"), "starts with \"__\"");
    assert_einval_msg(pf__check_label_name("__"), "starts with \"__\"");
}

static void label_name_rejects_le_and_quantile(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_name("le"), "\"le\" is reserved");
    assert_einval_msg(pf__check_label_name("quantile"),
                      "\"quantile\" is reserved");
}

static void label_name_rejects_camel_case(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_name("httpMethod"), "camelCase");
}

static void label_name_rejects_too_long(void **state)
{
    char name[PF_MAX_NAME + 2];

    UNUSED(state);
    memset(name, 'l', PF_MAX_NAME);
    name[PF_MAX_NAME] = '\0';
    assert_ok(pf__check_label_name(name));
    name[PF_MAX_NAME] = 'l';
    name[PF_MAX_NAME + 1] = '\0';
    assert_einval_msg(pf__check_label_name(name), "longer than 255");
}

/* ---- pf__check_help ---------------------------------------------------- */

static void help_accepts_text(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_help("Requests served."));
    assert_ok(pf__check_help("Quotes \" and backslashes \\ are fine."));
    assert_ok(pf__check_help("Temp\xc3\xa9rature in \xe2\x84\x83."));
    assert_ok(pf__check_help("\xf0\x9f\x98\x80"));
}

static void help_allows_tab_and_newline(void **state)
{
    UNUSED(state);
    assert_ok(pf__check_help("a\tb"));
    assert_ok(pf__check_help("line one\nline two\n"));
}

static void help_rejects_empty(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_help(""), "HELP text is empty");
    assert_einval_msg(pf__check_help(NULL), "HELP text is empty");
}

/* Issue 12: readers strip the blanks after the name, so " x" would be
 * read back as "x" and " " as no HELP at all (promtool: "no help
 * text"). */
static void help_rejects_leading_blank(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_help(" "), "starts with white space");
    assert_einval_msg(pf__check_help("   "), "starts with white space");
    assert_einval_msg(pf__check_help("\tx"), "starts with white space");
    assert_einval_msg(pf__check_help(" Requests."), "starts with white space");
    /* Blanks after the first character are kept by every reader. */
    assert_ok(pf__check_help("Requests. "));
    assert_ok(pf__check_help("\nRequests."));
}

static void help_rejects_invalid_utf8(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_help("caf\xe9"), "not valid UTF-8");
    assert_einval_msg(pf__check_help("\xed\xa0\x80"), "not valid UTF-8");
    assert_einval_msg(pf__check_help("end\xe2\x82"), "not valid UTF-8");
}

static void help_rejects_cr(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_help("a\rb"), "control character 0x0d");
    assert_einval_msg(pf__check_help("text\r\n"), "control character 0x0d");
}

static void help_rejects_control_chars(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_help("a\x01z"), "control character 0x01");
    assert_einval_msg(pf__check_help("\x1b[31mred"), "control character 0x1b");
    assert_einval_msg(pf__check_help("a\x0b"), "control character 0x0b");
    assert_einval_msg(pf__check_help("a\x0c"), "control character 0x0c");
    assert_einval_msg(pf__check_help("del\x7f"), "control character 0x7f");
}

/* ---- pf__check_label_value ---------------------------------------------- */

static void label_value_accepts_utf8(void **state)
{
    static const char v[] = "GET /caf\xc3\xa9 \"q\" \\ \n \xf0\x9f\x98\x80";

    UNUSED(state);
    assert_ok(pf__check_label_value(v, sizeof(v) - 1));
    assert_ok(pf__check_label_value("", 0));
    /* Control characters are escaped or harmless in a quoted value... */
    assert_ok(pf__check_label_value("\t\x01", 2));
    /* ...but for the carriage return, which has no escape. */
    assert_einval_msg(pf__check_label_value("a\rb", 3), "carriage return");
}

static void label_value_rejects_invalid_utf8(void **state)
{
    UNUSED(state);
    assert_einval_msg(pf__check_label_value("\xff", 1), "not valid UTF-8");
    assert_einval_msg(pf__check_label_value("ab\xc0\x80", 4),
                      "not valid UTF-8");
    assert_einval_msg(pf__check_label_value("\xed\xbf\xbf", 3),
                      "not valid UTF-8");
    /* The length given is what counts: a sequence cut by it is bad. */
    assert_einval_msg(pf__check_label_value("\xc3\xa9", 1), "not valid UTF-8");
    assert_ok(pf__check_label_value("ok\xff", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_valid_accepts_ascii),
        cmocka_unit_test(utf8_valid_accepts_empty),
        cmocka_unit_test(utf8_valid_accepts_two_byte),
        cmocka_unit_test(utf8_valid_accepts_three_byte),
        cmocka_unit_test(utf8_valid_accepts_four_byte),
        cmocka_unit_test(utf8_valid_rejects_overlong),
        cmocka_unit_test(utf8_valid_rejects_surrogates),
        cmocka_unit_test(utf8_valid_rejects_above_max),
        cmocka_unit_test(utf8_valid_rejects_truncated),
        cmocka_unit_test(utf8_valid_rejects_stray_continuation),
        cmocka_unit_test(utf8_valid_rejects_bad_continuation),
        cmocka_unit_test(metric_name_accepts_valid),
        cmocka_unit_test(metric_name_rejects_empty),
        cmocka_unit_test(metric_name_rejects_bad_first_char),
        cmocka_unit_test(metric_name_rejects_bad_chars),
        cmocka_unit_test(metric_name_rejects_double_underscore),
        cmocka_unit_test(metric_name_rejects_too_long),
        cmocka_unit_test(metric_name_rejects_colon),
        cmocka_unit_test(metric_name_rejects_camel_case),
        cmocka_unit_test(metric_name_counter_needs_total),
        cmocka_unit_test(metric_name_non_counter_rejects_total),
        cmocka_unit_test(metric_name_rejects_histogram_suffixes),
        cmocka_unit_test(metric_name_histogram_allows_histogram_suffixes),
        cmocka_unit_test(metric_name_rejects_type_words),
        cmocka_unit_test(metric_name_rejects_abbreviated_units),
        cmocka_unit_test(metric_name_rejects_non_base_units),
        cmocka_unit_test(metric_name_accepts_base_units),
        cmocka_unit_test(label_name_accepts_valid),
        cmocka_unit_test(label_name_rejects_empty),
        cmocka_unit_test(label_name_rejects_digit_first),
        cmocka_unit_test(label_name_rejects_bad_chars),
        cmocka_unit_test(label_name_rejects_double_underscore),
        cmocka_unit_test(label_name_rejects_le_and_quantile),
        cmocka_unit_test(label_name_rejects_camel_case),
        cmocka_unit_test(label_name_rejects_too_long),
        cmocka_unit_test(help_accepts_text),
        cmocka_unit_test(help_allows_tab_and_newline),
        cmocka_unit_test(help_rejects_empty),
        cmocka_unit_test(help_rejects_leading_blank),
        cmocka_unit_test(help_rejects_invalid_utf8),
        cmocka_unit_test(help_rejects_cr),
        cmocka_unit_test(help_rejects_control_chars),
        cmocka_unit_test(label_value_accepts_utf8),
        cmocka_unit_test(label_value_rejects_invalid_utf8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
