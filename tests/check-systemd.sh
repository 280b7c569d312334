#!/bin/sh
# SPDX-License-Identifier: MIT
# The textfile directory set-up of examples/systemd (README, "For
# admins"), applied to a throwaway root with systemd-sysusers --root and
# systemd-tmpfiles --create --root:
# - the user and group mox are created, and the directory is
#   root:mox 0775, its parents 0755;
# - a directory left with the wrong owner or mode 0777 is put back;
# - as root (not under fakeroot), the daemon's uid and gid can replace a
#   textfile in it with promfile(1), another user (node_exporter's) can
#   read the file but not write the directory;
# - the unit drop-in is read by systemd-analyze verify without a warning.
# Needs root to create files of other owners; otherwise it runs itself
# under fakeroot. Exit 77 (skip) when systemd (systemd-tmpfiles,
# systemd-sysusers, systemd-analyze) or, not being root, fakeroot is
# missing.
: "${srcdir:=.}"
: "${top_builddir:=.}"
ex=$srcdir/examples/systemd
dir=/var/lib/prometheus/node-exporter-mox

for t in systemd-tmpfiles systemd-sysusers systemd-analyze; do
    if ! command -v $t >/dev/null 2>&1; then
        echo "SKIP: $t not found (apt-get install systemd)"
        exit 77
    fi
done
if [ "$(id -u)" != 0 ]; then
    if ! command -v fakeroot >/dev/null 2>&1; then
        echo "SKIP: not root, and fakeroot not found (apt-get install fakeroot)"
        exit 77
    fi
    exec fakeroot "$0" "$@"
fi

# Absolute paths: with --root, systemd-tmpfiles and systemd-sysusers look
# for relative ones inside the root.
case $ex in
/*) ;;
*) ex=$(pwd)/$ex ;;
esac
tool=$(cd "$top_builddir" && pwd)/src/tool/promfile
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-systemd.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# Searchable by the users of the access test below.
chmod 755 "$tmp"
root=$tmp/root
mkdir -p "$root/etc"
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

if ! systemd-sysusers --root="$root" "$ex/sysusers.d/mox.conf"; then
    echo "FAIL: systemd-sysusers"
    exit 1
fi
uid=$(awk -F: '$1 == "mox" {print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1 == "mox" {print $3}' "$root/etc/group")
pgid=$(awk -F: '$1 == "mox" {print $4}' "$root/etc/passwd")
shell=$(awk -F: '$1 == "mox" {print $7}' "$root/etc/passwd")
[ -n "$uid" ] && [ -n "$gid" ] || {
    echo "FAIL: no user or group mox in $root/etc"
    exit 1
}
[ "$pgid" = "$gid" ] || fail "user mox has group $pgid, want mox ($gid)"
[ "$shell" = /usr/sbin/nologin ] || fail "user mox has shell $shell"

apply() {
    systemd-tmpfiles --create --root="$root" \
        "$ex/tmpfiles.d/mox-textfile.conf" || fail "systemd-tmpfiles: exit $?"
}
expect() { # path owner:group mode
    got=$(stat -c '%u:%g %a' "$root$1")
    [ "$got" = "$2 $3" ] || fail "$1 is $got, want $2 $3 ($4)"
}
apply
expect $dir "0:$gid" 775 "root:mox 0775"
expect /var/lib/prometheus 0:0 755 "root:root 0755"
# Applied again, and after an admin followed a public example.
apply
expect $dir "0:$gid" 775 "unchanged"
chmod 0777 "$root$dir"
chown "$uid:$uid" "$root$dir"
apply
expect $dir "0:$gid" 775 "put back from $uid:$uid 0777"

# The access the set-up is for, with real ids (fakeroot only pretends).
if [ -z "${FAKEROOTKEY-}" ] && [ -x "$tool" ] &&
    command -v setpriv >/dev/null 2>&1; then
    # node_exporter's user, as far as the set-up is concerned: nobody.
    other=65534
    as() { # uid gid command...
        u=$1 g=$2
        shift 2
        setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
    }
    f=$root$dir/mox.prom
    as "$uid" "$gid" "$tool" set "$f" mox_up 1 >/dev/null 2>&1 ||
        fail "the daemon's uid and gid cannot write a textfile in $dir"
    as "$uid" "$gid" "$tool" inc "$f" mox_restarts_total >/dev/null 2>&1 ||
        fail "the daemon cannot replace its textfile"
    as "$other" "$other" cat "$f" >/dev/null 2>&1 ||
        fail "another user cannot read $f"
    as "$other" "$other" ls "$root$dir" >/dev/null 2>&1 ||
        fail "another user cannot list $dir"
    if as "$other" "$other" touch "$root$dir/x.prom" 2>/dev/null; then
        fail "another user can write $dir"
    fi
    if as "$uid" "$gid" chmod 0777 "$root$dir" 2>/dev/null; then
        fail "the daemon can change the mode of $dir"
    fi
    echo "access: checked as the daemon ($uid:$gid) and as uid 65534"
else
    echo "access test not run (needs real root, setpriv and src/tool/promfile)"
fi

# The unit drop-in: no warning from systemd-analyze verify, which reads it
# (a copy with an unknown key does get one).
units=$tmp/units
mkdir -p "$units/mox.service.d"
printf '[Unit]\nDescription=mox\n[Service]\nExecStart=/bin/true\n' \
    >"$units/mox.service"
cp "$ex/mox.service.d/promfile.conf" "$units/mox.service.d/"
verify() {
    (cd "$units" && SYSTEMD_UNIT_PATH="$units:" \
        systemd-analyze verify ./mox.service 2>&1)
}
out=$(verify)
[ -z "$out" ] || fail "systemd-analyze verify: $out"
printf '[Service]\nNoSuchKey=1\n' >"$units/mox.service.d/zz-bad.conf"
case $(verify) in
*NoSuchKey*) ;;
*) fail "systemd-analyze verify does not read the drop-in directory" ;;
esac

[ "$fails" -eq 0 ] || exit 1
echo "tmpfiles: $dir is root:mox 0775, put back when changed; drop-in verified"
