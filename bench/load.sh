#!/usr/bin/env bash
# Load benchmark of `nextauth` beside the real NextAuth.js v4 and a bare axum handler, in ONE run on
# this machine. Loopback only; every loop is bounded in count and time.
#
#   bash bench/load.sh                 # everything: 19 cases x 3 rounds, ~14 s each, plus builds
#                                      # and npm ci: about 15 minutes on 2 cores
#   ROUNDS=5 DURATION=10s bash bench/load.sh
#   SKIP_REFERENCE=1 bash bench/load.sh   # without NextAuth v4 (no npm install)
#
# What it does:
#   1. builds `nextauth` and the `hello` example with --release; installs wrk with apt-get when
#      missing; installs the real next-auth 4.24.15 in bench/reference (npm ci, pinned lock);
#   2. starts the peers: the credentials webhook (testkit/node/webhook.mjs), PostgreSQL from
#      DATABASE_URL or 127.0.0.1:5432 (database `nextauth_bench`, created when possible);
#   3. for each round (ROUNDS, default 3), for each case: starts a fresh server process, signs in
#      (credentials alice/password) once to get a session cookie, checks that the cookie is
#      accepted, runs `wrk -tTHREADS -cCONNS -dWARMUP` (not measured), then
#      `wrk -tTHREADS -cCONNS -dDURATION --latency`, and reads the server's peak RSS (VmHWM in
#      /proc/PID/status) and CPU time before stopping it;
#   4. measures start-to-first-answer of `nextauth` (spawn, then a tight loop of GET session until
#      the first 200), STARTS times;
#   5. prints the medians and the ratios against the targets of issue 6, and writes them with the
#      raw wrk outputs to target/bench/load-<UTC time>/.
#
# Env: ROUNDS (3) DURATION (10s) WARMUP (3s) THREADS (2) CONNS (64) STARTS (9)
#      DATABASE_URL (PostgreSQL; default postgres://postgres@127.0.0.1:5432/nextauth_bench)
#      NEXT_SHIM (next: v4 behind Next.js's apiResolver, as under `next start`; manual: bare shims)
#      SKIP_REFERENCE=1, SKIP_BUILD=1 (use the binaries already in target/release, or in BIN_DIR,
#        e.g. BIN_DIR=target/callgrind: the same code with debug info, built by bench/callgrind.sh)
#      CASES_ONLY (an extended regex: only the cases whose name matches, e.g.
#        CASES_ONLY='valid JWT cookie\)$|revocation on' for JWT sessions with revocation off/on,
#        CASES_ONLY='GET session \(valid JWT cookie\)$|forward-auth' for forward-auth beside it,
#        CASES_ONLY='constant bytes|valid JWT cookie\)$|forward-auth|GET csrf|PostgreSQL' for the
#        issue-17 figures only: 7 cases x 3 rounds, about 5 minutes)
# Needs: cargo, node >= 20 (webhook, reference), curl, apt-get (only when wrk is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
STARTS=${STARTS:-9}
NEXT_SHIM=${NEXT_SHIM:-next}
SECRET="bench-secret-0123456789abcdef-0123456789abcdef"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/target/bench/load-$STAMP"
mkdir -p "$OUT"
CLK_TCK=$(getconf CLK_TCK)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/load.sh: %s\n' "$*" >&2; exit 1; }

# ---- processes we start: stopped by pid, never by name ---------------------------------------
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
stop() { # pid
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Waits (at most 15 s) for the first line of FILE that starts with PREFIX; prints the URL in it.
wait_url() { # file prefix
  for _ in $(seq 1 150); do
    if [ -s "$1" ]; then
      local line
      line=$(grep -m1 "^$2" "$1" || true)
      if [ -n "$line" ]; then grep -o 'http://[0-9.:]*' <<<"$line" | head -1; return 0; fi
    fi
    sleep 0.1
  done
  echo "no '$2' line in $1:" >&2; tail -5 "$1" >&2; return 1
}

# ---- tools -----------------------------------------------------------------------------------
command -v curl >/dev/null || die "curl is needed"
command -v node >/dev/null || die "node (>= 20) is needed for the credentials webhook and NextAuth v4"
if ! command -v wrk >/dev/null 2>&1; then
  log "wrk not found: apt-get install wrk"
  SUDO=(); [ "$(id -u)" -ne 0 ] && SUDO=(sudo)
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
    die "could not install wrk"
fi

if [ -z "${SKIP_BUILD:-}" ]; then
  log "cargo build --release (nextauth, examples/hello)"
  timeout 1800 cargo build --release --locked -p nextauth-server --bin nextauth --example hello >&2
fi
BIN_DIR=${BIN_DIR:-$ROOT/target/release}
[[ "$BIN_DIR" = /* ]] || BIN_DIR="$ROOT/$BIN_DIR"
NEXTAUTH="$BIN_DIR/nextauth"
HELLO="$BIN_DIR/examples/hello"
[ -x "$NEXTAUTH" ] && [ -x "$HELLO" ] || die "release binaries missing (run without SKIP_BUILD)"

REF_DIR="$ROOT/bench/reference"
REFERENCE=1
if [ -n "${SKIP_REFERENCE:-}" ]; then
  REFERENCE=0
elif [ ! -f "$REF_DIR/node_modules/.package-lock.json" ] ||
  [ "$REF_DIR/package-lock.json" -nt "$REF_DIR/node_modules/.package-lock.json" ]; then
  log "npm ci in bench/reference (next-auth 4.24.15, next 16.4.6)"
  (cd "$REF_DIR" && timeout 900 npm ci --no-audit --no-fund --loglevel=error >&2) ||
    { log "npm ci failed: NextAuth v4 is left out of this run"; REFERENCE=0; }
fi

# ---- peers -----------------------------------------------------------------------------------
log "credentials webhook (testkit/node/webhook.mjs)"
AUTHORIZE_PORT=0 node "$ROOT/testkit/node/webhook.mjs" >"$OUT/webhook.log" 2>&1 &
PIDS+=("$!")
HOOK=$(wait_url "$OUT/webhook.log" "listening on")

PG_URL=""
pg_listening() { (exec 3<>/dev/tcp/127.0.0.1/5432) >/dev/null 2>&1; }
if [ -n "${DATABASE_URL:-}" ]; then
  PG_URL="$DATABASE_URL"
elif pg_listening; then
  PG_URL="postgres://postgres@127.0.0.1:5432/nextauth_bench"
  if command -v psql >/dev/null; then
    timeout 20 psql -q "postgres://postgres@127.0.0.1:5432/postgres" -c "CREATE DATABASE nextauth_bench" \
      >/dev/null 2>&1 || true
  fi
  if ! timeout 20 psql -q "$PG_URL" -c "SELECT 1" >/dev/null 2>&1; then
    PG_URL="postgres://postgres@127.0.0.1:5432/test"
  fi
fi
[ -n "$PG_URL" ] || log "no PostgreSQL (set DATABASE_URL or listen on 127.0.0.1:5432): that case is skipped"

# ---- servers ---------------------------------------------------------------------------------
DATA="$OUT/data"
mkdir -p "$DATA"
config() { # strategy database-url [more [session] lines] [top-level lines and tables] [more [database] lines]
  cat <<EOF
url = "http://127.0.0.1/api/auth"
secret = "$SECRET"
${4:-}
[session]
strategy = "$1"
${3:-}
[rate_limit]
enabled = false  # the load generator signs in from one address, far over any limit
[database]
url = "$2"
${5:-}
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "$HOOK/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
EOF
}
config jwt "sqlite://$DATA/jwt.db" >"$DATA/jwt.toml"
# JWT sessions with revocation on (issue 13): sessions carry a `sid`, and 20 other users' sessions
# are revoked (recorded below), so every read takes the revocation set's lookup path, not just the
# "nothing revoked" load.
config jwt "sqlite://$DATA/jwt-revoke.db" "revoke_on_signout = true" >"$DATA/jwt-revoke.toml"
config jwt "sqlite://$DATA/jwt-sid.db" "revoke_on_signout = true" >"$DATA/jwt-sid.toml"
config database "sqlite://$DATA/db.db" >"$DATA/sqlite.toml"
# Forward-auth (JWT sessions): wrk stands in for the proxy (127.0.0.1, trusted) and sends the
# original URL's X-Forwarded-* headers; the answer is the 200 with the identity headers.
config jwt "sqlite://$DATA/jwt-fa.db" "" 'trusted_proxies = ["127.0.0.1/32"]
[forward_auth]
allowed_hosts = ["app.example.test"]' >"$DATA/jwt-fa.toml"
# PostgreSQL database sessions with the in-process session cache (the default, issue 17) and
# without it (a query per request).
[ -n "$PG_URL" ] && config database "$PG_URL" >"$DATA/pg.toml"
[ -n "$PG_URL" ] && config database "$PG_URL" "" "" 'session_cache = "0s"' >"$DATA/pg-nocache.toml"

SERVER_PID=""
SERVER_URL=""
start_server() { # kind name
  local log="$OUT/server-$2.log"
  : >"$log"
  case "$1" in
    nextauth-*)
      # nextauth-jwt-1w: the JWT configuration on one Tokio worker (TOKIO_WORKER_THREADS=1).
      local kind=${1#nextauth-} workers=""
      [ "$kind" = jwt-1w ] && { kind=jwt; workers=1; }
      local cfg="$DATA/$kind.toml"
      (cd "$DATA" && RUST_LOG=warn NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= \
        exec env ${workers:+TOKIO_WORKER_THREADS=$workers} "$NEXTAUTH" --config "$cfg" --listen 127.0.0.1:0) >"$log" 2>&1 &
      SERVER_PID=$!
      SERVER_URL=$(wait_url "$log" "nextauth listening on")/api/auth
      ;;
    hello | hello-1w)
      local workers=""
      [ "$1" = hello-1w ] && workers=1
      env ${workers:+TOKIO_WORKER_THREADS=$workers} "$HELLO" 127.0.0.1:0 >"$log" 2>&1 &
      SERVER_PID=$!
      SERVER_URL=$(wait_url "$log" "listening on")
      ;;
    v4-jwt | v4-database)
      local port
      port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
      (cd "$REF_DIR" && PORT=$port NEXTAUTH_URL="http://127.0.0.1:$port" NEXT_SHIM=$NEXT_SHIM \
        SESSION_STRATEGY=${1#v4-} exec node server.mjs) >"$log" 2>&1 &
      SERVER_PID=$!
      SERVER_URL=$(wait_url "$log" "listening on")/api/auth
      ;;
  esac
  PIDS+=("$SERVER_PID")
}

# Signs in through the credentials provider like a browser (csrf, then the form POST) and prints
# the Cookie header the browser then sends: `session` = the session token alone, `browser` = every
# cookie of the jar (csrf-token, callback-url, session-token).
sign_in() { # api-url session|browser
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -s -m 10 -c "$jar" -b "$jar" "$1/csrf" | sed -n 's/.*"csrfToken":"\([0-9a-f]*\)".*/\1/p')
  curl -s -m 10 -o /dev/null -c "$jar" -b "$jar" -X POST "$1/callback/credentials" \
    --data-urlencode username=alice --data-urlencode password=password --data-urlencode "csrfToken=$csrf"
  if [ "$2" = browser ]; then
    awk '$6 ~ /^next-auth\./ && $7 != "" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar"
  else
    awk '$6=="next-auth.session-token" && $7 != "" {printf "next-auth.session-token=%s", $7}' "$jar"
  fi
  rm -f "$jar"
}

# ---- one measurement -------------------------------------------------------------------------
to_ms() { # wrk latency (850.00us, 1.20ms, 2.01s) -> ms
  awk -v v="$1" 'BEGIN{
    if (v ~ /us$/) { sub(/us$/,"",v); printf "%.3f", v/1000 }
    else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.3f", v*1000 }
    else print "nan" }'
}
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

RESULTS="$OUT/results.tsv" # case round rps p50_ms p99_ms hwm_kb cpu_pct non2xx errors cpu_us_per_request
: >"$RESULTS"

measure() { # case-name round url pid [cookie] [more headers, separated by ^]
  local name="$1" round="$2" url="$3" pid="$4" cookie="${5:-}" more="${6:-}"
  local hdr=() h
  [ -n "$cookie" ] && hdr=(-H "Cookie: $cookie")
  if [ -n "$more" ]; then
    IFS='^' read -ra extra <<<"$more"
    for h in "${extra[@]}"; do hdr+=(-H "$h"); done
  fi
  timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null 2>&1 || true
  local c0 t0 c1 t1 out
  c0=$(cpu_ticks "$pid"); t0=$(date +%s.%N)
  out=$(timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" 2>&1) || true
  c1=$(cpu_ticks "$pid"); t1=$(date +%s.%N)
  echo "$out" >"$OUT/wrk-${name//[^A-Za-z0-9_-]/_}-r$round.txt"
  local rps p50 p99 non2xx errs cpu hwm reqs us
  rps=$(awk '/^Requests\/sec:/{printf "%.0f",$2}' <<<"$out")
  # Server CPU (user + system, /proc/PID/stat) per request answered during the measured run.
  reqs=$(awk '/ requests in /{print $1}' <<<"$out")
  us=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v n="${reqs:-0}" 'BEGIN{ if (n>0) printf "%.2f", 1e6*(b-a)/hz/n; else print "nan" }')
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' <<<"$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  errs=$(awk -F'Socket errors: ' '/Socket errors:/{print $2}' <<<"$out" | tr -d ' '); errs=${errs:-none}
  cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" 'BEGIN{printf "%.0f", 100*(b-a)/hz/(t1-t0)}')
  hwm=$(hwm_kb "$pid")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "${rps:-0}" "$p50" "$p99" "$hwm" "$cpu" "$non2xx" "$errs" "$us" >>"$RESULTS"
  log "$(printf 'r%s %-40s %8s req/s  p50 %7s ms  p99 %7s ms  peak RSS %6.1f MiB  CPU %s%%  %s us CPU/request  non-2xx %s' \
    "$round" "$name" "${rps:-0}" "$p50" "$p99" "$(awk -v k="$hwm" 'BEGIN{print k/1024}')" "$cpu" "$us" "$non2xx")"
}

# Cookies survive server restarts (same secret, same database files), so sign in once per setup.
# Sets CASE_COOKIE (not a command substitution: the cache must outlive the call).
declare -A COOKIE
CASE_COOKIE=""
cookie_for() { # setup api-url session|browser
  if [ "$1" = v4-database ]; then
    # v4 refuses credentials under the database strategy, and its in-memory adapter is new in
    # every process: seed a user and a session, as an OAuth sign-in would.
    local tok
    tok=$(curl -s -m 10 -X POST "${2%/api/auth}/__bench/seed")
    CASE_COOKIE="next-auth.session-token=$tok"
    return
  fi
  if [ -z "${COOKIE[$1/$3]:-}" ]; then
    local jar
    jar=$(sign_in "$2" "$3")
    [[ "$jar" == *next-auth.session-token=?* ]] ||
      die "$1: credentials sign-in gave no session cookie (see $OUT/server-*.log)"
    COOKIE[$1/$3]="$jar"
  fi
  CASE_COOKIE="${COOKIE[$1/$3]}"
}

check_session() { # name api-url cookie
  local body
  body=$(curl -s -m 10 -H "Cookie: $3" "$2/session")
  grep -q '"user"' <<<"$body" || die "$1: the session cookie is not accepted: $body"
}

# case name | server setup | path | cookies: no, session (the session token alone, what the
# targets are measured with), browser (every cookie a signed-in browser holds: the csrf and
# callback-url cookies then need no re-issue) | optional request headers, separated by ^. The
# pairs that make a ratio run next to each other.
FORWARDED="X-Forwarded-Proto: http^X-Forwarded-Host: app.example.test^X-Forwarded-Uri: /dashboard?tab=1^Accept: text/html"
CASES=(
  "axum hello (bare handler)|hello|/hello|no"
  "axum, constant bytes shaped like GET session|hello|/session-sized|no"
  "nextauth GET session (valid JWT cookie)|nextauth-jwt|/session|session"
  "nextauth forward-auth (valid JWT cookie, trusted proxy)|nextauth-jwt-fa|/forward-auth|session|$FORWARDED"
  "nextauth GET csrf (no cookie)|nextauth-jwt|/csrf|no"
  "nextauth GET session (valid JWT cookie, revocation on)|nextauth-jwt-revoke|/session|session"
  "nextauth GET session (valid JWT cookie, revocation on, nothing revoked)|nextauth-jwt-sid|/session|session"
  "NextAuth v4 GET session (valid JWT cookie)|v4-jwt|/session|session"
  "NextAuth v4 GET session (database, in-memory adapter)|v4-database|/session|session"
  "nextauth GET session (database, SQLite)|nextauth-sqlite|/session|session"
  "nextauth GET session (database, PostgreSQL, session cache)|nextauth-pg|/session|session"
  "nextauth GET session (database, PostgreSQL, session_cache = 0s)|nextauth-pg-nocache|/session|session"
  "nextauth GET session (no cookie)|nextauth-jwt|/session|no"
  "nextauth GET providers|nextauth-jwt|/providers|no"
  "nextauth GET session (JWT, browser cookie set)|nextauth-jwt|/session|browser"
  "NextAuth v4 GET session (JWT, browser cookie set)|v4-jwt|/session|browser"
  "axum hello, 1 Tokio worker|hello-1w|/hello|no"
  "nextauth GET session (valid JWT cookie), 1 Tokio worker|nextauth-jwt-1w|/session|session"
)

if [ -n "${CASES_ONLY:-}" ]; then
  kept=()
  for c in "${CASES[@]}"; do grep -Eq -- "$CASES_ONLY" <<<"${c%%|*}" && kept+=("$c"); done
  CASES=("${kept[@]}")
  log "CASES_ONLY: ${#CASES[@]} case(s)"
fi
for i in $(seq 1 20); do
  (cd "$DATA" && NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= "$NEXTAUTH" sessions revoke \
    --user "bench-other-$i" --config "$DATA/jwt-revoke.toml" >/dev/null) || die "sessions revoke failed"
done

log "load: wrk -t$THREADS -c$CONNS -d$DURATION --latency after a $WARMUP warm-up, $ROUNDS rounds; uptime: $(uptime)"
for round in $(seq 1 "$ROUNDS"); do
  for c in "${CASES[@]}"; do
    IFS='|' read -r name setup path wants_cookie more <<<"$c"
    [[ "$setup" == nextauth-pg* ]] && [ -z "$PG_URL" ] && continue
    [[ "$setup" == v4-* ]] && [ "$REFERENCE" = 0 ] && continue
    start_server "$setup" "$setup-r$round"
    cookie=""
    if [ "$wants_cookie" != no ]; then
      cookie_for "$setup" "$SERVER_URL" "$wants_cookie"
      cookie=$CASE_COOKIE
      check_session "$name" "$SERVER_URL" "$cookie"
    fi
    if [ "$path" = /forward-auth ]; then
      # The cookie must pass: a 200 with the identity, not the 302 of a signed-out browser.
      code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" -H "X-Forwarded-Host: app.example.test" "$SERVER_URL$path")
      [ "$code" = 200 ] || die "$name: forward-auth answered $code, not 200"
    fi
    measure "$name" "$round" "$SERVER_URL$path" "$SERVER_PID" "$cookie" "${more:-}"
    stop "$SERVER_PID"
  done
done

# ---- start to first answer -------------------------------------------------------------------
log "start to first answer: $STARTS starts of nextauth (JWT config, existing SQLite file)"
cat >"$OUT/first-answer.mjs" <<'EOF'
// Spawns the server, then loops (tight, bounded: 5 s) on GET session until the first 200.
import { spawn } from "node:child_process";
import net from "node:net";
const [bin, cfg, cwd, starts] = process.argv.slice(2);
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
const attempt = (port) => new Promise((resolve) => {
  const sock = net.connect({ port, host: "127.0.0.1" });
  let buf = "";
  sock.on("connect", () => sock.write("GET /api/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  sock.on("data", (d) => { buf += d; if (buf.includes("\r\n")) { sock.destroy(); resolve(buf.startsWith("HTTP/1.1 200")); } });
  sock.on("error", () => resolve(false));
  sock.on("close", () => resolve(buf.startsWith("HTTP/1.1 200")));
});
const times = [];
for (let i = 0; i < Number(starts); i++) {
  const port = await freePort();
  const env = { ...process.env, RUST_LOG: "warn", NEXTAUTH_URL: "", NEXTAUTH_SECRET: "", DATABASE_URL: "" };
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ["--config", cfg, "--listen", `127.0.0.1:${port}`], { cwd, env, stdio: "ignore" });
  let ok = false;
  for (let n = 0; n < 100000 && process.hrtime.bigint() - t0 < 5_000_000_000n; n++) {
    if (await attempt(port)) { ok = true; break; }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  if (!ok) { console.error(`start ${i + 1}: no 200 within 5 s`); process.exit(1); }
  times.push(ms);
}
console.log(times.map((t) => t.toFixed(1)).join(" "));
EOF
START_TIMES=$(timeout 120 node "$OUT/first-answer.mjs" "$NEXTAUTH" "$DATA/jwt.toml" "$DATA" "$STARTS")
echo "$START_TIMES" >"$OUT/first-answer.txt"

# ---- report ----------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR]=$1} END{ if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2} }'; }
col() { # case column
  awk -F'\t' -v n="$1" -v c="$2" '$1==n{print $c}' "$RESULTS"
}
med() { col "$1" "$2" | median; }
range() { col "$1" "$2" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END{printf "%s–%s", lo, hi}'; }

REPORT="$OUT/report.md"
{
  echo "### bench/load.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/Mem:/{printf "%.1f GiB", $2/1024}') RAM, $(uname -r)."
  echo "Load: wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') -t$THREADS -c$CONNS -d$DURATION --latency after a $WARMUP warm-up, on the same cores as the server;"
  echo "each figure is the median of $ROUNDS rounds (fresh server process per round); rustc $(rustc --version | awk '{print $2}'), node $(node --version), NextAuth v4 shim: $NEXT_SHIM."
  echo
  SAME_BYTES="axum, constant bytes shaped like GET session"
  sb_us=$(med "$SAME_BYTES" 10)
  echo "Server CPU µs/request: the server's user + system CPU time (/proc/PID/stat) over the measured"
  echo "run divided by the requests wrk counted; × same-bytes: that figure over the constant-bytes"
  echo "handler's in this run (issue 17: ≤ 1.3 for GET session JWT, forward-auth, GET csrf)."
  echo
  echo "| case | req/s (median) | req/s (min–max) | p50 ms | p99 ms | peak RSS MiB | server CPU % | CPU µs/request | × same-bytes | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for c in "${CASES[@]}"; do
    name=${c%%|*}
    [ -n "$(col "$name" 3)" ] || continue
    us=$(med "$name" 10)
    printf '| %s | %s | %s | %s | %s | %.1f | %s | %s | %s | %s |\n' "$name" "$(med "$name" 3)" "$(range "$name" 3)" \
      "$(med "$name" 4)" "$(med "$name" 5)" "$(awk -v k="$(med "$name" 6)" 'BEGIN{print k/1024}')" \
      "$(med "$name" 7)" "$us" "$(awk -v a="$us" -v b="$sb_us" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.2f", a/b; else print "n/a" }')" \
      "$(col "$name" 8 | awk '{s+=$1} END{print s+0}')"
  done
  echo
  START_MED=$(tr ' ' '\n' <<<"$START_TIMES" | median)
  echo "Start to first answer (nextauth, spawn → first 200 of GET session): median ${START_MED} ms of $STARTS starts ($START_TIMES)."
  echo
  jwt=$(med "nextauth GET session (valid JWT cookie)" 3)
  jwt_p99=$(med "nextauth GET session (valid JWT cookie)" 5)
  jwt_hwm=$(med "nextauth GET session (valid JWT cookie)" 6)
  sqlite=$(med "nextauth GET session (database, SQLite)" 3)
  hello=$(med "axum hello (bare handler)" 3)
  v4jwt=$(med "NextAuth v4 GET session (valid JWT cookie)" 3)
  v4db=$(med "NextAuth v4 GET session (database, in-memory adapter)" 3)
  verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN{ if (a=="nan"||b=="nan"||a==""||b=="") {print "n/a"} else if ((op==">=" && a+0>=b+0) || (op=="<=" && a+0<=b+0)) print "met"; else print "MISSED" }'; }
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.1f", a/b; else print "nan" }'; }
  echo "| target (issue 6) | measured | verdict |"
  echo "|---|---:|---|"
  r=$(ratio "$jwt" "$v4jwt"); echo "| GET session, JWT: ≥ 30× NextAuth v4 | ${r}× ($jwt vs $v4jwt req/s) | $(verdict "$r" ">=" 30) |"
  r=$(awk -v a="$jwt" -v b="$hello" 'BEGIN{ if (b+0>0) printf "%.0f", 100*a/b; else print "nan" }')
  echo "| GET session, JWT: ≥ 60 % of the bare axum handler | ${r} % ($jwt vs $hello req/s) | $(verdict "$r" ">=" 60) |"
  echo "| GET session, JWT: p99 ≤ 2 ms at $CONNS connections | $jwt_p99 ms | $(verdict "$jwt_p99" "<=" 2) |"
  m=$(awk -v k="$jwt_hwm" 'BEGIN{printf "%.1f", k/1024}')
  echo "| peak RSS under that load ≤ 20 MB | $m MiB | $(verdict "$m" "<=" 19.07) |"
  r=$(ratio "$sqlite" "$v4db"); echo "| GET session, database on SQLite: ≥ 10× v4 with its in-memory adapter | ${r}× ($sqlite vs $v4db req/s) | $(verdict "$r" ">=" 10) |"
  revoke=$(med "nextauth GET session (valid JWT cookie, revocation on)" 3)
  r=$(awk -v a="$revoke" -v b="$jwt" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.1f", 100*a/b; else print "nan" }')
  echo "| GET session, JWT, revocation on: ≥ 95 % of it off (issue 13) | ${r} % ($revoke vs $jwt req/s) | $(verdict "$r" ">=" 95) |"
  fa=$(med "nextauth forward-auth (valid JWT cookie, trusted proxy)" 3)
  r=$(awk -v a="$fa" -v b="$jwt" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.1f", 100*a/b; else print "nan" }')
  echo "| forward-auth, JWT: ≥ 90 % of GET session (issue 14) | ${r} % ($fa vs $jwt req/s) | $(verdict "$r" ">=" 90) |"
  echo "| process start to first answered request ≤ 50 ms | $START_MED ms | $(verdict "$START_MED" "<=" 50) |"
  echo
  echo "| target (issue 17) | measured | verdict |"
  echo "|---|---:|---|"
  for n in "nextauth GET session (valid JWT cookie)" "nextauth forward-auth (valid JWT cookie, trusted proxy)" "nextauth GET csrf (no cookie)"; do
    us=$(med "$n" 10)
    r=$(awk -v a="$us" -v b="$sb_us" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.2f", a/b; else print "nan" }')
    echo "| $n: CPU/request ≤ 1.3× the same-bytes handler | ${r}× ($us vs $sb_us µs) | $(verdict "$r" "<=" 1.3) |"
  done
  pgc=$(med "nextauth GET session (database, PostgreSQL, session cache)" 3)
  r=$(awk -v a="$pgc" -v b="$jwt" 'BEGIN{ if (b+0>0 && a!="nan") printf "%.0f", 100*a/b; else print "nan" }')
  echo "| GET session, database on PostgreSQL with the session cache: ≥ 70 % of JWT | ${r} % ($pgc vs $jwt req/s) | $(verdict "$r" ">=" 70) |"
  echo
  # The same JWT targets with both servers on one Tokio worker (TOKIO_WORKER_THREADS=1): on two
  # cores with wrk on the same machine, one worker leaves wrk a core of its own.
  w1=$(med "nextauth GET session (valid JWT cookie), 1 Tokio worker" 3)
  w1_p99=$(med "nextauth GET session (valid JWT cookie), 1 Tokio worker" 5)
  h1=$(med "axum hello, 1 Tokio worker" 3)
  if [ "$w1" != nan ]; then
    echo "| tuned: TOKIO_WORKER_THREADS=1 | measured | verdict |"
    echo "|---|---:|---|"
    r=$(ratio "$w1" "$v4jwt"); echo "| GET session, JWT: ≥ 30× NextAuth v4 | ${r}× ($w1 vs $v4jwt req/s) | $(verdict "$r" ">=" 30) |"
    for base in "$hello:default" "$h1:1 worker"; do
      r=$(awk -v a="$w1" -v b="${base%%:*}" 'BEGIN{ if (b+0>0) printf "%.0f", 100*a/b; else print "nan" }')
      echo "| GET session, JWT: ≥ 60 % of bare axum (${base#*:}) | ${r} % ($w1 vs ${base%%:*} req/s) | $(verdict "$r" ">=" 60) |"
    done
    echo "| GET session, JWT: p99 ≤ 2 ms at $CONNS connections | $w1_p99 ms | $(verdict "$w1_p99" "<=" 2) |"
  fi
} >"$REPORT"
cat "$REPORT"
log "written to $OUT (report.md, results.tsv, raw wrk outputs)"
