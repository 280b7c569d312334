#!/bin/sh
# SPDX-License-Identifier: MIT
# Every golden file in tests/data/ (the exact text the unit tests expect
# the library to render) must pass `promtool check metrics` with exit 0 --
# no parse error and no naming lint -- and must mean to Python's
# prometheus_client parser what its .expect file says, and must pass the
# shipped `promfile check --strict` (no error, no warning). The authprint
# example's output is checked by promtool and promfile check too.
#
# SKIP (77) only when promtool (package prometheus) or the parser
# (package python3-prometheus-client) is missing.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
data=$srcdir/tests/data
python=/usr/bin/python3
promfile=$top_builddir/src/tool/promfile

if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIP: promtool not found (apt-get install prometheus)"
    exit 77
fi
if ! "$python" -c 'import prometheus_client.parser' 2>/dev/null; then
    echo "SKIP: prometheus_client not found (apt-get install python3-prometheus-client)"
    exit 77
fi

fail=0
n=0
for prom in "$data"/*.prom; do
    n=$((n + 1))
    expect=${prom%.prom}.expect
    if ! out=$(promtool check metrics <"$prom" 2>&1); then
        echo "FAIL: promtool check metrics $prom:" >&2
        echo "$out" >&2
        fail=1
    fi
    if ! out=$("$promfile" check --strict --user= "$prom" 2>&1); then
        echo "FAIL: promfile check --strict $prom:" >&2
        echo "$out" >&2
        fail=1
    fi
    if [ ! -f "$expect" ]; then
        echo "FAIL: $prom has no $expect" >&2
        fail=1
    elif ! "$python" "$srcdir/tests/promparse.py" "$prom" "$expect"; then
        echo "FAIL: prometheus_client reads $prom differently from $expect" >&2
        fail=1
    fi
done
if [ "$n" -eq 0 ]; then
    echo "FAIL: no golden files in $data" >&2
    exit 1
fi

if ! out=$("$top_builddir/examples/authprint" | promtool check metrics 2>&1); then
    echo "FAIL: examples/authprint output fails promtool check metrics:" >&2
    echo "$out" >&2
    fail=1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$top_builddir/examples/authprint" >"$tmp/authprint.prom"
if ! out=$("$promfile" check --strict --user= "$tmp/authprint.prom" 2>&1)
then
    echo "FAIL: examples/authprint output fails promfile check:" >&2
    echo "$out" >&2
    fail=1
fi
echo "checked $n golden files"
exit $fail
