#!/bin/sh
# SPDX-License-Identifier: MIT
# debian/gen-symbols, which makes the Debian symbols file from
# src/libpromfile.sym at every package build:
# - from the version script, it lists every symbol of it and nothing else,
#   and dpkg-gensymbols at check level 4 (as debian/rules sets it) finds
#   no difference from what the built libpromfile.so exports and changes
#   no version: it prints nothing;
# - a script of several nodes gives each symbol its node's version, and
#   a node newer than the version being built gets that version;
# - wildcards, unknown parents and duplicates are refused.
# Exit 77 (skip) when there is no debian/ directory (a release tarball
# has none) or dpkg (for its version comparison) is missing, or, after
# everything else passed, when dpkg-gensymbols (Debian package dpkg-dev)
# is missing.
: "${srcdir:=.}"
: "${top_builddir:=.}"
gen=$srcdir/debian/gen-symbols
so=$top_builddir/src/.libs/libpromfile.so

if [ ! -f "$gen" ]; then
    echo "SKIP: no $gen (debian/ is not in the release tarball)"
    exit 77
fi
if ! command -v dpkg >/dev/null 2>&1; then
    echo "SKIP: dpkg not found (not a Debian system)"
    exit 77
fi
# The upstream version of debian/changelog's first entry: "0.1.0" of
# "promfile (0.1.0-1) unstable; ...".
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$srcdir/debian/changelog")
version=${version%-*}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-debian-symbols.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
gen() { # script [version]
    sh "$gen" "$1" libpromfile.so.0 libpromfile0 libpromfile-dev \
        "${2:-$version}"
}

# ---- The real version script --------------------------------------------
if ! gen "$srcdir/src/libpromfile.sym" >"$tmp/symbols" 2>"$tmp/notes"; then
    echo "FAIL: gen-symbols refused src/libpromfile.sym"
    exit 1
fi
sed -n 1,2p "$tmp/symbols" >"$tmp/head"
printf '%s\n' 'libpromfile.so.0 libpromfile0 #MINVER#' \
    '* Build-Depends-Package: libpromfile-dev' >"$tmp/head.want"
cmp -s "$tmp/head" "$tmp/head.want" || fail "header: $(cat "$tmp/head")"
grep -o 'pf_[a-z0-9_]*' "$srcdir/src/libpromfile.sym" | sort >"$tmp/want"
sed -n 's/^ \(pf_[a-z0-9_]*\)@LIBPROMFILE_[0-9.]* [0-9.]*$/\1/p' \
    "$tmp/symbols" | sort >"$tmp/got"
diff -u "$tmp/want" "$tmp/got" || fail "symbols differ from libpromfile.sym"
n=$(wc -l <"$tmp/want")

# ---- Several nodes -------------------------------------------------------
cat >"$tmp/two.sym" <<'EOF'
/* A comment
   over two lines. */
LIBX_0.1 {
global:
    x_a; x_b; /* two on a line */
local:
    *;
};
LIBX_0.2 { x_c; } LIBX_0.1;
LIBX_0.2.1 {
global:
    x_d;
} LIBX_0.2;
EOF
cat >"$tmp/two.want" <<'EOF'
libpromfile.so.0 libpromfile0 #MINVER#
* Build-Depends-Package: libpromfile-dev
 LIBX_0.1@LIBX_0.1 0.1.0
 x_a@LIBX_0.1 0.1.0
 x_b@LIBX_0.1 0.1.0
 LIBX_0.2@LIBX_0.2 0.2.0
 x_c@LIBX_0.2 0.2.0
 LIBX_0.2.1@LIBX_0.2.1 0.2.1
 x_d@LIBX_0.2.1 0.2.1
EOF
if gen "$tmp/two.sym" 0.2.1 >"$tmp/two.got" 2>"$tmp/two.err"; then
    diff -u "$tmp/two.want" "$tmp/two.got" || fail "several nodes"
    [ ! -s "$tmp/two.err" ] || fail "several nodes: $(cat "$tmp/two.err")"
else
    fail "gen-symbols refused a script of several nodes"
fi
# Built as 0.2.0~rc1, the nodes of 0.2.0 and 0.2.1 are new in it.
sed -e 's/ 0\.2\.[01]$/ 0.2.0~rc1/' "$tmp/two.want" >"$tmp/rc.want"
if gen "$tmp/two.sym" 0.2.0~rc1 >"$tmp/rc.got" 2>"$tmp/rc.err"; then
    diff -u "$tmp/rc.want" "$tmp/rc.got" || fail "nodes newer than the version"
    [ "$(grep -c 'is newer than version 0.2.0~rc1' "$tmp/rc.err")" = 2 ] ||
        fail "no note of the two newer nodes: $(cat "$tmp/rc.err")"
else
    fail "gen-symbols refused nodes newer than the version"
fi

# ---- What it refuses -----------------------------------------------------
refuse() { # name script
    printf '%s\n' "$2" >"$tmp/bad.sym"
    if gen "$tmp/bad.sym" >/dev/null 2>&1; then
        fail "accepted $1: $2"
    fi
}
refuse wildcard 'LIBX_0.1 { global: x_*; local: *; };'
refuse "unknown parent" 'LIBX_0.2 { x_a; } LIBX_0.1;'
refuse "duplicate symbol" 'LIBX_0.1 { x_a; }; LIBX_0.2 { x_a; } LIBX_0.1;'
refuse "duplicate node" 'LIBX_0.1 { x_a; }; LIBX_0.1 { x_b; };'
refuse "no version in the node name" 'LIBX { x_a; };'
refuse "unterminated node" 'LIBX_0.1 { x_a;'
refuse "C++ block" 'LIBX_0.1 { extern "C++" { x::a; }; };'
refuse "no symbols" 'LIBX_0.1 { local: *; };'

# ---- Against the built library ---------------------------------------------
if [ ! -f "$so" ]; then
    fail "$so not built"
elif ! command -v dpkg-gensymbols >/dev/null 2>&1; then
    [ "$fails" -eq 0 ] || exit 1
    echo "SKIP: dpkg-gensymbols not found (apt-get install dpkg-dev)"
    exit 77
else
    lib=$(readlink -f "$so")
    # As a package build of revision 1 runs it: a MINVER above the
    # package's version would be replaced, with a warning.
    if ! (cd "$tmp" && dpkg-gensymbols -c4 -plibpromfile0 -v"$version-1" \
        -e"$lib" -I"$tmp/symbols" -O"$tmp/symbols.out") >"$tmp/gs.out" 2>&1 ||
        [ -s "$tmp/gs.out" ]; then
        cat "$tmp/gs.out"
        fail "dpkg-gensymbols -c4 finds differences from $lib"
    fi
fi

[ "$fails" -eq 0 ] || exit 1
cat "$tmp/notes"
echo "gen-symbols: $n symbols of $version, as dpkg-gensymbols finds them;" \
    "several nodes"
