//! `GET error` and `GET error/:code`: the error page (spec §8.10).
//!
//! Codes that belong on the sign-in page (`OAuthCallback`, `CredentialsSignin`, …) redirect
//! there; with `pages.error` every other code redirects to it; else the built-in page renders
//! with the code's status (403 for AccessDenied/Verification, 500 for Configuration, 200 else).
//! `RateLimited` (ours, [`crate::ratelimit`]) renders with 429 and, when the redirect carried
//! `retry_after=<seconds>`, says when to try again and sends that as `Retry-After`.
//!
//! Not in v4 (issue 16): `&reason=<code>` (one of [`crate::error::Reason`]) and
//! `&request_id=<id>` beside `error=` say which check failed and tie the page to the log; both
//! are passed on to the sign-in page and to `pages.error`, and shown by the built-in pages.
//! Anything else in them is dropped.

use crate::cookies::encode_uri_component;
use crate::error::INLINE_ERRORS;
use crate::init::Ctx;
use crate::response::Reply;
use crate::state::State;

pub(crate) fn page(inner: &State, ctx: &Ctx<'_>) -> Reply {
    let req = ctx.req;
    let error = req
        .query_str("error")
        .or(req.provider_id.as_deref())
        .map(str::to_string);
    let base = &inner.config.base.base;
    // `RateLimited` (ours): the seconds to wait, as the refused request's redirect carried them.
    // Only digits are read, and at most 7 days: anything else is "later".
    let retry_after = (error.as_deref() == Some("RateLimited"))
        .then(|| req.query_str("retry_after"))
        .flatten()
        .filter(|v| !v.is_empty() && v.len() <= 7 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&v| v <= crate::ratelimit::Rate::MAX_WINDOW_SECS);
    // The reason and request id of the failed request (issue 16) travel on, each only when it
    // is one of the fixed reasons / a sane id: the URL never reflects other text.
    let view = ctx.page_view(&inner.config);
    let mut detail = String::new();
    if let Some(r) = view.reason {
        detail.push_str("&reason=");
        detail.push_str(r.as_str());
    }
    if let Some(id) = view.request_id {
        detail.push_str("&request_id=");
        detail.push_str(id);
    }
    if let Some(code) = error.as_deref().filter(|e| INLINE_ERRORS.contains(e)) {
        return Reply::redirect(format!("{base}/signin?error={code}{detail}"));
    }
    if let Some(page) = &inner.config.pages.error {
        let sep = if page.contains('?') { '&' } else { '?' };
        // v4 inserts the raw value (and "undefined" when absent); we encode it, so a crafted
        // code cannot add parameters to the custom page's URL.
        let code = error.as_deref().unwrap_or("undefined");
        let mut url = format!("{page}{sep}error={}", encode_uri_component(code));
        if let Some(secs) = retry_after {
            url.push_str(&format!("&retry_after={secs}"));
        }
        url.push_str(&detail);
        return Reply::redirect(url);
    }
    let page = inner.pages.error(&view, error.as_deref(), retry_after);
    match retry_after {
        Some(secs) => Reply::WithRetryAfter {
            secs,
            reply: Box::new(page),
        },
        None => page,
    }
}
