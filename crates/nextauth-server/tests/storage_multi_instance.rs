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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_postgres_two_apps_share_sessions_and_links() {
    let db = postgres_database().await;
    let sink = SmtpSink::start();
    let (a, b) = two_apps(&db.url, &sink).await;
    // The rows themselves, read straight from PostgreSQL (not through either app).
    let pg = sqlx::PgPool::connect(&db.url).await.unwrap();

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
    // Signing out on B ends it on A too.
    let token = csrf(&browser1, &b.base).await;
    browser1
        .post(format!("{}/signout", b.base))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(session(&browser1, &a.base).await, json!({}));

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
        let count = |sql: &'static str| {
            let (pg, email) = (&pg, &email3);
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .bind(email)
                    .fetch_one(pg)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            count("SELECT count(*) FROM users WHERE email = $1").await,
            1,
            "round {round}: user rows for {email3}"
        );
        assert_eq!(
            count(
                r#"SELECT count(*) FROM sessions s JOIN users u ON u.id = s."userId" WHERE u.email = $1"#
            )
            .await,
            1,
            "round {round}: session rows for {email3}"
        );
        assert_eq!(
            count("SELECT count(*) FROM verification_token WHERE identifier = $1").await,
            0,
            "round {round}: verification tokens left for {email3}"
        );
    }
    eprintln!("concurrent link opening, per round: {timings:?}");
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
