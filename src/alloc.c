/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers. Routing every allocation through one place lets the
 * out-of-memory tests fail the n-th allocation and check that each public
 * call then fails cleanly and leaks nothing (tests/test_oom.c).
 */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Countdown to the allocation that fails; 0 means none. Atomic so that
 * the hook is race-free even in threaded tests; relaxed because it orders
 * nothing else. */
static _Atomic long fail_countdown;
static _Atomic long attempts;
/* Blocks allocated and not yet freed, for the leak checks of the tests. */
static _Atomic long live;

static void count_live(const void *p, long delta)
{
    if (p)
        atomic_fetch_add_explicit(&live, delta, memory_order_relaxed);
}

void pf__alloc_disown(void *p)
{
    count_live(p, -1);
}

long pf__alloc_live(void)
{
    return atomic_load_explicit(&live, memory_order_relaxed);
}

static bool should_fail(void)
{
    long n;

    atomic_fetch_add_explicit(&attempts, 1, memory_order_relaxed);
    n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (PF_LIKELY(n == 0))
        return false;
    /* Only the call that moves the countdown from 1 to 0 fails. */
    while (n > 0 && !atomic_compare_exchange_weak_explicit(
                        &fail_countdown, &n, n - 1, memory_order_relaxed,
                        memory_order_relaxed))
        ;
    return n == 1;
}

long pf__alloc_fail_nth(long n)
{
    atomic_store_explicit(&fail_countdown, n > 0 ? n : 0, memory_order_relaxed);
    return atomic_exchange_explicit(&attempts, 0, memory_order_relaxed);
}

void *pf__malloc(size_t size)
{
    void *p;

    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    count_live(p, 1);
    return p;
}

void *pf__calloc(size_t n, size_t size)
{
    void *p;

    if (should_fail())
        return NULL;
    p = calloc(n ? n : 1, size ? size : 1);
    count_live(p, 1);
    return p;
}

void *pf__realloc(void *p, size_t size)
{
    void *q;

    if (should_fail())
        return NULL;
    q = realloc(p, size ? size : 1);
    if (q && !p)
        count_live(q, 1);
    return q;
}

void pf__free(void *p)
{
    count_live(p, -1);
    free(p);
}

char *pf__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = pf__malloc(n);

    if (d)
        memcpy(d, s, n);
    return d;
}
