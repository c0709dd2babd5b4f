//! HTTP helpers shared by every integration test: a browser-like client, reading `Set-Cookie`
//! and `Location`, the CSRF round trip of next-auth v4 (`GET csrf` → `csrfToken`), form POSTs,
//! the forms and links of rendered pages, and the listening line of a `nextauth` server.
//!
//! They panic with what they saw (status, URL, page) instead of returning errors: a test that
//! gets something else than it expects must fail loudly.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

/// A browser-like client: its own cookie jar, redirects not followed, 20 s timeout.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// [`client`] without a cookie jar: a request carries only the cookies it names.
pub fn client_without_cookies() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// Every `Set-Cookie` header of `r`, in order.
pub fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("Set-Cookie is ASCII").to_string())
        .collect()
}

/// The first of `cookies` (`Set-Cookie` values) that sets `name`.
pub fn cookie<'a>(cookies: &'a [String], name: &str) -> Option<&'a String> {
    cookies.iter().find(|c| {
        c.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('='))
    })
}

/// The `name=value` pair of the first `Set-Cookie` of `r` that sets `name` (attributes cut).
pub fn cookie_pair(r: &reqwest::Response, name: &str) -> Option<String> {
    let cookies = set_cookies(r);
    cookie(&cookies, name).map(|c| c.split(';').next().unwrap_or_default().to_string())
}

/// The value (attributes cut, not decoded) of the first `Set-Cookie` of `r` that sets `name`.
pub fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    cookie_pair(r, name).map(|pair| pair[name.len() + 1..].to_string())
}

/// The whole `Set-Cookie` of the session cookie `next-auth.session-token` that `r` sets, if any.
pub fn set_session_cookie(r: &reqwest::Response) -> Option<String> {
    cookie(&set_cookies(r), "next-auth.session-token").cloned()
}

/// The `Location` of a redirect. Panics, naming the status and URL, when there is none: a test
/// that expects a redirect and gets something else must fail there, not compare with `""`.
///
/// A failed sign-in's redirect to the error page carries the request's id
/// (`&request_id=<id>`, issue 16): it is checked here to be the response's own `X-Request-Id`
/// (the one its log lines carry) and then cut, so tests compare the rest exactly.
pub fn location(r: &reqwest::Response) -> String {
    let to = r
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on {} {}", r.status(), r.url()))
        .to_str()
        .expect("Location is ASCII")
        .to_string();
    match to.split_once("&request_id=") {
        Some((before, id)) => {
            let own = r
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{to} carries a request id, the response none"));
            let (id, rest) = id.split_once('&').unwrap_or((id, ""));
            assert_eq!(
                id, own,
                "the error page's request id is the request's: {to}"
            );
            if rest.is_empty() {
                before.to_string()
            } else {
                format!("{before}&{rest}")
            }
        }
        None => to,
    }
}

/// `GET <base>/csrf` → the `csrfToken` (the CSRF cookie lands in the client's jar). Panics
/// unless the answer is 200 with a token.
pub async fn csrf(c: &reqwest::Client, base: &str) -> String {
    let r = c
        .get(format!("{base}/csrf"))
        .send()
        .await
        .expect("GET csrf");
    assert_eq!(r.status(), 200, "GET {base}/csrf");
    let j: Value = r.json().await.expect("csrf JSON");
    j["csrfToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no csrfToken in {j}"))
        .to_string()
}

/// `GET <base>/session` as JSON (`{}` when signed out). Panics unless the answer is 200.
pub async fn session(c: &reqwest::Client, base: &str) -> Value {
    let r = c
        .get(format!("{base}/session"))
        .send()
        .await
        .expect("GET session");
    assert_eq!(r.status(), 200, "GET {base}/session");
    r.json().await.expect("session JSON")
}

/// `POST url` with `fields` as `application/x-www-form-urlencoded`.
pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
    c: &reqwest::Client,
    url: &str,
    fields: &[(K, V)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    c.post(url)
        .form(&fields)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// `POST <base>/<action>` with `fields` plus a fresh `csrfToken` (fetched first with [`csrf`]).
pub async fn post_with_csrf(
    c: &reqwest::Client,
    base: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(c, base).await;
    let mut all = fields.to_vec();
    all.push(("csrfToken", &token));
    post_form(c, &format!("{base}/{action}"), &all).await
}

/// The value of query parameter `key` of `url` (a `&str` or a `&Url`; decoded), if present.
pub fn param(url: impl AsRef<str>, key: &str) -> Option<String> {
    url::Url::parse(url.as_ref())
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// What a `nextauth` server prints on stdout once it listens:
/// `nextauth listening on http://<addr> (auth API at <base>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listening {
    /// The socket address bound (for raw TCP; with `--listen 127.0.0.1:0`, the port chosen).
    pub addr: SocketAddr,
    /// The auth API base URL, e.g. `http://localhost:40123/api/auth` (no trailing slash).
    pub base: String,
    /// The origin of [`base`](Self::base), e.g. `http://localhost:40123`.
    pub origin: String,
}

impl Listening {
    /// Parses the listening line (trailing newline allowed); `None` for any other line.
    pub fn parse(line: &str) -> Option<Listening> {
        let rest = line.trim().strip_prefix("nextauth listening on http://")?;
        let (addr, rest) = rest.split_once(' ')?;
        let base = rest
            .strip_prefix("(auth API at ")?
            .strip_suffix(')')?
            .to_string();
        let origin = url::Url::parse(&base).ok()?.origin().ascii_serialization();
        Some(Listening {
            addr: addr.parse().ok()?,
            base,
            origin,
        })
    }

    /// `http://<addr>`: where to connect whatever the base URL says.
    pub fn socket_origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The address of a `nextauth` server's operations listener (`[ops] listen`), from the line it
/// prints after the [`Listening`] one:
/// `nextauth ops listening on http://<addr> (/healthz, /readyz, /metrics)`. `None` for any
/// other line.
pub fn ops_addr(line: &str) -> Option<SocketAddr> {
    let rest = line
        .trim()
        .strip_prefix("nextauth ops listening on http://")?;
    rest.split(' ').next()?.parse().ok()
}

/// A `<form>` of a rendered page: its `action`, `method` and every named `<input>` with its
/// value, in document order (entities decoded by a real HTML parser).
#[derive(Debug, Clone)]
pub struct PageForm {
    /// The `action` attribute (`""` when absent).
    pub action: String,
    /// The `method`, upper case (`GET` when absent).
    pub method: String,
    /// `(name, value)` of every `<input name>`.
    pub fields: Vec<(String, String)>,
}

impl PageForm {
    /// The value of the first field with this name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields with `values` filled in (by name), as a browser submits them.
    pub fn filled(&self, values: &[(&str, &str)]) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(k, v)| {
                let v = values
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(v.clone(), |(_, v)| v.to_string());
                (k.clone(), v)
            })
            .collect()
    }
}

/// Every form of `html`.
pub fn page_forms(html: &str) -> Vec<PageForm> {
    let doc = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse("form").expect("selector");
    let input = scraper::Selector::parse("input[name]").expect("selector");
    doc.select(&form)
        .map(|f| PageForm {
            action: f.value().attr("action").unwrap_or_default().to_string(),
            method: f
                .value()
                .attr("method")
                .unwrap_or("GET")
                .to_ascii_uppercase(),
            fields: f
                .select(&input)
                .map(|i| {
                    let v = i.value();
                    (
                        v.attr("name").unwrap_or_default().to_string(),
                        v.attr("value").unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// The form of `html` whose action is `action` (panics, showing the page, if there is none).
pub fn page_form(html: &str, action: &str) -> PageForm {
    page_forms(html)
        .into_iter()
        .find(|f| f.action == action)
        .unwrap_or_else(|| panic!("no form with action {action} in:\n{html}"))
}

/// The `href`s of the `<a>` elements of `html` matching the CSS `selector`.
pub fn page_links(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("bad selector {selector:?}: {e:?}"));
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_address_and_base() {
        let l = Listening::parse(
            "nextauth listening on http://127.0.0.1:40123 (auth API at http://localhost:40123/api/auth)\n",
        )
        .unwrap();
        assert_eq!(l.addr, "127.0.0.1:40123".parse().unwrap());
        assert_eq!(l.base, "http://localhost:40123/api/auth");
        assert_eq!(l.origin, "http://localhost:40123");
        assert_eq!(l.socket_origin(), "http://127.0.0.1:40123");
        let l = Listening::parse(
            "nextauth listening on http://127.0.0.1:1 (auth API at https://example.com/my/auth)",
        )
        .unwrap();
        assert_eq!(l.origin, "https://example.com");
        assert_eq!(Listening::parse("configuration: OK"), None);
    }

    #[test]
    fn the_ops_line_gives_the_ops_address() {
        assert_eq!(
            ops_addr(
                "nextauth ops listening on http://127.0.0.1:9464 (/healthz, /readyz, /metrics)\n"
            ),
            Some("127.0.0.1:9464".parse().unwrap())
        );
        assert_eq!(
            ops_addr("nextauth listening on http://127.0.0.1:1 (auth API at http://x/api/auth)"),
            None
        );
    }

    #[test]
    fn a_cookie_is_found_by_its_exact_name() {
        let cookies = vec![
            "next-auth.session-token.0=a; Path=/".to_string(),
            "next-auth.session-token=b; Path=/".to_string(),
        ];
        assert_eq!(
            cookie(&cookies, "next-auth.session-token").map(String::as_str),
            Some("next-auth.session-token=b; Path=/")
        );
        assert_eq!(cookie(&cookies, "next-auth"), None);
    }

    #[test]
    fn param_decodes_the_query() {
        assert_eq!(
            param("http://x/y?a=1&cb=http%3A%2F%2Fz", "cb").as_deref(),
            Some("http://z")
        );
        assert_eq!(param("http://x/y", "a"), None);
    }
}
