//! Ending JWT sessions before they expire: a copied cookie after sign-out, "sign out everywhere".
//! A JWT session is a cookie, valid until it expires wherever it is copied to; v4 cannot end it
//! (next-auth #2993, #6343, #5326). Here two kinds of [`Revocation`] can:
//!
//! * **a session** (`[session] revoke_on_signout`): at sign-in the JWT gets a stable session id,
//!   the claim [`SESSION_ID_CLAIM`] (`sid`, RFC 9068 / OIDC's "session ID"), kept when the cookie
//!   is re-encoded on every read (its `jti` changes each time, so a copy made earlier has another
//!   one). Sign-out records that id until the longest-lived copy could expire (sign-out time plus
//!   the session's `max_age`);
//! * **a user** (`nextauth sessions revoke --user ID`, [`crate::NextAuth::revoke_user_sessions`]):
//!   a not-before time; a JWT whose `sub` is the user and whose `iat` is at or before it is
//!   refused, and the user's database sessions are deleted.
//!
//! * **an IdP session** (back-channel logout, `backchannel_logout` on a provider): at sign-in a
//!   JWT from such a provider keeps the IdP's session id as the claim [`IDP_SESSION_CLAIM`]
//!   (with the provider's id, [`idp_session_subject`]); a logout token naming that `sid` ends
//!   the JWT sessions started from it, and no others.
//!
//! The records live in the database (`nextauth_revocations`), so every instance on it sees them.
//! The check on a session read must stay cheap, so it never queries: each instance keeps the
//! records in memory ([`Revocations`]), refreshed by [`run`] every [`POLL_INTERVAL`] with only the
//! rows recorded since the last poll (by the database's clock, with [`LOOKBACK_MS`] of overlap for
//! writes still in flight). With nothing revoked the check is one atomic load.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::adapter::{Adapter, AdapterResult};
use crate::clock::Clock;
use crate::domain::{Revocation, RevocationKind};

/// The JWT claim holding a session's stable id (set at sign-in with `revoke_on_signout`).
pub const SESSION_ID_CLAIM: &str = "sid";
/// The JWT claim holding the IdP session a JWT session was started from (sign-in with a provider
/// that has `backchannel_logout`, when its ID token carries a `sid`): the value of
/// [`idp_session_subject`].
pub const IDP_SESSION_CLAIM: &str = "idp_sid";

/// The subject of an IdP session: `["<provider id>","<sid>"]` (JSON, so no provider id and sid
/// pair can spell another's).
pub fn idp_session_subject(provider_id: &str, sid: &str) -> String {
    Value::Array(vec![
        Value::String(provider_id.to_string()),
        Value::String(sid.to_string()),
    ])
    .to_string()
}

/// How often [`run`] reads new revocations: how long another instance may still accept a
/// revoked session.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How far back each poll reads again (ms of the database's clock), so a row whose transaction
/// committed after a later one was read is not missed.
pub const LOOKBACK_MS: i64 = 5_000;
/// How often expired records are deleted from the database.
const SWEEP_EVERY: u32 = 600;

/// The revocations known to this process (module documentation).
///
/// Reads take an immutable snapshot ([`arc_swap::ArcSwap`]): no lock and no write to shared
/// memory on the request path, so the worker threads never contend for a cache line (an
/// `RwLock`'s reader count did, and cost GET session several per cent under load). Writes (a
/// poll that brought something new, a sign-out here) build the next snapshot and swap it in.
#[derive(Debug, Default)]
pub struct Revocations {
    /// False while nothing is revoked: the check is then this one load.
    any: AtomicBool,
    sets: ArcSwap<Sets>,
    /// Serialises writers (each copies the current snapshot).
    write: Mutex<()>,
}

#[derive(Debug, Default, Clone)]
struct Sets {
    /// Revoked session ids → kept until (ms).
    sessions: HashMap<String, i64>,
    /// User id → its latest revocation (the not-before time is `at`).
    users: HashMap<String, Revocation>,
    /// Revoked IdP sessions ([`idp_session_subject`]) → kept until (ms).
    idp_sessions: HashMap<String, i64>,
}

impl Sets {
    fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.users.is_empty() && self.idp_sessions.is_empty()
    }
}

/// Why a JWT was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its session was signed out.
    SessionRevoked,
    /// It was issued before its user's sessions were revoked.
    UserRevoked,
    /// Its IdP session ended (a back-channel logout token with that `sid`).
    IdpSessionRevoked,
}

impl Refusal {
    /// For the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::SessionRevoked => "the session was signed out (revoke_on_signout)",
            Refusal::UserRevoked => "the user's sessions were revoked",
            Refusal::IdpSessionRevoked => "its IdP session ended (back-channel logout)",
        }
    }
}

impl Revocations {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the next snapshot with `change` (which answers whether it changed anything) and
    /// swaps it in when it did.
    fn update(&self, change: impl FnOnce(&mut Sets) -> bool) {
        // A poisoned lock means a panic while holding it; it guards nothing but ordering.
        let _writer = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Sets::clone(&self.sets.load());
        if change(&mut next) {
            self.any.store(!next.is_empty(), Ordering::Release);
            self.sets.store(Arc::new(next));
        }
    }

    /// Adds records (a poll's rows, or one this process just wrote).
    pub fn apply<'a>(&self, rows: impl IntoIterator<Item = &'a Revocation>) {
        let rows: Vec<&Revocation> = rows.into_iter().collect();
        {
            // Most polls bring only rows already known: no copy then.
            let current = self.sets.load();
            let known = rows.iter().all(|r| match r.kind {
                RevocationKind::Session => current
                    .sessions
                    .get(&r.subject)
                    .is_some_and(|until| *until >= r.until),
                RevocationKind::User => current
                    .users
                    .get(&r.subject)
                    .is_some_and(|old| old.at >= r.at),
                RevocationKind::IdpSession => current
                    .idp_sessions
                    .get(&r.subject)
                    .is_some_and(|until| *until >= r.until),
            });
            if known {
                return;
            }
        }
        self.update(|sets| {
            for r in rows {
                match r.kind {
                    RevocationKind::Session => {
                        let until = sets.sessions.entry(r.subject.clone()).or_insert(r.until);
                        *until = (*until).max(r.until);
                    }
                    RevocationKind::User => {
                        let newer = sets.users.get(&r.subject).is_none_or(|old| r.at > old.at);
                        if newer {
                            sets.users.insert(r.subject.clone(), r.clone());
                        }
                    }
                    RevocationKind::IdpSession => {
                        let until = sets
                            .idp_sessions
                            .entry(r.subject.clone())
                            .or_insert(r.until);
                        *until = (*until).max(r.until);
                    }
                }
            }
            true
        });
    }

    /// Forgets the records kept until before `now_ms`.
    pub fn forget_expired(&self, now_ms: i64) {
        {
            let current = self.sets.load();
            let any_expired = current.sessions.values().any(|until| *until < now_ms)
                || current.users.values().any(|r| r.until < now_ms)
                || current.idp_sessions.values().any(|until| *until < now_ms);
            if !any_expired {
                return;
            }
        }
        self.update(|sets| {
            sets.sessions.retain(|_, until| *until >= now_ms);
            sets.users.retain(|_, r| r.until >= now_ms);
            sets.idp_sessions.retain(|_, until| *until >= now_ms);
            true
        });
    }

    /// Whether a decoded JWT (its `sid`, `idp_sid`, `sub` and `iat`) is refused.
    pub fn refuses(&self, claims: &Map<String, Value>) -> Option<Refusal> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let sets = self.sets.load();
        if let Some(Value::String(sid)) = claims.get(SESSION_ID_CLAIM)
            && sets.sessions.contains_key(sid)
        {
            return Some(Refusal::SessionRevoked);
        }
        if let Some(Value::String(idp)) = claims.get(IDP_SESSION_CLAIM)
            && sets.idp_sessions.contains_key(idp)
        {
            return Some(Refusal::IdpSessionRevoked);
        }
        if let Some(Value::String(sub)) = claims.get("sub")
            && let Some(r) = sets.users.get(sub)
        {
            // Whole seconds: a token issued in the second of the revocation is refused too.
            let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
            if iat <= r.at.div_euclid(1000) {
                return Some(Refusal::UserRevoked);
            }
        }
        None
    }

    /// Records `r` in the database and in this process at once (so this instance refuses
    /// straight away; the others within a [`POLL_INTERVAL`]).
    ///
    /// # Errors
    /// The adapter's, when the record could not be stored (then nothing is refused).
    pub async fn record(&self, adapter: &dyn Adapter, r: Revocation) -> AdapterResult<()> {
        adapter.add_revocation(&r).await?;
        self.apply([&r]);
        Ok(())
    }
}

/// Ends every session of `user_id` as of `now_ms`: a not-before record kept for `max_age_s`
/// (the longest a JWT issued before it can live), then the user's database sessions deleted.
/// Answers how many database sessions were deleted.
///
/// # Errors
/// The adapter's. The record is written first: when the deletion then fails, JWT sessions are
/// ended all the same and the call can be repeated.
pub async fn revoke_user(
    adapter: &dyn Adapter,
    revocations: &Revocations,
    user_id: &str,
    now_ms: i64,
    max_age_s: i64,
) -> AdapterResult<u64> {
    revocations
        .record(
            adapter,
            Revocation {
                kind: RevocationKind::User,
                subject: user_id.to_string(),
                at: now_ms,
                until: now_ms.saturating_add(max_age_s.saturating_mul(1000)),
            },
        )
        .await?;
    adapter.delete_user_sessions(user_id).await
}

/// Keeps `revocations` current from the database until `shutdown` resolves: everything kept at
/// start, then every [`POLL_INTERVAL`] the rows recorded since the last poll; expired records are
/// forgotten, and now and then deleted. A failed read is logged and tried again at the next tick
/// (the set stays as it was: a database outage revokes nothing new, and forgets nothing).
pub async fn run(
    adapter: Arc<dyn Adapter>,
    revocations: Arc<Revocations>,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut since = 0_i64;
    let mut ticks = 0_u32;
    loop {
        match poll_once(&*adapter, &revocations, &*clock, since).await {
            Ok(next) => since = next,
            Err(e) => tracing::warn!(error = %e, "reading revocations failed; will retry"),
        }
        ticks = ticks.wrapping_add(1);
        if ticks.is_multiple_of(SWEEP_EVERY) {
            let now = clock.now_ms();
            if let Err(e) = adapter.delete_expired_revocations(now).await {
                tracing::warn!(error = %e, "deleting expired revocations failed");
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// One poll: reads the rows recorded at or after `since` (the database's clock), applies them,
/// forgets expired ones, and answers the next `since`.
///
/// # Errors
/// The adapter's.
pub async fn poll_once(
    adapter: &dyn Adapter,
    revocations: &Revocations,
    clock: &dyn Clock,
    since: i64,
) -> AdapterResult<i64> {
    let rows = adapter.revocations_since(since).await?;
    let newest = rows.iter().map(|(_, at)| *at).max();
    revocations.apply(rows.iter().map(|(r, _)| r));
    revocations.forget_expired(clock.now_ms());
    Ok(newest.map_or(since, |n| (n - LOOKBACK_MS).max(since)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::adapter::MemoryAdapter;
    use crate::clock::FixedClock;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn nothing_revoked_refuses_nothing() {
        let r = Revocations::new();
        assert_eq!(
            r.refuses(&claims(json!({"sub": "1", "sid": "s", "iat": 1}))),
            None
        );
    }

    #[test]
    fn sessions_and_users() {
        let r = Revocations::new();
        r.apply(&[
            Revocation {
                kind: RevocationKind::Session,
                subject: "s1".into(),
                at: 1_000,
                until: 9_000,
            },
            Revocation {
                kind: RevocationKind::User,
                subject: "u1".into(),
                at: 5_500,
                until: 9_000,
            },
        ]);
        let refused = |v| r.refuses(&claims(v));
        assert_eq!(
            refused(json!({"sid": "s1", "sub": "x", "iat": 99})),
            Some(Refusal::SessionRevoked)
        );
        assert_eq!(refused(json!({"sid": "s2", "sub": "x", "iat": 1})), None);
        // Issued at or before second 5 (the revocation's): refused; later: accepted.
        assert_eq!(
            refused(json!({"sub": "u1", "iat": 5})),
            Some(Refusal::UserRevoked)
        );
        assert_eq!(refused(json!({"sub": "u1", "iat": 6})), None);
        assert_eq!(refused(json!({"sub": "u1"})), Some(Refusal::UserRevoked));
        r.forget_expired(9_001);
        assert_eq!(refused(json!({"sid": "s1", "sub": "u1", "iat": 1})), None);
    }

    #[test]
    fn idp_sessions() {
        let r = Revocations::new();
        let ended = idp_session_subject("corp", "s1");
        r.apply(&[Revocation {
            kind: RevocationKind::IdpSession,
            subject: ended.clone(),
            at: 1_000,
            until: 9_000,
        }]);
        let refused = |v| r.refuses(&claims(v));
        assert_eq!(
            refused(json!({"sub": "u", "idp_sid": ended, "iat": 99})),
            Some(Refusal::IdpSessionRevoked)
        );
        // Another sid, the same sid at another provider, no claim: accepted.
        for other in [
            json!({"sub": "u", "idp_sid": idp_session_subject("corp", "s2")}),
            json!({"sub": "u", "idp_sid": idp_session_subject("other", "s1")}),
            json!({"sub": "u"}),
        ] {
            assert_eq!(refused(other), None);
        }
        assert_ne!(
            idp_session_subject("a\"", "b"),
            idp_session_subject("a", "\"b")
        );
        r.forget_expired(9_001);
        assert_eq!(refused(json!({"idp_sid": ended})), None);
    }

    #[tokio::test]
    async fn polls_bring_records_written_elsewhere() {
        let adapter = MemoryAdapter::new();
        let here = Revocations::new();
        let elsewhere = Revocations::new();
        let clock = FixedClock::new(1_000);
        let since = poll_once(&adapter, &here, &clock, 0).await.unwrap();
        elsewhere
            .record(
                &adapter,
                Revocation {
                    kind: RevocationKind::Session,
                    subject: "s".into(),
                    at: 1_000,
                    until: 60_000,
                },
            )
            .await
            .unwrap();
        let token = claims(json!({"sid": "s"}));
        assert_eq!(elsewhere.refuses(&token), Some(Refusal::SessionRevoked));
        assert_eq!(here.refuses(&token), None);
        poll_once(&adapter, &here, &clock, since).await.unwrap();
        assert_eq!(here.refuses(&token), Some(Refusal::SessionRevoked));
    }
}
