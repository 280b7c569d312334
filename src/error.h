/* SPDX-License-Identifier: MIT */
/*
 * error.c: the message of pf_last_error(), pf_strerror(), pf_version().
 */
#ifndef PF_ERROR_H
#define PF_ERROR_H

#include "base.h"

/* Record a one-sentence message for pf_last_error() and return `code`. */
int pf__err(int code, const char *fmt, ...) PF_PRINTF(2, 3);
/* pf_last_error() and pf_strerror(), for the library's own use. */
const char *pf__last_error(void);
const char *pf__strerror(int err);

#endif /* PF_ERROR_H */
