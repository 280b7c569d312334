/* SPDX-License-Identifier: MIT */
/*
 * family.c: families and their series, the lock-free lookup table, the
 * arena. A family knows nothing of registries, rendering or what a type
 * does with its cells: what it needs of its registry (the hash seed, the
 * limits) is a pf_policy, and each type says at creation how many cells a
 * series has (see pf_family_spec).
 */
#ifndef PF_FAMILY_H
#define PF_FAMILY_H

#include "format.h"
#include "shared.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

/* What families read of their registry's settings: the registry owns it
 * (registry.h), every family of it points to it. */
typedef struct pf_policy {
    uint64_t seed;                /* of every family's table: set once */
    _Atomic size_t max_series;    /* pf_registry_set_max_series() */
    _Atomic size_t value_max_len; /* pf_registry_set_value_policy() */
    _Atomic unsigned value_flags;
} pf_policy;

#define PF_SERIES_DELETED 1u
/* A sharded counter's series: its count is spread over shards. Set at
 * creation, never changed (deletion and revival keep it). */
#define PF_SERIES_SHARDED 2u
/* A series of a shared registry: its values are cells of the shared
 * region, this process's in its window (shared.h). Set at creation. */
#define PF_SERIES_SHARED 4u

/* A series: 16 bytes of values whose meaning is its family's type, then
 * what the table and the renderer need. The 32-byte header keeps a series
 * with up to 32 bytes of label values (NULs included) on one cache line,
 * with all a lookup and an update touch. */
typedef struct pf_series {
    union {
        struct {
            _Atomic uint64_t count;    /* the exact integer part */
            _Atomic uint64_t fraction; /* bits of the non-integer sum */
        } counter;
        struct {
            _Atomic uint64_t bits; /* the value's bits */
            uint64_t unused;
        } gauge;
        struct {
            /* This process's cells in the shared region (its window): a
             * counter's count and fraction, a gauge's value and stamp, a
             * histogram's buckets and sum (ext->cells too). */
            _Atomic uint64_t *cell;
            /* Its record, for the deleted bit every process sees. */
            const pf_rec *rec;
        } shared;
    } v;
    uint32_t hash;          /* of the label values, for the table */
    _Atomic uint32_t state; /* PF_SERIES_DELETED, PF_SERIES_SHARDED */
    uint32_t vlen;          /* bytes in values[], NULs included */
    /* The next series in label value order, as its creation index + 1 (0:
     * none). Only the renderer touches it, under its render lock: the
     * sorted order costs no memory beyond the series themselves. */
    uint32_t next;
    /* The label values, each followed by its NUL. */
    char values[];
} pf_series;

/* What only histogram and sharded counter series need, just before the
 * series in the arena (see pf__series_ext()). */
typedef struct pf_series_ext {
    const struct pf_family *fam;
    union {
        /* Histogram: the family's ncells cells, after the values (or in
         * the shared region): nbuckets + 1 non-cumulative bucket counts,
         * +Inf's last, then the sum's bits. */
        _Atomic uint64_t *cells;
        /* Sharded counter: nshards cache lines, each counting at its
         * start. */
        _Atomic uint64_t *shards;
    };
} pf_series_ext;

/* The extension of a histogram or sharded counter series. */
static inline pf_series_ext *pf__series_ext(const pf_series *s)
{
    return (pf_series_ext *)(void *)((char *)(uintptr_t)s -
                                     sizeof(pf_series_ext));
}

/* Shard slots are one cache line apart: slot i is shards[i * stride]. */
#define PF_SHARD_STRIDE (PF_CACHELINE / sizeof(uint64_t))

/* A power-of-two open-addressing table of series pointers, probed
 * linearly. Slots go from NULL to a series once and never change again
 * (deleted series stay, marked), so readers need no lock. When the table
 * grows, the old one is kept (readers may still be in it) until the
 * family is freed. */
typedef struct pf_table {
    size_t mask;
    struct pf_table *older;
    _Atomic(pf_series *) slots[];
} pf_table;

/* Series in creation order live in chunks whose addresses never change:
 * chunk k holds PF_CHUNK0 << k pointers. 40 chunks are more than any
 * address space holds. */
#define PF_CHUNK0_LOG2 6
#define PF_CHUNK0 (1u << PF_CHUNK0_LOG2)
#define PF_NCHUNKS 40

/* The chunk that holds creation index i, and i's place in it. */
static inline unsigned pf__chunk_of(size_t i, size_t *slot)
{
    size_t q = i + PF_CHUNK0;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q)) -
                 PF_CHUNK0_LOG2;

    *slot = q - ((size_t)PF_CHUNK0 << k);
    return k;
}

struct pf_key;

typedef struct pf_arena_block {
    struct pf_arena_block *next;
    size_t used;
    size_t size;
    /* then the aligned bytes */
} pf_arena_block;

typedef struct pf_family {
    const pf_policy *policy; /* its registry's */
    enum pf_type type;
    char *name;
    char *help;
    size_t nlabels;
    char **labels;
    /* The library's own families (promfile_*): exempt from the value
     * policy, and may use the reserved prefix. */
    bool internal;
    /* Cells after a series' values (histograms: nbuckets + 2), and shard
     * lines (sharded counters: pf__nshards), each zeroed at creation and
     * revival. */
    size_t ncells;
    unsigned nshards;
    /* Histograms: the upper bounds and their rendered le="" values, made
     * by histogram.c. */
    struct {
        size_t nbuckets;
        double *bounds;
        char **le;
    } hist;
    /* Callback families: the function, its argument and, for a labeled
     * one, its one set of values, which pf__family_set_fixed() may swap
     * (build info) while renders read it. */
    double (*fn)(void *arg);
    void *arg;
    _Atomic(pf_series *) fixed;
    bool replaceable; /* fixed may be swapped */
    /* Gauges: how the processes of a shared registry combine (PF_GAUGE_*
     * of promfile.h). */
    unsigned mode;
    /* A family of a shared registry: its region, its record there, and
     * what creates its series (registry.c: under the region's lock, after
     * the records other processes appended are taken in). NULL when not
     * shared. */
    pf_shared *shared;
    uint32_t rec;
    int (*shared_create)(struct pf_family *f, const struct pf_key *k,
                         struct pf_series **ret);
    /* Take in what the other processes appended (before a deletion). */
    void (*shared_sync)(struct pf_family *f);
    void *shared_ctx;

    /* Taken to create, delete or revive series, never to look one up. */
    pthread_mutex_t mu;
    _Atomic(pf_table *) table;
    size_t tcount;          /* series in the table (under mu) */
    _Atomic size_t nseries; /* series published in chunks[] */
    pf_series **chunks[PF_NCHUNKS];
    pf_arena_block *arena;
    /* The series limit of its own (pf_family_set_max_series()), if
     * has_max; else the policy's. Read under mu. */
    bool has_max;
    size_t max_series;
    /* New series not created because of the limit, for
     * promfile_series_dropped_total{family="<name>"}: here, or, for a
     * family of a shared registry, in this process's cell of its record
     * (so that every process's drops are counted). */
    _Atomic uint64_t dropped;
    _Atomic uint64_t *dropped_cell;

    /* Render side, under the registry's render lock: the first series in
     * label value order (as a creation index + 1), linked through
     * pf_series.next, and how many series are linked (deleted ones stay;
     * the renderer skips them). */
    uint32_t sorted_head;
    size_t nsorted;
} pf_family;

/* The series at creation index i (i < nseries). */
static inline pf_series *pf__family_series_at(const pf_family *f, size_t i)
{
    size_t slot;
    unsigned k = pf__chunk_of(i, &slot);

    return f->chunks[k][slot];
}

/* How many series f has published (deleted ones included). */
static inline size_t pf__family_nseries(const pf_family *f)
{
    return atomic_load_explicit(&f->nseries, memory_order_acquire);
}

/* What a family is made of; the type modules fill it in. */
typedef struct pf_family_spec {
    const pf_policy *policy;
    enum pf_type type;
    const char *name;
    const char *help;
    const char *const *labels; /* NULL-terminated, or NULL for none */
    size_t ncells;
    unsigned nshards;
    /* Histograms: nbuckets bounds and their le strings, malloc()ed: the
     * family owns them from pf__family_new() on, even when it fails. */
    size_t nbuckets;
    double *bounds;
    char **le;
    double (*fn)(void *); /* callback families */
    void *arg;
    const char *const *fixed_values; /* labeled callback: its values */
    bool replaceable;
    bool internal;
    unsigned mode; /* gauges */
} pf_family_spec;

/* Check the spec's name, HELP and labels (and the reserved promfile_
 * prefix, unless internal) and make the family, not registered anywhere.
 * Returns 0, -EINVAL (with a message) or -ENOMEM. */
int pf__family_new(const pf_family_spec *spec, pf_family **ret);
pf_family *pf__family_free(pf_family *f);
/* Same type, help, label names, cells, shards, buckets and callback? */
bool pf__family_same(const pf_family *a, const pf_family *b);
/* Compare two series' label values (for the render order). */
int pf__series_cmp(const pf_series *x, const pf_series *y);
/* Replace the fixed values of a replaceable callback family f with
 * `values` (as many as f has labels), atomically for renders: a render
 * sees the old values or the new ones. Returns 0, -EINVAL or -ENOMEM. */
int pf__family_set_fixed(pf_family *f, const char *const *values);
/* The fixed values a render should use now (NULL for none). */
static inline const pf_series *pf__family_fixed(const pf_family *f)
{
    return atomic_load_explicit(&f->fixed, memory_order_acquire);
}

/* ---- The lookup fast path (inline, so that the one-call updates of
 * counter.c, gauge.c and histogram.c make no call to find an existing
 * series; the slow path is in family.c) ---- */

/* Multiply and fold (the "mum" construction): a fast, well-mixing step.
 * The registry's random seed makes collisions hard to aim at, as label
 * values may come from the network. */
static inline uint64_t pf__mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __uint128_t r = (__uint128_t)a * b;

    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t r = a * b;

    return r ^ (r >> 29) ^ (a >> 32) * (b | 1);
#endif
}

#define PF_K1 0xa0761d6478bd642fULL
#define PF_K2 0xe7037ed1a0b428dbULL
#define PF_K3 0x8ebc6af09c88c6e3ULL

static inline uint64_t pf__load64(const char *p)
{
    uint64_t w;

    __builtin_memcpy(&w, p, sizeof(w));
    return w;
}

static inline uint64_t pf__load32(const char *p)
{
    uint32_t w;

    __builtin_memcpy(&w, p, sizeof(w));
    return w;
}

/* Hash len bytes at p into h: 8 bytes a step, the tail read as one
 * overlapping 8-byte word (or two 4-byte ones, or 3 single bytes), so that
 * a short label value costs a few instructions and no byte loop. The
 * length goes in too, so that ("ab", "c") and ("a", "bc") differ. */
static inline uint64_t pf__hash_bytes(uint64_t h, const char *p, size_t len)
{
    uint64_t w = 0;

    if (len > 8) {
        const char *last = p + len - 8;

        for (; p < last; p += 8)
            h = pf__mix(h ^ pf__load64(p), PF_K1);
        w = pf__load64(last);
    } else if (len >= 4) {
        w = pf__load32(p) << 32 | pf__load32(p + len - 4);
    } else if (len > 0) {
        w = (uint64_t)(unsigned char)p[0] << 16 |
            (uint64_t)(unsigned char)p[len / 2] << 8 |
            (unsigned char)p[len - 1];
    }
    return pf__mix(h ^ w, PF_K2 ^ len);
}

/* Do the n bytes at a and b match? The same word tricks. */
static inline bool pf__bytes_equal(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (pf__load64(a + i) != pf__load64(b + i))
                return false;
        return pf__load64(a + n - 8) == pf__load64(b + n - 8);
    }
    if (n >= 4)
        return pf__load32(a) == pf__load32(b) &&
               pf__load32(a + n - 4) == pf__load32(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The label values being looked up, hashed once. */
typedef struct pf_key {
    const char *v[PF_MAX_LABELS];
    size_t len[PF_MAX_LABELS];
    size_t total;  /* bytes as stored: the values and their NULs */
    uint32_t hash; /* what the series and the table keep */
} pf_key;

/* Start a key for family f: returns the hash state. */
static inline uint64_t pf__key_start(const pf_family *f, pf_key *k)
{
    k->total = f->nlabels;
    return f->policy->seed ^ (f->nlabels * PF_K3);
}

static inline void pf__key_add(pf_key *k, size_t i, const char *v, size_t n,
                               uint64_t seed, uint64_t *h)
{
    k->v[i] = v;
    k->len[i] = n;
    k->total += n;
    /* Each value is hashed on its own, seeded by its position, and the
     * results xor-ed: the multiplications of the values do not wait for
     * each other. */
    *h ^= pf__hash_bytes(seed + (i + 1) * PF_K1, v, n);
}

static inline void pf__key_end(pf_key *k, uint64_t h)
{
    k->hash = (uint32_t)pf__mix(h, PF_K3);
}

static inline bool pf__values_equal(const pf_series *s, const pf_key *k,
                                    size_t n)
{
    const char *p = s->values;

    if (s->vlen != k->total)
        return false;
    /* With the totals equal, each stored value is compared up to its NUL,
     * which must fall where the looked-up value ends. */
    for (size_t i = 0; i < n; i++) {
        if (!pf__bytes_equal(p, k->v[i], k->len[i] + 1))
            return false;
        p += k->len[i] + 1;
    }
    return true;
}

static inline pf_series *pf__table_find(const pf_table *t, const pf_key *k,
                                        size_t n)
{
    /* The table is at most half full, so an empty slot ends every probe. */
    for (size_t i = k->hash & t->mask;; i = (i + 1) & t->mask) {
        pf_series *s = atomic_load_explicit(&t->slots[i], memory_order_acquire);

        if (!s)
            return NULL;
        if (s->hash == k->hash && pf__values_equal(s, k, n))
            return s;
    }
}

/* The slow path: revive, apply the value policy, create, or report. */
int pf__series_get_slow(pf_family *f, const pf_key *k, pf_series **ret);
/* Is s deleted (a shared series: by any process)? */
bool pf__series_deleted(const pf_series *s);
/* Is the shared series s deleted (by any process)? */
static inline bool pf__series_shared_deleted(const pf_series *s)
{
    return atomic_load_explicit(&s->v.shared.rec->state, memory_order_acquire) &
           PF_REC_DELETED;
}
/* Add to f the series of k whose values are the shared cells from `cell`
 * on, of record rec: found by lookups, rendered, never freed. The caller
 * is in a fork section (lock.h) and checked the values. Returns 0 or
 * -ENOMEM. */
int pf__series_add_shared(pf_family *f, const pf_key *k, _Atomic uint64_t *cell,
                          const pf_rec *rec, pf_series **ret);
/* Count a series f dropped at its limit. */
void pf__family_count_drop(pf_family *f);
/* Check k's values for a new series of f against the rules and the
 * family's limit (counting a drop). Returns 0, or -EINVAL or -ENOSPC with
 * a message. */
int pf__series_check_new(pf_family *f, const pf_key *k);
/* k itself if its values need no value policy, else the key of the
 * repaired values in *out, made in buf (size bytes) or, if they need more,
 * in a block of the heap returned in *heap (to free). NULL: -ENOMEM. */
const pf_key *pf__series_policy(const pf_family *f, const pf_key *k,
                                pf_key *out, char *buf, size_t size,
                                char **heap);
/* The error of a family that is NULL or not of `type`. */
int pf__family_type_error(const pf_family *f, enum pf_type type);
/* The error of a va_list with `got` values, or more (got > nlabels). */
int pf__values_count_error(const pf_family *f, size_t got);

/* The series of f with the values of k: found without a lock when it
 * exists and is not deleted, else by the slow path. */
static inline PF_ALWAYS_INLINE int
pf__series_find(pf_family *f, const pf_key *k, pf_series **ret)
{
    const pf_table *t = atomic_load_explicit(&f->table, memory_order_acquire);
    pf_series *s = pf__table_find(t, k, f->nlabels);

    if (PF_LIKELY(s != NULL)) {
        uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);

        /* A shared series may have been deleted by another process: its
         * record says so. */
        if (PF_LIKELY(!(st & (PF_SERIES_DELETED | PF_SERIES_SHARED))) ||
            (st == PF_SERIES_SHARED && !pf__series_shared_deleted(s))) {
            *ret = s;
            return 0;
        }
    }
    return pf__series_get_slow(f, k, ret);
}

/* Find or create the series of `f` with `values`. `type` must match. */
int pf__series_get(pf_family *f, enum pf_type type, const char *const *values,
                   pf_series **ret);

/* As pf__series_get(), with the values in a NULL-terminated va_list:
 * too few or too many give -EINVAL. Inline: the one-call updates find an
 * existing series without a single call but strlen(). */
static inline PF_ALWAYS_INLINE int
pf__series_get_va(pf_family *f, enum pf_type type, va_list ap, pf_series **ret)
{
    uint64_t h, seed;
    pf_key k;

    if (PF_UNLIKELY(!f || f->type != type || f->fn))
        return pf__family_type_error(f, type);
    h = pf__key_start(f, &k);
    seed = f->policy->seed;
    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = va_arg(ap, const char *);

        if (PF_UNLIKELY(!v))
            return pf__values_count_error(f, i);
        pf__key_add(&k, i, v, __builtin_strlen(v), seed, &h);
    }
    /* The sentinel must follow: more values than labels is an error. */
    if (PF_UNLIKELY(va_arg(ap, const char *) != NULL))
        return pf__values_count_error(f, f->nlabels + 1);
    pf__key_end(&k, h);
    return pf__series_find(f, &k, ret);
}

#endif /* PF_FAMILY_H */
