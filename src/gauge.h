/* SPDX-License-Identifier: MIT */
/*
 * gauge.c: gauges.
 */
#ifndef PF_GAUGE_H
#define PF_GAUGE_H

#include "family.h"

/* The value of a gauge series. */
double pf__gauge_value(const pf_series *s);

#endif /* PF_GAUGE_H */
