/* SPDX-License-Identifier: MIT */
/*
 * writer_load DIR NSERIES: a process for the integration tests. It keeps
 * NSERIES counter series changing from a thread of its own while a
 * promfile writer rewrites DIR/load.prom every 10 ms. It prints "ready"
 * once the first write is done, runs until its standard input is closed,
 * then stops the writer and prints "writes N" and exits 0.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <promfile.h>

static atomic_bool done;
static pf_counter **series;
static long nseries;

static void *churn(void *arg)
{
    const struct timespec pause = {0, 1000000};
    unsigned seed = 1;

    (void)arg;
    /* Bursts with a pause: change values between writes without taking
     * a core from node_exporter and the scraper. */
    while (!atomic_load(&done)) {
        for (int i = 0; i < 1000; i++)
            pf_counter_inc(series[rand_r(&seed) % nseries]);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static const char *const labels[] = {"shard", "id", NULL};
    pf_config *cfg;
    pf_family *f;
    pf_writer *w;
    pthread_t t;
    char a[24], b[24], buf[64];
    int r;

    if (argc != 3 || (nseries = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: writer_load DIR NSERIES\n");
        return 2;
    }
    series = calloc((size_t)nseries, sizeof(*series));
    if (!series || pf_counter_family_new(NULL, "load_requests_total",
                                         "Requests.", labels, &f) < 0)
        return 1;
    for (long i = 0; i < nseries; i++) {
        snprintf(a, sizeof(a), "s%ld", i % 7);
        snprintf(b, sizeof(b), "%ld", i);
        if (pf_counter_with_labels(f, &series[i], a, b, NULL) < 0)
            return 1;
    }
    if (pf_config_new(&cfg) < 0 ||
        pf_config_set(cfg, "textfile", "directory", argv[1], NULL) < 0 ||
        pf_config_set(cfg, "textfile", "file", "load.prom", NULL) < 0 ||
        pf_config_set(cfg, "textfile", "interval", "10ms", NULL) < 0 ||
        pf_config_set(cfg, "textfile", "fsync", "false", NULL) < 0)
        return 1;
    r = pf_writer_start(NULL, cfg, &w);
    pf_config_free(cfg);
    if (r < 0 || pf_writer_last_error(w) < 0) {
        fprintf(stderr, "writer_load: %s\n", pf_strerror(r));
        return 1;
    }
    if (pthread_create(&t, NULL, churn, NULL) != 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    while (fgets(buf, sizeof(buf), stdin))
        ;
    atomic_store(&done, true);
    pthread_join(t, NULL);
    r = pf_writer_stop(w);
    printf("stopped %d\n", r);
    free(series);
    return r < 0;
}
