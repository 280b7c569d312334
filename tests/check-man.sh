#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-man.sh: the man pages are complete, clean and their examples build.
#
#   (a) every symbol of src/libpromfile.sym has man/<symbol>.3, whose page
#       (after following a one-line ".so" stub) lists the symbol in NAME
#       and declares it in SYNOPSIS; every page is listed in man/local.mk;
#   (b) every page passes "groff -man -ww -z" with nothing on stderr, for
#       the default device and for utf8; a stub only needs its target;
#   (c) in the C pages (sections 3 and 7), every program between .EX and
#       .EE in the EXAMPLES section compiles with -Wall -Wextra -Werror,
#       links against the library just built and runs with exit status 0.
#       Every section 3 page that is not a stub has at least one. (The
#       examples of sections 1 and 5 are shell and ini text, not checked
#       here.) Examples may use only these escapes:
#       \e (backslash), \- (minus), \(aq (apostrophe), \(dq (double
#       quote) and \& (nothing); a bare - or ' is refused, as it would
#       render as a hyphen or a curly quote and break copy and paste.
#
# Run by automake's default test driver from the build directory with
# srcdir, top_srcdir and top_builddir set: exit 0 pass, 1 fail, 77 skip
# (groff missing and nothing else failed). Each failure is one line on
# stderr.

LC_ALL=C.UTF-8
export LC_ALL

: "${top_srcdir:=${srcdir:-.}}"
: "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 1
top_builddir=$(cd "$top_builddir" && pwd) || exit 1
man=$top_srcdir/man
sym=$top_srcdir/src/libpromfile.sym

failed=0
fail()
{
    echo "check-man: $*" >&2
    failed=1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The target of a one-line stub (".so man3/x.3" -> x.3), or nothing.
so_target()
{
    sed -n '1s/^\.so[[:space:]][[:space:]]*man[1-9]\/\([^[:space:]]*\)[[:space:]]*$/\1/p' "$1"
}

# The lines of one section ("NAME", "SYNOPSIS", ...) of a page.
section()
{
    awk -v want="$2" '
        /^\.SH/ { sub(/^\.SH[ \t]+/, ""); gsub(/"/, ""); on = ($0 == want); next }
        on' "$1"
}

pages=$(cd "$man" && ls -- *.[1-9] 2>/dev/null)
[ -n "$pages" ] || { fail "no pages in $man"; exit 1; }

# ---- (a) every symbol has a page -----------------------------------------
syms=$(sed -n 's/^[[:space:]]*\(pf_[A-Za-z0-9_]*\);.*/\1/p' "$sym")
[ -n "$syms" ] || fail "no symbols found in $sym"
for s in $syms; do
    page=$man/$s.3
    if [ ! -f "$page" ]; then
        fail "$s: no man/$s.3"
        continue
    fi
    t=$(so_target "$page")
    [ -n "$t" ] && page=$man/$t
    [ -f "$page" ] || continue # reported below
    section "$page" NAME | grep -Eq "(^|[^A-Za-z0-9_])$s([^A-Za-z0-9_]|\$)" ||
        fail "$s: not listed in NAME of man/${page##*/}"
    section "$page" SYNOPSIS | grep -q "[^A-Za-z0-9_]$s(" ||
        fail "$s: not declared in SYNOPSIS of man/${page##*/}"
done
for p in $pages; do
    grep -Eq "man/$p([[:space:]]|\$)" "$man/local.mk" ||
        fail "man/$p: not listed in man/local.mk"
done

# ---- (b) groff is silent ---------------------------------------------------
have_groff=yes
if ! command -v groff >/dev/null 2>&1; then
    have_groff=no
    echo "check-man: groff not found, pages not formatted" \
        "(install groff: Debian package groff-base)" >&2
fi
for p in $pages; do
    t=$(so_target "$man/$p")
    if [ -n "$t" ]; then
        [ "$(wc -l <"$man/$p")" -eq 1 ] ||
            fail "man/$p: a stub must be one line"
        [ -f "$man/$t" ] || fail "man/$p: .so target man/$t does not exist"
        continue
    fi
    [ "$have_groff" = yes ] || continue
    # The default device (ps) and the one man(1) uses on a terminal.
    for dev in "" -Tutf8; do
        # shellcheck disable=SC2086 # $dev is empty or one word
        groff $dev -man -ww -z "$man/$p" >/dev/null 2>"$tmp/groff.err" ||
            fail "man/$p: groff${dev:+ $dev} exited with status $?"
        if [ -s "$tmp/groff.err" ]; then
            while IFS= read -r line; do
                fail "man/$p: groff${dev:+ $dev}: $line"
            done <"$tmp/groff.err"
        fi
    done
done

# ---- (c) the examples compile, link and run --------------------------------
CC=${CC:-cc}
san=
[ -n "${PF_SANITIZERS:-}" ] && san="-fsanitize=$PF_SANITIZERS"
cflags="-std=c11 -Wall -Wextra -Werror $san -I$top_srcdir/src"
if [ -x "$top_builddir/libtool" ] && [ -f "$top_builddir/src/libpromfile.la" ]; then
    link="$top_builddir/libtool --quiet --tag=CC --mode=link $CC $san"
    lib=$top_builddir/src/libpromfile.la
elif [ -f "$top_builddir/src/.libs/libpromfile.so" ]; then
    link="$CC $san"
    lib="$top_builddir/src/.libs/libpromfile.so -Wl,-rpath,$top_builddir/src/.libs"
else
    fail "the library is not built in $top_builddir/src"
    exit 1
fi

# The first line of the compiler's complaint that says what is wrong.
first_error()
{
    line=$(sed -n '/error/{p;q;}' "$tmp/cc.log")
    [ -n "$line" ] || line=$(sed -n '1p' "$tmp/cc.log")
    echo "${line#"$tmp"/}"
}

for p in $pages; do
    case $p in
    *.3 | *.7) ;;
    *) continue ;;
    esac
    [ -n "$(so_target "$man/$p")" ] && continue
    base=$p
    # Write each example of the page to $tmp/<page>.<n>.c, undoing the
    # escapes; complain about any other escape and about a bare - or '.
    awk -v page="man/$p" -v out="$tmp/$base" '
        function bad(msg) {
            printf "check-man: %s:%d: %s\n", page, NR, msg > "/dev/stderr"
            err = 1
        }
        function unescape(s,   o, c, n2, n4) {
            o = ""
            while (s != "") {
                c = substr(s, 1, 1)
                n2 = substr(s, 1, 2)
                n4 = substr(s, 1, 4)
                if (c != "\\") {
                    if (c == "-" || c == "\047")
                        bad("bare " c " in an example; write \\" \
                            (c == "-" ? "-" : "(aq"))
                    o = o c; s = substr(s, 2)
                } else if (n2 == "\\e") {
                    o = o "\\"; s = substr(s, 3)
                } else if (n2 == "\\-") {
                    o = o "-"; s = substr(s, 3)
                } else if (n2 == "\\&") {
                    s = substr(s, 3)
                } else if (n4 == "\\(aq") {
                    o = o "\047"; s = substr(s, 5)
                } else if (n4 == "\\(dq") {
                    o = o "\""; s = substr(s, 5)
                } else {
                    bad("unsupported escape " n4 " in an example")
                    o = o c; s = substr(s, 2)
                }
            }
            return o
        }
        /^\.SH/ { inex = ($0 ~ /^\.SH[ \t]+"?EXAMPLES"?[ \t]*$/); next }
        inex && /^\.EX/ { n++; file = out "." n ".c"; prog = 1; next }
        prog && /^\.EE/ { prog = 0; close(file); next }
        prog { print unescape($0) > file }
        END {
            if (prog)
                bad(".EX without .EE")
            exit err
        }' "$man/$p" || failed=1
    set -- "$tmp/$base".*.c
    if [ ! -f "$1" ]; then
        case $p in
        *.3) fail "man/$p: no program between .EX and .EE in EXAMPLES" ;;
        esac
        continue
    fi
    for src in "$@"; do
        n=${src%.c}
        n=${n##*.}
        exe=$tmp/$base.$n
        # shellcheck disable=SC2086 # flag lists are split on purpose
        if ! $CC $cflags -c -o "$exe.o" "$src" >"$tmp/cc.log" 2>&1; then
            fail "man/$p: example $n does not compile: $(first_error)"
            continue
        fi
        # shellcheck disable=SC2086
        if ! $link -o "$exe" "$exe.o" $lib -lpthread >"$tmp/cc.log" 2>&1; then
            fail "man/$p: example $n does not link: $(first_error)"
            continue
        fi
        # Run it in the scratch directory, as it may write files there.
        (cd "$tmp" && "$exe" </dev/null >"$tmp/run.log" 2>&1)
        rc=$?
        [ "$rc" -eq 0 ] ||
            fail "man/$p: example $n exited with status $rc: $(head -n 1 "$tmp/run.log")"
    done
done

[ "$failed" -eq 0 ] || exit 1
[ "$have_groff" = yes ] || exit 77
exit 0
