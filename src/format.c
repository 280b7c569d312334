/* SPDX-License-Identifier: MIT */
/*
 * The facts of the text format 0.0.4: see format.h. Each was checked
 * against node_exporter 1.5.0 and promtool 2.42 of Debian 12
 * (tests/nodeexp.py verdict gives node_exporter's reading of a file).
 */
#include "format.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Types ---- */

static const char *const type_names[PF_NTYPES] = {
    [PF_TYPE_UNTYPED] = "untyped", [PF_TYPE_COUNTER] = "counter",
    [PF_TYPE_GAUGE] = "gauge",     [PF_TYPE_HISTOGRAM] = "histogram",
    [PF_TYPE_SUMMARY] = "summary",
};

const char *pf__type_name(enum pf_type t)
{
    return (unsigned)t < PF_NTYPES ? type_names[t] : "?";
}

enum pf_type_token pf__type_parse(const char *tok, size_t n, enum pf_type *ret)
{
    /* The Go parser looks the token up upper-cased in client_model's
     * MetricType names, which have GAUGE_HISTOGRAM too; node_exporter
     * 1.5 has no case for that one and panics. */
    if (n == strlen(PF_TYPE_NAME_GAUGE_HISTOGRAM) &&
        strncasecmp(tok, PF_TYPE_NAME_GAUGE_HISTOGRAM, n) == 0)
        return PF_TOKEN_CRASH;
    for (size_t t = 0; t < PF_NTYPES; t++) {
        if (strlen(type_names[t]) != n ||
            strncasecmp(tok, type_names[t], n) != 0)
            continue;
        *ret = (enum pf_type)t;
        return memcmp(tok, type_names[t], n) == 0 ? PF_TOKEN_EXACT
                                                  : PF_TOKEN_FOLDED;
    }
    return PF_TOKEN_UNKNOWN;
}

/* ---- Names ---- */

bool pf__name_start(char c, bool metric)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (metric && c == ':');
}

bool pf__name_char(char c, bool metric)
{
    return pf__name_start(c, metric) || (c >= '0' && c <= '9');
}

size_t pf__name_span(const char *s, size_t n, bool metric)
{
    size_t i = 0;

    if (n == 0 || !pf__name_start(s[0], metric))
        return 0;
    for (i = 1; i < n && pf__name_char(s[i], metric); i++)
        ;
    return i;
}

bool pf__name_valid(const char *s, bool metric)
{
    size_t n = strlen(s);

    return n > 0 && pf__name_span(s, n, metric) == n;
}

bool pf__name_reserved(const char *name)
{
    return strncmp(name, PF_RESERVED_PREFIX, 2) == 0;
}

bool pf__label_is_le_or_quantile(const char *name)
{
    return strcmp(name, PF_LABEL_LE) == 0 ||
           strcmp(name, PF_LABEL_QUANTILE) == 0;
}

/* ---- Samples of a family ---- */

static const struct {
    const char *name;
    size_t len;
} suffixes[PF_NSUFFIXES] = {
    [PF_SUFFIX_NONE] = {"", 0},
    [PF_SUFFIX_BUCKET] = {"_bucket", 7},
    [PF_SUFFIX_SUM] = {"_sum", 4},
    [PF_SUFFIX_COUNT] = {"_count", 6},
};

const char *pf__suffix_name(enum pf_suffix s)
{
    return suffixes[s].name;
}

size_t pf__suffix_len(enum pf_suffix s)
{
    return suffixes[s].len;
}

bool pf__type_has_suffix(enum pf_type t, enum pf_suffix s)
{
    switch (s) {
    case PF_SUFFIX_NONE:
        return t != PF_TYPE_HISTOGRAM;
    case PF_SUFFIX_BUCKET:
        return t == PF_TYPE_HISTOGRAM;
    case PF_SUFFIX_SUM:
    case PF_SUFFIX_COUNT:
        return t == PF_TYPE_HISTOGRAM || t == PF_TYPE_SUMMARY;
    }
    return false;
}

enum pf_suffix pf__suffix_of(const char *name, size_t n, size_t *base)
{
    for (size_t s = PF_SUFFIX_BUCKET; s < PF_NSUFFIXES; s++) {
        size_t m = suffixes[s].len;

        if (n > m && memcmp(name + n - m, suffixes[s].name, m) == 0) {
            *base = n - m;
            return (enum pf_suffix)s;
        }
    }
    *base = n;
    return PF_SUFFIX_NONE;
}

bool pf__ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* ---- Values ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool pf__parse_value(const char *s, size_t n, double *ret, bool *canonical)
{
    char tmp[512];
    size_t i = 0, digits = 0;
    bool sign = false, canon;
    double v;

    /* prometheus/common refuses 'p' (hex floats need it) and '_' before
     * it calls ParseFloat; Go's ParseFloat itself refuses the rest. */
    if (n == 0 || n >= sizeof(tmp) || memchr(s, '\0', n))
        return false;
    for (size_t k = 0; k < n; k++)
        if (s[k] == 'p' || s[k] == 'P' || s[k] == '_')
            return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (tmp[0] == '+' || tmp[0] == '-') {
        sign = true;
        i++;
    }
    if (strcasecmp(tmp + i, "inf") == 0 ||
        strcasecmp(tmp + i, "infinity") == 0) {
        v = tmp[0] == '-' ? -INFINITY : INFINITY;
        canon =
            strcmp(tmp, PF_VALUE_PINF) == 0 || strcmp(tmp, PF_VALUE_NINF) == 0;
        goto ok;
    }
    if (strcasecmp(tmp + i, "nan") == 0) {
        /* Go reads "NaN" in any case, but never with a sign: glibc's
         * "-nan" is refused (TEXTFILE.md). */
        if (sign)
            return false;
        v = NAN;
        canon = strcmp(tmp, PF_VALUE_NAN) == 0;
        goto ok;
    }
    while (is_digit(tmp[i])) {
        i++;
        digits++;
    }
    if (tmp[i] == '.') {
        i++;
        while (is_digit(tmp[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (tmp[i] == 'e' || tmp[i] == 'E') {
        size_t e = 0;

        i++;
        if (tmp[i] == '+' || tmp[i] == '-')
            i++;
        while (is_digit(tmp[i])) {
            i++;
            e++;
        }
        if (e == 0)
            return false;
    }
    if (tmp[i] != '\0')
        return false;
    /* Go's ParseFloat reads '.' whatever the locale: so must we. */
    v = pf__strtod_c(tmp);
    /* Out of range: Go returns ErrRange and the parser fails. */
    if (isinf(v))
        return false;
    /* A leading '+' is Go's, never the library's. */
    canon = tmp[0] != '+';
ok:
    if (ret)
        *ret = v;
    if (canonical)
        *canonical = canon;
    return true;
}

/* The "C" locale, made once: printf and strtod then use '.' whatever
 * setlocale() the program did (TEXTFILE.md: "0,25" is refused). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t get_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale;
}

double pf__strtod_c(const char *s)
{
    locale_t c = get_c_locale();

    return c ? strtod_l(s, NULL, c) : strtod(s, NULL);
}

size_t pf__fmt_u64(char *dst, uint64_t v)
{
    char tmp[PF_U64_BUFSZ];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

size_t pf__fmt_double(char *dst, double v)
{
    locale_t c, old;
    int n = 0;

    if (isnan(v)) {
        memcpy(dst, PF_VALUE_NAN, 3);
        return 3;
    }
    if (isinf(v)) {
        memcpy(dst, v > 0 ? PF_VALUE_PINF : PF_VALUE_NINF, 4);
        return 4;
    }
    /* Whole numbers below 2^53 are exact in a double: print them as
     * integers, the common case for gauges, and cheap. */
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        if (signbit(v)) {
            /* -0 too: it reads back as -0.0, the same double. */
            dst[0] = '-';
            return 1 + pf__fmt_u64(dst + 1, (uint64_t)-v);
        }
        return pf__fmt_u64(dst, (uint64_t)v);
    }
    c = get_c_locale();
    if (!c)
        return 0;
    old = uselocale(c);
    /* The shortest precision that reads back to the same double. 17
     * significant digits always do (IEEE 754 binary64). */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(dst, PF_DOUBLE_BUFSZ, "%.*g", prec, v);
        if (prec == 17 || strtod(dst, NULL) == v)
            break;
    }
    uselocale(old);
    return n > 0 ? (size_t)n : 0;
}

/* ---- Escapes ---- */

int pf__help_unescape(char c)
{
    return c == '\\' ? '\\' : c == 'n' ? '\n' : -1;
}

int pf__label_unescape(char c)
{
    return c == '"' ? '"' : pf__help_unescape(c);
}

/* ---- UTF-8 ---- */

bool pf__utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *end = s + len;

    /* Well-formed UTF-8 per RFC 3629 / Unicode table 3-7: no overlong
     * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
     * This is what Go's utf8.ValidString accepts. */
    while (s < end) {
        unsigned char c = *s;
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;

        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if ((size_t)(end - s) <= n)
            return false;
        if (s[1] < lo || s[1] > hi)
            return false;
        for (size_t i = 2; i <= n; i++)
            if (s[i] < 0x80 || s[i] > 0xBF)
                return false;
        s += n + 1;
    }
    return true;
}

/* ---- Lines and files ---- */

bool pf__is_blank(char c)
{
    return c == ' ' || c == '\t';
}

enum pf_keyword pf__comment_keyword(const char *tok, size_t n)
{
    static const struct {
        const char *word;
        enum pf_keyword kw;
    } words[] = {
        {"HELP", PF_KEYWORD_HELP},
        {"TYPE", PF_KEYWORD_TYPE},
        {"EOF", PF_KEYWORD_EOF},
        {"UNIT", PF_KEYWORD_UNIT},
    };

    for (size_t i = 0; i < PF_ARRAY_SIZE(words); i++)
        if (strlen(words[i].word) == n && memcmp(tok, words[i].word, n) == 0)
            return words[i].kw;
    return PF_KEYWORD_NONE;
}

bool pf__type_openmetrics(const char *tok, size_t n)
{
    /* The types of OpenMetrics 1.0 that 0.0.4 lacks; "gaugehistogram" is
     * not "gauge_histogram", which client_model knows (see
     * pf__type_parse()). */
    static const char *const om[] = {"info", "stateset", "gaugehistogram",
                                     "unknown"};

    for (size_t i = 0; i < PF_ARRAY_SIZE(om); i++)
        if (strlen(om[i]) == n && memcmp(tok, om[i], n) == 0)
            return true;
    return false;
}

bool pf__parse_timestamp(const char *s, size_t n)
{
    /* The magnitude of INT64_MIN, the largest one ParseInt takes. */
    static const char max[] = "9223372036854775808";
    size_t i = 0, digits;
    bool neg = false;

    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i++;
    }
    /* Leading zeros are fine, and do not count towards the range. */
    while (i < n - (n > 0) && s[i] == '0' && is_digit(s[i + 1]))
        i++;
    digits = n - i;
    if (digits == 0)
        return false;
    for (size_t k = i; k < n; k++)
        if (!is_digit(s[k]))
            return false;
    if (digits != sizeof(max) - 1)
        return digits < sizeof(max) - 1;
    /* Nineteen digits: compare with the limit, which is one more for
     * negative numbers. */
    return neg ? memcmp(s + i, max, digits) <= 0
               : memcmp(s + i, max, digits) < 0;
}
