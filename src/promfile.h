/* SPDX-License-Identifier: MIT */
/*
 * promfile.h - Prometheus metrics kept in process, rendered as text format
 * 0.0.4 for node_exporter's textfile collector.
 *
 * This header is the contract: each declaration says what the call does,
 * who owns what, what it returns and how it behaves under threads (the MT
 * tags use the words of attributes(7)). The model behind it is described
 * in libpromfile(7); each function has a section 3 man page.
 *
 * Conventions:
 *   - Every call that can fail returns int: >= 0 on success, a negative
 *     errno on failure. Output parameters are written only on success.
 *   - A NULL registry means the process-wide default registry.
 *   - Strings passed in are copied unless said otherwise.
 *   - Handles (families and series) are owned by their registry and stay
 *     valid until the registry is freed.
 *   - The library never prints, logs, exits or aborts on bad input.
 */
#ifndef PROMFILE_H
#define PROMFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_VERSION_MAJOR 0
#define PF_VERSION_MINOR 1
#define PF_VERSION_MICRO 0
#define PF_VERSION "0.1.0"
#define PF_VERSION_HEX                                                         \
    ((PF_VERSION_MAJOR << 16) | (PF_VERSION_MINOR << 8) | PF_VERSION_MICRO)

/* noplt: GCC on x86 then calls the library through its GOT entry, not
 * through a PLT stub, which saves an indirect jump on every update (a
 * fifth of the cost of pf_counter_inc(); tests/bench, issue 5). Clang
 * does not know the attribute. */
#if defined(__GNUC__) && !defined(__clang__) &&                                \
    (defined(__x86_64__) || defined(__i386__))
#define PF_NOPLT __attribute__((noplt))
#else
#define PF_NOPLT
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define PF_EXPORT __attribute__((visibility("default"))) PF_NOPLT
#define PF_SENTINEL __attribute__((sentinel))
#else
#define PF_EXPORT
#define PF_SENTINEL
#endif

/* The most label names a family may have. */
#define PF_MAX_LABELS 32
/* The most buckets (not counting +Inf) a histogram may have. */
#define PF_MAX_BUCKETS 512

typedef struct pf_registry pf_registry;
typedef struct pf_family pf_family;
typedef struct pf_config pf_config;
typedef struct pf_writer pf_writer;
typedef struct pf_counter pf_counter;
typedef struct pf_gauge pf_gauge;
typedef struct pf_histogram pf_histogram;

/* Where a configuration call failed: filled in by the calls that take a
 * pf_error *reterr (which may be NULL). */
typedef struct pf_error {
    int code;        /* the negative errno the call returned */
    unsigned line;   /* 1-based line in `source`, 0 if none */
    char source[80]; /* file name, truncated from the left */
    char text[160];  /* one sentence, no trailing newline */
} pf_error;

/* ---- Library ---------------------------------------------------------- */

/* The library's version, e.g. "0.1.0": that of the shared object actually
 * loaded, which may differ from PF_VERSION. Static storage.  MT-Safe. */
PF_EXPORT const char *pf_version(void);

/* A static English description of the negative errno `err` (the sign is
 * ignored), e.g. pf_strerror(-EINVAL). Never NULL.  MT-Safe. */
PF_EXPORT const char *pf_strerror(int err);

/* A one-sentence description of the last call in this thread that failed
 * with bad input (-EINVAL, -EEXIST, -ENOENT, -ENOSPC from a registration,
 * lookup, configuration or writer start; update calls on handles and failed
 * file writes set none: their errno says it), e.g. 'label name "__x" starts
 * with "__", which is reserved'. Like errno, it is per thread, and only
 * meaningful right after a call returned an error; "" when there is none.
 * Borrowed until the next failing call in this thread.  MT-Safe. */
PF_EXPORT const char *pf_last_error(void);

/* ---- Registries ------------------------------------------------------- */

/* Create an empty registry. The caller owns it and frees it with
 * pf_registry_free(). Returns 0 or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_registry_new(pf_registry **ret);

/* Free `reg` and every family and series in it; all their handles become
 * invalid. NULL and the default registry are ignored. Returns NULL.
 * MT-Unsafe(reg): no other thread may use reg or its handles meanwhile. */
PF_EXPORT pf_registry *pf_registry_free(pf_registry *reg);

/* The process-wide default registry, created on first use, never freed.
 * Passing NULL as a registry to any call means this one. Returns NULL only
 * if it could not be allocated.  MT-Safe. */
PF_EXPORT pf_registry *pf_registry_default(void);

/* Add the constant label `name`=`value` to every series `reg` renders,
 * e.g. an instance or site name. Setting an existing name replaces its
 * value; a NULL value removes it. Returns 0, -EINVAL (bad name or value,
 * see pf_last_error()), -EEXIST (a family of reg already uses the label
 * name) or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_registry_set_label(pf_registry *reg, const char *name,
                                    const char *value);

/* Render every family of `reg` as Prometheus text format 0.0.4: families
 * sorted by name, series by label values, a final newline. On success
 * *retbuf is a NUL-terminated string the caller must free() and *retlen
 * (if not NULL) its length. Callback metrics are called during the call,
 * with no library lock held. Returns 0, -EINVAL or -ENOMEM.
 * MT-Safe: safe against concurrent updates, series creation and other
 * renders. Each value is read atomically; a histogram's buckets are
 * cumulative and its +Inf bucket equals its _count in every render. */
PF_EXPORT int pf_registry_render(pf_registry *reg, char **retbuf,
                                 size_t *retlen);

/* Like pf_registry_render(), but write the text to `f`. Returns 0,
 * -EINVAL, -ENOMEM, or -EIO if writing to f failed.  MT-Safe. */
PF_EXPORT int pf_registry_render_file(pf_registry *reg, FILE *f);

#ifdef __GNUC__
/* For __attribute__((cleanup(pf_registry_freep))). */
static __inline__ void pf_registry_freep(pf_registry **reg)
{
    if (reg && *reg)
        *reg = pf_registry_free(*reg);
}
#endif

/* ---- Families --------------------------------------------------------- */

/* Register a counter family `name` with HELP text `help` and the label
 * names in the NULL-terminated array `labels` (NULL for none), all copied.
 * The name must be a valid metric name that follows the naming rules
 * promtool checks (a counter's ends in "_total"; the prefix "promfile_" is
 * reserved); see pf_counter_family_new(3).
 * Registering a name again with the same type, help and labels hands back
 * the existing family; anything else with that name fails with -EEXIST.
 * On success *ret (which may be NULL) is the family, owned by reg.
 * Returns 0, -EINVAL, -EEXIST or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_counter_family_new(pf_registry *reg, const char *name,
                                    const char *help, const char *const *labels,
                                    pf_family **ret);

/* As pf_counter_family_new(), for a sharded counter family: each series
 * keeps one count per thread slot, each on a cache line of its own, and
 * the render adds them up. Many threads incrementing one series then do
 * not contend for its cache line. The price is memory: 64 bytes per slot
 * per series, the slots being the CPUs configured rounded up to a power
 * of two, at least 2 and at most 64, and 16 bytes more in the series. Use it
 * for the few hottest series; handles and functions are those of any counter.
 * MT-Safe. */
PF_EXPORT int pf_counter_family_new_sharded(pf_registry *reg, const char *name,
                                            const char *help,
                                            const char *const *labels,
                                            pf_family **ret);

/* As pf_counter_family_new(), for a gauge family.  MT-Safe. */
PF_EXPORT int pf_gauge_family_new(pf_registry *reg, const char *name,
                                  const char *help, const char *const *labels,
                                  pf_family **ret);

/* As pf_counter_family_new(), for a histogram family with the `nbuckets`
 * strictly increasing, finite upper bounds in `buckets` (copied; the +Inf
 * bucket is implied). buckets == NULL with nbuckets == 0 selects the
 * default buckets (see pf_buckets_default()). Returns 0, -EINVAL, -EEXIST
 * or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_histogram_family_new(pf_registry *reg, const char *name,
                                      const char *help,
                                      const char *const *labels,
                                      const double *buckets, size_t nbuckets,
                                      pf_family **ret);

/* Register an unlabeled counter (or gauge) whose value `fn(arg)` returns
 * each time the registry is rendered. fn is called with no library lock
 * held, possibly from several threads at once; it must not free the
 * registry. A counter function must return a finite value >= 0 (or +Inf);
 * anything else leaves the sample out of that render. `arg` is borrowed.
 * Returns 0, -EINVAL, -EEXIST or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_counter_func_new(pf_registry *reg, const char *name,
                                  const char *help, double (*fn)(void *arg),
                                  void *arg, pf_family **ret);
PF_EXPORT int pf_gauge_func_new(pf_registry *reg, const char *name,
                                const char *help, double (*fn)(void *arg),
                                void *arg, pf_family **ret);

/* Remove the series with the label values `values` (an array of as many
 * strings as the family has labels) from `fam`'s output. Handles to it
 * stay valid; looking the same values up again brings the series back,
 * starting from zero. Returns 0, -ENOENT (no such series) or -EINVAL.
 * MT-Safe. */
PF_EXPORT int pf_family_delete(pf_family *fam, const char *const *values);

/* As pf_family_delete(), with the values as arguments ending in NULL. */
PF_EXPORT int pf_family_delete_labels(pf_family *fam, ...) PF_SENTINEL;

/* Remove every series of `fam`, as pf_family_delete() does for one.
 * Returns 0 or -EINVAL.  MT-Safe. */
PF_EXPORT int pf_family_clear(pf_family *fam);

/* ---- Counters --------------------------------------------------------- */

/* Register an unlabeled counter family and return its one series in *ret
 * (a shorthand for pf_counter_family_new() + pf_counter_with()).
 * Returns 0, -EINVAL, -EEXIST or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_counter_new(pf_registry *reg, const char *name,
                             const char *help, pf_counter **ret);

/* Find the series of counter family `fam` with the label values `values`
 * (an array of as many valid UTF-8 strings as fam has labels; NULL when it
 * has none), creating it at 0 if it does not exist, so that it is
 * exported before its first event. *ret is a handle owned by the
 * registry, valid until it is freed. Finding an existing series takes no
 * lock and allocates nothing, also when the registry's value policy
 * repairs the values (on the stack; only repaired values of more than
 * 4 KiB in all take the heap). Returns 0, -EINVAL (wrong family type,
 * invalid UTF-8) or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_counter_with(pf_family *fam, const char *const *values,
                              pf_counter **ret);

/* As pf_counter_with(), with the label values as arguments ending in
 * NULL: pf_counter_with_labels(fam, &c, "imap", "plain", "ok", NULL).
 * Too few or too many values give -EINVAL.  MT-Safe. */
PF_EXPORT int pf_counter_with_labels(pf_family *fam, pf_counter **ret,
                                     ...) PF_SENTINEL;

/* Add 1 to counter `c`. One lock-free atomic operation: no lock, no
 * allocation. Returns 0, or -EINVAL if c is NULL.
 * MT-Safe, AS-Safe. */
PF_EXPORT int pf_counter_inc(pf_counter *c);

/* Add `v` to counter `c`. Whole numbers are counted exactly in 64 bits
 * (wrapping past 2^64-1); fractions are kept in a separate floating-point
 * sum. Returns 0, or -EINVAL if v is negative or NaN.
 * MT-Safe, AS-Safe. */
PF_EXPORT int pf_counter_add(pf_counter *c, double v);

/* Add the exact integer `v` to counter `c`.  MT-Safe, AS-Safe. */
PF_EXPORT int pf_counter_add_u64(pf_counter *c, uint64_t v);

/* Store the counter's current value in *ret (as a double, which is exact
 * below 2^53). Returns 0 or -EINVAL.  MT-Safe, AS-Safe. */
PF_EXPORT int pf_counter_value(const pf_counter *c, double *ret);

/* Look up (creating if needed) the series with the given label values and
 * add 1 (or `v`) to it: pf_counter_inc_labels(fam, "imap", "plain", "ok",
 * NULL). Returns what pf_counter_with() and pf_counter_add() return.
 * MT-Safe. */
PF_EXPORT int pf_counter_inc_labels(pf_family *fam, ...) PF_SENTINEL;
PF_EXPORT int pf_counter_add_labels(pf_family *fam, double v, ...) PF_SENTINEL;

/* ---- Gauges ----------------------------------------------------------- */

/* As pf_counter_new(), pf_counter_with() and pf_counter_with_labels(), for
 * gauges.  MT-Safe. */
PF_EXPORT int pf_gauge_new(pf_registry *reg, const char *name, const char *help,
                           pf_gauge **ret);
PF_EXPORT int pf_gauge_with(pf_family *fam, const char *const *values,
                            pf_gauge **ret);
PF_EXPORT int pf_gauge_with_labels(pf_family *fam, pf_gauge **ret,
                                   ...) PF_SENTINEL;

/* Set gauge `g` to `v`, add 1, subtract 1, add `v`, subtract `v`, or set
 * it to the current Unix time in seconds (CLOCK_REALTIME, with fraction).
 * Any double is accepted, NaN and infinities included. Each is one
 * lock-free atomic operation (a compare-and-swap loop for the arithmetic).
 * Return 0, or -EINVAL if g is NULL (or the clock fails).
 * MT-Safe, AS-Safe. */
PF_EXPORT int pf_gauge_set(pf_gauge *g, double v);
PF_EXPORT int pf_gauge_inc(pf_gauge *g);
PF_EXPORT int pf_gauge_dec(pf_gauge *g);
PF_EXPORT int pf_gauge_add(pf_gauge *g, double v);
PF_EXPORT int pf_gauge_sub(pf_gauge *g, double v);
PF_EXPORT int pf_gauge_set_to_current_time(pf_gauge *g);

/* Store the gauge's current value in *ret. Returns 0 or -EINVAL.
 * MT-Safe, AS-Safe. */
PF_EXPORT int pf_gauge_value(const pf_gauge *g, double *ret);

/* Look up (creating if needed) a series and update it in one call.
 * MT-Safe. */
PF_EXPORT int pf_gauge_set_labels(pf_family *fam, double v, ...) PF_SENTINEL;
PF_EXPORT int pf_gauge_add_labels(pf_family *fam, double v, ...) PF_SENTINEL;
PF_EXPORT int pf_gauge_inc_labels(pf_family *fam, ...) PF_SENTINEL;
PF_EXPORT int pf_gauge_dec_labels(pf_family *fam, ...) PF_SENTINEL;

/* ---- Histograms ------------------------------------------------------- */

/* As pf_counter_new(), pf_counter_with() and pf_counter_with_labels(), for
 * histograms; pf_histogram_new() takes buckets as
 * pf_histogram_family_new() does.  MT-Safe. */
PF_EXPORT int pf_histogram_new(pf_registry *reg, const char *name,
                               const char *help, const double *buckets,
                               size_t nbuckets, pf_histogram **ret);
PF_EXPORT int pf_histogram_with(pf_family *fam, const char *const *values,
                                pf_histogram **ret);
PF_EXPORT int pf_histogram_with_labels(pf_family *fam, pf_histogram **ret,
                                       ...) PF_SENTINEL;

/* Record the observation `v` in histogram `h`: the bucket count and the
 * sum are updated with lock-free atomic operations. Every render shows
 * cumulative buckets whose +Inf bucket equals _count, even while other
 * threads observe. Returns 0, or -EINVAL if h is NULL or v is NaN.
 * MT-Safe, AS-Safe. */
PF_EXPORT int pf_histogram_observe(pf_histogram *h, double v);

/* Look up (creating if needed) a series and observe `v` in it.  MT-Safe. */
PF_EXPORT int pf_histogram_observe_labels(pf_family *fam, double v,
                                          ...) PF_SENTINEL;

/* The default buckets, client_golang's DefBuckets: .005, .01, .025, .05,
 * .1, .25, .5, 1, 2.5, 5, 10 (seconds). *ret (if not NULL) points to
 * static storage. Returns the number of buckets.  MT-Safe. */
PF_EXPORT size_t pf_buckets_default(const double **ret);

/* Fill ret[0..count-1] with `count` buckets: start, start+width, ...
 * (linear) or start, start*factor, ... (exponential). Returns 0, or
 * -EINVAL if count is 0 or over PF_MAX_BUCKETS, width <= 0, start <= 0 or
 * factor <= 1 (exponential), or a bound is not finite.  MT-Safe. */
PF_EXPORT int pf_buckets_linear(double start, double width, size_t count,
                                double *ret);
PF_EXPORT int pf_buckets_exponential(double start, double factor, size_t count,
                                     double *ret);

/* ---- Limits and hygiene ---------------------------------------------------
 */

/* The default most series a family of `reg` may hold: 100000. */
#define PF_DEFAULT_MAX_SERIES 100000

/* Set the most series each family of `reg` may hold, unless the family
 * has a limit of its own (pf_family_set_max_series()); 0 means no limit.
 * Every label set ever created counts, deleted ones included (their
 * memory is kept for their handles). Past the limit a new label set is
 * not created: the call that would create it returns -ENOSPC, and
 * promfile_series_dropped_total{family="<name>"} counts it; existing
 * series keep working. Returns 0, or -EINVAL for a NULL registry that
 * cannot be had.  MT-Safe. */
PF_EXPORT int pf_registry_set_max_series(pf_registry *reg, size_t max);

/* Give `fam` a series limit of its own, overriding its registry's; 0
 * means no limit. Returns 0 or -EINVAL.  MT-Safe. */
PF_EXPORT int pf_family_set_max_series(pf_family *fam, size_t max);

/* Flags of pf_registry_set_value_policy(). */
#define PF_VALUES_TRUNCATE 0x1u /* cut values longer than max_len */
#define PF_VALUES_REPLACE 0x2u  /* replace invalid UTF-8 with U+FFFD */

/* How label values given at run time (which often come from the network:
 * user names, addresses) are treated when they are longer than `max_len`
 * bytes (0: no limit) or not valid UTF-8. By default both are refused
 * with -EINVAL. PF_VALUES_TRUNCATE cuts an over-long value at a character
 * boundary at most max_len bytes in; PF_VALUES_REPLACE replaces each
 * invalid byte sequence with U+FFFD. A value so changed names the series
 * of its changed form. Returns 0, or -EINVAL (unknown flags, or
 * PF_VALUES_TRUNCATE with max_len 0). Set it before the values come in:
 * the length and the flags are two words, and a lookup at that moment
 * may see the old one and the new other.  MT-Safe. */
PF_EXPORT int pf_registry_set_value_policy(pf_registry *reg, size_t max_len,
                                           unsigned flags);

/* ---- Process metrics and build info ---------------------------------------
 */

/* Register in `reg` the process metrics of client_golang's process
 * collector on Linux, same names and HELP: process_cpu_seconds_total,
 * process_open_fds, process_max_fds, process_virtual_memory_bytes,
 * process_virtual_memory_max_bytes, process_resident_memory_bytes,
 * process_start_time_seconds (a Unix time: boot time + start ticks), and
 * process_threads, each with the label program="<program>" (NULL: the
 * program's name), which keeps them apart from node_exporter's own
 * process_* metrics. They are read from /proc at each render, without
 * allocating. All eight are registered, or none. Registering them again
 * with the same program is harmless. Returns 0, -EINVAL, -EEXIST (a family
 * of that name exists) or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_process_metrics_register(pf_registry *reg,
                                          const char *program);

/* Register the gauge <prefix>_build_info with the label names `labels`
 * and the values `values` (NULL-terminated, as many), set to 1: the
 * version, revision and the like a program was built from, e.g.
 * pf_build_info_register(NULL, "mox", (const char *[]){"version", NULL},
 * (const char *[]){"v0.0.14", NULL}). Called again with the same label
 * names and other values, it replaces them at once: a render sees the old
 * values or the new ones, never none or both. Returns 0, -EINVAL (as many
 * values as label names are needed, each valid UTF-8 without a CR),
 * -EEXIST (the name is taken by another family, or build info with other
 * label names) or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_build_info_register(pf_registry *reg, const char *prefix,
                                     const char *const *labels,
                                     const char *const *values);

/* ---- Shared registries: one textfile for many processes ------------------ */

/* How the processes' values of a gauge family of a shared registry are
 * combined (pf_gauge_family_new_mode()); in a registry of one process
 * they all mean the one value. "Live" workers are the processes alive. */
#define PF_GAUGE_PER_WORKER 0u /* a series per live worker, worker="N" */
#define PF_GAUGE_SUM 1u        /* the sum over every worker, dead ones too */
#define PF_GAUGE_LIVESUM 2u    /* the sum over the live workers */
#define PF_GAUGE_LIVEMAX 3u    /* the largest value of a live worker */
#define PF_GAUGE_LIVEMIN 4u    /* the smallest value of a live worker */
#define PF_GAUGE_MOSTRECENT 5u /* the value set last, by any worker */

/* Create a registry that the processes of one daemon count in together:
 * made by the parent before it forks its workers, it is inherited by every
 * child, and each process's updates go to cells of its own in a shared
 * region; the file is the daemon's total. Every family, series and update
 * call works on it as on any registry, handles made before fork() stay
 * valid in the children, and families and series made in any process
 * appear in the file. The [shared] section of cfg (NULL: every default)
 * sets the region's limits (workers, series, cells, bytes) and, with
 * `path`, makes it a named file that unrelated processes attach to (made
 * O_EXCL|O_NOFOLLOW with `mode`, checked on attach); else it is anonymous
 * memory, which exec()ed children attach to with pf_registry_attach_fd().
 * Counter and histogram totals never go down while a process of the
 * daemon lives, a killed worker's counts included; see libpromfile(7),
 * "Pre-fork daemons". Free with pf_registry_free() (in each process).
 * Returns 0, -EINVAL (a limit out of range), -ENOSPC (no worker slot
 * free), -EPERM or -EPROTO (a named region that is not ours, or of another
 * layout version), -ENOMEM or another errno of open(2) or mmap(2).
 * MT-Safe. */
PF_EXPORT int pf_registry_new_shared(const pf_config *cfg, pf_registry **ret);

/* The descriptor of the shared region of `reg`, to hand to a program the
 * daemon exec()s (clear its FD_CLOEXEC first), or -EINVAL if reg is not
 * shared, or -EBADF if the process closed it. The library keeps it; do
 * not close it.  MT-Safe. */
PF_EXPORT int pf_registry_shared_fd(const pf_registry *reg);

/* Attach the shared region of descriptor `fd` (from a parent, see
 * pf_registry_shared_fd()) as a new registry of this process, which gets
 * a worker slot of its own. The families the region has are there; the
 * descriptor is duplicated. Returns 0, -EBADF, -EINVAL or -EPROTO (not a
 * region of this layout version), -ENOSPC (no slot free) or -ENOMEM.
 * MT-Safe. */
PF_EXPORT int pf_registry_attach_fd(int fd, pf_registry **ret);

/* This process's worker slot in the shared registry `reg` (the number of
 * its worker="N" label), or -EINVAL if reg is not shared.  MT-Safe. */
PF_EXPORT int pf_registry_worker(const pf_registry *reg);

/* As pf_gauge_family_new(), choosing with `mode` (PF_GAUGE_*) how the
 * values of the processes of a shared registry combine; in a registry of
 * one process the mode changes nothing. pf_gauge_family_new() means
 * PF_GAUGE_PER_WORKER. Returns 0, -EINVAL (an unknown mode, or a label
 * named "worker" with PF_GAUGE_PER_WORKER), -EEXIST or -ENOMEM.
 * MT-Safe. */
PF_EXPORT int pf_gauge_family_new_mode(pf_registry *reg, const char *name,
                                       const char *help,
                                       const char *const *labels, unsigned mode,
                                       pf_family **ret);

/* ---- Writing textfiles ------------------------------------------------ */

/* Flags of pf_registry_write_textfile(). */
#define PF_WRITE_NO_FSYNC 0x1u  /* do not fsync() the file before rename */
#define PF_WRITE_FSYNC_DIR 0x2u /* fsync() the directory after rename */

/* Write `reg` atomically to the file `file` in the directory `dir`, as
 * node_exporter's textfile collector needs it: the text is rendered in
 * memory, written to a new temporary file in `dir` (unpredictable name,
 * not ending in .prom, opened with O_EXCL|O_NOFOLLOW), given `mode`
 * (0 means 0644) whatever the umask, fsync()ed, and renamed over `file`.
 * Readers see the old file or the new one, never a part. On any failure
 * the temporary file is removed and the old file is left as it was.
 * `file` must end in ".prom" and contain no '/'. Returns 0, -EINVAL (bad
 * name or mode), or the negative errno of the system call that failed
 * (-ENOENT, -EACCES, -ENOSPC, -EIO, ...).  MT-Safe. */
PF_EXPORT int pf_registry_write_textfile(pf_registry *reg, const char *dir,
                                         const char *file, unsigned mode,
                                         unsigned flags);

/* Create a writer configuration with every default (see promfile.conf(5)).
 * Free it with pf_config_free(). Returns 0 or -ENOMEM.  MT-Safe. */
PF_EXPORT int pf_config_new(pf_config **ret);

/* Free `cfg`; NULL is ignored. Returns NULL.  MT-Unsafe(cfg). */
PF_EXPORT pf_config *pf_config_free(pf_config *cfg);

/* Read the ini file `path` into `cfg` (promfile.conf(5)). A NULL path
 * means the file named by the environment variable PROMFILE_CONFIG.
 * Keys not in the file keep their values. On an error nothing of the file
 * is applied and *reterr (if not NULL) names the file, the line and the
 * problem. Returns 0, -ENOENT or another open() error, -EINVAL (a bad
 * line, section, key or value; a duplicate key), -E2BIG (a line too long)
 * or -ENOMEM.  MT-Unsafe(cfg). */
PF_EXPORT int pf_config_load(pf_config *cfg, const char *path,
                             pf_error *reterr);

/* Set one key as the ini file would: pf_config_set(cfg, "textfile",
 * "interval", "5s", NULL). The value is checked the same way. Returns 0,
 * -EINVAL or -ENOMEM.  MT-Unsafe(cfg). */
PF_EXPORT int pf_config_set(pf_config *cfg, const char *section,
                            const char *key, const char *value,
                            pf_error *reterr);

/* Have writers started with `cfg` call `fn(err, arg)` after every write
 * that fails, with the negative errno, in the thread that made the write
 * (the writer's own, or the caller of pf_writer_start(), pf_writer_flush()
 * or pf_writer_stop()), with no library lock held. NULL removes it.
 * Returns 0 or -EINVAL.  MT-Unsafe(cfg). */
PF_EXPORT int pf_config_set_error_callback(pf_config *cfg,
                                           void (*fn)(int err, void *arg),
                                           void *arg);

/* Start a writer that keeps the textfile configured by `cfg` (NULL: every
 * default) current with the metrics of `reg`: it writes once before this
 * call returns, then every interval from a thread of its own, and once
 * more when stopped. A failed write is reported (pf_writer_last_error(),
 * the error callback, the promfile_write_errors_total metric), leaves the
 * previous file in place, and is retried at the next interval; so a
 * missing directory does not stop the writer from starting. The [labels]
 * of cfg are added to every series of the file at each write, never set on
 * reg. The file also carries the writer's own metrics (promfile_*, see
 * libpromfile(7)) and, unless [process] is off, the process metrics, both
 * in a registry of the writer's; reg only gets the [limits] of cfg. A
 * start that fails leaves reg exactly as it was. Leftover temporary files
 * of a crashed earlier writer of the same file are removed. cfg is copied.
 * Returns 0, -EINVAL, -EEXIST (a [labels] name is a label of a family of
 * reg or a constant label of it), -ENOMEM, or -EAGAIN (no thread).
 * MT-Safe. */
PF_EXPORT int pf_writer_start(pf_registry *reg, const pf_config *cfg,
                              pf_writer **ret);

/* pf_config_load() of `path` (NULL: $PROMFILE_CONFIG, or every default
 * when that is unset too), then pf_writer_start(): the one call a daemon
 * makes at start-up. Returns what those return; *reterr says where.
 * MT-Safe. */
PF_EXPORT int pf_writer_start_ini(pf_registry *reg, const char *path,
                                  pf_error *reterr, pf_writer **ret);

/* Write the file now, in the calling thread, and return the result.
 * Returns 0, a write error as pf_registry_write_textfile(), or -ESRCH in
 * a child process (after fork(), the writer is the parent's).  MT-Safe. */
PF_EXPORT int pf_writer_flush(pf_writer *w);

/* The result of the writer's last write: 0 or a negative errno.
 * MT-Safe. */
PF_EXPORT int pf_writer_last_error(const pf_writer *w);

/* Stop the writer: wake and join its thread, write a last time, remove
 * the file if remove_on_exit is set, free w. In a child process after
 * fork() it only frees w: the child never writes or removes its parent's
 * file. Returns the result of the last write (0 in a child), or -EINVAL.
 * MT-Unsafe(w). */
PF_EXPORT int pf_writer_stop(pf_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* PROMFILE_H */
