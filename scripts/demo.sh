#!/usr/bin/env bash
# The main job end to end, on loopback: Knot serves a demo zone, domain-verifierd checks it,
# domainctl adds a domain, knotc publishes its records, and the domain goes pending → verified;
# a record removed gives temporary_failure, restored gives verified again. Timers are seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/debug}
WORK=$(mktemp -d /tmp/domain-verifier-demo.XXXXXX)
ZONE=demo.test
DOMAIN=shop.$ZONE
CTL="$BIN/domainctl --socket $WORK/admin.sock"
KNOTC="knotc -c $WORK/knot.conf"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Waits until `domainctl show` reports the status, for at most $2 seconds.
wait_for() {
    local status=$1 deadline=$((SECONDS + $2))
    until $CTL --json show "$DOMAIN" | python3 -c "import json,sys; sys.exit(json.load(sys.stdin)['status'] != '$status')"; do
        if [ $SECONDS -ge $deadline ]; then echo "demo: $DOMAIN did not become $status in $2 s" >&2; exit 1; fi
        sleep 0.5
    done
    echo "$DOMAIN is $status"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/run" "$WORK/db" "$WORK/zones" "$WORK/state"
cat > "$WORK/knot.conf" <<CONF
server:
    rundir: "$WORK/run"
    listen: [ 127.0.0.1@$port ]
database:
    storage: "$WORK/db"
control:
    listen: "$WORK/run/knot.sock"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$WORK/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: .
    file: root.zone
  - domain: $ZONE
    file: $ZONE.zone
  - domain: amazonses.com
    file: amazonses.com.zone
CONF
printf '$ORIGIN .\n$TTL 60\n@ SOA ns.root. h.root. 1 60 60 600 1\n@ NS ns.root.\nns.root. A 127.0.0.1\n' > "$WORK/zones/root.zone"
printf '$ORIGIN %s.\n$TTL 60\n@ SOA ns h 1 60 60 600 1\n@ NS ns\nns A 127.0.0.1\n' "$ZONE" > "$WORK/zones/$ZONE.zone"
printf '$ORIGIN amazonses.com.\n$TTL 60\n@ SOA ns h 1 60 60 600 1\n@ NS ns\nns A 127.0.0.1\n@ TXT "v=spf1 ip4:192.0.2.0/24 -all"\n' > "$WORK/zones/amazonses.com.zone"

say "Knot DNS serves $ZONE on 127.0.0.1@$port"
knotd -c "$WORK/knot.conf" 2> "$WORK/knot.log" &
pids+=($!)
until $KNOTC status >/dev/null 2>&1 && kdig @127.0.0.1 -p "$port" SOA "$ZONE" +short +timeout=1 | grep -q .; do sleep 0.1; done

say "domain-verifierd, forwarding to it, with timers of seconds (checks every 2s, confirm after 3s)"
"$BIN/domain-verifierd" --state-dir "$WORK/state" --socket "$WORK/admin.sock" --dns-server "127.0.0.1@$port" \
    --pending-intervals 2s --confirm-delay 3s --recheck-interval 2s --temporary-failure-interval 2s \
    --verify-min-interval 1s --log-level notice 2> "$WORK/daemon.log" &
pids+=($!)
until $CTL status >/dev/null 2>&1; do sleep 0.1; done
$CTL status

say "domainctl add $DOMAIN"
$CTL add "$DOMAIN"

say "domainctl verify $DOMAIN: nothing is published yet"
$CTL verify "$DOMAIN"
wait_for pending 10

say "Publishing the records with knotc"
# Each record as the API gives it, TXT values split into strings of at most 255 bytes.
$CTL --json show "$DOMAIN" | python3 -c '
import json, sys
domain = json.load(sys.stdin)
for r in domain["records"]:
    value = r["value"]
    if r["type"] == "TXT":
        value = " ".join("\"%s\"" % value[i:i + 255] for i in range(0, len(value), 255))
    elif r["type"] == "MX":
        value = "%d %s." % (r["priority"], value)
    print(r["fqdn"] + ".", r["type"], value, sep="\t")
' > "$WORK/records.tsv"
$KNOTC zone-begin "$ZONE" >/dev/null
while IFS=$'\t' read -r owner type value; do
    $KNOTC zone-set "$ZONE" "$owner" 60 "$type" "$value" >/dev/null
done < "$WORK/records.tsv"
$KNOTC zone-commit "$ZONE" >/dev/null
cut -f1-2 "$WORK/records.tsv"
wait_for verified 20

say "Removing the return path's MX record: a miss, confirmed 3s later"
$KNOTC zone-begin "$ZONE" >/dev/null
$KNOTC zone-unset "$ZONE" "send.$DOMAIN." MX >/dev/null
$KNOTC zone-commit "$ZONE" >/dev/null
wait_for temporary_failure 20

say "Restoring it"
grep -P "\tMX\t" "$WORK/records.tsv" | while IFS=$'\t' read -r owner type value; do
    $KNOTC zone-begin "$ZONE" >/dev/null
    $KNOTC zone-set "$ZONE" "$owner" 60 "$type" "$value" >/dev/null
    $KNOTC zone-commit "$ZONE" >/dev/null
done
wait_for verified 20

say "domainctl show $DOMAIN"
$CTL show "$DOMAIN"

say "domainctl history $DOMAIN"
$CTL history "$DOMAIN" --limit 12

say "Status changes the daemon logged"
grep -E "is now" "$WORK/daemon.log" || true

say "Done: stopping Knot and the daemon"
