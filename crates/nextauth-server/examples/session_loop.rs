//! `GET session` in process, N times in a loop: the driver of `bench/callgrind.sh`, which counts
//! the instructions per request under `valgrind --tool=callgrind` (deterministic, unlike
//! wall-clock time on a shared machine).
//!
//! ```text
//! cargo run --release --example session_loop -- 20000 jwt
//! ```
//!
//! Cases: `jwt` (a valid JWT session cookie alone, like criterion's `session/jwt`), `database`
//! (a session row in a SQLite file, like `session/database`). Each iteration is what the
//! criterion case measures: the request built from raw parts, `NextAuth::handle`, and the axum
//! response. The set-up (configuration, runtime, key derivation, one checked request) runs the
//! same for any N, so `instructions(2N) - instructions(N)` divided by N is the cost of one request.

// A driver that cannot set itself up should stop loudly, like a test.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use nextauth_core::adapter::{AdapterSession, NewUser};
use nextauth_core::crypto::jwe::JweKeyring;
use nextauth_core::{AuthRequest, NextAuth};
use serde_json::{Map, Value, json};

const SECRET: &str = "bench-secret-0123456789abcdef-0123456789abcdef";

/// The same configuration as `benches/hot_paths.rs`.
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
    let file = nextauth_server::settings::parse_file(&toml, &path).expect("config parses");
    let settings =
        nextauth_server::settings::resolve(file, Some(path), &|_| None).expect("config resolves");
    rt.block_on(nextauth_server::build(
        settings,
        nextauth_server::Overrides::default(),
    ))
    .expect("server builds")
}

fn session_request(cookie: &str) -> AuthRequest {
    let headers = [
        ("host".to_owned(), "127.0.0.1:3000".to_owned()),
        ("user-agent".to_owned(), "wrk".to_owned()),
        ("cookie".to_owned(), cookie.to_owned()),
    ];
    AuthRequest::from_http("GET", "/session", None, headers, b"").expect("request parses")
}

fn now_unix_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .expect("clock after 1970")
}

/// `next-auth.session-token=<JWE>` of Alice's session (30 days), as a credentials sign-in makes.
fn jwt_cookie(now_s: i64) -> String {
    let keys = JweKeyring::derive(&[SECRET.as_bytes()], "");
    let claims: Map<String, Value> = match json!({
        "name": "Alice Credentials",
        "email": "alice@example.com",
        "sub": "credentials-alice",
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    format!(
        "next-auth.session-token={}",
        keys.encode_jwt(&claims, 2_592_000, now_s)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .map(|s| s.parse().expect("the number of requests"))
        .unwrap_or(20_000);
    let case = args.next().unwrap_or_else(|| "jwt".to_owned());
    if case == "cookie" {
        // `session_loop 0 cookie`: a valid session cookie for SECRET, for the HTTP cases of
        // bench/callgrind.sh (the server under valgrind, this cookie on every request).
        println!("{}", jwt_cookie(now_unix_s()));
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now_s = now_unix_s();

    // The directory of the database case lives until the end of main.
    let dir = tempfile::tempdir().expect("temporary directory");
    let (auth, cookie) = match case.as_str() {
        "jwt" => {
            let auth = auth(&rt, "jwt", "sqlite::memory:");
            (auth, jwt_cookie(now_s))
        }
        "database" => {
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            let auth = auth(&rt, "database", &url);
            let token = rt.block_on(async {
                let adapter = auth.adapter().expect("database strategy has an adapter");
                let user = adapter
                    .create_user(NewUser {
                        name: Some("Alice".into()),
                        email: Some("alice@example.com".into()),
                        email_verified: None,
                        image: None,
                    })
                    .await
                    .expect("user created");
                adapter
                    .create_session(&AdapterSession {
                        session_token: "5a4f1a4e-4c38-4a3a-9a3b-0f5d9b1e2c3d".into(),
                        user_id: user.id,
                        expires: (now_s + 2_592_000) * 1000,
                    })
                    .await
                    .expect("session created")
                    .session_token
            });
            (auth, format!("next-auth.session-token={token}"))
        }
        other => panic!("unknown case {other:?} (jwt, database)"),
    };
    let check = rt.block_on(auth.handle(session_request(&cookie)));
    assert!(
        check.body_text().contains("alice@example.com"),
        "the session is accepted"
    );

    for _ in 0..n {
        let req = session_request(black_box(&cookie));
        black_box(nextauth_axum::into_response(rt.block_on(auth.handle(req))));
    }
}
