//! The email provider end to end, against a REAL SMTP server (`testkit::SmtpSink`, npm
//! smtp-server): POST signin/email with CSRF → the mail arrives → the link is read from the
//! received mail → opening it signs in → the session shows the user → the same link again is
//! `error=Verification`. Plus the SMTP failure modes (closed port, TLS required but not offered,
//! implicit TLS against a plain server): `error=EmailSignin` and no usable token left behind.
//!
//! Single-use, spent only by a valid request (issue 10): a link whose `email` or `token` was
//! changed or removed is refused (`Verification`, a 403 page) and spends nothing, on SQLite and
//! PostgreSQL; the address is compared normalised; two concurrent openings sign in once; a
//! server-side failure after the spend puts the link back. A stalled SMTP server (a mock: a real
//! one cannot be made to stall) gives `EmailSignin` within the URL's `timeout`, and the token is
//! withdrawn even when the browser gave up first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use std::sync::Arc;
use std::time::Instant;

use nextauth_core::Adapter;
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
        format!(
            "{}/error?error=Verification&reason=link_used_or_unknown",
            app.base
        )
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

/// [`magic_link_round_trip`] on a SQLite file, with a second handle on it to look at the rows.
async fn sqlite_round_trip(strategy: &str) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app_db = nextauth_sqlx::open(&url).await.unwrap();
    magic_link_round_trip(&url, strategy, Some(app_db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_sqlite_jwt() {
    sqlite_round_trip("jwt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_sqlite_database_sessions() {
    sqlite_round_trip("database").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_postgres_database_sessions() {
    let db = postgres_database().await;
    let check = nextauth_sqlx::open(&db.url).await.unwrap();
    magic_link_round_trip(&db.url, "database", Some(check)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_magic_link_mysql_database_sessions() {
    let db = mysql_database().await;
    let options = nextauth_sqlx::Options {
        layout: nextauth_sqlx::Layout::PRISMA,
        migrate: true,
    };
    let check = nextauth_sqlx::open_with(&db.url, &options).await.unwrap();
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
        format!("{}/error?error=EmailSignin&reason=email_not_sent", app.base),
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

// ------------------------------------------------- a rejected link spends nothing (issue 10) ----

/// The verification-token rows of `url` (SQLite file, PostgreSQL, or MySQL in the Prisma
/// layout), straight from the database.
async fn token_count(url: &str) -> i64 {
    use sqlx::Connection;
    let q = "SELECT COUNT(*) FROM verification_token";
    if url.starts_with("sqlite:") {
        token_rows(url).await
    } else if url.starts_with("mysql:") {
        let mut c = sqlx::mysql::MySqlConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM `VerificationToken`")
            .fetch_one(&mut c)
            .await
            .unwrap()
    } else {
        let mut c = sqlx::postgres::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(q).fetch_one(&mut c).await.unwrap()
    }
}

/// `link` with its `key` query parameter replaced by the raw (already encoded) `value`, or
/// removed when `value` is `None`.
fn with_param(link: &str, key: &str, value: Option<&str>) -> String {
    let (path, query) = link.split_once('?').unwrap();
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .collect();
    if let Some(v) = value {
        parts.push(format!("{key}={v}"));
    }
    format!("{path}?{}", parts.join("&"))
}

/// The `Location` of opening `link`, and the status of the page it leads to.
async fn open_link(b: &reqwest::Client, link: &str) -> (String, u16) {
    let r = b.get(link).send().await.unwrap();
    assert_eq!(r.status(), 302, "{link}");
    let to = location(&r);
    let page = b.get(&to).send().await.unwrap().status().as_u16();
    (to, page)
}

/// Requests a link for `address` and answers it as read from the received mail.
async fn mailed_link(app: &App, sink: &SmtpSink, address: &str, identifier: &str) -> String {
    let after = format!("{}/after", app.origin);
    let r = request_link(&browser(), &app.base, address, &after).await;
    assert_eq!(
        location(&r),
        format!("{}/verify-request?provider=email&type=email", app.base)
    );
    sink.wait_mail(identifier).await["link"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Mismatched links (another address, `+` turned into a space, no `email`, no `token`) are
/// refused with `Verification` (a 403 page) and spend nothing; then the real link signs in once;
/// a link whose address differs only in case and blanks is the same address.
async fn rejected_links_spend_nothing(database_url: &str, strategy: &str) {
    let sink = SmtpSink::start();
    let app = App::start(AppOptions {
        database_url,
        strategy,
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;
    let tag = hex::encode(rand::random::<[u8; 4]>());
    let typed = format!("CaseN+{tag}@Example.COM");
    let identifier = typed.to_lowercase();
    let link = mailed_link(&app, &sink, &typed, &identifier).await;
    let encoded = format!("casen%2B{tag}%40example.com");
    assert!(link.ends_with(&format!("&email={encoded}")), "{link}");
    assert_eq!(token_count(database_url).await, 1);

    let refused = |reason: &str| format!("{}/error?error=Verification&reason={reason}", app.base);
    let verification = refused("link_used_or_unknown");
    let b = browser();
    // Each with the reason its error page shows (issue 16).
    for (what, reason, bad) in [
        (
            "another address",
            "link_used_or_unknown",
            with_param(&link, "email", Some("other%40example.com")),
        ),
        (
            "+ turned into a space",
            "link_used_or_unknown",
            with_param(&link, "email", Some(&format!("casen+{tag}%40example.com"))),
        ),
        (
            "+ and @ decoded by a mail client",
            "link_used_or_unknown",
            with_param(&link, "email", Some(&format!("casen+{tag}@example.com"))),
        ),
        (
            "not an address",
            "link_malformed",
            with_param(&link, "email", Some("casen")),
        ),
        (
            "no email parameter",
            "link_malformed",
            with_param(&link, "email", None),
        ),
        (
            "empty email parameter",
            "link_malformed",
            with_param(&link, "email", Some("")),
        ),
        (
            "no token parameter",
            "link_malformed",
            with_param(&link, "token", None),
        ),
        (
            "another token",
            "link_used_or_unknown",
            with_param(&link, "token", Some(&"ab".repeat(32))),
        ),
    ] {
        let (to, page) = open_link(&b, &bad).await;
        assert_eq!(to, refused(reason), "{what}: {bad}");
        assert_eq!(page, 403, "{what}: the error page answers 403");
        assert_eq!(
            token_count(database_url).await,
            1,
            "{what}: the real link's row is untouched"
        );
    }
    assert_eq!(session(&b, &app.base).await, serde_json::json!({}));

    // The real link still signs in, once.
    let r = b.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/after", app.origin));
    assert!(set_session_cookie(&r).is_some());
    assert_eq!(
        session(&b, &app.base).await["user"]["email"],
        Value::String(identifier.clone())
    );
    assert_eq!(token_count(database_url).await, 0);
    let (to, page) = open_link(&browser(), &link).await;
    assert_eq!(to, verification, "spent");
    assert_eq!(page, 403);

    // The identifier is compared normalised (trimmed, NFKC, lower-cased, as at issue time): the
    // same address in other case with blanks around it is the same identifier, and signs in...
    let link = mailed_link(&app, &sink, &typed, &identifier).await;
    let shouted = with_param(
        &link,
        "email",
        Some(&format!("%20CaseN%2B{tag}%40Example.COM%20")),
    );
    let b2 = browser();
    let r = b2.get(&shouted).send().await.unwrap();
    assert_eq!(location(&r), format!("{}/after", app.origin), "{shouted}");
    assert_eq!(
        session(&b2, &app.base).await["user"]["email"],
        Value::String(identifier.clone())
    );
    // ...and spends the link, whichever form of the address opened it.
    let (to, _) = open_link(&browser(), &link).await;
    assert_eq!(to, verification);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_links_spend_nothing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    rejected_links_spend_nothing(&sqlite_url(&dir), "jwt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_links_spend_nothing_postgres() {
    let db = postgres_database().await;
    rejected_links_spend_nothing(&db.url, "database").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_links_spend_nothing_mysql() {
    let db = mysql_database().await;
    rejected_links_spend_nothing(&db.url, "jwt").await;
}

/// Two browsers open the same link at the same moment: exactly one signs in.
async fn concurrent_openings_sign_in_once(database_url: &str, strategy: &str) {
    let sink = SmtpSink::start();
    let app = App::start(AppOptions {
        database_url,
        strategy,
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;
    for _ in 0..3 {
        let email = unique_email("race");
        let link = mailed_link(&app, &sink, &email, &email).await;
        let (b1, b2) = (browser(), browser());
        let (r1, r2) = tokio::join!(b1.get(&link).send(), b2.get(&link).send());
        let outcomes: Vec<(String, bool)> = [r1.unwrap(), r2.unwrap()]
            .iter()
            .map(|r| (location(r), set_session_cookie(r).is_some()))
            .collect();
        let signed_in = outcomes
            .iter()
            .filter(|(to, cookie)| *to == format!("{}/after", app.origin) && *cookie)
            .count();
        let refused = outcomes
            .iter()
            .filter(|(to, cookie)| {
                *to == format!(
                    "{}/error?error=Verification&reason=link_used_or_unknown",
                    app.base
                ) && !cookie
            })
            .count();
        assert_eq!((signed_in, refused), (1, 1), "{outcomes:?}");
        assert_eq!(token_count(database_url).await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_openings_sign_in_once_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_openings_sign_in_once(&sqlite_url(&dir), "database").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_openings_sign_in_once_postgres() {
    let db = postgres_database().await;
    concurrent_openings_sign_in_once(&db.url, "jwt").await;
}

/// MySQL has no `DELETE … RETURNING`: the link is spent by `SELECT … FOR UPDATE` + `DELETE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_openings_sign_in_once_mysql() {
    let db = mysql_database().await;
    concurrent_openings_sign_in_once(&db.url, "database").await;
}

// ------------------------------------------------------ a stalled SMTP server (issue 10 §4) ----

/// A TCP server that accepts connections and then says nothing (or only `greeting`), holding
/// them open: the failure a real SMTP server cannot be made to produce on demand.
async fn stalling_smtp(greeting: Option<&'static str>) -> u16 {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some(g) = greeting {
                let _ = socket.write_all(g.as_bytes()).await;
            }
            held.push(socket);
        }
    });
    port
}

/// `POST signin/email` against a server that never greets, or greets and then stalls: answered
/// with `EmailSignin` within the `timeout` (1 s here; 8 s is a generous bound), no token row left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_smtp_server_gives_email_signin_within_the_timeout() {
    for greeting in [None, Some("220 stall.test ESMTP\r\n")] {
        let port = stalling_smtp(greeting).await;
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir);
        let app = App::start(AppOptions {
            database_url: &url,
            smtp: Some(format!("smtp://127.0.0.1:{port}?tls=none&timeout=1")),
            ..AppOptions::default()
        })
        .await;
        let t = Instant::now();
        let r = request_link(&browser(), &app.base, &unique_email("stall"), &app.origin).await;
        let took = t.elapsed();
        assert_eq!(
            location(&r),
            format!("{}/error?error=EmailSignin&reason=email_not_sent", app.base),
            "{greeting:?}"
        );
        assert!(
            took < std::time::Duration::from_secs(8),
            "{greeting:?}: answered after {took:?}"
        );
        assert_eq!(token_count(&url).await, 0, "{greeting:?}: no token row");
    }
}

/// The browser gives up before the stalled send does: the token is withdrawn all the same (the
/// store-send-withdraw sequence does not depend on the request being polled to its end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_withdrawn_when_the_browser_gives_up_first() {
    let port = stalling_smtp(None).await;
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app = App::start(AppOptions {
        database_url: &url,
        smtp: Some(format!("smtp://127.0.0.1:{port}?tls=none&timeout=2")),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let token = csrf(&b, &app.base).await;
    let email = unique_email("gaveup");
    let r = b
        .post(format!("{}/signin/email", app.base))
        .timeout(std::time::Duration::from_millis(500))
        .form(&[("email", email.as_str()), ("csrfToken", &token)])
        .send()
        .await;
    assert!(r.is_err_and(|e| e.is_timeout()), "the browser gave up");
    // The row exists while the send is stalled...
    assert_eq!(token_count(&url).await, 1, "stored before sending");
    // ...and is withdrawn when the send times out, though nobody waits for the answer.
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while token_count(&url).await != 0 {
        assert!(Instant::now() < deadline, "the unsent token is still there");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The sign-in fails on the server's side after the link was spent (here: the sessions table
/// refuses inserts): `error=Callback`, and the link is put back, so it signs in once the
/// database is well again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_restored_when_the_sign_in_fails_on_the_server() {
    use sqlx::Connection;
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app = App::start(AppOptions {
        database_url: &url,
        strategy: "database",
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;
    let email = unique_email("restore");
    let link = mailed_link(&app, &sink, &email, &email).await;
    let mut c = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions \
         BEGIN SELECT RAISE(ABORT, 'sessions are read-only in this test'); END;",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let b = browser();
    let r = b.get(&link).send().await.unwrap();
    assert_eq!(
        location(&r),
        format!("{}/error?error=Callback&reason=storage_failed", app.base)
    );
    assert!(set_session_cookie(&r).is_none());
    assert_eq!(token_count(&url).await, 1, "the link was put back");

    sqlx::raw_sql("DROP TRIGGER refuse_sessions")
        .execute(&mut c)
        .await
        .unwrap();
    let r = b.get(&link).send().await.unwrap();
    assert_eq!(location(&r), format!("{}/after", app.origin));
    assert!(set_session_cookie(&r).is_some());
    assert_eq!(token_count(&url).await, 0);
}

/// `[callbacks]` policies run before any mail is sent (v4's `signIn` with
/// `email.verificationRequest: true`): a refused address gets `AccessDenied`, no token row and
/// no mail; an allowed one gets its link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_policy_sends_no_mail_to_a_refused_address() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let app = App::start(AppOptions {
        database_url: &url,
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        extra: "\n[callbacks]\nallowed_emails = [\"boss@example.org\"]\nallowed_email_domains = [\"*.corp.test\"]\n",
        ..AppOptions::default()
    })
    .await;
    for refused in ["someone@example.org", "x@corp.test", "x@evilcorp.test"] {
        let r = request_link(&browser(), &app.base, refused, &app.origin).await;
        assert_eq!(r.status(), 302, "{refused}");
        assert_eq!(
            location(&r),
            format!(
                "{}/error?error=AccessDenied&reason=signin_refused",
                app.base
            ),
            "{refused}"
        );
        assert_eq!(token_rows(&url).await, 0, "{refused}: no token stored");
    }
    for allowed in ["BOSS@example.org", "x@mail.corp.test"] {
        let r = request_link(&browser(), &app.base, allowed, &app.origin).await;
        assert_eq!(r.status(), 302, "{allowed}");
        assert!(location(&r).contains("/verify-request"), "{allowed}");
        sink.wait_mail(&allowed.to_lowercase()).await;
    }
    // The refused addresses got nothing (the allowed mails arrived, so the sink was reading).
    let to: Vec<String> = sink
        .mails()
        .await
        .iter()
        .map(|m| m["envelope"]["to"].to_string())
        .collect();
    assert_eq!(to.len(), 2, "{to:?}");
    assert!(
        to.iter()
            .all(|t| t.contains("boss@example.org") || t.contains("x@mail.corp.test")),
        "{to:?}"
    );
}

/// The value of the hidden form field `name` on an HTML page (the built-in pages write
/// `name="…" value="…"` in that order, values HTML-escaped).
fn hidden_field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// `confirm = true` (issue 16): a mail scanner's 10 HEADs and 5 GETs of the link spend nothing
/// (each GET is the "Continue" page, a HEAD is refused); the user's click, the page's
/// CSRF-checked POST, signs in once; the same link again is `Verification`. A POST without the
/// CSRF token spends nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_link_survives_scanners_and_signs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let sink = SmtpSink::start();
    let extra = format!(
        "\n[[providers]]\nid = \"email\"\ntype = \"email\"\nserver = \"smtp://127.0.0.1:{}\"\nconfirm = true\n",
        sink.smtp_port()
    );
    let app = App::start(AppOptions {
        database_url: &url,
        extra: &extra,
        ..AppOptions::default()
    })
    .await;
    let email = unique_email("confirm");
    let link = mailed_link(&app, &sink, &email, &email).await;
    assert_eq!(token_rows(&url).await, 1);

    // The scanner: a fresh client each time, as a scanner has no cookies of the user.
    for _ in 0..10 {
        let r = browser().head(&link).send().await.unwrap();
        assert!(r.status().is_client_error(), "HEAD: {}", r.status());
    }
    for _ in 0..5 {
        let r = browser().get(&link).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET: the confirm page");
        assert!(set_session_cookie(&r).is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains(">Continue</button>"), "{html}");
        assert!(html.contains(&email), "{html}");
    }
    assert_eq!(token_rows(&url).await, 1, "the scanner spent nothing");

    // A forged POST (no CSRF token) spends nothing.
    let forged = browser()
        .post(format!("{}/callback/email", app.base))
        .form(&[
            (
                "token",
                testkit::http::param(&link, "token").unwrap().as_str(),
            ),
            ("email", email.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&forged), format!("{}/signin?csrf=true", app.base));
    assert_eq!(token_rows(&url).await, 1);

    // The user: opens the link, clicks Continue (the page's form, as a browser posts it).
    let b = browser();
    let page = b.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let action = {
        let at = html.find("<form action=\"").unwrap() + 14;
        html[at..at + html[at..].find('"').unwrap()].to_string()
    };
    assert_eq!(action, format!("{}/callback/email", app.base));
    let fields: Vec<(String, String)> = ["csrfToken", "callbackUrl", "token", "email"]
        .iter()
        .map(|n| (n.to_string(), hidden_field(&html, n)))
        .collect();
    let r = b.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/after", app.origin));
    assert!(set_session_cookie(&r).is_some());
    assert_eq!(
        session(&b, &app.base).await["user"]["email"],
        Value::String(email.clone())
    );
    assert_eq!(token_rows(&url).await, 0, "spent by the POST");

    // The same click again, and the link again: used.
    let again = b.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(
        location(&again),
        format!(
            "{}/error?error=Verification&reason=link_used_or_unknown",
            app.base
        )
    );
    let page = browser().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200, "GET still only renders the page");
}
