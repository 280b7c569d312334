#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/promcheck.py, our strict checker of .prom files, against its corpus:
#   - every file of tests/data/promcheck/good must pass (and, when promtool
#     is installed, pass `promtool check metrics` too, so that the corpus
#     itself is sound);
#   - every file of tests/data/promcheck/bad must fail, reporting among its
#     rules the one named on its first line, "# expect: RULE"; an empty
#     file (which cannot carry that line) is made here;
#   - every rule of `promcheck.py --rules` has at least one bad file;
#   - every golden file tests/data/*.prom must pass.
# The bad files promtool accepts are counted: the reason for promcheck.
#
# SKIP (77) only when python3 (package python3) is missing.
set -u
: "${srcdir:=.}"
python=/usr/bin/python3
check=$srcdir/tests/promcheck.py
corpus=$srcdir/tests/data/promcheck

if [ ! -x "$python" ]; then
    echo "SKIP: $python not found (apt-get install python3)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail=0
ngood=0
nbad=0
nbadok=0
npromtool=0
havepromtool=0
command -v promtool >/dev/null 2>&1 && havepromtool=1

# Usage errors exit 2; --rules lists the rules.
"$python" "$check" >/dev/null 2>&1
if [ $? -ne 2 ]; then
    echo "FAIL: promcheck.py without files must exit 2" >&2
    fail=1
fi
"$python" "$check" "$tmp/missing.prom" >/dev/null 2>&1
if [ $? -ne 2 ]; then
    echo "FAIL: promcheck.py on an unreadable file must exit 2" >&2
    fail=1
fi
if ! "$python" "$check" --rules | awk '{print $1}' >"$tmp/rules" ||
    [ ! -s "$tmp/rules" ]; then
    echo "FAIL: promcheck.py --rules" >&2
    exit 1
fi
: >"$tmp/covered"

for f in "$corpus"/good/*.prom "$srcdir"/tests/data/*.prom; do
    ngood=$((ngood + 1))
    if ! out=$("$python" "$check" "$f" 2>&1); then
        echo "FAIL: $f must pass promcheck:" >&2
        echo "$out" >&2
        fail=1
    fi
    case $f in
    "$corpus"/good/*)
        if [ $havepromtool = 1 ] &&
            ! out=$(promtool check metrics <"$f" 2>&1); then
            echo "FAIL: good file $f fails promtool check metrics:" >&2
            echo "$out" >&2
            fail=1
        fi
        ;;
    esac
done

# The empty file: "no metrics", a warning that fails.
: >"$tmp/empty.prom"
for f in "$tmp/empty.prom" "$corpus"/bad/*.prom; do
    nbad=$((nbad + 1))
    if [ "$f" = "$tmp/empty.prom" ]; then
        want=empty
    else
        want=$(head -n 1 "$f" | tr -d '\r' | sed -n 's/^# expect: //p')
    fi
    if [ -z "$want" ]; then
        echo "FAIL: $f has no \"# expect: RULE\" first line" >&2
        fail=1
        continue
    fi
    if ! grep -qx "$want" "$tmp/rules"; then
        echo "FAIL: $f expects $want, which is not a rule" >&2
        fail=1
    fi
    out=$("$python" "$check" "$f" 2>&1)
    rc=$?
    if [ $rc -ne 1 ]; then
        echo "FAIL: promcheck.py $f exited $rc, not 1:" >&2
        echo "$out" >&2
        fail=1
        continue
    fi
    # "FILE:LINE: RULE: MESSAGE": the rules reported.
    got=$(printf '%s\n' "$out" |
        sed -n 's/^.*:[0-9][0-9]*: \([a-z0-9-]*\): .*$/\1/p' | sort -u)
    if ! printf '%s\n' "$got" | grep -qx "$want"; then
        echo "FAIL: $f must report $want; it reported:" >&2
        echo "$out" >&2
        fail=1
        continue
    fi
    echo "$want" >>"$tmp/covered"
    nbadok=$((nbadok + 1))
    if [ $havepromtool = 1 ] && promtool check metrics <"$f" >/dev/null 2>&1
    then
        npromtool=$((npromtool + 1))
    fi
done

# Every rule has a bad file.
while read -r rule; do
    if ! grep -qx "$rule" "$tmp/covered"; then
        echo "FAIL: rule $rule has no file in $corpus/bad" >&2
        fail=1
    fi
done <"$tmp/rules"

echo "promcheck: $ngood good files checked, $nbadok of $nbad bad files" \
    "fail as expected, $(sort -u "$tmp/covered" | wc -l) of" \
    "$(wc -l <"$tmp/rules") rules covered"
if [ $havepromtool = 1 ]; then
    echo "promtool check metrics accepts $npromtool of the $nbad bad files"
fi
exit $fail
