//! [`Dialect`]: what differs between the SQL databases the one adapter ([`crate::SqlAdapter`])
//! runs on. Everything else (the statements' text, binding, decoding, error mapping, timeouts)
//! is written once.
//!
//! # Adding a database
//!
//! A third database (MySQL/MariaDB) is a `Dialect` impl plus an `open` for its pool, next to
//! `sqlite.rs` and `postgres.rs`; the adapter body is not copied:
//!
//! * placeholders `?` ([`Dialect::placeholder`]) and backtick quoting ([`Dialect::quote`]);
//! * `RETURNING`: MariaDB 10.11 has `INSERT … RETURNING` and `DELETE … RETURNING` but not
//!   `UPDATE … RETURNING`; MySQL has none. Those are the only three statements that use it
//!   (`createUser`, `updateUser`, `useVerificationToken`). The dialect would declare which it
//!   has (a `const RETURNING: Returning` with a flag per statement kind, defaulting to all), and
//!   the adapter's three methods would take the other branch where a flag is off: the insert,
//!   then a select by the driver's last insert id; the update, then a select by id; and, to keep
//!   `useVerificationToken` atomic, a transaction doing `SELECT … FOR UPDATE` then `DELETE`. That
//!   is one branch in each of those three methods, not a third copy; it is not written yet
//!   because no dialect here lacks `RETURNING` and untested branches would rot.
//! * conflict detection: sqlx recognises MySQL's duplicate-key and foreign-key errors, so the
//!   provided [`Dialect::is_conflict`] fits; a dialect overrides it where its driver does not.
//! * upserts: no statement upserts today. One that did would take its conflict clause from the
//!   dialect (`ON CONFLICT … DO UPDATE` here, `ON DUPLICATE KEY UPDATE` on MySQL).
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
