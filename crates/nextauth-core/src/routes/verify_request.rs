//! `GET verify-request`: "Check your email" after a magic link was sent (spec §8.11).
//! With `pages.verify_request`, a redirect there (the incoming query is dropped, as in v4).

use crate::init::Ctx;
use crate::response::Reply;
use crate::state::State;

pub(crate) fn page(inner: &State, ctx: &Ctx<'_>) -> Reply {
    if let Some(page) = &inner.config.pages.verify_request {
        return Reply::redirect(page.clone());
    }
    inner.pages.verify_request(&ctx.page_view(&inner.config))
}
