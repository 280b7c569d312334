/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: registration and rendering with arbitrary names, HELP
 * texts, label names, label values and constant labels. Whatever is
 * accepted must render to text that the reader of promfile check finds
 * clean, warnings included (strict.h): escaping, UTF-8, names, no "__"
 * label, values, promtool's lints, duplicates.
 */
#include <stdlib.h>
#include <string.h>

#include "pf-internal.h"
#include "strict.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Split the input at NUL bytes into at most n strings. */
static size_t split(char *buf, size_t size, char **out, size_t n)
{
    size_t k = 0;
    char *p = buf, *end = buf + size;

    while (k < n && p < end) {
        out[k++] = p;
        p += strlen(p) + 1;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *buf = malloc(size + 1), *s[12], *text;
    const char *labels[4] = {0}, *values[3];
    pf_registry *reg;
    pf_family *f;
    size_t n, len;
    double v;
    int r;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    n = split(buf, size + 1, s, 12);
    if (n < 9 || pf_registry_new(&reg) < 0) {
        free(buf);
        return 0;
    }
    /* s: 0 name, 1 help, 2-4 label names, 5-7 values, 8 const name,
     * 9 const value, 10 type, 11 a number. */
    for (size_t i = 0; i < 3; i++) {
        labels[i] = s[2 + i][0] ? s[2 + i] : NULL;
        if (!labels[i])
            break;
    }
    pf_registry_set_label(reg, s[8], n > 9 ? s[9] : "x");
    v = n > 11 ? strtod(s[11], NULL) : 1;
    switch (n > 10 ? s[10][0] % 3 : 0) {
    case 0:
        r = pf_counter_family_new(reg, s[0], s[1], labels, &f);
        break;
    case 1:
        r = pf_gauge_family_new(reg, s[0], s[1], labels, &f);
        break;
    default:
        r = pf_histogram_family_new(reg, s[0], s[1], labels, NULL, 0, &f);
        break;
    }
    if (r == 0) {
        size_t k = 0;

        while (k < 3 && labels[k])
            k++;
        for (size_t i = 0; i < k; i++)
            values[i] = s[5 + i];
        if (f->type == PF_TYPE_COUNTER) {
            pf_counter *c;

            if (pf_counter_with(f, values, &c) == 0)
                pf_counter_add(c, v);
        } else if (f->type == PF_TYPE_GAUGE) {
            pf_gauge *g;

            if (pf_gauge_with(f, values, &g) == 0)
                pf_gauge_set(g, v);
        } else {
            pf_histogram *h;

            if (pf_histogram_with(f, values, &h) == 0)
                pf_histogram_observe(h, v);
        }
    }
    if (pf_registry_render(reg, &text, &len) == 0) {
        fuzz_strict(text, len);
        free(text);
    }
    pf_registry_free(reg);
    free(buf);
    return 0;
}
