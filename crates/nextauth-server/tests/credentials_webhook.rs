//! The credentials webhook that does not answer: `nextauth` gives up after
//! `nextauth_core::providers::credentials::WEBHOOK_TIMEOUT` (10 s, not configurable) and answers
//! as for any failed check, v4's `error=Callback`: a 302 to the error page from the form, a 502
//! with `{url}` for `json=true` (what `signIn()` of next-auth/react posts).
//!
//! One test, about 10 s: both requests are sent at the same time, so the two waits overlap. And
//! a `[callbacks]` policy refusing the address `authorize` returned: `AccessDenied`, 403 in JSON
//! mode.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_is_error_callback_after_the_timeout() {
    // The test webhook's `slow` user sleeps 30 s before answering.
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    // The shared client gives up after 20 s; the server must answer before that.
    let (form_client, json_client) = (client(), client());
    let (form_token, json_token) = (csrf(&form_client, &s).await, csrf(&json_client, &s).await);
    let post = |c: &reqwest::Client, token: &str, json: bool| {
        let mut fields = vec![
            ("username", "slow".to_string()),
            ("password", "x".to_string()),
            ("csrfToken", token.to_string()),
        ];
        if json {
            fields.push(("json", "true".to_string()));
        }
        c.post(s.url("/callback/credentials")).form(&fields).send()
    };
    let started = Instant::now();
    let (form, json_mode) = tokio::join!(
        post(&form_client, &form_token, false),
        post(&json_client, &json_token, true)
    );
    let elapsed = started.elapsed();
    let (form, json_mode) = (form.unwrap(), json_mode.unwrap());

    // Not sooner than the timeout (the webhook was waited for), and well before its 30 s answer.
    assert!(
        elapsed >= Duration::from_secs(10) && elapsed < Duration::from_secs(20),
        "answered after {elapsed:?}"
    );
    assert_eq!(hook.calls.load(std::sync::atomic::Ordering::SeqCst), 2);

    // The form: v4's redirect to the error page, no session.
    assert_eq!(form.status(), 302);
    assert_eq!(
        location(&form),
        s.url("/error?error=Callback&reason=webhook_unreachable")
    );
    assert!(
        !set_cookies(&form)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token")),
        "{:?}",
        set_cookies(&form)
    );

    // JSON mode: 502 and exactly `{url}`.
    assert_eq!(json_mode.status(), 502);
    assert!(
        !set_cookies(&json_mode)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token")),
        "{:?}",
        set_cookies(&json_mode)
    );
    assert_eq!(
        json_mode.json::<Value>().await.unwrap(),
        json!({"url": s.url("/error?error=Callback&reason=webhook_unreachable")})
    );

    // Still signed out, and the reason is in the log.
    let session = session(&form_client, &s).await;
    assert_eq!(session, json!({}));
    let logs = s.logs();
    assert!(logs.contains("timed out"), "{logs}");
}

/// A `[callbacks]` policy refuses the address `authorize` returned: v4's `AccessDenied`, a 302 to
/// the error page from the form and a 403 with `{url}` in JSON mode (as v4 for credentials), no
/// session either way; an allowed address signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_refusal_is_access_denied_and_403_in_json_mode() {
    let hook = webhook().await;
    let refused = Server::spawn(&credentials_config(
        &hook.url,
        "[callbacks]\nallowed_email_domains = [\"corp.test\"]\n",
    ));
    for json_mode in [false, true] {
        let c = client();
        let token = csrf(&c, &refused).await;
        let mut fields = vec![
            ("username", "alice".to_string()),
            ("password", "password".to_string()),
            ("csrfToken", token),
        ];
        if json_mode {
            fields.push(("json", "true".to_string()));
        }
        let r = c
            .post(refused.url("/callback/credentials"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(
            !set_cookies(&r)
                .iter()
                .any(|c| c.starts_with("next-auth.session-token")),
            "{:?}",
            set_cookies(&r)
        );
        let denied = refused.url("/error?error=AccessDenied&reason=signin_refused");
        if json_mode {
            assert_eq!(r.status(), 403);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body, json!({ "url": denied }));
        } else {
            assert_eq!(r.status(), 302);
            assert_eq!(location(&r), denied);
        }
    }
    let allowed = Server::spawn(&credentials_config(
        &hook.url,
        "[callbacks]\nallowed_emails = [\"alice@example.com\"]\n",
    ));
    let c = client();
    let token = csrf(&c, &allowed).await;
    let r = post_credentials(&c, &allowed, &token, "alice", "password").await;
    assert_eq!(r.status(), 302);
    assert_eq!(
        session(&c, &allowed).await["user"]["email"],
        "alice@example.com"
    );
}
