//! Interop both ways with next-auth 4.24.15 itself (from npm, through `testkit::interop`):
//! a session cookie minted by `nextauth` decodes with next-auth's `decode()` and `getToken()`
//! (chunked too), and a token from next-auth's `encode()` is accepted by `GET session`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

mod common;

use common::*;
use serde_json::{Value, json};

fn session_cookie_value(r: &reqwest::Response) -> String {
    cookie_value(r, "next-auth.session-token").expect("session cookie")
}

#[tokio::test]
async fn our_session_cookie_decodes_with_next_auth() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let r = sign_in_alice(&c, &s, "/").await;
    let token = session_cookie_value(&r);
    let decoded = testkit::interop::decode(SECRET, &token, None).expect("next-auth decode()");
    assert_eq!(decoded["name"], "Alice Credentials");
    assert_eq!(decoded["email"], "alice@example.com");
    assert_eq!(decoded["sub"], "credentials-alice");
    let (iat, exp) = (
        decoded["iat"].as_i64().unwrap(),
        decoded["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 30 * 24 * 3600);
    assert!(decoded["jti"].as_str().unwrap().len() == 36);
    // Another secret cannot read it.
    assert!(testkit::interop::decode("another-secret-0123456789abcdefghij", &token, None).is_err());
    // getToken() as a Next.js middleware would call it.
    let got =
        testkit::interop::get_token(SECRET, &format!("next-auth.session-token={token}"), false)
            .unwrap();
    assert_eq!(got["sub"], "credentials-alice");
}

#[tokio::test]
async fn our_chunked_session_reads_with_get_token() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let token = csrf(&c, &s).await;
    let r = post_credentials(&c, &s, &token, "long", "x").await;
    let header: Vec<String> = set_cookies(&r)
        .into_iter()
        .filter(|c| c.starts_with("next-auth.session-token."))
        .map(|c| c.split(';').next().unwrap().to_string())
        .rev() // order must not matter
        .collect();
    assert!(header.len() >= 2);
    let got = testkit::interop::get_token(SECRET, &header.join("; "), false).unwrap();
    assert_eq!(got["sub"], "long");
    assert_eq!(got["name"].as_str().unwrap().len(), 6000);
}

#[tokio::test]
async fn next_auth_tokens_are_accepted_by_get_session() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let token = testkit::interop::encode(
        SECRET,
        &json!({"name": "From Next", "email": "next@example.com", "picture": "https://img/x.png", "sub": "u1"}),
        None,
    );
    let c = client();
    let r = get_session_with_token(&c, &s, &token).await;
    let reissued = session_cookie_value(&r);
    let session: Value = r.json().await.unwrap();
    assert_eq!(
        session["user"],
        json!({"name": "From Next", "email": "next@example.com", "image": "https://img/x.png"})
    );
    // ...and what we re-issue still reads in next-auth, with sub kept.
    let back = testkit::interop::decode(SECRET, &reissued, None).unwrap();
    assert_eq!(back["sub"], "u1");
    // An expired next-auth token gives {} and a deletion.
    let expired = testkit::interop::encode(SECRET, &json!({"sub": "u1"}), Some(-60));
    let r = get_session_with_token(&c, &s, &expired).await;
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token=; Max-Age=0"))
    );
    assert_eq!(r.text().await.unwrap(), "{}");
}

#[tokio::test]
async fn rotated_secrets_read_old_tokens_and_write_new_ones() {
    let hook = webhook().await;
    let old = "old-secret-0123456789abcdefghijklmnop";
    let cfg = credentials_config(&hook.url, "").replace(
        &format!("secret = \"{SECRET}\""),
        &format!("secret = [\"{SECRET}\", \"{old}\"]"),
    );
    let s = Server::spawn(&cfg);
    let token = testkit::interop::encode(
        old,
        &json!({"sub": "u-old", "email": "o@example.com"}),
        None,
    );
    let r = client()
        .get(s.url("/session"))
        .header("cookie", format!("next-auth.session-token={token}"))
        .send()
        .await
        .unwrap();
    let reissued = session_cookie_value(&r);
    assert_eq!(
        r.json::<Value>().await.unwrap()["user"]["email"],
        "o@example.com"
    );
    assert_eq!(
        testkit::interop::decode(SECRET, &reissued, None).unwrap()["sub"],
        "u-old"
    );
}
