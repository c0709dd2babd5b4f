//! `GET session` and `POST session` (update). Ports v4 `core/routes/session.ts` (spec §8.3, §8.4).
//!
//! `GET`: 200 always; `{}` without a valid session; the cookie is re-issued on every read.
//! `POST`: the client's `update(data)`; needs a verified CSRF token (else 400 `{}`), and sends no
//! cache headers.

use crate::init::Ctx;
use crate::response::Reply;
use crate::session;
use crate::state::State;

pub(crate) async fn get(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    session::read(inner, ctx, None, true).await
}

pub(crate) async fn update(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    if !ctx.csrf_verified {
        crate::init::log_csrf_failure(ctx.req, "session");
        return Reply::Json {
            status: 400,
            body: "{}".into(),
            no_store: false,
        };
    }
    let data = ctx.req.body.get("data").cloned();
    session::read(
        inner,
        ctx,
        Some(data.as_ref().unwrap_or(&serde_json::Value::Null)),
        false,
    )
    .await
}
