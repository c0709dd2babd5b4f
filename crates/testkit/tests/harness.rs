//! Proves the harness itself: every Node peer starts, answers, and next-auth's functions run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::{Value, json};
use testkit::{Idp, IdpOptions, SmtpSink, Webhook, interop};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const SECRET: &str = "testkit-secret";

#[test]
fn interop_encode_decode_round_trip() {
    let token =
        json!({"name": "Alice", "email": "alice@example.com", "sub": "alice", "picture": null});
    let jwe = interop::encode(SECRET, &token, Some(60));
    assert_eq!(jwe.split('.').count(), 5, "compact JWE: {jwe}");
    assert!(
        jwe.starts_with("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."),
        "dir/A256GCM header: {jwe}"
    );

    let payload = interop::decode(SECRET, &jwe, None).unwrap();
    assert_eq!(payload["email"], "alice@example.com");
    assert_eq!(payload["sub"], "alice");
    assert_eq!(payload["picture"], Value::Null);
    let (iat, exp) = (
        payload["iat"].as_i64().unwrap(),
        payload["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 60);
    assert!(payload["jti"].is_string());

    let err = interop::decode("another-secret", &jwe, None).unwrap_err();
    assert!(err.contains("decryption"), "{err}");

    // A salted token (Auth.js v5 style) does not decode without the salt.
    let salted = interop::encode_with_salt(SECRET, &token, None, Some("authjs.session-token"));
    assert!(interop::decode(SECRET, &salted, None).is_err());
    assert_eq!(
        interop::decode(SECRET, &salted, Some("authjs.session-token")).unwrap()["sub"],
        "alice"
    );
}

#[test]
fn interop_get_token_reassembles_chunks() {
    let big = "x".repeat(6000);
    let jwe = interop::encode(SECRET, &json!({"sub": "alice", "big": big}), None);
    assert!(jwe.len() > 4096);

    // Chunked the way next-auth splits a large session cookie: name.0, name.1, ... given out of order.
    let chunks: Vec<&str> = jwe
        .as_bytes()
        .chunks(3933)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mut parts: Vec<String> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| format!("next-auth.session-token.{i}={c}"))
        .collect();
    parts.reverse();
    let cookie = format!("other=1; {}", parts.join("; "));
    let got = interop::get_token(SECRET, &cookie, false).unwrap();
    assert_eq!(got["sub"], "alice");
    assert_eq!(got["big"].as_str().unwrap().len(), 6000);

    // Unchunked, secure name.
    let small = interop::encode(SECRET, &json!({"sub": "bob"}), None);
    let got = interop::get_token(
        SECRET,
        &format!("__Secure-next-auth.session-token={small}"),
        true,
    )
    .unwrap();
    assert_eq!(got["sub"], "bob");
    // Wrong cookie name for the mode, and wrong secret: null.
    assert_eq!(
        interop::get_token(SECRET, &format!("next-auth.session-token={small}"), true).unwrap(),
        Value::Null
    );
    assert_eq!(
        interop::get_token("nope", &format!("next-auth.session-token={small}"), false).unwrap(),
        Value::Null
    );
}

async fn discovery(idp: &Idp) -> Value {
    let resp = reqwest::get(idp.discovery_url()).await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn idp_serves_discovery_rs256() {
    let idp = Idp::start(IdpOptions::default());
    assert!(
        idp.issuer.starts_with("http://127.0.0.1:"),
        "{}",
        idp.issuer
    );
    let conf = discovery(&idp).await;
    assert_eq!(conf["issuer"], idp.issuer.as_str());
    assert_eq!(conf["code_challenge_methods_supported"], json!(["S256"]));
    assert!(
        conf["response_modes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("form_post"))
    );

    let jwks: Value = reqwest::get(conf["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
}

#[tokio::test]
async fn idp_es256_with_custom_client_requires_pkce() {
    let idp = Idp::start(IdpOptions {
        signing: "ES256",
        clients: json!([{
            "client_id": "custom",
            "client_secret": "custom-secret",
            "redirect_uris": ["http://127.0.0.1:9/cb"],
            "token_endpoint_auth_method": "client_secret_post",
        }]),
        ..Default::default()
    });
    let conf = discovery(&idp).await;
    let jwks: Value = reqwest::get(conf["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");

    // Without code_challenge the OP redirects back with an error: PKCE is required.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .get(conf["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("client_id", "custom"),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9/cb?error=invalid_request"),
        "{location}"
    );
    assert!(location.contains("PKCE"), "{location}");
}

async fn smtp_reply(r: &mut BufReader<TcpStream>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert!(!line.is_empty(), "SMTP connection closed; got {all:?}");
        all.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

async fn smtp_cmd(r: &mut BufReader<TcpStream>, cmd: &str, expect: &str) {
    r.get_mut().write_all(cmd.as_bytes()).await.unwrap();
    let reply = smtp_reply(r).await;
    assert!(reply.starts_with(expect), "{cmd:?} -> {reply:?}");
}

#[tokio::test]
async fn smtp_sink_receives_mail() {
    let sink = SmtpSink::start();
    assert!(sink.http_url().starts_with("http://127.0.0.1:"));
    assert!(sink.mails().await.is_empty());

    let stream = TcpStream::connect(("127.0.0.1", sink.smtp_port()))
        .await
        .unwrap();
    let mut r = BufReader::new(stream);
    assert!(smtp_reply(&mut r).await.starts_with("220"));
    smtp_cmd(&mut r, "EHLO testkit\r\n", "250").await;
    smtp_cmd(&mut r, "AUTH PLAIN AHVzZXIAcGFzcw==\r\n", "235").await; // \0user\0pass
    smtp_cmd(&mut r, "MAIL FROM:<no-reply@example.com>\r\n", "250").await;
    smtp_cmd(&mut r, "RCPT TO:<bob@example.com>\r\n", "250").await;
    smtp_cmd(&mut r, "DATA\r\n", "354").await;
    let body = "From: NextAuth <no-reply@example.com>\r\nTo: bob@example.com\r\nSubject: Sign in to 127.0.0.1:3000\r\n\
                Content-Type: text/plain; charset=utf-8\r\n\r\n\
                Sign in: http://127.0.0.1:3000/api/auth/callback/email?token=abc&email=bob%40example.com\r\n.\r\n";
    smtp_cmd(&mut r, body, "250").await;
    smtp_cmd(&mut r, "QUIT\r\n", "221").await;

    let mail = sink.wait_mail("bob@example.com").await;
    assert_eq!(mail["subject"], "Sign in to 127.0.0.1:3000");
    assert_eq!(mail["envelope"]["to"], json!(["bob@example.com"]));
    assert_eq!(mail["auth"]["username"], "user");
    assert_eq!(
        mail["link"],
        "http://127.0.0.1:3000/api/auth/callback/email?token=abc&email=bob%40example.com"
    );
    assert_eq!(sink.mails().await.len(), 1);

    sink.clear().await;
    assert!(sink.mails().await.is_empty());
}

#[tokio::test]
async fn webhook_checks_credentials() {
    let hook = Webhook::start();
    assert!(hook.url().ends_with("/authorize"));
    let client = reqwest::Client::new();

    let ok = client
        .post(hook.url())
        .json(&json!({"username": "alice", "password": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap(),
        json!({"id": "credentials-alice", "name": "Alice Credentials", "email": "alice@example.com"})
    );

    let bad = client
        .post(hook.url())
        .json(&json!({"username": "alice", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(bad.json::<Value>().await.unwrap(), Value::Null);
}

#[test]
fn postgres_url_is_well_formed_when_present() {
    // Not "when present": an absent server fails like every other PostgreSQL test (the name
    // contains `postgres`, so `NEXTAUTH_SKIP_POSTGRES=1 bash scripts/test.sh` filters it out).
    let url = testkit::postgres::database_url().expect(
        "PostgreSQL is not reachable: set DATABASE_URL or run scripts/test.sh (it starts one)",
    );
    assert!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "{url}"
    );
}

#[test]
#[should_panic(expected = "IDP_SIGNING must be RS256 or ES256")]
fn a_peer_that_fails_to_start_panics_with_its_stderr() {
    let _ = Idp::start(IdpOptions {
        signing: "HS1",
        clients: Value::Null,
        ..Default::default()
    });
}
