/* SPDX-License-Identifier: MIT */
/*
 * promfile check: files, and the .prom files of a directory as
 * node_exporter's textfile collector reads them, through the reader of
 * text/reader.h, whose rules say what node_exporter does; plus the rules
 * of the file system (file types, sizes, permissions), which only the
 * tool can check.
 */
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pt_print_diag(void *ctx, const pf_reader_diag *d)
{
    const pt_ctx *c = ctx;
    const pf_rule_info *ri = pf__rule_info(d->rule);
    bool error = pf__rule_is_error(ri);

    if (!c->out || (!error && c->quiet))
        return;
    fprintf(c->out, "%s:%u: %s: %s: %s\n", d->path, d->line,
            error ? "error" : "warning", ri->name, d->text);
}

int pt_open_regular(int dfd, const char *path, int *fd, struct stat *st)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (issue 12,
     * item 10); it changes nothing for a regular file. */
    int d = openat(dfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    int r;

    if (d < 0)
        return -errno;
    if (fstat(d, st) < 0) {
        r = -errno;
        close(d);
        return r;
    }
    if (!S_ISREG(st->st_mode)) {
        close(d);
        return PT_NOT_REGULAR;
    }
    *fd = d;
    return 0;
}

void pt_vsay(const char *fmt, va_list ap)
{
    fputs("promfile: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void pt_say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pt_vsay(fmt, ap);
    va_end(ap);
}

const char *pt_file_kind(const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return "directory";
    if (S_ISFIFO(st->st_mode))
        return "FIFO";
    if (S_ISSOCK(st->st_mode))
        return "socket";
    if (S_ISCHR(st->st_mode))
        return "character device";
    if (S_ISBLK(st->st_mode))
        return "block device";
    return "special file";
}

int pt_feed_fd(pf_reader *r, int fd)
{
    /* Chunks of 256 KiB: the reader keeps nothing of them but the line
     * they cut. */
    size_t cap = (size_t)256 << 10;
    char *buf = pf__malloc(cap);
    int ret = 0;

    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t n = read(fd, buf, cap);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = -errno;
            break;
        }
        if (n == 0)
            break;
        ret = pf__reader_feed(r, buf, (size_t)n);
        if (ret < 0)
            break;
    }
    pf__free(buf);
    return ret;
}

int pt_read_fd(int fd, size_t hint, size_t max, char **data, size_t *len)
{
    /* One byte more than expected: the read that says "end of file" needs
     * no larger buffer. */
    size_t cap = hint + 1, n = 0;
    char *buf = malloc(cap);

    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char *nb;

            if (max && cap > max) {
                free(buf);
                return -EFBIG;
            }
            nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;

            free(buf);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (max && n > max) {
        free(buf);
        return -EFBIG;
    }
    *data = buf;
    *len = n;
    return 0;
}

int pt_list_rules(FILE *out)
{
    static const char *const verdicts[] = {
        [PF_VERDICT_OK] = "read",
        [PF_VERDICT_DROPPED] = "dropped",
        [PF_VERDICT_REFUSED] = "refused",
        [PF_VERDICT_CRASHED] = "crashed",
    };

    for (int i = 0; i < PF_NRULES; i++) {
        const pf_rule_info *ri = pf__rule_info((enum pf_rule)i);

        fprintf(out, "%-20s %-7s %-7s %s\n", ri->name,
                pf__rule_is_error(ri) ? "error" : "warning",
                verdicts[ri->verdict], ri->what);
    }
    return 0;
}

/* ---- Permissions -------------------------------------------------------- */

typedef struct user_info {
    const char *name;
    uid_t uid;
    gid_t groups[256];
    int ngroups;
} user_info;

static int user_load(const char *name, user_info *u)
{
    struct passwd *pw = getpwnam(name);

    if (!pw)
        return -ENOENT;
    u->name = name;
    u->uid = pw->pw_uid;
    u->ngroups = (int)(sizeof(u->groups) / sizeof(u->groups[0]));
    if (getgrouplist(name, pw->pw_gid, u->groups, &u->ngroups) < 0) {
        /* More groups than we keep: the primary one is first. */
        u->ngroups = (int)(sizeof(u->groups) / sizeof(u->groups[0]));
    }
    return 0;
}

/* May the user access st with the rwx bit `bit` (4, 2 or 1)? */
static bool may(const user_info *u, const struct stat *st, unsigned bit)
{
    bool member = false;

    if (u->uid == 0)
        return bit != 1 || S_ISDIR(st->st_mode) || (st->st_mode & 0111) != 0;
    if (st->st_uid == u->uid)
        return (st->st_mode >> 6) & bit;
    for (int i = 0; i < u->ngroups; i++)
        if (u->groups[i] == st->st_gid)
            member = true;
    if (member)
        return (st->st_mode >> 3) & bit;
    return st->st_mode & bit;
}

/* Every directory from / down to dir must be searchable by the user.
 * Returns 0 or the first one that is not, in bad. */
static bool dirs_searchable(const user_info *u, const char *dir, char *bad,
                            size_t badsz)
{
    char real[PATH_MAX];
    struct stat st;

    if (!realpath(dir, real))
        return true;
    for (char *p = real;;) {
        char save;

        p = strchr(p + 1, '/');
        save = p ? *p : '\0';
        if (p)
            *p = '\0';
        if (stat(real[0] ? real : "/", &st) == 0 && !may(u, &st, 1)) {
            snprintf(bad, badsz, "%s", real[0] ? real : "/");
            return false;
        }
        if (!p)
            break;
        *p = save;
    }
    return true;
}

static void check_perm_file(pf_reader *r, const char *path, const user_info *u)
{
    struct stat st;
    char dir[PATH_MAX], bad[PATH_MAX];
    const char *slash;

    if (!u || stat(path, &st) < 0)
        return;
    if (!may(u, &st, 4))
        pf__reader_report(
            r, NULL, 0, PF_RULE_PERMISSION,
            "user %s cannot read the file (mode %04o, owner %u, "
            "group %u); node_exporter reports \"permission denied\"",
            u->name, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
            (unsigned)st.st_gid);
    slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1), path);
    if (!dirs_searchable(u, dir, bad, sizeof(bad)))
        pf__reader_report(r, NULL, 0, PF_RULE_PERMISSION,
                          "user %s cannot search the directory %s", u->name,
                          bad);
}

/* ---- Files and directories -------------------------------------------- */

/* With --max-age: is the file st older? */
static void check_age(pf_reader *r, const struct stat *st, uint64_t max_age)
{
    struct timespec now;
    int64_t age;
    char a[32], m[32];

    if (max_age == 0)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    age = ((int64_t)now.tv_sec - (int64_t)st->st_mtim.tv_sec) * 1000000000 +
          (now.tv_nsec - st->st_mtim.tv_nsec);
    /* A file from the future (a clock set back) is not stale. */
    if (age <= 0 || (uint64_t)age <= max_age)
        return;
    pt_format_duration((uint64_t)age, a, sizeof(a));
    pt_format_duration(max_age, m, sizeof(m));
    pf__reader_report(r, NULL, 0, PF_RULE_STALE,
                      "last written %s ago, more than --max-age %s: "
                      "node_exporter exports it all the same; is its "
                      "writer gone, or renamed?",
                      a, m);
}

/* Read one file into r, as node_exporter would open it: a broken link or
 * an unreadable file is refused, a FIFO or a device is no textfile, and a
 * directory named *.prom (in a directory: `listed`) reads as empty. */
static int check_one(pf_reader *r, const char *path, const user_info *u,
                     uint64_t max_age, bool listed)
{
    struct stat st;
    int fd = -1, ret = pt_open_regular(AT_FDCWD, path, &fd, &st);

    if (ret == PT_NOT_REGULAR && listed && S_ISDIR(st.st_mode)) {
        pf__reader_report(r, path, 0, PF_RULE_DIRECTORY,
                          "a directory whose name ends in %s: "
                          "node_exporter reads it as an empty file",
                          PF_TEXTFILE_SUFFIX);
        return 0;
    }
    if (pf__reader_begin(r, path) < 0) {
        if (fd >= 0)
            close(fd);
        return -ENOMEM;
    }
    if (ret < 0) {
        pf__reader_report(r, NULL, 0, PF_RULE_READ,
                          "cannot open: %s (nor can node_exporter)",
                          pf_strerror(ret));
    } else if (ret == PT_NOT_REGULAR) {
        pf__reader_report(r, NULL, 0, PF_RULE_NOT_REGULAR,
                          "not a regular file but a %s: node_exporter "
                          "fails on it or blocks reading it (not read)",
                          pt_file_kind(&st));
    } else if ((uint64_t)st.st_size > PF_READER_MAX_SIZE) {
        pf__reader_report(r, NULL, 0, PF_RULE_TOO_LARGE,
                          "%llu bytes, more than the limit of %llu MiB "
                          "(not read)",
                          (unsigned long long)st.st_size,
                          (unsigned long long)(PF_READER_MAX_SIZE >> 20));
    } else {
        if (!listed && !pf__ends_with(path, PF_TEXTFILE_SUFFIX))
            pf__reader_report(r, NULL, 0, PF_RULE_FILE_NAME,
                              "node_exporter reads only files whose name "
                              "ends in %s",
                              PF_TEXTFILE_SUFFIX);
        check_perm_file(r, path, u);
        check_age(r, &st, max_age);
        ret = pt_feed_fd(r, fd);
        if (ret == -ENOMEM) {
            close(fd);
            return ret;
        }
        if (ret < 0)
            pf__reader_report(r, NULL, 0, PF_RULE_READ, "cannot read: %s",
                              pf_strerror(ret));
    }
    if (fd >= 0)
        close(fd);
    return pf__reader_end(r);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_dir(pf_reader *r, const char *dir, const user_info *u,
                     uint64_t max_age)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    struct dirent *de;

    if (!d) {
        pf__reader_report(r, dir, 0, PF_RULE_READ,
                          "cannot read the directory: %s", pf_strerror(-errno));
        return 0;
    }
    if (u) {
        struct stat st;
        char bad[PATH_MAX];

        if (fstat(dirfd(d), &st) == 0 && !may(u, &st, 4))
            pf__reader_report(r, dir, 0, PF_RULE_PERMISSION,
                              "user %s cannot list the directory", u->name);
        if (!dirs_searchable(u, dir, bad, sizeof(bad)))
            pf__reader_report(r, dir, 0, PF_RULE_PERMISSION,
                              "user %s cannot search the directory %s", u->name,
                              bad);
    }
    /* node_exporter reads every name ending in ".prom", hidden ones
     * included, in the order of their names; it follows symlinks and does
     * not descend. */
    while ((de = readdir(d))) {
        size_t len;

        if (!pf__ends_with(de->d_name, PF_TEXTFILE_SUFFIX))
            continue;
        if (n == cap) {
            char **nn;

            cap = cap ? cap * 2 : 16;
            nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                ret = -ENOMEM;
                goto out;
            }
            names = nn;
        }
        len = strlen(dir);
        names[n] = malloc(len + strlen(de->d_name) + 2);
        if (!names[n]) {
            ret = -ENOMEM;
            goto out;
        }
        sprintf(names[n], "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/",
                de->d_name);
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && ret == 0; i++)
        ret = check_one(r, names[i], u, max_age, true);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return ret;
}

int pt_cmd_check(char **paths, int n, const pt_opts *o, pt_ctx *c)
{
    pf_reader_opts ro = {pt_print_diag, NULL, c, c->no_lint, 0};
    user_info ui, *u = NULL;
    pf_reader *r = NULL;
    int ret = 0, rc;

    if (o->user) {
        if (user_load(o->user, &ui) < 0) {
            fprintf(stderr, "promfile: no such user: %s\n", o->user);
            return 2;
        }
        u = &ui;
    }
    if (pf__reader_new(&ro, &r) < 0) {
        fputs("promfile: out of memory\n", stderr);
        return 1;
    }
    for (int i = 0; i < n && ret == 0; i++) {
        struct stat st;

        /* Each path is read on its own: a directory as node_exporter
         * reads it, all its files together. */
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            ret = check_dir(r, paths[i], u, o->max_age);
        else
            ret = check_one(r, paths[i], u, o->max_age, false);
        if (ret == 0)
            ret = pf__reader_finish(r);
    }
    if (ret < 0) {
        fprintf(stderr, "promfile: %s\n", pf_strerror(ret));
        pf__reader_free(r);
        return 1;
    }
    rc = pf__reader_errors(r) || (o->strict && pf__reader_warnings(r)) ? 1 : 0;
    pf__reader_free(r);
    return rc;
}
