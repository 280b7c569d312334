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
 * Series are never freed before their registry (handles stay valid, and
 * lock-free readers can never see freed memory); a deleted series is
 * marked and revived, from zero, if its label values come back. Memory is
 * thus bounded by the number of distinct label sets ever used.
 */
#include "pf-internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Hashing ---------------------------------------------------------- */

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
    size_t q = idx + PF_CHUNK0;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q)) - 6;

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
    size_t q = idx + PF_CHUNK0;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q)) - 6;

    f->chunks[k][q - ((size_t)PF_CHUNK0 << k)] = s;
    /* Release: the renderer reads nseries with acquire, then the slots. */
    atomic_store_explicit(&f->nseries, idx + 1, memory_order_release);
}

/* ---- Series ------------------------------------------------------------ */

/* A counter with label values of up to 32 bytes (NULs included) fits one
 * cache line, all a lookup reads and an update writes: keep the header at
 * 32 bytes (issue 5 measures lookups and bytes per series). */
_Static_assert(sizeof(pf_series) == 32, "pf_series grew");
/* The arena's alignment holds for a series after its extension. */
_Static_assert(sizeof(pf_series_ext) % 8 == 0, "pf_series_ext misaligns");


static void series_reset(const pf_family *f, pf_series *s)
{
    atomic_store_explicit(&s->a, 0, memory_order_relaxed);
    atomic_store_explicit(&s->b, 0, memory_order_relaxed);
    if (f->type == PF_TYPE_HISTOGRAM)
        for (size_t i = 0; i <= f->nbuckets; i++)
            atomic_store_explicit(&pf__series_ext(s)->buckets[i], 0,
                                  memory_order_relaxed);
    if (f->sharded)
        for (size_t i = 0; i < pf__nshards; i++)
            atomic_store_explicit(
                &pf__series_ext(s)->shards[i * PF_SHARD_STRIDE], 0,
                memory_order_relaxed);
}

static int series_create(pf_family *f, const pf_key *k, pf_series **ret)
{
    pf_table *t = atomic_load_explicit(&f->table, memory_order_relaxed);
    size_t idx = atomic_load_explicit(&f->nseries, memory_order_relaxed);
    size_t vlen = f->nlabels, ext, off, size;
    pf_series_ext *x = NULL;
    pf_series *s;
    char *p;

    size_t maxlen = f->internal ? 0 : atomic_load(&f->reg->value_max_len);

    for (size_t i = 0; i < f->nlabels; i++) {
        int r = pf__check_label_value(k->v[i], k->len[i]);

        if (r < 0)
            return r;
        if (maxlen && k->len[i] > maxlen)
            return pf__err(-EINVAL,
                           "label value %zu of \"%.60s\" is longer than "
                           "%zu bytes",
                           i + 1, f->name, maxlen);
        vlen += k->len[i];
    }
    if (vlen > UINT32_MAX)
        return pf__err(-EINVAL, "label values are too long");
    /* Creation indexes are kept in 32 bits (pf_series.next). */
    if (idx >= UINT32_MAX - 1)
        return pf__err(-ENOMEM, "family \"%.60s\" has too many series",
                       f->name);
    {
        size_t limit = f->has_max ? f->max_series
                                  : atomic_load(&f->reg->max_series);

        if (limit && idx >= limit)
            return pf__err(-ENOSPC,
                           "family \"%.60s\" has reached its limit of %zu "
                           "series; the new one is dropped",
                           f->name, limit);
    }

    /* Make room first, so that nothing can fail once the series exists:
     * no half-created series is ever visible. */
    if (!list_reserve(f, idx))
        return -ENOMEM;
    if ((f->tcount + 1) * 2 > t->mask + 1) {
        pf_table *nt = table_new((t->mask + 1) * 2);

        if (!nt)
            return -ENOMEM;
        for (size_t i = 0; i < idx; i++)
            table_put(nt, pf__family_series_at(f, i));
        nt->older = t;
        atomic_store_explicit(&f->table, nt, memory_order_release);
        t = nt;
    }
    /* Histograms and sharded counters have an extension before the
     * series; a histogram's buckets follow its values. */
    ext = f->type == PF_TYPE_HISTOGRAM || f->sharded ? sizeof(*x) : 0;
    off = (sizeof(*s) + vlen + 7) & ~(size_t)7;
    size = f->type == PF_TYPE_HISTOGRAM
               ? off + (f->nbuckets + 1) * sizeof(x->buckets[0])
               : sizeof(*s) + vlen;
    p = arena_alloc(f, ext + size);
    if (!p)
        return -ENOMEM;
    s = (pf_series *)(void *)(p + ext);
    if (ext) {
        x = pf__series_ext(s);
        x->fam = f;
        if (f->type == PF_TYPE_HISTOGRAM)
            x->buckets = (_Atomic uint64_t *)(void *)((char *)s + off);
    }
    if (f->sharded) {
        /* Each slot on a cache line of its own. If this fails, the
         * series above stays unused in the arena until the family goes. */
        x->shards = arena_alloc(f, (size_t)pf__nshards * PF_CACHELINE);
        if (!x->shards)
            return -ENOMEM;
        atomic_init(&s->state, PF_SERIES_SHARDED);
    }
    s->hash = k->hash;
    s->vlen = (uint32_t)vlen;
    p = s->values;
    for (size_t i = 0; i < f->nlabels; i++) {
        memcpy(p, k->v[i], k->len[i] + 1);
        p += k->len[i] + 1;
    }
    table_put(t, s);
    f->tcount++;
    list_publish(f, idx, s);
    *ret = s;
    return 0;
}

/* The slow path: the series is missing or deleted. */
/* Does value v of length n need the registry's value policy? */
static bool needs_policy(const pf_registry *reg, const char *v, size_t n)
{
    size_t max = atomic_load(&reg->value_max_len);
    unsigned flags = atomic_load(&reg->value_flags);

    return ((flags & PF_VALUES_TRUNCATE) && max && n > max) ||
           ((flags & PF_VALUES_REPLACE) &&
            (!pf__utf8_valid(v, n) || memchr(v, '\r', n)));
}

/* Apply the value policy to k's values into *out, whose values point into
 * *retbuf (the caller frees it). */
static int apply_policy(const pf_family *f, const pf_key *k, pf_key *out,
                        char **retbuf)
{
    size_t max = atomic_load(&f->reg->value_max_len);
    unsigned flags = atomic_load(&f->reg->value_flags);
    size_t cap = 0, used = 0;
    uint64_t h;
    char *buf;

    /* Replacing a byte with U+FFFD makes it at most three times longer. */
    for (size_t i = 0; i < f->nlabels; i++)
        cap += 3 * k->len[i] + 1;
    buf = pf__malloc(cap);
    if (!buf)
        return -ENOMEM;
    out->total = f->nlabels;
    h = f->reg->seed ^ (f->nlabels * PF_K3);
    for (size_t i = 0; i < f->nlabels; i++) {
        char *d = buf + used;
        size_t n = (flags & PF_VALUES_REPLACE)
                       ? pf__utf8_repair(k->v[i], k->len[i], d)
                       : (memcpy(d, k->v[i], k->len[i]), k->len[i]);

        if ((flags & PF_VALUES_TRUNCATE) && max && n > max)
            n = pf__utf8_cut(d, n, max);
        d[n] = '\0';
        used += n + 1;
        pf__key_add(out, i, d, f->reg->seed, &h);
    }
    out->hash = (uint32_t)pf__mix(h, PF_K3);
    *retbuf = buf;
    return 0;
}

int pf__series_get_slow(pf_family *f, const pf_key *k, pf_series **ret)
{
    pf_key fixed;
    char *buf = NULL;
    pf_table *t;
    pf_series *s;
    int r = 0;

    for (size_t i = 0; i < f->nlabels && !f->internal; i++)
        if (needs_policy(f->reg, k->v[i], k->len[i])) {
            r = apply_policy(f, k, &fixed, &buf);
            if (r < 0)
                return r;
            k = &fixed;
            break;
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
        r = series_create(f, k, ret);
    }
    pf__unlock(&f->mu);
    pf__free(buf);
    /* Count a series dropped at the limit, with no lock held (the counter
     * is a family of the same registry). */
    if (r == -ENOSPC && f != f->reg->dropped) {
        char msg[sizeof(((pf_error *)0)->text)];

        snprintf(msg, sizeof(msg), "%s", pf_last_error());
        pf_counter_inc_labels(f->reg->dropped, f->name, NULL);
        pf__err(r, "%s", msg);
    }
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
    uint64_t h;

    k->total = f->nlabels;
    h = f->reg->seed ^ (f->nlabels * PF_K3);
    if (f->nlabels && !values)
        return pf__err(-EINVAL, "family \"%.60s\" needs %zu label values",
                       f->name, f->nlabels);
    for (size_t i = 0; i < f->nlabels; i++) {
        if (PF_UNLIKELY(!values[i]))
            return pf__err(-EINVAL,
                           "label value %zu of family \"%.60s\" is NULL",
                           i + 1, f->name);
        pf__key_add(k, i, values[i], f->reg->seed, &h);
    }
    k->hash = (uint32_t)pf__mix(h, PF_K3);
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
    return pf__err(-EINVAL, "family \"%.60s\" has %zu labels but got %zu values",
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
    pf__lock(&f->mu);
    s = pf__table_find(atomic_load_explicit(&f->table, memory_order_relaxed), &k,
                   f->nlabels);
    if (s && !(atomic_load_explicit(&s->state, memory_order_relaxed) &
               PF_SERIES_DELETED))
        atomic_fetch_or_explicit(&s->state, PF_SERIES_DELETED,
                                 memory_order_release);
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
    pf__lock(&f->mu);
    n = atomic_load_explicit(&f->nseries, memory_order_relaxed);
    for (size_t i = 0; i < n; i++)
        atomic_fetch_or_explicit(&pf__family_series_at(f, i)->state,
                                 PF_SERIES_DELETED, memory_order_release);
    pf__unlock(&f->mu);
    return 0;
}

/* ---- Families ---------------------------------------------------------- */

static int check_buckets(const double *b, size_t *n)
{
    if (!b && *n == 0)
        return 0;
    if (!b)
        return pf__err(-EINVAL, "buckets is NULL but nbuckets is %zu", *n);
    /* A trailing +Inf is implied; accept it spelled out, as Go does. */
    if (*n > 0 && isinf(b[*n - 1]) && b[*n - 1] > 0)
        (*n)--;
    if (*n == 0)
        return pf__err(-EINVAL, "a histogram needs at least one finite "
                                "bucket");
    if (*n > PF_MAX_BUCKETS)
        return pf__err(-EINVAL, "%zu buckets are more than the %d allowed",
                       *n, PF_MAX_BUCKETS);
    for (size_t i = 0; i < *n; i++) {
        if (!isfinite(b[i]))
            return pf__err(-EINVAL, "bucket %zu is not a finite number",
                           i + 1);
        if (i > 0 && !(b[i] > b[i - 1]))
            return pf__err(-EINVAL,
                           "buckets must be strictly increasing (bucket %zu)",
                           i + 1);
    }
    return 0;
}

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
            return pf__err(-EINVAL, "more than %d label names",
                           PF_MAX_LABELS);
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
    if (f->le)
        for (size_t i = 0; i < f->nbuckets; i++)
            pf__free(f->le[i]);
    pf__free(f->le);
    pf__free(f->bounds);
    pf__free(f->name);
    pf__free(f->help);
    pthread_mutex_destroy(&f->mu);
    pf__free(f);
    return NULL;
}

bool pf__family_same(const pf_family *a, const pf_family *b)
{
    if (a->type != b->type || a->sharded != b->sharded ||
        strcmp(a->help, b->help) != 0 ||
        a->fn != b->fn || a->arg != b->arg || a->nlabels != b->nlabels ||
        (a->fixed && pf__series_cmp(a->fixed, b->fixed) != 0) ||
        a->nbuckets != b->nbuckets)
        return false;
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i], b->labels[i]) != 0)
            return false;
    for (size_t i = 0; i < a->nbuckets; i++)
        if (a->bounds[i] != b->bounds[i])
            return false;
    return true;
}

int pf__family_new(pf_registry *reg, enum pf_type type, const char *name,
                   const char *help, const char *const *labels,
                   const pf_family_opts *opts, pf_family **ret)
{
    static const pf_family_opts none;
    const double *buckets;
    size_t nbuckets;
    pf_family *f;
    size_t nlabels = 0;
    int r;

    if (!opts)
        opts = &none;
    buckets = opts->buckets;
    nbuckets = opts->nbuckets;
    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    r = pf__check_metric_name(name, type);
    if (r < 0)
        return r;
    if (!reg->internal && !opts->internal &&
        strncmp(name, "promfile_", 9) == 0)
        return pf__err(-EINVAL,
                       "metric name \"%.60s\": the prefix \"promfile_\" is "
                       "reserved for the library's own metrics",
                       name);
    r = pf__check_help(help);
    if (r < 0)
        return r;
    r = check_labels(labels, &nlabels);
    if (r < 0)
        return r;
    {
        const pf_nodeexp_family *ne = pf__nodeexp_collides(
            name, pf__type_name(type), help, labels, nlabels);

        if (ne)
            return pf__err(-EEXIST,
                           "node_exporter exports \"%.60s\" itself; a "
                           "textfile's family of that name is dropped at "
                           "every scrape (rename it)",
                           name);
    }
    if (type == PF_TYPE_HISTOGRAM) {
        r = check_buckets(buckets, &nbuckets);
        if (r < 0)
            return r;
        if (!buckets)
            nbuckets = pf_buckets_default(&buckets);
    }

    f = pf__calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    pthread_mutex_init(&f->mu, NULL);
    f->reg = reg;
    f->type = type;
    f->fn = opts->fn;
    f->arg = opts->arg;
    f->sharded = opts->sharded;
    f->internal = opts->internal;
    if (f->sharded)
        pf__shards_init();
    f->name = pf__strdup(name);
    f->help = pf__strdup(help);
    f->labels = pf__calloc(nlabels ? nlabels : 1, sizeof(char *));
    if (!f->name || !f->help || !f->labels)
        goto nomem;
    for (f->nlabels = 0; f->nlabels < nlabels; f->nlabels++) {
        f->labels[f->nlabels] = pf__strdup(labels[f->nlabels]);
        if (!f->labels[f->nlabels])
            goto nomem;
    }
    if (type == PF_TYPE_HISTOGRAM) {
        f->bounds = pf__calloc(nbuckets, sizeof(double));
        f->le = pf__calloc(nbuckets, sizeof(char *));
        if (!f->bounds || !f->le)
            goto nomem;
        for (f->nbuckets = 0; f->nbuckets < nbuckets; f->nbuckets++) {
            char tmp[PF_DOUBLE_BUFSZ];
            size_t n = pf__fmt_double(tmp, buckets[f->nbuckets]);

            f->bounds[f->nbuckets] = buckets[f->nbuckets];
            if (!n)
                goto nomem;
            f->le[f->nbuckets] = pf__malloc(n + 1);
            if (!f->le[f->nbuckets])
                goto nomem;
            memcpy(f->le[f->nbuckets], tmp, n);
            f->le[f->nbuckets][n] = '\0';
        }
    }
    if (f->fn && f->nlabels) {
        /* A labeled callback family: its one set of values. */
        size_t vlen = 0;
        char *p;

        for (size_t i = 0; i < f->nlabels; i++) {
            if (!opts->fixed_values || !opts->fixed_values[i] ||
                pf__check_label_value(opts->fixed_values[i],
                                      strlen(opts->fixed_values[i])) < 0) {
                pf__family_free(f);
                return pf__err(-EINVAL, "callback family \"%.60s\" needs "
                                        "valid label values",
                               name);
            }
            vlen += strlen(opts->fixed_values[i]) + 1;
        }
        f->fixed = arena_alloc(f, sizeof(pf_series) + vlen);
        if (!f->fixed)
            goto nomem;
        f->fixed->vlen = (uint32_t)vlen;
        p = f->fixed->values;
        for (size_t i = 0; i < f->nlabels; i++) {
            size_t n = strlen(opts->fixed_values[i]) + 1;

            memcpy(p, opts->fixed_values[i], n);
            p += n;
        }
    }
    if (!f->fn) {
        atomic_init(&f->table, table_new(8));
        if (!atomic_load_explicit(&f->table, memory_order_relaxed))
            goto nomem;
    }
    return pf__registry_add(reg, f, ret);

nomem:
    pf__family_free(f);
    return -ENOMEM;
}
