//! The event outbox's adapter contract, one generic suite run against the in-memory adapter,
//! a SQLite file and PostgreSQL: a change and its events are one transaction (an event that
//! cannot be written undoes the change), claims lease rows, retries wait, dead rows are never
//! claimed again, and concurrent claimers never get the same row (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use nextauth_core::adapter::{
    Adapter, AdapterSession, AdapterUser, MemoryAdapter, NewUser, OutboxEvent,
};
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};

const NOW: i64 = 1_800_000_000_000;

fn event(id: &str, at: i64) -> OutboxEvent {
    OutboxEvent {
        id: id.into(),
        kind: "signIn".into(),
        created_at: at,
        body: format!(r#"{{"id":"{id}"}}"#),
    }
}

fn uniq(tag: &str) -> String {
    format!("{tag}-{}", hex::encode(rand::random::<[u8; 6]>()))
}

async fn contract(a: &dyn Adapter) {
    assert!(a.keeps_outbox());
    let first = uniq("evt");

    // createUser and its event: both or neither.
    let email = format!("{}@example.com", uniq("u"));
    let f1 = first.clone();
    let user = a
        .create_user_with_events(
            NewUser {
                email: Some(email.clone()),
                ..NewUser::default()
            },
            &move |u: &AdapterUser| {
                assert!(!u.id.is_empty());
                vec![event(&f1, NOW)]
            },
        )
        .await
        .unwrap();
    let dup = first.clone();
    let email2 = format!("{}@example.com", uniq("u"));
    let refused = a
        .create_user_with_events(
            NewUser {
                email: Some(email2.clone()),
                ..NewUser::default()
            },
            &move |_: &AdapterUser| vec![event(&dup, NOW)],
        )
        .await;
    {
        // The duplicate event id fails the insert: the user row is rolled back with it.
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(a.get_user_by_email(&email2).await.unwrap(), None);
        let session = AdapterSession {
            session_token: uniq("tok"),
            user_id: user.id.clone(),
            expires: NOW + 1000,
        };
        assert!(
            a.create_session_with_events(&session, &[event(&first, NOW)])
                .await
                .is_err()
        );
        assert_eq!(
            a.get_session_and_user(&session.session_token)
                .await
                .unwrap(),
            None
        );
    }

    // Claim leases: not claimable again until the lease ends.
    let rows = a.claim_events(NOW, NOW + 1000, 10).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.event.id.as_str()).collect::<Vec<_>>(),
        [first.as_str()]
    );
    assert_eq!(rows[0].attempts, 0);
    assert_eq!(rows[0].event, event(&first, NOW));
    assert!(
        a.claim_events(NOW + 999, NOW + 2000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        a.claim_events(NOW + 1000, NOW + 2000, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // A retry waits for its time and counts its attempts.
    a.event_retry(&first, 3, NOW + 5000, "answered 503")
        .await
        .unwrap();
    assert!(
        a.claim_events(NOW + 4999, NOW + 9000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = a.claim_events(NOW + 5000, NOW + 9000, 10).await.unwrap();
    assert_eq!(again[0].attempts, 3);

    // Dead: never claimed again.
    a.event_dead(&first, NOW + 6000, "too old").await.unwrap();
    assert!(
        a.claim_events(i64::MAX / 2, i64::MAX / 2, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Delivered: gone.
    let second = uniq("evt");
    a.enqueue_events(&[event(&second, NOW)]).await.unwrap();
    assert_eq!(a.claim_events(NOW, NOW + 10, 10).await.unwrap().len(), 1);
    a.event_delivered(&second).await.unwrap();
    assert!(
        a.claim_events(i64::MAX / 2, i64::MAX / 2, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Two claimers racing over 60 due rows, 4 at a time: every row is claimed exactly once.
async fn race(a: Arc<dyn Adapter>) {
    let ids: Vec<String> = (0..60).map(|_| uniq("race")).collect();
    let events: Vec<OutboxEvent> = ids.iter().map(|id| event(id, NOW)).collect();
    a.enqueue_events(&events).await.unwrap();
    let claimer = |a: Arc<dyn Adapter>| {
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let rows = a.claim_events(NOW, NOW + 60_000, 4).await.unwrap();
                if rows.is_empty() {
                    return got;
                }
                got.extend(rows.into_iter().map(|r| r.event.id));
            }
        })
    };
    let (x, y) = (claimer(a.clone()), claimer(a.clone()));
    let (x, y) = (x.await.unwrap(), y.await.unwrap());
    let mut all: Vec<String> = x.iter().chain(&y).cloned().collect();
    all.sort();
    let mut want = ids;
    want.sort();
    assert_eq!(all, want, "a row claimed twice or never");
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_outbox() {
    let a: Arc<dyn Adapter> = Arc::new(MemoryAdapter::new());
    contract(a.as_ref()).await;
    race(a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/outbox.db", dir.path().display());
    let a: Arc<dyn Adapter> = Arc::new(nextauth_sqlx::SqliteAdapter::open(&url).await.unwrap());
    contract(a.as_ref()).await;
    race(a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outbox() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let a: Arc<dyn Adapter> =
        Arc::new(nextauth_sqlx::PostgresAdapter::open(&db.url).await.unwrap());
    contract(a.as_ref()).await;
    race(a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outbox() {
    use nextauth_sqlx::testing::{MySqlTestDatabase, mysql_server_url, mysql_url_or_skip};
    let Some(base) = mysql_url_or_skip(mysql_server_url()) else {
        return;
    };
    let db = MySqlTestDatabase::create(&base).await;
    let options = nextauth_sqlx::Options {
        layout: nextauth_sqlx::Layout::PRISMA,
        migrate: true,
    };
    let a: Arc<dyn Adapter> = Arc::new(
        nextauth_sqlx::MySqlAdapter::open_with(&db.url, &options)
            .await
            .unwrap(),
    );
    contract(a.as_ref()).await;
    race(a).await;
}
