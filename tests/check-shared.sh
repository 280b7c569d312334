#!/bin/sh
# SPDX-License-Identifier: MIT
# Shared registries end to end (issue 14), with tests/shared_load as the
# daemon:
#   - 16 forked workers x 1,000,000 increments on a bound handle, a
#     looked-up series and a histogram, a file every 10 ms: the final file
#     holds exactly 16,000,000, +Inf = _count; every file along the way is
#     complete, never lower than the one before, and passes promfile check
#     --strict (and promtool, when installed);
#   - 200 workers through 4 slots, each killed with SIGKILL mid-burst: the
#     total is the increments that completed, files never go down, no
#     worker finds no slot;
#   - the writing process killed: the standby takes over, and the files
#     of both leaders pass promfile check --strict (and promtool).
# Under a sanitizer, fewer increments (the same races, less time).
: "${top_builddir:=.}"
L="$top_builddir/tests/shared_load"
P="$top_builddir/src/tool/promfile"
n=1000000
rounds=200
case "${PF_SANITIZERS-}" in ?*) n=100000 rounds=60 ;; esac
dir=$(mktemp -d /tmp/pf-shared.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
fails=0

check_seen() { # the files a run saw, with the shipped checker and promtool
    nf=0
    for f in "$dir"/seen/*.prom; do
        [ -e "$f" ] || continue
        nf=$((nf + 1))
        if ! "$P" check --strict --user= -q "$f" >"$dir/check.out" 2>&1; then
            echo "FAIL: $f fails promfile check --strict:"
            head -5 "$dir/check.out"
            fails=$((fails + 1))
            break
        fi
    done
    if command -v promtool >/dev/null 2>&1 && [ $nf -gt 0 ]; then
        # promtool on a sample of them: every tenth, and the last.
        i=0
        for f in "$dir"/seen/*.prom; do
            i=$((i + 1))
            [ $((i % 10)) = 1 ] || [ $i = $nf ] || continue
            promtool check metrics <"$f" >/dev/null 2>&1 || {
                echo "FAIL: $f fails promtool check metrics"
                fails=$((fails + 1))
                break
            }
        done
    fi
    echo "$nf files checked by promfile check --strict"
    rm -rf "$dir/seen"
}

"$L" burst "$dir" 16 "$n" || fails=$((fails + 1))
check_seen
"$L" kill "$dir" "$rounds" || fails=$((fails + 1))
check_seen
"$L" leader "$dir" || fails=$((fails + 1))
check_seen

# The example: authdemo -w 4, a pre-fork daemon of the README.
cat >"$dir/authdemo.ini" <<INI
[textfile]
directory = $dir
file = authdemo.prom
interval = 50ms
[shared]
workers = 8
INI
# ThreadSanitizer cannot follow a thread started in the child of a
# multi-threaded fork() (its runtime kills the child: "dup thread with used
# id"); under it, each worker counts in its main thread (-t 0).
threads=2
case "${PF_SANITIZERS-}" in *thread*) threads=0 ;; esac
"$top_builddir/examples/authdemo" -c "$dir/authdemo.ini" -d 1 -w 4 -t $threads ||
    { echo "FAIL: authdemo -w 4"; fails=$((fails + 1)); }
n=$(grep -c '^mox_authentication_total{' "$dir/authdemo.prom")
[ "$n" = 378 ] || { echo "FAIL: authdemo -w 4 wrote $n series"; fails=$((fails + 1)); }
"$P" check --strict --user= "$dir/authdemo.prom" ||
    { echo "FAIL: authdemo -w 4's file fails check"; fails=$((fails + 1)); }
grep -qx 'promfile_shared_workers{state="dead",file="authdemo.prom"} 0' "$dir/authdemo.prom" ||
    { echo "FAIL: authdemo's workers did not free their slots"; fails=$((fails + 1)); }
[ $fails = 0 ] && echo "ok authdemo -w 4: 378 series, its workers gone cleanly"
exit $((fails != 0))
