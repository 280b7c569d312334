/* SPDX-License-Identifier: MIT */
/*
 * The rules of promfile check, one row each: its name, what node_exporter
 * 1.5 does with a file that breaks it (which makes it an error or a
 * warning), and one sentence. Each verdict was found with the real
 * node_exporter (tests/nodeexp.py verdict; tests/check-verdicts.sh runs it
 * on every file of the corpus). promfile(1) lists the same rules.
 */
#include "reader.h"

#define REFUSED PF_VERDICT_REFUSED
#define CRASHED PF_VERDICT_CRASHED
#define DROPPED PF_VERDICT_DROPPED
#define OK PF_VERDICT_OK

/* clang-format off */
static const pf_rule_info rules[PF_NRULES] = {
    [PF_RULE_TIMESTAMP] = {"timestamp", REFUSED, false,
        "a sample with a timestamp: node_exporter refuses the file"},
    [PF_RULE_NEWLINE] = {"newline", REFUSED, false,
        "the last line has no final newline (a file cut off): refused"},
    [PF_RULE_CR] = {"cr", REFUSED, false,
        "a carriage return (CRLF line ends) in a TYPE, a name or a "
        "value: refused"},
    [PF_RULE_UTF8] = {"utf8", REFUSED, false,
        "a label value that is not valid UTF-8: refused"},
    [PF_RULE_HELP_ESCAPE] = {"help-escape", REFUSED, false,
        "an escape in HELP other than \\\\ and \\n (\\\" too): refused"},
    [PF_RULE_LABEL_ESCAPE] = {"label-escape", REFUSED, false,
        "an escape in a label value other than \\\\, \\\" and \\n: refused"},
    [PF_RULE_HELP_DUP] = {"help-dup", REFUSED, false,
        "a second HELP for a family: refused"},
    [PF_RULE_TYPE_DUP] = {"type-dup", REFUSED, false,
        "a second TYPE for a family: refused"},
    [PF_RULE_TYPE_AFTER_SAMPLES] = {"type-after-samples", REFUSED, false,
        "a TYPE after samples of its family: refused"},
    [PF_RULE_TYPE] = {"type", REFUSED, false,
        "a TYPE that is no type (trailing blanks too): refused"},
    [PF_RULE_OPENMETRICS] = {"openmetrics", REFUSED, false,
        "a TYPE of OpenMetrics only (info, stateset, gaugehistogram, "
        "unknown): refused"},
    [PF_RULE_EXEMPLAR] = {"exemplar", REFUSED, false,
        "an exemplar after a value (OpenMetrics): refused"},
    [PF_RULE_SYNTAX] = {"syntax", REFUSED, false,
        "a line the parser cannot read: refused"},
    [PF_RULE_NAME] = {"name", REFUSED, false,
        "an invalid metric name in HELP or TYPE: refused"},
    [PF_RULE_NO_NAME] = {"no-name", REFUSED, false,
        "a sample without a metric name: refused (node_exporter 1.9.1 "
        "and later crash)"},
    [PF_RULE_LABEL_SYNTAX] = {"label-syntax", REFUSED, false,
        "a label set the parser cannot read: refused"},
    [PF_RULE_LABEL_DUP] = {"label-dup", REFUSED, false,
        "a label twice in one sample: refused"},
    [PF_RULE_RESERVED_NAME_LABEL] = {"reserved-name-label", REFUSED, false,
        "a label named __name__: refused"},
    [PF_RULE_VALUE] = {"value", REFUSED, false,
        "a value Go's ParseFloat refuses (-nan, 0,25, hex, 1_000, 1e400, "
        "none): refused"},
    [PF_RULE_LE_QUANTILE_VALUE] = {"le-quantile-value", REFUSED, false,
        "an le of a histogram or a quantile of a summary that is not a "
        "number: refused"},
    [PF_RULE_READ] = {"read", REFUSED, false,
        "a file that cannot be opened or read (a broken link): refused"},
    [PF_RULE_PERMISSION] = {"permission", REFUSED, false,
        "the exporter's user cannot read the file or search its "
        "directory: refused"},
    [PF_RULE_NOT_REGULAR] = {"not-regular", REFUSED, false,
        "a FIFO, socket or device: node_exporter fails on it or blocks "
        "reading it"},
    [PF_RULE_TOO_LARGE] = {"too-large", REFUSED, false,
        "a file over 256 MiB, not read: node_exporter would take longer "
        "than a scrape timeout"},
    [PF_RULE_RESERVED_LABEL] = {"reserved-label", CRASHED, false,
        "a label name starting with __: node_exporter panics"},
    [PF_RULE_TYPE_CRASH] = {"type-crash", CRASHED, false,
        "TYPE gauge_histogram (any case) with samples: node_exporter "
        "panics"},
    [PF_RULE_DUPLICATE] = {"duplicate", DROPPED, false,
        "the same series twice in a file (an empty label value is no "
        "label): one is dropped"},
    [PF_RULE_DUPLICATE_ACROSS] = {"duplicate-across", DROPPED, false,
        "the same series in two files of a directory: one is dropped"},
    [PF_RULE_CONFLICT] = {"conflict", DROPPED, false,
        "a family with another TYPE or HELP than in another file: its "
        "samples there are dropped"},
    [PF_RULE_COLLISION] = {"collision", DROPPED, false,
        "a name that a histogram's or summary's _bucket, _sum or _count "
        "makes: one family is dropped"},
    [PF_RULE_NODE_EXPORTER] = {"node-exporter", DROPPED, false,
        "a family or series that node_exporter exports itself: dropped"},
    [PF_RULE_VALUE_SPELLING] = {"value-spelling", OK, false,
        "a number spelled as the library never does (inf, nan, "
        "+Infinity, +1): read"},
    [PF_RULE_COUNTER_NEGATIVE] = {"counter-negative", OK, false,
        "a counter below zero: read"},
    [PF_RULE_COUNTER_NAN] = {"counter-nan", OK, false,
        "a counter whose value is NaN: read"},
    [PF_RULE_HISTOGRAM] = {"histogram", OK, false,
        "a histogram without +Inf, _sum or _count, not cumulative or "
        "unordered: passed through or repaired"},
    [PF_RULE_SUMMARY] = {"summary", OK, false,
        "a summary sample without a quantile: ignored"},
    [PF_RULE_LE_QUANTILE] = {"le-quantile", OK, false,
        "le outside the buckets of a histogram, quantile outside a "
        "summary's quantiles: read or ignored"},
    [PF_RULE_CONTIGUOUS] = {"contiguous", OK, false,
        "a family whose lines are not one block: merged"},
    [PF_RULE_TYPE_CASE] = {"type-case", OK, false,
        "a TYPE not in lower case (GAUGE): read"},
    [PF_RULE_NAME_RESERVED] = {"name-reserved", OK, false,
        "a metric name starting with __: read"},
    [PF_RULE_UTF8_HELP] = {"utf8-help", OK, false,
        "a HELP that is not valid UTF-8: passed through"},
    [PF_RULE_CR_TEXT] = {"cr-text", OK, false,
        "a carriage return in a HELP, a label value or a comment: kept"},
    [PF_RULE_EOF] = {"eof", OK, false,
        "# EOF (OpenMetrics): a plain comment"},
    [PF_RULE_UNIT] = {"unit", OK, false,
        "# UNIT (OpenMetrics): a plain comment"},
    [PF_RULE_IGNORED] = {"ignored", OK, false,
        "a HELP or TYPE without a name or a text: ignored"},
    [PF_RULE_HELP_ORDER] = {"help-order", OK, false,
        "a HELP after samples of its family: read"},
    [PF_RULE_EMPTY] = {"empty", OK, false,
        "a file without samples: no metrics, and no error"},
    [PF_RULE_NO_SAMPLES] = {"no-samples", OK, false,
        "a HELP or TYPE of a family without samples: dropped silently"},
    [PF_RULE_DIRECTORY] = {"directory", OK, false,
        "a directory whose name ends in .prom: read as an empty file"},
    [PF_RULE_FILE_NAME] = {"file-name", OK, false,
        "a file whose name does not end in .prom: never read"},
    [PF_RULE_NODE_EXPORTER_SERIES] = {"node-exporter-series", OK, false,
        "a series with the label names of node_exporter's own: dropped "
        "if its values are one of node_exporter's"},
    [PF_RULE_DUPLICATE_INGEST] = {"duplicate-ingest", OK, false,
        "the same series in two files once empty labels are dropped: "
        "node_exporter serves both, Prometheus keeps one"},
    [PF_RULE_LINT_HELP] = {"lint-help", OK, true,
        "a family without HELP (promtool's lint)"},
    [PF_RULE_LINT_NAME] = {"lint-name", OK, true,
        "a name promtool's lints flag: _total, units, camelCase, colons, "
        "type names"},
    [PF_RULE_STALE] = {"stale", OK, false,
        "with --max-age, a file not written for longer: read all the "
        "same, its writer may be gone", true},
};
/* clang-format on */

bool pf__rule_is_error(const pf_rule_info *ri)
{
    return ri->verdict != PF_VERDICT_OK || ri->asked;
}

const pf_rule_info *pf__rule_info(enum pf_rule r)
{
    return &rules[(unsigned)r < PF_NRULES ? r : PF_RULE_SYNTAX];
}
