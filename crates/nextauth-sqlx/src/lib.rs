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
//! | `lib.rs` | [`open`] by URL |
//! | `call.rs` | one adapter call: the time limit, error mapping; [`OpenError`], [`redact`] |
//! | `adapter.rs` | [`SqlAdapter`]: the v4 adapter methods, once |
//! | `dialect.rs` | [`Dialect`]: what differs between databases |
//! | `outbox.rs` | the event outbox's statements (`nextauth_outbox`, written in the change's transaction) |
//! | `rate_limits.rs` | the statements of the rate-limit counters (`nextauth_rate_limits`, `store = "database"`) |
//! | `refresh.rs` | the statements of the refresh leases and results (`nextauth_refresh`) |
//! | `revocations.rs` | the statements of the JWT-session revocations (`nextauth_revocations`) and of the spent back-channel logout tokens (`nextauth_logout_tokens`) |
//! | `claims.rs` | the statements of the claims kept beside database sessions (`nextauth_session_claims`) |
//! | `layout.rs` | [`Layout`] (names) and [`Statements`] (the SQL text, built once) |
//! | `sqlite.rs`, `postgres.rs` | each database's dialect and `open` (pool, pragmas, migrations) |
//! | `sqlite_read.rs` | SQLite's direct read of `getSessionAndUser` (rusqlite) |
//! | `session_cache.rs` | [`SessionCache`]: PostgreSQL sessions kept in memory, invalidated across instances by `LISTEN`/`NOTIFY` |
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
mod call;
mod claims;
mod dialect;
mod layout;
mod outbox;
mod postgres;
mod rate_limits;
mod refresh;
mod revocations;
pub mod session_cache;
mod sqlite;
mod sqlite_read;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use nextauth_core::Adapter;

pub use adapter::SqlAdapter;
pub use call::{ACQUIRE_TIMEOUT, CALL_TIMEOUT, OpenError, redact};
pub use dialect::Dialect;
pub use layout::{
    AccountColumns, Layout, SessionColumns, Statements, UserColumns, VerificationTokenColumns,
};
pub use postgres::{PostgresAdapter, PostgresDialect};
pub use session_cache::SessionCache;
pub use sqlite::{SqliteAdapter, SqliteDialect};

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
