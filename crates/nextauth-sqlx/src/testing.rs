//! Test support (feature `testing`): a fresh PostgreSQL database per test, and a throwaway
//! PostgreSQL cluster that a test may stop and start (the "database down" tests).
//!
//! Not for production code: failures here panic with a message saying what to install or set,
//! because a test that cannot get its database must stop, not pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// `NEXTAUTH_SKIP_POSTGRES=1` (or `true`): the PostgreSQL tests are to be left out (see
/// [`postgres_url_or_skip`]).
pub fn skip_postgres() -> bool {
    std::env::var("NEXTAUTH_SKIP_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // Process id + time + a counter: unique across parallel test processes (nextest runs one
    // process per test).
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}_{}_{nanos:x}_{n}", std::process::id())
}

fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("PostgreSQL URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// A database created for one test on the server of `base_url`, dropped (with `FORCE`, closing
/// the test's connections) when this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL of the new database.
    pub url: String,
    name: String,
    admin_url: String,
}

impl TestDatabase {
    /// `CREATE DATABASE nextauth_test_<unique>` on the server of `base_url` (any database the
    /// user may connect to; the URL's user needs CREATEDB).
    pub async fn create(base_url: &str) -> TestDatabase {
        let name = unique_name("nextauth_test");
        let mut conn = PgConnection::connect(base_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {}: {e}", crate::call::redact(base_url)));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = conn.close().await;
        TestDatabase {
            url: with_database(base_url, &name),
            name,
            admin_url: base_url.to_string(),
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its own
        // small runtime does the DROP and is waited for.
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = done.join();
    }
}

/// The PostgreSQL server for tests: `testkit`'s URL (`DATABASE_URL`, else 127.0.0.1:5432).
///
/// Never returns `None` (the `Option` keeps callers' `let Some(..) else` shape): a test that
/// returned early would be counted as passed. `NEXTAUTH_SKIP_POSTGRES=1` is a nextest filter
/// instead (`scripts/test.sh`, the `skip-postgres` profile of `.config/nextest.toml`: every test
/// whose name contains `postgres`), so skipped tests are reported as skipped. Panics when the
/// variable is set yet this test was selected (a PostgreSQL test without `postgres` in its name,
/// or a run without the filter), and when the server is unreachable.
pub fn postgres_url_or_skip(found: Option<String>) -> Option<String> {
    if skip_postgres() {
        panic!(
            "NEXTAUTH_SKIP_POSTGRES is set but this PostgreSQL test was selected: skip with a filter \
             so the run reports it as skipped (`NEXTAUTH_SKIP_POSTGRES=1 bash scripts/test.sh`, \
             `cargo nextest run --profile skip-postgres`, or `-E 'not test(/postgres/)'`); a test \
             that needs PostgreSQL must have `postgres` in its name"
        );
    }
    match found {
        Some(url) => Some(url),
        None => panic!(
            "PostgreSQL is not reachable: set DATABASE_URL, or run a server on 127.0.0.1:5432 with \
             trust auth and a database `test` (scripts/test.sh starts one). \
             `NEXTAUTH_SKIP_POSTGRES=1 bash scripts/test.sh` skips the PostgreSQL tests instead."
        ),
    }
}

// ---------------------------------------------------------------------------------------------

/// A PostgreSQL cluster of its own (initdb into a temp dir, a free port, trust auth), so a test
/// can stop the database under a running app and start it again. Never the machine's server.
#[derive(Debug)]
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn find_bin_dir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    // Debian keeps the server binaries out of PATH, one directory per major version.
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|d| d.join("initdb").exists());
    versions.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(d) = versions.pop() {
        return d;
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        if Path::new(dir).join("initdb").exists() {
            return PathBuf::from(dir);
        }
    }
    panic!(
        "initdb/pg_ctl not found (no pg_config, nothing in /usr/lib/postgresql/*/bin or PATH): \
         install the PostgreSQL server package (apt-get install postgresql)"
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PgCluster {
    /// initdb + start. As root, the cluster runs as the `postgres` user (PostgreSQL refuses
    /// root).
    pub fn start() -> PgCluster {
        let bin = find_bin_dir();
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(unique_name("nextauth-pgcluster"));
        std::fs::create_dir_all(&dir).expect("cluster dir");
        let cluster = PgCluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        if as_postgres {
            let out = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&cluster.dir)
                .output()
                .expect("chown");
            assert!(
                out.status.success(),
                "chown postgres {}: {}",
                cluster.dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        cluster.start_server();
        cluster
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{tool} {args:?} failed ({}):\n{text}\n--- server log ---\n{}",
            out.status,
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
        text
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn start_server(&self) {
        let data = self.dir.join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-o",
                &opts,
                "-l",
                &self.dir.join("log").to_string_lossy(),
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
        // pg_ctl -w waits for the postmaster; make sure TCP answers too.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cluster on port {} not listening",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `pg_ctl stop -m fast`: connections are closed, the port stops listening.
    pub fn stop_server(&self) {
        let data = self.dir.join("data");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "fast",
                "-w",
                "-t",
                "30",
                "stop",
            ],
        );
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args([
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB

/// `NEXTAUTH_SKIP_MYSQL=1` (or `true`): the MySQL tests are to be left out (see
/// [`mysql_url_or_skip`]).
pub fn skip_mysql() -> bool {
    std::env::var("NEXTAUTH_SKIP_MYSQL").is_ok_and(|v| v == "1" || v == "true")
}

/// The MySQL/MariaDB server for tests: `NEXTAUTH_MYSQL_URL`, else `mysql://root@127.0.0.1:3306`
/// when something listens there; `None` otherwise.
pub fn mysql_server_url() -> Option<String> {
    if let Ok(url) = std::env::var("NEXTAUTH_MYSQL_URL") {
        return Some(url);
    }
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], 3306)),
        Duration::from_secs(1),
    )
    .ok()
    .map(|_| "mysql://root@127.0.0.1:3306/mysql".to_string())
}

/// As [`postgres_url_or_skip`], for MySQL: panics when `NEXTAUTH_SKIP_MYSQL` is set yet this
/// test was selected (a MySQL test must have `mysql` in its name, which the `skip-mysql`
/// profile of `.config/nextest.toml` filters), and when no server is reachable.
pub fn mysql_url_or_skip(found: Option<String>) -> Option<String> {
    if skip_mysql() {
        panic!(
            "NEXTAUTH_SKIP_MYSQL is set but this MySQL test was selected: skip with a filter \
             (`NEXTAUTH_SKIP_MYSQL=1 bash scripts/test.sh`, or `-E 'not test(/mysql/)'`); a test \
             that needs MySQL must have `mysql` in its name"
        );
    }
    match found {
        Some(url) => Some(url),
        None => panic!(
            "MySQL/MariaDB is not reachable: set NEXTAUTH_MYSQL_URL, or run a server on \
             127.0.0.1:3306 with user root and no password (scripts/test.sh starts MariaDB). \
             `NEXTAUTH_SKIP_MYSQL=1 bash scripts/test.sh` skips the MySQL tests instead."
        ),
    }
}

/// A MySQL database created for one test (`nextauth_test_<unique>`), dropped with this
/// value.
#[derive(Debug)]
pub struct MySqlTestDatabase {
    /// The URL of the new database.
    pub url: String,
    name: String,
    admin_url: String,
}

impl MySqlTestDatabase {
    /// `CREATE DATABASE` on the server of `base_url` (utf8mb4).
    pub async fn create(base_url: &str) -> MySqlTestDatabase {
        use sqlx::mysql::MySqlConnection;
        let name = unique_name("nextauth_test");
        let mut conn = MySqlConnection::connect(base_url)
            .await
            .unwrap_or_else(|e| panic!("MySQL at {}: {e}", crate::call::redact(base_url)));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = conn.close().await;
        MySqlTestDatabase {
            url: with_database(base_url, &name),
            name,
            admin_url: base_url.to_string(),
        }
    }
}

impl Drop for MySqlTestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::mysql::MySqlConnection;
                if let Ok(mut conn) = MySqlConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS `{name}`");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = done.join();
    }
}
