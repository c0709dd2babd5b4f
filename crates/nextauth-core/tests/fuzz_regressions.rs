//! Inputs on which a fuzz target of `fuzz/` failed (docs/fuzzing.md), replayed as requests.
//!
//! Each test holds the failing input, decoded from the target's NUL-separated form into the
//! request the target built, and asserts the right answer.

#![allow(clippy::unwrap_used)] // test code
use std::sync::Arc;

use nextauth_core::providers::credentials::{
    Authorize, AuthorizeError, CredentialField, CredentialsProvider,
};
use nextauth_core::providers::email::EmailProvider;
use nextauth_core::providers::{Provider, ProviderKind};
use nextauth_core::request::Params;
use nextauth_core::testing::MemoryAdapter;
use nextauth_core::{AuthConfig, AuthRequest, BaseUrl, NextAuth, Secret};
use serde_json::{Map, Value};

struct NoUser;

#[async_trait::async_trait]
impl Authorize for NoUser {
    async fn authorize(
        &self,
        _credentials: &Params,
        _request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError> {
        Ok(None)
    }
}

/// The `handler` target's app: credentials and e-mail (log mode) providers, MemoryAdapter.
fn app() -> NextAuth {
    let mut cfg = AuthConfig::new(
        BaseUrl::parse(None).unwrap(),
        Secret::new("fuzzing-secret-fuzzing-secret-fuzzing-secret"),
    );
    cfg.providers.push(Provider {
        id: "credentials".into(),
        name: "Credentials".into(),
        kind: ProviderKind::Credentials(CredentialsProvider {
            fields: vec![CredentialField {
                name: "username".into(),
                label: None,
                input_type: None,
                placeholder: None,
            }],
            authorize: Arc::new(NoUser),
        }),
    });
    cfg.providers.push(Provider {
        id: "email".into(),
        name: "Email".into(),
        kind: ProviderKind::Email(EmailProvider::default()),
    });
    NextAuth::builder(cfg)
        .adapter(Arc::new(MemoryAdapter::default()))
        .build()
        .unwrap()
}

/// `handler` target, first run (2026-12-03), 17 crashes, all this one request. The shortest
/// input (64 bytes) was
/// `02 00 04 00 "/callback/credentials" 00 00 "next-auth.callback\xd2url=%2Fx\xff\xef\xd8\n" 00 …`:
/// flags 2 (a valid CSRF cookie added), method index 4 = GET, the path, an empty query and a
/// cookie header of noise. Whatever the rest, `GET callback/credentials` answers
/// 500 "Callback for provider type credentials not supported" (routes/callback.rs): the client's
/// mistake (a credentials callback is a POST) reported as a server fault. Issue 10 §3 names the
/// case: it is now 405 with `Allow: POST` (README, "stricter than v4").
#[tokio::test]
async fn get_credentials_callback_is_a_client_error() {
    let req = AuthRequest::from_http(
        "GET",
        "/callback/credentials",
        None,
        [(
            "cookie".to_string(),
            "next-auth.callback\u{fffd}url=%2Fx\u{fffd}\u{fffd}\n".to_string(),
        )],
        b"",
    )
    .unwrap();
    let res = app().handle(req).await;
    assert_eq!(
        res.status,
        405,
        "body {:?}",
        String::from_utf8_lossy(&res.body)
    );
    assert!(
        res.headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("allow") && v == "POST"),
        "{:?}",
        res.headers
    );
    assert!(res.cookies.is_empty(), "a refused request sets no cookie");
}

/// The same failing input's cookie noise on a route that must work: `GET csrf` answers 200
/// with a token whatever malformed cookies come with it (keeps this file's one live test).
#[tokio::test]
async fn cookie_noise_from_the_finding_leaves_csrf_working() {
    let req = AuthRequest::from_http(
        "GET",
        "/csrf",
        None,
        [(
            "cookie".to_string(),
            "next-auth.callback\u{fffd}url=%2Fx\u{fffd}\u{fffd}\n".to_string(),
        )],
        b"",
    )
    .unwrap();
    let res = app().handle(req).await;
    assert_eq!(res.status, 200);
    let body: Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(body["csrfToken"].as_str().map(str::len), Some(64));
}
