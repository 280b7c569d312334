/* SPDX-License-Identifier: MIT */
/*
 * auth_metrics: the authentication metrics of the mox mail server
 * (its metrics package), ported to C on libpromfile.
 *
 *   mox_authentication_total{kind, variant, result}
 *   mox_authentication_ratelimited_total{kind}
 */
#ifndef AUTH_METRICS_H
#define AUTH_METRICS_H

#include <promfile.h>

/* The label values mox uses, for simulations and for creating every series
 * up front. Each array ends with NULL. */
extern const char *const auth_kinds[];    /* submission, imap, webmail, ... */
extern const char *const auth_variants[]; /* login, plain, scram-sha-256, ... */
extern const char *const auth_results[];  /* ok, baduser, badpassword, ... */

/* Register both families in `reg` (NULL: the default registry). Returns 0
 * or a negative errno; pf_last_error() says why. */
int auth_metrics_init(pf_registry *reg);

/* Create every kind x variant x result series (and every kind of the rate
 * limit counter) at 0, so that each is exported before its first event. */
int auth_metrics_create_all(void);

/* Count one authentication attempt, e.g. ("imap", "plain", "ok"). */
int authentication_inc(const char *kind, const char *variant,
                       const char *result);

/* Count one attempt refused by rate limiting. */
int authentication_ratelimited_inc(const char *kind);

#endif
