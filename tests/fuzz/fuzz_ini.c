/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the ini file parser (pf_config_load()). Any input must
 * give 0 or a negative errno with a message, never a crash, a leak or an
 * out-of-bounds access; a file that loads must describe a usable writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf-internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static char path[64];
    pf_config *cfg;
    pf_error err;
    FILE *f;
    int r;

    if (!path[0])
        snprintf(path, sizeof(path), "/dev/shm/pf-fuzz-ini.%d", (int)getpid());
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (pf_config_new(&cfg) < 0)
        return 0;
    r = pf_config_load(cfg, path, &err);
    if (r < 0) {
        /* An error names its cause. */
        if (r != err.code || !err.text[0])
            abort();
    } else {
        if (cfg->interval_ms < 10 || cfg->interval_ms > 86400000 ||
            cfg->mode > 0777 || (cfg->mode & 0444) == 0)
            abort();
        if (cfg->file && pf__check_file_name(cfg->file) < 0)
            abort();
        for (size_t i = 0; i < cfg->nlabels; i++)
            if (pf__check_label_name(cfg->label_names[i]) < 0 ||
                !pf__utf8_valid(cfg->label_values[i],
                                strlen(cfg->label_values[i])))
                abort();
    }
    pf_config_free(cfg);
    return 0;
}
