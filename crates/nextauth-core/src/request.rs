//! The framework-neutral request: what an HTTP adapter hands to [`crate::NextAuth::handle`].
//!
//! Every part of it is untrusted input. Parsing never panics: bad percent-encoding, bad
//! UTF-8 or a malformed body give a [`BadRequest`] with a message that says what was wrong.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::proxy::TrustedProxies;

/// The HTTP method. v4 handles only GET and POST; everything else is "unsupported" (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// Any other method, kept for the error message.
    Other(String),
}

impl Method {
    /// Parses a method name as sent on the wire (case-sensitive, as HTTP methods are).
    pub fn parse(m: &str) -> Method {
        match m {
            "GET" => Method::Get,
            "POST" => Method::Post,
            other => Method::Other(other.to_string()),
        }
    }

    /// The method name, for messages.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Other(s) => s,
        }
    }
}

/// The action: `nextauth[0]`, the first path segment (v4 `AuthAction`, `core/types.ts`).
///
/// Parsed once, in [`AuthRequest::new`] / [`AuthRequest::from_http`]; the names are compared
/// case-sensitively, as v4's `switch (action)` does. Which method each action answers is
/// [`crate::routes::ENDPOINTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `providers`: the configured providers as JSON.
    Providers,
    /// `session`: read (GET) or update (POST) the session.
    Session,
    /// `csrf`: the CSRF token as JSON.
    Csrf,
    /// `signin`: the sign-in page (GET), or start a sign-in with a provider (POST).
    Signin,
    /// `signout`: the sign-out page (GET), or sign out (POST).
    Signout,
    /// `callback`: the provider's answer (OAuth, e-mail link) or the credentials form.
    Callback,
    /// `verify-request`: the "check your e-mail" page.
    VerifyRequest,
    /// `error`: the error page.
    Error,
    /// `_log`: the client logger's POST.
    Log,
    /// `token`: the session's upstream access token, refreshed when due (not in v4).
    Token,
    /// `backchannel-logout`: an IdP's logout token (OpenID Connect Back-Channel Logout 1.0;
    /// not a v4 action).
    BackchannelLogout,
    /// `forward-auth`: a reverse proxy asks whether the browser's session may see the original
    /// URL (nginx `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`; not a v4 action).
    ForwardAuth,
}

impl Action {
    /// Every action: v4's `AuthAction`, in its order, then ours.
    pub const ALL: [Action; 12] = [
        Action::Providers,
        Action::Session,
        Action::Csrf,
        Action::Signin,
        Action::Signout,
        Action::Callback,
        Action::VerifyRequest,
        Action::Error,
        Action::Log,
        Action::Token,
        Action::BackchannelLogout,
        Action::ForwardAuth,
    ];

    /// The action a (decoded) path segment names, if v4 knows it.
    pub fn parse(segment: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == segment)
    }

    /// The name as it stands in the path.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Providers => "providers",
            Action::Session => "session",
            Action::Csrf => "csrf",
            Action::Signin => "signin",
            Action::Signout => "signout",
            Action::Callback => "callback",
            Action::VerifyRequest => "verify-request",
            Action::Error => "error",
            Action::Log => "_log",
            Action::Token => "token",
            Action::BackchannelLogout => "backchannel-logout",
            Action::ForwardAuth => "forward-auth",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The header that carries the request's id (`X-Request-Id`, lower-case as
/// [`AuthRequest::header`] compares): the `nextauth` server's request layer sets it on every
/// request it passes on, and a failed sign-in's error page shows it ([`crate::error::Reason`]).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Query or body parameters, as Next.js's parsers produce them: a string per key, or an array
/// of strings when a form key is repeated; any JSON value for a JSON body.
pub type Params = Map<String, Value>;

/// A request to the auth API, already split into the parts NextAuth reads.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    /// GET, POST or other.
    pub method: Method,
    /// `nextauth[0]`: the action (`session`, `signin`, …); `None` when the path had no segment
    /// or one that names no v4 action (answered with the 400 "unsupported", as v4 does).
    pub action: Option<Action>,
    /// `nextauth[1]`: the provider id (or the error code for `error/:code`).
    pub provider_id: Option<String>,
    /// Query parameters.
    pub query: Params,
    /// Parsed body (urlencoded or JSON object); empty for other bodies.
    pub body: Params,
    /// Request cookies, percent-decoded, in header order; first occurrence of a name wins on lookup.
    pub cookies: Vec<(String, String)>,
    /// Request headers with lower-case names.
    pub headers: Vec<(String, String)>,
    /// The TCP peer's address, when the HTTP adapter knows it (nextauth-axum reads axum's
    /// `ConnectInfo<SocketAddr>`). The client's address is [`AuthRequest::client_addr`]: the peer,
    /// or what a trusted proxy says.
    pub peer: Option<IpAddr>,
}

/// Why a request could not be parsed. The message is safe to show: it names the part that was
/// wrong and never echoes secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

impl AuthRequest {
    /// A request with nothing in it but a method and an action path.
    pub fn new(method: Method, path: &str) -> Result<AuthRequest, BadRequest> {
        let (action, provider_id) = split_path(path)?;
        Ok(AuthRequest {
            method,
            action,
            provider_id,
            query: Params::new(),
            body: Params::new(),
            cookies: Vec::new(),
            headers: Vec::new(),
            peer: None,
        })
    }

    /// Builds a request from raw HTTP parts.
    ///
    /// * `path` is the part after the mount point (`/session`, `/callback/github`), still
    ///   percent-encoded; each segment is decoded as Next.js decodes catch-all segments.
    /// * `query` is the raw query string, without `?`.
    /// * `headers` are `(name, value)` pairs; names are compared case-insensitively.
    /// * `body` is the raw body; it is parsed by `Content-Type` (urlencoded or JSON) for POST.
    pub fn from_http(
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: impl IntoIterator<Item = (String, String)>,
        body: &[u8],
    ) -> Result<AuthRequest, BadRequest> {
        let method = Method::parse(method);
        let (action, provider_id) = split_path(path)?;
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(mut k, v)| {
                k.make_ascii_lowercase();
                (k, v)
            })
            .collect();
        let query = query.map(parse_urlencoded).unwrap_or_default();
        let cookies = headers
            .iter()
            .filter(|(k, _)| k == "cookie")
            .flat_map(|(_, v)| parse_cookie_header(v))
            .collect();
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let body = if method == Method::Post {
            parse_body(content_type, body)?
        } else {
            Params::new()
        };
        Ok(AuthRequest {
            method,
            action,
            provider_id,
            query,
            body,
            cookies,
            headers,
            peer: None,
        })
    }

    /// The same request, from the TCP peer `peer` (see [`AuthRequest::peer`]).
    pub fn with_peer(mut self, peer: Option<IpAddr>) -> AuthRequest {
        self.peer = peer;
        self
    }

    /// The client's address for rate limits and logs: the peer, or, when the peer is one of
    /// `trusted`, the address the proxies' `X-Forwarded-For` / `Forwarded` chain gives
    /// ([`TrustedProxies::client_addr`]). `None` when the adapter passed no peer.
    pub fn client_addr(&self, trusted: &TrustedProxies) -> Option<IpAddr> {
        trusted.client_addr(self.peer, &self.headers)
    }

    /// The first cookie with this exact name.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter, only when it is a single string (a repeated key is an array and is
    /// ignored, as v4's `===` comparisons would fail on it).
    pub fn query_str(&self, key: &str) -> Option<&str> {
        self.query.get(key).and_then(Value::as_str)
    }

    /// A body field, only when it is a string.
    pub fn body_str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    /// JSON mode (spec §4.2): the body field `json` is the *string* `"true"`, as
    /// `next-auth/react` sends it with `URLSearchParams`. A JSON boolean does not count.
    pub fn json_mode(&self) -> bool {
        self.body_str("json") == Some("true")
    }
}

/// Splits `/action/provider/ignored…` into the action and the provider id, percent-decoding each.
fn split_path(path: &str) -> Result<(Option<Action>, Option<String>), BadRequest> {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    // Decoded first: a segment that is not UTF-8 is a 400 "bad request", whatever it names.
    let action = match segments.next() {
        Some(s) => Action::parse(&decode_segment(s)?),
        None => None,
    };
    let provider = segments.next().map(decode_segment).transpose()?;
    Ok((action, provider))
}

fn decode_segment(s: &str) -> Result<String, BadRequest> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| BadRequest("path segment is not valid UTF-8 after percent-decoding".into()))
}

/// Parses `a=1&b=2&a=3` as Node's `querystring.parse` does: `+` is a space, a repeated key
/// becomes an array. Invalid percent-escapes are kept literally and invalid UTF-8 is replaced,
/// never an error (Node does the same).
pub fn parse_urlencoded(s: &str) -> Params {
    let mut out = Params::new();
    for (k, v) in form_urlencoded::parse(s.as_bytes()) {
        let v = Value::String(v.into_owned());
        match out.get_mut(k.as_ref()) {
            None => {
                out.insert(k.into_owned(), v);
            }
            Some(Value::Array(items)) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
        }
    }
    out
}

fn parse_body(content_type: &str, body: &[u8]) -> Result<Params, BadRequest> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| BadRequest("form body is not valid UTF-8".into()))?;
            Ok(parse_urlencoded(text))
        }
        "application/json" => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Params::new());
            }
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => Ok(map),
                // Next's parser accepts any JSON; only an object has fields NextAuth reads.
                Ok(_) => Ok(Params::new()),
                Err(e) => Err(BadRequest(format!("invalid JSON body: {e}"))),
            }
        }
        _ => Ok(Params::new()),
    }
}

/// Parses a `Cookie` header as the `cookie` npm package does: pairs split on `;`, names and values
/// trimmed, surrounding double quotes removed, values percent-decoded when that yields valid UTF-8
/// (otherwise kept as sent). Pairs without `=` are skipped.
pub fn parse_cookie_header(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            if name.is_empty() {
                return None;
            }
            let mut value = value.trim();
            if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
                value = &value[1..value.len() - 1];
            }
            let decoded = if value.contains('%') {
                percent_encoding::percent_decode_str(value)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| value.to_string())
            } else {
                value.to_string()
            };
            Some((name.to_string(), decoded))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_decoded_and_extra_ones_ignored() {
        let r = AuthRequest::new(Method::Get, "/callback/my%20idp/extra").unwrap();
        assert_eq!(r.action, Some(Action::Callback));
        assert_eq!(r.provider_id.as_deref(), Some("my idp"));
        assert!(AuthRequest::new(Method::Get, "/%FF").is_err());
        assert_eq!(AuthRequest::new(Method::Get, "").unwrap().action, None);
        // Names are decoded, then compared case-sensitively (v4 `switch (action)`).
        let r = AuthRequest::new(Method::Post, "/%5Flog").unwrap();
        assert_eq!(r.action, Some(Action::Log));
        assert_eq!(
            AuthRequest::new(Method::Get, "/Session").unwrap().action,
            None
        );
        assert_eq!(AuthRequest::new(Method::Get, "/nope").unwrap().action, None);
    }

    #[test]
    fn action_names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Action::VerifyRequest.as_str(), "verify-request");
        assert_eq!(Action::parse(""), None);
    }

    #[test]
    fn repeated_keys_become_arrays() {
        let q = parse_urlencoded("a=1&b=x+y&a=2&a=3&c=%zz");
        assert_eq!(q["a"], serde_json::json!(["1", "2", "3"]));
        assert_eq!(q["b"], "x y");
        assert_eq!(q["c"], "%zz");
    }

    #[test]
    fn cookies_are_percent_decoded_and_tolerant() {
        let c = parse_cookie_header("a=1%7C2; b=\"q\"; junk; =x; c=%E0%A4%A; d=");
        assert_eq!(
            c,
            vec![
                ("a".into(), "1|2".into()),
                ("b".into(), "q".into()),
                ("c".into(), "%E0%A4%A".into()),
                ("d".into(), "".into())
            ]
        );
    }

    #[test]
    fn bodies() {
        let r = AuthRequest::from_http(
            "POST",
            "/signin/x",
            None,
            vec![("Content-Type".into(), "application/json".into())],
            b"{\"json\":true,\"csrfToken\":\"t\"}",
        )
        .unwrap();
        assert!(!r.json_mode(), "a JSON boolean does not trigger JSON mode");
        assert_eq!(r.body_str("csrfToken"), Some("t"));
        let bad = AuthRequest::from_http(
            "POST",
            "/session",
            None,
            vec![("content-type".into(), "application/json".into())],
            b"{nope",
        );
        assert!(bad.is_err());
        let form = AuthRequest::from_http(
            "POST",
            "/signout",
            None,
            vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=UTF-8".into(),
            )],
            b"json=true&csrfToken=a",
        )
        .unwrap();
        assert!(form.json_mode());
    }
}
