//! Two `nextauth` apps (two in-process servers, each with its own connection pool, as two
//! processes would have) on ONE PostgreSQL database, database session strategy:
//!
//! * a session started on one is valid on the other, and signing out on one ends it on both;
//! * a magic link issued by one is consumed by the other;
//! * the same link opened concurrently on both signs in exactly once;
//! * the database stopped under a running app: errors (fast, no panic, the cookie kept), then
//!   recovery on its own when it is back, with nothing lost (the session, a link issued before).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use std::time::{Duration, Instant};

use nextauth_sqlx::testing::{PgCluster, postgres_url_or_skip};
use serde_json::{Value, json};
use storage_support::*;
use testkit::SmtpSink;

async fn two_apps(url: &str, sink: &SmtpSink) -> (App, App) {
    let smtp = format!("smtp://127.0.0.1:{}", sink.smtp_port());
    let a = App::start(AppOptions {
        database_url: url,
        strategy: "database",
        smtp: Some(smtp.clone()),
        ..AppOptions::default()
    })
    .await;
    let b = App::start(AppOptions {
        database_url: url,
        strategy: "database",
        smtp: Some(smtp),
        ..AppOptions::default()
    })
    .await;
    (a, b)
}

/// The link of the last mail to `email`.
async fn link_for(sink: &SmtpSink, email: &str) -> String {
    sink.wait_mail(email).await["link"]
        .as_str()
        .expect("link")
        .to_string()
}

/// The same link, opened on another app (both share the secret, so the hash matches).
fn on(app: &App, link: &str, issuer: &App) -> String {
    link.replacen(&issuer.base, &app.base, 1)
}

/// The rows themselves, read straight from the database (not through either app): a count
/// bound to an e-mail address.
enum Rows {
    Postgres(sqlx::PgPool),
    /// MySQL in the Prisma layout.
    MySql(sqlx::MySqlPool),
}

impl Rows {
    /// The user rows, the session rows and the verification tokens of `email`.
    async fn counts(&self, email: &str) -> (i64, i64, i64) {
        let (users, sessions, tokens) = match self {
            Rows::Postgres(_) => (
                "SELECT count(*) FROM users WHERE email = $1",
                r#"SELECT count(*) FROM sessions s JOIN users u ON u.id = s."userId" WHERE u.email = $1"#,
                "SELECT count(*) FROM verification_token WHERE identifier = $1",
            ),
            Rows::MySql(_) => (
                "SELECT count(*) FROM `User` WHERE email = ?",
                "SELECT count(*) FROM `Session` s JOIN `User` u ON u.id = s.userId WHERE u.email = ?",
                "SELECT count(*) FROM `VerificationToken` WHERE identifier = ?",
            ),
        };
        let mut out = [0i64; 3];
        for (n, sql) in out.iter_mut().zip([users, sessions, tokens]) {
            *n = match self {
                Rows::Postgres(pool) => sqlx::query_scalar(sql).bind(email).fetch_one(pool).await,
                Rows::MySql(pool) => sqlx::query_scalar(sql).bind(email).fetch_one(pool).await,
            }
            .unwrap();
        }
        (out[0], out[1], out[2])
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_postgres_two_apps_share_sessions_and_links() {
    let db = postgres_database().await;
    let rows = Rows::Postgres(sqlx::PgPool::connect(&db.url).await.unwrap());
    two_apps_share_sessions_and_links(&db.url, rows).await;
}

/// The same on MySQL/MariaDB (the Prisma layout): no `RETURNING` there, the link is spent with
/// `SELECT … FOR UPDATE` + `DELETE` in one transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_mysql_two_apps_share_sessions_and_links() {
    let db = mysql_database().await;
    // The tables first (one app's start would make them; two starting together race for it).
    nextauth_sqlx::migrate(&db.url, &nextauth_sqlx::Layout::PRISMA)
        .await
        .unwrap();
    let rows = Rows::MySql(sqlx::MySqlPool::connect(&db.url).await.unwrap());
    two_apps_share_sessions_and_links(&db.url, rows).await;
}

async fn two_apps_share_sessions_and_links(url: &str, rows: Rows) {
    let sink = SmtpSink::start();
    let (a, b) = two_apps(url, &sink).await;

    // Sign in through A. (A browser sends its 127.0.0.1 cookies to both ports, as browsers do:
    // cookies ignore the port, like two instances behind one load balancer.)
    let browser1 = browser();
    let email = unique_email("multi");
    request_link(&browser1, &a.base, &email, &a.origin).await;
    let link = link_for(&sink, &email).await;
    let r = browser1.get(&link).send().await.unwrap();
    assert_eq!(location(&r), a.origin);
    // The session is valid on B.
    let s = session(&browser1, &b.base).await;
    assert_eq!(s["user"]["email"], Value::String(email.clone()), "{s}");
    assert_eq!(
        session(&browser1, &a.base).await["user"]["email"],
        Value::String(email.clone())
    );
    // Signing out on B ends it on A too (A may hold the session in its cache until B's NOTIFY
    // reaches it: polled; `storage_postgres_session_cache_invalidated_across_instances` is
    // about that).
    let token = csrf(&browser1, &b.base).await;
    browser1
        .post(format!("{}/signout", b.base))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        poll_session(&browser1, &a.base, |s| *s == json!({})).await,
        json!({})
    );

    // A link issued by A, consumed by B.
    let browser2 = browser();
    let email2 = unique_email("cross");
    request_link(&browser2, &a.base, &email2, &a.origin).await;
    let link = link_for(&sink, &email2).await;
    let r = browser2.get(on(&b, &link, &a)).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(!loc.contains("error="), "consumed on B: {loc}");
    assert_eq!(
        session(&browser2, &b.base).await["user"]["email"],
        Value::String(email2.clone())
    );
    // ... and it is gone for A.
    let r = browser().get(&link).send().await.unwrap();
    assert_eq!(
        location(&r),
        format!(
            "{}/error?error=Verification&reason=link_used_or_unknown",
            a.base
        )
    );

    // The same link opened at the same moment on A and on B: exactly one sign-in.
    let mut timings = Vec::new();
    for round in 0..5 {
        let email3 = unique_email(&format!("race{round}"));
        request_link(&browser(), &a.base, &email3, &a.origin).await;
        let link = link_for(&sink, &email3).await;
        let (ba, bb) = (browser(), browser());
        let (la, lb) = (link.clone(), on(&b, &link, &a));
        let t = Instant::now();
        let (ra, rb) = tokio::join!(ba.get(&la).send(), bb.get(&lb).send());
        timings.push(t.elapsed());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let signed_in: Vec<bool> = [&ra, &rb]
            .iter()
            .map(|r| !location(r).contains("error=") && set_session_cookie(r).is_some())
            .collect();
        assert_eq!(
            signed_in.iter().filter(|s| **s).count(),
            1,
            "round {round}: exactly one sign-in ({} / {})",
            location(&ra),
            location(&rb)
        );
        let loser = if signed_in[0] { &rb } else { &ra };
        assert!(
            location(loser).ends_with("/error?error=Verification&reason=link_used_or_unknown"),
            "{}",
            location(loser)
        );
        let (winner_browser, winner_app) = if signed_in[0] { (&ba, &a) } else { (&bb, &b) };
        assert_eq!(
            session(winner_browser, &winner_app.base).await["user"]["email"],
            Value::String(email3.clone())
        );
        // One user row, however the race went; one session row (the winner's); the token spent.
        assert_eq!(
            rows.counts(&email3).await,
            (1, 1, 0),
            "round {round}: user, session and token rows for {email3}"
        );
    }
    eprintln!("concurrent link opening, per round: {timings:?}");
}

/// `GET session` on `base` until `done` holds for its body (or 20 s pass: then the last body).
async fn poll_session(b: &reqwest::Client, base: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = session(b, base).await;
        if done(&s) || Instant::now() > deadline {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The session cache (`[database] session_cache`, on by default for PostgreSQL) across two
/// instances: each answers `GET session` from memory (a change made around the apps, straight
/// in the database, is not seen: that is the proof the cache is in use), yet a user update and a
/// sign-out through one instance are seen by the other at once, through `LISTEN`/`NOTIFY`. The
/// cache's ttl is set to a minute, far beyond the polling deadlines, so only the notification
/// can explain what the other instance sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_postgres_session_cache_invalidated_across_instances() {
    let db = postgres_database().await;
    let sink = SmtpSink::start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.smtp_port());
    let app = || AppOptions {
        database_url: &db.url,
        strategy: "database",
        smtp: Some(smtp.clone()),
        database_extra: "session_cache = \"60s\"",
        ..AppOptions::default()
    };
    let (a, b) = (App::start(app()).await, App::start(app()).await);
    let pg = sqlx::PgPool::connect(&db.url).await.unwrap();

    let browser1 = browser();
    let email = unique_email("cache");
    request_link(&browser1, &a.base, &email, &a.origin).await;
    let link = link_for(&sink, &email).await;
    browser1.get(&link).send().await.unwrap();
    let user_id: i32 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&pg)
        .await
        .unwrap();

    // Each instance caches once its LISTEN is up: rename the user straight in the database
    // until an instance keeps answering the name it read before.
    let mut round = 0;
    for app in [&a, &b] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            round += 1;
            let before = session(&browser1, &app.base).await["user"]["name"].clone();
            sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
                .bind(format!("around-{round}"))
                .bind(user_id)
                .execute(&pg)
                .await
                .unwrap();
            let after = session(&browser1, &app.base).await["user"]["name"].clone();
            if after == before {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{}: never answered from its cache ({after})",
                app.base
            );
        }
    }
    let renamed = json!(format!("around-{round}"));
    assert_ne!(session(&browser1, &b.base).await["user"]["name"], renamed);

    // A user update through A (a second e-mail sign-in sets emailVerified: updateUser) is seen
    // by B: B's entry is dropped and the row read again, with the name changed above.
    let browser2 = browser();
    request_link(&browser2, &a.base, &email, &a.origin).await;
    let link = link_for(&sink, &email).await;
    browser2.get(&link).send().await.unwrap();
    let s = poll_session(&browser1, &b.base, |s| s["user"]["name"] == renamed).await;
    assert_eq!(s["user"]["name"], renamed, "B saw A's user update: {s}");
    // Cached again on B (read twice), then signed out on A: B answers {} at once.
    assert_eq!(
        session(&browser1, &b.base).await["user"]["email"],
        json!(email)
    );
    let token = csrf(&browser1, &a.base).await;
    browser1
        .post(format!("{}/signout", a.base))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        poll_session(&browser1, &b.base, |s| *s == json!({})).await,
        json!({}),
        "B saw the sign-out on A"
    );
    // ... and the other browser's session (same user) still works on both.
    assert_eq!(
        session(&browser2, &b.base).await["user"]["email"],
        json!(email)
    );
    assert_eq!(
        session(&browser2, &a.base).await["user"]["email"],
        json!(email)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_postgres_down_then_recovers() {
    // A cluster of its own (below), not the machine's server: only the skip rule applies (with
    // NEXTAUTH_SKIP_POSTGRES set this test must have been filtered out; this panics saying so).
    if nextauth_sqlx::testing::skip_postgres() {
        postgres_url_or_skip(None);
    }
    // Our own throwaway cluster on a free port: stopping it touches nothing else.
    let t = Instant::now();
    let cluster = tokio::task::spawn_blocking(PgCluster::start).await.unwrap();
    eprintln!(
        "throwaway cluster up in {:?} (port {})",
        t.elapsed(),
        cluster.port()
    );
    let sink = SmtpSink::start();
    let app = App::start(AppOptions {
        database_url: &cluster.url(),
        strategy: "database",
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;

    // Signed in, and a second link issued (not yet used) before the outage.
    let b = browser();
    let email = unique_email("outage");
    request_link(&b, &app.base, &email, &app.origin).await;
    let link = link_for(&sink, &email).await;
    b.get(&link).send().await.unwrap();
    assert_eq!(
        session(&b, &app.base).await["user"]["email"],
        Value::String(email.clone())
    );
    let later = unique_email("later");
    request_link(&browser(), &app.base, &later, &app.origin).await;
    let pending_link = link_for(&sink, &later).await;

    let c = &cluster;
    tokio::task::block_in_place(|| c.stop_server());

    // GET session: {} (v4: SESSION_ERROR), the cookie is NOT cleared (the session still exists).
    let t = Instant::now();
    let r = b.get(format!("{}/session", app.base)).send().await.unwrap();
    let took = t.elapsed();
    eprintln!("GET session with the database down: {took:?}");
    assert_eq!(r.status(), 200);
    assert!(
        set_session_cookie(&r).is_none(),
        "the session cookie is kept"
    );
    assert_eq!(r.json::<Value>().await.unwrap(), json!({}));
    assert!(took < Duration::from_secs(8), "fails fast: {took:?}");
    // POST signin/email: EmailSignin; GET callback/email: Callback. Pages, not panics.
    let t = Instant::now();
    let r = request_link(&browser(), &app.base, &unique_email("down"), &app.origin).await;
    eprintln!(
        "POST signin/email with the database down: {:?}",
        t.elapsed()
    );
    assert_eq!(
        location(&r),
        format!("{}/error?error=EmailSignin&reason=storage_failed", app.base)
    );
    let r = browser().get(&pending_link).send().await.unwrap();
    assert_eq!(
        location(&r),
        format!("{}/error?error=Callback&reason=storage_failed", app.base)
    );

    tokio::task::block_in_place(|| c.start_server());
    // Recovery on its own: the pool reconnects; the session and the pending link survived.
    let t = Instant::now();
    let s = session(&b, &app.base).await;
    eprintln!(
        "first GET session after the database returned: {:?}",
        t.elapsed()
    );
    assert_eq!(s["user"]["email"], Value::String(email.clone()), "{s}");
    let b2 = browser();
    let r = b2.get(&pending_link).send().await.unwrap();
    assert_eq!(
        location(&r),
        app.origin,
        "the link issued before the outage still works"
    );
    assert_eq!(
        session(&b2, &app.base).await["user"]["email"],
        Value::String(later)
    );
    drop(app);
    drop(cluster);
}
