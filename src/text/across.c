/* SPDX-License-Identifier: MIT */
/*
 * The rules across the families and files of a scope (the files that
 * node_exporter reads together), applied as node_exporter's textfile
 * collector and client_golang's registry gather them: HELP and TYPE
 * compared with the first file's, the names histograms and summaries make
 * (checkSuffixCollisions()), and series of two files, whose labels each
 * file's family completes with "" on its own.
 */
#include "reader-int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Across families and files ---- */

static int cmp_sfam(const void *a, const void *b, void *ctx)
{
    const sfam *v = ctx, *x = &v[*(const size_t *)a],
               *y = &v[*(const size_t *)b];
    size_t m = x->nlen < y->nlen ? x->nlen : y->nlen;
    int d = memcmp(x->name, y->name, m);

    if (d)
        return d;
    if (x->nlen != y->nlen)
        return x->nlen < y->nlen ? -1 : 1;
    return (x->file > y->file) - (x->file < y->file);
}

/* Families that node_exporter would read: with samples, in a file it
 * does not refuse. */
static bool gathered(const pf_reader *r, const sfam *s)
{
    return s->nsamples > 0 && !r->files[s->file].refused;
}

static const char *type_of(const sfam *s)
{
    return s->crash ? PF_TYPE_NAME_GAUGE_HISTOGRAM : pf__type_name(s->type);
}

/* Do two families agree on TYPE and HELP? node_exporter gives those
 * without HELP one "Metric read from <files>": they agree. */
static bool same_meta(const sfam *a, const sfam *b)
{
    if (a->type != b->type || a->crash != b->crash)
        return false;
    if (!a->help || !b->help)
        return !a->help && !b->help;
    return a->help_len == b->help_len &&
           memcmp(a->help, b->help, a->help_len) == 0;
}

/* The first gathered family of the sorted run order[lo..hi) named
 * name[0..n), or NULL. */
static const sfam *find_sfam(const pf_reader *r, const size_t *order,
                             size_t nord, const char *name, size_t n)
{
    size_t lo = 0, hi = nord;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sfam *s = &r->sfams[order[mid]];
        size_t m = s->nlen < n ? s->nlen : n;
        int d = memcmp(s->name, name, m);

        if (d < 0 || (d == 0 && s->nlen < n))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < nord; lo++) {
        const sfam *s = &r->sfams[order[lo]];

        if (s->nlen != n || memcmp(s->name, name, n) != 0)
            return NULL;
        if (gathered(r, s))
            return s;
    }
    return NULL;
}

/* HELP and TYPE of each family across files, as client_golang's registry
 * compares them: against the first file's. */
static void check_conflicts(pf_reader *r, const size_t *order, size_t n)
{
    for (size_t i = 0, j; i < n; i = j) {
        const sfam *first = NULL;

        for (j = i; j < n; j++) {
            const sfam *s = &r->sfams[order[j]];

            if (j > i &&
                (s->nlen != r->sfams[order[i]].nlen ||
                 memcmp(s->name, r->sfams[order[i]].name, s->nlen) != 0))
                break;
            if (!gathered(r, s))
                continue;
            if (!first) {
                first = s;
                continue;
            }
            if (s->type != first->type || s->crash != first->crash)
                pf__reader_report(r, r->files[s->file].path, s->line,
                                  PF_RULE_CONFLICT,
                                  "the family %s is %s here but %s in %s: "
                                  "node_exporter drops its samples here",
                                  s->name, type_of(s), type_of(first),
                                  r->files[first->file].path);
            else if (!same_meta(s, first))
                pf__reader_report(
                    r, r->files[s->file].path, s->line, PF_RULE_CONFLICT,
                    "the family %s has %s here and %s in %s "
                    "(node_exporter gives a family without HELP "
                    "\"Metric read from <files>\"): its samples here "
                    "are dropped",
                    s->name, s->help ? "a HELP" : "no HELP",
                    !first->help ? "none"
                    : s->help    ? "another"
                                 : "one",
                    r->files[first->file].path);
        }
    }
}

/* The names a histogram or summary makes, _bucket, _sum and _count, as
 * client_golang's checkSuffixCollisions() finds them: among the families
 * of the scope and node_exporter's own. */
static int check_collisions(pf_reader *r, const size_t *order, size_t n)
{
    pf_buf b = {0};

    for (size_t i = 0; i < n; i++) {
        const sfam *s = &r->sfams[order[i]], *o;
        const pf_nodeexp_family *ne;
        enum pf_suffix sx;
        size_t base;

        if (!gathered(r, s) ||
            (i > 0 && find_sfam(r, order, n, s->name, s->nlen) != s))
            continue;
        /* Its own names, if it is a histogram or summary. */
        for (size_t k = PF_SUFFIX_BUCKET; k < PF_NSUFFIXES; k++) {
            if (s->crash ||
                (s->type != PF_TYPE_HISTOGRAM && s->type != PF_TYPE_SUMMARY) ||
                !pf__type_has_suffix(s->type, (enum pf_suffix)k))
                continue;
            b.len = 0;
            pf__buf_put(&b, s->name, s->nlen);
            pf__buf_put(&b, pf__suffix_name((enum pf_suffix)k),
                        pf__suffix_len((enum pf_suffix)k));
            pf__buf_putc(&b, '\0');
            if (b.failed) {
                pf__buf_release(&b);
                return -ENOMEM;
            }
            o = find_sfam(r, order, n, b.data, b.len - 1);
            if (o)
                pf__reader_report(r, r->files[o->file].path, o->line,
                                  PF_RULE_COLLISION,
                                  "%s collides with the %s %s (%s:%u), which "
                                  "makes that name: node_exporter drops one of "
                                  "them",
                                  o->name, type_of(s), s->name,
                                  r->files[s->file].path, s->line);
            ne = pf__nodeexp_family(b.data);
            if (ne)
                pf__reader_report(r, r->files[s->file].path, s->line,
                                  PF_RULE_COLLISION,
                                  "the %s %s makes the name %s, which "
                                  "node_exporter exports itself: it is dropped",
                                  type_of(s), s->name, b.data);
        }
        /* A name that one of node_exporter's histograms or summaries
         * makes. */
        sx = pf__suffix_of(s->name, s->nlen, &base);
        if (sx == PF_SUFFIX_NONE)
            continue;
        b.len = 0;
        pf__buf_put(&b, s->name, base);
        pf__buf_putc(&b, '\0');
        if (b.failed) {
            pf__buf_release(&b);
            return -ENOMEM;
        }
        ne = pf__nodeexp_family(b.data);
        if (ne && ((strcmp(ne->type, pf__type_name(PF_TYPE_SUMMARY)) == 0 &&
                    pf__type_has_suffix(PF_TYPE_SUMMARY, sx)) ||
                   strcmp(ne->type, pf__type_name(PF_TYPE_HISTOGRAM)) == 0))
            pf__reader_report(
                r, r->files[s->file].path, s->line, PF_RULE_COLLISION,
                "%s collides with node_exporter's own %s %s, which "
                "makes that name: it is dropped",
                s->name, ne->type, b.data);
    }
    pf__buf_release(&b);
    return 0;
}

/* The same series in two files: one metric to node_exporter only if
 * their families have the same label names (node_exporter completes
 * each file's label sets with "" on its own). */
static void check_across(pf_reader *r)
{
    const pf_text_key *k = r->series.keys;
    char b[120];

    for (size_t m = 0; m < r->nmulti; m++) {
        for (uint32_t j = k[r->multi[m]].d; j; j = k[j - 1].d) {
            const pf_text_key *e = &k[j - 1];
            const file_rec *fe = &r->files[e->b];
            const sfam *se = &r->sfams[fe->first_sfam + e->c];
            const pf_text_key *same = NULL, *other = NULL;

            if (fe->refused)
                continue;
            for (uint32_t i = r->multi[m] + 1; i != j; i = k[i - 1].d) {
                const pf_text_key *d = &k[i - 1];
                const file_rec *fd = &r->files[d->b];
                const sfam *sd = &r->sfams[fd->first_sfam + d->c];

                /* A conflict drops the family first. */
                if (fd->refused || !same_meta(sd, se))
                    continue;
                if (sd->names == se->names && !same)
                    same = d;
                else if (!other)
                    other = d;
            }
            if (same)
                pf__reader_report(
                    r, fe->path, e->a, PF_RULE_DUPLICATE_ACROSS,
                    "the series %s is also in %s:%u: node_exporter "
                    "drops one",
                    pf__text_key_shown(b, sizeof(b), e->key, e->len),
                    r->files[same->b].path, same->a);
            else if (other)
                pf__reader_report(
                    r, fe->path, e->a, PF_RULE_DUPLICATE_INGEST,
                    "the series %s is also in %s:%u once empty "
                    "labels are dropped: node_exporter serves both, "
                    "Prometheus keeps one",
                    pf__text_key_shown(b, sizeof(b), e->key, e->len),
                    r->files[other->b].path, other->a);
        }
    }
}

int pf__reader_finish(pf_reader *r)
{
    size_t *order = NULL;
    int ret = 0;

    if (r->in_file) {
        ret = pf__reader_end(r);
        if (ret < 0)
            return ret;
    }
    if (r->nsfams) {
        order = pf__calloc(r->nsfams, sizeof(*order));
        if (!order)
            return -ENOMEM;
        for (size_t i = 0; i < r->nsfams; i++)
            order[i] = i;
        qsort_r(order, r->nsfams, sizeof(*order), cmp_sfam, r->sfams);
        check_conflicts(r, order, r->nsfams);
        ret = check_collisions(r, order, r->nsfams);
        if (ret == 0)
            check_across(r);
        pf__free(order);
    }
    pf__text_scope_clear(r);
    return ret;
}
