//! `forward-auth` and `cookie_domain`, in process: `NextAuth::handle` on an `AuthRequest` with a
//! peer, a `MemoryAdapter`, a `FixedClock`, no network. What the proxies (nginx, Caddy) make of
//! these answers is tested with the real ones in nextauth-server's `tests/forward_auth.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::net::IpAddr;
use std::sync::Arc;

use nextauth_core::callbacks::configured::DomainPattern;
use nextauth_core::cookies::encode_uri_component;
use nextauth_core::forward_auth::{ForwardAuth, ForwardAuthRule};
use nextauth_core::testing::{FixedClock, MemoryAdapter};
use nextauth_core::{
    AuthConfig, AuthRequest, AuthResponse, BaseUrl, NextAuth, Secret, SessionStrategy,
    TrustedProxies,
};
use serde_json::{Value, json};

const SECRET: &str = "forward-auth-test-secret-0123456789abcdef012345";
const BASE: &str = "http://auth.example.test/api/auth";
const NOW_MS: i64 = 1_798_435_754_439;
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const PROXY: &str = "10.1.2.3";
const IDENTITY: [&str; 6] = [
    "x-auth-request-user",
    "x-auth-request-email",
    "remote-user",
    "remote-email",
    "remote-name",
    "remote-groups",
];

fn pat(s: &str) -> DomainPattern {
    DomainPattern::parse(s).unwrap()
}

fn config(strategy: SessionStrategy, cookie_domain: Option<&str>) -> AuthConfig {
    let mut c = AuthConfig::new(BaseUrl::parse(Some(BASE)).unwrap(), Secret::new(SECRET));
    c.session.strategy = strategy;
    c.providers
        .push(testkit::inproc::credentials_provider("Credentials"));
    c.trusted_proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    c.cookie_domain = cookie_domain.map(str::to_string);
    c.forward_auth = Some(ForwardAuth {
        allowed_hosts: vec![
            pat("app.example.test"),
            pat("*.apps.example.test"),
            pat("admin.example.test"),
        ],
        rules: vec![ForwardAuthRule {
            host: pat("admin.example.test"),
            allowed_emails: vec![],
            allowed_email_domains: vec![pat("corp.test")],
            groups: vec!["admins".into()],
        }],
    });
    c
}

struct App {
    auth: NextAuth,
    adapter: Arc<MemoryAdapter>,
    clock: Arc<FixedClock>,
}

fn app_with(config: AuthConfig) -> App {
    let adapter = Arc::new(MemoryAdapter::default());
    let clock = Arc::new(FixedClock::new(NOW_MS));
    let auth = NextAuth::builder(config)
        .adapter(adapter.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    App {
        auth,
        adapter,
        clock,
    }
}

fn app() -> App {
    app_with(config(SessionStrategy::Jwt, Some("example.test")))
}

/// A request to `path` from `peer` with these headers (names in any case).
async fn send(
    app: &App,
    method: &str,
    path: &str,
    query: Option<&str>,
    peer: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> AuthResponse {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let req = AuthRequest::from_http(method, path, query, headers, body.as_bytes())
        .unwrap()
        .with_peer(Some(peer.parse::<IpAddr>().unwrap()));
    app.auth.handle(req).await
}

/// `GET forward-auth` from the trusted proxy, for `https://<host><uri>` as Caddy/Traefik name it.
async fn ask(app: &App, host: &str, uri: &str, extra: &[(&str, &str)]) -> AuthResponse {
    let mut h = vec![
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", host),
        ("X-Forwarded-Uri", uri),
    ];
    h.extend_from_slice(extra);
    send(app, "GET", "/forward-auth", None, PROXY, &h, "").await
}

/// A session cookie holding `claims`, as the server would have issued it.
fn jwt(claims: Value) -> String {
    let keys = nextauth_core::crypto::jwe::JweKeyring::derive(&[SECRET.as_bytes()], "");
    let Value::Object(claims) = claims else {
        panic!()
    };
    format!(
        "next-auth.session-token={}",
        keys.encode_jwt(&claims, 3600, NOW_MS / 1000)
    )
}

/// Signs alice in with the credentials form; her browser's `Cookie` header and the response.
async fn sign_in(app: &App, callback_url: Option<&str>) -> (String, AuthResponse) {
    let csrf = testkit::inproc::csrf_cookie(TOKEN, SECRET);
    let mut body = format!("username=alice&password=password&csrfToken={TOKEN}");
    if let Some(c) = callback_url {
        body.push_str(&format!("&callbackUrl={}", encode_uri_component(c)));
    }
    let r = send(
        app,
        "POST",
        "/callback/credentials",
        None,
        "127.0.0.1",
        &[
            ("cookie", &csrf),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )
    .await;
    let session = r
        .cookies
        .iter()
        .find(|c| c.name == "next-auth.session-token" && !c.is_deletion())
        .unwrap_or_else(|| panic!("no session cookie: {} {:?}", r.status, r.cookies))
        .clone();
    (
        format!("{csrf}; next-auth.session-token={}", session.value),
        r,
    )
}

fn identity(r: &AuthResponse) -> Vec<(&'static str, String)> {
    IDENTITY
        .iter()
        .map(|h| {
            let v = r
                .header(h)
                .unwrap_or_else(|| panic!("{h} missing: {:?}", r.headers));
            (*h, v.to_string())
        })
        .collect()
}

fn assert_no_cookies_no_location(r: &AuthResponse) {
    assert!(r.cookies.is_empty(), "{:?}", r.cookies);
    assert!(r.header("location").is_none(), "{:?}", r.headers);
}

const BROWSER: (&str, &str) = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");

#[tokio::test]
async fn signed_in_gets_200_and_every_identity_header_and_no_cookie() {
    let app = app();
    let cookie = jwt(json!({
        "sub": "u1", "email": "ann@corp.test", "name": "Ann\r\nX-Evil: 1", "groups": ["admins", "dev"]
    }));
    let r = ask(&app, "app.example.test", "/x?y=1", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(
        identity(&r),
        [
            ("x-auth-request-user", "u1".into()),
            ("x-auth-request-email", "ann@corp.test".into()),
            ("remote-user", "u1".into()),
            ("remote-email", "ann@corp.test".into()),
            ("remote-name", "Ann  X-Evil: 1".into()),
            ("remote-groups", "admins,dev".into()),
        ]
    );
    assert!(r.body.is_empty());
    assert_no_cookies_no_location(&r);
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // Unknown parts are present and empty; a client's own Remote-User changes nothing.
    let bare = jwt(json!({"sub": "u2"}));
    let r = ask(
        &app,
        "app.example.test",
        "/",
        &[
            ("cookie", &bare),
            ("remote-user", "admin"),
            ("Remote-Groups", "admins"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let got = identity(&r);
    assert_eq!(got[0].1, "u2");
    assert!(
        got[1..]
            .iter()
            .all(|(h, v)| *h == "remote-user" && v == "u2" || v.is_empty()),
        "{got:?}"
    );

    // Any method: nginx's subrequest keeps the guarded request's (no body passed).
    for m in ["POST", "HEAD", "DELETE"] {
        let r = send(
            &app,
            m,
            "/forward-auth",
            None,
            PROXY,
            &[
                ("x-original-url", "http://app.example.test/form"),
                ("cookie", &cookie),
                ("content-type", "application/json"),
            ],
            "",
        )
        .await;
        assert_eq!(r.status, 200, "{m}");
    }
}

#[tokio::test]
async fn signed_out_browser_is_redirected_to_sign_in_with_the_original_url() {
    let app = app();
    let target = "http://app.example.test/page?a=1&b=%20";
    let signin = format!("{BASE}/signin?callbackUrl={}", encode_uri_component(target));
    // Caddy / Traefik: a 302 they hand to the browser.
    let r = ask(&app, "app.example.test", "/page?a=1&b=%20", &[BROWSER]).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(signin.as_str()));
    assert!(r.cookies.is_empty());
    // A form POST: 303, so the browser follows with a GET.
    let r = ask(
        &app,
        "app.example.test",
        "/page?a=1&b=%20",
        &[BROWSER, ("x-forwarded-method", "POST")],
    )
    .await;
    assert_eq!(r.status, 303);
    // nginx names the URL with X-Original-URL: 401 with the Location (auth_request passes no
    // 302); `?mode=redirect` forces the 302, `?mode=auth-request` the 401 for the others.
    let nginx = [("x-original-url", target), BROWSER];
    let r = send(&app, "GET", "/forward-auth", None, PROXY, &nginx, "").await;
    assert_eq!(
        (r.status, r.header("location")),
        (401, Some(signin.as_str()))
    );
    let r = send(
        &app,
        "GET",
        "/forward-auth",
        Some("mode=redirect"),
        PROXY,
        &nginx,
        "",
    )
    .await;
    assert_eq!(r.status, 302);
    let caddy = [
        ("x-forwarded-host", "app.example.test"),
        ("x-forwarded-uri", "/page?a=1&b=%20"),
        BROWSER,
    ];
    let r = send(
        &app,
        "GET",
        "/forward-auth",
        Some("mode=auth-request"),
        PROXY,
        &caddy,
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.header("location")),
        (401, Some(signin.as_str()))
    );
    // Garbage or an expired session is no session.
    let r = ask(
        &app,
        "app.example.test",
        "/",
        &[BROWSER, ("cookie", "next-auth.session-token=junk")],
    )
    .await;
    assert_eq!(r.status, 302);
    assert!(
        r.cookies.is_empty(),
        "the bad cookie is not even deleted: {:?}",
        r.cookies
    );
}

#[tokio::test]
async fn xhr_and_api_clients_get_401_without_location() {
    let app = app();
    for extra in [
        vec![BROWSER, ("x-requested-with", "XMLHttpRequest")],
        vec![("accept", "application/json")],
        vec![],
    ] {
        let r = ask(&app, "app.example.test", "/api", &extra).await;
        assert_eq!(r.status, 401, "{extra:?}");
        assert_no_cookies_no_location(&r);
        // The same in auth-request mode.
        let mut h = vec![("x-original-url", "http://app.example.test/api")];
        h.extend(extra.iter().copied());
        let r = send(&app, "GET", "/forward-auth", None, PROXY, &h, "").await;
        assert_eq!(r.status, 401);
        assert_no_cookies_no_location(&r);
    }
}

#[tokio::test]
async fn hosts_outside_allowed_hosts_and_untrusted_peers_get_no_redirect() {
    let app = app();
    let cookie = jwt(json!({"sub": "u1", "email": "ann@corp.test"}));
    for host in [
        "evil.test",
        "example.test",
        "app.example.test.evil.test",
        "x@evil.test",
        "evil.test/app.example.test",
    ] {
        let r = ask(&app, host, "/", &[BROWSER]).await;
        assert_eq!(r.status, 401, "{host}");
        assert_no_cookies_no_location(&r);
        let r = ask(&app, host, "/", &[BROWSER, ("cookie", &cookie)]).await;
        assert_eq!(r.status, 403, "{host}");
        assert!(r.header("remote-user").is_none());
    }
    for url in [
        "http://evil.test/",
        "javascript:alert(1)",
        "/relative",
        "http://u@app.example.test/",
    ] {
        let h = [("x-original-url", url), BROWSER];
        let r = send(&app, "GET", "/forward-auth", None, PROXY, &h, "").await;
        assert_eq!(r.status, 401, "{url}");
        assert_no_cookies_no_location(&r);
    }
    // The same headers from a peer that is not a trusted proxy are not read at all.
    let h = [
        ("x-forwarded-host", "app.example.test"),
        ("x-forwarded-uri", "/"),
        BROWSER,
        ("cookie", cookie.as_str()),
    ];
    let r = send(&app, "GET", "/forward-auth", None, "192.0.2.9", &h, "").await;
    assert_eq!(r.status, 403);
    let r = send(&app, "GET", "/forward-auth", None, "192.0.2.9", &h[..3], "").await;
    assert_eq!(r.status, 401);
    assert_no_cookies_no_location(&r);
}

#[tokio::test]
async fn the_first_rule_naming_the_host_decides() {
    let app = app();
    let ok = [
        json!({"sub": "a", "email": "ann@corp.test"}),
        json!({"sub": "b", "email": "bob@other.test", "groups": ["admins"]}),
    ];
    let refused = [
        json!({"sub": "c", "email": "carl@other.test"}),
        json!({"sub": "d", "email": "dan@sub.corp.test", "groups": ["Admins"]}),
        json!({"sub": "e"}),
    ];
    for claims in ok {
        let r = ask(
            &app,
            "admin.example.test",
            "/",
            &[("cookie", &jwt(claims.clone()))],
        )
        .await;
        assert_eq!(r.status, 200, "{claims}");
    }
    for claims in refused {
        let cookie = jwt(claims.clone());
        let r = ask(
            &app,
            "admin.example.test",
            "/",
            &[BROWSER, ("cookie", &cookie)],
        )
        .await;
        assert_eq!(r.status, 403, "{claims}");
        assert_no_cookies_no_location(&r);
        // No rule names the other hosts: any signed-in user passes there.
        let r = ask(
            &app,
            "x.apps.example.test:8443",
            "/",
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(r.status, 200, "{claims}");
    }
}

#[tokio::test]
async fn a_revoked_session_counts_as_signed_out() {
    let mut c = config(SessionStrategy::Jwt, Some("example.test"));
    c.session.revoke_on_signout = true;
    let app = app_with(c);
    let (cookie, _) = sign_in(&app, None).await;
    let r = ask(&app, "app.example.test", "/", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("remote-email"), Some("alice@example.com"));
    app.clock.advance_ms(1000);
    app.auth.revoke_user_sessions("1").await.unwrap();
    let r = ask(
        &app,
        "app.example.test",
        "/",
        &[BROWSER, ("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, 302, "{:?}", r.headers);
    assert!(r.cookies.is_empty());
}

#[tokio::test]
async fn database_sessions_are_read_and_never_extended() {
    let app = app_with(config(SessionStrategy::Database, Some("example.test")));
    let (cookie, _) = sign_in(&app, None).await;
    let token = cookie
        .rsplit_once("next-auth.session-token=")
        .unwrap()
        .1
        .to_string();
    use nextauth_core::Adapter;
    let expires = |a: Arc<MemoryAdapter>, t: String| async move {
        a.get_session_and_user(&t).await.unwrap().unwrap().0.expires
    };
    let before = expires(app.adapter.clone(), token.clone()).await;
    // Two days later GET session would extend it (update_age is one day); forward-auth does not.
    app.clock.advance_ms(2 * 86_400_000);
    let r = ask(&app, "app.example.test", "/", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 200, "{}", r.body_text());
    let got = identity(&r);
    assert_eq!(got[1].1, "alice@example.com");
    assert_eq!(got[4].1, "Alice");
    assert!(!got[0].1.is_empty());
    assert!(r.cookies.is_empty());
    assert_eq!(expires(app.adapter.clone(), token.clone()).await, before);
    // Past its expiry the row is no session, and it is left where it is.
    app.clock.advance_ms(40 * 86_400_000);
    let r = ask(&app, "app.example.test", "/", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 401);
    assert!(
        app.adapter
            .get_session_and_user(&token)
            .await
            .unwrap()
            .is_some()
    );
}

/// A `jwt` callback that puts `groups` in the token at sign-in, kept for database sessions (what
/// `claims_url` / `profile_claims` do in the server).
struct Groups;

#[async_trait::async_trait]
impl nextauth_core::Callbacks for Groups {
    async fn jwt(
        &self,
        args: nextauth_core::JwtArgs<'_>,
    ) -> Result<serde_json::Map<String, Value>, nextauth_core::CallbackError> {
        let mut token = args.token;
        if args.trigger.is_some() {
            token.insert("groups".into(), json!(["staff", "ops"]));
        }
        Ok(token)
    }
    fn database_claims(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn database_sessions_carry_the_groups_claim() {
    let adapter = Arc::new(MemoryAdapter::default());
    let auth = NextAuth::builder(config(SessionStrategy::Database, Some("example.test")))
        .adapter(adapter.clone())
        .callbacks(Arc::new(Groups))
        .clock(Arc::new(FixedClock::new(NOW_MS)))
        .build()
        .unwrap();
    let app = App {
        auth,
        adapter,
        clock: Arc::new(FixedClock::new(NOW_MS)),
    };
    let (cookie, _) = sign_in(&app, None).await;
    let r = ask(&app, "admin.example.test", "/", &[("cookie", &cookie)]).await;
    // alice is at example.com, not corp.test: the rule lets her in by a group only if she had
    // `admins`; she has `staff` and `ops`.
    assert_eq!(r.status, 403);
    let r = ask(&app, "app.example.test", "/", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("remote-groups"), Some("staff,ops"));
    assert_eq!(r.header("remote-email"), Some("alice@example.com"));
}

#[tokio::test]
async fn without_forward_auth_the_endpoint_is_404() {
    let mut c = config(SessionStrategy::Jwt, None);
    c.forward_auth = None;
    let app = app_with(c);
    let r = ask(&app, "app.example.test", "/", &[BROWSER]).await;
    assert_eq!(r.status, 404);
    assert!(r.cookies.is_empty());
}

#[tokio::test]
async fn callback_url_may_target_allowed_hosts_and_nothing_else() {
    let app = app();
    let (_, r) = sign_in(&app, Some("http://app.example.test/back?x=1")).await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some("http://app.example.test/back?x=1")
    );
    for other in [
        "http://evil.test/",
        "http://example.test/",
        "http://app.example.test.evil.test/",
        "http://user@app.example.test/",
        "ftp://app.example.test/",
    ] {
        let (_, r) = sign_in(&app, Some(other)).await;
        assert_eq!(
            r.header("location"),
            Some("http://auth.example.test"),
            "{other}"
        );
    }
    // https base: only https targets.
    let mut c = config(SessionStrategy::Jwt, Some("example.test"));
    c.base = BaseUrl::parse(Some("https://auth.example.test/api/auth")).unwrap();
    let secure = app_with(c);
    let q = format!(
        "callbackUrl={}",
        encode_uri_component("http://app.example.test/")
    );
    let r = send(&secure, "GET", "/signin", Some(&q), "127.0.0.1", &[], "").await;
    let cb = r
        .cookies
        .iter()
        .find(|c| c.name.ends_with("callback-url"))
        .unwrap();
    assert_eq!(cb.value, "https://auth.example.test");
    let q = format!(
        "callbackUrl={}",
        encode_uri_component("https://app.example.test/")
    );
    let r = send(&secure, "GET", "/signin", Some(&q), "127.0.0.1", &[], "").await;
    let cb = r
        .cookies
        .iter()
        .find(|c| c.name.ends_with("callback-url"))
        .unwrap();
    assert_eq!(cb.value, "https://app.example.test/");
}

#[tokio::test]
async fn cookie_domain_covers_session_and_callback_url_never_csrf() {
    let app = app();
    let (cookie, r) = sign_in(&app, None).await;
    let headers: Vec<String> = r.set_cookie_headers().collect();
    let find = |prefix: &str| {
        headers
            .iter()
            .find(|h| h.starts_with(prefix))
            .unwrap()
            .clone()
    };
    assert!(
        find("next-auth.session-token=").contains("; Domain=example.test; Path=/;"),
        "{headers:?}"
    );
    // A fresh browser: the CSRF cookie stays host-only, the callback-url one is shared.
    let r = send(&app, "GET", "/csrf", None, "127.0.0.1", &[], "").await;
    let h: Vec<String> = r.set_cookie_headers().collect();
    assert!(
        h[0].starts_with("next-auth.csrf-token=") && !h[0].contains("Domain"),
        "{h:?}"
    );
    assert_eq!(
        h[1],
        "next-auth.callback-url=http%3A%2F%2Fauth.example.test; Domain=example.test; Path=/; HttpOnly; SameSite=Lax"
    );
    // Sign-out deletes in the same Domain.
    let body = format!("csrfToken={TOKEN}");
    let r = send(
        &app,
        "POST",
        "/signout",
        None,
        "127.0.0.1",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )
    .await;
    let h: Vec<String> = r.set_cookie_headers().collect();
    assert!(
        h.contains(&"next-auth.session-token=; Max-Age=0; Domain=example.test; Path=/; HttpOnly; SameSite=Lax".to_string()),
        "{h:?}"
    );
    // A host-only session cookie from before the setting, sent beside the Domain one: both go.
    let twice = format!("{cookie}; next-auth.session-token=old");
    let r = send(
        &app,
        "GET",
        "/session",
        None,
        "127.0.0.1",
        &[("cookie", &twice)],
        "",
    )
    .await;
    let h: Vec<String> = r.set_cookie_headers().collect();
    assert!(
        h.contains(
            &"next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax".to_string()
        ),
        "{h:?}"
    );
    assert!(h.contains(&"next-auth.session-token=; Max-Age=0; Domain=example.test; Path=/; HttpOnly; SameSite=Lax".to_string()), "{h:?}");
}

#[test]
fn cookie_domain_and_forward_auth_are_validated() {
    let mut c = config(SessionStrategy::Jwt, Some("other.test"));
    let e = c.validate().unwrap_err().to_string();
    assert!(
        e.contains("cookie_domain") && e.contains("auth.example.test"),
        "{e}"
    );
    for bad in [
        "",
        ".example.test",
        "Example.test",
        "exa mple.test",
        "example.test:80",
    ] {
        c.cookie_domain = Some(bad.into());
        assert!(c.validate().is_err(), "{bad:?}");
    }
    c.cookie_domain = Some("auth.example.test".into());
    assert!(c.validate().is_ok());
    c.trusted_proxies = TrustedProxies::default();
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("trusted_proxies")
    );
    let mut c = config(SessionStrategy::Jwt, None);
    c.forward_auth.as_mut().unwrap().allowed_hosts.clear();
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("allowed_hosts")
    );
}
