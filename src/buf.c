/* SPDX-License-Identifier: MIT */
/*
 * The output buffer, number formatting and escaping of the text format.
 */
#include "pf-internal.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pf__buf_grow(pf_buf *b, size_t extra)
{
    size_t cap;
    char *p;

    if (b->failed)
        return false;
    if (b->cap - b->len >= extra)
        return true;
    cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    p = pf__realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void pf__buf_release(pf_buf *b)
{
    pf__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
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

/* The "C" locale, made once: printf and strtod then use '.' whatever
 * setlocale() the program did (TEXTFILE.md: "0,25" is rejected). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

size_t pf__fmt_double(char *dst, double v)
{
    locale_t old;
    int n = 0;

    if (isnan(v)) {
        memcpy(dst, "NaN", 3);
        return 3;
    }
    if (isinf(v)) {
        memcpy(dst, v > 0 ? "+Inf" : "-Inf", 4);
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
    pthread_once(&c_locale_once, make_c_locale);
    if (!c_locale)
        return 0;
    old = uselocale(c_locale);
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

void pf__buf_put_u64(pf_buf *b, uint64_t v)
{
    char tmp[PF_U64_BUFSZ];

    pf__buf_put(b, tmp, pf__fmt_u64(tmp, v));
}

void pf__buf_put_double(pf_buf *b, double v)
{
    char tmp[PF_DOUBLE_BUFSZ];
    size_t n = pf__fmt_double(tmp, v);

    if (n == 0) {
        b->failed = true;
        return;
    }
    pf__buf_put(b, tmp, n);
}

/* Append s[0..n), replacing each byte that `special` flags with a
 * backslash escape. Runs of ordinary bytes are copied at once. */
static void put_escaped(pf_buf *b, const char *s, size_t n, bool quote)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *esc;

        if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '"' && quote)
            esc = "\\\"";
        else
            continue;
        pf__buf_put(b, s + start, i - start);
        pf__buf_put(b, esc, 2);
        start = i + 1;
    }
    pf__buf_put(b, s + start, n - start);
}

void pf__buf_put_help(pf_buf *b, const char *s, size_t n)
{
    put_escaped(b, s, n, false);
}

void pf__buf_put_label_value(pf_buf *b, const char *s, size_t n)
{
    put_escaped(b, s, n, true);
}
