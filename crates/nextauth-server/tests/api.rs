//! The auth API over real HTTP: the `nextauth` binary on `--listen 127.0.0.1:0`, a cookie jar, and a real
//! credentials webhook started by the test. csrf → credentials sign-in → session → update →
//! sign-out, and the v4 details around it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn credentials_sign_in_session_update_sign_out() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();

    // GET csrf: token + cookie `token%7Chash`, callback-url cookie = origin, no-store.
    let r = c.get(s.url("/csrf")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-cache, no-store");
    let cookies = set_cookies(&r);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("next-auth.csrf-token=") && c.contains("%7C"))
    );
    assert!(cookies.iter().any(|c| c.starts_with(&format!(
        "next-auth.callback-url={}",
        s.origin.replace(':', "%3A").replace('/', "%2F")
    ))));
    let token = r.json::<Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();

    // A wrong password: 302 to the error, or 401 {url} in JSON mode.
    let bad = post_credentials(&c, &s, &token, "alice", "nope").await;
    assert_eq!(bad.status(), 302);
    assert_eq!(
        location(&bad),
        s.url("/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused")
    );
    let bad_json = c
        .post(s.url("/callback/credentials"))
        .form(&[
            ("username", "alice"),
            ("password", "nope"),
            ("csrfToken", &token),
            ("json", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 401);
    assert_eq!(
        bad_json.json::<Value>().await.unwrap()["url"],
        s.url("/error?error=CredentialsSignin&provider=credentials&reason=credentials_refused")
    );

    // The webhook got exactly the declared fields: no csrfToken, callbackUrl or json.
    let first = hook.bodies.lock().unwrap()[0].clone();
    assert_eq!(first, json!({"username": "alice", "password": "nope"}));

    // The right password: 302 to the callbackUrl with a JWE session cookie, ~30 days.
    let ok = sign_in_alice(&c, &s, "/after").await;
    assert_eq!(ok.status(), 302);
    assert_eq!(location(&ok), format!("{}/after", s.origin));
    let session_cookie = set_cookies(&ok)
        .into_iter()
        .find(|c| c.starts_with("next-auth.session-token="))
        .expect("session cookie");
    assert!(session_cookie.contains("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."));
    assert!(session_cookie.contains("; Path=/; Expires="));
    assert!(session_cookie.ends_with("; HttpOnly; SameSite=Lax"));

    // GET session: the user, expires ~30 days ahead, cookie re-issued, no-store.
    let r = c.get(s.url("/session")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["pragma"], "no-cache");
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token=ey"))
    );
    let session: Value = r.json().await.unwrap();
    assert_eq!(
        session["user"],
        json!({"name": "Alice Credentials", "email": "alice@example.com"})
    );
    let expires = nextauth_core::clock::parse_iso_ms(session["expires"].as_str().unwrap()).unwrap();
    let days = (expires - now_ms()) as f64 / 86_400_000.0;
    assert!((29.9..=30.01).contains(&days), "{days}");

    // POST session (update) without CSRF: 400 {}.
    let r = c
        .post(s.url("/session"))
        .json(&json!({"data": {"x": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), "{}");

    // POST session with CSRF (what update() sends): the session, no cache headers.
    let r = c
        .post(s.url("/session"))
        .json(&json!({"csrfToken": token, "data": {"x": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("cache-control").is_none());
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token=ey"))
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()["user"]["email"],
        "alice@example.com"
    );

    // Sign out as next-auth/react does it: json=true gives {url}; the cookie is cleared.
    let r = c
        .post(s.url("/signout"))
        .form(&[
            ("csrfToken", token.as_str()),
            ("callbackUrl", &format!("{}/bye", s.origin)),
            ("json", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c == "next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax")
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()["url"],
        format!("{}/bye", s.origin)
    );
    let r = c.get(s.url("/session")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "{}");
}

#[allow(clippy::unwrap_used)]
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn webhook_failures_are_errors_never_panics() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let token = csrf(&c, &s).await;
    for user in ["boom", "garbage", "noid"] {
        let r = c
            .post(s.url("/callback/credentials"))
            .form(&[
                ("username", user),
                ("password", "x"),
                ("csrfToken", &token),
                ("json", "true"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 502, "{user}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["url"],
            s.url("/error?error=Callback&reason=webhook_failed")
        );
    }
    // A numeric id becomes a string `sub`; a null name stays null.
    let r = post_credentials(&c, &s, &token, "numeric", "x").await;
    assert_eq!(r.status(), 302);
    let session = session(&c, &s).await;
    assert_eq!(
        session["user"],
        json!({"name": null, "email": "n@example.com"})
    );
    // The webhook gone: still a clean redirect, and the reason is in the log.
    drop(hook);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = post_credentials(&c, &s, &token, "alice", "password").await;
    assert_eq!(r.status(), 302);
    assert_eq!(
        location(&r),
        s.url("/error?error=Callback&reason=webhook_unreachable")
    );
    assert!(
        s.logs().contains("credentials check failed"),
        "{}",
        s.logs()
    );
}

#[tokio::test]
async fn long_sessions_are_chunked_and_reassembled() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let token = csrf(&c, &s).await;
    let r = post_credentials(&c, &s, &token, "long", "x").await;
    let names: Vec<String> = set_cookies(&r)
        .iter()
        .map(|c| c.split('=').next().unwrap().to_string())
        .filter(|n| n.starts_with("next-auth.session-token"))
        .collect();
    assert!(
        names.contains(&"next-auth.session-token.0".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"next-auth.session-token.1".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"next-auth.session-token".to_string()));
    let session = session(&c, &s).await;
    assert_eq!(session["user"]["name"].as_str().unwrap().len(), 6000);
    // Signing out clears every chunk.
    let r = c
        .post(s.url("/signout"))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    let cleared: Vec<String> = set_cookies(&r)
        .into_iter()
        .filter(|c| c.contains("Max-Age=0"))
        .collect();
    assert_eq!(cleared.len(), names.len(), "{cleared:?}");
}

#[tokio::test]
async fn csrf_is_required_on_every_state_changing_post() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let token = csrf(&c, &s).await;
    let wrong = "0".repeat(64);
    for (path, expected) in [
        ("/callback/credentials", "/signin?csrf=true"),
        ("/signin/credentials", "/signin?csrf=true"),
        ("/signout", "/signout?csrf=true"),
    ] {
        for form in [vec![], vec![("csrfToken", wrong.as_str())]] {
            let mut form = form.clone();
            form.push(("username", "alice"));
            form.push(("password", "password"));
            let r = c.post(s.url(path)).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 302, "{path}");
            assert_eq!(location(&r), s.url(expected), "{path}");
            assert!(
                !set_cookies(&r)
                    .iter()
                    .any(|c| c.starts_with("next-auth.session-token"))
            );
        }
    }
    assert_eq!(hook.calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    // A valid token for a known non-OAuth provider on POST signin: back to the sign-in page.
    let r = c
        .post(s.url("/signin/credentials"))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), s.url("/signin"));
    // An unknown provider is named as such, not as a CSRF failure (v4: signin?csrf=true).
    let r = c
        .post(s.url("/signin/nope"))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // GET callback/credentials: 405 with Allow (v4: 500 "Callback for provider type credentials
    // not supported"). tests/client_mistakes.rs has the full table.
    let r = c.get(s.url("/callback/credentials")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}

#[tokio::test]
async fn unsupported_methods_and_actions() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    for (method, path) in [
        ("GET", "/nonexistent"),
        ("DELETE", "/session"),
        ("POST", "/providers"),
        ("HEAD", "/session"),
        ("PUT", "/csrf"),
        ("OPTIONS", "/session"),
        ("GET", "/_log"),
    ] {
        let r = c
            .request(method.parse().unwrap(), s.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{method} {path}");
        assert!(r.headers().get("set-cookie").is_none(), "{method} {path}");
        if method != "HEAD" {
            assert_eq!(
                r.text().await.unwrap(),
                format!("Error: This action with HTTP {method} is not supported by NextAuth.js")
            );
        }
    }
    // An unknown callback provider is a 404 that names it (v4: the 400 above), also without
    // cookies.
    for method in ["GET", "POST"] {
        let r = c
            .request(method.parse().unwrap(), s.url("/callback/unknown"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{method}");
        assert!(r.headers().get("set-cookie").is_none(), "{method}");
    }
    // _log: 200, empty, no cookies.
    let r = c
        .post(s.url("/_log"))
        .form(&[
            ("level", "error"),
            ("code", "CLIENT_FETCH_ERROR"),
            ("message", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_log_answer(r).await;
    // providers: no cookies, no cache headers, absolute URLs.
    let r = c.get(s.url("/providers")).send().await.unwrap();
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.headers().get("cache-control").is_none());
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        p,
        json!({"credentials": {"id": "credentials", "name": "Credentials", "type": "credentials",
            "signinUrl": s.url("/signin/credentials"), "callbackUrl": s.url("/callback/credentials")}})
    );
    // A bare base path is a 404, as under Next.js.
    let r = c.get(s.url("")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn callback_urls_are_same_origin_only() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let cb_cookie = |r: &reqwest::Response| {
        set_cookies(r)
            .into_iter()
            .find(|c| c.starts_with("next-auth.callback-url="))
            .map(|c| {
                let v = c
                    .split(';')
                    .next()
                    .unwrap()
                    .split_once('=')
                    .unwrap()
                    .1
                    .to_string();
                percent_encoding::percent_decode_str(&v)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
    };
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let r = c
        .get(s.url(&format!(
            "/signin?callbackUrl={}",
            enc("https://evil.example.com/x")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(cb_cookie(&r).as_deref(), Some(s.origin.as_str()));
    let r = c
        .get(s.url(&format!("/signin?callbackUrl={}", enc("/rel?x=1"))))
        .send()
        .await
        .unwrap();
    assert_eq!(cb_cookie(&r), Some(format!("{}/rel?x=1", s.origin)));
    // javascript: in the query: we fall back to the origin (v4 answers 500).
    let fresh = client();
    let r = fresh
        .get(s.url(&format!(
            "/session?callbackUrl={}",
            enc("javascript:alert(1)")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(cb_cookie(&r).as_deref(), Some(s.origin.as_str()));
    // //evil.com is path-relative to the origin, never a foreign host.
    let ok = sign_in_alice(&c, &s, "//evil.example.com/x").await;
    assert_eq!(location(&ok), format!("{}//evil.example.com/x", s.origin));
    let ok = sign_in_alice(&c, &s, "https://evil.example.com/x").await;
    assert_eq!(location(&ok), s.origin);
    let ok = sign_in_alice(&c, &s, "not a url").await;
    assert_eq!(location(&ok), s.origin);
}

#[tokio::test]
async fn pages_render_and_custom_pages_redirect() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[theme]\ncolor_scheme = \"dark\"\nbrand_color = \"#ff5500\"\n",
    ));
    let c = client();
    let r = c
        .get(s.url("/signin?error=CredentialsSignin"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Sign In</title>"));
    assert!(html.contains(&format!("action=\"{}\"", s.url("/callback/credentials"))));
    assert!(html.contains("Sign in failed. Check the details you provided are correct."));
    assert!(html.contains("__next-auth-theme-dark"));
    assert!(html.contains("--brand-color: #ff5500"));
    assert!(html.contains("for=\"input-username-for-credentials-provider\""));
    assert!(html.contains("type=\"password\""));
    for (q, status) in [
        ("Verification", 403),
        ("AccessDenied", 403),
        ("Configuration", 500),
        ("other", 200),
    ] {
        let r = c
            .get(s.url(&format!("/error?error={q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{q}");
    }
    let r = c.get(s.url("/error/Verification")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .get(s.url("/error?error=OAuthCallback"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), s.url("/signin?error=OAuthCallback"));
    // XSS through the query: `query_values_shown_on_the_sign_in_page_are_html_escaped`.

    let custom = Server::spawn(&credentials_config(
        &hook.url,
        "[pages]\nsign_in = \"/login\"\nsign_out = \"/bye\"\nerror = \"/oops?x=1\"\nverify_request = \"/check\"\n",
    ));
    let r = c
        .get(custom.url("/signin/github?callbackUrl=%2Fa"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        // encodeURIComponent of `http://127.0.0.1:<port>/a`, written out.
        format!(
            "/login?callbackUrl={}%2Fa&error=github",
            custom.origin.replace(':', "%3A").replace('/', "%2F")
        )
    );
    let r = c.get(custom.url("/signout")).send().await.unwrap();
    assert_eq!(location(&r), "/bye");
    let r = c
        .get(custom.url("/error?error=AccessDenied"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/oops?x=1&error=AccessDenied");
    let r = c.get(custom.url("/error")).send().await.unwrap();
    assert_eq!(location(&r), "/oops?x=1&error=undefined");
    let r = c
        .get(custom.url("/verify-request?provider=email&type=email"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/check");
}

#[tokio::test]
async fn nested_https_base_path_and_secure_cookies() {
    let hook = webhook().await;
    let cfg = credentials_config(
        &hook.url,
        "url = \"https://example.com/myapp/api/authentication\"",
    );
    let s = Server::spawn(&cfg);
    let c = client();
    let local = |p: &str| s.socket_url(&format!("/myapp/api/authentication{p}"));
    let r = c.get(local("/csrf")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookies = set_cookies(&r);
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-next-auth.csrf-token=") && c.contains("; Secure;")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Secure-next-auth.callback-url=https%3A%2F%2Fexample.com"))
    );
    let p: Value = c
        .get(local("/providers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        p["credentials"]["signinUrl"],
        "https://example.com/myapp/api/authentication/signin/credentials"
    );
    let r = c.get(s.socket_url("/api/auth/csrf")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn expose_claims_in_the_session() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[session.expose]\n\"user.id\" = \"sub\"\n",
    ));
    let c = client();
    sign_in_alice(&c, &s, "/").await;
    let session = session(&c, &s).await;
    assert_eq!(session["user"]["id"], "credentials-alice");
}

/// The sign-in page shows a query value: `email`, in the e-mail provider's input (v4 fills it
/// from the query). It comes back HTML-escaped as preact-render-to-string escapes attributes in
/// v4 (`&`, `<`, `>`, `"`; we add `'`), never as markup; `error` maps to fixed strings whatever it
/// says. (`callbackUrl` is echoed only in OAuth providers' hidden fields; not covered here.)
#[tokio::test]
async fn query_values_shown_on_the_sign_in_page_are_html_escaped() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[[providers]]\nid = \"email\"\ntype = \"email\"\nfrom = \"auth@example.com\"\n",
    ));
    let c = client();
    let r = c
        .get(s.url(
            "/signin?email=%22%3E%3Cscript%3Ealert(%27e%27)%3C%2Fscript%3E%26&\
             error=%3Cscript%3Ealert(2)%3C%2Fscript%3E",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/html; charset=utf-8"
    );
    let html = r.text().await.unwrap();
    // The e-mail input holds the value, escaped.
    assert!(
        html.contains(
            r#"value="&quot;&gt;&lt;script&gt;alert(&#x27;e&#x27;)&lt;/script&gt;&amp;" placeholder="email@example.com""#
        ),
        "{html}"
    );
    // An unknown error code is v4's default message; the query text is not shown at all.
    assert!(
        html.contains("Unable to sign in."),
        "the default error message: {html}"
    );
    assert!(!html.contains("alert(2)"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}
