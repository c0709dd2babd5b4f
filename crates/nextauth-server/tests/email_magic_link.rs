//! The email provider end to end, against a REAL SMTP server (`testkit::SmtpSink`, npm
//! smtp-server): POST signin/email with CSRF → the mail arrives → the link is read from the
//! received mail → opening it signs in → the session shows the user → the same link again is
//! `error=Verification`. Plus the SMTP failure modes (closed port, TLS required but not offered,
//! implicit TLS against a plain server): `error=EmailSignin` and no usable token left behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use std::sync::Arc;
use std::time::Instant;

use nextauth_core::Adapter;
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};
use serde_json::Value;
use storage_support::*;
use testkit::SmtpSink;

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/db/nextauth.db", dir.path().display())
}

/// The whole magic-link round trip; returns the signed-in user's address.
async fn magic_link_round_trip(
    database_url: &str,
    strategy: &str,
    check: Option<Arc<dyn Adapter>>,
) {
    let sink = SmtpSink::start();
    let app = App::start(AppOptions {
        database_url,
        strategy,
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let email = unique_email("magic");
    let callback = format!("{}/after-email", app.origin);

    // Upper case and blanks: normalised as v4 does before anything is stored or sent.
    let t = Instant::now();
    let r = request_link(
        &b,
        &app.base,
        &format!("  {}  ", email.to_uppercase()),
        &callback,
    )
    .await;
    eprintln!(
        "POST signin/email (store token + SMTP send): {:?}",
        t.elapsed()
    );
    assert_eq!(r.status(), 302);
    assert_eq!(
        location(&r),
        format!("{}/verify-request?provider=email&type=email", app.base)
    );

    let mail = sink.wait_mail(&email).await;
    let host = app.origin.trim_start_matches("http://");
    assert_eq!(mail["envelope"]["to"][0], Value::String(email.clone()));
    assert_eq!(mail["subject"], Value::String(format!("Sign in to {host}")));
    assert!(
        mail["from"]
            .as_str()
            .unwrap()
            .contains("no-reply@example.com"),
        "{mail}"
    );
    let link = mail["link"]
        .as_str()
        .expect("a magic link in the mail")
        .to_string();
    assert!(
        link.starts_with(&format!(
            "{}/callback/email?callbackUrl={}&token=",
            app.base,
            // URLSearchParams encoding, as v4 builds the link.
            url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>()
        )),
        "{link}"
    );
    assert!(
        link.ends_with(&format!("&email={}", email.replace('@', "%40"))),
        "{link}"
    );
    // MIME puts CRLF on the wire (nodemailer too); the text is v4's with its line ends.
    assert_eq!(
        mail["text"].as_str().unwrap().replace("\r\n", "\n"),
        format!("Sign in to {host}\n{link}\n\n")
    );
    let html = mail["html"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "Sign in to <strong>{}</strong>",
            host.replace('.', "&#8203;.")
        )),
        "{html}"
    );
    assert!(html.contains(r##"bgcolor="#346df1""##), "{html}");
    assert!(
        html.contains(&link.replace('&', "&amp;")),
        "the button links to the same URL"
    );

    // Open the link read from the mail.
    let t = Instant::now();
    let r = b.get(&link).send().await.unwrap();
    eprintln!(
        "GET callback/email (consume token, create user, start session): {:?}",
        t.elapsed()
    );
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), callback);
    let cookie = set_session_cookie(&r).expect("a session cookie");
    let value = cookie
        .trim_start_matches("next-auth.session-token=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    if strategy == "database" {
        // A session token (UUID v4), the row in the database.
        assert_eq!(value.len(), 36, "{value}");
        assert_eq!(value.matches('-').count(), 4, "{value}");
    } else {
        assert_eq!(value.split('.').count(), 5, "a JWE: {value}");
    }

    let s = session(&b, &app.base).await;
    assert_eq!(s["user"]["email"], Value::String(email.clone()), "{s}");
    assert!(
        s["user"].get("name").is_none(),
        "no name for an e-mail-only user: {s}"
    );
    assert!(s["expires"].is_string(), "{s}");

    // The same link again: consumed.
    let again = b.get(&link).send().await.unwrap();
    assert_eq!(
        location(&again),
        format!("{}/error?error=Verification", app.base)
    );

    if let Some(store) = check {
        let user = store
            .get_user_by_email(&email)
            .await
            .unwrap()
            .expect("user row");
        assert!(
            user.email_verified.is_some(),
            "emailVerified set by the magic link"
        );
        if strategy == "database" {
            assert!(store.get_session_and_user(&value).await.unwrap().is_some());
            // Sign-out deletes the row.
            let token = csrf(&b, &app.base).await;
            let r = b
                .post(format!("{}/signout", app.base))
                .form(&[("csrfToken", token.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 302);
            assert!(store.get_session_and_user(&value).await.unwrap().is_none());
            assert_eq!(session(&b, &app.base).await, serde_json::json!({}));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_sqlite_jwt() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    // A second handle on the same file, to look at the rows.
    let app_db = nextauth_sqlx::open(&url).await.unwrap();
    magic_link_round_trip(&url, "jwt", Some(app_db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_sqlite_database_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app_db = nextauth_sqlx::open(&url).await.unwrap();
    magic_link_round_trip(&url, "database", Some(app_db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_postgres_database_sessions() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let check = nextauth_sqlx::open(&db.url).await.unwrap();
    magic_link_round_trip(&db.url, "database", Some(check)).await;
}

/// The unused tokens in a SQLite database file.
async fn token_rows(url: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::sqlite::SqliteConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM verification_token")
        .fetch_one(&mut c)
        .await
        .unwrap()
}

async fn expect_email_signin_error(smtp: String) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app = App::start(AppOptions {
        database_url: &url,
        smtp: Some(smtp.clone()),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let t = Instant::now();
    let r = request_link(&b, &app.base, &unique_email("fail"), &app.origin).await;
    eprintln!("{smtp}: EmailSignin after {:?}", t.elapsed());
    assert_eq!(r.status(), 302);
    assert_eq!(
        location(&r),
        format!("{}/error?error=EmailSignin", app.base),
        "{smtp}"
    );
    // The token was stored before sending and withdrawn when sending failed: nothing usable.
    assert_eq!(
        token_rows(&url).await,
        0,
        "{smtp}: no verification token left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_smtp_down_gives_email_signin_and_no_usable_token() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    expect_email_signin_error(format!("smtp://127.0.0.1:{port}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_tls_modes_against_a_plain_server() {
    let sink = SmtpSink::start();
    let port = sink.smtp_port();
    // The sink offers no STARTTLS: "required" must refuse to send in clear text...
    expect_email_signin_error(format!("smtp://127.0.0.1:{port}?tls=required")).await;
    // ...and implicit TLS fails its handshake against a plain server.
    expect_email_signin_error(format!("smtps://127.0.0.1:{port}")).await;
    assert!(
        sink.mails().await.is_empty(),
        "nothing was sent in clear text"
    );

    // Plain and opportunistic (STARTTLS not offered → plain) deliver, with AUTH when given.
    for (i, url) in [
        format!("smtp://127.0.0.1:{port}?tls=none"),
        format!("smtp://mailer%40example.com:p%40ss%3Aword@127.0.0.1:{port}"),
    ]
    .into_iter()
    .enumerate()
    {
        let app = App::start(AppOptions {
            smtp: Some(url.clone()),
            ..AppOptions::default()
        })
        .await;
        let email = unique_email("mode");
        let r = request_link(&browser(), &app.base, &email, &app.origin).await;
        assert_eq!(
            location(&r),
            format!("{}/verify-request?provider=email&type=email", app.base),
            "{url}"
        );
        let mail = sink.wait_mail(&email).await;
        if i == 1 {
            assert_eq!(mail["auth"]["username"], "mailer@example.com", "{mail}");
        } else {
            assert!(mail["auth"].is_null(), "{mail}");
        }
    }
}
