/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations shared by the library's source files and its unit
 * tests. Nothing here is exported from the shared object: every function
 * is pf__-prefixed and hidden by -fvisibility=hidden.
 */
#ifndef PF_INTERNAL_H
#define PF_INTERNAL_H

#include "base.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "format.h"

/* ---- alloc.c: every allocation goes through here (see test_oom.c) ---- */

void *pf__malloc(size_t size);
void *pf__calloc(size_t n, size_t size);
void *pf__realloc(void *p, size_t size);
void pf__free(void *p);
char *pf__strdup(const char *s);

/* Test hook: make the n-th allocation from now on fail (n >= 1), and every
 * later one succeed; n == 0 disables. Returns how many allocations were
 * attempted since the last call. */
long pf__alloc_fail_nth(long n);
/* How many blocks are allocated and not yet freed. */
long pf__alloc_live(void);
/* `p` now belongs to the caller, who will free() it: stop counting it. */
void pf__alloc_disown(void *p);

/* ---- lock.c: the library's mutexes and fork() ---- */

/* Install the fork() handlers (once; every registry calls it). */
void pf__fork_init(void);
/* Enter and leave a critical section over registries or families; a
 * fork() waits until none is entered. Sections must not nest. */
void pf__fork_enter(void);
void pf__fork_leave(void);
/* Lock and unlock `mu` as a section of its own. */
void pf__lock(pthread_mutex_t *mu);
void pf__unlock(pthread_mutex_t *mu);

/* ---- error.c ---- */

/* Record a one-sentence message for pf_last_error() and return `code`. */
int pf__err(int code, const char *fmt, ...) PF_PRINTF(2, 3);

/* ---- validate.c ---- */

/* Each returns 0, or -EINVAL with a message for pf_last_error(). */
int pf__check_metric_name(const char *name, enum pf_type type);
int pf__check_label_name(const char *name);
int pf__check_help(const char *help);
int pf__check_label_value(const char *value, size_t len);
/* promlint's camelCase rule, which the checks above apply to names: does
 * s have a lower-case letter followed by an upper-case one? */
bool pf__camel_case(const char *s);
/* Copy s[0..len) to dst, each byte that starts no valid UTF-8 sequence
 * (and each CR) replaced by U+FFFD (dst holds 3 * len bytes). Returns the length. */
size_t pf__utf8_repair(const char *s, size_t len, char *dst);
/* The length of s cut to at most max bytes at a character boundary. */
size_t pf__utf8_cut(const char *s, size_t len, size_t max);

/* ---- nodeexp.c: the families node_exporter exports itself ---- */

typedef struct pf_nodeexp_family {
    const char *name;
    const char *type;   /* "counter", "gauge", "summary", "untyped" */
    const char *labels; /* label names, comma-separated; "" for none */
    const char *help;
} pf_nodeexp_family;

/* node_exporter's family `name`, or NULL. */
const pf_nodeexp_family *pf__nodeexp_family(const char *name);
/* Every row (sorted by name); returns how many. */
size_t pf__nodeexp_families(const pf_nodeexp_family **ret);
/* Are `labels` exactly the label names of node_exporter's family f? */
bool pf__nodeexp_same_labels(const pf_nodeexp_family *f,
                             const char *const *labels, size_t nlabels);
/* The row of node_exporter's that a textfile family would collide with:
 * same name, and another type or HELP, or exactly its label names. NULL
 * if none. */
const pf_nodeexp_family *pf__nodeexp_collides(const char *name,
                                              const char *type,
                                              const char *help,
                                              const char *const *labels,
                                              size_t nlabels);

/* ---- buf.c: growable output buffer, number formatting, escaping ---- */

typedef struct pf_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: the text is incomplete */
} pf_buf;

bool pf__buf_grow(pf_buf *b, size_t extra);
void pf__buf_release(pf_buf *b);

static inline void pf__buf_put(pf_buf *b, const char *s, size_t n)
{
    /* memcpy() must not see the NULL data of an empty buffer. */
    if (n == 0)
        return;
    if (PF_UNLIKELY(b->cap - b->len < n) && !pf__buf_grow(b, n))
        return;
    __builtin_memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void pf__buf_putc(pf_buf *b, char c)
{
    if (PF_UNLIKELY(b->cap == b->len) && !pf__buf_grow(b, 1))
        return;
    b->data[b->len++] = c;
}

#define pf__buf_puts(b, lit) pf__buf_put((b), (lit), sizeof(lit) - 1)

void pf__buf_put_u64(pf_buf *b, uint64_t v);
void pf__buf_put_double(pf_buf *b, double v);
/* HELP text: escape \ and newline only. */
void pf__buf_put_help(pf_buf *b, const char *s, size_t n);
/* Label values: escape \, " and newline. */
void pf__buf_put_label_value(pf_buf *b, const char *s, size_t n);

/* ---- family.c: families, series and the lock-free lookup table ---- */

#define PF_SERIES_DELETED 1u
/* A sharded counter's series: its count is spread over shards. Set at
 * creation, never changed. */
#define PF_SERIES_SHARDED 2u

/* The 32-byte header keeps a series with up to 32 bytes of label values
 * (NULs included) on one cache line, with all a lookup and an update
 * touch. */
typedef struct pf_series {
    /* Counter: the exact integer part. Gauge: the value's bits.
     * Histogram: the sum's bits. */
    _Atomic uint64_t a;
    /* Counter: the bits of the fractional (non-integer) part. */
    _Atomic uint64_t b;
    uint32_t hash;          /* of the label values, for the table */
    _Atomic uint32_t state; /* PF_SERIES_DELETED, PF_SERIES_SHARDED */
    uint32_t vlen;          /* bytes in values[], NULs included */
    /* The next series in label value order, as its creation index + 1 (0:
     * none). Only the renderer touches it, under reg->render_mu: the
     * sorted order costs no memory beyond the series themselves. */
    uint32_t next;
    /* The label values, each followed by its NUL. */
    char values[];
} pf_series;

/* What only histogram and sharded counter series need, just before the
 * series in the arena (see pf__series_ext()). */
typedef struct pf_series_ext {
    struct pf_family *fam;
    union {
        /* Histogram: nbuckets + 1 non-cumulative counts, the last for
         * +Inf. */
        _Atomic uint64_t *buckets;
        /* Sharded counter: pf__nshards cache lines, each counting at its
         * start; the value is a + the shards + b. */
        _Atomic uint64_t *shards;
    };
} pf_series_ext;

/* The extension of a histogram or sharded counter series. */
static inline pf_series_ext *pf__series_ext(const pf_series *s)
{
    return (pf_series_ext *)(void *)((char *)(uintptr_t)s -
                                     sizeof(pf_series_ext));
}

/* A power-of-two open-addressing table of series pointers, probed
 * linearly. Slots go from NULL to a series once and never change again
 * (deleted series stay, marked), so readers need no lock. When the table
 * grows, the old one is kept (readers may still be in it) until the
 * family is freed. */
typedef struct pf_table {
    size_t mask;
    struct pf_table *older;
    _Atomic(pf_series *) slots[];
} pf_table;

/* Series in creation order live in chunks whose addresses never change:
 * chunk k holds PF_CHUNK0 << k pointers. 40 chunks are more than any
 * address space holds. */
#define PF_CHUNK0 64
#define PF_NCHUNKS 40

typedef struct pf_arena_block {
    struct pf_arena_block *next;
    size_t used;
    size_t size;
    /* then the aligned bytes */
} pf_arena_block;

typedef struct pf_family {
    pf_registry *reg;
    enum pf_type type;
    char *name;
    char *help;
    size_t nlabels;
    char **labels;
    /* Histograms: the upper bounds and their rendered le="" values. */
    size_t nbuckets;
    double *bounds;
    char **le;
    /* Counters: each series spreads its count over per-thread slots. */
    bool sharded;
    /* The library's own (promfile_series_dropped_total): its values are
     * family names, exempt from the value policy. */
    bool internal;
    /* The series limit of its own (pf_family_set_max_series()), if
     * has_max; else the registry's. Read under mu. */
    bool has_max;
    size_t max_series;
    /* Callback families: the function and its argument; no series but,
     * for a labeled one, `fixed`, which holds its one set of values. */
    double (*fn)(void *arg);
    void *arg;
    pf_series *fixed;

    /* Taken to create, delete or revive series, never to look one up. */
    pthread_mutex_t mu;
    _Atomic(pf_table *) table;
    size_t tcount; /* series in the table (under mu) */
    _Atomic size_t nseries; /* series published in chunks[] */
    pf_series **chunks[PF_NCHUNKS];
    pf_arena_block *arena;

    /* Render side, under reg->render_mu: the first series in label value
     * order (as a creation index + 1), linked through pf_series.next, and
     * how many series are linked (deleted ones stay; the renderer skips
     * them). */
    uint32_t sorted_head;
    size_t nsorted;
} pf_family;

/* The series at creation index i (i < nseries). */
static inline pf_series *pf__family_series_at(const pf_family *f, size_t i)
{
    size_t q = i + PF_CHUNK0;
    unsigned k = (unsigned)(63 - __builtin_clzll((unsigned long long)q)) - 6;
    return f->chunks[k][q - ((size_t)PF_CHUNK0 << k)];
}

/* Options of pf__family_new() beyond name, help and labels. */
typedef struct pf_family_opts {
    const double *buckets; /* histograms */
    size_t nbuckets;
    double (*fn)(void *); /* callback families */
    void *arg;
    const char *const *fixed_values; /* labeled callback: its values */
    bool sharded; /* counters */
    bool internal; /* may use the reserved prefix promfile_ */
} pf_family_opts;

int pf__family_new(pf_registry *reg, enum pf_type type, const char *name,
                   const char *help, const char *const *labels,
                   const pf_family_opts *opts, pf_family **ret);
pf_family *pf__family_free(pf_family *f);
/* Same type, help, label names, buckets and callback? */
bool pf__family_same(const pf_family *a, const pf_family *b);
/* Compare two series' label values (for the render order). */
int pf__series_cmp(const pf_series *x, const pf_series *y);

/* ---- counter.c: sharded counters ---- */

/* The number of slots of every sharded counter series, a power of two:
 * the CPUs configured, at least 2, at most 64. Set once, before the
 * first sharded family exists, then only read. */
extern unsigned pf__nshards;
/* Shard slots are one cache line apart: slot i is shards[i * stride]. */
#define PF_SHARD_STRIDE (PF_CACHELINE / sizeof(uint64_t))
void pf__shards_init(void);
/* The integer count of a counter series: a, plus its shards. */
uint64_t pf__counter_count(const pf_series *s);

/* Bit-cast helpers for doubles kept in _Atomic uint64_t. */
static inline uint64_t pf__d2u(double d)
{
    uint64_t u;
    __builtin_memcpy(&u, &d, sizeof(u));
    return u;
}

static inline double pf__u2d(uint64_t u)
{
    double d;
    __builtin_memcpy(&d, &u, sizeof(d));
    return d;
}

/* Atomically add `v` to the double stored in `p`. */
static inline void pf__atomic_add_double(_Atomic uint64_t *p, double v)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(
        p, &old, pf__d2u(pf__u2d(old) + v), memory_order_relaxed,
        memory_order_relaxed))
        ;
}

/* ---- registry.c ---- */

struct pf_registry {
    /* Families and constant labels. */
    pthread_mutex_t mu;
    pf_family **fams; /* sorted by name */
    size_t nfams;
    size_t capfams;
    char **const_names; /* sorted by name */
    char **const_values;
    size_t nconst;
    uint64_t seed; /* hash seed of every family's table */
    bool is_default;
    /* A writer's own registry: may use the reserved promfile_ prefix. */
    bool internal;
    /* Limits and hygiene (pf_registry_set_max_series(),
     * pf_registry_set_value_policy()). */
    _Atomic size_t max_series;
    _Atomic size_t value_max_len;
    _Atomic unsigned value_flags;
    /* promfile_series_dropped_total{family}, made with the registry. */
    struct pf_family *dropped;
    /* The length of the last render, to size the next one's buffer at
     * once: no growth by copies, no peak of two buffers. */
    _Atomic size_t render_hint;
    /* Serializes renders: they share the families' sorted lists. */
    pthread_mutex_t render_mu;
};

/* ---- The lookup fast path (inline, so that the one-call updates of
 * counter.c, gauge.c and histogram.c make no call to find an existing
 * series; the slow path is in family.c) ---- */

/* Multiply and fold (the "mum" construction): a fast, well-mixing step.
 * The registry's random seed makes collisions hard to aim at, as label
 * values may come from the network. */
static inline uint64_t pf__mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __uint128_t r = (__uint128_t)a * b;

    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t r = a * b;

    return r ^ (r >> 29) ^ (a >> 32) * (b | 1);
#endif
}

#define PF_K1 0xa0761d6478bd642fULL
#define PF_K2 0xe7037ed1a0b428dbULL
#define PF_K3 0x8ebc6af09c88c6e3ULL

static inline uint64_t pf__load64(const char *p)
{
    uint64_t w;

    __builtin_memcpy(&w, p, sizeof(w));
    return w;
}

static inline uint64_t pf__load32(const char *p)
{
    uint32_t w;

    __builtin_memcpy(&w, p, sizeof(w));
    return w;
}

/* Hash len bytes at p into h: 8 bytes a step, the tail read as one
 * overlapping 8-byte word (or two 4-byte ones, or 3 single bytes), so that
 * a short label value costs a few instructions and no byte loop. The
 * length goes in too, so that ("ab", "c") and ("a", "bc") differ. */
static inline uint64_t pf__hash_bytes(uint64_t h, const char *p, size_t len)
{
    uint64_t w = 0;

    if (len > 8) {
        const char *last = p + len - 8;

        for (; p < last; p += 8)
            h = pf__mix(h ^ pf__load64(p), PF_K1);
        w = pf__load64(last);
    } else if (len >= 4) {
        w = pf__load32(p) << 32 | pf__load32(p + len - 4);
    } else if (len > 0) {
        w = (uint64_t)(unsigned char)p[0] << 16 |
            (uint64_t)(unsigned char)p[len / 2] << 8 |
            (unsigned char)p[len - 1];
    }
    return pf__mix(h ^ w, PF_K2 ^ len);
}

/* Do the n bytes at a and b match? The same word tricks. */
static inline bool pf__bytes_equal(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (pf__load64(a + i) != pf__load64(b + i))
                return false;
        return pf__load64(a + n - 8) == pf__load64(b + n - 8);
    }
    if (n >= 4)
        return pf__load32(a) == pf__load32(b) &&
               pf__load32(a + n - 4) == pf__load32(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The label values being looked up, hashed once. */
typedef struct pf_key {
    const char *v[PF_MAX_LABELS];
    size_t len[PF_MAX_LABELS];
    size_t total;  /* bytes as stored: the values and their NULs */
    uint32_t hash; /* what the series and the table keep */
} pf_key;

static inline void pf__key_add(pf_key *k, size_t i, const char *v,
                               uint64_t seed, uint64_t *h)
{
    size_t n = __builtin_strlen(v);

    k->v[i] = v;
    k->len[i] = n;
    k->total += n;
    /* Each value is hashed on its own, seeded by its position, and the
     * results xor-ed: the multiplications of the values do not wait for
     * each other. */
    *h ^= pf__hash_bytes(seed + (i + 1) * PF_K1, v, n);
}

static inline bool pf__values_equal(const pf_series *s, const pf_key *k,
                                    size_t n)
{
    const char *p = s->values;

    if (s->vlen != k->total)
        return false;
    /* With the totals equal, each stored value is compared up to its NUL,
     * which must fall where the looked-up value ends. */
    for (size_t i = 0; i < n; i++) {
        /* The NUL too: the stored one must fall where the value ends. */
        if (!pf__bytes_equal(p, k->v[i], k->len[i] + 1))
            return false;
        p += k->len[i] + 1;
    }
    return true;
}

static inline pf_series *pf__table_find(const pf_table *t, const pf_key *k,
                                        size_t n)
{
    /* The table is at most half full, so an empty slot ends every probe. */
    for (size_t i = k->hash & t->mask;; i = (i + 1) & t->mask) {
        pf_series *s =
            atomic_load_explicit(&t->slots[i], memory_order_acquire);

        if (!s)
            return NULL;
        if (s->hash == k->hash && pf__values_equal(s, k, n))
            return s;
    }
}

/* The slow path: create, revive, or report. In family.c. */
int pf__series_get_slow(pf_family *f, const pf_key *k, pf_series **ret);
/* The error of a family that is NULL or not of `type`. */
int pf__family_type_error(const pf_family *f, enum pf_type type);
/* The error of a va_list with `got` values, or more (got > nlabels). */
int pf__values_count_error(const pf_family *f, size_t got);

/* The series of f with the values of k: found without a lock when it
 * exists and is not deleted, else by the slow path. */
static inline PF_ALWAYS_INLINE int pf__series_find(pf_family *f,
                                                   const pf_key *k,
                                                   pf_series **ret)
{
    const pf_table *t = atomic_load_explicit(&f->table, memory_order_acquire);
    pf_series *s = pf__table_find(t, k, f->nlabels);

    if (PF_LIKELY(s && !(atomic_load_explicit(&s->state,
                                              memory_order_acquire) &
                         PF_SERIES_DELETED))) {
        *ret = s;
        return 0;
    }
    return pf__series_get_slow(f, k, ret);
}

/* Find or create the series of `f` with `values`. `type` must match. */
int pf__series_get(pf_family *f, enum pf_type type, const char *const *values,
                   pf_series **ret);

/* As pf__series_get(), with the values in a NULL-terminated va_list:
 * too few or too many give -EINVAL. Inline: the one-call updates find an
 * existing series without a single call but strlen(). */
static inline PF_ALWAYS_INLINE int pf__series_get_va(pf_family *f,
                                                     enum pf_type type,
                                                     va_list ap,
                                                     pf_series **ret)
{
    uint64_t h;
    pf_key k;

    if (PF_UNLIKELY(!f || f->type != type || f->fn))
        return pf__family_type_error(f, type);
    k.total = f->nlabels;
    h = f->reg->seed ^ (f->nlabels * PF_K3);
    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = va_arg(ap, const char *);

        if (PF_UNLIKELY(!v))
            return pf__values_count_error(f, i);
        pf__key_add(&k, i, v, f->reg->seed, &h);
    }
    /* The sentinel must follow: more values than labels is an error. */
    if (PF_UNLIKELY(va_arg(ap, const char *) != NULL))
        return pf__values_count_error(f, f->nlabels + 1);
    k.hash = (uint32_t)pf__mix(h, PF_K3);
    return pf__series_find(f, &k, ret);
}

/* Resolve NULL to the default registry. */
pf_registry *pf__registry(pf_registry *reg);
/* -EEXIST, with a message, if a family of reg has a label `name`. */
int pf__registry_check_label(pf_registry *reg, const char *name);
/* Register `f` (already validated) in reg, or hand back an identical one.
 * On success the registry owns f, or f was freed and *ret is the twin. */
int pf__registry_add(pf_registry *reg, pf_family *f, pf_family **ret);

/* ---- config.c ---- */

/* The longest textfile name accepted: NAME_MAX (255) less room for the
 * temporary name built around it (see writer.c). */
#define PF_MAX_FILE_NAME 200
/* Debian's textfile directory (prometheus-node-exporter's default). */
#define PF_DEFAULT_DIRECTORY "/var/lib/prometheus/node-exporter"

struct pf_config {
    char *directory; /* NULL: the default */
    char *file;      /* NULL: <program name>.prom */
    uint64_t interval_ms;
    unsigned mode;
    bool fsync;
    bool fsync_dir;
    bool remove_on_exit;
    /* [labels], in file order, with their lines for error messages. */
    size_t nlabels;
    char **label_names;
    char **label_values;
    unsigned *label_lines;
    /* [process] enabled: register the process metrics, with the label
     * program="<program>" (NULL: the program's name). */
    bool process;
    char *program;
    /* [limits], applied to the registry only when set (limits_set bits:
     * PF_LIMIT_*), so that limits set in code stay otherwise. */
    unsigned limits_set;
    size_t max_series;
    size_t max_label_len;
    bool replace_invalid;
    char *source; /* the ini file loaded last, or NULL */
    void (*err_fn)(int err, void *arg);
    void *err_arg;
};

/* Every default (see promfile.conf(5)). */
void pf__config_init(pf_config *cfg);
int pf__config_copy(const pf_config *src, pf_config *dst);
#define PF_LIMIT_SERIES 0x1u /* max_series */
#define PF_LIMIT_LENGTH 0x2u /* max_label_value_length */
#define PF_LIMIT_UTF8 0x4u   /* invalid_utf8 */
void pf__config_clear(pf_config *cfg);
int pf__parse_duration_ms(const char *v, uint64_t *ret);
/* 0, or -EINVAL with a message: a textfile name must end in .prom and
 * contain no '/'. */
int pf__check_file_name(const char *file);

/* ---- render.c ---- */

int pf__render(pf_registry *reg, pf_buf *out);
/* Render several registries as one text: their families merged by name,
 * each with its own constant labels. Each registry's render_mu is taken in
 * array order: two renders of the same registries must give them in the
 * same order. */
int pf__render_multi(pf_registry *const *regs, size_t n, pf_buf *out);

/* ---- writer.c ---- */

/* The system calls of the write path, replaceable by tests to inject
 * faults (tests/test_writer.c). Never changed by the library itself. */
typedef struct pf_sys {
    int (*open_dir)(const char *path);
    int (*openat)(int dfd, const char *name, int flags, unsigned mode);
    int (*fchmod)(int fd, unsigned mode);
    long (*write)(int fd, const void *buf, size_t n);
    int (*fsync)(int fd);
    int (*close)(int fd);
    int (*renameat)(int olddfd, const char *oldname, int newdfd,
                    const char *newname);
    int (*unlinkat)(int dfd, const char *name, int flags);
    int (*fstatat)(int dfd, const char *name, struct stat *st, int flags);
} pf_sys;

extern pf_sys pf__sys;

/* The atomic replace of TEXTFILE.md. Returns 0 or -errno. */
int pf__write_file(const char *dir, const char *file, const char *data,
                   size_t len, unsigned mode, unsigned flags);
/* Open the textfile directory `dir` for the write path: an O_PATH
 * descriptor, refused with ELOOP if dir is a symbolic link and, for root,
 * with EPERM if someone else could replace a directory above it (see
 * writer.c). Returns the descriptor, or -1 with errno set. */
int pf__dir_open(const char *dir);
/* Remove leftover temporary files of `file` in `dir`. Returns how many. */
int pf__remove_leftovers(const char *dir, const char *file);
/* Remove `file` from `dir` (remove_on_exit). Returns 0 or -errno; a file
 * already gone is not an error. */
int pf__remove_file(const char *dir, const char *file);

#endif /* PF_INTERNAL_H */
