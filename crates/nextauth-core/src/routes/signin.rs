//! `GET signin[/:provider]` (the sign-in page) and `POST signin/:provider` (start an OAuth or
//! e-mail sign-in). Ports v4 `core/routes/signin.ts` and the signin branches of `core/index.ts`
//! (spec §8.5, §8.6).

use crate::cookies::encode_uri_component;
use crate::flows::{email as email_flow, oauth};
use crate::init::{Ctx, log_csrf_failure};
use crate::providers::ProviderKind;
use crate::response::Reply;
use crate::state::State;

/// `GET signin`: the built-in page, or a redirect to `pages.sign_in` with the callbackUrl and the
/// error (`query.error`, else the provider segment, as v4 does).
pub(crate) fn page(inner: &State, ctx: &Ctx<'_>) -> Reply {
    if let Some(page) = &inner.config.pages.sign_in {
        let sep = if page.contains('?') { '&' } else { '?' };
        let mut url = format!(
            "{page}{sep}callbackUrl={}",
            encode_uri_component(&ctx.callback_url)
        );
        let error = ctx
            .req
            .query_str("error")
            .or(ctx.req.provider_id.as_deref());
        if let Some(e) = error {
            url.push_str("&error=");
            url.push_str(&encode_uri_component(e));
        }
        return Reply::redirect(url);
    }
    inner.pages.signin(&ctx.page_view(&inner.config))
}

/// `POST signin/:provider`: needs a verified CSRF token, else `signin?csrf=true`. An unknown
/// provider never gets here: the handler answers it with a 404 that names it (v4 sends it to
/// `signin?csrf=true` too, which reports a CSRF failure that did not happen).
pub(crate) async fn post(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    let base = &inner.config.base.base;
    let Some(provider) = ctx
        .req
        .provider_id
        .as_deref()
        .and_then(|id| inner.config.provider(id))
    else {
        return Reply::unknown_provider("signin", ctx.req.provider_id.as_deref(), base);
    };
    if !ctx.csrf_verified {
        log_csrf_failure(ctx.req, "signin");
        return Reply::redirect(format!("{base}/signin?csrf=true"));
    }
    match &provider.kind {
        ProviderKind::OAuth(o) => oauth::signin(inner, ctx, &provider.id, o).await,
        ProviderKind::Email(e) => email_flow::signin(inner, ctx, provider, e).await,
        // Credentials sign in through `POST callback/:id`.
        ProviderKind::Credentials(_) => Reply::redirect(format!("{base}/signin")),
    }
}
