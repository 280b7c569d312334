/* SPDX-License-Identifier: MIT */
/*
 * For the fuzz targets that render: what the library renders must read
 * clean to the reader of promfile check (src/text/reader.h), warnings
 * included, as `promfile check --strict` would have it.
 */
#ifndef FUZZ_STRICT_H
#define FUZZ_STRICT_H

#include <stddef.h>

/* Read text[0..len) as one textfile; print the problems and abort() on
 * any (an empty render, of a registry without series, may say "empty"
 * only). */
void fuzz_strict(const char *text, size_t len);

#endif
