//! Untrusted input: malformed cookies, headers, percent-encoding, bodies and query strings get a
//! clear 4xx or the v4 outcome, never a panic or a 5xx, and the server keeps serving.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

mod common;

use std::io::{Read, Write};

use common::*;

/// Sends raw bytes and returns the status line's code (0 if the server closed the connection).
fn raw(s: &Server, request: &[u8]) -> u16 {
    let mut stream = std::net::TcpStream::connect(s.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn malformed_requests_never_panic_or_5xx() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let c = client();
    let big = "x".repeat(20_000);
    let cases: Vec<(&str, String, Vec<(&str, String)>, Option<(&str, Vec<u8>)>)> = vec![
        (
            "GET",
            "/session".into(),
            vec![("cookie", "next-auth.session-token=%%%".into())],
            None,
        ),
        (
            "GET",
            "/session".into(),
            vec![("cookie", "next-auth.session-token=a.b.c.d.e".into())],
            None,
        ),
        (
            "GET",
            "/session".into(),
            vec![(
                "cookie",
                "next-auth.session-token=eyJhbGciOiJub25lIn0..AAAA.AAAA.AAAA".into(),
            )],
            None,
        ),
        (
            "GET",
            "/session".into(),
            vec![(
                "cookie",
                format!("next-auth.session-token.0={big}; next-auth.session-token.x=1"),
            )],
            None,
        ),
        (
            "GET",
            "/session".into(),
            vec![("cookie", ";;;==; =; a".into())],
            None,
        ),
        (
            "GET",
            "/csrf".into(),
            vec![("cookie", "next-auth.csrf-token=%E0%A4%A|zz|yy".into())],
            None,
        ),
        (
            "GET",
            "/csrf".into(),
            vec![("cookie", "next-auth.csrf-token=\"unterminated".into())],
            None,
        ),
        (
            "GET",
            "/signin?callbackUrl=%E0%A4%A&error=%FF".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/signin?callbackUrl=&callbackUrl=x&error=a&error=b".into(),
            vec![],
            None,
        ),
        (
            "GET",
            "/error?error=%00%0d%0aSet-Cookie:x=1".into(),
            vec![],
            None,
        ),
        ("GET", "/error/%0d%0aX".into(), vec![], None),
        ("GET", "/%FF%FE".into(), vec![], None),
        ("GET", "/session?%%%=%%%&&&=".into(), vec![], None),
        (
            "POST",
            "/session".into(),
            vec![],
            Some(("application/json", b"{not json".to_vec())),
        ),
        (
            "POST",
            "/session".into(),
            vec![],
            Some(("application/json", b"[1,2,3]".to_vec())),
        ),
        (
            "POST",
            "/session".into(),
            vec![],
            Some((
                "application/json",
                b"{\"csrfToken\": 5, \"data\": null}".to_vec(),
            )),
        ),
        (
            "POST",
            "/signout".into(),
            vec![],
            Some((
                "application/x-www-form-urlencoded",
                b"csrfToken=a&csrfToken=b&callbackUrl=%FF".to_vec(),
            )),
        ),
        (
            "POST",
            "/signout".into(),
            vec![],
            Some((
                "application/x-www-form-urlencoded",
                vec![0xff, 0xfe, b'=', 0x80],
            )),
        ),
        (
            "POST",
            "/callback/credentials".into(),
            vec![],
            Some(("multipart/form-data; boundary=x", b"--x--".to_vec())),
        ),
        (
            "POST",
            "/callback/credentials".into(),
            vec![],
            Some(("text/plain", b"username=alice".to_vec())),
        ),
        (
            "POST",
            "/signin/credentials?json=true".into(),
            vec![],
            Some((
                "application/x-www-form-urlencoded",
                b"json=true&callbackUrl=javascript:alert(1)".to_vec(),
            )),
        ),
        (
            "POST",
            "/_log".into(),
            vec![],
            Some((
                "application/x-www-form-urlencoded",
                format!("level=__proto__&message={big}").into_bytes(),
            )),
        ),
        (
            "POST",
            "/_log".into(),
            vec![],
            Some(("application/json", b"{\"level\": {}}".to_vec())),
        ),
    ];
    for (method, path, headers, body) in cases {
        let mut req = c.request(method.parse().unwrap(), s.url(&path));
        for (k, v) in &headers {
            req = req.header(*k, v.as_str());
        }
        if let Some((ct, b)) = &body {
            req = req.header("content-type", *ct).body(b.clone());
        }
        let r = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = r.status().as_u16();
        assert!(status < 500, "{method} {path} {headers:?}: {status}");
    }
    // Too large a body (over Next's 1 MB): 413, or the connection closed before the client
    // finished writing; never a 5xx.
    match c
        .post(s.url("/session"))
        .header("content-type", "application/json")
        .body(vec![b' '; 1024 * 1024 + 100])
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    // Raw bytes that are not valid in a header value, and a broken request line.
    let port_status = raw(&s, b"GET /api/auth/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: next-auth.session-token=\xff\xfe\r\n\r\n");
    assert!(
        port_status == 200 || (400..500).contains(&port_status),
        "{port_status}"
    );
    let bad = raw(
        &s,
        b"GET /api/auth/sess ion HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(bad == 0 || (400..500).contains(&bad), "{bad}");
    // A forged callback-url cookie is ignored and replaced by the origin (v4: 500 "configuration"
    // on every request while it lives). tests/client_mistakes.rs has every action.
    let r = c
        .get(s.url("/csrf"))
        .header("cookie", "next-auth.callback-url=javascript%3Aalert(1)")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(set_cookies(&r).iter().any(|c| c.starts_with(&format!(
        "next-auth.callback-url={}",
        nextauth_core::cookies::encode_uri_component(&s.origin)
    ))));
    // Still alive and well.
    let r = c.get(s.url("/providers")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!s.logs().contains("panicked"), "{}", s.logs());
}

/// The status, header names in order (lower-case, repeated ones kept), the `name=value` of
/// each Set-Cookie, Location and body.
async fn answer(r: reqwest::Response) -> (u16, Vec<String>, Vec<String>, String, String) {
    let status = r.status().as_u16();
    let names = r
        .headers()
        .iter()
        .map(|(k, _)| k.as_str().to_string())
        .collect();
    let cookies = set_cookies(&r)
        .iter()
        .map(|c| c.split(';').next().unwrap().to_string())
        .collect();
    // Not every answer here is a redirect: no Location is "".
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, names, cookies, loc, r.text().await.unwrap())
}

/// The hostile values the sweep above only checks for "no 5xx", with their exact answers: no
/// header or cookie injected through CRLF (the header list is exact), where a `javascript:`
/// callback URL goes in JSON mode, and `_log`'s fixed empty 200 for `level=__proto__`.
#[tokio::test]
async fn injections_and_hostile_values_get_exact_answers() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(&hook.url, ""));
    let page_headers = [
        "content-type",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
        "cache-control",
        "x-request-id",
        "content-length",
        "date",
    ];

    // CRLF in the error code: v4's default error page (200), the value never echoed, and no
    // header but the page's own. A first visit gets the CSRF and callback-url cookies (v4's init), nothing else.
    let fresh = client();
    let (status, names, cookies, loc, body) = answer(
        fresh
            .get(s.url("/error?error=%00%0d%0aSet-Cookie:x=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        names,
        [
            "content-type",
            "x-frame-options",
            "content-security-policy",
            "referrer-policy",
            "x-content-type-options",
            "cache-control",
            "set-cookie",
            "set-cookie",
            "x-request-id",
            "content-length",
            "date"
        ]
    );
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies[0].starts_with("next-auth.csrf-token="),
        "{cookies:?}"
    );
    // v4 writes the default callback URL (the origin) on a first visit.
    assert_eq!(
        cookies[1],
        format!(
            "next-auth.callback-url={}",
            s.origin.replace(':', "%3A").replace('/', "%2F")
        )
    );
    assert_eq!(loc, "");
    assert!(
        !body.contains("x=1") && !body.contains("Set-Cookie"),
        "{body}"
    );
    for path in [
        "/error?error=%0d%0aLocation:%20http://evil.example",
        "/error?error=%0d%0aSet-Cookie:%20next-auth.session-token=forged",
        "/error/%0d%0aX",
    ] {
        let (status, names, cookies, loc, body) =
            answer(fresh.get(s.url(path)).send().await.unwrap()).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(names, page_headers, "{path}");
        assert!(cookies.is_empty() && loc.is_empty(), "{path}");
        assert!(
            body.contains("Unable to sign in") || body.contains("Error"),
            "{path}"
        );
        assert!(
            !body.contains("evil.example") && !body.contains("forged"),
            "{path}"
        );
    }

    // A `javascript:` callback URL in JSON mode: the answer names our own sign-in page (v4's
    // credentials `POST signin` answer), no callback-url cookie is written.
    let c = client();
    let token = csrf(&c, &s).await;
    let (status, names, cookies, loc, body) = answer(
        c.post(s.url("/signin/credentials?json=true"))
            .form(&[
                ("json", "true"),
                ("callbackUrl", "javascript:alert(1)"),
                ("csrfToken", token.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        names,
        ["content-type", "x-request-id", "content-length", "date"]
    );
    assert!(cookies.is_empty() && loc.is_empty());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"url": s.url("/signin")})
    );

    // `_log` with `level=__proto__` and a big message: v4's fixed answer, 200, empty, no cookie.
    let big = "x".repeat(20_000);
    let (status, names, cookies, loc, body) = answer(
        c.post(s.url("/_log"))
            .form(&[("level", "__proto__"), ("message", big.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(names, ["x-request-id", "content-length", "date"]);
    assert!(cookies.is_empty() && loc.is_empty() && body.is_empty());
    assert!(!s.logs().contains("panicked"), "{}", s.logs());
}
