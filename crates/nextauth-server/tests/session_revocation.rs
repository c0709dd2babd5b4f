//! Revocable JWT sessions (issue 13, item 6), with the spawned `nextauth` binary:
//!
//! * `[session] revoke_on_signout`: a session cookie copied before sign-out (and a copy of the
//!   cookie as re-issued by a later `GET session`, whose `jti` differs) gets `{}` after it; without
//!   the key a copy stays valid, as in v4.
//! * `nextauth sessions revoke --user ID` ends a user's JWT sessions on two instances sharing one
//!   PostgreSQL database (each keeps the revocations in memory, polled every second), and a
//!   sign-in after it works.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};
use serde_json::{Value, json};

fn config(webhook_url: &str, database_url: &str, revoke_on_signout: bool) -> String {
    credentials_config(
        webhook_url,
        &format!(
            "[session]\nstrategy = \"jwt\"\nrevoke_on_signout = {revoke_on_signout}\n\
             [database]\nurl = \"{database_url}\"\n"
        ),
    )
}

/// `GET session` with only `cookie` (a copy of a session cookie, `name=value`): the JSON and
/// the re-issued session cookie, if any.
async fn session_with(s: &Server, cookie: &str) -> (Value, Option<String>) {
    let r = testkit::http::client_without_cookies()
        .get(s.url("/session"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let reissued = testkit::http::cookie_pair(&r, "next-auth.session-token");
    (r.json().await.unwrap(), reissued)
}

/// Signs alice in with `c`: the session cookie as `name=value`.
async fn signed_in_cookie(c: &reqwest::Client, s: &Server) -> String {
    let r = sign_in_alice(c, s, "/").await;
    assert_eq!(r.status(), 302, "{}", s.logs());
    testkit::http::cookie_pair(&r, "next-auth.session-token").expect("a session cookie")
}

async fn sign_out(c: &reqwest::Client, s: &Server) {
    let r = testkit::http::post_with_csrf(c, &s.base, "signout", &[]).await;
    assert_eq!(r.status(), 302, "{}", s.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_copied_before_sign_out_is_refused_after_it() {
    let hook = webhook().await;
    for revoke in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}/n.db", dir.path().display());
        let s = Server::spawn(&config(&hook.url, &db, revoke));
        let browser = client();
        let copy = signed_in_cookie(&browser, &s).await;
        // A later read re-issues the cookie with another `jti`: a second copy.
        let (before, reissued) = session_with(&s, &copy).await;
        assert_eq!(before["user"]["email"], "alice@example.com");
        let second_copy = reissued.expect("the cookie is re-issued on every read");
        assert_ne!(second_copy, copy);

        sign_out(&browser, &s).await;
        assert_eq!(session(&browser, &s).await, json!({}));
        for c in [&copy, &second_copy] {
            let (after, _) = session_with(&s, c).await;
            if revoke {
                assert_eq!(after, json!({}), "revoke_on_signout: {}", s.logs());
            } else {
                // v4's behaviour: sign-out clears the cookie, a copy stays valid.
                assert_eq!(after["user"]["email"], "alice@example.com");
            }
        }
        if revoke {
            assert!(
                s.logs().contains("the session was signed out"),
                "{}",
                s.logs()
            );
            // Another session of the same user is not affected.
            let other = client();
            let cookie = signed_in_cookie(&other, &s).await;
            assert_eq!(
                session_with(&s, &cookie).await.0["user"]["email"],
                "alice@example.com"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_revoke_ends_jwt_sessions_on_two_instances_postgres() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let hook = webhook().await;
    let cfg = config(&hook.url, &db.url, false);
    let a = Server::spawn(&cfg);
    let b = Server::spawn(&cfg);
    let cookie = signed_in_cookie(&client(), &a).await;
    for s in [&a, &b] {
        assert_eq!(
            session_with(s, &cookie).await.0["user"]["email"],
            "alice@example.com"
        );
    }

    // The CLI, with the same configuration file, on the same database.
    let out = nextauth_command(a.dir.path())
        .args([
            "sessions",
            "revoke",
            "--user",
            "credentials-alice",
            "--config",
        ])
        .arg(a.dir.path().join("nextauth.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("revoked the sessions of user \"credentials-alice\""),
        "{stdout}"
    );

    // Both instances refuse the cookie within a few polls.
    let deadline = Instant::now() + Duration::from_secs(10);
    for s in [&a, &b] {
        loop {
            let (got, _) = session_with(s, &cookie).await;
            if got == json!({}) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "still signed in on {}: {got}\n{}",
                s.base,
                s.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            s.logs().contains("the user's sessions were revoked"),
            "{}",
            s.logs()
        );
    }

    // A sign-in after the revocation (a later second) is a new session that works everywhere.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = signed_in_cookie(&client(), &b).await;
    for s in [&a, &b] {
        assert_eq!(
            session_with(s, &fresh).await.0["user"]["email"],
            "alice@example.com",
            "{}",
            s.logs()
        );
    }
}
