#!/bin/sh
# SPDX-License-Identifier: MIT
# Load (issue 6): 2 threads x 10 M increments on a mix of series while the
# writer rewrites its file every 10 ms and a third thread creates series;
# the final file's counts are exactly the increments made (test_load.c).
# Under ThreadSanitizer, 1 M each: the same races, a tenth of the time.
: "${top_builddir:=.}"
n=10000000
case "${PF_SANITIZERS-}" in *thread*) n=1000000 ;; esac
dir=$(mktemp -d /tmp/pf-load.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
"$top_builddir/tests/test_load" "$dir" "$n"
