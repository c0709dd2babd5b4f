//! OpenID Connect sign-in against a real OpenID Provider (panva's oidc-provider, started by
//! `testkit` on a free port): the server is built in-process from a TOML configuration, served on
//! 127.0.0.1:0, and driven by a cookie-jar client that follows the IdP's redirects by hand (the
//! IdP logs in the `login_hint` account and consents on its own).
//!
//! Each test checks the v4 outcome (status, `Location`, cookies, session) and, for failures, that
//! the log line names the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use testkit::http::{client as browser, cookie, location, param, set_cookies};
use testkit::{Idp, IdpOptions, interop};
use tracing_subscriber::fmt::MakeWriter;

mod storage_support;

use storage_support::SECRET;

// ------------------------------------------------------------------ harness ----

/// Log lines written while a test runs (the server runs on the test's current-thread runtime,
/// so a thread-local subscriber sees them).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The server under test (served in process by `storage_support::App`) and its log.
struct App {
    origin: String,
    base: String,
    logs: Logs,
    _app: storage_support::App,
    _log_guard: tracing::subscriber::DefaultGuard,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The server with `providers` (TOML `[[providers]]` tables), JWT sessions, SQLite in memory.
async fn start_app(providers: &str) -> App {
    start_app_with(providers, "jwt").await
}

/// [`start_app`] with the session `strategy` (`jwt` or `database`).
async fn start_app_with(providers: &str, strategy: &str) -> App {
    start_app_on(providers, strategy, None, "").await
}

/// [`start_app_with`] on the given adapter (`None`: SQLite in memory), with `session_extra`
/// lines after `[session] strategy` (e.g. a `[session.expose]` table).
async fn start_app_on(
    providers: &str,
    strategy: &str,
    adapter: Option<Arc<dyn nextauth_core::Adapter>>,
    session_extra: &str,
) -> App {
    start_app_listening(providers, strategy, adapter, session_extra, None).await
}

/// [`start_app_on`] serving on `listener` when given (bound before a peer that must know the
/// app's port, e.g. the IdP's `backchannel_logout_uri`).
async fn start_app_listening(
    providers: &str,
    strategy: &str,
    adapter: Option<Arc<dyn nextauth_core::Adapter>>,
    session_extra: &str,
    listener: Option<tokio::net::TcpListener>,
) -> App {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    // Thread-local: the test's current-thread runtime runs the server, so it logs here.
    let guard = tracing::subscriber::set_default(subscriber);
    let app = storage_support::App::start(storage_support::AppOptions {
        strategy,
        extra: providers,
        adapter,
        session_extra,
        listener,
        ..Default::default()
    })
    .await;
    App {
        origin: app.origin.clone(),
        base: app.base.clone(),
        logs,
        _app: app,
        _log_guard: guard,
    }
}

/// An `[[providers]]` table of type oidc for the default testkit client (any loopback port).
fn oidc_provider(id: &str, idp: &Idp, extra: &str) -> String {
    format!(
        r#"
[[providers]]
id = "{id}"
type = "oidc"
name = "Test IdP {id}"
issuer = "{issuer}"
client_id = "{id}-client"
client_secret = "{id}-secret"
checks = ["pkce", "state", "nonce"]
{extra}
"#,
        issuer = idp.issuer
    )
}

/// An IdP client registered for `/api/auth/callback/<id>` on any loopback port.
fn idp_client(id: &str, extra: Value) -> Value {
    let mut c = json!({
        "client_id": format!("{id}-client"),
        "client_secret": format!("{id}-secret"),
        "redirect_uris": [format!("http://127.0.0.1/api/auth/callback/{id}")],
        "x_loopback_any_port": true,
    });
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        c[k] = v;
    }
    c
}

fn start_idp(signing: &'static str, clients: Vec<Value>) -> Idp {
    Idp::start(IdpOptions {
        signing,
        clients: Value::Array(clients),
        ..IdpOptions::default()
    })
}

async fn csrf(b: &reqwest::Client, app: &App) -> String {
    testkit::http::csrf(b, &app.base).await
}

async fn session(b: &reqwest::Client, app: &App) -> Value {
    testkit::http::session(b, &app.base).await
}

/// `POST signin/<id>` (with `query`, e.g. `?login_hint=bob`): answers the response.
async fn post_signin(b: &reqwest::Client, app: &App, id: &str, query: &str) -> reqwest::Response {
    let token = csrf(b, app).await;
    let callback_url = format!("{}/after", app.origin);
    b.post(app.url(&format!("/signin/{id}{query}")))
        .form(&[
            ("csrfToken", token.as_str()),
            ("callbackUrl", &callback_url),
        ])
        .send()
        .await
        .unwrap()
}

/// How the IdP hands the browser back.
#[derive(Debug, Clone)]
enum Return {
    /// A redirect to the callback URL (response_mode=query).
    Get(String),
    /// An auto-submitting form (response_mode=form_post): action and fields.
    Post(String, Vec<(String, String)>),
}

/// The first form of the IdP's page (response_mode=form_post): its action and fields.
fn parse_form_post(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let form = testkit::http::page_forms(html).into_iter().next()?;
    Some((form.action, form.fields))
}

/// Follows the IdP's redirects from the authorization URL until it hands the browser back to
/// `callback_prefix`.
async fn walk_idp(b: &reqwest::Client, authorization_url: &str, callback_prefix: &str) -> Return {
    let mut url = authorization_url.to_string();
    for _ in 0..15 {
        if url.starts_with(callback_prefix) {
            return Return::Get(url);
        }
        let r = b.get(&url).send().await.unwrap();
        let status = r.status().as_u16();
        if status == 200 {
            let html = r.text().await.unwrap();
            let (action, fields) = parse_form_post(&html)
                .unwrap_or_else(|| panic!("IdP answered 200 without a form: {html}"));
            return Return::Post(action, fields);
        }
        assert!(
            (300..400).contains(&status),
            "IdP hop {url} -> {status}: {}",
            r.text().await.unwrap_or_default()
        );
        let next = location(&r);
        url = reqwest::Url::parse(&url)
            .unwrap()
            .join(&next)
            .unwrap()
            .to_string();
    }
    panic!("the IdP never returned to {callback_prefix}");
}

async fn deliver(b: &reqwest::Client, ret: &Return) -> reqwest::Response {
    match ret {
        Return::Get(url) => b.get(url).send().await.unwrap(),
        Return::Post(action, fields) => b.post(action).form(fields).send().await.unwrap(),
    }
}

/// The whole sign-in up to (not including) the callback: answers the authorization URL and how
/// the IdP returns.
async fn start_flow(
    b: &reqwest::Client,
    app: &App,
    id: &str,
    query: &str,
) -> (reqwest::Url, Return) {
    let r = post_signin(b, app, id, query).await;
    assert_eq!(r.status(), 302, "POST signin/{id}");
    let authz = reqwest::Url::parse(&location(&r)).unwrap();
    let ret = walk_idp(b, authz.as_str(), &app.url(&format!("/callback/{id}"))).await;
    (authz, ret)
}

/// `r` (the callback's answer) went to `<origin>/after`, and the browser's session is `email`'s.
async fn assert_signed_in(b: &reqwest::Client, app: &App, r: &reqwest::Response, email: &str) {
    assert_eq!(r.status(), 302, "{}", app.logs.text());
    assert_eq!(location(r), format!("{}/after", app.origin));
    assert_eq!(session(b, app).await["user"]["email"], email);
}

/// `r` failed with the v4 `code` and, beside it, `reason` (issue 16): the redirect carries both
/// and the request's id; the log line of the failure names the same reason under the same
/// request id; and the page the browser lands on (the error page, or the sign-in page for the
/// codes shown there) says it in words, with the request id.
async fn assert_failed(
    b: &reqwest::Client,
    r: &reqwest::Response,
    app: &App,
    code: &str,
    reason: &str,
) {
    assert_error_redirect(r, app, &format!("{code}&reason={reason}"));
    let id = r
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("X-Request-Id")
        .to_string();
    let logs = app.logs.text();
    assert!(
        logs.lines()
            .any(|l| l.contains(&id) && l.contains(&format!("reason=\"{reason}\""))),
        "no log line with reason {reason} and request id {id}:\n{logs}"
    );
    // Follow the redirects to the page (`error` sends the sign-in page's codes there).
    let mut url = r.headers()["location"].to_str().unwrap().to_string();
    let page = loop {
        let p = b.get(&url).send().await.unwrap();
        if p.status().is_redirection() {
            url = p.headers()["location"].to_str().unwrap().to_string();
            continue;
        }
        break p.text().await.unwrap();
    };
    let sentence = nextauth_core::Reason::parse(reason)
        .expect("a known reason")
        .sentence();
    assert!(
        page.contains(&format!("data-reason=\"{reason}\">"))
            && page.contains(&sentence.replace('\'', "&#x27;")),
        "{reason} on {url}: {page}"
    );
    assert!(
        page.contains(&format!("Request id: <code>{id}</code>")),
        "{page}"
    );
}

fn assert_error_redirect(r: &reqwest::Response, app: &App, code: &str) {
    assert_eq!(r.status(), 302);
    assert_eq!(location(r), app.url(&format!("/error?error={code}")));
    assert!(
        !set_cookies(r)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token=") && !c.contains("Max-Age=0")),
        "no session cookie on {code}"
    );
}

// ------------------------------------------------------------------ tests ----

/// Named `oauth::…`, so `cargo nextest run oauth` selects them.
mod oauth {
    use super::*;

    #[tokio::test]
    async fn code_flow_with_state_pkce_nonce_then_sign_out() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();

        // POST signin: the authorization URL in openid-client's order, login_hint forwarded.
        let r = post_signin(&b, &app, "oidc", "?login_hint=bob").await;
        assert_eq!(r.status(), 302);
        let authz = reqwest::Url::parse(&location(&r)).unwrap();
        assert!(
            authz.as_str().starts_with(&format!("{}/auth?", idp.issuer)),
            "{authz}"
        );
        let keys: Vec<String> = authz.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(
            keys,
            [
                "client_id",
                "scope",
                "response_type",
                "redirect_uri",
                "login_hint",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce"
            ]
        );
        assert_eq!(param(&authz, "scope").unwrap(), "openid email profile");
        assert!(authz.as_str().contains("scope=openid%20email%20profile"));
        assert_eq!(
            param(&authz, "redirect_uri").unwrap(),
            app.url("/callback/oidc")
        );
        let cookies = set_cookies(&r);
        for name in ["next-auth.state", "next-auth.pkce.code_verifier"] {
            let c = cookie(&cookies, name).unwrap_or_else(|| panic!("{name} in {cookies:?}"));
            assert!(c.contains("; Max-Age=900; Path=/; Expires="), "{c}");
        }
        let nonce = cookie(&cookies, "next-auth.nonce").unwrap();
        assert!(
            !nonce.contains("Max-Age") && nonce.contains("Expires="),
            "{nonce}"
        );

        // next-auth's own decode() opens the state cookie with salt = cookie name (wire compatible).
        let sealed = cookie(&cookies, "next-auth.state").unwrap();
        let sealed = sealed["next-auth.state=".len()..]
            .split(';')
            .next()
            .unwrap();
        let payload = interop::decode(SECRET, sealed, Some("next-auth.state")).unwrap();
        assert_eq!(payload["value"].as_str(), param(&authz, "state").as_deref());
        assert_eq!(payload["provider"], "oidc");

        // Through the IdP and back.
        let ret = walk_idp(&b, authz.as_str(), &app.url("/callback/oidc")).await;
        let cb = deliver(&b, &ret).await;
        assert_eq!(cb.status(), 302);
        assert_eq!(location(&cb), format!("{}/after", app.origin));
        let cookies = set_cookies(&cb);
        for name in [
            "next-auth.state",
            "next-auth.pkce.code_verifier",
            "next-auth.nonce",
        ] {
            assert_eq!(
                cookie(&cookies, name).map(String::as_str),
                Some(format!("{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax").as_str())
            );
        }
        assert!(cookie(&cookies, "next-auth.session-token").is_some());

        // The session is the IdP's user.
        let s = session(&b, &app).await;
        assert_eq!(
            s["user"],
            json!({"name": "Bob Example", "email": "bob@example.com", "image": "https://example.com/bob.png"})
        );

        // Replaying the callback: the check cookies are gone.
        let Return::Get(callback_url) = &ret else {
            panic!("query response mode expected")
        };
        let replay = b.get(callback_url).send().await.unwrap();
        assert_failed(&b, &replay, &app, "OAuthCallback", "state_cookie_missing").await;
        assert!(
            app.logs
                .text()
                .contains("next-auth.state cookie is missing"),
            "{}",
            app.logs.text()
        );

        // Sign out.
        let token = csrf(&b, &app).await;
        let out = b
            .post(app.url("/signout"))
            .form(&[("csrfToken", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 302);
        assert_eq!(session(&b, &app).await, json!({}));
    }

    #[tokio::test]
    async fn json_mode_answers_the_authorization_url() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let token = csrf(&b, &app).await;
        let r = b
            .post(app.url("/signin/oidc"))
            .form(&[("csrfToken", token.as_str()), ("json", "true")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let j: Value = r.json().await.unwrap();
        assert!(
            j["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}/auth?client_id=oidc-client&", idp.issuer))
        );
    }

    #[tokio::test]
    async fn replayed_code_is_refused_by_the_token_endpoint() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "").await;
        let Return::Get(first) = ret else { panic!() };
        assert_eq!(b.get(&first).send().await.unwrap().status(), 302);
        let first = reqwest::Url::parse(&first).unwrap();

        // A new flow in a fresh browser, whose callback carries the *old* code with the new state.
        let b2 = browser();
        let (authz, _) = start_flow(&b2, &app, "oidc", "").await;
        let forged = format!(
            "{}?code={}&state={}&iss={}",
            app.url("/callback/oidc"),
            param(&first, "code").unwrap(),
            param(&authz, "state").unwrap(),
            percent_encoding::utf8_percent_encode(&idp.issuer, percent_encoding::NON_ALPHANUMERIC)
        );
        let r = b2.get(&forged).send().await.unwrap();
        assert_failed(&b2, &r, &app, "OAuthCallback", "token_endpoint_refused").await;
        let logs = app.logs.text();
        assert!(
            logs.contains("answered 400") && logs.contains("invalid_grant"),
            "{logs}"
        );
        assert_eq!(session(&b2, &app).await, json!({}));
    }

    #[tokio::test]
    async fn forged_state_and_idp_error() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let r = post_signin(&b, &app, "oidc", "").await;
        assert_eq!(r.status(), 302);
        let forged = b
            .get(app.url("/callback/oidc?code=bogus&state=bogus"))
            .send()
            .await
            .unwrap();
        assert_failed(&b, &forged, &app, "OAuthCallback", "state_mismatch").await;
        assert!(
            app.logs
                .text()
                .contains("state parameter does not match the state cookie")
        );
        assert_eq!(session(&b, &app).await, json!({}));

        // An IdP-reported error is `Callback` (v4), not `OAuthCallback`.
        let denied = b
            .get(app.url("/callback/oidc?error=access_denied&error_description=nope"))
            .send()
            .await
            .unwrap();
        assert_failed(&b, &denied, &app, "Callback", "idp_access_denied").await;
        assert!(app.logs.text().contains("access_denied"));
    }

    /// A forged callback (wrong state, bogus code) arriving in the middle of a real sign-in is
    /// refused and spends nothing: the check cookies stay, and the real callback still signs in.
    #[tokio::test]
    async fn forged_callback_leaves_the_real_sign_in_intact() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "?login_hint=carol").await;
        for (forged, reason) in [
            ("/callback/oidc?code=bogus&state=bogus", "state_mismatch"),
            ("/callback/oidc?code=bogus", "state_param_invalid"),
            ("/callback/oidc?state=bogus", "state_mismatch"),
        ] {
            let r = b.get(app.url(forged)).send().await.unwrap();
            assert_failed(&b, &r, &app, "OAuthCallback", reason).await;
            let deleted: Vec<String> = set_cookies(&r)
                .into_iter()
                .filter(|c| c.contains("Max-Age=0"))
                .collect();
            assert!(deleted.is_empty(), "{forged}: {deleted:?}");
        }
        let r = deliver(&b, &ret).await;
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
    }

    /// Database strategy: every sign-in issues a new session token and retires the one the
    /// browser came with, also when an account is linked while signed in and when the same user
    /// signs in again (v4 keeps the old token in both cases: session fixation).
    #[tokio::test]
    async fn every_sign_in_issues_a_new_session_token_linking_included() {
        let idp = start_idp(
            "RS256",
            vec![
                idp_client("oidc", json!({})),
                idp_client("other", json!({})),
            ],
        );
        let providers = format!(
            "{}{}",
            oidc_provider("oidc", &idp, ""),
            oidc_provider("other", &idp, "")
        );
        let app = start_app_with(&providers, "database").await;
        let b = browser();
        let sign_in = |id: &'static str| {
            let (b, app) = (&b, &app);
            async move {
                let (_, ret) = start_flow(b, app, id, "?login_hint=bob").await;
                let r = deliver(b, &ret).await;
                assert_eq!(r.status(), 302, "{id}: {}", app.logs.text());
                assert_eq!(location(&r), format!("{}/after", app.origin), "{id}");
                let c = cookie(&set_cookies(&r), "next-auth.session-token")
                    .unwrap_or_else(|| panic!("{id}: a session cookie"))
                    .clone();
                c["next-auth.session-token=".len()..]
                    .split(';')
                    .next()
                    .unwrap()
                    .to_string()
            }
        };
        // A session token alone, in a browser of its own.
        let session_of = |token: String| {
            let app = &app;
            async move {
                let r = reqwest::Client::new()
                    .get(app.url("/session"))
                    .header("cookie", format!("next-auth.session-token={token}"))
                    .send()
                    .await
                    .unwrap();
                r.json::<Value>().await.unwrap()
            }
        };

        let first = sign_in("oidc").await;
        assert_eq!(first.len(), 36, "a database session token: {first}");
        assert_eq!(
            session_of(first.clone()).await["user"]["email"],
            "bob@example.com"
        );

        // Signed in, a new provider: the account is linked, and the session token is new.
        let linked = sign_in("other").await;
        assert_ne!(linked, first);
        assert!(
            app.logs
                .text()
                .contains("linked an account to the signed-in user")
        );
        assert_eq!(
            session_of(first.clone()).await,
            json!({}),
            "the old token is dead"
        );
        assert_eq!(
            session_of(linked.clone()).await["user"]["email"],
            "bob@example.com"
        );

        // The same user again with a known account: a new token too.
        let again = sign_in("oidc").await;
        assert_ne!(again, linked);
        assert_eq!(session_of(linked).await, json!({}));
        assert_eq!(session(&b, &app).await["user"]["email"], "bob@example.com");

        // The link holds: a fresh browser signs in to the same user through the other provider
        // (without the link this would be OAuthAccountNotLinked: the address is taken).
        let fresh = browser();
        let (_, ret) = start_flow(&fresh, &app, "other", "?login_hint=bob").await;
        let r = deliver(&fresh, &ret).await;
        assert_eq!(location(&r), format!("{}/after", app.origin));
        assert_eq!(
            session(&fresh, &app).await["user"]["email"],
            "bob@example.com"
        );
    }

    #[tokio::test]
    async fn idp_denial_through_the_real_idp_is_callback() {
        // prompt=none without a session at the IdP: the IdP itself answers error=login_required.
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "?prompt=none").await;
        let Return::Get(url) = &ret else { panic!() };
        assert!(url.contains("error=login_required"), "{url}");
        let r = deliver(&b, &ret).await;
        assert_failed(&b, &r, &app, "Callback", "idp_interaction_required").await;
    }

    #[tokio::test]
    async fn form_post_callback() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider(
            "oidc",
            &idp,
            "authorization_params = { response_mode = \"form_post\" }",
        ))
        .await;
        let b = browser();
        let (authz, ret) = start_flow(&b, &app, "oidc", "?login_hint=carol").await;
        assert_eq!(param(&authz, "response_mode").as_deref(), Some("form_post"));
        let Return::Post(action, fields) = &ret else {
            panic!("form_post expected: {ret:?}")
        };
        assert_eq!(action, &app.url("/callback/oidc"));
        assert!(fields.iter().any(|(k, _)| k == "code"));
        let r = deliver(&b, &ret).await;
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
    }

    #[tokio::test]
    async fn client_secret_post() {
        let idp = start_idp(
            "RS256",
            vec![idp_client(
                "oidc",
                json!({"token_endpoint_auth_method": "client_secret_post"}),
            )],
        );
        // oidc-provider accepts either method from any client, so this proves the flow works
        // with client_secret_post; the exact request (form fields, no Authorization header)
        // is checked in nextauth-core's tests/oauth_wire.rs.
        let app = start_app(&oidc_provider(
            "oidc",
            &idp,
            "token_endpoint_auth_method = \"client_secret_post\"",
        ))
        .await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "").await;
        let r = deliver(&b, &ret).await;
        assert_eq!(r.status(), 302, "{}", app.logs.text());
        assert_eq!(location(&r), format!("{}/after", app.origin));
        assert_eq!(session(&b, &app).await["user"]["name"], "Alice Example");
    }

    #[tokio::test]
    async fn es256_signing_idp() {
        let idp = start_idp("ES256", vec![idp_client("oidc", json!({}))]);
        let jwks: Value = reqwest::get(format!("{}/jwks", idp.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "EC");
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "").await;
        let r = deliver(&b, &ret).await;
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
    }

    #[tokio::test]
    async fn state_cookie_minted_for_another_provider_is_refused() {
        let idp = start_idp(
            "RS256",
            vec![
                idp_client("idp-a", json!({})),
                idp_client("idp-b", json!({})),
            ],
        );
        let providers = format!(
            "{}{}",
            oidc_provider("idp-a", &idp, ""),
            oidc_provider("idp-b", &idp, "")
        );
        let app = start_app(&providers).await;
        let b = browser();
        // A sign-in with idp-a; its callback parameters are delivered to idp-b's callback.
        let (_, ret) = start_flow(&b, &app, "idp-a", "").await;
        let Return::Get(url) = &ret else { panic!() };
        let to_b = url.replace("/callback/idp-a", "/callback/idp-b");
        let r = b.get(&to_b).send().await.unwrap();
        assert_failed(&b, &r, &app, "OAuthCallback", "state_cookie_other_provider").await;
        assert!(
            app.logs
                .text()
                .contains(r#"next-auth.state cookie was minted for provider "idp-a", not "idp-b""#),
            "{}",
            app.logs.text()
        );
        // idp-a's cookies were left alone: its own callback still completes.
        assert!(
            set_cookies(&r)
                .iter()
                .all(|c| !c.starts_with("next-auth.state="))
        );
        let r = b.get(url).send().await.unwrap();
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
    }

    #[tokio::test]
    async fn idp_unreachable_mid_flow() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "").await;
        drop(idp); // the IdP process is killed between the redirect and the callback
        let started = std::time::Instant::now();
        let r = deliver(&b, &ret).await;
        assert_failed(&b, &r, &app, "OAuthCallback", "idp_unreachable").await;
        assert!(started.elapsed() < std::time::Duration::from_secs(8));
        assert!(
            app.logs.text().contains("unreachable"),
            "{}",
            app.logs.text()
        );
        assert_eq!(session(&b, &app).await, json!({}));

        // Signing in again while it is down: discovery is cached, but the cache was dropped when
        // the token endpoint failed, so the sign-in itself fails: OAuthSignin.
        let r = post_signin(&b, &app, "oidc", "").await;
        assert_failed(&b, &r, &app, "OAuthSignin", "authorization_url_failed").await;
        assert!(app.logs.text().contains("SIGNIN_OAUTH_ERROR"));
    }

    /// `[events]` on an OIDC sign-in: createUser, linkAccount (with the mapped profile),
    /// signIn (the raw profile, `isNewUser`), then signOut, each verified by npm
    /// `standardwebhooks` in the receiver; no token of the IdP reaches the receiver.
    #[tokio::test]
    async fn events_of_an_oidc_sign_in_carry_no_tokens() {
        const WHSEC: &str = "whsec_ZXZlbnRzLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let receiver = testkit::NodeProcess::start(
            "events_receiver.mjs",
            &[("EVENTS_PORT", "0"), ("EVENTS_SECRET", WHSEC)],
        );
        let tables = format!(
            "[callbacks]\nwebhook_secret = \"{WHSEC}\"\n[events]\nurl = \"{}/events\"\n",
            receiver.url()
        );
        let app = start_app_with(
            &format!("{tables}\n{}", oidc_provider("oidc", &idp, "")),
            "jwt",
        )
        .await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "?login_hint=bob").await;
        assert_eq!(deliver(&b, &ret).await.status(), 302);
        let token = csrf(&b, &app).await;
        let out = b
            .post(app.url("/signout"))
            .form(&[("csrfToken", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 302);

        let mut got: Vec<Value> = Vec::new();
        for _ in 0..100 {
            got = reqwest::get(format!("{}/__received", receiver.url()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if got.len() >= 4 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let types: Vec<&str> = got.iter().map(|d| d["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["createUser", "linkAccount", "signIn", "signOut"],
            "{got:#?}\n{}",
            app.logs.text()
        );
        for d in &got {
            let body = d["body"].as_str().unwrap();
            for key in ["access_token", "refresh_token", "id_token"] {
                assert!(!body.contains(key), "{key} in {body}");
            }
        }
        assert_eq!(got[0]["data"]["user"]["email"], "bob@example.com");
        let link = &got[1]["data"];
        assert_eq!(link["account"]["provider"], "oidc");
        assert_eq!(link["account"]["type"], "oauth");
        assert_eq!(link["user"]["id"], got[0]["data"]["user"]["id"]);
        assert_eq!(link["profile"]["email"], "bob@example.com");
        let sign_in = &got[2]["data"];
        assert_eq!(sign_in["isNewUser"], true);
        assert_eq!(sign_in["profile"]["email"], "bob@example.com");
        assert!(sign_in["account"]["providerAccountId"].is_string());
        assert_eq!(got[3]["data"]["token"]["email"], "bob@example.com");
    }
}

/// `[callbacks]` against the real IdP: sign-in policies, the signIn webhook, and the claims
/// webhook with `[session.expose]` (JWT and database sessions). The webhooks' receiver is
/// `testkit/node/events_receiver.mjs`, which verifies every call with npm `standardwebhooks`.
mod callbacks {
    use super::*;
    use nextauth_core::Adapter;
    use nextauth_core::testing::MemoryAdapter;
    use testkit::NodeProcess;

    const WHSEC: &str = "whsec_Y2FsbGJhY2tzLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

    fn receiver() -> NodeProcess {
        NodeProcess::start(
            "events_receiver.mjs",
            &[("EVENTS_PORT", "0"), ("EVENTS_SECRET", WHSEC)],
        )
    }

    /// Sets what the receiver answers at `path`.
    async fn answer(r: &NodeProcess, path: &str, status: u16, body: Value, delay_ms: u64) {
        let res = reqwest::Client::new()
            .post(format!("{}/__answer", r.url()))
            .json(&json!({"path": path, "status": status, "body": body, "delayMs": delay_ms}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }

    /// The verified webhook calls so far; none may have failed verification.
    async fn calls(r: &NodeProcess) -> Vec<Value> {
        let get = |path: &'static str| {
            let url = format!("{}{path}", r.url());
            async move {
                reqwest::get(url)
                    .await
                    .unwrap()
                    .json::<Vec<Value>>()
                    .await
                    .unwrap()
            }
        };
        let rejected = get("/__rejected").await;
        assert!(
            rejected.is_empty(),
            "calls failed verification: {rejected:?}"
        );
        get("/__calls").await
    }

    /// The whole OIDC sign-in of `hint` at provider `id`: the callback's answer.
    async fn sign_in(b: &reqwest::Client, app: &App, id: &str, hint: &str) -> reqwest::Response {
        let (_, ret) = start_flow(b, app, id, &format!("?login_hint={hint}")).await;
        deliver(b, &ret).await
    }

    #[tokio::test]
    async fn policies_admit_verified_allowed_addresses_only() {
        let idp = start_idp(
            "RS256",
            vec![
                idp_client("oidc", json!({})),
                idp_client("trusted", json!({})),
            ],
        );
        let adapter = Arc::new(MemoryAdapter::new());
        let config = format!(
            "[callbacks]\nallowed_emails = [\"eve@other.test\"]\nallowed_email_domains = [\"example.com\"]\n{}{}",
            oidc_provider("oidc", &idp, ""),
            oidc_provider("trusted", &idp, "trusted_email = true"),
        );
        let app = start_app_on(
            &config,
            "jwt",
            Some(adapter.clone() as Arc<dyn Adapter>),
            "",
        )
        .await;

        // A verified address at an allowed domain, and an allowed address elsewhere.
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "alice").await;
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "eve@other.test").await;
        assert_signed_in(&b, &app, &r, "eve@other.test").await;

        // `email_verified: false`, and a verified address at another domain: AccessDenied, no
        // session, no user row.
        for (hint, email, reason) in [
            ("dave", "dave@example.com", "is not verified"),
            (
                "mallory@other.test",
                "mallory@other.test",
                "is neither in `allowed_emails`",
            ),
        ] {
            let b = browser();
            let r = sign_in(&b, &app, "oidc", hint).await;
            assert_failed(&b, &r, &app, "AccessDenied", "signin_refused").await;
            assert_eq!(session(&b, &app).await, json!({}), "{hint}");
            assert_eq!(
                adapter.get_user_by_email(email).await.unwrap(),
                None,
                "{hint}"
            );
            assert!(
                app.logs.text().contains(reason),
                "{reason}: {}",
                app.logs.text()
            );
        }

        // The same unverified address through a `trusted_email` provider signs in.
        let b = browser();
        let r = sign_in(&b, &app, "trusted", "dave").await;
        assert_signed_in(&b, &app, &r, "dave@example.com").await;
    }

    #[tokio::test]
    async fn sign_in_webhook_allows_refuses_and_redirects() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let hooks = receiver();
        let adapter = Arc::new(MemoryAdapter::new());
        let config = format!(
            "[callbacks]\nwebhook_secret = \"{WHSEC}\"\nsign_in_url = \"{}/sign-in\"\n{}",
            hooks.url(),
            oidc_provider("oidc", &idp, ""),
        );
        let app = start_app_on(
            &config,
            "jwt",
            Some(adapter.clone() as Arc<dyn Adapter>),
            "",
        )
        .await;

        answer(&hooks, "/sign-in", 200, json!({"allow": false}), 0).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "bob").await;
        assert_failed(&b, &r, &app, "AccessDenied", "signin_refused").await;
        assert_eq!(
            adapter.get_user_by_email("bob@example.com").await.unwrap(),
            None
        );

        answer(&hooks, "/sign-in", 200, json!({"redirect": "/welcome"}), 0).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "bob").await;
        assert_eq!(r.status(), 302);
        assert_eq!(location(&r), format!("{}/welcome", app.origin));
        assert_eq!(session(&b, &app).await, json!({}));

        // A redirect elsewhere is checked like any callbackUrl: the origin.
        answer(
            &hooks,
            "/sign-in",
            200,
            json!({"redirect": "https://evil.test/x"}),
            0,
        )
        .await;
        let r = sign_in(&browser(), &app, "oidc", "bob").await;
        assert_eq!(location(&r), app.origin);

        // A 5xx, nonsense, and a webhook slower than 5 s refuse, logged with the reason.
        for (status, body, delay, reason) in [
            (503, json!(true), 0, "answered 503"),
            (200, json!("yes"), 0, "expected true, false"),
            (200, json!(true), 6000, "timed out"),
        ] {
            answer(&hooks, "/sign-in", status, body, delay).await;
            let b = browser();
            let r = sign_in(&b, &app, "oidc", "bob").await;
            assert_failed(&b, &r, &app, "AccessDenied", "signin_refused").await;
            assert!(
                app.logs.text().contains(reason),
                "{reason}: {}",
                app.logs.text()
            );
        }

        answer(&hooks, "/sign-in", 200, json!(true), 0).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "bob").await;
        assert_signed_in(&b, &app, &r, "bob@example.com").await;

        // v4's arguments, signed (the receiver verified each), never a token.
        let got = calls(&hooks).await;
        assert_eq!(got.len(), 7, "{got:#?}");
        let last = &got[6];
        assert_eq!(last["path"], "/sign-in");
        let body = &last["body"];
        assert_eq!(body["user"]["email"], "bob@example.com");
        assert_eq!(body["account"]["provider"], "oidc");
        assert_eq!(body["account"]["type"], "oauth");
        assert_eq!(body["profile"]["email_verified"], true);
        assert!(body.get("email").is_none());
        let text = body.to_string();
        for key in ["access_token", "refresh_token", "id_token"] {
            assert!(!text.contains(key), "{key} in {text}");
        }
    }

    /// `claims_url` adds `role` at sign-in, `[session.expose]` shows it, `update()` calls the
    /// webhook again with `trigger: "update"`, and a plain read calls nothing.
    async fn claims_round_trip(strategy: &str) {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let hooks = receiver();
        let config = format!(
            "[callbacks]\nwebhook_secret = \"{WHSEC}\"\nclaims_url = \"{}/claims\"\n\
             [callbacks.profile_claims]\ndisplay = \"name\"\n{}",
            hooks.url(),
            oidc_provider("oidc", &idp, ""),
        );
        let app = start_app_on(
            &config,
            strategy,
            None,
            "[session.expose]\n\"user.id\" = \"sub\"\n\"user.role\" = \"role\"\ndisplay = \"display\"\n",
        )
        .await;
        answer(
            &hooks,
            "/claims",
            200,
            json!({"role": "admin", "sub": "someone-else", "exp": 1}),
            0,
        )
        .await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "carol").await;
        let cookie_value = testkit::http::cookie_value(&r, "next-auth.session-token");
        assert_signed_in(&b, &app, &r, "carol@example.com").await;

        let s = session(&b, &app).await;
        assert_eq!(s["user"]["role"], "admin", "{s}\n{}", app.logs.text());
        assert_eq!(s["display"], "Carol Example", "{s}");
        // `sub` is the user's id, whatever the webhook answered.
        assert!(s["user"]["id"].is_string(), "{s}");
        assert_ne!(s["user"]["id"], "someone-else", "{s}");
        if strategy == "jwt" {
            // next-auth's own decode() finds the claim; `sub` was not overwritten.
            let payload = testkit::interop::decode(SECRET, &cookie_value.unwrap(), None).unwrap();
            assert_eq!(payload["role"], "admin");
            assert_eq!(payload["display"], "Carol Example");
            assert_eq!(payload["sub"], s["user"]["id"]);
            assert_ne!(payload["sub"], "someone-else");
            assert!(payload["exp"].as_i64().unwrap() > 1);
        }
        let got = calls(&hooks).await;
        assert_eq!(got.len(), 1, "a plain GET session calls nothing: {got:#?}");
        let at_sign_in = &got[0]["body"];
        assert_eq!(at_sign_in["trigger"], "signUp");
        assert_eq!(at_sign_in["isNewUser"], true);
        assert_eq!(at_sign_in["token"]["email"], "carol@example.com");
        assert_eq!(at_sign_in["token"]["display"], "Carol Example");
        assert_eq!(at_sign_in["account"]["provider"], "oidc");
        assert_eq!(at_sign_in["profile"]["sub"], "carol");

        // update(): the client's POST session with data.
        answer(&hooks, "/claims", 200, json!({"role": "editor"}), 0).await;
        let token = csrf(&b, &app).await;
        let updated: Value = b
            .post(app.url("/session"))
            .json(&json!({"csrfToken": token, "data": {"want": "editor"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(updated["user"]["role"], "editor", "{updated}");
        assert_eq!(session(&b, &app).await["user"]["role"], "editor");
        let got = calls(&hooks).await;
        assert_eq!(got.len(), 2, "{got:#?}");
        let on_update = &got[1]["body"];
        assert_eq!(on_update["trigger"], "update");
        assert_eq!(on_update["session"], json!({"want": "editor"}));
        assert_eq!(on_update["token"]["role"], "admin");

        // update() while the webhook is down: the claims stay as they were (logged).
        answer(&hooks, "/claims", 503, json!({}), 0).await;
        let token = csrf(&b, &app).await;
        let kept: Value = b
            .post(app.url("/session"))
            .json(&json!({"csrfToken": token, "data": {"want": "x"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(kept["user"]["role"], "editor", "{kept}");

        // A returning user: `trigger: "signIn"`, `isNewUser: false`.
        answer(&hooks, "/claims", 200, json!({"role": "viewer"}), 0).await;
        let b2 = browser();
        let r = sign_in(&b2, &app, "oidc", "carol").await;
        assert_signed_in(&b2, &app, &r, "carol@example.com").await;
        assert_eq!(session(&b2, &app).await["user"]["role"], "viewer");
        let got = calls(&hooks).await;
        let again = &got.last().unwrap()["body"];
        assert_eq!(again["trigger"], "signIn", "{again}");
        assert_eq!(again["isNewUser"], false, "{again}");

        // A claims webhook that is down fails the sign-in (Callback): no session, no cookie.
        // As in v4 (its jwt callback runs after the sign-in handler) the new user stays.
        answer(&hooks, "/claims", 500, json!({}), 0).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "alice").await;
        assert_failed(&b, &r, &app, "Callback", "jwt_callback_failed").await;
        assert_eq!(session(&b, &app).await, json!({}));
        assert!(
            app.logs.text().contains("answered 500"),
            "{}",
            app.logs.text()
        );
    }

    /// `webhook_secret` signs the credentials `authorize_url` too: the receiver verifies it.
    #[tokio::test]
    async fn the_credentials_webhook_is_signed() {
        let hooks = receiver();
        let config = format!(
            "[callbacks]\nwebhook_secret = \"{WHSEC}\"\n\n[[providers]]\nid = \"credentials\"\n\
             type = \"credentials\"\nauthorize_url = \"{}/authorize\"\n\
             [providers.credentials.username]\nlabel = \"Username\"\n\
             [providers.credentials.password]\nlabel = \"Password\"\ntype = \"password\"\n",
            hooks.url()
        );
        let app = start_app_on(&config, "jwt", None, "").await;
        answer(
            &hooks,
            "/authorize",
            200,
            json!({"id": "u1", "email": "u1@example.com"}),
            0,
        )
        .await;
        let b = browser();
        let r = testkit::http::post_with_csrf(
            &b,
            &app.base,
            "callback/credentials",
            &[("username", "u1"), ("password", "pw")],
        )
        .await;
        assert_eq!(r.status(), 302, "{}", app.logs.text());
        assert_eq!(session(&b, &app).await["user"]["email"], "u1@example.com");
        let got = calls(&hooks).await;
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0]["path"], "/authorize");
        assert_eq!(got[0]["body"], json!({"username": "u1", "password": "pw"}));
        assert!(got[0]["webhookId"].as_str().unwrap().starts_with("msg_"));
    }

    #[tokio::test]
    async fn claims_webhook_with_jwt_sessions() {
        claims_round_trip("jwt").await;
    }

    #[tokio::test]
    async fn claims_webhook_with_database_sessions() {
        claims_round_trip("database").await;
    }

    /// A provider that keeps its tokens (`refresh = true`) in JWT sessions: neither the signIn
    /// nor the claims webhook (at sign-in and on `update()`) sees the kept claims in `token`, the
    /// session JSON shows none of them (not even with `[session.expose]` asking for them), and
    /// they survive `update()` in the cookie.
    #[tokio::test]
    async fn kept_tokens_reach_no_webhook_and_no_session_json() {
        let idp = start_idp("RS256", vec![idp_client("oidc", json!({}))]);
        let hooks = receiver();
        let config = format!(
            "[callbacks]\nwebhook_secret = \"{WHSEC}\"\nclaims_url = \"{url}/claims\"\nsign_in_url = \"{url}/sign-in\"\n{}",
            oidc_provider("oidc", &idp, "refresh = true"),
            url = hooks.url(),
        );
        let app = start_app_on(
            &config,
            "jwt",
            None,
            "[session.expose]\n\"user.at\" = \"accessToken\"\n\"user.it\" = \"idToken\"\n\"user.p\" = \"provider\"\n",
        )
        .await;
        answer(&hooks, "/claims", 200, json!({"role": "admin"}), 0).await;
        answer(&hooks, "/sign-in", 200, json!(true), 0).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "carol").await;
        let cookie_value = testkit::http::cookie_value(&r, "next-auth.session-token").unwrap();
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
        let s = session(&b, &app).await;
        assert_eq!(
            s,
            json!({"user": {"name": "Carol Example", "email": "carol@example.com", "image": "https://example.com/carol.png"}, "expires": s["expires"]})
        );

        let token = csrf(&b, &app).await;
        let updated: Value = b
            .post(app.url("/session"))
            .json(&json!({"csrfToken": token, "data": {"want": "editor"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(updated["user"].get("at").is_none(), "{updated}");
        let got = calls(&hooks).await;
        assert_eq!(
            got.len(),
            3,
            "signIn, claims at sign-in, claims on update: {got:#?}"
        );
        for call in &got {
            let text = call["body"].to_string();
            for key in ["accessToken", "refreshToken", "idToken", "expiresAt"] {
                assert!(!text.contains(key), "{key} in {text}");
            }
            assert!(call["body"]["token"].get("provider").is_none(), "{text}");
            if call["path"] == "/sign-in" {
                // The signIn webhook's account has its tokens stripped (as before).
                assert!(call["body"]["account"].get("id_token").is_none(), "{text}");
                assert!(
                    call["body"]["account"].get("access_token").is_none(),
                    "{text}"
                );
            }
        }
        // The cookie still carries them after update(), next to the webhook's claim.
        let payload = testkit::interop::decode(SECRET, &cookie_value, None).unwrap();
        assert_eq!(payload["provider"], "oidc");
        assert!(
            payload["idToken"].is_string() && payload["accessToken"].is_string(),
            "{payload}"
        );
        let after = session_cookie_of_jar(&b, &app).await;
        let payload = testkit::interop::decode(SECRET, &after, None).unwrap();
        assert_eq!(payload["role"], "admin");
        assert_eq!(payload["provider"], "oidc", "{payload}");
        assert!(payload["idToken"].is_string(), "{payload}");
    }
}

/// The session cookie the browser `b` holds now, chunks reassembled (read from the refreshed
/// cookie of a `GET session`).
async fn session_cookie_of_jar(b: &reqwest::Client, app: &App) -> String {
    let r = b.get(app.url("/session")).send().await.unwrap();
    session_cookie_of(&r).expect("a session cookie")
}

/// The session cookie a response sets (bare, or `.0`, `.1`, … reassembled), if any.
fn session_cookie_of(r: &reqwest::Response) -> Option<String> {
    let mut chunks: Vec<(i64, String)> = set_cookies(r)
        .iter()
        .filter(|c| c.starts_with("next-auth.session-token") && !c.contains("Max-Age=0"))
        .filter_map(|c| {
            let (name, rest) = c.split_once('=')?;
            let value = rest.split(';').next()?.to_string();
            let index = match name.strip_prefix("next-auth.session-token") {
                Some("") => -1,
                Some(suffix) => suffix.trim_start_matches('.').parse().ok()?,
                None => return None,
            };
            Some((index, value))
        })
        .collect();
    if chunks.is_empty() {
        return None;
    }
    chunks.sort();
    Some(chunks.into_iter().map(|(_, v)| v).collect())
}

/// Upstream tokens kept (`refresh`, `federated_logout`) and federated logout (OIDC RP-Initiated
/// Logout 1.0) against the real IdP. Named `upstream::…`.
mod upstream {
    use super::*;
    use nextauth_core::Adapter;
    use nextauth_core::testing::MemoryAdapter;

    /// The IdP client of provider `id`, also registered for `http://127.0.0.1/after` as a
    /// post-logout redirect URI (any port) and for refresh tokens.
    fn logout_client(id: &str) -> Value {
        idp_client(
            id,
            json!({
                "post_logout_redirect_uris": ["http://127.0.0.1/after"],
                "grant_types": ["authorization_code", "refresh_token"],
            }),
        )
    }

    /// The login prompts the IdP has shown so far.
    async fn idp_logins(idp: &Idp) -> i64 {
        let j: Value = reqwest::get(format!("{}/__logins", idp.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        j["count"].as_i64().unwrap()
    }

    /// The whole sign-in of `hint` at `id`: the callback's answer, checked to be signed in.
    async fn sign_in(b: &reqwest::Client, app: &App, id: &str, hint: &str) -> reqwest::Response {
        let (_, ret) = start_flow(b, app, id, &format!("?login_hint={hint}")).await;
        deliver(b, &ret).await
    }

    /// `POST signout` with the callbackUrl `<origin>/after`, in JSON mode or as the form.
    async fn sign_out(b: &reqwest::Client, app: &App, json_mode: bool) -> reqwest::Response {
        let token = csrf(b, app).await;
        let callback_url = format!("{}/after", app.origin);
        let mut form = vec![
            ("csrfToken", token.as_str()),
            ("callbackUrl", callback_url.as_str()),
        ];
        if json_mode {
            form.push(("json", "true"));
        }
        b.post(app.url("/signout"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Where `r` (a `POST signout` answer) sends the browser: `data.url` in JSON mode, else the
    /// 302's `Location`.
    async fn sign_out_target(r: reqwest::Response, json_mode: bool) -> String {
        if json_mode {
            assert_eq!(r.status(), 200);
            let j: Value = r.json().await.unwrap();
            j["url"].as_str().unwrap().to_string()
        } else {
            assert_eq!(r.status(), 302);
            location(&r)
        }
    }

    /// The payload of a compact JWS (no verification: the IdP checks it).
    fn jws_payload(jws: &str) -> Value {
        use base64::Engine as _;
        let part = jws.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Drives the IdP's logout as a browser: `GET end_session` → the confirmation page →
    /// "Yes, sign me out" (the form's fields plus `logout=yes`) → back at the
    /// post-logout redirect URI. Answers that final URL.
    async fn confirm_idp_logout(b: &reqwest::Client, idp: &Idp, end_session: &str) -> String {
        let page = b.get(end_session).send().await.unwrap();
        assert_eq!(page.status(), 200, "{end_session}");
        let html = page.text().await.unwrap();
        assert!(html.contains("Do you want to sign-out"), "{html}");
        let form = testkit::http::page_forms(&html)
            .into_iter()
            .next()
            .expect("the logout form");
        let mut fields = form.fields.clone();
        fields.push(("logout".into(), "yes".into()));
        let action = reqwest::Url::parse(&idp.issuer)
            .unwrap()
            .join(&form.action)
            .unwrap();
        let done = b.post(action).form(&fields).send().await.unwrap();
        assert!(done.status().is_redirection(), "{}", done.status());
        location(&done)
    }

    #[tokio::test]
    async fn without_the_keys_the_jwt_is_as_before() {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let app = start_app(&oidc_provider("oidc", &idp, "")).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "alice").await;
        let value = session_cookie_of(&r).unwrap();
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        let payload = testkit::interop::decode(SECRET, &value, None).unwrap();
        let mut keys: Vec<&str> = payload
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            ["email", "exp", "iat", "jti", "name", "picture", "sub"]
        );
    }

    /// `refresh = true` with JWT sessions: the JWE carries `accessToken`, `refreshToken`,
    /// `idToken`, `expiresAt` (Unix seconds) and `provider`; next-auth's `decode()` reads them;
    /// `GET session` shows none.
    #[tokio::test]
    async fn refresh_keeps_the_tokens_in_the_jwt() {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let app = start_app(&oidc_provider(
            "oidc",
            &idp,
            "refresh = true\nscope = \"openid email profile offline_access\"\n[providers.authorization_params]\nprompt = \"consent\"",
        ))
        .await;
        let b = browser();
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let r = sign_in(&b, &app, "oidc", "alice").await;
        let value = session_cookie_of(&r).unwrap();
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        let payload = testkit::interop::decode(SECRET, &value, None).unwrap();
        assert_eq!(payload["provider"], "oidc", "{payload}");
        assert!(
            payload["accessToken"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{payload}"
        );
        assert!(
            payload["refreshToken"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{payload}"
        );
        let id_token = payload["idToken"].as_str().unwrap();
        assert_eq!(jws_payload(id_token)["sub"], "alice");
        // oidc-provider's access tokens live 3600 s by default.
        let expires_at = payload["expiresAt"].as_i64().unwrap();
        assert!(
            (before + 3500..=before + 3700).contains(&expires_at),
            "{expires_at} vs {before}"
        );
        let s = session(&b, &app).await;
        assert_eq!(s.as_object().unwrap().len(), 2, "{s}");
        assert_eq!(s["user"].as_object().unwrap().len(), 3, "{s}");
        // The refreshed cookie keeps them.
        let again = session_cookie_of_jar(&b, &app).await;
        let payload2 = testkit::interop::decode(SECRET, &again, None).unwrap();
        assert_eq!(payload2["idToken"], payload["idToken"]);
        assert_eq!(payload2["refreshToken"], payload["refreshToken"]);
    }

    /// A token set too big for one cookie: the session cookie is chunked, `GET session` reads
    /// it back (twice: the rewritten chunks too), and next-auth's `decode()` opens the
    /// reassembled JWE.
    #[tokio::test]
    async fn a_big_token_set_is_chunked_and_round_trips() {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let app = start_app(&oidc_provider("oidc", &idp, "federated_logout = true")).await;
        let b = browser();
        // A made-up account whose sub, name and e-mail are 1500 characters each: the ID token
        // alone is several kilobytes.
        let hint = "x".repeat(1500);
        let r = sign_in(&b, &app, "oidc", &hint).await;
        let chunks: Vec<String> = set_cookies(&r)
            .into_iter()
            .filter(|c| c.starts_with("next-auth.session-token.") && !c.contains("Max-Age=0"))
            .collect();
        assert!(chunks.len() >= 2, "{chunks:?}");
        for c in &chunks {
            assert!(c.len() < 4096, "{}", c.len());
        }
        let value = session_cookie_of(&r).unwrap();
        assert!(value.len() > 4096);
        let email = format!("{hint}@example.com");
        assert_signed_in(&b, &app, &r, &email).await;
        let payload = testkit::interop::decode(SECRET, &value, None).unwrap();
        assert_eq!(
            jws_payload(payload["idToken"].as_str().unwrap())["sub"],
            hint.as_str()
        );
        assert_eq!(session(&b, &app).await["user"]["email"], email.as_str());
    }

    /// The database strategy keeps the tokens where v4's adapters do: the account row, ID token
    /// included.
    #[tokio::test]
    async fn database_sessions_have_the_tokens_in_the_account_row() {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let adapter = Arc::new(MemoryAdapter::new());
        let app = start_app_on(
            &oidc_provider("oidc", &idp, "refresh = true"),
            "database",
            Some(adapter.clone() as Arc<dyn Adapter>),
            "",
        )
        .await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "bob").await;
        assert_signed_in(&b, &app, &r, "bob@example.com").await;
        let user = adapter
            .get_user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
        let account = adapter
            .get_account(&user.id, "oidc")
            .await
            .unwrap()
            .unwrap();
        assert!(account.access_token.is_some());
        assert!(account.expires_at.is_some());
        assert_eq!(
            jws_payload(account.id_token.as_deref().unwrap())["sub"],
            "bob"
        );
    }

    /// Federated logout, JWT sessions: the local session ends, the browser goes to the IdP's
    /// end_session_endpoint with `id_token_hint`, `client_id`, `post_logout_redirect_uri` and
    /// `state`, the IdP confirms and comes back, and the next sign-in shows the IdP's login again.
    async fn federated_logout_jwt(json_mode: bool) {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let app = start_app(&oidc_provider("oidc", &idp, "federated_logout = true")).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "alice").await;
        let value = session_cookie_of(&r).unwrap();
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        assert_eq!(idp_logins(&idp).await, 1);
        let kept = testkit::interop::decode(SECRET, &value, None).unwrap();

        // A sign-out without the CSRF token is refused and changes nothing.
        let refused = b
            .post(app.url("/signout"))
            .form(&[("json", "true")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.json::<Value>().await.unwrap()["url"],
            app.url("/signout?csrf=true")
        );
        assert_eq!(
            session(&b, &app).await["user"]["email"],
            "alice@example.com"
        );

        let out = sign_out(&b, &app, json_mode).await;
        // The session cookie is cleared on this very answer.
        assert!(
            set_cookies(&out)
                .iter()
                .any(|c| c.starts_with("next-auth.session-token=;") && c.contains("Max-Age=0")),
            "{:?}",
            set_cookies(&out)
        );
        let target = reqwest::Url::parse(&sign_out_target(out, json_mode).await).unwrap();
        assert_eq!(session(&b, &app).await, json!({}));
        assert!(
            target
                .as_str()
                .starts_with(&format!("{}/session/end?", idp.issuer)),
            "{target}"
        );
        assert_eq!(
            param(&target, "id_token_hint").unwrap(),
            kept["idToken"].as_str().unwrap()
        );
        assert_eq!(param(&target, "client_id").unwrap(), "oidc-client");
        let after = format!("{}/after", app.origin);
        assert_eq!(param(&target, "post_logout_redirect_uri").unwrap(), after);
        let state = param(&target, "state").unwrap();
        assert!(state.len() >= 32, "{state}");

        let back = confirm_idp_logout(&b, &idp, target.as_str()).await;
        let back = reqwest::Url::parse(&back).unwrap();
        assert!(back.as_str().starts_with(&after), "{back}");
        assert_eq!(param(&back, "state").unwrap(), state);

        // The IdP session is over: the next sign-in goes through the IdP's login again.
        let r = sign_in(&b, &app, "oidc", "alice").await;
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        assert_eq!(idp_logins(&idp).await, 2);
    }

    #[tokio::test]
    async fn federated_logout_jwt_json_mode() {
        federated_logout_jwt(true).await;
    }

    #[tokio::test]
    async fn federated_logout_jwt_form() {
        federated_logout_jwt(false).await;
    }

    /// Federated logout, database sessions: the row is deleted (a replayed cookie is no
    /// session), and the `id_token_hint` is the account row's ID token.
    async fn federated_logout_database(json_mode: bool, adapter: Option<Arc<dyn Adapter>>) {
        let idp = start_idp("RS256", vec![logout_client("oidc")]);
        let app = start_app_on(
            &oidc_provider("oidc", &idp, "federated_logout = true"),
            "database",
            adapter,
            "",
        )
        .await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "carol").await;
        let value = session_cookie_of(&r).unwrap();
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
        assert_eq!(idp_logins(&idp).await, 1);

        let out = sign_out(&b, &app, json_mode).await;
        let target = reqwest::Url::parse(&sign_out_target(out, json_mode).await).unwrap();
        assert_eq!(session(&b, &app).await, json!({}));
        // The row is gone: the old cookie value is no session.
        let replay = testkit::http::client_without_cookies()
            .get(app.url("/session"))
            .header("cookie", format!("next-auth.session-token={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.json::<Value>().await.unwrap(), json!({}));
        assert!(
            target
                .as_str()
                .starts_with(&format!("{}/session/end?", idp.issuer)),
            "{target}"
        );
        let hint = jws_payload(&param(&target, "id_token_hint").unwrap());
        assert_eq!(hint["sub"], "carol");
        assert_eq!(hint["aud"], "oidc-client");
        assert_eq!(param(&target, "client_id").unwrap(), "oidc-client");
        assert_eq!(
            param(&target, "post_logout_redirect_uri").unwrap(),
            format!("{}/after", app.origin)
        );
        assert!(param(&target, "state").is_some());

        let back = confirm_idp_logout(&b, &idp, target.as_str()).await;
        assert!(back.starts_with(&format!("{}/after", app.origin)), "{back}");
        let r = sign_in(&b, &app, "oidc", "carol").await;
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
        assert_eq!(idp_logins(&idp).await, 2);

        // Signed in again, the account row still holds the first sign-in's ID token (v4's
        // adapters write the row once, when the account is linked); the IdP takes it as a hint
        // all the same (RP-Initiated Logout 1.0 §2: the hint need not be current; an expired
        // one is valid too).
        let out = sign_out(&b, &app, json_mode).await;
        let again = reqwest::Url::parse(&sign_out_target(out, json_mode).await).unwrap();
        assert_eq!(
            param(&again, "id_token_hint"),
            param(&target, "id_token_hint")
        );
        confirm_idp_logout(&b, &idp, again.as_str()).await;
        let r = sign_in(&b, &app, "oidc", "carol").await;
        assert_signed_in(&b, &app, &r, "carol@example.com").await;
        assert_eq!(idp_logins(&idp).await, 3);
    }

    #[tokio::test]
    async fn federated_logout_database_form_sqlite() {
        federated_logout_database(false, None).await;
    }

    #[tokio::test]
    async fn federated_logout_database_json_mode_memory() {
        federated_logout_database(true, Some(Arc::new(MemoryAdapter::new()))).await;
    }

    #[tokio::test]
    async fn federated_logout_database_postgres() {
        let db = storage_support::postgres_database().await;
        let adapter = nextauth_sqlx::open(&db.url).await.unwrap();
        federated_logout_database(true, Some(adapter)).await;
    }

    /// A provider without `federated_logout` signs out as before: the callbackUrl, and the IdP
    /// session lives on (the next sign-in shows no login).
    #[tokio::test]
    async fn without_federated_logout_the_idp_session_stays() {
        for strategy in ["jwt", "database"] {
            let idp = start_idp("RS256", vec![logout_client("oidc")]);
            let app =
                start_app_with(&oidc_provider("oidc", &idp, "refresh = true"), strategy).await;
            let b = browser();
            let r = sign_in(&b, &app, "oidc", "alice").await;
            assert_signed_in(&b, &app, &r, "alice@example.com").await;
            for json_mode in [true, false] {
                let out = sign_out(&b, &app, json_mode).await;
                assert_eq!(
                    sign_out_target(out, json_mode).await,
                    format!("{}/after", app.origin)
                );
                assert_eq!(session(&b, &app).await, json!({}));
                let r = sign_in(&b, &app, "oidc", "alice").await;
                assert_signed_in(&b, &app, &r, "alice@example.com").await;
            }
            assert_eq!(
                idp_logins(&idp).await,
                1,
                "{strategy}: silent sign-ins after sign-out"
            );
        }
    }

    /// `federated_logout` with an IdP that announces no end_session_endpoint: plain sign-out,
    /// and a warning says why.
    #[tokio::test]
    async fn no_end_session_endpoint_signs_out_locally_with_a_warning() {
        let idp = Idp::start(IdpOptions {
            signing: "RS256",
            clients: json!([logout_client("oidc")]),
            rp_initiated_logout: false,
            ..IdpOptions::default()
        });
        let app = start_app(&oidc_provider("oidc", &idp, "federated_logout = true")).await;
        let b = browser();
        let r = sign_in(&b, &app, "oidc", "alice").await;
        assert_signed_in(&b, &app, &r, "alice@example.com").await;
        let out = sign_out(&b, &app, true).await;
        assert_eq!(
            sign_out_target(out, true).await,
            format!("{}/after", app.origin)
        );
        assert_eq!(session(&b, &app).await, json!({}));
        assert!(
            app.logs
                .text()
                .contains("the IdP announces no end_session_endpoint"),
            "{}",
            app.logs.text()
        );
    }
}

/// `GET token` against the real IdP issuing rotating refresh tokens and short-lived access
/// tokens (issue 13, items 2 and 3): one refresh for 50 concurrent requests, on one instance
/// and on two instances sharing PostgreSQL; a revoked refresh token marks the session.
mod refresh {
    use super::*;
    use nextauth_core::Adapter;

    /// Access tokens live 62 s: fresh right after sign-in (more than the 60 s margin), due for
    /// refresh 3 s later.
    const TTL: u32 = 62;

    fn refresh_idp() -> Idp {
        Idp::start(IdpOptions {
            signing: "RS256",
            clients: json!([idp_client(
                "oidc",
                json!({"grant_types": ["authorization_code", "refresh_token"]})
            )]),
            access_token_ttl: Some(TTL),
            ..IdpOptions::default()
        })
    }

    async fn grants(idp: &Idp) -> Value {
        reqwest::get(format!("{}/__grants", idp.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn get_token(app: &App, cookie: &str) -> reqwest::Response {
        testkit::http::client_without_cookies()
            .get(app.url("/token?provider=oidc"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    /// Signs alice in; her session cookie (`name=value`) and its decoded claims.
    async fn signed_in(app: &App) -> (String, Value) {
        let b = browser();
        let (_, ret) = start_flow(&b, app, "oidc", "?login_hint=alice").await;
        let r = deliver(&b, &ret).await;
        assert_signed_in(&b, app, &r, "alice@example.com").await;
        let value = testkit::http::cookie_value(&r, "next-auth.session-token").unwrap();
        let claims = testkit::interop::decode(SECRET, &value, None).unwrap();
        (format!("next-auth.session-token={value}"), claims)
    }

    /// 50 concurrent `GET token` with copies of `cookie`, spread over `apps`: every answer is
    /// 200 with one and the same access token, which the IdP's userinfo accepts.
    async fn fifty_at_once(idp: &Idp, apps: &[&App], cookie: &str) -> (String, Vec<String>) {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..50 {
            let url = apps[i % apps.len()].url("/token?provider=oidc");
            let cookie = cookie.to_string();
            tasks.spawn(async move {
                testkit::http::client_without_cookies()
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
            });
        }
        let mut answers = Vec::new();
        while let Some(r) = tasks.join_next().await {
            answers.push(r.unwrap());
        }
        let mut tokens = std::collections::BTreeSet::new();
        let mut cookies = Vec::new();
        for r in answers {
            assert_eq!(r.status(), 200);
            if let Some(c) = testkit::http::cookie_value(&r, "next-auth.session-token") {
                cookies.push(c);
            }
            let body: Value = r.json().await.unwrap();
            tokens.insert(body["accessToken"].as_str().unwrap().to_string());
        }
        assert_eq!(tokens.len(), 1, "one successor for everyone: {tokens:?}");
        let at = tokens.into_iter().next().unwrap();
        let userinfo = reqwest::Client::new()
            .get(format!("{}/me", idp.url()))
            .bearer_auth(&at)
            .send()
            .await
            .unwrap();
        assert_eq!(
            userinfo.status(),
            200,
            "the IdP accepts the refreshed token"
        );
        (at, cookies)
    }

    async fn one_refresh_for_fifty(apps: &[&App], idp: &Idp) {
        let (cookie, claims) = signed_in(apps[0]).await;
        assert_eq!(claims["provider"], "oidc");
        let first = get_token(apps[0], &cookie).await;
        assert_eq!(first.status(), 200);
        let first: Value = first.json().await.unwrap();
        assert_eq!(
            first["accessToken"], claims["accessToken"],
            "fresh: no refresh"
        );
        assert_eq!(grants(idp).await["refresh_success"], 0);

        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let (at, cookies) = fifty_at_once(idp, apps, &cookie).await;
        assert_ne!(json!(at), claims["accessToken"], "refreshed");
        let g = grants(idp).await;
        assert_eq!(g["refresh_success"], 1, "{g}");
        assert_eq!(g["refresh_error"], 0, "{g}");
        // Every response that refreshed (or took the successor) rewrote the cookie.
        assert_eq!(cookies.len(), 50);
        let rewritten = testkit::interop::decode(SECRET, &cookies[0], None).unwrap();
        assert_eq!(json!(at), rewritten["accessToken"]);
        assert_ne!(rewritten["refreshToken"], claims["refreshToken"], "rotated");

        // The IdP revokes the new refresh token: the next refresh fails, final, and the session
        // says so.
        let revoked = reqwest::Client::new()
            .post(format!("{}/token/revocation", idp.url()))
            .basic_auth("oidc-client", Some("oidc-secret"))
            .form(&[("token", rewritten["refreshToken"].as_str().unwrap())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let latest = format!("next-auth.session-token={}", cookies[0]);
        let r = get_token(apps[0], &latest).await;
        assert_eq!(r.status(), 401);
        let marked = testkit::http::cookie_value(&r, "next-auth.session-token").unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({"error": "RefreshAccessTokenError"}));
        let session: Value = testkit::http::client_without_cookies()
            .get(apps[0].url("/session"))
            .header("cookie", format!("next-auth.session-token={marked}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(session["error"], "RefreshAccessTokenError", "{session}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fifty_concurrent_requests_refresh_once() {
        let idp = refresh_idp();
        let app = start_app(&oidc_provider("oidc", &idp, "refresh = true")).await;
        one_refresh_for_fifty(&[&app], &idp).await;
    }

    /// Database sessions: the tokens are the account row's; a refresh (once, for 20 concurrent
    /// requests) writes the successor back to the row; a revoked refresh token marks the
    /// session, and `GET session` shows it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn database_sessions_refresh_the_account_row() {
        let idp = refresh_idp();
        let store = Arc::new(nextauth_core::testing::MemoryAdapter::new());
        let app = start_app_on(
            &oidc_provider("oidc", &idp, "refresh = true"),
            "database",
            Some(store.clone() as Arc<dyn Adapter>),
            "",
        )
        .await;
        let b = browser();
        let (_, ret) = start_flow(&b, &app, "oidc", "?login_hint=bob").await;
        let r = deliver(&b, &ret).await;
        assert_signed_in(&b, &app, &r, "bob@example.com").await;
        let cookie = testkit::http::cookie_pair(&r, "next-auth.session-token").unwrap();
        let user = store
            .get_user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
        let before = store.get_account(&user.id, "oidc").await.unwrap().unwrap();
        let first: Value = get_token(&app, &cookie).await.json().await.unwrap();
        assert_eq!(json!(before.access_token), first["accessToken"]);

        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let url = app.url("/token?provider=oidc");
            let cookie = cookie.clone();
            tasks.spawn(async move {
                let r = testkit::http::client_without_cookies()
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                r.json::<Value>().await.unwrap()["accessToken"].clone()
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        while let Some(at) = tasks.join_next().await {
            seen.insert(at.unwrap().to_string());
        }
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(grants(&idp).await["refresh_success"], 1);
        let after = store.get_account(&user.id, "oidc").await.unwrap().unwrap();
        assert_ne!(
            after.access_token, before.access_token,
            "the row has the successor"
        );
        assert_ne!(after.refresh_token, before.refresh_token, "rotated");

        let revoked = reqwest::Client::new()
            .post(format!("{}/token/revocation", idp.url()))
            .basic_auth("oidc-client", Some("oidc-secret"))
            .form(&[("token", after.refresh_token.as_deref().unwrap())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let r = get_token(&app, &cookie).await;
        assert_eq!(r.status(), 401);
        assert_eq!(session(&b, &app).await["error"], "RefreshAccessTokenError");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_on_postgres_refresh_once() {
        let db = storage_support::postgres_database().await;
        let idp = refresh_idp();
        let providers = oidc_provider("oidc", &idp, "refresh = true");
        let open = || async { nextauth_sqlx::open(&db.url).await.unwrap() };
        let a: Arc<dyn Adapter> = open().await;
        let b: Arc<dyn Adapter> = open().await;
        let app_a = start_app_on(&providers, "jwt", Some(a), "").await;
        let app_b = start_app_on(&providers, "jwt", Some(b), "").await;
        one_refresh_for_fifty(&[&app_a, &app_b], &idp).await;
    }
}

/// Back-channel logout from the real IdP (oidc-provider's `backchannelLogout` feature): the IdP
/// session ends at its end_session endpoint (its form confirmed as a browser does), the IdP
/// POSTs its logout token to `backchannel-logout/bcl`, and the browser's session here is over;
/// another user's session stays. Named `backchannel::…`.
mod backchannel {
    use super::*;

    /// The app's listener first (the IdP must know where to post), then the IdP with a client
    /// whose `backchannel_logout_uri` is on it, then the app on that listener.
    async fn setup(strategy: &str, session_required: bool) -> (Idp, App) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let idp = start_idp(
            "RS256",
            vec![idp_client(
                "bcl",
                json!({
                    "backchannel_logout_uri": format!("{origin}/api/auth/backchannel-logout/bcl"),
                    "backchannel_logout_session_required": session_required,
                }),
            )],
        );
        let providers = oidc_provider("bcl", &idp, "backchannel_logout = true");
        let app = start_app_listening(&providers, strategy, None, "", Some(listener)).await;
        assert_eq!(app.origin, origin);
        (idp, app)
    }

    /// Signs `hint` in through the IdP (the browser keeps the IdP's session cookie).
    async fn sign_in(b: &reqwest::Client, app: &App, hint: &str) {
        let (_, ret) = start_flow(b, app, "bcl", &format!("?login_hint={hint}")).await;
        let r = deliver(b, &ret).await;
        assert_signed_in(b, app, &r, &format!("{hint}@example.com")).await;
    }

    /// Ends the IdP session as a browser does: `GET end_session_endpoint`, then the page's
    /// "Yes, sign me out" button (the form `op.logoutForm` with `logout=yes`). The IdP answers
    /// once its back-channel POSTs are done.
    async fn end_idp_session(b: &reqwest::Client, idp: &Idp) {
        let end = format!("{}/session/end", idp.issuer);
        let r = b.get(&end).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        let form = testkit::http::page_forms(&html)
            .into_iter()
            .find(|f| f.action.ends_with("/session/end/confirm"))
            .unwrap_or_else(|| panic!("no logout form in:\n{html}"));
        assert!(html.contains(r#"name="logout""#), "{html}");
        let mut fields = form.fields;
        fields.push(("logout".into(), "yes".into()));
        let action = reqwest::Url::parse(&end)
            .unwrap()
            .join(&form.action)
            .unwrap();
        let r = b.post(action).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    }

    /// `ended`: the log line of what the token ended (by `sid` or by `sub`).
    async fn idp_logout_ends_the_session(strategy: &str, session_required: bool, ended: &str) {
        let (idp, app) = setup(strategy, session_required).await;
        let alice = browser();
        sign_in(&alice, &app, "alice").await;
        let bob = browser();
        sign_in(&bob, &app, "bob").await;

        end_idp_session(&alice, &idp).await;
        let logs = app.logs.text();
        assert!(
            logs.contains(&format!("back-channel logout: {ended}")),
            "the logout token did not arrive or was refused:\n{logs}"
        );
        assert_eq!(session(&alice, &app).await, json!({}), "{logs}");
        assert_eq!(
            session(&bob, &app).await["user"]["email"],
            "bob@example.com"
        );
        // Signing in again works (the IdP asks again; the new session is not refused). A
        // per-user not-before is in whole seconds (`crate::revocation`): a JWT issued in the
        // second of the logout would be refused too, so the next second is waited for.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        sign_in(&alice, &app, "alice").await;
    }

    /// JWT sessions, the IdP sending `sid` (the session's `idp_sid` claim is revoked).
    #[tokio::test]
    async fn idp_logout_ends_a_jwt_session() {
        idp_logout_ends_the_session("jwt", true, "the JWT sessions of the IdP session").await;
    }

    /// JWT sessions, the IdP sending only `sub` (every JWT of the user issued so far).
    #[tokio::test]
    async fn idp_logout_by_sub_ends_a_jwt_session() {
        idp_logout_ends_the_session("jwt", false, "the user's sessions").await;
    }

    /// Database sessions, the IdP sending only `sub` (the user's rows are deleted).
    #[tokio::test]
    async fn idp_logout_ends_a_database_session() {
        idp_logout_ends_the_session("database", false, "the user's sessions").await;
    }
}
