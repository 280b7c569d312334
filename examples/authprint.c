/* SPDX-License-Identifier: MIT */
/*
 * authprint: count a few authentication attempts with auth_metrics and
 * print the default registry as node_exporter would read it.
 *
 *   $ examples/authprint
 *   # HELP mox_authentication_ratelimited_total Authentication attempts ...
 */
#include <stdio.h>

#include <promfile.h>

#include "auth_metrics.h"

int main(void)
{
    int r = auth_metrics_init(NULL);

    if (r < 0) {
        fprintf(stderr, "authprint: %s: %s\n", pf_strerror(r), pf_last_error());
        return 1;
    }
    authentication_inc("imap", "plain", "ok");
    authentication_inc("imap", "plain", "ok");
    authentication_inc("submission", "scram-sha-256", "badpassword");
    authentication_inc("webmail", "weblogin", "ok");
    authentication_ratelimited_inc("imap");
    r = pf_registry_render_file(NULL, stdout);
    if (r < 0) {
        fprintf(stderr, "authprint: %s\n", pf_strerror(r));
        return 1;
    }
    return 0;
}
