//! The credentials sign-in: the form's fields go to `authorize` (the credentials webhook), the
//! `signIn` callback decides, and a session is opened (a JWT, or a row with database sessions).
//! Ports the credentials branch of v4 `core/routes/callback.ts` (spec §14).

use crate::callbacks::SignInArgs;
use crate::config::SessionStrategy;
use crate::domain::{Account, User};
use crate::error::AuthError;
use crate::init::{Ctx, log_csrf_failure};
use crate::providers::credentials::AuthorizeError;
use crate::providers::{CredentialsProvider, Provider};
use crate::ratelimit::{Kind, Scope};
use crate::request::Method;
use crate::response::Reply;
use crate::session::{self, CredentialsUserError, SignedIn};
use crate::state::State;

/// `GET callback/<credentials provider>`: 405, `Allow: POST`. v4 answers 500 "Callback for
/// provider type credentials not supported": a server error for a client's request.
pub(crate) fn credentials_get() -> Reply {
    Reply::MethodNotAllowed {
        allow: "POST",
        text: "Error: The credentials callback accepts only POST: the sign-in form posts the credentials and its csrfToken here".into(),
    }
}

/// `POST callback/<credentials provider>`: the credentials sign-in (spec §14).
pub(crate) async fn callback(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    creds: &CredentialsProvider,
) -> Reply {
    let base = &inner.config.base.base;
    if ctx.req.method != Method::Post {
        // The handler refuses this before init; kept so that this function is total.
        return credentials_get();
    }
    if !ctx.csrf_verified {
        log_csrf_failure(ctx.req, "callback/credentials");
        return Reply::redirect(format!("{base}/signin?csrf=true"));
    }
    // Rate limits, before `authorize`: every attempt counts per client address; per identifier
    // (the first configured field, e.g. `username`) the hit is taken back when the credentials
    // were right, so only failures (and attempts in flight) count. Below the limits `authorize`
    // is called the same way whatever earlier attempts did (no timing oracle).
    let limiter = &inner.limiter;
    let client = ctx.req.client_addr(&inner.config.trusted_proxies);
    if let Err(l) = limiter.hit_ip(Kind::Credentials, client, ctx.now_ms).await {
        return l.reply(base);
    }
    let identifier = creds
        .fields
        .first()
        .and_then(|f| ctx.req.body_str(&f.name))
        .filter(|v| !v.trim().is_empty());
    let ticket = match identifier {
        Some(name) => {
            match limiter
                .hit_name(
                    Kind::Credentials,
                    Scope::Identifier,
                    &provider.id,
                    name,
                    ctx.now_ms,
                )
                .await
            {
                Ok(t) => t,
                Err(l) => return l.reply(base),
            }
        }
        None => None,
    };
    let user = match creds.authorize.authorize(&ctx.req.body, ctx.req).await {
        // v4 hands the `authorize()` result to the callbacks as it is: further fields stay in
        // `User::extra`.
        Ok(Some(user)) => {
            limiter.undo(ticket, ctx.now_ms).await;
            User::from_object(user)
        }
        Ok(None) => {
            tracing::info!(provider = %provider.id, "credentials refused");
            return AuthError::CredentialsSignin {
                provider: provider.id.clone(),
            }
            .reply(base);
        }
        Err(AuthorizeError::Refused(message)) => {
            tracing::info!(provider = %provider.id, %message, "credentials refused with a message");
            return AuthError::CredentialsRefused(message).reply(base);
        }
        Err(e @ (AuthorizeError::Failed(_) | AuthorizeError::Unreachable(_))) => {
            // Not the user's fault (and not a wrong password): the identifier's hit goes back.
            limiter.undo(ticket, ctx.now_ms).await;
            // Not the user's fault: say so in the log, show the generic sign-in error.
            tracing::error!(provider = %provider.id, reason = %e, "credentials check failed");
            return match e {
                AuthorizeError::Unreachable(reason) => {
                    AuthError::CredentialsUnreachable(reason).reply(base)
                }
                AuthorizeError::Failed(reason) | AuthorizeError::Refused(reason) => {
                    AuthError::CredentialsCheckFailed(reason).reply(base)
                }
            };
        }
    };
    let account = Account::new("credentials", &provider.id, &user.id);
    let decision = inner
        .callbacks
        .sign_in(SignInArgs {
            user: &user,
            account: &account,
            profile: None,
            email_verification_request: false,
        })
        .await;
    if let Some(refusal) = decision.refusal(base, 403) {
        return refusal;
    }
    // Database strategy: the webhook's user becomes a user row of ours, so the session is a
    // row too (v4 writes a JWT here that its own `GET session` cannot read).
    let database =
        inner.config.session.strategy == SessionStrategy::Database && inner.adapter.is_some();
    let user = if database {
        match session::credentials_user(inner, ctx, &provider.id, &user).await {
            Ok(stored) => stored,
            Err(CredentialsUserError::EmailTaken) => {
                tracing::info!(provider = %provider.id, "credentials user's e-mail belongs to another user");
                return AuthError::CredentialsEmailTaken.reply(base);
            }
            Err(CredentialsUserError::NoIdentity) => {
                tracing::error!(provider = %provider.id, "authorize returned neither `id` nor `email`: a database session needs one");
                return AuthError::CredentialsNoIdentity.reply(base);
            }
            Err(CredentialsUserError::Storage(e)) => {
                let e = AuthError::Storage {
                    step: "storing the credentials user",
                    source: e,
                };
                tracing::error!(provider = %provider.id, error = %e, "credentials sign-in failed");
                return e.reply(base);
            }
        }
    } else {
        user
    };
    let signed_in = SignedIn {
        user: &user,
        account: &account,
        profile: None,
        is_new_user: Some(false),
        // JWT strategy: the webhook's user needs no row of ours.
        force_jwt: !database,
        kept: None,
    };
    if let Err(e) = session::start(inner, ctx, signed_in).await {
        let e = AuthError::from(e);
        tracing::error!(error = %e, "credentials sign-in failed");
        return e.reply(base);
    }
    tracing::info!(provider = %provider.id, "signed in");
    Reply::redirect(ctx.callback_url.clone())
}
