/* SPDX-License-Identifier: MIT */
/*
 * The shared region: see shared.h and libpromfile(7), "Pre-fork daemons".
 *
 * Layout, every part page-aligned, the sizes fixed at creation:
 *
 *   header   magic (written last), version, layout, limits, offsets, the
 *            creation mutex, counts, the leader word, overflow counts
 *   slots    one per worker: its owner (pid and start time), whether it
 *            was ever used
 *   records  32 bytes each, appended and published by the record count
 *   arena    the records' payloads (names, HELP, labels, bounds, values)
 *   cells    slot-major: slot s holds `cells` 8-byte cells; a record's
 *            run of cells has the same place in every slot
 *
 * A worker writes only the cells of its own slot, so that workers never
 * share a cache line; a dead worker's counts stay in its slot, and the
 * next process to claim the slot adds to them: totals never go down and
 * nothing is counted twice, and memory is bounded by the most workers
 * alive at once (MULTIPROCESS.md's design, as built). A slot's owner word
 * holds the pid and the low 32 bits of the process's start time (clock
 * ticks since boot): a process is alive if kill(pid, 0) finds it and its
 * start time is that one (a reused pid has another), which needs no file
 * descriptor and no lock held for life, so a daemon that closes every
 * descriptor it does not know of keeps its slot (the record locks of
 * MULTIPROCESS.md are lost by closing any descriptor of the file).
 */
#include "shared.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "alloc.h"
#include "error.h"
#include "format.h"
#include "lock.h"

/* "promfile" in ASCII. */
#define MAGIC 0x656c69666d6f7270ULL

/* Gauge modes whose cells a new owner of a slot starts from 0 (see
 * promfile.h): what a dead worker last held must not come back. */
#define RESET_MODES                                                            \
    ((1u << PF_GAUGE_PER_WORKER) | (1u << PF_GAUGE_LIVESUM) |                  \
     (1u << PF_GAUGE_LIVEMAX) | (1u << PF_GAUGE_LIVEMIN))

/* A slot's owner word: pid in the low 31 bits, CLAIMING in bit 31 while
 * the new owner resets its live gauges, the low 32 bits of its start time
 * above. 0: free. */
#define CLAIMING 0x80000000ULL
#define OWNER(pid, start)                                                      \
    (((uint64_t)(uint32_t)(start) << 32) | (uint32_t)(pid))

typedef struct header {
    _Atomic uint64_t magic;
    uint32_t version;
    uint32_t layout; /* sizes of the structures, see layout_of() */
    uint64_t size;
    uint64_t epoch;
    pf_shared_limits limits;
    uint64_t slot_size;
    uint64_t off_slots, off_records, off_arena, off_cells;
    pthread_mutex_t lock;
    _Atomic uint32_t nrecords;
    _Atomic uint32_t ncells;
    _Atomic uint32_t nbytes;
    _Atomic uint64_t stamp;
    _Atomic uint64_t leader;       /* OWNER() of the writing process */
    _Atomic uint64_t leader_token; /* which of its writers */
    _Atomic uint64_t overflow[4];  /* records, cells, bytes, workers */
} header;

typedef struct slot {
    _Atomic uint64_t owner;
    _Atomic uint32_t used;
    uint32_t pad[13];
} slot;

_Static_assert(sizeof(slot) == 64, "a slot per cache line");
_Static_assert(sizeof(pf_rec) == 32, "pf_rec grew");
_Static_assert(sizeof(header) <= 4096, "the header is one page");

struct pf_shared {
    char *base; /* the whole region */
    size_t size;
    int fd; /* memfd or the named file; -1 once closed */
    bool named;
    /* Local copies of what the header says, checked at attach: every
     * bound is taken from here, never again from the region. */
    pf_shared_limits limits;
    size_t slot_size;
    size_t off_slots, off_records, off_arena, off_cells;
    /* This process's slot, and its window (its cells mapped a second
     * time); `borrowed`: no slot was free at fork(), so the window is
     * still the parent's slot. */
    unsigned slot;
    bool borrowed;
    char *window;
    pid_t pid; /* the process the slot and window are for */
    /* One more than the last slot ever used, as pf__shared_refresh()
     * last saw it: sums look no further. */
    _Atomic unsigned nused;
    /* The regions of this process, for fork() and exit(). */
    struct pf_shared *next;
};

static header *hdr(const pf_shared *sh)
{
    return (header *)(void *)sh->base;
}

static slot *slot_at(const pf_shared *sh, unsigned s)
{
    return (slot *)(void *)(sh->base + sh->off_slots) + s;
}

void (*pf__shared_hook)(const char *step);

static void hook(const char *step)
{
    if (pf__shared_hook)
        pf__shared_hook(step);
}

/* ---- Processes --------------------------------------------------------- */

/* The start time of process pid, in clock ticks since boot (field 22 of
 * /proc/pid/stat), or 0. Only open(), read() and close(): fit for the
 * child of fork(). */
static uint64_t start_time_of(pid_t pid)
{
    char path[32], buf[1024];
    uint64_t v = 0;
    ssize_t n;
    int fd, field = 2;
    char *p;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses. */
    p = strrchr(buf, ')');
    if (!p)
        return 0;
    for (p++; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    return v;
}

/* This process's owner word, computed once per process. */
static uint64_t my_owner(void)
{
    static _Atomic uint64_t cached;
    pid_t pid = getpid();
    uint64_t o = atomic_load(&cached);

    if ((o & 0x7fffffffULL) == (uint64_t)pid)
        return o;
    o = OWNER(pid, start_time_of(pid));
    atomic_store(&cached, o);
    return o;
}

/* Is the process of owner word o alive? */
static bool owner_alive(uint64_t o)
{
    pid_t pid = (pid_t)(o & 0x7fffffffULL);

    if (o == 0 || pid <= 0)
        return false;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    /* The pid exists: is it still that process? */
    return (uint32_t)start_time_of(pid) == (uint32_t)(o >> 32);
}

/* ---- The list of this process's regions --------------------------------- */

static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static pf_shared *regions;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void free_slot(pf_shared *sh)
{
    uint64_t o = atomic_load(&slot_at(sh, sh->slot)->owner);

    /* Only our own: the counts stay, the slot is free for another. */
    if (!sh->borrowed && (o & 0x7fffffffULL) == (uint64_t)getpid())
        atomic_compare_exchange_strong(&slot_at(sh, sh->slot)->owner, &o, 0);
}

/* At exit(), each slot of this process is freed, so that live modes and
 * slot counts need not wait for its death to be noticed. */
static void exit_all(void)
{
    for (pf_shared *sh = regions; sh; sh = sh->next)
        if (sh->pid == getpid())
            free_slot(sh);
}

static void install_exit(void)
{
    atexit(exit_all);
}

static void list_add(pf_shared *sh)
{
    pthread_once(&exit_once, install_exit);
    pf__fork_init();
    pf__fork_child_hook = pf__shared_after_fork;
    /* In a section, so that fork() never finds the list half changed. */
    pf__lock(&list_mu);
    sh->next = regions;
    regions = sh;
    pf__unlock(&list_mu);
}

static void list_remove(pf_shared *sh)
{
    pf__lock(&list_mu);
    for (pf_shared **p = &regions; *p; p = &(*p)->next)
        if (*p == sh) {
            *p = sh->next;
            break;
        }
    pf__unlock(&list_mu);
}

/* ---- Slots -------------------------------------------------------------- */

/* Zero the cells of slot s of every series whose family is a gauge of a
 * mode that starts each worker from 0. */
static void reset_live_gauges(pf_shared *sh, unsigned s)
{
    uint32_t n = pf__shared_nrecords(sh);

    for (uint32_t i = 0; i < n; i++) {
        const pf_rec *r = pf__shared_rec(sh, i), *f;

        if (!r || r->kind != PF_REC_SERIES)
            continue;
        f = pf__shared_rec(sh, r->parent);
        if (!f || f->kind != PF_REC_FAMILY || f->type != PF_TYPE_GAUGE ||
            f->mode >= 32 || !(RESET_MODES & (1u << f->mode)))
            continue;
        for (uint32_t c = 0; c < r->ncells; c++) {
            _Atomic uint64_t *p =
                (_Atomic uint64_t *)(uintptr_t)pf__shared_slot_cell(
                    sh, s, r->cell + c);

            if (p)
                atomic_store_explicit(p, 0, memory_order_relaxed);
        }
    }
}

/* Claim a slot for this process: a free one, or one whose owner is dead.
 * Returns the slot, or -ENOSPC. Only atomics, kill(), open() and read():
 * fit for the child of fork(). */
static int claim_slot(pf_shared *sh)
{
    uint64_t me = my_owner();

    /* Free slots first: they need no liveness check. */
    for (int pass = 0; pass < 2; pass++)
        for (unsigned s = 0; s < sh->limits.workers; s++) {
            slot *sl = slot_at(sh, s);
            uint64_t o = atomic_load(&sl->owner);

            if (pass == 0 ? o != 0 : (o == 0 || owner_alive(o & ~CLAIMING)))
                continue;
            if (!atomic_compare_exchange_strong(&sl->owner, &o, me | CLAIMING))
                continue;
            /* Ours. While CLAIMING, readers count it neither live nor
             * dead: reset what must restart from 0, then publish. */
            reset_live_gauges(sh, s);
            atomic_store(&sl->used, 1);
            atomic_store(&sl->owner, me);
            return (int)s;
        }
    atomic_fetch_add(&hdr(sh)->overflow[3], 1);
    return -ENOSPC;
}

/* Map slot s's cells at `at` (NULL: anywhere). Returns the window or
 * NULL. With the descriptor if the process still has it, else as a second
 * mapping of the pages of the whole region's. */
static char *map_window(pf_shared *sh, unsigned s, char *at)
{
    size_t off = sh->off_cells + (size_t)s * sh->slot_size;
    int flags = MAP_SHARED | (at ? MAP_FIXED : 0);
    void *p = MAP_FAILED;

    if (sh->fd >= 0)
        p = mmap(at, sh->slot_size, PROT_READ | PROT_WRITE, flags, sh->fd,
                 (off_t)off);
    if (p == MAP_FAILED && at) {
        /* No descriptor (closed by the program): a shared mapping can be
         * mapped again with mremap() and an old size of 0. */
        p = mremap(sh->base + off, 0, sh->slot_size,
                   MREMAP_MAYMOVE | MREMAP_FIXED, at);
        if (p != MAP_FAILED && sh->fd >= 0)
            sh->fd = -1;
    }
    return p == MAP_FAILED ? NULL : p;
}

void pf__shared_after_fork(void)
{
    /* The child of fork(): one thread, no section entered anywhere, the
     * list as the parent had it. */
    for (pf_shared *sh = regions; sh; sh = sh->next) {
        int s = claim_slot(sh);

        /* The parent's descriptor is ours too, but it is not checked: a
         * process that closed it has -1 there, or another file. */
        if (sh->fd >= 0 && fcntl(sh->fd, F_GETFD) < 0)
            sh->fd = -1;
        sh->pid = getpid();
        if (s >= 0 && map_window(sh, (unsigned)s, sh->window)) {
            sh->slot = (unsigned)s;
            sh->borrowed = false;
        } else {
            /* No slot free: count in the parent's. Totals stay exact;
             * this process's gauges mix with its parent's. */
            if (s >= 0)
                atomic_store(&slot_at(sh, (unsigned)s)->owner, 0);
            sh->borrowed = true;
        }
    }
}

/* ---- Creating and attaching -----------------------------------------------
 */

static size_t page_up(size_t n)
{
    size_t p = (size_t)sysconf(_SC_PAGESIZE);

    return (n + p - 1) / p * p;
}

/* The sizes of what two builds must agree on. */
static uint32_t layout_of(void)
{
    return (uint32_t)(sizeof(header) | sizeof(pthread_mutex_t) << 12 |
                      sizeof(pf_rec) << 20 | sizeof(slot) << 26);
}

/* Fill in every offset and the size from lim (checked). */
static int plan(pf_shared *sh, const pf_shared_limits *lim)
{
    pf_shared_limits l = *lim;

    if (l.workers == 0 || l.workers > 4096 || l.records == 0 ||
        l.records > (1u << 24))
        return pf__err(-EINVAL,
                       "shared limits out of range: workers 1 to 4096, "
                       "series 1 to 16777216");
    if (l.cells == 0)
        l.cells = l.records * PF_SHARED_CELLS_PER_RECORD;
    if (l.bytes == 0)
        l.bytes = l.records * PF_SHARED_BYTES_PER_RECORD;
    if (l.cells > (1u << 28) || l.bytes > (1u << 30))
        return pf__err(-EINVAL, "shared limits out of range: at most 2^28 "
                                "cells, 1 GiB of names and values");
    sh->limits = l;
    sh->slot_size = page_up((size_t)l.cells * 8);
    sh->off_slots = page_up(sizeof(header));
    sh->off_records = sh->off_slots + page_up((size_t)l.workers * sizeof(slot));
    sh->off_arena =
        sh->off_records + page_up((size_t)l.records * sizeof(pf_rec));
    sh->off_cells = sh->off_arena + page_up(l.bytes);
    sh->size = sh->off_cells + (size_t)l.workers * sh->slot_size;
    return 0;
}

/* Make a fresh region in sh->base (zeroed, of sh->size). */
static int init_region(pf_shared *sh)
{
    header *h = hdr(sh);
    pthread_mutexattr_t ma;
    int r;

    memset(sh->base, 0, sh->off_records);
    h->version = PF_SHARED_VERSION;
    h->layout = layout_of();
    h->size = sh->size;
    h->limits = sh->limits;
    h->slot_size = sh->slot_size;
    h->off_slots = sh->off_slots;
    h->off_records = sh->off_records;
    h->off_arena = sh->off_arena;
    h->off_cells = sh->off_cells;
#ifdef HAVE_GETRANDOM
    if (getrandom(&h->epoch, sizeof(h->epoch), GRND_NONBLOCK) < 0)
#endif
        h->epoch = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    r = pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    if (r != 0)
        return pf__err(-r, "cannot make the shared lock: %s", pf__strerror(r));
    /* Written last: a region is usable once it has its magic. */
    atomic_store(&h->magic, MAGIC);
    return 0;
}

/* Check the header of an existing region against this build and take its
 * limits. */
static int check_region(pf_shared *sh, size_t size, const char *what)
{
    header *h = hdr(sh);
    pf_shared_limits l;
    pf_shared mine;

    if (size < sizeof(header) || atomic_load(&h->magic) != MAGIC)
        return pf__err(-EINVAL, "%.80s is not a promfile shared region", what);
    if (h->version != PF_SHARED_VERSION || h->layout != layout_of())
        return pf__err(-EPROTO,
                       "%.80s has shared region layout %u/%#x; this "
                       "libpromfile %s uses %u/%#x",
                       what, h->version, h->layout, PACKAGE_VERSION,
                       PF_SHARED_VERSION, layout_of());
    l = h->limits;
    memset(&mine, 0, sizeof(mine));
    if (plan(&mine, &l) < 0 || mine.size != size || h->size != size ||
        h->slot_size != mine.slot_size || h->off_cells != mine.off_cells)
        return pf__err(-EINVAL,
                       "%.80s: the shared region's sizes do not "
                       "add up",
                       what);
    sh->limits = mine.limits;
    sh->slot_size = mine.slot_size;
    sh->off_slots = mine.off_slots;
    sh->off_records = mine.off_records;
    sh->off_arena = mine.off_arena;
    sh->off_cells = mine.off_cells;
    sh->size = size;
    return 0;
}

/* Map the whole region of sh->fd, of `size` bytes. */
static int map_all(pf_shared *sh, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, sh->fd, 0);

    if (p == MAP_FAILED)
        return pf__err(-errno, "cannot map the shared region: %s",
                       pf__strerror(-errno));
    sh->base = p;
    sh->size = size;
    return 0;
}

/* Claim a slot, map the window, and join the list. */
static int join(pf_shared *sh)
{
    int s = claim_slot(sh);

    if (s < 0)
        return pf__err(-ENOSPC,
                       "every worker slot of the shared region is taken by a "
                       "live process (%u); raise [shared] workers",
                       sh->limits.workers);
    sh->slot = (unsigned)s;
    sh->window = map_window(sh, sh->slot, NULL);
    if (!sh->window) {
        atomic_store(&slot_at(sh, sh->slot)->owner, 0);
        return pf__err(-ENOMEM, "cannot map the worker's cells");
    }
    sh->pid = getpid();
    pf__shared_refresh(sh);
    list_add(sh);
    return 0;
}

static pf_shared *shared_alloc(void)
{
    pf_shared *sh = pf__calloc(1, sizeof(*sh));

    if (sh)
        sh->fd = -1;
    return sh;
}

static void shared_destroy(pf_shared *sh)
{
    if (sh->base)
        munmap(sh->base, sh->size);
    if (sh->window)
        munmap(sh->window, sh->slot_size);
    if (sh->fd >= 0)
        close(sh->fd);
    pf__free(sh);
}

int pf__shared_new(const pf_shared_limits *lim, pf_shared **ret)
{
    pf_shared *sh = shared_alloc();
    int r;

    if (!sh)
        return -ENOMEM;
    r = plan(sh, lim);
    if (r == 0) {
        sh->fd =
            memfd_create("promfile-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (sh->fd < 0)
            r = pf__err(-errno, "cannot make the shared region: %s",
                        pf__strerror(-errno));
    }
    if (r == 0 && ftruncate(sh->fd, (off_t)sh->size) < 0)
        r = pf__err(-errno, "cannot size the shared region: %s",
                    pf__strerror(-errno));
    /* Its size may never change: no SIGBUS for anyone who mapped it. */
    if (r == 0)
        fcntl(sh->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    if (r == 0)
        r = map_all(sh, sh->size);
    if (r == 0)
        r = init_region(sh);
    if (r == 0)
        r = join(sh);
    if (r < 0) {
        shared_destroy(sh);
        return r;
    }
    *ret = sh;
    return 0;
}

int pf__shared_attach_fd(int fd, pf_shared **ret)
{
    pf_shared *sh;
    struct stat st;
    int r;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return pf__err(-EBADF, "descriptor %d is not a shared region", fd);
    sh = shared_alloc();
    if (!sh)
        return -ENOMEM;
    sh->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (sh->fd < 0) {
        r = -errno;
        pf__free(sh);
        return r;
    }
    r = map_all(sh, (size_t)st.st_size);
    if (r == 0)
        r = check_region(sh, (size_t)st.st_size, "the descriptor");
    if (r == 0)
        r = join(sh);
    if (r < 0) {
        shared_destroy(sh);
        return r;
    }
    *ret = sh;
    return 0;
}

/* Does any process still use the region (a live slot)? */
static bool any_live(const pf_shared *sh)
{
    for (unsigned s = 0; s < sh->limits.workers; s++) {
        uint64_t o = atomic_load(&slot_at(sh, s)->owner);

        if (o && owner_alive(o & ~CLAIMING))
            return true;
    }
    return false;
}

int pf__shared_open(const char *path, const pf_shared_limits *lim,
                    unsigned mode, pf_shared **ret)
{
    pf_shared *sh = shared_alloc();
    struct stat st;
    bool fresh = false;
    int r;

    if (!sh)
        return -ENOMEM;
    sh->named = true;
    r = plan(sh, lim);
    if (r < 0) {
        pf__free(sh);
        return r;
    }
    sh->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  (mode_t)mode);
    if (sh->fd >= 0) {
        fresh = true;
        /* Exactly `mode`, whatever the umask. */
        fchmod(sh->fd, (mode_t)mode);
    } else if (errno == EEXIST) {
        sh->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    }
    if (sh->fd < 0) {
        r = pf__err(-errno, "%.80s: %s", path, pf__strerror(-errno));
        pf__free(sh);
        return r;
    }
    /* Attach and start afresh one at a time: under flock() of the file,
     * which no reader of the region needs. */
    while (flock(sh->fd, LOCK_EX) < 0 && errno == EINTR)
        ;
    if (fstat(sh->fd, &st) < 0)
        r = pf__err(-errno, "%.80s: %s", path, pf__strerror(-errno));
    else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
        r = pf__err(-EPERM, "%.80s is not a regular file of one link", path);
    else if (st.st_uid != geteuid())
        r = pf__err(-EPERM,
                    "%.80s belongs to uid %u, not to this process's "
                    "%u",
                    path, (unsigned)st.st_uid, (unsigned)geteuid());
    else if ((st.st_mode & 0777 & ~(mode_t)mode) != 0)
        r = pf__err(-EPERM,
                    "%.80s has mode %04o, more than the %04o asked "
                    "for",
                    path, (unsigned)(st.st_mode & 0777), mode);
    if (r == 0 && !fresh && st.st_size > 0) {
        r = map_all(sh, (size_t)st.st_size);
        if (r == 0)
            r = check_region(sh, (size_t)st.st_size, path);
        if (r == 0 && !any_live(sh)) {
            /* Nobody counts in it any more: the daemon restarted. */
            munmap(sh->base, sh->size);
            sh->base = NULL;
            fresh = true;
            r = plan(sh, lim);
        } else if (r == -EINVAL && !any_live(sh)) {
            /* Half made by a creator that died before its magic. */
            fresh = true;
            r = plan(sh, lim);
        }
    } else if (r == 0) {
        fresh = true;
    }
    if (r == 0 && fresh) {
        if (sh->base) {
            munmap(sh->base, sh->size);
            sh->base = NULL;
        }
        if (ftruncate(sh->fd, 0) < 0 || ftruncate(sh->fd, (off_t)sh->size) < 0)
            r = pf__err(-errno, "%.80s: %s", path, pf__strerror(-errno));
        if (r == 0)
            r = map_all(sh, sh->size);
        if (r == 0)
            r = init_region(sh);
    }
    if (r == 0)
        r = join(sh);
    flock(sh->fd, LOCK_UN);
    if (r < 0) {
        shared_destroy(sh);
        return r;
    }
    *ret = sh;
    return 0;
}

void pf__shared_free(pf_shared *sh)
{
    if (!sh)
        return;
    list_remove(sh);
    if (sh->pid == getpid())
        free_slot(sh);
    shared_destroy(sh);
}

int pf__shared_fd(const pf_shared *sh)
{
    return sh->fd;
}

unsigned pf__shared_slot(const pf_shared *sh)
{
    return sh->slot;
}

/* ---- The creation lock -------------------------------------------------- */

void pf__shared_lock(pf_shared *sh)
{
    int r = pthread_mutex_lock(&hdr(sh)->lock);

    /* Its holder died: what it appended was not published (the count is
     * stored last), so the region is as consistent as before. */
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(&hdr(sh)->lock);
}

void pf__shared_unlock(pf_shared *sh)
{
    pthread_mutex_unlock(&hdr(sh)->lock);
}

/* ---- Records ------------------------------------------------------------ */

uint32_t pf__shared_nrecords(const pf_shared *sh)
{
    uint32_t n = atomic_load_explicit(&hdr(sh)->nrecords, memory_order_acquire);

    return n < sh->limits.records ? n : sh->limits.records;
}

const pf_rec *pf__shared_rec(const pf_shared *sh, uint32_t i)
{
    if (i >= sh->limits.records)
        return NULL;
    return (const pf_rec *)(const void *)(sh->base + sh->off_records) + i;
}

const char *pf__shared_payload(const pf_shared *sh, const pf_rec *r)
{
    uint64_t end = (uint64_t)r->off + r->len;

    if (end > sh->limits.bytes)
        return NULL;
    return sh->base + sh->off_arena + r->off;
}

long pf__shared_append(pf_shared *sh, const pf_rec *r, const void *payload,
                       size_t len)
{
    header *h = hdr(sh);
    uint32_t n = atomic_load(&h->nrecords);
    uint32_t cells = atomic_load(&h->ncells);
    uint32_t bytes = atomic_load(&h->nbytes);
    /* Payloads start 8-byte aligned: histogram bounds are doubles. */
    uint32_t at = (bytes + 7) & ~7u;
    pf_rec *dst;

    if (n >= sh->limits.records) {
        atomic_fetch_add(&h->overflow[0], 1);
        return pf__err(-ENOSPC,
                       "the shared region has no room for more families and "
                       "series (%u); raise [shared] series",
                       sh->limits.records);
    }
    if ((uint64_t)cells + r->ncells > sh->limits.cells) {
        atomic_fetch_add(&h->overflow[1], 1);
        return pf__err(-ENOSPC,
                       "the shared region has no room for more values (%u "
                       "cells); raise [shared] cells",
                       sh->limits.cells);
    }
    if (at > sh->limits.bytes || len > sh->limits.bytes - at) {
        atomic_fetch_add(&h->overflow[2], 1);
        return pf__err(-ENOSPC,
                       "the shared region has no room for more names and "
                       "values (%u bytes); raise [shared] bytes",
                       sh->limits.bytes);
    }
    memcpy(sh->base + sh->off_arena + at, payload, len);
    atomic_store(&h->nbytes, at + (uint32_t)len);
    hook("arena");
    atomic_store(&h->ncells, cells + r->ncells);
    hook("cells");
    dst = (pf_rec *)(void *)(sh->base + sh->off_records) + n;
    memcpy(dst, r, sizeof(*dst));
    dst->cell = cells;
    dst->off = at;
    dst->len = (uint32_t)len;
    atomic_store_explicit(&dst->state, 0, memory_order_relaxed);
    hook("record");
    /* Release: whoever sees the count sees the record and its payload. */
    atomic_store_explicit(&h->nrecords, n + 1, memory_order_release);
    return n;
}

/* ---- Cells ----------------------------------------------------------------
 */

_Atomic uint64_t *pf__shared_cell(const pf_shared *sh, uint32_t i)
{
    if (i >= sh->limits.cells)
        return NULL;
    return (_Atomic uint64_t *)(void *)sh->window + i;
}

const _Atomic uint64_t *pf__shared_slot_cell(const pf_shared *sh, unsigned s,
                                             uint32_t i)
{
    if (s >= sh->limits.workers || i >= sh->limits.cells)
        return NULL;
    return (const _Atomic uint64_t *)(const void *)(sh->base + sh->off_cells +
                                                    (size_t)s * sh->slot_size) +
           i;
}

void pf__shared_zero_cells(pf_shared *sh, uint32_t i, uint32_t n)
{
    for (unsigned s = 0; s < sh->limits.workers; s++)
        for (uint32_t c = 0; c < n; c++) {
            _Atomic uint64_t *p =
                (_Atomic uint64_t *)(uintptr_t)pf__shared_slot_cell(sh, s,
                                                                    i + c);

            if (p)
                atomic_store_explicit(p, 0, memory_order_relaxed);
        }
}

uint32_t pf__shared_cell_index(const pf_shared *sh,
                               const _Atomic uint64_t *cell)
{
    return (uint32_t)(cell -
                      (const _Atomic uint64_t *)(const void *)sh->window);
}

void pf__shared_refresh(pf_shared *sh)
{
    unsigned n = 0, cur;

    for (unsigned s = 0; s < sh->limits.workers; s++)
        if (atomic_load(&slot_at(sh, s)->used))
            n = s + 1;
    /* Only ever more: renders running meanwhile see this one or the
     * last. */
    cur = atomic_load(&sh->nused);
    while (n > cur && !atomic_compare_exchange_weak(&sh->nused, &cur, n))
        ;
}

/* Is slot s used? Slots only ever become used. */
static inline bool used(const pf_shared *sh, unsigned s)
{
    return atomic_load_explicit(&slot_at(sh, s)->used, memory_order_relaxed);
}

/* Cell i of the slots ever used below the last refresh's bound: the
 * cells of slots never used are never touched (their pages never made);
 * a slot used since is counted from the next refresh on (its counts only
 * grow, so no total ever goes down). */
uint64_t pf__shared_sum_u64(const pf_shared *sh, uint32_t i)
{
    unsigned n = atomic_load_explicit(&sh->nused, memory_order_acquire);
    const char *base = sh->base + sh->off_cells + (size_t)i * 8;
    uint64_t sum = 0;

    if (i >= sh->limits.cells)
        return 0;
    for (unsigned s = 0; s < n; s++)
        if (used(sh, s))
            sum += atomic_load_explicit(
                (const _Atomic uint64_t *)(const void *)(base +
                                                         (size_t)s *
                                                             sh->slot_size),
                memory_order_acquire);
    return sum;
}

double pf__shared_sum_double(const pf_shared *sh, uint32_t i)
{
    unsigned n = atomic_load_explicit(&sh->nused, memory_order_acquire);
    const char *base = sh->base + sh->off_cells + (size_t)i * 8;
    double v = 0;

    if (i >= sh->limits.cells)
        return 0;
    for (unsigned s = 0; s < n; s++) {
        uint64_t u;
        double d;

        if (!used(sh, s))
            continue;
        u = atomic_load_explicit(
            (const _Atomic uint64_t *)(const void *)(base +
                                                     (size_t)s * sh->slot_size),
            memory_order_relaxed);
        memcpy(&d, &u, sizeof(d));
        v += d;
    }
    return v;
}

uint64_t pf__shared_stamp(pf_shared *sh)
{
    return atomic_fetch_add_explicit(&hdr(sh)->stamp, 1, memory_order_relaxed) +
           1;
}

/* ---- Slots, as readers see them ------------------------------------------ */

unsigned pf__shared_nslots(const pf_shared *sh)
{
    return sh->limits.workers;
}

bool pf__shared_slot_live(const pf_shared *sh, unsigned s)
{
    uint64_t o;

    if (s >= sh->limits.workers)
        return false;
    o = atomic_load(&slot_at(sh, s)->owner);
    /* A slot being claimed is not live yet: its gauges are being reset. */
    if (o == 0 || (o & CLAIMING))
        return false;
    return owner_alive(o);
}

bool pf__shared_slot_used(const pf_shared *sh, unsigned s)
{
    return s < sh->limits.workers && atomic_load(&slot_at(sh, s)->used);
}

/* ---- The writer of the region
 * ------------------------------------------------ */

bool pf__shared_lead(pf_shared *sh, uint64_t token)
{
    header *h = hdr(sh);
    uint64_t me = my_owner(), cur = atomic_load(&h->leader);

    if (cur == me)
        return atomic_load(&h->leader_token) == token;
    /* A leader that died (or none): take over. */
    if (cur != 0 && owner_alive(cur))
        return false;
    if (!atomic_compare_exchange_strong(&h->leader, &cur, me))
        return false;
    atomic_store(&h->leader_token, token);
    return true;
}

void pf__shared_resign(pf_shared *sh, uint64_t token)
{
    header *h = hdr(sh);
    uint64_t me = my_owner();

    if (atomic_load(&h->leader_token) == token)
        atomic_compare_exchange_strong(&h->leader, &me, 0);
}

void pf__shared_stats(const pf_shared *sh, pf_shared_stats *st)
{
    header *h = hdr(sh);

    memset(st, 0, sizeof(*st));
    st->limits = sh->limits;
    st->records = pf__shared_nrecords(sh);
    st->cells = atomic_load(&h->ncells);
    st->bytes = atomic_load(&h->nbytes);
    for (unsigned s = 0; s < sh->limits.workers; s++) {
        if (pf__shared_slot_live(sh, s))
            st->live++;
        else if (atomic_load(&slot_at(sh, s)->owner))
            st->dead++;
    }
    st->overflow_records = atomic_load(&h->overflow[0]);
    st->overflow_cells = atomic_load(&h->overflow[1]);
    st->overflow_bytes = atomic_load(&h->overflow[2]);
    st->overflow_workers = atomic_load(&h->overflow[3]);
}
