/* SPDX-License-Identifier: MIT */
/*
 * shared.c: the shared region of a registry that the processes of one
 * daemon count in together (issue 14; libpromfile(7), "Pre-fork
 * daemons"). It knows nothing of families or rendering: it holds
 * records (families and series, as bytes, appended under a process-shared
 * mutex and never changed but for a series' deleted bit), the cells of
 * every worker slot, the slots, and the leader lock of the writers.
 *
 * Every process maps the whole region, and maps its own slot's cells a
 * second time at one address of its own, its window: a handle points into
 * the window, so that an update is one atomic operation on the process's
 * own cell, and the handles made before fork() stay valid in the child,
 * whose window fork() remaps onto a slot of its own.
 *
 * The region is untrusted input: a buggy or hostile worker may write any
 * byte of it. Readers check every offset and length before using it, and
 * callers validate names and values; a record, once read, is copied.
 */
#ifndef PF_SHARED_H
#define PF_SHARED_H

#include "base.h"

#include <pthread.h>
#include <stdatomic.h>

/* The layout's version: a region of another is refused. */
#define PF_SHARED_VERSION 1

/* The limits a region is made with ([shared] of promfile.conf(5)). */
typedef struct pf_shared_limits {
    uint32_t workers; /* worker slots, processes alive at once */
    uint32_t records; /* families and series */
    uint32_t cells;   /* 8-byte cells of each slot */
    uint32_t bytes;   /* names, help texts, label values */
} pf_shared_limits;

#define PF_SHARED_DEFAULT_WORKERS 64
#define PF_SHARED_DEFAULT_RECORDS 10000
/* Cells and bytes default to what the records need on average. */
#define PF_SHARED_CELLS_PER_RECORD 4
#define PF_SHARED_BYTES_PER_RECORD 64

/* Record kinds. */
#define PF_REC_FAMILY 1
#define PF_REC_SERIES 2

/* A series record's mutable state bit, seen by every process. */
#define PF_REC_DELETED 1u

/* A record, as the region holds it: 32 bytes, written whole before the
 * record count that publishes it. */
typedef struct pf_rec {
    _Atomic uint32_t state; /* series: PF_REC_DELETED */
    uint8_t kind;           /* PF_REC_FAMILY or PF_REC_SERIES */
    uint8_t type;           /* family: enum pf_type */
    uint8_t mode;           /* family: gauge mode (PF_GAUGE_*) */
    uint8_t nlabels;        /* family */
    uint32_t parent;        /* series: its family's record */
    uint32_t cell;          /* first cell */
    uint32_t ncells;        /* cells, in each slot */
    uint32_t off;           /* payload in the arena */
    uint32_t len;           /* its length */
    uint32_t nbuckets;      /* family: histogram bounds in the payload */
} pf_rec;

typedef struct pf_shared pf_shared;

/* Create an anonymous region (a sealed memfd, inherited by fork()). */
int pf__shared_new(const pf_shared_limits *lim, pf_shared **ret);
/* Create the named region at path (O_EXCL|O_NOFOLLOW, mode), or attach
 * the one there: checked for owner, mode, link count, size, magic and
 * version; one no process uses any more is started afresh. */
int pf__shared_open(const char *path, const pf_shared_limits *lim,
                    unsigned mode, pf_shared **ret);
/* Attach the region of fd (given by a parent before exec()). */
int pf__shared_attach_fd(int fd, pf_shared **ret);
/* Leave the region: its slot is freed, its cells stay counted. */
void pf__shared_free(pf_shared *sh);
/* The region's descriptor, or -1 if the process has closed it. */
int pf__shared_fd(const pf_shared *sh);
/* This process's slot. */
unsigned pf__shared_slot(const pf_shared *sh);

/* The process-shared creation lock: every record is appended under it.
 * Returns 0; a holder that died is recovered from (what it appended was
 * not published). */
void pf__shared_lock(pf_shared *sh);
void pf__shared_unlock(pf_shared *sh);

/* Records published so far (acquire). */
uint32_t pf__shared_nrecords(const pf_shared *sh);
/* Record i < nrecords, or NULL if i is out of range. Its fields are
 * untrusted. */
const pf_rec *pf__shared_rec(const pf_shared *sh, uint32_t i);
/* Its payload, checked to lie within the arena; NULL if not. */
const char *pf__shared_payload(const pf_shared *sh, const pf_rec *r);
/* Append a record with the given payload and a fresh run of `ncells`
 * cells (zero in every slot). Under the lock. Returns its index, or
 * -ENOSPC (records, cells or bytes used up: counted) with a message. */
long pf__shared_append(pf_shared *sh, const pf_rec *r, const void *payload,
                       size_t len);

/* This process's cell i (in its window), or NULL if i is out of range. */
_Atomic uint64_t *pf__shared_cell(const pf_shared *sh, uint32_t i);
/* Cell i of slot s, for reading every slot, or NULL. */
const _Atomic uint64_t *pf__shared_slot_cell(const pf_shared *sh, unsigned s,
                                             uint32_t i);
/* Zero cells [i, i + n) in every slot (a revived series). */
void pf__shared_zero_cells(pf_shared *sh, uint32_t i, uint32_t n);
/* The index of this process's cell `cell` (in its window). */
uint32_t pf__shared_cell_index(const pf_shared *sh,
                               const _Atomic uint64_t *cell);
/* Look again at which slots were ever used (before a render). */
void pf__shared_refresh(pf_shared *sh);
/* Cell i summed over the slots ever used, as integers or as doubles. */
uint64_t pf__shared_sum_u64(const pf_shared *sh, uint32_t i);
double pf__shared_sum_double(const pf_shared *sh, uint32_t i);
/* A global sequence number, for the most recent gauge value. */
uint64_t pf__shared_stamp(pf_shared *sh);

/* The slots: how many, and whether slot s is in use by a live process
 * (checked with its pid and start time). */
unsigned pf__shared_nslots(const pf_shared *sh);
bool pf__shared_slot_live(const pf_shared *sh, unsigned s);
/* Slots ever claimed: only those can hold counts. */
bool pf__shared_slot_used(const pf_shared *sh, unsigned s);

/* Writer election: try to become, or stay, the one writer of the region,
 * as the writer `token` (any value unique among this process's writers).
 * Returns true if it is (a leader whose process died is taken over).
 * pf__shared_resign() gives it up. */
bool pf__shared_lead(pf_shared *sh, uint64_t token);
void pf__shared_resign(pf_shared *sh, uint64_t token);

/* What promfile_shared_* report. */
typedef struct pf_shared_stats {
    pf_shared_limits limits;
    uint32_t records, cells, bytes; /* used */
    unsigned live, dead;            /* slots */
    uint64_t overflow_records, overflow_cells, overflow_bytes, overflow_workers;
} pf_shared_stats;
void pf__shared_stats(const pf_shared *sh, pf_shared_stats *st);

/* Called in the child of fork() (lock.c): each region the process uses
 * gets a slot of its own, and the window is remapped onto it. */
void pf__shared_after_fork(void);

/* Test hook: called at the steps of an append ("arena", "cells",
 * "record"), with the lock held; NULL normally. */
extern void (*pf__shared_hook)(const char *step);

#endif /* PF_SHARED_H */
