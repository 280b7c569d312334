/* SPDX-License-Identifier: MIT */
/*
 * Gauges: a double kept as its bits in an atomic 64-bit word. Set is one
 * store; arithmetic is a compare-and-swap loop.
 */
#include "gauge.h"

#include <errno.h>
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
                        void *arg, pf_family **ret)
{
    pf_family_spec spec = {
        .type = PF_TYPE_GAUGE,
        .name = name,
        .help = help,
        .labels = labels,
        .fn = fn,
        .arg = arg,
    };

    return pf__register(reg, &spec, ret);
}

int pf_gauge_family_new(pf_registry *reg, const char *name, const char *help,
                        const char *const *labels, pf_family **ret)
{
    return gauge_family(reg, name, help, labels, NULL, NULL, ret);
}

int pf_gauge_func_new(pf_registry *reg, const char *name, const char *help,
                      double (*fn)(void *arg), void *arg, pf_family **ret)
{
    if (!fn)
        return pf__err(-EINVAL, "callback function is NULL");
    return gauge_family(reg, name, help, NULL, fn, arg, ret);
}

int pf_gauge_new(pf_registry *reg, const char *name, const char *help,
                 pf_gauge **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = gauge_family(reg, name, help, NULL, NULL, NULL, &f);
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

int pf_gauge_set(pf_gauge *g, double v)
{
    if (PF_UNLIKELY(!g))
        return -EINVAL;
    atomic_store_explicit(&ser(g)->v.gauge.bits, pf__d2u(v),
                          memory_order_relaxed);
    return 0;
}

int pf_gauge_add(pf_gauge *g, double v)
{
    if (PF_UNLIKELY(!g))
        return -EINVAL;
    pf__atomic_add_double(&ser(g)->v.gauge.bits, v);
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

double pf__gauge_value(const pf_series *s)
{
    return pf__u2d(
        atomic_load_explicit(&s->v.gauge.bits, memory_order_relaxed));
}
