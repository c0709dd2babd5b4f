//! Every page that starts or continues a sign-in keeps the callbackUrl it was rendered with
//! (issue 10 §2), against the spawned `nextauth` binary with real peers: a credentials webhook,
//! the testkit SMTP sink and the testkit OpenID Provider.
//!
//! The case is one browser with two tabs: tab A renders a page with `callbackUrl=/test`, then
//! tab B renders `signin?callbackUrl=/other`, which rewrites the shared callback-url cookie.
//! Submitting tab A's form must still land on `/test`. Each test reads the form's action and
//! fields from the rendered HTML (a real HTML parser), fills in only what a user types, and posts
//! exactly what a browser would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

type Setup = AllProviders;

async fn setup() -> Setup {
    all_providers().await
}

fn enc(s: &str) -> String {
    nextauth_core::cookies::encode_uri_component(s)
}

/// `GET <path>` → (status, HTML).
async fn page(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Tab A renders the sign-in page for `/test`, then tab B for `/other`: answers tab A's HTML.
async fn two_tabs(c: &reqwest::Client, s: &Server) -> String {
    let (status, tab_a) = page(c, &s.url("/signin?callbackUrl=%2Ftest")).await;
    assert_eq!(status, 200);
    let (status, _tab_b) = page(c, &s.url("/signin?callbackUrl=%2Fother")).await;
    assert_eq!(status, 200);
    tab_a
}

async fn submit(
    c: &reqwest::Client,
    form: &PageForm,
    values: &[(&str, &str)],
) -> reqwest::Response {
    assert_eq!(form.method, "POST", "{form:?}");
    post_form(c, &form.action, &form.filled(values)).await
}

/// Every sign-in form on the page (OAuth, e-mail, credentials) has a hidden `callbackUrl` with
/// the page's validated target, and its `csrfToken`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signin_form_carries_the_rendered_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    let (status, html) = page(
        &c,
        &s.url("/signin?callbackUrl=%2Ftest%3Fa%3D1%26b%3D%22x%22"),
    )
    .await;
    assert_eq!(status, 200);
    let forms = page_forms(&html);
    let actions: Vec<&str> = forms.iter().map(|f| f.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            s.url("/signin/email"),
            s.url("/signin/mock-idp"),
            s.url("/callback/credentials"),
        ],
        "one form per provider, in configuration order"
    );
    let token = csrf(&c, s).await;
    for f in &forms {
        assert_eq!(
            f.field("callbackUrl"),
            Some(format!("{}/test?a=1&b=\"x\"", s.origin).as_str()),
            "{f:?}"
        );
        assert_eq!(f.field("csrfToken"), Some(token.as_str()), "{f:?}");
    }
    // Only what `init` accepted is rendered: a foreign or non-http target shows the origin.
    for bad in [
        "https%3A%2F%2Fevil.test%2Fx",
        "javascript%3Aalert(1)",
        "evil.test",
    ] {
        let (status, html) = page(&c, &s.url(&format!("/signin?callbackUrl={bad}"))).await;
        assert_eq!(status, 200, "{bad}");
        for f in page_forms(&html) {
            assert_eq!(
                f.field("callbackUrl"),
                Some(s.origin.as_str()),
                "{bad}: {f:?}"
            );
        }
    }
}

/// Tab A's credentials form lands on tab A's target, not on the cookie tab B wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_form_keeps_its_tab_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    let tab_a = two_tabs(&c, s).await;
    let form = page_form(&tab_a, &s.url("/callback/credentials"));
    let r = submit(
        &c,
        &form,
        &[("username", "alice"), ("password", "password")],
    )
    .await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/test", s.origin));
    assert_eq!(session(&c, s).await["user"]["email"], "alice@example.com");
    // The webhook got the typed fields only (not callbackUrl or csrfToken).
    let bodies = t.hook.bodies.lock().unwrap().clone();
    assert_eq!(
        bodies,
        [serde_json::json!({"username": "alice", "password": "password"})]
    );
}

/// Tab A's e-mail form mails a link that carries tab A's target; the verify-request page shown
/// next links there too; opening the link signs in and lands on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_form_mails_its_tab_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    let tab_a = two_tabs(&c, s).await;
    let form = page_form(&tab_a, &s.url("/signin/email"));
    let email = format!(
        "tabs-{}@example.com",
        hex::encode(rand::random::<[u8; 5]>())
    );
    let r = submit(&c, &form, &[("email", &email)]).await;
    assert_eq!(r.status(), 302);
    let verify = location(&r);
    assert_eq!(verify, s.url("/verify-request?provider=email&type=email"));
    let mail = t.sink.wait_mail(&email).await;
    let link = reqwest::Url::parse(mail["link"].as_str().unwrap()).unwrap();
    let callback = link
        .query_pairs()
        .find(|(k, _)| k == "callbackUrl")
        .map(|(_, v)| v.into_owned());
    assert_eq!(callback, Some(format!("{}/test", s.origin)), "{link}");

    let (status, html) = page(&c, &verify).await;
    assert_eq!(status, 200);
    assert_eq!(page_links(&html, "a.site"), [format!("{}/test", s.origin)]);

    let r = c.get(link.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/test", s.origin));
    assert_eq!(session(&c, s).await["user"]["email"], email.as_str());
}

/// Tab A's OAuth form (it already had the field) lands on tab A's target after the whole
/// authorization-code flow at the real IdP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_form_keeps_its_tab_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    let tab_a = two_tabs(&c, s).await;
    let form = page_form(&tab_a, &s.url("/signin/mock-idp"));
    let r = submit(&c, &form, &[]).await;
    assert_eq!(r.status(), 302);
    let mut url = location(&r);
    let callback = s.url("/callback/mock-idp");
    for _ in 0..15 {
        if url.starts_with(&callback) {
            break;
        }
        let r = c.get(&url).send().await.unwrap();
        assert!(r.status().is_redirection(), "IdP hop {url}: {}", r.status());
        url = reqwest::Url::parse(&url)
            .unwrap()
            .join(&location(&r))
            .unwrap()
            .to_string();
    }
    assert!(url.starts_with(&callback), "the IdP never came back: {url}");
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/test", s.origin));
    assert_eq!(session(&c, s).await["user"]["email"], "alice@example.com");
}

/// The sign-out page's form carries the target it was rendered with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signout_form_keeps_its_tab_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    let r = sign_in_alice(&c, s, "/").await;
    assert_eq!(r.status(), 302);
    let (status, tab_a) = page(&c, &s.url("/signout?callbackUrl=%2Fbye")).await;
    assert_eq!(status, 200);
    let (_, _tab_b) = page(&c, &s.url("/signin?callbackUrl=%2Fother")).await;
    let form = page_form(&tab_a, &s.url("/signout"));
    assert_eq!(
        form.field("callbackUrl"),
        Some(format!("{}/bye", s.origin).as_str())
    );
    let r = submit(&c, &form, &[]).await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), format!("{}/bye", s.origin));
    assert_eq!(session(&c, s).await, serde_json::json!({}));
    // A foreign target is never rendered.
    let (_, html) = page(
        &c,
        &s.url("/signout?callbackUrl=https%3A%2F%2Fevil.test%2F"),
    )
    .await;
    assert_eq!(
        page_form(&html, &s.url("/signout")).field("callbackUrl"),
        Some(s.origin.as_str())
    );
}

/// The error page's "Sign in" link carries the target (validated), and the page it opens keeps
/// it in its forms; the verify-request page links to the target, never to a foreign one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_and_verify_request_pages_keep_the_callback_url() {
    let t = setup().await;
    let s = &t.s;
    let c = client();
    for code in ["Verification", "AccessDenied"] {
        let (status, html) = page(
            &c,
            &s.url(&format!("/error?error={code}&callbackUrl=%2Ftest")),
        )
        .await;
        assert_eq!(status, 403, "{code}");
        let links = page_links(&html, "a.button");
        let expected = format!(
            "{}?callbackUrl={}",
            s.url("/signin"),
            enc(&format!("{}/test", s.origin))
        );
        assert_eq!(links, std::slice::from_ref(&expected), "{code}");
        // Another tab moves the cookie; the link still opens tab A's sign-in page.
        let _ = page(&c, &s.url("/signin?callbackUrl=%2Fother")).await;
        let (status, signin) = page(&c, &expected).await;
        assert_eq!(status, 200);
        let form = page_form(&signin, &s.url("/callback/credentials"));
        assert_eq!(
            form.field("callbackUrl"),
            Some(format!("{}/test", s.origin).as_str())
        );
    }
    // The target comes from `init`: unsafe values give the origin (in a fresh browser: an ignored
    // query falls back to the cookie first).
    for bad in ["javascript%3Aalert(1)", "https%3A%2F%2Fevil.test%2Fx"] {
        let c = client();
        let (_, html) = page(
            &c,
            &s.url(&format!("/error?error=Verification&callbackUrl={bad}")),
        )
        .await;
        assert_eq!(
            page_links(&html, "a.button"),
            [format!(
                "{}?callbackUrl={}",
                s.url("/signin"),
                enc(&s.origin)
            )],
            "{bad}"
        );
        let (status, html) = page(
            &c,
            &s.url(&format!(
                "/verify-request?provider=email&type=email&callbackUrl={bad}"
            )),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(page_links(&html, "a.site"), [s.origin.as_str()], "{bad}");
    }
    let (_, html) = page(
        &c,
        &s.url("/verify-request?provider=email&type=email&callbackUrl=%2Fafter"),
    )
    .await;
    assert_eq!(page_links(&html, "a.site"), [format!("{}/after", s.origin)]);
}
