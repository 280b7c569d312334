#!/bin/sh
# SPDX-License-Identifier: MIT
# promfile(1) (issue 8): the check corpus (tests/data/tool/{good,bad}, one
# bad file per rule, "# expect: RULE" on its first line), the directory
# rules, the permission rule, set/inc/del byte for byte, concurrent inc
# under a reader, config check, and the comparison with promtool: every
# file promtool rejects must be rejected too. Exit 77 (skip) only when
# everything else passed and promtool (Debian package "prometheus") is
# missing.
: "${srcdir:=.}"
: "${top_builddir:=.}"
P="$top_builddir/src/tool/promfile"
D="$srcdir/tests/data/tool"
LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-tool.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# The permission test checks that user nobody can search $tmp.
chmod 755 "$tmp"
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
expect_of() {
    sed -n '1s/^# expect: \([a-z0-9_-]*\).*/\1/p' "$1"
}

# ---- The corpus --------------------------------------------------------
# Every bad file breaks a rule that is an error; a good file may break
# warnings only, named on its first line. tests/check-verdicts.sh checks
# these verdicts against node_exporter itself.
nbad=0
ngood=0
rules=
for f in "$D"/bad/*.prom; do
    nbad=$((nbad + 1))
    rule=$(expect_of "$f")
    [ -n "$rule" ] || fail "$f has no '# expect:' line"
    out=$("$P" check --user= "$f")
    rc=$?
    [ "$rc" = 1 ] || fail "$f: exit $rc, want 1"
    case "$out" in
    *": error: $rule: "*) ;;
    *) fail "$f: rule $rule not reported: $out" ;;
    esac
    rules="$rules $rule"
done
for f in "$D"/good/*.prom; do
    ngood=$((ngood + 1))
    rule=$(expect_of "$f")
    [ -s "$f" ] || rule=empty
    out=$("$P" check --user= "$f")
    rc=$?
    [ "$rc" = 0 ] || fail "$f: exit $rc, want 0: $out"
    if [ -n "$rule" ]; then
        case "$out" in
        *": warning: $rule: "*) ;;
        *) fail "$f: warning $rule not reported: $out" ;;
        esac
        rules="$rules $rule"
        # --strict turns warnings into a failure.
        "$P" check --user= --strict "$f" >/dev/null
        [ $? = 1 ] || fail "$f: --strict should exit 1"
        # -q prints no warnings.
        [ -z "$("$P" check --user= -q "$f")" ] || fail "$f: -q printed"
    else
        [ -z "$out" ] || fail "$f: clean file, but: $out"
    fi
done

# ---- Directories: node_exporter's choice of files, cross-file rules ----
# The rules a directory breaks are named on the first lines of its files.
for d in "$D"/dirs/*/; do
    d=${d%/}
    want=
    for f in "$d"/*.prom "$d"/.*.prom; do
        [ -f "$f" ] && want="$want $(expect_of "$f")"
    done
    out=$("$P" check --user= "$d")
    rc=$?
    want_rc=0
    for rule in $want; do
        case "$out" in
        *": error: $rule: "*) want_rc=1 ;;
        *": warning: $rule: "*) ;;
        *) fail "$d: rule $rule not reported: $out" ;;
        esac
        rules="$rules $rule"
    done
    [ "$rc" = "$want_rc" ] || fail "$d: exit $rc, want $want_rc: $out"
done
# Symlinks are followed, a broken one is refused; a directory named
# *.prom is read as empty by node_exporter; a FIFO or a device is refused,
# and nothing blocks on it (issue 12, item 10).
mkdir "$tmp/links" "$tmp/links/sub.prom"
ln -s "$(cd "$D/bad" && pwd)/timestamp.prom" "$tmp/links/l.prom"
ln -s "$tmp/nowhere" "$tmp/links/broken.prom"
mkfifo "$tmp/links/fifo.prom"
out=$(timeout 10 "$P" check --user= "$tmp/links")
[ $? = 1 ] || fail "links: exit status"
for want in "l.prom:4: error: timestamp: " "sub.prom:0: warning: directory: " \
    "broken.prom:0: error: read: " "fifo.prom:0: error: not-regular: "; do
    case "$out" in
    *"$want"*) ;;
    *) fail "links: \"$want\" not reported: $out" ;;
    esac
done
rules="$rules timestamp directory read not-regular"
for dev in "$tmp/links/fifo.prom" /dev/zero; do
    out=$(timeout 10 "$P" check --user= "$dev")
    rc=$?
    [ "$rc" = 1 ] || fail "check $dev: exit $rc (124: it blocked), want 1"
    case "$out" in
    *": error: not-regular: "*) ;;
    *) fail "check $dev: not-regular not reported: $out" ;;
    esac
done
# A file over the size limit is refused before it is read (a sparse one
# costs no disk).
truncate -s 257M "$tmp/big.prom"
out=$(timeout 10 "$P" check --user= "$tmp/big.prom")
rc=$?
[ "$rc" = 1 ] || fail "a 257 MiB file: exit $rc, want 1"
case "$out" in
*"big.prom:0: error: too-large: "*) rules="$rules too-large" ;;
*) fail "a 257 MiB file: too-large not reported: $out" ;;
esac
rm -f "$tmp/big.prom"
# A file whose name does not end in .prom.
cp "$D/good/basic.prom" "$tmp/basic.txt"
out=$("$P" check --user= "$tmp/basic.txt")
case "$out" in
*": warning: file-name: "*) rules="$rules file-name" ;;
*) fail "file-name not reported: $out" ;;
esac

# --max-age: a file last written longer ago is the error stale, in a
# directory or on its own; a newer one passes; a bad duration is a usage
# error.
mkdir "$tmp/age"
cp "$D/good/basic.prom" "$tmp/age/old.prom"
cp "$D/good/histogram.prom" "$tmp/new.prom"
touch -d '3 days ago' "$tmp/age/old.prom"
for p in "$tmp/age" "$tmp/age/old.prom"; do
    out=$("$P" check --user= --max-age 2d "$p")
    rc=$?
    [ "$rc" = 1 ] || fail "--max-age 2d, $p 3 days old: exit $rc, want 1"
    case "$out" in
    *"old.prom:0: error: stale: last written 3d"*"--max-age 2d"*) ;;
    *) fail "--max-age: stale not reported for $p: $out" ;;
    esac
done
rules="$rules stale"
"$P" check --user= --max-age 4d "$tmp/age" >/dev/null ||
    fail "--max-age 4d: a 3-day-old file reported"
"$P" check --user= --max-age 1h "$tmp/new.prom" >/dev/null ||
    fail "--max-age 1h: a new file reported"
"$P" check --user= "$tmp/age" >/dev/null ||
    fail "without --max-age: an old file reported"
for bad in 1x 1m30 30s1m 1h1h 0 -1h ''; do
    "$P" check --user= --max-age "$bad" "$tmp/age" >/dev/null 2>&1
    [ $? = 2 ] || fail "--max-age '$bad' is not a usage error"
done
"$P" set "$tmp/new.prom" x 1 --max-age 1h >/dev/null 2>&1
[ $? = 2 ] || fail "--max-age with set is not a usage error"
rm -rf "$tmp/age" "$tmp/new.prom"

# Usage errors exit 2.
"$P" check >/dev/null 2>&1
[ $? = 2 ] || fail "check without PATH should exit 2"
"$P" frobnicate >/dev/null 2>&1
[ $? = 2 ] || fail "unknown command should exit 2"
"$P" --version | grep -q '^promfile .*libpromfile' ||
    fail "--version"

# ---- Permissions -------------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$tmp/perm"
    cp "$D/good/basic.prom" "$tmp/perm/a.prom"
    chmod 755 "$tmp/perm"
    chmod 600 "$tmp/perm/a.prom"
    out=$("$P" check --user nobody "$tmp/perm")
    [ $? = 1 ] || fail "0600 root file passed for nobody"
    case "$out" in
    *"a.prom:0: error: permission: "*) rules="$rules permission" ;;
    *) fail "permission not reported: $out" ;;
    esac
    "$P" check --user nobody "$tmp/perm/a.prom" >/dev/null &&
        fail "0600 root file (given as a file) passed for nobody"
    chmod 644 "$tmp/perm/a.prom"
    "$P" check --user nobody "$tmp/perm" >/dev/null ||
        fail "0644 file failed for nobody"
    chmod 700 "$tmp/perm"
    out=$("$P" check --user nobody "$tmp/perm/a.prom")
    case "$out" in
    *"error: permission: user nobody cannot search"*) ;;
    *) fail "unsearchable directory not reported: $out" ;;
    esac
    chmod 755 "$tmp/perm"
    "$P" check --user no-such-user-xyz "$tmp/perm" >/dev/null 2>&1
    [ $? = 2 ] || fail "unknown --user should exit 2"
else
    echo "permission test skipped (needs root and user nobody)"
fi

# ---- set / inc / del -----------------------------------------------------
E="$tmp/edit"
mkdir "$E"
F="$E/app.prom"
cp "$D/good/basic.prom" "$F"
cp "$F" "$E/orig"

# inc an existing series, labels in another order: only its line changes.
"$P" inc "$F" 'app_requests_total{method="get",code="500"}' 2 ||
    fail "inc existing"
sed 's/^app_requests_total{code="500",method="get"} 3$/&X/;s/ 3X$/ 5/' \
    "$E/orig" >"$E/want"
cmp "$F" "$E/want" || fail "inc changed more than its line"

# set an existing gauge.
cp "$F" "$E/orig"
"$P" set "$F" app_temperature_celsius 19.25 || fail "set existing"
sed 's/^app_temperature_celsius 21.5$/app_temperature_celsius 19.25/' \
    "$E/orig" >"$E/want"
cmp "$F" "$E/want" || fail "set changed more than its line"

# A negative value needs no "--".
"$P" set "$F" app_temperature_celsius -4 || fail "set negative"
grep -qx 'app_temperature_celsius -4' "$F" || fail "negative value"
"$P" set "$F" app_temperature_celsius 21.5 || fail "set back"

# A new series of an existing family goes at the end of its block.
cp "$F" "$E/orig"
"$P" inc "$F" 'app_requests_total{code="404",method="get"}' ||
    fail "inc new series"
sed '/^app_requests_total{code="500"/a\
app_requests_total{code="404",method="get"} 1' "$E/orig" >"$E/want"
cmp "$F" "$E/want" || fail "new series not inserted in its block"

# A new counter family: HELP (derived) and TYPE counter, appended.
cp "$F" "$E/orig"
"$P" inc "$F" 'jobs_done_total{job="backup"}' 3 || fail "inc new family"
n=$(wc -l <"$E/orig")
head -n "$n" "$F" | cmp - "$E/orig" || fail "new family changed old lines"
printf '%s\n' '# HELP jobs_done_total jobs done total' \
    '# TYPE jobs_done_total counter' 'jobs_done_total{job="backup"} 3' \
    >"$E/want-tail"
tail -n 3 "$F" | cmp - "$E/want-tail" || fail "new counter family"

# A new gauge with --help-text (escaped) and --type.
"$P" set "$F" 'queue_items{queue="a\\b \"q\""}' 7 --type gauge \
    --help-text 'Items queued; back\slash.' || fail "set new gauge"
tail -n 3 "$F" >"$E/got"
printf '%s\n' '# HELP queue_items Items queued; back\\slash.' \
    '# TYPE queue_items gauge' 'queue_items{queue="a\\b \"q\""} 7' \
    >"$E/want-tail"
cmp "$E/got" "$E/want-tail" || fail "new gauge family with --help-text"
"$P" check --user= "$F" >/dev/null || fail "edited file fails check"
# A HELP of blanks, or starting with one, is refused: readers drop them
# (issue 12).
cp "$F" "$E/orig"
for h in ' ' '	x' ' Leading.'; do
    "$P" set "$F" blank_help_items 1 --help-text "$h" 2>/dev/null &&
        fail "--help-text '$h' accepted"
done
cmp "$F" "$E/orig" || fail "a refused --help-text changed the file"

# del: only the line goes; the last series takes HELP and TYPE along.
cp "$F" "$E/orig"
"$P" del "$F" 'app_requests_total{code="404",method="get"}' || fail "del"
grep -vx 'app_requests_total{code="404",method="get"} 1' "$E/orig" \
    >"$E/want"
cmp "$F" "$E/want" || fail "del changed more than its line"
"$P" del "$F" 'queue_items{queue="a\\b \"q\""}' || fail "del last"
grep -q queue_items "$F" && fail "HELP/TYPE of a deleted family remain"
"$P" del "$F" 'nothing_here' 2>/dev/null && fail "del of a missing series"

# Mode: kept; a new file gets 0644 whatever the umask.
chmod 640 "$F"
"$P" inc "$F" 'jobs_done_total{job="backup"}' || fail "inc (mode)"
[ "$(stat -c %a "$F")" = 640 ] || fail "mode not kept: $(stat -c %a "$F")"
(umask 077 && "$P" set "$E/new.prom" new_value 1) || fail "set new file"
[ "$(stat -c %a "$E/new.prom")" = 644 ] || fail "new file not 0644"

# --now: the current Unix time.
"$P" set "$F" backup_last_success_timestamp_seconds --now \
    --help-text "Last successful backup." || fail "--now"
now=$(date +%s)
v=$(sed -n 's/^backup_last_success_timestamp_seconds //p' "$F")
[ -n "$v" ] && [ $((now - v)) -ge 0 ] && [ $((now - v)) -le 5 ] ||
    fail "--now gave '$v', date says $now"
grep -qx '# TYPE backup_last_success_timestamp_seconds gauge' "$F" ||
    fail "--now family not a gauge"

# Refusals: exit 1, file unchanged.
cp "$F" "$E/orig"
refuse() { # what, then the arguments
    what=$1
    shift
    "$P" "$@" >/dev/null 2>"$E/err"
    rc=$?
    [ "$rc" = 1 ] || fail "$what: exit $rc, want 1"
    [ -s "$E/err" ] || fail "$what: no message"
    cmp -s "$F" "$E/orig" || fail "$what: file changed"
}
refuse "bad name" set "$F" '1abc' 1
refuse "bad label syntax" set "$F" 'x{a=1}' 1
refuse "unterminated label" set "$F" 'x{a="1}' 1
refuse "__ label" set "$F" 'x{__a="1"}' 1
refuse "invalid UTF-8" set "$F" "$(printf 'x{a="\377"}')" 1
refuse "bad escape" set "$F" 'x{a="\t"}' 1
refuse "-nan" set "$F" x -nan
refuse "decimal comma" set "$F" x 0,25
refuse "hex value" set "$F" x 0x1p3
refuse "underscore" set "$F" x 1_000
refuse "trailing junk" set "$F" 'x{a="1"}junk' 1
refuse "missing value" set "$F" x
refuse "counter down" inc "$F" 'jobs_done_total{job="backup"}' -1
refuse "negative counter" set "$F" 'jobs_done_total{job="backup"}' -5
refuse "counter without _total" set "$F" requests 1 --type counter
refuse "bad --type" set "$F" x 1 --type histogram
refuse "type clash" set "$F" app_temperature_celsius 1 --type counter
refuse "histogram" set "$F" 'x_bucket{le="1"}' 1
# No litter: the edits leave nothing beside the files but what this test
# made (no FILE.lock, no temporary file).
ls -a "$E" | grep -v -e '^\.$' -e '^\.\.$' -e '^app.prom$' -e '^new.prom$' \
    -e '^orig$' -e '^want' -e '^got$' -e '^err$' && fail "left-over files"

# A FIFO (or a device) where the file should be is refused, without
# blocking in open(); a FIFO at FILE.lock, the lock file of old, is left
# alone and blocks nothing (issue 12, item 10).
mkfifo "$E/fifo.prom"
timeout 10 "$P" inc "$E/fifo.prom" fifo_total 2>"$E/err"
rc=$?
[ "$rc" = 1 ] || fail "inc on a FIFO: exit $rc (124: it blocked), want 1"
grep -q "not a regular file" "$E/err" || fail "inc on a FIFO: $(cat "$E/err")"
rm "$E/fifo.prom"
mkfifo "$F.lock"
timeout 10 "$P" inc "$F" 'jobs_done_total{job="backup"}' ||
    fail "inc with a FIFO at FILE.lock: exit $?"
[ -p "$F.lock" ] || fail "the FIFO at FILE.lock was touched"
rm "$F.lock"
ln -s /dev/zero "$E/zero.prom"
timeout 10 "$P" set "$E/zero.prom" x 1 2>/dev/null
[ $? = 1 ] || fail "set on /dev/zero: not refused"
rm "$E/zero.prom"
cp "$F" "$E/orig"

# A file that fails check is refused unless --force.
cp "$D/bad/timestamp.prom" "$E/bad.prom"
cp "$E/bad.prom" "$E/bad.orig"
"$P" set "$E/bad.prom" y 1 2>/dev/null && fail "bad file modified"
cmp -s "$E/bad.prom" "$E/bad.orig" || fail "bad file changed"
"$P" set --force "$E/bad.prom" y_value 1 2>/dev/null ||
    fail "--force refused"
grep -qx 'y_value 1' "$E/bad.prom" || fail "--force did not set"

# ---- Every rule has a case, and its line in promfile(1) ---------------
# The corpus holds a file (or a directory) for each rule but those of the
# file system, whose cases are made above: links, FIFOs, devices, sizes,
# names, permissions.
"$P" check --list-rules >"$tmp/rules" || fail "check --list-rules"
nrules=0
while read -r name severity verdict what; do
    nrules=$((nrules + 1))
    case " $rules " in
    *" $name "*) ;;
    *)
        [ "$name" = permission ] && [ "$(id -u)" != 0 ] ||
            fail "rule $name has no case"
        ;;
    esac
    roff=$(printf '%s' "$name" | sed 's/-/\\\\-/g')
    grep -A1 -x "\.B $roff" "$srcdir/man/promfile.1" |
        grep -q "^($severity, $verdict)" ||
        fail "promfile(1) does not list $name as ($severity, $verdict)"
done <"$tmp/rules"
echo "corpus: $nbad bad, $ngood good files; $nrules rules, each with a case"

# ---- Concurrency: 8 x 50 inc, a reader checking all along ------------
C="$tmp/conc"
mkdir "$C" "$C/done"
w=1
while [ $w -le 8 ]; do
    (
        i=0
        while [ $i -lt 50 ]; do
            "$P" inc "$C/c.prom" 'conc_ops_total{kind="inc"}' ||
                echo "inc failed" >>"$C/errors"
            i=$((i + 1))
        done
        touch "$C/done/$w"
    ) &
    w=$((w + 1))
done
reads=0
while [ "$(ls "$C/done" | wc -l)" -lt 8 ] && [ $reads -lt 20000 ]; do
    if [ -e "$C/c.prom" ]; then
        "$P" check --user= "$C/c.prom" >"$C/out" 2>&1 || {
            echo "read $reads:" >>"$C/errors"
            cat "$C/out" >>"$C/errors"
        }
        reads=$((reads + 1))
    fi
done
wait
[ -s "$C/errors" ] && fail "concurrency: $(head -n 5 "$C/errors")"
grep -qx 'conc_ops_total{kind="inc"} 400' "$C/c.prom" ||
    fail "concurrency: final value $(grep '^conc' "$C/c.prom"), want 400"
echo "concurrency: 400 inc, $reads checks by the reader"

# ---- config check --------------------------------------------------------
"$P" config check "$D/ini/good.ini" | grep -qx "$D/ini/good.ini: ok" ||
    fail "good ini"
ini_bad() { # file line
    out=$("$P" config check "$D/ini/$1")
    rc=$?
    [ "$rc" = 1 ] || fail "$1: exit $rc"
    case "$out" in
    "$D/ini/$1:$2: "*) ;;
    *) fail "$1: want line $2: $out" ;;
    esac
}
ini_bad bad-key.ini 3
ini_bad bad-value.ini 4
ini_bad bad-file.ini 2
"$P" config check "$tmp/none.ini" >/dev/null && fail "missing ini passed"

# ---- promtool: every file it rejects, we reject ------------------------
if ! command -v promtool >/dev/null 2>&1; then
    [ $fails = 0 ] || exit 1
    echo "SKIP: promtool not found (Debian package prometheus)"
    exit 77
fi
weaker=0
for f in "$D"/bad/*.prom "$D"/good/*.prom; do
    promtool check metrics <"$f" >/dev/null 2>&1
    prc=$?
    "$P" check --user= "$f" >/dev/null 2>&1
    rc=$?
    if [ "$prc" = 1 ] && [ "$rc" != 1 ]; then
        fail "promtool rejects $f, promfile check does not"
    fi
    if [ "$prc" != 1 ] && [ "$rc" = 1 ]; then
        echo "promtool is weaker (exit $prc): ${f#"$D"/}"
        weaker=$((weaker + 1))
    fi
done
echo "promtool passes $weaker corpus files that promfile check rejects"

[ $fails = 0 ] || { echo "$fails failures"; exit 1; }
exit 0
