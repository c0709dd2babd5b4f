//! Storage: the v4 `Adapter` interface (spec §16.1) and, with the `testing` feature, an in-memory
//! implementation ([`crate::testing::MemoryAdapter`]).
//!
//! The core reaches storage only through `Arc<dyn Adapter>`; the SQL implementations live in
//! their own crate. Times are milliseconds since the Unix epoch.

#[cfg(any(test, feature = "testing"))]
use std::collections::HashMap;
#[cfg(any(test, feature = "testing"))]
use std::sync::Mutex;

use async_trait::async_trait;

pub use crate::domain::{NewUser, Revocation, RevocationKind, VerificationToken};

/// A user row (`users`): the domain's [`User`](crate::domain::User) (its `extra` is empty).
pub type AdapterUser = crate::domain::User;
/// A linked account row (`accounts`): the domain's [`Account`](crate::domain::Account) (its
/// `extra` is not stored).
pub type AdapterAccount = crate::domain::Account;
/// A database session row (`sessions`): the domain's [`Session`](crate::domain::Session).
pub type AdapterSession = crate::domain::Session;

/// An event as the outbox stores it: id (the `webhook-id`, stable across retries), type, when it
/// happened (ms since the epoch), and the wire body (JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// `evt_` + 32 hex digits; the body's `id` and the `webhook-id` header.
    pub id: String,
    /// The v4 event name ([`crate::events::Event::kind`]).
    pub kind: String,
    /// When it happened, ms since the epoch.
    pub created_at: i64,
    /// `{"id", "type", "timestamp", "data"}` as sent.
    pub body: String,
}

/// A claimed outbox row, for the delivery worker ([`crate::outbox`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The stored event.
    pub event: OutboxEvent,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// Where the refresh of one refresh token stands, for [`Adapter::claim_refresh`]
/// (`crate::flows::oauth::refresh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshClaim {
    /// This caller holds the lease: it refreshes, then records the result.
    Leased,
    /// Refreshed already: the recorded result (sealed; only the refresh module opens it).
    Done(String),
    /// Another caller holds a live lease: ask again shortly.
    Busy,
}

/// The events of a new user, made once its row (and id) exists: for
/// [`Adapter::create_user_with_events`].
pub type UserEvents = dyn for<'u> Fn(&'u AdapterUser) -> Vec<OutboxEvent> + Send + Sync;

/// A storage failure. The message is logged, never shown to a browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The database could not be reached or answered with an error.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A constraint was violated (e.g. an e-mail address already taken).
    #[error("storage conflict: {0}")]
    Conflict(String),
}

/// Result of an adapter call.
pub type AdapterResult<T> = Result<T, AdapterError>;

/// The v4 adapter methods that NextAuth calls (spec §16.1).
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// `createUser`
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser>;
    /// `getUser`: `None` also for an id that cannot exist (e.g. not a number in SQL).
    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>>;
    /// `getUserByEmail`
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>>;
    /// `getUserByAccount`
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>>;
    /// `updateUser`: writes every column of `user` (read-merge-write is the caller's job).
    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser>;
    /// `linkAccount`
    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()>;
    /// The account row of user `user_id` at `provider` (the first one, should there be
    /// several), tokens included as the sign-in that linked it stored them. Federated logout
    /// of a database session reads its `id_token` here.
    ///
    /// Not one of v4's adapter methods: the provided body finds nothing, so an adapter without
    /// it signs out locally only (never wrongly).
    async fn get_account(
        &self,
        _user_id: &str,
        _provider: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        Ok(None)
    }
    /// Writes an account's tokens after a refresh (`GET token`): `access_token`,
    /// `refresh_token`, `expires_at`, `token_type`, `scope`, `id_token` of the row found by
    /// `provider` and `providerAccountId`. Not one of v4's adapter methods (v4's recipe updates
    /// the row itself); the provided body refuses.
    async fn update_account_tokens(&self, _account: &AdapterAccount) -> AdapterResult<()> {
        Err(AdapterError::Unavailable(
            "this adapter cannot update an account's tokens".into(),
        ))
    }
    /// `createSession`
    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession>;
    /// `getSessionAndUser`: one query where the storage allows it; the hot path of database sessions.
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>>;
    /// `updateSession`: sets a new expiry.
    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()>;
    /// `deleteSession`
    async fn delete_session(&self, session_token: &str) -> AdapterResult<()>;
    /// `createVerificationToken`
    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()>;
    /// `useVerificationToken({ identifier, token })`: deletes the row whose identifier *and*
    /// hashed token both equal the arguments, and returns it, in one atomic step (v4
    /// `adapters.ts`; `@auth/pg-adapter`'s `DELETE … WHERE identifier = $1 AND token = $2
    /// RETURNING …`).
    ///
    /// * Both must match: a link whose `email` parameter was changed finds nothing and so
    ///   deletes nothing, and the user's real link still works.
    /// * Atomic: of N concurrent calls with the same pair, exactly one gets `Some`.
    /// * Expiry is not checked here; the caller refuses an expired row (it is deleted all the
    ///   same, as in v4: it is of no use to anyone).
    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>>;

    // Claims kept beside a database session (`Callbacks::database_claims`): a table of our own,
    // so the official adapter tables keep their shape. `deleteSession` removes them with the
    // session. The provided bodies are for adapters without such a table: nothing is kept, and
    // a write is refused, so a configuration that needs them fails loudly, never silently.

    /// The claims kept for a database session: a JSON object, or `None`.
    async fn get_session_claims(
        &self,
        _session_token: &str,
    ) -> AdapterResult<Option<serde_json::Map<String, serde_json::Value>>> {
        Ok(None)
    }
    /// Keeps `claims` for a database session, replacing what was kept.
    async fn set_session_claims(
        &self,
        _session_token: &str,
        _claims: &serde_json::Map<String, serde_json::Value>,
    ) -> AdapterResult<()> {
        Err(AdapterError::Unavailable(
            "this adapter keeps no session claims".into(),
        ))
    }

    // Refresh coordination (`crate::flows::oauth::refresh`): at most one refresh per refresh
    // token across every instance on the database, and its result kept for a grace period, so
    // a request still carrying the old refresh token gets the successor instead of spending it
    // again. The provided bodies coordinate nothing (every caller leases): an adapter without
    // the table still works in one process, where a lock in memory serialises the callers.

    /// Takes the lease on `key` until `lease_until` (ms) unless a live lease or a result exists.
    async fn claim_refresh(
        &self,
        _key: &str,
        _now_ms: i64,
        _lease_until: i64,
    ) -> AdapterResult<RefreshClaim> {
        Ok(RefreshClaim::Leased)
    }
    /// Records the lease holder's `result` (kept until `keep_until`, ms), or with `None` gives
    /// the lease up (a failure another caller may retry).
    async fn finish_refresh(
        &self,
        _key: &str,
        _result: Option<&str>,
        _keep_until: i64,
    ) -> AdapterResult<()> {
        Ok(())
    }
    /// Removes the records kept until before `now_ms`.
    async fn delete_expired_refreshes(&self, _now_ms: i64) -> AdapterResult<()> {
        Ok(())
    }

    // Revocations (`crate::revocation`): records that end JWT sessions before they expire, read
    // by every instance into an in-memory set (never a query per request). The provided bodies
    // are for adapters without the table: nothing is revoked, and a write is refused.

    /// Stores `r`. The database stamps when it was recorded (its own clock), for
    /// [`Adapter::revocations_since`].
    async fn add_revocation(&self, _r: &Revocation) -> AdapterResult<()> {
        Err(AdapterError::Unavailable(
            "this adapter keeps no revocations".into(),
        ))
    }
    /// The revocations recorded at or after `since` (ms, the database's clock; `0`: all that
    /// are kept), each with when it was recorded, oldest first.
    async fn revocations_since(&self, _since: i64) -> AdapterResult<Vec<(Revocation, i64)>> {
        Ok(Vec::new())
    }
    /// Removes the revocations kept until before `now_ms`: they can refuse nothing any more.
    async fn delete_expired_revocations(&self, _now_ms: i64) -> AdapterResult<()> {
        Ok(())
    }
    /// Deletes every database session of `user_id` (and the claims kept with them); answers
    /// how many.
    async fn delete_user_sessions(&self, _user_id: &str) -> AdapterResult<u64> {
        Err(AdapterError::Unavailable(
            "this adapter cannot delete a user's sessions".into(),
        ))
    }

    /// Records that the back-channel logout token `key` (the provider id and the token's `jti`,
    /// [`crate::flows::oauth::backchannel`]) was used, keeping the record until `until_ms`, and
    /// answers whether it was new: `false` is a replay. Atomic across instances on one database
    /// (an insert that does nothing on conflict), so the fleet accepts each token once. Records
    /// kept until before `now_ms` are forgotten first. The provided body is for adapters
    /// without the table (migration 0006): refused, so no logout token is accepted.
    async fn spend_logout_token(
        &self,
        _key: &str,
        _until_ms: i64,
        _now_ms: i64,
    ) -> AdapterResult<bool> {
        Err(AdapterError::Unavailable(
            "this adapter keeps no logout-token ids".into(),
        ))
    }

    // Rate limits (`crate::ratelimit`, `store = "database"`): one counter per key and fixed
    // window, shared by every instance on the database. The provided bodies are for adapters
    // without the table (migration 0008): refused, and the limiter fails open.

    /// Counts one hit on `key` in the window starting at `window_start_ms` (ending at
    /// `window_end_ms`, when the row may go) and answers the window's count, this hit included.
    /// Atomic across instances: one `INSERT … ON CONFLICT … DO UPDATE … RETURNING`.
    async fn rate_limit_hit(
        &self,
        _key: &str,
        _window_start_ms: i64,
        _window_end_ms: i64,
    ) -> AdapterResult<u64> {
        Err(AdapterError::Unavailable(
            "this adapter keeps no rate-limit counters".into(),
        ))
    }
    /// Takes back one hit on `key` in the window starting at `window_start_ms` (never below 0).
    async fn rate_limit_undo(&self, _key: &str, _window_start_ms: i64) -> AdapterResult<()> {
        Err(AdapterError::Unavailable(
            "this adapter keeps no rate-limit counters".into(),
        ))
    }
    /// Deletes the counters of windows that ended before `now_ms`.
    async fn delete_expired_rate_limits(&self, _now_ms: i64) -> AdapterResult<()> {
        Ok(())
    }

    // The event outbox (`crate::events`): the writes that cause an event, with the event rows
    // written in the same transaction, and the delivery worker's claims. The provided bodies are
    // for adapters without an outbox: the change, then `enqueue_events` (not atomic), which
    // refuses; `OutboxEvents` is refused at build time for such an adapter.

    /// A cheap round trip to the storage for a readiness probe (the server's `/readyz`):
    /// `Ok` when it answers, [`AdapterError::Unavailable`] when it cannot be reached. The
    /// default, for storage that cannot be unreachable (in memory), is `Ok`.
    async fn ping(&self) -> AdapterResult<()> {
        Ok(())
    }

    /// Whether [`Adapter::enqueue_events`] and the `*_with_events` methods write a durable
    /// outbox, each in one transaction with its change.
    fn keeps_outbox(&self) -> bool {
        false
    }
    /// `createUser`, and the rows `events` makes of the new user, in one transaction.
    async fn create_user_with_events(
        &self,
        user: NewUser,
        events: &UserEvents,
    ) -> AdapterResult<AdapterUser> {
        let u = self.create_user(user).await?;
        self.enqueue_events(&events(&u)).await?;
        Ok(u)
    }
    /// `updateUser` and `events`, in one transaction.
    async fn update_user_with_events(
        &self,
        user: &AdapterUser,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterUser> {
        let u = self.update_user(user).await?;
        self.enqueue_events(events).await?;
        Ok(u)
    }
    /// `linkAccount` and `events`, in one transaction.
    async fn link_account_with_events(
        &self,
        account: &AdapterAccount,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        self.link_account(account).await?;
        self.enqueue_events(events).await
    }
    /// `createSession` and `events`, in one transaction.
    async fn create_session_with_events(
        &self,
        session: &AdapterSession,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterSession> {
        let s = self.create_session(session).await?;
        self.enqueue_events(events).await?;
        Ok(s)
    }
    /// `deleteSession` and `events`, in one transaction.
    async fn delete_session_with_events(
        &self,
        session_token: &str,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        self.delete_session(session_token).await?;
        self.enqueue_events(events).await
    }
    /// Writes `events` to the outbox (an event that changes no row: JWT `signIn`/`signOut`).
    async fn enqueue_events(&self, events: &[OutboxEvent]) -> AdapterResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        Err(AdapterError::Unavailable(
            "this adapter keeps no event outbox".into(),
        ))
    }
    /// Claims up to `limit` pending rows due at `now_ms` (ms since the epoch), oldest first, for
    /// one delivery attempt: each claimed row's next attempt moves to `lease_until`, so no other
    /// worker (another instance on the same database) takes it meanwhile, and a worker that dies
    /// holding it only delays it until then. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`.
    async fn claim_events(
        &self,
        _now_ms: i64,
        _lease_until: i64,
        _limit: u32,
    ) -> AdapterResult<Vec<OutboxRow>> {
        Ok(Vec::new())
    }
    /// A delivered row: removed.
    async fn event_delivered(&self, _id: &str) -> AdapterResult<()> {
        Ok(())
    }
    /// A failed attempt: `attempts` made so far, the next at `next_attempt_at` (ms), why.
    async fn event_retry(
        &self,
        _id: &str,
        _attempts: u32,
        _next_attempt_at: i64,
        _error: &str,
    ) -> AdapterResult<()> {
        Ok(())
    }
    /// Given up (too old): the row stays, marked dead at `at_ms`, with the last error; it is
    /// never claimed again.
    async fn event_dead(&self, _id: &str, _at_ms: i64, _error: &str) -> AdapterResult<()> {
        Ok(())
    }
}

/// An in-process adapter: for tests, and for trying things out. Everything is lost on restart.
/// Feature `testing` (it is no storage for a deployment).
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct MemoryAdapter {
    state: Mutex<MemoryState>,
}

#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
struct MemoryState {
    next_id: u64,
    users: HashMap<String, AdapterUser>,
    accounts: Vec<AdapterAccount>,
    sessions: HashMap<String, AdapterSession>,
    tokens: Vec<VerificationToken>,
    outbox: Vec<MemoryOutboxRow>,
    claims: HashMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Revocations with the (logical) time they were recorded.
    revocations: Vec<(Revocation, i64)>,
    /// Refresh leases: key → (lease until, result, keep until).
    refreshes: HashMap<String, (i64, Option<String>, i64)>,
    /// Spent back-channel logout tokens → kept until (ms).
    logout_tokens: HashMap<String, i64>,
}

/// An outbox row in memory: the event, attempts, next attempt (ms), dead since (ms), last error.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Clone)]
struct MemoryOutboxRow {
    event: OutboxEvent,
    attempts: u32,
    next_attempt_at: i64,
    dead_at: Option<i64>,
    last_error: Option<String>,
}

#[cfg(any(test, feature = "testing"))]
impl MemoryState {
    fn create_user(&mut self, user: NewUser) -> AdapterResult<AdapterUser> {
        if let Some(email) = &user.email
            && self.users.values().any(|u| u.email.as_ref() == Some(email))
        {
            return Err(AdapterError::Conflict("users.email".into()));
        }
        self.next_id += 1;
        let u = AdapterUser {
            id: self.next_id.to_string(),
            name: user.name,
            email: user.email,
            email_verified: user.email_verified,
            image: user.image,
            extra: serde_json::Map::new(),
        };
        self.users.insert(u.id.clone(), u.clone());
        Ok(u)
    }

    fn link_account(&mut self, account: &AdapterAccount) -> AdapterResult<()> {
        if self.accounts.iter().any(|a| {
            a.provider == account.provider && a.provider_account_id == account.provider_account_id
        }) {
            return Err(AdapterError::Conflict("accounts.provider".into()));
        }
        self.accounts.push(account.clone());
        Ok(())
    }

    /// A duplicate event id is refused, as the SQL primary key does.
    fn check_events(&self, events: &[OutboxEvent]) -> AdapterResult<()> {
        for (i, e) in events.iter().enumerate() {
            if self.outbox.iter().any(|r| r.event.id == e.id)
                || events[..i].iter().any(|o| o.id == e.id)
            {
                return Err(AdapterError::Conflict("nextauth_outbox.id".into()));
            }
        }
        Ok(())
    }

    fn push_events(&mut self, events: &[OutboxEvent]) {
        self.outbox.extend(events.iter().map(|e| MemoryOutboxRow {
            event: e.clone(),
            attempts: 0,
            next_attempt_at: e.created_at,
            dead_at: None,
            last_error: None,
        }));
    }
}

#[cfg(any(test, feature = "testing"))]
impl MemoryAdapter {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The outbox rows not yet delivered: `(event, attempts, dead)` (for tests).
    pub fn outbox(&self) -> Vec<(OutboxEvent, u32, bool)> {
        self.with(|s| {
            s.outbox
                .iter()
                .map(|r| (r.event.clone(), r.attempts, r.dead_at.is_some()))
                .collect()
        })
        .unwrap_or_default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut MemoryState) -> T) -> AdapterResult<T> {
        // A poisoned lock means a panic while holding it; the data is plain values, still usable.
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        Ok(f(&mut guard))
    }
}

#[cfg(any(test, feature = "testing"))]
#[async_trait]
impl Adapter for MemoryAdapter {
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        self.with(|s| s.create_user(user))?
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| s.users.get(id).cloned())
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| {
            s.users
                .values()
                .find(|u| u.email.as_deref() == Some(email))
                .cloned()
        })
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| {
            s.accounts
                .iter()
                .find(|a| a.provider == provider && a.provider_account_id == provider_account_id)
                .and_then(|a| s.users.get(&a.user_id).cloned())
        })
    }

    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        self.with(|s| {
            s.users.insert(user.id.clone(), user.clone());
            user.clone()
        })
    }

    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()> {
        self.with(|s| s.link_account(account))?
    }

    async fn update_account_tokens(&self, account: &AdapterAccount) -> AdapterResult<()> {
        self.with(|s| {
            if let Some(a) = s.accounts.iter_mut().find(|a| {
                a.provider == account.provider
                    && a.provider_account_id == account.provider_account_id
            }) {
                a.access_token = account.access_token.clone();
                a.refresh_token = account.refresh_token.clone();
                a.expires_at = account.expires_at;
                a.token_type = account.token_type.clone();
                a.scope = account.scope.clone();
                a.id_token = account.id_token.clone();
            }
        })
    }

    async fn get_account(
        &self,
        user_id: &str,
        provider: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        self.with(|s| {
            s.accounts
                .iter()
                .find(|a| a.user_id == user_id && a.provider == provider)
                .cloned()
        })
    }

    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession> {
        self.with(|s| {
            s.sessions
                .insert(session.session_token.clone(), session.clone());
            session.clone()
        })
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        self.with(|s| {
            let session = s.sessions.get(session_token)?;
            let user = s.users.get(&session.user_id)?;
            Some((session.clone(), user.clone()))
        })
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        self.with(|s| {
            if let Some(session) = s.sessions.get_mut(session_token) {
                session.expires = expires;
            }
        })
    }

    async fn delete_session(&self, session_token: &str) -> AdapterResult<()> {
        self.with(|s| {
            s.sessions.remove(session_token);
            s.claims.remove(session_token);
        })
    }

    async fn get_session_claims(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<serde_json::Map<String, serde_json::Value>>> {
        self.with(|s| s.claims.get(session_token).cloned())
    }

    async fn claim_refresh(
        &self,
        key: &str,
        now_ms: i64,
        lease_until: i64,
    ) -> AdapterResult<RefreshClaim> {
        self.with(|s| match s.refreshes.get(key) {
            Some((_, Some(result), _)) => RefreshClaim::Done(result.clone()),
            Some((until, None, _)) if *until >= now_ms => RefreshClaim::Busy,
            _ => {
                s.refreshes
                    .insert(key.to_string(), (lease_until, None, lease_until));
                RefreshClaim::Leased
            }
        })
    }

    async fn finish_refresh(
        &self,
        key: &str,
        result: Option<&str>,
        keep_until: i64,
    ) -> AdapterResult<()> {
        self.with(|s| {
            s.refreshes
                .insert(key.to_string(), (0, result.map(str::to_string), keep_until));
        })
    }

    async fn delete_expired_refreshes(&self, now_ms: i64) -> AdapterResult<()> {
        self.with(|s| s.refreshes.retain(|_, (_, _, keep)| *keep >= now_ms))
    }

    async fn add_revocation(&self, r: &Revocation) -> AdapterResult<()> {
        self.with(|s| {
            // Recorded "now" in the store's own time: its position in the list.
            let recorded = i64::try_from(s.revocations.len()).unwrap_or(i64::MAX);
            s.revocations.push((r.clone(), recorded));
        })
    }

    async fn revocations_since(&self, since: i64) -> AdapterResult<Vec<(Revocation, i64)>> {
        self.with(|s| {
            s.revocations
                .iter()
                .filter(|(_, at)| *at >= since)
                .cloned()
                .collect()
        })
    }

    async fn delete_expired_revocations(&self, now_ms: i64) -> AdapterResult<()> {
        self.with(|s| s.revocations.retain(|(r, _)| r.until >= now_ms))
    }

    async fn delete_user_sessions(&self, user_id: &str) -> AdapterResult<u64> {
        self.with(|s| {
            let gone: Vec<String> = s
                .sessions
                .values()
                .filter(|x| x.user_id == user_id)
                .map(|x| x.session_token.clone())
                .collect();
            for t in &gone {
                s.sessions.remove(t);
                s.claims.remove(t);
            }
            u64::try_from(gone.len()).unwrap_or(u64::MAX)
        })
    }

    async fn spend_logout_token(
        &self,
        key: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> AdapterResult<bool> {
        self.with(|s| {
            s.logout_tokens.retain(|_, until| *until >= now_ms);
            s.logout_tokens.insert(key.to_string(), until_ms).is_none()
        })
    }

    async fn set_session_claims(
        &self,
        session_token: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> AdapterResult<()> {
        self.with(|s| {
            s.claims.insert(session_token.to_string(), claims.clone());
        })
    }

    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        self.with(|s| s.tokens.push(token.clone()))
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        // Find and remove under one lock: atomic like the SQL adapters' DELETE … RETURNING.
        self.with(|s| {
            let i = s
                .tokens
                .iter()
                .position(|t| t.identifier == identifier && t.token == hashed_token)?;
            Some(s.tokens.remove(i))
        })
    }

    // One lock per call: the change and its events are one step, as a transaction.

    fn keeps_outbox(&self) -> bool {
        true
    }

    async fn create_user_with_events(
        &self,
        user: NewUser,
        events: &UserEvents,
    ) -> AdapterResult<AdapterUser> {
        self.with(|s| {
            let u = s.create_user(user)?;
            let rows = events(&u);
            if let Err(e) = s.check_events(&rows) {
                // Rolled back with its event.
                s.users.remove(&u.id);
                return Err(e);
            }
            s.push_events(&rows);
            Ok(u)
        })?
    }

    async fn update_user_with_events(
        &self,
        user: &AdapterUser,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterUser> {
        self.with(|s| {
            s.check_events(events)?;
            s.users.insert(user.id.clone(), user.clone());
            s.push_events(events);
            Ok(user.clone())
        })?
    }

    async fn link_account_with_events(
        &self,
        account: &AdapterAccount,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        self.with(|s| {
            s.check_events(events)?;
            s.link_account(account)?;
            s.push_events(events);
            Ok(())
        })?
    }

    async fn create_session_with_events(
        &self,
        session: &AdapterSession,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterSession> {
        self.with(|s| {
            s.check_events(events)?;
            s.sessions
                .insert(session.session_token.clone(), session.clone());
            s.push_events(events);
            Ok(session.clone())
        })?
    }

    async fn delete_session_with_events(
        &self,
        session_token: &str,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        self.with(|s| {
            s.check_events(events)?;
            s.sessions.remove(session_token);
            s.claims.remove(session_token);
            s.push_events(events);
            Ok(())
        })?
    }

    async fn enqueue_events(&self, events: &[OutboxEvent]) -> AdapterResult<()> {
        self.with(|s| {
            s.check_events(events)?;
            s.push_events(events);
            Ok(())
        })?
    }

    async fn claim_events(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: u32,
    ) -> AdapterResult<Vec<OutboxRow>> {
        self.with(|s| {
            let mut due: Vec<&mut MemoryOutboxRow> = s
                .outbox
                .iter_mut()
                .filter(|r| r.dead_at.is_none() && r.next_attempt_at <= now_ms)
                .collect();
            due.sort_by_key(|r| r.event.created_at);
            due.into_iter()
                .take(limit as usize)
                .map(|r| {
                    r.next_attempt_at = lease_until;
                    OutboxRow {
                        event: r.event.clone(),
                        attempts: r.attempts,
                    }
                })
                .collect()
        })
    }

    async fn event_delivered(&self, id: &str) -> AdapterResult<()> {
        self.with(|s| s.outbox.retain(|r| r.event.id != id))
    }

    async fn event_retry(
        &self,
        id: &str,
        attempts: u32,
        next_attempt_at: i64,
        error: &str,
    ) -> AdapterResult<()> {
        self.with(|s| {
            if let Some(r) = s.outbox.iter_mut().find(|r| r.event.id == id) {
                r.attempts = attempts;
                r.next_attempt_at = next_attempt_at;
                r.last_error = Some(error.into());
            }
        })
    }

    async fn event_dead(&self, id: &str, at_ms: i64, error: &str) -> AdapterResult<()> {
        self.with(|s| {
            if let Some(r) = s.outbox.iter_mut().find(|r| r.event.id == id) {
                r.dead_at = Some(at_ms);
                r.last_error = Some(error.into());
            }
        })
    }
}
