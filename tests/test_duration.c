/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/tool/duration.c, the durations of check --max-age
 * and run --timeout and --kill-after: plain seconds, units, fractions,
 * the order of the parts, the limit, what is refused, and the way a
 * duration is printed back.
 */
#include "pf-test.h"

#include "tool/tool.h"

#define S 1000000000ull

static uint64_t parsed(const char *s)
{
    uint64_t ns = 12345;
    int r = pt_parse_duration(s, &ns);

    if (r != 0)
        fail_msg("\"%s\": %d, expected 0", s, r);
    return ns;
}

static void refused(const char *s, int want)
{
    uint64_t ns = 12345;
    int r = pt_parse_duration(s, &ns);

    if (r != want)
        fail_msg("\"%s\": %d, expected %d", s, r, want);
    /* Nothing written on failure. */
    assert_int_equal(ns, 12345);
}

static void duration_plain_seconds(void **state)
{
    UNUSED(state);
    assert_int_equal(parsed("0"), 0);
    assert_int_equal(parsed("90"), 90 * S);
    assert_int_equal(parsed("2.5"), 2 * S + S / 2);
    assert_int_equal(parsed("0.001"), S / 1000);
    /* Below a nanosecond is dropped. */
    assert_int_equal(parsed("1.0000000019"), S + 1);
}

static void duration_units(void **state)
{
    UNUSED(state);
    assert_int_equal(parsed("90s"), 90 * S);
    assert_int_equal(parsed("5m"), 300 * S);
    assert_int_equal(parsed("1h"), 3600 * S);
    assert_int_equal(parsed("1d"), 86400 * S);
    assert_int_equal(parsed("2w"), 14 * 86400 * S);
    /* A year is 365 days, as in Prometheus. */
    assert_int_equal(parsed("1y"), 365 * 86400 * S);
    assert_int_equal(parsed("500ms"), S / 2);
    assert_int_equal(parsed("0s"), 0);
    assert_int_equal(parsed("1.5m"), 90 * S);
    assert_int_equal(parsed("0.5h"), 1800 * S);
}

static void duration_parts(void **state)
{
    UNUSED(state);
    assert_int_equal(parsed("1h30m"), 5400 * S);
    assert_int_equal(parsed("1d2h3m4s5ms"),
                     (86400 + 7200 + 180 + 4) * S + 5 * S / 1000);
    assert_int_equal(parsed("1y2w3d"), (365 + 14 + 3) * 86400 * S);
    assert_int_equal(parsed("2m0.5s"), 120 * S + S / 2);
    /* "m" is minutes, "ms" milliseconds, whatever follows. */
    assert_int_equal(parsed("1m1ms"), 60 * S + S / 1000);
}

static void duration_refused(void **state)
{
    static const char *const bad[] = {
        "",       "s",     "-1",   "+1",    " 1",     "1 ",   "1x",
        "1S",     "1.",    ".5",   "1..5",  "1.5.2s", "1s1h", "1m1m",
        "5s10",   "1h 5m", "1Y",   "0x10s", "1e3",    "1,5",  "1ms1s",
        "1mss",   "nan",   "inf",  "1h-",   "--",     "1sm",  "1d1d",
        "1.5e2s", "1_000", "1d1w", "1m30",  "1w1y",   "1yy",
    };

    UNUSED(state);
    for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++)
        refused(bad[i], -EINVAL);
}

static void duration_limit(void **state)
{
    UNUSED(state);
    assert_int_equal(parsed("100y"), PT_DURATION_MAX_S * S);
    assert_int_equal(parsed("36500d"), PT_DURATION_MAX_S * S);
    assert_int_equal(parsed("3153600000"), PT_DURATION_MAX_S * S);
    refused("100y1ms", -ERANGE);
    refused("101y", -ERANGE);
    refused("36501d", -ERANGE);
    refused("3153600000.5", -ERANGE);
    refused("876000h1s", -ERANGE);
    refused("99999999999999999999999999", -ERANGE);
    refused("99999999999999999999999999ms", -ERANGE);
}

static void formatted(uint64_t ns, const char *want)
{
    char buf[32];

    pt_format_duration(ns, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void duration_format(void **state)
{
    UNUSED(state);
    formatted(0, "0s");
    formatted(S / 2, "0s");
    formatted(59 * S, "59s");
    formatted(90 * S, "1m30s");
    formatted(3600 * S, "1h");
    formatted((3 * 86400 + 4 * 3600 + 5 * 60) * S, "3d4h");
    formatted(PT_DURATION_MAX_S * S, "36500d");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_plain_seconds),
        cmocka_unit_test(duration_units),
        cmocka_unit_test(duration_parts),
        cmocka_unit_test(duration_refused),
        cmocka_unit_test(duration_limit),
        cmocka_unit_test(duration_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
