/* SPDX-License-Identifier: MIT */
/*
 * Fault injection on every system call of the write path (pf__sys, see
 * writer.h): EIO, ENOSPC, EDQUOT, EINTR, EACCES and EROFS on
 * open_dir, openat, fchmod, write, fsync, close and renameat, and short
 * writes, through pf_registry_write_textfile() and through a writer's
 * pf_writer_flush(). For each one:
 *   - the call returns the error as its -errno; EINTR on write and fsync
 *     is retried and the write succeeds; close is never retried, so EINTR
 *     there is a failure (writer.c, TEXTFILE.md step 6); EINTR from the
 *     other calls is returned like any other error;
 *   - the old file survives byte for byte, no temporary file is left in
 *     the directory and no file descriptor leaks (/proc/self/fd);
 *   - a writer counts it in promfile_write_errors_total{errno="..."} of
 *     the next file it writes, and that next write succeeds once the
 *     fault is gone;
 *   - short writes still give the complete file;
 *   - fsync() of the directory (PF_WRITE_FSYNC_DIR), after the rename,
 *     reports its error with the new file in place, and EINTR there is
 *     retried like that of the file.
 * Each case is its own cmocka test, named <path>_<call>_<fault>.
 */
#include "pf-test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

enum call {
    CALL_OPEN_DIR,
    CALL_OPENAT,
    CALL_FCHMOD,
    CALL_WRITE,
    CALL_FSYNC,
    CALL_CLOSE,
    CALL_RENAMEAT,
    NCALLS
};

static const char *const call_names[NCALLS] = {
    "open_dir", "openat", "fchmod", "write", "fsync", "close", "renameat",
};

/* The errors of issue 6, with their names (as strerrorname_np() gives
 * them, spelled out so that the test does not depend on it). */
static const struct {
    int err;
    const char *name;
} errors[] = {
    {EIO, "EIO"},     {ENOSPC, "ENOSPC"}, {EDQUOT, "EDQUOT"},
    {EINTR, "EINTR"}, {EACCES, "EACCES"}, {EROFS, "EROFS"},
};
#define NERRORS (sizeof(errors) / sizeof(errors[0]))

/* One test case. */
typedef struct fault_case {
    char name[64];
    bool via_writer; /* pf_writer_flush(), else pf_registry_write_textfile() */
    enum call call;  /* where the error is injected (if err) */
    int err;         /* 0: none */
    const char *err_name;
    int times;       /* errors to inject; -1: on every call */
    int skip;        /* calls of `call` to let through first */
    long short_len;  /* write: at most this many bytes a call; -1: off */
    int short_times; /* short writes to make; -1: every call */
    bool fsync_dir;  /* PF_WRITE_FSYNC_DIR / fsync_directory = yes */
    bool replaced;   /* the error comes after the rename */
    int want;        /* what the write must return */
} fault_case;

/* 7 calls x 6 errors, 4 short-write cases, 2 directory fsync cases; each
 * through both paths. */
#define NCASES (2 * (NCALLS * NERRORS + 4 + 2))
static fault_case cases[NCASES];

/* ---- The fault injector ------------------------------------------------ */

/* The fakes count their calls and fail as the armed case says; when
 * nothing is armed they are the real system calls. The test is single
 * threaded while a fault is armed: the writer thread sleeps for an hour
 * (interval 1h) and never reaches pf__sys. */

static pf_sys real_sys;
static struct {
    const fault_case *c; /* NULL: nothing armed */
    int times;
    int skip;
    int short_times;
    int injected; /* errors injected */
    int shorts;   /* short writes made */
    int calls[NCALLS];
} inj;

/* Over the whole run, for the summary. */
static int injected_total[NCALLS];
static int shorts_total;

static bool inject(enum call call)
{
    const fault_case *c = inj.c;

    inj.calls[call]++;
    if (!c || !c->err || c->call != call || inj.times == 0)
        return false;
    if (inj.skip > 0) {
        inj.skip--;
        return false;
    }
    if (inj.times > 0)
        inj.times--;
    inj.injected++;
    injected_total[call]++;
    return true;
}

static int fake_open_dir(const char *path)
{
    if (inject(CALL_OPEN_DIR)) {
        errno = inj.c->err;
        return -1;
    }
    return real_sys.open_dir(path);
}

static int fake_openat(int dfd, const char *name, int flags, unsigned mode)
{
    if (inject(CALL_OPENAT)) {
        errno = inj.c->err;
        return -1;
    }
    return real_sys.openat(dfd, name, flags, mode);
}

static int fake_fchmod(int fd, unsigned mode)
{
    if (inject(CALL_FCHMOD)) {
        errno = inj.c->err;
        return -1;
    }
    return real_sys.fchmod(fd, mode);
}

static long fake_write(int fd, const void *buf, size_t n)
{
    if (inject(CALL_WRITE)) {
        errno = inj.c->err;
        return -1;
    }
    if (inj.c && inj.c->short_len >= 0 && inj.short_times != 0 &&
        n > (size_t)inj.c->short_len) {
        if (inj.short_times > 0)
            inj.short_times--;
        inj.shorts++;
        shorts_total++;
        n = (size_t)inj.c->short_len;
        /* write() of 0 bytes: what a full device may answer. */
        if (n == 0)
            return 0;
    }
    return real_sys.write(fd, buf, n);
}

static int fake_fsync(int fd)
{
    if (inject(CALL_FSYNC)) {
        errno = inj.c->err;
        return -1;
    }
    return real_sys.fsync(fd);
}

static int fake_close(int fd)
{
    bool fail = inject(CALL_CLOSE);
    int r;

    /* Linux releases the descriptor even when close() fails, EINTR
     * included: so does the fake, or it would leak what the library
     * rightly never closes twice. */
    r = real_sys.close(fd);
    if (fail) {
        errno = inj.c->err;
        return -1;
    }
    return r;
}

static int fake_renameat(int olddfd, const char *oldname, int newdfd,
                         const char *newname)
{
    if (inject(CALL_RENAMEAT)) {
        errno = inj.c->err;
        return -1;
    }
    return real_sys.renameat(olddfd, oldname, newdfd, newname);
}

static void arm(const fault_case *c)
{
    memset(&inj, 0, sizeof(inj));
    inj.c = c;
    inj.times = c->times;
    inj.skip = c->skip;
    inj.short_times = c->short_times;
}

static void disarm(void)
{
    inj.c = NULL;
}

/* ---- Fixture ------------------------------------------------------------- */

typedef struct fixture {
    const fault_case *c;
    char dir[64];
    pf_registry *reg;
    pf_family *requests;
    pf_gauge *level;
    pf_histogram *wait;
    /* Freed (and stopped) by teardown, so that a failed assertion, which
     * leaves the test at once, leaks nothing and leaves no thread. */
    pf_config *cfg;
    pf_writer *w;
    char *texts[8];
    size_t ntexts;
} fixture;

static const char *const method_labels[] = {"method", "code", NULL};

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    char m[16], code[16];

    assert_non_null(fx);
    fx->c = *state;
    strcpy(fx->dir, "/tmp/pf-faults-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    assert_int_equal(pf_registry_new(&fx->reg), 0);
    /* A few kilobytes of text, so that short writes take many calls. */
    assert_int_equal(pf_counter_family_new(fx->reg, "fault_requests_total",
                                           "Requests.", method_labels,
                                           &fx->requests),
                     0);
    for (int i = 0; i < 40; i++) {
        snprintf(m, sizeof(m), "m%d", i % 8);
        snprintf(code, sizeof(code), "%d", 200 + i);
        assert_int_equal(pf_counter_add_labels(fx->requests, i, m, code, NULL),
                         0);
    }
    assert_int_equal(
        pf_gauge_new(fx->reg, "fault_level_ratio", "Level.", &fx->level), 0);
    assert_int_equal(pf_gauge_set(fx->level, 0.25), 0);
    assert_int_equal(pf_histogram_new(fx->reg, "fault_wait_seconds", "Waits.",
                                      NULL, 0, &fx->wait),
                     0);
    assert_int_equal(pf_histogram_observe(fx->wait, 0.3), 0);
    real_sys = pf__sys;
    pf__sys.open_dir = fake_open_dir;
    pf__sys.openat = fake_openat;
    pf__sys.fchmod = fake_fchmod;
    pf__sys.write = fake_write;
    pf__sys.fsync = fake_fsync;
    pf__sys.close = fake_close;
    pf__sys.renameat = fake_renameat;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    disarm();
    pf__sys = real_sys;
    if (fx->w)
        pf_writer_stop(fx->w);
    pf_config_free(fx->cfg);
    for (size_t i = 0; i < fx->ntexts; i++)
        free(fx->texts[i]);
    test_remove_tree(fx->dir);
    pf_registry_free(fx->reg);
    free(fx);
    return 0;
}

/* ---- Helpers ------------------------------------------------------------- */

/* Open file descriptors of this process. */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    /* Less the one opendir() holds. */
    return n - 1;
}

/* The directory must hold app.prom and nothing else: no temporary file. */
static void assert_only_textfile(const fixture *fx)
{
    DIR *d = opendir(fx->dir);
    struct dirent *de;
    int others = 0, found = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strcmp(de->d_name, "app.prom") == 0) {
            found++;
            continue;
        }
        print_error("left in %s: %s\n", fx->dir, de->d_name);
        others++;
    }
    closedir(d);
    assert_int_equal(found, 1);
    assert_int_equal(others, 0);
}

/* Free `text` at teardown. */
static char *keep(fixture *fx, char *text)
{
    assert_true(fx->ntexts < sizeof(fx->texts) / sizeof(fx->texts[0]));
    fx->texts[fx->ntexts++] = text;
    return text;
}

/* The registry's text (freed at teardown). */
static char *rendered(fixture *fx)
{
    return keep(fx, render_text(fx->reg));
}

/* The text of app.prom (freed at teardown); *len its size in bytes. */
static char *textfile(fixture *fx, size_t *len)
{
    char path[128];
    struct stat st;
    char *text;

    snprintf(path, sizeof(path), "%s/app.prom", fx->dir);
    assert_int_equal(stat(path, &st), 0);
    text = read_file(path);
    assert_non_null(text);
    keep(fx, text);
    /* The file holds no NUL: strlen() is its size. */
    assert_int_equal(strlen(text), (size_t)st.st_size);
    if (len)
        *len = (size_t)st.st_size;
    return text;
}

static void assert_same_bytes(const char *got, size_t got_len, const char *want,
                              size_t want_len)
{
    if (got_len != want_len || memcmp(got, want, want_len) != 0) {
        print_error("--- expected (%zu bytes)\n%s--- file (%zu bytes)\n%s---\n",
                    want_len, want, got_len, got);
        fail_msg("the file differs");
    }
}

/* Change the metrics, so that a write that got through would show. */
static void change_metrics(fixture *fx)
{
    assert_int_equal(
        pf_counter_add_labels(fx->requests, 1000, "m1", "201", NULL), 0);
    assert_int_equal(pf_gauge_set(fx->level, 0.75), 0);
    assert_int_equal(pf_histogram_observe(fx->wait, 7), 0);
}

/* The fault was met: the test exercised what it claims. */
static void assert_injected(const fault_case *c)
{
    if (c->err && inj.injected == 0)
        fail_msg("no %s injected into %s (%d calls)", c->err_name,
                 call_names[c->call], inj.calls[c->call]);
    if (c->short_len >= 0 && inj.shorts == 0)
        fail_msg("no short write made (%d writes)", inj.calls[CALL_WRITE]);
}

/* ---- Through pf_registry_write_textfile() -------------------------------- */

static void fault_textfile(const fault_case *c, fixture *fx)
{
    unsigned flags = c->fsync_dir ? PF_WRITE_FSYNC_DIR : 0;
    char *before, *after, *want;
    size_t before_len, after_len;
    int fds, r;

    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, flags), 0);
    before = textfile(fx, &before_len);
    change_metrics(fx);
    want = rendered(fx);
    fds = count_fds();

    arm(c);
    r = pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, flags);
    disarm();

    assert_injected(c);
    assert_int_equal(r, c->want);
    assert_int_equal(count_fds(), fds);
    assert_only_textfile(fx);
    after = textfile(fx, &after_len);
    if (c->want == 0 || c->replaced)
        assert_same_bytes(after, after_len, want, strlen(want));
    else
        assert_same_bytes(after, after_len, before, before_len);

    /* The fault is gone: the next write succeeds. */
    assert_int_equal(pf_counter_inc_labels(fx->requests, "m2", "202", NULL), 0);
    want = rendered(fx);
    assert_int_equal(
        pf_registry_write_textfile(fx->reg, fx->dir, "app.prom", 0, flags), 0);
    after = textfile(fx, &after_len);
    assert_same_bytes(after, after_len, want, strlen(want));
    assert_only_textfile(fx);
    assert_int_equal(count_fds(), fds);
}

/* ---- Through a writer's pf_writer_flush() -------------------------------- */

static int callbacks;
static int callback_err;

static void on_error(int err, void *arg)
{
    (void)arg;
    callbacks++;
    callback_err = err;
}

/* Every line of `part` about our fault_* families is a line of `whole`.
 * (The writer may add families of its own to the registry, such as the
 * process metrics, whose values change from one render to the next.) */
static void assert_lines_in(const char *part, const char *whole)
{
    const char *p = part;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        char line[512];
        char with[514];

        assert_true(n < sizeof(line));
        memcpy(line, p, n);
        line[n] = '\0';
        p += n;
        if (!strstr(line, "fault_"))
            continue;
        snprintf(with, sizeof(with), "\n%s", line);
        if (strncmp(whole, line, n) != 0 && !strstr(whole, with))
            fail_msg("line missing from the file: %s", line);
    }
}

static unsigned long sample_value(const char *text, const char *series)
{
    char key[160];
    const char *p;

    snprintf(key, sizeof(key), "\n%s ", series);
    p = strstr(text, key);
    if (!p)
        fail_msg("no %s in the file", series);
    return strtoul(p + strlen(key), NULL, 10);
}

/* promfile_write_errors_total{errno="NAME"} of error `err`, named as the
 * library names it: by strerrorname_np() where there is one. */
static void error_series(char *buf, size_t size, int err)
{
    snprintf(buf, size,
             "promfile_write_errors_total{errno=\"E%d\",file=\"app.prom\"}",
             err);
#ifdef HAVE_STRERRORNAME_NP
    for (size_t i = 0; i < NERRORS; i++)
        if (errors[i].err == err)
            snprintf(buf, size,
                     "promfile_write_errors_total{errno=\"%s\","
                     "file=\"app.prom\"}",
                     errors[i].name);
#endif
}

static size_t count_lines(const char *text)
{
    size_t n = 0;

    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void fault_writer(const fault_case *c, fixture *fx)
{
    char *before, *after, *user, series[96];
    size_t before_len, after_len;
    pf_config *cfg;
    pf_writer *w;
    int fds, r;

    assert_int_equal(pf_config_new(&fx->cfg), 0);
    cfg = fx->cfg;
    assert_int_equal(pf_config_set(cfg, "textfile", "directory", fx->dir, NULL),
                     0);
    assert_int_equal(pf_config_set(cfg, "textfile", "file", "app.prom", NULL),
                     0);
    /* An hour: the thread never writes during the test. */
    assert_int_equal(pf_config_set(cfg, "textfile", "interval", "1h", NULL), 0);
    assert_int_equal(pf_config_set(cfg, "textfile", "fsync_directory",
                                   c->fsync_dir ? "yes" : "no", NULL),
                     0);
    assert_int_equal(pf_config_set_error_callback(cfg, on_error, NULL), 0);
    callbacks = 0;
    callback_err = 0;
    assert_int_equal(pf_writer_start(fx->reg, cfg, &fx->w), 0);
    w = fx->w;
    fx->cfg = pf_config_free(cfg);
    assert_int_equal(pf_writer_last_error(w), 0);
    before = textfile(fx, &before_len);
    assert_int_equal(
        sample_value(before, "promfile_writes_total{file=\"app.prom\"}"), 1);
    change_metrics(fx);
    fds = count_fds();

    arm(c);
    r = pf_writer_flush(w);
    disarm();

    assert_injected(c);
    assert_int_equal(r, c->want);
    assert_int_equal(pf_writer_last_error(w), c->want);
    assert_int_equal(callbacks, c->want < 0 ? 1 : 0);
    assert_int_equal(callback_err, c->want);
    assert_int_equal(count_fds(), fds);
    assert_only_textfile(fx);
    after = textfile(fx, &after_len);
    if (c->want < 0 && !c->replaced) {
        assert_same_bytes(after, after_len, before, before_len);
    } else {
        /* Complete: every series of the registry as it is now, the
         * writer's own metrics, as many lines as before. */
        user = rendered(fx);
        assert_lines_in(user, after);
        assert_int_equal(count_lines(after), count_lines(before));
        assert_int_equal(
            sample_value(after, "promfile_writes_total{file=\"app.prom\"}"), 2);
    }

    /* The fault is gone: the next write succeeds and counts the error. */
    assert_int_equal(pf_writer_flush(w), 0);
    assert_int_equal(pf_writer_last_error(w), 0);
    after = textfile(fx, &after_len);
    user = rendered(fx);
    assert_lines_in(user, after);
    /* The series of the error returned, or else of the one injected,
     * or else of EIO (one of those made at start, at 0). */
    error_series(series, sizeof(series),
                 c->want < 0 ? -c->want
                 : c->err    ? c->err
                             : EIO);
    if (c->want < 0) {
        assert_int_equal(sample_value(after, series), 1);
        assert_int_equal(
            sample_value(after, "promfile_writes_total{file=\"app.prom\"}"), 2);
    } else {
        /* A retried EINTR is no error. */
        if (c->err == EINTR)
            assert_null(strstr(after, series));
        else
            assert_int_equal(sample_value(after, series), 0);
        assert_int_equal(
            sample_value(after, "promfile_writes_total{file=\"app.prom\"}"), 3);
    }
    assert_only_textfile(fx);
    assert_int_equal(count_fds(), fds);
    fx->w = NULL;
    assert_int_equal(pf_writer_stop(w), 0);
}

static void fault_test(void **state)
{
    fixture *fx = *state;

    if (fx->c->via_writer)
        fault_writer(fx->c, fx);
    else
        fault_textfile(fx->c, fx);
}

/* ---- The cases ----------------------------------------------------------- */

static size_t add_case(size_t n, const fault_case *proto, const char *what)
{
    for (int via = 0; via < 2; via++) {
        fault_case *c = &cases[n++];

        *c = *proto;
        c->via_writer = via;
        snprintf(c->name, sizeof(c->name), "%s_%s",
                 via ? "writer_flush" : "write_textfile", what);
    }
    return n;
}

static size_t make_cases(void)
{
    char what[48];
    size_t n = 0;

    for (int call = 0; call < NCALLS; call++) {
        for (size_t e = 0; e < NERRORS; e++) {
            fault_case c = {0};
            bool retried = errors[e].err == EINTR &&
                           (call == CALL_WRITE || call == CALL_FSYNC);

            c.call = (enum call)call;
            c.err = errors[e].err;
            c.err_name = errors[e].name;
            /* Retried: three interruptions, then the call goes through.
             * Another EINTR comes once (a library that retried it would
             * then succeed, and fail the test, rather than loop); the
             * other errors persist while armed. */
            if (retried)
                c.times = 3;
            else if (errors[e].err == EINTR)
                c.times = 1;
            else
                c.times = -1;
            c.short_len = -1;
            c.want = retried ? 0 : -errors[e].err;
            snprintf(what, sizeof(what), "%s_%s", call_names[call],
                     errors[e].name);
            n = add_case(n, &c, what);
        }
    }
    {
        /* One short write, then whole ones. */
        fault_case c = {.short_len = 100, .short_times = 1};

        n = add_case(n, &c, "write_short_once");
    }
    {
        /* Every write short: 7 bytes a call. */
        fault_case c = {.short_len = 7, .short_times = -1};

        n = add_case(n, &c, "write_short_always");
    }
    {
        /* The disk fills up mid-file: a short write, then ENOSPC. */
        fault_case c = {.call = CALL_WRITE,
                        .err = ENOSPC,
                        .err_name = "ENOSPC",
                        .times = -1,
                        .skip = 1,
                        .short_len = 100,
                        .short_times = 1,
                        .want = -ENOSPC};

        n = add_case(n, &c, "write_short_then_ENOSPC");
    }
    {
        /* write() returning 0 for a non-empty buffer: taken as full. */
        fault_case c = {.short_len = 0, .short_times = -1, .want = -ENOSPC};

        n = add_case(n, &c, "write_returns_0");
    }
    {
        /* fsync() of the directory, after the rename: the new file is in
         * place, the error is reported all the same (writer.c). */
        fault_case c = {.call = CALL_FSYNC,
                        .err = EIO,
                        .err_name = "EIO",
                        .times = -1,
                        .skip = 1,
                        .short_len = -1,
                        .fsync_dir = true,
                        .replaced = true,
                        .want = -EIO};

        n = add_case(n, &c, "fsync_dir_EIO");
    }
    {
        /* EINTR from fsync() of the directory is retried like that of
         * the file: the write succeeds. */
        fault_case c = {.call = CALL_FSYNC,
                        .err = EINTR,
                        .err_name = "EINTR",
                        .times = 3,
                        .skip = 1,
                        .short_len = -1,
                        .fsync_dir = true,
                        .want = 0};

        n = add_case(n, &c, "fsync_dir_EINTR");
    }
    return n;
}

int main(void)
{
    struct CMUnitTest tests[NCASES];
    size_t n = make_cases();
    int r;

    if (n != NCASES) {
        fprintf(stderr, "test_faults: %zu cases, not %zu\n", n, (size_t)NCASES);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        tests[i].name = cases[i].name;
        tests[i].test_func = fault_test;
        tests[i].setup_func = setup;
        tests[i].teardown_func = teardown;
        tests[i].initial_state = &cases[i];
    }
    r = cmocka_run_group_tests(tests, NULL, NULL);
    printf("# errors injected:");
    for (int i = 0; i < NCALLS; i++)
        printf(" %s %d%s", call_names[i], injected_total[i],
               i + 1 < NCALLS ? "," : "");
    printf("; short writes: %d\n", shorts_total);
    /* Before LeakSanitizer's exit handler, which does not flush. */
    fflush(stdout);
    return r;
}
