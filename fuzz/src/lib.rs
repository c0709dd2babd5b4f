//! The fuzz targets: one function per parser a client feeds, each taking the fuzzer's bytes.
//!
//! A target panics on a finding: the parser panicked, or an invariant stated in the target
//! (no open redirect, round trips, no 5xx) did not hold. Inputs with several parts split them
//! on NUL bytes ([`fields`]), so a fuzzer's byte edits move between parts cheaply.
//!
//! See docs/fuzzing.md for what each target covers and how to run them.

use std::sync::{Arc, OnceLock};

use nextauth_core::callback_url::{default_redirect, is_acceptable};
use nextauth_core::cookies::{clear_chunked, present_chunks, read_chunked, write_chunked};
use nextauth_core::crypto::csrf;
use nextauth_core::crypto::jwe::JweKeyring;
use nextauth_core::providers::credentials::{
    Authorize, AuthorizeError, CredentialField, CredentialsProvider,
};
use nextauth_core::providers::email::EmailProvider;
use nextauth_core::providers::oauth::OAuthProvider;
use nextauth_core::providers::{Provider, ProviderKind};
use nextauth_core::request::{Params, parse_cookie_header, parse_urlencoded};
use nextauth_core::{
    AuthConfig, AuthRequest, BaseUrl, Method, NextAuth, Secret, SessionStrategy,
};
use nextauth_core::testing::MemoryAdapter;
use serde_json::{Map, Value};

/// The secret of every app the targets build.
pub const SECRET: &str = "fuzzing-secret-fuzzing-secret-fuzzing-secret";
/// The app's origin (the default `NEXTAUTH_URL`).
pub const ORIGIN: &str = "http://localhost:3000";
const SESSION_COOKIE: &str = "next-auth.session-token";
const NOW_S: i64 = 1_800_000_000;

/// Runs `target` under AFL++ (feature `afl`), or once per file named on the command line, or
/// once on stdin.
pub fn run(target: fn(&[u8])) {
    #[cfg(feature = "afl")]
    {
        afl::fuzz!(|data: &[u8]| target(data));
    }
    #[cfg(not(feature = "afl"))]
    {
        use std::io::Read;
        let files: Vec<String> = std::env::args().skip(1).collect();
        if files.is_empty() {
            let mut data = Vec::new();
            if std::io::stdin().read_to_end(&mut data).is_ok() {
                target(&data);
            }
        }
        for f in files {
            match std::fs::read(&f) {
                Ok(data) => target(&data),
                Err(e) => eprintln!("{f}: {e}"),
            }
        }
    }
}

/// The input's NUL-separated parts, as (lossy) UTF-8; missing parts are empty.
pub fn fields(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

// ------------------------------------------------------------------------ the parsers ----

/// `Cookie` header parse (request.rs `parse_cookie_header`), then every lookup the handler does
/// on the result.
pub fn cookie_header(data: &[u8]) {
    let header = String::from_utf8_lossy(data);
    let cookies = parse_cookie_header(&header);
    for (name, _) in &cookies {
        assert!(!name.is_empty(), "an empty cookie name survived the parse");
    }
    let _ = read_chunked(SESSION_COOKIE, &cookies);
    let _ = present_chunks(SESSION_COOKIE, &cookies);
    // The same header through `from_http`, with a second Cookie header line.
    let req = AuthRequest::from_http(
        "GET",
        "/session",
        None,
        [
            ("Cookie".to_string(), header.to_string()),
            ("cookie".to_string(), "a=b".to_string()),
        ],
        b"",
    );
    if let Ok(req) = req {
        let _ = req.cookie(SESSION_COOKIE);
    }
}

/// Chunked session cookie reassembly and rewriting (cookies.rs): parts are
/// `cookie header \0 new value`.
pub fn chunked_cookie(data: &[u8]) {
    let f = fields(data, 2);
    let cookies = parse_cookie_header(&f[0]);
    let joined = read_chunked(SESSION_COOKIE, &cookies);
    if let Some(v) = &joined {
        assert!(!v.is_empty(), "read_chunked returned an empty value");
    }
    let secure = data.first().is_some_and(|b| b & 1 == 1);
    let name = if secure {
        "__Secure-next-auth.session-token"
    } else {
        SESSION_COOKIE
    };
    let written = write_chunked(name, &f[1], NOW_S * 1000, secure, &cookies);
    for c in &written {
        let _ = c.to_header();
    }
    // What was written reads back as the value (the browser's view: every non-deletion).
    let jar: Vec<(String, String)> = written
        .iter()
        .filter(|c| !c.is_deletion())
        .map(|c| (c.name.clone(), c.value.clone()))
        .collect();
    let back = read_chunked(name, &jar).unwrap_or_default();
    assert_eq!(back, f[1], "chunked write does not read back");
    for c in clear_chunked(name, secure, &cookies) {
        let _ = c.to_header();
    }
}

fn keyring(salt: &str) -> JweKeyring {
    JweKeyring::derive(&[SECRET.as_bytes(), b"an-older-secret"], salt)
}

/// The session JWE (crypto/jwe.rs): decrypt and `decode_jwt` of arbitrary text; and the round
/// trip of arbitrary plaintext.
pub fn jwe(data: &[u8]) {
    static KEYS: OnceLock<JweKeyring> = OnceLock::new();
    let keys = KEYS.get_or_init(|| keyring(""));
    let token = String::from_utf8_lossy(data);
    let _ = keys.decrypt(&token);
    let _ = keys.decode_jwt(&token, NOW_S);
    // Sealed with our key, the bytes must come back, and `decode_jwt` must not panic on them
    // whatever JSON (or non-JSON) they are.
    let sealed = keys.encrypt(data);
    assert_eq!(
        keys.decrypt(&sealed).ok().as_deref(),
        Some(data),
        "JWE round trip"
    );
    let _ = keys.decode_jwt(&sealed, NOW_S);
    if let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(data) {
        let t = keys.encode_jwt(&claims, 60, NOW_S);
        let _ = keys.decode_jwt(&t, NOW_S);
    }
}

fn app(strategy: SessionStrategy) -> NextAuth {
    let mut cfg = AuthConfig::new(
        BaseUrl::parse(None).unwrap_or_else(|e| panic!("base URL: {e}")),
        Secret::new(SECRET),
    );
    cfg.session.strategy = strategy;
    cfg.providers.push(Provider {
        id: "credentials".into(),
        name: "Credentials".into(),
        kind: ProviderKind::Credentials(CredentialsProvider {
            fields: vec![
                CredentialField {
                    name: "username".into(),
                    label: None,
                    input_type: None,
                    placeholder: None,
                },
                CredentialField {
                    name: "password".into(),
                    label: None,
                    input_type: Some("password".into()),
                    placeholder: None,
                },
            ],
            authorize: Arc::new(InProcessAuthorize),
        }),
    });
    cfg.providers.push(Provider {
        id: "email".into(),
        name: "Email".into(),
        kind: ProviderKind::Email(EmailProvider::default()),
    });
    // An OIDC provider whose issuer is a closed loopback port: a sign-in POST (the handler
    // target's valid-CSRF flag) meets an unreachable IdP (refused at once, v4's redirect to the
    // OAuthSignin error page, not a 5xx), and a callback stops at the check cookies.
    if strategy == SessionStrategy::Jwt {
        cfg.providers.push(Provider {
            id: "idp".into(),
            name: "IdP".into(),
            kind: ProviderKind::OAuth(Box::new(OAuthProvider::oidc(
                "http://127.0.0.1:9/",
                "client",
                Secret::new("client-secret"),
            ))),
        });
    }
    NextAuth::builder(cfg)
        .adapter(Arc::new(MemoryAdapter::default()))
        .build()
        .unwrap_or_else(|e| panic!("config: {e}"))
}

/// The OAuth `state` / PKCE / `nonce` cookies (oauth/checks.rs): parts are
/// `mode \0 state \0 pkce \0 nonce \0 provider id`. With mode bit 0 set, each cookie value is
/// taken as a payload and sealed with the real key first, so the fuzzer reaches the claims
/// checks behind the decryption.
pub fn check_cookies(data: &[u8]) {
    static APP: OnceLock<NextAuth> = OnceLock::new();
    let auth = APP.get_or_init(|| app(SessionStrategy::Jwt));
    let f = fields(data, 5);
    let seal = f[0].bytes().next().is_some_and(|b| b & 1 == 1);
    let names = [
        "next-auth.state",
        "next-auth.pkce.code_verifier",
        "next-auth.nonce",
    ];
    let Ok(mut req) = AuthRequest::new(Method::Get, "/callback/idp") else {
        panic!("a fixed path was refused");
    };
    for (name, value) in names.iter().zip(&f[1..4]) {
        let value = if seal {
            keyring(name).encrypt(value.as_bytes())
        } else {
            value.clone()
        };
        req.cookies.push((name.to_string(), value));
    }
    let provider = if f[4].is_empty() { "idp" } else { &f[4] };
    let _ = nextauth_core::fuzzing::use_checks(auth, &req, provider);
}

/// The CSRF cookie check (crypto/csrf.rs): parts are `cookie value \0 body csrfToken`.
pub fn csrf(data: &[u8]) {
    let f = fields(data, 2);
    let secrets: [&[u8]; 2] = [SECRET.as_bytes(), b"an-older-secret"];
    let is_post = data.first().is_some_and(|b| b & 1 == 1);
    let got = csrf::check(Some(&f[0]), is_post, Some(&f[1]), &secrets);
    if got.verified {
        assert!(is_post, "a GET was verified");
        assert_eq!(got.token, f[1], "verified with a body token that differs");
        assert!(
            got.new_cookie.is_none(),
            "verified but the cookie was replaced"
        );
    }
    if got.new_cookie.is_some() {
        assert!(!got.verified);
    }
    // A cookie we minted is accepted with its own token (a token holding `|` cannot be one of
    // ours: v4 splits on it).
    if !f[1].contains('|') {
        let cookie = csrf::csrf_cookie_value(&f[1], SECRET.as_bytes());
        let ok = csrf::check(Some(&cookie), true, Some(&f[1]), &secrets);
        assert!(
            ok.verified || f[1].is_empty(),
            "our own cookie was not accepted"
        );
    }
}

/// Whether `url` is on `ORIGIN` (the no-open-redirect invariant).
fn same_origin(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.origin().ascii_serialization() == ORIGIN)
}

/// callbackUrl resolution: the default `redirect` callback and the `assertConfig` check
/// (callback_url.rs), then init's choice between body, query and cookie (init.rs). Parts are
/// `body callbackUrl \0 query callbackUrl \0 callback-url cookie`. Whatever comes in, the
/// result is on the app's origin.
pub fn callback_url(data: &[u8]) {
    static APP: OnceLock<NextAuth> = OnceLock::new();
    let auth = APP.get_or_init(|| app(SessionStrategy::Jwt));
    let f = fields(data, 3);
    for v in &f {
        let _ = is_acceptable(v, "http://localhost:3000/api/auth");
        if let Ok(r) = default_redirect(v, ORIGIN) {
            assert!(
                same_origin(&r),
                "default_redirect({v:?}) = {r:?}: off-origin"
            );
        }
    }
    let mut req = match AuthRequest::new(Method::Post, "/signin") {
        Ok(r) => r,
        Err(e) => panic!("a fixed path was refused: {e}"),
    };
    if !f[0].is_empty() {
        req.body
            .insert("callbackUrl".into(), Value::String(f[0].clone()));
    }
    if !f[1].is_empty() {
        req.query
            .insert("callbackUrl".into(), Value::String(f[1].clone()));
    }
    if !f[2].is_empty() {
        req.cookies
            .push(("next-auth.callback-url".into(), f[2].clone()));
    }
    let out = nextauth_core::fuzzing::init(auth, &req);
    assert!(
        same_origin(&out.callback_url),
        "callbackUrl resolved off-origin: {:?} from {f:?}",
        out.callback_url
    );
}

const CONTENT_TYPES: [&str; 6] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/X-WWW-FORM-URLENCODED ; charset=UTF-8",
    "text/plain",
    "",
];

/// Form, JSON and query parsing (request.rs): parts are `content-type selector \0 query \0 body`
/// (a selector longer than one byte is the Content-Type itself).
pub fn body(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(2, |b| *b == 0);
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let ct = CONTENT_TYPES[usize::from(sel) % CONTENT_TYPES.len()];
    let q: Params = parse_urlencoded(&query);
    for (_, v) in &q {
        assert!(
            v.is_string() || v.is_array(),
            "a query value that is neither"
        );
    }
    let req = AuthRequest::from_http(
        "POST",
        "/signin/email",
        Some(&query),
        [("Content-Type".to_string(), ct.to_string())],
        body,
    );
    if let Ok(req) = req {
        let _ = req.json_mode();
        let _ = req.body_str("csrfToken");
        let _ = req.query_str("callbackUrl");
    }
}

/// The action path (request.rs `AuthRequest::new` / `from_http`): the whole input is the path.
pub fn action_path(data: &[u8]) {
    let path = String::from_utf8_lossy(data);
    let a = AuthRequest::new(Method::Get, &path);
    let b = AuthRequest::from_http("GET", &path, None, Vec::new(), b"");
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.action, b.action);
            assert_eq!(a.provider_id, b.provider_id);
        }
        (Err(_), Err(_)) => {}
        _ => panic!("new and from_http disagree on {path:?}"),
    }
}

// ----------------------------------------------------------------------- the handler ----

/// `authorize` in process: alice / wonderland signs in, anything else fails.
struct InProcessAuthorize;

#[async_trait::async_trait]
impl Authorize for InProcessAuthorize {
    async fn authorize(
        &self,
        credentials: &Params,
        _request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError> {
        let user = credentials.get("username").and_then(Value::as_str);
        let pass = credentials.get("password").and_then(Value::as_str);
        if user == Some("alice") && pass == Some("wonderland") {
            let mut m = Map::new();
            m.insert("id".into(), Value::from("1"));
            m.insert("name".into(), Value::from("Alice"));
            m.insert("email".into(), Value::from("alice@example.com"));
            Ok(Some(m))
        } else {
            Ok(None)
        }
    }
}

const METHODS: [&str; 4] = ["GET", "POST", "HEAD", "PUT"];

/// The whole handler in process (`NextAuth::handle`, MemoryAdapter, credentials and e-mail
/// providers, e-mail in log mode). Parts are
/// `flags \0 method \0 path \0 query \0 cookie header \0 content-type \0 header name \0 header
/// value \0 body`.
///
/// Flags: bit 0 database sessions (else JWT); bit 1 add a valid CSRF cookie and append its
/// token to a form body (so state-changing POSTs get past CSRF); bit 2 add a JWT session cookie
/// sealed from the body when it is a JSON object. A one-byte method is an index into
/// [`METHODS`]; longer, it is the method itself.
///
/// Finding: a panic, or a status >= 500 (nothing on a MemoryAdapter can fail on the server's
/// side), except the known case below.
pub fn handler(data: &[u8]) {
    static JWT: OnceLock<NextAuth> = OnceLock::new();
    static DB: OnceLock<NextAuth> = OnceLock::new();
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let f = fields(data, 9);
    let flags = f[0].bytes().next().unwrap_or(0);
    let auth = if flags & 1 == 1 {
        DB.get_or_init(|| app(SessionStrategy::Database))
    } else {
        JWT.get_or_init(|| app(SessionStrategy::Jwt))
    };
    let rt = RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    });
    let method = match f[1].as_bytes() {
        [b] => METHODS[usize::from(*b) % METHODS.len()],
        _ => f[1].as_str(),
    };
    let mut cookie = f[4].clone();
    let mut body = f[8].clone().into_bytes();
    let content_type = match f[5].as_bytes() {
        [b] => CONTENT_TYPES[usize::from(*b) % CONTENT_TYPES.len()].to_string(),
        _ => f[5].clone(),
    };
    if flags & 2 == 2 {
        let token = "0123456789abcdef0123456789abcdef";
        let value = csrf::csrf_cookie_value(token, SECRET.as_bytes());
        let encoded = nextauth_core::cookies::encode_uri_component(&value);
        cookie = format!("next-auth.csrf-token={encoded}; {cookie}");
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let sep = if body.is_empty() { "" } else { "&" };
            body.extend_from_slice(format!("{sep}csrfToken={token}").as_bytes());
        }
    }
    if flags & 4 == 4
        && let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(f[8].as_bytes())
    {
        let jwt = keyring("").encode_jwt(&claims, 3600, now_s());
        cookie = format!("{SESSION_COOKIE}={jwt}; {cookie}");
    }
    let mut headers = vec![
        ("cookie".to_string(), cookie),
        ("content-type".to_string(), content_type),
    ];
    if !f[6].is_empty() {
        headers.push((f[6].clone(), f[7].clone()));
    }
    let query = (!f[3].is_empty()).then_some(f[3].as_str());
    let Ok(req) = AuthRequest::from_http(method, &f[2], query, headers, &body) else {
        return; // a 400 from the HTTP layer
    };
    let desc = format!("{} {:?} query={:?}", method, f[2], f[3]);
    let res = rt.block_on(auth.handle(req));
    if res.status >= 500 {
        panic!(
            "{desc}: status {} body {:?}",
            res.status,
            String::from_utf8_lossy(&res.body)
        );
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
