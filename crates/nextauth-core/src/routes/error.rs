//! `GET error` and `GET error/:code`: the error page (spec §8.10).
//!
//! Codes that belong on the sign-in page (`OAuthCallback`, `CredentialsSignin`, …) redirect
//! there; with `pages.error` every other code redirects to it; else the built-in page renders
//! with the code's status (403 for AccessDenied/Verification, 500 for Configuration, 200 else).

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
    if let Some(code) = error.as_deref().filter(|e| INLINE_ERRORS.contains(e)) {
        return Reply::redirect(format!("{base}/signin?error={code}"));
    }
    if let Some(page) = &inner.config.pages.error {
        let sep = if page.contains('?') { '&' } else { '?' };
        // v4 inserts the raw value (and "undefined" when absent); we encode it, so a crafted
        // code cannot add parameters to the custom page's URL.
        let code = error.as_deref().unwrap_or("undefined");
        return Reply::redirect(format!("{page}{sep}error={}", encode_uri_component(code)));
    }
    inner
        .pages
        .error(&ctx.page_view(&inner.config), error.as_deref())
}
