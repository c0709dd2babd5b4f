#!/usr/bin/env bash
# The project's test command: installs whatever is missing (and only that), then runs the
# whole workspace's tests with cargo-nextest, then its doctests (`cargo test --doc`).
#
#   bash scripts/test.sh                  # cargo nextest run --workspace --no-fail-fast --retries 0,
#                                         # then cargo test --doc --workspace
#   bash scripts/test.sh -p testkit       # arguments (an optional leading `--` is dropped) go to
#   bash scripts/test.sh -- -p testkit    # nextest instead of --workspace (no doctests then)
#   bash scripts/test.sh --preflight      # only the CI checks below, before anything is built
#
# Installs when missing: Node.js (Debian package; Node >= 20 is required), the Node peers in
# testkit/node and testkit/adapters (npm ci), cargo-nextest (cargo install; outside CI falls back to `cargo test` if
# that fails), nginx and caddy (Debian packages, for the forward-auth tests), a PostgreSQL server
# on 127.0.0.1:5432 with trust auth and a database `test` (skipped when DATABASE_URL is set or
# something already listens on 127.0.0.1:5432), and a Redis server on 127.0.0.1:6379 (Debian's
# redis-server, started in the background with no persistence; skipped when something already
# listens there) for the rate limits' Redis store, MariaDB on 127.0.0.1:3306 (Debian's
# mariadb-server, root without password over TCP, a database `test`; skipped when something
# already listens there) for the MySQL layouts, and the session readers' examples (npm ci in
# examples/express; a Python venv under the target dir from examples/python/requirements.txt,
# python3-venv from Debian when `python3 -m venv` cannot work).
# Meant for a Debian machine as root (as CI runs it); works unattended (no stdin needed).
#
# Skips: NEXTAUTH_SKIP_E2E=1 (the browser suite and the Next.js smoke test) and
# NEXTAUTH_SKIP_POSTGRES=1 (every test whose name contains `postgres`) and NEXTAUTH_SKIP_REDIS=1
# (every test whose name contains `redis`) and NEXTAUTH_SKIP_MYSQL=1 (every test whose name
# contains `mysql`) select a profile of
# .config/nextest.toml that filters those tests out, so the summary counts them as skipped, not
# passed. Under CI=true (any value but empty, 0 or false) a skip is an error, and so is a missing
# cargo-nextest: CI runs every test and reads nextest's summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

is_on() { case "${1:-}" in 1 | true) return 0 ;; *) return 1 ;; esac; }
in_ci() { case "${CI:-}" in "" | 0 | false) return 1 ;; *) return 0 ;; esac; }

SKIP_E2E=0
SKIP_POSTGRES=0
SKIP_REDIS=0
SKIP_MYSQL=0
SKIPS=()
if is_on "${NEXTAUTH_SKIP_E2E:-}"; then
  SKIP_E2E=1
  SKIPS+=("NEXTAUTH_SKIP_E2E=${NEXTAUTH_SKIP_E2E} (the browser suite, the Next.js smoke test and the forward-auth browser test)")
fi
if is_on "${NEXTAUTH_SKIP_POSTGRES:-}"; then
  SKIP_POSTGRES=1
  SKIPS+=("NEXTAUTH_SKIP_POSTGRES=${NEXTAUTH_SKIP_POSTGRES} (every PostgreSQL test)")
fi
if is_on "${NEXTAUTH_SKIP_REDIS:-}"; then
  SKIP_REDIS=1
  SKIPS+=("NEXTAUTH_SKIP_REDIS=${NEXTAUTH_SKIP_REDIS} (every Redis test)")
fi
if is_on "${NEXTAUTH_SKIP_MYSQL:-}"; then
  SKIP_MYSQL=1
  SKIPS+=("NEXTAUTH_SKIP_MYSQL=${NEXTAUTH_SKIP_MYSQL} (every MySQL/MariaDB test)")
fi

# CI must run everything: refuse before installing or building anything.
check_ci() {
  if in_ci && [ "${#SKIPS[@]}" -gt 0 ]; then
    local s
    for s in "${SKIPS[@]}"; do printf 'scripts/test.sh: CI=%s but %s would be skipped\n' "$CI" "$s" >&2; done
    die "CI runs every test: unset the NEXTAUTH_SKIP_* variables above"
  fi
}
check_ci
if [ "${1:-}" = "--preflight" ]; then exit 0; fi

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "installing (apt): $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_cargo() {
  if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) first"
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js >= 20 is required by testkit/node (found $(node --version))"
}

# The real peers the Rust tests talk to: testkit/node (next-auth, oidc-provider, smtp-server) and
# testkit/adapters (the real NextAuth adapters: Prisma, Drizzle, pg-adapter, with their drivers).
ensure_node_deps() {
  local dir
  for dir in "$ROOT/testkit/node" "$ROOT/testkit/adapters"; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "installing Node test peers: npm ci in ${dir#"$ROOT"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

NEXTEST=1
ensure_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then return; fi
  log "installing cargo-nextest (cargo install cargo-nextest --locked)"
  if ! cargo install cargo-nextest --locked; then
    # cargo test's output ends differently (no nextest summary, no skip counts): not for CI.
    in_ci && die "CI=$CI: cargo-nextest could not be installed, and CI does not fall back to cargo test"
    log "cargo-nextest could not be installed: falling back to cargo test"
    NEXTEST=0
  fi
}

redis_listening() { (exec 3<>/dev/tcp/127.0.0.1/6379) >/dev/null 2>&1; }

# Redis on 127.0.0.1:6379 (the rate limits' `redis://` store; tests whose name contains `redis`),
# no persistence, in the background. Skipped with NEXTAUTH_SKIP_REDIS=1.
ensure_redis() {
  if [ "$SKIP_REDIS" -eq 1 ]; then return; fi
  if redis_listening; then return; fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
  local i
  for i in $(seq 1 50); do
    redis_listening && break
    sleep 0.1
  done
  redis_listening || die "Redis did not start listening on 127.0.0.1:6379"
}

mysql_listening() { (exec 3<>/dev/tcp/127.0.0.1/3306) >/dev/null 2>&1; }

# MariaDB on 127.0.0.1:3306 (the MySQL layouts' tests, whose name contains `mysql`): Debian's
# mariadb-server, started in the background; root may connect over TCP without a password (as
# nextauth_sqlx::testing expects) and a database `test` exists. Skipped with NEXTAUTH_SKIP_MYSQL=1
# or when something already listens there.
ensure_mysql() {
  if [ "$SKIP_MYSQL" -eq 1 ]; then return; fi
  if mysql_listening; then return; fi
  [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  "${SUDO[@]}" mkdir -p /run/mysqld
  "${SUDO[@]}" chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    "${SUDO[@]}" mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  log "starting MariaDB on 127.0.0.1:3306"
  "${SUDO[@]}" sh -c '/usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 >/tmp/nextauth-mariadb.log 2>&1 &'
  local i
  for i in $(seq 1 100); do
    mysql_listening && break
    sleep 0.1
  done
  mysql_listening || die "MariaDB did not start listening on 127.0.0.1:3306 (see /tmp/nextauth-mariadb.log)"
  # Over the socket as the system's root (unix_socket auth), let root in over TCP too.
  "${SUDO[@]}" mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; CREATE DATABASE IF NOT EXISTS test;"
}

pg_listening() { (exec 3<>/dev/tcp/127.0.0.1/5432) >/dev/null 2>&1; }

# PostgreSQL on 127.0.0.1:5432, trust auth for local connections, database `test`
# (what crates/testkit's postgres::database_url() expects).
ensure_postgres() {
  if [ "$SKIP_POSTGRES" -eq 1 ]; then return; fi
  if [ -n "${DATABASE_URL:-}" ]; then return; fi
  if pg_listening; then return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  local ver
  ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
  [ -n "$ver" ] || die "no PostgreSQL server found under /usr/lib/postgresql"
  if [ ! -d "/etc/postgresql/$ver/main" ]; then
    log "creating PostgreSQL $ver cluster 'main' on port 5432"
    "${SUDO[@]}" pg_createcluster --port 5432 "$ver" main
  fi
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! "${SUDO[@]}" grep -q 'scripts/test.sh' "$hba"; then
    log "PostgreSQL $ver: trust auth for local connections (prepended to $hba)"
    { printf '%s\n' \
        '# Added by scripts/test.sh: local test database, trust auth (first matching line wins).' \
        'local   all   all                 trust' \
        'host    all   all   127.0.0.1/32  trust' \
        'host    all   all   ::1/128       trust' \
        ''
      "${SUDO[@]}" cat "$hba"
    } | "${SUDO[@]}" tee "$hba.new" >/dev/null
    "${SUDO[@]}" mv "$hba.new" "$hba"
    "${SUDO[@]}" chown postgres:postgres "$hba"
    "${SUDO[@]}" chmod 640 "$hba"
  fi
  log "starting PostgreSQL $ver cluster 'main'"
  "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null \
    || "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  local _
  for _ in $(seq 1 60); do
    pg_listening && break
    sleep 0.5
  done
  pg_listening || die "PostgreSQL did not start listening on 127.0.0.1:5432"
  if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
    log "creating database 'test'"
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
  fi
}

# Debian's Chromium for the browser tests (crates/nextauth-server/tests/e2e.rs drives it with
# playwright-core; no browser download). Skipped with NEXTAUTH_SKIP_E2E=1.
ensure_chromium() {
  if [ "$SKIP_E2E" -eq 1 ]; then return; fi
  if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
    [ -x /usr/bin/chromium ] || die "chromium was installed but /usr/bin/chromium is missing"
  fi
  # A CJK font, so that the ja and zh-CN screenshots of e2e/tests/locales.mjs show text, not boxes.
  if ! fc-list :lang=ja 2>/dev/null | grep -q .; then apt_install fonts-wqy-zenhei; fi
}

# The Node packages of the browser tests: e2e/ (next-auth/react, react, esbuild, playwright-core)
# and the Next.js example (next, next-auth). Skipped with NEXTAUTH_SKIP_E2E=1.
ensure_e2e_deps() {
  if [ "$SKIP_E2E" -eq 1 ]; then return; fi
  local dir
  for dir in "$ROOT/e2e" "$ROOT/examples/nextjs"; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "installing Node packages of the browser tests: npm ci in ${dir#"$ROOT"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

# The session readers' examples (crates/nextauth-server/tests/session_readers.rs): npm ci in
# examples/express, and a Python virtual environment at <target dir>/python-session-readers with
# examples/python/requirements.txt (pinned, from PyPI), remade only when that file changed.
ensure_session_readers() {
  local dir="$ROOT/examples/express"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing the Express example's packages: npm ci in examples/express"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  command -v python3 >/dev/null 2>&1 || apt_install python3
  local target="${CARGO_TARGET_DIR:-$ROOT/target}"
  case "$target" in /*) ;; *) target="$ROOT/$target" ;; esac
  local venv="$target/python-session-readers" req="$ROOT/examples/python/requirements.txt"
  if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.installed"; then return; fi
  log "making the Python environment of examples/python: $venv"
  rm -rf "$venv"
  # Debian's python3 lacks ensurepip (so venv fails) until python3-venv is installed.
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.installed"
}

# nginx and Caddy (Debian packages) for the forward-auth tests
# (crates/nextauth-server/tests/forward_auth.rs runs them as plain processes, never as services).
ensure_proxies() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v caddy >/dev/null 2>&1 || missing+=(caddy)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || die "nginx was installed but is missing"
  command -v caddy >/dev/null 2>&1 || die "caddy was installed but is missing"
}

ensure_cargo
ensure_node
ensure_node_deps
ensure_e2e_deps
ensure_nextest
ensure_postgres
ensure_redis
ensure_mysql
ensure_chromium
ensure_proxies
ensure_session_readers

if [ "${1:-}" = "--" ]; then shift; fi
WHOLE=0
if [ "$#" -eq 0 ]; then
  WHOLE=1
  set -- --workspace
fi

# The profile whose default filter leaves out what was asked to be skipped.
PROFILE=default
skipped=()
if [ "$SKIP_E2E" -eq 1 ]; then skipped+=(e2e); fi
if [ "$SKIP_POSTGRES" -eq 1 ]; then skipped+=(postgres); fi
if [ "$SKIP_REDIS" -eq 1 ]; then skipped+=(redis); fi
if [ "$SKIP_MYSQL" -eq 1 ]; then skipped+=(mysql); fi
if [ "${#skipped[@]}" -gt 0 ]; then
  # skip-e2e, skip-postgres-redis, skip-e2e-postgres-redis-mysql, …
  PROFILE="skip-$(IFS=-; echo "${skipped[*]}")"
fi

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

status=0
if [ "$NEXTEST" -eq 0 ]; then
  # Outside CI only. Filtered-out tests show as "filtered out" (libtest matches substrings).
  skip_args=()
  if [ "$SKIP_POSTGRES" -eq 1 ]; then skip_args+=(--skip postgres); fi
  if [ "$SKIP_REDIS" -eq 1 ]; then skip_args+=(--skip redis); fi
  if [ "$SKIP_MYSQL" -eq 1 ]; then skip_args+=(--skip mysql); fi
  if [ "$SKIP_E2E" -eq 1 ]; then
    skip_args+=(--skip browser_suite_next_auth_react_and_built_in_pages
      --skip nextjs_example_builds_and_middleware_reads_the_session
      --skip browser_signs_in_through_nginx_forward_auth)
  fi
  log "cargo test --no-fail-fast $* -- ${skip_args[*]}"
  cargo test --no-fail-fast "$@" -- "${skip_args[@]}" || status=$?
  exit "$status"
fi

log "cargo nextest run --profile $PROFILE --no-fail-fast --retries 0 $*"
set +e
cargo nextest run --profile "$PROFILE" --no-fail-fast --retries 0 "$@" 2>&1 | tee "$LOGS/nextest"
status=${PIPESTATUS[0]}
set -e
nextest_summary=$(sed -n 's/^ *\(Summary \[.*\)$/\1/p' "$LOGS/nextest" | tail -n1)

# nextest does not run doctests; the whole-workspace run does them after it.
doc_summary="not run (arguments were given; they run with the whole workspace)"
if [ "$WHOLE" -eq 1 ]; then
  log "cargo test --doc --workspace"
  set +e
  cargo test --doc --workspace 2>&1 | tee "$LOGS/doctests"
  doc_status=${PIPESTATUS[0]}
  set -e
  doc_summary=$(awk '/^test result:/ { p += $4; f += $6; i += $8; n++ }
    END { printf "%d passed, %d failed, %d ignored (%d crates)", p, f, i, n }' "$LOGS/doctests")
  if [ "$doc_status" -ne 0 ]; then
    doc_summary="FAILED (exit $doc_status): $doc_summary"
    if [ "$status" -eq 0 ]; then status=$doc_status; fi
  fi
fi

# The closing lines CI reads: nextest's own summary, the doctests', what was skipped on purpose.
log "nextest: ${nextest_summary:-no summary line (exit $status)}"
log "doctests: $doc_summary"
if [ "${#SKIPS[@]}" -gt 0 ]; then
  for s in "${SKIPS[@]}"; do log "skipped on purpose (nextest profile $PROFILE): $s"; done
fi
exit "$status"
