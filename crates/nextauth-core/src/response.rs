//! The framework-neutral response an HTTP adapter writes out as is.

use std::borrow::Cow;

use crate::cookies::SetCookie;

/// Response headers other than `Set-Cookie`: lower-case names, values borrowed when constant.
pub type Headers = Vec<(&'static str, Cow<'static, str>)>;

/// A finished HTTP response: status, headers, `Set-Cookie`s and body.
///
/// JSON mode (spec §4.2) has already been applied: a redirect is either a `302` with `Location`
/// or, for `json=true` requests, a JSON `{"url": …}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers other than `Set-Cookie`. Constant values are borrowed, so the usual response
    /// allocates nothing for its headers.
    pub headers: Headers,
    /// Cookies to set or delete, in emission order.
    pub cookies: Vec<SetCookie>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl AuthResponse {
    /// The value of a header, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The `Set-Cookie` header values.
    pub fn set_cookie_headers(&self) -> impl Iterator<Item = String> + '_ {
        self.cookies.iter().map(SetCookie::to_header)
    }

    /// The body as text (lossy), for tests and logs.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What a route produces before JSON mode and the init cookies are applied.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// A JSON body. `no_store` adds v4's cache trio.
    Json {
        status: u16,
        body: String,
        no_store: bool,
    },
    /// An HTML page.
    Html { status: u16, html: String },
    /// A plain-text body (the 400 "unsupported", the 404 unknown provider, a page that could not
    /// be rendered).
    Text { status: u16, text: String },
    /// `405 Method Not Allowed`, plain text, with the `Allow` header (RFC 9110 §15.5.6).
    MethodNotAllowed { allow: &'static str, text: String },
    /// A redirect; `status` is the core status that JSON mode keeps (401 for a credentials
    /// failure, 403 for AccessDenied), 200 otherwise. `failed` is set on the redirects of a
    /// failed sign-in (to the error page, or the `signIn` callback's own URL): the callback
    /// route counts them ([`crate::telemetry::SIGNINS`]).
    Redirect {
        url: String,
        status: u16,
        failed: Option<crate::telemetry::SignInOutcome>,
    },
    /// Over a rate limit ([`crate::error::AuthError::RateLimited`]). JSON mode: `429`, the
    /// `{url}` body and `Retry-After: retry_after`. A browser: a 302 to `url` with
    /// `&retry_after=<seconds>` added, so the error page can say when to try again.
    RateLimited { url: String, retry_after: u64 },
    /// `reply` with a `Retry-After: secs` header (the error page of a rate limit).
    WithRetryAfter { secs: u64, reply: Box<Reply> },
    /// 200 with an empty body (`_log`).
    Empty,
    /// 200 with an empty body and `Cache-Control: no-store` (back-channel logout, §2.8).
    EmptyNoStore,
    /// A status, these headers and a plain-text body (empty for 2xx), never cached: the
    /// answers of `forward-auth`, which proxies read by status and headers.
    Status {
        status: u16,
        headers: Headers,
        text: &'static str,
    },
}

impl Reply {
    /// A redirect with JSON-mode status 200.
    pub(crate) fn redirect(url: impl Into<String>) -> Reply {
        Reply::Redirect {
            url: url.into(),
            status: 200,
            failed: None,
        }
    }

    /// The 400 for an action/method NextAuth does not handle (spec §2.3).
    pub(crate) fn unsupported(method: &str) -> Reply {
        Reply::Text {
            status: 400,
            text: format!("Error: This action with HTTP {method} is not supported by NextAuth.js"),
        }
    }

    /// The 404 for `POST signin/<id>` and `GET|POST callback/<id>` when no provider has that id
    /// (or the path has no id). v4 answers the first with `signin?csrf=true`, which reports a
    /// CSRF failure that did not happen, and the second with the 400 "unsupported"; neither
    /// names the problem.
    pub(crate) fn unknown_provider(action: &str, id: Option<&str>, base: &str) -> Reply {
        let text = match id {
            // Quoted and escaped (`{:?}`), and cut: the id is the client's path segment.
            Some(id) => {
                let shown: String = id.chars().take(100).collect();
                format!(
                    "Error: No provider is configured with the id {shown:?} ({action}/<id>). The configured providers are listed at {base}/providers"
                )
            }
            None => format!(
                "Error: {action} needs a provider id in the path ({action}/<id>). The configured providers are listed at {base}/providers"
            ),
        };
        Reply::Text { status: 404, text }
    }
}
