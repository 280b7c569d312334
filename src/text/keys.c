/* SPDX-License-Identifier: MIT */
/* The reader's arena and sets of keys: see keys.h. */
#include "keys.h"

#include <errno.h>
#include <string.h>

/* ---- Arena ---- */

#define CHUNK_FIRST ((size_t)4 << 10)
#define CHUNK_MAX ((size_t)1 << 20)

struct pf_text_chunk {
    struct pf_text_chunk *next;
    size_t used, size;
    /* The chunk's bytes follow, aligned as max_align_t. */
    _Alignas(max_align_t) unsigned char data[];
};

void *pf__text_arena_alloc(pf_text_arena *a, size_t n)
{
    struct pf_text_chunk *c = a->head;
    const size_t align = _Alignof(max_align_t);
    size_t need = (n + align - 1) & ~(align - 1);

    if (need < n)
        return NULL;
    if (!c || c->size - c->used < need) {
        size_t size = a->next ? a->next : CHUNK_FIRST;

        if (size < CHUNK_MAX)
            a->next = size * 2;
        if (size < need)
            size = need;
        if (size > SIZE_MAX - sizeof(*c))
            return NULL;
        c = pf__malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        /* A block for one big request goes behind the current one, so
         * that the room left in that one is not lost. */
        if (a->head && size == need && size > CHUNK_MAX) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    c->used += need;
    return c->data + c->used - need;
}

char *pf__text_arena_dup(pf_text_arena *a, const void *p, size_t n)
{
    char *d = n < SIZE_MAX ? pf__text_arena_alloc(a, n + 1) : NULL;

    if (!d)
        return NULL;
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

void pf__text_arena_clear(pf_text_arena *a)
{
    while (a->head) {
        struct pf_text_chunk *next = a->head->next;

        pf__free(a->head);
        a->head = next;
    }
    a->next = 0;
}

void *pf__text_grow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;
    void *v;

    /* An array that was never allocated gets its first elements, even
     * when none is needed yet: NULL means out of memory. */
    if (need <= *cap && p)
        return p;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return NULL;
    v = pf__realloc(p, n * size);
    if (v)
        *cap = n;
    return v;
}

/* ---- Hash ---- */

static uint64_t mix(uint64_t h)
{
    /* The finalizer of MurmurHash3 (public domain): every input bit
     * reaches every output bit. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t pf__text_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x2545f4914f6cdd1dULL);

    /* Eight bytes at a time, each word mixed in by a multiplication. */
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;

        memcpy(&w, s, 8);
        h = (h ^ mix(w)) * 0x9e3779b97f4a7c15ULL;
    }
    if (n) {
        uint64_t w = 0;

        memcpy(&w, s, n);
        h = (h ^ mix(w ^ n)) * 0x9e3779b97f4a7c15ULL;
    }
    return mix(h);
}

/* ---- Sets ---- */

static bool same(const pf_text_key *k, uint32_t hash, const void *key,
                 size_t len)
{
    return k->hash == hash && k->len == len &&
           (len == 0 || memcmp(k->key, key, len) == 0);
}

long pf__text_keys_find(const pf_text_keys *s, const void *key, size_t len)
{
    uint32_t hash = (uint32_t)pf__text_hash(key, len);

    if (!s->slots)
        return -1;
    for (size_t i = hash & s->mask;; i = (i + 1) & s->mask) {
        uint32_t v = s->slots[i];

        if (v == 0)
            return -1;
        if (same(&s->keys[v - 1], hash, key, len))
            return (long)v - 1;
    }
}

/* Make room for one more entry. */
static int reserve(pf_text_keys *s)
{
    pf_text_key *k;

    if (s->n >= UINT32_MAX - 1)
        return -E2BIG;
    k = pf__text_grow(s->keys, &s->cap, s->n + 1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    s->keys = k;
    return 0;
}

/* Keep the table at most half full. */
static int grow_table(pf_text_keys *s)
{
    size_t nslots = s->slots ? (s->mask + 1) * 2 : 128;
    uint32_t *slots;

    if (s->slots && s->n < (s->mask + 1) / 2)
        return 0;
    slots = pf__calloc(nslots, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t j = s->keys[i].hash & (nslots - 1);

        /* Aliases are not in the table. */
        if (s->keys[i].alias)
            continue;
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i + 1;
    }
    pf__free(s->slots);
    s->slots = slots;
    s->mask = nslots - 1;
    return 0;
}

long pf__text_keys_get(pf_text_keys *s, const void *key, size_t len,
                       bool *added)
{
    uint32_t hash = (uint32_t)pf__text_hash(key, len);
    size_t i;
    pf_text_key *k;
    int r;

    *added = false;
    if (len > INT32_MAX)
        return -E2BIG;
    if (s->slots)
        for (i = hash & s->mask; s->slots[i]; i = (i + 1) & s->mask)
            if (same(&s->keys[s->slots[i] - 1], hash, key, len))
                return (long)s->slots[i] - 1;
    r = grow_table(s);
    if (r == 0)
        r = reserve(s);
    if (r < 0)
        return r;
    k = &s->keys[s->n];
    memset(k, 0, sizeof(*k));
    k->key = len ? pf__text_arena_dup(&s->arena, key, len) : "";
    if (!k->key)
        return -ENOMEM;
    k->len = (uint32_t)len;
    k->hash = hash;
    for (i = hash & s->mask; s->slots[i]; i = (i + 1) & s->mask)
        ;
    s->slots[i] = (uint32_t)s->n + 1;
    *added = true;
    return (long)s->n++;
}

long pf__text_keys_push_alias(pf_text_keys *s, size_t i)
{
    int r = reserve(s);

    if (r < 0)
        return r;
    s->keys[s->n] = s->keys[i];
    s->keys[s->n].alias = 1;
    s->keys[s->n].a = s->keys[s->n].b = s->keys[s->n].c = 0;
    s->keys[s->n].d = 0;
    return (long)s->n++;
}

void pf__text_keys_clear(pf_text_keys *s)
{
    pf__free(s->keys);
    pf__free(s->slots);
    pf__text_arena_clear(&s->arena);
    memset(s, 0, sizeof(*s));
}
