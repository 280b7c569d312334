/* SPDX-License-Identifier: MIT */
/*
 * Rendering registries as Prometheus text format 0.0.4, the dialect
 * node_exporter's textfile collector parses (../shared/TEXTFILE.md):
 * families sorted by name, each one contiguous block with one HELP and one
 * TYPE line, series sorted by label values, no timestamps, a final newline.
 *
 * The renderer takes no lock that updates or lookups take. It reads each
 * family's creation-order series list up to the count published with
 * release, and keeps each family's series linked in label value order,
 * merging new series in, so that a steady-state render is linear in the
 * number of series and needs no memory but the output.
 */
#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "counter.h"
#include "error.h"
#include "gauge.h"
#include "histogram.h"
#include "lock.h"

/* ---- Series in label value order ------------------------------------- */

/* The series linked as `link` (a creation index + 1). */
static inline pf_series *at(const pf_family *f, uint32_t link)
{
    return pf__family_series_at(f, link - 1);
}

/* Merge the sorted lists a and b, both linked through pf_series.next. */
static uint32_t merge(const pf_family *f, uint32_t a, uint32_t b)
{
    uint32_t head = 0, *tail = &head;

    while (a && b) {
        pf_series *x = at(f, a), *y = at(f, b);

        if (pf__series_cmp(x, y) <= 0) {
            *tail = a;
            tail = &x->next;
            a = x->next;
        } else {
            *tail = b;
            tail = &y->next;
            b = y->next;
        }
    }
    *tail = a ? a : b;
    return head;
}

/* Link the series created since the last render into f's sorted list:
 * a bottom-up merge sort of the new ones (bins[i] holds a sorted run of
 * 2^i), then one merge with the list. No memory is allocated: the order
 * lives in the series themselves. Under the registry's render_mu. */
static void update_sorted(pf_family *f)
{
    size_t n = pf__family_nseries(f);
    uint32_t bins[64] = {0}, run = 0;
    size_t i;

    if (n == f->nsorted)
        return;
    for (i = f->nsorted; i < n; i++) {
        uint32_t carry = (uint32_t)i + 1;
        size_t b;

        at(f, carry)->next = 0;
        for (b = 0; bins[b]; b++) {
            carry = merge(f, bins[b], carry);
            bins[b] = 0;
        }
        bins[b] = carry;
    }
    for (i = 0; i < 64; i++)
        if (bins[i])
            run = merge(f, bins[i], run);
    f->sorted_head = merge(f, f->sorted_head, run);
    f->nsorted = n;
}

/* ---- Lines ------------------------------------------------------------ */

typedef struct render_ctx {
    pf_buf *out;
    /* name="value",... of the labels after a series' own: its registry's
     * constant labels, then the extra ones it does not shadow. */
    const char *tail;
    size_t ntail;
} render_ctx;

static void put_name(pf_buf *b, const char *name, enum pf_suffix sfx)
{
    pf__buf_put(b, name, strlen(name));
    pf__buf_put(b, pf__suffix_name(sfx), pf__suffix_len(sfx));
}

/* name="value",... for the series' labels and the tail, without
 * braces. */
static void put_label_pairs(const render_ctx *c, const pf_family *f,
                            const pf_series *s)
{
    pf_buf *b = c->out;
    const char *p = s ? s->values : NULL;

    for (size_t i = 0; i < f->nlabels; i++) {
        size_t len = strlen(p);

        if (i)
            pf__buf_putc(b, ',');
        pf__buf_put(b, f->labels[i], strlen(f->labels[i]));
        pf__buf_puts(b, "=\"");
        pf__buf_put_label_value(b, p, len);
        pf__buf_putc(b, '"');
        p += len + 1;
    }
    if (c->ntail) {
        if (f->nlabels)
            pf__buf_putc(b, ',');
        pf__buf_put(b, c->tail, c->ntail);
    }
}

static void put_header(pf_buf *b, const char *name, const char *help,
                       enum pf_type type)
{
    const char *t = pf__type_name(type);

    pf__buf_puts(b, "# HELP ");
    put_name(b, name, PF_SUFFIX_NONE);
    pf__buf_putc(b, ' ');
    pf__buf_put_help(b, help, strlen(help));
    pf__buf_puts(b, "\n# TYPE ");
    put_name(b, name, PF_SUFFIX_NONE);
    pf__buf_putc(b, ' ');
    pf__buf_put(b, t, strlen(t));
    pf__buf_putc(b, '\n');
}

/* name{labels} for a counter or gauge sample. */
static void put_sample_start(const render_ctx *c, const pf_family *f,
                             const pf_series *s)
{
    put_name(c->out, f->name, PF_SUFFIX_NONE);
    if (f->nlabels || c->ntail) {
        pf__buf_putc(c->out, '{');
        put_label_pairs(c, f, s);
        pf__buf_putc(c->out, '}');
    }
    pf__buf_putc(c->out, ' ');
}

static void put_counter(const render_ctx *c, const pf_family *f,
                        const pf_series *s)
{
    uint64_t n = pf__counter_count(s);
    double fraction = pf__counter_fraction(s);

    put_sample_start(c, f, s);
    /* Whole counts are exact in 64 bits; only a counter that was given
     * fractions is rendered through a double. */
    if (fraction == 0)
        pf__buf_put_u64(c->out, n);
    else
        pf__buf_put_double(c->out, (double)n + fraction);
    pf__buf_putc(c->out, '\n');
}

/* The header of f, before its first sample. */
static void put_header_once(const render_ctx *c, const pf_family *f,
                            bool *header)
{
    if (!*header)
        put_header(c->out, f->name, f->help, f->type);
    *header = true;
}

static void put_gauge(const render_ctx *c, const pf_family *f,
                      const pf_series *s, bool *header)
{
    double v;

    if (!pf__gauge_read(s, &v))
        return;
    put_header_once(c, f, header);
    put_sample_start(c, f, s);
    pf__buf_put_double(c->out, v);
    pf__buf_putc(c->out, '\n');
}

/* A gauge of a shared registry, PF_GAUGE_PER_WORKER: a sample per live
 * worker, labeled worker="<slot>" after the series' own labels. */
static void put_gauge_per_worker(const render_ctx *c, const pf_family *f,
                                 const pf_series *s, bool *header)
{
    for (unsigned slot = 0; slot < pf__shared_nslots(f->shared); slot++) {
        render_ctx wc = *c;
        pf_buf tail = {0};
        double v;

        if (!pf__gauge_slot_value(s, slot, &v))
            continue;
        put_header_once(c, f, header);
        pf__buf_puts(&tail, PF_WORKER_LABEL "=\"");
        pf__buf_put_u64(&tail, slot);
        pf__buf_putc(&tail, '"');
        if (c->ntail) {
            pf__buf_putc(&tail, ',');
            pf__buf_put(&tail, c->tail, c->ntail);
        }
        if (tail.failed) {
            c->out->failed = true;
            pf__buf_release(&tail);
            return;
        }
        wc.tail = tail.data;
        wc.ntail = tail.len;
        put_sample_start(&wc, f, s);
        pf__buf_put_double(c->out, v);
        pf__buf_putc(c->out, '\n');
        pf__buf_release(&tail);
    }
}

/* Append again the len bytes at off in b: a series' label pairs, rendered
 * once for its first line (b->data may move as it grows). */
static void put_again(pf_buf *b, size_t off, size_t len)
{
    if (pf__buf_grow(b, len)) {
        memcpy(b->data + b->len, b->data + off, len);
        b->len += len;
    }
}

/* One histogram series. The buckets are read first (acquire), then the
 * sum: an observation adds to the sum before its bucket (release), so the
 * sum covers at least every observation counted. _count is the total of
 * the buckets read, so +Inf == _count and the buckets are cumulative in
 * every render, whatever other threads do meanwhile. */
static void put_histogram(const render_ctx *c, const pf_family *f,
                          const pf_series *s)
{
    pf_buf *b = c->out;
    uint64_t cum = 0;
    size_t off = 0, len = 0;
    bool has_labels = f->nlabels || c->ntail;

    for (size_t i = 0; i <= f->hist.nbuckets; i++) {
        cum += pf__histogram_bucket(s, i);
        put_name(b, f->name, PF_SUFFIX_BUCKET);
        pf__buf_putc(b, '{');
        if (i == 0) {
            /* Render the label pairs once; copy them for later lines. */
            off = b->len;
            put_label_pairs(c, f, s);
            len = b->len - off;
        } else {
            put_again(b, off, len);
        }
        if (has_labels)
            pf__buf_putc(b, ',');
        pf__buf_puts(b, PF_LABEL_LE "=\"");
        if (i < f->hist.nbuckets)
            pf__buf_put(b, f->hist.le[i], strlen(f->hist.le[i]));
        else
            pf__buf_puts(b, PF_VALUE_PINF);
        pf__buf_puts(b, "\"} ");
        pf__buf_put_u64(b, cum);
        pf__buf_putc(b, '\n');
    }
    for (enum pf_suffix sfx = PF_SUFFIX_SUM; sfx <= PF_SUFFIX_COUNT; sfx++) {
        put_name(b, f->name, sfx);
        if (has_labels) {
            pf__buf_putc(b, '{');
            put_again(b, off, len);
            pf__buf_putc(b, '}');
        }
        pf__buf_putc(b, ' ');
        if (sfx == PF_SUFFIX_COUNT)
            pf__buf_put_u64(b, cum);
        else
            pf__buf_put_double(b, pf__histogram_sum(s));
        pf__buf_putc(b, '\n');
    }
}

static void render_family(const render_ctx *c, pf_family *f)
{
    bool header = false;

    update_sorted(f);
    for (uint32_t link = f->sorted_head; link;) {
        const pf_series *s = at(f, link);

        link = s->next;
        if (pf__series_deleted(s))
            continue;
        /* A family without visible samples is left out altogether. */
        switch (f->type) {
        case PF_TYPE_COUNTER:
            put_header_once(c, f, &header);
            put_counter(c, f, s);
            break;
        case PF_TYPE_GAUGE:
            if (f->shared && f->mode == PF_GAUGE_PER_WORKER)
                put_gauge_per_worker(c, f, s, &header);
            else
                put_gauge(c, f, s, &header);
            break;
        case PF_TYPE_HISTOGRAM:
            put_header_once(c, f, &header);
            put_histogram(c, f, s);
            break;
        case PF_TYPE_UNTYPED:
        case PF_TYPE_SUMMARY:
            /* The library makes no family of these types. */
            break;
        }
    }
}

static void render_func(const render_ctx *c, const pf_family *f, double v)
{
    /* A counter can only go up from zero: a callback that says otherwise
     * has its sample left out rather than written wrong. */
    if (f->type == PF_TYPE_COUNTER && !(v >= 0))
        return;
    put_header(c->out, f->name, f->help, f->type);
    put_sample_start(c, f, pf__family_fixed(f));
    pf__buf_put_double(c->out, v);
    pf__buf_putc(c->out, '\n');
}

/* ---- Labels after a series' own ------------------------------------- */

/* Is `name` one of the n NUL-terminated names at names? */
static bool in_names(const char *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++, names += strlen(names) + 1)
        if (strcmp(names, name) == 0)
            return true;
    return false;
}

static bool in_array(const char *const *a, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i], name) == 0)
            return true;
    return false;
}

/* The tail of a family of snapshot s with the labels `own` (n of them):
 * s's constant labels, then each extra label that neither shadows. */
static void make_tail(pf_buf *b, const pf_snapshot *s,
                      const pf_label_set *extra, const char *const *own,
                      size_t n)
{
    pf__buf_put(b, s->pairs.data ? s->pairs.data : "", s->pairs.len);
    for (size_t i = 0; extra && i < extra->n; i++) {
        const char *name = extra->names[i], *v = extra->values[i];

        if (in_names(s->names.data, s->nconst, name) || in_array(own, n, name))
            continue;
        if (b->len)
            pf__buf_putc(b, ',');
        pf__buf_put(b, name, strlen(name));
        pf__buf_puts(b, "=\"");
        pf__buf_put_label_value(b, v, strlen(v));
        pf__buf_putc(b, '"');
    }
}

/* Does a family with labels `own` shadow one of the extra labels? */
static bool shadows(const pf_label_set *extra, const char *const *own, size_t n)
{
    for (size_t i = 0; extra && i < extra->n; i++)
        if (in_array(own, n, extra->names[i]))
            return true;
    return false;
}

/* ---- promfile_series_dropped_total ------------------------------------
 *
 * Each family counts the series it dropped at its limit; the renderer
 * writes them all as one family of the library's, with a series per
 * family that dropped any (issue 13: no family of the registry is kept
 * for it, and no update call made for it). */

static const char *const dropped_label[] = {PF_DROPPED_LABEL, NULL};

/* The families to render, each with its registry. */
typedef struct entry {
    pf_family *fam;
    size_t reg;
    double value; /* callback families: what the callback returned */
} entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->fam->name, ((const entry *)b)->fam->name);
}

static void render_dropped(pf_buf *out, const entry *e, size_t n,
                           const pf_buf *dtails)
{
    bool header = false;

    for (size_t i = 0; i < n; i++) {
        const pf_family *f = e[i].fam;
        /* A shared family's are every process's. */
        uint64_t d =
            f->dropped_cell
                ? pf__shared_sum_u64(f->shared, pf__shared_cell_index(
                                                    f->shared, f->dropped_cell))
                : atomic_load_explicit(&f->dropped, memory_order_relaxed);
        const pf_buf *t = &dtails[e[i].reg];

        if (!d)
            continue;
        if (!header) {
            put_header(out, PF_DROPPED_NAME, PF_DROPPED_HELP, PF_TYPE_COUNTER);
            header = true;
        }
        pf__buf_puts(out, PF_DROPPED_NAME "{" PF_DROPPED_LABEL "=\"");
        pf__buf_put_label_value(out, e[i].fam->name, strlen(e[i].fam->name));
        pf__buf_putc(out, '"');
        if (t->len) {
            pf__buf_putc(out, ',');
            pf__buf_put(out, t->data, t->len);
        }
        pf__buf_puts(out, "} ");
        pf__buf_put_u64(out, d);
        pf__buf_putc(out, '\n');
    }
}

/* ---- The render ----------------------------------------------------- */

/* At most this many registries render together (a writer: the caller's
 * and its own). */
#define MAX_REGS 4

int pf__render(pf_registry *const *regs, size_t nregs,
               const pf_label_set *extra, pf_buf *out)
{
    pf_snapshot snap[MAX_REGS] = {{0}};
    /* Per registry: the tail of its families, and that of its series of
     * promfile_series_dropped_total (whose own label is "family"). */
    pf_buf tails[MAX_REGS] = {{0}}, dtails[MAX_REGS] = {{0}};
    pf_buf scratch = {0};
    size_t start = out->len, hint, n = 0;
    bool dropped_done = false;
    entry *e = NULL;
    int r = 0;

    if (nregs > MAX_REGS || nregs == 0)
        return -EINVAL;
    /* The last render's size, and a little more for growth. */
    hint = atomic_load_explicit(&regs[0]->render_hint, memory_order_relaxed);
    /* Copy the family lists and the constant labels under each registry's
     * lock; render without them. */
    for (size_t k = 0; k < nregs && r == 0; k++) {
        r = pf__registry_snapshot(regs[k], &snap[k]);
        n += snap[k].nfams;
    }
    if (r == 0)
        e = pf__malloc((n ? n : 1) * sizeof(*e));
    if (!e)
        r = -ENOMEM;
    if (r < 0)
        goto out;
    n = 0;
    for (size_t k = 0; k < nregs; k++) {
        for (size_t i = 0; i < snap[k].nfams; i++)
            e[n++] = (entry){snap[k].fams[i], k, 0};
        make_tail(&tails[k], &snap[k], extra, NULL, 0);
        make_tail(&dtails[k], &snap[k], extra, dropped_label, 1);
        if (tails[k].failed || dtails[k].failed)
            r = -ENOMEM;
    }
    if (r < 0)
        goto out;
    if (nregs > 1)
        qsort(e, n, sizeof(*e), cmp_entry);
    /* Size the buffer once: from the last render, or the first time from
     * the number of lines to come. Growing by doubling would leave the
     * small early buffers behind in the heap, and copy. */
    if (!hint) {
        hint = 4096;
        for (size_t i = 0; i < n; i++)
            hint += 64 * pf__family_nseries(e[i].fam) *
                    (e[i].fam->type == PF_TYPE_HISTOGRAM
                         ? e[i].fam->hist.nbuckets + 3
                         : 1);
    }
    if (!pf__buf_grow(out, hint + hint / 16 + 4096)) {
        r = -ENOMEM;
        goto out;
    }

    /* Callbacks run with no lock held: they may use the library. */
    for (size_t i = 0; i < n; i++)
        if (e[i].fam->fn)
            e[i].value = e[i].fam->fn(e[i].fam->arg);

    /* One section for all the render locks: sections do not nest. */
    pf__fork_enter();
    for (size_t k = 0; k < nregs; k++)
        pthread_mutex_lock(&regs[k]->render_mu);
    for (size_t i = 0; i <= n; i++) {
        const entry *x = i < n ? &e[i] : NULL;
        render_ctx c = {out, NULL, 0};
        const pf_buf *tail;

        /* The library's family, in its place in name order. */
        if (!dropped_done &&
            (!x || strcmp(PF_DROPPED_NAME, x->fam->name) < 0)) {
            render_dropped(out, e, n, dtails);
            dropped_done = true;
        }
        if (!x)
            break;
        tail = &tails[x->reg];
        if (shadows(extra, (const char *const *)x->fam->labels,
                    x->fam->nlabels)) {
            scratch.len = 0;
            make_tail(&scratch, &snap[x->reg], extra,
                      (const char *const *)x->fam->labels, x->fam->nlabels);
            tail = &scratch;
        }
        c.tail = tail->data;
        c.ntail = tail->len;
        if (x->fam->fn)
            render_func(&c, x->fam, x->value);
        else
            render_family(&c, x->fam);
    }
    for (size_t k = nregs; k-- > 0;)
        pthread_mutex_unlock(&regs[k]->render_mu);
    pf__fork_leave();
    if (out->failed || scratch.failed)
        r = -ENOMEM;
    if (r == 0)
        atomic_store_explicit(&regs[0]->render_hint, out->len - start,
                              memory_order_relaxed);
out:
    pf__free(e);
    for (size_t k = 0; k < nregs; k++) {
        pf__snapshot_release(&snap[k]);
        pf__buf_release(&tails[k]);
        pf__buf_release(&dtails[k]);
    }
    pf__buf_release(&scratch);
    return r;
}

/* ---- The public calls ------------------------------------------------ */

int pf__render_one(pf_registry *reg, pf_buf *out)
{
    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    return pf__render(&reg, 1, NULL, out);
}

int pf_registry_render(pf_registry *reg, char **retbuf, size_t *retlen)
{
    pf_buf b = {0};
    int r;

    if (!retbuf)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = pf__render_one(reg, &b);
    if (r < 0) {
        pf__buf_release(&b);
        return r;
    }
    /* Room for the NUL; the text itself never contains one. */
    pf__buf_putc(&b, '\0');
    if (b.failed) {
        pf__buf_release(&b);
        return -ENOMEM;
    }
    pf__alloc_disown(b.data);
    *retbuf = b.data;
    if (retlen)
        *retlen = b.len - 1;
    return 0;
}

int pf_registry_render_file(pf_registry *reg, FILE *f)
{
    pf_buf b = {0};
    int r;

    if (!f)
        return pf__err(-EINVAL, "FILE pointer is NULL");
    r = pf__render_one(reg, &b);
    /* fwrite() must not see the NULL buffer of an empty render. */
    if (r == 0 && b.len && fwrite(b.data, 1, b.len, f) != b.len)
        r = -EIO;
    if (r == 0 && fflush(f) != 0)
        r = -EIO;
    pf__buf_release(&b);
    return r;
}
