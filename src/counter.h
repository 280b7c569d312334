/* SPDX-License-Identifier: MIT */
/*
 * counter.c: counters, plain and sharded.
 */
#ifndef PF_COUNTER_H
#define PF_COUNTER_H

#include "family.h"

/* The number of shards of every sharded counter series, a power of two:
 * the CPUs configured, at least 2, at most 64. Set once by
 * pf__shards_init(), before the first sharded family exists, then only
 * read. */
extern unsigned pf__nshards;
void pf__shards_init(void);

/* The integer count of a counter series: its count plus its shards. */
uint64_t pf__counter_count(const pf_series *s);
/* Its non-integer part. */
double pf__counter_fraction(const pf_series *s);
/* Add the whole number n to the count of s. */
void pf__counter_add_count(pf_series *s, uint64_t n);

/* Bit-cast helpers for doubles kept in _Atomic uint64_t. */
static inline uint64_t pf__d2u(double d)
{
    uint64_t u;

    __builtin_memcpy(&u, &d, sizeof(u));
    return u;
}

static inline double pf__u2d(uint64_t u)
{
    double d;

    __builtin_memcpy(&d, &u, sizeof(d));
    return d;
}

/* Atomically add `v` to the double stored in `p`. */
static inline void pf__atomic_add_double(_Atomic uint64_t *p, double v)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);

    while (!atomic_compare_exchange_weak_explicit(
        p, &old, pf__d2u(pf__u2d(old) + v), memory_order_relaxed,
        memory_order_relaxed))
        ;
}

#endif /* PF_COUNTER_H */
