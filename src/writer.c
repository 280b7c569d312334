/* SPDX-License-Identifier: MIT */
/*
 * The textfile writer: the atomic replace of ../shared/TEXTFILE.md
 * ("Replacing the file atomically"), and a thread that keeps the file
 * current.
 */
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "counter.h"
#include "error.h"
#include "family.h"
#include "gauge.h"
#include "process.h"
#include "registry.h"
#include "render.h"
#include "shared.h"
#include "shreg.h"

/* ---- System calls (replaceable by the fault-injection tests) ----------- */

/* The directory is opened with O_PATH: writing and searching it is all
 * the write path needs (openat(), renameat() and unlinkat() take an O_PATH
 * descriptor), so a directory with mode 0300 or an ACL "u:app:wx" works.
 * O_NOFOLLOW refuses a directory that is a symbolic link (see
 * pf__dir_open()). */
static int sys_open_dir(const char *path)
{
    return open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int sys_openat(int dfd, const char *name, int flags, unsigned mode)
{
    return openat(dfd, name, flags, (mode_t)mode);
}

static int sys_fchmod(int fd, unsigned mode)
{
    return fchmod(fd, (mode_t)mode);
}

static long sys_write(int fd, const void *buf, size_t n)
{
    return (long)write(fd, buf, n);
}

static int sys_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(t, NULL, fn, arg);
}

pf_sys pf__sys = {
    .open_dir = sys_open_dir,
    .openat = sys_openat,
    .fchmod = sys_fchmod,
    .write = sys_write,
    .fsync = fsync,
    .close = close,
    .renameat = renameat,
    .unlinkat = unlinkat,
    .fstatat = fstatat,
    .thread_create = sys_thread_create,
};

/* ---- The directory -------------------------------------------------------
 *
 * A writer running as root must not create root-owned files where someone
 * else chooses (issue 12, libpromfile(7) "Threat model"). Two rules:
 *   - the directory itself may not be a symbolic link, at start or ever
 *     after: O_NOFOLLOW at every write, so that replacing the directory
 *     with a link (mv D D.old; ln -s /victim D) is refused with ELOOP;
 *   - as root, every directory above it, as written and as resolved, must
 *     belong to root or to the writer's user and be writable by nobody
 *     else (a sticky directory such as /tmp excepted), as OpenSSH asks of
 *     the paths to its keys: else whoever can write there could swap a
 *     component for a link, and the write fails with EPERM. The one
 *     exception is the directory's parent, which may belong to anyone
 *     (Debian's /var/lib/prometheus belongs to prometheus): its owner can
 *     replace only the directory itself, and the first rule makes that
 *     harmless. It must still be writable by its owner alone.
 * The directory itself may be group-writable (a daemon's group, see
 * examples/systemd): that lets others create files in it, which the
 * O_EXCL|O_NOFOLLOW temporary file and rename() already make harmless. */

/* Can anyone but root and us (any_owner: but its owner) replace the
 * entries of the directory st? */
static bool dir_unsafe(const struct stat *st, bool any_owner)
{
    uid_t me = geteuid();

    if (!any_owner && st->st_uid != 0 && st->st_uid != me)
        return true;
    return (st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX);
}

/* Check the ancestors of the absolute path p (a copy: it is cut at each
 * '/' in turn, and restored). Returns 0 or -EPERM. */
static int ancestors_safe(char *p)
{
    char *slash = p;

    while ((slash = strchr(slash + 1, '/')) != NULL) {
        bool parent = strchr(slash + 1, '/') == NULL;
        struct stat st;
        int r;

        /* The directory that holds the next component: "/" first. */
        if (slash == p) {
            r = pf__sys.fstatat(AT_FDCWD, "/", &st, 0);
        } else {
            *slash = '\0';
            r = pf__sys.fstatat(AT_FDCWD, p, &st, 0);
            *slash = '/';
        }
        /* A missing ancestor is reported by the open that follows. */
        if (r == 0 && dir_unsafe(&st, parent))
            return -EPERM;
    }
    return 0;
}

int pf__dir_open(const char *dir)
{
    char path[PATH_MAX], real[PATH_MAX];
    size_t n = strlen(dir);
    int fd;

    /* "dir/" would follow a link named dir: drop trailing slashes. */
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof(path)) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(path, dir, n);
    path[n] = '\0';
    if (geteuid() == 0) {
        int r = 0;

        if (path[0] == '/') {
            r = ancestors_safe(path);
        } else if (getcwd(real, sizeof(real)) &&
                   strlen(real) + 1 + n < sizeof(real)) {
            strcat(strcat(real, "/"), path);
            r = ancestors_safe(real);
        }
        /* And the ancestors the kernel actually walks through, wherever
         * links lead. */
        if (r == 0 && realpath(path, real))
            r = ancestors_safe(real);
        if (r < 0) {
            errno = -r;
            return -1;
        }
    }
    fd = pf__sys.open_dir(path);
    if (fd < 0 && errno == ENOTDIR) {
        struct stat st;

        /* O_PATH|O_NOFOLLOW|O_DIRECTORY says ENOTDIR of a link: say what
         * it is. */
        if (pf__sys.fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            errno = ELOOP;
        else
            errno = ENOTDIR;
    }
    return fd;
}

/* ---- Temporary names ----------------------------------------------------- */

/* ".<file>.<pid>.<12 random alphanumerics>.tmp": in the same directory
 * (rename is atomic only within one file system), hidden, not ending in
 * .prom (so node_exporter never reads a partial file), unpredictable (so
 * nobody who can write the directory can plant a symlink at the name we
 * are about to open; O_EXCL|O_NOFOLLOW refuse it anyway), and naming its
 * process, so that a leftover is removed only once its process is gone. */
#define TMP_RANDOM 12
/* "." "." pid (at most 10 digits) "." random ".tmp" */
#define TMP_EXTRA (1 + 1 + 10 + 1 + TMP_RANDOM + 4)
_Static_assert(sizeof(((pf_tmp *)0)->name) >= PF_MAX_FILE_NAME + TMP_EXTRA + 1,
               "pf_tmp holds every temporary name");

static const char alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void random_bytes(unsigned char *b, size_t n)
{
    static _Atomic uint64_t counter;
    struct timespec ts;
    uint64_t x;

#ifdef HAVE_GETRANDOM
    if (getrandom(b, n, GRND_NONBLOCK) == (ssize_t)n)
        return;
#endif
    /* No kernel entropy (early boot): still unpredictable enough from
     * outside the process, and O_EXCL makes a guess harmless. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
        ((uint64_t)getpid() << 48) ^
        atomic_fetch_add(&counter, 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < n; i++) {
        x ^= x >> 31;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 29;
        b[i] = (unsigned char)x;
    }
}

static void make_tmp_name(char *dst, size_t size, const char *file)
{
    unsigned char rnd[TMP_RANDOM];
    char r[TMP_RANDOM + 1];

    random_bytes(rnd, sizeof(rnd));
    for (size_t i = 0; i < TMP_RANDOM; i++)
        r[i] = alnum[rnd[i] % (sizeof(alnum) - 1)];
    r[TMP_RANDOM] = '\0';
    snprintf(dst, size, ".%s.%u.%s.tmp", file, (unsigned)getpid(), r);
}

/* Is `name` a temporary file of `file`? Then *pid is its process. */
static bool is_tmp_name(const char *name, const char *file, pid_t *pid)
{
    size_t n = strlen(file), len = strlen(name);
    const char *p;
    unsigned long v = 0;

    if (len < n + 1 + 1 + 1 + 1 + TMP_RANDOM + 4 || name[0] != '.' ||
        memcmp(name + 1, file, n) != 0 || name[1 + n] != '.' ||
        strcmp(name + len - 4, ".tmp") != 0)
        return false;
    p = name + 2 + n;
    if (*p < '1' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 4194304) /* the kernel's PID_MAX_LIMIT */
            return false;
    }
    if (*p != '.' || p + 1 + TMP_RANDOM + 4 != name + len)
        return false;
    for (size_t i = 0; i < TMP_RANDOM; i++)
        if (!memchr(alnum, p[1 + i], sizeof(alnum) - 1))
            return false;
    *pid = (pid_t)v;
    return true;
}

/* Is process pid still there (as far as we can tell)? */
static bool alive(pid_t pid)
{
    return pid == getpid() || kill(pid, 0) == 0 || errno == EPERM;
}

int pf__remove_leftovers(const char *dir, const char *file)
{
    int dfd, lfd, removed = 0;
    struct dirent *de;
    DIR *d;

    dfd = pf__dir_open(dir);
    if (dfd < 0)
        return 0;
    /* Listing needs read permission, which writing does not: without it
     * leftovers stay (libpromfile(7)). */
    lfd = pf__sys.openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!d) {
        if (lfd >= 0)
            pf__sys.close(lfd);
        pf__sys.close(dfd);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        pid_t pid;

        /* Only temporary files of a process that is gone: never those of
         * a live writer of the same file. */
        if (!is_tmp_name(de->d_name, file, &pid) || alive(pid))
            continue;
        /* Only regular files of ours: never a symlink someone planted,
         * never another user's file. */
        if (pf__sys.fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            pf__sys.unlinkat(dfd, de->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    pf__sys.close(dfd);
    return removed;
}

int pf__remove_file(const char *dir, const char *file)
{
    int dfd = pf__dir_open(dir), r = 0;

    if (dfd < 0)
        return -errno;
    if (pf__sys.unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
        r = -errno;
    pf__sys.close(dfd);
    return r;
}

/* ---- The atomic write ---------------------------------------------------- */

int pf__tmp_open(pf_tmp *t, const char *dir, const char *file, unsigned mode)
{
    t->dfd = t->fd = -1;
    t->name[0] = '\0';
    if (strlen(file) > PF_MAX_FILE_NAME)
        return -EINVAL;
    t->dfd = pf__dir_open(dir);
    if (t->dfd < 0)
        return -errno;
    for (int tries = 0; t->fd < 0; tries++) {
        make_tmp_name(t->name, sizeof(t->name), file);
        t->fd = pf__sys.openat(
            t->dfd, t->name,
            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (t->fd < 0 && (errno != EEXIST || tries == 100)) {
            int r = -errno;

            t->name[0] = '\0';
            pf__sys.close(t->dfd);
            t->dfd = -1;
            return r;
        }
    }
    snprintf(t->file, sizeof(t->file), "%s", file);
    /* mkstemp()-like creation gives 0600; node_exporter runs as another
     * user. Set the mode explicitly, whatever the umask. */
    if (pf__sys.fchmod(t->fd, mode) < 0) {
        int r = -errno;

        pf__tmp_abort(t);
        return r;
    }
    return 0;
}

int pf__tmp_write(pf_tmp *t, const void *data, size_t len)
{
    const char *p = data;
    size_t off = 0;

    while (off < len) {
        size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
        long n = pf__sys.write(t->fd, p + off, chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        /* write() of a non-empty buffer returning 0: call it full. */
        if (n == 0)
            return -ENOSPC;
        off += (size_t)n;
    }
    return 0;
}

void pf__tmp_abort(pf_tmp *t)
{
    if (t->fd >= 0)
        pf__sys.close(t->fd);
    if (t->dfd >= 0 && t->name[0])
        pf__sys.unlinkat(t->dfd, t->name, 0);
    if (t->dfd >= 0)
        pf__sys.close(t->dfd);
    t->dfd = t->fd = -1;
    t->name[0] = '\0';
}

int pf__tmp_commit(pf_tmp *t, unsigned flags)
{
    int r = 0, rc;

    if (!(flags & PF_WRITE_NO_FSYNC)) {
        while ((rc = pf__sys.fsync(t->fd)) < 0 && errno == EINTR)
            ;
        if (rc < 0)
            goto fail;
    }
    /* close() can report a deferred write error (NFS, quotas); it is
     * never retried, EINTR included: the descriptor is gone either way. */
    rc = pf__sys.close(t->fd);
    t->fd = -1;
    if (rc < 0)
        goto fail;
    if (pf__sys.renameat(t->dfd, t->name, t->dfd, t->file) < 0)
        goto fail;
    t->name[0] = '\0';
    /* The new file is in place; a failed directory fsync only means the
     * rename may not survive a power loss. Report it all the same. */
    if (flags & PF_WRITE_FSYNC_DIR) {
        /* fsync() needs a descriptor that is not O_PATH, which needs read
         * permission on the directory. */
        int sfd =
            pf__sys.openat(t->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

        rc = sfd;
        while (sfd >= 0 && (rc = pf__sys.fsync(sfd)) < 0 && errno == EINTR)
            ;
        if (rc < 0)
            r = -errno;
        if (sfd >= 0)
            pf__sys.close(sfd);
    }
    pf__sys.close(t->dfd);
    t->dfd = -1;
    return r;

fail:
    r = -errno;
    pf__tmp_abort(t);
    return r;
}

int pf__write_file(const char *dir, const char *file, const char *data,
                   size_t len, unsigned mode, unsigned flags)
{
    pf_tmp t;
    int r = pf__tmp_open(&t, dir, file, mode);

    if (r < 0)
        return r;
    r = pf__tmp_write(&t, data, len);
    if (r < 0) {
        pf__tmp_abort(&t);
        return r;
    }
    return pf__tmp_commit(&t, flags);
}

int pf_registry_write_textfile(pf_registry *reg, const char *dir,
                               const char *file, unsigned mode, unsigned flags)
{
    pf_buf b = {0};
    int r;

    if (!dir || !*dir)
        return pf__err(-EINVAL, "directory is empty");
    r = pf__check_file_name(file);
    if (r < 0)
        return r;
    if (mode > 0777)
        return pf__err(-EINVAL, "mode %o has bits beyond 0777", mode);
    if (flags & ~(PF_WRITE_NO_FSYNC | PF_WRITE_FSYNC_DIR))
        return pf__err(-EINVAL, "unknown flags 0x%x", flags);
    r = pf__render_one(reg, &b);
    if (r == 0)
        r = pf__write_file(dir, file, b.data ? b.data : "", b.len,
                           mode ? mode : 0644, flags);
    pf__buf_release(&b);
    return r;
}

/* ---- The writer ------------------------------------------------------------
 *
 * A writer owns what it adds to its file (issue 13): its own metrics, the
 * process metrics and build info live in a registry of its own (`self`),
 * rendered together with the caller's, and its [labels] are added at
 * render time. The caller's registry is only read, but for the [limits]
 * an admin set, which are its registry's by nature; a start that fails
 * leaves it exactly as it was. */

struct pf_writer {
    pf_registry *reg;    /* the caller's */
    pf_registry *self;   /* the writer's own: promfile_*, process_* */
    pf_config cfg;       /* a copy; directory and file filled in */
    pf_label_set labels; /* cfg's [labels], added to every series */
    unsigned flags;
    pid_t pid; /* the process that started it */

    pthread_mutex_t mu; /* stopping, started, and the condition variable */
    pthread_cond_t cond;
    bool stopping;
    bool started; /* the thread runs this file's code */
    pthread_t thread;

    pthread_mutex_t write_mu; /* one write at a time; buf */
    pf_buf buf;
    pf_family *errors;
    struct shared_metrics *shared; /* a shared registry's writer */
    _Atomic int last_error;
    _Atomic uint64_t writes; /* successful writes */
    _Atomic uint64_t bytes;  /* bytes of successful writes */
};

/* The self metrics' callbacks. The values describe the file they are
 * written into, assuming this write succeeds -- if it fails, nobody sees
 * them. */
static double self_writes(void *arg)
{
    pf_writer *w = arg;

    return (double)(atomic_load(&w->writes) + 1);
}

static double self_bytes(void *arg)
{
    pf_writer *w = arg;

    return (double)atomic_load(&w->bytes);
}

static double self_now(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double self_interval(void *arg)
{
    pf_writer *w = arg;

    return (double)w->cfg.interval_ms / 1000.0;
}

static const char *errno_name(int err, char *buf, size_t size)
{
#ifdef HAVE_STRERRORNAME_NP
    const char *s = strerrorname_np(err);

    if (s)
        return s;
#endif
    snprintf(buf, size, "E%d", err);
    return buf;
}

/* Count a failed write in promfile_write_errors_total{errno}. */
static int count_error(pf_writer *w, int err)
{
    char tmp[16];
    const char *values[] = {errno_name(err, tmp, sizeof(tmp)), NULL};
    pf_series *s;
    int r = pf__series_get(w->errors, PF_TYPE_COUNTER, values, &s);

    if (r == 0)
        pf__counter_add_count(s, 1);
    return r;
}

/* Errors of the write path that an admin may meet: a missing or
 * unwritable directory, a full or read-only file system, a disk error. */
static const int common_errors[] = {EACCES, EDQUOT, EIO, ENOENT, ENOSPC, EROFS};

static int make_self_metrics(pf_writer *w)
{
    static const char *const errno_label[] = {"errno", NULL};
    static const struct {
        enum pf_type type;
        const char *name;
        const char *help;
        double (*fn)(void *);
    } funcs[] = {
        {PF_TYPE_COUNTER, "promfile_writes_total",
         "Successful writes of this textfile by its promfile writer, this "
         "one included.",
         self_writes},
        {PF_TYPE_COUNTER, "promfile_written_bytes_total",
         "Bytes of the earlier successful writes of this textfile.",
         self_bytes},
        {PF_TYPE_GAUGE, "promfile_last_write_timestamp_seconds",
         "Unix time at which this textfile was written.", self_now},
        {PF_TYPE_GAUGE, "promfile_write_interval_seconds",
         "Configured interval between writes of this textfile.", self_interval},
    };
    pf_family_spec errors = {
        .type = PF_TYPE_COUNTER,
        .name = "promfile_write_errors_total",
        .help = "Failed writes of this textfile, by errno name.",
        .labels = errno_label,
    };
    int r;

    r = pf__registry_new(true, &w->self);
    if (r < 0)
        return r;
    /* file="<name>.prom" on every series of the writer's own: two
     * programs (or two instances of one) writing two files of one
     * directory would otherwise both have promfile_writes_total and
     * process_*, which node_exporter drops as duplicates. */
    r = pf__registry_set_label(w->self, PF_WRITER_FILE_LABEL, w->cfg.file);
    if (r < 0)
        return r;
    r = pf__build_info_set(w->self, "promfile",
                           (const char *[]){"version", NULL},
                           (const char *[]){PACKAGE_VERSION, NULL});
    for (size_t i = 0; i < PF_ARRAY_SIZE(funcs) && r == 0; i++) {
        pf_family_spec spec = {
            .type = funcs[i].type,
            .name = funcs[i].name,
            .help = funcs[i].help,
            .fn = funcs[i].fn,
            .arg = w,
        };

        r = pf__register(w->self, &spec, NULL);
    }
    if (r == 0)
        r = pf__register(w->self, &errors, &w->errors);
    /* The errors a write commonly meets start at 0, so that the first of
     * them shows in increase() and rate() like any later one. */
    for (size_t i = 0; i < PF_ARRAY_SIZE(common_errors) && r == 0; i++) {
        char tmp[16];
        const char *v[] = {errno_name(common_errors[i], tmp, sizeof(tmp)),
                           NULL};
        pf_series *s;

        r = pf__series_get(w->errors, PF_TYPE_COUNTER, v, &s);
    }
    /* [process]: the process metrics, the writer's too. */
    if (r == 0 && w->cfg.process)
        r = pf__process_register(w->self, w->cfg.program);
    return r;
}

static int make_shared_metrics(pf_writer *w);

/* ---- Shared registries: one writer, and the region's own metrics ---- */

/* The families of promfile_shared_*, in the writer's registry. */
typedef struct shared_metrics {
    pf_series *live, *dead, *workers_limit;
    pf_series *used[3], *limit[3]; /* records, cells, bytes */
    pf_series *overflow[4];        /* records, cells, bytes, workers */
    pf_series *invalid;
    uint64_t last_overflow[4], last_invalid;
} shared_metrics;

static int gauge_series(pf_registry *reg, const char *name, const char *help,
                        const char *label, const char *value, pf_series **ret)
{
    const char *labels[] = {label, NULL}, *values[] = {value, NULL};
    pf_family_spec spec = {
        .type = PF_TYPE_GAUGE,
        .name = name,
        .help = help,
        .labels = label ? labels : NULL,
    };
    pf_family *f;
    int r = pf__register(reg, &spec, &f);

    return r < 0 ? r
                 : pf__series_get(f, PF_TYPE_GAUGE, label ? values : NULL, ret);
}

static int counter_series(pf_registry *reg, const char *name, const char *help,
                          const char *label, const char *value, pf_series **ret)
{
    const char *labels[] = {label, NULL}, *values[] = {value, NULL};
    pf_family_spec spec = {
        .type = PF_TYPE_COUNTER,
        .name = name,
        .help = help,
        .labels = label ? labels : NULL,
    };
    pf_family *f;
    int r = pf__register(reg, &spec, &f);

    return r < 0
               ? r
               : pf__series_get(f, PF_TYPE_COUNTER, label ? values : NULL, ret);
}

static int make_shared_metrics(pf_writer *w)
{
    static const char *const resources[] = {"records", "cells", "bytes",
                                            "workers"};
    static const char *const used[][2] = {
        {"promfile_shared_records",
         "Families and series in the shared region."},
        {"promfile_shared_cells",
         "Value cells in each worker slot of the shared region in use."},
        {"promfile_shared_arena_bytes",
         "Bytes of names and label values in the shared region."},
    };
    static const char *const limit[][2] = {
        {"promfile_shared_records_limit",
         "The most families and series the shared region holds."},
        {"promfile_shared_cells_limit",
         "The most value cells of each worker slot of the shared region."},
        {"promfile_shared_arena_limit_bytes",
         "The most bytes of names and label values of the shared region."},
    };
    shared_metrics *m = pf__calloc(1, sizeof(*m));
    int r;

    if (!m)
        return -ENOMEM;
    w->shared = m;
    r = gauge_series(w->self, "promfile_shared_workers",
                     "Worker slots of the shared region by the state of "
                     "their process, live or dead (free ones not counted).",
                     "state", "live", &m->live);
    if (r == 0)
        r = gauge_series(w->self, "promfile_shared_workers",
                         "Worker slots of the shared region by the state of "
                         "their process, live or dead (free ones not "
                         "counted).",
                         "state", "dead", &m->dead);
    if (r == 0)
        r = gauge_series(w->self, "promfile_shared_workers_limit",
                         "The most processes the shared region counts for "
                         "at once.",
                         NULL, NULL, &m->workers_limit);
    for (size_t i = 0; i < 3 && r == 0; i++) {
        r = gauge_series(w->self, used[i][0], used[i][1], NULL, NULL,
                         &m->used[i]);
        if (r == 0)
            r = gauge_series(w->self, limit[i][0], limit[i][1], NULL, NULL,
                             &m->limit[i]);
    }
    for (size_t i = 0; i < 4 && r == 0; i++)
        r = counter_series(w->self, "promfile_shared_overflows_total",
                           "Creations refused because the shared region was "
                           "full, by what ran out (for workers: processes "
                           "that found no free slot).",
                           "resource", resources[i], &m->overflow[i]);
    if (r == 0)
        r = counter_series(w->self, "promfile_shared_invalid_records_total",
                           "Records of the shared region the writing process "
                           "left out as invalid.",
                           NULL, NULL, &m->invalid);
    return r;
}

/* Bring promfile_shared_* up to date, before a write. Under write_mu. */
static void update_shared_metrics(pf_writer *w)
{
    shared_metrics *m = w->shared;
    pf_shared_stats st;
    uint64_t ov[4], invalid = pf__shreg_bad_records(w->reg);

    pf__shared_stats(w->reg->shared, &st);
    pf__gauge_store(m->live, st.live);
    pf__gauge_store(m->dead, st.dead);
    pf__gauge_store(m->workers_limit, st.limits.workers);
    pf__gauge_store(m->used[0], st.records);
    pf__gauge_store(m->used[1], st.cells);
    pf__gauge_store(m->used[2], st.bytes);
    pf__gauge_store(m->limit[0], st.limits.records);
    pf__gauge_store(m->limit[1], st.limits.cells);
    pf__gauge_store(m->limit[2], st.limits.bytes);
    ov[0] = st.overflow_records;
    ov[1] = st.overflow_cells;
    ov[2] = st.overflow_bytes;
    ov[3] = st.overflow_workers;
    /* The region's counts only grow; the counters follow them. */
    for (size_t i = 0; i < 4; i++)
        if (ov[i] > m->last_overflow[i]) {
            pf__counter_add_count(m->overflow[i], ov[i] - m->last_overflow[i]);
            m->last_overflow[i] = ov[i];
        }
    if (invalid > m->last_invalid) {
        pf__counter_add_count(m->invalid, invalid - m->last_invalid);
        m->last_invalid = invalid;
    }
}

/* May this writer write? Always, but for a shared registry, whose one
 * writer is the one that holds the region's leadership (a standby takes
 * over from a leader whose process died at its next interval). */
static bool leading(pf_writer *w)
{
    return !w->reg->shared ||
           pf__shared_lead(w->reg->shared, (uint64_t)(uintptr_t)w);
}

static int do_write(pf_writer *w)
{
    pf_registry *regs[2] = {w->reg, w->self};
    int r;

    pthread_mutex_lock(&w->write_mu);
    if (!leading(w)) {
        pthread_mutex_unlock(&w->write_mu);
        return -EBUSY;
    }
    if (w->shared)
        update_shared_metrics(w);
    w->buf.len = 0;
    w->buf.failed = false;
    r = pf__render(regs, 2, &w->labels, &w->buf);
    if (r == 0)
        r = pf__write_file(w->cfg.directory, w->cfg.file,
                           w->buf.data ? w->buf.data : "", w->buf.len,
                           w->cfg.mode, w->flags);
    if (r == 0) {
        atomic_fetch_add(&w->writes, 1);
        atomic_fetch_add(&w->bytes, w->buf.len);
    } else {
        count_error(w, -r);
    }
    atomic_store(&w->last_error, r);
    pthread_mutex_unlock(&w->write_mu);
    if (r < 0 && w->cfg.err_fn)
        w->cfg.err_fn(r, w->cfg.err_arg);
    return r;
}

static void *writer_thread(void *arg)
{
    pf_writer *w = arg;

    pthread_mutex_lock(&w->mu);
    /* pf_writer_start() waits for this: a thread's start-up, in libc and
     * in a sanitizer's runtime, allocates, and a fork() the caller makes
     * right after the start must not catch it doing so. */
    w->started = true;
    pthread_cond_broadcast(&w->cond);
    while (!w->stopping) {
        struct timespec deadline;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(w->cfg.interval_ms / 1000);
        deadline.tv_nsec += (long)(w->cfg.interval_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        /* Sleep until the deadline or until stopped, whichever is first;
         * spurious wake-ups go back to sleep. */
        while (!w->stopping &&
               pthread_cond_timedwait(&w->cond, &w->mu, &deadline) != ETIMEDOUT)
            ;
        if (w->stopping)
            break;
        pthread_mutex_unlock(&w->mu);
        do_write(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void writer_free(pf_writer *w, bool in_child)
{
    pf__registry_destroy(w->self);
    pf__free(w->shared);
    pf__config_clear(&w->cfg);
    pf__buf_release(&w->buf);
    /* In a child, the mutexes may have been held by the parent's writer
     * thread at fork() time: destroying them would be undefined. */
    if (!in_child) {
        pthread_mutex_destroy(&w->mu);
        pthread_mutex_destroy(&w->write_mu);
        pthread_cond_destroy(&w->cond);
    }
    pf__free(w);
}

/* Fill in the defaults: the directory, and <program name>.prom. */
static int resolve_paths(pf_config *cfg)
{
    if (!cfg->directory) {
        cfg->directory = pf__strdup(PF_DEFAULT_DIRECTORY);
        if (!cfg->directory)
            return -ENOMEM;
    }
    if (!cfg->file) {
        char name[PF_MAX_FILE_NAME + 1];
        int r;

        snprintf(name, sizeof(name), "%.*s.prom", PF_MAX_FILE_NAME - 5,
                 program_invocation_short_name);
        r = pf__check_file_name(name);
        if (r < 0)
            return r;
        cfg->file = pf__strdup(name);
        if (!cfg->file)
            return -ENOMEM;
    }
    return 0;
}

/* cfg's [labels] may not be named like a label of a family of reg or of
 * the writer's own (process_*{program}), nor a constant label of reg,
 * nor promfile_series_dropped_total's: the file would have a label twice,
 * or two series the same. Later families of reg with such a label take
 * precedence instead (render.h). */
static int check_labels(pf_writer *w)
{
    for (size_t i = 0; i < w->cfg.nlabels; i++) {
        const char *n = w->cfg.label_names[i];
        int r = strcmp(n, PF_DROPPED_LABEL) == 0
                    ? pf__err(-EEXIST, "it is the label of " PF_DROPPED_NAME)
                : strcmp(n, PF_WRITER_FILE_LABEL) == 0
                    ? pf__err(-EEXIST, "the writer's own metrics have it: "
                                       "the file's name")
                    : pf__registry_check_label(w->reg, n);

        if (r == 0)
            r = pf__registry_check_label(w->self, n);
        if (r < 0) {
            char why[sizeof(((pf_error *)0)->text)];

            /* pf__err() writes the buffer pf__last_error() returns. */
            snprintf(why, sizeof(why), "%s", pf__last_error());
            if (w->cfg.source && w->cfg.label_lines[i])
                return pf__err(r, "%.80s:%u: [labels] %.60s: %s", w->cfg.source,
                               w->cfg.label_lines[i], n, why);
            return pf__err(r, "[labels] %.60s: %s", n, why);
        }
    }
    w->labels.n = w->cfg.nlabels;
    w->labels.names = (const char *const *)w->cfg.label_names;
    w->labels.values = (const char *const *)w->cfg.label_values;
    return 0;
}

/* The limits a registry had, to put back if the start fails after
 * [limits] were applied. */
typedef struct limits {
    size_t max_series;
    size_t max_len;
    unsigned flags;
} limits;

static limits limits_of(const pf_registry *reg)
{
    limits l = {atomic_load(&reg->policy.max_series),
                atomic_load(&reg->policy.value_max_len),
                atomic_load(&reg->policy.value_flags)};

    return l;
}

static void limits_set(pf_registry *reg, const limits *l)
{
    atomic_store(&reg->policy.max_series, l->max_series);
    atomic_store(&reg->policy.value_max_len, l->max_len);
    atomic_store(&reg->policy.value_flags, l->flags);
}

/* [limits]: only the keys an admin set; limits set in code stay
 * otherwise. */
static void apply_limits(pf_writer *w)
{
    limits l = limits_of(w->reg);

    if (w->cfg.limits_set & PF_LIMIT_SERIES)
        l.max_series = w->cfg.max_series;
    if (w->cfg.limits_set & PF_LIMIT_LENGTH) {
        l.max_len = w->cfg.max_label_len;
        l.flags = l.max_len ? l.flags | PF_VALUES_TRUNCATE
                            : l.flags & ~PF_VALUES_TRUNCATE;
    }
    if (w->cfg.limits_set & PF_LIMIT_UTF8)
        l.flags = w->cfg.replace_invalid ? l.flags | PF_VALUES_REPLACE
                                         : l.flags & ~PF_VALUES_REPLACE;
    limits_set(w->reg, &l);
}

static int writer_new(pf_registry *reg, const pf_config *cfg, pf_writer **ret)
{
    pthread_condattr_t ca;
    pf_writer *w = pf__calloc(1, sizeof(*w));
    int r = 0;

    if (!w)
        return -ENOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->write_mu, NULL);
    pthread_condattr_init(&ca);
    /* Intervals are measured on the monotonic clock: setting the date
     * does not stall or rush the writer. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    w->reg = reg;
    w->pid = getpid();
    if (cfg)
        r = pf__config_copy(cfg, &w->cfg);
    else
        pf__config_init(&w->cfg);
    if (r == 0)
        r = resolve_paths(&w->cfg);
    if (r == 0)
        r = make_self_metrics(w);
    if (r == 0 && reg->shared)
        r = make_shared_metrics(w);
    if (r == 0)
        r = check_labels(w);
    if (r < 0) {
        writer_free(w, false);
        return r;
    }
    w->flags = (w->cfg.fsync ? 0 : PF_WRITE_NO_FSYNC) |
               (w->cfg.fsync_dir ? PF_WRITE_FSYNC_DIR : 0);
    *ret = w;
    return 0;
}

int pf_writer_start(pf_registry *reg, const pf_config *cfg, pf_writer **ret)
{
    pf_writer *w;
    limits before;
    int r;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    reg = pf__registry(reg);
    if (!reg)
        return -ENOMEM;
    r = writer_new(reg, cfg, &w);
    if (r < 0)
        return r == -ENOMEM ? pf__err(r, "out of memory") : r;
    before = limits_of(reg);
    apply_limits(w);
    pf__remove_leftovers(w->cfg.directory, w->cfg.file);
    /* The first write happens now, so that the file exists when this
     * returns; its failure is reported like any other and retried. */
    do_write(w);
    r = pf__sys.thread_create(&w->thread, writer_thread, w);
    if (r != 0) {
        limits_set(reg, &before);
        writer_free(w, false);
        return pf__err(-EAGAIN, "cannot start the writer thread: %s",
                       pf__strerror(r));
    }
    pthread_mutex_lock(&w->mu);
    while (!w->started)
        pthread_cond_wait(&w->cond, &w->mu);
    pthread_mutex_unlock(&w->mu);
    *ret = w;
    return 0;
}

int pf_writer_start_ini(pf_registry *reg, const char *path, pf_error *reterr,
                        pf_writer **ret)
{
    pf_config cfg;
    int r = 0;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    pf__config_init(&cfg);
    if (path || pf__config_env())
        r = pf__config_load(&cfg, path, reterr);
    if (r == 0) {
        r = pf_writer_start(reg, &cfg, ret);
        if (r < 0 && reterr) {
            memset(reterr, 0, sizeof(*reterr));
            reterr->code = r;
            snprintf(reterr->text, sizeof(reterr->text), "%s",
                     pf__last_error());
        }
    }
    pf__config_clear(&cfg);
    return r;
}

int pf_writer_flush(pf_writer *w)
{
    int r;

    if (!w)
        return pf__err(-EINVAL, "writer is NULL");
    if (getpid() != w->pid)
        return pf__err(-ESRCH, "the writer belongs to the parent process");
    r = do_write(w);
    if (r == -EBUSY)
        return pf__err(r, "another process writes the file of this shared "
                          "registry");
    return r;
}

int pf_writer_last_error(const pf_writer *w)
{
    if (!w)
        return -EINVAL;
    return atomic_load(&w->last_error);
}

int pf_writer_stop(pf_writer *w)
{
    int r;

    if (!w)
        return pf__err(-EINVAL, "writer is NULL");
    if (getpid() != w->pid) {
        /* A child: the thread is not here, the file is not ours. */
        writer_free(w, true);
        return 0;
    }
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* The last write, unless the file is about to go; a standby of a
     * shared registry does neither (the leader writes on). */
    if (!leading(w))
        r = 0;
    else if (w->cfg.remove_on_exit)
        r = pf__remove_file(w->cfg.directory, w->cfg.file);
    else
        r = do_write(w);
    if (w->reg->shared)
        pf__shared_resign(w->reg->shared, (uint64_t)(uintptr_t)w);
    writer_free(w, false);
    return r;
}
