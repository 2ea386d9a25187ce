#!/usr/bin/env python3
"""Runs schemathesis against a live domain-verifierd: openapi.yaml must describe every answer it gives.

Started by Tests/EndToEndTests/SchemathesisTests.swift once the daemon answers on its Unix socket
and a few domains are seeded. Exits 0 when every check passed, 1 on any failure, 2 when the
harness itself failed. Steps:
  1. openapi.yaml is valid OpenAPI 3.0 (openapi-spec-validator, which schemathesis brings);
  2. the answers about the seeded domains (a verified one with transitions and checks, a pending
     one, a not-started one) conform, with every check, whatever the fuzzer happens to reach;
  3. `st run` as a writer (uid 0): every phase, every check;
  4. `st run` as a reader (uid 65534, the socket's group): the write routes answer 403, and those
     answers must conform too.

The bridge: schemathesis speaks HTTP over TCP only, the daemon only over its Unix socket, so
socat listens on a free loopback port and forks one Unix-socket connection per TCP connection
(`TCP-LISTEN:PORT,bind=127.0.0.1,fork UNIX-CONNECT:SOCKET`). socat was chosen over a requests
session over the socket (requests-unixsocket) because it leaves the stock `st run` command
untouched: every phase (examples, coverage, fuzzing, stateful), every check, the CLI's report and
its `curl` reproductions work as documented, and the daemon sees the very bytes a client sent.
The daemon reads the peer credentials of socat's connection, so socat started under `setpriv` as
another uid makes every request a reader's.

Every child (socat, st) gets PR_SET_PDEATHSIG, so none outlives this script however it ends.
"""

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PR_SET_PDEATHSIG = 1
READER_UID = 65534  # nobody


def die_with_parent():
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def start_bridge(socket_path, as_uid=None):
    """socat on a free loopback port, as `as_uid` if given (with the socket's group, so that it may
    connect); returns (process, base URL) once GET /status answers through it."""
    prefix = []
    if as_uid is not None:
        prefix = ["setpriv", f"--reuid={as_uid}", f"--regid={os.stat(socket_path).st_gid}", "--clear-groups"]
    for _ in range(5):
        port = free_port()
        bridge = subprocess.Popen(
            prefix + ["socat", f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr", f"UNIX-CONNECT:{socket_path}"],
            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and bridge.poll() is None:
            if answers(base_url + "/status"):
                return bridge, base_url
            time.sleep(0.05)
        stop(bridge)  # lost the port to another process, or socat could not start: try another port
    raise RuntimeError(f"socat could not bridge a loopback port to {socket_path}" + (f" as uid {as_uid}" if prefix else ""))


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check_document(schema_path):
    import yaml
    from openapi_spec_validator import validate

    with open(schema_path, encoding="utf-8") as file:
        validate(yaml.safe_load(file))
    print(f"{schema_path}: valid OpenAPI")


def check_seeded(schema_path, base_url, domains):
    """Validates the answers about the seeded domains with every check; returns how many failed."""
    import schemathesis
    from schemathesis.core.failures import FailureGroup

    schema = schemathesis.openapi.from_path(schema_path)
    cases = [("/domains", "GET", {}, {"limit": 100}), ("/status", "GET", {}, {}), ("/metrics", "GET", {}, {})]
    for status in ["not_started", "pending", "verified", "failed"]:
        cases.append(("/domains", "GET", {}, {"status": status}))
    for domain in domains:
        ref = {"id": domain}
        cases += [("/domains/{id}", "GET", ref, {}), ("/domains/{id}/history", "GET", ref, {"limit": 100}),
                  ("/domains/{id}/history", "GET", ref, {"limit": 1}), ("/domains/{id}/zone", "GET", ref, {}),
                  ("/domains/{id}/dkim-private-key", "GET", ref, {})]
    failures = 0
    for path, method, parameters, query in cases:
        case = schema[path][method].Case(path_parameters=parameters, query=query)
        response = case.call(base_url=base_url)
        what = f"seeded: {method} {case.formatted_path} {query or ''} -> {response.status_code}"
        try:
            case.validate_response(response)
            print(f"{what}: conforms")
        except FailureGroup as group:
            failures += 1
            print(f"{what}: FAILED")
            for failure in group.exceptions:
                print(f"  {failure}")
    return failures


def st_run(arguments, base_url, phases, max_examples, label):
    """One `st run` with every check; True when it found nothing."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", arguments.config, "run", arguments.schema,
        "--url", base_url,
        "--checks", "all",
        "--phases", phases,
        "--max-examples", str(max_examples),
        "--request-timeout", "30",
        "--no-color",
    ]
    if arguments.seed != "random":
        command += ["--seed", arguments.seed]
    print(f"\n=== st run as {label}\n+ " + " ".join(command))
    started = time.monotonic()
    # In a scratch directory: st and Hypothesis leave their caches in the working directory.
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
        st = subprocess.Popen(command, stdin=subprocess.DEVNULL, cwd=scratch, preexec_fn=die_with_parent)
        try:
            status = st.wait(timeout=arguments.timeout)
        except subprocess.TimeoutExpired:
            stop(st)
            print(f"st run as {label}: did not finish within {arguments.timeout:.0f} s")
            return False
    print(f"st run as {label}: exit status {status} after {time.monotonic() - started:.1f} s")
    return status == 0


def main():
    sys.stdout.reconfigure(line_buffering=True)  # our lines and st's, in order
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--socket", required=True, help="the daemon's admin socket")
    parser.add_argument("--schema", required=True, help="openapi.yaml")
    parser.add_argument("--config", required=True, help="schemathesis.toml")
    parser.add_argument("--domain", action="append", default=[], help="a seeded domain (id or name) to validate")
    parser.add_argument("--max-examples", type=int, default=40, help="per operation and phase, as a writer")
    parser.add_argument("--reader-max-examples", type=int, default=10, help="the same as a reader (0: no reader run)")
    parser.add_argument("--seed", default=os.environ.get("SCHEMATHESIS_SEED", "20261128"),
                        help='"random" for a new seed each run (default $SCHEMATHESIS_SEED, else a fixed one)')
    parser.add_argument("--timeout", type=float, default=240, help="seconds each st run may take")
    arguments = parser.parse_args()

    check_document(arguments.schema)
    bridge, base_url = start_bridge(arguments.socket)
    try:
        failures = check_seeded(arguments.schema, base_url, arguments.domain)
        print(f"{failures} failure(s) on the seeded domains")
        ok = st_run(arguments, base_url, "examples,coverage,fuzzing,stateful", arguments.max_examples, "a writer (uid 0)")
    finally:
        stop(bridge)
    if arguments.reader_max_examples > 0:
        # No stateful phase: as a reader nothing can be created, so there is no state to follow.
        bridge, base_url = start_bridge(arguments.socket, as_uid=READER_UID)
        try:
            ok = st_run(arguments, base_url, "examples,coverage,fuzzing", arguments.reader_max_examples,
                        f"a reader (uid {READER_UID})") and ok
        finally:
            stop(bridge)
    return 0 if ok and failures == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:
        print(f"schemathesis_run.py: {error}", file=sys.stderr)
        sys.exit(2)
