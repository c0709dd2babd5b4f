//! [`SessionCache`]: database sessions on PostgreSQL without a query per `GET session`.
//!
//! A wrapper around any [`Adapter`] that keeps the answers of `getSessionAndUser` (session row
//! and user row) in this process for a few seconds, and drops them at once when something changes
//! them: in this process through the wrapped write methods, and in every other process on the
//! same database through PostgreSQL's `LISTEN`/`NOTIFY` (channel [`CHANNEL`]).
//!
//! What it never does is answer a session that was signed out, revoked, or has expired, beyond
//! the bounds below:
//!
//! * every write that ends or changes a session or its user (`deleteSession`, `updateSession`,
//!   `updateUser`, deleting a user's sessions, a revocation) drops the entries it touches here,
//!   *after* the write, and then sends a `NOTIFY` that drops them in every instance;
//! * a read that started before an invalidation does not store its (possibly older) answer: each
//!   invalidation moves a generation counter, and a read stores only when the counter did not
//!   move while it ran;
//! * while the `LISTEN` connection is down (a database restart, a network failure) the cache is
//!   empty and unused: every read goes to the database until the subscription is back, then it
//!   starts empty (notifications sent in between are lost, so nothing from before is trusted);
//! * an entry is served at most `ttl` after it was read (a change made around this adapter, such
//!   as a Next.js app writing the same tables, is seen within `ttl`), and never once the
//!   session's own `expires` has passed;
//! * it is bounded: at most `capacity` entries; a full cache drops the expired ones, then
//!   arbitrary others down to seven eighths of `capacity`.
//!
//! Where the bound is `ttl` rather than "at once": a change on another instance is seen only
//! when its `NOTIFY` arrives (a sign-out returns to its browser before the others have applied
//! it: `bench/propagation.sh` measures the gap), and a `LISTEN` connection that dies without the
//! socket noticing (a half-open TCP connection behind a NAT or a failover without a reset), or a
//! `NOTIFY` that fails (logged as a warning), leaves other instances answering from memory for
//! up to `ttl`. A heartbeat through the channel would close that gap; it is not built yet.
//!
//! The notification payload never carries a session token: a session is named by the SHA-256 of
//! its token (`s:<hex>`), a user by its id (`u:<id>`); `*` drops everything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterResult, AdapterSession, AdapterUser, NewUser, OutboxEvent,
    OutboxRow, RefreshClaim, Revocation, RevocationKind, UserEvents, VerificationToken,
};
use nextauth_core::crypto::hash::sha256_hex;
use std::str::FromStr;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use crate::call::{ACQUIRE_TIMEOUT, OpenError, redact};
use tokio::task::AbortHandle;

/// The `LISTEN`/`NOTIFY` channel the instances share.
pub const CHANNEL: &str = "nextauth_session_cache";

/// How many sessions one process keeps at most by default: ~0.9 KiB of RSS each with a typical
/// user row (bench/scale.sh measured +3.6 MiB with 4096 of them), so about 2 MiB when full, which
/// keeps the server under its 20 MB target with 10 000 sessions in use.
pub const DEFAULT_CAPACITY: usize = 2048;

/// How long a failed `LISTEN` connection waits before it is tried again.
const RETRY: Duration = Duration::from_secs(1);

/// An [`Adapter`] whose `getSessionAndUser` answers from memory, kept right across instances by
/// PostgreSQL `LISTEN`/`NOTIFY` (see the module documentation for what it guarantees).
///
/// Every other method is the wrapped adapter's; the ones that change a session or a user also
/// invalidate. Dropping it stops its listener task.
pub struct SessionCache {
    inner: Arc<dyn Adapter>,
    pool: PgPool,
    shared: Arc<Shared>,
    listener: AbortHandle,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the entries: they are keyed by session tokens.
        f.debug_struct("SessionCache")
            .field("ttl", &self.shared.ttl)
            .field("capacity", &self.shared.capacity)
            .field("listening", &self.is_listening())
            .finish_non_exhaustive()
    }
}

impl Drop for SessionCache {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

struct Entry {
    read_at: Instant,
    /// SHA-256 of the token: how a notification names it (as hex).
    token_hash: [u8; 32],
    session: AdapterSession,
    user: AdapterUser,
}

struct Shared {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<String, Entry>>,
    /// Moved by every invalidation: a read stores its answer only if it did not move meanwhile.
    generation: AtomicU64,
    /// The `LISTEN` connection is up: only then is the cache read or filled.
    listening: AtomicBool,
}

impl Shared {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Entry>> {
        // A poisoned lock means a panic while holding it; the map is plain values, still usable.
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }

    fn lookup(&self, token: &str) -> Option<(AdapterSession, AdapterUser)> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let e = entries.get(token)?;
        if e.read_at.elapsed() >= self.ttl || e.session.expires <= now_ms() {
            return None;
        }
        Some((e.session.clone(), e.user.clone()))
    }

    fn store(&self, token: &str, generation: u64, session: &AdapterSession, user: &AdapterUser) {
        let token_hash = sha256(token);
        let mut entries = self.write();
        // Under the lock: an invalidation holds it while it moves the counter, so none can slip
        // between this check and the insert.
        if !self.listening.load(Ordering::Acquire)
            || self.generation.load(Ordering::Acquire) != generation
        {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(token) {
            // Full: drop the expired entries, and if that is not enough an eighth of the rest
            // (arbitrary ones: the map's order), so a stream of distinct sessions pays for a
            // sweep once every capacity/8 inserts, not on each.
            let (ttl, now) = (self.ttl, Instant::now());
            entries.retain(|_, e| now.duration_since(e.read_at) < ttl);
            // Down to 7/8 of the capacity whatever the sweep freed, so the next inserts do not
            // sweep again (a sweep holds the write lock every reader waits on).
            let keep = self.capacity.saturating_sub((self.capacity / 8).max(1));
            if entries.len() > keep {
                let victims: Vec<String> =
                    entries.keys().take(entries.len() - keep).cloned().collect();
                for k in &victims {
                    entries.remove(k);
                }
            }
        }
        entries.insert(
            token.to_string(),
            Entry {
                read_at: Instant::now(),
                token_hash,
                session: session.clone(),
                user: user.clone(),
            },
        );
    }

    /// Drops what `what` names (a notification payload, see the module documentation).
    fn invalidate(&self, what: &str) {
        let mut entries = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(hash) = what.strip_prefix("s:") {
            entries.retain(|_, e| !hex_is(hash, &e.token_hash));
        } else if let Some(user_id) = what.strip_prefix("u:") {
            entries.retain(|_, e| e.user.id != user_id);
        } else {
            entries.clear();
        }
    }

    fn set_listening(&self, on: bool) {
        // Cleared on both edges: entries from before a loss may have missed notifications.
        let mut entries = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        self.listening.store(on, Ordering::Release);
    }
}

fn sha256(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// Whether `hex` (lowercase) spells `bytes`.
fn hex_is(hex: &str, bytes: &[u8; 32]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let h = hex.as_bytes();
    h.len() == 64
        && bytes.iter().enumerate().all(|(i, b)| {
            h[2 * i] == DIGITS[usize::from(b >> 4)] && h[2 * i + 1] == DIGITS[usize::from(b & 0x0f)]
        })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl SessionCache {
    /// Wraps `inner` (an adapter on the PostgreSQL database at `url`): entries live up to `ttl`,
    /// at most `capacity` of them. The `LISTEN` connection and the `NOTIFY`s use a small pool of
    /// their own (two connections, made when first needed), so the wrapped adapter's pool is
    /// left whole. Spawns the listener task on the current Tokio runtime; until it has
    /// subscribed (and whenever its connection is lost) the cache is bypassed.
    ///
    /// # Errors
    /// `url` is not a PostgreSQL URL sqlx can parse.
    pub fn open(
        inner: Arc<dyn Adapter>,
        url: &str,
        ttl: Duration,
        capacity: usize,
    ) -> Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| OpenError::Url(format!("{}: {e}", redact(url))))?;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        Ok(Self::with_pool(inner, pool, ttl, capacity))
    }

    /// [`SessionCache::open`] with the pool for `LISTEN`/`NOTIFY` given.
    pub fn with_pool(
        inner: Arc<dyn Adapter>,
        pool: PgPool,
        ttl: Duration,
        capacity: usize,
    ) -> Self {
        let shared = Arc::new(Shared {
            ttl,
            capacity: capacity.max(1),
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        });
        let listener = tokio::spawn(listen(pool.clone(), Arc::downgrade(&shared))).abort_handle();
        SessionCache {
            inner,
            pool,
            shared,
            listener,
        }
    }

    /// Whether the `LISTEN` connection is up (the cache is in use).
    pub fn is_listening(&self) -> bool {
        self.shared.listening.load(Ordering::Acquire)
    }

    /// How many entries are held now.
    pub fn len(&self) -> usize {
        self.shared
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops what `what` names here and in every instance listening on the database.
    async fn invalidate(&self, what: String) {
        self.shared.invalidate(&what);
        if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&what)
            .execute(&self.pool)
            .await
        {
            // The other instances then see the change when their entries expire (ttl).
            tracing::warn!(error = %e, "session cache: NOTIFY failed; other instances see the change within the cache's ttl");
        }
    }

    async fn session_changed(&self, token: &str) {
        self.invalidate(format!("s:{}", sha256_hex(token.as_bytes())))
            .await;
    }

    async fn user_changed(&self, user_id: &str) {
        self.invalidate(format!("u:{user_id}")).await;
    }
}

/// The listener task: subscribes, applies notifications, and on a lost connection empties the
/// cache, bypasses it, and subscribes again. Ends when the cache is dropped.
async fn listen(pool: PgPool, shared: Weak<Shared>) {
    loop {
        let subscribed = async {
            let mut l = PgListener::connect_with(&pool).await?;
            // A lost connection is reported at once (not after a silent reconnect), so the
            // cache is bypassed until the new subscription is in place.
            l.eager_reconnect(false);
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        }
        .await;
        let mut listener = match subscribed {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "session cache: LISTEN failed; reading sessions from the database");
                if shared.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        match shared.upgrade() {
            Some(s) => s.set_listening(true),
            None => return,
        }
        // `Ok(None)`: the connection was lost; `Err`: a database error on it.
        while let Ok(Some(n)) = listener.try_recv().await {
            match shared.upgrade() {
                Some(s) => s.invalidate(n.payload()),
                None => return,
            }
        }
        match shared.upgrade() {
            Some(s) => s.set_listening(false),
            None => return,
        }
        tracing::warn!(
            "session cache: the LISTEN connection was lost; reading sessions from the database until it is back"
        );
        tokio::time::sleep(RETRY).await;
    }
}

#[async_trait]
impl Adapter for SessionCache {
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        if let Some(hit) = self.shared.lookup(session_token) {
            return Ok(Some(hit));
        }
        let generation = self.shared.generation.load(Ordering::Acquire);
        let found = self.inner.get_session_and_user(session_token).await?;
        if let Some((session, user)) = &found {
            self.shared.store(session_token, generation, session, user);
        }
        Ok(found)
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        let r = self
            .inner
            .update_session_expiry(session_token, expires)
            .await;
        self.session_changed(session_token).await;
        r
    }

    async fn delete_session(&self, session_token: &str) -> AdapterResult<()> {
        let r = self.inner.delete_session(session_token).await;
        self.session_changed(session_token).await;
        r
    }

    async fn delete_session_with_events(
        &self,
        session_token: &str,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        let r = self
            .inner
            .delete_session_with_events(session_token, events)
            .await;
        self.session_changed(session_token).await;
        r
    }

    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        let r = self.inner.update_user(user).await;
        self.user_changed(&user.id).await;
        r
    }

    async fn update_user_with_events(
        &self,
        user: &AdapterUser,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterUser> {
        let r = self.inner.update_user_with_events(user, events).await;
        self.user_changed(&user.id).await;
        r
    }

    async fn delete_user_sessions(&self, user_id: &str) -> AdapterResult<u64> {
        let r = self.inner.delete_user_sessions(user_id).await;
        self.user_changed(user_id).await;
        r
    }

    async fn add_revocation(&self, r: &Revocation) -> AdapterResult<()> {
        let result = self.inner.add_revocation(r).await;
        match r.kind {
            RevocationKind::User => self.user_changed(&r.subject).await,
            // JWT-session revocations name no database session; dropping everything is cheap
            // (they are rare) and never wrong.
            RevocationKind::Session | RevocationKind::IdpSession => {
                self.invalidate("*".into()).await;
            }
        }
        result
    }

    // Everything else: the wrapped adapter's, unchanged.

    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        self.inner.create_user(user).await
    }
    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        self.inner.get_user(id).await
    }
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        self.inner.get_user_by_email(email).await
    }
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        self.inner
            .get_user_by_account(provider, provider_account_id)
            .await
    }
    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()> {
        self.inner.link_account(account).await
    }
    async fn get_account(
        &self,
        user_id: &str,
        provider: &str,
    ) -> AdapterResult<Option<AdapterAccount>> {
        self.inner.get_account(user_id, provider).await
    }
    async fn update_account_tokens(&self, account: &AdapterAccount) -> AdapterResult<()> {
        self.inner.update_account_tokens(account).await
    }
    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession> {
        self.inner.create_session(session).await
    }
    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        self.inner.create_verification_token(token).await
    }
    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        self.inner
            .use_verification_token(identifier, hashed_token)
            .await
    }
    async fn get_session_claims(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<serde_json::Map<String, serde_json::Value>>> {
        self.inner.get_session_claims(session_token).await
    }
    async fn set_session_claims(
        &self,
        session_token: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> AdapterResult<()> {
        self.inner.set_session_claims(session_token, claims).await
    }
    async fn claim_refresh(
        &self,
        key: &str,
        now_ms: i64,
        lease_until: i64,
    ) -> AdapterResult<RefreshClaim> {
        self.inner.claim_refresh(key, now_ms, lease_until).await
    }
    async fn finish_refresh(
        &self,
        key: &str,
        result: Option<&str>,
        keep_until: i64,
    ) -> AdapterResult<()> {
        self.inner.finish_refresh(key, result, keep_until).await
    }
    async fn delete_expired_refreshes(&self, now_ms: i64) -> AdapterResult<()> {
        self.inner.delete_expired_refreshes(now_ms).await
    }
    async fn revocations_since(&self, since: i64) -> AdapterResult<Vec<(Revocation, i64)>> {
        self.inner.revocations_since(since).await
    }
    async fn delete_expired_revocations(&self, now_ms: i64) -> AdapterResult<()> {
        self.inner.delete_expired_revocations(now_ms).await
    }
    async fn spend_logout_token(
        &self,
        key: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> AdapterResult<bool> {
        self.inner.spend_logout_token(key, until_ms, now_ms).await
    }
    async fn rate_limit_hit(
        &self,
        key: &str,
        window_start_ms: i64,
        window_end_ms: i64,
    ) -> AdapterResult<u64> {
        self.inner
            .rate_limit_hit(key, window_start_ms, window_end_ms)
            .await
    }
    async fn rate_limit_undo(&self, key: &str, window_start_ms: i64) -> AdapterResult<()> {
        self.inner.rate_limit_undo(key, window_start_ms).await
    }
    async fn delete_expired_rate_limits(&self, now_ms: i64) -> AdapterResult<()> {
        self.inner.delete_expired_rate_limits(now_ms).await
    }
    async fn ping(&self) -> AdapterResult<()> {
        self.inner.ping().await
    }
    fn keeps_outbox(&self) -> bool {
        self.inner.keeps_outbox()
    }
    async fn create_user_with_events(
        &self,
        user: NewUser,
        events: &UserEvents,
    ) -> AdapterResult<AdapterUser> {
        self.inner.create_user_with_events(user, events).await
    }
    async fn link_account_with_events(
        &self,
        account: &AdapterAccount,
        events: &[OutboxEvent],
    ) -> AdapterResult<()> {
        self.inner.link_account_with_events(account, events).await
    }
    async fn create_session_with_events(
        &self,
        session: &AdapterSession,
        events: &[OutboxEvent],
    ) -> AdapterResult<AdapterSession> {
        self.inner.create_session_with_events(session, events).await
    }
    async fn enqueue_events(&self, events: &[OutboxEvent]) -> AdapterResult<()> {
        self.inner.enqueue_events(events).await
    }
    async fn claim_events(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: u32,
    ) -> AdapterResult<Vec<OutboxRow>> {
        self.inner.claim_events(now_ms, lease_until, limit).await
    }
    async fn event_delivered(&self, id: &str) -> AdapterResult<()> {
        self.inner.event_delivered(id).await
    }
    async fn event_retry(
        &self,
        id: &str,
        attempts: u32,
        next_attempt_at: i64,
        error: &str,
    ) -> AdapterResult<()> {
        self.inner
            .event_retry(id, attempts, next_attempt_at, error)
            .await
    }
    async fn event_dead(&self, id: &str, at_ms: i64, error: &str) -> AdapterResult<()> {
        self.inner.event_dead(id, at_ms, error).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn shared(ttl: Duration, capacity: usize) -> Shared {
        let s = Shared {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        };
        s.set_listening(true);
        s
    }

    fn row(token: &str, user: &str, expires: i64) -> (AdapterSession, AdapterUser) {
        (
            AdapterSession {
                session_token: token.into(),
                user_id: user.into(),
                expires,
            },
            AdapterUser {
                id: user.into(),
                name: Some("Alice".into()),
                email: None,
                email_verified: None,
                image: None,
                extra: serde_json::Map::new(),
            },
        )
    }

    fn put(s: &Shared, token: &str, user: &str) {
        let g = s.generation.load(Ordering::Acquire);
        let (session, u) = row(token, user, now_ms() + 60_000);
        s.store(token, g, &session, &u);
    }

    #[test]
    fn hits_until_invalidated_by_session_hash_user_or_all() {
        let s = shared(Duration::from_secs(60), 100);
        for (t, u) in [("t1", "1"), ("t2", "1"), ("t3", "2")] {
            put(&s, t, u);
        }
        assert_eq!(s.lookup("t1").unwrap().0.session_token, "t1");
        s.invalidate(&format!("s:{}", sha256_hex(b"t1")));
        assert!(s.lookup("t1").is_none());
        assert!(s.lookup("t2").is_some());
        s.invalidate("u:1");
        assert!(s.lookup("t2").is_none());
        assert!(s.lookup("t3").is_some());
        s.invalidate("*");
        assert!(s.lookup("t3").is_none());
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_stored() {
        let s = shared(Duration::from_secs(60), 100);
        let before = s.generation.load(Ordering::Acquire);
        // The read ran while a sign-out somewhere invalidated (any key).
        s.invalidate("u:other");
        let (session, user) = row("t1", "1", now_ms() + 60_000);
        s.store("t1", before, &session, &user);
        assert!(s.lookup("t1").is_none());
    }

    #[test]
    fn not_used_while_not_listening_and_emptied_on_both_edges() {
        let s = shared(Duration::from_secs(60), 100);
        put(&s, "t1", "1");
        s.set_listening(false);
        assert!(s.lookup("t1").is_none());
        put(&s, "t2", "1");
        assert_eq!(s.entries.read().unwrap().len(), 0);
        s.set_listening(true);
        assert!(s.lookup("t1").is_none());
    }

    #[test]
    fn expired_sessions_and_old_entries_are_not_answered() {
        let s = shared(Duration::from_secs(60), 100);
        let g = s.generation.load(Ordering::Acquire);
        let (session, user) = row("gone", "1", now_ms() - 1);
        s.store("gone", g, &session, &user);
        assert!(s.lookup("gone").is_none());
        let s = shared(Duration::ZERO, 100);
        put(&s, "t1", "1");
        assert!(s.lookup("t1").is_none());
    }

    #[test]
    fn bounded() {
        let s = shared(Duration::from_secs(60), 64);
        for i in 0..10_000 {
            put(&s, &format!("t{i}"), "1");
            assert!(s.entries.read().unwrap().len() <= 64);
        }
        assert!(s.lookup("t9999").is_some());
    }
}
