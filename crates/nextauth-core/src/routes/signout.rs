//! `GET signout` (the confirmation page) and `POST signout`. Ports v4 `core/routes/signout.ts`
//! (spec §8.9).
//!
//! `POST` needs a verified CSRF token (else `signout?csrf=true`). With a session cookie, a
//! database session's row is deleted and every session cookie chunk is cleared; then the browser
//! goes to the callbackUrl. The csrf and callback-url cookies stay.

use crate::config::SessionStrategy;
use crate::init::Ctx;
use crate::init::log_csrf_failure;
use crate::response::Reply;
use crate::session;
use crate::state::State;

pub(crate) fn page(inner: &State, ctx: &Ctx<'_>) -> Reply {
    if let Some(page) = &inner.config.pages.sign_out {
        return Reply::redirect(page.clone());
    }
    inner.pages.signout(&ctx.page_view(&inner.config))
}

pub(crate) async fn post(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    if !ctx.csrf_verified {
        log_csrf_failure(ctx.req, "signout");
        return Reply::redirect(format!("{}/signout?csrf=true", inner.config.base.base));
    }
    if let Some(token) = session::token_from_request(inner, ctx) {
        if inner.config.session.strategy == SessionStrategy::Database
            && let Some(adapter) = &inner.adapter
            && let Err(e) = adapter.delete_session(&token).await
        {
            tracing::error!(code = "SIGNOUT_ERROR", error = %e, "deleting the session failed");
        }
        session::clear_cookie(inner, ctx);
    }
    Reply::redirect(ctx.callback_url.clone())
}
