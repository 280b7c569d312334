#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Read a .prom file with Python's prometheus_client parser, an independent
reader, and compare what it understood with an expectation file.

Usage: promparse.py FILE.prom FILE.expect

The expectation file holds JSON lines, written by hand from what a test
meant: {"family", "type", "help"} for each family, in order, and
{"sample", "labels", "value"} for each sample (in any order). Values (and
"le" labels) are compared as numbers, NaN equal to NaN. Exit 0 when they
agree, 1 otherwise (each difference printed), 77 when the parser is not
installed.
"""
import json
import math
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("SKIP: python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(77)


def number(s):
    return float(s)


def same_number(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


def norm_labels(labels):
    """Labels as a sorted tuple, with le made numeric."""
    out = []
    for k, v in sorted(labels.items()):
        out.append((k, number(v) if k == "le" else v))
    return tuple(out)


def main():
    prom, expect = sys.argv[1], sys.argv[2]
    with open(prom, encoding="utf-8") as f:
        text = f.read()
    got_fams, got_samples = [], []
    for fam in text_string_to_metric_families(text):
        got_fams.append((fam.name, fam.type, fam.documentation))
        for s in fam.samples:
            got_samples.append((s.name, norm_labels(s.labels), s.value))

    want_fams, want_samples = [], []
    with open(expect, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if "family" in row:
                want_fams.append((row["family"], row["type"], row["help"]))
            else:
                want_samples.append((row["sample"], norm_labels(row["labels"]),
                                     number(row["value"])))

    errors = []
    if got_fams != want_fams:
        errors.append("families differ:\n  parsed   %r\n  expected %r"
                      % (got_fams, want_fams))
    key = lambda s: (s[0], s[1])
    got = sorted(got_samples, key=key)
    want = sorted(want_samples, key=key)
    if [key(s) for s in got] != [key(s) for s in want]:
        errors.append("sample names or labels differ:\n  parsed   %r\n"
                      "  expected %r" % ([key(s) for s in got],
                                         [key(s) for s in want]))
    else:
        for g, w in zip(got, want):
            if not same_number(g[2], w[2]):
                errors.append("%s%r: parsed %r, expected %r"
                              % (g[0], dict(g[1]), g[2], w[2]))
    for e in errors:
        print("%s: %s" % (prom, e), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
