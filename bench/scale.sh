#!/usr/bin/env bash
# Cost as data grows (issue 17 part 3). Not part of .ci/run: it fills databases with millions of
# rows.
#
#   bash bench/scale.sh                 # ROWS=1000000, REQS=10000 (about 6 minutes)
#   ROWS=100000 REQS=3000 bash bench/scale.sh     # a quicker look
#
# 1. Fills PostgreSQL (database nextauth_scale_i17 on DATABASE_URL's server, or
#    127.0.0.1:5432) and a SQLite file with ROWS users, ROWS accounts and ROWS sessions (one
#    INSERT ... SELECT each: generate_series on PostgreSQL, a recursive CTE on SQLite), after
#    `nextauth` created the tables; beside them the same databases left empty but for one user
#    and one session.
# 2. Prints the plan (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of every lookup of
#    GET session (database strategy), an OAuth sign-in of an existing user (getUserByAccount,
#    then createSession) and an e-mail sign-in (useVerificationToken, getUserByEmail,
#    updateUser, createSession), and of sign-out and `sessions revoke`.
# 3. GET session (database strategy; on PostgreSQL with `session_cache = "0s"`, so every request
#    is a query) over one keep-alive connection, REQS requests cycling through 1000 distinct
#    sessions (random rows of the full database; the one row of the empty one): wall-clock µs per
#    request (bench/keepalive.py, client included) and the server's CPU µs per request
#    (/proc/PID/stat), full vs empty.
# 4. RSS under 10 000 distinct live sessions: PostgreSQL with the session cache on (its default)
#    and off, 3 passes over 10 000 distinct session cookies; VmRSS after each pass and VmHWM at the end
#    (target <= 20 MB, not growing from pass to pass: the cache is bounded).
# 5. 50 providers: GET providers and GET signin (the sign-in page) with 1 and with 50 OIDC
#    providers configured: server CPU µs and wall µs per request.
#
# Env: ROWS (1000000) REQS (10000) DATABASE_URL (a PostgreSQL server URL; its database part is
#      replaced), NEXTAUTH_BIN (default target/release/nextauth, else target/callgrind/nextauth),
#      SKIP_PG=1.
# Needs: psql, sqlite3, python3. Writes target/bench/scale-<UTC time>/report.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ROWS=${ROWS:-1000000}
REQS=${REQS:-10000}
SECRET="bench-secret-0123456789abcdef-0123456789abcdef"
CLK_TCK=$(getconf CLK_TCK)
OUT="$ROOT/target/bench/scale-$(date -u +%Y%m%dT%H%M%SZ)"
DATA="$OUT/data"
mkdir -p "$DATA"
REPORT="$OUT/report.md"
: >"$REPORT"
say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/scale.sh: %s\n' "$*" >&2; exit 1; }

NEXTAUTH=${NEXTAUTH_BIN:-}
if [ -z "$NEXTAUTH" ]; then
  for b in "$ROOT/target/release/nextauth" "$ROOT/target/callgrind/nextauth"; do
    [ -x "$b" ] && { NEXTAUTH=$b; break; }
  done
fi
NEXTAUTH=$(realpath "$NEXTAUTH" 2>/dev/null || echo "$NEXTAUTH")
[ -n "$NEXTAUTH" ] && [ -x "$NEXTAUTH" ] || die "no nextauth binary: cargo build --release -p nextauth-server --bin nextauth"
command -v sqlite3 >/dev/null || die "sqlite3 is needed"

PG_BASE=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_BASE%/*}
PG_FULL="$PG_BASE/nextauth_scale_i17"
PG_EMPTY="$PG_BASE/nextauth_scale_empty_i17"
if [ -z "${SKIP_PG:-}" ] && ! timeout 10 psql -qAt "$PG_BASE/postgres" -c 'SELECT 1' >/dev/null 2>&1; then
  log "no PostgreSQL at $PG_BASE: PostgreSQL is left out"
  SKIP_PG=1
fi

SERVER_PID=""
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

config() { # strategy database-url [[database] lines] [top-level lines and tables]
  cat <<EOF
url = "http://127.0.0.1/api/auth"
secret = "$SECRET"
${4:-}
[session]
strategy = "$1"
[rate_limit]
enabled = false
[database]
url = "$2"
${3:-}
EOF
}

start() { # config-file name
  local log="$OUT/server-$2.log"
  : >"$log"
  (cd "$DATA" && RUST_LOG=warn NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= \
    exec "$NEXTAUTH" --config "$1" --listen 127.0.0.1:0) >"$log" 2>&1 &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 300); do
    URL=$(grep -o -m1 'listening on http://[0-9.:]*' "$log" | sed 's/listening on //') || true
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  die "$2: the server did not start: $(tail -3 "$log")"
}
stop() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
ticks() { awk '{print $14+$15}' "/proc/$SERVER_PID/stat"; }

# Runs the client; prints "wall-µs/request cpu-µs/request".
measure() { # path n [header...]
  local path=$1 n=$2
  shift 2
  local c0 c1 wall
  c0=$(ticks)
  wall=$(python3 "$ROOT/bench/keepalive.py" "$URL$path" "$n" "$@" 2>>"$OUT/client.log") ||
    die "client failed on $path: $(tail -2 "$OUT/client.log")"
  c1=$(ticks)
  awk -v w="$wall" -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v n="$n" 'BEGIN{printf "%s %.1f\n", w, 1e6*(b-a)/hz/n}'
}

# ---- 1. fill ---------------------------------------------------------------------------------
NOW_MS=$(($(date +%s) * 1000))
EXP_MS=$((NOW_MS + 30 * 86400 * 1000))
fill_sqlite() { # file rows
  sqlite3 "$1" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO users (id, name, email)
  WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $2)
  SELECT x, 'User ' || x, 'user' || x || '@example.com' FROM g;
INSERT INTO accounts ("userId", type, provider, "providerAccountId")
  WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $2)
  SELECT x, 'oidc', 'idp', 'sub-' || x FROM g;
INSERT INTO sessions ("userId", expires, "sessionToken")
  WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $2)
  SELECT x, $EXP_MS, 'tok-' || x FROM g;
COMMIT;
ANALYZE;
SQL
}
fill_pg() { # url rows
  timeout 1800 psql -q -v ON_ERROR_STOP=1 "$1" <<SQL
INSERT INTO users (name, email)
  SELECT 'User ' || g, 'user' || g || '@example.com' FROM generate_series(1, $2) g;
INSERT INTO accounts ("userId", type, provider, "providerAccountId")
  SELECT g, 'oidc', 'idp', 'sub-' || g FROM generate_series(1, $2) g;
INSERT INTO sessions ("userId", expires, "sessionToken")
  SELECT g, now() + interval '30 days', 'tok-' || g FROM generate_series(1, $2) g;
ANALYZE;
SQL
}

log "SQLite: creating the tables and filling $ROWS rows each"
for kind in full empty; do
  config database "sqlite://$DATA/$kind.db" >"$DATA/sqlite-$kind.toml"
  start "$DATA/sqlite-$kind.toml" "migrate-sqlite-$kind"
  stop
done
t=$(date +%s.%N)
fill_sqlite "$DATA/full.db" "$ROWS"
fill_sqlite "$DATA/empty.db" 1
FILL_SQLITE=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')
if [ -z "${SKIP_PG:-}" ]; then
  log "PostgreSQL: creating the tables and filling $ROWS rows each"
  for db in nextauth_scale_i17 nextauth_scale_empty_i17; do
    psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  done
  for kind in full empty; do
    u=$PG_FULL; [ $kind = empty ] && u=$PG_EMPTY
    config database "$u" 'session_cache = "0s"' >"$DATA/pg-$kind.toml"
    start "$DATA/pg-$kind.toml" "migrate-pg-$kind"
    stop
  done
  t=$(date +%s.%N)
  fill_pg "$PG_FULL" "$ROWS"
  fill_pg "$PG_EMPTY" 1
  FILL_PG=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')
fi

say "### bench/scale.sh, $(date -u +%Y-%m-%dT%H:%MZ), ROWS=$ROWS, REQS=$REQS"
say ""
say "Filled in ${FILL_SQLITE} s (SQLite)${FILL_PG:+, ${FILL_PG} s (PostgreSQL)}; $(uptime | sed 's/^ *//')."
say ""

# ---- 2. plans ----------------------------------------------------------------------------------
# The statements of crates/nextauth-sqlx/src/layout.rs (the @auth/pg-adapter layout).
LOOKUPS=(
  'getSessionAndUser (GET session)|SELECT s."sessionToken", s.expires, u.id, u.name, u.email, u."emailVerified", u.image FROM sessions s JOIN users u ON u.id = s."userId" WHERE s."sessionToken" = $1|text|'"'tok-4242'"
  'getUserByAccount (OAuth sign-in)|SELECT u.id, u.name, u.email, u."emailVerified", u.image FROM accounts a JOIN users u ON u.id = a."userId" WHERE a.provider = $1 AND a."providerAccountId" = $2|text,text|'"'idp','sub-4242'"
  'getUserByEmail (e-mail sign-in)|SELECT id, name, email, "emailVerified", image FROM users WHERE email = $1|text|'"'user4242@example.com'"
  'getUser|SELECT id, name, email, "emailVerified", image FROM users WHERE id = $1|int|4242'
  'updateUser (e-mail sign-in)|UPDATE users SET name = $1 WHERE id = $2|text,int|'"'x',4242"
  'useVerificationToken (e-mail sign-in)|DELETE FROM verification_token WHERE identifier = $1 AND token = $2 RETURNING identifier, token, expires|text,text|'"'a','b'"
  'updateSession (rolling expiry)|UPDATE sessions SET expires = expires WHERE "sessionToken" = $1|text|'"'tok-4242'"
  'deleteSession (sign-out)|DELETE FROM sessions WHERE "sessionToken" = $1|text|'"'tok-4242'"
  'getAccount (federated logout)|SELECT id FROM accounts WHERE "userId" = $1 AND provider = $2|int,text|'"4242,'idp'"
  'deleteUserSessions (sessions revoke)|DELETE FROM sessions WHERE "userId" = $1|int|4242'
)
say "#### Plans of the lookups ($ROWS rows)"
say ""
for l in "${LOOKUPS[@]}"; do
  IFS='|' read -r what sql types args <<<"$l"
  lite=$(sed 's/\$[0-9]/?/g' <<<"$sql")
  say "- **$what**"
  say '  - SQLite: `'"$(sqlite3 "$DATA/full.db" "EXPLAIN QUERY PLAN $lite" | grep -v '^QUERY PLAN' | sed -n 's/^[|` -]*//p' | sed -E 's/ +/ /g' | paste -sd ';' -)"'`'
  if [ -z "${SKIP_PG:-}" ]; then
    # Inside a rolled-back transaction: the writes change nothing.
    plan=$(psql -qAt "$PG_FULL" -c "BEGIN" -c "PREPARE q($types) AS $sql" -c "EXPLAIN (COSTS OFF) EXECUTE q($args)" -c "ROLLBACK" | sed -E "s/ +/ /g; s/^ //" | paste -sd ';' -)
    say '  - PostgreSQL: `'"$plan"'`'
  fi
done
say ""

# ---- 3. GET session, full vs empty -----------------------------------------------------------
python3 - "$ROWS" >"$DATA/cookies-full.txt" <<'PY'
import random, sys
random.seed(17)
rows = int(sys.argv[1])
for _ in range(1000):
    print(f"next-auth.session-token=tok-{random.randint(1, rows)}")
PY
echo "next-auth.session-token=tok-1" >"$DATA/cookies-empty.txt"
say "#### GET session (database strategy) over one keep-alive connection, $REQS requests"
say ""
say "| database | rows | wall µs/request | server CPU µs/request |"
say "|---|---:|---:|---:|"
backends=(sqlite)
[ -z "${SKIP_PG:-}" ] && backends+=(pg)
for b in "${backends[@]}"; do
  for kind in empty full; do
    start "$DATA/$b-$kind.toml" "session-$b-$kind"
    COOKIES="$DATA/cookies-$kind.txt" measure /api/auth/session 200 >/dev/null # warm-up
    read -r wall cpu < <(COOKIES="$DATA/cookies-$kind.txt" measure /api/auth/session "$REQS")
    stop
    rows=1; [ $kind = full ] && rows=$ROWS
    say "| $b | $rows | $wall | $cpu |"
  done
done
say ""

# ---- 4. RSS under 10 000 distinct live sessions ----------------------------------------------
if [ -z "${SKIP_PG:-}" ]; then
  python3 - "$ROWS" >"$DATA/cookies-10k.txt" <<'PY'
import sys
rows = int(sys.argv[1])
for i in range(1, min(10000, rows) + 1):
    print(f"next-auth.session-token=tok-{(i * 97) % rows + 1}")
PY
  config database "$PG_FULL" >"$DATA/pg-cache.toml" # session_cache: its default (on)
  say "#### RSS under 10 000 distinct live sessions (PostgreSQL)"
  say ""
  for setup in pg-cache pg-full; do
    start "$DATA/$setup.toml" "rss-$setup"
    rss=()
    for pass in 1 2 3; do
      COOKIES="$DATA/cookies-10k.txt" measure /api/auth/session 10000 >/dev/null
      rss+=("$(awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status")")
    done
    hwm=$(awk '/^VmHWM/{printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status")
    stop
    what="session cache on (default)"; [ $setup = pg-full ] && what='session_cache = "0s"'
    say "- $what: VmRSS after each pass of 10 000 sessions ${rss[*]} MiB; peak (VmHWM) $hwm MiB (target ≤ 20 MB = 19.07 MiB, not growing)."
  done
  say ""
fi

# ---- 5. 50 providers -------------------------------------------------------------------------
providers() { # count
  for i in $(seq 1 "$1"); do
    printf '[[providers]]\nid = "idp%s"\nname = "IdP %s"\ntype = "oidc"\nissuer = "https://idp%s.example.test"\nclient_id = "client-%s"\nclient_secret = "secret-%s"\n' "$i" "$i" "$i" "$i" "$i"
  done
}
say "#### Providers configured: GET providers and GET signin, $REQS requests each"
say ""
say "| providers | path | wall µs/request | server CPU µs/request |"
say "|---:|---|---:|---:|"
for count in 1 50; do
  { config jwt "sqlite://$DATA/providers.db"; providers "$count"; } >"$DATA/providers-$count.toml"
  start "$DATA/providers-$count.toml" "providers-$count"
  for path in /api/auth/providers /api/auth/signin; do
    measure "$path" 100 >/dev/null
    read -r wall cpu < <(measure "$path" "$REQS")
    say "| $count | $path | $wall | $cpu |"
  done
  stop
done
say ""
log "written to $REPORT"
