//! The hot read of database sessions (`getSessionAndUser`) on a SQLite *file*, without sqlx.
//!
//! sqlx runs every SQLite statement on a worker thread per connection and hands the result back
//! through channels: the statement costs a few µs, the thread hops and wake-ups cost far more.
//! `GET session` with a database session does exactly one indexed read, so that read goes through
//! a few read-only rusqlite connections of its own, called inline on the async task. Everything
//! else (migrations, writes, other reads, and the whole in-memory case) stays on sqlx.
//!
//! Why a blocking call on an async worker is acceptable here: it is one statement on a unique
//! index (a few µs, like taking a mutex), and in WAL mode (set by the sqlx side when it opened
//! the file) readers never wait for the writer: a read sees the last committed transaction
//! while a write is in progress. The rare cases where a reader can be told SQLITE_BUSY (another
//! connection recovering the WAL after a crash, an exclusive-locking-mode client) are bounded by
//! [`READ_BUSY_TIMEOUT`], after which the adapter answers from sqlx instead.
//!
//! Consistency: every read is its own autocommit read transaction, started when the statement
//! steps and ended when it is reset (rusqlite resets a cached statement as soon as its rows are
//! dropped), so a session committed, updated or deleted through sqlx is seen by the next read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use nextauth_core::adapter::{AdapterSession, AdapterUser};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

/// How long a read waits on a locked WAL index before giving up (and the adapter falls back to
/// sqlx): it blocks an async worker, so it is short. Readers of a WAL database only wait in
/// rare cases (see the module documentation), never for an ordinary writer.
pub(crate) const READ_BUSY_TIMEOUT: Duration = Duration::from_millis(50);

/// Most read connections opened (one per core, up to this).
const MAX_READERS: usize = 16;

/// A small pool of read-only connections to one database file, each behind its own mutex.
#[derive(Debug)]
pub(crate) struct SessionReader {
    /// Never empty (see [`SessionReader::open`]).
    conns: Box<[Mutex<Connection>]>,
    /// Spreads blocking waits when every connection is taken.
    next: AtomicUsize,
    path: PathBuf,
    /// The one statement of the hot path: the sqlx path's `Statements::session_and_user`, so
    /// both read the same thing (columns `sessionToken, expires, id, name, email,
    /// emailVerified, image`).
    sql: Box<str>,
}

/// Why a direct read failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The database was locked beyond [`READ_BUSY_TIMEOUT`]: worth asking sqlx instead.
    Busy(rusqlite::Error),
    /// Anything else (I/O, a corrupt file, a row that does not decode).
    Failed(rusqlite::Error),
    /// No connection to read with (cannot happen: the pool is never empty).
    NoConnection,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Busy(e) => write!(f, "database busy: {e}"),
            ReadError::Failed(e) => e.fmt(f),
            ReadError::NoConnection => f.write_str("no read connection open"),
        }
    }
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ReadError::Busy(e),
            _ => ReadError::Failed(e),
        }
    }
}

impl SessionReader {
    /// Opens one read-only connection per available core to the database file at `path`, which
    /// sqlx has already created, migrated and put in WAL mode. `None` if the file is not in WAL
    /// mode after all (a file system without shared memory, say): then a reader could wait for a
    /// writer, and the reads must stay on sqlx. `sql` is the statement of `getSessionAndUser`.
    pub(crate) fn open(path: &Path, sql: &str) -> Result<Option<Self>, rusqlite::Error> {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(4)
            .clamp(1, MAX_READERS);
        let first = open_one(path, sql)?;
        let mode: String = first.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Ok(None);
        }
        let mut conns = vec![Mutex::new(first)];
        for _ in 1..n {
            conns.push(Mutex::new(open_one(path, sql)?));
        }
        Ok(Some(SessionReader {
            conns: conns.into_boxed_slice(),
            next: AtomicUsize::new(0),
            path: path.to_path_buf(),
            sql: sql.into(),
        }))
    }

    /// The database file read.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// How many read connections there are.
    pub(crate) fn connections(&self) -> usize {
        self.conns.len()
    }

    /// `getSessionAndUser`, mapped exactly as the sqlx path maps its row: the user id as a
    /// string (an INTEGER rowid or TEXT), timestamps from INTEGER milliseconds or text (as
    /// `crate::values::Millis` reads them), NULL columns as `None`.
    pub(crate) fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> Result<Option<(AdapterSession, AdapterUser)>, ReadError> {
        let conn = self.connection()?;
        let mut stmt = conn.prepare_cached(&self.sql)?;
        let found = stmt
            .query_row([session_token], |row| {
                let user = AdapterUser {
                    id: id_at(row, 2)?,
                    name: row.get(3)?,
                    email: row.get(4)?,
                    email_verified: time_at(row, 5)?,
                    image: row.get(6)?,
                    extra: Default::default(),
                };
                let session = AdapterSession {
                    session_token: row.get(0)?,
                    user_id: user.id.clone(),
                    expires: time_at(row, 1)?.ok_or(rusqlite::Error::InvalidColumnType(
                        1,
                        "expires".into(),
                        rusqlite::types::Type::Null,
                    ))?,
                };
                Ok((session, user))
            })
            .optional()?;
        Ok(found)
    }

    /// A free connection if there is one, else a wait for one (a wait of a few µs: holders only
    /// run one short statement).
    fn connection(&self) -> Result<MutexGuard<'_, Connection>, ReadError> {
        for conn in self.conns.iter() {
            match conn.try_lock() {
                Ok(guard) => return Ok(guard),
                // A poisoned mutex only means that some thread panicked while holding it; the
                // connection itself has no state that a panic could leave half-done (rusqlite
                // resets a statement when it is dropped, also while unwinding), so keep using it.
                Err(TryLockError::Poisoned(poisoned)) => return Ok(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len().max(1);
        match self.conns.get(i) {
            Some(conn) => Ok(conn.lock().unwrap_or_else(PoisonError::into_inner)),
            None => Err(ReadError::NoConnection),
        }
    }
}

/// A row id: an INTEGER rowid or TEXT.
fn id_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    match row.get_ref(i)? {
        ValueRef::Integer(n) => Ok(n.to_string()),
        _ => row.get(i),
    }
}

/// A timestamp: INTEGER milliseconds, REAL, or text (RFC 3339, `YYYY-MM-DD HH:MM:SS`).
fn time_at(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<i64>> {
    use rusqlite::types::{Type, ValueRef};
    match row.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(n) => Ok(Some(n)),
        ValueRef::Real(f) => Ok(Some(f as i64)),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()
            .and_then(crate::values::parse_text_time)
            .map(Some)
            .ok_or(rusqlite::Error::InvalidColumnType(
                i,
                "timestamp".into(),
                Type::Text,
            )),
        ValueRef::Blob(_) => Err(rusqlite::Error::InvalidColumnType(
            i,
            "timestamp".into(),
            Type::Blob,
        )),
    }
}

fn open_one(path: &Path, sql: &str) -> Result<Connection, rusqlite::Error> {
    // Read-only: this connection can never write, so it can never take the write lock nor
    // checkpoint. NO_MUTEX: SQLite's own per-connection mutex is redundant behind ours.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(READ_BUSY_TIMEOUT)?;
    // Prepare now: a schema problem shows at startup, not on the first request.
    conn.prepare_cached(sql)?;
    Ok(conn)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::SqliteDialect;
    use crate::layout::{Layout, Statements};

    /// A database file with the schema, in the given journal mode, written by a plain connection.
    fn database(journal_mode: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        let _: String = conn
            .query_row(&format!("PRAGMA journal_mode = {journal_mode}"), [], |r| {
                r.get(0)
            })
            .unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_schema.sql"))
            .unwrap();
        conn.execute_batch(
            r#"INSERT INTO users (id, name, email, "emailVerified", image) VALUES (7, 'A', NULL, 5, NULL);
               INSERT INTO sessions ("userId", expires, "sessionToken") VALUES (7, 99, 'tok');"#,
        )
        .unwrap();
        (dir, path)
    }

    fn open(path: &Path) -> Result<Option<SessionReader>, rusqlite::Error> {
        let sql = Statements::new::<SqliteDialect>(&Layout::PG_ADAPTER);
        SessionReader::open(path, &sql.session_and_user)
    }

    #[test]
    fn not_wal_means_no_direct_reads() {
        let (_dir, path) = database("delete");
        assert!(open(&path).unwrap().is_none());
    }

    #[test]
    fn poisoned_connections_still_read() {
        let (_dir, path) = database("wal");
        let reader = open(&path).unwrap().expect("WAL");
        // Poison every connection: a thread panics while holding each lock.
        for conn in reader.conns.iter() {
            std::thread::scope(|s| {
                let _ = s
                    .spawn(|| {
                        let _guard = conn.lock();
                        panic!("poisoning the lock on purpose");
                    })
                    .join();
            });
            assert!(conn.is_poisoned());
        }
        let (session, user) = reader.get_session_and_user("tok").unwrap().unwrap();
        assert_eq!(session.user_id, "7");
        assert_eq!(session.expires, 99);
        assert_eq!(user.name.as_deref(), Some("A"));
        assert_eq!(user.email, None);
        assert_eq!(user.email_verified, Some(5));
        assert!(reader.get_session_and_user("other").unwrap().is_none());
    }

    #[test]
    fn all_connections_taken_waits_for_one() {
        let (_dir, path) = database("wal");
        let reader = open(&path).unwrap().expect("WAL");
        let guards: Vec<_> = reader.conns.iter().map(|c| c.lock().unwrap()).collect();
        std::thread::scope(|s| {
            let waiting = s.spawn(|| reader.get_session_and_user("tok").unwrap().is_some());
            std::thread::sleep(Duration::from_millis(20));
            drop(guards);
            assert!(waiting.join().unwrap());
        });
    }
}
