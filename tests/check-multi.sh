#!/bin/sh
# SPDX-License-Identifier: MIT
# promfile set/inc/del with several updates in one call (issue 15): as
# arguments or one a line on standard input, applied together in one
# locked read-modify-write and one rename, or not at all.
#   - each form gives the file byte for byte as expected: values
#     replaced in place, new series at the end of their family's block,
#     new families at the end (several series under one HELP/TYPE), a
#     family whose every series is deleted loses its HELP and TYPE;
#   - the same series twice: set keeps the last value, inc adds;
#   - one bad update refuses the whole call, the file untouched, the
#     message naming the update ("series 3") or the line of standard
#     input;
#   - a reader polling the file while 3-series sets run never sees the
#     three values differ;
#   - nothing is left in the directory but the .prom files.
: "${srcdir:=.}"
: "${top_builddir:=.}"
P="$top_builddir/src/tool/promfile"
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-multi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
F="$tmp/d/app.prom"
mkdir "$tmp/d"
start() {
    cat >"$F" <<'PROM'
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{code="200"} 10
app_requests_total{code="500"} 1
# HELP app_temperature_celsius Temperature.
# TYPE app_temperature_celsius gauge
app_temperature_celsius 21.5
# HELP app_queue_items Items queued.
# TYPE app_queue_items gauge
app_queue_items{queue="a"} 3
PROM
}
want() {
    cat >"$tmp/want"
    if ! cmp -s "$F" "$tmp/want"; then
        fail "$1:"
        diff -u "$tmp/want" "$F"
    fi
}

# ---- set: pairs; an existing value, a new series, two new families -----
start
"$P" set -q "$F" app_temperature_celsius 19.25 \
    'app_queue_items{queue="b c}"}' 4 \
    'jobs_last_timestamp_seconds{job="x"}' 100 \
    'jobs_last_timestamp_seconds{job="y"}' 200 \
    jobs_running 1 || fail "set of five"
want "set of five" <<'PROM'
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{code="200"} 10
app_requests_total{code="500"} 1
# HELP app_temperature_celsius Temperature.
# TYPE app_temperature_celsius gauge
app_temperature_celsius 19.25
# HELP app_queue_items Items queued.
# TYPE app_queue_items gauge
app_queue_items{queue="a"} 3
app_queue_items{queue="b c}"} 4
# HELP jobs_last_timestamp_seconds jobs last timestamp seconds
# TYPE jobs_last_timestamp_seconds gauge
jobs_last_timestamp_seconds{job="x"} 100
jobs_last_timestamp_seconds{job="y"} 200
# HELP jobs_running jobs running
# TYPE jobs_running gauge
jobs_running 1
PROM
"$P" check --strict --user= "$F" >/dev/null || fail "set of five: check"

# ---- inc: a DELTA only where one is given; the same series twice adds ---
start
"$P" inc "$F" 'app_requests_total{code="200"}' 5 \
    'app_requests_total{code="500"}' \
    'app_requests_total{code="404"}' 2 \
    'app_requests_total{code="200"}' || fail "inc of four"
want "inc of four" <<'PROM'
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{code="200"} 16
app_requests_total{code="500"} 2
app_requests_total{code="404"} 2
# HELP app_temperature_celsius Temperature.
# TYPE app_temperature_celsius gauge
app_temperature_celsius 21.5
# HELP app_queue_items Items queued.
# TYPE app_queue_items gauge
app_queue_items{queue="a"} 3
PROM
# set twice: the last value.
"$P" set "$F" app_temperature_celsius 1 app_temperature_celsius 2 ||
    fail "set twice"
grep -qx 'app_temperature_celsius 2' "$F" || fail "set twice: not the last"

# ---- del: several; a family emptied goes with its HELP and TYPE ---------
start
"$P" del "$F" 'app_requests_total{code="200"}' app_temperature_celsius \
    'app_requests_total{code="500"}' || fail "del of three"
want "del of three" <<'PROM'
# HELP app_queue_items Items queued.
# TYPE app_queue_items gauge
app_queue_items{queue="a"} 3
PROM

# ---- set --now: every SERIES the same time ------------------------------
start
"$P" set --now "$F" a_timestamp_seconds b_timestamp_seconds ||
    fail "set --now of two"
a=$(sed -n 's/^a_timestamp_seconds //p' "$F")
b=$(sed -n 's/^b_timestamp_seconds //p' "$F")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "set --now of two: '$a' '$b'"

# ---- standard input: one update a line ----------------------------------
start
printf '%s\n' '# the nightly numbers' '' \
    '  app_temperature_celsius   -3.5  ' \
    'app_queue_items{queue="x y"} 12' \
    'app_queue_items{queue="a"} 0' |
    "$P" set "$F" - || fail "set from stdin"
want "set from stdin" <<'PROM'
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{code="200"} 10
app_requests_total{code="500"} 1
# HELP app_temperature_celsius Temperature.
# TYPE app_temperature_celsius gauge
app_temperature_celsius -3.5
# HELP app_queue_items Items queued.
# TYPE app_queue_items gauge
app_queue_items{queue="a"} 0
app_queue_items{queue="x y"} 12
PROM
printf '%s\n' 'app_requests_total{code="200"}' \
    'app_requests_total{code="500"} 4' | "$P" inc "$F" - ||
    fail "inc from stdin"
grep -qx 'app_requests_total{code="200"} 11' "$F" &&
    grep -qx 'app_requests_total{code="500"} 5' "$F" ||
    fail "inc from stdin: $(grep '^app_requests' "$F")"
printf 'app_queue_items{queue="x y"}\n' | "$P" del "$F" - ||
    fail "del from stdin"
grep -q 'x y' "$F" && fail "del from stdin: still there"

# ---- refusals: the whole call, nothing changed ---------------------------
start
cp "$F" "$tmp/orig"
refuse() { # what, message part, then the arguments (stdin: $input)
    what=$1
    part=$2
    shift 2
    printf '%s' "${input:-}" | "$P" "$@" >/dev/null 2>"$tmp/err"
    rc=$?
    [ "$rc" = 1 ] || fail "$what: exit $rc, want 1"
    grep -q -- "$part" "$tmp/err" ||
        fail "$what: message without '$part': $(cat "$tmp/err")"
    cmp -s "$F" "$tmp/orig" || fail "$what: file changed"
}
refuse "counter down among sets" "series 3: " \
    set "$F" app_temperature_celsius 1 'app_queue_items{queue="z"}' 2 \
    'app_requests_total{code="200"}' -1
refuse "bad value among sets" "series 2: " \
    set "$F" app_temperature_celsius 1 x 1,5
refuse "missing series among dels" 'series 2: no series nothing_here{a="b"} in ' \
    del "$F" app_temperature_celsius 'nothing_here{a="b"}'
refuse "histogram among incs" "histograms" \
    inc "$F" 'app_requests_total{code="200"}' 'x_bucket{le="1"}'
input='app_temperature_celsius 1
app_queue_items{queue="a" 2
' refuse "bad stdin line" "<stdin>:2" set "$F" -
input='app_temperature_celsius
' refuse "stdin set without value" "<stdin>:1: set needs a VALUE" \
    set "$F" -
input='app_temperature_celsius 3
' refuse "stdin del with a value" "<stdin>:1: del takes no value" \
    del "$F" -
input='# nothing
' refuse "empty stdin" "no SERIES" set "$F" -
"$P" set "$F" app_temperature_celsius 1 x >/dev/null 2>&1
[ $? = 1 ] && cmp -s "$F" "$tmp/orig" || fail "odd set arguments"

# ---- atomicity: a reader never sees half of a call ------------------------
# 200 calls each set three series to the same value i; a reader polls the
# file until the last call is done and checks that the three agree.
A="$tmp/a"
mkdir "$A"
"$P" set "$A/m.prom" one 0 two 0 three 0 || fail "atomic: first set"
(
    i=1
    while [ $i -le 200 ]; do
        "$P" set --no-fsync "$A/m.prom" one $i two $i three $i ||
            echo "set $i failed" >>"$tmp/atomic-errors"
        i=$((i + 1))
    done
    touch "$tmp/atomic-done"
) &
/usr/bin/python3 - "$A/m.prom" "$tmp/atomic-done" <<'PY' >"$tmp/atomic-out"
import os, sys
path, done = sys.argv[1], sys.argv[2]
reads = mixed = 0
last = None
while True:
    finished = os.path.exists(done)
    with open(path) as f:
        v = dict(l.split() for l in f if l[0] != "#")
    reads += 1
    if len({v["one"], v["two"], v["three"]}) != 1:
        mixed += 1
        print("mixed:", v)
    last = v["one"]
    if finished:
        break
print("reads %d, mixed %d, last %s" % (reads, mixed, last))
PY
wait
[ -s "$tmp/atomic-errors" ] && fail "atomic: $(head -n 3 "$tmp/atomic-errors")"
tail -n 1 "$tmp/atomic-out" | grep -q '^reads [0-9]*, mixed 0, last 200$' ||
    fail "atomic: $(tail -n 3 "$tmp/atomic-out")"
echo "atomicity: $(tail -n 1 "$tmp/atomic-out")"

# ---- no litter ------------------------------------------------------------
left=$(ls -A "$tmp/d" "$A" | grep -v -e '^app.prom$' -e '^m.prom$' \
    -e '^$' -e ':$')
[ -z "$left" ] || fail "left in the directories: $left"

[ $fails = 0 ] && echo "multi-updates: set, inc, del, stdin, refusals, atomicity"
exit $((fails != 0))
