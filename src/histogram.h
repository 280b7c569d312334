/* SPDX-License-Identifier: MIT */
/*
 * histogram.c: histograms, their buckets and their family set-up.
 */
#ifndef PF_HISTOGRAM_H
#define PF_HISTOGRAM_H

#include "family.h"

/* Fill in the histogram part of spec from the nbuckets bounds (NULL, 0:
 * the default ones): checked, with their le strings (which the family
 * owns once made) and the cells of a series. Returns 0, -EINVAL (with a
 * message) or -ENOMEM. */
int pf__histogram_spec(const double *buckets, size_t nbuckets,
                       pf_family_spec *spec);
/* Bucket i (non-cumulative; i == nbuckets is +Inf) of a histogram series,
 * read with acquire: an observation counted there has its sum added. */
uint64_t pf__histogram_bucket(const pf_series *s, size_t i);
/* The sum of a histogram series. */
double pf__histogram_sum(const pf_series *s);

#endif /* PF_HISTOGRAM_H */
