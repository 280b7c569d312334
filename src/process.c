/* SPDX-License-Identifier: MIT */
/*
 * Process metrics, as client_golang's process collector exports them on
 * Linux (same names and HELP texts), plus process_threads; and build info
 * gauges.
 *
 * The values are read from /proc when the registry is rendered, with
 * open(), read() and getdents64() into stack buffers: a write allocates
 * nothing for them.
 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "counter.h"
#include "error.h"
#include "registry.h"

/* Read a small /proc file into buf (NUL-terminated). Returns its length,
 * or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;

    if (fd < 0)
        return -1;
    while (len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

/* The fields of /proc/self/stat, from field 3 (state) on: fields[i] is
 * field i + 3 of proc(5). The command name (field 2) may hold spaces and
 * parentheses, so parsing starts after its last ')'. Returns how many
 * fields were read. */
#define STAT_FIELDS 22
static int read_stat(unsigned long long *fields)
{
    char buf[1024];
    char *p;
    int n = 0;

    if (read_small("/proc/self/stat", buf, sizeof(buf)) <= 0)
        return 0;
    p = strrchr(buf, ')');
    if (!p)
        return 0;
    p++;
    while (n < STAT_FIELDS && *p) {
        char *end;

        while (*p == ' ')
            p++;
        if (n == 0) { /* the state, a letter */
            fields[n++] = (unsigned char)*p;
            while (*p && *p != ' ')
                p++;
            continue;
        }
        fields[n] = strtoull(p, &end, 10);
        if (end == p)
            break;
        p = end;
        n++;
    }
    return n;
}

/* proc(5) field numbers, as indexes into read_stat()'s array. */
#define F(n) ((n)-3)
#define UTIME F(14)
#define STIME F(15)
#define NUM_THREADS F(20)
#define STARTTIME F(22)
#define VSIZE F(23)
#define RSS F(24)

static double stat_field(int field, double scale)
{
    unsigned long long f[STAT_FIELDS];

    if (read_stat(f) <= field)
        return NAN;
    return (double)f[field] * scale;
}

static double clk_tck(void)
{
    long t = sysconf(_SC_CLK_TCK);

    return t > 0 ? (double)t : 100.0;
}

static double cpu_seconds(void *arg)
{
    unsigned long long f[STAT_FIELDS];

    (void)arg;
    if (read_stat(f) <= STIME)
        return NAN;
    return (double)(f[UTIME] + f[STIME]) / clk_tck();
}

static double resident_bytes(void *arg)
{
    (void)arg;
    return stat_field(RSS, (double)sysconf(_SC_PAGESIZE));
}

static double virtual_bytes(void *arg)
{
    (void)arg;
    return stat_field(VSIZE, 1.0);
}

static double threads(void *arg)
{
    (void)arg;
    return stat_field(NUM_THREADS, 1.0);
}

/* The boot time, from the btime line of /proc/stat, read in chunks and
 * split into lines (the file grows with the number of CPUs). */
static double boot_time(void)
{
    char buf[4096];
    size_t have = 0;
    double v = NAN;
    int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NAN;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        char *line = buf, *nl;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        while ((nl = strchr(line, '\n')) != NULL) {
            if (strncmp(line, "btime ", 6) == 0) {
                v = strtod(line + 6, NULL);
                goto out;
            }
            line = nl + 1;
        }
        /* Keep the partial last line; a line longer than the buffer
         * (none is) would be dropped. */
        have = strlen(line);
        if (have >= sizeof(buf) - 1)
            have = 0;
        memmove(buf, line, have);
    }
out:
    close(fd);
    return v;
}

/* The start time in Unix seconds: boot time + starttime (in clock ticks
 * since boot). A popular C client reports the ticks themselves. Computed
 * once per process (a child after fork() has its own). */
static double start_time(void *arg)
{
    static _Atomic pid_t cached_pid;
    static _Atomic uint64_t cached;
    pid_t pid = getpid();
    double v;

    (void)arg;
    if (atomic_load(&cached_pid) == pid)
        return pf__u2d(atomic_load(&cached));
    v = boot_time() + stat_field(STARTTIME, 1.0 / clk_tck());
    /* A failed read is tried again at the next render. */
    if (!isnan(v)) {
        atomic_store(&cached, pf__d2u(v));
        atomic_store(&cached_pid, pid);
    }
    return v;
}

/* Count the entries of /proc/self/fd with getdents64() into a stack
 * buffer (opendir() would allocate), not counting the descriptor used to
 * read it. */
static double open_fds(void *arg)
{
    char buf[4096] __attribute__((aligned(8)));
    long n, count = 0;
    int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    (void)arg;
    if (fd < 0)
        return NAN;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < n;) {
            /* struct linux_dirent64: ino 8, off 8, reclen 2, type 1,
             * then the name. */
            unsigned short reclen;
            const char *name = buf + off + 19;

            memcpy(&reclen, buf + off + 16, sizeof(reclen));
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
                count++;
            off += reclen;
        }
    }
    close(fd);
    if (n < 0)
        return NAN;
    return (double)(count - 1);
}

static double rlimit(int resource)
{
    struct rlimit rl;

    if (getrlimit(resource, &rl) != 0)
        return NAN;
    /* Unlimited is reported as the largest value, as client_golang does
     * (1.8446744073709552e+19). */
    return rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0
                                        : (double)rl.rlim_cur;
}

static double max_fds(void *arg)
{
    (void)arg;
    return rlimit(RLIMIT_NOFILE);
}

static double max_virtual_bytes(void *arg)
{
    (void)arg;
    return rlimit(RLIMIT_AS);
}

int pf__process_register(pf_registry *reg, const char *program)
{
    static const char *const labels[] = {"program", NULL};
    static const struct {
        enum pf_type type;
        const char *name;
        const char *help;
        double (*fn)(void *);
    } m[] = {
        {PF_TYPE_COUNTER, "process_cpu_seconds_total",
         "Total user and system CPU time spent in seconds.", cpu_seconds},
        {PF_TYPE_GAUGE, "process_open_fds", "Number of open file descriptors.",
         open_fds},
        {PF_TYPE_GAUGE, "process_max_fds",
         "Maximum number of open file descriptors.", max_fds},
        {PF_TYPE_GAUGE, "process_virtual_memory_bytes",
         "Virtual memory size in bytes.", virtual_bytes},
        {PF_TYPE_GAUGE, "process_virtual_memory_max_bytes",
         "Maximum amount of virtual memory available in bytes.",
         max_virtual_bytes},
        {PF_TYPE_GAUGE, "process_resident_memory_bytes",
         "Resident memory size in bytes.", resident_bytes},
        {PF_TYPE_GAUGE, "process_start_time_seconds",
         "Start time of the process since unix epoch in seconds.", start_time},
        {PF_TYPE_GAUGE, "process_threads",
         "Number of OS threads in the process.", threads},
    };
    const char *values[2] = {program ? program : program_invocation_short_name,
                             NULL};

    if (!*values[0])
        return pf__err(-EINVAL, "the program name is empty");

    /* The label program="..." is what keeps these apart from
     * node_exporter's own unlabeled process_* metrics: without it,
     * node_exporter drops one of the two series of each name and logs an
     * error at every scrape (same names and HELP: see nodeexp.c). */
    pf_family_spec specs[PF_ARRAY_SIZE(m)];

    for (size_t i = 0; i < PF_ARRAY_SIZE(m); i++)
        specs[i] = (pf_family_spec){
            .type = m[i].type,
            .name = m[i].name,
            .help = m[i].help,
            .labels = labels,
            .fn = m[i].fn,
            .fixed_values = values,
        };
    /* All eight or none: a registry never has half of them. */
    return pf__register_all(reg, specs, PF_ARRAY_SIZE(m));
}

int pf_process_metrics_register(pf_registry *reg, const char *program)
{
    return pf__process_register(reg, program);
}

static double one(void *arg)
{
    (void)arg;
    return 1;
}

int pf__build_info_set(pf_registry *reg, const char *prefix,
                       const char *const *labels, const char *const *values)
{
    char name[PF_MAX_NAME + 1], help[PF_MAX_NAME + 96];
    size_t nl = 0, nv = 0;
    pf_family_spec spec = {
        .type = PF_TYPE_GAUGE,
        .name = name,
        .help = help,
        .labels = labels,
        .fn = one,
        .fixed_values = values,
        .replaceable = true,
    };
    pf_family *f;
    bool existed;
    int r;

    if (!prefix || !*prefix || strlen(prefix) > PF_MAX_NAME - 11)
        return pf__err(-EINVAL, "build info prefix is empty or too long");
    while (labels && labels[nl])
        nl++;
    while (values && values[nv])
        nv++;
    if (nl != nv)
        return pf__err(-EINVAL, "build info has %zu label names but %zu values",
                       nl, nv);
    snprintf(name, sizeof(name), "%s_build_info", prefix);
    snprintf(help, sizeof(help),
             "A metric with a constant '1' value labeled by the version "
             "%s was built from.",
             prefix);
    r = pf__register_or_get(reg, &spec, &f, &existed);
    if (r < 0 || !existed)
        return r;
    /* Registered again: the same family must take the new values, in one
     * atomic swap, so that no render misses it or sees two (issue 13). */
    if (!f->replaceable || f->fn != one || f->nlabels != nl)
        return pf__err(-EEXIST,
                       "\"%.60s\" is already registered, and is not build "
                       "info with these label names",
                       name);
    for (size_t i = 0; i < nl; i++)
        if (strcmp(f->labels[i], labels[i]) != 0)
            return pf__err(-EEXIST,
                           "build info \"%.60s\" has other label names", name);
    return pf__family_set_fixed(f, values);
}

int pf_build_info_register(pf_registry *reg, const char *prefix,
                           const char *const *labels, const char *const *values)
{
    return pf__build_info_set(reg, prefix, labels, values);
}
