//! # nextauth-sqlx
//!
//! SQL storage for nextauth-rs: [`SqliteAdapter`] (the embedded default, one file) and
//! [`PostgresAdapter`] (for many `nextauth` instances on one database), both implementing
//! [`nextauth_core::Adapter`]. [`open`] picks one by the URL's scheme and runs the embedded
//! migrations.
//!
//! Both are one implementation, [`SqlAdapter`], generic over a [`Dialect`] (placeholders, id
//! and time types, conflict detection, an optional faster session read), with its statements
//! built once at construction from a [`Layout`] (table and column names). A fix to an adapter
//! method lands once for every database. A third database is a `Dialect` (see its module
//! documentation for MySQL/MariaDB and `RETURNING`); another table layout (Prisma's, Drizzle's)
//! is a `Layout`.
//!
//! # Layout
//!
//! | file | what |
//! | --- | --- |
//! | `lib.rs` | [`open`] by URL, error mapping, the call timeout, [`redact`] |
//! | `adapter.rs` | [`SqlAdapter`]: the v4 adapter methods, once |
//! | `dialect.rs` | [`Dialect`]: what differs between databases |
//! | `outbox.rs` | the event outbox's statements (`nextauth_outbox`, written in the change's transaction) |
//! | `claims.rs` | the statements of the claims kept beside database sessions (`nextauth_session_claims`) |
//! | `layout.rs` | [`Layout`] (names) and [`Statements`] (the SQL text, built once) |
//! | `sqlite.rs`, `postgres.rs` | each database's dialect and `open` (pool, pragmas, migrations) |
//! | `sqlite_read.rs` | SQLite's direct read of `getSessionAndUser` (rusqlite) |
//! | `testing.rs` | test support (feature `testing`) |
//!
//! * PostgreSQL uses the tables and columns of `@auth/pg-adapter` exactly (spec §16.2), so a
//!   Next.js app using that adapter can share the database.
//! * SQLite uses the same logical schema; timestamps are INTEGER milliseconds since the epoch.
//!
//! Queries are runtime-checked (`sqlx::query`, no build-time `DATABASE_URL`) and prepared once per
//! connection (sqlx's statement cache). One exception: on a SQLite file, `getSessionAndUser` (the
//! hot path of database sessions) reads through a few read-only rusqlite connections of its
//! own, inline, without sqlx's per-connection worker thread. Failures never panic: a database that is down gives
//! [`AdapterError::Unavailable`] within a few seconds (the pool's acquire timeout), and the pool
//! reconnects on its own when the database is back.

mod adapter;
mod claims;
mod dialect;
mod layout;
mod outbox;
mod postgres;
mod sqlite;
mod sqlite_read;
#[cfg(feature = "testing")]
pub mod testing;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use nextauth_core::Adapter;
use nextauth_core::adapter::{AdapterError, AdapterResult};

pub use adapter::SqlAdapter;
pub use dialect::Dialect;
pub use layout::{
    AccountColumns, Layout, SessionColumns, Statements, UserColumns, VerificationTokenColumns,
};
pub use postgres::{PostgresAdapter, PostgresDialect};
pub use sqlite::{SqliteAdapter, SqliteDialect};

/// How long a request waits for a pooled connection (including connecting) before it gives up
/// with [`AdapterError::Unavailable`]: short, so a dead database turns into a quick error page
/// rather than a hung browser.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Upper bound for one adapter call, connection included. A statement on a connection whose peer
/// vanished without closing it (a network partition) would otherwise wait for TCP to notice.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why [`open`] failed. The message never contains the URL's password.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not `sqlite:…`, `postgres://…` or `postgresql://…`, or does not parse.
    #[error("database URL: {0}")]
    Url(String),
    /// The database could not be reached or created.
    #[error("connecting to the database: {0}")]
    Connect(String),
    /// The embedded migrations failed.
    #[error("running migrations: {0}")]
    Migrate(String),
}

/// Opens the database named by `url`, runs the migrations, and returns it as an adapter.
///
/// * `sqlite://path/to/file.db`, `sqlite:file.db`, `sqlite:///abs/path.db`: the file and its
///   directory are created; WAL mode, a busy timeout. `sqlite::memory:`: a private in-memory
///   database (gone when the process ends).
/// * `postgres://user:pass@host:port/db` (or `postgresql://`): a pool of up to 10 connections.
pub async fn open(url: &str) -> Result<Arc<dyn Adapter>, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteAdapter::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresAdapter::open(url).await?))
    } else {
        Err(OpenError::Url(
            "use sqlite:<path>, sqlite::memory: or postgres://user@host:port/database".into(),
        ))
    }
}

/// Maps a sqlx error to the core's two kinds: a violated constraint (unique e-mail, unique
/// account, missing user; [`Dialect::is_conflict`]) is the caller's problem; everything else
/// means "storage unavailable".
pub(crate) fn map_err<D: Dialect>(e: sqlx::Error) -> AdapterError {
    match &e {
        sqlx::Error::Database(db) if D::is_conflict(db.as_ref()) => {
            // The primary message names the constraint, not the values (those are in DETAIL).
            AdapterError::Conflict(db.message().to_string())
        }
        _ => AdapterError::Unavailable(e.to_string()),
    }
}

/// Runs one adapter call under [`CALL_TIMEOUT`], mapping errors.
pub(crate) async fn call<D: Dialect, T>(
    what: &'static str,
    fut: impl Future<Output = Result<T, sqlx::Error>>,
) -> AdapterResult<T> {
    match tokio_timeout(fut).await {
        Ok(r) => r.map_err(|e| {
            let mapped = map_err::<D>(e);
            tracing::debug!(call = what, error = %mapped, "adapter call failed");
            mapped
        }),
        Err(()) => Err(AdapterError::Unavailable(format!(
            "{what}: no answer from the database within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

async fn tokio_timeout<T>(fut: impl Future<Output = T>) -> Result<T, ()> {
    tokio::time::timeout(CALL_TIMEOUT, fut)
        .await
        .map_err(|_| ())
}

/// The URL with its password replaced by `***`, for error messages and `nextauth check`: the
/// userinfo password (`postgres://app:s3cret@db/auth`) and a `password` query parameter, which
/// sqlx's PostgreSQL options also accept (`postgres://app@db/auth?password=s3cret`). A value
/// that is not a URL is returned as it is.
pub fn redact(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let mut changed = false;
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
        changed = true;
    }
    if u.query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
        changed = true;
    }
    if changed {
        u.to_string()
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn passwords_in_userinfo_and_query_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cret@db/auth"),
            "postgres://app:***@db/auth"
        );
        assert_eq!(
            redact("postgres://app@db/auth?sslmode=require&password=s3cret"),
            "postgres://app@db/auth?sslmode=require&password=***"
        );
        assert_eq!(
            redact("postgres://app@db/auth?PASSWORD=s3cret"),
            "postgres://app@db/auth?PASSWORD=***"
        );
        assert_eq!(
            redact("sqlite://data/nextauth.db"),
            "sqlite://data/nextauth.db"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
