/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/histogram.c: bucket layouts, the checks on a
 * histogram's buckets and labels, which bucket an observation lands in,
 * and the exact rendered text (cumulative buckets in increasing le order
 * ending with +Inf, then _sum, then _count).
 */
#include "pf-test.h"

#include <math.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The non-cumulative count of bucket i (nbuckets is +Inf) of h. */
static uint64_t bucket_count(const pf_histogram *h, size_t i)
{
    const pf_series *s = (const pf_series *)(const void *)h;

    return pf__histogram_bucket(s, i);
}

static double sum_of(const pf_histogram *h)
{
    const pf_series *s = (const pf_series *)(const void *)h;

    return pf__histogram_sum(s);
}

/* Assert the non-cumulative counts of h's four buckets. */
#define assert_counts(h, c0, c1, c2, c3)                                       \
    do {                                                                       \
        const uint64_t want_[4] = {(c0), (c1), (c2), (c3)};                    \
                                                                               \
        for (size_t i_ = 0; i_ < 4; i_++)                                      \
            if (bucket_count((h), i_) != want_[i_])                            \
                fail_msg("bucket %zu holds %llu, expected %llu", i_,           \
                         (unsigned long long)bucket_count((h), i_),            \
                         (unsigned long long)want_[i_]);                       \
    } while (0)

/* An unlabeled histogram with the bounds 1, 2 and 5. */
static pf_histogram *new_125(pf_registry *reg)
{
    static const double b[] = {1, 2, 5};
    pf_histogram *h = NULL;

    assert_int_equal(pf_histogram_new(reg, "app_job_duration_seconds",
                                      "Job duration.", b, ARRAY_SIZE(b), &h),
                     0);
    assert_non_null(h);
    return h;
}

/* ---- Bucket layouts ---------------------------------------------------- */

static void buckets_default_is_client_golang_list(void **state)
{
    static const double want[] = {.005, .01, .025, .05, .1, .25,
                                  .5,   1,   2.5,  5,   10};
    const double *b = NULL;

    UNUSED(state);
    assert_int_equal(pf_buckets_default(&b), 11);
    assert_non_null(b);
    for (size_t i = 0; i < ARRAY_SIZE(want); i++)
        if (b[i] != want[i])
            fail_msg("default bucket %zu is %.17g, expected %.17g", i, b[i],
                     want[i]);
    assert_int_equal(pf_buckets_default(NULL), 11);
}

static void buckets_linear_values(void **state)
{
    double b[5];

    UNUSED(state);
    assert_int_equal(pf_buckets_linear(1, 2, 4, b), 0);
    assert_true(b[0] == 1 && b[1] == 3 && b[2] == 5 && b[3] == 7);
    assert_int_equal(pf_buckets_linear(-1, 0.5, 5, b), 0);
    assert_true(b[0] == -1 && b[1] == -0.5 && b[2] == 0 && b[3] == 0.5 &&
                b[4] == 1);
    assert_int_equal(pf_buckets_linear(10, 1, 1, b), 0);
    assert_true(b[0] == 10);
}

static void buckets_linear_max_count(void **state)
{
    double b[PF_MAX_BUCKETS];

    UNUSED(state);
    assert_int_equal(pf_buckets_linear(0, 1, PF_MAX_BUCKETS, b), 0);
    assert_true(b[PF_MAX_BUCKETS - 1] == PF_MAX_BUCKETS - 1);
}

/* Each bad call must fail and leave the output array untouched. */
static void buckets_linear_rejects_bad_arguments(void **state)
{
    static const struct {
        double start, width;
        size_t count;
    } bad[] = {
        {1, 1, 0},                  /* count 0 */
        {1, 1, PF_MAX_BUCKETS + 1}, /* too many */
        {1, 0, 3},                  /* width 0 */
        {1, -1, 3},                 /* width < 0 */
        {1, NAN, 3},                /* width NaN */
        {1, INFINITY, 3},           /* bounds not finite */
        {NAN, 1, 3},                /* start NaN */
        {INFINITY, 1, 3},           /* start +Inf */
        {-INFINITY, 1, 3},          /* start -Inf */
        {1e308, 1e308, 3},          /* last bound overflows */
    };
    double b[PF_MAX_BUCKETS + 1];

    UNUSED(state);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        b[0] = 42.0;
        if (pf_buckets_linear(bad[i].start, bad[i].width, bad[i].count, b) !=
            -EINVAL)
            fail_msg("case %zu: pf_buckets_linear did not fail", i);
        assert_true(b[0] == 42.0);
    }
    assert_int_equal(pf_buckets_linear(1, 1, 3, NULL), -EINVAL);
}

static void buckets_exponential_values(void **state)
{
    double b[4];

    UNUSED(state);
    assert_int_equal(pf_buckets_exponential(1, 2, 4, b), 0);
    assert_true(b[0] == 1 && b[1] == 2 && b[2] == 4 && b[3] == 8);
    assert_int_equal(pf_buckets_exponential(0.25, 4, 4, b), 0);
    assert_true(b[0] == 0.25 && b[1] == 1 && b[2] == 4 && b[3] == 16);
    assert_int_equal(pf_buckets_exponential(3, 1.5, 1, b), 0);
    assert_true(b[0] == 3);
}

static void buckets_exponential_rejects_bad_arguments(void **state)
{
    static const struct {
        double start, factor;
        size_t count;
    } bad[] = {
        {1, 2, 0},                  /* count 0 */
        {1, 2, PF_MAX_BUCKETS + 1}, /* too many */
        {0, 2, 3},                  /* start 0 */
        {-1, 2, 3},                 /* start < 0 */
        {NAN, 2, 3},                /* start NaN */
        {INFINITY, 2, 3},           /* start +Inf */
        {1, 1, 3},                  /* factor 1 */
        {1, 0.5, 3},                /* factor < 1 */
        {1, -2, 3},                 /* factor < 0 */
        {1, NAN, 3},                /* factor NaN */
        {1, INFINITY, 3},           /* bounds not finite */
        {1e300, 1e10, 3},           /* last bound overflows */
        {1, 10, 400},               /* 1e399 overflows */
    };
    double b[PF_MAX_BUCKETS + 1];

    UNUSED(state);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        b[0] = 42.0;
        if (pf_buckets_exponential(bad[i].start, bad[i].factor, bad[i].count,
                                   b) != -EINVAL)
            fail_msg("case %zu: pf_buckets_exponential did not fail", i);
        assert_true(b[0] == 42.0);
    }
    assert_int_equal(pf_buckets_exponential(1, 2, 3, NULL), -EINVAL);
    /* The largest count is fine while the bounds stay finite (2^511). */
    assert_int_equal(pf_buckets_exponential(1, 2, PF_MAX_BUCKETS, b), 0);
    assert_true(b[PF_MAX_BUCKETS - 1] == 0x1p511);
}

/* The check must cover the bounds actually computed. Here start * 10^4 is
 * finite (pow() gives exactly 1e4), but multiplying by 10 four times
 * rounds up at each step and the last bound overflows to +Inf. */
static void buckets_exponential_rejects_rounding_overflow(void **state)
{
    double b[5] = {42.0};
    int r;

    UNUSED(state);
    r = pf_buckets_exponential(0x1.a36e2eb1c432cp+1010, 10, 5, b);
    if (r == 0 && !isfinite(b[4]))
        fail_msg("returned 0 with the last bound %g", b[4]);
    assert_int_equal(r, -EINVAL);
}

/* ---- Histogram families ------------------------------------------------ */

static void histogram_family_rejects_bad_buckets(void **state)
{
    static const double equal[] = {1, 1};
    static const double decreasing[] = {2, 1};
    static const double with_nan[] = {1, NAN};
    static const double minus_inf[] = {-INFINITY, 1};
    static const double inf_inside[] = {1, INFINITY, 2};
    static double many[PF_MAX_BUCKETS + 1];
    pf_registry *reg = *state;
    pf_family *f = NULL;
    pf_histogram *h = NULL;

    for (size_t i = 0; i < ARRAY_SIZE(many); i++)
        many[i] = (double)i;
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, equal, 2, &f),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "increasing"));
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, decreasing, 2,
                                             &f),
                     -EINVAL);
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, with_nan, 2, &f),
                     -EINVAL);
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, minus_inf, 2,
                                             &f),
                     -EINVAL);
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, inf_inside, 3,
                                             &f),
                     -EINVAL);
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, many,
                                             PF_MAX_BUCKETS + 1, &f),
                     -EINVAL);
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, NULL, 3, &f),
                     -EINVAL);
    assert_null(f);
    /* The same through pf_histogram_new(). */
    assert_int_equal(pf_histogram_new(reg, "app_latency_seconds", "Latency.",
                                      decreasing, 2, &h),
                     -EINVAL);
    assert_null(h);
    /* None of them was registered: the name is still free. */
    assert_int_equal(pf_histogram_family_new(reg, "app_latency_seconds",
                                             "Latency.", NULL, many,
                                             PF_MAX_BUCKETS, &f),
                     0);
    assert_non_null(f);
}

static void histogram_family_drops_trailing_inf(void **state)
{
    static const double with_inf[] = {1, 2, INFINITY};
    static const double without[] = {1, 2};
    static double many[PF_MAX_BUCKETS + 1];
    pf_registry *reg = *state;
    pf_family *a = NULL, *b = NULL, *c = NULL;
    pf_histogram *h = NULL;

    assert_int_equal(pf_histogram_family_new(reg, "app_size_bytes", "Size.",
                                             NULL, with_inf, 3, &a),
                     0);
    /* The same family as without the +Inf. */
    assert_int_equal(pf_histogram_family_new(reg, "app_size_bytes", "Size.",
                                             NULL, without, 2, &b),
                     0);
    assert_ptr_equal(a, b);
    assert_int_equal(pf_histogram_with(a, NULL, &h), 0);
    assert_int_equal(pf_histogram_observe(h, 3), 0);
    assert_render(reg, "# HELP app_size_bytes Size.\n"
                       "# TYPE app_size_bytes histogram\n"
                       "app_size_bytes_bucket{le=\"1\"} 0\n"
                       "app_size_bytes_bucket{le=\"2\"} 0\n"
                       "app_size_bytes_bucket{le=\"+Inf\"} 1\n"
                       "app_size_bytes_sum 3\n"
                       "app_size_bytes_count 1\n");
    /* PF_MAX_BUCKETS finite bounds and a +Inf are within the limit. */
    for (size_t i = 0; i < PF_MAX_BUCKETS; i++)
        many[i] = (double)i;
    many[PF_MAX_BUCKETS] = INFINITY;
    assert_int_equal(pf_histogram_family_new(reg, "app_big_bytes", "Big.", NULL,
                                             many, PF_MAX_BUCKETS + 1, &c),
                     0);
    assert_non_null(c);
}

static void histogram_family_default_buckets(void **state)
{
    pf_histogram *h = NULL;

    assert_int_equal(pf_histogram_new(*state, "app_latency_seconds", "Latency.",
                                      NULL, 0, &h),
                     0);
    assert_render(*state, "# HELP app_latency_seconds Latency.\n"
                          "# TYPE app_latency_seconds histogram\n"
                          "app_latency_seconds_bucket{le=\"0.005\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.01\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.025\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.05\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.1\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.25\"} 0\n"
                          "app_latency_seconds_bucket{le=\"0.5\"} 0\n"
                          "app_latency_seconds_bucket{le=\"1\"} 0\n"
                          "app_latency_seconds_bucket{le=\"2.5\"} 0\n"
                          "app_latency_seconds_bucket{le=\"5\"} 0\n"
                          "app_latency_seconds_bucket{le=\"10\"} 0\n"
                          "app_latency_seconds_bucket{le=\"+Inf\"} 0\n"
                          "app_latency_seconds_sum 0\n"
                          "app_latency_seconds_count 0\n");
}

static void histogram_family_rejects_le_label(void **state)
{
    static const char *const le[] = {"le", NULL};
    static const char *const method_le[] = {"method", "le", NULL};
    pf_family *f = NULL;

    assert_int_equal(pf_histogram_family_new(*state, "app_latency_seconds",
                                             "Latency.", le, NULL, 0, &f),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "\"le\""));
    assert_int_equal(pf_histogram_family_new(*state, "app_latency_seconds",
                                             "Latency.", method_le, NULL, 0,
                                             &f),
                     -EINVAL);
    assert_null(f);
    assert_render(*state, "");
}

static void histogram_new_twice_returns_same_handle(void **state)
{
    static const double other[] = {1, 2, 6};
    pf_histogram *a, *b = NULL;

    a = new_125(*state);
    assert_int_equal(pf_histogram_observe(a, 1), 0);
    b = new_125(*state);
    assert_ptr_equal(a, b);
    assert_int_equal(bucket_count(b, 0), 1);
    /* Other buckets make another family: the name is taken. */
    b = NULL;
    assert_int_equal(pf_histogram_new(*state, "app_job_duration_seconds",
                                      "Job duration.", other, 3, &b),
                     -EEXIST);
    assert_null(b);
    assert_int_equal(pf_histogram_new(*state, "app_job_duration_seconds",
                                      "Job duration.", other, 3, NULL),
                     -EINVAL);
}

/* ---- Observations ------------------------------------------------------ */

static void histogram_observe_bound_is_inclusive(void **state)
{
    pf_histogram *h = new_125(*state);

    /* le means <=: a value equal to a bound is in that bound's bucket. */
    assert_int_equal(pf_histogram_observe(h, 1), 0);
    assert_counts(h, 1, 0, 0, 0);
    assert_int_equal(pf_histogram_observe(h, 2), 0);
    assert_counts(h, 1, 1, 0, 0);
    assert_int_equal(pf_histogram_observe(h, 5), 0);
    assert_counts(h, 1, 1, 1, 0);
    /* Just above a bound goes to the next bucket. */
    assert_int_equal(pf_histogram_observe(h, 1.0000000000000002), 0);
    assert_counts(h, 1, 2, 1, 0);
    assert_int_equal(pf_histogram_observe(h, 1.9999999999999998), 0);
    assert_counts(h, 1, 3, 1, 0);
}

static void histogram_observe_below_first_bound(void **state)
{
    pf_histogram *h = new_125(*state);

    assert_int_equal(pf_histogram_observe(h, 0.5), 0);
    assert_int_equal(pf_histogram_observe(h, 0), 0);
    assert_int_equal(pf_histogram_observe(h, -100), 0);
    assert_counts(h, 3, 0, 0, 0);
    assert_true(sum_of(h) == -99.5);
}

static void histogram_observe_above_last_bound(void **state)
{
    pf_histogram *h = new_125(*state);

    assert_int_equal(pf_histogram_observe(h, 5.000001), 0);
    assert_int_equal(pf_histogram_observe(h, 1e300), 0);
    assert_counts(h, 0, 0, 0, 2);
}

static void histogram_observe_infinities(void **state)
{
    pf_histogram *h = new_125(*state);

    assert_int_equal(pf_histogram_observe(h, -(double)INFINITY), 0);
    assert_counts(h, 1, 0, 0, 0);
    assert_true(sum_of(h) == -(double)INFINITY);
    assert_int_equal(pf_histogram_observe(h, (double)INFINITY), 0);
    assert_counts(h, 1, 0, 0, 1);
    /* -Inf + +Inf: the sum is NaN, and renders as such. */
    assert_true(isnan(sum_of(h)));
    assert_render(*state, "# HELP app_job_duration_seconds Job duration.\n"
                          "# TYPE app_job_duration_seconds histogram\n"
                          "app_job_duration_seconds_bucket{le=\"1\"} 1\n"
                          "app_job_duration_seconds_bucket{le=\"2\"} 1\n"
                          "app_job_duration_seconds_bucket{le=\"5\"} 1\n"
                          "app_job_duration_seconds_bucket{le=\"+Inf\"} 2\n"
                          "app_job_duration_seconds_sum NaN\n"
                          "app_job_duration_seconds_count 2\n");
}

static void histogram_observe_rejects_nan(void **state)
{
    pf_histogram *h = new_125(*state);

    assert_int_equal(pf_histogram_observe(h, 1.5), 0);
    assert_int_equal(pf_histogram_observe(h, (double)NAN), -EINVAL);
    assert_int_equal(pf_histogram_observe(h, pf__u2d(0xfff8000000000000ULL)),
                     -EINVAL);
    /* Nothing was counted or summed. */
    assert_counts(h, 0, 1, 0, 0);
    assert_true(sum_of(h) == 1.5);
    assert_int_equal(pf_histogram_observe(NULL, 1), -EINVAL);
}

/* ---- Rendering --------------------------------------------------------- */

static void histogram_render_unlabeled_exact(void **state)
{
    static const double b[] = {0.5, 1, 2.5};
    pf_histogram *h = NULL;

    assert_int_equal(pf_histogram_new(*state, "app_job_duration_seconds",
                                      "How long jobs took.", b, 3, &h),
                     0);
    assert_int_equal(pf_histogram_observe(h, 4), 0);
    assert_int_equal(pf_histogram_observe(h, 0.25), 0);
    assert_int_equal(pf_histogram_observe(h, 2), 0);
    assert_int_equal(pf_histogram_observe(h, 0.5), 0);
    assert_int_equal(pf_histogram_observe(h, 0.75), 0);
    assert_render(*state,
                  "# HELP app_job_duration_seconds How long jobs took.\n"
                  "# TYPE app_job_duration_seconds histogram\n"
                  "app_job_duration_seconds_bucket{le=\"0.5\"} 2\n"
                  "app_job_duration_seconds_bucket{le=\"1\"} 3\n"
                  "app_job_duration_seconds_bucket{le=\"2.5\"} 4\n"
                  "app_job_duration_seconds_bucket{le=\"+Inf\"} 5\n"
                  "app_job_duration_seconds_sum 7.5\n"
                  "app_job_duration_seconds_count 5\n");
}

static void histogram_render_labeled_exact(void **state)
{
    static const char *const labels[] = {"method", "code", NULL};
    static const double b[] = {0.1, 1};
    pf_family *f = NULL;
    pf_histogram *post = NULL, *get = NULL, *idle = NULL;

    assert_int_equal(pf_histogram_family_new(*state, "rpc_duration_seconds",
                                             "RPC latency.", labels, b, 2, &f),
                     0);
    /* Created out of order: the render sorts by label values. */
    assert_int_equal(pf_histogram_with_labels(f, &post, "post", "200", NULL),
                     0);
    assert_int_equal(pf_histogram_with_labels(f, &idle, "put", "a\"b", NULL),
                     0);
    assert_int_equal(pf_histogram_with_labels(f, &get, "get", "500", NULL), 0);
    assert_int_equal(pf_histogram_observe(post, 1), 0);
    assert_int_equal(pf_histogram_observe(get, 0.5), 0);
    assert_int_equal(pf_histogram_observe(get, 3), 0);
    assert_int_equal(pf_histogram_observe(get, 0.0625), 0);
#define GET "{method=\"get\",code=\"500\""
#define POST "{method=\"post\",code=\"200\""
#define PUT "{method=\"put\",code=\"a\\\"b\""
    assert_render(*state, "# HELP rpc_duration_seconds RPC latency.\n"
                          "# TYPE rpc_duration_seconds histogram\n"
                          "rpc_duration_seconds_bucket" GET ",le=\"0.1\"} 1\n"
                          "rpc_duration_seconds_bucket" GET ",le=\"1\"} 2\n"
                          "rpc_duration_seconds_bucket" GET ",le=\"+Inf\"} 3\n"
                          "rpc_duration_seconds_sum" GET "} 3.5625\n"
                          "rpc_duration_seconds_count" GET "} 3\n"
                          "rpc_duration_seconds_bucket" POST ",le=\"0.1\"} 0\n"
                          "rpc_duration_seconds_bucket" POST ",le=\"1\"} 1\n"
                          "rpc_duration_seconds_bucket" POST ",le=\"+Inf\"} 1\n"
                          "rpc_duration_seconds_sum" POST "} 1\n"
                          "rpc_duration_seconds_count" POST "} 1\n"
                          "rpc_duration_seconds_bucket" PUT ",le=\"0.1\"} 0\n"
                          "rpc_duration_seconds_bucket" PUT ",le=\"1\"} 0\n"
                          "rpc_duration_seconds_bucket" PUT ",le=\"+Inf\"} 0\n"
                          "rpc_duration_seconds_sum" PUT "} 0\n"
                          "rpc_duration_seconds_count" PUT "} 0\n");
#undef GET
#undef POST
#undef PUT
}

/* ---- The one-call form ------------------------------------------------- */

static void histogram_observe_labels_creates_series(void **state)
{
    static const char *const method[] = {"method", NULL};
    static const double b[] = {1, 2, 5};
    pf_family *f = NULL;
    pf_histogram *h = NULL;

    assert_int_equal(pf_histogram_family_new(*state, "rpc_duration_seconds",
                                             "RPC latency.", method, b, 3, &f),
                     0);
    assert_int_equal(pf_histogram_observe_labels(f, 1.5, "get", NULL), 0);
    assert_int_equal(pf_histogram_observe_labels(f, 7, "get", NULL), 0);
    assert_int_equal(pf_histogram_with_labels(f, &h, "get", NULL), 0);
    assert_counts(h, 0, 1, 0, 1);
    assert_true(sum_of(h) == 8.5);
    assert_int_equal(pf_histogram_observe_labels(f, (double)NAN, "get", NULL),
                     -EINVAL);
    assert_counts(h, 0, 1, 0, 1);
    /* A NaN is refused before the lookup, with a message: no series is
     * made for it (as pf_histogram_observe_labels(3) says). */
    pf__err(0, "%s", "");
    assert_int_equal(pf_histogram_observe_labels(f, (double)NAN, "put", NULL),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "NaN"));
    assert_render(*state,
                  "# HELP rpc_duration_seconds RPC latency.\n"
                  "# TYPE rpc_duration_seconds histogram\n"
                  "rpc_duration_seconds_bucket{method=\"get\",le=\"1\"} 0\n"
                  "rpc_duration_seconds_bucket{method=\"get\",le=\"2\"} 1\n"
                  "rpc_duration_seconds_bucket{method=\"get\",le=\"5\"} 1\n"
                  "rpc_duration_seconds_bucket{method=\"get\",le=\"+Inf\"} 2\n"
                  "rpc_duration_seconds_sum{method=\"get\"} 8.5\n"
                  "rpc_duration_seconds_count{method=\"get\"} 2\n");
}

static void histogram_observe_labels_rejects_bad_calls(void **state)
{
    static const char *const method[] = {"method", NULL};
    pf_family *f = NULL, *g = NULL;
    pf_histogram *h = NULL;
    const char *v[] = {"get"};

    assert_int_equal(pf_histogram_family_new(*state, "rpc_duration_seconds",
                                             "RPC latency.", method, NULL, 0,
                                             &f),
                     0);
    assert_int_equal(
        pf_gauge_family_new(*state, "rpc_in_flight", "In flight.", method, &g),
        0);
    assert_int_equal(pf_histogram_observe_labels(f, 1, NULL), -EINVAL);
    assert_int_equal(pf_histogram_observe_labels(f, 1, "get", "x", NULL),
                     -EINVAL);
    assert_int_equal(pf_histogram_observe_labels(NULL, 1, "get", NULL),
                     -EINVAL);
    assert_int_equal(pf_histogram_observe_labels(g, 1, "get", NULL), -EINVAL);
    assert_int_equal(pf_histogram_with(g, v, &h), -EINVAL);
    assert_int_equal(pf_histogram_with(f, NULL, &h), -EINVAL);
    assert_int_equal(pf_histogram_with_labels(f, &h, "g\xc3", NULL), -EINVAL);
    assert_null(h);
    /* None of them created a series. */
    assert_render(*state, "");
}

int main(void)
{
#define T(f)                                                                   \
    cmocka_unit_test_setup_teardown(f, registry_setup, registry_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_default_is_client_golang_list),
        cmocka_unit_test(buckets_linear_values),
        cmocka_unit_test(buckets_linear_max_count),
        cmocka_unit_test(buckets_linear_rejects_bad_arguments),
        cmocka_unit_test(buckets_exponential_values),
        cmocka_unit_test(buckets_exponential_rejects_bad_arguments),
        cmocka_unit_test(buckets_exponential_rejects_rounding_overflow),
        T(histogram_family_rejects_bad_buckets),
        T(histogram_family_drops_trailing_inf),
        T(histogram_family_default_buckets),
        T(histogram_family_rejects_le_label),
        T(histogram_new_twice_returns_same_handle),
        T(histogram_observe_bound_is_inclusive),
        T(histogram_observe_below_first_bound),
        T(histogram_observe_above_last_bound),
        T(histogram_observe_infinities),
        T(histogram_observe_rejects_nan),
        T(histogram_render_unlabeled_exact),
        T(histogram_render_labeled_exact),
        T(histogram_observe_labels_creates_series),
        T(histogram_observe_labels_rejects_bad_calls),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
