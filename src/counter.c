/* SPDX-License-Identifier: MIT */
/*
 * Counters. A counter keeps whole counts in an exact 64-bit integer and
 * anything fractional in a separate double, as client_golang does, so that
 * the common pf_counter_inc() is one `lock add` and counts never lose
 * digits past 2^53.
 */
#include "counter.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>

#include "error.h"
#include "registry.h"

/* pf_counter is a pf_series seen from outside. */
static inline pf_series *ser(pf_counter *c)
{
    return (pf_series *)(void *)c;
}

/* ---- Sharded counters ----------------------------------------------------
 *
 * Two threads incrementing one counter fight over its cache line: each
 * `lock add` must first take the line from the other core. A sharded
 * counter gives each thread a slot on a line of its own (threads are
 * dealt slots in turn, so with no more threads than slots none share),
 * and the renderer adds the slots up. */

unsigned pf__nshards;
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;
static _Atomic unsigned next_slot;
/* The calling thread's slot + 1 (0: none yet). initial-exec: reading it
 * is one instruction, and never allocates, so that an increment stays
 * async-signal-safe. */
static _Thread_local unsigned my_slot
    __attribute__((tls_model("initial-exec")));

static void shards_setup(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    unsigned n = 2;

    while ((long)n < cpus && n < 64)
        n *= 2;
    pf__nshards = n;
}

void pf__shards_init(void)
{
    pthread_once(&shards_once, shards_setup);
}

static inline _Atomic uint64_t *my_shard(pf_series *s)
{
    unsigned slot = my_slot;

    if (PF_UNLIKELY(slot == 0)) {
        slot =
            atomic_fetch_add_explicit(&next_slot, 1, memory_order_relaxed) + 1;
        my_slot = slot;
    }
    return &pf__series_ext(s)
                ->shards[((slot - 1) & (pf__nshards - 1)) * PF_SHARD_STRIDE];
}

/* The region of a shared series. */
static const pf_shared *region(const pf_series *s)
{
    return pf__series_ext(s)->fam->shared;
}

uint64_t pf__counter_count(const pf_series *s)
{
    uint32_t st = atomic_load_explicit(&s->state, memory_order_relaxed);
    uint64_t n;

    if (st & PF_SERIES_SHARED) {
        /* The daemon's total: every slot's count. */
        const pf_shared *sh = region(s);

        return pf__shared_sum_u64(sh,
                                  pf__shared_cell_index(sh, s->v.shared.cell));
    }
    n = atomic_load_explicit(&s->v.counter.count, memory_order_relaxed);
    if (st & PF_SERIES_SHARDED) {
        _Atomic uint64_t *shards = pf__series_ext(s)->shards;

        for (unsigned i = 0; i < pf__nshards; i++)
            n += atomic_load_explicit(&shards[i * PF_SHARD_STRIDE],
                                      memory_order_relaxed);
    }
    return n;
}

double pf__counter_fraction(const pf_series *s)
{
    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED) {
        const pf_shared *sh = region(s);

        return pf__shared_sum_double(
            sh, pf__shared_cell_index(sh, s->v.shared.cell) + 1);
    }
    return pf__u2d(
        atomic_load_explicit(&s->v.counter.fraction, memory_order_relaxed));
}

/* Where the fraction of s is added: its own, or this process's cell. */
static inline _Atomic uint64_t *fraction_of(pf_series *s)
{
    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED)
        return s->v.shared.cell + 1;
    return &s->v.counter.fraction;
}

static inline void count_add(pf_series *s, uint64_t n)
{
    uint32_t st = atomic_load_explicit(&s->state, memory_order_relaxed);

    if (PF_LIKELY(!(st & (PF_SERIES_SHARDED | PF_SERIES_SHARED))))
        atomic_fetch_add_explicit(&s->v.counter.count, n, memory_order_relaxed);
    else if (st & PF_SERIES_SHARED)
        /* This process's own cell: no other process writes it. */
        atomic_fetch_add_explicit(s->v.shared.cell, n, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(my_shard(s), n, memory_order_relaxed);
}

void pf__counter_add_count(pf_series *s, uint64_t n)
{
    count_add(s, n);
}

/* ---- Families ------------------------------------------------------------ */

static int counter_family(pf_registry *reg, const char *name, const char *help,
                          const char *const *labels, bool sharded,
                          pf_family **ret)
{
    pf_family_spec spec = {
        .type = PF_TYPE_COUNTER,
        .name = name,
        .help = help,
        .labels = labels,
    };

    /* In a shared registry each process counts in cells of its own: the
     * shards are not needed there (registry.c drops them). */
    if (sharded) {
        pf__shards_init();
        spec.nshards = pf__nshards;
    }
    return pf__register(reg, &spec, ret);
}

int pf_counter_family_new(pf_registry *reg, const char *name, const char *help,
                          const char *const *labels, pf_family **ret)
{
    return counter_family(reg, name, help, labels, false, ret);
}

int pf_counter_family_new_sharded(pf_registry *reg, const char *name,
                                  const char *help, const char *const *labels,
                                  pf_family **ret)
{
    return counter_family(reg, name, help, labels, true, ret);
}

int pf_counter_func_new(pf_registry *reg, const char *name, const char *help,
                        double (*fn)(void *arg), void *arg, pf_family **ret)
{
    pf_family_spec spec = {
        .type = PF_TYPE_COUNTER,
        .name = name,
        .help = help,
        .fn = fn,
        .arg = arg,
    };

    if (!fn)
        return pf__err(-EINVAL, "callback function is NULL");
    return pf__register(reg, &spec, ret);
}

int pf_counter_new(pf_registry *reg, const char *name, const char *help,
                   pf_counter **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = counter_family(reg, name, help, NULL, false, &f);
    if (r < 0)
        return r;
    return pf__series_get(f, PF_TYPE_COUNTER, NULL, (pf_series **)(void *)ret);
}

int pf_counter_with(pf_family *fam, const char *const *values, pf_counter **ret)
{
    return pf__series_get(fam, PF_TYPE_COUNTER, values,
                          (pf_series **)(void *)ret);
}

int pf_counter_with_labels(pf_family *fam, pf_counter **ret, ...)
{
    va_list ap;
    int r;

    if (PF_UNLIKELY(!ret))
        return pf__err(-EINVAL, "result pointer is NULL");
    va_start(ap, ret);
    r = pf__series_get_va(fam, PF_TYPE_COUNTER, ap, (pf_series **)(void *)ret);
    va_end(ap);
    return r;
}

int pf_counter_inc(pf_counter *c)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    count_add(ser(c), 1);
    return 0;
}

int pf_counter_add_u64(pf_counter *c, uint64_t v)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    count_add(ser(c), v);
    return 0;
}

/* Add v >= 0: whole values that fit go to the exact integer. */
static void add_value(pf_series *s, double v)
{
    if (v < 18446744073709551616.0 && v == floor(v))
        count_add(s, (uint64_t)v);
    else
        pf__atomic_add_double(fraction_of(s), v);
}

int pf_counter_add(pf_counter *c, double v)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    /* !(v >= 0) also refuses NaN. */
    if (PF_UNLIKELY(!(v >= 0)))
        return -EINVAL;
    add_value(ser(c), v);
    return 0;
}

int pf_counter_value(const pf_counter *c, double *ret)
{
    const pf_series *s = (const pf_series *)(const void *)c;

    if (!c || !ret)
        return -EINVAL;
    /* The sums look at the slots the last render saw used: a read by the
     * program must see the workers that counted since, too. */
    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED)
        pf__shared_refresh(pf__series_ext(s)->fam->shared);
    *ret = (double)pf__counter_count(s) + pf__counter_fraction(s);
    return 0;
}

int pf_counter_inc_labels(pf_family *fam, ...)
{
    pf_series *s;
    va_list ap;
    int r;

    va_start(ap, fam);
    r = pf__series_get_va(fam, PF_TYPE_COUNTER, ap, &s);
    va_end(ap);
    if (PF_UNLIKELY(r < 0))
        return r;
    count_add(s, 1);
    return 0;
}

int pf_counter_add_labels(pf_family *fam, double v, ...)
{
    pf_series *s;
    va_list ap;
    int r;

    if (!(v >= 0))
        return pf__err(-EINVAL, "a counter cannot go down (add %g)", v);
    va_start(ap, v);
    r = pf__series_get_va(fam, PF_TYPE_COUNTER, ap, &s);
    va_end(ap);
    if (r < 0)
        return r;
    add_value(s, v);
    return 0;
}
