//! # nextauth-sqlx
//!
//! SQL storage for nextauth-rs: [`SqliteAdapter`] (the embedded default, one file),
//! [`PostgresAdapter`] and [`MySqlAdapter`] (MySQL/MariaDB; for many `nextauth` instances on one
//! database), all implementing [`nextauth_core::Adapter`]. [`open`] picks one by the URL's scheme and runs the embedded
//! migrations.
//!
//! Both are one implementation, [`SqlAdapter`], generic over a [`Dialect`] (placeholders, id
//! and time types, conflict detection, an optional faster session read), with its statements
//! built once at construction from a [`Layout`] (table and column names, id and time
//! encodings). A fix to an adapter method lands once for every database and layout. What
//! differs between the databases is a `Dialect` (see its module documentation for MySQL/MariaDB
//! and `RETURNING`).
//!
//! Layouts: [`Layout::PG_ADAPTER`] (the default), [`Layout::PRISMA`], [`Layout::DRIZZLE`].
//! [`open_with`] takes one and `migrate` ([`Options`]): create what is missing, or only check
//! the catalogue and fail naming what is missing ([`check`]); [`migrate`] and [`ddl`] are
//! `nextauth migrate` and `nextauth migrate --print`. Our own tables all carry the prefix
//! `nextauth_` (in layouts other than pg-adapter their migrations ledger too:
//! `nextauth_migrations`) and never touch the adapter's tables.
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
//! | `layout.rs` | [`Layout`] (names, id and time encodings, DDL) and [`Statements`] (the SQL text, built once) |
//! | `schema.rs` | creating a layout's tables, or checking them against the catalogue ([`Options`], [`Problem`]) |
//! | `values.rs` | [`RowId`] and [`Millis`]: ids and timestamps in every form a layout keeps them |
//! | `sqlite.rs`, `postgres.rs`, `mysql.rs` | each database's dialect and `open` (pool, pragmas, migrations) |
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
mod mysql;
mod outbox;
mod postgres;
mod rate_limits;
mod refresh;
mod revocations;
mod schema;
pub mod session_cache;
mod sqlite;
mod sqlite_read;
#[cfg(feature = "testing")]
pub mod testing;
mod values;

use std::sync::Arc;

use nextauth_core::Adapter;

pub use adapter::SqlAdapter;
pub use call::{ACQUIRE_TIMEOUT, CALL_TIMEOUT, OpenError, redact};
pub use dialect::Dialect;
pub use layout::{
    AccountColumns, ColumnKind, Ddl, Ids, Layout, SessionColumns, Statements, Timestamps,
    UserColumns, VerificationTokenColumns,
};
pub use mysql::{MySqlAdapter, MySqlDialect};
pub use postgres::{PostgresAdapter, PostgresDialect};
pub use schema::{Options, Problem};
pub use session_cache::SessionCache;
pub use sqlite::{SqliteAdapter, SqliteDialect};
pub use values::{Millis, RowId};

/// Opens the database named by `url`, runs the migrations, and returns it as an adapter: the
/// pg-adapter layout, `migrate = true` ([`open_with`] for the others).
///
/// * `sqlite://path/to/file.db`, `sqlite:file.db`, `sqlite:///abs/path.db`: the file and its
///   directory are created; WAL mode, a busy timeout. `sqlite::memory:`: a private in-memory
///   database (gone when the process ends).
/// * `postgres://user:pass@host:port/db` (or `postgresql://`): a pool of up to 10 connections.
/// * `mysql://user:pass@host:port/db` (MySQL or MariaDB): only with [`open_with`] and a layout
///   whose adapter runs there (`prisma`, `drizzle`).
pub async fn open(url: &str) -> Result<Arc<dyn Adapter>, OpenError> {
    open_with(url, &Options::defaults(url, Layout::PG_ADAPTER)).await
}

/// Which database a URL names.
fn engine(url: &str) -> Result<schema::Engine, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(schema::Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(schema::Engine::Postgres)
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        Ok(schema::Engine::MySql)
    } else {
        Err(OpenError::Url(
            "use sqlite:<path>, sqlite::memory:, postgres://user@host:port/database or \
             mysql://user@host:port/database"
                .into(),
        ))
    }
}

/// Opens the database named by `url` (as [`open`]) for the tables of `options.layout`:
/// creating what is missing (`options.migrate`), or only checking the catalogue and failing
/// with [`OpenError::Schema`], naming every missing table or column, without writing anything.
pub async fn open_with(url: &str, options: &Options) -> Result<Arc<dyn Adapter>, OpenError> {
    Ok(match engine(url)? {
        schema::Engine::Sqlite => Arc::new(SqliteAdapter::open_with(url, options).await?),
        schema::Engine::Postgres => Arc::new(PostgresAdapter::open_with(url, options).await?),
        schema::Engine::MySql => Arc::new(MySqlAdapter::open_with(url, options).await?),
    })
}

/// `nextauth check`: every missing table, missing column and column of the wrong type of
/// `layout` in the database at `url`, and our own tables if their migrations have not run.
/// Reads the catalogue only (`information_schema`, SQLite's pragmas); writes nothing.
pub async fn check(url: &str, layout: &Layout) -> Result<Vec<Problem>, OpenError> {
    match engine(url)? {
        schema::Engine::Sqlite => sqlite::check(url, layout).await,
        schema::Engine::Postgres => postgres::check(url, layout).await,
        schema::Engine::MySql => mysql::check(url, layout).await,
    }
}

/// `nextauth migrate`: creates the tables of `layout` where none of them exists (refusing,
/// naming them, where some exist in another shape), then our own `nextauth_*` tables.
pub async fn migrate(url: &str, layout: &Layout) -> Result<(), OpenError> {
    let options = Options {
        layout: *layout,
        migrate: true,
    };
    match engine(url)? {
        schema::Engine::Sqlite => {
            SqliteAdapter::open_with(url, &options)
                .await?
                .pool()
                .close()
                .await;
        }
        schema::Engine::Postgres => {
            PostgresAdapter::open_with(url, &options)
                .await?
                .pool()
                .close()
                .await;
        }
        schema::Engine::MySql => {
            MySqlAdapter::open_with(url, &options)
                .await?
                .pool()
                .close()
                .await;
        }
    }
    Ok(())
}

/// `nextauth migrate --print`: the DDL [`migrate`] applies for `layout` on the database that
/// `url` names (nothing is connected to).
pub fn ddl(url: &str, layout: &Layout) -> Result<String, OpenError> {
    Ok(match engine(url)? {
        schema::Engine::Sqlite => sqlite::ddl(layout),
        schema::Engine::Postgres => postgres::ddl(layout),
        schema::Engine::MySql => mysql::ddl(layout)?,
    })
}
