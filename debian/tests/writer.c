/* SPDX-License-Identifier: MIT */
/*
 * A program as a user of the package writes one, built against the
 * installed libpromfile-dev with pkg-config (debian/tests/build and
 * debian/tests/node-exporter):
 *
 *   writer FILE.ini
 *
 * It registers a counter family with a label, a gauge and a histogram,
 * updates them, starts the writer configured by FILE.ini, stops it (which
 * writes the file a last time) and prints the library's version.
 */
#include <stdio.h>

#include <promfile.h>

static int fail(const char *what)
{
    fprintf(stderr, "writer: %s: %s\n", what, pf_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    static const char *const labels[] = {"result", NULL};
    pf_family *runs;
    pf_gauge *temp;
    pf_histogram *lat;
    pf_writer *w;
    pf_error err;
    int r;

    if (argc != 2) {
        fprintf(stderr, "usage: writer FILE.ini\n");
        return 2;
    }
    if (pf_counter_family_new(NULL, "autopkgtest_runs_total",
                              "Runs of the test program, by result.", labels,
                              &runs) < 0)
        return fail("counter");
    if (pf_gauge_new(NULL, "autopkgtest_temperature_celsius",
                     "A gauge set once.", &temp) < 0)
        return fail("gauge");
    if (pf_histogram_new(NULL, "autopkgtest_latency_seconds",
                         "A histogram with the default buckets.", NULL, 0,
                         &lat) < 0)
        return fail("histogram");
    pf_counter_add_labels(runs, 2, "ok", NULL);
    pf_counter_inc_labels(runs, "failed", NULL);
    pf_gauge_set(temp, 21.5);
    pf_histogram_observe(lat, 0.02);
    pf_histogram_observe(lat, 3);

    r = pf_writer_start_ini(NULL, argv[1], &err, &w);
    if (r < 0) {
        fprintf(stderr, "writer: %s:%u: %s\n", err.source, err.line, err.text);
        return 1;
    }
    r = pf_writer_stop(w);
    if (r < 0) {
        fprintf(stderr, "writer: writing the file: %s\n", pf_strerror(r));
        return 1;
    }
    printf("%s\n", pf_version());
    return 0;
}
