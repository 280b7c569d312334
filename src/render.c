/* SPDX-License-Identifier: MIT */
/*
 * Rendering a registry as Prometheus text format 0.0.4, the dialect
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
#include "pf-internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
 * lives in the series themselves. Under reg->render_mu. */
static void update_sorted(pf_family *f)
{
    size_t n = atomic_load_explicit(&f->nseries, memory_order_acquire);
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

typedef struct render_ctx {
    pf_buf *out;
    const char *consts; /* name="value",... of the constant labels */
    size_t nconsts;
} render_ctx;

static void put_name(pf_buf *b, const pf_family *f, const char *suffix,
                     size_t n)
{
    pf__buf_put(b, f->name, strlen(f->name));
    pf__buf_put(b, suffix, n);
}

/* name="value",... for the series' labels and the constant labels, without
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
    if (c->nconsts) {
        if (f->nlabels)
            pf__buf_putc(b, ',');
        pf__buf_put(b, c->consts, c->nconsts);
    }
}

static void put_header(const render_ctx *c, const pf_family *f)
{
    pf_buf *b = c->out;
    const char *t = pf__type_name(f->type);

    pf__buf_puts(b, "# HELP ");
    put_name(b, f, "", 0);
    pf__buf_putc(b, ' ');
    pf__buf_put_help(b, f->help, strlen(f->help));
    pf__buf_puts(b, "\n# TYPE ");
    put_name(b, f, "", 0);
    pf__buf_putc(b, ' ');
    pf__buf_put(b, t, strlen(t));
    pf__buf_putc(b, '\n');
}

/* name{labels} for a counter or gauge sample. */
static void put_sample_start(const render_ctx *c, const pf_family *f,
                             const pf_series *s)
{
    put_name(c->out, f, "", 0);
    if (f->nlabels || c->nconsts) {
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
    uint64_t fb = atomic_load_explicit(&s->b, memory_order_relaxed);

    put_sample_start(c, f, s);
    /* Whole counts are exact in 64 bits; only a counter that was given
     * fractions is rendered through a double. */
    if (fb == 0)
        pf__buf_put_u64(c->out, n);
    else
        pf__buf_put_double(c->out, (double)n + pf__u2d(fb));
    pf__buf_putc(c->out, '\n');
}

static void put_gauge(const render_ctx *c, const pf_family *f,
                      const pf_series *s)
{
    put_sample_start(c, f, s);
    pf__buf_put_double(
        c->out, pf__u2d(atomic_load_explicit(&s->a, memory_order_relaxed)));
    pf__buf_putc(c->out, '\n');
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
    const _Atomic uint64_t *buckets = pf__series_ext(s)->buckets;
    pf_buf *b = c->out;
    uint64_t cum = 0;
    size_t off = 0, len = 0;
    bool has_labels = f->nlabels || c->nconsts;

    for (size_t i = 0; i <= f->nbuckets; i++) {
        cum += atomic_load_explicit(&buckets[i], memory_order_acquire);
        put_name(b, f, "_bucket{", 8);
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
        pf__buf_puts(b, "le=\"");
        if (i < f->nbuckets)
            pf__buf_put(b, f->le[i], strlen(f->le[i]));
        else
            pf__buf_puts(b, "+Inf");
        pf__buf_puts(b, "\"} ");
        pf__buf_put_u64(b, cum);
        pf__buf_putc(b, '\n');
    }
    for (int last = 0; last < 2; last++) {
        if (last)
            put_name(b, f, "_count", 6);
        else
            put_name(b, f, "_sum", 4);
        if (has_labels) {
            pf__buf_putc(b, '{');
            put_again(b, off, len);
            pf__buf_putc(b, '}');
        }
        pf__buf_putc(b, ' ');
        if (last)
            pf__buf_put_u64(b, cum);
        else
            pf__buf_put_double(b, pf__u2d(atomic_load_explicit(
                                      &s->a, memory_order_relaxed)));
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
        if (atomic_load_explicit(&s->state, memory_order_acquire) &
            PF_SERIES_DELETED)
            continue;
        /* A family without visible series is left out altogether. */
        if (!header) {
            put_header(c, f);
            header = true;
        }
        switch (f->type) {
        case PF_TYPE_COUNTER:
            put_counter(c, f, s);
            break;
        case PF_TYPE_GAUGE:
            put_gauge(c, f, s);
            break;
        case PF_TYPE_HISTOGRAM:
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
    put_header(c, f);
    put_sample_start(c, f, f->fixed);
    pf__buf_put_double(c->out, v);
    pf__buf_putc(c->out, '\n');
}

/* A family to render, with the constant labels of its registry. */
typedef struct entry {
    pf_family *fam;
    size_t reg;
    double value; /* callback families: what the callback returned */
} entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->fam->name, ((const entry *)b)->fam->name);
}

/* Copy reg's families into e[] and its constant labels, rendered as
 * name="value",..., into consts. Under reg->mu. */
static size_t snapshot(pf_registry *reg, size_t idx, entry *e, pf_buf *consts)
{
    for (size_t i = 0; i < reg->nfams; i++) {
        e[i].fam = reg->fams[i];
        e[i].reg = idx;
    }
    for (size_t i = 0; i < reg->nconst; i++) {
        const char *v = reg->const_values[i];

        if (i)
            pf__buf_putc(consts, ',');
        pf__buf_put(consts, reg->const_names[i], strlen(reg->const_names[i]));
        pf__buf_puts(consts, "=\"");
        pf__buf_put_label_value(consts, v, strlen(v));
        pf__buf_putc(consts, '"');
    }
    return reg->nfams;
}

/* At most this many registries render together (a writer: the caller's
 * and its own). */
#define MAX_REGS 4

int pf__render_multi(pf_registry *const *regs, size_t nregs, pf_buf *out)
{
    pf_buf consts[MAX_REGS] = {{0}};
    entry *e = NULL;
    size_t n = 0;
    int r = 0;

    size_t start = out->len, hint;

    if (nregs > MAX_REGS || nregs == 0)
        return -EINVAL;
    /* The last render's size, and a little more for growth. */
    hint = atomic_load_explicit(&regs[0]->render_hint, memory_order_relaxed);
    /* Copy the family lists and the constant labels under each registry's
     * lock; render without them. */
    for (size_t k = 0; k < nregs && r == 0; k++) {
        pf_registry *reg = regs[k];
        entry *more;

        pf__lock(&reg->mu);
        more = pf__realloc(e, (n + reg->nfams + 1) * sizeof(*e));
        if (more) {
            e = more;
            n += snapshot(reg, k, e + n, &consts[k]);
        }
        pf__unlock(&reg->mu);
        if (!more || consts[k].failed)
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
            hint += 64 * atomic_load_explicit(&e[i].fam->nseries,
                                              memory_order_relaxed) *
                    (e[i].fam->type == PF_TYPE_HISTOGRAM
                         ? e[i].fam->nbuckets + 3
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
    for (size_t i = 0; i < n && r == 0; i++) {
        render_ctx c = {out, consts[e[i].reg].data, consts[e[i].reg].len};

        if (e[i].fam->fn)
            render_func(&c, e[i].fam, e[i].value);
        else
            render_family(&c, e[i].fam);
    }
    for (size_t k = nregs; k-- > 0;)
        pthread_mutex_unlock(&regs[k]->render_mu);
    pf__fork_leave();
    if (r == 0 && out->failed)
        r = -ENOMEM;
    if (r == 0)
        atomic_store_explicit(&regs[0]->render_hint, out->len - start,
                              memory_order_relaxed);
out:
    pf__free(e);
    for (size_t k = 0; k < nregs; k++)
        pf__buf_release(&consts[k]);
    return r;
}

int pf__render(pf_registry *reg, pf_buf *out)
{
    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    return pf__render_multi(&reg, 1, out);
}
