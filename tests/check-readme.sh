#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's "Instrument your C program in 5 minutes" is
# examples/mailer.c (issue 12, item 15):
#   - its ```c blocks, up to its first subsection, joined by blank
#     lines, are the file from its first #include on, byte for byte;
#   - the program, built by make check, run with an ini file of the test
#     (as $PROMFILE_CONFIG says), writes a file holding its metric, which
#     passes promfile check --strict and, when installed, promtool.
: "${srcdir:=.}"
: "${top_builddir:=.}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-readme.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

awk '
    /^## Instrument your C program/ { on = 1; next }
    /^###? / { on = 0 }
    on && /^```c$/ { if (n++) printf "\n"; grab = 1; next }
    on && /^```/ { grab = 0; next }
    grab { print }
' "$srcdir/README.md" >"$tmp/readme.c"
sed -n '/^#include <stdio.h>/,$p' "$srcdir/examples/mailer.c" >"$tmp/file.c"
[ -s "$tmp/readme.c" ] || fail "no C blocks in the README's section"
if ! cmp -s "$tmp/readme.c" "$tmp/file.c"; then
    fail "the README's program differs from examples/mailer.c:"
    diff -u "$tmp/file.c" "$tmp/readme.c"
fi

cat >"$tmp/mailer.ini" <<INI
[textfile]
directory = $tmp
file = mailer.prom
INI
PROMFILE_CONFIG=$tmp/mailer.ini "$top_builddir/examples/mailer" ||
    fail "mailer exited $?"
f=$tmp/mailer.prom
grep -qx 'mox_authentication_total{kind="imap",variant="plain",result="ok"} 2' "$f" ||
    fail "mailer.prom lacks the imap logins: $(cat "$f" 2>&1)"
grep -qx 'mox_authentication_total{kind="smtp",variant="scram-sha-256",result="badcreds"} 1' "$f" ||
    fail "mailer.prom lacks the smtp login"
"$top_builddir/src/tool/promfile" check --strict --user= "$f" ||
    fail "mailer.prom fails promfile check --strict"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics <"$f" || fail "mailer.prom fails promtool"
fi
# A missing ini file named by $PROMFILE_CONFIG stops it, with the path.
out=$(PROMFILE_CONFIG=$tmp/missing.ini "$top_builddir/examples/mailer" 2>&1)
[ $? = 1 ] || fail "a missing ini file did not stop mailer"
case "$out" in
*"$tmp/missing.ini"*) ;;
*) fail "the error does not name the missing file: $out" ;;
esac
[ $fails = 0 ] && echo "README program: same as examples/mailer.c, runs, writes its metric"
exit $((fails != 0))
