#!/bin/sh
# SPDX-License-Identifier: MIT
# The real node_exporter scraped 300 times while a promfile writer
# rewrites a 3000-series textfile every 10 ms (tests/nodeexp.py).
: "${srcdir:=.}"
: "${top_builddir:=.}"
exec /usr/bin/python3 "$srcdir/tests/nodeexp.py" load \
    "$top_builddir/tests/writer_load" 3000 300
