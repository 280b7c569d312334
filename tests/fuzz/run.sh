#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for
# SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# Prints one line "fuzz TARGET: N runs, ok" or the crash, and exits 1 if a
# target found one (the input is left in the work directory, named).
# Exit 77 when clang is missing (apt-get install clang).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-ini names lookup reader region}
if ! command -v clang >/dev/null 2>&1; then
    echo "SKIP: clang not found (apt-get install clang)"
    exit 77
fi
work=${FUZZ_WORK:-$(mktemp -d /tmp/promfile-fuzz.XXXXXX)}
# The library's sources need config.h: a configured tree, or a minimal
# one made here.
cfg=$top
if [ ! -f "$top/config.h" ]; then
    cfg=$work/cfg
    mkdir -p "$cfg"
    printf '#define _GNU_SOURCE 1\n#define PACKAGE_VERSION "fuzz"\n#define HAVE_STRERRORDESC_NP 1\n#define HAVE_STRERRORNAME_NP 1\n#define HAVE_GETRANDOM 1\n' >"$cfg/config.h"
fi
status=0
for t in $targets; do
    bin=$work/fuzz_$t
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -I"$cfg" -I"$top/src" -I"$here" \
        "$here/fuzz_$t.c" "$here/strict.c" "$top"/src/*.c \
        "$top"/src/text/*.c \
        -linih -lpthread -lm -o "$bin"; then
        echo "fuzz $t: does not build"
        status=1
        continue
    fi
    mkdir -p "$work/corpus-$t"
    out=$(cd "$work" && "$bin" -max_total_time="$seconds" \
        -print_final_stats=1 "$work/corpus-$t" "$here/corpus/$t" 2>&1)
    rc=$?
    runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: ${runs:-?} runs in ${seconds}s, ok"
    else
        printf '%s\n' "$out" | tail -40
        echo "fuzz $t: FAILED (input left in $work)"
        status=1
    fi
done
[ -z "${FUZZ_WORK:-}" ] && [ $status -eq 0 ] && rm -rf "$work"
exit $status
