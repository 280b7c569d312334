/* SPDX-License-Identifier: MIT */
/*
 * shreg.c: shared registries, a registry whose families and series are
 * those of a shared region (shared.c) that every process of a daemon
 * takes in.
 */
#ifndef PF_SHREG_H
#define PF_SHREG_H

#include "base.h"

/* Records of the region this process's copy of reg left out as invalid
 * (a buggy or hostile process wrote them). */
uint64_t pf__shreg_bad_records(const pf_registry *reg);

#endif /* PF_SHREG_H */
