#!/usr/bin/env bash
# Installs what building and testing domain-verifier needs on Debian 12: the C libraries' -dev
# packages, the DNS servers and tools the tests start, and the Python tools they compare against.
# Skips the package managers when everything is already there.
set -euo pipefail

DEBIAN_PACKAGES=(
    # C libraries, through system library targets
    libssl-dev libidn2-dev libpsl-dev libsqlite3-dev libunbound-dev libsystemd-dev
    # data: the Public Suffix List and the DNSSEC root trust anchor
    publicsuffix dns-root-data
    # tools the tests and benchmarks run
    openssl python3 python3-pip knot knot-dnsutils dnsperf bind9-dnsutils opendkim-tools
    curl util-linux procps
    # booted as PID 1 of fresh namespaces by scripts/systemd-harness (Tests/SystemdTests)
    systemd
    # bridges schemathesis (TCP) to the daemon's admin Unix socket (Tests/OpenAPI)
    socat
    # sets the daemon's wall clock forward and back (Tests/EndToEndTests/ClockJumpEndToEndTests)
    faketime libfaketime
)
PYTHON_PACKAGES=(
    dnspython==2.9.2 dnslib==0.9.26 dkimpy==1.1.8 pyspf==2.0.14 checkdmarc==6.0.4
    # checks the daemon against openapi.yaml (Tests/OpenAPI)
    schemathesis==4.32.5
    # draws the plots of `make bench` (scripts/plot-bench.py)
    matplotlib==3.9.2
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 - "${PYTHON_PACKAGES[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, wanted = spec.split("==")
    if version(name) != wanted:
        sys.exit(1)
PY
then
    echo "install-deps: installing Python packages: ${PYTHON_PACKAGES[*]}"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${PYTHON_PACKAGES[@]}" \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${PYTHON_PACKAGES[@]}"
fi
echo "install-deps: everything is installed"
