/* SPDX-License-Identifier: MIT */
/*
 * The writer's configuration: pf_config_new() defaults, pf_config_set(),
 * and promfile.conf(5) read by pf_config_load() through inih (Debian 12's
 * r55) and the library's own line reader. Every failing load must leave
 * the configuration exactly as it was, and every test must give back all
 * it allocated (checked in the teardown with pf__alloc_live()).
 */
#include "pf-test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64];
    char path[128]; /* dir/promfile.conf: the file under test */
    char good[128]; /* dir/good.conf: GOOD_CONF */
    pf_config *cfg;
    pf_config *extra; /* a second configuration of the test, or NULL */
    long live;        /* pf__alloc_live() before the test */
} fixture;

/* A copy of a configuration taken before a call that must not change it.
 * It lives here so that the teardown can free it when an assertion fails
 * between taking and dropping it, and report real leaks only. */
static pf_config snapshot;
static bool have_snapshot;

/* A file that sets every key to a value other than its default. */
static const char good_conf[] = "[textfile]\n"
                                "directory = /srv/metrics\n"
                                "file = good.prom\n"
                                "interval = 30s\n"
                                "mode = 0640\n"
                                "fsync = no\n"
                                "fsync_directory = yes\n"
                                "remove_on_exit = on\n"
                                "[labels]\n"
                                "site = ams\n"
                                "role = mx\n";

static const char *const good_labels[] = {"site", "ams", "role", "mx", NULL};

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    fx->live = pf__alloc_live();
    strcpy(fx->dir, "/tmp/pf-config-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/promfile.conf", fx->dir);
    snprintf(fx->good, sizeof(fx->good), "%s/good.conf", fx->dir);
    write_bytes(fx->good, good_conf, sizeof(good_conf) - 1);
    assert_int_equal(pf_config_new(&fx->cfg), 0);
    unsetenv("PROMFILE_CONFIG");
    *state = fx;
    return 0;
}

static const pf_config *take_snapshot(const pf_config *cfg)
{
    assert_false(have_snapshot);
    assert_int_equal(pf__config_copy(cfg, &snapshot), 0);
    have_snapshot = true;
    return &snapshot;
}

static void drop_snapshot(void)
{
    if (have_snapshot)
        pf__config_clear(&snapshot);
    have_snapshot = false;
}

/* Remove the files (and subdirectories) in `dir`, then `dir`. */
static int teardown(void **state)
{
    fixture *fx = *state;
    long leaked;

    unsetenv("PROMFILE_CONFIG");
    pf__alloc_fail_nth(0);
    drop_snapshot();
    assert_null(pf_config_free(fx->cfg));
    pf_config_free(fx->extra);
    test_remove_tree(fx->dir);
    assert_int_equal(access(fx->dir, F_OK), -1);
    leaked = pf__alloc_live() - fx->live;
    free(fx);
    if (leaked != 0)
        fail_msg("%ld blocks allocated by the library were not freed", leaked);
    return 0;
}

/* ---- Helpers ------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void assert_same_string(const char *a, const char *b)
{
    if (a && b)
        assert_string_equal(a, b);
    else
        assert_ptr_equal(a, b);
}

/* Every field of the two configurations is equal. */
static void assert_same_config(const pf_config *a, const pf_config *b)
{
    assert_same_string(a->directory, b->directory);
    assert_same_string(a->file, b->file);
    assert_same_string(a->source, b->source);
    assert_int_equal(a->interval_ms, b->interval_ms);
    assert_int_equal(a->mode, b->mode);
    assert_int_equal(a->fsync, b->fsync);
    assert_int_equal(a->fsync_dir, b->fsync_dir);
    assert_int_equal(a->remove_on_exit, b->remove_on_exit);
    assert_same_string(a->shared_path, b->shared_path);
    assert_int_equal(a->shared_workers, b->shared_workers);
    assert_int_equal(a->shared_series, b->shared_series);
    assert_int_equal(a->shared_cells, b->shared_cells);
    assert_int_equal(a->shared_bytes, b->shared_bytes);
    assert_int_equal(a->shared_mode, b->shared_mode);
    assert_ptr_equal(a->err_fn, b->err_fn);
    assert_ptr_equal(a->err_arg, b->err_arg);
    assert_int_equal(a->nlabels, b->nlabels);
    for (size_t i = 0; i < a->nlabels; i++) {
        assert_string_equal(a->label_names[i], b->label_names[i]);
        assert_string_equal(a->label_values[i], b->label_values[i]);
        assert_int_equal(a->label_lines[i], b->label_lines[i]);
    }
}

/* cfg has exactly the labels of `kv` (name, value, ..., NULL), in order. */
static void assert_labels(const pf_config *cfg, const char *const *kv)
{
    size_t n = 0;

    while (kv[2 * n])
        n++;
    assert_int_equal(cfg->nlabels, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(cfg->label_names[i], kv[2 * i]);
        assert_string_equal(cfg->label_values[i], kv[2 * i + 1]);
    }
}

/* The values of good_conf. */
static void assert_good(const fixture *fx, const pf_config *cfg)
{
    assert_string_equal(cfg->directory, "/srv/metrics");
    assert_string_equal(cfg->file, "good.prom");
    assert_int_equal(cfg->interval_ms, 30000);
    assert_int_equal(cfg->mode, 0640);
    assert_false(cfg->fsync);
    assert_true(cfg->fsync_dir);
    assert_true(cfg->remove_on_exit);
    assert_labels(cfg, good_labels);
    assert_string_equal(cfg->source, fx->good);
}

static void load_good(fixture *fx)
{
    pf_error err;

    memset(&err, 0, sizeof(err));
    if (pf_config_load(fx->cfg, fx->good, &err) != 0)
        fail_msg("good.conf:%u: %s", err.line, err.text);
    assert_good(fx, fx->cfg);
}

/* Write `len` bytes to fx->path and load them into fx->cfg. */
static int load_bytes(fixture *fx, const char *data, size_t len,
                      pf_error *reterr)
{
    write_bytes(fx->path, data, len);
    return pf_config_load(fx->cfg, fx->path, reterr);
}

static int load_text(fixture *fx, const char *text, pf_error *reterr)
{
    return load_bytes(fx, text, strlen(text), reterr);
}

/* Load the good file, then `len` bytes that must fail with `code` at
 * `line`, with a message that contains `needle`, and leave the
 * configuration as the good file made it. */
static void expect_refused_bytes(fixture *fx, const char *data, size_t len,
                                 int code, unsigned line, const char *needle)
{
    const pf_config *before;
    pf_error err;
    int r;

    load_good(fx);
    before = take_snapshot(fx->cfg);
    memset(&err, 0, sizeof(err));
    r = load_bytes(fx, data, len, &err);
    if (r != code || err.line != line)
        fail_msg("expected %d (%s) at line %u, got %d at line %u: %s", code,
                 pf_strerror(code), line, r, err.line, err.text);
    assert_int_equal(err.code, code);
    if (!ends_with(err.source, "/promfile.conf"))
        fail_msg("source \"%s\" does not name promfile.conf", err.source);
    if (!strstr(err.text, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.text, needle);
    assert_same_config(fx->cfg, before);
    assert_good(fx, fx->cfg);
    drop_snapshot();
}

static void expect_refused(fixture *fx, const char *text, int code,
                           unsigned line, const char *needle)
{
    expect_refused_bytes(fx, text, strlen(text), code, line, needle);
}

/* pf_config_set() of a bad value: -EINVAL, a message that contains
 * `needle`, and nothing changed. */
static void expect_set_refused_msg(pf_config *cfg, const char *section,
                                   const char *key, const char *value,
                                   const char *needle)
{
    const pf_config *before;
    pf_error err;
    int r;

    before = take_snapshot(cfg);
    memset(&err, 0, sizeof(err));
    r = pf_config_set(cfg, section, key, value, &err);
    if (r != -EINVAL)
        fail_msg("[%s] %s = \"%s\": expected -EINVAL, got %d", section, key,
                 value, r);
    assert_int_equal(err.code, -EINVAL);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.source, "");
    if (!strstr(err.text, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.text, needle);
    assert_same_config(cfg, before);
    drop_snapshot();
}

/* The same, with a message that names the key. */
static void expect_set_refused(pf_config *cfg, const char *section,
                               const char *key, const char *value)
{
    expect_set_refused_msg(cfg, section, key, value, key);
}

static void set_ok(pf_config *cfg, const char *section, const char *key,
                   const char *value)
{
    pf_error err;

    memset(&err, 0, sizeof(err));
    if (pf_config_set(cfg, section, key, value, &err) != 0)
        fail_msg("[%s] %s = \"%s\" refused: %s", section, key, value, err.text);
}

/* ---- Defaults ------------------------------------------------------------ */

static void config_new_has_every_default(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = fx->cfg;

    /* NULL means /var/lib/prometheus/node-exporter and <program>.prom. */
    assert_null(cfg->directory);
    assert_null(cfg->file);
    assert_int_equal(cfg->interval_ms, 15000);
    assert_int_equal(cfg->mode, 0644);
    assert_true(cfg->fsync);
    assert_false(cfg->fsync_dir);
    assert_false(cfg->remove_on_exit);
    assert_int_equal(cfg->nlabels, 0);
    assert_null(cfg->label_names);
    assert_null(cfg->label_values);
    assert_null(cfg->source);
    assert_null(cfg->err_fn);
    assert_string_equal(PF_DEFAULT_DIRECTORY,
                        "/var/lib/prometheus/node-exporter");
}

static void config_new_refuses_null(void **state)
{
    UNUSED(state);
    assert_int_equal(pf_config_new(NULL), -EINVAL);
}

/* ---- Every key through a file and through pf_config_set() ---------------- */

static void config_load_sets_every_key(void **state)
{
    fixture *fx = *state;
    pf_error err;

    /* The reterr of a successful call is left alone. */
    memset(&err, 0x5a, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, fx->good, &err), 0);
    assert_int_equal(err.code, 0x5a5a5a5a);
    assert_int_equal(err.line, 0x5a5a5a5a);
    assert_good(fx, fx->cfg);
    /* The labels remember their lines, for later messages. */
    assert_int_equal(fx->cfg->label_lines[0], 10);
    assert_int_equal(fx->cfg->label_lines[1], 11);
}

static void config_load_sets_the_opposite_values(void **state)
{
    fixture *fx = *state;

    load_good(fx);
    assert_int_equal(load_text(fx,
                               "[textfile]\n"
                               "directory = /run/prom\n"
                               "file = other.prom\n"
                               "interval = 1m30s\n"
                               "mode = 600\n"
                               "fsync = TRUE\n"
                               "fsync_directory = Off\n"
                               "remove_on_exit = 0\n",
                               NULL),
                     0);
    assert_string_equal(fx->cfg->directory, "/run/prom");
    assert_string_equal(fx->cfg->file, "other.prom");
    assert_int_equal(fx->cfg->interval_ms, 90000);
    assert_int_equal(fx->cfg->mode, 0600);
    assert_true(fx->cfg->fsync);
    assert_false(fx->cfg->fsync_dir);
    assert_false(fx->cfg->remove_on_exit);
    assert_string_equal(fx->cfg->source, fx->path);
    /* No [labels] in this file: those of the first are kept. */
    assert_labels(fx->cfg, good_labels);
}

static void config_labels_keep_file_order(void **state)
{
    fixture *fx = *state;
    static const char *const want[] = {"zeta", "1",     "alpha", "two",
                                       "mid",  "a b=c", NULL};

    assert_int_equal(load_text(fx,
                               "[labels]\n"
                               "zeta = 1\n"
                               "alpha = two\n"
                               "\n"
                               "mid = a b=c\n",
                               NULL),
                     0);
    assert_labels(fx->cfg, want);
    assert_int_equal(fx->cfg->label_lines[0], 2);
    assert_int_equal(fx->cfg->label_lines[1], 3);
    assert_int_equal(fx->cfg->label_lines[2], 5);
}

static void config_set_sets_every_key(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = fx->cfg;
    static const char *const want[] = {"site", "fra", "dc", "b", NULL};
    pf_error err;

    set_ok(cfg, "textfile", "directory", "/srv/x");
    assert_string_equal(cfg->directory, "/srv/x");
    set_ok(cfg, "textfile", "directory", "/srv/y");
    assert_string_equal(cfg->directory, "/srv/y");
    set_ok(cfg, "textfile", "file", "mail.prom");
    assert_string_equal(cfg->file, "mail.prom");
    set_ok(cfg, "textfile", "interval", "5s");
    assert_int_equal(cfg->interval_ms, 5000);
    set_ok(cfg, "textfile", "mode", "0600");
    assert_int_equal(cfg->mode, 0600);
    set_ok(cfg, "textfile", "fsync", "off");
    assert_false(cfg->fsync);
    set_ok(cfg, "textfile", "fsync_directory", "on");
    assert_true(cfg->fsync_dir);
    set_ok(cfg, "textfile", "remove_on_exit", "yes");
    assert_true(cfg->remove_on_exit);
    /* Setting a label again replaces its value, in place. */
    set_ok(cfg, "labels", "site", "ams");
    set_ok(cfg, "labels", "dc", "b");
    set_ok(cfg, "labels", "site", "fra");
    assert_labels(cfg, want);
    /* No file was loaded. */
    assert_null(cfg->source);
    /* The reterr of a successful call is left alone. */
    memset(&err, 0x5a, sizeof(err));
    assert_int_equal(pf_config_set(cfg, "textfile", "mode", "0644", &err), 0);
    assert_int_equal(err.code, 0x5a5a5a5a);
    assert_int_equal(cfg->mode, 0644);
}

static void config_set_refuses_bad_keys_and_values(void **state)
{
    fixture *fx = *state;

    load_good(fx);
    expect_set_refused(fx->cfg, "textfile", "intervall", "5s");
    expect_set_refused(fx->cfg, "textfile", "directory", "");
    expect_set_refused(fx->cfg, "textfile", "file", "x.txt");
    expect_set_refused(fx->cfg, "labels", "__x", "1");
    expect_set_refused(fx->cfg, "labels", "le", "1");
    expect_set_refused(fx->cfg, "labels", "1a", "1");
    expect_set_refused(fx->cfg, "labels", "site", "\xff\xfe");
    assert_good(fx, fx->cfg);
}

/* ---- Values -------------------------------------------------------------- */

static void config_duration_parses_prometheus_durations(void **state)
{
    static const struct {
        const char *text;
        uint64_t ms;
    } ok[] = {
        {"15s", 15000},         {"500ms", 500}, {"1m30s", 90000},
        {"1h", 3600000},        {"10ms", 10},   {"24h", 86400000},
        {"1h2m3s4ms", 3723004}, {"90s", 90000},
    };
    fixture *fx = *state;
    uint64_t ms;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ms = 12345;
        if (pf__parse_duration_ms(ok[i].text, &ms) != 0)
            fail_msg("\"%s\" refused", ok[i].text);
        assert_int_equal(ms, ok[i].ms);
        set_ok(fx->cfg, "textfile", "interval", ok[i].text);
        assert_int_equal(fx->cfg->interval_ms, ok[i].ms);
    }
}

static void config_duration_refuses_malformed(void **state)
{
    static const char *const bad[] = {
        "15",  "s",  "1.5s", "1s1m", "1m1m", "-1s",   "",      "+1s", " 1s",
        "1s ", "1d", "1S",   "ms",   "1m1h", "1ms1s", "0x10s", NULL,
    };
    fixture *fx = *state;
    uint64_t ms;

    for (size_t i = 0; bad[i]; i++) {
        ms = 12345;
        if (pf__parse_duration_ms(bad[i], &ms) != -EINVAL)
            fail_msg("\"%s\" not refused with -EINVAL", bad[i]);
        /* *ret is written only on success. */
        assert_int_equal(ms, 12345);
        expect_set_refused(fx->cfg, "textfile", "interval", bad[i]);
    }
    assert_int_equal(fx->cfg->interval_ms, 15000);
}

static void config_interval_refuses_out_of_range(void **state)
{
    static const char *const bad[] = {
        "9ms", "0s", "0ms", "25h", "24h1ms", "1441m", "99999999999999999999s",
        NULL,
    };
    fixture *fx = *state;
    uint64_t ms = 12345;

    for (size_t i = 0; bad[i]; i++)
        expect_set_refused(fx->cfg, "textfile", "interval", bad[i]);
    assert_int_equal(fx->cfg->interval_ms, 15000);
    /* The parser reads them; the bounds are the configuration's. */
    assert_int_equal(pf__parse_duration_ms("9ms", &ms), 0);
    assert_int_equal(ms, 9);
    assert_int_equal(pf__parse_duration_ms("0s", &ms), 0);
    assert_int_equal(ms, 0);
    ms = 12345;
    assert_int_equal(pf__parse_duration_ms("25h", &ms), -ERANGE);
    assert_int_equal(pf__parse_duration_ms("99999999999999999999s", &ms),
                     -ERANGE);
    assert_int_equal(ms, 12345);
}

static void config_interval_is_checked_in_files_too(void **state)
{
    fixture *fx = *state;

    expect_refused(fx, "[textfile]\nmode = 0600\ninterval = 9ms\n", -EINVAL, 3,
                   "interval");
    expect_refused(fx, "[textfile]\ninterval = 1s1m\nmode = 0600\n", -EINVAL, 2,
                   "interval");
    expect_refused(fx, "[textfile]\ninterval =\n", -EINVAL, 2, "interval");
    assert_int_equal(load_text(fx, "[textfile]\ninterval = 10ms\n", NULL), 0);
    assert_int_equal(fx->cfg->interval_ms, 10);
}

static void config_mode_takes_octal_up_to_0777(void **state)
{
    static const struct {
        const char *text;
        unsigned mode;
    } ok[] = {
        {"0644", 0644}, {"644", 0644}, {"0600", 0600}, {"0400", 0400},
        {"0777", 0777}, {"755", 0755}, {"0004", 0004},
    };
    static const char *const bad[] = {
        "0888",
        "01777",
        "12345",
        "rw",
        "",
        "1777",
        "4755",
        "0o644",
        "-644",
        "+644",
        "0x1a",
        "64 4",
        "8",
        /* Nobody could read the file. */
        "0",
        "0000",
        "0200",
        "0333",
        NULL,
    };
    fixture *fx = *state;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        set_ok(fx->cfg, "textfile", "mode", "0444");
        set_ok(fx->cfg, "textfile", "mode", ok[i].text);
        assert_int_equal(fx->cfg->mode, ok[i].mode);
    }
    set_ok(fx->cfg, "textfile", "mode", "0640");
    for (size_t i = 0; bad[i]; i++)
        expect_set_refused(fx->cfg, "textfile", "mode", bad[i]);
    assert_int_equal(fx->cfg->mode, 0640);
}

static bool *bool_field(pf_config *cfg, const char *key)
{
    if (strcmp(key, "fsync") == 0)
        return &cfg->fsync;
    if (strcmp(key, "fsync_directory") == 0)
        return &cfg->fsync_dir;
    return &cfg->remove_on_exit;
}

static void config_booleans_take_six_words_in_any_case(void **state)
{
    static const char *const keys[] = {"fsync", "fsync_directory",
                                       "remove_on_exit"};
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "YES",
                                      "yEs",  "on",   "ON",   "On",  "1"};
    static const char *const no[] = {"false", "FALSE", "False", "no",  "NO",
                                     "nO",    "off",   "OFF",   "oFf", "0"};
    static const char *const bad[] = {"maybe", "",   "2",       "y", "n",
                                      "truee", "01", "enabled", NULL};
    fixture *fx = *state;

    for (size_t k = 0; k < 3; k++) {
        bool *field = bool_field(fx->cfg, keys[k]);

        for (size_t i = 0; i < 10; i++) {
            set_ok(fx->cfg, "textfile", keys[k], yes[i]);
            assert_true(*field);
            set_ok(fx->cfg, "textfile", keys[k], no[i]);
            assert_false(*field);
        }
        for (size_t i = 0; bad[i]; i++)
            expect_set_refused(fx->cfg, "textfile", keys[k], bad[i]);
        assert_false(*field);
    }
}

static void config_file_must_be_a_prom_name(void **state)
{
    static const char *const bad[] = {
        "",          ".prom",     "x.prom.tmp", "a/b.prom", "/x.prom",
        "x.PROM",    "x.prom/",   "xprom",      "x.pro",    "x.prom ",
        "x\nx.prom", "\xff.prom", NULL,
    };
    fixture *fx = *state;
    char name[PF_MAX_FILE_NAME + 2];
    pf_error err;

    set_ok(fx->cfg, "textfile", "file", "a.prom");
    assert_string_equal(fx->cfg->file, "a.prom");
    set_ok(fx->cfg, "textfile", "file", "node-exporter.v2.prom");
    assert_string_equal(fx->cfg->file, "node-exporter.v2.prom");
    for (size_t i = 0; bad[i]; i++) {
        expect_set_refused(fx->cfg, "textfile", "file", bad[i]);
        assert_int_equal(pf__check_file_name(bad[i]), -EINVAL);
    }
    assert_int_equal(pf__check_file_name(NULL), -EINVAL);
    /* At most 200 bytes, ".prom" included. */
    memset(name, 'a', sizeof(name));
    strcpy(name + PF_MAX_FILE_NAME - 5, ".prom");
    assert_int_equal(strlen(name), 200);
    assert_int_equal(pf__check_file_name(name), 0);
    set_ok(fx->cfg, "textfile", "file", name);
    assert_string_equal(fx->cfg->file, name);
    memset(name, 'a', sizeof(name));
    strcpy(name + PF_MAX_FILE_NAME - 4, ".prom");
    assert_int_equal(strlen(name), 201);
    assert_int_equal(pf__check_file_name(name), -EINVAL);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_set(fx->cfg, "textfile", "file", name, &err),
                     -EINVAL);
    assert_non_null(strstr(err.text, "file"));
    assert_int_equal(strlen(fx->cfg->file), 200);
    /* In a file, with the line. */
    expect_refused(fx, "[textfile]\ninterval = 1h\nfile = x.prom.tmp\n",
                   -EINVAL, 3, "file");
    expect_refused(fx, "[textfile]\nfile = ../x.prom\n", -EINVAL, 2, "file");
}

/* ---- [shared] (issue 14) ---------------------------------------------- */

/* The [shared] values of a configuration, in the order of
 * promfile.conf(5). */
static void assert_shared(const pf_config *cfg, const char *path,
                          size_t workers, size_t series, size_t cells,
                          size_t bytes, unsigned mode)
{
    assert_same_string(cfg->shared_path, path);
    assert_int_equal(cfg->shared_workers, workers);
    assert_int_equal(cfg->shared_series, series);
    assert_int_equal(cfg->shared_cells, cells);
    assert_int_equal(cfg->shared_bytes, bytes);
    assert_int_equal(cfg->shared_mode, mode);
}

/* Every key of [shared], from a file and through pf_config_set(), with
 * the defaults and the bounds of promfile.conf(5). */
static void config_shared_keys_from_file_and_set(void **state)
{
    static const struct {
        const char *key, *low, *high;
    } bounds[] = {
        {"workers", "1", "4096"},
        {"series", "1", "16777216"},
        {"cells", "0", "268435456"},
        {"bytes", "0", "1073741824"},
    };
    fixture *fx = *state;
    pf_config *cfg = fx->cfg;

    /* No path: anonymous memory. */
    assert_shared(cfg, NULL, 64, 10000, 0, 0, 0600);
    assert_int_equal(load_text(fx,
                               "[shared]\n"
                               "path = /run/mox/metrics.shm\n"
                               "workers = 8\n"
                               "series = 500\n"
                               "cells = 4000\n"
                               "bytes = 32768\n"
                               "mode = 0640\n",
                               NULL),
                     0);
    assert_shared(cfg, "/run/mox/metrics.shm", 8, 500, 4000, 32768, 0640);
    assert_string_equal(cfg->source, fx->path);
    /* A later file sets only its keys. */
    assert_int_equal(load_text(fx, "[shared]\nworkers = 16\n", NULL), 0);
    assert_shared(cfg, "/run/mox/metrics.shm", 16, 500, 4000, 32768, 0640);
    set_ok(cfg, "shared", "path", "/run/other.shm");
    set_ok(cfg, "shared", "workers", "2");
    set_ok(cfg, "shared", "series", "77");
    set_ok(cfg, "shared", "cells", "300");
    set_ok(cfg, "shared", "bytes", "4096");
    set_ok(cfg, "shared", "mode", "400");
    assert_shared(cfg, "/run/other.shm", 2, 77, 300, 4096, 0400);
    /* The bounds are in the range; 0 means "per series" for cells and
     * bytes. */
    for (size_t i = 0; i < PF_ARRAY_SIZE(bounds); i++) {
        set_ok(cfg, "shared", bounds[i].key, bounds[i].low);
        set_ok(cfg, "shared", bounds[i].key, bounds[i].high);
    }
    assert_shared(cfg, "/run/other.shm", 4096, 16777216, 268435456, 1073741824,
                  0400);
    for (size_t i = 0; i < PF_ARRAY_SIZE(bounds); i++)
        set_ok(cfg, "shared", bounds[i].key, bounds[i].low);
    assert_shared(cfg, "/run/other.shm", 1, 1, 0, 0, 0400);
}

/* A bad [shared] value is refused: by pf_config_set() with a message that
 * names the key, and in a file with its file and line, nothing of the
 * file applied (the keys before it included). */
static void config_shared_refuses_bad_values(void **state)
{
    static const struct {
        const char *key, *value, *needle;
    } bad[] = {
        {"workers", "0", "between 1 and 4096"},
        {"workers", "4097", "between 1 and 4096"},
        {"series", "0", "between 1 and 16777216"},
        {"series", "16777217", "between 1 and 16777216"},
        {"cells", "268435457", "between 0 and 268435456"},
        {"bytes", "1073741825", "between 0 and 1073741824"},
        {"workers", "", "whole number"},
        {"workers", "8k", "whole number"},
        {"series", "-1", "whole number"},
        {"cells", "1e3", "whole number"},
        {"bytes", "0x10", "whole number"},
        {"workers", "9999999999999", "whole number"},
        {"mode", "0888", "octal"},
        {"mode", "1777", "beyond 0777"},
        {"mode", "0200", "nobody read"},
        {"mode", "rw", "octal"},
        {"path", "", "path is empty"},
        {"worker", "8", "worker"},
    };
    fixture *fx = *state;
    char text[256];

    load_good(fx);
    for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++) {
        expect_set_refused_msg(fx->cfg, "shared", bad[i].key, bad[i].value,
                               bad[i].needle);
        /* Line 3, after a good key of the same section, before a label:
         * neither is applied. */
        snprintf(text, sizeof(text),
                 "[shared]\n"
                 "%s\n"
                 "%s = %s\n"
                 "[labels]\n"
                 "dc = b\n",
                 strcmp(bad[i].key, "workers") == 0 ? "series = 20"
                                                    : "workers = 8",
                 bad[i].key, bad[i].value);
        expect_refused(fx, text, -EINVAL, 3, bad[i].needle);
    }
    /* Twice in one file. */
    expect_refused(fx,
                   "[shared]\nmode = 0600\n[labels]\n[shared]\nmode = 0600\n",
                   -EINVAL, 5, "mode");
    assert_shared(fx->cfg, NULL, 64, 10000, 0, 0, 0600);
}

/* ---- Errors in files ----------------------------------------------------- */

static void config_load_refuses_unknown_key(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "intervall = 5s\n"
                   "mode = 0600\n",
                   -EINVAL, 3, "intervall");
    expect_refused(fx,
                   "[labels]\n"
                   "site = x\n"
                   "[textfile]\n"
                   "mode = 0600\n"
                   "Interval = 5s\n",
                   -EINVAL, 5, "Interval");
}

static void config_load_refuses_unknown_section(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "mode = 0600\n"
                   "[textfiles]\n"
                   "interval = 1h\n",
                   -EINVAL, 3, "textfiles");
    expect_refused(fx, "[labels]\nsite = x\n[Labels]\nrole = y\n", -EINVAL, 3,
                   "Labels");
    expect_refused(fx, "[textfile]\nmode = 0600\n[]\n", -EINVAL, 3, "section");
    expect_refused(fx, "[textfile]\nmode = 0600\n  [extra] ; c\n", -EINVAL, 3,
                   "extra");
}

/* inih calls the handler only for keys: an unknown section with no keys
 * under it is seen by the line reader alone. */
static void config_load_refuses_empty_unknown_section(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "\n"
                   "[bogus]\n"
                   "; nothing here\n"
                   "[labels]\n"
                   "site = x\n",
                   -EINVAL, 4, "bogus");
    /* The last line, with no newline after it. */
    expect_refused(fx, "[textfile]\nmode = 0600\n[bogus]", -EINVAL, 3, "bogus");
    expect_refused(fx, "[bogus]\n", -EINVAL, 1, "bogus");
}

/* The same on the first line of a file that starts with a UTF-8 BOM. */
static void config_load_refuses_empty_unknown_section_after_bom(void **state)
{
    fixture *fx = *state;

    expect_refused(fx, "\xEF\xBB\xBF[bogus]\n", -EINVAL, 1, "bogus");
    expect_refused(fx, "\xEF\xBB\xBF[bogus]\n[textfile]\nmode = 0600\n",
                   -EINVAL, 1, "bogus");
}

static void config_load_refuses_key_before_section(void **state)
{
    fixture *fx = *state;

    expect_refused(fx, "interval = 1h\n[textfile]\nmode = 0600\n", -EINVAL, 1,
                   "interval");
    expect_refused(fx, "; comment\n\nmode = 0600\n", -EINVAL, 3, "mode");
}

static void config_load_refuses_duplicate_keys(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "mode = 0600\n"
                   "interval = 1h\n",
                   -EINVAL, 4, "interval");
    /* Also across two [textfile] sections. */
    expect_refused(fx,
                   "[textfile]\n"
                   "fsync = on\n"
                   "[labels]\n"
                   "site = x\n"
                   "[textfile]\n"
                   "fsync = on\n",
                   -EINVAL, 6, "fsync");
    expect_refused(fx,
                   "[labels]\n"
                   "site = a\n"
                   "role = b\n"
                   "site = c\n",
                   -EINVAL, 4, "site");
    expect_refused(fx,
                   "[labels]\n"
                   "dc = a\n"
                   "[textfile]\n"
                   "mode = 0600\n"
                   "[labels]\n"
                   "dc = a\n",
                   -EINVAL, 6, "dc");
}

static void config_load_refuses_bad_value(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "mode = 0888\n"
                   "fsync = on\n",
                   -EINVAL, 3, "mode");
    expect_refused(fx, "[textfile]\nmode = 0600\nfsync = maybe\n", -EINVAL, 3,
                   "fsync");
    expect_refused(fx, "[textfile]\nmode = 0600\nremove_on_exit =\n", -EINVAL,
                   3, "remove_on_exit");
    expect_refused(fx, "[textfile]\nmode = 0600\ndirectory =\n", -EINVAL, 3,
                   "directory");
}

static void config_load_refuses_syntax_error(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "just some words\n"
                   "mode = 0600\n",
                   -EINVAL, 3, "syntax");
    expect_refused(fx, "[textfile]\nmode = 0600\n[labels\n", -EINVAL, 3,
                   "syntax");
}

/* inih keeps parsing after a syntax error; the first error is the one
 * to report. */
static void config_load_reports_first_error(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "interval = 1h\n"
                   "just some words\n"
                   "mode = 0600\n"
                   "nosuchkey = 1\n",
                   -EINVAL, 3, "syntax");
    expect_refused(fx,
                   "[textfile]\n"
                   "no equals sign\n"
                   "[bogus]\n",
                   -EINVAL, 2, "syntax");
}

/* A line of 199 bytes or more, newline not counted, does not fit inih's
 * 200-byte buffer: r55 would parse its tail as a line of its own. */
static void config_load_refuses_long_line(void **state)
{
    fixture *fx = *state;
    char text[512];
    char *p;

    /* The first 199 bytes are a comment; the rest reads as a valid
     * "interval = 1h" that must not be applied. */
    p = text + sprintf(text, "[textfile]\nmode = 0600\n; ");
    memset(p, 'x', 197);
    p += 197;
    strcpy(p, "interval = 1h\nfsync = on\n");
    expect_refused(fx, text, -E2BIG, 3, "198");
    assert_int_equal(fx->cfg->interval_ms, 30000);

    /* The same as a value: the tail would set fsync_directory. */
    p = text + sprintf(text, "[labels]\nsite = ");
    memset(p, 'v', 199 - 7);
    p += 199 - 7;
    strcpy(p, "fsync_directory=no\n");
    expect_refused(fx, text, -E2BIG, 2, "long");
    assert_true(fx->cfg->fsync_dir);
}

static void config_load_takes_198_byte_line(void **state)
{
    fixture *fx = *state;
    char text[512];
    char *p;

    /* "directory = /" and 185 more: 198 bytes, then the newline. */
    p = text + sprintf(text, "[textfile]\ndirectory = /");
    memset(p, 'd', 185);
    strcpy(p + 185, "\nmode = 0600\n");
    assert_int_equal(load_text(fx, text, NULL), 0);
    assert_int_equal(strlen(fx->cfg->directory), 186);
    assert_int_equal(fx->cfg->mode, 0600);
    /* One more byte is too many. */
    p = text + sprintf(text, "[textfile]\ndirectory = /");
    memset(p, 'd', 186);
    strcpy(p + 186, "\nmode = 0600\n");
    expect_refused(fx, text, -E2BIG, 2, "198");
}

/* inih r55 would append an indented line to the previous value. */
static void config_load_refuses_continuation_line(void **state)
{
    fixture *fx = *state;

    expect_refused(fx,
                   "[textfile]\n"
                   "mode = 0600\n"
                   "directory = /srv\n"
                   "  /metrics\n",
                   -EINVAL, 4, "white space");
    expect_refused(fx,
                   "[labels]\n"
                   "site = a\n"
                   "; a comment between\n"
                   "\tb\n",
                   -EINVAL, 4, "white space");
    /* An indented section header after a key would continue the value
     * too; it is refused as such. */
    expect_refused(fx,
                   "[textfile]\n"
                   "mode = 0600\n"
                   "  [labels]\n",
                   -EINVAL, 3, "white space");
    /* An indented comment is still a comment. */
    assert_int_equal(load_text(fx,
                               "[textfile]\n"
                               "mode = 0600\n"
                               "    ; indented comment\n"
                               "\t# another\n"
                               "fsync = on\n",
                               NULL),
                     0);
    assert_int_equal(fx->cfg->mode, 0600);
    assert_true(fx->cfg->fsync);
}

static void config_load_refuses_nul_byte(void **state)
{
    static const char text[] = "[textfile]\n"
                               "interval = 1h\n"
                               "mode = 06\0"
                               "00\n"
                               "fsync = on\n";
    static const char text2[] = "[labels]\n"
                                "site = a\n"
                                "\0role = b\n";
    fixture *fx = *state;

    expect_refused_bytes(fx, text, sizeof(text) - 1, -EINVAL, 3, "NUL");
    expect_refused_bytes(fx, text2, sizeof(text2) - 1, -EINVAL, 3, "NUL");
}

static void config_load_refuses_bad_labels(void **state)
{
    fixture *fx = *state;

    expect_refused(fx, "[labels]\nsite = a\n__x = 1\n", -EINVAL, 3, "\"__x\"");
    expect_refused(fx, "[labels]\nsite = a\nle = 1\n", -EINVAL, 3, "\"le\"");
    expect_refused(fx, "[labels]\nsite = a\n1a = 1\n", -EINVAL, 3, "\"1a\"");
    expect_refused(fx, "[labels]\nsite = a\nrole = \xff\xfe\n", -EINVAL, 3,
                   "role");
    expect_refused(fx, "[labels]\nsite = a\nrole = \xc3\n", -EINVAL, 3, "role");
    expect_refused(fx, "[labels]\nsite = a\nrole = \xed\xa0\x80\n", -EINVAL, 3,
                   "role");
    /* An empty value would mean no label at all. */
    expect_refused(fx, "[labels]\nsite = a\nrole =\n", -EINVAL, 3, "empty");
    /* Valid UTF-8 is a valid value. */
    assert_int_equal(load_text(fx, "[labels]\ncity = Z\xc3\xbcrich\n", NULL),
                     0);
    assert_string_equal(fx->cfg->label_values[2], "Z\xc3\xbcrich");
}

static void config_load_refuses_missing_file(void **state)
{
    fixture *fx = *state;
    const pf_config *before;
    pf_error err;
    char path[192];

    load_good(fx);
    before = take_snapshot(fx->cfg);
    snprintf(path, sizeof(path), "%s/missing.conf", fx->dir);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, path, &err), -ENOENT);
    assert_int_equal(err.code, -ENOENT);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.source, path);
    assert_true(ends_with(err.source, "missing.conf"));
    assert_true(err.text[0] != '\0');
    assert_same_config(fx->cfg, before);
    /* A directory is not a file, and says so (issue 12, item 13). */
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, fx->dir, &err), -EISDIR);
    assert_int_equal(err.code, -EISDIR);
    assert_non_null(strstr(err.text, "is a directory"));
    assert_non_null(strstr(pf_last_error(), "is a directory"));
    assert_same_config(fx->cfg, before);
    /* Nor is a device, which could be read forever. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, "/dev/zero", &err), -EINVAL);
    assert_non_null(strstr(err.text, "not a regular file"));
    assert_same_config(fx->cfg, before);
    drop_snapshot();
}

/* Issue 12, item 8: what inih would silently ignore is an error, with its
 * line: text after a section name on its line, and CR-only line ends
 * (which make the whole file one line). */
static void config_load_refuses_what_inih_ignores(void **state)
{
    fixture *fx = *state;

    expect_refused(fx, "[textfile] interval = 1h\n", -EINVAL, 1,
                   "text after [textfile]");
    expect_refused(fx, "[process]\nenabled = no\n[textfile]interval = 1h\n",
                   -EINVAL, 3, "text after [textfile]");
    expect_refused(fx, "[textfile]\rfile = bad.txt\rinterval = 1h\r", -EINVAL,
                   1, "carriage return");
    expect_refused(fx, "[textfile]\ninterval = 1h\rmode = 0600\n", -EINVAL, 2,
                   "carriage return");
    /* A comment after the section is one. */
    assert_int_equal(
        load_text(fx, "[textfile] ; the file\ninterval = 2h\n", NULL), 0);
    assert_int_equal(fx->cfg->interval_ms, 2 * 3600 * 1000);
    assert_int_equal(
        load_text(fx, "[textfile]   # the file\r\ninterval = 3h\r\n", NULL), 0);
    assert_int_equal(fx->cfg->interval_ms, 3 * 3600 * 1000);
}

static void config_error_source_keeps_the_end_of_long_paths(void **state)
{
    fixture *fx = *state;
    char sub[256], path[320];
    pf_error err;
    size_t n;

    n = (size_t)snprintf(sub, sizeof(sub), "%s/", fx->dir);
    memset(sub + n, 's', 100);
    sub[n + 100] = '\0';
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof(path), "%s/promfile.conf", sub);
    write_text(path, "[textfile]\nmode = 9\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, path, &err), -EINVAL);
    assert_int_equal(err.line, 2);
    assert_int_equal(strlen(err.source), sizeof(err.source) - 1);
    assert_memory_equal(err.source, "...", 3);
    assert_true(ends_with(err.source, "sss/promfile.conf"));
    assert_true(ends_with(path, err.source + 3));
    assert_int_equal(fx->cfg->mode, 0644);
}

/* ---- Error reporting without reterr -------------------------------------- */

static void config_null_reterr_uses_last_error(void **state)
{
    fixture *fx = *state;
    char want[256];

    load_good(fx);
    assert_int_equal(load_text(fx,
                               "[textfile]\n"
                               "interval = 1h\n"
                               "intervall = 5s\n",
                               NULL),
                     -EINVAL);
    snprintf(want, sizeof(want),
             "%s:3: unknown key \"intervall\" in "
             "[textfile]",
             fx->path);
    assert_string_equal(pf_last_error(), want);
    assert_good(fx, fx->cfg);
    assert_int_equal(load_text(fx, "[textfile]\nmode = 0600\n[x]\n", NULL),
                     -EINVAL);
    snprintf(want, sizeof(want), "%s:3: ", fx->path);
    assert_memory_equal(pf_last_error(), want, strlen(want));
    assert_non_null(strstr(pf_last_error(), "[x]"));
    assert_int_equal(pf_config_set(fx->cfg, "textfile", "mode", "9", NULL),
                     -EINVAL);
    assert_non_null(strstr(pf_last_error(), "mode"));
    assert_good(fx, fx->cfg);
}

/* ---- Loading twice ------------------------------------------------------- */

static void config_second_load_overrides_only_its_keys(void **state)
{
    fixture *fx = *state;
    static const char *const want[] = {"site", "ams", "role", "edge",
                                       "dc",   "b",   NULL};
    pf_error err;

    load_good(fx);
    memset(&err, 0, sizeof(err));
    if (load_text(fx,
                  "[textfile]\n"
                  "interval = 5s\n"
                  "[labels]\n"
                  "role = edge\n"
                  "dc = b\n",
                  &err) != 0)
        fail_msg("line %u: %s", err.line, err.text);
    assert_string_equal(fx->cfg->directory, "/srv/metrics");
    assert_string_equal(fx->cfg->file, "good.prom");
    assert_int_equal(fx->cfg->interval_ms, 5000);
    assert_int_equal(fx->cfg->mode, 0640);
    assert_false(fx->cfg->fsync);
    assert_true(fx->cfg->fsync_dir);
    assert_true(fx->cfg->remove_on_exit);
    assert_labels(fx->cfg, want);
    assert_string_equal(fx->cfg->source, fx->path);
    /* The same file again is no duplicate either. */
    assert_int_equal(pf_config_load(fx->cfg, fx->path, &err), 0);
    assert_labels(fx->cfg, want);
    /* Nor is a label set by pf_config_set() and then by a file. */
    set_ok(fx->cfg, "labels", "zone", "1");
    assert_int_equal(load_text(fx, "[labels]\nzone = 2\n", &err), 0);
    assert_int_equal(fx->cfg->nlabels, 4);
    assert_string_equal(fx->cfg->label_values[3], "2");
}

static void on_write_error(int err, void *arg)
{
    UNUSED(err);
    UNUSED(arg);
    fail_msg("the error callback is never called by the configuration");
}

static void config_load_keeps_error_callback(void **state)
{
    fixture *fx = *state;
    int arg;

    assert_int_equal(
        pf_config_set_error_callback(fx->cfg, on_write_error, &arg), 0);
    assert_ptr_equal(fx->cfg->err_fn, on_write_error);
    assert_ptr_equal(fx->cfg->err_arg, &arg);
    load_good(fx);
    assert_ptr_equal(fx->cfg->err_fn, on_write_error);
    assert_ptr_equal(fx->cfg->err_arg, &arg);
    /* NULL removes it, and its argument. */
    assert_int_equal(pf_config_set_error_callback(fx->cfg, NULL, &arg), 0);
    assert_null(fx->cfg->err_fn);
    assert_null(fx->cfg->err_arg);
}

static void config_copy_is_deep_and_equal(void **state)
{
    fixture *fx = *state;
    pf_config copy;

    load_good(fx);
    assert_int_equal(pf__config_copy(fx->cfg, &copy), 0);
    assert_same_config(&copy, fx->cfg);
    assert_ptr_not_equal(copy.directory, fx->cfg->directory);
    assert_ptr_not_equal(copy.label_names, fx->cfg->label_names);
    assert_ptr_not_equal(copy.label_values[0], fx->cfg->label_values[0]);
    pf__config_clear(&copy);
    assert_null(copy.directory);
    assert_int_equal(copy.nlabels, 0);
    assert_good(fx, fx->cfg);
}

/* ---- PROMFILE_CONFIG ----------------------------------------------------- */

static void config_load_null_path_reads_promfile_config(void **state)
{
    fixture *fx = *state;
    pf_error err;

    assert_int_equal(setenv("PROMFILE_CONFIG", fx->good, 1), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, NULL, &err), 0);
    assert_good(fx, fx->cfg);
    /* Its errors name that file. */
    write_text(fx->path, "[textfile]\nmode = 0600\nfsync = x\n");
    assert_int_equal(setenv("PROMFILE_CONFIG", fx->path, 1), 0);
    assert_int_equal(pf_config_load(fx->cfg, NULL, &err), -EINVAL);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.source, fx->path);
    assert_good(fx, fx->cfg);
}

static void config_load_null_path_without_promfile_config(void **state)
{
    fixture *fx = *state;
    pf_error err;

    load_good(fx);
    assert_int_equal(unsetenv("PROMFILE_CONFIG"), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_load(fx->cfg, NULL, &err), -ENOENT);
    assert_int_equal(err.code, -ENOENT);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.text, "PROMFILE_CONFIG"));
    assert_good(fx, fx->cfg);
    /* Set but empty is the same. */
    assert_int_equal(setenv("PROMFILE_CONFIG", "", 1), 0);
    assert_int_equal(pf_config_load(fx->cfg, NULL, &err), -ENOENT);
    assert_int_equal(err.line, 0);
    assert_good(fx, fx->cfg);
}

/* pf_writer_start_ini() hands the load error back and starts nothing. */
static void config_writer_start_ini_reports_load_errors(void **state)
{
    fixture *fx = *state;
    pf_writer *w = (pf_writer *)fx;
    pf_registry *reg;
    char path[192];
    pf_error err;

    assert_int_equal(pf_registry_new(&reg), 0);
    snprintf(path, sizeof(path), "%s/missing.conf", fx->dir);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_writer_start_ini(reg, path, &err, &w), -ENOENT);
    assert_ptr_equal(w, fx);
    assert_int_equal(err.code, -ENOENT);
    assert_int_equal(err.line, 0);
    write_text(fx->path, "[textfile]\ninterval = 1x\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_writer_start_ini(reg, fx->path, &err, &w), -EINVAL);
    assert_ptr_equal(w, fx);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.source, fx->path);
    assert_non_null(strstr(err.text, "interval"));
    pf_registry_free(reg);
}

/* ---- Accepted syntax ----------------------------------------------------- */

static void config_load_accepts_comments_and_blank_lines(void **state)
{
    fixture *fx = *state;
    static const char *const want[] = {"site", "ams", "role", "mx", NULL};
    pf_error err;

    memset(&err, 0, sizeof(err));
    if (load_text(fx,
                  "; promfile.conf\n"
                  "# written by hand\n"
                  "\n"
                  "   \n"
                  "[textfile] ; the writer\n"
                  "interval = 2m ; every two minutes\n"
                  "mode=0600\n"
                  "file\t=\tinline.prom\t; with tabs\n"
                  "\n"
                  "[labels]\n"
                  "# no labels yet\n"
                  "site = ams ; Amsterdam\n"
                  "role = mx",
                  &err) != 0)
        fail_msg("line %u: %s", err.line, err.text);
    assert_int_equal(fx->cfg->interval_ms, 120000);
    assert_int_equal(fx->cfg->mode, 0600);
    assert_string_equal(fx->cfg->file, "inline.prom");
    assert_labels(fx->cfg, want);
    /* An empty file changes nothing but the source. */
    load_good(fx);
    assert_int_equal(load_text(fx, "", NULL), 0);
    assert_string_equal(fx->cfg->source, fx->path);
    assert_int_equal(fx->cfg->interval_ms, 30000);
    assert_labels(fx->cfg, good_labels);
}

static void config_load_accepts_crlf_and_bom(void **state)
{
    fixture *fx = *state;
    static const char *const want[] = {"site", "fra", NULL};
    pf_error err;

    memset(&err, 0, sizeof(err));
    if (load_text(fx,
                  "\xEF\xBB\xBF[textfile]\r\n"
                  "; comment\r\n"
                  "\r\n"
                  "interval = 1h\r\n"
                  "fsync = off ; no\r\n"
                  "file = crlf.prom\r\n"
                  "[labels]\r\n"
                  "site = fra\r\n",
                  &err) != 0)
        fail_msg("line %u: %s", err.line, err.text);
    assert_int_equal(fx->cfg->interval_ms, 3600000);
    assert_false(fx->cfg->fsync);
    assert_string_equal(fx->cfg->file, "crlf.prom");
    assert_labels(fx->cfg, want);
    /* A BOM before a comment, and errors still have their lines. */
    expect_refused(fx,
                   "\xEF\xBB\xBF; comment\r\n"
                   "[textfile]\r\n"
                   "mode = 0600\r\n"
                   "nokey = 1\r\n",
                   -EINVAL, 4, "nokey");
}

/* ---- Bad arguments ------------------------------------------------------- */

static void config_null_arguments_are_refused(void **state)
{
    fixture *fx = *state;
    pf_error err;

    load_good(fx);
    memset(&err, 0, sizeof(err));
    assert_int_equal(pf_config_set(NULL, "textfile", "mode", "0600", &err),
                     -EINVAL);
    assert_int_equal(err.code, -EINVAL);
    assert_int_equal(pf_config_set(fx->cfg, NULL, "mode", "0600", &err),
                     -EINVAL);
    assert_int_equal(pf_config_set(fx->cfg, "textfile", NULL, "0600", &err),
                     -EINVAL);
    assert_int_equal(pf_config_set(fx->cfg, "textfile", "mode", NULL, &err),
                     -EINVAL);
    assert_int_equal(pf_config_set(fx->cfg, "labels", NULL, "x", NULL),
                     -EINVAL);
    expect_set_refused_msg(fx->cfg, "bogus", "mode", "0600", "[bogus]");
    expect_set_refused_msg(fx->cfg, "", "mode", "0600", "[]");
    expect_set_refused_msg(fx->cfg, "TEXTFILE", "mode", "0600", "[TEXTFILE]");
    assert_int_equal(pf_config_load(NULL, fx->good, &err), -EINVAL);
    assert_int_equal(err.code, -EINVAL);
    assert_null(pf_config_free(NULL));
    assert_int_equal(pf_config_set_error_callback(NULL, NULL, NULL), -EINVAL);
    assert_int_equal(pf_config_set_error_callback(NULL, on_write_error, fx),
                     -EINVAL);
    assert_good(fx, fx->cfg);
}

/* ---- Out of memory ------------------------------------------------------- */

static const char oom_conf[] = "[textfile]\n"
                               "directory = /srv/oom\n"
                               "file = oom.prom\n"
                               "interval = 5s\n"
                               "mode = 0600\n"
                               "fsync = off\n"
                               "[labels]\n"
                               "site = fra\n"
                               "zone = b\n";

/* Load oom_conf with the n-th allocation failing, for n = 1, 2, ...,
 * into a default configuration or (preload) one loaded from good.conf. */
static void run_load_oom(fixture *fx, bool preload)
{
    static const char *const fresh[] = {"site", "fra", "zone", "b", NULL};
    static const char *const merged[] = {"site", "fra", "role", "mx",
                                         "zone", "b",   NULL};
    long n;

    write_bytes(fx->path, oom_conf, sizeof(oom_conf) - 1);
    for (n = 1;; n++) {
        const pf_config *before;
        pf_config *cfg;
        pf_error err;
        long live, attempts;
        int r;

        assert_int_equal(pf_config_new(&fx->extra), 0);
        cfg = fx->extra;
        if (preload)
            assert_int_equal(pf_config_load(cfg, fx->good, NULL), 0);
        before = take_snapshot(cfg);
        live = pf__alloc_live();
        memset(&err, 0, sizeof(err));
        pf__alloc_fail_nth(n);
        r = pf_config_load(cfg, fx->path, &err);
        attempts = pf__alloc_fail_nth(0);
        if (attempts < n) {
            /* The failure was never reached: the load is done. */
            if (r != 0)
                fail_msg("line %u: %s", err.line, err.text);
            assert_string_equal(cfg->directory, "/srv/oom");
            assert_string_equal(cfg->file, "oom.prom");
            assert_int_equal(cfg->interval_ms, 5000);
            assert_int_equal(cfg->mode, 0600);
            assert_false(cfg->fsync);
            assert_labels(cfg, preload ? merged : fresh);
            drop_snapshot();
            fx->extra = pf_config_free(cfg);
            break;
        }
        if (r != -ENOMEM)
            fail_msg("allocation %ld failed but the load returned %d: %s", n, r,
                     err.text);
        assert_int_equal(err.code, -ENOMEM);
        assert_same_config(cfg, before);
        if (pf__alloc_live() != live)
            fail_msg("allocation %ld failed: %ld blocks leaked", n,
                     pf__alloc_live() - live);
        drop_snapshot();
        fx->extra = pf_config_free(cfg);
    }
    /* Every key and label allocates: there were many failure points. */
    assert_true(n > 8);
    print_message("# load %s: succeeded after %ld failing runs\n",
                  preload ? "over good.conf" : "into defaults", n - 1);
}

static void config_load_out_of_memory(void **state)
{
    fixture *fx = *state;

    run_load_oom(fx, false);
    run_load_oom(fx, true);
}

static void config_new_and_set_out_of_memory(void **state)
{
    fixture *fx = *state;
    pf_config *cfg = (pf_config *)fx;
    static const char *const set[][3] = {
        {"labels", "new", "v"},
        {"labels", "site", "replaced"},
        {"textfile", "directory", "/srv/new"},
        {"textfile", "file", "new.prom"},
    };

    pf__alloc_fail_nth(1);
    assert_int_equal(pf_config_new(&cfg), -ENOMEM);
    pf__alloc_fail_nth(0);
    assert_ptr_equal(cfg, fx);
    load_good(fx);
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        for (long n = 1;; n++) {
            const pf_config *before;
            long live, attempts;
            int r;

            before = take_snapshot(fx->cfg);
            live = pf__alloc_live();
            pf__alloc_fail_nth(n);
            r = pf_config_set(fx->cfg, set[i][0], set[i][1], set[i][2], NULL);
            attempts = pf__alloc_fail_nth(0);
            if (attempts < n) {
                assert_int_equal(r, 0);
                drop_snapshot();
                break;
            }
            assert_int_equal(r, -ENOMEM);
            assert_same_config(fx->cfg, before);
            assert_int_equal(pf__alloc_live(), live);
            drop_snapshot();
        }
    }
    assert_string_equal(fx->cfg->directory, "/srv/new");
    assert_string_equal(fx->cfg->file, "new.prom");
    assert_int_equal(fx->cfg->nlabels, 3);
    assert_string_equal(fx->cfg->label_values[0], "replaced");
    assert_string_equal(fx->cfg->label_names[2], "new");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(config_new_has_every_default),
        T(config_new_refuses_null),
        T(config_load_sets_every_key),
        T(config_load_sets_the_opposite_values),
        T(config_labels_keep_file_order),
        T(config_set_sets_every_key),
        T(config_set_refuses_bad_keys_and_values),
        T(config_duration_parses_prometheus_durations),
        T(config_duration_refuses_malformed),
        T(config_interval_refuses_out_of_range),
        T(config_interval_is_checked_in_files_too),
        T(config_mode_takes_octal_up_to_0777),
        T(config_booleans_take_six_words_in_any_case),
        T(config_file_must_be_a_prom_name),
        T(config_shared_keys_from_file_and_set),
        T(config_shared_refuses_bad_values),
        T(config_load_refuses_unknown_key),
        T(config_load_refuses_unknown_section),
        T(config_load_refuses_empty_unknown_section),
        T(config_load_refuses_empty_unknown_section_after_bom),
        T(config_load_refuses_key_before_section),
        T(config_load_refuses_duplicate_keys),
        T(config_load_refuses_bad_value),
        T(config_load_refuses_syntax_error),
        T(config_load_reports_first_error),
        T(config_load_refuses_long_line),
        T(config_load_takes_198_byte_line),
        T(config_load_refuses_continuation_line),
        T(config_load_refuses_nul_byte),
        T(config_load_refuses_bad_labels),
        T(config_load_refuses_what_inih_ignores),
        T(config_load_refuses_missing_file),
        T(config_error_source_keeps_the_end_of_long_paths),
        T(config_null_reterr_uses_last_error),
        T(config_second_load_overrides_only_its_keys),
        T(config_load_keeps_error_callback),
        T(config_copy_is_deep_and_equal),
        T(config_load_null_path_reads_promfile_config),
        T(config_load_null_path_without_promfile_config),
        T(config_writer_start_ini_reports_load_errors),
        T(config_load_accepts_comments_and_blank_lines),
        T(config_load_accepts_crlf_and_bom),
        T(config_null_arguments_are_refused),
        T(config_load_out_of_memory),
        T(config_new_and_set_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
