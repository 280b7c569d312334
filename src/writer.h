/* SPDX-License-Identifier: MIT */
/*
 * writer.c: the atomic write of a textfile, and the writer that keeps one
 * current.
 */
#ifndef PF_WRITER_H
#define PF_WRITER_H

#include "base.h"
#include "conf.h"

#include <pthread.h>
#include <sys/stat.h>

/* The system calls of the write path, replaceable by tests to inject
 * faults (tests/test_faults.c, test_writer.c). Never changed by the
 * library itself. Every system call of the writer goes through it. */
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
    /* pthread_create() with default attributes: 0 or an errno. */
    int (*thread_create)(pthread_t *t, void *(*fn)(void *), void *arg);
} pf_sys;

extern pf_sys pf__sys;

/* The label of the writer's own metrics (promfile_*, process_*) that
 * names the file they describe. */
#define PF_WRITER_FILE_LABEL "file"

/* The atomic replace of TEXTFILE.md. Returns 0 or -errno. */
int pf__write_file(const char *dir, const char *file, const char *data,
                   size_t len, unsigned mode, unsigned flags);

/* The same in steps, for a text written as it comes (promfile write) or
 * a file to lock before it takes the name (promfile run): a temporary
 * file beside `file` in `dir`, ".<file>.<pid>.<random>.tmp", given
 * `mode`; written; then renamed over `file` (commit) or removed (abort).
 * Each returns 0 or -errno; a failed write leaves the temporary file to
 * abort, a failed commit removes it. Between open and the end, `fd` is
 * the temporary file, `dfd` its directory and `name` its name (what a
 * signal handler may unlinkat()). */
typedef struct pf_tmp {
    int dfd, fd;
    char name[PF_MAX_FILE_NAME + 32];
    char file[PF_MAX_FILE_NAME + 1];
} pf_tmp;

int pf__tmp_open(pf_tmp *t, const char *dir, const char *file, unsigned mode);
int pf__tmp_write(pf_tmp *t, const void *data, size_t len);
int pf__tmp_commit(pf_tmp *t, unsigned flags);
void pf__tmp_abort(pf_tmp *t);
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

#endif /* PF_WRITER_H */
