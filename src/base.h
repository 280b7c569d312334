/* SPDX-License-Identifier: MIT */
/*
 * What every source file of the library, the tool and the unit tests
 * shares: the configure results, the public header, and a few compiler
 * helpers. Each module has a header of its own (alloc.h, family.h, ...);
 * pf-internal.h includes them all, for the tests and the tool. Nothing
 * declared in these headers is exported from the shared object: every
 * function is pf__-prefixed and hidden by -fvisibility=hidden.
 */
#ifndef PF_BASE_H
#define PF_BASE_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "promfile.h"

#if defined(__GNUC__)
#define PF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PF_LIKELY(x) __builtin_expect(!!(x), 1)
#define PF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PF_ALWAYS_INLINE __attribute__((always_inline))
#else
#define PF_PRINTF(a, b)
#define PF_LIKELY(x) (x)
#define PF_UNLIKELY(x) (x)
#define PF_ALWAYS_INLINE
#endif

#define PF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Series are placed on cache-line boundaries so that two hot series never
 * share a line (no false sharing between threads updating different
 * series). 64 bytes is the line size of x86-64 and most arm64 cores. */
#define PF_CACHELINE 64

/* The longest metric or label name accepted, in bytes. The format has no
 * limit, but nobody needs more, and bounded names keep messages and
 * collision checks simple. */
#define PF_MAX_NAME 255

#endif /* PF_BASE_H */
