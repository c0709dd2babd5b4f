//! [`PostgresAdapter`]: for many `nextauth` instances behind a load balancer. Here are
//! PostgreSQL's [`PostgresDialect`] and `open`; the adapter's methods are `adapter.rs`'s, shared.
//!
//! By default the tables and columns are those of `@auth/pg-adapter` (spec §16.2): `users`,
//! `accounts`, `sessions`, `verification_token`, camelCase quoted columns, SERIAL ids,
//! TIMESTAMPTZ times; [`PostgresAdapter::open_with`] takes the Prisma or Drizzle layout instead
//! (text ids, `TIMESTAMP` in UTC). A Next.js app using that adapter can share the database: same
//! rows, same token hashing.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::adapter::SqlAdapter;
use crate::call::{ACQUIRE_TIMEOUT, OpenError, redact};
use crate::dialect::Dialect;
use crate::layout::Layout;
use crate::schema::{self, Engine, Options, Problem};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Users, accounts, sessions and magic-link tokens in PostgreSQL: the one [`SqlAdapter`] in
/// [`PostgresDialect`].
pub type PostgresAdapter = SqlAdapter<PostgresDialect>;

/// PostgreSQL's syntax: `$n` placeholders, `FOR UPDATE SKIP LOCKED`, the server's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    type Db = Postgres;
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const NOW_MS: &'static str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }
}

impl PostgresAdapter {
    /// Connects to `url` and runs the migrations (under Postgres' advisory lock, so instances
    /// starting together do not race): the pg-adapter layout, `migrate = true`.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_with(url, &Options::defaults(url, Layout::PG_ADAPTER)).await
    }

    /// Connects to `url` and prepares the tables of `options.layout` ([`Options`]).
    pub async fn open_with(url: &str, options: &Options) -> Result<Self, OpenError> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| OpenError::Url(format!("{}: {e}", redact(url))))?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Connections idle for long are closed (a restarted or failed-over server leaves
            // none behind for long); before reuse each one is pinged, so a connection killed by
            // a database restart is replaced instead of failing a request.
            .idle_timeout(Some(Duration::from_secs(300)))
            .max_lifetime(Some(Duration::from_secs(1800)))
            .test_before_acquire(true)
            .connect_with(connect)
            .await
            .map_err(|e| OpenError::Connect(format!("{}: {e}", redact(url))))?;
        schema::prepare_postgres(&pool, &MIGRATOR, options).await?;
        tracing::debug!(database = %redact(url), layout = options.layout.name, "PostgreSQL storage ready");
        let sql = Self::statements(&options.layout);
        Ok(SqlAdapter::new(pool, PostgresDialect, options.layout, sql))
    }
}

/// The problems of `layout`'s tables (and of our own) in the PostgreSQL database at `url`,
/// read from the catalogue without changing anything.
pub(crate) async fn check(url: &str, layout: &Layout) -> Result<Vec<Problem>, OpenError> {
    use sqlx::Connection;
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| OpenError::Url(format!("{}: {e}", redact(url))))?;
    let mut conn = sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|e| OpenError::Connect(format!("{}: {e}", redact(url))))?;
    let found = schema::check_postgres(&mut conn, &MIGRATOR, layout).await;
    let _ = conn.close().await;
    found
}

/// What `nextauth migrate --print` prints for PostgreSQL.
pub(crate) fn ddl(layout: &Layout) -> String {
    schema::ddl(&MIGRATOR, layout, Engine::Postgres)
}
