#!/bin/sh
# SPDX-License-Identifier: MIT
# Every golden file in tests/data/ (the exact text the unit tests expect
# the library to render) must pass `promtool check metrics` with exit 0 --
# no parse error and no naming lint -- and must mean to Python's
# prometheus_client parser what its .expect file says, and must pass our
# strict checker tests/promcheck.py. The authprint example's output is
# checked by promtool and promcheck too.
#
# SKIP (77) only when promtool (package prometheus) or the parser
# (package python3-prometheus-client) is missing.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
data=$srcdir/tests/data
python=/usr/bin/python3

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
    if ! out=$("$python" "$srcdir/tests/promcheck.py" "$prom" 2>&1); then
        echo "FAIL: promcheck $prom:" >&2
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
if ! out=$("$top_builddir/examples/authprint" |
    "$python" "$srcdir/tests/promcheck.py" - 2>&1); then
    echo "FAIL: examples/authprint output fails promcheck:" >&2
    echo "$out" >&2
    fail=1
fi
echo "checked $n golden files"
exit $fail
