/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the shared region as untrusted input (issue 14). A
 * region is made with a few families and series, the input is applied to
 * it as patches (a 16-bit offset into its first pages, a byte), as a
 * buggy or hostile worker could write them, and then another registry
 * attaches to it and renders it, as a writer would: nothing may crash,
 * read out of bounds or hang, whatever the bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf-internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The pages patched: the header, the slots, the records, the arena. */
#define PATCHED (6 * 4096)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const kind[] = {"kind", NULL};
    static const double b[] = {1, 2, 4};
    pf_registry *reg, *other;
    pf_config *cfg;
    pf_family *f;
    struct stat st;
    char *text, *base;
    int fd;

    if (pf_config_new(&cfg) < 0)
        return 0;
    pf_config_set(cfg, "shared", "workers", "4", NULL);
    pf_config_set(cfg, "shared", "series", "64", NULL);
    if (pf_registry_new_shared(cfg, &reg) < 0) {
        pf_config_free(cfg);
        return 0;
    }
    pf_config_free(cfg);
    pf_counter_family_new(reg, "f_ops_total", "Ops.", kind, &f);
    pf_counter_inc_labels(f, "a", NULL);
    pf_counter_inc_labels(f, "b\xc3\xa9", NULL);
    pf_histogram_family_new(reg, "f_wait_seconds", "Wait.", kind, b, 3, &f);
    pf_histogram_observe_labels(f, 1.5, "a", NULL);
    pf_gauge_family_new_mode(reg, "f_level", "Level.", kind, PF_GAUGE_LIVEMAX,
                             &f);
    pf_gauge_set_labels(f, 3, "x", NULL);
    fd = pf_registry_shared_fd(reg);
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < PATCHED) {
        pf_registry_free(reg);
        return 0;
    }
    base = mmap(NULL, PATCHED, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        pf_registry_free(reg);
        return 0;
    }
    for (size_t i = 0; i + 3 <= size; i += 3) {
        size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % PATCHED;

        base[off] = (char)data[i + 2];
    }
    /* Another process's view: attach and render. Its own slot, its own
     * families taken in from the records as they now are. */
    if (pf_registry_attach_fd(fd, &other) == 0) {
        if (pf_registry_render(other, &text, NULL) == 0)
            free(text);
        pf_registry_free(other);
    }
    /* The creator's, which took in none of the patches. */
    if (pf_registry_render(reg, &text, NULL) == 0)
        free(text);
    munmap(base, PATCHED);
    pf_registry_free(reg);
    return 0;
}
