//! [`MySqlAdapter`]: MySQL and MariaDB, through sqlx's MySQL driver. Here are [`MySqlDialect`]
//! and `open`; the adapter's methods are `adapter.rs`'s, shared.
//!
//! Only the layouts whose adapters run on MySQL: `prisma` and `drizzle` (`@auth/pg-adapter` is
//! PostgreSQL's). MySQL has no `RETURNING` (MariaDB has it for `INSERT` and `DELETE` only), so
//! the adapter writes, then reads back by the id it made, in one transaction; a magic link is
//! spent by `SELECT … FOR UPDATE` and `DELETE` in one transaction, so that of concurrent uses
//! one gets it (the others wait on the row lock, then find it gone). Both MySQL 8 and MariaDB
//! 10.6+ run these statements (`FOR UPDATE SKIP LOCKED` for the outbox).

use std::str::FromStr;
use std::time::Duration;

use sqlx::MySql;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};

use crate::adapter::SqlAdapter;
use crate::call::{ACQUIRE_TIMEOUT, OpenError, redact};
use crate::dialect::Dialect;
use crate::layout::Layout;
use crate::schema::{self, Engine, Options, Problem};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/mysql");

/// Users, accounts, sessions and magic-link tokens in MySQL or MariaDB: the one [`SqlAdapter`]
/// in [`MySqlDialect`].
pub type MySqlAdapter = SqlAdapter<MySqlDialect>;

/// MySQL's syntax: `?` placeholders, backtick quoting, no `RETURNING`, `ON DUPLICATE KEY`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

impl Dialect for MySqlDialect {
    type Db = MySql;

    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const NOW_MS: &'static str = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";
    const RETURNING: bool = false;
    const ON_DUPLICATE_KEY: bool = true;

    fn rows_affected(result: &sqlx::mysql::MySqlQueryResult) -> u64 {
        result.rows_affected()
    }

    fn placeholder(_n: usize) -> String {
        "?".to_string()
    }

    fn quote(identifier: &str) -> String {
        format!("`{}`", identifier.replace('`', "``"))
    }
}

fn connect_options(url: &str) -> Result<MySqlConnectOptions, OpenError> {
    MySqlConnectOptions::from_str(url).map_err(|e| OpenError::Url(format!("{}: {e}", redact(url))))
}

fn supported(layout: &Layout) -> Result<(), OpenError> {
    if layout.ddl.mysql.is_none() {
        return Err(OpenError::Url(format!(
            "layout {:?} has no MySQL tables: use layout \"prisma\" or \"drizzle\" with mysql://",
            layout.name
        )));
    }
    Ok(())
}

impl MySqlAdapter {
    /// Connects to `url` and prepares the tables of `options.layout` ([`Options`]).
    pub async fn open_with(url: &str, options: &Options) -> Result<Self, OpenError> {
        supported(&options.layout)?;
        let pool = MySqlPoolOptions::new()
            .max_connections(10)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Some(Duration::from_secs(300)))
            .max_lifetime(Some(Duration::from_secs(1800)))
            .test_before_acquire(true)
            // READ COMMITTED: InnoDB then takes no gap locks for range deletes and locking
            // reads (the housekeeping `DELETE … WHERE until < ?` beside concurrent inserts
            // deadlocked under REPEATABLE READ); every statement here reads the latest
            // committed rows, as on PostgreSQL.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .connect_with(connect_options(url)?)
            .await
            .map_err(|e| OpenError::Connect(format!("{}: {e}", redact(url))))?;
        schema::prepare_mysql(&pool, &MIGRATOR, options).await?;
        tracing::debug!(database = %redact(url), layout = options.layout.name, "MySQL storage ready");
        let sql = Self::statements(&options.layout);
        Ok(SqlAdapter::new(pool, MySqlDialect, options.layout, sql))
    }
}

/// The problems of `layout`'s tables (and of our own) in the MySQL database at `url`, read from
/// `information_schema` without changing anything.
pub(crate) async fn check(url: &str, layout: &Layout) -> Result<Vec<Problem>, OpenError> {
    use sqlx::Connection;
    supported(layout)?;
    let mut conn = sqlx::MySqlConnection::connect_with(&connect_options(url)?)
        .await
        .map_err(|e| OpenError::Connect(format!("{}: {e}", redact(url))))?;
    let found = schema::check_mysql(&mut conn, &MIGRATOR, layout).await;
    let _ = conn.close().await;
    found
}

/// What `nextauth migrate --print` prints for MySQL.
pub(crate) fn ddl(layout: &Layout) -> Result<String, OpenError> {
    supported(layout)?;
    Ok(schema::ddl(&MIGRATOR, layout, Engine::MySql))
}
