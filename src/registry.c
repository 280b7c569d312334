/* SPDX-License-Identifier: MIT */
/*
 * Registries: the set of families rendered together, and their constant
 * labels. Registration and constant labels take the registry's mutex; the
 * renderer holds it only to copy the family list.
 */
#include "pf-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

static uint64_t make_seed(const void *salt)
{
    uint64_t seed = 0;
    struct timespec ts;

#ifdef HAVE_GETRANDOM
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
        return seed;
#endif
    /* No entropy to be had (early boot, old kernel): mix what differs
     * between processes. Hash flooding then needs local knowledge. */
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL;
    seed ^= (uint64_t)ts.tv_sec + ((uint64_t)getpid() << 32);
    seed ^= (uint64_t)(uintptr_t)salt * 0xbf58476d1ce4e5b9ULL;
    return seed;
}

static void registry_destroy(pf_registry *reg)
{
    for (size_t i = 0; i < reg->nfams; i++)
        pf__family_free(reg->fams[i]);
    pf__free(reg->fams);
    for (size_t i = 0; i < reg->nconst; i++) {
        pf__free(reg->const_names[i]);
        pf__free(reg->const_values[i]);
    }
    pf__free(reg->const_names);
    pf__free(reg->const_values);
    pthread_mutex_destroy(&reg->mu);
    pthread_mutex_destroy(&reg->render_mu);
    pf__free(reg);
}

int pf_registry_new(pf_registry **ret)
{
    pf_registry *reg;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    reg = pf__calloc(1, sizeof(*reg));
    if (!reg)
        return -ENOMEM;
    pthread_mutex_init(&reg->mu, NULL);
    pthread_mutex_init(&reg->render_mu, NULL);
    reg->seed = make_seed(reg);
    atomic_init(&reg->max_series, PF_DEFAULT_MAX_SERIES);
    pf__fork_init();
    {
        static const char *const family[] = {"family", NULL};
        const pf_family_opts opts = {.internal = true};
        int r = pf__family_new(reg, PF_TYPE_COUNTER,
                               "promfile_series_dropped_total",
                               "New series not created because their "
                               "family had reached its series limit.",
                               family, &opts, &reg->dropped);

        if (r < 0) {
            registry_destroy(reg);
            return r;
        }
        /* One series per family name: the limit must not apply. */
        reg->dropped->has_max = true;
    }
    *ret = reg;
    return 0;
}

pf_registry *pf_registry_free(pf_registry *reg)
{
    if (reg && !reg->is_default)
        registry_destroy(reg);
    return NULL;
}

/* Made on first use; a failed attempt (out of memory) is retried by the
 * next call, which pthread_once could not do. */
static _Atomic(pf_registry *) default_registry;

pf_registry *pf_registry_default(void)
{
    pf_registry *reg =
        atomic_load_explicit(&default_registry, memory_order_acquire);
    pf_registry *expected = NULL;

    if (PF_LIKELY(reg != NULL))
        return reg;
    if (pf_registry_new(&reg) < 0)
        return NULL;
    reg->is_default = true;
    if (!atomic_compare_exchange_strong_explicit(
            &default_registry, &expected, reg, memory_order_acq_rel,
            memory_order_acquire)) {
        registry_destroy(reg);
        reg = expected;
    }
    return reg;
}

pf_registry *pf__registry(pf_registry *reg)
{
    return reg ? reg : pf_registry_default();
}

/* Binary search for `name` in the sorted family list: its index, or where
 * it would go (then *found is false). Under reg->mu. */
static size_t find_family(const pf_registry *reg, const char *name,
                          bool *found)
{
    size_t lo = 0, hi = reg->nfams;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(reg->fams[mid]->name, name);

        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static const pf_family *lookup(const pf_registry *reg, const char *name)
{
    bool found;
    size_t i = find_family(reg, name, &found);

    return found ? reg->fams[i] : NULL;
}

static const char *const hist_suffixes[] = {"_bucket", "_sum", "_count"};

/* A histogram "x" writes samples x_bucket, x_sum and x_count: no other
 * family may take those names (client_golang's registry refuses the same
 * collisions when node_exporter gathers). Under reg->mu. */
static int check_collisions(const pf_registry *reg, const pf_family *f)
{
    size_t n = strlen(f->name);

    for (size_t i = 0; i < 3; i++) {
        size_t m = strlen(hist_suffixes[i]);
        const pf_family *other;

        /* f is a histogram whose samples would collide with a family. */
        if (f->type == PF_TYPE_HISTOGRAM) {
            char buf[PF_MAX_NAME + 16];

            if (n + m < sizeof(buf)) {
                memcpy(buf, f->name, n);
                memcpy(buf + n, hist_suffixes[i], m + 1);
                other = lookup(reg, buf);
                if (other)
                    return pf__err(-EEXIST,
                                   "histogram \"%.60s\" would write samples "
                                   "named like the family \"%.60s\"",
                                   f->name, other->name);
            }
        }
        /* f's name is a sample name of an existing histogram. */
        if (n > m && strcmp(f->name + n - m, hist_suffixes[i]) == 0) {
            char buf[PF_MAX_NAME + 16];

            if (n - m < sizeof(buf)) {
                memcpy(buf, f->name, n - m);
                buf[n - m] = '\0';
                other = lookup(reg, buf);
                if (other && other->type == PF_TYPE_HISTOGRAM)
                    return pf__err(-EEXIST,
                                   "\"%.60s\" is a sample name of the "
                                   "histogram \"%.60s\"",
                                   f->name, other->name);
            }
        }
    }
    for (size_t i = 0; i < f->nlabels; i++)
        for (size_t j = 0; j < reg->nconst; j++)
            if (strcmp(f->labels[i], reg->const_names[j]) == 0)
                return pf__err(-EEXIST,
                               "label \"%.60s\" of \"%.60s\" is a constant "
                               "label of the registry",
                               f->labels[i], f->name);
    return 0;
}

int pf__registry_add(pf_registry *reg, pf_family *f, pf_family **ret)
{
    bool found;
    size_t i;
    int r = 0;

    pf__lock(&reg->mu);
    i = find_family(reg, f->name, &found);
    if (found) {
        pf_family *old = reg->fams[i];

        if (pf__family_same(old, f)) {
            pf__family_free(f);
            f = old;
        } else {
            r = pf__err(-EEXIST,
                        "\"%.60s\" is already registered with another type, "
                        "help, labels or buckets",
                        f->name);
        }
        goto out;
    }
    r = check_collisions(reg, f);
    if (r < 0)
        goto out;
    if (reg->nfams == reg->capfams) {
        size_t cap = reg->capfams ? reg->capfams * 2 : 16;
        pf_family **fams = pf__realloc(reg->fams, cap * sizeof(*fams));

        if (!fams) {
            r = -ENOMEM;
            goto out;
        }
        reg->fams = fams;
        reg->capfams = cap;
    }
    memmove(reg->fams + i + 1, reg->fams + i,
            (reg->nfams - i) * sizeof(*reg->fams));
    reg->fams[i] = f;
    reg->nfams++;
out:
    pf__unlock(&reg->mu);
    if (r < 0) {
        pf__family_free(f);
        return r;
    }
    if (ret)
        *ret = f;
    return 0;
}

/* -EEXIST if a family of reg has a label `name`. Under reg->mu. */
static int label_in_use(const pf_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->nfams; i++)
        for (size_t j = 0; j < reg->fams[i]->nlabels; j++)
            if (strcmp(reg->fams[i]->labels[j], name) == 0)
                return pf__err(-EEXIST,
                               "the family \"%.60s\" has a label \"%.60s\"",
                               reg->fams[i]->name, name);
    return 0;
}

int pf__registry_check_label(pf_registry *reg, const char *name)
{
    int r;

    pf__lock(&reg->mu);
    r = label_in_use(reg, name);
    pf__unlock(&reg->mu);
    return r;
}

int pf_registry_set_label(pf_registry *reg, const char *name,
                          const char *value)
{
    char *n = NULL, *v = NULL;
    size_t i;
    int r;

    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    r = pf__check_label_name(name);
    if (r < 0)
        return r;
    if (value) {
        r = pf__check_label_value(value, strlen(value));
        if (r < 0)
            return r;
        n = pf__strdup(name);
        v = pf__strdup(value);
        if (!n || !v) {
            pf__free(n);
            pf__free(v);
            return -ENOMEM;
        }
    }

    pf__lock(&reg->mu);
    if (v) {
        r = label_in_use(reg, name);
        if (r < 0)
            goto out;
    }
    for (i = 0; i < reg->nconst; i++)
        if (strcmp(reg->const_names[i], name) >= 0)
            break;
    if (i < reg->nconst && strcmp(reg->const_names[i], name) == 0) {
        pf__free(reg->const_values[i]);
        if (v) {
            reg->const_values[i] = v;
            v = NULL;
        } else {
            pf__free(reg->const_names[i]);
            reg->nconst--;
            memmove(reg->const_names + i, reg->const_names + i + 1,
                    (reg->nconst - i) * sizeof(char *));
            memmove(reg->const_values + i, reg->const_values + i + 1,
                    (reg->nconst - i) * sizeof(char *));
        }
    } else if (v) {
        char **names, **values;

        names = pf__realloc(reg->const_names,
                            (reg->nconst + 1) * sizeof(char *));
        if (!names) {
            r = -ENOMEM;
            goto out;
        }
        reg->const_names = names;
        values = pf__realloc(reg->const_values,
                             (reg->nconst + 1) * sizeof(char *));
        if (!values) {
            r = -ENOMEM;
            goto out;
        }
        reg->const_values = values;
        memmove(names + i + 1, names + i, (reg->nconst - i) * sizeof(char *));
        memmove(values + i + 1, values + i,
                (reg->nconst - i) * sizeof(char *));
        names[i] = n;
        values[i] = v;
        n = v = NULL;
        reg->nconst++;
    }
out:
    pf__unlock(&reg->mu);
    pf__free(n);
    pf__free(v);
    return r;
}

int pf_registry_set_max_series(pf_registry *reg, size_t max)
{
    reg = pf__registry(reg);
    if (!reg)
        return pf__err(-EINVAL, "no registry");
    atomic_store(&reg->max_series, max);
    return 0;
}

int pf_registry_set_value_policy(pf_registry *reg, size_t max_len,
                                 unsigned flags)
{
    reg = pf__registry(reg);
    if (!reg)
        return pf__err(-EINVAL, "no registry");
    if (flags & ~(PF_VALUES_TRUNCATE | PF_VALUES_REPLACE))
        return pf__err(-EINVAL, "unknown flags 0x%x", flags);
    if ((flags & PF_VALUES_TRUNCATE) && max_len == 0)
        return pf__err(-EINVAL, "PF_VALUES_TRUNCATE needs a length");
    atomic_store(&reg->value_max_len, max_len);
    atomic_store(&reg->value_flags, flags);
    return 0;
}

int pf_registry_render(pf_registry *reg, char **retbuf, size_t *retlen)
{
    pf_buf b = {0};
    int r;

    if (!retbuf)
        return pf__err(-EINVAL, "result pointer is NULL");
    r = pf__render(reg, &b);
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
    r = pf__render(reg, &b);
    /* fwrite() must not see the NULL buffer of an empty render. */
    if (r == 0 && b.len && fwrite(b.data, 1, b.len, f) != b.len)
        r = -EIO;
    if (r == 0 && fflush(f) != 0)
        r = -EIO;
    pf__buf_release(&b);
    return r;
}
