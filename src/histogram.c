/* SPDX-License-Identifier: MIT */
/*
 * Histograms. Each series keeps one non-cumulative count per bucket plus
 * the sum; an observation finds its bucket, adds to the sum, then counts
 * itself in the bucket. _count is not stored: the renderer derives it from
 * the buckets it read, which is what makes every render self-consistent
 * (see put_histogram() in render.c).
 */
#include "histogram.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "counter.h"
#include "error.h"
#include "registry.h"

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
            return pf__err(-EINVAL,
                           "width %g is too small for start %g: "
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
            return pf__err(-EINVAL,
                           "factor %g does not make start %g "
                           "increase",
                           factor, start);
    }
    return 0;
}

/* ---- Families ------------------------------------------------------------ */

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
        return pf__err(-EINVAL, "%zu buckets are more than the %d allowed", *n,
                       PF_MAX_BUCKETS);
    for (size_t i = 0; i < *n; i++) {
        if (!isfinite(b[i]))
            return pf__err(-EINVAL, "bucket %zu is not a finite number", i + 1);
        if (i > 0 && !(b[i] > b[i - 1]))
            return pf__err(-EINVAL,
                           "buckets must be strictly increasing (bucket %zu)",
                           i + 1);
    }
    return 0;
}

/* Fill in the histogram part of spec: the bounds (NULL, 0: the default
 * ones) and their le strings, which the family owns once made. */
int pf__histogram_spec(const double *buckets, size_t nbuckets,
                       pf_family_spec *spec)
{
    int r = check_buckets(buckets, &nbuckets);

    if (r < 0)
        return r;
    if (!buckets)
        nbuckets = pf_buckets_default(&buckets);
    spec->bounds = pf__calloc(nbuckets, sizeof(double));
    spec->le = pf__calloc(nbuckets, sizeof(char *));
    if (!spec->bounds || !spec->le)
        goto nomem;
    for (size_t i = 0; i < nbuckets; i++) {
        char tmp[PF_DOUBLE_BUFSZ];
        size_t n = pf__fmt_double(tmp, buckets[i]);

        spec->bounds[i] = buckets[i];
        spec->le[i] = n ? pf__malloc(n + 1) : NULL;
        if (!spec->le[i])
            goto nomem;
        memcpy(spec->le[i], tmp, n);
        spec->le[i][n] = '\0';
    }
    spec->nbuckets = nbuckets;
    /* A count per bucket, one for +Inf, and the sum. */
    spec->ncells = nbuckets + 2;
    return 0;
nomem:
    if (spec->le)
        for (size_t i = 0; i < nbuckets; i++)
            pf__free(spec->le[i]);
    pf__free(spec->le);
    pf__free(spec->bounds);
    spec->le = NULL;
    spec->bounds = NULL;
    return -ENOMEM;
}

static int histogram_family(pf_registry *reg, const char *name,
                            const char *help, const char *const *labels,
                            const double *buckets, size_t nbuckets,
                            pf_family **ret)
{
    pf_family_spec spec = {
        .type = PF_TYPE_HISTOGRAM,
        .name = name,
        .help = help,
        .labels = labels,
    };
    int r = pf__histogram_spec(buckets, nbuckets, &spec);

    if (r < 0)
        return r;
    return pf__register(reg, &spec, ret);
}

int pf_histogram_family_new(pf_registry *reg, const char *name,
                            const char *help, const char *const *labels,
                            const double *buckets, size_t nbuckets,
                            pf_family **ret)
{
    return histogram_family(reg, name, help, labels, buckets, nbuckets, ret);
}

int pf_histogram_new(pf_registry *reg, const char *name, const char *help,
                     const double *buckets, size_t nbuckets, pf_histogram **ret)
{
    pf_family *f;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = histogram_family(reg, name, help, NULL, buckets, nbuckets, &f);
    if (r < 0)
        return r;
    return pf__series_get(f, PF_TYPE_HISTOGRAM, NULL,
                          (pf_series **)(void *)ret);
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

/* Record v in s. */
static inline PF_ALWAYS_INLINE void observe(pf_series *s, double v)
{
    const pf_series_ext *x = pf__series_ext(s);
    const pf_family *f = x->fam;
    /* Loaded once: the atomics below would make the compiler load them
     * again. */
    const double *bounds = f->hist.bounds;
    _Atomic uint64_t *cells = x->cells;
    size_t nb = f->hist.nbuckets, lo = 0, hi = nb;

    /* The first bucket whose upper bound is >= v (le means <=); past the
     * last bound, the +Inf bucket. Binary search: at most 10 steps for
     * PF_MAX_BUCKETS. */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (v <= bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    pf__atomic_add_double(&cells[nb + 1], v);
    /* Release: a render that reads this count (acquire) sees the sum. */
    atomic_fetch_add_explicit(&cells[lo], 1, memory_order_release);
}

int pf_histogram_observe(pf_histogram *h, double v)
{
    if (PF_UNLIKELY(!h || isnan(v)))
        return -EINVAL;
    observe((pf_series *)(void *)h, v);
    return 0;
}

/* The index of the first cell of a shared series. */
static uint32_t first_cell(const pf_series *s, const pf_shared **sh)
{
    *sh = pf__series_ext(s)->fam->shared;
    return pf__shared_cell_index(*sh, s->v.shared.cell);
}

uint64_t pf__histogram_bucket(const pf_series *s, size_t i)
{
    const pf_shared *sh;

    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED) {
        uint32_t c = first_cell(s, &sh);

        return pf__shared_sum_u64(sh, c + (uint32_t)i);
    }
    return atomic_load_explicit(&pf__series_ext(s)->cells[i],
                                memory_order_acquire);
}

double pf__histogram_sum(const pf_series *s)
{
    const pf_series_ext *x = pf__series_ext(s);
    const pf_shared *sh;

    if (atomic_load_explicit(&s->state, memory_order_relaxed) &
        PF_SERIES_SHARED) {
        uint32_t c = first_cell(s, &sh);

        return pf__shared_sum_double(sh,
                                     c + (uint32_t)x->fam->hist.nbuckets + 1);
    }
    return pf__u2d(atomic_load_explicit(&x->cells[x->fam->hist.nbuckets + 1],
                                        memory_order_relaxed));
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
    observe(s, v);
    return 0;
}
