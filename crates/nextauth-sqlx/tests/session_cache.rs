//! [`SessionCache`] on a real PostgreSQL: a lost `LISTEN` connection empties the cache and
//! bypasses it until the subscription is back, and a `NOTIFY` from any connection drops entries.
//! (Two whole servers sharing the cache's notifications: the server's
//! `tests/storage_multi_instance.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use nextauth_core::adapter::{Adapter, AdapterSession, NewUser};
use nextauth_sqlx::SessionCache;
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cache_postgres_lost_listen_connection_empties_and_resubscribes() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let inner = Arc::new(nextauth_sqlx::PostgresAdapter::open(&db.url).await.unwrap());
    let cache = SessionCache::open(inner, &db.url, Duration::from_secs(60), 100).unwrap();
    until("subscribed", || cache.is_listening()).await;

    let user = cache
        .create_user(NewUser {
            name: Some("Alice".into()),
            email: Some("alice-cache@example.com".into()),
            email_verified: None,
            image: None,
        })
        .await
        .unwrap();
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 3_600_000;
    cache
        .create_session(&AdapterSession {
            session_token: "tok-cache".into(),
            user_id: user.id.clone(),
            expires,
        })
        .await
        .unwrap();
    let fill = || async {
        let found = cache.get_session_and_user("tok-cache").await.unwrap();
        assert_eq!(found.unwrap().1.id, user.id);
    };
    fill().await;
    assert_eq!(cache.len(), 1);

    // The listener's backend is killed: the cache empties and is bypassed, then subscribes again.
    let pg = sqlx::PgPool::connect(&db.url).await.unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(killed, 1);
    until("emptied", || cache.is_empty()).await;
    until("subscribed again", || cache.is_listening()).await;

    // Subscribed again: a NOTIFY from any connection (here a plain one) drops the entries.
    let deadline = Instant::now() + Duration::from_secs(20);
    while cache.is_empty() {
        assert!(Instant::now() < deadline, "never cached again");
        fill().await;
    }
    sqlx::query("SELECT pg_notify('nextauth_session_cache', 'u:' || $1)")
        .bind(&user.id)
        .execute(&pg)
        .await
        .unwrap();
    until("dropped by the notification", || cache.is_empty()).await;
    drop(cache);
    pg.close().await;
}
