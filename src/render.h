/* SPDX-License-Identifier: MIT */
/*
 * render.c: registries rendered as text format 0.0.4.
 */
#ifndef PF_RENDER_H
#define PF_RENDER_H

#include "buf.h"
#include "registry.h"

/* Labels added to every series of a render (a writer's [labels]): a label
 * a family has itself, or a constant label of its registry, takes
 * precedence over one of the same name here. */
typedef struct pf_label_set {
    size_t n;
    const char *const *names;
    const char *const *values;
} pf_label_set;

/* Render the registries regs[0..n) (at most 4) as one text, appended to
 * `out`: their families merged by name, each with its registry's constant
 * labels and then `extra` (may be NULL). Each registry's render lock is
 * taken in array order: two renders of the same registries must give them
 * in the same order. Returns 0, -EINVAL or -ENOMEM. */
int pf__render(pf_registry *const *regs, size_t n, const pf_label_set *extra,
               pf_buf *out);

/* Render reg (NULL: the default registry) alone. */
int pf__render_one(pf_registry *reg, pf_buf *out);

#endif /* PF_RENDER_H */
