/* SPDX-License-Identifier: MIT */
/*
 * Shared registries (issue 14): a registry whose families and series are
 * records of a shared region (shared.c), which every process of a daemon
 * takes in as families and series of its own copy of the registry.
 *
 *   - Registering a family, or making a series, happens under the
 *     region's lock, after the records other processes appended since
 *     last time have been taken in: so no family or series is ever made
 *     twice, whoever makes it first.
 *   - Taking records in (a render, a deletion) needs no region lock: the
 *     record count is published last.
 *   - A record is untrusted: its payload is checked to lie in the arena,
 *     and its names and values are validated as a program's would be; one
 *     that fails is left out.
 *
 * Payloads: a family's is its name, HELP and label names, each ended by a
 * NUL, then (histograms, 8-byte aligned) its bounds as doubles; a series'
 * is its label values, each ended by a NUL. A family record has one cell,
 * the series it dropped at its limit, and its `parent` is the number of
 * cells each of its series has.
 */
#include "shreg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "error.h"
#include "family.h"
#include "gauge.h"
#include "histogram.h"
#include "lock.h"
#include "registry.h"
#include "shared.h"
#include "validate.h"

typedef struct pf_shreg {
    /* One process's taking in of records at a time; `synced` of them are
     * taken in. */
    pthread_mutex_t sync_mu;
    uint32_t synced;
    /* The families taken in, by record, in record order. */
    struct frec {
        uint32_t rec;
        pf_family *fam;
    } * frecs;
    size_t nfrecs, capfrecs;
    /* Records refused as they were taken in. */
    _Atomic uint64_t bad;
} pf_shreg;

/* Cells a series of f has in the region. */
static uint32_t series_cells(const pf_family *f)
{
    /* A histogram: its buckets, +Inf and the sum (f->ncells); a counter:
     * count and fraction; a gauge: value and stamp. */
    return f->type == PF_TYPE_HISTOGRAM ? (uint32_t)f->ncells : 2;
}

static pf_family *family_of_rec(const pf_shreg *st, uint32_t rec)
{
    size_t lo = 0, hi = st->nfrecs;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (st->frecs[mid].rec == rec)
            return st->frecs[mid].fam;
        if (st->frecs[mid].rec < rec)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int remember(pf_shreg *st, uint32_t rec, pf_family *f)
{
    if (st->nfrecs == st->capfrecs) {
        size_t cap = st->capfrecs ? st->capfrecs * 2 : 16;
        struct frec *v = pf__realloc(st->frecs, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        st->frecs = v;
        st->capfrecs = cap;
    }
    st->frecs[st->nfrecs++] = (struct frec){rec, f};
    return 0;
}

static int series_create_hook(pf_family *f, const pf_key *k, pf_series **ret);
static void family_sync_hook(pf_family *f);

/* Bind the local family f to its record rec, whose cell (its drops) is
 * `cell`. */
static void bind(pf_registry *reg, pf_family *f, uint32_t rec, uint32_t cell)
{
    f->shared = reg->shared;
    f->rec = rec;
    f->shared_create = series_create_hook;
    f->shared_sync = family_sync_hook;
    f->shared_ctx = reg;
    f->dropped_cell = pf__shared_cell(reg->shared, cell);
}

/* ---- Taking records in ----------------------------------------------------
 */

/* The next NUL-terminated string of p[*at..len), or NULL. */
static const char *next_string(const char *p, size_t len, size_t *at)
{
    const char *s = p + *at;
    const char *nul = *at < len ? memchr(s, '\0', len - *at) : NULL;

    if (!nul)
        return NULL;
    *at += (size_t)(nul - s) + 1;
    return s;
}

static int import_family(pf_registry *reg, pf_shreg *st, uint32_t i,
                         const pf_rec *r)
{
    const char *payload = pf__shared_payload(reg->shared, r);
    const char *labels[PF_MAX_LABELS + 1];
    pf_family_spec spec = {0};
    double bounds[PF_MAX_BUCKETS];
    size_t at = 0, nb = r->nbuckets;
    pf_family *f, *old;
    char *copy;
    int rc;

    if (!payload || r->nlabels > PF_MAX_LABELS || nb > PF_MAX_BUCKETS ||
        (r->type != PF_TYPE_COUNTER && r->type != PF_TYPE_GAUGE &&
         r->type != PF_TYPE_HISTOGRAM) ||
        r->mode > PF_GAUGE_MOSTRECENT || r->ncells != 1 ||
        !pf__shared_cell(reg->shared, r->cell))
        return -EINVAL;
    /* A copy: another process may write the region at any time. */
    copy = pf__malloc(r->len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, payload, r->len);
    copy[r->len] = '\0';
    spec.type = (enum pf_type)r->type;
    spec.mode = r->mode;
    spec.name = next_string(copy, r->len, &at);
    spec.help = next_string(copy, r->len, &at);
    for (size_t k = 0; k < r->nlabels; k++)
        labels[k] = next_string(copy, r->len, &at);
    labels[r->nlabels] = NULL;
    spec.labels = labels;
    rc = spec.name && spec.help ? 0 : -EINVAL;
    for (size_t k = 0; rc == 0 && k < r->nlabels; k++)
        if (!labels[k])
            rc = -EINVAL;
    if (rc == 0 && spec.type == PF_TYPE_HISTOGRAM) {
        at = (at + 7) & ~(size_t)7;
        if (nb == 0 || at > r->len || (r->len - at) / sizeof(double) < nb)
            rc = -EINVAL;
        else
            memcpy(bounds, copy + at, nb * sizeof(double));
        if (rc == 0)
            rc = pf__histogram_spec(bounds, nb, &spec);
        if (rc == 0 && spec.nbuckets != nb)
            rc = -EINVAL;
    }
    if (rc == 0 &&
        r->parent !=
            (spec.type == PF_TYPE_HISTOGRAM ? (uint32_t)spec.ncells : 2u))
        rc = -EINVAL;
    if (rc == 0) {
        spec.policy = &reg->policy;
        spec.internal = reg->internal;
        /* The same rules as a program's family: names, HELP, labels. */
        rc = pf__family_new(&spec, &f);
    } else {
        if (spec.le)
            for (size_t k = 0; k < spec.nbuckets; k++)
                pf__free(spec.le[k]);
        pf__free(spec.le);
        pf__free(spec.bounds);
    }
    pf__free(copy);
    if (rc < 0)
        return rc;
    bind(reg, f, i, r->cell);
    rc = pf__registry_insert(reg, f, false, &old);
    if (rc == 0 && old) {
        /* A local family of that name (a callback): this one is left
         * out. */
        rc = -EEXIST;
    }
    if (rc == 0)
        rc = remember(st, i, f);
    if (rc < 0 && !old) {
        /* Not inserted: ours to free. (Inserted but not remembered, out of
         * memory: it stays, as a family without series.) */
        if (rc != -ENOMEM)
            pf__family_free(f);
    } else if (old) {
        pf__family_free(f);
    }
    return rc;
}

/* The key of the values of a series payload of family f, or -EINVAL. */
static int key_of(const pf_family *f, const char *p, size_t len, pf_key *k)
{
    uint64_t h = pf__key_start(f, k);
    size_t at = 0;

    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = next_string(p, len, &at);

        if (!v || pf__check_label_value(v, strlen(v)) < 0)
            return -EINVAL;
        pf__key_add(k, i, v, strlen(v), f->policy->seed, &h);
    }
    if (at != len)
        return -EINVAL;
    pf__key_end(k, h);
    return 0;
}

/* The series of record `at` (whose fields, read once, are r). */
static int import_series(pf_registry *reg, pf_shreg *st, const pf_rec *r,
                         const pf_rec *at)
{
    pf_family *f = family_of_rec(st, r->parent);
    const char *payload = pf__shared_payload(reg->shared, r);
    _Atomic uint64_t *cell;
    pf_series *s;
    pf_key k;
    char *copy;
    int rc;

    if (!f || !payload || r->ncells != series_cells(f) ||
        !pf__shared_cell(reg->shared, r->cell + r->ncells - 1))
        return -EINVAL;
    cell = pf__shared_cell(reg->shared, r->cell);
    copy = pf__malloc(r->len ? r->len : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, payload, r->len);
    rc = key_of(f, copy, r->len, &k);
    if (rc == 0)
        rc = pf__series_add_shared(f, &k, cell, at, &s);
    pf__free(copy);
    return rc;
}

/* Take in every record published since the last time. In a fork section,
 * with st->sync_mu held. */
static void import_locked(pf_registry *reg, pf_shreg *st)
{
    uint32_t n = pf__shared_nrecords(reg->shared);

    for (; st->synced < n; st->synced++) {
        const pf_rec *r = pf__shared_rec(reg->shared, st->synced);
        pf_rec copy;
        int rc;

        /* The fields once, as they are now: another process may change
         * them under us (the deleted bit legitimately). */
        memcpy(&copy, r, sizeof(copy));
        if (copy.kind == PF_REC_FAMILY)
            rc = import_family(reg, st, st->synced, &copy);
        else if (copy.kind == PF_REC_SERIES)
            rc = import_series(reg, st, &copy, r);
        else
            rc = -EINVAL;
        /* Out of memory: try again next time. */
        if (rc == -ENOMEM)
            break;
        if (rc < 0)
            atomic_fetch_add(&st->bad, 1);
    }
}

static void sync_hook(pf_registry *reg)
{
    pf_shreg *st = reg->shreg;

    pf__shared_refresh(reg->shared);
    pf__fork_enter();
    pthread_mutex_lock(&st->sync_mu);
    import_locked(reg, st);
    pthread_mutex_unlock(&st->sync_mu);
    pf__fork_leave();
}

static void family_sync_hook(pf_family *f)
{
    sync_hook(f->shared_ctx);
}

/* Enter the region's lock and take every record in. */
static void begin(pf_registry *reg)
{
    pf__fork_enter();
    pf__shared_lock(reg->shared);
    pthread_mutex_lock(&reg->shreg->sync_mu);
    import_locked(reg, reg->shreg);
}

static void end(pf_registry *reg)
{
    pthread_mutex_unlock(&reg->shreg->sync_mu);
    pf__shared_unlock(reg->shared);
    pf__fork_leave();
}

/* ---- Making records --------------------------------------------------------
 */

static int family_payload(const pf_family *f, pf_buf *b)
{
    pf__buf_put(b, f->name, strlen(f->name) + 1);
    pf__buf_put(b, f->help, strlen(f->help) + 1);
    for (size_t i = 0; i < f->nlabels; i++)
        pf__buf_put(b, f->labels[i], strlen(f->labels[i]) + 1);
    if (f->type == PF_TYPE_HISTOGRAM) {
        /* Aligned as the region aligns the payload's start. */
        while (b->len % 8)
            pf__buf_putc(b, '\0');
        pf__buf_put(b, (const char *)f->hist.bounds,
                    f->hist.nbuckets * sizeof(double));
    }
    return b->failed ? -ENOMEM : 0;
}

static int shared_register(pf_registry *reg, pf_family_spec *spec,
                           pf_family **ret, bool *existed)
{
    pf_family *f, *old;
    pf_buf payload = {0};
    pf_rec rec = {0};
    long idx;
    int r;

    spec->policy = &reg->policy;
    spec->internal = spec->internal || reg->internal;
    /* Each process counts in its own cells: no shards. */
    spec->nshards = 0;
    r = pf__family_new(spec, &f);
    if (r < 0)
        return r;
    for (size_t i = 0; f->type == PF_TYPE_GAUGE &&
                       f->mode == PF_GAUGE_PER_WORKER && i < f->nlabels;
         i++)
        if (strcmp(f->labels[i], PF_WORKER_LABEL) == 0) {
            pf__family_free(f);
            return pf__err(-EINVAL,
                           "the label \"" PF_WORKER_LABEL "\" of %.60s is "
                           "the one PF_GAUGE_PER_WORKER adds in a shared "
                           "registry",
                           spec->name);
        }
    begin(reg);
    old = pf__registry_find(reg, f->name);
    if (old) {
        if (!existed && !pf__family_same(old, f))
            r = pf__err(-EEXIST,
                        "\"%.60s\" is already registered with another type, "
                        "help, labels or buckets",
                        old->name);
        goto out;
    }
    r = pf__registry_check(reg, f);
    if (r == 0)
        r = family_payload(f, &payload);
    if (r == 0) {
        rec.kind = PF_REC_FAMILY;
        rec.type = (uint8_t)f->type;
        rec.mode = (uint8_t)f->mode;
        rec.nlabels = (uint8_t)f->nlabels;
        rec.parent = series_cells(f);
        rec.ncells = 1;
        rec.nbuckets = (uint32_t)f->hist.nbuckets;
        idx = pf__shared_append(reg->shared, &rec, payload.data, payload.len);
        r = idx < 0 ? (int)idx : 0;
    }
    if (r == 0) {
        pf_shreg *st = reg->shreg;

        bind(reg, f, (uint32_t)idx,
             pf__shared_rec(reg->shared, (uint32_t)idx)->cell);
        r = remember(st, (uint32_t)idx, f);
        if (r == 0) {
            r = pf__registry_insert(reg, f, false, &old);
            if (r < 0)
                st->nfrecs--;
        }
        /* It is in the region now; if this failed (out of memory), the
         * next taking in makes it here. */
        if (r == 0)
            st->synced = (uint32_t)idx + 1;
    }
out:
    end(reg);
    pf__buf_release(&payload);
    if (r < 0 || old) {
        pf__family_free(f);
        f = old;
    }
    if (r < 0)
        return r;
    if (existed)
        *existed = old != NULL;
    if (ret)
        *ret = f;
    return 0;
}

static int series_create_hook(pf_family *f, const pf_key *k, pf_series **ret)
{
    pf_registry *reg = f->shared_ctx;
    pf_shreg *st = reg->shreg;
    const pf_table *t;
    pf_series *s;
    pf_rec rec = {0};
    pf_buf payload = {0};
    long idx;
    int r = 0;

    begin(reg);
    t = atomic_load_explicit(&f->table, memory_order_acquire);
    s = pf__table_find(t, k, f->nlabels);
    if (s) {
        /* Deleted (by any process): revived from 0, in every slot, then
         * unmarked, so that a render sees it again only at 0. */
        if (pf__series_shared_deleted(s)) {
            pf__shared_zero_cells(
                reg->shared,
                pf__shared_cell_index(reg->shared, s->v.shared.cell),
                series_cells(f));
            atomic_fetch_and_explicit(
                &((pf_rec *)(uintptr_t)s->v.shared.rec)->state, ~PF_REC_DELETED,
                memory_order_release);
        }
        *ret = s;
        goto out;
    }
    r = pf__series_check_new(f, k);
    for (size_t i = 0; r == 0 && i < f->nlabels; i++)
        pf__buf_put(&payload, k->v[i], k->len[i] + 1);
    if (r == 0 && payload.failed)
        r = -ENOMEM;
    if (r == 0) {
        rec.kind = PF_REC_SERIES;
        rec.parent = f->rec;
        rec.ncells = series_cells(f);
        idx = pf__shared_append(reg->shared, &rec,
                                payload.data ? payload.data : "", payload.len);
        r = idx < 0 ? (int)idx : 0;
    }
    if (r == 0) {
        const pf_rec *pr = pf__shared_rec(reg->shared, (uint32_t)idx);

        r = pf__series_add_shared(f, k, pf__shared_cell(reg->shared, pr->cell),
                                  pr, ret);
        /* It is in the region whatever happens here: the next taking in
         * finds it, and adds it if this failed. */
        if (r == 0 && st->synced == (uint32_t)idx)
            st->synced++;
    }
out:
    end(reg);
    pf__buf_release(&payload);
    return r;
}

/* ---- Shared registries ------------------------------------------------------
 */

static void free_hook(pf_registry *reg)
{
    pf_shreg *st = reg->shreg;

    pf__shared_free(reg->shared);
    pthread_mutex_destroy(&st->sync_mu);
    pf__free(st->frecs);
    pf__free(st);
    reg->shared = NULL;
    reg->shreg = NULL;
}

/* Make a registry of the region sh (this process's now). */
static int registry_of(pf_shared *sh, pf_registry **ret)
{
    pf_registry *reg;
    pf_shreg *st = pf__calloc(1, sizeof(*st));
    int r = st ? pf__registry_new(false, &reg) : -ENOMEM;

    if (r < 0) {
        pf__free(st);
        pf__shared_free(sh);
        return r;
    }
    pthread_mutex_init(&st->sync_mu, NULL);
    reg->shared = sh;
    reg->shreg = st;
    reg->shared_register = shared_register;
    reg->shared_sync = sync_hook;
    reg->shared_free = free_hook;
    /* The families the region has already (a named region or a
     * descriptor attached). */
    sync_hook(reg);
    *ret = reg;
    return 0;
}

int pf_registry_new_shared(const pf_config *cfg, pf_registry **ret)
{
    pf_config defaults;
    pf_shared_limits lim;
    pf_shared *sh;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    if (!cfg) {
        pf__config_init(&defaults);
        cfg = &defaults;
    }
    lim.workers = (uint32_t)cfg->shared_workers;
    lim.records = (uint32_t)cfg->shared_series;
    lim.cells = (uint32_t)cfg->shared_cells;
    lim.bytes = (uint32_t)cfg->shared_bytes;
    if (cfg->shared_path)
        r = pf__shared_open(cfg->shared_path, &lim, cfg->shared_mode, &sh);
    else
        r = pf__shared_new(&lim, &sh);
    if (cfg == &defaults)
        pf__config_clear(&defaults);
    if (r < 0)
        return r;
    return registry_of(sh, ret);
}

int pf_registry_attach_fd(int fd, pf_registry **ret)
{
    pf_shared *sh;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = pf__shared_attach_fd(fd, &sh);
    if (r < 0)
        return r;
    return registry_of(sh, ret);
}

int pf_registry_shared_fd(const pf_registry *reg)
{
    int fd;

    if (!reg || !reg->shared)
        return pf__err(-EINVAL, "the registry is not shared");
    fd = pf__shared_fd(reg->shared);
    return fd >= 0 ? fd
                   : pf__err(-EBADF, "the process closed the descriptor of "
                                     "the shared region");
}

int pf_registry_worker(const pf_registry *reg)
{
    if (!reg || !reg->shared)
        return pf__err(-EINVAL, "the registry is not shared");
    return (int)pf__shared_slot(reg->shared);
}

uint64_t pf__shreg_bad_records(const pf_registry *reg)
{
    return reg->shreg ? atomic_load(&reg->shreg->bad) : 0;
}
