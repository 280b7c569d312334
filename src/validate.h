/* SPDX-License-Identifier: MIT */
/*
 * validate.c: the rules for names, HELP texts and label values, with a
 * message for each refusal, and promtool's naming lints.
 */
#ifndef PF_VALIDATE_H
#define PF_VALIDATE_H

#include "format.h"

/* Each returns 0, or -EINVAL with a message for pf_last_error(). */
int pf__check_metric_name(const char *name, enum pf_type type);
int pf__check_label_name(const char *name);
int pf__check_help(const char *help);
int pf__check_label_value(const char *value, size_t len);
/* promlint's camelCase rule, which the checks above apply to names: does
 * s have a lower-case letter followed by an upper-case one? */
bool pf__camel_case(const char *s);
/* Copy s[0..len) to dst, each byte that starts no valid UTF-8 sequence
 * (and each CR) replaced by U+FFFD, stopping before the first character
 * that would take the copy past `max` bytes (SIZE_MAX: no limit; dst
 * holds min(3 * len, max) bytes). Returns the length. */
size_t pf__utf8_repair(const char *s, size_t len, char *dst, size_t max);
/* The length of s cut to at most max bytes at a character boundary. */
size_t pf__utf8_cut(const char *s, size_t len, size_t max);

#endif /* PF_VALIDATE_H */
