//! Per-request initialisation: the CSRF check and the callbackUrl, and the "init cookies" they
//! may produce. Ports v4 `core/init.ts` (spec §3.2, §6, §7).

use crate::callback_url::is_acceptable;
use crate::config::AuthConfig;
use crate::cookies::SetCookie;
use crate::crypto::csrf;
use crate::pages::PageView;
use crate::request::{AuthRequest, Method};
use crate::state::State;

/// What every route (but `providers` and `_log`) starts from.
pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a AuthRequest,
    /// Milliseconds since the epoch, read once per request.
    pub(crate) now_ms: i64,
    /// The CSRF token (from a valid cookie, or new).
    pub(crate) csrf_token: String,
    /// POST whose body `csrfToken` matches a valid cookie.
    pub(crate) csrf_verified: bool,
    /// The validated, absolute callbackUrl.
    pub(crate) callback_url: String,
    /// csrf and callback-url cookies, emitted first.
    pub(crate) init_cookies: Vec<SetCookie>,
    /// The route's own cookies.
    pub(crate) cookies: Vec<SetCookie>,
    /// A session was started by this request (`session::start`): a sign-in succeeded.
    pub(crate) signed_in: bool,
}

pub(crate) fn init<'a>(inner: &State, req: &'a AuthRequest) -> Ctx<'a> {
    let names = &inner.cookies;
    let secure = names.secure;
    // The secrets as slices, on the stack for the usual one or two (no allocation per request).
    let mut few: [&[u8]; 4] = [&[]; 4];
    let many: Vec<&[u8]>;
    let secrets: &[&[u8]] = if inner.secrets.len() <= few.len() {
        for (slot, s) in few.iter_mut().zip(&inner.secrets) {
            *slot = s.as_slice();
        }
        &few[..inner.secrets.len()]
    } else {
        many = inner.secrets.iter().map(Vec::as_slice).collect();
        &many
    };
    let check = csrf::check(
        req.cookie(&names.csrf_token),
        req.method == Method::Post,
        req.body_str("csrfToken"),
        secrets,
    );
    let mut init_cookies = Vec::new();
    if let Some(value) = &check.new_cookie {
        init_cookies.push(SetCookie::session(
            &names.csrf_token,
            value.as_str(),
            secure,
        ));
    }

    let callback_url = resolve_callback_url(inner, req);
    // Also replaces a callback-url cookie that was ignored as unsafe: the browser stops sending
    // it, and this request is served with the fallback like any other.
    if req.cookie(&names.callback_url) != Some(callback_url.as_str()) {
        init_cookies.push(
            SetCookie::session(&names.callback_url, callback_url.as_str(), secure)
                .in_domain(names.domain.as_ref()),
        );
    }

    Ctx {
        req,
        now_ms: inner.clock.now_ms(),
        csrf_token: check.token,
        csrf_verified: check.verified,
        callback_url,
        init_cookies,
        cookies: Vec::new(),
        signed_in: false,
    }
}

/// `body.callbackUrl ?? query.callbackUrl`, else the cookie, else the origin, each through the
/// `redirect` callback; a URL on a host of `[forward_auth] allowed_hosts` is kept as it is.
///
/// Stricter than v4, which answers an unsafe query value or cookie (`javascript:…`, `evil.test`,
/// undecodable percent-encoding) with a 500 "configuration" error on every request while it lives,
/// and throws on an invalid body value: all three are the client's input, not the server's
/// configuration, so each is logged, ignored and the next source (in the end the origin) is used.
/// The caller then writes the result over the callback-url cookie.
fn resolve_callback_url(inner: &State, req: &AuthRequest) -> String {
    let base = &inner.config.base;
    let origin = base.origin.as_str();
    let forward_auth = inner.config.forward_auth.as_ref();
    let redirect = |url: &str, source: &str| -> Option<String> {
        // A page forward-auth protects (`[forward_auth] allowed_hosts`) is a target like the
        // origin itself: where a sign-in that forward-auth started sends the browser back.
        if let Some(fa) = forward_auth
            && url != origin
            && !url.starts_with('/')
            && fa.allows_redirect(url, base.secure())
        {
            return Some(url.to_string());
        }
        match inner.callbacks.redirect(url, origin) {
            Ok(u) => Some(u),
            Err(_) => {
                tracing::warn!(source, "ignoring a callbackUrl that is not a URL");
                None
            }
        }
    };
    let from_body = req.body_str("callbackUrl").filter(|s| !s.is_empty());
    let from_query = req.query_str("callbackUrl").filter(|s| !s.is_empty());
    let param = match (from_body, from_query) {
        (Some(b), _) => Some((b, "body")),
        (None, Some(q)) if is_acceptable(q, &base.base) => Some((q, "query")),
        (None, Some(_)) => {
            tracing::warn!("ignoring a callbackUrl query that is not a relative or http(s) URL");
            None
        }
        (None, None) => None,
    };
    if let Some((url, source)) = param {
        return redirect(url, source).unwrap_or_else(|| origin.to_string());
    }
    match req
        .cookie(&inner.cookies.callback_url)
        .filter(|c| !c.is_empty())
    {
        // The origin (the usual value: we write it) is an http(s) URL by construction; anything
        // else is parsed.
        Some(c) if c == origin || is_acceptable(c, &base.base) => {
            redirect(c, "cookie").unwrap_or_else(|| origin.to_string())
        }
        Some(_) => {
            tracing::warn!(
                code = "INVALID_CALLBACK_URL_ERROR",
                "ignoring a callback-url cookie that is not a relative or http(s) URL; replacing it"
            );
            origin.to_string()
        }
        None => origin.to_string(),
    }
}

impl<'a> Ctx<'a> {
    /// The values of this request a built-in page shows.
    pub(crate) fn page_view<'b>(&'b self, config: &'b AuthConfig) -> PageView<'b> {
        PageView {
            config,
            csrf_token: &self.csrf_token,
            callback_url: &self.callback_url,
            query_error: self.req.query_str("error"),
            query_email: self.req.query_str("email"),
            reason: self
                .req
                .query_str("reason")
                .and_then(crate::error::Reason::parse),
            request_id: self
                .req
                .query_str("request_id")
                .and_then(crate::error::sane_request_id),
            lang: self.req.query_str("lang"),
            locale_cookie: self.req.cookie(crate::i18n::LOCALE_COOKIE),
            accept_language: self.req.header("accept-language"),
        }
    }
}

/// Says why a POST was refused, without the token values, and counts it
/// ([`crate::telemetry::CSRF_FAILURES`]).
pub(crate) fn log_csrf_failure(req: &AuthRequest, action: &'static str) {
    crate::telemetry::csrf_failure(action);
    let reason = match (req.body_str("csrfToken"), req.cookies.is_empty()) {
        (None, _) => "the form has no csrfToken field",
        (Some(_), true) => "the request has no cookies (is the csrf cookie blocked?)",
        (Some(_), false) => {
            "csrfToken does not match the csrf cookie (or the cookie is missing or was signed with another secret)"
        }
    };
    tracing::info!(action, reason, "CSRF check failed");
}
