#!/usr/bin/env bash
# Powers the container off and cleans up: `systemctl poweroff` inside, SIGKILL to its PID 1 (which ends the
# whole pid namespace) if it is still there after 10 s, every leftover process of its cgroup killed, the
# cgroup subtree removed deepest first. Its mounts lived only in its own mount namespace; the host's
# mount table is checked for any left behind all the same. Idempotent; exit 0 when all is clean.
#   usage: stop.sh WORKDIR
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
workdir_arg "$@"
U=$(cat "$W/unshare.pid" 2>/dev/null || true)
CG=$(cat "$W/cgroup" 2>/dev/null || true)
alive() { [ -n "$U" ] && [ "$(cat /proc/"$U"/comm 2>/dev/null)" = unshare ]; }
wait_gone() {   # seconds
    local i
    for ((i = 0; i < $1 * 20; i++)); do alive || return 0; sleep 0.05; done
    ! alive
}
status=0
if P=$(systemd_pid); then
    timeout 5 nsenter -t "$P" -a systemctl --no-block poweroff >/dev/null 2>&1 || true
    if ! wait_gone 10; then
        echo "systemd-harness: systemd did not power off within 10 s; SIGKILL" >&2
        kill -KILL "$P" 2>/dev/null || true
    fi
fi
if alive && ! wait_gone 5; then
    kill -KILL "$U" 2>/dev/null || true
    wait_gone 5 || { echo "systemd-harness: unshare (pid $U) does not go away" >&2; status=1; }
fi
if [ -n "$CG" ] && [ -d "$CG" ]; then
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null)
        [ -z "$pids" ] && break
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
        [ -d "$CG" ] || break
        sleep 0.1
    done
    [ -d "$CG" ] && { echo "systemd-harness: cannot remove the cgroup $CG" >&2; status=1; }
fi
if grep -qF " $W/" /proc/self/mountinfo 2>/dev/null || grep -qF " $W " /proc/self/mountinfo 2>/dev/null; then
    echo "systemd-harness: mounts left on the host under $W:" >&2
    grep -F " $W" /proc/self/mountinfo >&2
    status=1
fi
rm -f "$W/systemd.pid" "$W/unshare.pid"
[ $status = 0 ] && rm -f "$W/cgroup"
exit $status
