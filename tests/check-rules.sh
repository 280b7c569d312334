#!/bin/sh
# SPDX-License-Identifier: MIT
# The sample Prometheus rules (examples/prometheus/promfile.rules.yml,
# and promfile-jobs.rules.yml for promfile run) pass `promtool check
# rules` and their unit tests, `promtool test rules`
# (tests/promfile.rules.test.yml, tests/promfile-jobs.rules.test.yml):
# the alerts fire when they should.
: "${srcdir:=.}"
if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIP: promtool not found (apt-get install prometheus)"
    exit 77
fi
promtool check rules "$srcdir/examples/prometheus/promfile.rules.yml" \
    "$srcdir/examples/prometheus/promfile-jobs.rules.yml" || exit 1
# promtool resolves rule_files relative to the test file.
promtool test rules "$srcdir/tests/promfile.rules.test.yml" \
    "$srcdir/tests/promfile-jobs.rules.test.yml"
