/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: random bytes read by the reader of promfile check
 * (src/text/reader.h), as one file or as the files of a directory, in
 * chunks of any size. It must never crash, leak or hang, and the chunks
 * must not matter: read whole or cut anywhere, a text gives the same
 * problems and the same lines.
 *
 * The first byte chooses: bits 0-4 the chunk size - 1, bits 5-6 the
 * number of files - 1 (the rest of the input split evenly), bit 7 the
 * lints off.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf-internal.h"
#include "text/reader.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A digest of what a reading reported and read. */
typedef struct digest {
    uint64_t h;
    unsigned n;
} digest;

static void mix(digest *d, uint64_t v)
{
    d->h = (d->h ^ v) * 0x100000001b3ULL;
    d->n++;
}

static void on_diag(void *ctx, const pf_reader_diag *d)
{
    mix(ctx, ((uint64_t)d->line << 8) ^ (uint64_t)d->rule);
}

static void on_line(void *ctx, const pf_reader_line *l)
{
    mix(ctx, ((uint64_t)l->no << 32) ^ (l->off << 4) ^ l->kind);
    if (l->kind == PF_LINE_SAMPLE) {
        mix(ctx, l->voff ^ ((uint64_t)l->vlen << 40));
        for (size_t i = 0; i < l->keylen; i++)
            mix(ctx, (unsigned char)l->key[i]);
    }
}

/* Read the input as nfiles files, fed in chunks of `chunk` bytes (0:
 * whole). Returns the digest; aborts if the reader fails or leaks. */
static digest read_all(const unsigned char *p, size_t n, size_t nfiles,
                       size_t chunk, bool no_lint)
{
    digest d = {0xcbf29ce484222325ULL, 0};
    pf_reader_opts o = {on_diag, on_line, &d, no_lint, 0};
    long live = pf__alloc_live();
    size_t per = n / nfiles;
    pf_reader *r;

    if (pf__reader_new(&o, &r) < 0)
        abort();
    for (size_t f = 0; f < nfiles; f++) {
        const unsigned char *q = p + f * per;
        size_t m = f + 1 == nfiles ? n - f * per : per;
        char path[16] = "a.prom";
        pf_reader_family fam;

        path[0] = (char)('a' + f);
        if (pf__reader_begin(r, path) < 0)
            abort();
        for (size_t off = 0; off < m;) {
            size_t k = chunk && chunk < m - off ? chunk : m - off;

            if (pf__reader_feed(r, q + off, k) < 0)
                abort();
            off += k;
        }
        if (pf__reader_end(r) < 0)
            abort();
        /* The families of the file, for the edit commands. */
        for (int i = 0; pf__reader_family(r, i, &fam) == 0; i++) {
            pf_reader_family again;

            if (pf__reader_family_of(r, fam.name, &again) < 0)
                abort();
            mix(&d, fam.nsamples ^ ((uint64_t)fam.type << 56));
        }
    }
    if (pf__reader_finish(r) < 0)
        abort();
    mix(&d, pf__reader_errors(r));
    mix(&d, pf__reader_warnings(r));
    pf__reader_free(r);
    if (pf__alloc_live() != live)
        abort();
    return d;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t chunk, nfiles;
    bool no_lint;
    digest whole, cut;

    if (size < 1)
        return 0;
    chunk = 1 + (data[0] & 31);
    nfiles = 1 + ((data[0] >> 5) & 3);
    no_lint = data[0] >> 7;
    whole = read_all(data + 1, size - 1, nfiles, 0, no_lint);
    cut = read_all(data + 1, size - 1, nfiles, chunk, no_lint);
    if (whole.h != cut.h || whole.n != cut.n)
        abort();
    /* The same bytes as a series of the command line. */
    {
        pf_reader_series s;
        enum pf_rule rule;
        char msg[200];
        size_t n = size - 1 < 200 ? size - 1 : 200;

        if (pf__reader_parse_series((const char *)data + 1, n, &s, &rule, msg,
                                    sizeof(msg)) == 0)
            pf__reader_series_clear(&s);
    }
    return 0;
}
