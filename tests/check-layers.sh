#!/bin/sh
# SPDX-License-Identifier: MIT
# The library's files call each other in one direction only (issue 13):
# a file calls functions of the files of lower layers, never of its own
# layer or of a higher one, and never the public API (pf_*) of another
# file, whose argument checks and messages are for programs. Read from the
# symbols of the objects in src/.libs/libpf-core.a (binutils' nm).
: "${top_builddir:=.}"
lib="$top_builddir/src/.libs/libpf-core.a"
if ! command -v nm >/dev/null 2>&1; then
    echo "SKIP: nm not found (apt-get install binutils)"
    exit 77
fi
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }

# The layers, lowest first; a file may use those of the lines above it.
layers='alloc error lock
format nodeexp shared
buf validate
family
registry
counter gauge histogram config
shreg
render process
writer'

layer_of() {
    printf '%s\n' "$layers" | awk -v f="$1" '
        { for (i = 1; i <= NF; i++) if ($i == f) { print NR; exit } }'
}

# "file symbol" for each defined and each undefined global symbol.
nm -A "$lib" 2>/dev/null | awk '
    {
        split($1, p, ":"); m = p[2]; sub(/^libpf_core_la-/, "", m);
        sub(/\.o$/, "", m)
        if (NF == 3 && $2 ~ /^[TDBRC]$/) print "D", m, $3
        else if (NF == 3 && $2 == "U") print "U", m, $3
    }' >"${TMPDIR:-/tmp}/layers.$$"
trap 'rm -f "${TMPDIR:-/tmp}/layers.$$"' EXIT
fails=0
n=0
while read -r kind file sym; do
    [ "$kind" = U ] || continue
    owner=$(awk -v s="$sym" '$1 == "D" && $3 == s { print $2; exit }' \
        "${TMPDIR:-/tmp}/layers.$$")
    [ -n "$owner" ] && [ "$owner" != "$file" ] || continue
    n=$((n + 1))
    lf=$(layer_of "$file")
    lo=$(layer_of "$owner")
    if [ -z "$lf" ] || [ -z "$lo" ]; then
        echo "FAIL: $file or $owner has no layer in tests/check-layers.sh"
        fails=$((fails + 1))
    elif [ "$lo" -ge "$lf" ]; then
        echo "FAIL: $file (layer $lf) calls $sym of $owner (layer $lo)"
        fails=$((fails + 1))
    fi
    case "$sym" in
    pf_[a-z]*)
        echo "FAIL: $file calls the public $sym of $owner"
        fails=$((fails + 1))
        ;;
    esac
done <"${TMPDIR:-/tmp}/layers.$$"
[ $n -gt 50 ] || { echo "FAIL: only $n calls between files found"; exit 1; }
[ $fails = 0 ] && echo "$n calls between the library's files, all downward"
exit $((fails != 0))
