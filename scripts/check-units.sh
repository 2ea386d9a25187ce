#!/usr/bin/env bash
# Checks the unit files as systemd would load them: `systemd-analyze verify`, and the exposure of
# `systemd-analyze security --offline` against a threshold (internal scale: 11 = exposure 1.1).
# Runs in a private mount namespace with its own /run, so the host's /run is never written.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-.build/debug}")
THRESHOLD=${THRESHOLD:-11}
WORK=$(mktemp -d /tmp/domain-verifier-units.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The units name /usr/bin; point them at the binaries just built so verify finds them executable.
for unit in systemd/*.service systemd/*.socket; do
    sed "s#/usr/bin/#$BIN/#g" "$unit" > "$WORK/$(basename "$unit")"
done

unshare --mount bash -euo pipefail -c '
    mount --make-rprivate /
    mount -n -t tmpfs tmpfs /run
    cd "$1"
    systemd-analyze verify --man=no domain-verifierd.socket domain-verifierd.service
    echo "systemd-analyze verify: OK"
    systemd-analyze security --offline=true --threshold="$2" --no-pager domain-verifierd.service | tail -n 1
' bash "$WORK" "$THRESHOLD"
