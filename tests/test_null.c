/* SPDX-License-Identifier: MIT */
/*
 * NULL for every pointer argument of every public function (issue 12):
 * each call runs in a child process of its own, so that a crash is
 * reported as the signal it was, and must return what promfile.h
 * documents -- -EINVAL for a pointer the call needs, the documented
 * meaning (the default registry, no labels, no error report, ...) for
 * one that may be NULL. A last test makes sure that every symbol of
 * src/libpromfile.sym has at least one case here.
 */
#include "pf-test.h"

#include <signal.h>
#include <sys/wait.h>

/* The objects a case needs, made fresh in each child. */
typedef struct fixture {
    pf_registry *reg;
    pf_family *cf, *gf, *hf; /* one label "k" each */
    pf_counter *c;
    pf_gauge *g;
    pf_histogram *h;
    pf_config *cfg;
    char dir[64];
} fixture;

static double one(void *arg)
{
    (void)arg;
    return 1;
}

static void fixture_make(fixture *x)
{
    static const char *const k[] = {"k", NULL};

    memset(x, 0, sizeof(*x));
    if (pf_registry_new(&x->reg) < 0 ||
        pf_counter_family_new(x->reg, "n_c_total", "C.", k, &x->cf) < 0 ||
        pf_gauge_family_new(x->reg, "n_level", "G.", k, &x->gf) < 0 ||
        pf_histogram_family_new(x->reg, "n_latency", "H.", k, NULL, 0, &x->hf) <
            0 ||
        pf_counter_with_labels(x->cf, &x->c, "a", NULL) < 0 ||
        pf_gauge_with_labels(x->gf, &x->g, "a", NULL) < 0 ||
        pf_histogram_with_labels(x->hf, &x->h, "a", NULL) < 0 ||
        pf_config_new(&x->cfg) < 0)
        _exit(90);
    snprintf(x->dir, sizeof(x->dir), "/tmp/pf-null.XXXXXX");
    if (!mkdtemp(x->dir) ||
        pf_config_set(x->cfg, "textfile", "directory", x->dir, NULL) < 0 ||
        pf_config_set(x->cfg, "textfile", "file", "n.prom", NULL) < 0 ||
        pf_config_set(x->cfg, "process", "enabled", "false", NULL) < 0)
        _exit(91);
}

/* pf_writer_start(reg, NULL, &w): every default, so the file is
 * <program>.prom in Debian's directory; remove it again if it was not
 * there before (the test must leave nothing behind). */
static long start_with_defaults(fixture *x)
{
    const char *path = PF_DEFAULT_DIRECTORY "/test_null.prom";
    bool existed = access(path, F_OK) == 0;
    pf_writer *w;
    int r = pf_writer_start(x->reg, NULL, &w);

    if (r == 0)
        pf_writer_stop(w);
    if (!existed)
        unlink(path);
    return r;
}

/* What a case expects of the call's return value. */
enum want { EINVAL_, OK_ };

typedef struct ncase {
    const char *fn;  /* the public function called */
    const char *arg; /* the argument that is NULL */
    enum want want;
    long (*call)(fixture *x);
} ncase;

/* Each case is one call; the result is returned as a long so that the
 * functions returning a pointer or a size fit too (non-NULL, >= 0: OK). */
#define CASE(fn, arg, want, expr)                                              \
    static long case_##fn##_##arg(fixture *x)                                  \
    {                                                                          \
        (void)x;                                                               \
        return (long)(expr);                                                   \
    }
#define ENTRY(fn, arg, want, expr) {#fn, #arg, want, case_##fn##_##arg},

/* The cases, as one list expanded twice: into functions, then into the
 * table. */
/* clang-format off */
#define CASES(X)                                                           \
    X(pf_registry_new, ret, EINVAL_, pf_registry_new(NULL))                \
    X(pf_registry_free, reg, OK_, (pf_registry_free(NULL), 0))             \
    X(pf_registry_default, none, OK_, pf_registry_default() ? 0 : -1)      \
    X(pf_registry_set_label, reg, OK_,                                     \
      pf_registry_set_label(NULL, "site", "x"))                            \
    X(pf_registry_set_label, name, EINVAL_,                                \
      pf_registry_set_label(x->reg, NULL, "x"))                            \
    X(pf_registry_set_label, value, OK_,                                   \
      pf_registry_set_label(x->reg, "site", NULL))                         \
    X(pf_registry_render, retbuf, EINVAL_,                                 \
      pf_registry_render(x->reg, NULL, NULL))                              \
    X(pf_registry_render, retlen, OK_, ({                                  \
          char *t = NULL;                                                  \
          int r_ = pf_registry_render(x->reg, &t, NULL);                   \
          free(t);                                                         \
          r_;                                                              \
      }))                                                                  \
    X(pf_registry_render, reg, OK_, ({                                     \
          char *t = NULL;                                                  \
          int r_ = pf_registry_render(NULL, &t, NULL);                     \
          free(t);                                                         \
          r_;                                                              \
      }))                                                                  \
    X(pf_registry_render_file, f, EINVAL_,                                 \
      pf_registry_render_file(x->reg, NULL))                               \
    X(pf_registry_set_max_series, reg, OK_,                                \
      pf_registry_set_max_series(NULL, 10))                                \
    X(pf_registry_set_value_policy, reg, OK_,                              \
      pf_registry_set_value_policy(NULL, 0, 0))                            \
    X(pf_registry_write_textfile, dir, EINVAL_,                            \
      pf_registry_write_textfile(x->reg, NULL, "a.prom", 0, 0))            \
    X(pf_registry_write_textfile, file, EINVAL_,                           \
      pf_registry_write_textfile(x->reg, x->dir, NULL, 0, 0))              \
    X(pf_counter_family_new, name, EINVAL_,                                \
      pf_counter_family_new(x->reg, NULL, "H.", NULL, NULL))               \
    X(pf_counter_family_new, help, EINVAL_,                                \
      pf_counter_family_new(x->reg, "n_x_total", NULL, NULL, NULL))        \
    X(pf_counter_family_new, labels, OK_,                                  \
      pf_counter_family_new(x->reg, "n_x_total", "H.", NULL, NULL))        \
    X(pf_counter_family_new, ret, OK_,                                     \
      pf_counter_family_new(NULL, "n_x_total", "H.", NULL, NULL))          \
    X(pf_counter_family_new_sharded, name, EINVAL_,                        \
      pf_counter_family_new_sharded(x->reg, NULL, "H.", NULL, NULL))       \
    X(pf_counter_family_new_sharded, help, EINVAL_,                        \
      pf_counter_family_new_sharded(x->reg, "n_x_total", NULL, NULL,       \
                                    NULL))                                 \
    X(pf_counter_family_new_sharded, ret, OK_,                             \
      pf_counter_family_new_sharded(x->reg, "n_x_total", "H.", NULL,       \
                                    NULL))                                 \
    X(pf_gauge_family_new, name, EINVAL_,                                  \
      pf_gauge_family_new(x->reg, NULL, "H.", NULL, NULL))                 \
    X(pf_gauge_family_new, help, EINVAL_,                                  \
      pf_gauge_family_new(x->reg, "n_x", NULL, NULL, NULL))                \
    X(pf_gauge_family_new, ret, OK_,                                       \
      pf_gauge_family_new(x->reg, "n_x", "H.", NULL, NULL))                \
    X(pf_histogram_family_new, name, EINVAL_,                              \
      pf_histogram_family_new(x->reg, NULL, "H.", NULL, NULL, 0, NULL))    \
    X(pf_histogram_family_new, help, EINVAL_,                              \
      pf_histogram_family_new(x->reg, "n_x", NULL, NULL, NULL, 0, NULL))   \
    X(pf_histogram_family_new, buckets, EINVAL_,                           \
      pf_histogram_family_new(x->reg, "n_x", "H.", NULL, NULL, 3, NULL))   \
    X(pf_histogram_family_new, ret, OK_,                                   \
      pf_histogram_family_new(x->reg, "n_x", "H.", NULL, NULL, 0, NULL))   \
    X(pf_counter_func_new, name, EINVAL_,                                  \
      pf_counter_func_new(x->reg, NULL, "H.", one, NULL, NULL))            \
    X(pf_counter_func_new, help, EINVAL_,                                  \
      pf_counter_func_new(x->reg, "n_x_total", NULL, one, NULL, NULL))     \
    X(pf_counter_func_new, fn, EINVAL_,                                    \
      pf_counter_func_new(x->reg, "n_x_total", "H.", NULL, NULL, NULL))    \
    X(pf_counter_func_new, ret, OK_,                                       \
      pf_counter_func_new(x->reg, "n_x_total", "H.", one, NULL, NULL))     \
    X(pf_gauge_func_new, name, EINVAL_,                                    \
      pf_gauge_func_new(x->reg, NULL, "H.", one, NULL, NULL))              \
    X(pf_gauge_func_new, help, EINVAL_,                                    \
      pf_gauge_func_new(x->reg, "n_x", NULL, one, NULL, NULL))             \
    X(pf_gauge_func_new, fn, EINVAL_,                                      \
      pf_gauge_func_new(x->reg, "n_x", "H.", NULL, NULL, NULL))            \
    X(pf_family_delete, fam, EINVAL_, pf_family_delete(NULL, NULL))        \
    X(pf_family_delete, values, EINVAL_, pf_family_delete(x->cf, NULL))    \
    X(pf_family_delete_labels, fam, EINVAL_,                               \
      pf_family_delete_labels(NULL, "a", NULL))                            \
    X(pf_family_clear, fam, EINVAL_, pf_family_clear(NULL))                \
    X(pf_family_set_max_series, fam, EINVAL_,                              \
      pf_family_set_max_series(NULL, 1))                                   \
    X(pf_counter_new, ret, EINVAL_,                                        \
      pf_counter_new(x->reg, "n_x_total", "H.", NULL))                     \
    X(pf_counter_new, name, EINVAL_, ({                                    \
          pf_counter *c_;                                                  \
          pf_counter_new(x->reg, NULL, "H.", &c_);                         \
      }))                                                                  \
    X(pf_counter_with, fam, EINVAL_, ({                                    \
          pf_counter *c_;                                                  \
          pf_counter_with(NULL, (const char *[]){"a", NULL}, &c_);         \
      }))                                                                  \
    X(pf_counter_with, values, EINVAL_, ({                                 \
          pf_counter *c_;                                                  \
          pf_counter_with(x->cf, NULL, &c_);                               \
      }))                                                                  \
    X(pf_counter_with, ret, EINVAL_,                                       \
      pf_counter_with(x->cf, (const char *[]){"a", NULL}, NULL))           \
    X(pf_counter_with_labels, fam, EINVAL_, ({                             \
          pf_counter *c_;                                                  \
          pf_counter_with_labels(NULL, &c_, "a", NULL);                    \
      }))                                                                  \
    X(pf_counter_with_labels, ret, EINVAL_,                                \
      pf_counter_with_labels(x->cf, NULL, "a", NULL))                      \
    X(pf_counter_with_labels, ret_new, EINVAL_,                            \
      pf_counter_with_labels(x->cf, NULL, "new", NULL))                    \
    X(pf_counter_inc, c, EINVAL_, pf_counter_inc(NULL))                    \
    X(pf_counter_add, c, EINVAL_, pf_counter_add(NULL, 1))                 \
    X(pf_counter_add_u64, c, EINVAL_, pf_counter_add_u64(NULL, 1))         \
    X(pf_counter_value, c, EINVAL_, ({                                     \
          double v_;                                                       \
          pf_counter_value(NULL, &v_);                                     \
      }))                                                                  \
    X(pf_counter_value, ret, EINVAL_, pf_counter_value(x->c, NULL))        \
    X(pf_counter_inc_labels, fam, EINVAL_,                                 \
      pf_counter_inc_labels(NULL, "a", NULL))                              \
    X(pf_counter_add_labels, fam, EINVAL_,                                 \
      pf_counter_add_labels(NULL, 1.0, "a", NULL))                         \
    X(pf_gauge_new, ret, EINVAL_, pf_gauge_new(x->reg, "n_x", "H.", NULL)) \
    X(pf_gauge_with, fam, EINVAL_, ({                                      \
          pf_gauge *g_;                                                    \
          pf_gauge_with(NULL, (const char *[]){"a", NULL}, &g_);           \
      }))                                                                  \
    X(pf_gauge_with, ret, EINVAL_,                                         \
      pf_gauge_with(x->gf, (const char *[]){"a", NULL}, NULL))             \
    X(pf_gauge_with_labels, fam, EINVAL_, ({                               \
          pf_gauge *g_;                                                    \
          pf_gauge_with_labels(NULL, &g_, "a", NULL);                      \
      }))                                                                  \
    X(pf_gauge_with_labels, ret, EINVAL_,                                  \
      pf_gauge_with_labels(x->gf, NULL, "a", NULL))                        \
    X(pf_gauge_with_labels, ret_new, EINVAL_,                              \
      pf_gauge_with_labels(x->gf, NULL, "new", NULL))                      \
    X(pf_gauge_set, g, EINVAL_, pf_gauge_set(NULL, 1))                     \
    X(pf_gauge_inc, g, EINVAL_, pf_gauge_inc(NULL))                        \
    X(pf_gauge_dec, g, EINVAL_, pf_gauge_dec(NULL))                        \
    X(pf_gauge_add, g, EINVAL_, pf_gauge_add(NULL, 1))                     \
    X(pf_gauge_sub, g, EINVAL_, pf_gauge_sub(NULL, 1))                     \
    X(pf_gauge_set_to_current_time, g, EINVAL_,                            \
      pf_gauge_set_to_current_time(NULL))                                  \
    X(pf_gauge_value, g, EINVAL_, ({                                       \
          double v_;                                                       \
          pf_gauge_value(NULL, &v_);                                       \
      }))                                                                  \
    X(pf_gauge_value, ret, EINVAL_, pf_gauge_value(x->g, NULL))            \
    X(pf_gauge_set_labels, fam, EINVAL_,                                   \
      pf_gauge_set_labels(NULL, 1.0, "a", NULL))                           \
    X(pf_gauge_add_labels, fam, EINVAL_,                                   \
      pf_gauge_add_labels(NULL, 1.0, "a", NULL))                           \
    X(pf_gauge_inc_labels, fam, EINVAL_,                                   \
      pf_gauge_inc_labels(NULL, "a", NULL))                                \
    X(pf_gauge_dec_labels, fam, EINVAL_,                                   \
      pf_gauge_dec_labels(NULL, "a", NULL))                                \
    X(pf_histogram_new, ret, EINVAL_,                                      \
      pf_histogram_new(x->reg, "n_x", "H.", NULL, 0, NULL))                \
    X(pf_histogram_with, fam, EINVAL_, ({                                  \
          pf_histogram *h_;                                                \
          pf_histogram_with(NULL, (const char *[]){"a", NULL}, &h_);       \
      }))                                                                  \
    X(pf_histogram_with, ret, EINVAL_,                                     \
      pf_histogram_with(x->hf, (const char *[]){"a", NULL}, NULL))         \
    X(pf_histogram_with_labels, fam, EINVAL_, ({                           \
          pf_histogram *h_;                                                \
          pf_histogram_with_labels(NULL, &h_, "a", NULL);                  \
      }))                                                                  \
    X(pf_histogram_with_labels, ret, EINVAL_,                              \
      pf_histogram_with_labels(x->hf, NULL, "a", NULL))                    \
    X(pf_histogram_with_labels, ret_new, EINVAL_,                          \
      pf_histogram_with_labels(x->hf, NULL, "new", NULL))                  \
    X(pf_histogram_observe, h, EINVAL_, pf_histogram_observe(NULL, 1))     \
    X(pf_histogram_observe_labels, fam, EINVAL_,                           \
      pf_histogram_observe_labels(NULL, 1.0, "a", NULL))                   \
    X(pf_buckets_default, ret, OK_, pf_buckets_default(NULL) == 11 ? 0 : -1) \
    X(pf_buckets_linear, ret, EINVAL_, pf_buckets_linear(1, 1, 3, NULL))   \
    X(pf_buckets_exponential, ret, EINVAL_,                                \
      pf_buckets_exponential(1, 2, 3, NULL))                               \
    X(pf_process_metrics_register, program, OK_,                           \
      pf_process_metrics_register(x->reg, NULL))                           \
    X(pf_build_info_register, prefix, EINVAL_,                             \
      pf_build_info_register(x->reg, NULL, NULL, NULL))                    \
    X(pf_build_info_register, labels, EINVAL_,                             \
      pf_build_info_register(x->reg, "n", NULL,                            \
                             (const char *[]){"v1", NULL}))                \
    X(pf_build_info_register, values, EINVAL_,                             \
      pf_build_info_register(x->reg, "n", (const char *[]){"version", NULL}, \
                             NULL))                                        \
    X(pf_build_info_register, both, OK_,                                   \
      pf_build_info_register(x->reg, "n", NULL, NULL))                     \
    X(pf_config_new, ret, EINVAL_, pf_config_new(NULL))                    \
    X(pf_config_free, cfg, OK_, (pf_config_free(NULL), 0))                 \
    X(pf_config_load, cfg, EINVAL_, pf_config_load(NULL, "/x.ini", NULL))  \
    X(pf_config_load, reterr, EINVAL_, ({                                  \
          pf_config_load(x->cfg, "/nonexistent/x.ini", NULL) == -ENOENT    \
              ? -EINVAL                                                    \
              : 0;                                                         \
      }))                                                                  \
    X(pf_config_set, cfg, EINVAL_,                                         \
      pf_config_set(NULL, "textfile", "interval", "5s", NULL))             \
    X(pf_config_set, section, EINVAL_,                                     \
      pf_config_set(x->cfg, NULL, "interval", "5s", NULL))                 \
    X(pf_config_set, key, EINVAL_,                                         \
      pf_config_set(x->cfg, "textfile", NULL, "5s", NULL))                 \
    X(pf_config_set, value, EINVAL_,                                       \
      pf_config_set(x->cfg, "textfile", "interval", NULL, NULL))           \
    X(pf_config_set_error_callback, cfg, EINVAL_,                          \
      pf_config_set_error_callback(NULL, NULL, NULL))                      \
    X(pf_config_set_error_callback, fn, OK_,                               \
      pf_config_set_error_callback(x->cfg, NULL, NULL))                    \
    X(pf_writer_start, ret, EINVAL_, pf_writer_start(x->reg, x->cfg, NULL)) \
    X(pf_writer_start, cfg, OK_, start_with_defaults(x))                   \
    X(pf_writer_start_ini, ret, EINVAL_,                                   \
      pf_writer_start_ini(x->reg, NULL, NULL, NULL))                       \
    X(pf_writer_start_ini, reterr, EINVAL_,                                \
      pf_writer_start_ini(x->reg, "/nonexistent/x.ini", NULL,              \
                          &(pf_writer *){NULL}) == -ENOENT                 \
          ? -EINVAL                                                        \
          : 0)                                                             \
    X(pf_writer_flush, w, EINVAL_, pf_writer_flush(NULL))                  \
    X(pf_writer_last_error, w, EINVAL_, pf_writer_last_error(NULL))        \
    X(pf_writer_stop, w, EINVAL_, pf_writer_stop(NULL))                    \
    X(pf_registry_new_shared, ret, EINVAL_, pf_registry_new_shared(NULL, NULL)) \
    X(pf_registry_new_shared, cfg, OK_, ({                                 \
          pf_registry *r2_;                                                \
          int r_ = pf_registry_new_shared(NULL, &r2_);                     \
          if (r_ == 0)                                                     \
              pf_registry_free(r2_);                                       \
          r_;                                                              \
      }))                                                                  \
    X(pf_registry_shared_fd, reg, EINVAL_, pf_registry_shared_fd(NULL))    \
    X(pf_registry_attach_fd, ret, EINVAL_, pf_registry_attach_fd(0, NULL)) \
    X(pf_registry_worker, reg, EINVAL_, pf_registry_worker(NULL))          \
    X(pf_gauge_family_new_mode, name, EINVAL_,                             \
      pf_gauge_family_new_mode(x->reg, NULL, "H.", NULL, PF_GAUGE_SUM, NULL)) \
    X(pf_gauge_family_new_mode, help, EINVAL_,                             \
      pf_gauge_family_new_mode(x->reg, "n_x", NULL, NULL, PF_GAUGE_SUM, NULL)) \
    X(pf_gauge_family_new_mode, ret, OK_,                                  \
      pf_gauge_family_new_mode(x->reg, "n_x", "H.", NULL, PF_GAUGE_SUM, NULL)) \
    X(pf_strerror, none, OK_, pf_strerror(-EINVAL) ? 0 : -1)               \
    X(pf_last_error, none, OK_, pf_last_error() ? 0 : -1)                  \
    X(pf_version, none, OK_, pf_version() ? 0 : -1)

/* clang-format on */
CASES(CASE)

static const ncase cases[] = {CASES(ENTRY)};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Run case i in a child: exit 0 if the result is what is wanted, 1 if
 * not (the result is printed), else the child died of a signal. */
static bool run_case(const ncase *c)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    fixture x;
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        long r;

        /* cmocka catches these to report a failed test; here they must
         * kill the child, so that the parent sees the signal. */
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        fixture_make(&x);
        r = c->call(&x);
        test_remove_tree(x.dir);
        if (c->want == EINVAL_ ? r == -EINVAL : r >= 0)
            _exit(0);
        fprintf(stderr, "%s(%s = NULL) returned %ld\n", c->fn, c->arg, r);
        _exit(1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
        print_error("%s(%s = NULL) died of signal %d (%s)\n", c->fn, c->arg,
                    WTERMSIG(status), strsignal(WTERMSIG(status)));
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        print_error("%s(%s = NULL): child exited %d\n", c->fn, c->arg,
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    }
    return true;
}

static void null_every_pointer_argument(void **state)
{
    unsigned bad = 0;

    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        bad += !run_case(&cases[i]);
    if (bad)
        fail_msg("%u of %zu NULL cases failed", bad, NCASES);
}

/* Every exported symbol has a case. */
static void null_cases_cover_the_abi(void **state)
{
    char path[4096], line[256];
    const char *srcdir = getenv("srcdir");
    unsigned nsyms = 0;
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/src/libpromfile.sym",
             srcdir ? srcdir : ".");
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char sym[128];
        bool found = false;

        if (sscanf(line, " %127[a-z0-9_];", sym) != 1 ||
            strncmp(sym, "pf_", 3) != 0)
            continue;
        nsyms++;
        for (size_t i = 0; i < NCASES && !found; i++)
            found = strcmp(cases[i].fn, sym) == 0;
        if (!found) {
            fclose(f);
            fail_msg("%s has no NULL case in tests/test_null.c", sym);
        }
    }
    fclose(f);
    assert_true(nsyms >= 65);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_every_pointer_argument),
        cmocka_unit_test(null_cases_cover_the_abi),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
