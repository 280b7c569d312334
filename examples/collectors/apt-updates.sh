#!/bin/sh
# SPDX-License-Identifier: MIT
#
# apt-updates.sh: the upgrades apt has pending, for node_exporter's
# textfile collector, written with promfile write (promfile(1)).
#
# Run it from cron, e.g. in /etc/cron.d/apt-updates:
#
#   */30 * * * * root /usr/local/sbin/apt-updates.sh
#
# or from a systemd timer (OnCalendar=*:0/30) whose service runs it. It
# then runs
#
#   promfile write --health DIR/apt-updates.prom -- sh apt-updates.sh --print
#
# so the file is replaced only when apt-get succeeded and the output is a
# valid textfile; otherwise the file keeps its data, and the failure is
# counted in promfile_textfile_failures_total{file="apt-updates.prom"},
# next to promfile_textfile_last_success_timestamp_seconds. Alert on
#
#   increase(promfile_textfile_failures_total[2h]) > 0
#   sum by (instance) (apt_upgrades_pending) > 0
#
# With --print it prints the metrics on standard output instead (try it).
# It needs only what a base Debian system has: sh, apt-get, awk, stat,
# sort. It never takes apt's lock: --just-print only simulates, and
# Debug::NoLocking lets it run while apt or unattended-upgrades work.
#
# Environment:
#   TEXTFILE_DIR   default /var/lib/prometheus/node-exporter
#   PROMFILE       the promfile program, default promfile
#   APT_LISTS      apt's package lists, default /var/lib/apt/lists
#   REBOOT_FILE    default /run/reboot-required (made by unattended-upgrades
#                  and update-notifier-common when a reboot is needed)
set -eu
LC_ALL=C
export LC_ALL

TEXTFILE_DIR=${TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}
PROMFILE=${PROMFILE:-promfile}
APT_LISTS=${APT_LISTS:-/var/lib/apt/lists}
REBOOT_FILE=${REBOOT_FILE:-/run/reboot-required}

print_metrics() {
    # Fails (set -e) when apt-get does: promfile write then keeps the file.
    sim=$(apt-get --just-print -o Debug::NoLocking=true dist-upgrade)

    echo '# HELP apt_upgrades_pending Packages apt-get dist-upgrade would upgrade or install, by origin and architecture.'
    echo '# TYPE apt_upgrades_pending gauge'
    # A line "Inst PKG [OLD] (NEW ORIGIN[, ORIGIN...] [ARCH]) [...]" for
    # each package: count them by origin and architecture.
    printf '%s\n' "$sim" | awk '
        # The escapes of a label value; a loop, since what gsub() makes of
        # backslashes differs between awks.
        function esc(s,    r, c, i) {
            r = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c == "\\" || c == "\"")
                    r = r "\\"
                r = r c
            }
            return r
        }
        /^Inst / {
            i = index($0, "(")
            if (i == 0)
                next
            s = substr($0, i + 1)
            j = index(s, ")")
            if (j > 0)
                s = substr(s, 1, j - 1)
            s = substr(s, index(s, " ") + 1)
            arch = ""
            k = index(s, " [")
            if (k > 0) {
                arch = substr(s, k + 2)
                sub(/\].*/, "", arch)
                s = substr(s, 1, k - 1)
            }
            n[s "\t" arch]++
            total++
        }
        END {
            for (key in n) {
                split(key, f, "\t")
                printf "apt_upgrades_pending{origin=\"%s\",arch=\"%s\"} %d\n", esc(f[1]), esc(f[2]), n[key]
            }
            # None pending is a sample too: 0, not no series.
            if (total == 0)
                print "apt_upgrades_pending 0"
        }' | sort

    echo '# HELP apt_reboot_required Whether a reboot is required (1) after upgrades, or not (0).'
    echo '# TYPE apt_reboot_required gauge'
    if [ -e "$REBOOT_FILE" ]; then
        echo 'apt_reboot_required 1'
    else
        echo 'apt_reboot_required 0'
    fi

    # The newest Release file tells when apt-get update last got lists.
    newest=0
    for f in "$APT_LISTS"/*Release; do
        [ -e "$f" ] || continue
        t=$(stat -c %Y "$f")
        if [ "$t" -gt "$newest" ]; then
            newest=$t
        fi
    done
    echo '# HELP apt_package_lists_timestamp_seconds Unix time of the newest package list of apt-get update (0: none).'
    echo '# TYPE apt_package_lists_timestamp_seconds gauge'
    echo "apt_package_lists_timestamp_seconds $newest"
}

case "${1:-}" in
--print)
    print_metrics
    ;;
"")
    # Through sh: the script may lack the execute bit, as it is installed
    # among the examples.
    exec "$PROMFILE" write --health "$TEXTFILE_DIR/apt-updates.prom" \
        -- /bin/sh "$0" --print
    ;;
*)
    echo "usage: $0 [--print]" >&2
    exit 2
    ;;
esac
