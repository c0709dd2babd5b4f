//! A client's mistake is a 4xx that names it, or v4's redirect to a page with the right code;
//! never a 5xx (issue 10 §3). One table per kind of input, against the spawned `nextauth` binary
//! with a provider of each type and their real peers (the in-process credentials webhook, the
//! testkit SMTP sink and OpenID Provider), so every action × method × provider type is reachable.
//!
//! Each row sends one request with exactly the cookies it names (no cookie jar) and asserts the
//! exact status and `Location`, error code or body. `v4` says what next-auth 4.24 answers, where
//! it differs (see README, "Where we are stricter than NextAuth v4").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

/// The request body of a row.
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    /// A content type (`""`: no `Content-Type` header) and the bytes.
    Raw(&'static str, Vec<u8>),
}

/// What a row must answer.
#[derive(Debug, Clone)]
enum Want {
    /// This status, `text/plain`, exactly this body, no `Set-Cookie`.
    Text(u16, String),
    /// 405, `Allow: POST`, this body, no `Set-Cookie`.
    PostOnly(String),
    /// 302 to exactly this URL.
    Redirect(String),
    /// This status and exactly this JSON body.
    Json(u16, Value),
    /// This status and an HTML page with this `<title>`.
    Page(u16, &'static str),
    /// 200 `{"csrfToken": <64 hex>}` and a new csrf cookie.
    FreshCsrf,
    /// 302 to the IdP's authorization endpoint.
    ToIdp,
    /// This status, no `Set-Cookie` (a HEAD answer has no body).
    Status(u16),
}

struct Row {
    /// action × method × provider type × parameter, as listed in the report.
    case: &'static str,
    /// v4's answer where it differs, else "".
    v4: &'static str,
    method: &'static str,
    path: String,
    cookie: String,
    body: Body,
    want: Want,
}

fn row(
    case: &'static str,
    v4: &'static str,
    method: &'static str,
    path: impl Into<String>,
    cookie: impl Into<String>,
    body: Body,
    want: Want,
) -> Row {
    Row {
        case,
        v4,
        method,
        path: path.into(),
        cookie: cookie.into(),
        body,
        want,
    }
}

/// The server and its peers (kept alive with it).
/// The server with all three provider types, its peers, and a client without a cookie jar.
struct Setup {
    s: Server,
    idp: testkit::Idp,
    hook: Webhook,
    http: reqwest::Client,
    _peers: (testkit::SmtpSink,),
}

async fn setup() -> Setup {
    let AllProviders { s, sink, idp, hook } = all_providers().await;
    Setup {
        s,
        idp,
        hook,
        // No cookie jar: each row sends exactly the cookies it names.
        http: testkit::http::client_without_cookies(),
        _peers: (sink,),
    }
}

/// `GET csrf` without cookies: (token, the csrf cookie as `name=value`).
async fn fresh_csrf(t: &Setup) -> (String, String) {
    let r = t.http.get(t.s.url("/csrf")).send().await.unwrap();
    let cookie = cookie_pair(&r, "next-auth.csrf-token").unwrap();
    let token = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    (token, cookie)
}

async fn send(t: &Setup, r: &Row) -> reqwest::Response {
    let mut req = t.http.request(r.method.parse().unwrap(), t.s.url(&r.path));
    if !r.cookie.is_empty() {
        req = req.header("cookie", &r.cookie);
    }
    req = match &r.body {
        Body::None => req,
        Body::Form(f) => req.form(f),
        Body::Raw("", b) => req.body(b.clone()),
        Body::Raw(ct, b) => req.header("content-type", *ct).body(b.clone()),
    };
    req.send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", r.case))
}

/// Sends the row and asserts its answer; returns the `Set-Cookie`s and the body.
async fn check(t: &Setup, r: &Row) -> (Vec<String>, String) {
    let res = send(t, r).await;
    let what = format!("{} ({} {}; v4: {})", r.case, r.method, r.path, r.v4);
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (content_type, allow) = (header("content-type"), header("allow"));
    // The Location with its request id checked against X-Request-Id and cut (testkit).
    let loc = res
        .headers()
        .contains_key("location")
        .then(|| location(&res));
    let cookies = set_cookies(&res);
    let body = res.text().await.unwrap();
    match &r.want {
        Want::Text(want, text) => {
            assert_eq!(status, *want, "{what}");
            assert_eq!(
                content_type.as_deref(),
                Some("text/plain; charset=utf-8"),
                "{what}"
            );
            assert!(cookies.is_empty(), "{what}: no cookies: {cookies:?}");
            assert_eq!(&body, text, "{what}");
        }
        Want::PostOnly(text) => {
            assert_eq!(status, 405, "{what}");
            assert_eq!(allow.as_deref(), Some("POST"), "{what}");
            assert!(cookies.is_empty(), "{what}: no cookies: {cookies:?}");
            assert_eq!(&body, text, "{what}");
        }
        Want::Redirect(url) => {
            assert_eq!(status, 302, "{what}");
            assert_eq!(loc.as_deref(), Some(url.as_str()), "{what}");
        }
        Want::Json(want, json) => {
            assert_eq!(status, *want, "{what}");
            let got: Value =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
            assert_eq!(&got, json, "{what}");
        }
        Want::Page(want, title) => {
            assert_eq!(status, *want, "{what}");
            assert!(
                body.contains(&format!("<title>{title}</title>")),
                "{what}: {body}"
            );
        }
        Want::FreshCsrf => {
            assert_eq!(status, 200, "{what}");
            let got: Value = serde_json::from_str(&body).unwrap();
            let token = got["csrfToken"].as_str().unwrap_or_default();
            assert!(
                token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
                "{what}: {body}"
            );
            assert!(
                cookies
                    .iter()
                    .any(|c| c.starts_with("next-auth.csrf-token=")),
                "{what}: {cookies:?}"
            );
        }
        Want::Status(want) => {
            assert_eq!(status, *want, "{what}");
            assert!(cookies.is_empty(), "{what}: no cookies: {cookies:?}");
        }
        Want::ToIdp => {
            assert_eq!(status, 302, "{what}");
            let loc = loc.unwrap_or_else(|| panic!("{what}: no Location"));
            assert!(
                loc.starts_with(&format!("{}/", t.idp.issuer)),
                "{what}: {loc}"
            );
        }
    }
    (cookies, body)
}

fn unsupported(method: &str) -> Want {
    Want::Text(
        400,
        format!("Error: This action with HTTP {method} is not supported by NextAuth.js"),
    )
}

fn unknown_provider(t: &Setup, action: &str, id: &str) -> Want {
    Want::Text(
        404,
        format!(
            "Error: No provider is configured with the id \"{id}\" ({action}/<id>). The configured providers are listed at {}",
            t.s.url("/providers")
        ),
    )
}

fn no_provider(t: &Setup, action: &str) -> Want {
    Want::Text(
        404,
        format!(
            "Error: {action} needs a provider id in the path ({action}/<id>). The configured providers are listed at {}",
            t.s.url("/providers")
        ),
    )
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// Methods, actions and the provider segment (path), CSRF (body + cookie), and the body fields
/// of each provider type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_bodies() {
    let t = setup().await;
    let s = &t.s;
    let (token, csrf) = fresh_csrf(&t).await;
    let wrong = "0".repeat(64);
    let credentials_post_only = Want::PostOnly(
        "Error: The credentials callback accepts only POST: the sign-in form posts the credentials and its csrfToken here".into(),
    );
    let csrf_fail = Want::Redirect(s.url("/signin?csrf=true"));
    let why = |code: &str, reason: &str| {
        Want::Redirect(s.url(&format!("/error?error={code}&reason={reason}")))
    };
    #[rustfmt::skip]
    let rows = vec![
        // ---- methods × actions: v4's 400, unchanged.
        row("GET <unknown action>", "", "GET", "/nonexistent", "", Body::None, unsupported("GET")),
        row("PUT session", "", "PUT", "/session", "", Body::None, unsupported("PUT")),
        row("HEAD session", "", "HEAD", "/session", "", Body::None, Want::Status(400)),
        row("DELETE signin/<oauth>", "", "DELETE", "/signin/mock-idp", "", Body::None, unsupported("DELETE")),
        row("PATCH callback/<credentials>", "", "PATCH", "/callback/credentials", "", Body::None, unsupported("PATCH")),
        row("POST providers", "", "POST", "/providers", "", Body::None, unsupported("POST")),
        row("POST csrf", "", "POST", "/csrf", "", Body::None, unsupported("POST")),
        row("POST error", "", "POST", "/error", "", Body::None, unsupported("POST")),
        row("POST verify-request", "", "POST", "/verify-request", "", Body::None, unsupported("POST")),
        row("GET _log", "", "GET", "/_log", "", Body::None, unsupported("GET")),
        // ---- path: the provider segment.
        row("POST signin/<unknown> (valid csrf)", "302 signin?csrf=true", "POST", "/signin/nope", csrf.clone(), form(&[("csrfToken", &token)]), unknown_provider(&t, "signin", "nope")),
        row("POST signin/<unknown> (valid csrf, json=true)", "200 {url: signin?csrf=true}", "POST", "/signin/nope", csrf.clone(), form(&[("csrfToken", &token), ("json", "true")]), unknown_provider(&t, "signin", "nope")),
        row("POST signin/<unknown> (no csrf)", "302 signin?csrf=true", "POST", "/signin/nope", "", Body::None, unknown_provider(&t, "signin", "nope")),
        row("POST signin/<unknown, quotes and controls>", "302 signin?csrf=true", "POST", "/signin/a%22b%0A", "", Body::None, unknown_provider(&t, "signin", "a\\\"b\\n")),
        row("POST signin (no provider)", "302 signin?csrf=true", "POST", "/signin", csrf.clone(), form(&[("csrfToken", &token)]), no_provider(&t, "signin")),
        row("GET callback/<unknown>", "400 unsupported", "GET", "/callback/nope?code=x&state=y", "", Body::None, unknown_provider(&t, "callback", "nope")),
        row("POST callback/<unknown>", "400 unsupported", "POST", "/callback/nope", "", form(&[("code", "x")]), unknown_provider(&t, "callback", "nope")),
        row("GET callback (no provider)", "400 unsupported", "GET", "/callback", "", Body::None, no_provider(&t, "callback")),
        row("GET callback/<credentials>", "500 Callback for provider type credentials not supported", "GET", "/callback/credentials?callbackUrl=%2Fx", csrf.clone(), Body::None, credentials_post_only),
        row("GET signin/<unknown>: the page (the segment is ignored)", "", "GET", "/signin/nope", "", Body::None, Want::Page(200, "Sign In")),
        row("POST signin/<oauth>/<extra> (extra segments are ignored; no csrf)", "", "POST", "/signin/mock-idp/extra", "", Body::None, csrf_fail.clone()),
        row("GET <undecodable path>", "", "GET", "/%FF", "", Body::None, Want::Text(400, "Bad request: path segment is not valid UTF-8 after percent-decoding".into())),
        // ---- CSRF (body csrfToken × csrf cookie × content type): v4's answers, unchanged.
        row("POST signin/<oauth> (no csrf)", "", "POST", "/signin/mock-idp", "", Body::None, csrf_fail.clone()),
        row("POST signin/<oauth> (token, no cookie)", "", "POST", "/signin/mock-idp", "", form(&[("csrfToken", &token)]), csrf_fail.clone()),
        row("POST signin/<oauth> (wrong token)", "", "POST", "/signin/mock-idp", csrf.clone(), form(&[("csrfToken", &wrong)]), csrf_fail.clone()),
        row("POST signin/<oauth> (tampered cookie)", "", "POST", "/signin/mock-idp", format!("next-auth.csrf-token={token}%7C{wrong}"), form(&[("csrfToken", &token)]), csrf_fail.clone()),
        row("POST signin/<oauth> (token in the query only)", "", "POST", format!("/signin/mock-idp?csrfToken={token}"), csrf.clone(), Body::None, csrf_fail.clone()),
        row("POST signin/<oauth> (token repeated: an array)", "", "POST", "/signin/mock-idp", csrf.clone(), form(&[("csrfToken", &token), ("csrfToken", &token)]), csrf_fail.clone()),
        row("POST signin/<oauth> (JSON body, token a number)", "", "POST", "/signin/mock-idp", csrf.clone(), Body::Raw("application/json", b"{\"csrfToken\": 5}".to_vec()), csrf_fail.clone()),
        row("POST signin/<email> (no csrf)", "", "POST", "/signin/email", "", form(&[("email", "a@example.com")]), csrf_fail.clone()),
        row("POST signin/<credentials> (no csrf)", "", "POST", "/signin/credentials", "", Body::None, csrf_fail.clone()),
        row("POST callback/<credentials> (no csrf)", "", "POST", "/callback/credentials", "", form(&[("username", "alice"), ("password", "password")]), csrf_fail.clone()),
        row("POST callback/<credentials> (text/plain body: no fields)", "", "POST", "/callback/credentials", csrf.clone(), Body::Raw("text/plain", format!("csrfToken={token}&username=alice&password=password").into_bytes()), csrf_fail.clone()),
        row("POST signout (no csrf)", "", "POST", "/signout", "", Body::None, Want::Redirect(s.url("/signout?csrf=true"))),
        row("POST signout (no content-type: no fields)", "", "POST", "/signout", csrf.clone(), Body::Raw("", format!("csrfToken={token}").into_bytes()), Want::Redirect(s.url("/signout?csrf=true"))),
        row("POST session (no csrf)", "", "POST", "/session", "", Body::None, Want::Json(400, json!({}))),
        // ---- body: malformed.
        row("POST session (invalid JSON)", "", "POST", "/session", csrf.clone(), Body::Raw("application/json", b"{nope".to_vec()), Want::Text(400, "Bad request: invalid JSON body: key must be a string at line 1 column 2".into())),
        row("POST signout (form body not UTF-8)", "", "POST", "/signout", csrf.clone(), Body::Raw("application/x-www-form-urlencoded", vec![0xff, b'=', 0xfe]), Want::Text(400, "Bad request: form body is not valid UTF-8".into())),
        // ---- body: callbackUrl (through the `redirect` callback: same-origin or the origin).
        row("POST signout (body callbackUrl javascript:)", "throws", "POST", "/signout", csrf.clone(), form(&[("csrfToken", &token), ("callbackUrl", "javascript:alert(1)")]), Want::Redirect(s.origin.clone())),
        row("POST signout (body callbackUrl not a URL)", "throws", "POST", "/signout", csrf.clone(), form(&[("csrfToken", &token), ("callbackUrl", "not a url")]), Want::Redirect(s.origin.clone())),
        row("POST signout (body callbackUrl on another host)", "", "POST", "/signout", csrf.clone(), form(&[("csrfToken", &token), ("callbackUrl", "https://evil.test/x")]), Want::Redirect(s.origin.clone())),
        // ---- oauth: body and query.
        row("GET callback/<oauth> (no code, no state cookie)", "", "GET", "/callback/mock-idp", "", Body::None, why("OAuthCallback", "state_cookie_missing")),
        row("POST callback/<oauth> (form_post, no state cookie)", "", "POST", "/callback/mock-idp", "", form(&[("code", "x"), ("state", "y")]), why("OAuthCallback", "state_cookie_missing")),
        row("GET callback/<oauth>?error= (the IdP refused)", "", "GET", "/callback/mock-idp?error=access_denied&error_description=no", "", Body::None, why("Callback", "idp_access_denied")),
        // ---- email: body and query.
        row("POST signin/<email> (no email field)", "", "POST", "/signin/email", csrf.clone(), form(&[("csrfToken", &token)]), why("EmailSignin", "email_address_invalid")),
        row("POST signin/<email> (not an address)", "", "POST", "/signin/email", csrf.clone(), form(&[("csrfToken", &token), ("email", "nope")]), why("EmailSignin", "email_address_invalid")),
        row("POST signin/<email> (two @)", "", "POST", "/signin/email", csrf.clone(), form(&[("csrfToken", &token), ("email", "a@b@example.com")]), why("EmailSignin", "email_address_invalid")),
        row("POST signin/<email> (email repeated: an array)", "", "POST", "/signin/email", csrf.clone(), form(&[("csrfToken", &token), ("email", "a@example.com"), ("email", "b@example.com")]), why("EmailSignin", "email_address_invalid")),
        row("GET callback/<email> (unknown token)", "", "GET", "/callback/email?token=bogus&email=a%40example.com", "", Body::None, why("Verification", "link_used_or_unknown")),
        row("POST callback/<email> (unknown token)", "", "POST", "/callback/email?token=bogus&email=a%40example.com", "", Body::None, why("Verification", "link_used_or_unknown")),
        // ---- credentials: body.
        row("POST signin/<credentials> (valid csrf: the wrong action)", "", "POST", "/signin/credentials", csrf.clone(), form(&[("csrfToken", &token)]), Want::Redirect(s.url("/signin"))),
        row("POST callback/<credentials> (wrong password)", "", "POST", "/callback/credentials", csrf.clone(), form(&[("csrfToken", &token), ("username", "alice"), ("password", "nope")]), Want::Redirect(s.url("/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused"))),
        row("POST callback/<credentials> (no fields)", "", "POST", "/callback/credentials", csrf.clone(), form(&[("csrfToken", &token)]), Want::Redirect(s.url("/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused"))),
        row("POST callback/<credentials> (wrong password, json=true)", "", "POST", "/callback/credentials", csrf.clone(), form(&[("csrfToken", &token), ("username", "alice"), ("password", "nope"), ("json", "true")]), Want::Json(401, json!({"url": s.url("/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused")}))),
        // ---- query: the pages.
        row("GET error?error=Verification", "", "GET", "/error?error=Verification", "", Body::None, Want::Page(403, "Error")),
        row("GET error?error=<unknown code>", "", "GET", "/error?error=%3Cnope%3E", "", Body::None, Want::Page(200, "Error")),
        row("GET error?error=<inline code>", "", "GET", "/error?error=OAuthCallback", "", Body::None, Want::Redirect(s.url("/signin?error=OAuthCallback"))),
        // The server-error page asked for by name keeps v4's 500: it is how a server fault is shown
        // (nothing in the server sends a client there for its own mistake).
        row("GET error?error=Configuration (the server-error page by name)", "", "GET", "/error?error=Configuration", "", Body::None, Want::Page(500, "Error")),
        row("GET signin?error=<unknown code>", "", "GET", "/signin?error=%3Cscript%3E", "", Body::None, Want::Page(200, "Sign In")),
        row("GET signin?callbackUrl=javascript:", "500 configuration page", "GET", "/signin?callbackUrl=javascript%3Aalert(1)", "", Body::None, Want::Page(200, "Sign In")),
        row("GET signin?callbackUrl=<undecodable>", "500 configuration page", "GET", "/signin?callbackUrl=%E0%A4%A", "", Body::None, Want::Page(200, "Sign In")),
        row("GET signin?callbackUrl=a&callbackUrl=b (an array: ignored)", "", "GET", "/signin?callbackUrl=%2Fa&callbackUrl=%2Fb", "", Body::None, Want::Page(200, "Sign In")),
        row("GET session?callbackUrl=<not a URL>", "500 configuration JSON", "GET", "/session?callbackUrl=evil.test", "", Body::None, Want::Json(200, json!({}))),
        row("GET session?callbackUrl=//evil.test", "200, the cookie becomes <origin>//evil.test", "GET", "/session?callbackUrl=%2F%2Fevil.test", "", Body::None, Want::Json(200, json!({}))),
        // ---- cookies other than the callback-url one (see the last test).
        row("GET session (garbage session token)", "", "GET", "/session", "next-auth.session-token=a.b.c.d.e", Body::None, Want::Json(200, json!({}))),
        row("POST session (garbage session token, valid csrf)", "", "POST", "/session", format!("{csrf}; next-auth.session-token=%%%"), form(&[("csrfToken", &token)]), Want::Json(200, json!({}))),
        row("GET csrf (garbage csrf cookie)", "", "GET", "/csrf", "next-auth.csrf-token=%E0%A4%A", Body::None, Want::FreshCsrf),
        row("GET csrf (csrf cookie signed with another secret)", "", "GET", "/csrf", format!("next-auth.csrf-token={token}%7C{wrong}"), Body::None, Want::FreshCsrf),
    ];
    for r in &rows {
        check(&t, r).await;
    }
    // Nothing above reached the credentials webhook but the three rows that carry a valid
    // CSRF token to callback/credentials.
    assert_eq!(t.hook.calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert!(!s.logs().contains("panicked"), "{}", s.logs());
}

/// The OAuth callback with the real check cookies of a started sign-in, and the client's
/// mistakes in what comes back: v4's `error=OAuthCallback`, unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_callback_mistakes() {
    let t = setup().await;
    let s = &t.s;
    let (token, csrf) = fresh_csrf(&t).await;
    let r = t
        .http
        .post(s.url("/signin/mock-idp"))
        .header("cookie", &csrf)
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let authz = reqwest::Url::parse(&location(&r)).unwrap();
    let state = authz
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let checks: Vec<String> = [
        "next-auth.state",
        "next-auth.pkce.code_verifier",
        "next-auth.nonce",
    ]
    .iter()
    .map(|n| cookie_pair(&r, n).unwrap_or_else(|| panic!("{n}")))
    .collect();
    let checks = checks.join("; ");
    // Each failed check with its own reason beside the v4 code (issue 16).
    let err = |reason: &str| {
        Want::Redirect(s.url(&format!("/error?error=OAuthCallback&reason={reason}")))
    };
    #[rustfmt::skip]
    let rows = vec![
        row("GET callback/<oauth> (bogus code: the IdP's token endpoint refuses it)", "", "GET", format!("/callback/mock-idp?code=bogus&state={state}"), checks.clone(), Body::None, err("token_endpoint_refused")),
        row("POST callback/<oauth> (form_post, bogus code)", "", "POST", "/callback/mock-idp", checks.clone(), form(&[("code", "bogus"), ("state", &state)]), err("token_endpoint_refused")),
        row("GET callback/<oauth> (state differs from the cookie's)", "", "GET", "/callback/mock-idp?code=bogus&state=other", checks.clone(), Body::None, err("state_mismatch")),
        row("GET callback/<oauth> (no code)", "", "GET", format!("/callback/mock-idp?state={state}"), checks.clone(), Body::None, err("code_missing")),
        row("GET callback/<oauth> (tampered state cookie)", "", "GET", format!("/callback/mock-idp?code=bogus&state={state}"), format!("next-auth.state=x.y.z; {checks}"), Body::None, err("state_cookie_invalid")),
        row("GET callback/<oauth> (no pkce cookie)", "", "GET", format!("/callback/mock-idp?code=bogus&state={state}"), checks.split("; ").filter(|c| !c.starts_with("next-auth.pkce")).collect::<Vec<_>>().join("; "), Body::None, err("pkce_cookie_missing")),
    ];
    for r in &rows {
        check(&t, r).await;
    }
}

/// A callback-url cookie that is not a safe target is the client's input, not the server's
/// configuration: every action ignores it (the origin is used), writes the origin over it, and
/// serves the request; on every request that carries it, not only the first.
/// v4: 500 "configuration" (the error page or its JSON) on every request while it lives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_callback_url_cookie_is_ignored_and_replaced() {
    let t = setup().await;
    let s = &t.s;
    let (token, csrf) = fresh_csrf(&t).await;
    let origin_cookie = format!(
        "next-auth.callback-url={}",
        nextauth_core::cookies::encode_uri_component(&s.origin)
    );
    for bad in [
        "javascript%3Aalert(1)",
        "%2F%2F%2Fevil.test%2Fx",
        "%2F%2Fevil.test",
        "%2F%5Cevil.test",
        "evil.test",
        "%E0%A4%A",
        "%",
    ] {
        let cookie = format!("{csrf}; next-auth.callback-url={bad}");
        #[rustfmt::skip]
        let rows = vec![
            row("GET session", "", "GET", "/session", cookie.clone(), Body::None, Want::Json(200, json!({}))),
            row("GET csrf", "", "GET", "/csrf", cookie.clone(), Body::None, Want::Json(200, json!({"csrfToken": token}))),
            row("GET signin", "", "GET", "/signin", cookie.clone(), Body::None, Want::Page(200, "Sign In")),
            row("GET signout", "", "GET", "/signout", cookie.clone(), Body::None, Want::Page(200, "Sign Out")),
            row("GET error", "", "GET", "/error?error=Verification", cookie.clone(), Body::None, Want::Page(403, "Error")),
            row("GET verify-request", "", "GET", "/verify-request", cookie.clone(), Body::None, Want::Page(200, "Verify Request")),
            row("GET callback/<oauth>", "", "GET", "/callback/mock-idp", cookie.clone(), Body::None, Want::Redirect(s.url("/error?error=OAuthCallback&reason=state_cookie_missing"))),
            row("GET callback/<email>", "", "GET", "/callback/email?token=bogus", cookie.clone(), Body::None, Want::Redirect(s.url("/error?error=Verification&reason=link_malformed"))),
            row("POST session", "", "POST", "/session", cookie.clone(), form(&[("csrfToken", &token)]), Want::Json(200, json!({}))),
            row("POST signout", "", "POST", "/signout", cookie.clone(), form(&[("csrfToken", &token)]), Want::Redirect(s.origin.clone())),
            row("POST callback/<credentials>", "", "POST", "/callback/credentials", cookie.clone(), form(&[("csrfToken", &token), ("username", "alice"), ("password", "password")]), Want::Redirect(s.origin.clone())),
            row("POST signin/<oauth>", "", "POST", "/signin/mock-idp", cookie.clone(), form(&[("csrfToken", &token)]), Want::ToIdp),
            row("POST signin/<email> (invalid address)", "", "POST", "/signin/email", cookie.clone(), form(&[("csrfToken", &token), ("email", "nope")]), Want::Redirect(s.url("/error?error=EmailSignin&reason=email_address_invalid"))),
        ];
        for r in &rows {
            // Twice: the same cookie again gets the same answer.
            for round in 0..2 {
                let what = format!("{} with callback-url cookie {bad} (round {round})", r.case);
                let (cookies, body) = check(&t, r).await;
                let written: Vec<&String> = cookies
                    .iter()
                    .filter(|c| c.starts_with("next-auth.callback-url="))
                    .collect();
                assert_eq!(written.len(), 1, "{what}: {cookies:?}");
                assert!(
                    written[0].starts_with(&format!("{origin_cookie};")),
                    "{what}: the bad cookie is overwritten with the origin: {cookies:?}"
                );
                if r.case == "GET signin" {
                    for f in page_forms(&body) {
                        assert_eq!(f.field("callbackUrl"), Some(s.origin.as_str()), "{what}");
                    }
                }
            }
        }
        // The request's own callbackUrl still wins over the ignored cookie.
        let r = t
            .http
            .get(s.url("/signin?callbackUrl=%2Fok"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{bad}");
        assert_eq!(
            cookie_pair(&r, "next-auth.callback-url"),
            Some(format!(
                "next-auth.callback-url={}",
                nextauth_core::cookies::encode_uri_component(&format!("{}/ok", s.origin))
            )),
            "{bad}"
        );
    }
    assert!(
        s.logs().contains("ignoring a callback-url cookie"),
        "the ignored cookie is logged: {}",
        s.logs()
    );
}
