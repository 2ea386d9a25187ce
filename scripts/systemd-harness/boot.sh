#!/usr/bin/env bash
# Boots a throwaway systemd as PID 1 of fresh pid/mount/uts/ipc/cgroup namespaces, with domain-verifier
# installed in it (units, sysusers.d group, journal catalog; binaries read-only at /opt/domain-verifier/bin).
# The network namespace is the host's: the daemon inside reaches DNS test servers on the host's loopback.
#
# usage: boot.sh WORKDIR     env: BIN=directory with domain-verifierd and domainctl (default REPO/.build/debug)
#                                 UNITS=directory of the .service and .socket to install (default REPO/systemd)
#                                 BOOT_TIMEOUT=seconds to wait for the system to run (default 30)
# Prints "systemd host-pid=PID state=STATE boot_ms=MS" once `systemctl is-system-running` says running or
# degraded. Exit status: 0 booted; 3 a prerequisite is missing (the message says which); 1 anything else
# (boot.log and console.log are printed, and whatever was started is stopped again).
# Then: ct WORKDIR CMD... runs a command inside; stop.sh WORKDIR powers it off and cleans up.
set -euo pipefail
# The container outlives this script: it must not keep descriptors the caller's other children own
# (Foundation's Process learns that a child ended when a socket it shares with it closes).
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
workdir_arg "$@"
BIN=$(realpath -m "${BIN:-$REPO/.build/debug}")
BOOT_TIMEOUT=${BOOT_TIMEOUT:-30}

check_prerequisites
if systemd_pid >/dev/null; then die "$W is already booted (stop.sh $W first)"; fi
mkdir -p "$W"
rm -rf "$W/dest" "$W/ovl"
mkdir -p "$W/dest" "$W/ovl" "$W/etc"
chmod 0755 "$W/etc"
"$HERE/install.sh" "$W/dest" "$BIN"
cp "$HERE/dv-test.target" "$W/dv-test.target"
CGROOT=$(cgroup2_root)
# One cgroup per work directory, so that runs never collide.
echo "$CGROOT/dv-systemd-$(basename "$W")-$$" > "$W/cgroup"

fail() {
    echo "systemd-harness: $*" >&2
    echo "--- boot.log" >&2; tail -n 40 "$W/boot.log" >&2 2>/dev/null || true
    echo "--- console.log" >&2; tail -n 60 "$W/console.log" >&2 2>/dev/null || true
    if P=$(systemd_pid); then
        echo "--- jobs" >&2; timeout 5 nsenter -t "$P" -a systemctl list-jobs --no-pager >&2 2>&1 || true
    fi
    "$HERE/stop.sh" "$W" >&2 || true
    exit 1
}

t0=$(date +%s%N)
# setsid: the container must not get the signals meant for the caller's process group.
setsid "$HERE/ns-start.sh" "$W" > "$W/boot.log" 2>&1 < /dev/null &
echo $! > "$W/unshare.pid"
U=$!
deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
P=
while [ -z "$P" ]; do
    kill -0 "$U" 2>/dev/null || fail "the namespaces exited while booting"
    for child in $(cat /proc/"$U"/task/*/children 2>/dev/null); do
        [ "$(cat /proc/"$child"/comm 2>/dev/null)" = systemd ] && P=$child
    done
    [ -n "$P" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || fail "no systemd within ${BOOT_TIMEOUT}s"
    sleep 0.02
done
echo "$P" > "$W/systemd.pid"
state=
until [ "$state" = running ] || [ "$state" = degraded ]; do
    kill -0 "$P" 2>/dev/null || fail "systemd exited while booting"
    [ "$(date +%s)" -lt "$deadline" ] || fail "systemd did not reach running within ${BOOT_TIMEOUT}s (state: ${state:-none})"
    sleep 0.02
    state=$(timeout 5 nsenter -t "$P" -a systemctl is-system-running 2>/dev/null) || true
done
# The group of the socket (sysusers.d), and the catalog, installed the way a package's scripts would.
sysusers=$("$HERE/ct" "$W" systemd-sysusers 2>&1) || fail "systemd-sysusers failed inside: $sysusers"
"$HERE/ct" "$W" journalctl --update-catalog || fail "journalctl --update-catalog failed inside"
echo "systemd host-pid=$P state=$state boot_ms=$(( ($(date +%s%N) - t0) / 1000000 ))"
