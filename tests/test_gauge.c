/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of src/gauge.c: every gauge call of promfile.h, callback
 * gauges, and the rendered text of gauge families. Each test gets a fresh
 * registry in *state.
 */
#include "pf-test.h"

#include <math.h>
#include <time.h>

/* Assert that two doubles are the same value (NaN equal to NaN). */
#define assert_same_double(got, want)                                          \
    do {                                                                       \
        double g_ = (got), w_ = (want);                                        \
                                                                               \
        if (!(g_ == w_ || (isnan(g_) && isnan(w_))))                           \
            fail_msg("%s is %.17g, expected %.17g", #got, g_, w_);             \
    } while (0)

/* The value of gauge g. */
static double value_of(const pf_gauge *g)
{
    double v = -12345.0;

    assert_int_equal(pf_gauge_value(g, &v), 0);
    return v;
}

/* ---- pf_gauge_new ------------------------------------------------------ */

static void gauge_new_starts_at_zero(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_non_null(g);
    assert_same_double(value_of(g), 0.0);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs 0\n");
}

static void gauge_new_twice_returns_same_handle(void **state)
{
    pf_gauge *a = NULL, *b = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &a), 0);
    assert_int_equal(pf_gauge_set(a, 5.0), 0);
    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &b), 0);
    assert_ptr_equal(a, b);
    /* The series was not reset by the second registration. */
    assert_same_double(value_of(b), 5.0);
}

static void gauge_new_conflict_is_eexist(void **state)
{
    pf_gauge *g = NULL, *other = NULL;
    pf_histogram *h = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    other = g;
    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Other help.", &other),
                     -EEXIST);
    assert_ptr_equal(other, g); /* not written on failure */
    assert_int_equal(pf_histogram_new(*state, "app_jobs", "Jobs.", NULL, 0, &h),
                     -EEXIST);
    assert_null(h);
}

static void gauge_new_rejects_bad_arguments(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", NULL), -EINVAL);
    assert_int_equal(pf_gauge_new(*state, "app_jobs_total", "Jobs.", &g),
                     -EINVAL);
    assert_int_equal(pf_gauge_new(*state, "app jobs", "Jobs.", &g), -EINVAL);
    assert_int_equal(pf_gauge_new(*state, "app_jobs", "", &g), -EINVAL);
    assert_int_equal(pf_gauge_new(*state, "app_jobs", NULL, &g), -EINVAL);
    assert_null(g);
    assert_render(*state, "");
}

/* ---- Updates ----------------------------------------------------------- */

static void gauge_set_stores_value(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_gauge_set(g, 42.5), 0);
    assert_same_double(value_of(g), 42.5);
    assert_int_equal(pf_gauge_set(g, -1e300), 0);
    assert_same_double(value_of(g), -1e300);
    assert_int_equal(pf_gauge_set(g, 0.1), 0);
    assert_same_double(value_of(g), 0.1);
}

static void gauge_inc_dec_step_by_one(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_gauge_inc(g), 0);
    assert_int_equal(pf_gauge_inc(g), 0);
    assert_same_double(value_of(g), 2.0);
    assert_int_equal(pf_gauge_dec(g), 0);
    assert_int_equal(pf_gauge_dec(g), 0);
    assert_int_equal(pf_gauge_dec(g), 0);
    assert_same_double(value_of(g), -1.0);
    assert_int_equal(pf_gauge_set(g, 0.5), 0);
    assert_int_equal(pf_gauge_inc(g), 0);
    assert_same_double(value_of(g), 1.5);
}

static void gauge_add_sub_change_value(void **state)
{
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_gauge_set(g, 10.0), 0);
    assert_int_equal(pf_gauge_add(g, 2.5), 0);
    assert_same_double(value_of(g), 12.5);
    assert_int_equal(pf_gauge_sub(g, 0.25), 0);
    assert_same_double(value_of(g), 12.25);
    assert_int_equal(pf_gauge_add(g, -20.0), 0);
    assert_same_double(value_of(g), -7.75);
    assert_int_equal(pf_gauge_sub(g, -7.75), 0);
    assert_same_double(value_of(g), 0.0);
}

static void gauge_set_accepts_nan_and_infinities(void **state)
{
    pf_gauge *g = NULL;
    double v;

    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);

    assert_int_equal(pf_gauge_set(g, (double)NAN), 0);
    v = value_of(g);
    assert_true(isnan(v));
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs NaN\n");

    /* A negative NaN (glibc prints it "-nan") renders as NaN too. */
    assert_int_equal(pf_gauge_set(g, pf__u2d(0xfff8000000000000ULL)), 0);
    assert_true(isnan(value_of(g)));
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs NaN\n");

    assert_int_equal(pf_gauge_set(g, (double)INFINITY), 0);
    assert_same_double(value_of(g), (double)INFINITY);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs +Inf\n");
    /* Arithmetic follows IEEE 754. */
    assert_int_equal(pf_gauge_add(g, 1.0), 0);
    assert_same_double(value_of(g), (double)INFINITY);

    assert_int_equal(pf_gauge_set(g, -(double)INFINITY), 0);
    assert_same_double(value_of(g), -(double)INFINITY);
    assert_render(*state, "# HELP app_jobs Jobs.\n"
                          "# TYPE app_jobs gauge\n"
                          "app_jobs -Inf\n");
    assert_int_equal(pf_gauge_add(g, (double)INFINITY), 0);
    assert_true(isnan(value_of(g)));
}

static double realtime_now(void)
{
    struct timespec ts;

    assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void gauge_set_to_current_time_is_now(void **state)
{
    pf_gauge *g = NULL;
    double before, after, v;

    assert_int_equal(pf_gauge_new(*state, "app_last_run_timestamp_seconds",
                                  "When the job last ran.", &g),
                     0);
    before = realtime_now();
    assert_int_equal(pf_gauge_set_to_current_time(g), 0);
    after = realtime_now();
    v = value_of(g);
    if (!(before <= v && v <= after))
        fail_msg("time %.9f is not within [%.9f, %.9f]", v, before, after);
}

static void gauge_functions_reject_null(void **state)
{
    pf_gauge *g = NULL;
    double v = 3.0;

    assert_int_equal(pf_gauge_set(NULL, 1.0), -EINVAL);
    assert_int_equal(pf_gauge_inc(NULL), -EINVAL);
    assert_int_equal(pf_gauge_dec(NULL), -EINVAL);
    assert_int_equal(pf_gauge_add(NULL, 1.0), -EINVAL);
    assert_int_equal(pf_gauge_sub(NULL, 1.0), -EINVAL);
    assert_int_equal(pf_gauge_set_to_current_time(NULL), -EINVAL);
    assert_int_equal(pf_gauge_value(NULL, &v), -EINVAL);
    assert_same_double(v, 3.0);
    assert_int_equal(pf_gauge_new(*state, "app_jobs", "Jobs.", &g), 0);
    assert_int_equal(pf_gauge_value(g, NULL), -EINVAL);
}

/* ---- Labeled series ---------------------------------------------------- */

static const char *const queue_host[] = {"queue", "host", NULL};

static void gauge_with_finds_or_creates(void **state)
{
    pf_family *fam = NULL;
    pf_gauge *a = NULL, *b = NULL, *c = NULL;
    const char *v1[] = {"bulk", "db1"};
    const char *v2[] = {"bulk", "db2"};

    assert_int_equal(pf_gauge_family_new(*state, "app_queue_length", "Jobs.",
                                         queue_host, &fam),
                     0);
    assert_int_equal(pf_gauge_with(fam, v1, &a), 0);
    assert_int_equal(pf_gauge_with_labels(fam, &b, "bulk", "db1", NULL), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(pf_gauge_with(fam, v2, &c), 0);
    assert_ptr_not_equal(a, c);
    assert_int_equal(pf_gauge_set(a, 1.0), 0);
    assert_same_double(value_of(c), 0.0);
}

static void gauge_with_rejects_bad_values(void **state)
{
    pf_family *fam = NULL;
    pf_gauge *g = NULL;
    const char *one_null[] = {"bulk", NULL};
    const char *bad_utf8[] = {"bulk", "db\xff"};

    assert_int_equal(pf_gauge_family_new(*state, "app_queue_length", "Jobs.",
                                         queue_host, &fam),
                     0);
    assert_int_equal(pf_gauge_with(fam, NULL, &g), -EINVAL);
    assert_int_equal(pf_gauge_with(fam, one_null, &g), -EINVAL);
    assert_int_equal(pf_gauge_with(fam, bad_utf8, &g), -EINVAL);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "bulk", NULL), -EINVAL);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "a", "b", "c", NULL),
                     -EINVAL);
    assert_int_equal(pf_gauge_with(NULL, NULL, &g), -EINVAL);
    assert_int_equal(pf_gauge_with_labels(NULL, &g, NULL), -EINVAL);
    assert_null(g);
    /* Nothing was created. */
    assert_render(*state, "");
}

static void gauge_labels_forms_create_series(void **state)
{
    pf_family *fam = NULL;
    pf_gauge *g = NULL;

    assert_int_equal(pf_gauge_family_new(*state, "app_queue_length", "Jobs.",
                                         queue_host, &fam),
                     0);
    assert_int_equal(pf_gauge_set_labels(fam, 3.5, "set", "h", NULL), 0);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "set", "h", NULL), 0);
    assert_same_double(value_of(g), 3.5);

    assert_int_equal(pf_gauge_add_labels(fam, 2.25, "add", "h", NULL), 0);
    assert_int_equal(pf_gauge_add_labels(fam, 2.25, "add", "h", NULL), 0);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "add", "h", NULL), 0);
    assert_same_double(value_of(g), 4.5);

    assert_int_equal(pf_gauge_inc_labels(fam, "inc", "h", NULL), 0);
    assert_int_equal(pf_gauge_inc_labels(fam, "inc", "h", NULL), 0);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "inc", "h", NULL), 0);
    assert_same_double(value_of(g), 2.0);

    assert_int_equal(pf_gauge_dec_labels(fam, "dec", "h", NULL), 0);
    assert_int_equal(pf_gauge_with_labels(fam, &g, "dec", "h", NULL), 0);
    assert_same_double(value_of(g), -1.0);

    /* The _labels forms update an existing series too. */
    assert_int_equal(pf_gauge_set_labels(fam, 9.0, "dec", "h", NULL), 0);
    assert_same_double(value_of(g), 9.0);

    assert_render(*state, "# HELP app_queue_length Jobs.\n"
                          "# TYPE app_queue_length gauge\n"
                          "app_queue_length{queue=\"add\",host=\"h\"} 4.5\n"
                          "app_queue_length{queue=\"dec\",host=\"h\"} 9\n"
                          "app_queue_length{queue=\"inc\",host=\"h\"} 2\n"
                          "app_queue_length{queue=\"set\",host=\"h\"} 3.5\n");
}

static void gauge_labels_forms_reject_wrong_count(void **state)
{
    pf_family *fam = NULL;

    assert_int_equal(pf_gauge_family_new(*state, "app_queue_length", "Jobs.",
                                         queue_host, &fam),
                     0);
    /* Too few. */
    assert_int_equal(pf_gauge_set_labels(fam, 1.0, "q", NULL), -EINVAL);
    assert_int_equal(pf_gauge_add_labels(fam, 1.0, NULL), -EINVAL);
    assert_int_equal(pf_gauge_inc_labels(fam, "q", NULL), -EINVAL);
    assert_int_equal(pf_gauge_dec_labels(fam, NULL), -EINVAL);
    /* Too many. */
    assert_int_equal(pf_gauge_set_labels(fam, 1.0, "q", "h", "x", NULL),
                     -EINVAL);
    assert_int_equal(pf_gauge_add_labels(fam, 1.0, "q", "h", "x", NULL),
                     -EINVAL);
    assert_int_equal(pf_gauge_inc_labels(fam, "q", "h", "x", NULL), -EINVAL);
    assert_int_equal(pf_gauge_dec_labels(fam, "q", "h", "x", NULL), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "labels"));
    /* No series was created by any of them. */
    assert_render(*state, "");
}

static void gauge_labels_forms_reject_null_family(void **state)
{
    UNUSED(state);
    assert_int_equal(pf_gauge_set_labels(NULL, 1.0, "q", NULL), -EINVAL);
    assert_int_equal(pf_gauge_add_labels(NULL, 1.0, "q", NULL), -EINVAL);
    assert_int_equal(pf_gauge_inc_labels(NULL, "q", NULL), -EINVAL);
    assert_int_equal(pf_gauge_dec_labels(NULL, NULL), -EINVAL);
}

static double return_half(void *arg)
{
    UNUSED(arg);
    return 0.5;
}

static void gauge_functions_reject_other_types(void **state)
{
    static const char *const code[] = {"code", NULL};
    pf_family *counter = NULL, *hist = NULL, *func = NULL;
    pf_gauge *g = NULL;
    const char *v[] = {"200"};

    assert_int_equal(pf_counter_family_new(*state, "app_requests_total",
                                           "Requests.", code, &counter),
                     0);
    assert_int_equal(pf_histogram_family_new(*state, "app_latency_seconds",
                                             "Latency.", code, NULL, 0, &hist),
                     0);
    assert_int_equal(pf_gauge_func_new(*state, "app_ratio", "Ratio.",
                                       return_half, NULL, &func),
                     0);

    assert_int_equal(pf_gauge_set_labels(counter, 1.0, "200", NULL), -EINVAL);
    assert_int_equal(pf_gauge_add_labels(counter, 1.0, "200", NULL), -EINVAL);
    assert_int_equal(pf_gauge_inc_labels(counter, "200", NULL), -EINVAL);
    assert_int_equal(pf_gauge_dec_labels(counter, "200", NULL), -EINVAL);
    assert_int_equal(pf_gauge_with(counter, v, &g), -EINVAL);
    assert_int_equal(pf_gauge_with_labels(counter, &g, "200", NULL), -EINVAL);
    assert_non_null(strstr(pf_last_error(), "counter"));
    assert_int_equal(pf_gauge_set_labels(hist, 1.0, "200", NULL), -EINVAL);
    assert_int_equal(pf_gauge_with(hist, v, &g), -EINVAL);
    /* A callback gauge has no series to update. */
    assert_int_equal(pf_gauge_set_labels(func, 1.0, NULL), -EINVAL);
    assert_int_equal(pf_gauge_with(func, NULL, &g), -EINVAL);
    assert_null(g);
    /* No series appeared in the counter or histogram. */
    assert_render(*state, "# HELP app_ratio Ratio.\n"
                          "# TYPE app_ratio gauge\n"
                          "app_ratio 0.5\n");
}

/* ---- Callback gauges --------------------------------------------------- */

static double return_arg(void *arg)
{
    return *(const double *)arg;
}

static void gauge_func_value_is_rendered(void **state)
{
    static double value = 0.75;
    pf_family *fam = NULL;

    assert_int_equal(pf_gauge_func_new(*state, "app_load_ratio", "Load.",
                                       return_arg, &value, &fam),
                     0);
    assert_non_null(fam);
    assert_render(*state, "# HELP app_load_ratio Load.\n"
                          "# TYPE app_load_ratio gauge\n"
                          "app_load_ratio 0.75\n");
    /* Called at every render. */
    value = -2.0;
    assert_render(*state, "# HELP app_load_ratio Load.\n"
                          "# TYPE app_load_ratio gauge\n"
                          "app_load_ratio -2\n");
    value = (double)NAN;
    assert_render(*state, "# HELP app_load_ratio Load.\n"
                          "# TYPE app_load_ratio gauge\n"
                          "app_load_ratio NaN\n");
}

static void gauge_func_new_rejects_bad_arguments(void **state)
{
    static double value = 1.0;
    pf_family *fam = NULL;

    assert_int_equal(
        pf_gauge_func_new(*state, "app_load_ratio", "Load.", NULL, NULL, &fam),
        -EINVAL);
    assert_int_equal(pf_gauge_func_new(*state, "app_load_total", "Load.",
                                       return_arg, &value, &fam),
                     -EINVAL);
    assert_null(fam);
    /* ret may be NULL. */
    assert_int_equal(pf_gauge_func_new(*state, "app_load_ratio", "Load.",
                                       return_arg, &value, NULL),
                     0);
    /* Same name, another callback argument: a different family. */
    assert_int_equal(pf_gauge_func_new(*state, "app_load_ratio", "Load.",
                                       return_arg, NULL, &fam),
                     -EEXIST);
    assert_null(fam);
}

typedef struct reentry {
    pf_registry *reg;
    pf_gauge *other;
    pf_family *fam;
    int calls;
    int rc_set;
    int rc_inc;
    int rc_new;
    pf_gauge *made;
} reentry;

/* A callback that uses the library on its own registry: updates, series
 * creation (the family lock) and registration (the registry lock). */
static double reenter(void *arg)
{
    reentry *r = arg;

    r->calls++;
    r->rc_set = pf_gauge_set(r->other, 7.0);
    r->rc_inc = pf_gauge_inc_labels(r->fam, "from_callback", NULL);
    r->rc_new = pf_gauge_new(r->reg, "app_made_in_callback",
                             "Registered by a callback.", &r->made);
    return 1.0;
}

static void gauge_func_may_call_library(void **state)
{
    static const char *const src[] = {"src", NULL};
    reentry r = {0};
    pf_gauge *g = NULL;
    char *text;

    r.reg = *state;
    assert_int_equal(pf_gauge_new(r.reg, "app_other", "Other.", &r.other), 0);
    assert_int_equal(
        pf_gauge_family_new(r.reg, "app_events", "Events.", src, &r.fam), 0);
    assert_int_equal(pf_gauge_func_new(r.reg, "app_callback", "Callback.",
                                       reenter, &r, NULL),
                     0);
    text = render_text(r.reg);
    assert_non_null(strstr(text, "\napp_callback 1\n"));
    free(text);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc_set, 0);
    assert_int_equal(r.rc_inc, 0);
    assert_int_equal(r.rc_new, 0);
    assert_same_double(value_of(r.other), 7.0);
    assert_int_equal(pf_gauge_with_labels(r.fam, &g, "from_callback", NULL), 0);
    assert_same_double(value_of(g), 1.0);
    assert_non_null(r.made);
    /* The next render shows what the callback did. */
    text = render_text(r.reg);
    assert_non_null(strstr(text, "\napp_other 7\n"));
    assert_non_null(strstr(text, "\napp_events{src=\"from_callback\"} "));
    assert_non_null(strstr(text, "\napp_made_in_callback 0\n"));
    free(text);
    assert_int_equal(r.calls, 2);
}

/* ---- Rendering --------------------------------------------------------- */

static void gauge_render_exact_text(void **state)
{
    static const char *const queue[] = {"queue", NULL};
    static const char *const pool_state[] = {"pool", "state", NULL};
    static double load = 0.75;
    pf_registry *reg = *state;
    pf_family *queues = NULL, *workers = NULL;
    pf_gauge *temp = NULL;

    assert_int_equal(pf_gauge_family_new(reg, "app_queue_length",
                                         "Jobs waiting\nper \\queue.", queue,
                                         &queues),
                     0);
    assert_int_equal(pf_gauge_family_new(reg, "app_workers",
                                         "Workers by state.", pool_state,
                                         &workers),
                     0);
    assert_int_equal(pf_gauge_new(reg, "app_temperature_celsius",
                                  "Room \"temperature\".", &temp),
                     0);
    assert_int_equal(pf_gauge_func_new(reg, "app_load_ratio", "Load per core.",
                                       return_arg, &load, NULL),
                     0);
    /* Created out of order: the render sorts by label values. */
    assert_int_equal(
        pf_gauge_set_labels(queues, (double)INFINITY, "urgent", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(queues, 7.0, "bulk", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(queues, -1.5, "a\"b\\c\nd", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(queues, 0.25, "", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(workers, 3.0, "web", "idle", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(workers, 1.0, "db", "busy", NULL), 0);
    assert_int_equal(pf_gauge_set_labels(workers, 2.0, "web", "busy", NULL), 0);
    assert_int_equal(pf_gauge_set(temp, 21.125), 0);

    assert_render(reg, "# HELP app_load_ratio Load per core.\n"
                       "# TYPE app_load_ratio gauge\n"
                       "app_load_ratio 0.75\n"
                       "# HELP app_queue_length Jobs waiting\\nper \\\\queue.\n"
                       "# TYPE app_queue_length gauge\n"
                       "app_queue_length{queue=\"\"} 0.25\n"
                       "app_queue_length{queue=\"a\\\"b\\\\c\\nd\"} -1.5\n"
                       "app_queue_length{queue=\"bulk\"} 7\n"
                       "app_queue_length{queue=\"urgent\"} +Inf\n"
                       "# HELP app_temperature_celsius Room \"temperature\".\n"
                       "# TYPE app_temperature_celsius gauge\n"
                       "app_temperature_celsius 21.125\n"
                       "# HELP app_workers Workers by state.\n"
                       "# TYPE app_workers gauge\n"
                       "app_workers{pool=\"db\",state=\"busy\"} 1\n"
                       "app_workers{pool=\"web\",state=\"busy\"} 2\n"
                       "app_workers{pool=\"web\",state=\"idle\"} 3\n");
}

int main(void)
{
#define T(f)                                                                   \
    cmocka_unit_test_setup_teardown(f, registry_setup, registry_teardown)
    const struct CMUnitTest tests[] = {
        T(gauge_new_starts_at_zero),
        T(gauge_new_twice_returns_same_handle),
        T(gauge_new_conflict_is_eexist),
        T(gauge_new_rejects_bad_arguments),
        T(gauge_set_stores_value),
        T(gauge_inc_dec_step_by_one),
        T(gauge_add_sub_change_value),
        T(gauge_set_accepts_nan_and_infinities),
        T(gauge_set_to_current_time_is_now),
        T(gauge_functions_reject_null),
        T(gauge_with_finds_or_creates),
        T(gauge_with_rejects_bad_values),
        T(gauge_labels_forms_create_series),
        T(gauge_labels_forms_reject_wrong_count),
        T(gauge_labels_forms_reject_null_family),
        T(gauge_functions_reject_other_types),
        T(gauge_func_value_is_rendered),
        T(gauge_func_new_rejects_bad_arguments),
        T(gauge_func_may_call_library),
        T(gauge_render_exact_text),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
