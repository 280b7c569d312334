/* SPDX-License-Identifier: MIT */
/*
 * What the reader keeps of a file, compactly (issue 12, item 11): an arena
 * of bytes that are never freed one by one, and sets of byte strings
 * (series keys) in it, found through an open-addressing table of 32-bit
 * indexes. A million series cost their key bytes, 32 bytes of entry and
 * at most 8 bytes of table each. Private to src/text.
 */
#ifndef PF_TEXT_KEYS_H
#define PF_TEXT_KEYS_H

#include "pf-internal.h"

/* A bump allocator, freed all at once: its blocks grow from 4 KiB to
 * 1 MiB, so that small sets cost little and big ones few blocks. */
typedef struct pf_text_arena {
    struct pf_text_chunk *head;
    size_t next; /* the size of the next block */
} pf_text_arena;

/* n bytes aligned for any scalar, valid until pf__text_arena_clear(); NULL
 * when out of memory. */
void *pf__text_arena_alloc(pf_text_arena *a, size_t n);
/* A copy of p[0..n) followed by a NUL, or NULL. */
char *pf__text_arena_dup(pf_text_arena *a, const void *p, size_t n);
/* Free every block; the arena can be used again. */
void pf__text_arena_clear(pf_text_arena *a);

/* The array p of *cap elements of `size` bytes, grown (doubled, from 16)
 * to hold at least `need`: the new array, *cap updated; or NULL, when out
 * of memory, and p is as it was. */
void *pf__text_grow(void *p, size_t *cap, size_t need, size_t size);

/* One string of a set and what its user keeps with it. */
typedef struct pf_text_key {
    const char *key; /* in the set's arena, followed by a NUL */
    uint32_t len : 31;
    uint32_t alias : 1; /* made by pf__text_keys_push_alias() */
    uint32_t hash;      /* the low bits of pf__text_hash(key, len) */
    uint32_t a, b, c, d;
} pf_text_key;

typedef struct pf_text_keys {
    pf_text_key *keys; /* in the order added */
    size_t n, cap;
    uint32_t *slots; /* index + 1 of a key, 0 for none */
    size_t mask;     /* number of slots - 1 */
    pf_text_arena arena;
} pf_text_keys;

/* A 64-bit hash of p[0..n). */
uint64_t pf__text_hash(const void *p, size_t n);
/* The index of key[0..len) in s, which is added (with its user fields
 * zero) if it is not there; *added says which. -ENOMEM, or -E2BIG past
 * 2^32 - 2 keys or 2 GiB in a key. */
long pf__text_keys_get(pf_text_keys *s, const void *key, size_t len,
                       bool *added);
/* The index of key[0..len) in s, or -1. */
long pf__text_keys_find(const pf_text_keys *s, const void *key, size_t len);
/* Add an entry that shares the bytes of entry i and is not in the table
 * (the reader chains such entries). Returns its index or -ENOMEM. */
long pf__text_keys_push_alias(pf_text_keys *s, size_t i);
/* Free everything; the set is empty and can be used again. */
void pf__text_keys_clear(pf_text_keys *s);

#endif /* PF_TEXT_KEYS_H */
