/* SPDX-License-Identifier: MIT */
/*
 * lock.c: the library's mutexes and fork().
 */
#ifndef PF_LOCK_H
#define PF_LOCK_H

#include "base.h"

#include <pthread.h>

/* Called in the child of fork(), before any other code of it runs: set
 * by shared.c, once a process has a shared region. */
extern void (*pf__fork_child_hook)(void);
/* Install the fork() handlers (once; every registry calls it). */
void pf__fork_init(void);
/* Enter and leave a critical section over registries or families; a
 * fork() waits until none is entered. Sections must not nest. */
void pf__fork_enter(void);
void pf__fork_leave(void);
/* Lock and unlock `mu` as a section of its own. */
void pf__lock(pthread_mutex_t *mu);
void pf__unlock(pthread_mutex_t *mu);

#endif /* PF_LOCK_H */
