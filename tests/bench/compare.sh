#!/bin/sh
# SPDX-License-Identifier: MIT
# Run each workload RUNS times (default 5) on promfile and, when Go and
# Debian's client_golang are installed, on client_golang, alternating, and
# print the median of each figure. On a machine whose speed drifts (a
# busy VM), the ratio of each promfile run to the client_golang run next
# to it is steadier than the ratio of the medians: RATIO lines give the
# median, lowest and highest of those ratios of ns_per_op.
#
#   tests/bench/compare.sh [RUNS] [WORKLOAD...]
#
# Needs a built tree (make check builds tests/bench/pfbench). For
# client_golang: apt-get install golang-go
# golang-github-prometheus-client-golang-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-5}
[ $# -gt 0 ] && shift
workloads=${*:-w1 w1floor w2 w3same w3diff w3sharded w4 w5 w1shared w3shared w5shared latency latencyidle latencynop}
pf=${PFBENCH:-$here/pfbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go=
if command -v go >/dev/null 2>&1 &&
    [ -d /usr/share/gocode/src/github.com/prometheus/client_golang ]; then
    GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$out/gocache \
        go build -o "$out/pfbench-go" "$here/golang/pfbench.go"
    go=$out/pfbench-go
fi

for w in $workloads; do
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$pf" "$w" >>"$out/results"
        case $w in
        w1floor | w3sharded | *shared | latency*) ;; # promfile's own
        *) if [ -n "$go" ]; then "$go" "$w" >>"$out/results"; fi ;;
        esac
        i=$((i + 1))
    done
done

# The median of every numeric key, per library and workload.
awk '
{
    lib = ""; w = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "lib") lib = kv[2]
        else if (kv[1] == "workload") w = kv[2]
    }
    id = lib " " w
    if (!(id in seen)) { seen[id] = 1; order[++n] = id }
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "ns_per_op") run[lib, w, ++nrun[lib, w]] = kv[2] + 0
    }
    if (!(w in wseen)) { wseen[w] = 1; worder[++nw] = w }
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "lib" || kv[1] == "workload" || kv[1] == "iterations") continue
        k = id SUBSEP kv[1]
        if (!(k in cnt)) keys[id] = keys[id] " " kv[1]
        vals[k, ++cnt[k]] = kv[2] + 0
    }
}
function median(k,   m, i, j, t, a) {
    m = cnt[k]
    for (i = 1; i <= m; i++) a[i] = vals[k, i]
    for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
    for (o = 1; o <= n; o++) {
        id = order[o]; line = "MEDIAN " id
        nk = split(keys[id], ks, " ")
        for (i = 1; i <= nk; i++) line = line " " ks[i] "=" median(id SUBSEP ks[i])
        print line " runs=" cnt[id SUBSEP "ns_per_op"]
    }
    for (o = 1; o <= nw; o++) {
        w = worder[o]
        m = nrun["promfile", w] < nrun["client_golang", w] ? nrun["promfile", w] : nrun["client_golang", w]
        if (m == 0) continue
        lo = 1e300; hi = 0
        for (i = 1; i <= m; i++) {
            r = run["promfile", w, i] / run["client_golang", w, i]
            vals["ratio" SUBSEP w, i] = r; if (r < lo) lo = r; if (r > hi) hi = r
        }
        cnt["ratio" SUBSEP w] = m
        printf "RATIO %s promfile/client_golang median=%.3f min=%.3f max=%.3f pairs=%d\n", w, median("ratio" SUBSEP w), lo, hi, m
    }
}' "$out/results"
