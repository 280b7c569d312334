#!/bin/sh
# SPDX-License-Identifier: MIT
# promfile write (issue 15): a text replaces FILE only when it is valid
# and its command succeeded. After every failure: the exit status of
# promfile(1), FILE byte for byte as it was, and nothing but .prom files
# in its directory. The cases:
#   - every file of the check corpus (tests/data/tool/bad, good) as the
#     text: each bad one refused (1) with the problems promfile check
#     prints, named <stdin>; each good one written byte for byte; with
#     --strict, those with a warning refused; texts without samples
#     refused unless --allow-empty;
#   - the command form: its output written; a command exiting 3, killed
#     by a signal, not found (3); usage errors (2);
#   - 100 MB on standard input: a peak RSS (printed) at most 4 MiB above
#     that of 1 MB, in every build; over --max-size: refused without
#     reading on, from a pipe and from a command that never ends;
#   - SIGTERM and SIGINT during the write, from standard input and with a
#     command: no temporary file, the command gone, 128 + N;
#   - a missing directory, a symbolic link, an unsafe directory (root),
#     a read-only and a full tmpfs (root), a read-only directory by its
#     mode (not root) (4);
#   - --health: failures counted by reason across runs, the last success
#     kept, the data lines kept, two files in one directory;
#   - examples/collectors/apt-updates.sh with a mocked apt-get;
#   - the files written pass promfile check --strict, promtool check
#     metrics and the real node_exporter (tests/nodeexp.py verdict).
# Waits are on pipes and processes, never on time. Exit 77 (skip) only
# when everything else passed and a part could not run: promtool
# (package prometheus), node_exporter (prometheus-node-exporter),
# GNU time (time), or root for the mounts.
: "${srcdir:=.}"
: "${top_builddir:=.}"
P=$(cd "$top_builddir/src/tool" && pwd)/promfile
D=$(cd "$srcdir/tests/data" && pwd)
EX=$(cd "$srcdir/examples/collectors" && pwd)
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-write.XXXXXX") || exit 1
mounts=
cleanup() {
    for m in $mounts; do
        umount "$m" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
fails=0
skipped=
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
skip() {
    echo "SKIP: $*"
    skipped="$skipped $1"
}

W=$tmp/w # the textfile directory of most cases
mkdir "$W" "$tmp/ok"
ERR=$tmp/err
# w WHAT WANT ARGS...: promfile write ARGS, its standard input this
# function's, standard error in $ERR; its exit status must be WANT.
w() {
    what=$1
    want=$2
    shift 2
    "$P" write "$@" 2>"$ERR"
    rc=$?
    [ "$rc" = "$want" ] || fail "$what: exit $rc, want $want: $(head -n 5 "$ERR")"
}
# no_litter WHAT DIR: nothing in DIR but .prom files.
no_litter() {
    left=$(ls -A "$2" | grep -v '\.prom$')
    [ -z "$left" ] || fail "$1: left in $2: $left"
}
# intact WHAT FILE: FILE as saved in $tmp/orig; no litter beside it.
intact() {
    cmp -s "$2" "$tmp/orig" || fail "$1: $2 changed"
    no_litter "$1" "$(dirname "$2")"
}
# said WHAT TEXT: standard error of the last w has TEXT (no process).
said() {
    while IFS= read -r line; do
        case $line in *"$2"*) return 0 ;; esac
    done <"$ERR"
    fail "$1: \"$2\" not printed: $(head -n 5 "$ERR")"
}
# only_last WHAT FILE: standard error of the last w is the one line
# saying FILE was not replaced, and nothing else.
only_last() {
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        case $line in "promfile: $2 not replaced: "*) ;; *) n=99 ;; esac
    done <"$ERR"
    [ "$n" = 1 ] || fail "$1: printed more than the last line: $(head -n 3 "$ERR")"
}
# keep FILE NAME: a copy of a file written, for promtool and node_exporter.
keep() {
    cp "$1" "$tmp/ok/$2.prom"
}
F=$W/a.prom
printf '# HELP old_value Old.\n# TYPE old_value gauge\nold_value 1\n' >"$F"
cp "$F" "$tmp/orig"

# ---- The corpus ----------------------------------------------------------
# Few processes a case: the corpus is most of the cases, and each process
# costs milliseconds (the whole test should take seconds).
nbad=0
: >"$tmp/got.raw"
for f in "$D"/tool/bad/*.prom; do
    nbad=$((nbad + 1))
    name=${f##*/}
    echo "@ $f" >>"$tmp/got.raw"
    "$P" write "$F" <"$f" 2>>"$tmp/got.raw"
    rc=$?
    [ "$rc" = 1 ] || fail "bad $name: exit $rc, want 1"
    cmp -s "$F" "$tmp/orig" || fail "bad $name: $F changed"
done
no_litter "bad texts" "$W"
# The problems as promfile check prints them, the text named <stdin>; and
# each run ends with the line saying why FILE was not replaced.
# check takes each FILE operand alone (the rules across files are for
# the files of a directory operand): one run for the corpus.
"$P" check --user= "$D"/tool/bad/*.prom | sort >"$tmp/want"
awk -v last="promfile: $F not replaced: <stdin> has " '
    function done() { if (file != "" && !said) print "(no last line) " file }
    /^@ / { done(); file = substr($0, 3); said = 0; next }
    index($0, "<stdin>:") == 1 {
        # Every "<stdin>:" (a collision names the other line too).
        out = ""
        for (s = $0; (i = index(s, "<stdin>:")) > 0; s = substr(s, i + 7))
            out = out substr(s, 1, i - 1) file
        print out s
        next
    }
    index($0, last) == 1 { said = 1 }
    END { done() }
' "$tmp/got.raw" | sort >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" ||
    fail "bad texts: not the problems of check: $(diff "$tmp/want" "$tmp/got" | head -n 6)"
# Which good texts have warnings, and which the warning "empty".
"$P" check --user= "$D"/tool/good/*.prom >"$tmp/good"
warned=" $(awk -F: '{ sub(/.*\//, "", $1); print $1 }' "$tmp/good" | sort -u | tr '\n' ' ') "
empties=" $(awk -F: '$3 == " warning" && $4 == " empty" { sub(/.*\//, "", $1); print $1 }' "$tmp/good" | sort -u | tr '\n' ' ') "
ngood=0
for f in "$D"/tool/good/*.prom; do
    ngood=$((ngood + 1))
    name=${f##*/}
    case "$empties" in
    *" $name "*)
        w "good $name" 1 "$F" <"$f"
        cmp -s "$F" "$tmp/orig" || fail "good $name: $F changed"
        said "good $name" "<stdin> has no samples"
        w "good $name --allow-empty" 0 --allow-empty "$W/g.prom" <"$f"
        ;;
    *)
        w "good $name" 0 "$W/g.prom" <"$f"
        ;;
    esac
    cmp -s "$f" "$W/g.prom" || fail "good $name: not written byte for byte"
    case "$warned" in
    *" $name "*)
        # Refused with --strict; -q prints only the last line.
        w "good $name -q --strict" 1 -q --strict --allow-empty "$W/g.prom" <"$f"
        cmp -s "$f" "$W/g.prom" || fail "good $name --strict: changed"
        only_last "good $name -q --strict" "$W/g.prom"
        ;;
    *)
        w "good $name --strict" 0 --strict "$W/g.prom" <"$f"
        ;;
    esac
done
nwarned=$(echo $warned | wc -w)
[ "$nwarned" -gt 40 ] && [ "$(echo $empties | wc -w)" -gt 1 ] ||
    fail "the good texts with warnings not found: $tmp/good"
no_litter "good texts" "$W"
rm -f "$W/g.prom"
cp "$D/tool/good/basic.prom" "$W/basic.prom"
keep "$W/basic.prom" basic
echo "corpus: $nbad bad texts refused, $ngood good ones written"

# A name not ending in .prom: the warning file-name, as check gives it.
w "file-name" 0 "$W/basic.txt" <"$D/tool/good/basic.prom"
said "file-name" "$W/basic.txt:0: warning: file-name: "
w "file-name --strict" 1 --strict "$W/basic.txt" <"$D/tool/good/basic.prom"
said "file-name --strict" "<stdin> has 1 warning (--strict)"
rm -f "$W/basic.txt"

# Mode: 0644 for a new file whatever the umask; kept; --mode.
rm -f "$W/m.prom"
(umask 077 && "$P" write "$W/m.prom" <"$D/tool/good/basic.prom") ||
    fail "mode: write"
[ "$(stat -c %a "$W/m.prom")" = 644 ] || fail "new file not 0644"
chmod 640 "$W/m.prom"
w "mode kept" 0 "$W/m.prom" <"$D/tool/good/basic.prom"
[ "$(stat -c %a "$W/m.prom")" = 640 ] || fail "mode 0640 not kept"
w "--mode" 0 --mode 0604 "$W/m.prom" <"$D/tool/good/basic.prom"
[ "$(stat -c %a "$W/m.prom")" = 604 ] || fail "--mode 0604 not set"
rm -f "$W/m.prom"

# ---- The command form --------------------------------------------------
w "command" 0 "$W/c.prom" -- cat "$D/tool/good/histogram.prom"
cmp -s "$W/c.prom" "$D/tool/good/histogram.prom" || fail "command: output"
keep "$W/c.prom" command
rm -f "$W/c.prom"
# The command's standard input is promfile's.
echo 'piped_value 7' | "$P" write "$W/c.prom" -- sh -c \
    'echo "# HELP piped_value P."; echo "# TYPE piped_value gauge"; cat' ||
    fail "command: its standard input"
grep -qx 'piped_value 7' "$W/c.prom" || fail "command: stdin not passed"
rm -f "$W/c.prom"
# Each failure: 3, FILE intact, the command named with how it ended. The
# output is valid: only the command's end refuses it.
GOOD="cat $D/tool/good/basic.prom"
w "command exit 3" 3 "$F" -- sh -c "$GOOD; exit 3"
intact "command exit 3" "$F"
said "command exit 3" "promfile: $F not replaced: sh exited with status 3"
w "command killed" 3 "$F" -- sh -c "$GOOD; kill -9 \$\$"
intact "command killed" "$F"
said "command killed" "sh was killed by signal 9 (Killed)"
w "command missing" 3 "$F" -- "$tmp/no-such-command"
intact "command missing" "$F"
said "command missing" "cannot run $tmp/no-such-command: No such file"
w "command invalid" 1 "$F" -- cat "$D/tool/bad/timestamp.prom"
said "command invalid" "<output of cat>:4: error: timestamp: "
intact "command invalid" "$F"

# Usage errors: 2, nothing written.
w "no FILE" 2
w "two FILEs" 2 "$F" "$W/b.prom"
w "no COMMAND" 2 "$F" --
w "bad --mode" 2 --mode 0999 "$F"
w "--mode with setuid" 2 --mode 4755 "$F"
w "bad --max-size" 2 --max-size 300M "$F"
w "--max-size 0" 2 --max-size 0 "$F"
w "unknown option" 2 --frobnicate "$F"
intact "usage errors" "$F"
"$P" write --help | grep -q '^Usage: promfile write' || fail "write --help"

# ---- Empty texts ---------------------------------------------------------
w "empty" 1 "$F" </dev/null
intact "empty" "$F"
said "empty" "<stdin> has no samples"
w "empty command" 1 "$F" -- true
intact "empty command" "$F"
w "only HELP and TYPE" 1 "$F" -- printf '# HELP x X.\n# TYPE x gauge\n'
intact "only HELP and TYPE" "$F"
w "--allow-empty" 0 --allow-empty "$W/e.prom" </dev/null
[ -f "$W/e.prom" ] && [ ! -s "$W/e.prom" ] || fail "--allow-empty: no empty file"
rm -f "$W/e.prom"

# ---- Size ------------------------------------------------------------------
# 100 MB of text: a thousand series and comments (the reader keeps a key
# per series, and comments nothing, so what is measured is promfile's own
# buffering). GNU time gives the peak RSS. Bounded memory: 100 MB takes
# at most 4 MiB more than 1 MB of the same text does. That holds in the
# sanitizer builds too, whose runtimes alone take some 20 MiB (ASan), so
# they read the same 100 MB (about a second).
big() { # N: a valid text of N bytes or a little more
    awk -v max="$1" 'BEGIN {
        print "# HELP big_items Items."
        print "# TYPE big_items gauge"
        for (i = 0; i < 1000; i++)
            printf "big_items{i=\"%d\"} %d\n", i, i
        pad = sprintf("%0100d", 0)
        for (n = 0; n < max; n += 103)
            print "# " pad
    }'
}
peak() { # N: the peak RSS in KiB of writing big N, in $rss
    big "$1" | /usr/bin/time -f %M -o "$tmp/rss" \
        "$P" write --max-size 200M "$W/big.prom" 2>"$ERR" ||
        fail "big $1: $(cat "$ERR")"
    rss=$(tail -n 1 "$tmp/rss")
}
if [ -x /usr/bin/time ]; then
    peak 1000000
    rss1=$rss
    peak 100000000
    size=$(stat -c %s "$W/big.prom")
    echo "100 MB: $size bytes written, peak RSS $rss KiB (1 MB: $rss1 KiB)"
    [ "$size" -ge 100000000 ] || fail "100 MB: only $size bytes written"
    [ "$rss" -lt $((rss1 + 4096)) ] ||
        fail "100 MB: peak RSS $rss KiB, 1 MB took $rss1 KiB: memory grows with the input"
    "$P" check --strict --user= "$W/big.prom" >/dev/null ||
        fail "100 MB: the file fails check"
    rm -f "$W/big.prom"
    # For the record: 16 MB of distinct series, the default limit.
    awk 'BEGIN { print "# HELP s_items S."; print "# TYPE s_items gauge"
        for (i = 0; i < 290000; i++)
            printf "s_items{instance=\"host-%07d\",job=\"collector\"} %d\n", i, i }' |
        /usr/bin/time -f %M -o "$tmp/rss" "$P" write "$W/s.prom" ||
        fail "16 MB of series"
    echo "16 MB, 290000 distinct series: peak RSS $(tail -n 1 "$tmp/rss") KiB"
    rm -f "$W/s.prom"
else
    skip time "/usr/bin/time not found (apt-get install time)"
fi
# Over --max-size: refused at the limit. From a pipe whose writer never
# ends: promfile stops reading, and yes(1) ends of SIGPIPE.
yes '# filler' | w "over --max-size" 1 --max-size 1M "$F"
intact "over --max-size" "$F"
said "over --max-size" "<stdin>:0: error: too-large: more than the --max-size of 1 MiB"
said "over --max-size" "<stdin> is larger than --max-size (1 MiB)"
# A command that never ends: its pipe is closed, it is waited for.
w "command over --max-size" 1 --max-size 64K "$F" -- yes '# filler'
intact "command over --max-size" "$F"
said "command over --max-size" "<output of yes> is larger than --max-size (64 KiB)"
# The default, 16 MiB.
big 17000000 | w "over the default" 1 "$F"
intact "over the default" "$F"
said "over the default" "larger than --max-size (16 MiB)"

# ---- Signals -------------------------------------------------------------
# sig_case WHAT SIG ENV: promfile write from a FIFO, signalled once it has
# its temporary file: it takes the text only after making it, and the
# write of more than a pipe holds returns only once it has read.
# A command that blocks opens "never", a FIFO nobody writes.
mkfifo "$tmp/in" "$tmp/ready" "$tmp/never"
sig_stdin() { # WHAT SIG NUM
    env --default-signal="$2" "$P" write "$F" <"$tmp/in" 2>"$ERR" &
    pid=$!
    exec 3>"$tmp/in"
    big 200000 >&3
    kill -"$2" $pid
    wait $pid
    rc=$?
    exec 3>&-
    [ "$rc" = $((128 + $3)) ] || fail "$1: exit $rc, want $((128 + $3))"
    intact "$1" "$F"
    said "$1" "interrupted by signal $3"
}
sig_stdin "SIGTERM, standard input" TERM 15
sig_stdin "SIGINT, standard input" INT 2
sig_stdin "SIGHUP, standard input" HUP 1
# With a command: it says when it runs (promfile made its temporary file
# before it started it), then blocks; the signal reaches it and promfile
# waits for it to end.
sig_command() { # WHAT SIG NUM
    env --default-signal="$2" "$P" write "$F" -- sh -c \
        'echo "x_value 1"; echo $$ >"$1"; exec cat "$2"' sh \
        "$tmp/ready" "$tmp/never" 2>"$ERR" &
    pid=$!
    read -r cpid <"$tmp/ready"
    ls -A "$W" | grep -q '\.tmp$' || fail "$1: no temporary file while writing"
    kill -"$2" $pid
    wait $pid
    rc=$?
    [ "$rc" = $((128 + $3)) ] || fail "$1: exit $rc, want $((128 + $3))"
    # promfile reaped it before it ended: the PID is gone.
    kill -0 "$cpid" 2>/dev/null && {
        fail "$1: the command is still there"
        kill -9 "$cpid"
    }
    intact "$1" "$F"
}
sig_command "SIGTERM, command" TERM 15
sig_command "SIGINT, command" INT 2
# A leftover of a promfile killed by SIGKILL goes at the next write.
"$P" write "$W/k.prom" -- sh -c \
    'echo "x_value 1"; echo $$ >"$1"; exec cat "$2"' sh \
    "$tmp/ready" "$tmp/never" 2>/dev/null &
pid=$!
read -r cpid <"$tmp/ready"
kill -9 $pid
wait $pid 2>/dev/null
kill -9 "$cpid"
ls -A "$W" | grep -q '^\.k\.prom\..*\.tmp$' || fail "SIGKILL: no leftover to remove"
w "after SIGKILL" 0 "$W/k.prom" <"$D/tool/good/basic.prom"
no_litter "after SIGKILL" "$W"
rm -f "$W/k.prom"

# ---- Directories ---------------------------------------------------------
w "missing directory" 4 "$tmp/none/a.prom" <"$D/tool/good/basic.prom"
said "missing directory" "cannot open its directory $tmp/none: No such file or directory"
[ -e "$tmp/none" ] && fail "missing directory: created"
ln -s "$W" "$tmp/link"
w "directory link" 4 "$tmp/link/a.prom" <"$D/tool/good/basic.prom"
said "directory link" "symbolic link"
intact "directory link" "$F"
mkdir "$W/dir.prom"
w "FILE a directory" 4 "$W/dir.prom" <"$D/tool/good/basic.prom"
rmdir "$W/dir.prom"
if [ "$(id -u)" = 0 ]; then
    # As root, a directory below one that others can write is refused.
    mkdir -p "$tmp/open/d"
    chmod 777 "$tmp/open"
    w "unsafe directory" 4 "$tmp/open/d/a.prom" <"$D/tool/good/basic.prom"
    said "unsafe directory" "Threat model"
    no_litter "unsafe directory" "$tmp/open/d"
    # A read-only file system; a full one (64 KiB), also with --health.
    R=$tmp/ro
    mkdir "$R"
    if mount -t tmpfs -o size=64k,mode=0755 promfile-test "$R"; then
        mounts="$R $mounts"
        cp "$tmp/orig" "$R/a.prom"
        big 200000 | w "full tmpfs" 4 "$R/a.prom"
        said "full tmpfs" "No space left on device"
        intact "full tmpfs" "$R/a.prom"
        big 200000 | w "full tmpfs --health" 4 --health "$R/a.prom"
        no_litter "full tmpfs --health" "$R"
        grep -v '^promfile_textfile_\|^# [A-Z]* promfile_textfile_' \
            "$R/a.prom" | cmp -s - "$tmp/orig" ||
            fail "full tmpfs --health: the old lines not kept"
        grep -qx 'promfile_textfile_failures_total{file="a.prom",reason="io"} 1' \
            "$R/a.prom" || fail "full tmpfs --health: io not counted"
        cp "$tmp/orig" "$R/a.prom"
        mount -o remount,ro "$R" || fail "remount read-only"
        w "read-only" 4 "$R/a.prom" <"$D/tool/good/basic.prom"
        said "read-only" "Read-only file system"
        intact "read-only" "$R/a.prom"
        umount "$R"
    else
        skip root "cannot mount a tmpfs"
    fi
else
    # A directory the user may not write (root may: it gets the
    # read-only mount above).
    mkdir "$tmp/rodir"
    cp "$tmp/orig" "$tmp/rodir/a.prom"
    chmod 555 "$tmp/rodir"
    w "read-only directory" 4 "$tmp/rodir/a.prom" <"$D/tool/good/basic.prom"
    said "read-only directory" "Permission denied"
    intact "read-only directory" "$tmp/rodir/a.prom"
    chmod 755 "$tmp/rodir"
    skip root "not root: no unsafe directory, read-only or full tmpfs (needs root)"
fi

# ---- --health ------------------------------------------------------------
H=$tmp/h
mkdir "$H"
G=$H/job.prom
hval() { # SERIES: its value in $G
    grep "^$1 " "$G" | sed 's/.* //'
}
fails_of() { # REASON
    hval "promfile_textfile_failures_total{file=\"job.prom\",reason=\"$1\"}"
}
success_of() {
    hval 'promfile_textfile_last_success_timestamp_seconds{file="job.prom"}'
}
data_of() { # the lines of $G but the health families
    grep -v '^promfile_textfile_\|^# [A-Z]* promfile_textfile_' "$G"
}
before=$(date +%s)
w "health: first" 0 --health "$G" <"$D/tool/good/basic.prom"
after=$(date +%s)
t=$(success_of)
[ -n "$t" ] && [ "$t" -ge "$before" ] && [ "$t" -le "$after" ] ||
    fail "health: last success $t not between $before and $after"
for r in command empty invalid io too_large; do
    [ "$(fails_of $r)" = 0 ] || fail "health: $r not 0 from the start"
done
data_of | cmp -s - "$D/tool/good/basic.prom" || fail "health: text not kept"
"$P" check --strict --user= "$G" || fail "health: fails check --strict"
keep "$G" health-first
# Failures: counted by reason, the data and the last success kept.
cp "$G" "$tmp/first"
w "health: invalid" 1 --health "$G" <"$D/tool/bad/timestamp.prom"
w "health: invalid again" 1 --health "$G" <"$D/tool/bad/duplicate.prom"
w "health: command" 3 --health "$G" -- sh -c "$GOOD; exit 3"
w "health: empty" 1 --health "$G" </dev/null
yes '# filler' | w "health: too large" 1 --health --max-size 1K "$G"
said "health: too large" "its health metrics count the failure (reason=\"too_large\")"
for rn in command:1 empty:1 invalid:2 io:0 too_large:1; do
    [ "$(fails_of "${rn%:*}")" = "${rn#*:}" ] ||
        fail "health: ${rn%:*} is $(fails_of "${rn%:*}"), want ${rn#*:}"
done
[ "$(success_of)" = "$t" ] || fail "health: last success changed on failure"
data_of | cmp -s - "$D/tool/good/basic.prom" ||
    fail "health: failures changed the data lines"
no_litter "health failures" "$H"
"$P" check --strict --user= "$G" || fail "health after failures: check"
keep "$G" health-failed
# Success again: the new text, the counts kept.
w "health: success" 0 --health "$G" <"$D/tool/good/histogram.prom"
data_of | cmp -s - "$D/tool/good/histogram.prom" || fail "health: new text"
[ "$(fails_of invalid)" = 2 ] || fail "health: counts lost on success"
[ "$(success_of)" -ge "$t" ] || fail "health: last success not updated"
# The text may not have the families; without --health it may.
w "health: its families in the text" 1 --health "$G" <"$G"
said "health: its families in the text" "a family of --health's own"
[ "$(fails_of invalid)" = 3 ] || fail "health: own families not invalid"
w "health families without --health" 0 "$H/copy.prom" <"$G"
rm -f "$H/copy.prom"
# A second file in the directory: its own series (label file).
w "health: second file" 0 --health "$H/other.prom" <"$D/tool/good/summary.prom"
"$P" check --strict --user= "$H" || fail "health: the directory fails check"
# No old file: a failure writes the health metrics alone; so does an old
# file that fails check (after a warning).
w "health: failure, no file" 3 --health "$H/new.prom" -- false
[ "$(grep -vc '^#' "$H/new.prom")" = 6 ] ||
    fail "health: not the health metrics alone: $(cat "$H/new.prom")"
grep -qx 'promfile_textfile_last_success_timestamp_seconds{file="new.prom"} 0' \
    "$H/new.prom" || fail "health: no success yet is not 0"
cp "$D/tool/bad/timestamp.prom" "$H/new.prom"
w "health: failure, bad old file" 3 --health "$H/new.prom" -- false
said "health: failure, bad old file" "fails promfile check"
grep -q "^x 1 " "$H/new.prom" && fail "health: the bad old lines kept"
grep -qx 'promfile_textfile_failures_total{file="new.prom",reason="command"} 1' \
    "$H/new.prom" || fail "health: bad old file: failure not counted"
rm -f "$H/new.prom"
# A last line of blanks without '\n' is valid: the families follow a '\n'.
printf 'x_value 1\n  ' | w "health: blanks at the end" 0 --health "$H/bl.prom"
"$P" check --user= "$H/bl.prom" >/dev/null || fail "health: blanks at the end"
rm -f "$H/bl.prom"
keep "$G" health-success
mkdir "$tmp/ok/two-files"
cp "$G" "$H/other.prom" "$tmp/ok/two-files/"
echo "health: failures counted across 8 runs, two files in one directory"

# ---- examples/collectors/apt-updates.sh -----------------------------------
# A mocked apt-get prints a recorded simulation; $MOCK_FAIL makes it fail
# as apt-get does when it cannot read its lists.
mkdir "$tmp/bin" "$tmp/lists" "$tmp/exdir"
cat >"$tmp/bin/apt-get" <<EOF
#!/bin/sh
if [ -n "\${MOCK_FAIL:-}" ]; then
    echo "E: Could not open file /var/lib/apt/lists/x_Packages" >&2
    exit 100
fi
cat "$D/write/apt-get-dist-upgrade.txt"
EOF
chmod 755 "$tmp/bin/apt-get"
touch -d @1700000000 "$tmp/lists/deb.debian.org_debian_dists_bookworm_InRelease"
touch -d @1690000000 "$tmp/lists/security.debian.org_dists_bookworm-security_InRelease"
touch "$tmp/reboot-required"
apt_run() {
    PATH="$tmp/bin:$(dirname "$P"):$PATH" TEXTFILE_DIR="$tmp/exdir" \
        APT_LISTS="$tmp/lists" REBOOT_FILE="$tmp/reboot-required" \
        sh "$EX/apt-updates.sh" "$@"
}
A=$tmp/exdir/apt-updates.prom
apt_run 2>"$ERR" || fail "apt-updates.sh: exit $?: $(cat "$ERR")"
grep -v '^promfile_textfile_\|^# [A-Z]* promfile_textfile_' "$A" |
    cmp -s - "$D/write/apt-updates.prom" ||
    fail "apt-updates.sh: not the metrics of the simulation: $(diff "$D/write/apt-updates.prom" "$A")"
apt_run --print | cmp -s - "$D/write/apt-updates.prom" ||
    fail "apt-updates.sh --print"
"$P" check --strict --user= "$A" || fail "apt-updates.prom fails check --strict"
keep "$A" apt-updates
cp "$A" "$tmp/orig-apt"
MOCK_FAIL=1 apt_run 2>"$ERR"
rc=$?
[ "$rc" = 3 ] || fail "apt-updates.sh, apt-get failing: exit $rc, want 3"
grep -q 'sh exited with status 100' "$ERR" || fail "apt-updates.sh: $(cat "$ERR")"
grep -qx 'promfile_textfile_failures_total{file="apt-updates.prom",reason="command"} 1' \
    "$A" || fail "apt-updates.sh: the failure not counted"
grep -v '^promfile_textfile_' "$tmp/orig-apt" >"$tmp/want"
grep -v '^promfile_textfile_' "$A" | cmp -s - "$tmp/want" ||
    fail "apt-updates.sh: a failure changed the data"
no_litter "apt-updates.sh" "$tmp/exdir"
echo "apt-updates.sh: written from the simulation; a failing apt-get counted"

# ---- The lock of set, inc, del and run -------------------------------------
# write replaces FILE under their lock: while promfile run holds it, write
# waits (/proc/locks lists it as waiting; polled every 0.1 s), leaves the
# file alone, and replaces it once the run is over.
L="$tmp/lock"
mkdir "$L"
mkfifo "$tmp/lready" "$tmp/lgo"
"$P" run --dir "$L" job -- sh -c 'echo >"$1"; read x <"$2"' sh \
    "$tmp/lready" "$tmp/lgo" &
holder=$!
read -r x <"$tmp/lready"
cp "$L/job.prom" "$tmp/lock-marker"
printf 'lock_test_items 1\n' | "$P" write "$L/job.prom" &
w=$!
i=0
until grep -q -- "-> FLOCK  *ADVISORY  *WRITE $w " /proc/locks; do
    i=$((i + 1))
    [ $i -lt 300 ] || {
        fail "lock: write is not waiting for the run's lock"
        break
    }
    sleep 0.1
done
cmp -s "$L/job.prom" "$tmp/lock-marker" || fail "lock: write replaced a locked file"
echo >"$tmp/lgo"
wait $holder || fail "lock: the run: exit $?"
wait $w || fail "lock: write: exit $?"
[ "$(cat "$L/job.prom")" = "lock_test_items 1" ] ||
    fail "lock: the file is not write's text: $(head -3 "$L/job.prom")"

# ---- promtool and node_exporter on the files written -------------------
for f in "$tmp"/ok/*.prom; do
    "$P" check --strict --user= "$f" >/dev/null || fail "${f##*/} fails check"
done
if command -v promtool >/dev/null 2>&1; then
    for f in "$tmp"/ok/*.prom; do
        promtool check metrics <"$f" || fail "promtool: ${f##*/}"
    done
else
    skip promtool "promtool not found (apt-get install prometheus)"
fi
if [ -x /usr/bin/prometheus-node-exporter ] && [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 "$srcdir/tests/nodeexp.py" verdict "$tmp"/ok/*.prom \
        "$tmp/ok/two-files" >"$tmp/verdicts" ||
        fail "nodeexp.py verdict: exit $?"
    n=0
    while read -r verdict path rest; do
        n=$((n + 1))
        [ "$verdict" = ok ] || fail "node_exporter: $verdict $path $rest"
    done <"$tmp/verdicts"
    echo "node_exporter read $n files and directories written without an error"
else
    skip node_exporter "prometheus-node-exporter or python3 not found"
fi

if [ $fails != 0 ]; then
    echo "$fails failures"
    exit 1
fi
[ -z "$skipped" ] || exit 77
exit 0
