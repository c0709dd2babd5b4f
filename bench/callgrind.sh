#!/usr/bin/env bash
# Instructions per request of `GET session`, counted by valgrind's callgrind: deterministic, so
# unlike wall-clock figures it can be compared across commits on a busy machine.
#
#   bash bench/callgrind.sh                 # 20000 requests, cases jwt and database
#   bash bench/callgrind.sh 5000 jwt        # fewer requests, one case
#
# For each case it runs the driver `crates/nextauth-server/examples/session_loop.rs` (the
# request of criterion's `session/<case>`: raw request parts, `NextAuth::handle`, the axum
# response) under `valgrind --tool=callgrind` with N and 2N requests, and prints
# (instructions(2N) - instructions(N)) / N: the set-up (configuration, runtime, keys) cancels out.
# The callgrind files stay in target/bench/callgrind-<UTC time>/ for
# `callgrind_annotate --inclusive=yes <file>`.
#
# Built with the `callgrind` profile (release plus debug info, not stripped; Cargo.toml) so that
# the annotations name functions and lines; the code is the release build's. The allocator is
# glibc's, as in `cargo bench` (the `nextauth` binary uses jemalloc).
#
# Env: SKIP_BUILD=1 (use target/callgrind/examples/session_loop as it is).
# Needs: cargo, valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

N=${1:-20000}
shift || true
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(jwt database)
case "$N" in '' | *[!0-9]*) echo "bench/callgrind.sh: N must be a number, not '$N'" >&2; exit 1 ;; esac
command -v valgrind >/dev/null || { echo "bench/callgrind.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --profile callgrind --locked -p nextauth-server --example session_loop >&2
fi
BIN="$TARGET_DIR/callgrind/examples/session_loop"
OUT="$TARGET_DIR/bench/callgrind-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

# The total instruction count of one run.
count() { # case n
  local file="$OUT/$1-$2.callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$BIN" "$2" "$1" 2>"$OUT/$1-$2.log" >/dev/null
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$OUT/$1-$2.log"
}

printf '%-10s %8s %16s %16s %14s\n' case N "instr(N)" "instr(2N)" "instr/request"
for c in "${CASES[@]}"; do
  one=$(count "$c" "$N")
  two=$(count "$c" $((2 * N)))
  printf '%-10s %8d %16d %16d %14d\n' "$c" "$N" "$one" "$two" $(((two - one) / N))
done
echo "callgrind files: $OUT" >&2
