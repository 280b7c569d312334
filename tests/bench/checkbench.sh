#!/bin/sh
# SPDX-License-Identifier: MIT
# The cost of `promfile check` on a big textfile (issue 12, item 11),
# next to `promtool check metrics` on the same file. A benchmark to run
# by hand, not a test: it prints figures and judges nothing.
#
#   tests/bench/checkbench.sh [RUNS [LINES]]
#
# Makes a textfile of LINES sample lines (default 1000000, about 33 MB)
# of realistic series: counters and gauges with labels, and histograms
# with ten buckets, _sum and _count per series, every line valid. Then
# runs each checker RUNS times (default 5) and prints, per checker, the
# median wall time and the largest maximum resident set size of the
# runs, as the kernel counts it for the child (getrusage via Python's
# os.wait4; GNU time is not needed). PROMFILE names the promfile binary
# (default: $top_builddir/src/tool/promfile); promtool is skipped when
# it is not installed. BENCH_FILE, if set, keeps the generated file
# there instead of a temporary directory.
set -eu
: "${top_builddir:=.}"
runs=${1:-5}
lines=${2:-1000000}
promfile=${PROMFILE:-$top_builddir/src/tool/promfile}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/checkbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
file=${BENCH_FILE:-$tmp/bench.prom}

# The file is made by one Python process and the checkers are run by
# another, small one: a child's maximum RSS counts what its parent had
# mapped when it forked, so the measuring process must stay small (the
# floor, /bin/true run the same way, is printed).
python3 - "$lines" "$file" <<'PY'
import sys


def generate(path, lines):
    """Sample lines of a few families, about 33 bytes each on average."""
    bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
              "2.5", "+Inf"]
    out = []
    n = 0
    # A quarter counters, a quarter gauges, half histogram lines.
    quarter = lines // 4
    out.append("# HELP jobs_total Jobs run, by job.\n"
               "# TYPE jobs_total counter\n")
    for i in range(quarter):
        out.append('jobs_total{j="%d"} %d\n' % (i, i * 7 % 1000))
        n += 1
    out.append("# HELP items Items queued, by queue.\n"
               "# TYPE items gauge\n")
    for i in range(quarter):
        out.append('items{q="%d",s="%s"} %d\n'
                   % (i // 4, "abcd"[i % 4], i % 97))
        n += 1
    out.append("# HELP wait_seconds Waits, by pool.\n"
               "# TYPE wait_seconds histogram\n")
    p = 0
    while n + len(bounds) + 2 <= lines:
        c = 0
        for b in bounds:
            c += p % 3
            out.append('wait_seconds_bucket{p="%d",le="%s"} %d\n'
                       % (p, b, c))
        out.append('wait_seconds_sum{p="%d"} %d.5\n' % (p, c))
        out.append('wait_seconds_count{p="%d"} %d\n' % (p, c))
        n += len(bounds) + 2
        p += 1
    out.append("# HELP rest_bytes The lines left over.\n"
               "# TYPE rest_bytes gauge\n")
    i = 0
    while n < lines:
        out.append('rest_bytes{i="%d"} 1\n' % i)
        n += 1
        i += 1
    with open(path, "w") as f:
        f.write("".join(out))



generate(sys.argv[2], int(sys.argv[1]))
PY
exec python3 - "$runs" "$lines" "$promfile" "$file" <<'PY'
import os
import shutil
import statistics
import subprocess
import sys
import time

runs, lines, promfile, path = int(sys.argv[1]), int(sys.argv[2]), \
    sys.argv[3], sys.argv[4]


def measure(argv, stdin_path):
    """Wall seconds and maximum RSS (KiB) of one run; the exit status."""
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=fin, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if stdin_path:
        fin.close()
    return wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


size = os.path.getsize(path)
print("file: %d lines, %.1f MB (%s)" % (lines, size / 1e6, path))
checkers = [("floor (/bin/true)", ["/bin/true"], None),
            ("promfile check", [promfile, "check", "--user=", path], None)]
if shutil.which("promtool"):
    checkers.append(("promtool check metrics",
                     ["promtool", "check", "metrics"], path))
else:
    print("promtool not found (Debian package prometheus): skipped")
results = {}
for name, argv, stdin_path in checkers:
    walls, rss, codes = [], [], set()
    for _ in range(runs):
        w, r, code = measure(argv, stdin_path)
        walls.append(w)
        rss.append(r)
        codes.add(code)
    results[name] = (statistics.median(walls), max(rss))
    print("%-24s median %7.2f s of %d runs (%.2f .. %.2f), max RSS %8.1f "
          "MiB, exit %s" % (name, results[name][0], runs, min(walls),
                             max(walls), max(rss) / 1024.0,
                             ",".join(str(c) for c in sorted(codes))))
if "promtool check metrics" in results:
    (a, ra), (b, rb) = results["promfile check"], \
        results["promtool check metrics"]
    print("promfile/promtool: time %.2f, memory %.2f" % (a / b, ra / rb))
PY
