#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library exports exactly the symbols listed in
# src/libpromfile.sym -- the public pf_ API, versioned -- and nothing else
# (no pf__ internals, no helpers that lost their `static`), all declared
# in promfile.h, which compiles alone in each language it promises.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
so=$top_builddir/src/.libs/libpromfile.so

if ! command -v nm >/dev/null 2>&1; then
    echo "SKIP: nm not found (apt-get install binutils)"
    exit 77
fi
if [ ! -f "$so" ]; then
    echo "FAIL: $so not built" >&2
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

grep -o 'pf_[a-z0-9_]*' "$srcdir/src/libpromfile.sym" | sort >"$tmp/want"
nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^LIBPROMFILE_' |
    sort >"$tmp/got"
# Every exported symbol carries the version node.
if nm -D --defined-only "$so" | awk '{print $3}' | grep '^pf_' |
    grep -v '@@LIBPROMFILE_' >&2; then
    echo "FAIL: the symbols above have no version" >&2
    exit 1
fi
sed 's/@@.*//' "$tmp/got" >"$tmp/got.names"
if ! diff -u "$tmp/want" "$tmp/got.names" >&2; then
    echo "FAIL: exported symbols differ from src/libpromfile.sym (- listed, + exported)" >&2
    exit 1
fi
# And every listed symbol is declared in the public header.
for s in $(cat "$tmp/want"); do
    if ! grep -q "[ *]$s(" "$srcdir/src/promfile.h"; then
        echo "FAIL: $s is in libpromfile.sym but not declared in promfile.h" >&2
        exit 1
    fi
done
# And every function the header exports is listed.
sed -n 's/^PF_EXPORT .*[ *]\(pf_[a-z0-9_]*\)(.*/\1/p' "$srcdir/src/promfile.h" |
    sort >"$tmp/header"
if ! diff -u "$tmp/want" "$tmp/header" >&2; then
    echo "FAIL: PF_EXPORT declarations differ from src/libpromfile.sym (- listed, + declared)" >&2
    exit 1
fi
# And the header compiles on its own, pedantic, in every language it
# promises (STYLE.md 2): C89, GNU C89, C99, C11 and C++.
printf '#include <promfile.h>\nint main(void) { return !pf_version(); }\n' \
    >"$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cc"
for std in c89 gnu89 c99 c11; do
    if ! ${CC:-cc} -std=$std -pedantic -Wall -Wextra -Werror \
        -I"$srcdir/src" -c -o "$tmp/h.o" "$tmp/h.c"; then
        echo "FAIL: promfile.h does not compile as $std -pedantic" >&2
        exit 1
    fi
done
if command -v "${CXX:-c++}" >/dev/null 2>&1 &&
    ! ${CXX:-c++} -pedantic -Wall -Wextra -Werror -I"$srcdir/src" -c \
        -o "$tmp/h.o" "$tmp/h.cc"; then
    echo "FAIL: promfile.h does not compile as C++" >&2
    exit 1
fi
echo "$(wc -l <"$tmp/want") symbols exported, as listed; the header compiles as C89, C99, C11, C++"
