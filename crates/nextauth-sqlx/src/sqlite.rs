//! [`SqliteAdapter`]: the embedded default. One file, WAL mode, migrations on open. Here are
//! SQLite's [`SqliteDialect`] and `open`; the adapter's methods are `adapter.rs`'s, shared.
//!
//! Timestamps are written as INTEGER milliseconds since the Unix epoch (the core's own unit;
//! text timestamps are read too). In the default layout ids are the rowid (`INTEGER PRIMARY
//! KEY`) and the names `@auth/pg-adapter`'s; [`SqliteAdapter::open_with`] takes the Prisma or
//! Drizzle layout instead (text ids made here).
//!
//! sqlx does all the work except one read: `getSessionAndUser` on a database *file* goes through
//! [`SessionReader`] (read-only rusqlite connections, no thread hop; see `sqlite_read.rs`),
//! which the dialect offers as [`Dialect::read_session_and_user`].

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use nextauth_core::adapter::{AdapterError, AdapterResult, AdapterSession, AdapterUser};
use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::adapter::SqlAdapter;
use crate::call::{ACQUIRE_TIMEOUT, OpenError};
use crate::dialect::Dialect;
use crate::layout::Layout;
use crate::schema::{self, Engine, Options, Problem};
use crate::sqlite_read::{ReadError, SessionReader};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another connection's write lock before SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Users, accounts, sessions and magic-link tokens in a SQLite database: the one
/// [`SqlAdapter`] in [`SqliteDialect`].
pub type SqliteAdapter = SqlAdapter<SqliteDialect>;

/// SQLite's syntax: `?` placeholders, the clock as `julianday`;
/// and the direct read connections of `getSessionAndUser`.
#[derive(Debug, Clone, Default)]
pub struct SqliteDialect {
    /// The direct read of `getSessionAndUser`: only for a database file in WAL mode. An
    /// in-memory database lives inside sqlx's one connection (another connection would open
    /// another, empty, database), so there every read goes through sqlx.
    reader: Option<Arc<SessionReader>>,
}

impl Dialect for SqliteDialect {
    type Db = Sqlite;
    const NOW_MS: &'static str = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn placeholder(_n: usize) -> String {
        "?".to_string()
    }

    fn read_session_and_user(
        &self,
        session_token: &str,
    ) -> Option<AdapterResult<Option<(AdapterSession, AdapterUser)>>> {
        // On a file: one indexed read on this thread (see sqlite_read.rs for why blocking here
        // is fine); if the file is locked beyond the short read timeout, the pool answers.
        let reader = self.reader.as_ref()?;
        match reader.get_session_and_user(session_token) {
            Ok(found) => Some(Ok(found)),
            Err(e @ ReadError::Busy(_)) => {
                tracing::debug!(error = %e, "direct session read busy, asking the pool");
                None
            }
            Err(e) => {
                let mapped = direct_read_error(reader, &e);
                tracing::debug!(call = "getSessionAndUser", error = %mapped, "adapter call failed");
                Some(Err(mapped))
            }
        }
    }
}

/// The file path of a `sqlite:` URL, or `None` for an in-memory database.
fn file_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || rest.contains("mode=memory") {
        None
    } else {
        Some(path)
    }
}

/// Whether the URL names a plain file that another SQLite connection can open by its path: not
/// with a custom VFS or as `immutable` (sqlx passes those to SQLite as URI parameters).
fn plain_file(url: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes()).all(|(k, _)| k != "vfs" && k != "immutable")
}

/// Creates the database file readable by its owner only (0600) if it does not exist yet: it
/// holds session tokens, which are bearer credentials. SQLite gives its -wal and -shm files the
/// database file's permissions.
fn create_private(path: &Path) -> Result<(), OpenError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(OpenError::Connect(format!(
            "creating {}: {e}",
            path.display()
        ))),
    }
}

impl SqliteAdapter {
    /// Opens (creating the file and its directory) and migrates the database at `url`: the
    /// pg-adapter layout, `migrate = true`.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_with(url, &Options::defaults(url, Layout::PG_ADAPTER)).await
    }

    /// Opens the database at `url` and prepares the tables of `options.layout` ([`Options`]).
    /// With `migrate = false` nothing is created, not even the file.
    pub async fn open_with(url: &str, options: &Options) -> Result<Self, OpenError> {
        let path = file_path(url).filter(|_| options.migrate);
        if let Some(dir) = path.and_then(|p| Path::new(p).parent())
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                OpenError::Connect(format!("creating directory {}: {e}", dir.display()))
            })?;
        }
        if let Some(p) = path {
            create_private(Path::new(p))?;
        }
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::Url(e.to_string()))?
            .create_if_missing(options.migrate)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // The file SQLite opens (the URL's path, percent-decoded), for the read connections.
        let filename = connect.get_filename().to_path_buf();
        let pool_options = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        let pool = if file_path(url).is_some() {
            // WAL: readers never wait for the writer; NORMAL sync is durable across crashes of
            // the process (not of the OS) in WAL mode and much faster than FULL.
            let connect = connect
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            pool_options
                .max_connections(8)
                .idle_timeout(Some(Duration::from_secs(600)))
                .connect_with(connect)
                .await
        } else {
            // An in-memory database lives as long as its connection: exactly one, never closed.
            pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(connect)
                .await
        }
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        schema::prepare_sqlite(&pool, &MIGRATOR, options).await?;
        let sql = Self::statements(&options.layout);
        let reader = if file_path(url).is_some() && plain_file(url) {
            match SessionReader::open(&filename, &sql.session_and_user) {
                Ok(Some(reader)) => Some(Arc::new(reader)),
                Ok(None) => {
                    tracing::warn!(database = %url, "SQLite file not in WAL mode: session reads go through the pool");
                    None
                }
                Err(e) => {
                    return Err(OpenError::Connect(format!(
                        "opening read connections to {}: {e}",
                        filename.display()
                    )));
                }
            }
        } else {
            None
        };
        tracing::debug!(
            database = %url,
            read_connections = reader.as_ref().map_or(0, |r| r.connections()),
            "SQLite storage ready"
        );
        Ok(SqlAdapter::new(
            pool,
            SqliteDialect { reader },
            options.layout,
            sql,
        ))
    }

    /// Whether `getSessionAndUser` reads through its own read-only connections (a database file
    /// in WAL mode) rather than through the pool (an in-memory database).
    pub fn has_direct_reads(&self) -> bool {
        self.dialect().reader.is_some()
    }

    /// `getSessionAndUser` through the direct read connections only, `None` without them (for
    /// tests that compare both paths).
    #[cfg(feature = "testing")]
    pub fn get_session_and_user_direct(
        &self,
        session_token: &str,
    ) -> Option<AdapterResult<Option<(AdapterSession, AdapterUser)>>> {
        let reader = self.dialect().reader.as_ref()?;
        Some(
            reader
                .get_session_and_user(session_token)
                .map_err(|e| direct_read_error(reader, &e)),
        )
    }

    /// `getSessionAndUser` through the sqlx pool, never the direct reads (for tests that
    /// compare both paths).
    #[cfg(feature = "testing")]
    pub async fn get_session_and_user_pooled(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        use nextauth_core::Adapter;
        self.with_dialect(SqliteDialect { reader: None })
            .get_session_and_user(session_token)
            .await
    }
}

/// The problems of `layout`'s tables (and of our own) in the SQLite database at `url`, read
/// from the catalogue on a read-only connection (a missing file is an error, not created).
pub(crate) async fn check(url: &str, layout: &Layout) -> Result<Vec<Problem>, OpenError> {
    use sqlx::Connection;
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| OpenError::Url(e.to_string()))?
        .create_if_missing(false)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| OpenError::Connect(format!("{url}: {e}")))?;
    let found = schema::check_sqlite(&mut conn, &MIGRATOR, layout).await;
    let _ = conn.close().await;
    found
}

/// What `nextauth migrate --print` prints for SQLite.
pub(crate) fn ddl(layout: &Layout) -> String {
    schema::ddl(&MIGRATOR, layout, Engine::Sqlite)
}

fn direct_read_error(reader: &SessionReader, e: &ReadError) -> AdapterError {
    AdapterError::Unavailable(format!(
        "getSessionAndUser: reading {}: {e}",
        reader.path().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::{file_path, plain_file};

    #[test]
    fn url_forms() {
        assert_eq!(
            file_path("sqlite://data/nextauth.db"),
            Some("data/nextauth.db")
        );
        assert_eq!(file_path("sqlite:data/x.db?mode=rwc"), Some("data/x.db"));
        assert_eq!(file_path("sqlite:///abs/x.db"), Some("/abs/x.db"));
        assert_eq!(file_path("sqlite::memory:"), None);
        assert_eq!(file_path("sqlite://:memory:"), None);
    }

    #[test]
    fn plain_files() {
        assert!(plain_file("sqlite://data/nextauth.db"));
        assert!(plain_file("sqlite:data/x.db?mode=rwc"));
        assert!(!plain_file("sqlite:data/x.db?vfs=unix-dotfile"));
        assert!(!plain_file("sqlite:data/x.db?mode=ro&immutable=true"));
    }
}
