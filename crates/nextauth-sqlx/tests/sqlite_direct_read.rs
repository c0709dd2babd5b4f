//! The direct (rusqlite) read of `getSessionAndUser` on a SQLite file: the same answers as the
//! sqlx statement it replaces, and every write through sqlx seen by the next read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use nextauth_core::adapter::{Adapter, AdapterSession, AdapterUser, NewUser};
use nextauth_sqlx::SqliteAdapter;

/// 2026-12-28T05:29:14.439Z: a timestamp with milliseconds.
const T0: i64 = 1_798_435_754_439;

async fn file_adapter() -> (tempfile::TempDir, SqliteAdapter) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sessions.db", dir.path().display());
    let a = SqliteAdapter::open(&url).await.unwrap();
    assert!(a.has_direct_reads(), "a database file reads directly");
    (dir, a)
}

/// Reads `token` through both paths and the trait method; all three must agree.
async fn read(a: &SqliteAdapter, token: &str) -> Option<(AdapterSession, AdapterUser)> {
    let direct = a.get_session_and_user_direct(token).expect("direct reads");
    let pooled = a.get_session_and_user_pooled(token).await;
    assert_eq!(direct, pooled, "direct and pooled reads agree");
    let via_trait = a.get_session_and_user(token).await;
    assert_eq!(via_trait, pooled);
    pooled.unwrap()
}

async fn session_for(a: &SqliteAdapter, user: &AdapterUser, token: &str, expires: i64) {
    a.create_session(&AdapterSession {
        session_token: token.into(),
        user_id: user.id.clone(),
        expires,
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_values_as_the_pool() {
    let (_dir, a) = file_adapter().await;
    let full = a
        .create_user(NewUser {
            name: Some("Zoë \"Z\" O'Neil".into()),
            email: Some("zoe@example.com".into()),
            email_verified: Some(T0),
            image: Some("https://example.com/z.png".into()),
        })
        .await
        .unwrap();
    let bare = a.create_user(NewUser::default()).await.unwrap();
    session_for(&a, &full, "tok-full", T0 + 30 * 86_400_000).await;
    session_for(&a, &bare, "tok-bare", -1).await;

    let (s, u) = read(&a, "tok-full").await.expect("session");
    assert_eq!(
        s,
        AdapterSession {
            session_token: "tok-full".into(),
            user_id: full.id.clone(),
            expires: T0 + 30 * 86_400_000,
        }
    );
    assert_eq!(u, full);
    // NULL columns are None; an expired session is still returned (the core deletes it).
    let (s, u) = read(&a, "tok-bare").await.expect("session");
    assert_eq!(s.expires, -1);
    assert_eq!(u, bare);
    assert_eq!(u.name, None);
    assert_eq!(u.email_verified, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_seen_immediately() {
    let (_dir, a) = file_adapter().await;
    let user = a
        .create_user(NewUser {
            email: Some("w@example.com".into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    assert_eq!(read(&a, "tok").await, None, "not there yet");
    session_for(&a, &user, "tok", T0).await;
    assert_eq!(read(&a, "tok").await.unwrap().0.expires, T0);

    a.update_session_expiry("tok", T0 + 7).await.unwrap();
    assert_eq!(read(&a, "tok").await.unwrap().0.expires, T0 + 7);

    let renamed = a
        .update_user(&AdapterUser {
            name: Some("Renamed".into()),
            ..user.clone()
        })
        .await
        .unwrap();
    assert_eq!(read(&a, "tok").await.unwrap().1, renamed);

    a.delete_session("tok").await.unwrap();
    assert_eq!(read(&a, "tok").await, None);
    session_for(&a, &user, "tok", T0 + 1).await;
    assert_eq!(read(&a, "tok").await.unwrap().0.expires, T0 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_garbage_tokens() {
    let (_dir, a) = file_adapter().await;
    let user = a.create_user(NewUser::default()).await.unwrap();
    session_for(&a, &user, "real", T0).await;
    let long = "x".repeat(100_000);
    for token in [
        "",
        "no-such-token",
        "' OR 1=1 --",
        "real' OR '1'='1",
        "real\0",
        "%",
        "REAL",
        " real",
        "\u{1F600}\u{202E}",
        long.as_str(),
    ] {
        assert_eq!(read(&a, token).await, None, "{token:?}");
    }
    assert!(read(&a, "real").await.is_some(), "still readable");
}

#[tokio::test]
async fn memory_database_reads_through_the_pool() {
    let a = SqliteAdapter::open("sqlite::memory:").await.unwrap();
    assert!(!a.has_direct_reads());
    assert!(a.get_session_and_user_direct("x").is_none());
    let user = a.create_user(NewUser::default()).await.unwrap();
    session_for(&a, &user, "mem", T0).await;
    let (s, u) = a.get_session_and_user("mem").await.unwrap().unwrap();
    assert_eq!(s.expires, T0);
    assert_eq!(u, user);
}

/// Readers on every worker while a writer inserts, extends and deletes sessions: no read fails
/// or waits out its busy timeout (WAL readers do not wait for the writer), and every read sees
/// either the whole session or none.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_during_writes() {
    let (_dir, a) = file_adapter().await;
    let a = Arc::new(a);
    let user = a.create_user(NewUser::default()).await.unwrap();
    session_for(&a, &user, "stable", T0).await;

    let writer = {
        let a = a.clone();
        let user = user.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                let token = format!("churn-{}", i % 5);
                a.delete_session(&token).await.unwrap();
                session_for(&a, &user, &token, T0 + i).await;
                a.update_session_expiry("stable", T0 + i).await.unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let a = a.clone();
            let user = user.clone();
            tokio::spawn(async move {
                for i in 0..1000 {
                    let found = a
                        .get_session_and_user_direct(&format!("churn-{}", i % 5))
                        .unwrap()
                        .unwrap();
                    if let Some((s, u)) = found {
                        assert_eq!(u, user);
                        assert!(s.expires >= T0);
                    }
                    let (s, _) = a
                        .get_session_and_user_direct("stable")
                        .unwrap()
                        .unwrap()
                        .expect("stable session always there");
                    assert!(s.expires >= T0);
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for r in readers {
        r.await.unwrap();
    }
    writer.await.unwrap();
    assert_eq!(
        read(&a, "stable").await.unwrap().0.expires,
        T0 + 299,
        "the last extension is seen"
    );
}
