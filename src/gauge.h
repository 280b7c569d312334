/* SPDX-License-Identifier: MIT */
/*
 * gauge.c: gauges.
 */
#ifndef PF_GAUGE_H
#define PF_GAUGE_H

#include "family.h"

/* The label PF_GAUGE_PER_WORKER adds. */
#define PF_WORKER_LABEL "worker"

/* The value of a gauge series, as pf_gauge_value() gives it: in a shared
 * registry, the processes' combined by the family's mode (NaN: none), or
 * this process's own for PF_GAUGE_PER_WORKER. */
double pf__gauge_value(const pf_series *s);
/* The value to render, false if there is none (a live mode and no live
 * worker). Not for PF_GAUGE_PER_WORKER: see pf__gauge_slot_value(). */
bool pf__gauge_read(const pf_series *s, double *v);
/* pf_gauge_set() of s, for the library's own gauges. */
void pf__gauge_store(pf_series *s, double v);
/* A shared series' value in slot `slot`, false unless that slot is live. */
bool pf__gauge_slot_value(const pf_series *s, unsigned slot, double *v);

#endif /* PF_GAUGE_H */
