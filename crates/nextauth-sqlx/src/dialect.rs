//! [`Dialect`]: what differs between the SQL databases the one adapter ([`crate::SqlAdapter`])
//! runs on. Everything else (the statements' text, binding, decoding, error mapping, timeouts)
//! is written once.
//!
//! # The three databases
//!
//! SQLite, PostgreSQL and MySQL/MariaDB are each a `Dialect` impl plus an `open` for its pool
//! (`sqlite.rs`, `postgres.rs`, `mysql.rs`); the adapter body is not copied. MySQL differs most:
//!
//! * placeholders `?` ([`Dialect::placeholder`]) and backtick quoting ([`Dialect::quote`]);
//! * no `RETURNING` ([`Dialect::RETURNING`]; MariaDB lacks `UPDATE … RETURNING`, MySQL has
//!   none): `createUser` inserts with the id the application made and reads the row back,
//!   `updateUser` updates and reads back by id, `useVerificationToken` is `SELECT … FOR UPDATE`
//!   then `DELETE` in one transaction, the outbox claim locks the due ids first; one branch in
//!   each of those methods, not a copy;
//! * upserts `ON DUPLICATE KEY UPDATE` / `INSERT IGNORE` ([`Dialect::ON_DUPLICATE_KEY`]) in
//!   our own tables' statements;
//! * conflict detection: sqlx recognises MySQL's duplicate-key and foreign-key errors, so the
//!   provided [`Dialect::is_conflict`] fits.
//!
//! # Table layouts
//!
//! Names, id and time encodings come from a [`crate::Layout`], not from the dialect: ids and
//! timestamps are bound and read as `crate::values`' `RowId` and `Millis`, which encode to the
//! form the layout declares and decode from every form a layout allows, for every driver.

use std::fmt;

use nextauth_core::adapter::{AdapterResult, AdapterSession, AdapterUser};
use sqlx::Database;
use sqlx::error::DatabaseError;

/// The syntax and types of one SQL database, for [`crate::SqlAdapter`].
///
/// The value itself is kept by the adapter, so a dialect may carry per-database state (SQLite's
/// direct read connections).
pub trait Dialect: Clone + fmt::Debug + Send + Sync + 'static {
    /// The sqlx driver.
    type Db: Database;

    /// What the event outbox's claim appends to its row selection so that concurrent workers
    /// skip each other's rows: PostgreSQL's ` FOR UPDATE SKIP LOCKED`. Empty where writers are
    /// serialised anyway (SQLite: one writer at a time, the claim is one `UPDATE`).
    const SKIP_LOCKED: &'static str = "";

    /// Whether the database has `INSERT/UPDATE/DELETE … RETURNING` (SQLite, PostgreSQL). Where
    /// it does not (MySQL; MariaDB lacks `UPDATE … RETURNING`), the adapter writes and then
    /// reads in one transaction, and spends a magic link with `SELECT … FOR UPDATE` + `DELETE`.
    const RETURNING: bool = true;

    /// Whether upserts are written `ON DUPLICATE KEY UPDATE` / `INSERT IGNORE` (MySQL) rather
    /// than `ON CONFLICT … DO …` (SQLite, PostgreSQL).
    const ON_DUPLICATE_KEY: bool = false;

    /// The database's own clock as ms since the epoch, as an SQL expression: revocations are
    /// stamped with it, so every instance reads them by one clock (`crate::revocations`).
    const NOW_MS: &'static str;

    /// How many rows a statement changed (each driver's result type has its own method).
    fn rows_affected(result: &<Self::Db as Database>::QueryResult) -> u64;

    /// The `n`th (1-based) bind parameter: `$n` or `?`.
    fn placeholder(n: usize) -> String;

    /// An identifier quoted for this database (standard SQL's double quotes by default).
    fn quote(identifier: &str) -> String {
        format!("\"{}\"", identifier.replace('"', "\"\""))
    }

    /// Whether a database error is a violated constraint (unique e-mail or account, missing
    /// user): the caller's problem, [`nextauth_core::adapter::AdapterError::Conflict`], rather
    /// than "storage unavailable".
    fn is_conflict(e: &dyn DatabaseError) -> bool {
        e.is_unique_violation() || e.is_foreign_key_violation() || e.is_check_violation()
    }

    /// `getSessionAndUser` answered without the pool, if this database has a faster way
    /// (SQLite's direct read connections). `None`: ask the pool.
    fn read_session_and_user(
        &self,
        _session_token: &str,
    ) -> Option<AdapterResult<Option<(AdapterSession, AdapterUser)>>> {
        None
    }
}
