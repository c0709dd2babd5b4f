//! [`SqliteAdapter`]: the embedded default. One file, WAL mode, migrations on open.
//!
//! Timestamps are INTEGER milliseconds since the Unix epoch (the core's own unit), ids are the
//! rowid (`INTEGER PRIMARY KEY`), column names as in `@auth/pg-adapter`.
//!
//! sqlx does all the work except one read: `getSessionAndUser` on a database *file* goes through
//! [`SessionReader`] (read-only rusqlite connections, no thread hop; see `sqlite_read.rs`).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterResult, AdapterSession, AdapterUser, NewUser,
    VerificationToken,
};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use crate::sqlite_read::{ReadError, SESSION_AND_USER_SQL, SessionReader};
use crate::{ACQUIRE_TIMEOUT, OpenError, call, parse_id};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another connection's write lock before SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Users, accounts, sessions and magic-link tokens in a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteAdapter {
    pool: SqlitePool,
    /// The direct read of `getSessionAndUser`: only for a database file in WAL mode. An
    /// in-memory database lives inside sqlx's one connection (another connection would open
    /// another, empty, database), so there every read goes through sqlx.
    reader: Option<Arc<SessionReader>>,
}

/// The file path of a `sqlite:` URL, or `None` for an in-memory database.
fn file_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || rest.contains("mode=memory") {
        None
    } else {
        Some(path)
    }
}

/// Whether the URL names a plain file that another SQLite connection can open by its path: not
/// with a custom VFS or as `immutable` (sqlx passes those to SQLite as URI parameters).
fn plain_file(url: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes()).all(|(k, _)| k != "vfs" && k != "immutable")
}

/// Creates the database file readable by its owner only (0600) if it does not exist yet: it
/// holds session tokens, which are bearer credentials. SQLite gives its -wal and -shm files the
/// database file's permissions.
fn create_private(path: &Path) -> Result<(), OpenError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(OpenError::Connect(format!(
            "creating {}: {e}",
            path.display()
        ))),
    }
}

impl SqliteAdapter {
    /// Opens (creating the file and its directory) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let path = file_path(url);
        if let Some(dir) = path.and_then(|p| Path::new(p).parent())
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                OpenError::Connect(format!("creating directory {}: {e}", dir.display()))
            })?;
        }
        if let Some(p) = path {
            create_private(Path::new(p))?;
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::Url(e.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // The file SQLite opens (the URL's path, percent-decoded), for the read connections.
        let filename = options.get_filename().to_path_buf();
        let pool_options = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        let pool = if path.is_some() {
            // WAL: readers never wait for the writer; NORMAL sync is durable across crashes of
            // the process (not of the OS) in WAL mode and much faster than FULL.
            let options = options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            pool_options
                .max_connections(8)
                .idle_timeout(Some(Duration::from_secs(600)))
                .connect_with(options)
                .await
        } else {
            // An in-memory database lives as long as its connection: exactly one, never closed.
            pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        }
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        let reader = if path.is_some() && plain_file(url) {
            match SessionReader::open(&filename) {
                Ok(Some(reader)) => Some(Arc::new(reader)),
                Ok(None) => {
                    tracing::warn!(database = %url, "SQLite file not in WAL mode: session reads go through the pool");
                    None
                }
                Err(e) => {
                    return Err(OpenError::Connect(format!(
                        "opening read connections to {}: {e}",
                        filename.display()
                    )));
                }
            }
        } else {
            None
        };
        tracing::debug!(
            database = %url,
            read_connections = reader.as_ref().map_or(0, |r| r.connections()),
            "SQLite storage ready"
        );
        Ok(SqliteAdapter { pool, reader })
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether `getSessionAndUser` reads through its own read-only connections (a database file
    /// in WAL mode) rather than through the pool (an in-memory database).
    pub fn has_direct_reads(&self) -> bool {
        self.reader.is_some()
    }

    /// `getSessionAndUser` through the direct read connections only, `None` without them (for
    /// tests that compare both paths).
    #[cfg(feature = "testing")]
    pub fn get_session_and_user_direct(
        &self,
        session_token: &str,
    ) -> Option<AdapterResult<Option<(AdapterSession, AdapterUser)>>> {
        let reader = self.reader.as_ref()?;
        Some(
            reader
                .get_session_and_user(session_token)
                .map_err(|e| direct_read_error(reader, &e)),
        )
    }

    /// `getSessionAndUser` through the sqlx pool (for tests that compare both paths).
    #[cfg(feature = "testing")]
    pub async fn get_session_and_user_pooled(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        self.get_session_and_user_sqlx(session_token).await
    }

    /// The hot path of database sessions on the pool: one statement, one round trip.
    async fn get_session_and_user_sqlx(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        call("getSessionAndUser", async {
            let row = sqlx::query(SESSION_AND_USER_SQL)
                .bind(session_token)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let user = user_from(&row)?;
            let session = AdapterSession {
                session_token: row.try_get("sessionToken")?,
                user_id: user.id.clone(),
                expires: row.try_get("expires")?,
            };
            Ok(Some((session, user)))
        })
        .await
    }
}

fn direct_read_error(reader: &SessionReader, e: &ReadError) -> AdapterError {
    AdapterError::Unavailable(format!(
        "getSessionAndUser: reading {}: {e}",
        reader.path().display()
    ))
}

fn user_from(row: &SqliteRow) -> Result<AdapterUser, sqlx::Error> {
    Ok(AdapterUser {
        id: row.try_get::<i64, _>("id")?.to_string(),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        email_verified: row.try_get("emailVerified")?,
        image: row.try_get("image")?,
    })
}

fn bad_user_id(id: &str) -> AdapterError {
    AdapterError::Conflict(format!("no user can have the id {id:?}"))
}

#[async_trait]
impl Adapter for SqliteAdapter {
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        call("createUser", async {
            let row = sqlx::query(
                r#"INSERT INTO users (name, email, "emailVerified", image) VALUES (?, ?, ?, ?)
                   RETURNING id, name, email, "emailVerified", image"#,
            )
            .bind(&user.name)
            .bind(&user.email)
            .bind(user.email_verified)
            .bind(&user.image)
            .fetch_one(&self.pool)
            .await?;
            user_from(&row)
        })
        .await
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        let Some(id) = parse_id(id) else {
            return Ok(None);
        };
        call("getUser", async {
            let row = sqlx::query(
                r#"SELECT id, name, email, "emailVerified", image FROM users WHERE id = ?"#,
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(user_from).transpose()
        })
        .await
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        call("getUserByEmail", async {
            let row = sqlx::query(
                r#"SELECT id, name, email, "emailVerified", image FROM users WHERE email = ?"#,
            )
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(user_from).transpose()
        })
        .await
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        call("getUserByAccount", async {
            let row = sqlx::query(
                r#"SELECT u.id, u.name, u.email, u."emailVerified", u.image
                   FROM accounts a JOIN users u ON u.id = a."userId"
                   WHERE a.provider = ? AND a."providerAccountId" = ?"#,
            )
            .bind(provider)
            .bind(provider_account_id)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(user_from).transpose()
        })
        .await
    }

    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        let id = parse_id(&user.id).ok_or_else(|| bad_user_id(&user.id))?;
        let row = call("updateUser", async {
            sqlx::query(
                r#"UPDATE users SET name = ?, email = ?, "emailVerified" = ?, image = ? WHERE id = ?
                   RETURNING id, name, email, "emailVerified", image"#,
            )
            .bind(&user.name)
            .bind(&user.email)
            .bind(user.email_verified)
            .bind(&user.image)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
        })
        .await?;
        match row {
            Some(row) => user_from(&row).map_err(crate::map_err),
            None => Err(AdapterError::Conflict(format!("updateUser: no user {id}"))),
        }
    }

    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()> {
        let user_id = parse_id(&account.user_id).ok_or_else(|| bad_user_id(&account.user_id))?;
        call("linkAccount", async {
            sqlx::query(
                r#"INSERT INTO accounts ("userId", type, provider, "providerAccountId",
                     refresh_token, access_token, expires_at, token_type, scope, id_token, session_state)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
            )
            .bind(user_id)
            .bind(&account.kind)
            .bind(&account.provider)
            .bind(&account.provider_account_id)
            .bind(&account.refresh_token)
            .bind(&account.access_token)
            .bind(account.expires_at)
            .bind(&account.token_type)
            .bind(&account.scope)
            .bind(&account.id_token)
            .bind(&account.session_state)
            .execute(&self.pool)
            .await
            .map(|_| ())
        })
        .await
    }

    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession> {
        let user_id = parse_id(&session.user_id).ok_or_else(|| bad_user_id(&session.user_id))?;
        call("createSession", async {
            sqlx::query(
                r#"INSERT INTO sessions ("sessionToken", "userId", expires) VALUES (?, ?, ?)"#,
            )
            .bind(&session.session_token)
            .bind(user_id)
            .bind(session.expires)
            .execute(&self.pool)
            .await
        })
        .await?;
        Ok(AdapterSession {
            session_token: session.session_token.clone(),
            user_id: user_id.to_string(),
            expires: session.expires,
        })
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        // The hot path of database sessions. On a file: one indexed read on this thread (see
        // sqlite_read.rs for why blocking here is fine); on an in-memory database, or if the
        // file is locked beyond the short read timeout, the same statement through the pool.
        if let Some(reader) = &self.reader {
            match reader.get_session_and_user(session_token) {
                Ok(found) => return Ok(found),
                Err(e @ ReadError::Busy(_)) => {
                    tracing::debug!(error = %e, "direct session read busy, asking the pool");
                }
                Err(e) => {
                    let mapped = direct_read_error(reader, &e);
                    tracing::debug!(call = "getSessionAndUser", error = %mapped, "adapter call failed");
                    return Err(mapped);
                }
            }
        }
        self.get_session_and_user_sqlx(session_token).await
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        call("updateSession", async {
            sqlx::query(r#"UPDATE sessions SET expires = ? WHERE "sessionToken" = ?"#)
                .bind(expires)
                .bind(session_token)
                .execute(&self.pool)
                .await
                .map(|_| ())
        })
        .await
    }

    async fn delete_session(&self, session_token: &str) -> AdapterResult<()> {
        call("deleteSession", async {
            sqlx::query(r#"DELETE FROM sessions WHERE "sessionToken" = ?"#)
                .bind(session_token)
                .execute(&self.pool)
                .await
                .map(|_| ())
        })
        .await
    }

    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        call("createVerificationToken", async {
            sqlx::query(
                "INSERT INTO verification_token (identifier, token, expires) VALUES (?, ?, ?)",
            )
            .bind(&token.identifier)
            .bind(&token.token)
            .bind(token.expires)
            .execute(&self.pool)
            .await
            .map(|_| ())
        })
        .await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        // One statement that deletes and returns: of two requests racing for one link, exactly
        // one gets the row (SQLite serialises writers; the loser deletes nothing).
        call("useVerificationToken", async {
            let row = sqlx::query(
                "DELETE FROM verification_token WHERE identifier = ? AND token = ? \
                 RETURNING identifier, token, expires",
            )
            .bind(identifier)
            .bind(hashed_token)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|r| {
                Ok(VerificationToken {
                    identifier: r.try_get("identifier")?,
                    token: r.try_get("token")?,
                    expires: r.try_get("expires")?,
                })
            })
            .transpose()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::{file_path, plain_file};

    #[test]
    fn url_forms() {
        assert_eq!(
            file_path("sqlite://data/nextauth.db"),
            Some("data/nextauth.db")
        );
        assert_eq!(file_path("sqlite:data/x.db?mode=rwc"), Some("data/x.db"));
        assert_eq!(file_path("sqlite:///abs/x.db"), Some("/abs/x.db"));
        assert_eq!(file_path("sqlite::memory:"), None);
        assert_eq!(file_path("sqlite://:memory:"), None);
    }

    #[test]
    fn plain_files() {
        assert!(plain_file("sqlite://data/nextauth.db"));
        assert!(plain_file("sqlite:data/x.db?mode=rwc"));
        assert!(!plain_file("sqlite:data/x.db?vfs=unix-dotfile"));
        assert!(!plain_file("sqlite:data/x.db?mode=ro&immutable=true"));
    }
}
