#!/usr/bin/env bash
# PID 1 of the container's fresh namespaces (started by ns-start.sh): build a root file system, then exec systemd.
#   /            an overlay of the host's / with a tmpfs upper layer: nothing written inside reaches the host
#   /proc /sys   fresh; /proc/sys and /sys read-only, so that nothing inside (systemd-sysctl…) tunes the host kernel
#   /sys/fs/cgroup  cgroup2, rooted at WORKDIR's payload cgroup (cgroup namespace)
#   /run /tmp    tmpfs;  /dev  a private tmpfs with the host's null, zero, full, random, urandom, tty
#   /opt/domain-verifier        the installed binaries, read-only (outside /tmp: PrivateTmp= hides /tmp)
#   /usr/lib/...                the installed units, sysusers.d file and catalog (copied into the overlay)
#   /etc/domain-verifier        WORKDIR/etc, bound read-write: the test writes domain-verifierd.toml there
set -eu
W=$1
if [ "${2:-}" != cgroup-namespace ]; then
    # Into the payload cgroup (ns-start.sh made it), then a cgroup namespace rooted there; same pid (1).
    echo 0 > "$(cat "$W/cgroup")/payload/cgroup.procs"
    exec unshare --cgroup "$0" "$W" cgroup-namespace
fi
mount --make-rprivate /
mount -n -t tmpfs tmpfs /run     # -n: no /run/mount/utab written on the host's /run
mount -n -t tmpfs -o mode=755 tmpfs "$W/ovl"
mkdir -p "$W/ovl/upper" "$W/ovl/work" "$W/ovl/root"
mount -n -t overlay overlay -o "lowerdir=/,upperdir=$W/ovl/upper,workdir=$W/ovl/work" "$W/ovl/root"
R=$W/ovl/root

# An overlay of / does not show the file systems mounted below it: bind the real ones (e.g. a separate
# /opt or /usr holding the Swift runtime) read-only at the same place.
while read -r _ _ _ _ point _ rest; do
    rest=" $rest"; fstype=${rest#* - }; fstype=${fstype%% *}
    case "$point" in /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/run/*|/tmp|/tmp/*|"$W"|"$W"/*|*\\*) continue ;; esac
    case "$fstype" in ext2|ext3|ext4|xfs|btrfs|zfs|overlay|squashfs|erofs|f2fs|virtiofs|9p|nfs|nfs4|fuse.*) ;; *) continue ;; esac
    { [ -d "$point" ] && [ -d "$R$point" ]; } || { [ -f "$point" ] && [ -f "$R$point" ]; } || continue
    mount -n --rbind "$point" "$R$point" && mount -n -o remount,bind,ro "$R$point" || true
done < /proc/self/mountinfo

mount -n -t proc proc "$R/proc"
mount -n --bind "$R/proc/sys" "$R/proc/sys" && mount -n -o remount,bind,ro "$R/proc/sys"
mount -n -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -n -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
mount -n -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"

mount -n -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
for n in null zero full random urandom tty; do touch "$R/dev/$n"; mount -n --bind "/dev/$n" "$R/dev/$n"; done
: > "$W/console.log"
touch "$R/dev/console"; mount -n --bind "$W/console.log" "$R/dev/console"
mkdir -p "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
mount -n -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"

# The installation: units, sysusers.d and catalog into the overlay; binaries bound read-only.
cp -a "$W/dest/usr/." "$R/usr/"
mkdir -p "$R/opt/domain-verifier" "$R/etc/domain-verifier"
mount -n --bind "$W/dest/opt/domain-verifier" "$R/opt/domain-verifier"
mount -n -o remount,bind,ro "$R/opt/domain-verifier"
cp "$W/dest/etc/domain-verifier/domain-verifierd.toml.example" "$W/etc/" 2>/dev/null || true
mount -n --bind "$W/etc" "$R/etc/domain-verifier"
# The container's own machine id, so that its journal is its own.
systemd-id128 new > "$R/etc/machine-id"

mkdir -p "$R/run/systemd/system" "$R/run/systemd/journald.conf.d"
cp "$W/dv-test.target" "$R/run/systemd/system/"
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\n' \
    > "$R/run/systemd/journald.conf.d/harness.conf"
# Units of the host's early boot that touch the kernel, hardware or the clock: masked (the services under
# test pull in sysinit.target through their default dependencies).
for unit in systemd-sysctl.service systemd-modules-load.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
    kmod-static-nodes.service systemd-timesyncd.service systemd-pstore.service systemd-random-seed.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service systemd-hwdb-update.service \
    systemd-firstboot.service systemd-repart.service systemd-machine-id-commit.service systemd-pcrphase.service \
    systemd-pcrphase-sysinit.service systemd-journal-catalog-update.service systemd-update-done.service \
    ldconfig.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount swap.target cryptsetup.target \
    veritysetup.target integritysetup.target remote-fs.target getty.target; do
    ln -sf /dev/null "$R/run/systemd/system/$unit"
done

cd "$R"
mkdir -p oldroot
pivot_root . oldroot
exec /usr/bin/env -i container=unshare PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/sh -c 'umount -l /oldroot; rmdir /oldroot; exec /lib/systemd/systemd --system --unit=dv-test.target --log-target=journal-or-kmsg --log-level=info --show-status=yes'
