/* SPDX-License-Identifier: MIT */
/*
 * Metric families and their series.
 *
 * Finding an existing series is the hot path of the one-call API
 * (pf_counter_inc_labels()), so it takes no lock and allocates nothing:
 * hash the label values once, probe an open-addressing table whose slots
 * are written once, compare, done. Creating, deleting and reviving series
 * take the family's mutex, which neither lookups nor the renderer hold.
 *
 * Series are never freed before their family (handles stay valid, and
 * lock-free readers can never see freed memory); a deleted series is
 * marked and revived, from zero, if its label values come back. Memory is
 * thus bounded by the number of distinct label sets ever used.
 *
 * What a series holds beyond its two value words is its type's business
 * (counter.c, histogram.c): the family only knows how many cells follow
 * the values and how many shard lines it has, to lay them out and to zero
 * them.
 */
#include "family.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "lock.h"
#include "validate.h"

/* A series with up to 32 bytes of label values (NULs included) fits one
 * cache line, all a lookup reads and an update writes: keep the header at
 * 32 bytes (issue 5 measures lookups and bytes per series). */
_Static_assert(sizeof(pf_series) == 32, "pf_series grew");
/* The arena's alignment holds for a series after its extension. */
_Static_assert(sizeof(pf_series_ext) % 8 == 0, "pf_series_ext misaligns");
/* pf__chunk_of() counts on it. */
_Static_assert(PF_CHUNK0 == 1u << PF_CHUNK0_LOG2, "PF_CHUNK0 is not 2^LOG2");

/* ---- The arena: series memory, freed with the family ------------------ */

static void *arena_alloc(pf_family *f, size_t size)
{
    pf_arena_block *blk = f->arena;
    uintptr_t data;

    size = (size + PF_CACHELINE - 1) & ~(size_t)(PF_CACHELINE - 1);
    if (!blk || blk->size - blk->used < size) {
        /* Blocks double from 1 KiB to 1 MiB: small families stay small,
         * large ones make few allocations. */
        size_t bsz = blk ? blk->size * 2 : 1024;

        if (bsz > ((size_t)1 << 20))
            bsz = (size_t)1 << 20;
        if (bsz < size)
            bsz = size;
        blk = pf__calloc(1, sizeof(*blk) + bsz + PF_CACHELINE);
        if (!blk)
            return NULL;
        blk->size = bsz;
        blk->next = f->arena;
        f->arena = blk;
    }
    data = ((uintptr_t)(blk + 1) + PF_CACHELINE - 1) &
           ~(uintptr_t)(PF_CACHELINE - 1);
    blk->used += size;
    return (void *)(data + blk->used - size);
}

/* ---- The lookup table -------------------------------------------------- */

static pf_table *table_new(size_t cap)
{
    pf_table *t = pf__calloc(1, sizeof(*t) + cap * sizeof(t->slots[0]));

    if (t)
        t->mask = cap - 1;
    return t;
}

static void table_put(pf_table *t, pf_series *s)
{
    size_t i = s->hash & t->mask;

    while (atomic_load_explicit(&t->slots[i], memory_order_relaxed))
        i = (i + 1) & t->mask;
    /* Release: a reader that sees the pointer sees the whole series. */
    atomic_store_explicit(&t->slots[i], s, memory_order_release);
}

/* ---- The creation-order list ------------------------------------------- */

static bool list_reserve(pf_family *f, size_t idx)
{
    size_t slot;
    unsigned k = pf__chunk_of(idx, &slot);

    if (k >= PF_NCHUNKS)
        return false;
    if (!f->chunks[k]) {
        f->chunks[k] = pf__calloc((size_t)PF_CHUNK0 << k, sizeof(pf_series *));
        if (!f->chunks[k])
            return false;
    }
    return true;
}

static void list_publish(pf_family *f, size_t idx, pf_series *s)
{
    size_t slot;
    unsigned k = pf__chunk_of(idx, &slot);

    f->chunks[k][slot] = s;
    /* Release: the renderer reads nseries with acquire, then the slots. */
    atomic_store_explicit(&f->nseries, idx + 1, memory_order_release);
}

/* ---- Series ------------------------------------------------------------ */

static void series_reset(const pf_family *f, pf_series *s)
{
    atomic_store_explicit(&s->v.counter.count, 0, memory_order_relaxed);
    atomic_store_explicit(&s->v.counter.fraction, 0, memory_order_relaxed);
    for (size_t i = 0; i < f->ncells; i++)
        atomic_store_explicit(&pf__series_ext(s)->cells[i], 0,
                              memory_order_relaxed);
    for (size_t i = 0; i < f->nshards; i++)
        atomic_store_explicit(&pf__series_ext(s)->shards[i * PF_SHARD_STRIDE],
                              0, memory_order_relaxed);
}

/* The bytes of k's values as stored, NULs included. */
static size_t values_len(const pf_family *f, const pf_key *k)
{
    size_t vlen = f->nlabels;

    for (size_t i = 0; i < f->nlabels; i++)
        vlen += k->len[i];
    return vlen;
}

/* Check k's values and the limit for a series at creation index idx.
 * Returns 0 or a negative errno with a message. */
static int check_new(pf_family *f, const pf_key *k, size_t idx)
{
    size_t maxlen = f->internal ? 0 : atomic_load(&f->policy->value_max_len);
    size_t limit;

    for (size_t i = 0; i < f->nlabels; i++) {
        int r = pf__check_label_value(k->v[i], k->len[i]);

        if (r < 0)
            return r;
        if (maxlen && k->len[i] > maxlen)
            return pf__err(-EINVAL,
                           "label value %zu of \"%.60s\" is longer than "
                           "%zu bytes",
                           i + 1, f->name, maxlen);
    }
    if (values_len(f, k) > UINT32_MAX)
        return pf__err(-EINVAL, "label values are too long");
    /* Creation indexes are kept in 32 bits (pf_series.next). */
    if (idx >= UINT32_MAX - 1)
        return pf__err(-ENOMEM, "family \"%.60s\" has too many series",
                       f->name);
    limit = f->has_max ? f->max_series : atomic_load(&f->policy->max_series);
    if (limit && idx >= limit)
        return pf__err(-ENOSPC,
                       "family \"%.60s\" has reached its limit of %zu "
                       "series; the new one is dropped",
                       f->name, limit);
    return 0;
}

int pf__series_check_new(pf_family *f, const pf_key *k)
{
    int r = check_new(f, k, pf__family_nseries(f));

    if (r == -ENOSPC)
        pf__family_count_drop(f);
    return r;
}

void pf__family_count_drop(pf_family *f)
{
    atomic_fetch_add_explicit(f->dropped_cell ? f->dropped_cell : &f->dropped,
                              1, memory_order_relaxed);
}

/* Make room for one more series in the table. Under f->mu. */
static int table_reserve(pf_family *f, size_t idx)
{
    pf_table *t = atomic_load_explicit(&f->table, memory_order_relaxed);
    pf_table *nt;

    if ((f->tcount + 1) * 2 <= t->mask + 1)
        return 0;
    nt = table_new((t->mask + 1) * 2);
    if (!nt)
        return -ENOMEM;
    for (size_t i = 0; i < idx; i++)
        table_put(nt, pf__family_series_at(f, i));
    nt->older = t;
    atomic_store_explicit(&f->table, nt, memory_order_release);
    return 0;
}

/* Create the series of k: its cells in the arena, or, with `cell`, those
 * of the shared region from there on (record rec). Under f->mu; the
 * values are checked. */
static int series_create(pf_family *f, const pf_key *k, _Atomic uint64_t *cell,
                         const pf_rec *rec, pf_series **ret)
{
    size_t idx = atomic_load_explicit(&f->nseries, memory_order_relaxed);
    size_t vlen = values_len(f, k), ncells = cell ? 0 : f->ncells;
    /* A shared series always has the extension: its family leads to the
     * region, for the values of every process. */
    bool has_ext = ncells || f->nshards || cell;
    size_t ext = has_ext ? sizeof(pf_series_ext) : 0, off, size;
    pf_series *s;
    char *p;

    /* Make room first, so that nothing can fail once the series exists:
     * no half-created series is ever visible. */
    if (!list_reserve(f, idx) || table_reserve(f, idx) < 0)
        return -ENOMEM;
    /* Cells follow the values, 8-byte aligned. */
    off = (sizeof(*s) + vlen + 7) & ~(size_t)7;
    size = ncells ? off + ncells * sizeof(uint64_t) : sizeof(*s) + vlen;
    p = arena_alloc(f, ext + size);
    if (!p)
        return -ENOMEM;
    s = (pf_series *)(void *)(p + ext);
    if (has_ext) {
        pf_series_ext *x = pf__series_ext(s);

        x->fam = f;
        if (ncells)
            x->cells = (_Atomic uint64_t *)(void *)((char *)s + off);
        else if (cell && f->ncells)
            x->cells = cell;
    }
    if (cell) {
        s->v.shared.cell = cell;
        s->v.shared.rec = rec;
        atomic_init(&s->state, PF_SERIES_SHARED);
    } else if (f->nshards) {
        /* Each shard on a cache line of its own. If this fails, the series
         * above stays unused in the arena until the family goes. */
        pf__series_ext(s)->shards =
            arena_alloc(f, (size_t)f->nshards * PF_CACHELINE);
        if (!pf__series_ext(s)->shards)
            return -ENOMEM;
        atomic_init(&s->state, PF_SERIES_SHARDED);
    }
    s->hash = k->hash;
    s->vlen = (uint32_t)vlen;
    p = s->values;
    for (size_t i = 0; i < f->nlabels; i++) {
        memcpy(p, k->v[i], k->len[i]);
        p[k->len[i]] = '\0';
        p += k->len[i] + 1;
    }
    table_put(atomic_load_explicit(&f->table, memory_order_relaxed), s);
    f->tcount++;
    list_publish(f, idx, s);
    *ret = s;
    return 0;
}

int pf__series_add_shared(pf_family *f, const pf_key *k, _Atomic uint64_t *cell,
                          const pf_rec *rec, pf_series **ret)
{
    pf_series *s;
    int r;

    /* The caller is in a fork section already: sections do not nest. */
    pthread_mutex_lock(&f->mu);
    s = pf__table_find(atomic_load_explicit(&f->table, memory_order_relaxed), k,
                       f->nlabels);
    if (s) {
        *ret = s;
        r = 0;
    } else {
        r = series_create(f, k, cell, rec, ret);
    }
    pthread_mutex_unlock(&f->mu);
    return r;
}

/* ---- The value policy ---------------------------------------------------
 *
 * Label values that come from the network may be too long or not UTF-8;
 * a registry's policy (pf_registry_set_value_policy()) may repair them
 * instead of refusing them. The repaired values are made in a buffer on
 * the stack, so that a lookup of an existing series allocates nothing
 * with a policy either (issue 13), unless they need more than it holds. */

#define POLICY_STACK 4096

/* Does value v of length n need the policy? */
static bool needs_policy(size_t max, unsigned flags, const char *v, size_t n)
{
    return ((flags & PF_VALUES_TRUNCATE) && max && n > max) ||
           ((flags & PF_VALUES_REPLACE) &&
            (!pf__utf8_valid(v, n) || memchr(v, '\r', n)));
}

/* The bytes the repaired values of k may need, NULs included. */
static size_t policy_room(const pf_family *f, const pf_key *k, size_t max,
                          unsigned flags)
{
    size_t cap = 0;

    for (size_t i = 0; i < f->nlabels; i++) {
        /* Replacing a byte with U+FFFD makes it at most three times
         * longer; truncation bounds it. */
        size_t n = (flags & PF_VALUES_REPLACE) ? 3 * k->len[i] : k->len[i];

        if ((flags & PF_VALUES_TRUNCATE) && max && n > max)
            n = max;
        cap += n + 1;
    }
    return cap;
}

/* Apply the policy to k's values into out, whose values point into buf. */
static void apply_policy(const pf_family *f, const pf_key *k, size_t max,
                         unsigned flags, char *buf, pf_key *out)
{
    size_t used = 0, cut = (flags & PF_VALUES_TRUNCATE) && max ? max : SIZE_MAX;
    uint64_t h = pf__key_start(f, out);

    for (size_t i = 0; i < f->nlabels; i++) {
        char *d = buf + used;
        size_t n;

        if (flags & PF_VALUES_REPLACE) {
            n = pf__utf8_repair(k->v[i], k->len[i], d, cut);
        } else {
            n = pf__utf8_cut(k->v[i], k->len[i], cut);
            memcpy(d, k->v[i], n);
        }
        d[n] = '\0';
        used += n + 1;
        pf__key_add(out, i, d, n, f->policy->seed, &h);
    }
    pf__key_end(out, h);
}

const pf_key *pf__series_policy(const pf_family *f, const pf_key *k,
                                pf_key *out, char *buf, size_t size,
                                char **heap)
{
    size_t max = atomic_load(&f->policy->value_max_len);
    unsigned flags = atomic_load(&f->policy->value_flags);
    size_t room;

    *heap = NULL;
    if (f->internal)
        return k;
    for (size_t i = 0; i < f->nlabels; i++)
        if (needs_policy(max, flags, k->v[i], k->len[i]))
            goto repair;
    return k;
repair:
    room = policy_room(f, k, max, flags);
    if (room > size) {
        buf = *heap = pf__malloc(room);
        if (!buf)
            return NULL;
    }
    apply_policy(f, k, max, flags, buf, out);
    return out;
}

int pf__series_get_slow(pf_family *f, const pf_key *k, pf_series **ret)
{
    char stack[POLICY_STACK], *heap;
    pf_key fixed;
    pf_table *t;
    pf_series *s;
    int r = 0;

    k = pf__series_policy(f, k, &fixed, stack, sizeof(stack), &heap);
    if (!k)
        return -ENOMEM;
    if (k == &fixed) {
        /* The repaired form may exist: that lookup takes no lock. */
        t = atomic_load_explicit(&f->table, memory_order_acquire);
        s = pf__table_find(t, k, f->nlabels);
        if (s) {
            uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);

            if (!(st & (PF_SERIES_DELETED | PF_SERIES_SHARED)) ||
                (st == PF_SERIES_SHARED && !pf__series_shared_deleted(s))) {
                pf__free(heap);
                *ret = s;
                return 0;
            }
        }
    }
    /* A shared family's series are made under the region's lock, once
     * the other processes' are known (registry.c). */
    if (f->shared) {
        r = f->shared_create(f, k, ret);
        pf__free(heap);
        return r;
    }
    pf__lock(&f->mu);
    t = atomic_load_explicit(&f->table, memory_order_relaxed);
    s = pf__table_find(t, k, f->nlabels);
    if (s) {
        if (atomic_load_explicit(&s->state, memory_order_relaxed) &
            PF_SERIES_DELETED) {
            /* Revive from zero, then unmark: a render that sees it
             * unmarked (acquire) sees the reset. */
            series_reset(f, s);
            atomic_fetch_and_explicit(&s->state, ~PF_SERIES_DELETED,
                                      memory_order_release);
        }
        *ret = s;
    } else {
        r = check_new(f, k,
                      atomic_load_explicit(&f->nseries, memory_order_relaxed));
        if (r == 0)
            r = series_create(f, k, NULL, NULL, ret);
    }
    pf__unlock(&f->mu);
    pf__free(heap);
    if (r == -ENOSPC)
        pf__family_count_drop(f);
    return r;
}

int pf_family_set_max_series(pf_family *f, size_t max)
{
    if (!f)
        return pf__err(-EINVAL, "family is NULL");
    pf__lock(&f->mu);
    f->has_max = true;
    f->max_series = max;
    pf__unlock(&f->mu);
    return 0;
}

/* Hash the array `values` into k. Returns 0 or -EINVAL. */
static int key_from_array(const pf_family *f, const char *const *values,
                          pf_key *k)
{
    uint64_t h = pf__key_start(f, k);

    if (f->nlabels && !values)
        return pf__err(-EINVAL, "family \"%.60s\" needs %zu label values",
                       f->name, f->nlabels);
    for (size_t i = 0; i < f->nlabels; i++) {
        if (PF_UNLIKELY(!values[i]))
            return pf__err(-EINVAL,
                           "label value %zu of family \"%.60s\" is NULL", i + 1,
                           f->name);
        pf__key_add(k, i, values[i], strlen(values[i]), f->policy->seed, &h);
    }
    pf__key_end(k, h);
    return 0;
}

int pf__family_type_error(const pf_family *f, enum pf_type type)
{
    if (!f)
        return pf__err(-EINVAL, "family is NULL");
    return pf__err(-EINVAL, "family \"%.60s\" is a %s%s, not a %s", f->name,
                   f->fn ? "callback " : "", pf__type_name(f->type),
                   pf__type_name(type));
}

int pf__values_count_error(const pf_family *f, size_t got)
{
    if (got > f->nlabels)
        return pf__err(-EINVAL,
                       "family \"%.60s\" has %zu labels but got more values "
                       "(missing NULL at the end?)",
                       f->name, f->nlabels);
    return pf__err(-EINVAL,
                   "family \"%.60s\" has %zu labels but got %zu values",
                   f->name, f->nlabels, got);
}

int pf__series_get(pf_family *f, enum pf_type type, const char *const *values,
                   pf_series **ret)
{
    pf_key k;
    int r;

    if (PF_UNLIKELY(!f || f->type != type || f->fn))
        return pf__family_type_error(f, type);
    if (PF_UNLIKELY(!ret))
        return pf__err(-EINVAL, "result pointer is NULL");
    r = key_from_array(f, values, &k);
    if (PF_UNLIKELY(r < 0))
        return r;
    return pf__series_find(f, &k, ret);
}

int pf__series_cmp(const pf_series *x, const pf_series *y)
{
    /* The values are stored one after the other, each ended by a NUL,
     * which sorts before every other byte: comparing the whole run bytewise
     * orders by the first value, then the second, and so on. */
    size_t n = x->vlen < y->vlen ? x->vlen : y->vlen;
    int c = memcmp(x->values, y->values, n);

    if (c)
        return c;
    return (x->vlen > y->vlen) - (x->vlen < y->vlen);
}

/* ---- Deletion ---------------------------------------------------------- */

bool pf__series_deleted(const pf_series *s)
{
    uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);

    if (st & PF_SERIES_SHARED)
        return pf__series_shared_deleted(s);
    return st & PF_SERIES_DELETED;
}

/* Mark s deleted: in its record, for every process, if it is shared. A
 * render that sees the mark skips it. */
static void mark_deleted(pf_series *s)
{
    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED)
        atomic_fetch_or_explicit(&((pf_rec *)(uintptr_t)s->v.shared.rec)->state,
                                 PF_REC_DELETED, memory_order_release);
    else
        atomic_fetch_or_explicit(&s->state, PF_SERIES_DELETED,
                                 memory_order_release);
}

int pf_family_delete(pf_family *f, const char *const *values)
{
    pf_series *s;
    pf_key k;
    int r;

    if (!f)
        return pf__err(-EINVAL, "family is NULL");
    if (f->fn)
        return pf__err(-EINVAL, "callback family \"%.60s\" has no series",
                       f->name);
    r = key_from_array(f, values, &k);
    if (r < 0)
        return r;
    /* The series another process made are known once taken in. */
    if (f->shared)
        f->shared_sync(f);
    pf__lock(&f->mu);
    s = pf__table_find(atomic_load_explicit(&f->table, memory_order_relaxed),
                       &k, f->nlabels);
    if (s && !pf__series_deleted(s))
        mark_deleted(s);
    else
        r = pf__err(-ENOENT, "family \"%.60s\" has no such series", f->name);
    pf__unlock(&f->mu);
    return r;
}

int pf_family_delete_labels(pf_family *f, ...)
{
    const char *vals[PF_MAX_LABELS];
    va_list ap;
    size_t i;

    if (!f)
        return pf__err(-EINVAL, "family is NULL");
    va_start(ap, f);
    for (i = 0; i < f->nlabels; i++) {
        vals[i] = va_arg(ap, const char *);
        if (!vals[i])
            break;
    }
    /* The sentinel must follow exactly. */
    if (i == f->nlabels && va_arg(ap, const char *) != NULL)
        i = f->nlabels + 1;
    va_end(ap);
    if (i != f->nlabels)
        return pf__err(-EINVAL,
                       "family \"%.60s\" has %zu labels; give as many "
                       "values and a NULL",
                       f->name, f->nlabels);
    return pf_family_delete(f, vals);
}

int pf_family_clear(pf_family *f)
{
    size_t n;

    if (!f)
        return pf__err(-EINVAL, "family is NULL");
    if (f->fn)
        return pf__err(-EINVAL, "callback family \"%.60s\" has no series",
                       f->name);
    if (f->shared)
        f->shared_sync(f);
    pf__lock(&f->mu);
    n = atomic_load_explicit(&f->nseries, memory_order_relaxed);
    for (size_t i = 0; i < n; i++)
        mark_deleted(pf__family_series_at(f, i));
    pf__unlock(&f->mu);
    return 0;
}

/* ---- Families ---------------------------------------------------------- */

static int check_labels(const char *const *labels, size_t *ret)
{
    size_t n = 0;

    if (!labels) {
        *ret = 0;
        return 0;
    }
    for (; labels[n]; n++) {
        int r;

        if (n >= PF_MAX_LABELS)
            return pf__err(-EINVAL, "more than %d label names", PF_MAX_LABELS);
        r = pf__check_label_name(labels[n]);
        if (r < 0)
            return r;
        for (size_t j = 0; j < n; j++)
            if (strcmp(labels[j], labels[n]) == 0)
                return pf__err(-EINVAL, "label name \"%.60s\" is repeated",
                               labels[n]);
    }
    *ret = n;
    return 0;
}

pf_family *pf__family_free(pf_family *f)
{
    pf_table *t;

    if (!f)
        return NULL;
    t = atomic_load_explicit(&f->table, memory_order_relaxed);
    while (t) {
        pf_table *older = t->older;

        pf__free(t);
        t = older;
    }
    for (size_t k = 0; k < PF_NCHUNKS; k++)
        pf__free(f->chunks[k]);
    while (f->arena) {
        pf_arena_block *next = f->arena->next;

        pf__free(f->arena);
        f->arena = next;
    }
    for (size_t i = 0; i < f->nlabels; i++)
        pf__free(f->labels[i]);
    pf__free(f->labels);
    if (f->hist.le)
        for (size_t i = 0; i < f->hist.nbuckets; i++)
            pf__free(f->hist.le[i]);
    pf__free(f->hist.le);
    pf__free(f->hist.bounds);
    pf__free(f->name);
    pf__free(f->help);
    pthread_mutex_destroy(&f->mu);
    pf__free(f);
    return NULL;
}

bool pf__family_same(const pf_family *a, const pf_family *b)
{
    const pf_series *fa = pf__family_fixed(a), *fb = pf__family_fixed(b);

    if (a->type != b->type || a->nshards != b->nshards ||
        a->ncells != b->ncells || strcmp(a->help, b->help) != 0 ||
        a->fn != b->fn || a->arg != b->arg || a->nlabels != b->nlabels ||
        a->replaceable != b->replaceable || a->mode != b->mode ||
        (!fa) != (!fb) || (fa && pf__series_cmp(fa, fb) != 0) ||
        a->hist.nbuckets != b->hist.nbuckets)
        return false;
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i], b->labels[i]) != 0)
            return false;
    for (size_t i = 0; i < a->hist.nbuckets; i++)
        if (a->hist.bounds[i] != b->hist.bounds[i])
            return false;
    return true;
}

/* A series holding `values` as a callback family's fixed values, in the
 * arena. Returns NULL (with a message for -EINVAL) on failure; *err says
 * which. Under f->mu, or before f is shared. */
static pf_series *make_fixed(pf_family *f, const char *const *values, int *err)
{
    size_t vlen = 0;
    pf_series *s;
    char *p;

    for (size_t i = 0; i < f->nlabels; i++) {
        if (!values || !values[i] ||
            pf__check_label_value(values[i], strlen(values[i])) < 0) {
            *err = pf__err(-EINVAL,
                           "family \"%.60s\" needs %zu valid label values",
                           f->name, f->nlabels);
            return NULL;
        }
        vlen += strlen(values[i]) + 1;
    }
    if (values && values[f->nlabels]) {
        *err = pf__err(-EINVAL,
                       "family \"%.60s\" has %zu labels but got "
                       "more values",
                       f->name, f->nlabels);
        return NULL;
    }
    s = arena_alloc(f, sizeof(pf_series) + vlen);
    if (!s) {
        *err = -ENOMEM;
        return NULL;
    }
    s->vlen = (uint32_t)vlen;
    p = s->values;
    for (size_t i = 0; i < f->nlabels; i++) {
        size_t n = strlen(values[i]) + 1;

        memcpy(p, values[i], n);
        p += n;
    }
    return s;
}

int pf__family_set_fixed(pf_family *f, const char *const *values)
{
    pf_series *s;
    int r = 0;

    if (!f->replaceable || !f->nlabels)
        return f->nlabels ? pf__err(-EINVAL,
                                    "family \"%.60s\" has fixed "
                                    "values",
                                    f->name)
                          : 0;
    pf__lock(&f->mu);
    s = make_fixed(f, values, &r);
    /* The old values stay in the arena: a render may be reading them. */
    if (s)
        atomic_store_explicit(&f->fixed, s, memory_order_release);
    pf__unlock(&f->mu);
    return s ? 0 : r;
}

int pf__family_new(const pf_family_spec *spec, pf_family **ret)
{
    pf_family *f;
    size_t nlabels = 0;
    int r;

    r = pf__check_metric_name(spec->name, spec->type);
    if (r == 0 && !spec->internal && strncmp(spec->name, "promfile_", 9) == 0)
        r = pf__err(-EINVAL,
                    "metric name \"%.60s\": the prefix \"promfile_\" is "
                    "reserved for the library's own metrics",
                    spec->name);
    if (r == 0)
        r = pf__check_help(spec->help);
    if (r == 0)
        r = check_labels(spec->labels, &nlabels);
    f = r == 0 ? pf__calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        /* The family owns the bucket arrays, even when it fails. */
        if (spec->le)
            for (size_t i = 0; i < spec->nbuckets; i++)
                pf__free(spec->le[i]);
        pf__free(spec->le);
        pf__free(spec->bounds);
        return r < 0 ? r : -ENOMEM;
    }
    pthread_mutex_init(&f->mu, NULL);
    f->policy = spec->policy;
    f->type = spec->type;
    f->fn = spec->fn;
    f->arg = spec->arg;
    f->ncells = spec->ncells;
    f->nshards = spec->nshards;
    f->replaceable = spec->replaceable;
    f->internal = spec->internal;
    f->mode = spec->mode;
    f->hist.nbuckets = spec->nbuckets;
    f->hist.bounds = spec->bounds;
    f->hist.le = spec->le;
    f->name = pf__strdup(spec->name);
    f->help = pf__strdup(spec->help);
    f->labels = pf__calloc(nlabels ? nlabels : 1, sizeof(char *));
    if (!f->name || !f->help || !f->labels)
        goto nomem;
    for (f->nlabels = 0; f->nlabels < nlabels; f->nlabels++) {
        f->labels[f->nlabels] = pf__strdup(spec->labels[f->nlabels]);
        if (!f->labels[f->nlabels])
            goto nomem;
    }
    if (f->fn && f->nlabels) {
        pf_series *s = make_fixed(f, spec->fixed_values, &r);

        if (!s) {
            pf__family_free(f);
            return r;
        }
        atomic_init(&f->fixed, s);
    }
    if (!f->fn) {
        atomic_init(&f->table, table_new(8));
        if (!atomic_load_explicit(&f->table, memory_order_relaxed))
            goto nomem;
    }
    *ret = f;
    return 0;

nomem:
    pf__family_free(f);
    return -ENOMEM;
}
