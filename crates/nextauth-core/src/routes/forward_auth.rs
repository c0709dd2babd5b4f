//! `forward-auth` (any method; not a v4 action): a reverse proxy's question before each request
//! to an app it guards, "may this browser see this URL?". The contract of oauth2-proxy's
//! `/oauth2/auth` and Authelia's `/api/authz/*`, for nginx `auth_request`, Caddy `forward_auth`
//! and Traefik `forwardAuth`.
//!
//! **The original URL** comes from the proxy's headers, believed only when the TCP peer is one of
//! `trusted_proxies` ([`crate::proxy::TrustedProxies::forwarded_request`]): `X-Original-URL`
//! (nginx), else `X-Forwarded-Proto` + `X-Forwarded-Host` + `X-Forwarded-Uri` / `X-Original-URI`
//! (Caddy, Traefik). Its host must be one of `[forward_auth] allowed_hosts`.
//!
//! **Answers** (never a `Set-Cookie`: the session is read as `GET session` reads it, through
//! the `jwt` and `session` callbacks, but nothing is re-issued, extended or deleted; a revoked
//! JWT session is no session):
//!
//! | case | answer |
//! |---|---|
//! | signed in, allowed | `200`, empty body, the identity headers below |
//! | signed in, refused by the first `[[forward_auth.rules]]` naming the host | `403` |
//! | signed in, original host unknown or not in `allowed_hosts` | `403` |
//! | signed out, a browser navigation (`Accept` has `text/html`, no `X-Requested-With: XMLHttpRequest`) | `302` (`303` for a POST, PUT, …) to `{base}/signin?callbackUrl=<original URL>`; in *auth-request mode* `401` with that `Location` |
//! | signed out, anything else (XHR, `fetch`, an API client) | `401`, no `Location` |
//! | signed out, original host unknown or not in `allowed_hosts` | `401`, no `Location` |
//! | no `[forward_auth]` configured | `404` |
//!
//! *Auth-request mode* is for nginx, whose `auth_request` cannot pass a `302` on: the request
//! carries `X-Original-URL` (the nginx convention), or the query says `?mode=auth-request`;
//! `?mode=redirect` forces the `302`. nginx then turns the `401` into the redirect with
//! `auth_request_set $auth_location $upstream_http_location;` and a named location (README).
//!
//! **Identity headers**, on every `200`, each one always present (empty when unknown), so that a
//! header of the same name sent by the client can never survive a proxy that copies only the
//! headers the answer has (Caddy's GHSA-7r4p-vjf4-gxv4): `X-Auth-Request-User` and `Remote-User`
//! (the user's id, the token's `sub`: what oauth2-proxy's `X-Auth-Request-User` and Authelia's
//! `Remote-User` carry, a stable id rather than the e-mail address, which can change; the
//! address only when there is no id), `X-Auth-Request-Email` and `Remote-Email`, `Remote-Name`,
//! `Remote-Groups` (the token claim `groups`, joined by commas). Control characters in a value
//! become spaces, so every value is a valid header value and none is ever dropped.

use std::borrow::Cow;

use crate::cookies::{encode_uri_component, read_chunked};
use crate::forward_auth::{Decision, ForwardAuth, Identity, groups_claim};
use crate::request::AuthRequest;
use crate::response::{Headers, Reply};
use crate::session::{self, Found, Read};
use crate::state::State;

/// `forward-auth` (module documentation).
pub(crate) async fn handle(inner: &State, req: &AuthRequest) -> Reply {
    let Some(fa) = inner.config.forward_auth.as_ref() else {
        return Reply::Text {
            status: 404,
            text: "Error: forward-auth is not configured (set [forward_auth] allowed_hosts)".into(),
        };
    };
    let original = Original::of(inner, req, fa);
    let who = match read_chunked(&inner.cookies.session_token, &req.cookies) {
        Some(token) => match session::peek(inner, &token, inner.clock.now_ms()).await {
            // `GET session` answers `{}` for "no session"; so does a callback that returns it.
            Read::Found(found) if found.body.as_object().is_some_and(|m| !m.is_empty()) => {
                Some(identity(&found))
            }
            _ => None,
        },
        None => None,
    };
    let Some(who) = who else {
        return signed_out(inner, req, original.as_ref());
    };
    let Some(original) = original else {
        tracing::info!(
            code = "FORWARD_AUTH_FORBIDDEN",
            "forward-auth: the original URL is unknown or its host is not in [forward_auth] \
             allowed_hosts (is the proxy in trusted_proxies, and does it send X-Forwarded-Host \
             or X-Original-URL?)"
        );
        return forbidden();
    };
    let host = original.url.host_str().unwrap_or("");
    match fa.decide(host, &who) {
        Decision::Refused(rule) => {
            tracing::info!(
                code = "FORWARD_AUTH_FORBIDDEN",
                host,
                rule,
                user = %who.user,
                "forward-auth: refused by forward_auth.rules[{rule}]"
            );
            forbidden()
        }
        Decision::Allowed(_) | Decision::NoRule => allowed(&who),
    }
}

/// The original request, as a trusted proxy describes it, on an allowed host.
struct Original {
    url: url::Url,
    /// nginx's `auth_request`: a `401` with `Location` instead of a redirect.
    auth_request_mode: bool,
    /// The original method (`X-Forwarded-Method` / `X-Original-Method`, else this request's).
    method: String,
}

impl Original {
    /// `None` when no trusted header gives an http(s) URL, or its host is not allowed.
    fn of(inner: &State, req: &AuthRequest, fa: &ForwardAuth) -> Option<Original> {
        let fwd = inner
            .config
            .trusted_proxies
            .forwarded_request(req.peer, &req.headers)?;
        let named_by_nginx = fwd.url.is_some();
        let url = match (&fwd.url, &fwd.host) {
            (Some(whole), _) => url::Url::parse(whole).ok()?,
            (None, Some(host)) => {
                let proto = fwd
                    .proto
                    .as_deref()
                    .unwrap_or(if inner.config.base.secure() {
                        "https"
                    } else {
                        "http"
                    });
                let uri = fwd
                    .uri
                    .as_deref()
                    .filter(|u| u.starts_with('/'))
                    .unwrap_or("/");
                // `host` is the client's Host header as the proxy saw it: a path, user info or
                // another authority smuggled into it gives a URL whose host check below fails,
                // or no URL at all.
                if host.contains(['/', '@', '\\', '?', '#']) {
                    return None;
                }
                url::Url::parse(&format!("{proto}://{host}{uri}")).ok()?
            }
            (None, None) => return None,
        };
        if !fa.allows_url(&url, inner.config.base.secure()) {
            tracing::info!(
                host = url.host_str().unwrap_or(""),
                "forward-auth: the original URL's host is not in [forward_auth] allowed_hosts \
                 (or its scheme is not allowed): no redirect goes there"
            );
            return None;
        }
        let auth_request_mode = match req.query_str("mode") {
            Some("auth-request") => true,
            Some("redirect") => false,
            _ => named_by_nginx,
        };
        let method = ["x-forwarded-method", "x-original-method"]
            .iter()
            .find_map(|h| req.header(h))
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(req.method.as_str())
            .to_ascii_uppercase();
        Some(Original {
            url,
            auth_request_mode,
            method,
        })
    }
}

/// The identity of a session: a JWT's claims, or a database session's user row (and its kept
/// claims, for `groups`).
fn identity(found: &Found) -> Identity {
    if let Some(claims) = &found.claims {
        return Identity::from_claims(claims);
    }
    let Some(row) = found.row.as_deref() else {
        return Identity {
            user: found.user_id().unwrap_or_default(),
            ..Identity::default()
        };
    };
    let (user, claims) = (&row.user, &row.claims);
    let mut id = Identity {
        user: user.id.clone(),
        email: user.email.clone().unwrap_or_default(),
        name: user.name.clone().unwrap_or_default(),
        groups: groups_claim(claims.as_ref().and_then(|c| c.get("groups"))),
    };
    if id.user.is_empty() {
        id.user.clone_from(&id.email);
    }
    id
}

/// `200` with every identity header.
fn allowed(who: &Identity) -> Reply {
    let user = header_value(&who.user);
    let email = header_value(&who.email);
    let groups = header_value(&who.groups.join(","));
    let headers: Headers = vec![
        ("x-auth-request-user", user.clone()),
        ("x-auth-request-email", email.clone()),
        ("remote-user", user),
        ("remote-email", email),
        ("remote-name", header_value(&who.name)),
        ("remote-groups", groups),
    ];
    Reply::Status {
        status: 200,
        headers,
        text: "",
    }
}

fn forbidden() -> Reply {
    Reply::Status {
        status: 403,
        headers: Vec::new(),
        text: "Forbidden",
    }
}

/// Not signed in: a redirect to the sign-in page for a browser, else `401`.
fn signed_out(inner: &State, req: &AuthRequest, original: Option<&Original>) -> Reply {
    let unauthorized = |headers: Headers| Reply::Status {
        status: 401,
        headers,
        text: "Unauthorized",
    };
    let Some(original) = original else {
        return unauthorized(Vec::new());
    };
    if !is_navigation(req) {
        return unauthorized(Vec::new());
    }
    // Every byte but the unreserved ones is escaped: the value is header-safe.
    let location = format!(
        "{}/signin?callbackUrl={}",
        inner.config.base.base,
        encode_uri_component(original.url.as_str())
    );
    let headers: Headers = vec![("location", Cow::Owned(location))];
    if original.auth_request_mode {
        return unauthorized(headers);
    }
    // Authelia's choice: a 302 keeps GET as GET; any other method gets a 303, so the browser
    // follows with a GET instead of re-posting a form to the sign-in page.
    let status = match original.method.as_str() {
        "GET" | "HEAD" | "OPTIONS" => 302,
        _ => 303,
    };
    Reply::Status {
        status,
        headers,
        text: "",
    }
}

/// A browser navigation: `Accept` names `text/html` and the request is not an XHR.
fn is_navigation(req: &AuthRequest) -> bool {
    let xhr = req
        .header("x-requested-with")
        .is_some_and(|v| v.eq_ignore_ascii_case("xmlhttprequest"));
    let html = req
        .headers
        .iter()
        .filter(|(k, _)| k == "accept")
        .any(|(_, v)| v.to_ascii_lowercase().contains("text/html"));
    html && !xhr
}

/// A header value that is always valid: control characters (CR, LF, NUL, DEL, …) become spaces.
/// UTF-8 stays as it is (a byte ≥ 0x80 is allowed in a header value, as Authelia sends names).
fn header_value(s: &str) -> Cow<'static, str> {
    if s.is_empty() {
        return Cow::Borrowed("");
    }
    Cow::Owned(
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_lose_controls_only() {
        assert_eq!(header_value("a\r\nb\0c\u{7f}d\u{85}"), "a  b c d ");
        assert_eq!(header_value("José Ünïcode"), "José Ünïcode");
        assert_eq!(header_value(""), "");
    }
}
