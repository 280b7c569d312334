/* SPDX-License-Identifier: MIT */
/*
 * buf.c: the growable output buffer and the escaping of the text format.
 * Its fields are its interface: data[0..len) is the text so far.
 */
#ifndef PF_BUF_H
#define PF_BUF_H

#include "format.h"

typedef struct pf_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: the text is incomplete */
} pf_buf;

bool pf__buf_grow(pf_buf *b, size_t extra);
void pf__buf_release(pf_buf *b);

static inline void pf__buf_put(pf_buf *b, const char *s, size_t n)
{
    /* memcpy() must not see the NULL data of an empty buffer. */
    if (n == 0)
        return;
    if (PF_UNLIKELY(b->cap - b->len < n) && !pf__buf_grow(b, n))
        return;
    __builtin_memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void pf__buf_putc(pf_buf *b, char c)
{
    if (PF_UNLIKELY(b->cap == b->len) && !pf__buf_grow(b, 1))
        return;
    b->data[b->len++] = c;
}

/* A string literal only: "" lit makes anything else a compile error
 * (sizeof of a pointer would copy 8 bytes). */
#define pf__buf_puts(b, lit) pf__buf_put((b), "" lit, sizeof("" lit) - 1)

void pf__buf_put_u64(pf_buf *b, uint64_t v);
void pf__buf_put_double(pf_buf *b, double v);
/* HELP text: escape \ and newline only. */
void pf__buf_put_help(pf_buf *b, const char *s, size_t n);
/* Label values: escape \, " and newline. */
void pf__buf_put_label_value(pf_buf *b, const char *s, size_t n);

#endif /* PF_BUF_H */
