/* SPDX-License-Identifier: MIT */
/*
 * A strict reader of what the library renders, for the fuzz targets: it
 * aborts (so that libFuzzer reports the input) on anything node_exporter
 * would reject or crash on, or that breaks a rule of TEXTFILE.md.
 */
#ifndef TEXTCHECK_H
#define TEXTCHECK_H

#include <stddef.h>

/* Check `len` bytes of text format 0.0.4; abort() on a violation. */
void textcheck(const char *text, size_t len);

#endif
