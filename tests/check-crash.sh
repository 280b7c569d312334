#!/bin/sh
# SPDX-License-Identifier: MIT
# A writer killed with SIGKILL at random moments, at least 200 times,
# leaves either no file or a complete, valid one, and the next writer's
# start removes its temporary files (tests/test_crash.c, which checks each
# file with tests/promcheck.py and a sample with promtool).
#
# SKIP (77) only when python3 (package python3) or promtool (package
# prometheus) is missing.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
python=/usr/bin/python3

if [ ! -x "$python" ]; then
    echo "SKIP: $python not found (apt-get install python3)"
    exit 77
fi
if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIP: promtool not found (apt-get install prometheus)"
    exit 77
fi
exec "$top_builddir/tests/test_crash" "$python" "$srcdir/tests/promcheck.py"
