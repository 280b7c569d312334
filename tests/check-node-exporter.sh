#!/bin/sh
# SPDX-License-Identifier: MIT
# The real node_exporter (tests/nodeexp.py):
#   - scraped 300 times while a promfile writer rewrites a 3000-series
#     textfile every 10 ms;
#   - scraped 100 times while a pre-fork daemon's workers come and go,
#     counting in one shared registry (tests/shared_load churn);
#   - given the glob of README and promfile.conf(5),
#     '<dir>/node-exporter*', it reads the files of node-exporter and of
#     its sibling node-exporter-mox (node_exporter 1.5.0 takes globs).
: "${srcdir:=.}"
: "${top_builddir:=.}"
py="/usr/bin/python3 $srcdir/tests/nodeexp.py"
$py load "$top_builddir/tests/writer_load" 3000 300
rc=$?
[ $rc = 0 ] || exit $rc
$py load "$top_builddir/tests/shared_load churn" 1000 100
rc=$?
[ $rc = 0 ] || exit $rc
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-node-exporter.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/node-exporter" "$tmp/node-exporter-mox"
P="$top_builddir/src/tool/promfile"
"$P" set "$tmp/node-exporter/debian.prom" debian_items 1 &&
    "$P" set "$tmp/node-exporter-mox/mox.prom" mox_items 2 || exit 1
$py glob "$tmp/node-exporter" "$tmp/node-exporter-mox"
