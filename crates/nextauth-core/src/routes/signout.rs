//! `GET signout` (the confirmation page) and `POST signout`. Ports v4 `core/routes/signout.ts`
//! (spec §8.9).
//!
//! `POST` needs a verified CSRF token (else `signout?csrf=true`). With a session cookie, a
//! database session's row is deleted and every session cookie chunk is cleared; then the browser
//! goes to the callbackUrl. The csrf and callback-url cookies stay.
//!
//! A session from a provider with `federated_logout` ends the same way, and then the browser
//! goes to the IdP's `end_session_endpoint` instead, which brings it back to the callbackUrl
//! (OIDC RP-Initiated Logout 1.0; [`crate::flows::oauth`]'s `logout`).

use crate::config::SessionStrategy;
use crate::events::{Event, SignOutMessage};
use crate::flows::oauth::logout;
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
    let mut federated = None;
    if let Some(token) = session::token_from_request(inner, ctx) {
        // Read before the session ends: the provider and ID token of the IdP logout.
        federated = logout::pending(inner, ctx, &token).await;
        if let Err(e) = sign_out(inner, ctx, &token).await {
            tracing::error!(code = "SIGNOUT_ERROR", error = %e, "ending the session (row or signOut event) failed");
        }
        session::clear_cookie(inner, ctx);
    }
    if let Some(federated) = federated
        && let Some(url) =
            logout::end_session_url(inner, ctx.now_ms, &federated, &ctx.callback_url).await
    {
        return Reply::redirect(url);
    }
    Reply::redirect(ctx.callback_url.clone())
}

/// Ends the session of `token` with v4's `signOut` event: `{session}` with the row deleted (one
/// transaction with durable events), `{token}` (the decoded JWT) in the JWT strategy. A cookie
/// that is no session (unknown row, undecodable JWT) sends no event (v4 sends one with
/// `undefined`); a database row unknown is deleted all the same.
async fn sign_out(
    inner: &State,
    ctx: &Ctx<'_>,
    token: &str,
) -> Result<(), crate::adapter::AdapterError> {
    let emit = inner.emit(ctx.now_ms);
    if inner.config.session.strategy == SessionStrategy::Database {
        let Some(adapter) = &inner.adapter else {
            return Ok(());
        };
        return match (adapter.get_session_and_user(token).await?, emit) {
            (Some((row, _)), Some(emit)) => emit.delete_session(&row).await,
            _ => adapter.delete_session(token).await,
        };
    }
    let Ok(decoded) = inner
        .session_keys
        .decode_jwt(token, ctx.now_ms.div_euclid(1000))
    else {
        return Ok(());
    };
    // `revoke_on_signout`: every copy of this cookie is refused from now on (module
    // `crate::revocation`); recorded before the event, so a failure leaves the copies valid
    // and is logged by the caller, while the cookie is cleared all the same.
    let cfg = &inner.config.session;
    if cfg.revoke_on_signout
        && let Some(serde_json::Value::String(sid)) =
            decoded.get(crate::revocation::SESSION_ID_CLAIM)
        && let Some(adapter) = inner.adapter.as_deref()
    {
        let keep_s = cfg.max_age.max(cfg.jwt_max_age);
        inner
            .revocations
            .record(
                adapter,
                crate::domain::Revocation {
                    kind: crate::domain::RevocationKind::Session,
                    subject: sid.clone(),
                    at: ctx.now_ms,
                    until: ctx.now_ms.saturating_add(keep_s.saturating_mul(1000)),
                },
            )
            .await?;
    }
    let event = Event::SignOut(SignOutMessage {
        token: Some(decoded),
        session: None,
    });
    match emit {
        Some(emit) => emit.alone(event).await,
        None => {
            event.dispatch(&*inner.events).await;
            Ok(())
        }
    }
}
