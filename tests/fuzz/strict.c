/* SPDX-License-Identifier: MIT */
#include "strict.h"

#include <stdio.h>
#include <stdlib.h>

#include "text/reader.h"

static void on_diag(void *ctx, const pf_reader_diag *d)
{
    unsigned *bad = ctx;

    if (d->rule == PF_RULE_EMPTY)
        return;
    fprintf(stderr, "fuzz_strict: line %u: %s: %s\n", d->line,
            pf__rule_info(d->rule)->name, d->text);
    (*bad)++;
}

void fuzz_strict(const char *text, size_t len)
{
    unsigned bad = 0;
    pf_reader_opts o = {on_diag, NULL, &bad, false, 0};
    pf_reader *r;

    if (pf__reader_new(&o, &r) < 0)
        return;
    if (pf__reader_begin(r, "render") == 0 &&
        pf__reader_feed(r, text, len) == 0 && pf__reader_end(r) == 0)
        pf__reader_finish(r);
    pf__reader_free(r);
    if (bad) {
        fprintf(stderr, "fuzz_strict: the render:\n%.*s\n",
                (int)(len > 2000 ? 2000 : len), text);
        abort();
    }
}
