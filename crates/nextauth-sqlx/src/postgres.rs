//! [`PostgresAdapter`]: for many `nextauth` instances behind a load balancer. Here are
//! PostgreSQL's [`PostgresDialect`] and `open`; the adapter's methods are `adapter.rs`'s, shared.
//!
//! The tables and columns are those of `@auth/pg-adapter` (spec §16.2): `users`, `accounts`,
//! `sessions`, `verification_token`, camelCase quoted columns, SERIAL ids, TIMESTAMPTZ times. A
//! Next.js app using that adapter can share the database: same rows, same token hashing.

use std::str::FromStr;
use std::time::Duration;

use nextauth_core::adapter::{AdapterError, AdapterResult};
use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::OffsetDateTime;

use crate::adapter::SqlAdapter;
use crate::call::{ACQUIRE_TIMEOUT, OpenError, redact};
use crate::dialect::Dialect;
use crate::layout::Layout;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Users, accounts, sessions and magic-link tokens in PostgreSQL: the one [`SqlAdapter`] in
/// [`PostgresDialect`].
pub type PostgresAdapter = SqlAdapter<PostgresDialect>;

/// PostgreSQL's syntax and types: `$n` placeholders, `SERIAL` (`i32`) ids, `TIMESTAMPTZ` times.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    type Db = Postgres;
    type Id = i32;
    type Time = OffsetDateTime;

    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const NOW_MS: &'static str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }

    fn encode_time(ms: i64) -> AdapterResult<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .map_err(|e| AdapterError::Conflict(format!("timestamp {ms} ms: {e}")))
    }

    fn decode_time(t: OffsetDateTime) -> i64 {
        // TIMESTAMPTZ has microseconds; what we write is whole milliseconds, so this is exact
        // for our rows and truncates a Next.js app's sub-millisecond values (JS Dates have none
        // either).
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    }
}

impl PostgresAdapter {
    /// Connects to `url` and runs the migrations (under Postgres' advisory lock, so instances
    /// starting together do not race).
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(url)
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
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(format!("{}: {e}", redact(url))))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        tracing::debug!(database = %redact(url), "PostgreSQL storage ready");
        let sql = Self::statements(&Layout::PG_ADAPTER);
        Ok(SqlAdapter::new(pool, PostgresDialect, sql))
    }
}
