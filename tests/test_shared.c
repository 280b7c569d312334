/* SPDX-License-Identifier: MIT */
/*
 * Shared registries (issue 14): the processes of a daemon count in one
 * registry. Each test forks its workers itself; a child reports through
 * its exit status (cmocka's assertions cannot fail across fork()), and
 * every wait is for an event (a pipe, waitpid()), never a sleep.
 */
#include "pf-test.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* A registry with the given [shared] limits (0: default) and path (NULL:
 * anonymous). */
static pf_registry *shared_registry(unsigned workers, unsigned series,
                                    const char *path)
{
    pf_registry *reg = NULL;
    pf_config *cfg;
    char v[32];
    int r;

    assert_int_equal(pf_config_new(&cfg), 0);
    if (workers) {
        snprintf(v, sizeof(v), "%u", workers);
        assert_int_equal(pf_config_set(cfg, "shared", "workers", v, NULL), 0);
    }
    if (series) {
        snprintf(v, sizeof(v), "%u", series);
        assert_int_equal(pf_config_set(cfg, "shared", "series", v, NULL), 0);
    }
    if (path)
        assert_int_equal(pf_config_set(cfg, "shared", "path", path, NULL), 0);
    r = pf_registry_new_shared(cfg, &reg);
    pf_config_free(cfg);
    if (r < 0)
        fail_msg("pf_registry_new_shared: %s (%s)", pf_strerror(r),
                 pf_last_error());
    return reg;
}

/* Wait for child pid; it must exit 0. */
static void reap(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child %d: status 0x%x", (int)pid, status);
}

/* The value of the sample line that starts with `prefix` in `text`, or
 * -1 if there is none. */
static double sample(const char *text, const char *prefix)
{
    char want[256];
    const char *p;

    snprintf(want, sizeof(want), "\n%s ", prefix);
    p = strstr(text, want);
    if (!p && strncmp(text, want + 1, strlen(want + 1)) == 0)
        p = text - 1;
    return p ? strtod(p + strlen(want), NULL) : -1;
}

static const char *const kind[] = {"kind", NULL};

/* ---- Counting together ------------------------------------------------ */

/* Handles made before fork() count in each child's slot; series looked
 * up and made in children appear in the parent's render; nothing made
 * before the fork is counted twice. */
static void shared_counts_add_up_across_fork(void **state)
{
    enum { WORKERS = 4, N = 100000 };
    pf_registry *reg = shared_registry(0, 0, NULL);
    pf_family *ops, *lat;
    pf_counter *bound;
    pf_histogram *h;
    pid_t pids[WORKERS];
    char *text;

    UNUSED(state);
    assert_int_equal(
        pf_counter_family_new(reg, "s_ops_total", "Ops.", kind, &ops), 0);
    assert_int_equal(pf_histogram_family_new(reg, "s_wait_seconds", "Wait.",
                                             NULL, NULL, 0, &lat),
                     0);
    assert_int_equal(pf_histogram_with(lat, NULL, &h), 0);
    assert_int_equal(pf_counter_with_labels(ops, &bound, "bound", NULL), 0);
    /* Counted before the fork: once, in the parent's slot. */
    assert_int_equal(pf_counter_add_u64(bound, 7), 0);
    for (int i = 0; i < WORKERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char v[16];
            int bad = 0;

            for (int n = 0; n < N; n++) {
                bad |= pf_counter_inc(bound);
                bad |= pf_counter_inc_labels(ops, "lookup", NULL);
                bad |= pf_histogram_observe(h, 0.002 * (n % 10));
            }
            snprintf(v, sizeof(v), "worker%d", i);
            bad |= pf_counter_add_labels(ops, 0.5, v, NULL);
            bad |= pf_registry_worker(reg) == 0;
            _exit(bad ? 1 : 0);
        }
    }
    for (int i = 0; i < WORKERS; i++)
        reap(pids[i]);
    /* Before any render: the program's own read sees the workers too. */
    {
        double v;

        assert_int_equal(pf_counter_value(bound, &v), 0);
        assert_true(v == WORKERS * N + 7);
    }
    text = render_text(reg);
    assert_true(sample(text, "s_ops_total{kind=\"bound\"}") == WORKERS * N + 7);
    assert_true(sample(text, "s_ops_total{kind=\"lookup\"}") == WORKERS * N);
    for (int i = 0; i < WORKERS; i++) {
        char p[64];

        snprintf(p, sizeof(p), "s_ops_total{kind=\"worker%d\"}", i);
        assert_true(sample(text, p) == 0.5);
    }
    assert_true(sample(text, "s_wait_seconds_bucket{le=\"+Inf\"}") ==
                WORKERS * N);
    assert_true(sample(text, "s_wait_seconds_count") == WORKERS * N);
    assert_true(sample(text, "s_wait_seconds_bucket{le=\"0.005\"}") ==
                WORKERS * N * 3 / 10);
    /* The parent's own value reads the daemon's total too. */
    {
        double v;

        assert_int_equal(pf_counter_value(bound, &v), 0);
        assert_true(v == WORKERS * N + 7);
    }
    free(text);
    pf_registry_free(reg);
}

/* ---- Gauges ----------------------------------------------------------- */

/* The modes, with two live workers (blocked on a pipe until the render)
 * and one dead one. */
static void shared_gauge_modes(void **state)
{
    static const char *const names[] = {
        [PF_GAUGE_PER_WORKER] = "s_per_worker_level",
        [PF_GAUGE_SUM] = "s_summed_level",
        [PF_GAUGE_LIVESUM] = "s_livesum_level",
        [PF_GAUGE_LIVEMAX] = "s_livemax_level",
        [PF_GAUGE_LIVEMIN] = "s_livemin_level",
        [PF_GAUGE_MOSTRECENT] = "s_recent_level",
    };
    pf_registry *reg = shared_registry(0, 0, NULL);
    pf_gauge *g[PF_ARRAY_SIZE(names)];
    int ready[2], go[2];
    pid_t pids[3];
    char *text, line[128], buf[3];

    UNUSED(state);
    for (unsigned m = 0; m < PF_ARRAY_SIZE(names); m++) {
        pf_family *f;

        assert_int_equal(
            pf_gauge_family_new_mode(reg, names[m], "G.", NULL, m, &f), 0);
        assert_int_equal(pf_gauge_with(f, NULL, &g[m]), 0);
    }
    /* The modes are refused where they make no sense. */
    assert_int_equal(
        pf_gauge_family_new_mode(reg, "s_bad", "B.", NULL, 6, NULL), -EINVAL);
    assert_int_equal(pf_gauge_family_new_mode(reg, "s_workers", "W.",
                                              (const char *[]){"worker", NULL},
                                              PF_GAUGE_PER_WORKER, NULL),
                     -EINVAL);
    /* The parent is a live worker too: 25 everywhere, first. */
    for (unsigned m = 0; m < PF_ARRAY_SIZE(names); m++)
        assert_int_equal(pf_gauge_set(g[m], 25), 0);
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    /* Worker i sets every gauge to 10 * (i + 1), the last one last; the
     * first exits at once (dead), the two others wait. */
    for (int i = 0; i < 3; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            for (unsigned m = 0; m < PF_ARRAY_SIZE(names); m++)
                pf_gauge_set(g[m], 10.0 * (i + 1));
            if (write(ready[1], "x", 1) != 1)
                _exit(2);
            if (i > 0 && read(go[0], buf, 1) != 1)
                _exit(3);
            _exit(0);
        }
        /* One after the other: the most recent is the last worker's. */
        assert_int_equal(read(ready[0], buf, 1), 1);
        if (i == 0)
            reap(pids[0]);
    }
    text = render_text(reg);
    /* Per worker: the parent and the two live ones, each labeled with its
     * slot; not the dead one. */
    {
        int n = 0;

        for (const char *p = strstr(text, "\ns_per_worker_level{worker=\""); p;
             p = strstr(p + 1, "\ns_per_worker_level{worker=\""))
            n++;
        assert_int_equal(n, 3);
        snprintf(line, sizeof(line), "s_per_worker_level{worker=\"%d\"}",
                 pf_registry_worker(reg));
        assert_true(sample(text, line) == 25);
    }
    assert_true(sample(text, "s_summed_level") == 25 + 10 + 20 + 30);
    assert_true(sample(text, "s_livesum_level") == 25 + 20 + 30);
    assert_true(sample(text, "s_livemax_level") == 30);
    assert_true(sample(text, "s_livemin_level") == 20);
    assert_true(sample(text, "s_recent_level") == 30);
    free(text);
    assert_int_equal(write(go[1], "xx", 2), 2);
    reap(pids[1]);
    reap(pids[2]);
    /* The workers gone: the sum stays, the live modes have the parent's
     * value only, and so has the per-worker family; the most recent
     * stays. */
    text = render_text(reg);
    assert_true(sample(text, "s_summed_level") == 85);
    assert_true(sample(text, "s_livesum_level") == 25);
    assert_true(sample(text, "s_livemax_level") == 25);
    assert_true(sample(text, "s_livemin_level") == 25);
    assert_true(sample(text, "s_recent_level") == 30);
    assert_true(sample(text, line) == 25);
    assert_null(strstr(strstr(text, "\ns_per_worker_level{") + 1,
                       "\ns_per_worker_level{"));
    free(text);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
    pf_registry_free(reg);
}

/* A worker that takes over a dead one's slot starts its live gauges at 0
 * (the dead one's share must not come back) and its counters where the
 * slot's were (they must not go down). */
static void shared_slots_are_reused(void **state)
{
    pf_registry *reg = shared_registry(2, 0, NULL);
    pf_family *f;
    pf_counter *c;
    pf_gauge *g;
    char *text;

    UNUSED(state);
    assert_int_equal(pf_counter_new(reg, "s_runs_total", "Runs.", &c), 0);
    assert_int_equal(pf_gauge_family_new_mode(reg, "s_busy", "Busy.", NULL,
                                              PF_GAUGE_LIVESUM, &f),
                     0);
    assert_int_equal(pf_gauge_with(f, NULL, &g), 0);
    /* Two slots, the parent's and one: 20 workers in turn, each killed
     * with SIGKILL after counting, none exiting cleanly. */
    for (int i = 0; i < 20; i++) {
        int fds[2];
        pid_t pid;
        char b;

        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            pf_counter_inc(c);
            pf_gauge_inc(g);
            if (write(fds[1], "x", 1) != 1)
                _exit(1);
            for (;;)
                pause();
        }
        assert_int_equal(read(fds[0], &b, 1), 1);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        close(fds[0]);
        close(fds[1]);
    }
    text = render_text(reg);
    assert_true(sample(text, "s_runs_total") == 20);
    assert_true(sample(text, "s_busy") == 0);
    free(text);
    pf_registry_free(reg);
}

/* No slot free: a child counts in its parent's (exact totals), a new
 * attach fails; both are counted. */
static void shared_worker_limit(void **state)
{
    pf_registry *reg = shared_registry(1, 0, NULL);
    pf_registry *other;
    pf_counter *c;
    pid_t pid;
    char *text;

    UNUSED(state);
    assert_int_equal(pf_counter_new(reg, "s_jobs_total", "Jobs.", &c), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int i = 0; i < 1000; i++)
            pf_counter_inc(c);
        _exit(0);
    }
    for (int i = 0; i < 1000; i++)
        pf_counter_inc(c);
    reap(pid);
    text = render_text(reg);
    assert_true(sample(text, "s_jobs_total") == 2000);
    free(text);
    assert_int_equal(pf_registry_attach_fd(pf_registry_shared_fd(reg), &other),
                     -ENOSPC);
    assert_non_null(strstr(pf_last_error(), "worker slot"));
    pf_registry_free(reg);
}

/* Out of records: a clear error for the creation, exact counts for the
 * series that exist. */
static void shared_series_limit(void **state)
{
    pf_registry *reg = shared_registry(0, 4, NULL);
    pf_family *f;
    pf_counter *a;
    pid_t pid;
    char *text;

    UNUSED(state);
    /* Records: the family, a, b, c; then none. */
    assert_int_equal(
        pf_counter_family_new(reg, "s_hits_total", "Hits.", kind, &f), 0);
    assert_int_equal(pf_counter_with_labels(f, &a, "a", NULL), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int bad = pf_counter_inc_labels(f, "b", NULL) != 0;

        bad |= pf_counter_inc_labels(f, "c", NULL) != 0;
        bad |= pf_counter_inc_labels(f, "d", NULL) != -ENOSPC;
        bad |= !strstr(pf_last_error(), "raise [shared] series");
        for (int i = 0; i < 500; i++)
            bad |= pf_counter_inc(a);
        _exit(bad);
    }
    reap(pid);
    assert_int_equal(pf_counter_inc_labels(f, "e", NULL), -ENOSPC);
    assert_int_equal(pf_gauge_new(reg, "s_more", "More.", &(pf_gauge *){0}),
                     -ENOSPC);
    for (int i = 0; i < 500; i++)
        assert_int_equal(pf_counter_inc(a), 0);
    text = render_text(reg);
    assert_true(sample(text, "s_hits_total{kind=\"a\"}") == 1000);
    assert_true(sample(text, "s_hits_total{kind=\"b\"}") == 1);
    assert_true(sample(text, "s_hits_total{kind=\"c\"}") == 1);
    assert_null(strstr(text, "kind=\"d\""));
    free(text);
    pf_registry_free(reg);
}

/* ---- Deletion ------------------------------------------------------------ */

/* A series deleted in one process is gone for all; looked up again in
 * another, it comes back from 0. */
static void shared_deletion_is_seen_everywhere(void **state)
{
    pf_registry *reg = shared_registry(0, 0, NULL);
    pf_family *f;
    pf_counter *c;
    pid_t pid;
    char *text;

    UNUSED(state);
    assert_int_equal(
        pf_counter_family_new(reg, "s_keys_total", "Keys.", kind, &f), 0);
    assert_int_equal(pf_counter_with_labels(f, &c, "old", NULL), 0);
    assert_int_equal(pf_counter_add_u64(c, 5), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int bad = pf_counter_inc_labels(f, "made", NULL);

        bad |= pf_family_delete_labels(f, "old", NULL);
        /* A series the child never looked up but the parent made. */
        _exit(bad ? 1 : 0);
    }
    reap(pid);
    text = render_text(reg);
    assert_null(strstr(text, "kind=\"old\""));
    assert_true(sample(text, "s_keys_total{kind=\"made\"}") == 1);
    free(text);
    /* The parent deletes what the child made, then revives "old". */
    assert_int_equal(pf_family_delete_labels(f, "made", NULL), 0);
    assert_int_equal(pf_counter_inc_labels(f, "old", NULL), 0);
    text = render_text(reg);
    assert_true(sample(text, "s_keys_total{kind=\"old\"}") == 1);
    assert_null(strstr(text, "kind=\"made\""));
    free(text);
    pf_registry_free(reg);
}

/* ---- A process killed while it makes a series -----------------------------
 */

static const char *kill_at;

static void kill_hook(const char *step)
{
    if (kill_at && strcmp(step, kill_at) == 0)
        raise(SIGKILL);
}

/* Killed while holding the region's lock, at each step of an append: the
 * next creator gets the lock (the robust mutex says its holder died), and
 * the series exists once, from 0, made by the survivor. */
static void shared_killed_creator_recovers(void **state)
{
    static const char *const steps[] = {"arena", "cells", "record"};

    UNUSED(state);
    for (size_t i = 0; i < PF_ARRAY_SIZE(steps); i++) {
        pf_registry *reg = shared_registry(0, 0, NULL);
        pf_family *f;
        int status;
        char *text;
        pid_t pid;

        assert_int_equal(
            pf_counter_family_new(reg, "s_made_total", "Made.", kind, &f), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            kill_at = steps[i];
            pf__shared_hook = kill_hook;
            pf_counter_inc_labels(f, "half", NULL);
            _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(pf_counter_inc_labels(f, "half", NULL), 0);
        assert_int_equal(pf_counter_inc_labels(f, "whole", NULL), 0);
        text = render_text(reg);
        assert_true(sample(text, "s_made_total{kind=\"half\"}") == 1);
        assert_true(sample(text, "s_made_total{kind=\"whole\"}") == 1);
        /* Once each. */
        assert_null(strstr(strstr(text, "kind=\"half\"") + 1, "kind=\"half\""));
        free(text);
        pf_registry_free(reg);
    }
}

/* ---- Named regions ----------------------------------------------------------
 */

static void shared_named_region(void **state)
{
    char dir[] = "/tmp/pf-shared-XXXXXX", path[64];
    pf_registry *reg, *again;
    pf_counter *c;
    int go[2], ready[2];
    pid_t pid;
    char *text, b;

    UNUSED(state);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/metrics.shm", dir);
    reg = shared_registry(0, 0, path);
    assert_int_equal(pf_counter_new(reg, "s_logins_total", "Logins.", &c), 0);
    assert_int_equal(pf_counter_add_u64(c, 3), 0);
    {
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    /* A process of the daemon lives (a child, blocked): attaching keeps
     * the totals and the families. */
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int bad = pf_counter_inc(c);

        bad |= write(ready[1], "x", 1) != 1;
        bad |= read(go[0], &b, 1) != 1;
        _exit(bad);
    }
    assert_int_equal(read(ready[0], &b, 1), 1);
    pf_registry_free(reg);
    again = shared_registry(0, 0, path);
    text = render_text(again);
    assert_true(sample(text, "s_logins_total") == 4);
    free(text);
    assert_int_equal(write(go[1], "x", 1), 1);
    reap(pid);
    pf_registry_free(again);
    /* Nobody left: the daemon restarted, the region starts afresh. */
    again = shared_registry(0, 0, path);
    text = render_text(again);
    assert_null(strstr(text, "s_logins_total"));
    free(text);
    pf_registry_free(again);
    /* Another layout version is refused, with a clear message. */
    {
        int fd = open(path, O_RDWR);
        uint32_t v = 99;

        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, &v, sizeof(v), 8), (ssize_t)sizeof(v));
        close(fd);
    }
    {
        pf_config *cfg;

        assert_int_equal(pf_config_new(&cfg), 0);
        assert_int_equal(pf_config_set(cfg, "shared", "path", path, NULL), 0);
        assert_int_equal(pf_registry_new_shared(cfg, &again), -EPROTO);
        assert_non_null(strstr(pf_last_error(), "layout"));
        /* More permissive than asked, or a link: refused. */
        unlink(path);
        assert_int_equal(symlink("/etc/passwd", path), 0);
        assert_int_equal(pf_registry_new_shared(cfg, &again), -ELOOP);
        unlink(path);
        close(open(path, O_CREAT | O_WRONLY, 0666));
        chmod(path, 0666);
        assert_int_equal(pf_registry_new_shared(cfg, &again), -EPERM);
        assert_non_null(strstr(pf_last_error(), "mode"));
        pf_config_free(cfg);
    }
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
    test_remove_tree(dir);
}

/* A named region whose file belongs to another user is refused with
 * EPERM (pf_registry_new_shared(3)) and left as it is, even to root: its
 * owner could change it under us. The same file, ours again, is used. */
static void shared_named_region_of_another_user(void **state)
{
    char dir[] = "/tmp/pf-shared-XXXXXX", path[64];
    pf_registry *reg;
    pf_config *cfg;
    pf_counter *c;
    struct stat st, after;
    char *before, *now;

    UNUSED(state);
    if (geteuid() != 0) {
        print_message("# needs root to chown the region to another user\n");
        skip();
    }
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/metrics.shm", dir);
    reg = shared_registry(0, 0, path);
    assert_int_equal(pf_counter_new(reg, "s_owned_total", "Owned.", &c), 0);
    pf_registry_free(reg);
    /* Otherwise fine: a regular file of one link, mode 0600. */
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    before = read_file(path);
    assert_non_null(before);
    assert_int_equal(pf_config_new(&cfg), 0);
    assert_int_equal(pf_config_set(cfg, "shared", "path", path, NULL), 0);
    reg = NULL;
    assert_int_equal(pf_registry_new_shared(cfg, &reg), -EPERM);
    assert_null(reg);
    assert_non_null(strstr(pf_last_error(), "belongs to uid 65534"));
    /* Not started afresh: neither truncated nor rewritten. */
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_uid, 65534);
    assert_int_equal(after.st_size, st.st_size);
    now = read_file(path);
    assert_non_null(now);
    assert_memory_equal(now, before, (size_t)st.st_size);
    free(now);
    free(before);
    /* The owner was the only thing wrong. */
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(pf_registry_new_shared(cfg, &reg), 0);
    pf_registry_free(reg);
    pf_config_free(cfg);
    test_remove_tree(dir);
}

/* ---- One writer -------------------------------------------------------------
 */

static pf_writer *start_writer(pf_registry *reg, const char *dir)
{
    pf_config *cfg;
    pf_writer *w;

    assert_int_equal(pf_config_new(&cfg), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", dir, NULL), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "file", "d.prom", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "interval", "1h", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "process", "enabled", "no", NULL), 0);
    assert_int_equal(pf_writer_start(reg, cfg, &w), 0);
    pf_config_free(cfg);
    return w;
}

/* Two candidates, one writer; the standby takes over at its first write
 * once the leader's process is gone, and the file holds the region's own
 * metrics. */
static void shared_one_writer(void **state)
{
    char dir[] = "/tmp/pf-shared-w-XXXXXX", path[64];
    pf_registry *reg = shared_registry(0, 0, NULL);
    int ready[2], go[2];
    pf_writer *mine;
    pf_counter *c;
    pid_t pid;
    char *text, b;

    UNUSED(state);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/d.prom", dir);
    assert_int_equal(pf_counter_new(reg, "s_sent_total", "Sent.", &c), 0);
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    /* The child starts first and leads. */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pf_writer *w = start_writer(reg, dir);
        int bad = pf_writer_flush(w) != 0;

        pf_counter_add_u64(c, 10);
        bad |= pf_writer_flush(w) != 0;
        bad |= write(ready[1], "x", 1) != 1;
        bad |= read(go[0], &b, 1) != 1;
        /* Killed here, leading. */
        _exit(bad ? 1 : 0);
    }
    assert_int_equal(read(ready[0], &b, 1), 1);
    mine = start_writer(reg, dir);
    assert_int_equal(pf_writer_flush(mine), -EBUSY);
    assert_non_null(strstr(pf_last_error(), "another process"));
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    pf_counter_add_u64(c, 5);
    /* The leader is gone: the next write is ours. */
    assert_int_equal(pf_writer_flush(mine), 0);
    text = read_file(path);
    assert_non_null(text);
    assert_true(sample(text, "s_sent_total") == 15);
    assert_true(
        sample(text,
               "promfile_shared_workers{state=\"live\",file=\"d.prom\"}") >= 1);
    assert_true(
        sample(text, "promfile_shared_records_limit{file=\"d.prom\"}") ==
        10000);
    assert_true(sample(text, "promfile_shared_overflows_total{resource="
                             "\"records\",file=\"d.prom\"}") == 0);
    free(text);
    assert_int_equal(pf_writer_stop(mine), 0);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
    test_remove_tree(dir);
    pf_registry_free(reg);
}

/* ---- A program the daemon exec()s -------------------------------------------
 */

/* What test_shared runs as when exec()ed by shared_attach_fd_after_exec:
 * "test_shared attach FD SLOT" attaches to the region of descriptor FD,
 * counts in the family s_exec_total that its parent registered, and
 * exits 0; any other status says which step failed (the exec()ed program
 * has no cmocka to report to). SLOT is the parent's worker slot, which
 * the attached process must not count in. */
static int attach_child(int fd, int parent_slot)
{
    pf_registry *reg = NULL;
    pf_family *f;
    pf_counter *c;

    if (pf_registry_attach_fd(fd, &reg) != 0)
        return 10;
    if (pf_registry_worker(reg) < 0 || pf_registry_worker(reg) == parent_slot)
        return 11;
    /* The family exists in the region: this is a lookup, not a second
     * family. */
    if (pf_counter_family_new(reg, "s_exec_total", "Exec.", kind, &f) != 0)
        return 12;
    if (pf_counter_with_labels(f, &c, "before", NULL) != 0)
        return 13;
    for (int i = 0; i < 1000; i++)
        if (pf_counter_inc(c) != 0)
            return 14;
    /* A series the parent never made. */
    if (pf_counter_add_labels(f, 3, "child", NULL) != 0)
        return 15;
    pf_registry_free(reg);
    return 0;
}

/* This program, to exec: argv[0] made absolute, since under valgrind
 * /proc/self/exe is valgrind's own (which runs nothing unless it is
 * given the program again). */
static char self_exe[PATH_MAX] = "/proc/self/exe";

/* A program the daemon exec()s attaches with the descriptor that
 * pf_registry_shared_fd() gave the parent (FD_CLOEXEC cleared on a dup)
 * and counts into the parent's families: its counts, on a series made
 * before and on one it made, are in the parent's render exactly. */
static void shared_attach_fd_after_exec(void **state)
{
    pf_registry *reg = shared_registry(0, 0, NULL);
    char fdarg[16], slotarg[16];
    pf_family *f;
    pf_counter *c;
    int fd, flags;
    pid_t pid;
    char *text;

    UNUSED(state);
    assert_int_equal(
        pf_counter_family_new(reg, "s_exec_total", "Exec.", kind, &f), 0);
    assert_int_equal(pf_counter_with_labels(f, &c, "before", NULL), 0);
    assert_int_equal(pf_counter_add_u64(c, 2), 0);
    fd = pf_registry_shared_fd(reg);
    assert_true(fd >= 0);
    /* The library's own descriptor is not inherited by accident. */
    flags = fcntl(fd, F_GETFD);
    assert_true(flags >= 0 && (flags & FD_CLOEXEC));
    fd = dup(fd);
    assert_true(fd >= 0);
    flags = fcntl(fd, F_GETFD);
    assert_true(flags >= 0);
    assert_int_equal(fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC), 0);
    snprintf(fdarg, sizeof(fdarg), "%d", fd);
    snprintf(slotarg, sizeof(slotarg), "%d", pf_registry_worker(reg));
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(self_exe, "test_shared", "attach", fdarg, slotarg, (char *)NULL);
        _exit(127);
    }
    close(fd);
    reap(pid);
    text = render_text(reg);
    assert_true(sample(text, "s_exec_total{kind=\"before\"}") == 1002);
    assert_true(sample(text, "s_exec_total{kind=\"child\"}") == 3);
    /* One family, not two. */
    assert_null(
        strstr(strstr(text, "# TYPE s_exec_total") + 1, "# TYPE s_exec_total"));
    free(text);
    pf_registry_free(reg);
}

/* ---- Untrusted region ------------------------------------------------------
 */

static pf_rec *rec_at(pf_registry *reg, uint32_t i)
{
    return (pf_rec *)(uintptr_t)pf__shared_rec(pf__registry_region(reg), i);
}

/* A worker that writes garbage into records cannot crash a reader: what
 * it broke is left out, and counted; the rest is rendered. */
static void shared_garbage_is_left_out(void **state)
{
    pf_registry *reg = shared_registry(0, 0, NULL);
    pf_counter *c;
    pid_t pid;
    char *text;

    UNUSED(state);
    /* Records 0 and 1. */
    assert_int_equal(pf_counter_new(reg, "s_fine_total", "Fine.", &c), 0);
    assert_int_equal(pf_counter_inc(c), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pf_counter *b;
        pf_gauge *g;

        /* Records 2 and 3, 4 and 5, 6 and 7, then broken: a payload
         * outside the arena, a kind that is none, a series of no family,
         * a run of cells past the end. */
        if (pf_counter_new(reg, "s_bad_total", "Bad.", &b) < 0 ||
            pf_gauge_new(reg, "s_bad_level", "Bad.", &g) < 0 ||
            pf_counter_new(reg, "s_cells_total", "Bad.", &b) < 0)
            _exit(1);
        rec_at(reg, 2)->off = 0xfffffff0u;
        rec_at(reg, 4)->kind = 77;
        rec_at(reg, 5)->parent = 999;
        rec_at(reg, 7)->cell = 0xffffff00u;
        _exit(0);
    }
    reap(pid);
    text = render_text(reg);
    assert_true(sample(text, "s_fine_total") == 1);
    assert_null(strstr(text, "s_bad"));
    assert_null(strstr(text, "s_cells_total "));
    /* Record 6, the family of s_cells_total, is fine. */
    assert_int_equal(pf__shreg_bad_records(reg), 5);
    free(text);
    pf_registry_free(reg);
}

/* The program's own reads, pf_counter_value() and pf_gauge_value(), see
 * what workers counted since the last render (or with no render at all):
 * the sums once looked only at the slots the last render had seen used. */
static void shared_values_read_every_worker(void **state)
{
    pf_registry *reg = shared_registry(4, 100, NULL);
    pf_counter *c;
    pf_gauge *g;
    pf_family *gf;
    double v;
    pid_t pid;

    UNUSED(state);
    assert_int_equal(pf_counter_new(reg, "s_read_total", "Read.", &c), 0);
    assert_int_equal(pf_gauge_family_new_mode(reg, "s_read_items", "Read.",
                                              NULL, PF_GAUGE_SUM, &gf),
                     0);
    assert_int_equal(pf_gauge_with(gf, NULL, &g), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(pf_counter_add_u64(c, 5) != 0 || pf_gauge_set(g, 2) != 0);
    reap(pid);
    assert_int_equal(pf_counter_value(c, &v), 0);
    assert_true(v == 5);
    assert_int_equal(pf_gauge_value(g, &v), 0);
    assert_true(v == 2);
    pf_registry_free(reg);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_counts_add_up_across_fork),
        cmocka_unit_test(shared_gauge_modes),
        cmocka_unit_test(shared_slots_are_reused),
        cmocka_unit_test(shared_worker_limit),
        cmocka_unit_test(shared_series_limit),
        cmocka_unit_test(shared_deletion_is_seen_everywhere),
        cmocka_unit_test(shared_killed_creator_recovers),
        cmocka_unit_test(shared_named_region),
        cmocka_unit_test(shared_named_region_of_another_user),
        cmocka_unit_test(shared_one_writer),
        cmocka_unit_test(shared_attach_fd_after_exec),
        cmocka_unit_test(shared_garbage_is_left_out),
        cmocka_unit_test(shared_values_read_every_worker),
    };

    if (argc == 4 && strcmp(argv[1], "attach") == 0)
        return attach_child(atoi(argv[2]), atoi(argv[3]));
    if (argc > 0 && !realpath(argv[0], self_exe))
        snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");

    return cmocka_run_group_tests(tests, NULL, NULL);
}
