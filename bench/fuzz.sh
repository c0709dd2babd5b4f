#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser a client feeds (docs/fuzzing.md). Not run in CI.
#
# Installs cargo-afl (AFL++ is built from the source it ships), builds the targets in fuzz/ with
# AFL instrumentation, runs each one until it has done FUZZ_EXECS executions (or FUZZ_SECONDS
# have passed, when set), and prints per target: executions, time, crashes and hangs.
#
#   bash bench/fuzz.sh                         # every target, 10 M executions each
#   FUZZ_EXECS=1000000 bash bench/fuzz.sh jwe csrf
#   FUZZ_JOBS=2 FUZZ_SECONDS=600 bash bench/fuzz.sh
#
# Environment:
#   FUZZ_EXECS    executions per target (default 10000000)
#   FUZZ_SECONDS  wall-clock cap per target in seconds (default 0: none)
#   FUZZ_JOBS     targets fuzzed at once (default 1; each takes one core)
#   FUZZ_NICE     niceness of the fuzzers (default 15: the machine is shared)
#   FUZZ_OUT      output root (default fuzz/out/<UTC time>); crashes land in <out>/<target>/default/crashes
#
# A crash input replays without AFL: cargo run --release --manifest-path fuzz/Cargo.toml --bin <target> -- <file>
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/fuzz"
all_targets=(cookie_header chunked_cookie jwe check_cookies csrf callback_url body action_path handler)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
execs=${FUZZ_EXECS:-10000000}
seconds=${FUZZ_SECONDS:-0}
jobs=${FUZZ_JOBS:-1}
niceness=${FUZZ_NICE:-15}
out=${FUZZ_OUT:-$fuzz/out/$(date -u +%Y%m%dT%H%M%SZ)}

# --- install -------------------------------------------------------------------------------
if ! cargo afl --version >/dev/null 2>&1; then
    cargo install cargo-afl --locked
fi
# Builds AFL++ and its runtime for this rustc; says so and fails when already built.
cargo afl config --build >/dev/null 2>&1 || true

# --- build ---------------------------------------------------------------------------------
export CARGO_TARGET_DIR="$fuzz/target/afl"
(cd "$fuzz" && nice -n "$niceness" cargo afl build --release --features afl --bins)
bin="$CARGO_TARGET_DIR/release"

# --- run -----------------------------------------------------------------------------------
mkdir -p "$out"
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CRASHES=1 AFL_NO_WARN_INSTABILITY=1

run_one() {
    local t=$1
    local args=(-i "$fuzz/seeds/$t" -o "$out/$t" -x "$fuzz/nextauth.dict" -E "$execs")
    [ "$seconds" != 0 ] && args+=(-V "$seconds")
    echo "fuzzing $t (log: $out/$t.log)"
    nice -n "$niceness" cargo afl fuzz "${args[@]}" -- "$bin/$t" >"$out/$t.log" 2>&1 || true
}

running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

# --- report --------------------------------------------------------------------------------
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$2"; }
printf '\n%-15s %12s %8s %9s %8s %6s %6s\n' target executions seconds execs/s paths crashes hangs
total_crashes=0
for t in "${targets[@]}"; do
    s="$out/$t/default/fuzzer_stats"
    if [ ! -f "$s" ]; then
        printf '%-15s did not start: see %s\n' "$t" "$out/$t.log"
        total_crashes=$((total_crashes + 1))
        continue
    fi
    e=$(stat execs_done "$s")
    start=$(stat start_time "$s")
    last=$(stat last_update "$s")
    secs=$((last - start))
    rate=$(( secs > 0 ? e / secs : e ))
    c=$(stat saved_crashes "$s")
    h=$(stat saved_hangs "$s")
    p=$(stat corpus_count "$s")
    printf '%-15s %12s %8s %9s %8s %6s %6s\n' "$t" "$e" "$secs" "$rate" "$p" "$c" "$h"
    total_crashes=$((total_crashes + c))
done
echo
echo "output: $out"
if [ "$total_crashes" -gt 0 ]; then
    echo "findings: replay each file in $out/<target>/default/crashes with the plain build (see the top of this script)"
    exit 1
fi
