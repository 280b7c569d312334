#!/bin/sh
# SPDX-License-Identifier: MIT
# The library opens no socket: trace the demo daemon (its writer, its
# threads, the process metrics, the whole run) with strace and find no
# socket(2), connect(2), bind(2), listen(2) or accept(2) call. And it
# writes nothing outside its configured directory: every file it opens
# for writing, creates, renames or removes is in that directory.
set -u
: "${srcdir:=.}"
: "${top_builddir:=.}"
if ! command -v strace >/dev/null 2>&1; then
    echo "SKIP: strace not found (apt-get install strace)"
    exit 77
fi
tmp=$(mktemp -d /tmp/pf-nosocket.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/textfile"
cat >"$tmp/demo.ini" <<EOT
[textfile]
directory = $tmp/textfile
file = authdemo.prom
interval = 10ms
EOT
# libtool --mode=execute runs the real binary (not the wrapper script,
# whose ls and sed look users up through nscd's socket); -f follows its
# threads.
# LeakSanitizer cannot run under ptrace: no leak check in a traced ASan
# build (the other tests do that).
ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS-}"
export ASAN_OPTIONS
if ! "$top_builddir/libtool" --mode=execute strace -f -qq -o "$tmp/trace" \
    -e trace=socket,connect,bind,listen,accept,accept4,openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,chmod,fchmodat \
    "$top_builddir/examples/authdemo" -c "$tmp/demo.ini" -d 1; then
    echo "FAIL: authdemo failed under strace" >&2
    exit 1
fi
fail=0
if grep -E '(^|[^a-z_])(socket|connect|bind|listen|accept4?)\(' "$tmp/trace" >&2; then
    echo "FAIL: the calls above open or use sockets" >&2
    fail=1
fi
# Writes: openat with O_WRONLY/O_RDWR/O_CREAT, renames, unlinks, each
# resolved to a directory: an absolute path as it is, a name relative to
# a directory descriptor through the openat() that returned it.
awk -v dir="$tmp/textfile" '
    # fd -> the path it was opened from (the latest opening wins).
    /openat\(/ && / = [0-9]+$/ {
        n = $NF
        if (match($0, /openat\([^,]*, "[^"]*"/)) {
            s = substr($0, RSTART, RLENGTH); sub(/^openat\([^,]*, "/, "", s)
            sub(/"$/, "", s); path[n] = s
        }
    }
    /O_WRONLY|O_RDWR|O_CREAT|rename|unlink|mkdir|chmod/ {
        # Every (fd, "name") or ("path") argument of the call.
        line = $0; bad = 0
        while (match(line, /(AT_FDCWD|[0-9]+), "[^"]*"|\("\/[^"]*"/)) {
            a = substr(line, RSTART, RLENGTH); line = substr(line, RSTART + RLENGTH)
            if (a ~ /^\("/) { p = a; sub(/^\("/, "", p); sub(/"$/, "", p) }
            else {
                fd = a; sub(/,.*/, "", fd); p = a; sub(/^[^"]*"/, "", p); sub(/"$/, "", p)
                if (p !~ /^\//) p = (fd == "AT_FDCWD" ? "." : path[fd]) "/" p
            }
            if (index(p, dir) != 1) bad = 1
        }
        if (bad) print
    }' "$tmp/trace" >"$tmp/outside"
n=$(grep -c 'renameat' "$tmp/trace")
echo "traced $(wc -l <"$tmp/trace") calls: no socket; $n renames, all in the directory"
[ "$n" -gt 0 ] || { echo "FAIL: no rename traced" >&2; fail=1; }
exit $fail
