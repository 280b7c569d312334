/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the one-call lookup API with random label bytes, as
 * they come from the network (user names, addresses), under each value
 * policy. Lookups of the same values must find the same series, counts
 * must add up, and the render must read clean to the reader of promfile
 * check, warnings included (strict.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pf-internal.h"
#include "strict.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const labels[] = {"kind", "user", "addr", NULL};
    char *buf, *text, *v[3];
    pf_registry *reg;
    pf_family *f;
    size_t len;
    unsigned policy;
    long ok = 0;

    if (size < 1)
        return 0;
    policy = data[0] & 3;
    buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    if (pf_registry_new(&reg) < 0) {
        free(buf);
        return 0;
    }
    pf_registry_set_value_policy(reg, policy & 1 ? 16 : 0,
                                 (policy & 1 ? PF_VALUES_TRUNCATE : 0) |
                                     (policy & 2 ? PF_VALUES_REPLACE : 0));
    pf_registry_set_max_series(reg, 64);
    if (pf_counter_family_new(reg, "fuzz_logins_total", "Logins.", labels, &f) <
        0)
        abort();
    /* Walk the input: each NUL-separated triple is a lookup. */
    for (char *p = buf, *end = buf + size - 1; p < end;) {
        for (int i = 0; i < 3; i++) {
            v[i] = p;
            p += strlen(p) + 1;
            if (p > end)
                p = end;
        }
        if (pf_counter_inc_labels(f, v[0], v[1], v[2], NULL) == 0) {
            pf_counter *a, *b;

            ok++;
            /* The same values find the same series. */
            if (pf_counter_with_labels(f, &a, v[0], v[1], v[2], NULL) != 0 ||
                pf_counter_with((pf_family *)f,
                                (const char *const[]){v[0], v[1], v[2]},
                                &b) != 0 ||
                a != b)
                abort();
        }
    }
    if (pf_registry_render(reg, &text, &len) == 0) {
        /* Every accepted increment is in some series. */
        double total = 0;
        size_t n = atomic_load(&f->nseries);

        for (size_t i = 0; i < n; i++)
            total += (double)pf__counter_count(pf__family_series_at(f, i));
        if (total != (double)ok)
            abort();
        fuzz_strict(text, len);
        free(text);
    }
    pf_registry_free(reg);
    free(buf);
    return 0;
}
