/* SPDX-License-Identifier: MIT */
/*
 * The library's mutexes and fork().
 *
 * A child process gets a copy of every mutex in the state it had in the
 * parent; one held by another thread (a render, a series being created)
 * would stay locked forever in the child, and the data it guards half
 * changed. Taking every mutex around fork() (what this file replaced) is
 * correct but costs one lock, and in the child one copy-on-write fault, per
 * family: 430 ms with 10,000 families, during which no other thread could
 * create a series (issue 12).
 *
 * Instead, every critical section over the library's registries and
 * families is entered through pf__fork_enter(), which counts it, and the
 * fork handler waits for the count to drop to zero, holding off new
 * entries meanwhile: at the moment of fork() no thread is inside any of
 * them, so every mutex is unlocked and every structure consistent, in the
 * parent and in the child alike. The handler's cost does not depend on
 * the number of registries, families or series. Entering costs two atomic
 * operations on one word, paid by the slow paths only (creation, deletion,
 * registration, a render), never by a lookup of an existing series or an
 * update.
 *
 * Sections do not nest: a thread that entered one and entered again while
 * fork() waits would wait for itself. pf__lock() covers a section of one
 * mutex; a render, which holds several, enters once around them all.
 */
#include "lock.h"

#include <stdatomic.h>
#include <sched.h>

/* Threads inside a section, and whether a fork() is waiting for them.
 * Sequentially consistent: an entering thread's increment and a forking
 * thread's flag must not both miss each other. */
static _Atomic unsigned long active;
static _Atomic bool forking;
/* Held by the forking thread from prepare to the end of fork(): a thread
 * that finds `forking` set waits on it. */
static pthread_mutex_t fork_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
    pthread_mutex_lock(&fork_mu);
    atomic_store(&forking, true);
    /* Sections are short (a render is the longest): yield until the
     * threads inside have left. */
    while (atomic_load(&active) != 0)
        sched_yield();
}

static void fork_release(void)
{
    atomic_store(&forking, false);
    /* In the child too: the mutex was locked by this very thread, and a
     * normal mutex is unlocked without an owner check. */
    pthread_mutex_unlock(&fork_mu);
}

void (*pf__fork_child_hook)(void);

static void fork_child(void)
{
    /* The child's own worker slots of shared registries (shared.c). */
    if (pf__fork_child_hook)
        pf__fork_child_hook();
    fork_release();
}

static void install_atfork(void)
{
    pthread_atfork(fork_prepare, fork_release, fork_child);
}

void pf__fork_init(void)
{
    pthread_once(&atfork_once, install_atfork);
}

void pf__fork_enter(void)
{
    for (;;) {
        atomic_fetch_add(&active, 1);
        if (PF_LIKELY(!atomic_load(&forking)))
            return;
        /* A fork() is waiting for the sections to drain: step back out,
         * and wait for it to be done. */
        atomic_fetch_sub(&active, 1);
        pthread_mutex_lock(&fork_mu);
        pthread_mutex_unlock(&fork_mu);
    }
}

void pf__fork_leave(void)
{
    atomic_fetch_sub(&active, 1);
}

void pf__lock(pthread_mutex_t *mu)
{
    pf__fork_enter();
    pthread_mutex_lock(mu);
}

void pf__unlock(pthread_mutex_t *mu)
{
    pthread_mutex_unlock(mu);
    pf__fork_leave();
}
