/* SPDX-License-Identifier: MIT */
/*
 * Counters. A counter keeps whole counts in an exact 64-bit integer and
 * anything fractional in a separate double, as client_golang does, so that
 * the common pf_counter_inc() is one `lock add` and counts never lose
 * digits past 2^53.
 */
#include "pf-internal.h"

#include <errno.h>
#include <math.h>

/* pf_counter is a pf_series seen from outside. */
static inline pf_series *ser(pf_counter *c)
{
    return (pf_series *)(void *)c;
}

int pf_counter_family_new(pf_registry *reg, const char *name,
                          const char *help, const char *const *labels,
                          pf_family **ret)
{
    return pf__family_new(reg, PF_TYPE_COUNTER, name, help, labels, NULL, 0,
                          NULL, NULL, ret);
}

int pf_counter_func_new(pf_registry *reg, const char *name, const char *help,
                        double (*fn)(void *arg), void *arg, pf_family **ret)
{
    if (!fn)
        return pf__err(-EINVAL, "callback function is NULL");
    return pf__family_new(reg, PF_TYPE_COUNTER, name, help, NULL, NULL, 0, fn,
                          arg, ret);
}

int pf_counter_new(pf_registry *reg, const char *name, const char *help,
                   pf_counter **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = pf_counter_family_new(reg, name, help, NULL, &f);
    if (r < 0)
        return r;
    return pf_counter_with(f, NULL, ret);
}

int pf_counter_with(pf_family *fam, const char *const *values,
                    pf_counter **ret)
{
    return pf__series_get(fam, PF_TYPE_COUNTER, values,
                          (pf_series **)(void *)ret);
}

int pf_counter_with_labels(pf_family *fam, pf_counter **ret, ...)
{
    va_list ap;
    int r;

    va_start(ap, ret);
    r = pf__series_get_va(fam, PF_TYPE_COUNTER, ap,
                          (pf_series **)(void *)ret);
    va_end(ap);
    return r;
}

int pf_counter_inc(pf_counter *c)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    atomic_fetch_add_explicit(&ser(c)->a, 1, memory_order_relaxed);
    return 0;
}

int pf_counter_add_u64(pf_counter *c, uint64_t v)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    atomic_fetch_add_explicit(&ser(c)->a, v, memory_order_relaxed);
    return 0;
}

int pf_counter_add(pf_counter *c, double v)
{
    if (PF_UNLIKELY(!c))
        return -EINVAL;
    /* !(v >= 0) also refuses NaN. */
    if (PF_UNLIKELY(!(v >= 0)))
        return -EINVAL;
    /* Whole values that fit go to the exact integer. */
    if (v < 18446744073709551616.0 && v == floor(v))
        atomic_fetch_add_explicit(&ser(c)->a, (uint64_t)v,
                                  memory_order_relaxed);
    else
        pf__atomic_add_double(&ser(c)->b, v);
    return 0;
}

int pf_counter_value(const pf_counter *c, double *ret)
{
    const pf_series *s = (const pf_series *)(const void *)c;

    if (!c || !ret)
        return -EINVAL;
    *ret = (double)atomic_load_explicit(&s->a, memory_order_relaxed) +
           pf__u2d(atomic_load_explicit(&s->b, memory_order_relaxed));
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
    atomic_fetch_add_explicit(&s->a, 1, memory_order_relaxed);
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
    return pf_counter_add((pf_counter *)(void *)s, v);
}
