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
//! * ids `BIGINT AUTO_INCREMENT` ([`Dialect::Id`] = `i64`), times `DATETIME(3)`
//!   ([`Dialect::Time`] with [`Dialect::encode_time`] / [`Dialect::decode_time`]);
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
//! # Other table layouts
//!
//! Names come from a [`crate::Layout`]. Where a layout's column *types* differ too, the dialect
//! describes them, because its associated types are the column types: Prisma's and Drizzle's
//! PostgreSQL schemas keep text ids that the application makes (`cuid()`, `randomUUID()`) and
//! `TIMESTAMP(3)` without time zone. They would get a small dialect of their own (`Id =
//! String`, `Time = PrimitiveDateTime`, PostgreSQL's placeholders) and one new provided method,
//! `fn new_id() -> Option<Self::Id>` (`None`: the database makes ids, as today), which
//! `createUser` binds, and [`crate::Statements`] lists in its `INSERT`, when it is `Some`.
//! Again one branch in one method, not a copy.

use std::fmt;
use std::str::FromStr;

use nextauth_core::adapter::{AdapterResult, AdapterSession, AdapterUser};
use sqlx::error::DatabaseError;
use sqlx::{Database, Decode, Encode, Type};

/// The syntax and types of one SQL database, for [`crate::SqlAdapter`].
///
/// The value itself is kept by the adapter, so a dialect may carry per-database state (SQLite's
/// direct read connections).
pub trait Dialect: Clone + fmt::Debug + Send + Sync + 'static {
    /// The sqlx driver.
    type Db: Database;

    /// A user id as stored (`SERIAL` is `i32` on PostgreSQL, the rowid `i64` on SQLite). The
    /// core sees ids as strings: [`Dialect::parse_id`] reads them, `Display` writes them.
    ///
    /// Layouts whose ids are text made by the application (Prisma, Drizzle) take a dialect
    /// with a `String` id (see the module documentation).
    type Id: fmt::Display
        + FromStr
        + Send
        + Sync
        + 'static
        + for<'q> Encode<'q, Self::Db>
        + for<'r> Decode<'r, Self::Db>
        + Type<Self::Db>;

    /// A timestamp as stored (TIMESTAMPTZ on PostgreSQL; INTEGER ms since the epoch on SQLite).
    type Time: Send
        + Sync
        + 'static
        + for<'q> Encode<'q, Self::Db>
        + for<'r> Decode<'r, Self::Db>
        + Type<Self::Db>;

    /// What the event outbox's claim appends to its row selection so that concurrent workers
    /// skip each other's rows: PostgreSQL's ` FOR UPDATE SKIP LOCKED`. Empty where writers are
    /// serialised anyway (SQLite: one writer at a time, the claim is one `UPDATE`).
    const SKIP_LOCKED: &'static str = "";

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

    /// A user id from its string form; `None` for an id that cannot exist (v4's pg adapter
    /// answers null for a non-numeric id rather than an error).
    fn parse_id(id: &str) -> Option<Self::Id> {
        id.trim().parse().ok()
    }

    /// Milliseconds since the Unix epoch (the core's unit) as stored. An error is a value the
    /// database cannot hold ([`nextauth_core::adapter::AdapterError::Conflict`]).
    fn encode_time(ms: i64) -> AdapterResult<Self::Time>;

    /// A stored timestamp as milliseconds since the Unix epoch.
    fn decode_time(stored: Self::Time) -> i64;

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
