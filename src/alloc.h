/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: every allocation of the library goes through here, so that the
 * out-of-memory tests can fail the n-th one (tests/test_oom.c).
 */
#ifndef PF_ALLOC_H
#define PF_ALLOC_H

#include "base.h"

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

#endif /* PF_ALLOC_H */
