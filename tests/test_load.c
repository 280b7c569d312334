/* SPDX-License-Identifier: MIT */
/*
 * test_load: 2 threads x 10 M increments on a mix of series while the
 * writer rewrites its file every 10 ms and a third thread creates series;
 * the final file's counts must be exactly the increments made. Run by
 * check-load.sh (a plain program: too long for valgrind's unit test run).
 *
 *   test_load DIR [INCREMENTS]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <promfile.h>

#define HOT 16 /* series the incrementing threads share */

static pf_family *mix;
static pf_counter *hot[HOT];
static long increments = 10000000;
static atomic_bool creating = true;
static atomic_long created;

static void *incrementer(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;

    for (long i = 0; i < increments; i++) {
        /* Mostly bound handles, some one-call lookups. */
        if (i % 8 == 0) {
            char v[8];

            snprintf(v, sizeof(v), "h%d", (int)(rand_r(&seed) % HOT));
            if (pf_counter_inc_labels(mix, v, NULL) != 0)
                abort();
        } else if (pf_counter_inc(hot[rand_r(&seed) % HOT]) != 0) {
            abort();
        }
    }
    return NULL;
}

static void *creator(void *arg)
{
    (void)arg;
    while (atomic_load(&creating)) {
        char v[24];

        snprintf(v, sizeof(v), "new%ld", atomic_load(&created));
        if (pf_counter_inc_labels(mix, v, NULL) != 0)
            abort();
        atomic_fetch_add(&created, 1);
        if (atomic_load(&created) >= 50000)
            break;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static const char *const labels[] = {"series", NULL};
    pthread_t inc[2], cre;
    pf_config *cfg;
    pf_writer *w;
    char path[512], line[256], v[8];
    double sum_hot = 0, sum_new = 0;
    long writes;
    FILE *f;

    if (argc < 2)
        return 2;
    if (argc > 2)
        increments = atol(argv[2]);
    if (pf_counter_family_new(NULL, "load_ops_total", "Load.", labels, &mix) <
        0)
        return 1;
    for (int i = 0; i < HOT; i++) {
        snprintf(v, sizeof(v), "h%d", i);
        if (pf_counter_with_labels(mix, &hot[i], v, NULL) < 0)
            return 1;
    }
    if (pf_config_new(&cfg) < 0 ||
        pf_config_set(cfg, "textfile", "directory", argv[1], NULL) < 0 ||
        pf_config_set(cfg, "textfile", "file", "load.prom", NULL) < 0 ||
        pf_config_set(cfg, "textfile", "interval", "10ms", NULL) < 0 ||
        pf_config_set(cfg, "textfile", "fsync", "no", NULL) < 0 ||
        pf_config_set(cfg, "process", "enabled", "no", NULL) < 0 ||
        pf_writer_start(NULL, cfg, &w) < 0)
        return 1;
    pf_config_free(cfg);
    pthread_create(&cre, NULL, creator, NULL);
    for (int i = 0; i < 2; i++)
        pthread_create(&inc[i], NULL, incrementer, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(inc[i], NULL);
    atomic_store(&creating, false);
    pthread_join(cre, NULL);
    /* The last write, at stop, holds everything. */
    if (pf_writer_stop(w) < 0)
        return 1;
    snprintf(path, sizeof(path), "%s/load.prom", argv[1]);
    f = fopen(path, "r");
    if (!f)
        return 1;
    writes = 0;
    while (fgets(line, sizeof(line), f)) {
        double x;

        if (sscanf(line, "load_ops_total{series=\"h%*d\"} %lf", &x) == 1)
            sum_hot += x;
        else if (sscanf(line, "load_ops_total{series=\"new%*d\"} %lf", &x) == 1)
            sum_new += x;
        else
            sscanf(line, "promfile_writes_total{file=\"load.prom\"} %ld",
                   &writes);
    }
    fclose(f);
    printf("increments %.0f of %ld, created series %.0f of %ld, file "
           "writes %ld\n",
           sum_hot, 2 * increments, sum_new, atomic_load(&created), writes);
    return sum_hot == 2.0 * (double)increments &&
                   sum_new == (double)atomic_load(&created) && writes > 1
               ? 0
               : 1;
}
