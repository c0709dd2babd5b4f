//! `GET|POST callback/:provider`: where a sign-in completes. Ports v4 `core/routes/callback.ts`
//! (spec §8.7, §8.8, §11.4, §13.3, §14).
//!
//! * OAuth: the IdP's redirect (GET) or `form_post` (POST); see [`crate::flows::oauth`].
//! * Email: the magic link; see [`crate::flows::email`].
//! * Credentials: the sign-in form (POST, CSRF-checked); see [`crate::flows::credentials`]. A GET
//!   is refused with 405.

use crate::flows::{credentials, email as email_flow, oauth};
use crate::init::Ctx;
use crate::providers::ProviderKind;
use crate::response::Reply;
use crate::state::State;
use crate::telemetry::SignInOutcome;

pub(crate) use crate::flows::credentials::credentials_get;

pub(crate) async fn handle(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    let Some(provider) = ctx
        .req
        .provider_id
        .as_deref()
        .and_then(|id| inner.config.provider(id))
    else {
        // The handler refuses these before init; kept so that this function is total.
        return Reply::unknown_provider(
            "callback",
            ctx.req.provider_id.as_deref(),
            &inner.config.base.base,
        );
    };
    let reply = match &provider.kind {
        ProviderKind::OAuth(o) => oauth::callback(inner, ctx, &provider.id, o).await,
        ProviderKind::Email(e) => email_flow::callback(inner, ctx, provider, e).await,
        ProviderKind::Credentials(c) => credentials::callback(inner, ctx, provider, c).await,
    };
    // A started session is a success; a failure's redirect says how it failed. Anything else
    // (a CSRF refusal, counted on its own; the 405 of a GET) was no sign-in attempt.
    let outcome = match &reply {
        _ if ctx.signed_in => Some(SignInOutcome::Success),
        Reply::Redirect { failed, .. } => *failed,
        _ => None,
    };
    if let Some(outcome) = outcome {
        crate::telemetry::sign_in(&provider.id, outcome);
    }
    reply
}
