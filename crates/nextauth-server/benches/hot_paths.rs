//! Micro-benchmarks of the per-request hot paths: `cargo bench -p nextauth-server --bench hot_paths`.
//!
//! * `csrf/verify`: the init-time check of a valid CSRF cookie on a POST (SHA-256 + compare).
//! * `csrf/issue`: no cookie, so a fresh token and cookie value (what `GET session` without a csrf
//!   cookie pays on every request, as v4 does).
//! * `jwe/decode`, `jwe/encode`: a v4-shaped session token (JWE `dir`/`A256GCM`).
//! * `session/jwt`, `session/jwt_browser`, `session/database`, `session/none`: `GET session` in
//!   process, from the raw request parts to the axum response (request parsing, init, the route,
//!   cookie serialisation), with a valid JWT cookie, with it and the csrf and callback-url cookies a
//!   browser also sends back, with a database session in a SQLite *file* (a temporary one: the
//!   default deployment, WAL mode), and with no cookie.
//! * `cookies/*`: splitting a 9000-character token into chunks and reassembling it.
//!
//! The load benchmark (`bench/load.sh`) measures the same paths over HTTP.

// A benchmark that cannot set itself up should stop loudly, like a test.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use nextauth_core::adapter::{AdapterSession, NewUser};
use nextauth_core::cookies::{read_chunked, write_chunked};
use nextauth_core::crypto::csrf;
use nextauth_core::crypto::jwe::JweKeyring;
use nextauth_core::{AuthRequest, NextAuth};
use serde_json::{Map, Value, json};

const SECRET: &str = "bench-secret-0123456789abcdef-0123456789abcdef";
const NOW_S: i64 = 1_800_000_000;

/// A `nextauth` as the server builds it from a configuration file (credentials provider, the
/// given session strategy and database URL).
fn auth(rt: &tokio::runtime::Runtime, strategy: &str, database_url: &str) -> NextAuth {
    let toml = format!(
        r#"
url = "http://127.0.0.1:3000/api/auth"
secret = "{SECRET}"
[session]
strategy = "{strategy}"
[database]
url = "{database_url}"
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "http://127.0.0.1:9/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
"#
    );
    let path = PathBuf::from("bench.toml");
    let file = nextauth_server::settings::parse_file(&toml, &path).expect("bench config parses");
    let settings = nextauth_server::settings::resolve(file, Some(path), &|_| None)
        .expect("bench config resolves");
    rt.block_on(nextauth_server::build(
        settings,
        nextauth_server::Overrides::default(),
    ))
    .expect("bench server builds")
}

/// The claims of a credentials sign-in, as v4 writes them.
fn claims() -> Map<String, Value> {
    match json!({
        "name": "Alice Credentials",
        "email": "alice@example.com",
        "sub": "credentials-alice",
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn session_request(cookie: Option<&str>) -> AuthRequest {
    let headers = [
        ("host".to_owned(), "127.0.0.1:3000".to_owned()),
        ("user-agent".to_owned(), "wrk".to_owned()),
    ]
    .into_iter()
    .chain(cookie.map(|c| ("cookie".to_owned(), c.to_owned())));
    AuthRequest::from_http("GET", "/session", None, headers, b"").expect("request parses")
}

fn bench_crypto(c: &mut Criterion) {
    let secret = SECRET.as_bytes();
    let token = "a".repeat(64);
    let cookie = csrf::csrf_cookie_value(&token, secret);
    c.bench_function("csrf/verify", |b| {
        b.iter(|| {
            csrf::check(
                black_box(Some(cookie.as_str())),
                true,
                black_box(Some(token.as_str())),
                &[secret],
            )
        })
    });
    c.bench_function("csrf/issue", |b| {
        b.iter(|| csrf::check(black_box(None), false, None, &[secret]))
    });

    let keys = JweKeyring::derive(&[secret], "");
    let claims = claims();
    let jwe = keys.encode_jwt(&claims, 2_592_000, NOW_S);
    c.bench_function("jwe/decode", |b| {
        b.iter(|| keys.decode_jwt(black_box(&jwe), NOW_S))
    });
    c.bench_function("jwe/encode", |b| {
        b.iter(|| keys.encode_jwt(black_box(&claims), 2_592_000, NOW_S))
    });
}

fn bench_session_route(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // JWT: a token as the server itself issued it.
    let jwt_auth = auth(&rt, "jwt", "sqlite::memory:");
    let keys = JweKeyring::derive(&[SECRET.as_bytes()], "");
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(NOW_S);
    let jwt_cookie = format!(
        "next-auth.session-token={}",
        keys.encode_jwt(&claims(), 2_592_000, now_s)
    );
    let check = rt.block_on(jwt_auth.handle(session_request(Some(&jwt_cookie))));
    assert!(
        check.body_text().contains("alice@example.com"),
        "JWT session accepted"
    );
    c.bench_function("session/jwt", |b| {
        b.iter(|| {
            let req = session_request(Some(black_box(&jwt_cookie)));
            nextauth_axum::into_response(rt.block_on(jwt_auth.handle(req)))
        })
    });
    // A browser sends back every cookie it was given: the csrf cookie is then verified instead
    // of issued, and the callback-url cookie is read and needs no re-issue.
    let csrf_cookie = csrf::check(None, false, None, &[SECRET.as_bytes()])
        .new_cookie
        .expect("a new CSRF cookie");
    let browser_cookie = format!(
        "next-auth.csrf-token={}; next-auth.callback-url=http%3A%2F%2F127.0.0.1%3A3000; {jwt_cookie}",
        nextauth_core::cookies::encode_uri_component(&csrf_cookie)
    );
    let check = rt.block_on(jwt_auth.handle(session_request(Some(&browser_cookie))));
    assert_eq!(
        check.cookies.len(),
        1,
        "only the session cookie is re-issued"
    );
    c.bench_function("session/jwt_browser", |b| {
        b.iter(|| {
            let req = session_request(Some(black_box(&browser_cookie)));
            nextauth_axum::into_response(rt.block_on(jwt_auth.handle(req)))
        })
    });
    // Revocations on (issue 13): 10 000 signed-out sessions and 1 000 revoked users in memory,
    // none of them this token's; the token carries a `sid` as with `revoke_on_signout`. Compare
    // with `session/jwt` (nothing revoked: one atomic load).
    let mut with_sid = claims();
    with_sid.insert("sid".into(), json!("bench-session-id"));
    let sid_cookie = format!(
        "next-auth.session-token={}",
        keys.encode_jwt(&with_sid, 2_592_000, now_s)
    );
    let until = (now_s + 86_400) * 1000;
    let rows: Vec<nextauth_core::domain::Revocation> = (0..11_000)
        .map(|i| nextauth_core::domain::Revocation {
            kind: if i < 10_000 {
                nextauth_core::domain::RevocationKind::Session
            } else {
                nextauth_core::domain::RevocationKind::User
            },
            subject: format!("revoked-{i}"),
            at: now_s * 1000,
            until,
        })
        .collect();
    let revoked_auth = auth(&rt, "jwt", "sqlite::memory:");
    revoked_auth.revocations().apply(&rows);
    let check = rt.block_on(revoked_auth.handle(session_request(Some(&sid_cookie))));
    assert!(
        check.body_text().contains("alice@example.com"),
        "JWT session accepted with revocations on"
    );
    c.bench_function("session/jwt_revocations", |b| {
        b.iter(|| {
            let req = session_request(Some(black_box(&sid_cookie)));
            nextauth_axum::into_response(rt.block_on(revoked_auth.handle(req)))
        })
    });
    c.bench_function("session/none", |b| {
        b.iter(|| {
            let req = session_request(None);
            nextauth_axum::into_response(rt.block_on(jwt_auth.handle(req)))
        })
    });

    // Database: a user and a session row in a SQLite file, as a sign-in leaves them. The
    // directory lives until the end of this function, after the benchmark.
    let dir = tempfile::tempdir().expect("temporary directory");
    let db_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db_auth = auth(&rt, "database", &db_url);
    let token = rt.block_on(async {
        let adapter = db_auth.adapter().expect("database strategy has an adapter");
        let user = adapter
            .create_user(NewUser {
                name: Some("Alice".into()),
                email: Some("alice@example.com".into()),
                email_verified: None,
                image: None,
            })
            .await
            .expect("user created");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(NOW_S * 1000);
        adapter
            .create_session(&AdapterSession {
                session_token: "5a4f1a4e-4c38-4a3a-9a3b-0f5d9b1e2c3d".into(),
                user_id: user.id,
                expires: now_ms + 2_592_000_000,
            })
            .await
            .expect("session created")
            .session_token
    });
    let db_cookie = format!("next-auth.session-token={token}");
    let check = rt.block_on(db_auth.handle(session_request(Some(&db_cookie))));
    assert!(
        check.body_text().contains("alice@example.com"),
        "database session accepted"
    );
    c.bench_function("session/database", |b| {
        b.iter(|| {
            let req = session_request(Some(black_box(&db_cookie)));
            nextauth_axum::into_response(rt.block_on(db_auth.handle(req)))
        })
    });
}

fn bench_cookies(c: &mut Criterion) {
    let name = "next-auth.session-token";
    let value = "x".repeat(9000);
    c.bench_function("cookies/write_chunked_9000", |b| {
        b.iter(|| write_chunked(name, black_box(&value), 1_798_435_754_439, false, &[]))
    });
    let chunks: Vec<(String, String)> = write_chunked(name, &value, 0, false, &[])
        .into_iter()
        .map(|c| (c.name, c.value))
        .collect();
    c.bench_function("cookies/read_chunked_9000", |b| {
        b.iter(|| read_chunked(name, black_box(&chunks)))
    });
    let headers: Vec<String> = write_chunked(name, &value, 1_798_435_754_439, false, &[])
        .iter()
        .map(|c| c.to_header())
        .collect();
    c.bench_function("cookies/serialise_chunks_9000", |b| {
        b.iter(|| {
            write_chunked(name, black_box(&value), 1_798_435_754_439, false, &[])
                .iter()
                .map(|c| c.to_header().len())
                .sum::<usize>()
        })
    });
    black_box(headers);
}

criterion_group!(benches, bench_crypto, bench_session_route, bench_cookies);
criterion_main!(benches);
