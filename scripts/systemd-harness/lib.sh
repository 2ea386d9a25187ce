# Shared by the systemd harness scripts (sourced, not run).
# A harness WORKDIR holds everything of one throwaway systemd "container":
#   dest/          the installed files (like `make install DESTDIR=dest BINDIR=/opt/domain-verifier/bin`)
#   etc/           bound at /etc/domain-verifier inside (read-write from the host: the test writes the configuration here)
#   ovl/           mount point of the overlay's tmpfs (only inside the container's mount namespace)
#   boot.log       output of unshare/ct-init.sh;  console.log  systemd's /dev/console
#   systemd.pid    host pid of the container's systemd (PID 1 inside);  unshare.pid  host pid of unshare
#   cgroup         the cgroup2 directory the container lives in

# A caller run by systemd (or a test that fakes it) must not hand its notify socket, sockets or journal
# stream down to the container or to what runs inside.
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM INVOCATION_ID

die() { echo "systemd-harness: $*" >&2; exit 1; }
# Exit status 3: this machine cannot run the harness (the message says what is missing).
missing() { echo "systemd-harness: missing prerequisite: $*" >&2; exit 3; }

workdir_arg() {
    [ $# -ge 1 ] && [ -n "$1" ] || die "usage: $(basename "$0") WORKDIR ..."
    W=$(realpath -m "$1")
}

# The cgroup2 hierarchy: /sys/fs/cgroup/unified on hybrid machines, /sys/fs/cgroup on unified ones.
cgroup2_root() {
    local dir
    for dir in /sys/fs/cgroup/unified /sys/fs/cgroup; do
        if [ "$(stat -f -c %T "$dir" 2>/dev/null)" = cgroup2fs ]; then echo "$dir"; return 0; fi
    done
    return 1
}

# A process id, if that process is alive and is systemd (guards against a recycled pid).
systemd_pid() {
    local pid
    pid=$(cat "$W/systemd.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = systemd ] || return 1
    echo "$pid"
}

# Everything the harness needs, checked up front so that a machine without it fails at once, saying why.
check_prerequisites() {
    [ "$(id -u)" = 0 ] || missing "root (the harness mounts and unshares; run as root)"
    local tool
    for tool in unshare nsenter mount umount pivot_root setsid stat realpath timeout; do
        command -v "$tool" >/dev/null || missing "$tool (util-linux/coreutils)"
    done
    [ -x /lib/systemd/systemd ] || missing "/lib/systemd/systemd (apt-get install systemd)"
    for tool in systemctl journalctl systemd-sysusers systemd-analyze; do
        command -v "$tool" >/dev/null || missing "$tool (apt-get install systemd)"
    done
    unshare --help 2>&1 | grep -q -- '--cgroup' || missing "an unshare that supports --cgroup (util-linux >= 2.28)"
    nsenter --help 2>&1 | grep -q -- '--all' || missing "an nsenter that supports --all (util-linux >= 2.32)"
    env --help 2>&1 | grep -q -- '--default-signal' || missing "an env that supports --default-signal (coreutils >= 8.31)"
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    grep -qw overlay /proc/filesystems || missing "overlayfs in the kernel (modprobe overlay)"
    local root
    root=$(cgroup2_root) || missing "a cgroup2 hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup (boot with systemd.unified_cgroup_hierarchy or mount -t cgroup2 none /sys/fs/cgroup/unified)"
    [ -w "$root" ] || missing "a writable cgroup2 hierarchy ($root is read-only here)"
    # Fresh pid, mount and cgroup namespaces must be allowed (not in an unprivileged container).
    timeout 10 unshare --pid --fork --mount --uts --ipc --cgroup --propagation private true 2>/dev/null \
        || missing "permission to unshare pid/mount/uts/ipc/cgroup namespaces (unshare --pid --fork --mount --cgroup true failed)"
}
