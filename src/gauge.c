/* SPDX-License-Identifier: MIT */
/*
 * Gauges: a double kept as its bits in an atomic 64-bit word. Set is one
 * store; arithmetic is a compare-and-swap loop. In a shared registry the
 * word is this process's cell, and the family's mode says how the
 * processes' values combine (promfile.h, PF_GAUGE_*).
 */
#include "gauge.h"

#include <errno.h>
#include <math.h>
#include <time.h>

#include "counter.h"
#include "error.h"
#include "registry.h"

static inline pf_series *ser(pf_gauge *g)
{
    return (pf_series *)(void *)g;
}

static int gauge_family(pf_registry *reg, const char *name, const char *help,
                        const char *const *labels, double (*fn)(void *),
                        void *arg, unsigned mode, pf_family **ret)
{
    pf_family_spec spec = {
        .type = PF_TYPE_GAUGE,
        .name = name,
        .help = help,
        .labels = labels,
        .fn = fn,
        .arg = arg,
        .mode = mode,
    };

    if (mode > PF_GAUGE_MOSTRECENT)
        return pf__err(-EINVAL, "unknown gauge mode %u", mode);
    return pf__register(reg, &spec, ret);
}

int pf_gauge_family_new(pf_registry *reg, const char *name, const char *help,
                        const char *const *labels, pf_family **ret)
{
    return gauge_family(reg, name, help, labels, NULL, NULL,
                        PF_GAUGE_PER_WORKER, ret);
}

int pf_gauge_family_new_mode(pf_registry *reg, const char *name,
                             const char *help, const char *const *labels,
                             unsigned mode, pf_family **ret)
{
    return gauge_family(reg, name, help, labels, NULL, NULL, mode, ret);
}

int pf_gauge_func_new(pf_registry *reg, const char *name, const char *help,
                      double (*fn)(void *arg), void *arg, pf_family **ret)
{
    if (!fn)
        return pf__err(-EINVAL, "callback function is NULL");
    return gauge_family(reg, name, help, NULL, fn, arg, PF_GAUGE_PER_WORKER,
                        ret);
}

int pf_gauge_new(pf_registry *reg, const char *name, const char *help,
                 pf_gauge **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = gauge_family(reg, name, help, NULL, NULL, NULL, PF_GAUGE_PER_WORKER,
                     &f);
    if (r < 0)
        return r;
    return pf__series_get(f, PF_TYPE_GAUGE, NULL, (pf_series **)(void *)ret);
}

int pf_gauge_with(pf_family *fam, const char *const *values, pf_gauge **ret)
{
    return pf__series_get(fam, PF_TYPE_GAUGE, values,
                          (pf_series **)(void *)ret);
}

int pf_gauge_with_labels(pf_family *fam, pf_gauge **ret, ...)
{
    va_list ap;
    int r;

    if (PF_UNLIKELY(!ret))
        return pf__err(-EINVAL, "result pointer is NULL");
    va_start(ap, ret);
    r = pf__series_get_va(fam, PF_TYPE_GAUGE, ap, (pf_series **)(void *)ret);
    va_end(ap);
    return r;
}

/* A shared series' value changed: for PF_GAUGE_MOSTRECENT, say when
 * (after the value: a reader that sees the stamp sees the value). */
static void stamp(pf_series *s)
{
    const pf_family *f = pf__series_ext(s)->fam;

    if (f->mode == PF_GAUGE_MOSTRECENT)
        atomic_store_explicit(s->v.shared.cell + 1, pf__shared_stamp(f->shared),
                              memory_order_release);
}

int pf_gauge_set(pf_gauge *g, double v)
{
    pf_series *s = ser(g);

    if (PF_UNLIKELY(!g))
        return -EINVAL;
    if (PF_LIKELY(!(atomic_load_explicit(&s->state, memory_order_relaxed) &
                    PF_SERIES_SHARED))) {
        atomic_store_explicit(&s->v.gauge.bits, pf__d2u(v),
                              memory_order_relaxed);
        return 0;
    }
    atomic_store_explicit(s->v.shared.cell, pf__d2u(v), memory_order_relaxed);
    stamp(s);
    return 0;
}

int pf_gauge_add(pf_gauge *g, double v)
{
    pf_series *s = ser(g);

    if (PF_UNLIKELY(!g))
        return -EINVAL;
    if (PF_LIKELY(!(atomic_load_explicit(&s->state, memory_order_relaxed) &
                    PF_SERIES_SHARED))) {
        pf__atomic_add_double(&s->v.gauge.bits, v);
        return 0;
    }
    pf__atomic_add_double(s->v.shared.cell, v);
    stamp(s);
    return 0;
}

int pf_gauge_sub(pf_gauge *g, double v)
{
    return pf_gauge_add(g, -v);
}

int pf_gauge_inc(pf_gauge *g)
{
    return pf_gauge_add(g, 1.0);
}

int pf_gauge_dec(pf_gauge *g)
{
    return pf_gauge_add(g, -1.0);
}

int pf_gauge_set_to_current_time(pf_gauge *g)
{
    struct timespec ts;

    if (PF_UNLIKELY(!g))
        return -EINVAL;
    /* clock_gettime() is async-signal-safe (POSIX 2008). */
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -EINVAL;
    return pf_gauge_set(g, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int pf_gauge_value(const pf_gauge *g, double *ret)
{
    const pf_series *s = (const pf_series *)(const void *)g;

    if (!g || !ret)
        return -EINVAL;
    /* As pf_counter_value(): every slot used so far. */
    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED)
        pf__shared_refresh(pf__series_ext(s)->fam->shared);
    *ret = pf__gauge_value(s);
    return 0;
}

/* The one-call forms: look up, then apply `op` with `v`. */
static int gauge_va(pf_family *fam, va_list ap, int (*op)(pf_gauge *, double),
                    double v)
{
    pf_series *s;
    int r = pf__series_get_va(fam, PF_TYPE_GAUGE, ap, &s);

    if (r < 0)
        return r;
    return op((pf_gauge *)(void *)s, v);
}

int pf_gauge_set_labels(pf_family *fam, double v, ...)
{
    va_list ap;
    int r;

    va_start(ap, v);
    r = gauge_va(fam, ap, pf_gauge_set, v);
    va_end(ap);
    return r;
}

int pf_gauge_add_labels(pf_family *fam, double v, ...)
{
    va_list ap;
    int r;

    va_start(ap, v);
    r = gauge_va(fam, ap, pf_gauge_add, v);
    va_end(ap);
    return r;
}

int pf_gauge_inc_labels(pf_family *fam, ...)
{
    va_list ap;
    int r;

    va_start(ap, fam);
    r = gauge_va(fam, ap, pf_gauge_add, 1.0);
    va_end(ap);
    return r;
}

int pf_gauge_dec_labels(pf_family *fam, ...)
{
    va_list ap;
    int r;

    va_start(ap, fam);
    r = gauge_va(fam, ap, pf_gauge_add, -1.0);
    va_end(ap);
    return r;
}

bool pf__gauge_slot_value(const pf_series *s, unsigned slot, double *v)
{
    const pf_shared *sh = pf__series_ext(s)->fam->shared;
    const _Atomic uint64_t *c = pf__shared_slot_cell(
        sh, slot, pf__shared_cell_index(sh, s->v.shared.cell));

    if (!c || !pf__shared_slot_live(sh, slot))
        return false;
    *v = pf__u2d(atomic_load_explicit(c, memory_order_relaxed));
    return true;
}

/* The value of a shared gauge series as its family's mode combines the
 * processes'; false if there is none (no live worker). */
static bool combined(const pf_series *s, double *ret)
{
    const pf_family *f = pf__series_ext(s)->fam;
    const pf_shared *sh = f->shared;
    uint32_t i = pf__shared_cell_index(sh, s->v.shared.cell);
    uint64_t best_stamp = 0;
    bool any = false;
    double v = 0;

    for (unsigned slot = 0; slot < pf__shared_nslots(sh); slot++) {
        const _Atomic uint64_t *c = pf__shared_slot_cell(sh, slot, i);
        double x;

        if (!c || !pf__shared_slot_used(sh, slot))
            continue;
        if (f->mode == PF_GAUGE_MOSTRECENT) {
            uint64_t st = atomic_load_explicit(c + 1, memory_order_acquire);

            if (st > best_stamp) {
                best_stamp = st;
                v = pf__u2d(atomic_load_explicit(c, memory_order_relaxed));
                any = true;
            }
            continue;
        }
        if (f->mode != PF_GAUGE_SUM && !pf__shared_slot_live(sh, slot))
            continue;
        x = pf__u2d(atomic_load_explicit(c, memory_order_relaxed));
        if (!any)
            v = x;
        else if (f->mode == PF_GAUGE_LIVEMAX)
            v = x > v ? x : v;
        else if (f->mode == PF_GAUGE_LIVEMIN)
            v = x < v ? x : v;
        else
            v += x;
        any = true;
    }
    /* A sum over no worker is 0, a maximum over none is nothing. */
    if (!any && (f->mode == PF_GAUGE_SUM || f->mode == PF_GAUGE_LIVESUM)) {
        v = 0;
        any = true;
    }
    *ret = v;
    return any;
}

bool pf__gauge_read(const pf_series *s, double *v)
{
    if (!(atomic_load_explicit(&s->state, memory_order_relaxed) &
          PF_SERIES_SHARED)) {
        *v = pf__u2d(
            atomic_load_explicit(&s->v.gauge.bits, memory_order_relaxed));
        return true;
    }
    return combined(s, v);
}

double pf__gauge_value(const pf_series *s)
{
    double v = NAN;

    if ((atomic_load_explicit(&s->state, memory_order_relaxed) &
         PF_SERIES_SHARED) &&
        pf__series_ext(s)->fam->mode == PF_GAUGE_PER_WORKER)
        /* Each process's own. */
        return pf__u2d(
            atomic_load_explicit(s->v.shared.cell, memory_order_relaxed));
    pf__gauge_read(s, &v);
    return v;
}

void pf__gauge_store(pf_series *s, double v)
{
    pf_gauge_set((pf_gauge *)(void *)s, v);
}
