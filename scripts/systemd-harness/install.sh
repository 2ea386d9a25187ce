#!/usr/bin/env bash
# Installs domain-verifier into DESTDIR the way `make install BINDIR=/opt/domain-verifier/bin` does, from
# binaries already built (make install would build them with the default scratch path).
# usage: install.sh DESTDIR BIN     (BIN: the directory holding domain-verifierd and domainctl)
#   env UNITS: the directory of the .service and .socket files (default: the checkout's systemd/)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DESTDIR BIN" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
UNITS=${UNITS:-$REPO/systemd}
DESTDIR=$1 BIN=$2
BINDIR=/opt/domain-verifier/bin UNITDIR=/usr/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d
CATALOGDIR=/usr/lib/systemd/catalog SYSCONFDIR=/etc
for binary in domain-verifierd domainctl; do
    [ -x "$BIN/$binary" ] || { echo "systemd-harness: no $BIN/$binary; build first (swift build --build-tests)" >&2; exit 1; }
    install -D -m 0755 "$BIN/$binary" "$DESTDIR$BINDIR/$binary"
done
install -d "$DESTDIR$UNITDIR"
for unit in "$UNITS"/domain-verifierd.service "$UNITS"/domain-verifierd.socket; do
    sed "s#/usr/bin/#$BINDIR/#g" "$unit" > "$DESTDIR$UNITDIR/$(basename "$unit")"
    chmod 0644 "$DESTDIR$UNITDIR/$(basename "$unit")"
done
install -D -m 0644 "$REPO"/systemd/domain-verifier.sysusers.conf "$DESTDIR$SYSUSERSDIR/domain-verifier.conf"
install -D -m 0644 "$REPO"/systemd/domain-verifier.catalog "$DESTDIR$CATALOGDIR/domain-verifier.catalog"
install -D -m 0644 "$REPO"/docs/domain-verifierd.toml.example "$DESTDIR$SYSCONFDIR/domain-verifier/domain-verifierd.toml.example"
