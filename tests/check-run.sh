#!/bin/sh
# SPDX-License-Identifier: MIT
# promfile run (issue 15): a command run as a wrapper runs it, and each
# run recorded in DIR/NAME.prom:
#   - success, failure, death by a signal (promfile dies by the same
#     signal), not found (127), not executable (126), a timeout (124, the
#     process group killed, SIGKILL after --kill-after), SIGTERM, SIGINT
#     and SIGHUP sent to promfile reaching the command;
#   - last success kept across failures, counters continued, extra
#     labels, an invalid previous file, a run that never recorded its end
#     (lost), a record that cannot be written (125), --config;
#   - two runs of one NAME: the second refused (75) or, with --wait,
#     after the first; promfile set waiting for a run too;
#   - SIGTERM and SIGINT while a temporary file exists leave none;
#   - at a terminal: the command's group gets it, ^Z stops the job, fg
#     continues it, ^C reaches the command, the terminal comes back;
#   - usage errors (125) and the duration syntax;
#   - the examples: the crontab line and the systemd service and timer.
# After each case the directory holds nothing but .prom files, and the
# file passes promfile check --strict and promtool check metrics, and
# (a copy of it then, read at the end) node_exporter without an error.
# No sleep waits for what can be waited for: fifos, /proc/locks and wait
# do; what is polled (a process reaped by another, a lock waited for, a
# temporary file) is polled every 0.1 s.
# Exit 77 (skip) only when everything else passed and promtool
# (prometheus), node_exporter (prometheus-node-exporter), strace,
# systemd-analyze (systemd) or python3 is missing.
: "${srcdir:=.}"
: "${top_builddir:=.}"
P=$(cd "$top_builddir" && pwd)/src/tool/promfile
srcdir=$(cd "$srcdir" && pwd)
python=/usr/bin/python3
LC_ALL=C
export LC_ALL
# LeakSanitizer cannot run under ptrace (the strace cases); it runs in
# the others.
unset PROMFILE_CONFIG

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-run.XXXXXX") || exit 1
# A command left running by a failed case must not keep the test alive.
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
D=$tmp/textfile
mkdir "$D"
fails=0
skipped=
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
skip() {
    case " $skipped " in
    *" $1 "*) ;;
    *) skipped="$skipped $1" ;;
    esac
}
[ -x "$python" ] || skip python3
command -v promtool >/dev/null 2>&1 || skip prometheus

# The value of one series, as written: val FILE 'name{job="x"}'.
val() {
    S=$2 awk '$1 == ENVIRON["S"] { print $2; n++ } END { exit n != 1 }' \
        "$1" || echo "missing"
}
# want FILE SERIES VALUE
want() {
    got=$(val "$1" "$2")
    [ "$got" = "$3" ] || fail "$(basename "$1"): $2 is $got, want $3"
}
# The runs of job $2 by result, as "success failure killed timeout error
# lost".
runs() {
    J=$2 awk '
    BEGIN { split("success failure killed timeout error lost", r, " ") }
    { v[$1] = v[$1] == "" ? $2 : "twice" }
    END {
        for (i = 1; i <= 6; i++) {
            k = "promfile_job_runs_total{job=\"" ENVIRON["J"] "\",result=\"" r[i] "\"}"
            printf "%s ", k in v ? v[k] : "missing"
        }
    }' "$1"
}
want_runs() { # FILE JOB "S F K T E L"
    got=$(runs "$1" "$2")
    [ "$got" = "$3 " ] || fail "$2: runs $got, want $3"
}
# A number comparison of two values of the file: cmp FILE A OP B.
cmp_vals() {
    a=$(val "$1" "$2")
    b=$(val "$1" "$4")
    awk -v a="$a" -v b="$b" -v op="$3" 'BEGIN {
        if (a == "missing" || b == "missing") exit 1
        if (op == ">=") exit !(a + 0 >= b + 0)
        if (op == "==") exit !(a + 0 == b + 0)
        if (op == ">") exit !(a + 0 > b + 0)
        exit 1 }' || fail "$(basename "$1"): $2 ($a) $3 $4 ($b) does not hold"
}
# The file passes promfile check --strict and promtool, and the
# directory has nothing else than .prom files: after every case. A copy
# of the file as it was then goes to $snap, for node_exporter to read at
# the end (one node_exporter for all, not one for each case).
snap=$tmp/snap
mkdir "$snap"
nsnap=0
checked() { # FILE CASE
    [ -f "$1" ] || {
        fail "$2: no file $1"
        return
    }
    nsnap=$((nsnap + 1))
    cp "$1" "$snap/$nsnap.prom"
    printf '%s %s\n' "$nsnap" "$2" >>"$snap/cases"
    out=$("$P" check --strict --user= "$1") || fail "$2: promfile check: $out"
    if command -v promtool >/dev/null 2>&1; then
        out=$(promtool check metrics <"$1" 2>&1) ||
            fail "$2: promtool check metrics: $out"
    fi
    litter "$2"
}
litter() {
    extra=$(ls -A "$D" | grep -v '\.prom$')
    [ -z "$extra" ] || fail "$1: left in the directory: $extra"
}
# How a command ended, as "exit N" or "signal N" (a shell says 128+N for
# both). A command in the background of a shell script starts with
# SIGINT and SIGQUIT ignored, which promfile then leaves alone: the
# Python wrappers below give it SIGINT back.
signum() {
    "$python" -c 'import signal, sys; print(int(getattr(signal, sys.argv[1])))' \
        "SIG$1"
}
ended() {
    "$python" -c '
import subprocess, sys
r = subprocess.run(sys.argv[1:]).returncode
print("signal %d" % -r if r < 0 else "exit %d" % r)' "$@"
}
# Is process $1 gone? Its parent may not reap it here (a container's
# init): a zombie is gone too. (Checked again after the read: it may
# have gone in between.)
gone() {
    [ ! -e "/proc/$1" ] ||
        [ "$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)" = Z ] ||
        [ ! -e "/proc/$1" ]
}
# Wait, up to 60 s, for a condition (a command).
until_true() {
    i=0
    while ! "$@"; do
        i=$((i + 1))
        [ $i -lt 600 ] || return 1
        sleep 0.1
    done
}
run() { "$P" run --dir "$D" "$@"; }
f() { echo "$D/$1.prom"; }

# ---- Success, failure, counters, last success -------------------------
run ok -- true
rc=$?
[ $rc = 0 ] || fail "true: exit $rc"
F=$(f ok)
checked "$F" success
want "$F" 'promfile_job_exit_code{job="ok"}' 0
want "$F" 'promfile_job_signal{job="ok"}' 0
want "$F" 'promfile_job_running{job="ok"}' 0
want_runs "$F" ok "1 0 0 0 0 0"
cmp_vals "$F" 'promfile_job_last_success_timestamp_seconds{job="ok"}' == \
    'promfile_job_end_timestamp_seconds{job="ok"}'
cmp_vals "$F" 'promfile_job_end_timestamp_seconds{job="ok"}' '>=' \
    'promfile_job_start_timestamp_seconds{job="ok"}'
cmp_vals "$F" 'promfile_job_start_timestamp_seconds{job="ok"}' '>' \
    'promfile_job_signal{job="ok"}'
cmp_vals "$F" 'promfile_job_duration_seconds{job="ok"}' '>=' \
    'promfile_job_signal{job="ok"}'
grep -q '^promfile_job_timeout_seconds' "$F" &&
    fail "promfile_job_timeout_seconds without --timeout"
# Every family has a HELP and a TYPE, all gauges but the counter.
for m in start_timestamp_seconds end_timestamp_seconds duration_seconds \
    exit_code signal last_success_timestamp_seconds running; do
    grep -q "^# HELP promfile_job_$m [A-Z1]" "$F" || fail "no HELP for $m"
    grep -qx "# TYPE promfile_job_$m gauge" "$F" || fail "no TYPE gauge for $m"
done
grep -qx "# TYPE promfile_job_runs_total counter" "$F" ||
    fail "runs_total is not a counter"
success=$(val "$F" 'promfile_job_end_timestamp_seconds{job="ok"}')

run ok -- sh -c 'exit 3'
rc=$?
[ $rc = 3 ] || fail "exit 3: exit $rc"
checked "$F" failure
want "$F" 'promfile_job_exit_code{job="ok"}' 3
want_runs "$F" ok "1 1 0 0 0 0"
want "$F" 'promfile_job_last_success_timestamp_seconds{job="ok"}' "$success"
run ok -- true
success=$(val "$F" 'promfile_job_end_timestamp_seconds{job="ok"}')
run ok -- false
want_runs "$F" ok "2 2 0 0 0 0"
want "$F" 'promfile_job_last_success_timestamp_seconds{job="ok"}' "$success"
# Standard streams pass through untouched.
out=$(printf 'in\n' | run ok -- sh -c 'cat; echo out; echo err >&2' 2>&1)
[ "$out" = "in
out
err" ] || fail "streams: $out"
checked "$F" streams

# ---- Killed by a signal: promfile dies by it too ------------------------
if [ -x "$python" ]; then
    usr1=$(signum USR1)
    got=$(ended "$P" run --dir "$D" killed -- sh -c 'kill -USR1 $$')
    [ "$got" = "signal $usr1" ] || fail "killed by SIGUSR1: promfile: $got"
    F=$(f killed)
    checked "$F" killed
    want "$F" 'promfile_job_signal{job="killed"}' "$usr1"
    want "$F" 'promfile_job_exit_code{job="killed"}' $((128 + usr1))
    want_runs "$F" killed "0 0 1 0 0 0"
    got=$(ended "$P" run --dir "$D" killed -- sh -c 'kill -KILL $$')
    [ "$got" = "signal 9" ] || fail "killed by SIGKILL: promfile: $got"
    want "$F" 'promfile_job_signal{job="killed"}' 9
    want_runs "$F" killed "0 0 2 0 0 0"
    checked "$F" killed
fi

# ---- Not found, not executable -----------------------------------------
run nf -- /nonexistent/command 2>"$tmp/err"
rc=$?
[ $rc = 127 ] || fail "not found: exit $rc"
grep -q 'nonexistent/command: No such file' "$tmp/err" ||
    fail "not found: $(cat "$tmp/err")"
run nf -- no-such-command-promfile-test 2>/dev/null
rc=$?
[ $rc = 127 ] || fail "not in PATH: exit $rc"
# A directory of PATH that cannot be searched does not make it "not
# executable" (execvp() says EACCES): only as a user whom permissions
# stop, so not as root.
mkdir -m 0 "$tmp/closed"
if [ -r "$tmp/closed" ] && [ -x "$tmp/closed" ]; then
    run nf -- no-such-command-promfile-test 2>/dev/null
else
    PATH=$tmp/closed:$PATH run nf -- no-such-command-promfile-test 2>/dev/null
fi
rc=$?
[ $rc = 127 ] || fail "not in PATH, a closed directory in it: exit $rc"
rmdir "$tmp/closed"
F=$(f nf)
checked "$F" "not found"
want "$F" 'promfile_job_exit_code{job="nf"}' 127
want_runs "$F" nf "0 0 0 0 3 0"
printf 'echo hi\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
run nf -- "$tmp/noexec" 2>/dev/null
rc=$?
[ $rc = 126 ] || fail "not executable: exit $rc"
want "$F" 'promfile_job_exit_code{job="nf"}' 126
want_runs "$F" nf "0 0 0 0 4 0"
checked "$F" "not executable"

# ---- Timeouts: the process group is killed -----------------------------
# The whole group ignores SIGTERM: SIGKILL after --kill-after.
rm -f "$tmp/pid"
run --timeout 1 --kill-after 500ms hung -- \
    sh -c 'trap "" TERM; sleep 1000 & echo $! >"$1"; wait' sh "$tmp/pid" \
    2>"$tmp/err"
rc=$?
[ $rc = 124 ] || fail "timeout: exit $rc"
grep -q 'hung: timed out; sending SIGTERM' "$tmp/err" ||
    fail "timeout: $(cat "$tmp/err")"
F=$(f hung)
checked "$F" timeout
want "$F" 'promfile_job_exit_code{job="hung"}' 124
want "$F" 'promfile_job_signal{job="hung"}' 9
want "$F" 'promfile_job_timeout_seconds{job="hung"}' 1
want_runs "$F" hung "0 0 0 1 0 0"
if [ -s "$tmp/pid" ]; then
    pid=$(cat "$tmp/pid")
    until_true gone "$pid" || fail "timeout: the group's sleep $pid lives on"
else
    fail "timeout: the command did not start its group before the timeout"
fi
# The command dies of SIGTERM, a process of its group that ignores it is
# killed with it.
rm -f "$tmp/pid"
run -t 0.5s hung -- \
    sh -c '(trap "" TERM; exec sleep 1000) & echo $! >"$1"; exec sleep 1000' \
    sh "$tmp/pid" 2>/dev/null
rc=$?
[ $rc = 124 ] || fail "timeout, SIGTERM: exit $rc"
checked "$F" "timeout, SIGTERM"
want "$F" 'promfile_job_signal{job="hung"}' 15
want "$F" 'promfile_job_timeout_seconds{job="hung"}' 0.5
want_runs "$F" hung "0 0 0 2 0 0"
if [ -s "$tmp/pid" ]; then
    pid=$(cat "$tmp/pid")
    until_true gone "$pid" ||
        fail "timeout: $pid, which ignores SIGTERM, lives on"
else
    fail "timeout: the command did not start its group before the timeout"
fi
# A timeout that does not expire.
run -t 1h quick -- true || fail "--timeout 1h: exit $?"
want_runs "$(f quick)" quick "1 0 0 0 0 0"
want "$(f quick)" 'promfile_job_timeout_seconds{job="quick"}' 3600
checked "$(f quick)" "timeout not reached"

# ---- Signals sent to promfile reach the command --------------------------
# The command tells it runs through a fifo; promfile gets the signal; the
# command dies of it, and so does promfile.
mkfifo "$tmp/ready" "$tmp/go"
if [ -x "$python" ]; then
    for sig in TERM INT HUP; do
        got=$("$python" - "$P" "$D" "$tmp/ready" $sig <<'PY'
import signal, subprocess, sys
promfile, d, ready, sig = sys.argv[1:5]
# Not ignored, whatever the shell did to it.
signal.signal(signal.SIGINT, signal.SIG_DFL)
p = subprocess.Popen([promfile, "run", "--dir", d, "fwd", "--", "sh", "-c",
                      'echo >"$1"; exec sleep 1000', "sh", ready],
                     stdin=subprocess.DEVNULL)
with open(ready) as f:
    f.read()
p.send_signal(getattr(signal, "SIG" + sig))
r = p.wait(timeout=60)
print("signal %d" % -r if r < 0 else "exit %d" % r)
PY
        )
        n=$(signum $sig)
        [ "$got" = "signal $n" ] || fail "SIG$sig to promfile: it ended: $got"
        F=$(f fwd)
        checked "$F" "SIG$sig"
        want "$F" 'promfile_job_signal{job="fwd"}' "$n"
        want "$F" 'promfile_job_running{job="fwd"}' 0
    done
    want_runs "$F" fwd "0 0 3 0 0 0"
fi

# ---- Extra labels --------------------------------------------------------
run -l site=fra1 --label 'owner=a"b\c' lab -- true || fail "labels: exit $?"
F=$(f lab)
checked "$F" labels
want "$F" 'promfile_job_exit_code{job="lab",site="fra1",owner="a\"b\\c"}' 0
want "$F" 'promfile_job_runs_total{job="lab",site="fra1",owner="a\"b\\c",result="success"}' 1
n=$(grep -c '^promfile_job_.*{job="lab",site="fra1",owner=' "$F")
[ "$n" = 13 ] || fail "labels: $n series have them, want 13"
# A change of labels keeps the counts and the last success.
run -l site=ams1 lab -- false
want "$F" 'promfile_job_runs_total{job="lab",site="ams1",result="success"}' 1
want "$F" 'promfile_job_runs_total{job="lab",site="ams1",result="failure"}' 1
checked "$F" "labels changed"
for l in job=x result=x __x=1 le=1 quantile=1 1a=1 a-b=1 a= noequals \
    fooBar=1; do
    if run -l "$l" badlabel -- true 2>"$tmp/err"; then
        fail "--label $l accepted"
    else
        rc=$?
        [ $rc = 125 ] || fail "--label $l: exit $rc, want 125"
    fi
    grep -q '^promfile: invalid --label' "$tmp/err" ||
        fail "--label $l: $(cat "$tmp/err")"
done
run -l a=1 -l a=2 badlabel -- true 2>/dev/null
[ $? = 125 ] || fail "--label twice: exit $?"
[ -e "$(f badlabel)" ] && fail "a refused run wrote its file"
litter labels

# ---- The previous file ----------------------------------------------------
# Invalid: a warning, the counts start afresh, the run is recorded.
printf 'promfile_job_runs_total{job="bad",result="success"} 7 1700000000\n' \
    >"$(f bad)"
run bad -- true 2>"$tmp/err" || fail "invalid previous file: exit $?"
grep -q 'warning: .*bad.prom: line 1: .*; the counts of bad start afresh' \
    "$tmp/err" || fail "invalid previous file: $(cat "$tmp/err")"
want_runs "$(f bad)" bad "1 0 0 0 0 0"
checked "$(f bad)" "invalid previous file"
# A value no run writes.
sed 's/result="failure"} 0/result="failure"} -1/' "$(f bad)" >"$tmp/x" &&
    cat "$tmp/x" >"$(f bad)"
run bad -- true 2>"$tmp/err"
grep -q 'line [0-9]*: a value out of range; the counts' "$tmp/err" ||
    fail "negative count: $(cat "$tmp/err")"
want_runs "$(f bad)" bad "1 0 0 0 0 0"
# Other families and jobs in the file are not ours: dropped, not read.
printf '# TYPE other gauge\nother 1\npromfile_job_runs_total{job="zz",result="success"} 5\n' \
    >>"$(f bad)"
run bad -- true 2>"$tmp/err" || fail "foreign series: exit $?"
[ -s "$tmp/err" ] && fail "foreign series: $(cat "$tmp/err")"
want_runs "$(f bad)" bad "2 0 0 0 0 0"
grep -q '^other' "$(f bad)" && fail "foreign series kept"
checked "$(f bad)" "foreign series"
# Not a regular file: refused, not run.
mkdir "$D/dir.prom"
run dir -- touch "$tmp/ran" 2>/dev/null
rc=$?
[ $rc = 125 ] || fail "a directory at the name: exit $rc"
[ -e "$tmp/ran" ] && fail "a directory at the name: the command ran"
rmdir "$D/dir.prom"

# ---- A run whose end was never recorded: lost ------------------------------
# promfile is killed with SIGKILL while its command runs.
# (Run in the background by "$P" itself: $! of a function is a shell's.)
"$P" run --dir "$D" lost -- sh -c 'echo >"$1"; read x <"$2"' sh \
    "$tmp/ready" "$tmp/go" &
pid=$!
read -r x <"$tmp/ready"
want "$(f lost)" 'promfile_job_running{job="lost"}' 1
kill -KILL $pid
wait $pid 2>/dev/null
echo >"$tmp/go"
run lost -- true 2>"$tmp/err" || fail "after a lost run: exit $?"
grep -q 'the run of lost started .* did not record its end; counted as lost' \
    "$tmp/err" || fail "lost: $(cat "$tmp/err")"
want_runs "$(f lost)" lost "1 0 0 0 0 1"
checked "$(f lost)" lost

# ---- A record that cannot be written ---------------------------------------
# The command replaces the directory with a symbolic link, which the
# atomic write refuses (ELOOP): a success not recorded exits 125; a
# failure keeps its status.
mv_dir='mv "$1" "$1.real" && ln -s "$(basename "$1").real" "$1"'
run norec -- sh -c "$mv_dir" sh "$D" 2>"$tmp/err"
rc=$?
[ $rc = 125 ] || fail "success not recorded: exit $rc, want 125"
grep -q 'cannot record the run of norec' "$tmp/err" ||
    fail "not recorded: $(cat "$tmp/err")"
rm "$D" && mv "$D.real" "$D"
want "$(f norec)" 'promfile_job_running{job="norec"}' 1
run norec -- sh -c "$mv_dir; exit 4" sh "$D" 2>/dev/null
rc=$?
[ $rc = 4 ] || fail "failure not recorded: exit $rc, want 4"
rm "$D" && mv "$D.real" "$D"
run norec -- true 2>/dev/null
want_runs "$(f norec)" norec "1 0 0 0 0 2"
checked "$(f norec)" "not recorded"
# The marker cannot be written: the command is not run.
run -d "$tmp/nowhere" nodir -- touch "$tmp/ran" 2>/dev/null
rc=$?
[ $rc = 125 ] || fail "no directory: exit $rc"
[ -e "$tmp/ran" ] && fail "no directory: the command ran"

# ---- --config and PROMFILE_CONFIG -----------------------------------------
mkdir "$tmp/cfgdir"
printf '[textfile]\ndirectory = %s\nmode = 0640\n' "$tmp/cfgdir" >"$tmp/c.ini"
"$P" run --config "$tmp/c.ini" cfg -- true || fail "--config: exit $?"
[ "$(stat -c %a "$tmp/cfgdir/cfg.prom" 2>&1)" = 640 ] ||
    fail "--config: no $tmp/cfgdir/cfg.prom of mode 0640"
PROMFILE_CONFIG=$tmp/c.ini "$P" run cfg -- true || fail "PROMFILE_CONFIG: $?"
want_runs "$tmp/cfgdir/cfg.prom" cfg "2 0 0 0 0 0"
# --dir wins over the file's directory.
PROMFILE_CONFIG=$tmp/c.ini run cfg -- true
want_runs "$(f cfg)" cfg "1 0 0 0 0 0"
checked "$(f cfg)" "--dir over --config"
printf '[textfile]\ndirectory = %s\nbogus = 1\n' "$tmp/cfgdir" >"$tmp/bad.ini"
"$P" run --config "$tmp/bad.ini" cfg -- touch "$tmp/ran" 2>"$tmp/err"
rc=$?
[ $rc = 125 ] || fail "bad --config: exit $rc"
grep -q 'bad.ini:3: ' "$tmp/err" || fail "bad --config: $(cat "$tmp/err")"
[ -e "$tmp/ran" ] && fail "bad --config: the command ran"

# ---- Two runs of one NAME ---------------------------------------------------
# /proc/locks lists a process waiting for a flock() as "-> FLOCK ... PID".
waiting() { grep -q -- "-> FLOCK  *ADVISORY  *WRITE $1 " /proc/locks; }
run conc -- true
"$P" run --dir "$D" conc -- sh -c 'echo >"$1"; read x <"$2"' sh \
    "$tmp/ready" "$tmp/go" &
a=$!
read -r x <"$tmp/ready"
F=$(f conc)
cp "$F" "$tmp/marker"
run conc -- touch "$tmp/ran" 2>"$tmp/err"
rc=$?
[ $rc = 75 ] || fail "second run: exit $rc, want 75"
grep -q 'conc is already running, since .*; not started again' "$tmp/err" ||
    fail "second run: $(cat "$tmp/err")"
[ -e "$tmp/ran" ] && fail "second run: the command ran"
cmp -s "$F" "$tmp/marker" || fail "second run: the file changed"
# With --wait, it runs when the first has ended; its command sees the
# first one's record in its own marker.
"$P" run --dir "$D" --wait conc -- sh -c 'cp "$1" "$2"' sh "$F" \
    "$tmp/second" &
b=$!
# promfile set on the file waits for the run, too.
"$P" set "$F" conc_extra 1 &
s=$!
until_true waiting $b || fail "--wait: not waiting for the lock"
until_true waiting $s || fail "promfile set: not waiting for the lock"
[ -e "$tmp/second" ] && fail "--wait: ran while the first was running"
echo >"$tmp/go"
wait $a || fail "first run: exit $?"
wait $b || fail "--wait run: exit $?"
wait $s || fail "promfile set: exit $?"
want_runs "$tmp/second" conc "2 0 0 0 0 0"
want "$tmp/second" 'promfile_job_running{job="conc"}' 1
want_runs "$F" conc "3 0 0 0 0 0"
want "$F" 'promfile_job_running{job="conc"}' 0
litter "two runs"

# ---- Signals while a temporary file exists ------------------------------
# strace slows every fsync() of promfile (not of its command) by 1 s; the
# signal is sent once a temporary file is there. strace ends as promfile
# does, by the same signal too.
if command -v strace >/dev/null 2>&1 && [ -x "$python" ]; then
    ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS-}"
    export ASAN_OPTIONS
    # strace's pid comes through a fifo.
    mkfifo "$tmp/spidfifo"
    slow() {
        "$python" -c '
import signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
p = subprocess.Popen(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % p.pid)
r = p.wait()
print("signal %d" % -r if r < 0 else "exit %d" % r)' "$tmp/spidfifo" \
            strace -qq -o /dev/null -e trace=fsync \
            -e inject=fsync:delay_enter=1000000 "$P" run --dir "$D" "$@" \
            >"$tmp/out" &
        bg=$!
        read -r spid <"$tmp/spidfifo"
    }
    tmpfile() { ls -A "$D" | grep -q '\.tmp$'; }
    # promfile, the child of strace.
    traced() { cat "/proc/$spid/task/$spid/children" 2>/dev/null; }
    # SIGTERM while the marker is written: it is taken once the marker is
    # in place, and sent on to the command.
    slow sigw -- sleep 1000
    until_true tmpfile || fail "no temporary file seen"
    kill -TERM $(traced)
    wait $bg
    litter "SIGTERM while writing"
    [ "$(cat "$tmp/out")" = "signal 15" ] ||
        fail "SIGTERM while writing: promfile ended: $(cat "$tmp/out")"
    F=$(f sigw)
    want "$F" 'promfile_job_signal{job="sigw"}' 15
    want_runs "$F" sigw "0 0 1 0 0 0"
    checked "$F" "SIGTERM while writing"
    # SIGINT while the record is written, the command done: the record is
    # written whole, and the command's status returned.
    slow sigw -- sh -c 'echo >"$1"' sh "$tmp/ready"
    read -r x <"$tmp/ready"
    until_true tmpfile || fail "no temporary file seen"
    kill -INT $(traced)
    wait $bg
    [ "$(cat "$tmp/out")" = "exit 0" ] ||
        fail "SIGINT while recording: promfile ended: $(cat "$tmp/out")"
    litter "SIGINT while writing"
    want_runs "$F" sigw "1 0 1 0 0 0"
    checked "$F" "SIGINT while writing"
    unset ASAN_OPTIONS
else
    command -v strace >/dev/null 2>&1 || skip strace
fi

# ---- At a terminal ---------------------------------------------------------
# In a pseudo-terminal: a shell without job control (sh -c), where the
# command's group must get the terminal and the shell's get it back; then
# an interactive bash, with ^Z, fg and ^C.
if [ -x "$python" ] && command -v bash >/dev/null 2>&1; then
    # The job is a Python process, which forks nothing: a shell loop's
    # vfork()ed child, stopped by ^Z before its exec, would leave the
    # shell in vfork() unable to stop, and the job not stopped, with or
    # without promfile.
    cat >"$tmp/job.py" <<'PY'
import signal, sys
signal.signal(signal.SIGCONT, lambda *a: print("CO" "NT", flush=True))
print("RE" "ADY", flush=True)
while True:
    signal.pause()
PY
    "$python" - "$P" "$D" "$python $tmp/job.py" <<'PY' || fail "at a terminal"
import os, pty, select, sys, time
promfile, d, job = sys.argv[1:4]

def spawn(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["PS1"] = "PROMPT$ "
        os.execvp(argv[0], argv)
    return pid, fd

def read_all(fd):
    text = b""
    while True:
        try:
            b = os.read(fd, 4096)
        except OSError:
            b = b""
        if not b:
            return text.decode(errors="replace")
        text += b

def expect(fd, text, buf):
    """Read from fd until text is in what was read (at most 60 s), and
    keep what follows it."""
    end = time.monotonic() + 60
    while text not in buf[0]:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            sys.exit("FAIL: terminal: no %r in %r" % (text, buf[0]))
        try:
            b = os.read(fd, 4096)
        except OSError:
            b = b""
        if not b:
            sys.exit("FAIL: terminal: %r ended before %r" % (buf[0], text))
        buf[0] += b.decode(errors="replace")
    buf[0] = buf[0][buf[0].index(text) + len(text):]

# Field 5 of /proc/PID/stat is the process group, 8 the terminal's
# foreground group.
fg = "awk '{ print ($5 == $8 ? \"FORE\" : \"BACK\") \"GROUND\" }' /proc/$$/stat"
pid, fd = spawn(["sh", "-c", "%s run --dir %s tty -- sh -c '%s'; %s"
                 % (promfile, d, fg.replace("'", "'\\''"), fg)])
text = read_all(fd)
os.waitpid(pid, 0)
os.close(fd)
if text.split() != ["FOREGROUND", "FOREGROUND"]:
    sys.exit("FAIL: terminal: the command's group, then the shell's, should "
             "have the terminal: %r" % text)

# The job says READY once it runs (with the terminal: it took it before
# its exec), and CONT once continued (after promfile gave it the terminal
# back); neither word is in the command line that bash echoes.
pid, fd = spawn(["bash", "--norc", "--noprofile", "-i"])
buf = [""]
expect(fd, "PROMPT$ ", buf)
os.write(fd, ("%s run --dir %s jobctl -- %s\n" % (promfile, d, job)).encode())
expect(fd, "READY", buf)
os.write(fd, b"\x1a")
expect(fd, "Stopped", buf)
expect(fd, "PROMPT$ ", buf)
os.write(fd, ("echo RUN\"\"NING=$(grep -c '^promfile_job_running{job=\"jobctl\"} 1' "
              "%s/jobctl.prom)\n" % d).encode())
expect(fd, "RUNNING=1", buf)
expect(fd, "PROMPT$ ", buf)
os.write(fd, b"fg\n")
expect(fd, "CONT", buf)
os.write(fd, b"\x03")
expect(fd, "PROMPT$ ", buf)
os.write(fd, b"echo status=$?\n")
expect(fd, "status=130", buf)
expect(fd, "PROMPT$ ", buf)
os.write(fd, b"exit\n")
read_all(fd)
os.waitpid(pid, 0)
os.close(fd)
PY
    F=$(f jobctl)
    want "$F" 'promfile_job_signal{job="jobctl"}' 2
    want_runs "$F" jobctl "0 0 1 0 0 0"
    checked "$F" terminal
    want_runs "$(f tty)" tty "1 0 0 0 0 0"
fi

# ---- Usage -------------------------------------------------------------------
"$P" run --help | grep -q '^Usage: promfile run' || fail "run --help"
usage() { # what it must say, then the arguments
    w=$1
    shift
    "$P" run "$@" 2>"$tmp/err" >/dev/null
    rc=$?
    [ $rc = 125 ] || fail "run $*: exit $rc, want 125"
    grep -q "$w" "$tmp/err" || fail "run $*: $(cat "$tmp/err")"
}
usage 'no "--" before the command' --dir "$D" u true
usage 'no NAME before' --dir "$D" -- true
usage 'one NAME before "--", not "v" too' --dir "$D" u v -- true
usage 'no command after' --dir "$D" u --
usage 'unknown option --frobnicate' --dir "$D" --frobnicate u -- true
usage 'option --timeout needs an argument' u --timeout
usage 'invalid NAME "../x"' --dir "$D" ../x -- true
usage 'invalid NAME ".x"' --dir "$D" .x -- true
for t in 5x -1 1h1h 1s1h '' 1.5.5 101y; do
    usage 'invalid --timeout' --dir "$D" --timeout "$t" u -- true
done
usage 'invalid --kill-after' --dir "$D" -t 1 -k 100y1s u -- true
[ -e "$(f u)" ] && fail "a usage error wrote a file"
# Options after NAME, and the command's own options after "--".
run u -t 5m --wait -- sh -c 'exit 0' -x || fail "options after NAME"
want_runs "$(f u)" u "1 0 0 0 0 0"

# ---- The examples ------------------------------------------------------------
# The crontab line, run as cron would run it (sh -c), with this build's
# promfile and this test's directory; the systemd service's ExecStart
# likewise, and the units checked by systemd-analyze verify.
job=$tmp/backup-job
printf '#!/bin/sh\necho backup ran >"%s"\n' "$tmp/backup.out" >"$job"
chmod 755 "$job"
ex() {
    sed -e "s|/usr/bin/promfile|$P|; s|/usr/local/bin/backup|$job|" \
        -e "s|/var/lib/prometheus/node-exporter|$D|" "$@"
}
line=$(grep -v '^#' "$srcdir/examples/cron/promfile-backup" | grep . |
    grep -v '=' | ex)
[ -n "$line" ] || fail "no crontab line in examples/cron/promfile-backup"
cmd=$(echo "$line" | awk '{ $1 = $2 = $3 = $4 = $5 = $6 = ""; print }')
case $cmd in
*"$P run "*) ;;
*) fail "the crontab line does not run promfile run: $line" ;;
esac
rm -f "$tmp/backup.out"
sh -c "$cmd" || fail "crontab line: exit $?"
[ -s "$tmp/backup.out" ] || fail "crontab line: the job did not run"
want_runs "$(f backup)" backup "1 0 0 0 0 0"
checked "$(f backup)" "crontab line"
exec_start=$(sed -n 's/^ExecStart=//p' "$srcdir/examples/systemd/backup.service" |
    ex)
rm -f "$tmp/backup.out"
sh -c "$exec_start" || fail "backup.service: exit $?"
[ -s "$tmp/backup.out" ] || fail "backup.service: the job did not run"
want_runs "$(f backup)" backup "2 0 0 0 0 0"
checked "$(f backup)" "backup.service"
if command -v systemd-analyze >/dev/null 2>&1; then
    units=$tmp/units
    mkdir "$units" "$tmp/man" "$tmp/man/man1"
    for u in backup.service backup.timer; do
        ex "$srcdir/examples/systemd/$u" >"$units/$u"
    done
    # verify runs man(1) on Documentation=man:promfile(1): this build's
    # page, or none without man-db.
    cp "$srcdir/man/promfile.1" "$tmp/man/man1/"
    command -v man >/dev/null 2>&1 ||
        sed -i '/^Documentation=man:/d' "$units/backup.service"
    out=$(cd "$units" && SYSTEMD_UNIT_PATH="$units:" MANPATH="$tmp/man" \
        systemd-analyze verify ./backup.timer ./backup.service 2>&1)
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
    skip systemd
fi

# ---- node_exporter reads every file ----------------------------------------
# Each file as it was after each case, then the directory as it is now,
# all of its files at once.
if [ -x "$python" ]; then
    i=0
    set --
    while [ $i -lt $nsnap ]; do
        i=$((i + 1))
        set -- "$@" "$snap/$i.prom"
    done
    out=$("$python" "$srcdir/tests/nodeexp.py" verdict "$@" "$D")
    rc=$?
    if [ $rc = 77 ]; then
        skip prometheus-node-exporter
    elif [ $rc != 0 ]; then
        fail "nodeexp.py verdict: exit $rc: $out"
    else
        n=$(echo "$out" | grep -c '^ok ')
        [ "$n" = $((nsnap + 1)) ] ||
            fail "node_exporter read $n of $((nsnap + 1)) files: $out"
        echo "$out" | grep -v '^ok ' | while read -r v path rest; do
            c=$(basename "$path" .prom)
            echo "FAIL: node_exporter: $v after the case" \
                "$(sed -n "s/^$c //p" "$snap/cases"): $rest"
        done
    fi
fi
litter "the end"

[ "$fails" = 0 ] || exit 1
if [ -n "$skipped" ]; then
    echo "SKIP: parts need what is not installed:$skipped (apt-get install$skipped)"
    exit 77
fi
echo "promfile run: every case passed"
