/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/buf.c: number formatting (what node_exporter's Go
 * parser must read back exactly), escaping of HELP texts and label values,
 * and the growable output buffer.
 */
#include "pf-test.h"

#include <float.h>
#include <locale.h>
#include <math.h>

/* ---- Helpers ----------------------------------------------------------- */

/* Format `v` into out[PF_DOUBLE_BUFSZ] and NUL-terminate it. */
static size_t fmt_double(char *out, double v)
{
    size_t n = pf__fmt_double(out, v);

    assert_true(n > 0);
    assert_true(n < PF_DOUBLE_BUFSZ);
    out[n] = '\0';
    return n;
}

/* Significant digits of a decimal number as printed: the digits before
 * any exponent, leading zeros not counted. */
static int sig_digits(const char *s)
{
    int n = 0;
    bool leading = true;

    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (*s == '0' && leading)
            continue;
        leading = false;
        n++;
    }
    return n;
}

/* Does `text` read back (in the C locale) to exactly the bits of `v`? */
static bool reads_back(const char *text, double v)
{
    char *end;
    double back = strtod(text, &end);

    return *end == '\0' && pf__d2u(back) == pf__d2u(v);
}

/* Assert that pf__fmt_double(v) prints exactly `want`. */
#define assert_fmt_double(v, want)                                             \
    do {                                                                       \
        char out_[PF_DOUBLE_BUFSZ];                                            \
                                                                               \
        fmt_double(out_, (v));                                                 \
        if (strcmp(out_, (want)) != 0)                                         \
            fail_msg("pf__fmt_double(%s) = \"%s\", expected \"%s\"", #v, out_, \
                     (want));                                                  \
    } while (0)

/* Assert that pf__fmt_double(v) reads back to the same double, bit for
 * bit, with no ',' and at most 17 significant digits. */
#define assert_round_trip(v)                                                   \
    do {                                                                       \
        char out_[PF_DOUBLE_BUFSZ];                                            \
        double v_ = (v);                                                       \
                                                                               \
        fmt_double(out_, v_);                                                  \
        if (!reads_back(out_, v_))                                             \
            fail_msg("pf__fmt_double(%s) = \"%s\" does not read back to "      \
                     "%a",                                                     \
                     #v, out_, v_);                                            \
        if (strchr(out_, ','))                                                 \
            fail_msg("pf__fmt_double(%s) = \"%s\" has a ','", #v, out_);       \
        if (sig_digits(out_) > 17)                                             \
            fail_msg("pf__fmt_double(%s) = \"%s\" has over 17 digits", #v,     \
                     out_);                                                    \
    } while (0)

/* Assert that the buffer holds exactly the string literal `lit`. */
#define assert_buf_equal(b, lit)                                               \
    do {                                                                       \
        const pf_buf *b_ = (b);                                                \
                                                                               \
        assert_false(b_->failed);                                              \
        if (b_->len != sizeof(lit) - 1 ||                                      \
            (b_->len && memcmp(b_->data, (lit), b_->len) != 0))                \
            fail_msg("buffer holds \"%.*s\", expected \"%s\"", (int)b_->len,   \
                     b_->data ? b_->data : "", (lit));                         \
    } while (0)

/* ---- pf__fmt_u64 ------------------------------------------------------- */

static void fmt_u64_prints_decimal(void **state)
{
    static const struct {
        uint64_t v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {9, "9"},
        {10, "10"},
        {100, "100"},
        {9007199254740993ULL, "9007199254740993"},
        {10000000000000000000ULL, "10000000000000000000"},
        {UINT64_MAX, "18446744073709551615"},
    };

    UNUSED(state);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[PF_U64_BUFSZ];
        size_t n = pf__fmt_u64(out, cases[i].v);

        assert_true(n < PF_U64_BUFSZ);
        out[n] = '\0';
        assert_string_equal(out, cases[i].want);
    }
}

/* ---- pf__fmt_double ---------------------------------------------------- */

static void fmt_double_nan(void **state)
{
    UNUSED(state);
    assert_fmt_double((double)NAN, "NaN");
    /* glibc prints "-nan" for this one, which node_exporter rejects. */
    assert_fmt_double(pf__u2d(0xfff8000000000000ULL), "NaN");
    assert_fmt_double(-(double)NAN, "NaN");
    /* A signalling NaN with a payload. */
    assert_fmt_double(pf__u2d(0x7ff0000000000001ULL), "NaN");
    assert_fmt_double(pf__u2d(0xffffffffffffffffULL), "NaN");
}

static void fmt_double_infinities(void **state)
{
    UNUSED(state);
    assert_fmt_double((double)INFINITY, "+Inf");
    assert_fmt_double(-(double)INFINITY, "-Inf");
}

static void fmt_double_zero(void **state)
{
    UNUSED(state);
    assert_fmt_double(0.0, "0");
}

static void fmt_double_negative_zero(void **state)
{
    UNUSED(state);
    /* The contract: Go's ParseFloat reads the text back to the same
     * double. "-0" does; "0" gives +0.0. */
    assert_round_trip(-0.0);
}

static void fmt_double_small_integers(void **state)
{
    UNUSED(state);
    assert_fmt_double(1.0, "1");
    assert_fmt_double(-1.0, "-1");
    assert_fmt_double(42.0, "42");
    assert_fmt_double(1e15, "1000000000000000");
    assert_fmt_double(9007199254740991.0, "9007199254740991");
    assert_fmt_double(-9007199254740991.0, "-9007199254740991");
}

static void fmt_double_large_values_round_trip(void **state)
{
    UNUSED(state);
    assert_round_trip(9007199254740992.0); /* 2^53 */
    assert_round_trip(-9007199254740992.0);
    assert_round_trip(9007199254740994.0);
    assert_round_trip(18446744073709551616.0); /* 2^64 */
    assert_round_trip(1e21);
    assert_round_trip(-1e21);
    assert_round_trip(1.2345678901234567e300);
}

static void fmt_double_fractions(void **state)
{
    UNUSED(state);
    assert_fmt_double(0.1, "0.1");
    assert_fmt_double(1.5, "1.5");
    assert_fmt_double(-2.5, "-2.5");
    assert_fmt_double(0.005, "0.005");
    assert_fmt_double(1e-300, "1e-300");
    assert_round_trip(0.1);
    assert_round_trip(1.0 / 3.0);
    assert_round_trip(0.1 + 0.2);
    assert_round_trip(2.0 / 3.0 * 1e-10);
    assert_round_trip(1e-300);
}

static void fmt_double_extremes_round_trip(void **state)
{
    UNUSED(state);
    assert_round_trip(DBL_MIN);
    assert_round_trip(-DBL_MIN);
    assert_round_trip(DBL_TRUE_MIN); /* 4.9e-324, the least subnormal */
    assert_round_trip(-DBL_TRUE_MIN);
    assert_round_trip(pf__u2d(0x000fffffffffffffULL)); /* largest subnormal */
    assert_round_trip(DBL_MAX);
    assert_round_trip(-DBL_MAX);
    assert_round_trip(DBL_EPSILON);
    assert_round_trip(1.0 + DBL_EPSILON);
}

/* Format 200000 pseudo-random bit patterns (xorshift64, fixed seed, so a
 * failure reproduces) and read each back. */
static void fmt_double_round_trips_random_bits(void **state)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    int tested = 0;

    UNUSED(state);
    for (int i = 0; i < 200000; i++) {
        char out[PF_DOUBLE_BUFSZ];
        double v;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v = pf__u2d(x);
        if (isnan(v) || isinf(v))
            continue;
        fmt_double(out, v);
        if (!reads_back(out, v))
            fail_msg("bits 0x%016llx: \"%s\" does not read back",
                     (unsigned long long)x, out);
        if (strchr(out, ','))
            fail_msg("bits 0x%016llx: \"%s\" has a ','", (unsigned long long)x,
                     out);
        if (sig_digits(out) > 17)
            fail_msg("bits 0x%016llx: \"%s\" has over 17 digits",
                     (unsigned long long)x, out);
        tested++;
    }
    /* About 1 in 2048 patterns is NaN or Inf. */
    assert_true(tested > 199000);
}

/* Under a locale whose decimal separator is ',', the output must still
 * use '.' (TEXTFILE.md: "0,25" is rejected). */
static int comma_locale_setup(void **state)
{
    UNUSED(state);
    if (!setlocale(LC_ALL, "de_DE.UTF-8"))
        setlocale(LC_ALL, "de_DE.utf8");
    return 0;
}

static int comma_locale_teardown(void **state)
{
    UNUSED(state);
    setlocale(LC_ALL, "C");
    return 0;
}

static void fmt_double_ignores_comma_locale(void **state)
{
    char probe[16];

    UNUSED(state);
    snprintf(probe, sizeof(probe), "%.2f", 0.25);
    if (strcmp(probe, "0,25") != 0)
        skip(); /* no de_DE locale installed */
    assert_fmt_double(0.25, "0.25");
    assert_fmt_double(-1.5, "-1.5");
    assert_fmt_double(0.1, "0.1");
    assert_fmt_double(1e-300, "1e-300");
    assert_fmt_double(123456.789, "123456.789");
    for (int i = 0; i < 1000; i++) {
        char out[PF_DOUBLE_BUFSZ];

        fmt_double(out, (double)i / 7.0 + 1e6);
        if (strchr(out, ','))
            fail_msg("\"%s\" has a ','", out);
    }
}

/* ---- Escaping ---------------------------------------------------------- */

static void buf_put_help_escapes_backslash_and_newline(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_put_help(&b, "a\\b\nc", 5);
    assert_buf_equal(&b, "a\\\\b\\nc");
    pf__buf_release(&b);
}

static void buf_put_help_leaves_quotes_alone(void **state)
{
    pf_buf b = {0};
    static const char s[] = "say \"hi\"\r\t";

    UNUSED(state);
    pf__buf_put_help(&b, s, sizeof(s) - 1);
    assert_buf_equal(&b, "say \"hi\"\r\t");
    pf__buf_release(&b);
}

static void buf_put_help_runs_at_ends(void **state)
{
    pf_buf b = {0};
    static const char s[] = "\\\n\\\nmid\n\n\\\\";

    UNUSED(state);
    pf__buf_putc(&b, '[');
    pf__buf_put_help(&b, s, sizeof(s) - 1);
    pf__buf_putc(&b, ']');
    assert_buf_equal(&b, "[\\\\\\n\\\\\\nmid\\n\\n\\\\\\\\]");
    pf__buf_release(&b);
    pf__buf_putc(&b, '[');
    pf__buf_put_help(&b, "\n", 1);
    assert_buf_equal(&b, "[\\n");
    pf__buf_release(&b);
}

static void buf_put_help_passes_utf8_through(void **state)
{
    pf_buf b = {0};
    static const char s[] = "caf\xc3\xa9\n\xe2\x82\xac\\\xf0\x9f\x98\x80";

    UNUSED(state);
    pf__buf_put_help(&b, s, sizeof(s) - 1);
    assert_buf_equal(&b, "caf\xc3\xa9\\n\xe2\x82\xac\\\\\xf0\x9f\x98\x80");
    pf__buf_release(&b);
}

static void buf_put_help_stops_at_length(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_puts(&b, "# ");
    pf__buf_put_help(&b, "a\nb\n", 2);
    pf__buf_put_help(&b, "\\", 0);
    assert_buf_equal(&b, "# a\\n");
    pf__buf_release(&b);
}

static void buf_put_label_value_escapes(void **state)
{
    pf_buf b = {0};
    static const char s[] = "a\\b\"c\nd";

    UNUSED(state);
    pf__buf_put_label_value(&b, s, sizeof(s) - 1);
    assert_buf_equal(&b, "a\\\\b\\\"c\\nd");
    pf__buf_release(&b);
}

static void buf_put_label_value_runs_at_ends(void **state)
{
    pf_buf b = {0};
    static const char s[] = "\"\"\\\nx\n\"\\";

    UNUSED(state);
    pf__buf_putc(&b, '[');
    pf__buf_put_label_value(&b, s, sizeof(s) - 1);
    pf__buf_putc(&b, ']');
    assert_buf_equal(&b, "[\\\"\\\"\\\\\\nx\\n\\\"\\\\]");
    pf__buf_release(&b);
    pf__buf_putc(&b, '[');
    pf__buf_put_label_value(&b, "\"", 1);
    assert_buf_equal(&b, "[\\\"");
    pf__buf_release(&b);
}

static void buf_put_label_value_passes_utf8_through(void **state)
{
    pf_buf b = {0};
    static const char s[] = "\xc3\xa9\"\xe2\x82\xac\r\t\xf0\x9f\x98\x80";

    UNUSED(state);
    pf__buf_put_label_value(&b, s, sizeof(s) - 1);
    assert_buf_equal(&b, "\xc3\xa9\\\"\xe2\x82\xac\r\t\xf0\x9f\x98\x80");
    pf__buf_release(&b);
}

static void buf_put_label_value_plain_is_copied(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_put_label_value(&b, "GET /index.html", 15);
    assert_buf_equal(&b, "GET /index.html");
    pf__buf_put_label_value(&b, "", 0);
    assert_buf_equal(&b, "GET /index.html");
    pf__buf_release(&b);
}

/* Escaping into a buffer that has no memory yet, where the text is empty
 * or starts with a character to escape: the run before it is empty, and
 * appending nothing to a buffer without data must not pass NULL to
 * memcpy() (undefined behaviour, caught by UBSan). */
static void buf_put_escaped_into_empty_buffer(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_put(&b, "", 0);
    assert_buf_equal(&b, "");
    pf__buf_put_label_value(&b, "", 0);
    assert_buf_equal(&b, "");
    pf__buf_put_help(&b, "\n", 1);
    assert_buf_equal(&b, "\\n");
    pf__buf_release(&b);
    pf__buf_put_label_value(&b, "\"x", 2);
    assert_buf_equal(&b, "\\\"x");
    pf__buf_release(&b);
}

/* ---- The buffer -------------------------------------------------------- */

/* The byte expected at offset p of the growth test's output. */
static char pattern_at(size_t p)
{
    return "0123456789abcdefghijklmnopqrstuv"[(p ^ (p >> 11)) & 31];
}

static void buf_grows_with_content_intact(void **state)
{
    pf_buf b = {0};
    char chunk[1024];
    size_t step = 1;
    bool checked_4k = false;

    UNUSED(state);
    while (b.len <= ((size_t)1 << 20) + 4096) {
        /* Vary the append size (1..1021 bytes) and mix in putc. */
        step = (step * 37 + 11) % 1021 + 1;
        for (size_t i = 0; i < step; i++)
            chunk[i] = pattern_at(b.len + i);
        pf__buf_put(&b, chunk, step);
        pf__buf_putc(&b, pattern_at(b.len));
        assert_false(b.failed);
        assert_true(b.cap >= b.len);
        if (!checked_4k && b.len > 4096) {
            for (size_t p = 0; p < b.len; p++)
                assert_int_equal(b.data[p], pattern_at(p));
            checked_4k = true;
        }
    }
    assert_true(checked_4k);
    assert_true(b.len > ((size_t)1 << 20));
    for (size_t p = 0; p < b.len; p++)
        if (b.data[p] != pattern_at(p))
            fail_msg("byte %zu is '%c', expected '%c'", p, b.data[p],
                     pattern_at(p));
    pf__buf_release(&b);
}

static void buf_grow_reserves_room(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_puts(&b, "head");
    assert_true(pf__buf_grow(&b, 5000));
    assert_true(b.cap - b.len >= 5000);
    assert_true(pf__buf_grow(&b, (size_t)3 << 20));
    assert_true(b.cap - b.len >= ((size_t)3 << 20));
    assert_buf_equal(&b, "head");
    pf__buf_release(&b);
}

static void buf_put_numbers(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_put_u64(&b, UINT64_MAX);
    pf__buf_putc(&b, ' ');
    pf__buf_put_double(&b, pf__u2d(0xfff8000000000000ULL));
    pf__buf_putc(&b, ' ');
    pf__buf_put_double(&b, 0.5);
    assert_buf_equal(&b, "18446744073709551615 NaN 0.5");
    pf__buf_release(&b);
}

static void buf_failed_drops_appends(void **state)
{
    static char big[8192];
    pf_buf b = {0};

    UNUSED(state);
    pf__buf_puts(&b, "kept");
    b.failed = true;
    /* Larger than what is left, so that it must grow, which a failed
     * buffer refuses. */
    assert_false(pf__buf_grow(&b, b.cap + 1));
    pf__buf_put(&b, big, b.cap);
    pf__buf_put(&b, big, sizeof(big));
    assert_true(b.failed);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "kept", 4);
    pf__buf_release(&b);
}

static void buf_release_resets(void **state)
{
    pf_buf b = {0};

    UNUSED(state);
    /* Releasing an empty buffer is harmless. */
    pf__buf_release(&b);
    assert_null(b.data);
    pf__buf_puts(&b, "some text");
    assert_non_null(b.data);
    b.failed = true;
    pf__buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_false(b.failed);
    /* And it is usable again. */
    pf__buf_puts(&b, "again");
    assert_buf_equal(&b, "again");
    pf__buf_release(&b);
    assert_null(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fmt_u64_prints_decimal),
        cmocka_unit_test(fmt_double_nan),
        cmocka_unit_test(fmt_double_infinities),
        cmocka_unit_test(fmt_double_zero),
        cmocka_unit_test(fmt_double_negative_zero),
        cmocka_unit_test(fmt_double_small_integers),
        cmocka_unit_test(fmt_double_large_values_round_trip),
        cmocka_unit_test(fmt_double_fractions),
        cmocka_unit_test(fmt_double_extremes_round_trip),
        cmocka_unit_test(fmt_double_round_trips_random_bits),
        cmocka_unit_test_setup_teardown(fmt_double_ignores_comma_locale,
                                        comma_locale_setup,
                                        comma_locale_teardown),
        cmocka_unit_test(buf_put_help_escapes_backslash_and_newline),
        cmocka_unit_test(buf_put_help_leaves_quotes_alone),
        cmocka_unit_test(buf_put_help_runs_at_ends),
        cmocka_unit_test(buf_put_help_passes_utf8_through),
        cmocka_unit_test(buf_put_help_stops_at_length),
        cmocka_unit_test(buf_put_label_value_escapes),
        cmocka_unit_test(buf_put_label_value_runs_at_ends),
        cmocka_unit_test(buf_put_label_value_passes_utf8_through),
        cmocka_unit_test(buf_put_label_value_plain_is_copied),
        cmocka_unit_test(buf_grows_with_content_intact),
        cmocka_unit_test(buf_grow_reserves_room),
        cmocka_unit_test(buf_put_numbers),
        cmocka_unit_test(buf_failed_drops_appends),
        cmocka_unit_test(buf_release_resets),
        /* Last: under UBSan a failure ends the process. */
        cmocka_unit_test(buf_put_escaped_into_empty_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
