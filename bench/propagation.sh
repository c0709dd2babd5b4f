#!/usr/bin/env bash
# How long a sign-out on one instance takes to be seen by another (issue 17: within 100 ms), with
# the PostgreSQL session cache on (its default). Two `nextauth` processes on one database
# (nextauth_propagation_i17), database sessions from a credentials sign-in (the testkit webhook).
# Per round: sign in on A, read the session on B twice (so B holds it in its cache), sign out
# on A, then poll B's GET session on a kept-alive connection until it answers {}; the time from
# A's sign-out answer to B's first {} is printed.
#
#   bash bench/propagation.sh            # 20 rounds
#   ROUNDS=50 bash bench/propagation.sh
#
# Env: ROUNDS (20) DATABASE_URL (a PostgreSQL server URL; its database part is replaced),
#      NEXTAUTH_BIN (default target/release/nextauth, else target/callgrind/nextauth).
# Needs: node (the webhook), psql, python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-20}
OUT="$ROOT/target/bench/propagation-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
NEXTAUTH=${NEXTAUTH_BIN:-}
if [ -z "$NEXTAUTH" ]; then
  for b in "$ROOT/target/release/nextauth" "$ROOT/target/callgrind/nextauth"; do
    [ -x "$b" ] && { NEXTAUTH=$b; break; }
  done
fi
NEXTAUTH=$(realpath "$NEXTAUTH")
PG_BASE=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_BASE%/*}
PG="$PG_BASE/nextauth_propagation_i17"
psql -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS nextauth_propagation_i17" -c "CREATE DATABASE nextauth_propagation_i17" >/dev/null

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_url() { # log prefix
  for _ in $(seq 1 300); do
    local u
    u=$(grep -o -m1 "^$2 http://[0-9.:]*" "$1" | grep -o 'http://[0-9.:]*') || true
    [ -n "$u" ] && { echo "$u"; return 0; }
    sleep 0.1
  done
  echo "no '$2' in $1" >&2; return 1
}
: >"$OUT/webhook.log"
AUTHORIZE_PORT=0 node "$ROOT/testkit/node/webhook.mjs" >"$OUT/webhook.log" 2>&1 &
PIDS+=("$!")
HOOK=$(wait_url "$OUT/webhook.log" "listening on")
cat >"$OUT/pg.toml" <<EOF
url = "http://127.0.0.1/api/auth"
secret = "bench-secret-0123456789abcdef-0123456789abcdef"
[session]
strategy = "database"
[rate_limit]
enabled = false
[database]
url = "$PG"
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
for name in a b; do
  : >"$OUT/$name.log"
  (cd "$OUT" && RUST_LOG=warn NEXTAUTH_URL= NEXTAUTH_SECRET= DATABASE_URL= exec "$NEXTAUTH" --config "$OUT/pg.toml" --listen 127.0.0.1:0) >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
done
A=$(wait_url "$OUT/a.log" "nextauth listening on")/api/auth
B=$(wait_url "$OUT/b.log" "nextauth listening on")/api/auth
sleep 1 # both LISTEN connections up

python3 - "$A" "$B" "$ROUNDS" <<'PY'
import http.client, json, re, statistics, sys, time, urllib.parse
a, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def conn(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10), u.path
def req(c, method, path, cookie="", body=None):
    h = {"Cookie": cookie}
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    return r, r.read()
def cookies(r, jar):
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)
ca, pa = conn(a)
cb, pb = conn(b)
times = []
for i in range(rounds):
    jar = {}
    r, body = req(ca, "GET", pa + "/csrf"); ck = cookies(r, jar)
    token = json.loads(body)["csrfToken"]
    form = urllib.parse.urlencode({"username": "alice", "password": "password", "csrfToken": token})
    r, _ = req(ca, "POST", pa + "/callback/credentials", ck, form); ck = cookies(r, jar)
    assert jar.get("next-auth.session-token"), "no session cookie"
    for _ in range(2):
        r, body = req(cb, "GET", pb + "/session", ck)
        assert b'"user"' in body, body
    r, _ = req(ca, "POST", pa + "/signout", ck, urllib.parse.urlencode({"csrfToken": token}))
    t0 = time.perf_counter()
    while True:
        r, body = req(cb, "GET", pb + "/session", ck)
        if body.strip() == b"{}":
            break
        if time.perf_counter() - t0 > 10:
            sys.exit("B still answers the session 10 s after the sign-out")
    times.append(1000 * (time.perf_counter() - t0))
times.sort()
print(f"sign-out on A seen by B after (ms, {rounds} rounds): median {statistics.median(times):.2f}, "
      f"max {times[-1]:.2f}, all: {' '.join(f'{t:.2f}' for t in times)}")
PY
