/* SPDX-License-Identifier: MIT */
/*
 * Histograms. Each series keeps one non-cumulative count per bucket plus
 * the sum; an observation finds its bucket, adds to the sum, then counts
 * itself in the bucket. _count is not stored: the renderer derives it from
 * the buckets it read, which is what makes every render self-consistent
 * (see put_histogram() in render.c).
 */
#include "pf-internal.h"

#include <errno.h>
#include <math.h>

/* client_golang's DefBuckets, "tailored to broadly measure the response
 * time (in seconds) of a network service". */
static const double default_buckets[] = {.005, .01, .025, .05, .1, .25,
                                         .5,   1,   2.5,  5,   10};

size_t pf_buckets_default(const double **ret)
{
    if (ret)
        *ret = default_buckets;
    return sizeof(default_buckets) / sizeof(default_buckets[0]);
}

static int check_count(size_t count, const double *ret)
{
    if (!ret)
        return pf__err(-EINVAL, "result array is NULL");
    if (count == 0 || count > PF_MAX_BUCKETS)
        return pf__err(-EINVAL, "bucket count %zu is not in 1..%d", count,
                       PF_MAX_BUCKETS);
    return 0;
}

int pf_buckets_linear(double start, double width, size_t count, double *ret)
{
    int r = check_count(count, ret);

    if (r < 0)
        return r;
    if (!isfinite(start) || !(width > 0) ||
        !isfinite(start + width * (double)(count - 1)))
        return pf__err(-EINVAL, "linear buckets need a finite start and a "
                                "finite width > 0");
    for (size_t i = 0; i < count; i++) {
        ret[i] = start + width * (double)i;
        /* A width below the precision of start gives equal bounds. */
        if (i > 0 && !(ret[i] > ret[i - 1]))
            return pf__err(-EINVAL, "width %g is too small for start %g: "
                                    "the buckets would not increase",
                           width, start);
    }
    return 0;
}

int pf_buckets_exponential(double start, double factor, size_t count,
                           double *ret)
{
    int r = check_count(count, ret);

    if (r < 0)
        return r;
    if (!(start > 0) || !isfinite(start) || !(factor > 1) ||
        !isfinite(start * pow(factor, (double)(count - 1))))
        return pf__err(-EINVAL, "exponential buckets need a finite start > 0 "
                                "and a factor > 1");
    ret[0] = start;
    for (size_t i = 1; i < count; i++) {
        ret[i] = ret[i - 1] * factor;
        /* Rounding can overflow to +Inf where pow() did not, and
         * subnormal starts can stay put when multiplied. */
        if (!isfinite(ret[i]))
            return pf__err(-EINVAL, "exponential buckets overflow");
        if (!(ret[i] > ret[i - 1]))
            return pf__err(-EINVAL, "factor %g does not make start %g "
                                    "increase",
                           factor, start);
    }
    return 0;
}

int pf_histogram_family_new(pf_registry *reg, const char *name,
                            const char *help, const char *const *labels,
                            const double *buckets, size_t nbuckets,
                            pf_family **ret)
{
    const pf_family_opts opts = {.buckets = buckets, .nbuckets = nbuckets};

    return pf__family_new(reg, PF_TYPE_HISTOGRAM, name, help, labels, &opts,
                          ret);
}

int pf_histogram_new(pf_registry *reg, const char *name, const char *help,
                     const double *buckets, size_t nbuckets,
                     pf_histogram **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = pf_histogram_family_new(reg, name, help, NULL, buckets, nbuckets, &f);
    if (r < 0)
        return r;
    return pf_histogram_with(f, NULL, ret);
}

int pf_histogram_with(pf_family *fam, const char *const *values,
                      pf_histogram **ret)
{
    return pf__series_get(fam, PF_TYPE_HISTOGRAM, values,
                          (pf_series **)(void *)ret);
}

int pf_histogram_with_labels(pf_family *fam, pf_histogram **ret, ...)
{
    va_list ap;
    int r;

    if (PF_UNLIKELY(!ret))
        return pf__err(-EINVAL, "result pointer is NULL");
    va_start(ap, ret);
    r = pf__series_get_va(fam, PF_TYPE_HISTOGRAM, ap,
                          (pf_series **)(void *)ret);
    va_end(ap);
    return r;
}

int pf_histogram_observe(pf_histogram *h, double v)
{
    pf_series *s = (pf_series *)(void *)h;
    const pf_series_ext *x;
    const pf_family *f;
    size_t lo, hi;

    if (PF_UNLIKELY(!h || isnan(v)))
        return -EINVAL;
    x = pf__series_ext(s);
    f = x->fam;
    /* The first bucket whose upper bound is >= v (le means <=); past the
     * last bound, the +Inf bucket. Binary search: at most 10 steps for
     * PF_MAX_BUCKETS. */
    lo = 0;
    hi = f->nbuckets;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (v <= f->bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    pf__atomic_add_double(&s->a, v);
    /* Release: a render that reads this count (acquire) sees the sum. */
    atomic_fetch_add_explicit(&x->buckets[lo], 1, memory_order_release);
    return 0;
}

int pf_histogram_observe_labels(pf_family *fam, double v, ...)
{
    pf_series *s;
    va_list ap;
    int r;

    /* Before the lookup, so that a refused value creates no series. */
    if (isnan(v))
        return pf__err(-EINVAL, "a histogram cannot observe NaN");
    va_start(ap, v);
    r = pf__series_get_va(fam, PF_TYPE_HISTOGRAM, ap, &s);
    va_end(ap);
    if (r < 0)
        return r;
    return pf_histogram_observe((pf_histogram *)(void *)s, v);
}
