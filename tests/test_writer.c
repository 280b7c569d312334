/* SPDX-License-Identifier: MIT */
/*
 * The textfile writer: the atomic write and its failures, the background
 * writer, leftovers, fork(). Where the test runs as root, small tmpfs
 * mounts give a read-only and a full file system.
 */
#include "pf-test.h"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    pf_registry *reg;
    pf_counter *events;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/pf-writer-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    assert_int_equal(pf_registry_new(&fx->reg), 0);
    assert_int_equal(
        pf_counter_new(fx->reg, "w_events_total", "Events.", &fx->events), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    umount2(fx->dir, MNT_DETACH);
    chmod(fx->dir, 0700);
    test_remove_tree(fx->dir);
    pf_registry_free(fx->reg);
    free(fx);
    return 0;
}

static char *file_text(const fixture *fx, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
    return read_file(path);
}

/* Names in the directory other than the given ones: temp files left. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void write_textfile_replaces_atomically(void **state)
{
    fixture *fx = *state;
    char *want, *got;
    struct stat st;
    char path[256];
    mode_t old = umask(077);

    assert_int_equal(pf_counter_add(fx->events, 41), 0);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    assert_int_equal(pf_counter_inc(fx->events), 0);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    umask(old);
    want = render_text(fx->reg);
    got = file_text(fx, "app.prom");
    assert_non_null(got);
    assert_string_equal(got, want);
    free(want);
    free(got);
    /* 0644 whatever the umask (077 here): node_exporter must read it. */
    snprintf(path, sizeof(path), "%s/app.prom", fx->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    /* No temporary file is left behind. */
    assert_int_equal(count_entries(fx->dir), 1);
    /* An explicit mode is applied exactly. */
    assert_int_equal(pf_registry_write_textfile(fx->reg, fx->dir, "app.prom",
                                                0640, PF_WRITE_FSYNC_DIR),
                     0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

/* The write path in steps (promfile write and run): the temporary file
 * is hidden and not .prom until the commit renames it, in its mode; an
 * abort leaves nothing; a lock taken on it before the commit is a lock
 * on the file that then has the name. */
static void tmp_steps_commit_and_abort(void **state)
{
    fixture *fx = *state;
    char path[256], *text;
    struct stat st;
    pf_tmp t;
    int keep;

    assert_int_equal(pf__tmp_open(&t, fx->dir, "a.prom", 0640), 0);
    assert_int_equal(t.name[0], '.');
    assert_string_equal(t.name + strlen(t.name) - 4, ".tmp");
    assert_int_equal(count_entries(fx->dir), 1);
    assert_int_equal(pf__tmp_write(&t, "x 1\n", 4), 0);
    pf__tmp_abort(&t);
    assert_int_equal(count_entries(fx->dir), 0);
    assert_int_equal(t.fd, -1);

    assert_int_equal(pf__tmp_open(&t, fx->dir, "a.prom", 0640), 0);
    assert_int_equal(pf__tmp_write(&t, "x 1\n", 4), 0);
    assert_int_equal(flock(t.fd, LOCK_EX), 0);
    keep = dup(t.fd);
    assert_true(keep >= 0);
    assert_int_equal(pf__tmp_commit(&t, PF_WRITE_FSYNC_DIR), 0);
    assert_int_equal(count_entries(fx->dir), 1);
    text = file_text(fx, "a.prom");
    assert_string_equal(text, "x 1\n");
    free(text);
    snprintf(path, sizeof(path), "%s/a.prom", fx->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    {
        int other = open(path, O_RDONLY);

        assert_true(other >= 0);
        assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
        assert_int_equal(errno, EWOULDBLOCK);
        close(keep);
        assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
        close(other);
    }
    /* A missing directory: nothing opened. */
    snprintf(path, sizeof(path), "%s/missing", fx->dir);
    assert_int_equal(pf__tmp_open(&t, path, "a.prom", 0644), -ENOENT);
    assert_int_equal(t.fd, -1);
}

static void write_textfile_refuses_bad_arguments(void **state)
{
    fixture *fx = *state;

    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.txt", 0, 0), -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "../app.prom", 0, 0),
        -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "a/b.prom", 0, 0),
        -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, ".prom", 0, 0), -EINVAL);
    assert_int_equal(pf_registry_write_textfile(fx->reg, fx->dir, NULL, 0, 0),
                     -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, NULL, "app.prom", 0, 0), -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 04644, 0),
        -EINVAL);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0x100),
        -EINVAL);
    assert_int_equal(count_entries(fx->dir), 0);
}

static void write_textfile_missing_directory_fails(void **state)
{
    fixture *fx = *state;
    char dir[128];

    snprintf(dir, sizeof(dir), "%s/missing", fx->dir);
    assert_int_equal(pf_registry_write_textfile(fx->reg, dir, "app.prom", 0, 0),
                     -ENOENT);
}

/* ---- Fault injection through pf__sys ---------------------------------- */

static pf_sys real_sys;
static int fault_errno;
static const char *plant; /* "symlink" or "file": plant at the temp name */
static char plant_target[256];
static int planted;

static int openat_planting(int dfd, const char *name, int flags, unsigned mode)
{
    /* Someone who can write the directory guessed the temporary name:
     * they win the race and create it first. */
    if (plant && planted < 3) {
        planted++;
        if (strcmp(plant, "symlink") == 0)
            assert_int_equal(symlinkat(plant_target, dfd, name), 0);
        else
            close(openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0600));
    }
    return real_sys.openat(dfd, name, flags, mode);
}

static int fsync_failing(int fd)
{
    (void)fd;
    errno = fault_errno;
    return -1;
}

static void write_textfile_never_follows_planted_names(void **state)
{
    fixture *fx = *state;
    char victim[256], *text;

    /* The victim: a file the attacker wants overwritten. */
    snprintf(victim, sizeof(victim), "%s/victim", fx->dir);
    {
        FILE *f = fopen(victim, "w");

        assert_non_null(f);
        fputs("precious\n", f);
        fclose(f);
    }
    real_sys = pf__sys;
    pf__sys.openat = openat_planting;
    for (int round = 0; round < 2; round++) {
        plant = round == 0 ? "symlink" : "file";
        snprintf(plant_target, sizeof(plant_target), "%s", victim);
        planted = 0;
        assert_int_equal(
            pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
        assert_int_equal(planted, 3);
    }
    pf__sys = real_sys;
    plant = NULL;
    text = read_file(victim);
    assert_string_equal(text, "precious\n");
    free(text);
    /* victim, app.prom, 3 symlinks and 3 files left untouched. */
    assert_int_equal(count_entries(fx->dir), 2 + 6);
}

static void write_textfile_failure_keeps_old_file(void **state)
{
    fixture *fx = *state;
    char *before, *after;

    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    before = file_text(fx, "app.prom");
    assert_int_equal(pf_counter_add(fx->events, 1000), 0);
    real_sys = pf__sys;
    pf__sys.fsync = fsync_failing;
    fault_errno = EIO;
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), -EIO);
    pf__sys = real_sys;
    after = file_text(fx, "app.prom");
    assert_string_equal(before, after);
    assert_int_equal(count_entries(fx->dir), 1);
    free(before);
    free(after);
}

/* ---- Small file systems (root only) ------------------------------------ */

static bool mount_tmpfs(const char *dir, const char *opts)
{
    if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        print_message("# cannot mount a tmpfs (needs root): %s\n",
                      strerror(errno));
        return false;
    }
    return true;
}

static void write_textfile_full_disk_keeps_old_file(void **state)
{
    fixture *fx = *state;
    static const char *const labels[] = {"id", NULL};
    char *before, *after, v[16];
    pf_family *f;

    if (!mount_tmpfs(fx->dir, "size=64k,mode=0755"))
        skip();
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    before = file_text(fx, "app.prom");
    /* Now more than the 64 KiB file system can hold. */
    assert_int_equal(
        pf_gauge_family_new(fx->reg, "w_fill", "Fill.", labels, &f), 0);
    for (int i = 0; i < 5000; i++) {
        snprintf(v, sizeof(v), "%d", i);
        assert_int_equal(pf_gauge_set_labels(f, i, v, NULL), 0);
    }
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0),
        -ENOSPC);
    after = file_text(fx, "app.prom");
    assert_string_equal(before, after);
    assert_int_equal(count_entries(fx->dir), 1);
    free(before);
    free(after);
}

static void write_textfile_read_only_then_recovers(void **state)
{
    fixture *fx = *state;
    char *text;

    if (!mount_tmpfs(fx->dir, "size=1m,mode=0755"))
        skip();
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    assert_int_equal(
        mount("tmpfs", fx->dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=1m"), 0);
    assert_int_equal(pf_counter_add(fx->events, 7), 0);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), -EROFS);
    text = file_text(fx, "app.prom");
    assert_non_null(strstr(text, "w_events_total 0\n"));
    free(text);
    assert_int_equal(mount("tmpfs", fx->dir, "tmpfs", MS_REMOUNT, "size=1m"),
                     0);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, 0), 0);
    text = file_text(fx, "app.prom");
    assert_non_null(strstr(text, "w_events_total 7\n"));
    free(text);
}

/* ---- The background writer ----------------------------------------------- */

static pf_config *config_for(const fixture *fx, const char *interval)
{
    pf_config *cfg;

    assert_int_equal(pf_config_new(&cfg), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", fx->dir, NULL),
                     0);
    assert_int_equal(pf_config_set(cfg, "textfile", "file", "app.prom", NULL),
                     0);
    assert_int_equal(pf_config_set(cfg, "textfile", "interval", interval, NULL),
                     0);
    return cfg;
}

static void writer_writes_at_start_flush_and_stop(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "1h");
    pf_writer *w;
    char *text;

    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    /* Written before start returned. */
    text = file_text(fx, "app.prom");
    assert_non_null(text);
    assert_non_null(strstr(text, "\nw_events_total 0\n"));
    assert_non_null(
        strstr(text, "\npromfile_writes_total{file=\"app.prom\"} 1\n"));
    assert_non_null(strstr(
        text, "\npromfile_write_interval_seconds{file=\"app.prom\"} 3600\n"));
    free(text);
    assert_int_equal(pf_writer_last_error(w), 0);

    assert_int_equal(pf_counter_inc(fx->events), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    text = file_text(fx, "app.prom");
    assert_non_null(strstr(text, "\nw_events_total 1\n"));
    assert_non_null(
        strstr(text, "\npromfile_writes_total{file=\"app.prom\"} 2\n"));
    free(text);

    /* Stopping a writer with a 1-hour interval returns at once: the
     * thread waits on a condition variable, and this call joins it. */
    assert_int_equal(pf_counter_inc(fx->events), 0);
    assert_int_equal(pf_writer_stop(w), 0);
    text = file_text(fx, "app.prom");
    assert_non_null(strstr(text, "\nw_events_total 2\n"));
    assert_non_null(
        strstr(text, "\npromfile_writes_total{file=\"app.prom\"} 3\n"));
    free(text);
    assert_int_equal(count_entries(fx->dir), 1);
}

static void writer_rewrites_every_interval(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "10ms");
    char buf[4096] __attribute__((aligned(8)));
    int renames = 0, in;
    pf_writer *w;

    /* Wait for the thread's writes as the kernel reports them: each one
     * is a rename into the directory (no polling, no sleeping). */
    in = inotify_init1(IN_CLOEXEC);
    assert_true(in >= 0);
    assert_true(inotify_add_watch(in, fx->dir, IN_MOVED_TO) >= 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    while (renames < 5) {
        ssize_t n = read(in, buf, sizeof(buf));

        assert_true(n > 0);
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (void *)p;

            if (ev->len && strcmp(ev->name, "app.prom") == 0)
                renames++;
            p += sizeof(*ev) + ev->len;
        }
    }
    close(in);
    assert_int_equal(pf_writer_stop(w), 0);
    {
        char *text = file_text(fx, "app.prom");
        static const char key[] = "\npromfile_writes_total{file=\"app.prom\"} ";
        const char *p = strstr(text, key);

        assert_non_null(p);
        assert_true(strtoul(p + sizeof(key) - 1, NULL, 10) >= 6);
        free(text);
    }
}

static void writer_remove_on_exit_and_labels(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "1h");
    char path[256], *text;
    pf_writer *w;

    assert_int_equal(
        pf_config_set(cfg, "textfile", "remove_on_exit", "yes", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "labels", "instance", "mail1", NULL),
                     0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    text = file_text(fx, "app.prom");
    assert_non_null(strstr(text, "\nw_events_total{instance=\"mail1\"} 0\n"));
    assert_non_null(strstr(
        text,
        "\npromfile_writes_total{file=\"app.prom\",instance=\"mail1\"} 1\n"));
    free(text);
    assert_int_equal(pf_writer_stop(w), 0);
    snprintf(path, sizeof(path), "%s/app.prom", fx->dir);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(errno, ENOENT);
}

static int unlinkat_refused(int dfd, const char *name, int flags)
{
    UNUSED(dfd);
    UNUSED(name);
    UNUSED(flags);
    errno = EACCES;
    return -1;
}

/* The removal at stop goes through pf__sys like every system call of the
 * writer (issue 13): its failure is stop's result, and the file stays. */
static void writer_remove_on_exit_failure_is_reported(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "1h");
    pf_sys saved = pf__sys;
    char path[256];
    pf_writer *w;

    assert_int_equal(
        pf_config_set(cfg, "textfile", "remove_on_exit", "yes", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    pf__sys.unlinkat = unlinkat_refused;
    assert_int_equal(pf_writer_stop(w), -EACCES);
    pf__sys = saved;
    snprintf(path, sizeof(path), "%s/app.prom", fx->dir);
    assert_int_equal(access(path, F_OK), 0);
}

static void writer_label_conflict_fails_with_line(void **state)
{
    fixture *fx = *state;
    static const char *const labels[] = {"instance", NULL};
    char ini[128];
    pf_error err;
    pf_writer *w = NULL;
    FILE *f;

    assert_int_equal(pf_gauge_family_new(fx->reg, "w_up", "Up.", labels, NULL),
                     0);
    snprintf(ini, sizeof(ini), "%s/promfile.ini", fx->dir);
    f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f,
            "[textfile]\ndirectory = %s\nfile = app.prom\n\n[labels]\n"
            "site = fra1\ninstance = mail1\n",
            fx->dir);
    fclose(f);
    assert_int_equal(pf_writer_start_ini(fx->reg, ini, &err, &w), -EEXIST);
    assert_null(w);
    assert_non_null(strstr(err.text, "promfile.ini:7: [labels] instance"));
}

static int errors_seen;
static int last_err;

static void on_error(int err, void *arg)
{
    (void)arg;
    errors_seen++;
    last_err = err;
}

static void writer_reports_and_recovers(void **state)
{
    fixture *fx = *state;
    pf_config *cfg;
    char dir[128], *text;
    pf_writer *w;

    snprintf(dir, sizeof(dir), "%s/later", fx->dir);
    cfg = config_for(fx, "1h");
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", dir, NULL), 0);
    assert_int_equal(pf_config_set_error_callback(cfg, on_error, NULL), 0);
    errors_seen = 0;
    /* A missing directory does not stop the writer from starting. */
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    assert_int_equal(pf_writer_last_error(w), -ENOENT);
    assert_int_equal(errors_seen, 1);
    assert_int_equal(last_err, -ENOENT);
    assert_int_equal(pf_writer_flush(w), -ENOENT);
    assert_int_equal(errors_seen, 2);
    /* The admin creates it: the next write succeeds and shows the errors. */
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    assert_int_equal(pf_writer_last_error(w), 0);
    text = file_text(fx, "later/app.prom");
    assert_non_null(text);
    assert_non_null(strstr(text, "\npromfile_write_errors_total{errno="
                                 "\"ENOENT\",file=\"app.prom\"} 2\n"));
    assert_non_null(
        strstr(text, "\npromfile_writes_total{file=\"app.prom\"} 1\n"));
    free(text);
    assert_int_equal(pf_writer_stop(w), 0);
}

/* The pid of a process that has exited. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return pid;
}

static void writer_removes_only_its_leftovers(void **state)
{
    fixture *fx = *state;
    char names[6][96];
    char path[1024];
    pf_config *cfg = config_for(fx, "1h");
    pf_writer *w;
    pid_t dead = dead_pid();

    /* Removed: ours, of a process that is gone. */
    snprintf(names[0], sizeof(names[0]), ".app.prom.%d.AbCdEf123456.tmp",
             (int)dead);
    snprintf(names[1], sizeof(names[1]), ".app.prom.%d.ZZZZZZZZZZZZ.tmp",
             (int)dead);
    /* Kept: a live process's (init's), another pattern, another file's,
     * an unrelated file. */
    snprintf(names[2], sizeof(names[2]), ".app.prom.1.AbCdEf123456.tmp");
    snprintf(names[3], sizeof(names[3]), ".app.prom.%d.short.tmp", (int)dead);
    snprintf(names[4], sizeof(names[4]), ".other.prom.%d.AbCdEf123456.tmp",
             (int)dead);
    snprintf(names[5], sizeof(names[5]), "notes.txt");
    for (size_t i = 0; i < 6; i++) {
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
        f = fopen(path, "w");
        assert_non_null(f);
        fclose(f);
    }
    /* A symlink with our pattern is never touched either. */
    snprintf(path, sizeof(path), "%s/.app.prom.%d.SymLink12345.tmp", fx->dir,
             (int)dead);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    assert_int_equal(pf_writer_stop(w), 0);
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
        assert_int_equal(access(path, F_OK), i < 2 ? -1 : 0);
    }
    /* 4 kept + symlink + app.prom */
    assert_int_equal(count_entries(fx->dir), 6);
}

/* ThreadSanitizer cannot follow a thread started in the child of a
 * multi-threaded fork() ("dup thread with used id"); under it the child
 * does all but start a writer of its own. The other builds do that too. */
#if defined(__SANITIZE_THREAD__)
#define CHILD_STARTS_WRITER 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHILD_STARTS_WRITER 0
#endif
#endif
#ifndef CHILD_STARTS_WRITER
#define CHILD_STARTS_WRITER 1
#endif

/* The child's side: its parent's writer is not its own. Returns 0 when
 * every check holds (cmocka's assertions cannot fail across fork()). */
static int child_checks(const fixture *fx, pf_writer *w)
{
    pf_config *mine;
    pf_writer *own;
    char *text;
    int bad = 0;

    bad |= pf_writer_flush(w) != -ESRCH;
    bad |= pf_writer_stop(w) != 0;
    bad |= pf_counter_add(fx->events, 100) != 0;
    /* The registry is usable: no lock was left held by the parent's
     * writer thread. */
    text = NULL;
    bad |= pf_registry_render(fx->reg, &text, NULL) != 0;
    bad |= !text || !strstr(text, "\nw_events_total 100\n");
    free(text);
    if (!CHILD_STARTS_WRITER)
        return bad;
    /* It can start its own, on its own file. */
    mine = config_for(fx, "1h");
    bad |= pf_config_set(mine, "textfile", "file", "child.prom", NULL) != 0;
    bad |= pf_writer_start(fx->reg, mine, &own) != 0;
    bad |= pf_writer_stop(own) != 0;
    pf_config_free(mine);
    text = file_text(fx, "child.prom");
    bad |= !text || !strstr(text, "\nw_events_total 100\n");
    free(text);
    return bad;
}

static void writer_fork_child_never_writes_parent_file(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "10ms");
    pf_writer *w;
    int status, r;
    char *text;
    pid_t pid;

    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    pid = fork();
    if (pid == 0)
        _exit(child_checks(fx, w) ? 1 : 0);
    /* Stop the writer before asserting, so that a failure leaves no
     * thread behind. */
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r = pf_writer_flush(w);
    text = file_text(fx, "app.prom");
    assert_int_equal(pf_writer_stop(w), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The parent's writer is unaffected; the child's +100 is not ours. */
    assert_int_equal(r, 0);
    assert_non_null(strstr(text, "\nw_events_total 0\n"));
    free(text);
}

/* The directory changes under a running writer: deleted, made again,
 * replaced by a symbolic link to elsewhere, made read-only, filled up.
 * Each write reports what happened; none crashes; the file is never torn
 * and writing resumes once the directory is usable. */
static void writer_survives_its_directory_changing(void **state)
{
    static const char *const labels[] = {"id", NULL};
    fixture *fx = *state;
    char sub[128], elsewhere[128], path[256], *before, *text;
    pf_config *cfg = config_for(fx, "1h");
    pf_family *fill;
    pf_writer *w;

    snprintf(sub, sizeof(sub), "%s/sub", fx->dir);
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", fx->dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", sub, NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    assert_int_equal(pf_writer_last_error(w), 0);

    /* Deleted: ENOENT, and made again: written. */
    test_remove_tree(sub);
    assert_int_equal(pf_writer_flush(w), -ENOENT);
    assert_int_equal(pf_writer_last_error(w), -ENOENT);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(pf_writer_flush(w), 0);

    /* Replaced by a symbolic link: refused (ELOOP), nothing is written
     * where the link points (issue 12); a directory again: written. */
    test_remove_tree(sub);
    assert_int_equal(mkdir(elsewhere, 0755), 0);
    assert_int_equal(symlink(elsewhere, sub), 0);
    assert_int_equal(pf_counter_add(fx->events, 5), 0);
    assert_int_equal(pf_writer_flush(w), -ELOOP);
    assert_int_equal(count_entries(elsewhere), 0);
    assert_int_equal(unlink(sub), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    snprintf(path, sizeof(path), "%s/app.prom", sub);
    text = read_file(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\nw_events_total 5\n"));
    free(text);

    if (!mount_tmpfs(sub, "size=64k,mode=0755")) {
        assert_int_equal(pf_writer_stop(w), 0);
        skip();
    }
    assert_int_equal(pf_writer_flush(w), 0);
    before = read_file(path);
    assert_non_null(before);
    /* Read-only: EROFS, the file as it was; writable again: written. */
    assert_int_equal(
        mount("tmpfs", sub, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0);
    assert_int_equal(pf_counter_add(fx->events, 1), 0);
    assert_int_equal(pf_writer_flush(w), -EROFS);
    text = read_file(path);
    assert_string_equal(text, before);
    free(text);
    assert_int_equal(mount("tmpfs", sub, "tmpfs", MS_REMOUNT, "size=64k"), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    free(before);
    before = read_file(path);
    /* Full: ENOSPC, the file as it was, no temporary file left. */
    assert_int_equal(
        pf_gauge_family_new(fx->reg, "w_fill", "Fill.", labels, &fill), 0);
    for (int i = 0; i < 5000; i++) {
        char v[16];

        snprintf(v, sizeof(v), "%d", i);
        assert_int_equal(pf_gauge_set_labels(fill, i, v, NULL), 0);
    }
    assert_int_equal(pf_writer_flush(w), -ENOSPC);
    text = read_file(path);
    assert_string_equal(text, before);
    free(text);
    free(before);
    assert_int_equal(count_entries(sub), 1);
    /* Room again: written, and the errors are in the file. */
    assert_int_equal(pf_family_clear(fill), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    text = read_file(path);
    assert_non_null(strstr(
        text,
        "promfile_write_errors_total{errno=\"EROFS\",file=\"app.prom\"} 1"));
    assert_non_null(strstr(
        text,
        "promfile_write_errors_total{errno=\"ENOSPC\",file=\"app.prom\"} 1"));
    assert_non_null(strstr(
        text,
        "promfile_write_errors_total{errno=\"ENOENT\",file=\"app.prom\"} 1"));
    free(text);
    assert_int_equal(pf_writer_stop(w), 0);
    umount2(sub, MNT_DETACH);
}

/* ---- A writer owns what it adds (issue 13) ------------------------------ */

/* Two writers of one registry, each with its [labels] site: each file has
 * its own, and the registry has none, during or after. */
static void writer_labels_belong_to_its_file(void **state)
{
    fixture *fx = *state;
    pf_config *a = config_for(fx, "1h"), *b = config_for(fx, "1h");
    pf_writer *wa, *wb;
    char *ta, *tb, *reg;

    assert_int_equal(pf_config_set(a, "labels", "site", "east", NULL), 0);
    assert_int_equal(pf_config_set(b, "labels", "site", "west", NULL), 0);
    assert_int_equal(pf_config_set(a, "textfile", "file", "a.prom", NULL), 0);
    assert_int_equal(pf_config_set(b, "textfile", "file", "b.prom", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, a, &wa), 0);
    assert_int_equal(pf_writer_start(fx->reg, b, &wb), 0);
    assert_int_equal(pf_counter_add(fx->events, 3), 0);
    reg = render_text(fx->reg);
    assert_null(strstr(reg, "site"));
    free(reg);
    assert_int_equal(pf_writer_stop(wa), 0);
    assert_int_equal(pf_writer_stop(wb), 0);
    ta = file_text(fx, "a.prom");
    tb = file_text(fx, "b.prom");
    assert_non_null(strstr(ta, "\nw_events_total{site=\"east\"} 3\n"));
    assert_null(strstr(ta, "west"));
    assert_non_null(strstr(tb, "\nw_events_total{site=\"west\"} 3\n"));
    assert_null(strstr(tb, "east"));
    /* The writer's own metrics carry them too, after the name of their
     * file: two writers of one directory never export the same series
     * (node_exporter would drop one), not even without [labels]. */
    assert_non_null(
        strstr(ta, "promfile_writes_total{file=\"a.prom\",site=\"east\"} "));
    assert_non_null(
        strstr(tb, "promfile_writes_total{file=\"b.prom\",site=\"west\"} "));
    assert_non_null(strstr(ta, "\nprocess_threads{program=\"test_writer\","
                               "file=\"a.prom\",site=\"east\"} "));
    free(ta);
    free(tb);
    reg = render_text(fx->reg);
    assert_null(strstr(reg, "site"));
    free(reg);
    pf_config_free(a);
    pf_config_free(b);
}

/* Does any sample of the writer's own (promfile_*, process_*) in text a
 * have the same name and labels as one in text b? */
static bool own_series_shared(const char *a, const char *b)
{
    for (const char *l = a; *l;
         l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
        const char *sp = strchr(l, ' '), *nl = strchr(l, '\n');
        char key[512];

        if ((strncmp(l, "promfile_", 9) && strncmp(l, "process_", 8)) || !sp ||
            (nl && sp > nl) || (size_t)(sp - l) + 2 >= sizeof(key))
            continue;
        snprintf(key, sizeof(key), "\n%.*s ", (int)(sp - l), l);
        if (strstr(b, key) || strncmp(b, key + 1, strlen(key + 1)) == 0)
            return true;
    }
    return false;
}

/* Two programs, or two copies of one, writing two files of one directory
 * without [labels]: the writers' own series differ by the label file, so
 * node_exporter drops none of them. */
static void writer_own_series_differ_between_files(void **state)
{
    fixture *fx = *state;
    pf_config *a = config_for(fx, "1h"), *b = config_for(fx, "1h");
    pf_writer *wa, *wb;
    char *ta, *tb;

    assert_int_equal(pf_config_set(a, "textfile", "file", "a.prom", NULL), 0);
    assert_int_equal(pf_config_set(b, "textfile", "file", "b.prom", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, a, &wa), 0);
    assert_int_equal(pf_writer_start(fx->reg, b, &wb), 0);
    assert_int_equal(pf_writer_stop(wa), 0);
    assert_int_equal(pf_writer_stop(wb), 0);
    ta = file_text(fx, "a.prom");
    tb = file_text(fx, "b.prom");
    assert_non_null(strstr(ta, "\npromfile_writes_total{file=\"a.prom\"} 2\n"));
    assert_non_null(strstr(tb, "\npromfile_writes_total{file=\"b.prom\"} 2\n"));
    assert_false(own_series_shared(ta, tb));
    free(ta);
    free(tb);
    /* The label is the writer's: [labels] may not set it. */
    assert_int_equal(pf_config_set(a, "labels", "file", "x", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, a, &wa), -EEXIST);
    assert_non_null(strstr(pf_last_error(), "file"));
    pf_config_free(a);
    pf_config_free(b);
}

/* A family registered after the writer started, with a label named like
 * one of the writer's, keeps its own value; the others still get the
 * writer's. A constant label of the registry, set later, too. */
static void writer_labels_yield_to_the_programs(void **state)
{
    static const char *const site[] = {"site", NULL};
    fixture *fx = *state;
    pf_config *cfg = config_for(fx, "1h");
    pf_family *f;
    pf_writer *w;
    char *text;

    assert_int_equal(pf_config_set(cfg, "labels", "site", "east", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "labels", "role", "mx", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    assert_int_equal(
        pf_gauge_family_new(fx->reg, "w_queue_items", "Q.", site, &f), 0);
    assert_int_equal(pf_gauge_set_labels(f, 4, "north", NULL), 0);
    assert_int_equal(pf_registry_set_label(fx->reg, "role", "relay"), 0);
    assert_int_equal(pf_writer_flush(w), 0);
    text = file_text(fx, "app.prom");
    assert_non_null(
        strstr(text, "\nw_queue_items{site=\"north\",role=\"relay\"} 4\n"));
    assert_non_null(
        strstr(text, "\nw_events_total{role=\"relay\",site=\"east\"} 0\n"));
    free(text);
    assert_int_equal(pf_writer_stop(w), 0);
}

static int failing_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
    UNUSED(t);
    UNUSED(fn);
    UNUSED(arg);
    return EAGAIN;
}

/* Start a writer of fx->reg with the ini text `ini` (its directory is
 * fx->dir); it must fail with `want`. The registry must render the same,
 * byte for byte, before and after, and its limits must be those it had. */
static void start_fails_cleanly(fixture *fx, const char *ini, int want)
{
    char path[128], *before, *after;
    pf_policy limits = *pf__registry_policy(fx->reg);
    pf_writer *w = NULL;
    pf_error err;
    FILE *f;

    snprintf(path, sizeof(path), "%s/w.ini", fx->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[textfile]\ndirectory = %s\nfile = app.prom\ninterval = 1h\n%s",
            fx->dir, ini);
    fclose(f);
    before = render_text(fx->reg);
    assert_int_equal(pf_writer_start_ini(fx->reg, path, &err, &w), want);
    assert_null(w);
    after = render_text(fx->reg);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(atomic_load(&pf__registry_policy(fx->reg)->max_series),
                     atomic_load(&limits.max_series));
    assert_int_equal(atomic_load(&pf__registry_policy(fx->reg)->value_flags),
                     atomic_load(&limits.value_flags));
    assert_int_equal(atomic_load(&pf__registry_policy(fx->reg)->value_max_len),
                     atomic_load(&limits.value_max_len));
}

/* Every way pf_writer_start() can fail leaves the registry as it was: no
 * process metrics, no constant label, no limit (issue 13); a retry with
 * another configuration then works. */
static void writer_failed_start_leaves_nothing(void **state)
{
    static const char *const role[] = {"role", NULL};
    fixture *fx = *state;
    pf_sys saved = pf__sys;
    pf_family *f;
    pf_writer *w;
    pf_config *cfg;
    char *text;

    assert_int_equal(
        pf_counter_family_new(fx->reg, "w_jobs_total", "J.", role, &f), 0);
    assert_int_equal(pf_counter_inc_labels(f, "backup", NULL), 0);
    assert_int_equal(pf_registry_set_label(fx->reg, "site", "east"), 0);
    /* [labels] clashes: a family's label, a constant label, the process
     * metrics' label, promfile_series_dropped_total's. */
    start_fails_cleanly(fx, "[labels]\nrole = x\n[limits]\nmax_series = 5\n",
                        -EEXIST);
    start_fails_cleanly(fx, "[labels]\nsite = west\n", -EEXIST);
    start_fails_cleanly(fx, "[process]\nprogram = app\n[labels]\nprogram = x\n",
                        -EEXIST);
    start_fails_cleanly(fx, "[labels]\nfamily = x\n", -EEXIST);
    /* No thread to be had: after the first write, with [limits] applied
     * and process metrics made. */
    pf__sys.thread_create = failing_thread_create;
    start_fails_cleanly(fx,
                        "[limits]\nmax_series = 5\nmax_label_value_length "
                        "= 9\ninvalid_utf8 = replace\n",
                        -EAGAIN);
    pf__sys = saved;
    /* A retry with another program name works, and is the writer's. */
    cfg = config_for(fx, "1h");
    assert_int_equal(pf_config_set(cfg, "process", "program", "other", NULL),
                     0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    assert_int_equal(pf_writer_stop(w), 0);
    text = file_text(fx, "app.prom");
    /* In the writer's registry: the registry's constant labels are not
     * theirs. */
    assert_non_null(strstr(
        text, "\nprocess_open_fds{program=\"other\",file=\"app.prom\"} "));
    free(text);
    text = render_text(fx->reg);
    assert_null(strstr(text, "process_"));
    free(text);
}

/* ---- The directory's safety (issue 12, items 2 and 3) ------------------ */

/* A writer of fx->reg into dir, every 10 ms, as a daemon would run it. */
static pf_writer *start_in(const fixture *fx, const char *dir)
{
    pf_config *cfg;
    pf_writer *w;

    assert_int_equal(pf_config_new(&cfg), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", dir, NULL), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "file", "app.prom", NULL),
                     0);
    assert_int_equal(pf_config_set(cfg, "textfile", "interval", "10ms", NULL),
                     0);
    assert_int_equal(pf_config_set(cfg, "process", "enabled", "no", NULL), 0);
    assert_int_equal(pf_writer_start(fx->reg, cfg, &w), 0);
    pf_config_free(cfg);
    return w;
}

/* A directory that is a symbolic link from the start is refused: the
 * writer starts, and every write fails with ELOOP, the victim untouched. */
static void writer_refuses_a_symlinked_directory(void **state)
{
    fixture *fx = *state;
    char victim[128], link[128];
    pf_writer *w;

    snprintf(victim, sizeof(victim), "%s/victim", fx->dir);
    snprintf(link, sizeof(link), "%s/textfile", fx->dir);
    assert_int_equal(mkdir(victim, 0755), 0);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, link, "app.prom", 0, 0), -ELOOP);
    /* A trailing slash does not make it followed either. */
    strcat(link, "/");
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, link, "app.prom", 0, 0), -ELOOP);
    w = start_in(fx, link);
    assert_int_equal(pf_writer_last_error(w), -ELOOP);
    assert_int_equal(pf_writer_flush(w), -ELOOP);
    assert_int_equal(pf_writer_stop(w), -ELOOP);
    assert_int_equal(count_entries(victim), 0);
}

/* mv D D.old; ln -s victim D under a running writer: not one file reaches
 * the victim, before or at stop; the old directory keeps the last file
 * written before the swap. */
static void writer_refuses_a_swapped_directory(void **state)
{
    fixture *fx = *state;
    char d[128], old[128], victim[128], path[256];
    pf_writer *w;
    char *text;

    snprintf(d, sizeof(d), "%s/d", fx->dir);
    snprintf(old, sizeof(old), "%s/d.old", fx->dir);
    snprintf(victim, sizeof(victim), "%s/victim", fx->dir);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(mkdir(victim, 0755), 0);
    w = start_in(fx, d);
    assert_int_equal(pf_writer_flush(w), 0);
    assert_int_equal(rename(d, old), 0);
    assert_int_equal(symlink(victim, d), 0);
    assert_int_equal(pf_counter_add(fx->events, 7), 0);
    assert_int_equal(pf_writer_flush(w), -ELOOP);
    assert_int_equal(count_entries(victim), 0);
    assert_int_equal(pf_writer_stop(w), -ELOOP);
    assert_int_equal(count_entries(victim), 0);
    snprintf(path, sizeof(path), "%s/app.prom", old);
    text = read_file(path);
    assert_non_null(text);
    assert_null(strstr(text, "w_events_total 7"));
    free(text);
}

/* Run fn(fx, dir) as user nobody when root (root reads any directory, so
 * the test would prove nothing), else as ourselves; returns its result. */
static int as_nobody(fixture *fx, const char *dir,
                     int (*fn)(fixture *, const char *))
{
    pid_t pid;
    int status;

    if (geteuid() != 0)
        return fn(fx, dir);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int r;

        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(100);
        r = fn(fx, dir);
        _exit(r < 0 ? -r : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return -WEXITSTATUS(status);
}

static int write_and_write_again(fixture *fx, const char *dir)
{
    pf_writer *w;
    int r = pf_registry_write_textfile(fx->reg, dir, "a.prom", 0, 0);

    if (r < 0)
        return r;
    w = start_in(fx, dir);
    r = pf_writer_last_error(w);
    if (r == 0)
        r = pf_writer_flush(w);
    if (pf_writer_stop(w) < 0 && r == 0)
        r = -EIO;
    return r;
}

/* Write and search permission are enough: a directory with mode 0300 (no
 * read permission) is written, by pf_registry_write_textfile() and by a
 * writer. */
static void writer_writes_a_directory_it_cannot_read(void **state)
{
    fixture *fx = *state;
    char dir[128], path[256];
    struct stat st;

    snprintf(dir, sizeof(dir), "/tmp/pf-0300-XXXXXX");
    assert_non_null(mkdtemp(dir));
    if (geteuid() == 0)
        assert_int_equal(chown(dir, 65534, 65534), 0);
    assert_int_equal(chmod(dir, 0300), 0);
    assert_int_equal(as_nobody(fx, dir, write_and_write_again), 0);
    chmod(dir, 0700);
    snprintf(path, sizeof(path), "%s/a.prom", dir);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/app.prom", dir);
    assert_int_equal(stat(path, &st), 0);
    test_remove_tree(dir);
}

/* The same where the write and search permission come from a POSIX ACL
 * entry u:nobody:wx on a root directory of mode 0700 (issue 12, item 3).
 * The ACL is set with setxattr(2) in the kernel's format (as
 * <linux/posix_acl_xattr.h> has it: a version, then entries sorted by
 * tag, little-endian), so that no acl package is needed. */
static void writer_writes_a_directory_of_an_acl_entry(void **state)
{
    enum { USER_OBJ = 0x01, USER = 0x02, GROUP_OBJ = 0x04, MASK = 0x10 };
    enum { OTHER = 0x20, NOBODY = 65534 };
    static const struct {
        uint16_t tag, perm;
        uint32_t id;
    } acl[] = {
        {USER_OBJ, 07, UINT32_MAX}, {USER, 03, NOBODY},
        {GROUP_OBJ, 0, UINT32_MAX}, {MASK, 03, UINT32_MAX},
        {OTHER, 0, UINT32_MAX},
    };
    fixture *fx = *state;
    unsigned char xattr[4 + PF_ARRAY_SIZE(acl) * 8], *p = xattr;
    char dir[128], path[256], *want, *got;
    struct stat st;
    int status, r;
    pid_t pid;

    if (geteuid() != 0) {
        print_message("# needs root to give a directory an ACL entry of "
                      "user nobody and to run as nobody\n");
        skip();
    }
    snprintf(dir, sizeof(dir), "/tmp/pf-acl-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chown(dir, 0, 0), 0);
    assert_int_equal(chmod(dir, 0700), 0);
    {
        uint32_t version = htole32(2);

        memcpy(p, &version, 4);
        p += 4;
    }
    for (size_t i = 0; i < PF_ARRAY_SIZE(acl); i++, p += 8) {
        uint16_t tag = htole16(acl[i].tag), perm = htole16(acl[i].perm);
        uint32_t id = htole32(acl[i].id);

        memcpy(p, &tag, 2);
        memcpy(p + 2, &perm, 2);
        memcpy(p + 4, &id, 4);
    }
    r = setxattr(dir, "system.posix_acl_access", xattr, sizeof(xattr), 0);
    if (r < 0 && errno == EOPNOTSUPP) {
        print_message("# the file system of /tmp has no POSIX ACLs "
                      "(setxattr: EOPNOTSUPP)\n");
        rmdir(dir);
        skip();
    }
    assert_int_equal(r, 0);
    /* The group bits show the mask: the ACL is in force. */
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0730);
    assert_int_equal(pf_counter_add(fx->events, 5), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        DIR *d;

        if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
            _exit(100);
        /* User nobody cannot list it: only the ACL entry's -wx applies. */
        d = opendir(dir);
        if (d || errno != EACCES)
            _exit(101);
        r = write_and_write_again(fx, dir);
        _exit(r < 0 ? -r : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the child as nobody: status 0x%x (an errno, or 100: "
                 "setuid, 101: it could list the directory)",
                 status);
    snprintf(path, sizeof(path), "%s/a.prom", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, NOBODY);
    want = render_text(fx->reg);
    got = read_file(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    snprintf(path, sizeof(path), "%s/app.prom", dir);
    got = read_file(path);
    assert_non_null(got);
    assert_non_null(strstr(got, "\nw_events_total 5\n"));
    free(got);
    test_remove_tree(dir);
}

/* As root, a directory under one that others may write (and could thus
 * swap for a link) is refused with EPERM; a sticky one (/tmp) is safe,
 * and so is one reached through a link, if where it leads is safe, and a
 * parent that belongs to another user alone. */
static void writer_as_root_refuses_unsafe_ancestors(void **state)
{
    fixture *fx = *state;
    char base[128], d[160], link[160], viad[192];

    if (geteuid() != 0)
        skip();
    snprintf(base, sizeof(base), "%s/base", fx->dir);
    snprintf(d, sizeof(d), "%s/d", base);
    snprintf(link, sizeof(link), "%s/link", fx->dir);
    snprintf(viad, sizeof(viad), "%s/d", link);
    assert_int_equal(mkdir(base, 0755), 0);
    assert_int_equal(mkdir(d, 0777), 0);
    assert_int_equal(symlink(base, link), 0);
    /* Safe: every directory above belongs to root, writable only by it;
     * d itself may be writable by anyone. */
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, viad, "a.prom", 0, 0),
                     0);
    /* Writable by all: refused, as written and through the link. */
    assert_int_equal(chmod(base, 0777), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0),
                     -EPERM);
    assert_int_equal(pf_registry_write_textfile(fx->reg, viad, "a.prom", 0, 0),
                     -EPERM);
    /* Writable by its group: refused too. */
    assert_int_equal(chmod(base, 0775), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0),
                     -EPERM);
    /* Sticky: others cannot rename what is not theirs. */
    assert_int_equal(chmod(base, 01777), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0), 0);
    /* Another user's directory as the parent (Debian's
     * /var/lib/prometheus belongs to prometheus): safe, since its owner
     * can only replace d itself, and a link there is refused. Further
     * up, refused: the owner could swap d's parent for a link. */
    assert_int_equal(chmod(base, 0755), 0);
    assert_int_equal(chown(base, 65534, 65534), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0), 0);
    {
        char sub[192];

        snprintf(sub, sizeof(sub), "%s/sub", d);
        assert_int_equal(mkdir(sub, 0755), 0);
        assert_int_equal(
            pf_registry_write_textfile(fx->reg, sub, "a.prom", 0, 0), -EPERM);
    }
    /* The parent of another user, writable by its group: refused. */
    assert_int_equal(chmod(base, 0775), 0);
    assert_int_equal(pf_registry_write_textfile(fx->reg, d, "a.prom", 0, 0),
                     -EPERM);
    assert_int_equal(chmod(base, 0755), 0);
    assert_int_equal(chown(base, 0, 0), 0);
    /* A relative path is checked from the working directory up. */
    {
        char cwd[4096];

        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(base), 0);
        assert_int_equal(
            pf_registry_write_textfile(fx->reg, "d", "a.prom", 0, 0), 0);
        assert_int_equal(chmod(base, 0777), 0);
        assert_int_equal(
            pf_registry_write_textfile(fx->reg, "d", "a.prom", 0, 0), -EPERM);
        assert_int_equal(chdir(cwd), 0);
    }
}

static void writer_start_ini_from_environment(void **state)
{
    fixture *fx = *state;
    char ini[128];
    pf_writer *w;
    pf_error err;
    char *text;
    FILE *f;

    snprintf(ini, sizeof(ini), "%s/env.ini", fx->dir);
    f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "[textfile]\ndirectory = %s\nfile = env.prom\ninterval = 1h\n",
            fx->dir);
    fclose(f);
    assert_int_equal(setenv("PROMFILE_CONFIG", ini, 1), 0);
    assert_int_equal(pf_writer_start_ini(fx->reg, NULL, &err, &w), 0);
    unsetenv("PROMFILE_CONFIG");
    assert_int_equal(pf_writer_stop(w), 0);
    text = file_text(fx, "env.prom");
    assert_non_null(text);
    free(text);
    /* A bad file: no writer, and the line is named. */
    f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "[textfile]\ninterval = soon\n");
    fclose(f);
    w = NULL;
    assert_int_equal(pf_writer_start_ini(fx->reg, ini, &err, &w), -EINVAL);
    assert_null(w);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.text, "interval"));
}

static void writer_refuses_bad_arguments(void **state)
{
    fixture *fx = *state;

    assert_int_equal(pf_writer_start(fx->reg, NULL, NULL), -EINVAL);
    assert_int_equal(pf_writer_flush(NULL), -EINVAL);
    assert_int_equal(pf_writer_stop(NULL), -EINVAL);
    assert_int_equal(pf_writer_last_error(NULL), -EINVAL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(write_textfile_replaces_atomically),
        T(tmp_steps_commit_and_abort),
        T(write_textfile_refuses_bad_arguments),
        T(write_textfile_missing_directory_fails),
        T(write_textfile_never_follows_planted_names),
        T(write_textfile_failure_keeps_old_file),
        T(write_textfile_full_disk_keeps_old_file),
        T(write_textfile_read_only_then_recovers),
        T(writer_writes_at_start_flush_and_stop),
        T(writer_rewrites_every_interval),
        T(writer_remove_on_exit_and_labels),
        T(writer_remove_on_exit_failure_is_reported),
        T(writer_label_conflict_fails_with_line),
        T(writer_reports_and_recovers),
        T(writer_removes_only_its_leftovers),
        T(writer_fork_child_never_writes_parent_file),
        T(writer_survives_its_directory_changing),
        T(writer_labels_belong_to_its_file),
        T(writer_own_series_differ_between_files),
        T(writer_labels_yield_to_the_programs),
        T(writer_failed_start_leaves_nothing),
        T(writer_refuses_a_symlinked_directory),
        T(writer_refuses_a_swapped_directory),
        T(writer_writes_a_directory_it_cannot_read),
        T(writer_writes_a_directory_of_an_acl_entry),
        T(writer_as_root_refuses_unsafe_ancestors),
        T(writer_start_ini_from_environment),
        T(writer_refuses_bad_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
