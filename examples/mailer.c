/* SPDX-License-Identifier: MIT */
/*
 * mailer: the program of the README's "Instrument your C program in 5
 * minutes", whole: the README shows this file from the #include on, in
 * steps (tests/check-readme.sh compares them). It counts logins as the
 * mox mail server does, in a textfile for node_exporter: the ini file
 * $PROMFILE_CONFIG names chooses where (every default if unset).
 */
#include <stdio.h>
#include <promfile.h>

static pf_family *auth_total;
static pf_writer *writer;

static int metrics_init(void)
{
    static const char *const labels[] = {"kind", "variant", "result", NULL};

    if (pf_counter_family_new(NULL, "mox_authentication_total",
                              "Authentication attempts and results.", labels,
                              &auth_total) < 0) {
        fprintf(stderr, "metrics: %s\n", pf_last_error());
        return -1;
    }
    /* The admin's ini file, named by $PROMFILE_CONFIG; if it is unset,
     * every default: Debian's textfile directory, <program>.prom, 15s. */
    if (pf_writer_start_ini(NULL, NULL, NULL, &writer) < 0) {
        fprintf(stderr, "metrics: %s\n", pf_last_error());
        return -1;
    }
    return 0;
}

static void count_login(const char *kind, const char *variant, int ok)
{
    pf_counter_inc_labels(auth_total, kind, variant, ok ? "ok" : "badcreds",
                          NULL);
}

static pf_counter *imap_plain_ok;

static int metrics_bind(void)
{
    return pf_counter_with_labels(auth_total, &imap_plain_ok, "imap", "plain",
                                  "ok", NULL);
}

static void count_imap_plain_ok(void)
{
    pf_counter_inc(imap_plain_ok);
}

static int metrics_exit(void)
{
    int r = pf_writer_stop(writer);

    if (r < 0)
        fprintf(stderr, "metrics: the last write failed: %s\n", pf_strerror(r));
    return r;
}

int main(void)
{
    if (metrics_init() < 0 || metrics_bind() < 0)
        return 1;
    count_login("imap", "plain", 1);
    count_login("smtp", "scram-sha-256", 0);
    count_imap_plain_ok();
    return metrics_exit() < 0;
}
