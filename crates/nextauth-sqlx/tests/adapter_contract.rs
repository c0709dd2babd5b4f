//! The adapter contract: ONE suite, a generic async fn over `&dyn Adapter`, run against the
//! in-memory adapter, SQLite (a file, and `sqlite::memory:`) and PostgreSQL (a fresh database
//! per test on the server of `testkit::postgres::database_url()`).
//!
//! What it proves: every v4 adapter method the core calls behaves the same on every storage —
//! ids as strings, absent rows as `None`, unique e-mails and accounts as `Conflict`, timestamps
//! exact to the millisecond, one-shot verification tokens spent only on an identifier + token
//! match, even under a concurrent race (tasks on several pooled connections).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterError, AdapterSession, AdapterUser, MemoryAdapter, NewUser,
    VerificationToken,
};
use nextauth_sqlx::testing::{
    MySqlTestDatabase, TestDatabase, mysql_server_url, mysql_url_or_skip, postgres_url_or_skip,
};
use nextauth_sqlx::{Layout, Options};

/// 2026-12-28T05:29:14.439Z: a timestamp with milliseconds, so truncation would show.
const T0: i64 = 1_798_435_754_439;

/// Set by the tests of a layout that keeps session and link expiries in whole seconds
/// (Drizzle's MySQL `timestamp`, fsp 0): their times are whole seconds. One test per process
/// (nextest), so a process-wide flag.
static WHOLE_SECONDS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`T0`], or T0 in whole seconds where the layout keeps no milliseconds.
fn t0() -> i64 {
    if WHOLE_SECONDS.load(std::sync::atomic::Ordering::Relaxed) {
        T0 - T0 % 1000
    } else {
        T0
    }
}

/// The smallest step a stored expiry shows: 7 ms, or 7 s.
fn tick() -> i64 {
    if WHOLE_SECONDS.load(std::sync::atomic::Ordering::Relaxed) {
        7_000
    } else {
        7
    }
}

fn unique(tag: &str) -> String {
    format!("{tag}-{}", hex::encode(rand::random::<[u8; 6]>()))
}

/// The contract. Uses unique e-mails and tokens, so it may share a store with other runs.
async fn contract(a: &dyn Adapter) {
    users(a).await;
    accounts(a).await;
    sessions(a).await;
    session_claims(a).await;
    revocations(a).await;
    refresh_leases(a).await;
    logout_tokens(a).await;
    verification_tokens(a).await;
    exact_lookups(a).await;
}

/// Lookups by a client's value match it exactly: an address, an account id or a session token
/// that differs only in case, accents or a trailing space finds nothing. MySQL's collations
/// (Prisma's `utf8mb4_unicode_ci`, the server default under Drizzle) would match them, and a
/// sign-in by `jose@…` would open the account of `josé@…`.
async fn exact_lookups(a: &dyn Adapter) {
    let tag = unique("exact");
    let email = format!("josé.{tag}@example.com");
    let user = a
        .create_user(NewUser {
            email: Some(email.clone()),
            name: Some("José".into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let found = a.get_user_by_email(&email).await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id.clone()));
    for other in [
        format!("jose.{tag}@example.com"),
        format!("JOSÉ.{tag}@example.com"),
        format!("josé.{tag}@example.com "),
    ] {
        assert_eq!(
            a.get_user_by_email(&other).await.unwrap(),
            None,
            "{other:?}"
        );
    }

    let pid = format!("Alice-{tag}");
    let account = AdapterAccount {
        user_id: user.id.clone(),
        kind: "oauth".into(),
        provider: "mock-idp".into(),
        provider_account_id: pid.clone(),
        refresh_token: None,
        access_token: None,
        expires_at: None,
        token_type: None,
        scope: None,
        id_token: None,
        session_state: None,
        extra: Default::default(),
    };
    a.link_account(&account).await.unwrap();
    let found = a.get_user_by_account("mock-idp", &pid).await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id.clone()));
    for (provider, other) in [
        ("mock-idp", pid.to_lowercase()),
        ("MOCK-IDP", pid.clone()),
        ("mock-idp", format!("{pid} ")),
    ] {
        assert_eq!(
            a.get_user_by_account(provider, &other).await.unwrap(),
            None,
            "{provider} {other:?}"
        );
    }

    let token = format!("Tok-{tag}");
    a.create_session(&AdapterSession {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires: t0() + 86_400_000,
    })
    .await
    .unwrap();
    assert!(a.get_session_and_user(&token).await.unwrap().is_some());
    for other in [token.to_lowercase(), format!("{token} ")] {
        assert!(
            a.get_session_and_user(&other).await.unwrap().is_none(),
            "{other:?}"
        );
    }
}

/// Refresh coordination (`nextauth_refresh`): one lease at a time; a live lease makes others
/// wait; an expired lease can be taken over; a recorded result is handed to every later
/// caller; a released lease (a failure to retry) can be taken again; expired records go.
async fn refresh_leases(a: &dyn Adapter) {
    use nextauth_core::adapter::RefreshClaim;
    let key = unique("refresh-key");
    assert_eq!(
        a.claim_refresh(&key, T0, T0 + 1000).await.unwrap(),
        RefreshClaim::Leased
    );
    assert_eq!(
        a.claim_refresh(&key, T0 + 10, T0 + 1010).await.unwrap(),
        RefreshClaim::Busy
    );
    // The holder died: after its lease, another takes over.
    assert_eq!(
        a.claim_refresh(&key, T0 + 1001, T0 + 2001).await.unwrap(),
        RefreshClaim::Leased
    );
    a.finish_refresh(&key, Some("sealed-result"), T0 + 60_000)
        .await
        .unwrap();
    for now in [T0 + 1002, T0 + 59_000] {
        assert_eq!(
            a.claim_refresh(&key, now, now + 1000).await.unwrap(),
            RefreshClaim::Done("sealed-result".into())
        );
    }
    // A released lease (the refresh failed, nothing recorded) is free at once.
    let other = unique("refresh-key");
    assert_eq!(
        a.claim_refresh(&other, T0, T0 + 1000).await.unwrap(),
        RefreshClaim::Leased
    );
    a.finish_refresh(&other, None, T0).await.unwrap();
    assert_eq!(
        a.claim_refresh(&other, T0 + 1, T0 + 1001).await.unwrap(),
        RefreshClaim::Leased
    );
    // Swept after keep_until: the key is unknown again.
    a.delete_expired_refreshes(T0 + 60_001).await.unwrap();
    assert_eq!(
        a.claim_refresh(&key, T0 + 60_002, T0 + 61_002)
            .await
            .unwrap(),
        RefreshClaim::Leased
    );
}

/// Spent back-channel logout tokens (`nextauth_logout_tokens`, migration 0006): a `jti` is new
/// once, a replay is refused, and one kept until before `now` is forgotten (and new again);
/// an `idp_session` revocation reads back as it was written.
async fn logout_tokens(a: &dyn Adapter) {
    use nextauth_core::adapter::{Revocation, RevocationKind};
    let key = unique("idp\njti");
    let now = 4_000_000_000_000;
    assert!(a.spend_logout_token(&key, now + 60_000, now).await.unwrap());
    assert!(!a.spend_logout_token(&key, now + 60_000, now).await.unwrap());
    assert!(
        !a.spend_logout_token(&key, now + 60_000, now + 60_000)
            .await
            .unwrap()
    );
    assert!(
        a.spend_logout_token(&key, now + 120_000, now + 60_001)
            .await
            .unwrap()
    );
    let other = unique("idp\njti");
    assert!(
        a.spend_logout_token(&other, now + 60_000, now)
            .await
            .unwrap()
    );

    let idp = Revocation {
        kind: RevocationKind::IdpSession,
        subject: nextauth_core::revocation::idp_session_subject("idp", &unique("sid")),
        at: now,
        until: now + 60_000,
    };
    a.add_revocation(&idp).await.unwrap();
    let rows = a.revocations_since(0).await.unwrap();
    assert!(rows.iter().any(|(r, _)| *r == idp), "{rows:?}");
}

/// Revocations (`nextauth_revocations`): read back in order of recording, expired ones deleted;
/// and `delete_user_sessions` removes every session of one user (with its claims), no other's.
async fn revocations(a: &dyn Adapter) {
    use nextauth_core::adapter::{Revocation, RevocationKind};
    let sid = unique("sid");
    let uid = unique("uid");
    let now = 4_000_000_000_000; // far ahead, so other runs' rows never expire this one
    let kept = Revocation {
        kind: RevocationKind::Session,
        subject: sid.clone(),
        at: now,
        until: now + 60_000,
    };
    let stale = Revocation {
        kind: RevocationKind::User,
        subject: uid.clone(),
        at: T0,
        until: T0 + 1,
    };
    a.add_revocation(&kept).await.unwrap();
    a.add_revocation(&stale).await.unwrap();
    let mine = |rows: Vec<(Revocation, i64)>| -> Vec<(Revocation, i64)> {
        rows.into_iter()
            .filter(|(r, _)| r.subject == sid || r.subject == uid)
            .collect()
    };
    let all = mine(a.revocations_since(0).await.unwrap());
    assert_eq!(
        all.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        [kept.clone(), stale.clone()]
    );
    assert!(all[0].1 <= all[1].1, "oldest first: {all:?}");
    // Since the second's recording: at least the second (the clock may not have moved).
    let later = mine(a.revocations_since(all[1].1).await.unwrap());
    assert!(later.iter().any(|(r, _)| *r == stale), "{later:?}");
    a.delete_expired_revocations(T0 + 2).await.unwrap();
    let left = mine(a.revocations_since(0).await.unwrap());
    assert_eq!(
        left.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        [kept]
    );

    // delete_user_sessions
    let mk = |tag: &str| NewUser {
        email: Some(format!("{}@example.com", unique(tag))),
        ..NewUser::default()
    };
    let user = a.create_user(mk("revoke")).await.unwrap();
    let other = a.create_user(mk("keep")).await.unwrap();
    let mut tokens = Vec::new();
    for u in [&user, &user, &other] {
        let t = unique("rev-session");
        a.create_session(&AdapterSession {
            session_token: t.clone(),
            user_id: u.id.clone(),
            expires: T0,
        })
        .await
        .unwrap();
        tokens.push(t);
    }
    a.set_session_claims(&tokens[0], serde_json::json!({"r": 1}).as_object().unwrap())
        .await
        .unwrap();
    assert_eq!(a.delete_user_sessions(&user.id).await.unwrap(), 2);
    assert_eq!(a.get_session_and_user(&tokens[0]).await.unwrap(), None);
    assert_eq!(a.get_session_and_user(&tokens[1]).await.unwrap(), None);
    assert_eq!(a.get_session_claims(&tokens[0]).await.unwrap(), None);
    assert!(a.get_session_and_user(&tokens[2]).await.unwrap().is_some());
    assert_eq!(a.delete_user_sessions("no-such-user").await.unwrap(), 0);
}

/// The claims kept beside a database session (`nextauth_session_claims`): stored as a JSON
/// object, replaced by a later write, and gone with the session (plain and with events).
async fn session_claims(a: &dyn Adapter) {
    use serde_json::json;
    let user = a
        .create_user(NewUser {
            email: Some(format!("{}@example.com", unique("claims"))),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let token = unique("claims-token");
    a.create_session(&AdapterSession {
        session_token: token.clone(),
        user_id: user.id.clone(),
        expires: T0,
    })
    .await
    .unwrap();
    assert_eq!(a.get_session_claims(&token).await.unwrap(), None);
    let first = json!({"role": "admin", "groups": ["a", "b"], "n": 1.5, "ü": "✓"});
    a.set_session_claims(&token, first.as_object().unwrap())
        .await
        .unwrap();
    assert_eq!(
        a.get_session_claims(&token).await.unwrap(),
        first.as_object().cloned()
    );
    let second = json!({"role": "editor"});
    a.set_session_claims(&token, second.as_object().unwrap())
        .await
        .unwrap();
    assert_eq!(
        a.get_session_claims(&token).await.unwrap(),
        second.as_object().cloned()
    );
    a.delete_session(&token).await.unwrap();
    assert_eq!(a.get_session_claims(&token).await.unwrap(), None);

    let other = unique("claims-token");
    a.create_session(&AdapterSession {
        session_token: other.clone(),
        user_id: user.id.clone(),
        expires: T0,
    })
    .await
    .unwrap();
    a.set_session_claims(&other, second.as_object().unwrap())
        .await
        .unwrap();
    a.delete_session_with_events(&other, &[]).await.unwrap();
    assert_eq!(a.get_session_claims(&other).await.unwrap(), None);
}

async fn users(a: &dyn Adapter) {
    let email = format!("{}@example.com", unique("u"));
    let created = a
        .create_user(NewUser {
            name: Some("Zoë \"Z\" O'Neil".into()),
            email: Some(email.clone()),
            email_verified: Some(T0),
            image: None,
        })
        .await
        .unwrap();
    // Ids are strings to the core: numbers (pg-adapter), cuids (Prisma), UUIDs (Drizzle);
    // each layout's form is checked by `id_form`.
    assert!(!created.id.is_empty());
    assert_eq!(created.name.as_deref(), Some("Zoë \"Z\" O'Neil"));
    assert_eq!(created.email.as_deref(), Some(email.as_str()));
    assert_eq!(
        created.email_verified,
        Some(T0),
        "emailVerified exact to the ms"
    );
    assert_eq!(created.image, None);

    assert_eq!(
        a.get_user(&created.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        a.get_user_by_email(&email).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        a.get_user_by_email("nobody-here@example.com")
            .await
            .unwrap(),
        None
    );
    // v4's pg adapter answers null (not an error) for an id that cannot exist.
    assert_eq!(a.get_user("not-a-number").await.unwrap(), None);
    assert_eq!(a.get_user("999999999").await.unwrap(), None);

    // A second user with the same address is a conflict, not "unavailable".
    let dup = a
        .create_user(NewUser {
            email: Some(email.clone()),
            ..NewUser::default()
        })
        .await;
    assert!(matches!(dup, Err(AdapterError::Conflict(_))), "{dup:?}");

    // updateUser writes every column (read-merge-write is the caller's job).
    let updated = a
        .update_user(&AdapterUser {
            name: None,
            image: Some("https://example.com/z.png".into()),
            email_verified: Some(T0 + 1),
            ..created.clone()
        })
        .await
        .unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name, None);
    assert_eq!(updated.image.as_deref(), Some("https://example.com/z.png"));
    assert_eq!(updated.email_verified, Some(T0 + 1));
    assert_eq!(a.get_user(&created.id).await.unwrap(), Some(updated));

    // A user without e-mail (an OAuth profile without one) is fine, and several of them too.
    let n1 = a.create_user(NewUser::default()).await.unwrap();
    let n2 = a.create_user(NewUser::default()).await.unwrap();
    assert_ne!(n1.id, n2.id);
    assert_eq!(n1.email, None);
    assert_eq!(n1.email_verified, None);
}

async fn accounts(a: &dyn Adapter) {
    let user = a
        .create_user(NewUser {
            email: Some(format!("{}@example.com", unique("acct"))),
            name: Some("Account Owner".into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let pid = unique("sub");
    let account = AdapterAccount {
        user_id: user.id.clone(),
        kind: "oauth".into(),
        provider: "mock-idp".into(),
        provider_account_id: pid.clone(),
        refresh_token: Some("rt".into()),
        access_token: Some("at".into()),
        expires_at: Some(1_900_000_000),
        token_type: Some("bearer".into()),
        scope: Some("openid email".into()),
        id_token: Some("eyJ...".into()),
        session_state: None,
        extra: Default::default(),
    };
    a.link_account(&account).await.unwrap();
    assert_eq!(
        a.get_user_by_account("mock-idp", &pid).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(
        a.get_user_by_account("other-idp", &pid).await.unwrap(),
        None
    );
    assert_eq!(
        a.get_user_by_account("mock-idp", "nobody").await.unwrap(),
        None
    );
    // (provider, providerAccountId) is unique.
    let again = a.link_account(&account).await;
    assert!(matches!(again, Err(AdapterError::Conflict(_))), "{again:?}");
    // One user may have several accounts.
    a.link_account(&AdapterAccount {
        provider: "other-idp".into(),
        ..account.clone()
    })
    .await
    .unwrap();
    assert_eq!(
        a.get_user_by_account("other-idp", &pid).await.unwrap(),
        Some(user)
    );
}

async fn sessions(a: &dyn Adapter) {
    let user = a
        .create_user(NewUser {
            email: Some(format!("{}@example.com", unique("sess"))),
            name: Some("Session User".into()),
            image: Some("https://example.com/s.png".into()),
            email_verified: Some(t0()),
        })
        .await
        .unwrap();
    let token = unique("session-token");
    let created = a
        .create_session(&AdapterSession {
            session_token: token.clone(),
            user_id: user.id.clone(),
            expires: t0() + 30 * 86_400_000,
        })
        .await
        .unwrap();
    assert_eq!(created.session_token, token);
    assert_eq!(created.user_id, user.id);
    assert_eq!(created.expires, t0() + 30 * 86_400_000);

    let (s, u) = a
        .get_session_and_user(&token)
        .await
        .unwrap()
        .expect("session");
    assert_eq!(s, created);
    assert_eq!(u, user);
    assert_eq!(a.get_session_and_user("no-such-token").await.unwrap(), None);

    a.update_session_expiry(&token, t0() + 31 * 86_400_000 + tick())
        .await
        .unwrap();
    let (s, _) = a
        .get_session_and_user(&token)
        .await
        .unwrap()
        .expect("session");
    assert_eq!(s.expires, t0() + 31 * 86_400_000 + tick());
    // Extending a session that is gone is not an error (it may have been signed out meanwhile).
    a.update_session_expiry("no-such-token", t0())
        .await
        .unwrap();

    // A user may hold several sessions (several browsers).
    let second = unique("session-token");
    a.create_session(&AdapterSession {
        session_token: second.clone(),
        user_id: user.id.clone(),
        expires: t0(),
    })
    .await
    .unwrap();
    a.delete_session(&token).await.unwrap();
    assert_eq!(a.get_session_and_user(&token).await.unwrap(), None);
    assert!(a.get_session_and_user(&second).await.unwrap().is_some());
    // Deleting twice is fine.
    a.delete_session(&token).await.unwrap();
}

async fn verification_tokens(a: &dyn Adapter) {
    let identifier = format!("{}@example.com", unique("vt"));
    let hashed = hex::encode(rand::random::<[u8; 32]>());
    let other = hex::encode(rand::random::<[u8; 32]>());
    let token = VerificationToken {
        identifier: identifier.clone(),
        token: hashed.clone(),
        expires: t0() + 86_400_000,
    };
    a.create_verification_token(&token).await.unwrap();
    // Two links for one address are independent.
    a.create_verification_token(&VerificationToken {
        token: other.clone(),
        ..token.clone()
    })
    .await
    .unwrap();
    assert_eq!(
        a.use_verification_token(&identifier, "unknown")
            .await
            .unwrap(),
        None
    );
    // The right token with another identifier (a link whose `email` was changed) finds nothing
    // and deletes nothing. Identifiers are compared exactly: normalising is the caller's job.
    for wrong in [
        "someone-else@example.com".to_string(),
        identifier.to_uppercase(),
        format!(" {identifier}"),
        String::new(),
    ] {
        assert_eq!(
            a.use_verification_token(&wrong, &hashed).await.unwrap(),
            None,
            "{wrong:?}"
        );
    }
    assert_eq!(
        a.use_verification_token(&identifier, &hashed)
            .await
            .unwrap(),
        Some(token.clone()),
        "still there after the mismatched uses"
    );
    // Used once, gone.
    assert_eq!(
        a.use_verification_token(&identifier, &hashed)
            .await
            .unwrap(),
        None
    );
    let o = a
        .use_verification_token(&identifier, &other)
        .await
        .unwrap()
        .expect("other link");
    assert_eq!(o.identifier, identifier);
    assert_eq!(o.expires, t0() + 86_400_000);

    // Expiry is the caller's to judge: an expired row is returned (and deleted) like any other.
    let expired = VerificationToken {
        identifier: identifier.clone(),
        token: hex::encode(rand::random::<[u8; 32]>()),
        // Long past (MySQL's TIMESTAMP starts at 1970-01-01 00:00:01).
        expires: 1_000_000,
    };
    a.create_verification_token(&expired).await.unwrap();
    assert_eq!(
        a.use_verification_token(&identifier, &expired.token)
            .await
            .unwrap(),
        Some(expired.clone())
    );
    assert_eq!(
        a.use_verification_token(&identifier, &expired.token)
            .await
            .unwrap(),
        None
    );
}

/// Many concurrent uses of one link, each in its own task (on a multi-threaded runtime, so they
/// run in parallel on the pool's connections), released together: exactly one wins. Mismatched
/// uses racing along take nothing.
async fn token_race(a: Arc<dyn Adapter>) {
    const N: usize = 8;
    for round in 0..5 {
        let identifier = format!("{}@example.com", unique("race"));
        let hashed = hex::encode(rand::random::<[u8; 32]>());
        a.create_verification_token(&VerificationToken {
            identifier: identifier.clone(),
            token: hashed.clone(),
            expires: T0,
        })
        .await
        .unwrap();
        let start = Arc::new(tokio::sync::Barrier::new(2 * N));
        let mut tasks = Vec::new();
        for i in 0..2 * N {
            let (a, start) = (a.clone(), start.clone());
            // Every other task uses the link with a wrong identifier.
            let id = if i % 2 == 0 {
                identifier.clone()
            } else {
                format!("x{identifier}")
            };
            let hashed = hashed.clone();
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                (i % 2 == 0, a.use_verification_token(&id, &hashed).await)
            }));
        }
        let mut winners = 0;
        for t in tasks {
            let (right, got) = t.await.unwrap();
            let got = got.unwrap();
            if !right {
                assert_eq!(got, None, "a wrong identifier never takes the token");
            }
            winners += usize::from(got.is_some());
        }
        assert_eq!(
            winners, 1,
            "round {round}: exactly one of {N} concurrent uses gets the token"
        );
    }
}

/// One logout token posted to several instances at once (tasks on several pooled
/// connections): exactly one spends its `jti`, the others see a replay.
async fn logout_token_race(a: Arc<dyn Adapter>) {
    const N: usize = 16;
    for round in 0..5 {
        let key = unique("idp\nrace");
        let start = Arc::new(tokio::sync::Barrier::new(N));
        let mut tasks = Vec::new();
        for _ in 0..N {
            let (a, start, key) = (a.clone(), start.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                a.spend_logout_token(&key, T0 + 60_000, T0).await
            }));
        }
        let mut fresh = 0;
        for t in tasks {
            fresh += usize::from(t.await.unwrap().unwrap());
        }
        assert_eq!(
            fresh, 1,
            "round {round}: one of {N} concurrent spends is new"
        );
    }
}

/// Constraints only SQL enforces (the memory adapter is a test double and does not).
async fn sql_extras(a: &dyn Adapter) {
    // A session or account for a user that does not exist is refused by the foreign key.
    let s = a
        .create_session(&AdapterSession {
            session_token: unique("orphan"),
            user_id: "987654".into(),
            expires: T0,
        })
        .await;
    assert!(matches!(s, Err(AdapterError::Conflict(_))), "{s:?}");
    let s = a
        .create_session(&AdapterSession {
            session_token: unique("orphan"),
            user_id: "not-a-number".into(),
            expires: T0,
        })
        .await;
    assert!(matches!(s, Err(AdapterError::Conflict(_))), "{s:?}");
    let u = a
        .update_user(&AdapterUser {
            id: "987654".into(),
            ..AdapterUser::default()
        })
        .await;
    assert!(matches!(u, Err(AdapterError::Conflict(_))), "{u:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_adapter() {
    let a: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    contract(a.as_ref()).await;
    token_race(a.clone()).await;
    logout_token_race(a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory that does not exist yet: open creates it.
    let url = format!("sqlite://{}/nested/dir/nextauth.db", dir.path().display());
    let a = nextauth_sqlx::open(&url).await.unwrap();
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    // The race on the file through a pool of several connections (not the one connection of
    // `sqlite::memory:`): SQLite's writer lock must make the DELETE … RETURNING one-shot.
    let pooled = nextauth_sqlx::SqliteAdapter::open(&url).await.unwrap();
    let pool = pooled.pool().clone();
    let pooled: Arc<dyn Adapter> = Arc::new(pooled);
    token_race(pooled.clone()).await;
    logout_token_race(pooled).await;
    assert!(
        pool.size() > 1,
        "the race ran on several connections: {}",
        pool.size()
    );
    let file = dir.path().join("nested/dir/nextauth.db");
    assert!(file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Session tokens are credentials: the file is the owner's only.
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // Reopening runs the migrations again (a no-op) and keeps the rows.
    let again = nextauth_sqlx::open(&url).await.unwrap();
    assert!(
        again
            .get_user_by_email("race@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(again.get_user("1").await.unwrap().is_some());
}

#[tokio::test]
async fn sqlite_memory() {
    let a = nextauth_sqlx::open("sqlite::memory:").await.unwrap();
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    id_form(a.as_ref(), &Layout::PG_ADAPTER).await;
}

/// The rate-limit counters (`[rate_limit] store = "database"`): a hit counts, an undo takes one
/// back, another window starts at 1, and ended windows are swept; concurrent hits each get
/// their own count.
async fn rate_limit_counts(a: Arc<dyn Adapter>) {
    let key = unique("email:per_ip:127.0.0.1");
    for n in 1..=3 {
        assert_eq!(a.rate_limit_hit(&key, T0, T0 + 60_000).await.unwrap(), n);
    }
    a.rate_limit_undo(&key, T0).await.unwrap();
    assert_eq!(a.rate_limit_hit(&key, T0, T0 + 60_000).await.unwrap(), 3);
    assert_eq!(
        a.rate_limit_hit(&key, T0 + 60_000, T0 + 120_000)
            .await
            .unwrap(),
        1
    );
    a.delete_expired_rate_limits(T0 + 60_001).await.unwrap();
    assert_eq!(a.rate_limit_hit(&key, T0, T0 + 60_000).await.unwrap(), 1);
    let racing = unique("race");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (a, racing) = (a.clone(), racing.clone());
            tokio::spawn(async move { a.rate_limit_hit(&racing, T0, T0 + 60_000).await })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap().unwrap());
    }
    counts.sort();
    assert_eq!(counts, (1..=8).collect::<Vec<u64>>());
}

/// The form of a new user's id in `layout`: a number, a cuid, a UUID.
async fn id_form(a: &dyn Adapter, layout: &Layout) {
    let id = a.create_user(NewUser::default()).await.unwrap().id;
    match layout.name {
        "pg-adapter" => assert!(id.parse::<i64>().is_ok(), "{id:?}"),
        "prisma" => assert!(
            id.len() == 25
                && id.starts_with('c')
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{id:?}"
        ),
        "drizzle" => assert!(uuid_like(&id), "{id:?}"),
        other => panic!("layout {other}"),
    }
}

fn uuid_like(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The whole contract, the SQL-only constraints and both races on `layout` in a SQLite file
/// (its tables made by the layout's DDL, the session reads through the direct connections).
async fn sqlite_layout(layout: Layout) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/{}.db", dir.path().display(), layout.name);
    let options = Options {
        layout,
        migrate: true,
    };
    let a = nextauth_sqlx::SqliteAdapter::open_with(&url, &options)
        .await
        .unwrap();
    assert!(a.has_direct_reads());
    let pool = a.pool().clone();
    let a: Arc<dyn Adapter> = Arc::new(a);
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    id_form(a.as_ref(), &layout).await;
    rate_limit_counts(a.clone()).await;
    token_race(a.clone()).await;
    logout_token_race(a).await;
    // The layout's tables and ours, nothing of pg-adapter's.
    let mut tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    tables.retain(|t| !t.starts_with("nextauth_"));
    let mut want: Vec<String> = layout.tables().iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(tables, want);
    // Opening again (tables there) adopts them; with migrate = false it only checks.
    for migrate in [true, false] {
        let again = nextauth_sqlx::open_with(&url, &Options { layout, migrate })
            .await
            .unwrap();
        assert!(
            again
                .get_user_by_email("nobody@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_prisma() {
    sqlite_layout(Layout::PRISMA).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_drizzle() {
    sqlite_layout(Layout::DRIZZLE).await;
}

/// The same on PostgreSQL, each layout in a fresh database.
async fn postgres_layout(layout: Layout) {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let options = Options {
        layout,
        migrate: true,
    };
    let a = nextauth_sqlx::PostgresAdapter::open_with(&db.url, &options)
        .await
        .unwrap();
    let pool = a.pool().clone();
    let a: Arc<dyn Adapter> = Arc::new(a);
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    id_form(a.as_ref(), &layout).await;
    rate_limit_counts(a.clone()).await;
    token_race(a.clone()).await;
    logout_token_race(a).await;
    assert!(pool.size() > 1, "the races ran on several connections");
    let mut tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    tables.retain(|t| !t.starts_with("nextauth_"));
    let mut want: Vec<String> = layout.tables().iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(
        tables, want,
        "the layout's tables and ours (nextauth_*), nothing else"
    );
    let again = nextauth_sqlx::open_with(
        &db.url,
        &Options {
            layout,
            migrate: false,
        },
    )
    .await
    .unwrap();
    assert!(
        again
            .get_user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_prisma() {
    postgres_layout(Layout::PRISMA).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_drizzle() {
    postgres_layout(Layout::DRIZZLE).await;
}

/// The same on MySQL/MariaDB (layouts prisma and drizzle), each in a fresh database.
async fn mysql_layout(layout: Layout) {
    let Some(base) = mysql_url_or_skip(mysql_server_url()) else {
        return;
    };
    if layout.name == "drizzle" {
        // Drizzle's MySQL `session.expires` and `verificationToken.expires` are `timestamp`
        // without fractional seconds.
        WHOLE_SECONDS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let db = MySqlTestDatabase::create(&base).await;
    let options = Options {
        layout,
        migrate: true,
    };
    let a = nextauth_sqlx::MySqlAdapter::open_with(&db.url, &options)
        .await
        .unwrap();
    let pool = a.pool().clone();
    let a: Arc<dyn Adapter> = Arc::new(a);
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    id_form(a.as_ref(), &layout).await;
    rate_limit_counts(a.clone()).await;
    token_race(a.clone()).await;
    logout_token_race(a).await;
    assert!(pool.size() > 1, "the races ran on several connections");
    let mut tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    tables.retain(|t| !t.starts_with("nextauth_"));
    let mut want: Vec<String> = layout.tables().iter().map(|t| t.to_string()).collect();
    want.sort();
    tables.sort();
    assert_eq!(
        tables, want,
        "the layout's tables and ours (nextauth_*), nothing else"
    );
    let again = nextauth_sqlx::open_with(
        &db.url,
        &Options {
            layout,
            migrate: false,
        },
    )
    .await
    .unwrap();
    assert!(
        again
            .get_user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // pg-adapter's tables are PostgreSQL's.
    let err = nextauth_sqlx::open_with(&db.url, &Options::defaults(&db.url, Layout::PG_ADAPTER))
        .await
        .err()
        .expect("pg-adapter on MySQL is refused");
    assert!(err.to_string().contains("no MySQL tables"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_prisma() {
    mysql_layout(Layout::PRISMA).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_drizzle() {
    mysql_layout(Layout::DRIZZLE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let a = nextauth_sqlx::open(&db.url).await.unwrap();
    contract(a.as_ref()).await;
    sql_extras(a.as_ref()).await;
    id_form(a.as_ref(), &Layout::PG_ADAPTER).await;
    let pooled = nextauth_sqlx::PostgresAdapter::open(&db.url).await.unwrap();
    let pool = pooled.pool().clone();
    let pooled: Arc<dyn Adapter> = Arc::new(pooled);
    token_race(pooled.clone()).await;
    logout_token_race(pooled).await;
    assert!(
        pool.size() > 1,
        "the race ran on several connections: {}",
        pool.size()
    );
}

/// The schema is @auth/pg-adapter's, column for column, so a Next.js app can share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_is_pg_adapters() {
    use sqlx::Row;
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let pg = nextauth_sqlx::PostgresAdapter::open(&db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d, is_nullable::text AS n
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'
           AND table_name NOT LIKE 'nextauth\\_%'
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pg.pool())
    .await
    .unwrap();
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}.{} {} {}",
                r.get::<String, _>("t"),
                r.get::<String, _>("c"),
                r.get::<String, _>("d"),
                r.get::<String, _>("n")
            )
        })
        .collect();
    let want = [
        "accounts.id integer NO",
        "accounts.userId integer NO",
        "accounts.type character varying NO",
        "accounts.provider character varying NO",
        "accounts.providerAccountId character varying NO",
        "accounts.refresh_token text YES",
        "accounts.access_token text YES",
        "accounts.expires_at bigint YES",
        "accounts.id_token text YES",
        "accounts.scope text YES",
        "accounts.session_state text YES",
        "accounts.token_type text YES",
        "sessions.id integer NO",
        "sessions.userId integer NO",
        "sessions.expires timestamp with time zone NO",
        "sessions.sessionToken character varying NO",
        "users.id integer NO",
        "users.name character varying YES",
        "users.email character varying YES",
        "users.emailVerified timestamp with time zone YES",
        "users.image text YES",
        "verification_token.identifier text NO",
        "verification_token.expires timestamp with time zone NO",
        "verification_token.token text NO",
    ];
    assert_eq!(got, want);

    // A database created by the pg adapter's own schema.sql (before nextauth-rs ever ran) is
    // adopted: the migration's CREATE TABLE IF NOT EXISTS leaves it as it is.
    let db2 = TestDatabase::create(&base).await;
    {
        use sqlx::Connection;
        let mut c = sqlx::postgres::PgConnection::connect(&db2.url)
            .await
            .unwrap();
        sqlx::raw_sql(PG_ADAPTER_SCHEMA)
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::raw_sql(
            r#"INSERT INTO users (name, email, "emailVerified") VALUES ('From Next', 'next@example.com', now())"#,
        )
        .execute(&mut c)
        .await
        .unwrap();
    }
    let shared: Arc<dyn Adapter> = nextauth_sqlx::open(&db2.url).await.unwrap();
    let u = shared
        .get_user_by_email("next@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.name.as_deref(), Some("From Next"));
    contract(shared.as_ref()).await;
}

/// `packages/adapter-pg/schema.sql` of Auth.js, verbatim but for the psql directive.
const PG_ADAPTER_SCHEMA: &str = r#"
CREATE TABLE users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255) UNIQUE,
  "emailVerified" TIMESTAMPTZ,
  image TEXT,
  PRIMARY KEY (id)
);
CREATE TABLE accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,
  PRIMARY KEY (id),
  UNIQUE (provider, "providerAccountId")
);
CREATE TABLE sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) UNIQUE NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  PRIMARY KEY (identifier, token)
);
"#;
