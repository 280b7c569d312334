/* SPDX-License-Identifier: MIT */
/*
 * The mox mail server's authentication metrics, ported to C. In Go:
 *
 *   metricAuth = promauto.NewCounterVec(prometheus.CounterOpts{
 *       Name: "mox_authentication_total", Help: "..."},
 *       []string{"kind", "variant", "result"})
 *   metricAuth.WithLabelValues(kind, variant, result).Inc()
 */
#include "auth_metrics.h"

#include <stddef.h>

const char *const auth_kinds[] = {
    "submission", "imap", "webmail", "webapi", "webaccount", "webadmin", NULL,
};

const char *const auth_variants[] = {
    "login",    "plain",         "scram-sha-256", "scram-sha-1",   "cram-md5",
    "weblogin", "websessionuse", "httpbasic",     "tlsclientauth", NULL,
};

const char *const auth_results[] = {
    "ok",          "baduser", "badpassword", "badcreds",
    "badchanbind", "error",   "aborted",     NULL,
};

static pf_family *auth_total;
static pf_family *auth_ratelimited_total;

int auth_metrics_init(pf_registry *reg)
{
    static const char *const auth_labels[] = {"kind", "variant", "result",
                                              NULL};
    static const char *const ratelimit_labels[] = {"kind", NULL};
    int r;

    r = pf_counter_family_new(reg, "mox_authentication_total",
                              "Authentication attempts and results.",
                              auth_labels, &auth_total);
    if (r < 0)
        return r;
    return pf_counter_family_new(
        reg, "mox_authentication_ratelimited_total",
        "Authentication attempts that were refused due to rate limiting.",
        ratelimit_labels, &auth_ratelimited_total);
}

int auth_metrics_create_all(void)
{
    for (size_t k = 0; auth_kinds[k]; k++) {
        pf_counter *c;
        int r = pf_counter_with_labels(auth_ratelimited_total, &c,
                                       auth_kinds[k], NULL);

        if (r < 0)
            return r;
        for (size_t v = 0; auth_variants[v]; v++)
            for (size_t res = 0; auth_results[res]; res++) {
                r = pf_counter_with_labels(auth_total, &c, auth_kinds[k],
                                           auth_variants[v], auth_results[res],
                                           NULL);
                if (r < 0)
                    return r;
            }
    }
    return 0;
}

int authentication_inc(const char *kind, const char *variant,
                       const char *result)
{
    return pf_counter_inc_labels(auth_total, kind, variant, result, NULL);
}

int authentication_ratelimited_inc(const char *kind)
{
    return pf_counter_inc_labels(auth_ratelimited_total, kind, NULL);
}
