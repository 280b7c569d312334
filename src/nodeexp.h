/* SPDX-License-Identifier: MIT */
/*
 * nodeexp.c: the families node_exporter exports itself.
 */
#ifndef PF_NODEEXP_H
#define PF_NODEEXP_H

#include "base.h"

typedef struct pf_nodeexp_family {
    const char *name;
    const char *type;   /* "counter", "gauge", "summary", "untyped" */
    const char *labels; /* label names, comma-separated; "" for none */
    const char *help;
} pf_nodeexp_family;

/* node_exporter's family `name`, or NULL. */
const pf_nodeexp_family *pf__nodeexp_family(const char *name);
/* Every row (sorted by name); returns how many. */
size_t pf__nodeexp_families(const pf_nodeexp_family **ret);
/* Are `labels` exactly the label names of node_exporter's family f? */
bool pf__nodeexp_same_labels(const pf_nodeexp_family *f,
                             const char *const *labels, size_t nlabels);
/* The row of node_exporter's that a textfile family would collide with:
 * same name, and another type or HELP, or exactly its label names. NULL
 * if none. */
const pf_nodeexp_family *
pf__nodeexp_collides(const char *name, const char *type, const char *help,
                     const char *const *labels, size_t nlabels);

#endif /* PF_NODEEXP_H */
