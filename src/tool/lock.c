/* SPDX-License-Identifier: MIT */
/*
 * The lock of a textfile that promfile's commands replace (set, inc and
 * del, run, write): flock(LOCK_EX) of the .prom file itself, so that
 * nothing but .prom files is ever left in the directory (issue 12). Every
 * write replaces the file by rename(): a command that got the lock checks
 * that the name still stands for the file it locked, and starts again if
 * not. The creation of a file that does not exist yet serializes on
 * flock() of its directory. One scheme for every command, so that each
 * waits for the others.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

static int flock_retry(int fd, int op)
{
    int r;

    while ((r = flock(fd, op)) < 0 && errno == EINTR)
        ;
    return r < 0 ? -errno : 0;
}

int pt_lock_file(int dfd, const char *base, const pt_lock_how *how, int *fd,
                 struct stat *st, int *absent)
{
    bool dir_locked = false;
    int r;

    *fd = -1;
    *absent = 0;
    /* Each round is another writer's work done: bounded only to stop a
     * loop that cannot end. */
    for (int round = 0; round < 100000; round++) {
        struct stat now;

        r = pt_open_regular(dfd, base, fd, st);
        if (r == -ENOENT ||
            (r == -EACCES && how && how->unreadable_is_absent)) {
            if (dir_locked) {
                *absent = r;
                *fd = -1;
                return 0;
            }
            /* Held only while another writer creates the file: always
             * waited for. Then look again: it may have made it. */
            r = flock_retry(dfd, LOCK_EX);
            if (r < 0)
                return r;
            dir_locked = true;
            continue;
        }
        if (r != 0)
            return r;
        if (dir_locked) {
            flock(dfd, LOCK_UN);
            dir_locked = false;
        }
        r = flock_retry(*fd, LOCK_EX | (how && how->busy ? LOCK_NB : 0));
        if (r == -EWOULDBLOCK) {
            /* Its holder may be one the caller does not wait for, if the
             * file locked still has the name. */
            if (fstatat(dfd, base, &now, 0) == 0 && now.st_dev == st->st_dev &&
                now.st_ino == st->st_ino && how->busy(how->arg, *fd)) {
                close(*fd);
                *fd = -1;
                return PT_LOCK_BUSY;
            }
            r = flock_retry(*fd, LOCK_EX);
        }
        /* While this waited, a writer may have renamed a new file over
         * the name: the lock is then on a file nobody reads any more. */
        if (r == 0 && fstatat(dfd, base, &now, 0) == 0) {
            if (now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
                fstat(*fd, st) == 0)
                return 0;
        } else if (r == 0 && errno != ENOENT) {
            r = -errno;
        }
        close(*fd);
        *fd = -1;
        if (r < 0)
            return r;
    }
    return -EAGAIN;
}

void pt_unlock_file(int dfd, int fd)
{
    if (fd >= 0)
        close(fd);
    else if (dfd >= 0)
        flock(dfd, LOCK_UN);
}
