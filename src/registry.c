/* SPDX-License-Identifier: MIT */
/*
 * Registries: the set of families rendered together, and their constant
 * labels. Registration and constant labels take the registry's mutex; the
 * renderer holds it only to copy the family list (pf__registry_snapshot()).
 */
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "alloc.h"
#include "error.h"
#include "lock.h"
#include "nodeexp.h"
#include "validate.h"

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

pf_registry *pf__registry_destroy(pf_registry *reg)
{
    if (!reg)
        return NULL;
    if (reg->shared_free)
        reg->shared_free(reg);
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
    return NULL;
}

int pf__registry_new(bool internal, pf_registry **ret)
{
    pf_registry *reg = pf__calloc(1, sizeof(*reg));

    if (!reg)
        return -ENOMEM;
    pthread_mutex_init(&reg->mu, NULL);
    pthread_mutex_init(&reg->render_mu, NULL);
    reg->policy.seed = make_seed(reg);
    atomic_init(&reg->policy.max_series, PF_DEFAULT_MAX_SERIES);
    reg->internal = internal;
    pf__fork_init();
    *ret = reg;
    return 0;
}

int pf_registry_new(pf_registry **ret)
{
    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    return pf__registry_new(false, ret);
}

pf_registry *pf_registry_free(pf_registry *reg)
{
    if (reg && !reg->is_default)
        pf__registry_destroy(reg);
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
    if (pf__registry_new(false, &reg) < 0)
        return NULL;
    reg->is_default = true;
    if (!atomic_compare_exchange_strong_explicit(&default_registry, &expected,
                                                 reg, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        pf__registry_destroy(reg);
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
static size_t find_family(const pf_registry *reg, const char *name, bool *found)
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

/* The rules across families, for a new family f. Under reg->mu. */
static int check_collisions(const pf_registry *reg, const pf_family *f)
{
    size_t n = strlen(f->name), base;
    enum pf_suffix sfx = pf__suffix_of(f->name, n, &base);
    const pf_nodeexp_family *ne;

    /* A histogram "x" writes samples x_bucket, x_sum and x_count: no other
     * family may take those names (node_exporter drops the later one), and
     * f's name may not be a sample name of a histogram already there
     * (client_golang's registry refuses the same collisions). */
    for (size_t s = PF_SUFFIX_BUCKET;
         f->type == PF_TYPE_HISTOGRAM && s < PF_NSUFFIXES; s++) {
        char buf[PF_MAX_NAME + 16];
        const pf_family *other;

        memcpy(buf, f->name, n);
        memcpy(buf + n, pf__suffix_name(s), pf__suffix_len(s) + 1);
        other = lookup(reg, buf);
        if (other)
            return pf__err(-EEXIST,
                           "histogram \"%.60s\" would write samples named "
                           "like the family \"%.60s\"",
                           f->name, other->name);
    }
    if (sfx != PF_SUFFIX_NONE) {
        char buf[PF_MAX_NAME + 1];
        const pf_family *other;

        memcpy(buf, f->name, base);
        buf[base] = '\0';
        other = lookup(reg, buf);
        if (other && pf__type_has_suffix(other->type, sfx))
            return pf__err(-EEXIST,
                           "\"%.60s\" is a sample name of the %s \"%.60s\"",
                           f->name, pf__type_name(other->type), other->name);
    }
    ne = pf__nodeexp_collides(f->name, pf__type_name(f->type), f->help,
                              (const char *const *)f->labels, f->nlabels);
    if (ne)
        return pf__err(-EEXIST,
                       "node_exporter exports \"%.60s\" itself; a textfile's "
                       "family of that name is dropped at every scrape "
                       "(rename it)",
                       f->name);
    for (size_t i = 0; i < f->nlabels; i++)
        for (size_t j = 0; j < reg->nconst; j++)
            if (strcmp(f->labels[i], reg->const_names[j]) == 0)
                return pf__err(-EEXIST,
                               "label \"%.60s\" of \"%.60s\" is a constant "
                               "label of the registry",
                               f->labels[i], f->name);
    return 0;
}

/* Add the new family f to reg, or find one of its name: then *old is it.
 * Under reg->mu. Returns 0 or -ENOMEM. */
static int add_locked(pf_registry *reg, pf_family *f, pf_family **old)
{
    bool found;
    size_t i = find_family(reg, f->name, &found);

    if (found) {
        *old = reg->fams[i];
        return 0;
    }
    *old = NULL;
    if (reg->nfams == reg->capfams) {
        size_t cap = reg->capfams ? reg->capfams * 2 : 16;
        pf_family **fams = pf__realloc(reg->fams, cap * sizeof(*fams));

        if (!fams)
            return -ENOMEM;
        reg->fams = fams;
        reg->capfams = cap;
    }
    memmove(reg->fams + i + 1, reg->fams + i,
            (reg->nfams - i) * sizeof(*reg->fams));
    reg->fams[i] = f;
    reg->nfams++;
    return 0;
}

pf_family *pf__registry_find(pf_registry *reg, const char *name)
{
    pf_family *f;

    pthread_mutex_lock(&reg->mu);
    f = (pf_family *)(uintptr_t)lookup(reg, name);
    pthread_mutex_unlock(&reg->mu);
    return f;
}

int pf__registry_check(pf_registry *reg, const pf_family *f)
{
    int r;

    pthread_mutex_lock(&reg->mu);
    r = lookup(reg, f->name) ? 0 : check_collisions(reg, f);
    pthread_mutex_unlock(&reg->mu);
    return r;
}

int pf__registry_insert(pf_registry *reg, pf_family *f, bool check,
                        pf_family **old)
{
    int r = 0;

    pthread_mutex_lock(&reg->mu);
    *old = (pf_family *)(uintptr_t)lookup(reg, f->name);
    if (!*old && check)
        r = check_collisions(reg, f);
    if (!*old && r == 0)
        r = add_locked(reg, f, old);
    pthread_mutex_unlock(&reg->mu);
    return r;
}

static int register_family(pf_registry *reg, pf_family_spec *spec,
                           pf_family **ret, bool *existed)
{
    pf_family *f, *old = NULL;
    int r;

    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    /* A shared registry's families are the region's (callbacks are this
     * process's own). */
    if (reg->shared_register && !spec->fn)
        return reg->shared_register(reg, spec, ret, existed);
    spec->policy = &reg->policy;
    spec->internal = spec->internal || reg->internal;
    r = pf__family_new(spec, &f);
    if (r < 0)
        return r;
    pf__lock(&reg->mu);
    if (lookup(reg, f->name))
        r = add_locked(reg, f, &old);
    else if ((r = check_collisions(reg, f)) == 0)
        r = add_locked(reg, f, &old);
    pf__unlock(&reg->mu);
    if (r == 0 && old && !existed && !pf__family_same(old, f))
        r = pf__err(-EEXIST,
                    "\"%.60s\" is already registered with another type, "
                    "help, labels or buckets",
                    old->name);
    if (r < 0 || old)
        pf__family_free(f);
    if (r < 0)
        return r;
    if (existed)
        *existed = old != NULL;
    if (ret)
        *ret = old ? old : f;
    return 0;
}

int pf__register(pf_registry *reg, pf_family_spec *spec, pf_family **ret)
{
    return register_family(reg, spec, ret, NULL);
}

int pf__register_all(pf_registry *reg, pf_family_spec *specs, size_t n)
{
    pf_family *made[16];
    size_t k = 0;
    int r = 0;

    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    if (n > PF_ARRAY_SIZE(made))
        return -EINVAL;
    for (; k < n && r == 0; k++) {
        specs[k].policy = &reg->policy;
        specs[k].internal = specs[k].internal || reg->internal;
        r = pf__family_new(&specs[k], &made[k]);
    }
    if (r < 0) {
        k--;
        goto out;
    }
    pf__lock(&reg->mu);
    /* Every check first, and room for all: then nothing can fail. */
    for (size_t i = 0; i < n && r == 0; i++) {
        const pf_family *old = lookup(reg, made[i]->name);

        if (old && !pf__family_same(old, made[i]))
            r = pf__err(-EEXIST,
                        "\"%.60s\" is already registered with another "
                        "type, help, labels or buckets",
                        old->name);
        else if (!old)
            r = check_collisions(reg, made[i]);
    }
    if (r == 0 && reg->nfams + n > reg->capfams) {
        size_t cap = reg->capfams ? reg->capfams : 16;
        pf_family **fams;

        while (cap < reg->nfams + n)
            cap *= 2;
        fams = pf__realloc(reg->fams, cap * sizeof(*fams));
        if (fams) {
            reg->fams = fams;
            reg->capfams = cap;
        } else {
            r = -ENOMEM;
        }
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        pf_family *old;

        add_locked(reg, made[i], &old);
        /* A twin: the one there stays, this one goes. */
        if (old)
            pf__family_free(made[i]);
        made[i] = NULL;
    }
    pf__unlock(&reg->mu);
out:
    while (k-- > 0)
        pf__family_free(made[k]);
    return r;
}

int pf__register_or_get(pf_registry *reg, pf_family_spec *spec, pf_family **ret,
                        bool *existed)
{
    return register_family(reg, spec, ret, existed);
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
    for (size_t i = 0; r == 0 && i < reg->nconst; i++)
        if (strcmp(reg->const_names[i], name) == 0)
            r = pf__err(-EEXIST,
                        "\"%.60s\" is a constant label of the "
                        "registry already",
                        name);
    pf__unlock(&reg->mu);
    return r;
}

int pf_registry_set_label(pf_registry *reg, const char *name, const char *value)
{
    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    return pf__registry_set_label(reg, name, value);
}

int pf__registry_set_label(pf_registry *reg, const char *name,
                           const char *value)
{
    char *n = NULL, *v = NULL;
    size_t i;
    int r;

    r = pf__check_label_name(name);
    if (r < 0)
        return r;
    if (strcmp(name, PF_DROPPED_LABEL) == 0)
        return pf__err(-EEXIST,
                       "\"%s\" is the label of " PF_DROPPED_NAME
                       ", which every registry may render",
                       name);
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

        names =
            pf__realloc(reg->const_names, (reg->nconst + 1) * sizeof(char *));
        if (!names) {
            r = -ENOMEM;
            goto out;
        }
        reg->const_names = names;
        values =
            pf__realloc(reg->const_values, (reg->nconst + 1) * sizeof(char *));
        if (!values) {
            r = -ENOMEM;
            goto out;
        }
        reg->const_values = values;
        memmove(names + i + 1, names + i, (reg->nconst - i) * sizeof(char *));
        memmove(values + i + 1, values + i, (reg->nconst - i) * sizeof(char *));
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
    atomic_store(&reg->policy.max_series, max);
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
    atomic_store(&reg->policy.value_max_len, max_len);
    atomic_store(&reg->policy.value_flags, flags);
    return 0;
}

int pf__registry_snapshot(pf_registry *reg, pf_snapshot *s)
{
    int r = 0;

    memset(s, 0, sizeof(*s));
    /* What the other processes of a shared registry made, first. */
    if (reg->shared_sync)
        reg->shared_sync(reg);
    pf__lock(&reg->mu);
    s->fams = pf__malloc((reg->nfams ? reg->nfams : 1) * sizeof(*s->fams));
    /* memcpy() must not see the NULL list of a registry without
     * families. */
    if (s->fams && reg->nfams) {
        memcpy(s->fams, reg->fams, reg->nfams * sizeof(*s->fams));
        s->nfams = reg->nfams;
    }
    for (size_t i = 0; i < reg->nconst; i++) {
        const char *n = reg->const_names[i], *v = reg->const_values[i];

        if (i)
            pf__buf_putc(&s->pairs, ',');
        pf__buf_put(&s->pairs, n, strlen(n));
        pf__buf_puts(&s->pairs, "=\"");
        pf__buf_put_label_value(&s->pairs, v, strlen(v));
        pf__buf_putc(&s->pairs, '"');
        pf__buf_put(&s->names, n, strlen(n) + 1);
    }
    s->nconst = reg->nconst;
    pf__unlock(&reg->mu);
    if (!s->fams || s->pairs.failed || s->names.failed) {
        pf__snapshot_release(s);
        r = -ENOMEM;
    }
    return r;
}

void pf__snapshot_release(pf_snapshot *s)
{
    pf__free(s->fams);
    pf__buf_release(&s->pairs);
    pf__buf_release(&s->names);
    memset(s, 0, sizeof(*s));
}
