#!/bin/sh
# SPDX-License-Identifier: MIT
# A writer killed with SIGKILL at random moments, at least 200 times,
# leaves either no file or a complete, valid one, and the next writer's
# start removes its temporary files (tests/test_crash.c, which checks each
# file with the shipped `promfile check --strict` and a sample with
# promtool).
#
# SKIP (77) only when promtool (package prometheus) is missing.
set -u
: "${top_builddir:=.}"

if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIP: promtool not found (apt-get install prometheus)"
    exit 77
fi
exec "$top_builddir/tests/test_crash" "$top_builddir/src/tool/promfile"
