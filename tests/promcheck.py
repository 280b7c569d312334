#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""promcheck: a strict checker of .prom textfiles, as node_exporter's
textfile collector reads them (text format 0.0.4; the rules are those of
../shared/TEXTFILE.md).

Usage: promcheck.py FILE...     ("-" reads standard input)
       promcheck.py --rules     (list the rules and what each one means)

`promtool check metrics` is necessary but not sufficient: it accepts
timestamps, "__" label names, duplicate series, histograms without +Inf,
negative counters and invalid UTF-8 in HELP. This checker refuses those and
every other rule of TEXTFILE.md that a file can break, and is stricter than
node_exporter's parser where TEXTFILE.md asks for it (values spelled only
NaN, +Inf, -Inf or decimal; TYPE tokens in lower case). The naming lint of
promtool (_total, units, HELP present) is left to promtool.

Each problem is printed as one line "FILE:LINE: RULE: MESSAGE". Exit 0 when
every file is clean, 1 when any file has a problem, 2 on a usage error or a
file that cannot be read. Only the standard library is used.
"""
import math
import re
import sys

# The rules, in the order of TEXTFILE.md. A bad file of the test corpus
# (tests/data/promcheck/bad) names the rule it breaks; check-promcheck.sh
# makes sure that every rule has one.
RULES = [
    ("empty", "warning: no samples at all; node_exporter reads the file "
     "as \"no metrics\" without an error, and our writer never writes one, "
     "so it fails"),
    ("newline", "the file does not end in a newline: its last line is "
     "cut off"),
    ("cr", "a carriage return (CRLF line ends): node_exporter drops the "
     "file"),
    ("utf8", "invalid UTF-8 (label value, HELP or anywhere else)"),
    ("eof", "an OpenMetrics \"# EOF\" line"),
    ("syntax", "a line text format 0.0.4 cannot parse"),
    ("timestamp", "a sample with a timestamp: node_exporter drops the file"),
    ("metric-name", "a metric name that is not [a-zA-Z_:][a-zA-Z0-9_:]*, "
     "or a sample without one"),
    ("label-name", "a label name that is not [a-zA-Z_][a-zA-Z0-9_]*"),
    ("label-dunder", "a label name starting with \"__\": it crashes "
     "node_exporter"),
    ("label-dup", "the same label name twice in one sample"),
    ("label-misplaced", "le outside a histogram's _bucket samples, or "
     "quantile outside a summary's"),
    ("label-escape", "a label value escape other than \\\\, \\\" and \\n"),
    ("help-escape", "a HELP escape other than \\\\ and \\n (\\\" "
     "included)"),
    ("help-dup", "a second HELP for a family"),
    ("type-dup", "a second TYPE for a family"),
    ("type-late", "a TYPE after samples of its family"),
    ("type-unknown", "a TYPE other than counter, gauge, histogram, summary "
     "and untyped"),
    ("family-split", "a family whose lines are not one contiguous block"),
    ("series-dup", "the same series twice: same name and label set (label "
     "order does not matter, an empty value is no label)"),
    ("value", "a value Go's ParseFloat refuses, or spelled other than NaN, "
     "+Inf, -Inf or a decimal (-nan, nan, 0,25, 0x1p-2, 1_000, empty, "
     "out of range)"),
    ("counter-negative", "a counter below zero, -Inf or NaN"),
    ("histogram-name", "a sample of a histogram family not named "
     "<family>_bucket, _sum or _count"),
    ("histogram-le", "a _bucket sample without le, or with an le that does "
     "not parse"),
    ("histogram-order", "buckets of one label set not in increasing le "
     "order"),
    ("histogram-cumulative", "a bucket count below the one before it: "
     "buckets must be cumulative"),
    ("histogram-count", "a bucket or _count that is not a whole number "
     ">= 0"),
    ("histogram-inf", "a label set without a +Inf bucket as its last, or "
     "whose +Inf bucket differs from its _count"),
    ("histogram-sum-count", "a label set with buckets but no _sum or no "
     "_count, or with a _sum or _count but no bucket"),
    ("summary-quantile", "a summary sample (not _sum or _count) without a "
     "quantile label that parses"),
]
RULE_NAMES = {name for name, _ in RULES}

TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
# What Go's strconv.ParseFloat accepts in decimal notation (no hex, no
# underscores: the text parser refuses those even where Go allows them).
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
                     r"(?:[eE][+-]?[0-9]+)?\Z")
SPECIAL = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf}
# What Go's strconv.ParseInt (base 10) accepts: a timestamp.
INTEGER = re.compile(r"[+-]?[0-9]+\Z")
# One label: name, =, quoted value with its escapes, as the Go parser
# allows blanks around each token. Names are taken loosely here and
# checked against LABEL_NAME afterwards, for a precise message.
LABEL = re.compile(r'[ \t]*([^ \t=,{}"]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"'
                   r"[ \t]*")
ESCAPE = re.compile(r"\\(.?)", re.S)
TOKEN = re.compile(r"[^ \t]*")
# The usual sample line, as our writer makes it: a name, labels with valid
# names and escapes, one space, a value and nothing else. Lines that do not
# match take the slow path, which says what is wrong.
FAST_SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)'
                         r'(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="'
                         r'(?:[^"\\]|\\[\\"n])*",)*'
                         r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\[\\"n])*")\})?'
                         r' ([^ \t]+)\Z')
FAST_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
NAME_TOKEN = re.compile(r"[^ \t{]*")
BLANKS = " \t"


def parse_float(s):
    """The value of `s` spelled as TEXTFILE.md allows, or None."""
    if s in SPECIAL:
        return SPECIAL[s]
    if not DECIMAL.match(s):
        return None
    v = float(s)
    # ParseFloat reports an overflow (ErrRange); the parser refuses it.
    if math.isinf(v):
        return None
    return v


def is_count(v):
    """Is `v` a whole number >= 0, as a bucket or _count must be?"""
    return math.isfinite(v) and v >= 0 and v == int(v)


def show_labels(labels):
    if not labels:
        return ""
    return "{" + ",".join('%s="%s"' % kv for kv in labels) + "}"


def show_escape(m):
    """The escape sequence of ESCAPE match `m`, for a message."""
    if not m.group(1):
        return "a backslash at the end"
    return "escape \"\\%s\"" % m.group(1)


class Family:
    def __init__(self, name, line):
        self.name = name
        self.type = None        # None: untyped, no TYPE line
        self.type_line = 0
        self.help_line = 0
        self.sample_line = 0    # the first sample's
        self.block_line = line  # where its current block began
        # Histograms: label set (le and empty values left out) ->
        # {"first": line, "labels", "buckets": [(le, le text, value,
        # value text, line)], "sum": line, "count": (value, text, line)}.
        self.groups = {}


class Checker:
    def __init__(self, name):
        self.name = name
        self.problems = []
        self.families = {}
        self.current = None
        self.series = {}
        self.samples = 0

    def report(self, line, rule, msg):
        assert rule in RULE_NAMES, rule
        self.problems.append((line, rule, msg))

    # ---- Families, as the Go parser finds them --------------------------

    def family_of(self, name, line):
        """The family a HELP, TYPE or sample line of `name` belongs to: its
        own if it exists, else that of a histogram or summary whose
        _bucket, _sum or _count it is, else a new, untyped one."""
        fam = self.families.get(name)
        if fam:
            return fam
        for suffix, types in (("_bucket", ("histogram",)),
                              ("_sum", ("histogram", "summary")),
                              ("_count", ("histogram", "summary"))):
            if name.endswith(suffix):
                base = self.families.get(name[:-len(suffix)])
                if base and base.type in types:
                    return base
        fam = Family(name, line)
        self.families[name] = fam
        return fam

    def touch(self, fam, line):
        """Line `line` belongs to `fam`: it must continue fam's block or
        begin its first one."""
        if fam is self.current:
            return
        if fam.block_line != line:
            self.report(line, "family-split",
                        "family %s resumes here: its lines began at line %d "
                        "and other families came between"
                        % (fam.name, fam.block_line))
        fam.block_line = line
        self.current = fam

    # ---- Comments ---------------------------------------------------------

    def comment(self, text, lineno):
        rest = text[1:].lstrip(BLANKS)
        m = TOKEN.match(rest)
        keyword = m.group(0)
        rest = rest[m.end():]
        if keyword == "EOF":
            self.report(lineno, "eof", "\"# EOF\" ends an OpenMetrics "
                        "text; in format 0.0.4 it is a plain comment, and "
                        "the file was written for another format")
            return
        if keyword not in ("HELP", "TYPE"):
            return
        rest = rest.lstrip(BLANKS)
        m = TOKEN.match(rest)
        name = m.group(0)
        rest = rest[m.end():].lstrip(BLANKS)
        if not name:
            self.report(lineno, "syntax", "%s without a metric name"
                        % keyword)
            return
        if not METRIC_NAME.match(name):
            self.report(lineno, "metric-name", "invalid metric name %r in %s"
                        % (name, keyword))
        fam = self.family_of(name, lineno)
        self.touch(fam, lineno)
        if keyword == "HELP":
            self.help(fam, rest, lineno)
        else:
            self.type(fam, rest, lineno)

    def help(self, fam, text, lineno):
        if fam.help_line:
            self.report(lineno, "help-dup", "second HELP for %s (the first "
                        "is at line %d)" % (fam.name, fam.help_line))
        else:
            fam.help_line = lineno
        for m in ESCAPE.finditer(text):
            if m.group(1) not in ("\\", "n"):
                self.report(lineno, "help-escape", "%s in HELP: only \\\\ "
                            "and \\n are escapes there" % show_escape(m))

    def type(self, fam, token, lineno):
        if fam.type_line:
            self.report(lineno, "type-dup", "second TYPE for %s (the first "
                        "is at line %d)" % (fam.name, fam.type_line))
            return
        fam.type_line = lineno
        if token not in TYPES:
            self.report(lineno, "type-unknown", "TYPE %r of %s is none of "
                        "%s" % (token, fam.name, ", ".join(TYPES)))
            return
        fam.type = token
        if fam.sample_line:
            self.report(lineno, "type-late", "TYPE of %s after its first "
                        "sample at line %d" % (fam.name, fam.sample_line))
        # Samples of x_bucket, x_sum, x_count before "TYPE x histogram"
        # made families of their own; they were x's.
        if token in ("histogram", "summary"):
            for suffix in ("_bucket", "_sum", "_count"):
                other = self.families.get(fam.name + suffix)
                if other and other.sample_line and other.type is None:
                    self.report(lineno, "type-late", "TYPE of %s after "
                                "the sample of %s at line %d"
                                % (fam.name, other.name, other.sample_line))

    # ---- Samples --------------------------------------------------------

    def sample(self, text, lineno):
        """Parse a sample line and check it."""
        self.samples += 1
        m = FAST_SAMPLE.match(text)
        if m:
            name, body, token = m.group(1, 2, 3)
            labels = FAST_LABEL.findall(body) if body else []
            value = parse_float(token)
            if value is None:
                self.report(lineno, "value", "value %r is not NaN, +Inf, "
                            "-Inf or a decimal number Go's ParseFloat "
                            "accepts" % token)
        else:
            parsed = self.parse_sample(text, lineno)
            if not parsed:
                return
            name, labels, token, value = parsed
        self.check_labels(labels, lineno)
        if not name:
            return
        fam = self.family_of(name, lineno)
        self.touch(fam, lineno)
        if not fam.sample_line:
            fam.sample_line = lineno
        self.check_series(name, labels, lineno)
        self.check_type(fam, name, labels, token, value, lineno)

    def parse_sample(self, text, lineno):
        """Parse a sample line as the Go text parser does, blanks around
        tokens included, reporting what is wrong on the way. Returns
        (name, labels, value text, value) or None if it cannot."""
        m = NAME_TOKEN.match(text)
        name = m.group(0)
        pos = m.end()
        if not name:
            self.report(lineno, "metric-name", "sample without a metric "
                        "name (it crashed node_exporter 1.9.1+)")
        elif not METRIC_NAME.match(name):
            self.report(lineno, "metric-name", "invalid metric name %r"
                        % name)
        while pos < len(text) and text[pos] in BLANKS:
            pos += 1
        labels = []
        if pos < len(text) and text[pos] == "{":
            pos += 1
            while True:
                while pos < len(text) and text[pos] in BLANKS:
                    pos += 1
                if pos < len(text) and text[pos] == "}":
                    pos += 1
                    break
                m = LABEL.match(text, pos)
                if not m:
                    self.report(lineno, "syntax", "cannot parse a label at "
                                "column %d" % (pos + 1))
                    return None
                labels.append((m.group(1), m.group(2)))
                pos = m.end()
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                elif pos < len(text) and text[pos] == "}":
                    pos += 1
                    break
                else:
                    self.report(lineno, "syntax", "expected \",\" or \"}\" "
                                "at column %d" % (pos + 1))
                    return None
            while pos < len(text) and text[pos] in BLANKS:
                pos += 1
        m = TOKEN.match(text, pos)
        token = m.group(0)
        rest = text[m.end():]
        value = parse_float(token)
        if value is None:
            self.report(lineno, "value", "value %r is not NaN, +Inf, -Inf "
                        "or a decimal number Go's ParseFloat accepts"
                        % token if token else "sample without a value")
        if rest:
            extra = rest.strip(BLANKS)
            first = extra.split()[0] if extra else ""
            if not extra:
                self.report(lineno, "syntax", "blanks after the value (the "
                            "parser then expects a timestamp)")
            elif INTEGER.match(first):
                self.report(lineno, "timestamp", "timestamp %s: "
                            "node_exporter refuses the whole file" % first)
                if first != extra:
                    self.report(lineno, "syntax", "text after the "
                                "timestamp")
            else:
                self.report(lineno, "syntax", "text after the value: %r"
                            % extra)
        return name, labels, token, value

    def check_labels(self, labels, lineno):
        seen = set()
        for lname, lvalue in labels:
            if not LABEL_NAME.match(lname):
                self.report(lineno, "label-name", "invalid label name %r"
                            % lname)
            if lname.startswith("__"):
                self.report(lineno, "label-dunder", "label name %r starts "
                            "with \"__\" (node_exporter panics on it)"
                            % lname)
            if lname in seen:
                self.report(lineno, "label-dup", "label %r twice" % lname)
            seen.add(lname)
            if "\\" not in lvalue:
                continue
            for m in ESCAPE.finditer(lvalue):
                if m.group(1) not in ("\\", "\"", "n"):
                    self.report(lineno, "label-escape", "%s in the value of "
                                "label %s: only \\\\, \\\" and \\n are "
                                "escapes there" % (show_escape(m), lname))

    def check_series(self, name, labels, lineno):
        # Values stay escaped: with only three escapes, each of them
        # required, the escaped text is unique.
        key = (name, frozenset((k, v) for k, v in labels if v != ""))
        first = self.series.get(key)
        if first:
            self.report(lineno, "series-dup", "series %s%s already at line "
                        "%d" % (name, show_labels(labels), first))
        else:
            self.series[key] = lineno

    def check_type(self, fam, name, labels, token, value, lineno):
        names = [k for k, _ in labels]
        is_bucket = fam.type == "histogram" and name == fam.name + "_bucket"
        is_summary = fam.type == "summary" and name == fam.name
        if "le" in names and not is_bucket:
            self.report(lineno, "label-misplaced", "label le on %s, which "
                        "is not the _bucket of a histogram" % name)
        if "quantile" in names and not is_summary:
            self.report(lineno, "label-misplaced", "label quantile on %s, "
                        "which is not a summary's quantile" % name)
        if fam.type == "counter":
            if value is not None and (math.isnan(value) or value < 0):
                self.report(lineno, "counter-negative", "counter %s is %s"
                            % (name, token))
        elif fam.type == "histogram":
            self.histogram_sample(fam, name, labels, token, value, lineno)
        elif is_summary:
            q = dict(labels).get("quantile")
            if q is None:
                self.report(lineno, "summary-quantile", "summary sample "
                            "%s without a quantile label" % name)
            elif parse_float(q) is None:
                self.report(lineno, "summary-quantile", "quantile %r does "
                            "not parse" % q)

    def histogram_sample(self, fam, name, labels, token, value, lineno):
        suffix = name[len(fam.name):]
        if suffix not in ("_bucket", "_sum", "_count"):
            self.report(lineno, "histogram-name", "sample %s of histogram "
                        "%s is not %s_bucket, _sum or _count"
                        % (name, fam.name, fam.name))
            return
        rest = tuple(sorted((k, v) for k, v in labels
                            if k != "le" and v != ""))
        group = fam.groups.get(rest)
        if group is None:
            group = {"first": lineno, "labels": rest, "buckets": [],
                     "sum": 0, "count": None}
            fam.groups[rest] = group
        if suffix != "_sum" and value is not None and not is_count(value):
            self.report(lineno, "histogram-count", "%s is %s: counts are "
                        "whole numbers >= 0" % (name, token))
        if suffix == "_sum":
            group["sum"] = lineno
        elif suffix == "_count":
            group["count"] = (value, token, lineno)
        else:
            le = [v for k, v in labels if k == "le"]
            if not le:
                self.report(lineno, "histogram-le", "bucket without an le "
                            "label")
            elif parse_float(le[0]) is None:
                self.report(lineno, "histogram-le", "le %r does not parse"
                            % le[0])
            else:
                group["buckets"].append((parse_float(le[0]), le[0], value,
                                         token, lineno))

    def histograms(self):
        """The checks that need a whole histogram: order, cumulative
        counts, +Inf, _sum and _count."""
        for fam in self.families.values():
            if fam.type != "histogram":
                continue
            for group in sorted(fam.groups.values(),
                                key=lambda g: g["first"]):
                self.histogram_group(fam, group)

    def histogram_group(self, fam, group):
        where = fam.name + show_labels(group["labels"])
        buckets = group["buckets"]
        prev = None
        for bucket in buckets:
            le, le_text, value, token, lineno = bucket
            if prev is not None:
                if not le > prev[0]:
                    self.report(lineno, "histogram-order", "le=\"%s\" after "
                                "le=\"%s\" in %s: buckets go in increasing "
                                "le" % (le_text, prev[1], where))
                if (value is not None and prev[2] is not None and
                        value < prev[2]):
                    self.report(lineno, "histogram-cumulative", "bucket "
                                "le=\"%s\" of %s counts %s, less than the %s "
                                "of le=\"%s\" before it"
                                % (le_text, where, token, prev[3], prev[1]))
            prev = bucket
        count = group["count"]
        if not buckets:
            self.report(group["first"], "histogram-sum-count", "%s has a "
                        "_sum or _count but no bucket" % where)
            return
        last_le, last_text, last_value, last_token, last_line = buckets[-1]
        if last_le != math.inf:
            self.report(last_line, "histogram-inf", "the last bucket of %s "
                        "is le=\"%s\", not le=\"+Inf\"" % (where, last_text))
        elif (count is not None and count[0] is not None and
              last_value is not None and count[0] != last_value):
            self.report(count[2], "histogram-inf", "_count %s of %s differs "
                        "from its +Inf bucket, %s (line %d)"
                        % (count[1], where, last_token, last_line))
        if count is None:
            self.report(buckets[0][2], "histogram-sum-count", "%s has "
                        "buckets but no _count" % where)
        if not group["sum"]:
            self.report(buckets[0][2], "histogram-sum-count", "%s has "
                        "buckets but no _sum" % where)

    # ---- The whole file -------------------------------------------------

    def check(self, data):
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        elif data:
            self.report(len(lines), "newline", "no newline at the end of "
                        "the file: its last line is cut off")
        for lineno, raw in enumerate(lines, 1):
            if b"\r" in raw:
                self.report(lineno, "cr", "carriage return in the line "
                            "(CRLF line end?)")
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.report(lineno, "utf8", "invalid UTF-8 at column %d"
                            % (e.start + 1))
                text = raw.decode("utf-8", "surrogateescape")
            stripped = text.lstrip(BLANKS)
            if not stripped:
                continue
            if stripped.startswith("#"):
                self.comment(stripped, lineno)
            else:
                self.sample(stripped, lineno)
        self.histograms()
        if self.samples == 0:
            self.report(1, "empty", "warning: no samples (%s); "
                        "node_exporter reads this as \"no metrics\" "
                        "without an error" %
                        ("empty file" if not data else "no sample line"))
        self.problems.sort(key=lambda p: p[0])
        return self.problems


def usage(out):
    out.write("usage: promcheck.py FILE...   (\"-\": standard input)\n"
              "       promcheck.py --rules\n")


def main(argv):
    if len(argv) == 1 and argv[0] in ("-h", "--help"):
        usage(sys.stdout)
        return 0
    if len(argv) == 1 and argv[0] == "--rules":
        for name, text in RULES:
            print("%-21s %s" % (name, text))
        return 0
    if not argv or any(a.startswith("-") and a != "-" for a in argv):
        usage(sys.stderr)
        return 2
    status = 0
    for path in argv:
        try:
            if path == "-":
                name, data = "<stdin>", sys.stdin.buffer.read()
            else:
                with open(path, "rb") as f:
                    name, data = path, f.read()
        except OSError as e:
            print("promcheck.py: %s: %s" % (path, e.strerror),
                  file=sys.stderr)
            return 2
        for lineno, rule, msg in Checker(name).check(data):
            print("%s:%d: %s: %s" % (name, lineno, rule, msg))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
