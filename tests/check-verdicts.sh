#!/bin/sh
# SPDX-License-Identifier: MIT
# promfile check says what node_exporter 1.5 does (issues 12 and 13). The
# real node_exporter (tests/nodeexp.py verdict) reads every case of the
# corpus: each file of tests/data/tool/{bad,good}, each directory of
# tests/data/tool/dirs, the golden files tests/data/*.prom, and directories
# made here of what git cannot hold (links, a broken one). For each case:
#   - promfile check exits 1 exactly when node_exporter does not read it
#     cleanly, and its errors foretell what node_exporter does: a rule
#     whose row says "crashed" means it crashes, else "refused" that it
#     refuses a file, else "dropped" that it drops samples (the table of
#     `promfile check --list-rules`);
#   - every bad file fails --strict; every good file, and every golden one,
#     passes --strict unless its first line is "# expect: RULE" for a
#     warning, which must then be reported; and every good file passes
#     `promtool check metrics` (exit 0, or 3 for promtool's lints where a
#     warning is expected) when promtool is installed.
#
# SKIP (77) when node_exporter (package prometheus-node-exporter) or
# python3 is missing.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
P=$top_builddir/src/tool/promfile
D=$srcdir/tests/data
python=/usr/bin/python3

if [ ! -x /usr/bin/prometheus-node-exporter ]; then
    echo "SKIP: /usr/bin/prometheus-node-exporter not found" \
        "(apt-get install prometheus-node-exporter)"
    exit 77
fi
if [ ! -x "$python" ]; then
    echo "SKIP: $python not found (apt-get install python3)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-verdicts.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# What git cannot hold: a link to a file, a broken link.
mkdir "$tmp/link" "$tmp/broken-link"
ln -s "$(cd "$D/tool/bad" && pwd)/timestamp.prom" "$tmp/link/l.prom"
cp "$D/tool/good/basic.prom" "$tmp/broken-link/a.prom"
ln -s "$tmp/nowhere.prom" "$tmp/broken-link/b.prom"

exec "$python" - "$P" "$srcdir/tests/nodeexp.py" "$D" "$tmp" <<'PY'
import glob
import os
import re
import shutil
import subprocess
import sys

promfile, nodeexp, data, tmp = sys.argv[1:5]
fails = []

rows = subprocess.run([promfile, "check", "--list-rules"], check=True,
                      capture_output=True, text=True).stdout.splitlines()
verdict_of = {}
severity_of = {}
for row in rows:
    name, severity, verdict = row.split()[:3]
    verdict_of[name] = verdict
    severity_of[name] = severity

bad = sorted(glob.glob(os.path.join(data, "tool", "bad", "*.prom")))
good = sorted(glob.glob(os.path.join(data, "tool", "good", "*.prom")))
golden = sorted(glob.glob(os.path.join(data, "*.prom")))
dirs = sorted(d for d in glob.glob(os.path.join(data, "tool", "dirs", "*"))
              if os.path.isdir(d))
made = [os.path.join(tmp, "link"), os.path.join(tmp, "broken-link")]
cases = bad + good + golden + dirs + made

out = subprocess.run([sys.executable, nodeexp, "verdict"] + cases,
                     capture_output=True, text=True)
if out.returncode != 0:
    print("FAIL: nodeexp.py verdict exited %d: %s"
          % (out.returncode, out.stderr))
    sys.exit(1)
oracle = {}
for line in out.stdout.splitlines():
    verdict, path = line.split(" | ")[0].split(" ", 1)
    oracle[path] = (verdict, line)


def expect_of(path):
    """The rules named by "# expect: RULE" first lines (every .prom file
    of a directory)."""
    files = ([os.path.join(path, e) for e in sorted(os.listdir(path))
              if e.endswith(".prom")] if os.path.isdir(path) else [path])
    rules = set()
    for f in files:
        if not os.path.isfile(f):
            continue
        if os.path.getsize(f) == 0:
            # An empty file cannot say so.
            rules.add("empty")
            continue
        with open(f, "rb") as fh:
            m = re.match(rb"# expect: ([a-z0-9-]+)", fh.readline())
        if m:
            rules.add(m.group(1).decode())
    return rules


DIAG = re.compile(r"^(.*?):(\d+): (error|warning): ([a-z0-9-]+): ")
RANK = {"ok": 0, "dropped": 1, "refused": 2, "crashed": 3}


def foretold(lines):
    """The verdict the errors foretell: per file, a refusal wins (the
    parser never hands the file on), then a crash; per directory, a crash
    wins, then a refusal, then drops."""
    per_file = {}
    for path, rule in lines:
        v = verdict_of[rule]
        if v == "read":
            continue
        prev = per_file.get(path, "ok")
        if prev == "refused" or v == "refused":
            per_file[path] = "refused"
        elif RANK[v] > RANK[prev]:
            per_file[path] = v
    vs = set(per_file.values())
    for v in ("crashed", "refused", "dropped"):
        if v in vs:
            return v
    return "ok"


def check(path, strict=False):
    r = subprocess.run([promfile, "check", "--user="] +
                       (["--strict"] if strict else []) + [path],
                       capture_output=True, text=True)
    diags = [(m.group(1), m.group(4)) for m in
             map(DIAG.match, r.stdout.splitlines()) if m]
    return r.returncode, diags, r.stdout


have_promtool = shutil.which("promtool") is not None
counts = {}
for path in cases:
    verdict, line = oracle.get(path, ("?", "no verdict"))
    counts[verdict] = counts.get(verdict, 0) + 1
    rc, diags, text = check(path)
    want_rc = 0 if verdict == "ok" else 1
    if rc != want_rc:
        fails.append("%s: node_exporter: %s; promfile check exits %d:\n%s"
                     % (path, line, rc, text))
        continue
    told = foretold(diags)
    if told != verdict:
        fails.append("%s: node_exporter: %s; the errors foretell %s:\n%s"
                     % (path, line, told, text))
    expect = expect_of(path)
    reported = {rule for _, rule in diags}
    for rule in expect:
        if rule not in severity_of:
            fails.append("%s: expects %s, which is no rule" % (path, rule))
        elif rule not in reported:
            fails.append("%s: expects %s, not reported:\n%s"
                         % (path, rule, text))
    warn_expected = any(severity_of.get(r) == "warning" for r in expect)
    src, _, _ = check(path, strict=True)
    if path in bad and src != 1:
        fails.append("%s: a bad file passes --strict" % path)
    if (path in good or path in golden) and not warn_expected and src != 0:
        fails.append("%s: a good file fails --strict:\n%s" % (path, text))
    if path in good and warn_expected and src != 1:
        fails.append("%s: warns, but passes --strict" % path)
    if have_promtool and path in good:
        with open(path, "rb") as fh:
            p = subprocess.run(["promtool", "check", "metrics"], stdin=fh,
                               capture_output=True, text=True)
        ok = (0, 3) if warn_expected else (0,)
        if p.returncode not in ok:
            fails.append("%s: promtool check metrics exits %d: %s"
                         % (path, p.returncode, p.stdout + p.stderr))

for f in fails:
    print("FAIL: " + f)
print("%d cases: %s; %d failures" % (
    len(cases), ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())),
    len(fails)))
if not have_promtool:
    print("promtool not found (package prometheus): not compared")
sys.exit(1 if fails else 0)
PY
