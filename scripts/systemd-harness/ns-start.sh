#!/usr/bin/env bash
# Host side of boot.sh (run by it in the background): the work directory's cgroup2 subtree CG gets two
# leaves, CG/supervisor for unshare (this process, outside the container) and CG/payload, which ct-init.sh
# enters and makes the root of the container's cgroup namespace, so that the container's systemd owns a
# subtree with no foreign process in it (as systemd-nspawn arranges it). Then unshare runs ct-init.sh as
# PID 1 of fresh namespaces. Signals are unblocked: callers such as test runners block some.
set -eu
W=$1
# The container outlives this script's caller: keep none of its file descriptors but 0-2 (bound to boot.log).
# A test runner's Process passes a socket whose closing tells it that the child exited; held by systemd,
# the runner would wait for boot.sh forever.
for fd in $(ls /proc/$$/fd); do
    case $fd in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
CG=$(cat "$W/cgroup")
mkdir -p "$CG/supervisor" "$CG/payload"
echo $$ > "$CG/supervisor/cgroup.procs"
# Hand the controllers the host gives this subtree (none on a hybrid hierarchy) down to the container.
for controller in $(cat "$CG/cgroup.controllers"); do
    echo "+$controller" > "$CG/cgroup.subtree_control" 2>/dev/null || true
done
exec env --default-signal unshare --pid --fork --kill-child --mount --uts --ipc --propagation private \
    "$(dirname "$0")/ct-init.sh" "$W"
