/* SPDX-License-Identifier: MIT */
/*
 * The families node_exporter exports itself (src/nodeexp.c, issue 12):
 * refused at registration unless they would merge with node_exporter's
 * without a collision, and the table checked against the node_exporter
 * installed here.
 */
#include "pf-test.h"

static void nodeexp_refuses_colliding_families(void **state)
{
    static const char *const program[] = {"program", NULL};
    static const char *const cpu_mode[] = {"cpu", "mode", NULL};
    static const char *const cpu[] = {"cpu", NULL};
    pf_registry *reg = *state;

    /* Unlabeled, as node_exporter's own: dropped at every scrape. */
    assert_int_equal(pf_gauge_family_new(reg, "process_open_fds",
                                         "Number of open file descriptors.",
                                         NULL, NULL),
                     -EEXIST);
    assert_non_null(strstr(pf_last_error(), "node_exporter exports"));
    assert_non_null(strstr(pf_last_error(), "process_open_fds"));
    /* A label of its own, but another HELP: dropped too. */
    assert_int_equal(
        pf_gauge_family_new(reg, "process_max_fds", "Other.", program, NULL),
        -EEXIST);
    /* Another type. */
    assert_int_equal(pf_counter_family_new(reg, "node_cpu_seconds_total",
                                           "Other.", cpu_mode, NULL),
                     -EEXIST);
    assert_int_equal(pf_gauge_family_new(reg, "go_goroutines",
                                         "Number of goroutines that "
                                         "currently exist.",
                                         NULL, NULL),
                     -EEXIST);
    /* Same type and HELP, exactly node_exporter's label names: its series
     * may be node_exporter's own. */
    assert_int_equal(pf_counter_family_new(reg, "node_cpu_seconds_total",
                                           "Seconds the CPUs spent in each "
                                           "mode.",
                                           cpu_mode, NULL),
                     -EEXIST);
    /* Same type and HELP, other label names: merged, no collision. */
    assert_int_equal(pf_counter_family_new(reg, "node_cpu_seconds_total",
                                           "Seconds the CPUs spent in each "
                                           "mode.",
                                           cpu, NULL),
                     0);
    assert_int_equal(pf_gauge_family_new(reg, "process_max_fds",
                                         "Maximum number of open file "
                                         "descriptors.",
                                         program, NULL),
                     0);
    /* The library's own process metrics are made that way (in a registry
     * of their own here: the one above has a process_max_fds). */
    pf_registry_free(reg);
    assert_int_equal(pf_registry_new(&reg), 0);
    *state = reg;
    assert_int_equal(pf_process_metrics_register(reg, "app"), 0);
    /* Names node_exporter does not export are not concerned. */
    assert_int_equal(
        pf_gauge_family_new(reg, "process_queue_items", "Q.", NULL, NULL), 0);
}

static void nodeexp_table_is_sorted(void **state)
{
    const pf_nodeexp_family *f;
    size_t n = pf__nodeexp_families(&f);

    UNUSED(state);
    assert_true(n > 200);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(f[i - 1].name, f[i].name) >= 0)
            fail_msg("%s is not after %s", f[i].name, f[i - 1].name);
        assert_ptr_equal(pf__nodeexp_family(f[i].name), &f[i]);
    }
    assert_null(pf__nodeexp_family("process_"));
    assert_null(pf__nodeexp_family("zzz"));
}

/* Each line of `nodeexp.py families ARGS` that is not in the table as it
 * is, printed; returns how many, or -1 if the script could not run. */
static int compare_with_node_exporter(const char *args, bool print)
{
    const char *srcdir = getenv("srcdir");
    char cmd[4096], line[1024];
    int missing = 0, lines = 0;
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "/usr/bin/python3 %s/tests/nodeexp.py families %s",
             srcdir ? srcdir : ".", args);
    p = popen(cmd, "r");
    if (!p)
        return -1;
    while (fgets(line, sizeof(line), p)) {
        char name[256], type[32], labels[256], want[1024];
        const pf_nodeexp_family *f;
        int off = 0;

        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%255s %31s %255s %n", name, type, labels, &off) != 3)
            continue;
        lines++;
        f = pf__nodeexp_family(name);
        if (f) {
            /* HELP with its newlines written \n, as the script prints it. */
            pf_buf b = {0};

            pf__buf_put_help(&b, f->help, strlen(f->help));
            pf__buf_putc(&b, '\0');
            snprintf(want, sizeof(want), "%s", b.data ? b.data : "");
            pf__buf_release(&b);
        }
        if (!f || strcmp(f->type, type) != 0 ||
            strcmp(*f->labels ? f->labels : "-", labels) != 0 ||
            strcmp(want, line + off) != 0) {
            missing++;
            if (print)
                print_message("not in src/nodeexp.c as node_exporter has it: "
                              "%s\n",
                              line);
        }
    }
    if (pclose(p) != 0 || lines == 0)
        return -1;
    return missing;
}

/* What node_exporter always exports (with only the textfile collector)
 * must be in the table exactly: type, label names and HELP. Families of
 * collectors that this machine has and the one the table was made on did
 * not are only listed. */
static void nodeexp_table_matches_node_exporter(void **state)
{
    int r;

    UNUSED(state);
    if (access("/usr/bin/prometheus-node-exporter", X_OK) != 0 ||
        access("/usr/bin/python3", X_OK) != 0) {
        print_message("SKIP: needs prometheus-node-exporter and python3\n");
        skip();
    }
    r = compare_with_node_exporter("--minimal", true);
    assert_int_equal(r, 0);
    r = compare_with_node_exporter("", true);
    assert_true(r >= 0);
    if (r > 0)
        print_message("%d families of this machine's collectors are not in "
                      "the table (regenerate it with tests/nodeexp.py "
                      "families --c to add them)\n",
                      r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nodeexp_refuses_colliding_families,
                                        registry_setup, registry_teardown),
        cmocka_unit_test(nodeexp_table_is_sorted),
        cmocka_unit_test(nodeexp_table_matches_node_exporter),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
