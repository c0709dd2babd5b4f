//! Every entry of [`nextauth_core::routes::ENDPOINTS`], in process: `NextAuth::handle` on an
//! `AuthRequest`, a `MemoryAdapter`, a `FixedClock`, no network. Each endpoint's v4 answer is
//! pinned (status, headers, cookies, body shape; shared/spec/nextauth-v4.md §2.3, §4, §6, §8),
//! and [`every_endpoint_has_a_test`] walks the table, so an endpoint added without a check here
//! fails.
//!
//! The server's HTTP layer (tests in nextauth-server) adds only framing; what is asserted here
//! is what the core decides.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use nextauth_core::cookies::encode_uri_component;
use nextauth_core::providers::email::{
    EmailProvider, EmailTransport, SendError, VerificationEmail,
};
use nextauth_core::providers::oauth::OAuthProvider;
use nextauth_core::providers::{Provider, ProviderKind};
use nextauth_core::routes::ENDPOINTS;
use nextauth_core::testing::{FixedClock, MemoryAdapter};
use nextauth_core::{AuthConfig, AuthRequest, AuthResponse, BaseUrl, NextAuth, Secret};
use serde_json::{Value, json};

const SECRET: &str = "routes-test-secret-0123456789abcdef0123456789";
/// v4's default `NEXTAUTH_URL` (unset): every URL below is absolute on it.
const BASE: &str = "http://localhost:3000/api/auth";
const ORIGIN: &str = "http://localhost:3000";
/// 2026-12-28T05:29:14.439Z, the spec's example instant.
const NOW_MS: i64 = 1_798_435_754_439;
/// A CSRF token of the client's (any string whose hash matches is accepted, §6).
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// ------------------------------------------------------------------ harness ----

/// An e-mail transport that keeps the magic links it is given.
#[derive(Default)]
struct Outbox(Mutex<Vec<String>>);

#[async_trait]
impl EmailTransport for Outbox {
    async fn send(&self, mail: &VerificationEmail) -> Result<(), SendError> {
        self.0.lock().unwrap().push(mail.url.clone());
        Ok(())
    }
    fn describe(&self) -> String {
        "outbox".into()
    }
}

impl Outbox {
    /// The last magic link sent (panics when none was).
    fn last(&self) -> String {
        self.0.lock().unwrap().last().cloned().expect("a mail")
    }
}

/// The app under test: credentials (`credentials`), e-mail (`email`) and an OIDC provider
/// (`idp`) whose issuer is a closed loopback port (discovery is refused at once).
struct App {
    auth: NextAuth,
    outbox: Arc<Outbox>,
}

fn app() -> App {
    let mut config = AuthConfig::new(BaseUrl::parse(None).unwrap(), Secret::new(SECRET));
    config
        .providers
        .push(testkit::inproc::credentials_provider("Credentials"));
    let outbox = Arc::new(Outbox::default());
    config.providers.push(Provider {
        id: "email".into(),
        name: "Email".into(),
        kind: ProviderKind::Email(EmailProvider {
            transport: outbox.clone(),
            ..EmailProvider::default()
        }),
    });
    config.providers.push(Provider {
        id: "idp".into(),
        name: "IdP".into(),
        kind: ProviderKind::OAuth(Box::new(OAuthProvider::oidc(
            "http://127.0.0.1:9/",
            "client",
            Secret::new("client-secret"),
        ))),
    });
    let auth = NextAuth::builder(config)
        .adapter(Arc::new(MemoryAdapter::default()))
        .clock(Arc::new(FixedClock::new(NOW_MS)))
        .build()
        .unwrap();
    App { auth, outbox }
}

/// One request: method, path below the base (`/signin/email`), query, `Cookie` header, and a
/// urlencoded body.
async fn send(
    app: &App,
    method: &str,
    path: &str,
    query: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> AuthResponse {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{}={}", encode_uri_component(k), encode_uri_component(v)))
        .collect::<Vec<_>>()
        .join("&");
    let headers = vec![
        ("cookie".to_string(), cookie.to_string()),
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let query = (!query.is_empty()).then_some(query);
    let req = AuthRequest::from_http(method, path, query, headers, body.as_bytes())
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    app.auth.handle(req).await
}

/// The `Cookie` header of a browser holding a valid CSRF cookie for [`TOKEN`].
fn csrf_cookie() -> String {
    testkit::inproc::csrf_cookie(TOKEN, SECRET)
}

/// `POST` with a valid CSRF cookie and `csrfToken` added to `form`.
async fn post_with_csrf(app: &App, path: &str, form: &[(&str, &str)]) -> AuthResponse {
    let mut fields = form.to_vec();
    fields.push(("csrfToken", TOKEN));
    send(app, "POST", path, "", &csrf_cookie(), &fields).await
}

/// The session cookie a response sets (panics, listing the cookies, when there is none).
fn session_cookie(r: &AuthResponse) -> &nextauth_core::cookies::SetCookie {
    r.cookies
        .iter()
        .find(|c| c.name == "next-auth.session-token")
        .unwrap_or_else(|| panic!("no session cookie: {:?}", r.cookies))
}

/// The init cookies of §3.2 for a fresh browser: csrf, then callback-url.
fn assert_init_cookies(r: &AuthResponse) {
    assert_eq!(
        cookie_names(r),
        ["next-auth.csrf-token", "next-auth.callback-url"]
    );
}

/// Names of the cookies a response sets, in order.
fn cookie_names(r: &AuthResponse) -> Vec<&str> {
    r.cookies.iter().map(|c| c.name.as_str()).collect()
}

/// The `Location` of a redirect (panics, with the status, when there is none).
fn location(r: &AuthResponse) -> &str {
    assert_eq!(r.status, 302, "{}", body(r));
    r.header("location")
        .unwrap_or_else(|| panic!("no Location on {}: {}", r.status, body(r)))
}

fn body(r: &AuthResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn json_body(r: &AuthResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", body(r)))
}

/// v4's answer to a method × action it does not handle (§2.3): 400, fixed text, no cookies.
fn assert_unsupported(r: &AuthResponse, method: &str) {
    assert_eq!(r.status, 400, "{}", body(r));
    assert_eq!(
        body(r),
        format!("Error: This action with HTTP {method} is not supported by NextAuth.js")
    );
    assert!(r.cookies.is_empty(), "{:?}", r.cookies);
}

/// An unknown provider id: v4 answers 400 unsupported (callback) or `signin?csrf=true` (signin);
/// here a 404 that names the id and where the configured ones are listed (the client-mistakes
/// answers of issue 10), with no cookies.
fn assert_unknown_provider(r: &AuthResponse, action: &str, id: &str) {
    assert_eq!(r.status, 404, "{}", body(r));
    assert_eq!(
        body(r),
        format!(
            "Error: No provider is configured with the id \"{id}\" ({action}/<id>). \
             The configured providers are listed at {BASE}/providers"
        )
    );
    assert!(r.cookies.is_empty(), "{:?}", r.cookies);
}

/// `GET session` and `GET csrf` carry the no-cache trio (§4.4).
fn assert_no_cache(r: &AuthResponse) {
    assert_eq!(
        r.header("cache-control"),
        Some("private, no-cache, no-store")
    );
    assert_eq!(r.header("pragma"), Some("no-cache"));
    assert_eq!(r.header("expires"), Some("0"));
}

fn assert_json(r: &AuthResponse) {
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        r.headers
    );
}

fn assert_html(r: &AuthResponse) {
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        r.headers
    );
    assert!(body(r).starts_with("<!DOCTYPE html>"), "{}", body(r));
}

/// Signs alice in through `POST callback/credentials`; the `Cookie` header of her browser
/// afterwards (CSRF and session cookies).
async fn signed_in(app: &App) -> String {
    let r = post_with_csrf(
        app,
        "/callback/credentials",
        &[("username", "alice"), ("password", "password")],
    )
    .await;
    let session = session_cookie(&r);
    format!(
        "{}; next-auth.session-token={}",
        csrf_cookie(),
        session.value
    )
}

// ----------------------------------------------------------- the endpoints ----

/// §8.1: 200 JSON, no cookies, one `{id, name, type, signinUrl, callbackUrl}` per provider in
/// config order.
async fn get_providers(app: &App) {
    let r = send(app, "GET", "/providers", "", "", &[]).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert!(r.cookies.is_empty(), "{:?}", r.cookies);
    let p = json_body(&r);
    let ids: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(ids, ["credentials", "email", "idp"]);
    assert_eq!(
        p["credentials"],
        json!({
            "id": "credentials", "name": "Credentials", "type": "credentials",
            "signinUrl": format!("{BASE}/signin/credentials"),
            "callbackUrl": format!("{BASE}/callback/credentials"),
        })
    );
    assert_eq!(p["email"]["type"], "email");
    assert_eq!(p["idp"]["type"], "oauth");
}

/// §8.2, §6: a fresh browser gets a 64-hex token and the init cookies (csrf, then
/// callback-url); a browser with a valid CSRF cookie gets its own token back and no new cookie.
async fn get_csrf(app: &App) {
    let r = send(app, "GET", "/csrf", "", "", &[]).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert_no_cache(&r);
    assert_init_cookies(&r);
    let token = json_body(&r)["csrfToken"].as_str().unwrap().to_string();
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{token}"
    );
    assert_eq!(r.cookies[1].value, ORIGIN);

    let r = send(app, "GET", "/csrf", "", &csrf_cookie(), &[]).await;
    assert_eq!(json_body(&r), json!({"csrfToken": TOKEN}));
    assert_eq!(cookie_names(&r), ["next-auth.callback-url"]);
}

/// §8.3: always 200 JSON with the no-cache trio; `{}` signed out, the session signed in.
async fn get_session(app: &App) {
    let r = send(app, "GET", "/session", "", "", &[]).await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert_no_cache(&r);
    assert_eq!(json_body(&r), json!({}));
    assert_init_cookies(&r);

    let cookie = signed_in(app).await;
    let r = send(app, "GET", "/session", "", &cookie, &[]).await;
    assert_eq!(r.status, 200);
    let s = json_body(&r);
    assert_eq!(
        s["user"],
        json!({"name": "Alice", "email": "alice@example.com"})
    );
    // 30 days (v4's session.maxAge) after the fixed clock, ISO-8601 with milliseconds.
    assert_eq!(s["expires"], "2027-01-27T05:29:14.439Z");

    // A token that does not decode: `{}` and the session cookie deleted.
    let r = send(
        app,
        "GET",
        "/session",
        "",
        "next-auth.session-token=garbage",
        &[],
    )
    .await;
    assert_eq!(json_body(&r), json!({}));
    let gone = session_cookie(&r);
    assert_eq!(gone.max_age, Some(0));
}

/// §8.4: CSRF required (400 `{}` with the init cookies); signed out 200 `{}`; signed in, the
/// session re-issued, JSON without the no-cache trio.
async fn post_session(app: &App) {
    let r = send(app, "POST", "/session", "", "", &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(json_body(&r), json!({}));
    assert_init_cookies(&r);

    let r = post_with_csrf(app, "/session", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(json_body(&r), json!({}));

    let cookie = signed_in(app).await;
    let r = send(
        app,
        "POST",
        "/session",
        "",
        &cookie,
        &[("csrfToken", TOKEN)],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_json(&r);
    assert_eq!(r.header("cache-control"), None);
    assert_eq!(json_body(&r)["user"]["email"], "alice@example.com");
    assert!(cookie_names(&r).contains(&"next-auth.session-token"));
}

/// §8.5: the built-in sign-in page, 200 HTML with the init cookies, one form per provider; the
/// provider segment is ignored.
async fn get_signin(app: &App) {
    for path in ["/signin", "/signin/idp"] {
        let r = send(app, "GET", path, "", "", &[]).await;
        assert_eq!(r.status, 200, "{path}");
        assert_html(&r);
        assert_init_cookies(&r);
        let html = body(&r);
        for action in [
            format!("{BASE}/callback/credentials"),
            format!("{BASE}/signin/email"),
            format!("{BASE}/signin/idp"),
        ] {
            assert!(
                html.contains(&format!("action=\"{action}\"")),
                "{path}: {action} in {html}"
            );
        }
    }
}

/// §8.6: CSRF required (`signin?csrf=true`), an unknown provider is the 404; credentials bounces to the
/// sign-in page; e-mail mails a link and goes to verify-request; OAuth with its IdP down goes to
/// `error?error=OAuthSignin`.
async fn post_signin(app: &App) {
    let r = send(app, "POST", "/signin/email", "", "", &[("email", "a@b.c")]).await;
    assert_eq!(location(&r), format!("{BASE}/signin?csrf=true"));
    assert_init_cookies(&r);
    let r = post_with_csrf(app, "/signin/nope", &[]).await;
    assert_unknown_provider(&r, "signin", "nope");

    let r = post_with_csrf(app, "/signin/credentials", &[]).await;
    assert_eq!(location(&r), format!("{BASE}/signin"));

    let r = post_with_csrf(app, "/signin/email", &[("email", "bob@example.com")]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/verify-request?provider=email&type=email")
    );
    let link = app.outbox.last();
    assert!(
        link.starts_with(&format!("{BASE}/callback/email?")),
        "{link}"
    );

    let r = post_with_csrf(app, "/signin/idp", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/error?error=OAuthSignin&reason=authorization_url_failed")
    );
}

/// §8.7: an unknown provider is the 404; credentials answers GET with a 405; an e-mail link signs in
/// once (no token: `error=Verification`); an OAuth error parameter is `error=Callback`, a missing
/// check cookie `error=OAuthCallback`.
async fn get_callback(app: &App) {
    let r = send(app, "GET", "/callback/nope", "", "", &[]).await;
    assert_unknown_provider(&r, "callback", "nope");

    // v4: 500 "Callback for provider type credentials not supported"; here the client's mistake
    // is a 405 that says what to do.
    let r = send(app, "GET", "/callback/credentials", "", "", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    assert_eq!(
        body(&r),
        "Error: The credentials callback accepts only POST: the sign-in form posts the credentials and its csrfToken here"
    );

    // v4: `error=configuration` (the 500 page) for a link without a token; a client's mistake,
    // so here `Verification` (flows/email.rs).
    let r = send(app, "GET", "/callback/email", "", "", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/error?error=Verification&reason=link_malformed")
    );

    let r = post_with_csrf(
        app,
        "/signin/email",
        &[("email", "carol@example.com"), ("callbackUrl", "/welcome")],
    )
    .await;
    assert_eq!(r.status, 302);
    let link = app.outbox.last();
    let query = link.split_once('?').unwrap().1;
    let r = send(app, "GET", "/callback/email", query, "", &[]).await;
    assert_eq!(location(&r), format!("{ORIGIN}/welcome"));
    assert!(cookie_names(&r).contains(&"next-auth.session-token"));
    // A link is used once.
    let r = send(app, "GET", "/callback/email", query, "", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/error?error=Verification&reason=link_used_or_unknown")
    );

    let r = send(app, "GET", "/callback/idp", "error=access_denied", "", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/error?error=Callback&reason=idp_access_denied")
    );
    let r = send(app, "GET", "/callback/idp", "code=x&state=y", "", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/error?error=OAuthCallback&reason=state_cookie_missing")
    );
}

/// §8.7, §14: credentials is CSRF-checked (`signin?csrf=true`); the right password redirects to
/// the callback URL with a session cookie; a wrong one to `error=CredentialsSignin` (401 in JSON
/// mode, `{"url"}`); an unknown provider is the 404.
async fn post_callback(app: &App) {
    let r = send(app, "POST", "/callback/nope", "", "", &[]).await;
    assert_unknown_provider(&r, "callback", "nope");

    let alice = [
        ("username", "alice"),
        ("password", "password"),
        ("callbackUrl", "/after"),
    ];
    let r = send(app, "POST", "/callback/credentials", "", "", &alice).await;
    assert_eq!(location(&r), format!("{BASE}/signin?csrf=true"));

    let r = post_with_csrf(app, "/callback/credentials", &alice).await;
    assert_eq!(location(&r), format!("{ORIGIN}/after"));
    // The cookie lives as long as the session: 30 days after the fixed clock.
    assert_eq!(
        session_cookie(&r).expires_ms,
        Some(NOW_MS + 30 * 86_400_000)
    );

    let failed = format!(
        "{BASE}/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused"
    );
    let wrong = [("username", "alice"), ("password", "nope")];
    let r = post_with_csrf(app, "/callback/credentials", &wrong).await;
    assert_eq!(location(&r), failed);
    let r = post_with_csrf(
        app,
        "/callback/credentials",
        &[wrong[0], wrong[1], ("json", "true")],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("location"), None);
    assert_eq!(json_body(&r), json!({ "url": failed }));
}

/// §8.9: the built-in sign-out page, a form POSTing to `BASE/signout` with only `csrfToken`.
async fn get_signout(app: &App) {
    let r = send(app, "GET", "/signout", "", "", &[]).await;
    assert_eq!(r.status, 200);
    assert_html(&r);
    assert_init_cookies(&r);
    let html = body(&r);
    assert!(
        html.contains(&format!("action=\"{BASE}/signout\"")),
        "{html}"
    );
    assert!(html.contains("name=\"csrfToken\""), "{html}");
}

/// §8.9: CSRF required (`signout?csrf=true`); signed in, the session cookie is deleted and the
/// browser goes to the callback URL; signed out, no deletion.
async fn post_signout(app: &App) {
    let r = send(app, "POST", "/signout", "", "", &[]).await;
    assert_eq!(location(&r), format!("{BASE}/signout?csrf=true"));

    let r = post_with_csrf(app, "/signout", &[("callbackUrl", "/bye")]).await;
    assert_eq!(location(&r), format!("{ORIGIN}/bye"));
    assert!(!cookie_names(&r).contains(&"next-auth.session-token"));

    let cookie = signed_in(app).await;
    let r = send(
        app,
        "POST",
        "/signout",
        "",
        &cookie,
        &[("csrfToken", TOKEN), ("callbackUrl", "/bye")],
    )
    .await;
    assert_eq!(location(&r), format!("{ORIGIN}/bye"));
    let gone = session_cookie(&r);
    assert_eq!(gone.max_age, Some(0));
    assert_eq!(gone.value, "");
}

/// §8.10: sign-in errors bounce to the sign-in page (value not re-encoded); others render the
/// error page with 500 / 403 / 200.
async fn get_error(app: &App) {
    let r = send(app, "GET", "/error", "error=OAuthSignin", "", &[]).await;
    assert_eq!(location(&r), format!("{BASE}/signin?error=OAuthSignin"));
    let r = send(app, "GET", "/error/CredentialsSignin", "", "", &[]).await;
    assert_eq!(
        location(&r),
        format!("{BASE}/signin?error=CredentialsSignin")
    );
    // Issue 16: a reason of the fixed set and a sane request id travel on to the sign-in page
    // and show on the error page; anything else is dropped, never reflected.
    let r = send(
        app,
        "GET",
        "/error",
        "error=OAuthCallback&reason=state_mismatch&request_id=abc-123",
        "",
        &[],
    )
    .await;
    assert_eq!(
        location(&r),
        format!("{BASE}/signin?error=OAuthCallback&reason=state_mismatch&request_id=abc-123")
    );
    let r = send(
        app,
        "GET",
        "/signin",
        "error=OAuthCallback&reason=state_mismatch&request_id=abc-123",
        "",
        &[],
    )
    .await;
    let html = body(&r);
    assert!(
        html.contains(r#"<p class="detail" data-reason="state_mismatch">The answer of the identity provider does not belong to the sign-in started in this browser. Start again.</p>"#),
        "{html}"
    );
    assert!(html.contains("Request id: <code>abc-123</code>"), "{html}");
    let r = send(
        app,
        "GET",
        "/error",
        "error=Verification&reason=link_expired&request_id=r1",
        "",
        &[],
    )
    .await;
    let html = body(&r);
    assert!(html.contains("The sign-in link has expired."), "{html}");
    assert!(html.contains("Request id: <code>r1</code>"), "{html}");
    let r = send(
        app,
        "GET",
        "/error",
        "error=OAuthCallback&reason=%3Cb%3Ecall%20us%3C%2Fb%3E&request_id=%3Cx%3E",
        "",
        &[],
    )
    .await;
    assert_eq!(location(&r), format!("{BASE}/signin?error=OAuthCallback"));
    let r = send(
        app,
        "GET",
        "/error",
        "error=Verification&reason=%3Cb%3Ecall&request_id=a%20b",
        "",
        &[],
    )
    .await;
    let html = body(&r);
    assert!(
        !html.contains("b&gt;call")
            && !html.contains("data-reason")
            && !html.contains("Request id"),
        "{html}"
    );
    for (query, status) in [
        ("error=Configuration", 500),
        ("error=accessdenied", 403),
        ("error=Verification", 403),
        ("error=whatever", 200),
        ("", 200),
    ] {
        let r = send(app, "GET", "/error", query, "", &[]).await;
        assert_eq!(r.status, status, "{query}");
        assert_html(&r);
        assert_init_cookies(&r);
    }
}

/// §8.11: the built-in page, 200 HTML with the init cookies.
async fn get_verify_request(app: &App) {
    let r = send(
        app,
        "GET",
        "/verify-request",
        "provider=email&type=email",
        "",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_html(&r);
    assert_init_cookies(&r);
}

/// §8.12: no CSRF, always 200 with an empty body and no cookies.
async fn post_log(app: &App) {
    for form in [
        &[("level", "error"), ("code", "X"), ("message", "m")][..],
        &[("level", "__proto__")][..],
        &[][..],
    ] {
        let r = send(app, "POST", "/_log", "", "", form).await;
        assert_eq!(r.status, 200, "{form:?}");
        assert!(r.body.is_empty(), "{form:?}: {}", body(&r));
        assert!(r.cookies.is_empty(), "{form:?}: {:?}", r.cookies);
    }
}

/// A session cookie (`name=value`) holding `claims`, as the server would have issued it.
fn jwt_cookie(claims: Value) -> String {
    let keys = nextauth_core::crypto::jwe::JweKeyring::derive(&[SECRET.as_bytes()], "");
    let Value::Object(claims) = claims else {
        panic!("claims are an object")
    };
    format!(
        "next-auth.session-token={}",
        keys.encode_jwt(&claims, 3600, NOW_MS / 1000)
    )
}

/// `GET token` (not in v4): the session's upstream access token. 400 without `provider`, 404
/// for a provider that is no OAuth one or whose tokens the session does not hold, 401 `{}`
/// without a session; 200 with the public view of fresh tokens; a refresh that fails (the IdP
/// here is a closed port) marks the session `RefreshAccessTokenError`. Always no-store.
async fn get_token(app: &App) {
    let r = send(app, "GET", "/token", "", "", &[]).await;
    assert_eq!(r.status, 400);
    assert_no_cache(&r);
    assert_json(&r);
    let r = send(app, "GET", "/token", "provider=email", "", &[]).await;
    assert_eq!(r.status, 404, "{}", body(&r));
    let r = send(app, "GET", "/token", "provider=idp", "", &[]).await;
    assert_eq!((r.status, json_body(&r)), (401, json!({})));
    let alice = signed_in(app).await;
    let r = send(app, "GET", "/token", "provider=idp", &alice, &[]).await;
    assert_eq!(r.status, 404, "{}", body(&r));

    let now_s = NOW_MS / 1000;
    let fresh = jwt_cookie(json!({
        "sub": "u1", "provider": "idp", "accessToken": "AT", "refreshToken": "RT",
        "idToken": "IT", "expiresAt": now_s + 3600, "tokenType": "Bearer", "scope": "openid"
    }));
    let r = send(app, "GET", "/token", "provider=idp", &fresh, &[]).await;
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_no_cache(&r);
    assert_eq!(
        json_body(&r),
        json!({"accessToken": "AT", "expiresAt": now_s + 3600, "tokenType": "Bearer", "scope": "openid"})
    );

    let due = jwt_cookie(json!({
        "sub": "u1", "provider": "idp", "accessToken": "AT", "refreshToken": "RT",
        "expiresAt": now_s + 30
    }));
    let r = send(app, "GET", "/token", "provider=idp", &due, &[]).await;
    assert_eq!(
        (r.status, json_body(&r)),
        (401, json!({"error": "RefreshAccessTokenError"}))
    );
    let marked = format!("next-auth.session-token={}", session_cookie(&r).value);
    let r = send(app, "GET", "/session", "", &marked, &[]).await;
    assert_eq!(json_body(&r)["error"], "RefreshAccessTokenError");
}

/// Back-channel logout (OIDC Back-Channel Logout 1.0 §2.8; not v4): no CSRF, no cookies read or
/// set; an unknown provider is the 404 of the other provider routes; a provider without
/// `backchannel_logout`, a missing or unverifiable `logout_token` are 400 JSON `invalid_request`
/// with a reason, `no-store`. (Valid, forged and replayed tokens: tests/oauth_wire.rs.)
async fn post_backchannel_logout(app: &App) {
    let r = send(
        app,
        "POST",
        "/backchannel-logout/nope",
        "",
        "",
        &[("logout_token", "x")],
    )
    .await;
    assert_unknown_provider(&r, "backchannel-logout", "nope");
    let bad = |r: &AuthResponse, reason: &str| {
        assert_eq!(r.status, 400, "{}", body(r));
        let v = json_body(r);
        assert_eq!(v["error"], "invalid_request", "{v}");
        let d = v["error_description"].as_str().unwrap();
        assert!(d.contains(reason), "{d}");
        assert!(r.cookies.is_empty(), "{:?}", r.cookies);
        assert!(r.header("cache-control").unwrap().contains("no-store"));
    };
    for id in ["idp", "email", "credentials"] {
        let r = send(
            app,
            "POST",
            &format!("/backchannel-logout/{id}"),
            "",
            &csrf_cookie(),
            &[("logout_token", "x")],
        )
        .await;
        bad(&r, "not enabled");
    }
    // A provider with it, whose IdP is a closed port.
    let mut config = AuthConfig::new(BaseUrl::parse(None).unwrap(), Secret::new(SECRET));
    let mut p = OAuthProvider::oidc("http://127.0.0.1:9/", "client", Secret::new("s"));
    p.backchannel_logout = true;
    config.providers.push(Provider {
        id: "idp".into(),
        name: "IdP".into(),
        kind: ProviderKind::OAuth(Box::new(p)),
    });
    let bcl = App {
        auth: NextAuth::builder(config)
            .adapter(Arc::new(MemoryAdapter::default()))
            .clock(Arc::new(FixedClock::new(NOW_MS)))
            .build()
            .unwrap(),
        outbox: Arc::default(),
    };
    let r = send(&bcl, "POST", "/backchannel-logout/idp", "", "", &[]).await;
    bad(&r, "`logout_token` is missing");
    let r = send(
        &bcl,
        "POST",
        "/backchannel-logout/idp",
        "",
        "",
        &[("logout_token", "")],
    )
    .await;
    bad(&r, "`logout_token` is missing");
    let r = send(
        &bcl,
        "POST",
        "/backchannel-logout/idp",
        "",
        "",
        &[("logout_token", "a.b.c")],
    )
    .await;
    bad(&r, "discovery");
    let r = send(&bcl, "GET", "/backchannel-logout/idp", "", "", &[]).await;
    assert_unsupported(&r, "GET");
}

/// `forward-auth` (not in v4) without `[forward_auth]`: 404 for any method, no cookie set,
/// nothing read. With it configured: tests/forward_auth.rs.
async fn get_forward_auth(app: &App) {
    for method in ["GET", "POST", "HEAD"] {
        let r = send(app, method, "/forward-auth", "", &csrf_cookie(), &[]).await;
        assert_eq!(r.status, 404, "{method}: {}", body(&r));
        assert!(r.cookies.is_empty(), "{:?}", r.cookies);
    }
}

/// The check of the endpoint `method` × `action`, or `None` when it has none.
async fn check(app: &App, method: &str, action: &str) -> Option<()> {
    match (method, action) {
        ("GET", "providers") => get_providers(app).await,
        ("GET", "csrf") => get_csrf(app).await,
        ("GET", "session") => get_session(app).await,
        ("POST", "session") => post_session(app).await,
        ("GET", "signin") => get_signin(app).await,
        ("POST", "signin") => post_signin(app).await,
        ("GET", "callback") => get_callback(app).await,
        ("POST", "callback") => post_callback(app).await,
        ("GET", "signout") => get_signout(app).await,
        ("POST", "signout") => post_signout(app).await,
        ("GET", "error") => get_error(app).await,
        ("GET", "verify-request") => get_verify_request(app).await,
        ("POST", "_log") => post_log(app).await,
        ("GET", "token") => get_token(app).await,
        ("POST", "backchannel-logout") => post_backchannel_logout(app).await,
        ("GET", "forward-auth") => get_forward_auth(app).await,
        _ => return None,
    }
    Some(())
}

// ----------------------------------------------------------------- tests ----

/// Walks `ENDPOINTS`: each entry must have its check in [`check`], and pass it.
#[tokio::test]
async fn every_endpoint_has_a_test() {
    let app = app();
    for e in &ENDPOINTS {
        let (method, action) = (e.method.as_str(), e.action.as_str());
        assert!(
            check(&app, method, action).await.is_some(),
            "{method} {} has no test in tests/routes.rs",
            e.path()
        );
    }
}

/// Anything the table does not list is v4's 400 (§2.3), with no cookies: an unknown action,
/// a known action with the other method, a method v4 does not handle.
#[tokio::test]
async fn an_unknown_action_or_method_is_the_400() {
    let app = app();
    for (method, path) in [
        ("GET", "/foo"),
        ("POST", "/foo"),
        ("GET", "/Session"),
        ("POST", "/providers"),
        ("POST", "/csrf"),
        ("GET", "/_log"),
        ("POST", "/error"),
        ("POST", "/verify-request"),
        ("HEAD", "/session"),
        ("PUT", "/signin"),
        ("OPTIONS", "/csrf"),
    ] {
        let r = send(&app, method, path, "", &csrf_cookie(), &[]).await;
        assert_unsupported(&r, method);
    }
}

macro_rules! endpoint_tests {
    ($($name:ident => $method:literal $action:literal),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            assert!(check(&app(), $method, $action).await.is_some());
        }
    )*};
}

endpoint_tests! {
    get_providers_lists_every_provider => "GET" "providers",
    get_csrf_gives_the_token_and_its_cookie => "GET" "csrf",
    get_session_is_always_200 => "GET" "session",
    post_session_needs_csrf_and_reissues => "POST" "session",
    get_signin_renders_the_page => "GET" "signin",
    post_signin_per_provider_type => "POST" "signin",
    get_callback_per_provider_type => "GET" "callback",
    post_callback_credentials => "POST" "callback",
    get_signout_renders_the_page => "GET" "signout",
    post_signout_deletes_the_session => "POST" "signout",
    get_error_bounces_or_renders => "GET" "error",
    get_verify_request_renders_the_page => "GET" "verify-request",
    post_log_is_an_empty_200 => "POST" "_log",
    get_token_serves_and_refreshes => "GET" "token",
    post_backchannel_logout_refusals => "POST" "backchannel-logout",
    forward_auth_is_404_unless_configured => "GET" "forward-auth",
}
