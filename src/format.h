/* SPDX-License-Identifier: MIT */
/*
 * format.c: the facts of the text format 0.0.4, as node_exporter 1.5 and
 * promtool 2.42 read it (../shared/TEXTFILE.md), each defined once here
 * and used by the library's validation and renderer and by the reader of
 * promfile check (issue 13): the type names, the characters of names, the
 * reserved prefix, the labels le and quantile, the samples' suffixes, the
 * values' spellings, the escapes and UTF-8.
 */
#ifndef PF_FORMAT_H
#define PF_FORMAT_H

#include "base.h"

/* ---- Types ---- */

enum pf_type {
    PF_TYPE_UNTYPED = 0,
    PF_TYPE_COUNTER,
    PF_TYPE_GAUGE,
    PF_TYPE_HISTOGRAM,
    PF_TYPE_SUMMARY,
};
#define PF_NTYPES 5

/* "untyped", "counter", "gauge", "histogram", "summary". */
const char *pf__type_name(enum pf_type t);
/* A type client_model names that node_exporter 1.5 cannot handle. */
#define PF_TYPE_NAME_GAUGE_HISTOGRAM "gauge_histogram"

/* How node_exporter 1.5's parser takes the TYPE token tok[0..n). */
enum pf_type_token {
    PF_TOKEN_EXACT,   /* a type, in lower case: *ret is set */
    PF_TOKEN_FOLDED,  /* a type in another case ("GAUGE"): read as one */
    PF_TOKEN_CRASH,   /* gauge_histogram, in any case: the parser takes
                         it and node_exporter then panics */
    PF_TOKEN_UNKNOWN, /* anything else (info, stateset, gaugehistogram,
                         unknown of OpenMetrics): the file is refused */
};
enum pf_type_token pf__type_parse(const char *tok, size_t n, enum pf_type *ret);

/* ---- Names ---- */

/* Metric names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same
 * without ':'. */
bool pf__name_start(char c, bool metric);
bool pf__name_char(char c, bool metric);
/* The length of the name at s[0..n) (0: none starts there). */
size_t pf__name_span(const char *s, size_t n, bool metric);
/* Is the NUL-terminated s a whole valid name? */
bool pf__name_valid(const char *s, bool metric);

/* Names that start with "__" are reserved: Prometheus's own labels, and a
 * label of that kind in a textfile makes node_exporter panic. */
#define PF_RESERVED_PREFIX "__"
bool pf__name_reserved(const char *name);

/* The labels of histogram buckets and summary quantiles. */
#define PF_LABEL_LE "le"
#define PF_LABEL_QUANTILE "quantile"
bool pf__label_is_le_or_quantile(const char *name);

/* ---- Samples of a family ---- */

/* The samples of a histogram x are x_bucket, x_sum and x_count; those of
 * a summary x are x (with quantile), x_sum and x_count. */
enum pf_suffix {
    PF_SUFFIX_NONE = 0,
    PF_SUFFIX_BUCKET,
    PF_SUFFIX_SUM,
    PF_SUFFIX_COUNT,
};
#define PF_NSUFFIXES 4

/* "", "_bucket", "_sum", "_count", and their lengths. */
const char *pf__suffix_name(enum pf_suffix s);
size_t pf__suffix_len(enum pf_suffix s);
/* Does a sample of a family of type t carry suffix s? (Every type has
 * unsuffixed samples but a histogram.) */
bool pf__type_has_suffix(enum pf_type t, enum pf_suffix s);
/* The suffix name[0..n) ends with (not the whole name), and in *base the
 * length before it; PF_SUFFIX_NONE and n if none. */
enum pf_suffix pf__suffix_of(const char *name, size_t n, size_t *base);
/* Does s end with suffix? */
bool pf__ends_with(const char *s, const char *suffix);
/* What a counter's name ends with (a lint of promtool's, and how
 * promfile set tells a new counter). */
#define PF_COUNTER_SUFFIX "_total"

/* ---- Values ---- */

/* How the values that are not finite are written: the only spellings
 * Go's ParseFloat accepts that every reader also reads. */
#define PF_VALUE_NAN "NaN"
#define PF_VALUE_PINF "+Inf"
#define PF_VALUE_NINF "-Inf"

/* Does Go's strconv.ParseFloat, as prometheus/common's text parser calls
 * it (node_exporter 1.5, promtool 2.42), accept s[0..n)? If so, *ret (if
 * not NULL) is the value and *canonical (if not NULL) says whether it is
 * written as the library writes values: NaN, +Inf, -Inf or a decimal
 * number ([-]digits[.digits][e[+-]digits], or .digits), rather than in
 * another spelling Go accepts too (nan, inf, +Infinity, 1E3 is decimal).
 * Refused: glibc's -nan, a sign on NaN, a decimal comma, hex, digit
 * separators, an empty value, and numbers out of range. */
bool pf__parse_value(const char *s, size_t n, double *ret, bool *canonical);

/* Buffer sizes big enough for any output of the formatters below. */
#define PF_U64_BUFSZ 21
#define PF_DOUBLE_BUFSZ 32

/* Format `v` in decimal, exactly. Returns the length (no NUL written). */
size_t pf__fmt_u64(char *dst, uint64_t v);
/* Format `v` as Go's ParseFloat reads it back to the same double:
 * NaN, +Inf, -Inf, integers below 2^53 as integers, other values in the
 * shortest of %.15g/%.16g/%.17g that round-trips, in the C locale whatever
 * the process locale is. Returns the length, or 0 if no C locale could be
 * had (out of memory). */
size_t pf__fmt_double(char *dst, double v);
/* strtod() in the C locale. */
double pf__strtod_c(const char *s);

/* ---- Escapes ---- */

/* The character an escape "\c" stands for in a HELP text (c is '\\' or
 * 'n') or in a label value ('\\', '"' or 'n'); -1 if c makes no escape
 * there. Rendering escapes exactly these characters. */
int pf__help_unescape(char c);
int pf__label_unescape(char c);

/* ---- UTF-8 ---- */

/* Is s[0..len) well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), as Go's utf8.ValidString says? */
bool pf__utf8_valid(const char *s, size_t len);

/* ---- Lines and files (added for the reader of promfile check) ---- */

/* The blanks the parser skips between the tokens of a line: ' ' and '\t'
 * only. A '\r' is an ordinary byte, so a CRLF line ends in it. */
bool pf__is_blank(char c);

/* The keyword of a comment "# WORD ...", which the parser compares case
 * and all: HELP and TYPE, and the OpenMetrics ones it reads as plain
 * comments, EOF and UNIT. */
enum pf_keyword {
    PF_KEYWORD_NONE = 0,
    PF_KEYWORD_HELP,
    PF_KEYWORD_TYPE,
    PF_KEYWORD_EOF,
    PF_KEYWORD_UNIT,
};
enum pf_keyword pf__comment_keyword(const char *tok, size_t n);

/* Is tok[0..n) a type that only OpenMetrics has (info, stateset,
 * gaugehistogram, unknown)? pf__type_parse() says PF_TOKEN_UNKNOWN for
 * each: node_exporter refuses the file. */
bool pf__type_openmetrics(const char *tok, size_t n);

/* The label name the parser refuses in a sample (a label name starting
 * with PF_RESERVED_PREFIX otherwise passes the parser). */
#define PF_LABEL_METRIC_NAME "__name__"

/* Does Go's strconv.ParseInt(s, 10, 64), which the parser calls on the
 * token after a value, accept s[0..n)? Then the token is a timestamp:
 * [+-]digits, in the range of an int64. */
bool pf__parse_timestamp(const char *s, size_t n);

/* node_exporter's textfile collector reads the files whose name ends in
 * this, case and all. */
#define PF_TEXTFILE_SUFFIX ".prom"

#endif /* PF_FORMAT_H */
