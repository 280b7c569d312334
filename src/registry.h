/* SPDX-License-Identifier: MIT */
/*
 * registry.c: registries, the families they render together and their
 * constant labels; registration and the rules across families (colliding
 * sample names, node_exporter's own names, constant labels).
 */
#ifndef PF_REGISTRY_H
#define PF_REGISTRY_H

#include "buf.h"
#include "family.h"

struct pf_registry {
    /* Families (sorted by name) and constant labels (sorted by name). */
    pthread_mutex_t mu;
    pf_family **fams;
    size_t nfams;
    size_t capfams;
    char **const_names;
    char **const_values;
    size_t nconst;
    /* What its families read: the hash seed, the limits, the value
     * policy. */
    pf_policy policy;
    bool is_default;
    /* A writer's own registry: may use the reserved promfile_ prefix. */
    bool internal;
    /* render.c's: renders take render_mu (they share the families'
     * sorted lists), and size their buffer from the last one's length
     * (no growth by copies, no peak of two buffers). */
    pthread_mutex_t render_mu;
    _Atomic size_t render_hint;
    /* A shared registry (shreg.c): its region, its state, and what
     * registration, rendering and freeing call for it. NULL for a registry
     * of one process. */
    pf_shared *shared;
    struct pf_shreg *shreg;
    int (*shared_register)(pf_registry *reg, pf_family_spec *spec,
                           pf_family **ret, bool *existed);
    void (*shared_sync)(pf_registry *reg);
    void (*shared_free)(pf_registry *reg);
};

/* The label that promfile_series_dropped_total{family="..."} has: no
 * constant label may take its name. */
#define PF_DROPPED_NAME "promfile_series_dropped_total"
#define PF_DROPPED_LABEL "family"
#define PF_DROPPED_HELP                                                        \
    "New series not created because their family had reached its series "      \
    "limit."

/* NULL means the default registry (made on first use; NULL if it could
 * not be). */
pf_registry *pf__registry(pf_registry *reg);
/* A new registry; an internal one may use the promfile_ prefix. */
int pf__registry_new(bool internal, pf_registry **ret);
pf_registry *pf__registry_destroy(pf_registry *reg);

/* Make the family of `spec` in `reg` (its policy is reg's; a NULL reg is
 * the default registry) and register it, or hand back the identical one
 * registered before. On success *ret (if not NULL) is the family. Returns
 * 0, -EINVAL, -EEXIST or -ENOMEM, with a message. */
int pf__register(pf_registry *reg, pf_family_spec *spec, pf_family **ret);
/* Register the n (at most 16) families of specs all, or none: on failure
 * reg is as it was. Identical families registered before stay. */
int pf__register_all(pf_registry *reg, pf_family_spec *specs, size_t n);
/* As pf__register(), but a family of the same name already there is
 * handed back in *ret whatever it is, with *existed set, and nothing is
 * registered (build info replaces its values that way). */
int pf__register_or_get(pf_registry *reg, pf_family_spec *spec, pf_family **ret,
                        bool *existed);

/* The shared region of reg, or NULL. */
static inline pf_shared *pf__registry_region(const pf_registry *reg)
{
    return reg->shared;
}

/* The settings reg's families read. */
static inline const pf_policy *pf__registry_policy(const pf_registry *reg)
{
    return &reg->policy;
}

/* For shreg.c, in a fork section already (lock.h): the family of `name`
 * in reg, or NULL; and the insertion of f, with the rules across families
 * checked (check) or not (a family another process registered): 0, or
 * -EEXIST or -ENOMEM; a family of that name already there is returned in
 * *old and f is not inserted. */
pf_family *pf__registry_find(pf_registry *reg, const char *name);
int pf__registry_check(pf_registry *reg, const pf_family *f);
int pf__registry_insert(pf_registry *reg, pf_family *f, bool check,
                        pf_family **old);

/* -EEXIST, with a message, if a family of reg has a label `name` or reg
 * has a constant label of that name. */
int pf__registry_check_label(pf_registry *reg, const char *name);
/* pf_registry_set_label() of a registry the caller has (a writer's own):
 * set, replace or (value NULL) remove the constant label `name`. */
int pf__registry_set_label(pf_registry *reg, const char *name,
                           const char *value);

/* What a render takes of a registry under its mu: its families (a
 * malloc()ed copy of the list) and its constant labels, rendered
 * (name="value",...) and their names (each NUL-terminated). */
typedef struct pf_snapshot {
    pf_family **fams;
    size_t nfams;
    pf_buf pairs;
    pf_buf names;
    size_t nconst;
} pf_snapshot;

int pf__registry_snapshot(pf_registry *reg, pf_snapshot *s);
void pf__snapshot_release(pf_snapshot *s);

#endif /* PF_REGISTRY_H */
