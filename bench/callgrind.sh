#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: deterministic, so unlike wall-clock
# figures they can be compared across commits on a busy machine.
#
#   bash bench/callgrind.sh                  # N=2000, the HTTP cases and the in-process jwt case
#   bash bench/callgrind.sh 5000 http-jwt    # another N, some cases
#
# HTTP cases (the whole server: hyper, axum, nextauth): the server runs under
# `valgrind --tool=callgrind` (TOKIO_WORKER_THREADS=1), bench/keepalive.py sends N requests over
# ONE keep-alive connection, then SIGTERM ends the server cleanly; the same again with 2N
# requests, and (instructions(2N) - instructions(N)) / N is the cost of one request: start-up,
# the connection and shutdown cancel out. Only the server is counted (the client is another
# process).
#   http-hello        the `hello` example's GET /session-sized: constant bytes shaped like GET
#                     session (the same headers, three Set-Cookie, the same body size)
#   http-jwt          nextauth GET session with a valid JWT session cookie alone (as load.sh)
#   http-forward-auth nextauth GET forward-auth, JWT cookie, trusted proxy, X-Forwarded-* headers
#   http-csrf         nextauth GET csrf without a cookie (a new token and its cookie)
#   http-db-sqlite    nextauth GET session, database strategy, a session row in a SQLite file
# What each capability costs on the hot path (http-jwt with one thing turned on):
#   http-jwt-revocation  `revoke_on_signout = true` and 20 users' sessions revoked (the set is
#                        looked up on every read)
#   http-jwt-ratelimit   `[rate_limit] enabled = true` (the default; the other cases turn it off)
#   http-jwt-metrics     `[ops] listen` set: the Prometheus recorder counts every request
#   http-jwt-policy      `[callbacks]` sign-in policies (allowed_emails, allowed_email_domains,
#                        redirect_allow)
#   (CAPABILITIES=1 adds these four to the default list.)
# A table then gives each nextauth case's ratio to http-hello (the issue-17 target: <= 1.3).
#
# In-process cases (no HTTP: `crates/nextauth-server/examples/session_loop.rs`, the request of
# criterion's `session/<case>`: raw request parts, `NextAuth::handle`, the axum response), same
# N / 2N method: `jwt`, `database` (a session row in a SQLite file).
#
# The callgrind files stay in target/bench/callgrind-<UTC time>/ for
# `callgrind_annotate --inclusive=yes <file>`.
#
# Built with the `callgrind` profile (release plus debug info, not stripped; Cargo.toml). The
# `nextauth` binary uses jemalloc (as deployed); the examples use glibc's allocator.
#
# Env: SKIP_BUILD=1 (use the binaries in target/callgrind as they are).
# Needs: cargo, valgrind (apt-get install valgrind), python3, sqlite3 (http-db-sqlite).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

N=${1:-2000}
shift || true
CASES=("$@")
if [ ${#CASES[@]} -eq 0 ]; then
  CASES=(http-hello http-jwt http-forward-auth http-csrf http-db-sqlite jwt)
  [ -n "${CAPABILITIES:-}" ] && CASES+=(http-jwt-revocation http-jwt-ratelimit http-jwt-metrics http-jwt-policy)
fi
case "$N" in '' | *[!0-9]*) echo "bench/callgrind.sh: N must be a number, not '$N'" >&2; exit 1 ;; esac
command -v valgrind >/dev/null || { echo "bench/callgrind.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --profile callgrind --locked -p nextauth-server --bin nextauth --example session_loop --example hello >&2
fi
BIN="$TARGET_DIR/callgrind/examples/session_loop"
NEXTAUTH="$TARGET_DIR/callgrind/nextauth"
HELLO="$TARGET_DIR/callgrind/examples/hello"
OUT="$TARGET_DIR/bench/callgrind-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SECRET="bench-secret-0123456789abcdef-0123456789abcdef" # session_loop.rs's
COOKIE=$("$BIN" 0 cookie)

SERVER_PID=""
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

# A configuration like load.sh's JWT one (rate limits off: one client, many requests).
config() { # strategy database-url [top-level lines and tables] [[session] lines] [rate limits on]
  cat <<EOF
url = "http://127.0.0.1/api/auth"
secret = "$SECRET"
${3:-}
[session]
strategy = "$1"
${4:-}
[rate_limit]
enabled = ${5:-false}
[database]
url = "$2"
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "http://127.0.0.1:9/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
EOF
}

# The instructions of a run, less quanta's clock calibration (the metrics recorder's start-up: a
# loop bounded by wall-clock time, so its count grows with how slow the run is, not with N).
collected() { # log callgrind-file
  local total cal
  total=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$1")
  cal=$(callgrind_annotate --inclusive=yes "$2" 2>/dev/null |
    awk '/quanta::Calibration::calibrate \[/{gsub(",","",$1); print $1; exit}')
  echo $((total - ${cal:-0}))
}

# The total instruction count of the in-process driver.
count_loop() { # case n
  local file="$OUT/$1-$2.callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$BIN" "$2" "$1" 2>"$OUT/$1-$2.log" >/dev/null
  collected "$OUT/$1-$2.log" "$file"
}

# Starts the server (argv after --) under callgrind, waits for its URL, runs the client, stops
# it with SIGTERM and prints the instruction count.
count_http() { # case n path [header...] -- server argv...
  local name=$1 n=$2 path=$3
  shift 3
  local hdr=()
  while [ "$1" != -- ]; do hdr+=("$1"); shift; done
  shift
  local file="$OUT/$name-$n.callgrind" log="$OUT/$name-$n.log"
  : >"$log"
  (cd "$DATA" && TOKIO_WORKER_THREADS=1 RUST_LOG=warn NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= \
    exec valgrind --tool=callgrind --callgrind-out-file="$file" "$@") >"$log" 2>&1 &
  SERVER_PID=$!
  local url=""
  for _ in $(seq 1 600); do
    url=$(grep -o -m1 -E '^(nextauth )?listening on http://[0-9.:]*' "$log" | sed 's/.*listening on //') || true
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "bench/callgrind.sh: $name: the server did not start:" >&2; tail -5 "$log" >&2; exit 1; }
  python3 "$ROOT/bench/keepalive.py" "$url$path" "$n" "${hdr[@]}" >>"$OUT/$name-$n.client.log" 2>&1 ||
    { echo "bench/callgrind.sh: $name: the client failed:" >&2; cat "$OUT/$name-$n.client.log" >&2; exit 1; }
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
  collected "$log" "$file"
}

DATA="$OUT/data"
mkdir -p "$DATA"
config jwt "sqlite://$DATA/jwt.db" >"$DATA/jwt.toml"
config jwt "sqlite://$DATA/fa.db" 'trusted_proxies = ["127.0.0.1/32"]
[forward_auth]
allowed_hosts = ["app.example.test"]' >"$DATA/fa.toml"
config database "sqlite://$DATA/db.db" >"$DATA/db.toml"
config jwt "sqlite://$DATA/revoke.db" "" "revoke_on_signout = true" >"$DATA/revocation.toml"
config jwt "sqlite://$DATA/rl.db" "" "" true >"$DATA/ratelimit.toml"
config jwt "sqlite://$DATA/metrics.db" '[ops]
listen = "127.0.0.1:0"' >"$DATA/metrics.toml"
config jwt "sqlite://$DATA/policy.db" '[callbacks]
allowed_emails = ["alice@example.com", "bob@example.com"]
allowed_email_domains = ["example.com", "*.example.org"]
redirect_allow = ["https://app.example.test"]' >"$DATA/policy.toml"
if printf '%s\n' "${CASES[@]}" | grep -qx http-jwt-revocation; then
  for i in $(seq 1 20); do
    (cd "$DATA" && NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= "$NEXTAUTH" sessions revoke \
      --user "bench-other-$i" --config "$DATA/revocation.toml" >/dev/null 2>&1) ||
      { echo "bench/callgrind.sh: sessions revoke failed" >&2; exit 1; }
  done
fi
DB_COOKIE=""
if printf '%s\n' "${CASES[@]}" | grep -qx http-db-sqlite; then
  # The tables (a first start migrates), then one user and one session row, as a sign-in makes.
  command -v sqlite3 >/dev/null || { echo "bench/callgrind.sh: http-db-sqlite needs sqlite3" >&2; exit 1; }
  count_http migrate 1 /api/auth/csrf -- "$NEXTAUTH" --config "$DATA/db.toml" --listen 127.0.0.1:0 >/dev/null
  sqlite3 "$DATA/db.db" "INSERT INTO users (id, name, email) VALUES (1, 'Alice', 'alice@example.com');
    INSERT INTO sessions ("sessionToken", "userId", expires) VALUES ('5a4f1a4e-4c38-4a3a-9a3b-0f5d9b1e2c3d', 1, $((($(date +%s) + 2592000) * 1000)));"
  DB_COOKIE="next-auth.session-token=5a4f1a4e-4c38-4a3a-9a3b-0f5d9b1e2c3d"
fi

one() { # case n
  case "$1" in
    http-hello) count_http "$1" "$2" /session-sized -- "$HELLO" 127.0.0.1:0 ;;
    http-jwt)
      count_http "$1" "$2" /api/auth/session "Cookie: $COOKIE" \
        -- "$NEXTAUTH" --config "$DATA/jwt.toml" --listen 127.0.0.1:0 ;;
    http-forward-auth)
      count_http "$1" "$2" /api/auth/forward-auth "Cookie: $COOKIE" "X-Forwarded-Proto: http" \
        "X-Forwarded-Host: app.example.test" "X-Forwarded-Uri: /dashboard?tab=1" "Accept: text/html" \
        -- "$NEXTAUTH" --config "$DATA/fa.toml" --listen 127.0.0.1:0 ;;
    http-jwt-revocation | http-jwt-ratelimit | http-jwt-metrics | http-jwt-policy)
      count_http "$1" "$2" /api/auth/session "Cookie: $COOKIE" \
        -- "$NEXTAUTH" --config "$DATA/${1#http-jwt-}.toml" --listen 127.0.0.1:0 ;;
    http-csrf) count_http "$1" "$2" /api/auth/csrf -- "$NEXTAUTH" --config "$DATA/jwt.toml" --listen 127.0.0.1:0 ;;
    http-db-sqlite)
      count_http "$1" "$2" /api/auth/session "Cookie: $DB_COOKIE" \
        -- "$NEXTAUTH" --config "$DATA/db.toml" --listen 127.0.0.1:0 ;;
    jwt | database) count_loop "$1" "$2" ;;
    *) echo "bench/callgrind.sh: unknown case $1" >&2; exit 1 ;;
  esac
}

declare -A PER
printf '%-18s %8s %16s %16s %14s\n' case N "instr(N)" "instr(2N)" "instr/request"
for c in "${CASES[@]}"; do
  a=$(one "$c" "$N")
  b=$(one "$c" $((2 * N)))
  PER[$c]=$(((b - a) / N))
  printf '%-18s %8d %16d %16d %14d\n' "$c" "$N" "$a" "$b" "${PER[$c]}"
done
if [ -n "${PER[http-hello]:-}" ]; then
  echo
  echo "ratio to http-hello (the same-bytes handler; issue-17 target <= 1.3):"
  for c in "${CASES[@]}"; do
    [[ "$c" == http-* && "$c" != http-hello ]] || continue
    awk -v a="${PER[$c]}" -v b="${PER[http-hello]}" -v n="$c" 'BEGIN{printf "  %-18s %.2fx\n", n, a/b}'
  done
fi
echo "callgrind files: $OUT" >&2
