#!/usr/bin/env bash
# Runs the libFuzzer build of domain-verifier-fuzz on each target named as an argument, for
# FUZZ_SECONDS each. New inputs go to .build/fuzz/corpus/<target>; with FUZZ_MERGE=1 those that add
# coverage are merged into Fuzz/corpus/<target>. A crash or broken invariant is written to
# Fuzz/crashers/<target>/ and makes the script fail after the other targets have run.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${FUZZ_BIN:-.build/fuzz/release/domain-verifier-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
MERGE=${FUZZ_MERGE:-0}
WORK=.build/fuzz/corpus
# Swift's backtracer can hang holding the pipe after a crash; libFuzzer's own report is enough.
export SWIFT_BACKTRACE=enable=no
# Swift runtime metadata and Foundation caches stay reachable from globals, which LeakSanitizer reports.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

if [ ! -x "$BIN" ]; then
    echo "fuzz: $BIN is missing; run make fuzz, which builds it" >&2
    exit 2
fi
if [ $# -eq 0 ]; then
    echo "usage: scripts/fuzz.sh TARGET..." >&2
    exit 2
fi

failed=()
summary=()
for target in "$@"; do
    mkdir -p "$WORK/$target" "Fuzz/corpus/$target" "Fuzz/crashers/$target"
    log=".build/fuzz/$target.log"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
    status=0
    FUZZ_TARGET=$target "$BIN" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="Fuzz/crashers/$target/" \
        "$WORK/$target" "Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        summary+=("$target: FAILED after ${runs:-?} executions (exit $status); see $log and Fuzz/crashers/$target/")
        grep -E 'Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
        continue
    fi
    summary+=("$target: ${runs:-?} executions, no crash")
    if [ "$MERGE" = 1 ]; then
        FUZZ_TARGET=$target "$BIN" -merge=1 "Fuzz/corpus/$target" "$WORK/$target" >>"$log" 2>&1
    fi
done

printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes or broken invariants in: ${failed[*]}" >&2
    exit 1
fi
