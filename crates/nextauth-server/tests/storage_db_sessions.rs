//! Database sessions over HTTP (spec §10), with the injectable clock:
//!
//! * `update_age` sliding: no write before `update_age` has passed, a write after; the body shows
//!   the stored expiry from BEFORE the write; the cookie moves on every read; after expiry the
//!   row is deleted, the answer is `{}` and the cookie is cleared;
//! * credentials sign-in under the database strategy (v4 cannot): a user row keyed by an
//!   `accounts` row `(credentials, <webhook id>)`, a real session row, no second user on the
//!   next sign-in, and refusal when the e-mail address belongs to another user;
//! * every sign-in while signed in (magic link, credentials) issues a new session token and
//!   retires the old one; a `POST session` refused for its CSRF token extends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use std::sync::Arc;

use nextauth_core::Adapter;
use nextauth_core::adapter::{AdapterSession, NewUser};
use nextauth_core::clock::{Clock, FixedClock};
use serde_json::{Value, json};
use storage_support::*;

const DAY: i64 = 86_400_000;
const T0: i64 = 1_798_435_754_439;

async fn get_session(base: &str, token: &str) -> (Value, Option<String>) {
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{base}/session"))
        .header("cookie", format!("next-auth.session-token={token}"))
        .send()
        .await
        .unwrap();
    let cookie = set_session_cookie(&r);
    (r.json().await.unwrap(), cookie)
}

/// An app with database sessions (v4's default 30 days, extended at most once a day) on the
/// fixed clock at `T0`, and in its store a user with a session `token` expiring at `T0 + 30 d`.
async fn with_a_session(
    database_url: &str,
    name: Option<&str>,
    email: &str,
    token: &str,
) -> (App, Arc<dyn Adapter>, Arc<FixedClock>) {
    // MySQL in the Prisma layout (it has no pg-adapter tables).
    let layout = if database_url.starts_with("mysql:") {
        nextauth_sqlx::Layout::PRISMA
    } else {
        nextauth_sqlx::Layout::PG_ADAPTER
    };
    let options = nextauth_sqlx::Options {
        layout,
        migrate: true,
    };
    let store = nextauth_sqlx::open_with(database_url, &options)
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::start(AppOptions {
        strategy: "database",
        // v4's defaults, spelled out: 30 days, extended at most once a day.
        session_extra: "max_age = 2592000\nupdate_age = 86400",
        clock: Some(clock.clone() as Arc<dyn Clock>),
        adapter: Some(store.clone()),
        ..AppOptions::default()
    })
    .await;
    let user = store
        .create_user(NewUser {
            name: name.map(str::to_string),
            email: Some(email.into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    store
        .create_session(&AdapterSession {
            session_token: token.into(),
            user_id: user.id,
            expires: T0 + 30 * DAY,
        })
        .await
        .unwrap();
    (app, store, clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_database_session_slides_with_update_age() {
    slides_with_update_age("sqlite::memory:").await;
}

/// The same on a SQLite file, where the session is read by the adapter's direct read
/// connections while the extension and the deletion go through the sqlx pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_database_session_slides_with_update_age_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    slides_with_update_age(&format!("sqlite://{}/db.sqlite", dir.path().display())).await;
}

/// The same on MySQL/MariaDB (the Prisma layout's `DATETIME(3)` expiry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_database_session_slides_with_update_age_mysql() {
    let db = mysql_database().await;
    slides_with_update_age(&db.url).await;
}

async fn slides_with_update_age(database_url: &str) {
    let token = "0ae28019-7ab9-4450-aeb6-ca7f6544c992";
    let (app, store, clock) =
        with_a_session(database_url, Some("Slider"), "slider@example.com", token).await;
    let stored = |store: Arc<dyn Adapter>| async move {
        store
            .get_session_and_user(token)
            .await
            .unwrap()
            .map(|(s, _)| s.expires)
    };

    // +12 h: no update; the cookie's Expires moves anyway.
    clock.advance_ms(DAY / 2);
    let (s, cookie) = get_session(&app.base, token).await;
    assert_eq!(
        s["user"],
        json!({"name": "Slider", "email": "slider@example.com"}),
        "{s}"
    );
    // T0 + 30 d, as `new Date(ms).toISOString()` writes it.
    assert_eq!(s["expires"], "2027-01-27T05:29:14.439Z");
    assert_eq!(
        stored(store.clone()).await,
        Some(T0 + 30 * DAY),
        "not extended yet"
    );
    let cookie = cookie.expect("cookie re-set");
    assert!(
        // T0 + 12 h + 30 d, as `toUTCString()` (the `cookie` package) writes it.
        cookie.contains("Expires=Wed, 27 Jan 2027 17:29:14 GMT"),
        "{cookie}"
    );

    // +1 d 1 s: extended to now + max_age; the body still shows the expiry before the update.
    clock.advance_ms(DAY / 2 + 1000);
    let now = T0 + DAY + 1000;
    let (s, cookie) = get_session(&app.base, token).await;
    assert_eq!(s["expires"], "2027-01-27T05:29:14.439Z", "{s}");
    assert_eq!(
        stored(store.clone()).await,
        Some(now + 30 * DAY),
        "extended"
    );
    assert!(
        cookie
            .unwrap()
            .contains("Expires=Thu, 28 Jan 2027 05:29:15 GMT")
    );

    // 12 h later: not again (the last extension is less than update_age ago).
    clock.advance_ms(DAY / 2);
    let (s, _) = get_session(&app.base, token).await;
    assert_eq!(s["expires"], "2027-01-28T05:29:15.439Z", "{s}");
    assert_eq!(stored(store.clone()).await, Some(now + 30 * DAY));

    // Past the expiry: the row is deleted, {} and the cookie cleared.
    clock.advance_ms(30 * DAY);
    let (s, cookie) = get_session(&app.base, token).await;
    assert_eq!(s, json!({}));
    let cookie = cookie.expect("a deletion cookie");
    assert!(
        cookie.contains("Max-Age=0") || cookie.contains("Expires=Thu, 01 Jan 1970"),
        "{cookie}"
    );
    assert_eq!(stored(store.clone()).await, None, "expired row deleted");

    // An unknown token: {} and the cookie cleared; nothing else happens.
    let (s, cookie) = get_session(&app.base, "no-such-session").await;
    assert_eq!(s, json!({}));
    assert!(cookie.is_some());
}

async fn credentials_sign_in(b: &reqwest::Client, app: &App, password: &str) -> reqwest::Response {
    let callback = format!("{}/after-credentials", app.origin);
    testkit::http::post_with_csrf(
        b,
        &app.base,
        "callback/credentials",
        &[
            ("username", "alice"),
            ("password", password),
            ("callbackUrl", &callback),
        ],
    )
    .await
}

/// Database sessions with the credentials provider (testkit's webhook) on `store`.
async fn credentials_app(webhook: &testkit::Webhook, store: &Arc<dyn Adapter>) -> App {
    App::start(AppOptions {
        strategy: "database",
        authorize_url: Some(webhook.url()),
        adapter: Some(store.clone()),
        ..AppOptions::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_credentials_with_database_sessions() {
    let webhook = testkit::Webhook::start();
    let store = nextauth_sqlx::open("sqlite::memory:").await.unwrap();
    let app = credentials_app(&webhook, &store).await;

    let b = browser();
    let bad = credentials_sign_in(&b, &app, "wrong").await;
    assert_eq!(
        location(&bad),
        format!(
            "{}/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused",
            app.base
        )
    );

    let r = credentials_sign_in(&b, &app, "password").await;
    assert_eq!(location(&r), format!("{}/after-credentials", app.origin));
    let cookie = set_session_cookie(&r).expect("session cookie");
    let token = cookie
        .trim_start_matches("next-auth.session-token=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        token.len(),
        36,
        "a database session token, not a JWE: {token}"
    );
    let s = session(&b, &app.base).await;
    assert_eq!(
        s["user"],
        json!({"name": "Alice Credentials", "email": "alice@example.com"}),
        "{s}"
    );
    let (row, user) = store
        .get_session_and_user(&token)
        .await
        .unwrap()
        .expect("row");
    assert_eq!(row.user_id, user.id);
    let by_account = store
        .get_user_by_account("credentials", "credentials-alice")
        .await
        .unwrap()
        .expect("linked by the webhook's id");
    assert_eq!(by_account.id, user.id);

    // A second sign-in (another browser) finds the same user, and gets its own session.
    let b2 = browser();
    let r = credentials_sign_in(&b2, &app, "password").await;
    let token2 = set_session_cookie(&r).unwrap();
    assert!(!token2.contains(&token));
    let (_, user2) = store
        .get_session_and_user(
            token2
                .trim_start_matches("next-auth.session-token=")
                .split(';')
                .next()
                .unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user2.id, user.id, "no second user row");

    // Sign-out deletes the row.
    let csrf_token = csrf(&b, &app.base).await;
    b.post(format!("{}/signout", app.base))
        .form(&[("csrfToken", csrf_token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(store.get_session_and_user(&token).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_credentials_refuses_an_address_owned_by_another_user() {
    let webhook = testkit::Webhook::start();
    let store = nextauth_sqlx::open("sqlite::memory:").await.unwrap();
    // alice@example.com signed up earlier (by magic link or OAuth).
    store
        .create_user(NewUser {
            email: Some("alice@example.com".into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    let app = credentials_app(&webhook, &store).await;
    let b = browser();
    let r = credentials_sign_in(&b, &app, "password").await;
    assert_eq!(
        location(&r),
        format!(
            "{}/error?error=OAuthAccountNotLinked&reason=account_not_linked",
            app.base
        )
    );
    assert!(set_session_cookie(&r).is_none());
    assert_eq!(session(&b, &app.base).await, json!({}));
    assert!(
        store
            .get_user_by_account("credentials", "credentials-alice")
            .await
            .unwrap()
            .is_none()
    );
}

fn token_of(r: &reqwest::Response) -> String {
    testkit::http::cookie_value(r, "next-auth.session-token").expect("a session cookie")
}

/// Every sign-in issues a new session token and retires the one the browser came with, for the
/// same user too (magic link and credentials; OAuth in oauth_oidc.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_sign_in_while_signed_in_replaces_the_session_token() {
    let sink = testkit::SmtpSink::start();
    let webhook = testkit::Webhook::start();
    let store = nextauth_sqlx::open("sqlite::memory:").await.unwrap();
    let app = App::start(AppOptions {
        strategy: "database",
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        authorize_url: Some(webhook.url()),
        adapter: Some(store.clone()),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let email = unique_email("twice");
    let mut tokens = Vec::new();
    for _ in 0..2 {
        sink.clear().await;
        let r = request_link(&b, &app.base, &email, &app.origin).await;
        assert_eq!(r.status(), 302);
        let link = sink.wait_mail(&email).await["link"]
            .as_str()
            .unwrap()
            .to_string();
        let r = b.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 302);
        tokens.push(token_of(&r));
    }
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(get_session(&app.base, &tokens[0]).await.0, json!({}));
    assert!(
        store
            .get_session_and_user(&tokens[0])
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        get_session(&app.base, &tokens[1]).await.0["user"]["email"],
        Value::String(email.clone())
    );

    // Credentials, twice in one browser: a new token each time, the old one gone.
    let c = browser();
    let first = token_of(&credentials_sign_in(&c, &app, "password").await);
    let second = token_of(&credentials_sign_in(&c, &app, "password").await);
    assert_ne!(first, second);
    assert!(store.get_session_and_user(&first).await.unwrap().is_none());
    assert_eq!(
        get_session(&app.base, &second).await.0["user"]["email"],
        "alice@example.com"
    );
}

/// `POST session` with a bad CSRF token is refused (400) and changes nothing: the session is not
/// extended even when it is due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_refused_session_update_changes_nothing() {
    let token = "5d1c1a3e-2f4b-4c8e-9a51-3f0f6b7c2d10";
    let (app, store, clock) =
        with_a_session("sqlite::memory:", None, "upd@example.com", token).await;
    clock.advance_ms(2 * DAY);
    // No cookie jar: both cookies by hand.
    let b = reqwest::Client::new();
    let r = b.get(format!("{}/csrf", app.base)).send().await.unwrap();
    let csrf_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("next-auth.csrf-token="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf_token = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let cookies = format!("{csrf_cookie}; next-auth.session-token={token}");
    let r = b
        .post(format!("{}/session", app.base))
        .header("cookie", &cookies)
        .json(&json!({"csrfToken": format!("x{csrf_token}"), "data": {"a": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(set_session_cookie(&r).is_none());
    let (s, _) = store.get_session_and_user(token).await.unwrap().unwrap();
    assert_eq!(s.expires, T0 + 30 * DAY, "not extended by a refused update");

    // The control: the same request with the right token is accepted and extends the session.
    let r = b
        .post(format!("{}/session", app.base))
        .header("cookie", &cookies)
        .json(&json!({"csrfToken": csrf_token, "data": {"a": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, _) = store.get_session_and_user(token).await.unwrap().unwrap();
    assert_eq!(s.expires, T0 + 2 * DAY + 30 * DAY, "extended");
}
