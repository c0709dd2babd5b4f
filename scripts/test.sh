#!/usr/bin/env bash
# The project's test command: installs whatever is missing (and only that), then runs the
# whole workspace's tests with cargo-nextest.
#
#   bash scripts/test.sh                  # cargo nextest run --workspace --no-fail-fast --retries 0
#   bash scripts/test.sh -p testkit       # arguments (an optional leading `--` is dropped) go to
#   bash scripts/test.sh -- -p testkit    # nextest instead of --workspace
#
# Installs when missing: Node.js (Debian package; Node >= 20 is required), the Node peers in
# testkit/node (npm ci), cargo-nextest (cargo install; falls back to `cargo test` if that
# fails), and a PostgreSQL server on 127.0.0.1:5432 with trust auth and a database `test`
# (skipped when DATABASE_URL is set or something already listens on 127.0.0.1:5432).
# Meant for a Debian machine as root (as CI runs it); works unattended (no stdin needed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

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

# The real peers the Rust tests talk to (next-auth, oidc-provider, smtp-server).
ensure_node_deps() {
  local dir="$ROOT/testkit/node"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing Node test peers: npm ci in testkit/node"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

NEXTEST=1
ensure_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then return; fi
  log "installing cargo-nextest (cargo install cargo-nextest --locked)"
  if ! cargo install cargo-nextest --locked; then
    log "cargo-nextest could not be installed: falling back to cargo test"
    NEXTEST=0
  fi
}

pg_listening() { (exec 3<>/dev/tcp/127.0.0.1/5432) >/dev/null 2>&1; }

# PostgreSQL on 127.0.0.1:5432, trust auth for local connections, database `test`
# (what crates/testkit's postgres::database_url() expects).
ensure_postgres() {
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
  if [ "${NEXTAUTH_SKIP_E2E:-}" = "1" ]; then return; fi
  if [ -x /usr/bin/chromium ]; then return; fi
  apt_install chromium
  [ -x /usr/bin/chromium ] || die "chromium was installed but /usr/bin/chromium is missing"
}

# The Node packages of the browser tests: e2e/ (next-auth/react, react, esbuild, playwright-core)
# and the Next.js example (next, next-auth). Skipped with NEXTAUTH_SKIP_E2E=1.
ensure_e2e_deps() {
  if [ "${NEXTAUTH_SKIP_E2E:-}" = "1" ]; then return; fi
  local dir
  for dir in "$ROOT/e2e" "$ROOT/examples/nextjs"; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      log "installing Node packages of the browser tests: npm ci in ${dir#"$ROOT"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

ensure_cargo
ensure_node
ensure_node_deps
ensure_e2e_deps
ensure_nextest
ensure_postgres
ensure_chromium

if [ "${1:-}" = "--" ]; then shift; fi
if [ "$#" -eq 0 ]; then set -- --workspace; fi

status=0
if [ "$NEXTEST" -eq 1 ]; then
  log "cargo nextest run --no-fail-fast --retries 0 $*"
  cargo nextest run --no-fail-fast --retries 0 "$@" || status=$?
else
  log "cargo test --no-fail-fast $*"
  cargo test --no-fail-fast "$@" || status=$?
fi
exit "$status"
