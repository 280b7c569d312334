/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the cmocka unit tests. Each test file includes this
 * once; everything here is static.
 */
#ifndef PF_TEST_H
#define PF_TEST_H

#include "pf-internal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#define UNUSED(x) (void)(x)

/* GCC 12 sees a "dangling pointer" into a heap buffer that is still live
 * when a pointer into render_text()'s result meets cmocka's longjmp-based
 * failure paths; the warning is wrong there, and only there. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

/* Render `reg` and return the text (the caller frees it); fails the test
 * if rendering fails. */
static inline char *render_text(pf_registry *reg)
{
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(pf_registry_render(reg, &text, &len), 0);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

/* Render `reg` and compare with `want`, showing both when they differ. */
static inline void assert_render(pf_registry *reg, const char *want)
{
    char *text = render_text(reg);

    if (strcmp(text, want) != 0) {
        print_error("--- expected\n%s--- rendered\n%s---\n", want, text);
        free(text);
        fail_msg("rendered text differs");
    }
    free(text);
}

/* The path of tests/data/NAME in the source tree. */
static inline void data_path(char *buf, size_t size, const char *name)
{
    const char *srcdir = getenv("srcdir");

    snprintf(buf, size, "%s/tests/data/%s", srcdir ? srcdir : ".", name);
}

/* Read a whole file into a NUL-terminated malloc'd string, or NULL. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0, n;

    if (!f)
        return NULL;
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Compare `text` with the golden file tests/data/NAME byte for byte. With
 * PF_UPDATE_GOLDEN=1 in the environment, write it there instead (for a
 * developer who changed the output on purpose; review the diff). */
static inline void assert_golden(const char *text, const char *name)
{
    char path[4096];
    char *want;

    data_path(path, sizeof(path), name);
    if (getenv("PF_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
        return;
    }
    want = read_file(path);
    if (!want)
        fail_msg("cannot read golden file %s", path);
    if (strcmp(text, want) != 0) {
        print_error("--- %s (expected)\n%s--- rendered\n%s---\n", path, want,
                    text);
        free(want);
        fail_msg("rendered text differs from %s", name);
    }
    free(want);
}

/* Remove the directory `dir` and everything below it (for mkdtemp()
 * directories of tests; errors are ignored). */
static inline void test_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[1024];

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
            (int)sizeof(path))
            continue;
        if (unlink(path) < 0)
            test_remove_tree(path);
    }
    closedir(d);
    rmdir(dir);
}

/* A new registry for a test's state. */
static inline int registry_setup(void **state)
{
    pf_registry *reg = NULL;

    assert_int_equal(pf_registry_new(&reg), 0);
    *state = reg;
    return 0;
}

static inline int registry_teardown(void **state)
{
    pf_registry_free(*state);
    return 0;
}

#endif
