/* SPDX-License-Identifier: MIT */
/*
 * The output buffer, number formatting and escaping of the text format.
 */
#include "buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

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
