//! The `Session` and `OptionalSession` extractors, in process (tower `oneshot`, no socket): a
//! session cookie made by a real credentials sign-in through the mounted router (the core's JWE
//! encoder), no cookie, a tampered cookie, a cookie of another secret and an expired one.
//!
//! The clock is fixed at 1 700 000 000 000 ms, so the session's `expires` is a literal:
//! 30 days later, `new Date(1702592000000).toISOString()` in JavaScript.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use nextauth_axum::{OptionalSession, Session};
use nextauth_core::testing::FixedClock;
use nextauth_core::{AuthConfig, BaseUrl, NextAuth, Secret, SessionData};
use serde_json::{Value, json};
use tower::ServiceExt;

const NOW_MS: i64 = 1_700_000_000_000;
/// `new Date(1700000000000 + 30 * 24 * 3600 * 1000).toISOString()` (v4's default `maxAge`).
const EXPIRES: &str = "2023-12-14T22:13:20.000Z";

fn auth(secret: &str, clock: Arc<FixedClock>) -> NextAuth {
    let base = BaseUrl::parse(Some("http://localhost:3000/api/auth")).unwrap();
    let mut config = AuthConfig::new(base, Secret::new(secret));
    config
        .providers
        .push(testkit::inproc::credentials_provider("Users"));
    NextAuth::builder(config).clock(clock).build().unwrap()
}

async fn me(Session(session): Session) -> axum::Json<SessionData> {
    axum::Json(session)
}

async fn maybe(OptionalSession(session): OptionalSession) -> axum::Json<Option<SessionData>> {
    axum::Json(session)
}

/// The typed fields: the user's e-mail address and id (the JWT's `sub`), and the token's `sub`.
async fn typed(Session(session): Session) -> String {
    let sub = session
        .token
        .as_ref()
        .and_then(|t| t.get("sub"))
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_string();
    format!(
        "{} {} {} {sub}",
        session.user.email.as_deref().unwrap_or("-"),
        session.user.name.as_deref().unwrap_or("-"),
        session.user_id.as_deref().unwrap_or("-"),
    ) + &format!(" {}", session.expires)
}

fn app(auth: NextAuth) -> Router {
    Router::new()
        .nest("/api/auth", nextauth_axum::router())
        .route("/me", get(me))
        .route("/maybe", get(maybe))
        .route("/typed", get(typed))
        .with_state(auth)
}

struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    /// `name=value` of each Set-Cookie.
    cookies: Vec<String>,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        content_type,
        cookies,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get_with(app: &Router, path: &str, cookie: Option<&str>) -> Reply {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

/// Signs alice in through the mounted router; returns `next-auth.session-token=<JWE>`.
async fn sign_in(app: &Router) -> String {
    let csrf = get_with(app, "/api/auth/csrf", None).await;
    assert_eq!(csrf.status, StatusCode::OK);
    let csrf_cookie = csrf
        .cookies
        .iter()
        .find(|c| c.starts_with("next-auth.csrf-token="))
        .unwrap()
        .clone();
    let token = serde_json::from_str::<Value>(&csrf.body).unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        app,
        Request::post("/api/auth/callback/credentials")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &csrf_cookie)
            .body(Body::from(format!(
                "username=alice&password=password&csrfToken={token}"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let session = r
        .cookies
        .iter()
        .find(|c| c.starts_with("next-auth.session-token="))
        .unwrap()
        .clone();
    // A compact JWE: five base64url parts, the second (the key) empty for `dir`.
    let jwe = session.trim_start_matches("next-auth.session-token=");
    let parts: Vec<&str> = jwe.split('.').collect();
    assert_eq!(parts.len(), 5, "{jwe}");
    assert_eq!(parts[1], "", "{jwe}");
    session
}

/// What `GET session` answers for alice under the default callbacks: v4's
/// `{user: {name, email, image: token.picture}, expires}`, where the `undefined` picture is
/// left out by `JSON.stringify`.
fn alice_session() -> Value {
    json!({
        "user": {"name": "Alice", "email": "alice@example.com"},
        "expires": EXPIRES,
    })
}

#[track_caller]
fn assert_not_signed_in(r: &Reply) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, "not signed in");
    assert_eq!(r.content_type.as_deref(), Some("text/plain; charset=utf-8"));
}

#[track_caller]
fn assert_no_session(r: &Reply) {
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "null");
}

#[tokio::test]
async fn signed_in_both_extractors_give_the_session() {
    let app = app(auth(
        "extractor-secret-0123456789abcdef",
        Arc::new(FixedClock::new(NOW_MS)),
    ));
    let cookie = sign_in(&app).await;

    let r = get_with(&app, "/me", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        alice_session()
    );
    let r = get_with(&app, "/maybe", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        alice_session()
    );
    // The same as the auth API's own `GET session`.
    let r = get_with(&app, "/api/auth/session", Some(&cookie)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        alice_session()
    );
    // The typed session: the user, the id and the token's `sub`.
    let r = get_with(&app, "/typed", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, format!("alice@example.com Alice 1 1 {EXPIRES}"));
    assert_not_signed_in(&get_with(&app, "/typed", None).await);
    // Among other cookies, in any order.
    let r = get_with(&app, "/me", Some(&format!("a=1; {cookie}; b=2"))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn signed_out_session_is_401_and_optional_session_is_none() {
    let app = app(auth(
        "extractor-secret-0123456789abcdef",
        Arc::new(FixedClock::new(NOW_MS)),
    ));
    for cookie in [None, Some("other=1"), Some("next-auth.session-token=")] {
        assert_not_signed_in(&get_with(&app, "/me", cookie).await);
        assert_no_session(&get_with(&app, "/maybe", cookie).await);
    }
}

#[tokio::test]
async fn a_tampered_or_foreign_cookie_is_no_session() {
    let clock = Arc::new(FixedClock::new(NOW_MS));
    let app = app(auth("extractor-secret-0123456789abcdef", clock.clone()));
    let cookie = sign_in(&app).await;
    let (name, jwe) = cookie.split_once('=').unwrap();

    // One character of each non-empty part changed (header, IV, ciphertext, tag).
    let parts: Vec<&str> = jwe.split('.').collect();
    for i in [0, 2, 3, 4] {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        let mid = p[i].len() / 2;
        let c = p[i].as_bytes()[mid];
        let swapped = if c == b'A' { 'B' } else { 'A' };
        p[i].replace_range(mid..=mid, &swapped.to_string());
        let tampered = format!("{name}={}", p.join("."));
        assert_ne!(tampered, cookie);
        let r = get_with(&app, "/me", Some(&tampered)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "part {i}: {tampered}");
        assert_not_signed_in(&r);
        assert_no_session(&get_with(&app, "/maybe", Some(&tampered)).await);
    }
    // Truncated, and not a JWE at all.
    for bad in [
        format!("{name}={}", &jwe[..jwe.len() - 1]),
        format!("{name}=not-a-jwe"),
    ] {
        assert_not_signed_in(&get_with(&app, "/me", Some(&bad)).await);
    }

    // A cookie made with another secret.
    let other = app_with_secret("another-secret-0123456789abcdef!!", clock.clone());
    let foreign = sign_in(&other).await;
    assert_not_signed_in(&get_with(&app, "/me", Some(&foreign)).await);
    assert_eq!(
        get_with(&other, "/me", Some(&foreign)).await.status,
        StatusCode::OK
    );

    // The genuine cookie still works, up to `exp` + 14 s (v4's `decode()` gives jose
    // `clockTolerance: 15`, and jose rejects `exp <= now - tolerance`); at `exp` + 15 s it is gone.
    assert_eq!(
        get_with(&app, "/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    clock.advance_ms((30 * 24 * 3600 + 14) * 1000);
    assert_eq!(
        get_with(&app, "/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    clock.advance_ms(1000);
    assert_not_signed_in(&get_with(&app, "/me", Some(&cookie)).await);
    assert_no_session(&get_with(&app, "/maybe", Some(&cookie)).await);
}

fn app_with_secret(secret: &str, clock: Arc<FixedClock>) -> Router {
    app(auth(secret, clock))
}
