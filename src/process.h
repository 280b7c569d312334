/* SPDX-License-Identifier: MIT */
/*
 * process.c: the process metrics and build info.
 */
#ifndef PF_PROCESS_H
#define PF_PROCESS_H

#include "base.h"

/* What pf_process_metrics_register() and pf_build_info_register() do,
 * for the library's own use (a writer's registry). */
int pf__process_register(pf_registry *reg, const char *program);
int pf__build_info_set(pf_registry *reg, const char *prefix,
                       const char *const *labels, const char *const *values);

#endif /* PF_PROCESS_H */
