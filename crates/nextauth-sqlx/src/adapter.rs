//! [`SqlAdapter`]: the v4 adapter over sqlx, once for every [`Dialect`].
//!
//! Each method binds its values in the order its statement in [`Statements`] numbers them and
//! decodes rows by position. What a database does differently is asked of the dialect.

use std::sync::Arc;

use async_trait::async_trait;
use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterResult, AdapterSession, AdapterUser, NewUser,
    OutboxEvent, OutboxRow, RefreshClaim, Revocation, RevocationKind, UserEvents,
    VerificationToken,
};
use sqlx::{AssertSqlSafe, ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool};
use sqlx::{Row, Type};

use crate::call::call;
use crate::claims::ClaimsSql;
use crate::dialect::Dialect;
use crate::layout::{Layout, Statements};
use crate::outbox::OutboxSql;
use crate::rate_limits::RateLimitsSql;
use crate::refresh::RefreshSql;
use crate::revocations::RevocationsSql;
use crate::values::{Millis, RowId};

/// Users, accounts, sessions and magic-link tokens in a SQL database: the v4 adapter's methods
/// over a sqlx pool, with the statements of one [`Layout`] built at construction.
///
/// Used through its aliases [`crate::SqliteAdapter`] and [`crate::PostgresAdapter`], whose
/// `open` sets up the pool and runs the migrations.
#[derive(Debug, Clone)]
pub struct SqlAdapter<D: Dialect> {
    pool: Pool<D::Db>,
    layout: Layout,
    sql: Arc<Statements>,
    outbox: Arc<OutboxSql>,
    claims: Arc<ClaimsSql>,
    revocations: Arc<RevocationsSql>,
    refresh: Arc<RefreshSql>,
    rate_limits: Arc<RateLimitsSql>,
    dialect: D,
}

impl<D: Dialect> SqlAdapter<D> {
    /// An adapter over `pool` (already migrated) for the tables of `layout`.
    pub(crate) fn new(pool: Pool<D::Db>, dialect: D, layout: Layout, sql: Arc<Statements>) -> Self {
        SqlAdapter {
            pool,
            layout,
            sql,
            outbox: Arc::new(OutboxSql::new::<D>()),
            claims: Arc::new(ClaimsSql::new::<D>()),
            revocations: Arc::new(RevocationsSql::new::<D>()),
            refresh: Arc::new(RefreshSql::new::<D>()),
            rate_limits: Arc::new(RateLimitsSql::new::<D>()),
            dialect,
        }
    }

    /// The statements of `layout` in this dialect (built before the adapter when the dialect's
    /// own state needs them, as SQLite's direct reads do).
    pub(crate) fn statements(layout: &Layout) -> Arc<Statements> {
        Arc::new(Statements::new::<D>(layout))
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &Pool<D::Db> {
        &self.pool
    }

    /// The table layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The dialect's state.
    pub(crate) fn dialect(&self) -> &D {
        &self.dialect
    }

    /// The same adapter with another dialect value (the same pool and statements).
    #[cfg(feature = "testing")]
    pub(crate) fn with_dialect(&self, dialect: D) -> Self {
        SqlAdapter {
            pool: self.pool.clone(),
            layout: self.layout,
            sql: Arc::clone(&self.sql),
            outbox: Arc::clone(&self.outbox),
            claims: Arc::clone(&self.claims),
            revocations: Arc::clone(&self.revocations),
            refresh: Arc::clone(&self.refresh),
            rate_limits: Arc::clone(&self.rate_limits),
            dialect,
        }
    }
}

/// A statement built at construction, for sqlx (an `Arc` clone, no copy of the text).
fn query<DB: Database>(sql: &Arc<str>) -> sqlx::query::Query<'static, DB, DB::Arguments> {
    sqlx::query(AssertSqlSafe(Arc::clone(sql)))
}

fn bad_user_id(id: &str) -> AdapterError {
    AdapterError::Conflict(format!("no user can have the id {id:?}"))
}

/// A user from the five columns starting at `at` (`id, name, email, emailVerified, image`).
fn user_at<D: Dialect>(
    row: &<D::Db as Database>::Row,
    at: usize,
) -> Result<AdapterUser, sqlx::Error>
where
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'r> Option<String>: Decode<'r, D::Db> + Type<D::Db>,
    for<'r> RowId: Decode<'r, D::Db> + Type<D::Db>,
    for<'r> Option<Millis>: Decode<'r, D::Db> + Type<D::Db>,
{
    Ok(AdapterUser {
        id: row.try_get::<RowId, _>(at)?.to_string(),
        name: row.try_get(at + 1)?,
        email: row.try_get(at + 2)?,
        email_verified: row.try_get::<Option<Millis>, _>(at + 3)?.map(|t| t.ms),
        image: row.try_get(at + 4)?,
        extra: Default::default(),
    })
}

// The bounds say what the adapter needs of a sqlx driver (every driver meets them). Rust does
// not imply bounds on other types from a trait's where clause, so each impl block states its own.
impl<D: Dialect> SqlAdapter<D>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'r> Option<String>: Decode<'r, D::Db> + Type<D::Db>,
    for<'r> RowId: Decode<'r, D::Db> + Type<D::Db>,
    for<'r> Option<Millis>: Decode<'r, D::Db> + Type<D::Db>,
{
    /// One of the statements that answer a user, with its parameters bound.
    async fn fetch_user(
        &self,
        what: &'static str,
        q: sqlx::query::Query<'static, D::Db, <D::Db as Database>::Arguments>,
    ) -> AdapterResult<Option<AdapterUser>> {
        call::<D, _>(what, async {
            let row = q.fetch_optional(&self.pool).await?;
            row.as_ref().map(|r| user_at::<D>(r, 0)).transpose()
        })
        .await
    }

    /// Writes `events` to the outbox on `conn` (the caller's transaction).
    async fn insert_events(
        &self,
        conn: &mut <D::Db as Database>::Connection,
        events: &[OutboxEvent],
    ) -> Result<(), sqlx::Error>
    where
        for<'q> String: Encode<'q, D::Db> + Type<D::Db>,
        for<'q> i64: Encode<'q, D::Db> + Type<D::Db>,
    {
        for e in events {
            query::<D::Db>(&self.outbox.insert)
                .bind(e.id.clone())
                .bind(e.kind.clone())
                .bind(e.created_at)
                .bind(e.body.clone())
                .bind(e.created_at)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// One statement that answers nothing and `events`, in one transaction.
    async fn execute_with_events(
        &self,
        what: &'static str,
        q: sqlx::query::Query<'static, D::Db, <D::Db as Database>::Arguments>,
        events: &[OutboxEvent],
    ) -> AdapterResult<()>
    where
        for<'q> String: Encode<'q, D::Db> + Type<D::Db>,
        for<'q> i64: Encode<'q, D::Db> + Type<D::Db>,
    {
        call::<D, _>(what, async {
            let mut tx = self.pool.begin().await?;
            q.execute(&mut *tx).await?;
            self.insert_events(&mut tx, events).await?;
            tx.commit().await
        })
        .await
    }

    /// One of the statements that answer nothing, with its parameters bound.
    async fn execute(
        &self,
        what: &'static str,
        q: sqlx::query::Query<'static, D::Db, <D::Db as Database>::Arguments>,
    ) -> AdapterResult<()> {
        call::<D, _>(what, async { q.execute(&self.pool).await.map(|_| ()) }).await
    }
}

type Q<D> =
    sqlx::query::Query<'static, <D as Dialect>::Db, <<D as Dialect>::Db as Database>::Arguments>;

// The statements of the writes that may carry events, bound: shared by the plain adapter methods
// and their `*_with_events` forms.
impl<D: Dialect> SqlAdapter<D>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> RowId: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<RowId>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Millis: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<Millis>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> i32: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
{
    /// The statement and the id it inserts, where the application makes ids.
    fn q_create_user(&self, user: &NewUser) -> AdapterResult<(Q<D>, Option<RowId>)> {
        let verified = user
            .email_verified
            .map(|ms| self.layout.encode_time(ms))
            .transpose()?;
        let mut q = query::<D::Db>(&self.sql.create_user);
        let id = self.layout.ids.new_id().map(RowId::Text);
        if let Some(id) = &id {
            q = q.bind(id.clone());
        }
        let q = q
            .bind(user.name.clone())
            .bind(user.email.clone())
            .bind(verified)
            .bind(user.image.clone());
        Ok((q, id))
    }

    /// The statement and the user's id.
    fn q_update_user(&self, user: &AdapterUser) -> AdapterResult<(Q<D>, RowId)> {
        let id = self
            .layout
            .parse_id(&user.id)
            .ok_or_else(|| bad_user_id(&user.id))?;
        let verified = user
            .email_verified
            .map(|ms| self.layout.encode_time(ms))
            .transpose()?;
        let q = query(&self.sql.update_user)
            .bind(user.name.clone())
            .bind(user.email.clone())
            .bind(verified)
            .bind(user.image.clone())
            .bind(id.clone());
        Ok((q, id))
    }

    /// Runs a bound `createUser` on `conn` and answers the user: its `RETURNING` row, or, where
    /// the database has none, the row read back by the id the application made.
    async fn created_user(
        &self,
        conn: &mut <D::Db as Database>::Connection,
        q: Q<D>,
        id: Option<RowId>,
    ) -> Result<AdapterUser, sqlx::Error> {
        if D::RETURNING {
            let row = q.fetch_one(&mut *conn).await?;
            return user_at::<D>(&row, 0);
        }
        q.execute(&mut *conn).await?;
        let id = id.ok_or_else(|| {
            sqlx::Error::Protocol("a database without RETURNING needs ids made here".into())
        })?;
        let row = query::<D::Db>(&self.sql.get_user)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
        user_at::<D>(&row, 0)
    }

    /// Runs a bound `updateUser` on `conn`: the updated user, `None` when there is no such
    /// user (read back by id where the database has no `RETURNING`).
    async fn updated_user(
        &self,
        conn: &mut <D::Db as Database>::Connection,
        q: Q<D>,
        id: RowId,
    ) -> Result<Option<AdapterUser>, sqlx::Error> {
        if D::RETURNING {
            let row = q.fetch_optional(&mut *conn).await?;
            return row.as_ref().map(|r| user_at::<D>(r, 0)).transpose();
        }
        // Matched rows (sqlx asks MySQL for found rows, so an update to the same values is 1).
        if D::rows_affected(&q.execute(&mut *conn).await?) == 0 {
            return Ok(None);
        }
        let row = query::<D::Db>(&self.sql.get_user)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(|r| user_at::<D>(r, 0)).transpose()
    }

    /// `claimRefresh` where upserts cannot say whether they took the lease (MySQL): insert the
    /// lease if the key is new; else read the row locked and take it over if it expired.
    async fn claim_refresh_locked(
        &self,
        key: &str,
        now_ms: i64,
        lease_until: i64,
    ) -> AdapterResult<RefreshClaim> {
        let insert = query(&self.refresh.claim)
            .bind(key.to_string())
            .bind(lease_until)
            .bind(lease_until);
        let locked = query(&self.refresh.locked).bind(key.to_string());
        let take_over = query(&self.refresh.take_over)
            .bind(lease_until)
            .bind(lease_until)
            .bind(key.to_string());
        call::<D, _>("claimRefresh", async {
            let mut tx = self.pool.begin().await?;
            if D::rows_affected(&insert.execute(&mut *tx).await?) == 1 {
                tx.commit().await?;
                return Ok(RefreshClaim::Leased);
            }
            let claim = match locked.fetch_optional(&mut *tx).await? {
                // Swept between the two statements: ask again.
                None => RefreshClaim::Busy,
                Some(row) => match row.try_get::<Option<String>, _>(0)? {
                    Some(result) => RefreshClaim::Done(result),
                    None if row.try_get::<i64, _>(1)? < now_ms => {
                        take_over.execute(&mut *tx).await?;
                        RefreshClaim::Leased
                    }
                    None => RefreshClaim::Busy,
                },
            };
            tx.commit().await?;
            Ok(claim)
        })
        .await
    }

    /// `claimEvents` without `UPDATE … RETURNING` (MySQL): the due ids locked (skipping rows
    /// other workers hold), each leased, then read, in one transaction.
    async fn claim_events_locked(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: u32,
    ) -> AdapterResult<Vec<OutboxRow>> {
        call::<D, _>("claimEvents", async {
            let mut tx = self.pool.begin().await?;
            let ids: Vec<String> = query::<D::Db>(&self.outbox.claim_ids)
                .bind(now_ms)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
            let mut claimed = Vec::with_capacity(ids.len());
            for id in ids {
                query::<D::Db>(&self.outbox.claim_one)
                    .bind(lease_until)
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
                let r = query::<D::Db>(&self.outbox.get_one)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                claimed.push(OutboxRow {
                    event: OutboxEvent {
                        id: r.try_get(0)?,
                        kind: r.try_get(1)?,
                        created_at: r.try_get(2)?,
                        body: r.try_get(3)?,
                    },
                    attempts: u32::try_from(r.try_get::<i32, _>(4)?).unwrap_or(0),
                });
            }
            tx.commit().await?;
            Ok(claimed)
        })
        .await
    }

    fn q_link_account(&self, account: &AdapterAccount) -> AdapterResult<Q<D>> {
        let user_id = self
            .layout
            .parse_id(&account.user_id)
            .ok_or_else(|| bad_user_id(&account.user_id))?;
        let mut q = query(&self.sql.link_account);
        if let (Some(_), Some(id)) = (self.layout.accounts.id, self.layout.ids.new_id()) {
            q = q.bind(RowId::Text(id));
        }
        Ok(q.bind(user_id)
            .bind(account.kind.clone())
            .bind(account.provider.clone())
            .bind(account.provider_account_id.clone())
            .bind(account.refresh_token.clone())
            .bind(account.access_token.clone())
            .bind(account.expires_at)
            .bind(account.token_type.clone())
            .bind(account.scope.clone())
            .bind(account.id_token.clone())
            .bind(account.session_state.clone()))
    }

    /// The statement and the session as stored (its user id normalised).
    fn q_create_session(&self, session: &AdapterSession) -> AdapterResult<(Q<D>, AdapterSession)> {
        let user_id = self
            .layout
            .parse_id(&session.user_id)
            .ok_or_else(|| bad_user_id(&session.user_id))?;
        let expires = self.layout.encode_time(session.expires)?;
        let stored = AdapterSession {
            session_token: session.session_token.clone(),
            user_id: user_id.to_string(),
            expires: session.expires,
        };
        let mut q = query(&self.sql.create_session);
        if let (Some(_), Some(id)) = (self.layout.sessions.id, self.layout.ids.new_id()) {
            q = q.bind(RowId::Text(id));
        }
        let q = q
            .bind(session.session_token.clone())
            .bind(user_id)
            .bind(expires);
        Ok((q, stored))
    }
}

#[async_trait]
impl<D: Dialect> Adapter for SqlAdapter<D>
where
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    <D::Db as Database>::Arguments: IntoArguments<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> RowId: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<RowId>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Millis: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<Millis>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> i32: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
{
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        let (q, id) = self.q_create_user(&user)?;
        call::<D, _>("createUser", async {
            let mut conn = self.pool.acquire().await?;
            self.created_user(&mut conn, q, id).await
        })
        .await
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        let Some(id) = self.layout.parse_id(id) else {
            return Ok(None);
        };
        self.fetch_user("getUser", query(&self.sql.get_user).bind(&id))
            .await
    }

    // Lookups by a value the client chose (an e-mail address, an account id, a session token)
    // keep only a row whose value is exactly the one asked for. PostgreSQL and SQLite compare
    // exactly already; MySQL compares by the column's collation, and the layouts' tables use
    // case- and accent-insensitive ones (Prisma's `utf8mb4_unicode_ci`, the server default for
    // Drizzle's): there `jose@example.com` would find the user `josé@example.com`, and a
    // sign-in by the one mailbox would open the other's account. The unique index lets at most
    // one row match, so the re-check costs one comparison.

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        let q = query(&self.sql.get_user_by_email).bind(email);
        let user = self.fetch_user("getUserByEmail", q).await?;
        Ok(user.filter(|u| u.email.as_deref() == Some(email)))
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        call::<D, _>("getUserByAccount", async {
            let row = query::<D::Db>(&self.sql.get_user_by_account)
                .bind(provider)
                .bind(provider_account_id)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            // The user's five columns, then the account's provider and providerAccountId.
            let exact = row.try_get::<String, _>(5)? == provider
                && row.try_get::<String, _>(6)? == provider_account_id;
            if !exact {
                return Ok(None);
            }
            user_at::<D>(&row, 0).map(Some)
        })
        .await
    }

    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        let (q, id) = self.q_update_user(user)?;
        let updated = call::<D, _>("updateUser", async {
            let mut conn = self.pool.acquire().await?;
            self.updated_user(&mut conn, q, id).await
        })
        .await?;
        match updated {
            Some(updated) => Ok(updated),
            None => Err(AdapterError::Conflict(format!(
                "updateUser: no user {}",
                user.id
            ))),
        }
    }

    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()> {
        let q = self.q_link_account(account)?;
        self.execute("linkAccount", q).await
    }

    async fn update_account_tokens(&self, account: &AdapterAccount) -> AdapterResult<()> {
        let q = query(&self.sql.update_account_tokens)
            .bind(account.access_token.clone())
            .bind(account.refresh_token.clone())
            .bind(account.expires_at)
            .bind(account.token_type.clone())
            .bind(account.scope.clone())
            .bind(account.id_token.clone())
            .bind(account.provider.clone())
            .bind(account.provider_account_id.clone());
        self.execute("updateAccountTokens", q).await
    }

    async fn get_account(
        &self,
        user_id: &str,
        provider: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        let Some(id) = self.layout.parse_id(user_id) else {
            return Ok(None);
        };
        let q = query(&self.sql.get_account).bind(&id).bind(provider);
        call::<D, _>("getAccount", async {
            let Some(row) = q.fetch_optional(&self.pool).await? else {
                return Ok(None);
            };
            let text = |i: usize| row.try_get::<Option<String>, _>(i);
            Ok(Some(AdapterAccount {
                user_id: id.to_string(),
                kind: row.try_get::<String, _>(0)?,
                provider: row.try_get::<String, _>(1)?,
                provider_account_id: row.try_get::<String, _>(2)?,
                refresh_token: text(3)?,
                access_token: text(4)?,
                expires_at: row.try_get::<Option<i64>, _>(5)?,
                token_type: text(6)?,
                scope: text(7)?,
                id_token: text(8)?,
                session_state: text(9)?,
                extra: serde_json::Map::new(),
            }))
        })
        .await
    }

    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession> {
        let (q, stored) = self.q_create_session(session)?;
        self.execute("createSession", q).await?;
        Ok(stored)
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        // The hot path of database sessions: the dialect's own way if it has one (SQLite on a
        // file: one indexed read on this thread), else one statement through the pool.
        if let Some(answer) = self.dialect.read_session_and_user(session_token) {
            return answer;
        }
        // One statement, one round trip (the pg adapter does two selects).
        call::<D, _>("getSessionAndUser", async {
            let row = query::<D::Db>(&self.sql.session_and_user)
                .bind(session_token)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            // Exactly this token (see `get_user_by_email`: MySQL's collations).
            let found: String = row.try_get(0)?;
            if found != session_token {
                return Ok(None);
            }
            let user = user_at::<D>(&row, 2)?;
            let session = AdapterSession {
                session_token: found,
                user_id: user.id.clone(),
                expires: row.try_get::<Millis, _>(1)?.ms,
            };
            Ok(Some((session, user)))
        })
        .await
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        let expires = self.layout.encode_time(expires)?;
        let q = query(&self.sql.update_session_expiry)
            .bind(expires)
            .bind(session_token);
        self.execute("updateSession", q).await
    }

    async fn delete_session(&self, session_token: &str) -> AdapterResult<()> {
        self.delete_session_with_events(session_token, &[]).await
    }

    async fn get_session_claims(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<serde_json::Map<String, serde_json::Value>>> {
        let text: Option<String> = call::<D, _>("getSessionClaims", async {
            let row = query::<D::Db>(&self.claims.get)
                .bind(session_token)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| r.try_get(0)).transpose()
        })
        .await?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| {
                AdapterError::Unavailable(format!(
                    "getSessionClaims: the stored claims are not a JSON object ({e})"
                ))
            })
        })
        .transpose()
    }

    async fn claim_refresh(
        &self,
        key: &str,
        now_ms: i64,
        lease_until: i64,
    ) -> AdapterResult<RefreshClaim> {
        if D::ON_DUPLICATE_KEY {
            return self.claim_refresh_locked(key, now_ms, lease_until).await;
        }
        let claim = query(&self.refresh.claim)
            .bind(key.to_string())
            .bind(lease_until)
            .bind(lease_until)
            .bind(now_ms);
        let get = query(&self.refresh.get).bind(key.to_string());
        call::<D, _>("claimRefresh", async {
            if claim.fetch_optional(&self.pool).await?.is_some() {
                return Ok(RefreshClaim::Leased);
            }
            let result: Option<String> = match get.fetch_optional(&self.pool).await? {
                Some(row) => row.try_get(0)?,
                // Swept between the two statements: ask again.
                None => None,
            };
            Ok(result.map_or(RefreshClaim::Busy, RefreshClaim::Done))
        })
        .await
    }

    async fn finish_refresh(
        &self,
        key: &str,
        result: Option<&str>,
        keep_until: i64,
    ) -> AdapterResult<()> {
        let q = query(&self.refresh.finish)
            .bind(result.map(str::to_string))
            .bind(keep_until)
            .bind(key.to_string());
        self.execute("finishRefresh", q).await
    }

    async fn delete_expired_refreshes(&self, now_ms: i64) -> AdapterResult<()> {
        let q = query(&self.refresh.delete_expired).bind(now_ms);
        self.execute("deleteExpiredRefreshes", q).await
    }

    async fn add_revocation(&self, r: &Revocation) -> AdapterResult<()> {
        let q = query(&self.revocations.insert)
            .bind(r.kind.as_str())
            .bind(r.subject.clone())
            .bind(r.at)
            .bind(r.until);
        self.execute("addRevocation", q).await
    }

    async fn revocations_since(&self, since: i64) -> AdapterResult<Vec<(Revocation, i64)>> {
        let rows = call::<D, _>("revocationsSince", async {
            query::<D::Db>(&self.revocations.since)
                .bind(since)
                .fetch_all(&self.pool)
                .await
        })
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let decoded: Result<(String, String, i64, i64, i64), sqlx::Error> = (|| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                ))
            })();
            let (kind, subject, at, until, recorded) =
                decoded.map_err(crate::call::map_err::<D>)?;
            // A kind this version does not know (written by a newer one): skipped.
            if let Some(kind) = RevocationKind::parse(&kind) {
                out.push((
                    Revocation {
                        kind,
                        subject,
                        at,
                        until,
                    },
                    recorded,
                ));
            }
        }
        Ok(out)
    }

    async fn delete_expired_revocations(&self, now_ms: i64) -> AdapterResult<()> {
        let q = query(&self.revocations.delete_expired).bind(now_ms);
        self.execute("deleteExpiredRevocations", q).await
    }

    async fn spend_logout_token(
        &self,
        key: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> AdapterResult<bool> {
        let expired = query(&self.revocations.logout_tokens_expired).bind(now_ms);
        let insert = query(&self.revocations.spend_logout_token)
            .bind(key.to_string())
            .bind(until_ms);
        call::<D, _>("spendLogoutToken", async {
            let mut tx = self.pool.begin().await?;
            expired.execute(&mut *tx).await?;
            let n = D::rows_affected(&insert.execute(&mut *tx).await?);
            tx.commit().await?;
            Ok(n == 1)
        })
        .await
    }

    async fn rate_limit_hit(
        &self,
        key: &str,
        window_start_ms: i64,
        window_end_ms: i64,
    ) -> AdapterResult<u64> {
        let q = query(&self.rate_limits.hit)
            .bind(key.to_string())
            .bind(window_start_ms)
            .bind(window_end_ms);
        if D::ON_DUPLICATE_KEY {
            // The upsert, then the count it left, in one transaction (the row stays locked).
            let count = query(&self.rate_limits.hits)
                .bind(key.to_string())
                .bind(window_start_ms);
            return call::<D, _>("rateLimitHit", async {
                let mut tx = self.pool.begin().await?;
                q.execute(&mut *tx).await?;
                let hits: i64 = count.fetch_one(&mut *tx).await?.try_get(0)?;
                tx.commit().await?;
                Ok(u64::try_from(hits).unwrap_or(0))
            })
            .await;
        }
        call::<D, _>("rateLimitHit", async {
            let row = q.fetch_one(&self.pool).await?;
            let hits: i64 = row.try_get(0)?;
            Ok(u64::try_from(hits).unwrap_or(0))
        })
        .await
    }

    async fn rate_limit_undo(&self, key: &str, window_start_ms: i64) -> AdapterResult<()> {
        let q = query(&self.rate_limits.undo)
            .bind(key.to_string())
            .bind(window_start_ms);
        self.execute("rateLimitUndo", q).await
    }

    async fn delete_expired_rate_limits(&self, now_ms: i64) -> AdapterResult<()> {
        let q = query(&self.rate_limits.delete_expired).bind(now_ms);
        self.execute("deleteExpiredRateLimits", q).await
    }

    async fn delete_user_sessions(&self, user_id: &str) -> AdapterResult<u64> {
        // An id that cannot exist has no sessions.
        let (Some(id), Some(same)) = (self.layout.parse_id(user_id), self.layout.parse_id(user_id))
        else {
            return Ok(0);
        };
        let claims = query(&self.sql.delete_user_session_claims).bind(id);
        let sessions = query(&self.sql.delete_user_sessions).bind(same);
        call::<D, _>("deleteUserSessions", async {
            let mut tx = self.pool.begin().await?;
            claims.execute(&mut *tx).await?;
            let n = D::rows_affected(&sessions.execute(&mut *tx).await?);
            tx.commit().await?;
            Ok(n)
        })
        .await
    }

    async fn set_session_claims(
        &self,
        session_token: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> AdapterResult<()> {
        // Serialising a JSON map cannot fail.
        let text = serde_json::to_string(claims).unwrap_or_else(|_| "{}".into());
        let q = query(&self.claims.set).bind(session_token).bind(text);
        self.execute("setSessionClaims", q).await
    }

    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        let expires = self.layout.encode_time(token.expires)?;
        let q = query(&self.sql.create_verification_token)
            .bind(&token.identifier)
            .bind(&token.token)
            .bind(expires);
        self.execute("createVerificationToken", q).await
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        // One DELETE … RETURNING: atomic. Of two requests racing for one link, exactly one gets
        // the row (PostgreSQL: the second waits on the first's row lock, then finds it gone;
        // SQLite serialises writers, and the loser deletes nothing).
        if !D::RETURNING {
            // A locking read, then the delete, in one transaction: of concurrent uses, the
            // others wait on the row lock and then find it gone.
            return call::<D, _>("useVerificationToken", async {
                let mut tx = self.pool.begin().await?;
                let row = query::<D::Db>(&self.sql.lock_verification_token)
                    .bind(identifier)
                    .bind(hashed_token)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(r) = row else {
                    return Ok(None);
                };
                let token = VerificationToken {
                    identifier: r.try_get(0)?,
                    token: r.try_get(1)?,
                    expires: r.try_get::<Millis, _>(2)?.ms,
                };
                // MySQL compares by the column's collation, case-insensitive in Prisma's
                // `utf8mb4_unicode_ci`: a link is spent only by its exact identifier and token.
                if token.identifier != identifier || token.token != hashed_token {
                    return Ok(None);
                }
                let deleted = query::<D::Db>(&self.sql.use_verification_token)
                    .bind(identifier)
                    .bind(hashed_token)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok((D::rows_affected(&deleted) == 1).then_some(token))
            })
            .await;
        }
        call::<D, _>("useVerificationToken", async {
            let row = query::<D::Db>(&self.sql.use_verification_token)
                .bind(identifier)
                .bind(hashed_token)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|r| {
                Ok(VerificationToken {
                    identifier: r.try_get(0)?,
                    token: r.try_get(1)?,
                    expires: r.try_get::<Millis, _>(2)?.ms,
                })
            })
            .transpose()
        })
        .await
    }

    /// `SELECT 1` through the pool (a connection taken, or made, within the acquire limit).
    async fn ping(&self) -> AdapterResult<()> {
        call::<D, _>("ping", async {
            sqlx::query::<D::Db>("SELECT 1")
                .execute(&self.pool)
                .await
                .map(|_| ())
        })
        .await
    }

    fn keeps_outbox(&self) -> bool {
        true
    }

    async fn create_user_with_events(
        &self,
        user: NewUser,
        events: &UserEvents,
    ) -> AdapterResult<AdapterUser> {
        let (q, id) = self.q_create_user(&user)?;
        call::<D, _>("createUser", async {
            let mut tx = self.pool.begin().await?;
            let u = self.created_user(&mut tx, q, id).await?;
            self.insert_events(&mut tx, &events(&u)).await?;
            tx.commit().await?;
            Ok(u)
        })
        .await
    }

    async fn update_user_with_events(
        &self,
        user: &AdapterUser,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterUser> {
        let (q, id) = self.q_update_user(user)?;
        let updated = call::<D, _>("updateUser", async {
            let mut tx = self.pool.begin().await?;
            let Some(u) = self.updated_user(&mut tx, q, id).await? else {
                // Nothing written: the transaction rolls back when dropped.
                return Ok(None);
            };
            self.insert_events(&mut tx, events).await?;
            tx.commit().await?;
            Ok(Some(u))
        })
        .await?;
        updated.ok_or_else(|| AdapterError::Conflict(format!("updateUser: no user {}", user.id)))
    }

    async fn link_account_with_events(
        &self,
        account: &AdapterAccount,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        let q = self.q_link_account(account)?;
        self.execute_with_events("linkAccount", q, events).await
    }

    async fn create_session_with_events(
        &self,
        session: &AdapterSession,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterSession> {
        let (q, stored) = self.q_create_session(session)?;
        self.execute_with_events("createSession", q, events).await?;
        Ok(stored)
    }

    async fn delete_session_with_events(
        &self,
        session_token: &str,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        // The session, its kept claims and the events: one transaction.
        let session = query(&self.sql.delete_session).bind(session_token.to_string());
        let claims = query(&self.claims.delete).bind(session_token.to_string());
        call::<D, _>("deleteSession", async {
            let mut tx = self.pool.begin().await?;
            session.execute(&mut *tx).await?;
            claims.execute(&mut *tx).await?;
            self.insert_events(&mut tx, events).await?;
            tx.commit().await
        })
        .await
    }

    async fn enqueue_events(&self, events: &[OutboxEvent]) -> AdapterResult<()> {
        call::<D, _>("enqueueEvents", async {
            let mut tx = self.pool.begin().await?;
            self.insert_events(&mut tx, events).await?;
            tx.commit().await
        })
        .await
    }

    async fn claim_events(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: u32,
    ) -> AdapterResult<Vec<OutboxRow>> {
        if !D::RETURNING {
            return self.claim_events_locked(now_ms, lease_until, limit).await;
        }
        call::<D, _>("claimEvents", async {
            let rows = query::<D::Db>(&self.outbox.claim)
                .bind(lease_until)
                .bind(now_ms)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
            let mut claimed = rows
                .iter()
                .map(|r| {
                    Ok(OutboxRow {
                        event: OutboxEvent {
                            id: r.try_get(0)?,
                            kind: r.try_get(1)?,
                            created_at: r.try_get(2)?,
                            body: r.try_get(3)?,
                        },
                        attempts: u32::try_from(r.try_get::<i32, _>(4)?).unwrap_or(0),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            // RETURNING keeps no order.
            claimed.sort_by_key(|r| r.event.created_at);
            Ok(claimed)
        })
        .await
    }

    async fn event_delivered(&self, id: &str) -> AdapterResult<()> {
        let q = query(&self.outbox.delivered).bind(id.to_string());
        self.execute("eventDelivered", q).await
    }

    async fn event_retry(
        &self,
        id: &str,
        attempts: u32,
        next_attempt_at: i64,
        error: &str,
    ) -> AdapterResult<()> {
        let q = query(&self.outbox.retry)
            .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
            .bind(next_attempt_at)
            .bind(error.to_string())
            .bind(id.to_string());
        self.execute("eventRetry", q).await
    }

    async fn event_dead(&self, id: &str, at_ms: i64, error: &str) -> AdapterResult<()> {
        let q = query(&self.outbox.dead)
            .bind(at_ms)
            .bind(error.to_string())
            .bind(id.to_string());
        self.execute("eventDead", q).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{PostgresDialect, SqliteDialect};

    fn is_adapter<A: Adapter>() {}

    #[test]
    fn every_dialect_is_an_adapter() {
        is_adapter::<SqlAdapter<PostgresDialect>>();
        is_adapter::<SqlAdapter<SqliteDialect>>();
    }
}
