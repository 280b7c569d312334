#!/bin/sh
# SPDX-License-Identifier: MIT
# Every C file of the project is as clang-format (with .clang-format)
# prints it (STYLE.md): a change that is not formatted fails here, with
# the diff to apply.  Only clang-format 14, Debian 12's, is used: another
# version formats differently, so the test skips (77) without it.
: "${srcdir:=.}"
cf=
for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null 2>&1 &&
        "$c" --version | grep -q 'version 14\.'; then
        cf=$c
        break
    fi
done
if [ -z "$cf" ]; then
    echo "SKIP: clang-format 14 not found (apt-get install clang-format)"
    exit 77
fi
cd "$srcdir" || exit 1
files=$(find src tests examples -name '*.[ch]' ! -name 'config.h' | sort)
[ -n "$files" ] || { echo "FAIL: no C files under $srcdir"; exit 1; }
bad=0
n=0
for f in $files; do
    n=$((n + 1))
    if ! "$cf" --style=file "$f" | diff -u "$f" - >/dev/null; then
        echo "FAIL: $f is not formatted; the change clang-format makes:"
        "$cf" --style=file "$f" | diff -u "$f" -
        bad=$((bad + 1))
    fi
done
[ $bad = 0 ] || exit 1
echo "$n C files, all as $cf formats them"
