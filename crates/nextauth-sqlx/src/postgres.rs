//! [`PostgresAdapter`]: for many `nextauth` instances behind a load balancer.
//!
//! The tables and columns are those of `@auth/pg-adapter` (spec §16.2): `users`, `accounts`,
//! `sessions`, `verification_token`, camelCase quoted columns, SERIAL ids, TIMESTAMPTZ times. A
//! Next.js app using that adapter can share the database: same rows, same token hashing.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterResult, AdapterSession, AdapterUser, NewUser,
    VerificationToken,
};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use time::OffsetDateTime;

use crate::{ACQUIRE_TIMEOUT, OpenError, call, redact};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Users, accounts, sessions and magic-link tokens in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresAdapter {
    pool: PgPool,
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
        Ok(PostgresAdapter { pool })
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A SERIAL id from its string form; `None` when it cannot be one.
fn pg_id(id: &str) -> Option<i32> {
    id.trim().parse::<i32>().ok()
}

fn bad_user_id(id: &str) -> AdapterError {
    AdapterError::Conflict(format!("no user can have the id {id:?}"))
}

fn to_ts(ms: i64) -> AdapterResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| AdapterError::Conflict(format!("timestamp {ms} ms: {e}")))
}

fn to_ms(t: OffsetDateTime) -> i64 {
    // TIMESTAMPTZ has microseconds; what we write is whole milliseconds, so this is exact for
    // our rows and truncates a Next.js app's sub-millisecond values (JS Dates have none either).
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

fn user_from(row: &PgRow) -> Result<AdapterUser, sqlx::Error> {
    Ok(AdapterUser {
        id: row.try_get::<i32, _>("id")?.to_string(),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        email_verified: row
            .try_get::<Option<OffsetDateTime>, _>("emailVerified")?
            .map(to_ms),
        image: row.try_get("image")?,
    })
}

#[async_trait]
impl Adapter for PostgresAdapter {
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        let verified = user.email_verified.map(to_ts).transpose()?;
        call("createUser", async {
            let row = sqlx::query(
                r#"INSERT INTO users (name, email, "emailVerified", image) VALUES ($1, $2, $3, $4)
                   RETURNING id, name, email, "emailVerified", image"#,
            )
            .bind(&user.name)
            .bind(&user.email)
            .bind(verified)
            .bind(&user.image)
            .fetch_one(&self.pool)
            .await?;
            user_from(&row)
        })
        .await
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        let Some(id) = pg_id(id) else {
            return Ok(None);
        };
        call("getUser", async {
            let row = sqlx::query(
                r#"SELECT id, name, email, "emailVerified", image FROM users WHERE id = $1"#,
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
                r#"SELECT id, name, email, "emailVerified", image FROM users WHERE email = $1"#,
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
                   WHERE a.provider = $1 AND a."providerAccountId" = $2"#,
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
        let id = pg_id(&user.id).ok_or_else(|| bad_user_id(&user.id))?;
        let verified = user.email_verified.map(to_ts).transpose()?;
        let row = call("updateUser", async {
            sqlx::query(
                r#"UPDATE users SET name = $2, email = $3, "emailVerified" = $4, image = $5
                   WHERE id = $1
                   RETURNING id, name, email, "emailVerified", image"#,
            )
            .bind(id)
            .bind(&user.name)
            .bind(&user.email)
            .bind(verified)
            .bind(&user.image)
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
        let user_id = pg_id(&account.user_id).ok_or_else(|| bad_user_id(&account.user_id))?;
        call("linkAccount", async {
            sqlx::query(
                r#"INSERT INTO accounts ("userId", type, provider, "providerAccountId",
                     refresh_token, access_token, expires_at, token_type, scope, id_token, session_state)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
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
        let user_id = pg_id(&session.user_id).ok_or_else(|| bad_user_id(&session.user_id))?;
        let expires = to_ts(session.expires)?;
        call("createSession", async {
            sqlx::query(
                r#"INSERT INTO sessions ("sessionToken", "userId", expires) VALUES ($1, $2, $3)"#,
            )
            .bind(&session.session_token)
            .bind(user_id)
            .bind(expires)
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
        // The hot path of database sessions: one statement, one round trip (the pg adapter
        // does two selects).
        call("getSessionAndUser", async {
            let row = sqlx::query(
                r#"SELECT s."sessionToken", s.expires, u.id, u.name, u.email, u."emailVerified", u.image
                   FROM sessions s JOIN users u ON u.id = s."userId"
                   WHERE s."sessionToken" = $1"#,
            )
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
                expires: to_ms(row.try_get("expires")?),
            };
            Ok(Some((session, user)))
        })
        .await
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        let expires = to_ts(expires)?;
        call("updateSession", async {
            sqlx::query(r#"UPDATE sessions SET expires = $1 WHERE "sessionToken" = $2"#)
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
            sqlx::query(r#"DELETE FROM sessions WHERE "sessionToken" = $1"#)
                .bind(session_token)
                .execute(&self.pool)
                .await
                .map(|_| ())
        })
        .await
    }

    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        let expires = to_ts(token.expires)?;
        call("createVerificationToken", async {
            sqlx::query(
                "INSERT INTO verification_token (identifier, token, expires) VALUES ($1, $2, $3)",
            )
            .bind(&token.identifier)
            .bind(&token.token)
            .bind(expires)
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
        // DELETE … RETURNING is atomic: of two instances racing for one link, the second waits
        // on the first's row lock and then finds the row gone, so the link signs in exactly once.
        call("useVerificationToken", async {
            let row = sqlx::query(
                "DELETE FROM verification_token WHERE identifier = $1 AND token = $2 \
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
                    expires: to_ms(r.try_get("expires")?),
                })
            })
            .transpose()
        })
        .await
    }
}
