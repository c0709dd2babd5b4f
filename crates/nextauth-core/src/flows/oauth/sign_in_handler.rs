//! The account rules of an OAuth sign-in: which user it is, whether the account gets linked,
//! whether a user is created, or whether the sign-in is refused. Ports the OAuth half of v4
//! `core/lib/callback-handler.ts` (spec §12).

use serde_json::Value;

use crate::adapter::{AdapterAccount, AdapterError, AdapterUser, NewUser};
use crate::config::SessionStrategy;
use crate::domain::{Account, User};
use crate::error::AuthError;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::session;
use crate::state::State;

/// Who signed in.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The user: the stored one with an adapter, else the mapped profile.
    pub(crate) user: User,
    /// `None` without an adapter (v4 leaves `isNewUser` undefined).
    pub(crate) is_new_user: Option<bool>,
}

/// The account row to link: the account of the sign-in, now with its user.
fn adapter_account(account: &Account, user_id: &str) -> AdapterAccount {
    AdapterAccount {
        user_id: user_id.to_string(),
        ..account.clone()
    }
}

/// A failed adapter call: `error=Callback`.
fn storage(step: &'static str) -> impl FnOnce(AdapterError) -> AuthError {
    move |source| AuthError::Storage { step, source }
}

/// Applies the rules. `profile` is the mapped user (`{id, name, email, image}`), `account` the
/// account object (`provider`, `type`, `providerAccountId`, tokens).
pub(crate) async fn handle(
    inner: &State,
    ctx: &Ctx<'_>,
    provider: &OAuthProvider,
    profile: &User,
    account: &Account,
) -> Result<Outcome, AuthError> {
    let Some(adapter) = &inner.adapter else {
        return Ok(Outcome {
            user: profile.clone(),
            is_new_user: None,
        });
    };
    let strategy = inner.config.session.strategy;
    let emit = crate::events::Emit {
        adapter: &**adapter,
        events: &*inner.events,
        now_ms: ctx.now_ms,
    };
    // v4 `linkAccount` event's `profile` is the mapped profile (callback-handler.ts).
    let mapped = serde_json::to_value(profile).ok();

    // The user signed in now, if any.
    let mut current: Option<AdapterUser> = None;
    if let Some(token) = session::token_from_request(inner, ctx) {
        match strategy {
            SessionStrategy::Jwt => {
                // v4 ignores every error here: an unreadable cookie is "nobody signed in".
                let now_s = ctx.now_ms.div_euclid(1000);
                if let Some(sub) = inner
                    .session_keys
                    .decode_jwt(&token, now_s)
                    .ok()
                    .and_then(|t| t.get("sub").and_then(Value::as_str).map(str::to_string))
                {
                    current = adapter.get_user(&sub).await.ok().flatten();
                }
            }
            SessionStrategy::Database => {
                if let Some((s, u)) = adapter
                    .get_session_and_user(&token)
                    .await
                    .map_err(storage("reading the session"))?
                {
                    // Stricter than v4: an expired session row signs nobody in.
                    if s.expires > ctx.now_ms {
                        current = Some(u);
                    }
                }
            }
        }
    }

    let provider_id = &account.provider;
    let by_account = adapter
        .get_user_by_account(provider_id, &account.provider_account_id)
        .await
        .map_err(storage("reading the account"))?;

    if let Some(known) = by_account {
        return match &current {
            Some(cur) if cur.id == known.id => Ok(Outcome {
                user: known,
                is_new_user: Some(false),
            }),
            Some(_) => Err(AuthError::OAuthAccountNotLinked(
                "the account is already linked to another user than the one signed in",
            )),
            None => Ok(Outcome {
                user: known,
                is_new_user: Some(false),
            }),
        };
    }

    if let Some(cur) = current {
        // Signed in, new account: link it to the current user.
        emit.link_account(&adapter_account(account, &cur.id), &cur, mapped.as_ref())
            .await
            .map_err(storage("linking the account"))?;
        tracing::info!(provider = %provider_id, user = %cur.id, "linked an account to the signed-in user");
        return Ok(Outcome {
            user: cur,
            is_new_user: Some(false),
        });
    }

    let email = profile.email.as_deref().filter(|e| !e.is_empty());
    let by_email = match email {
        Some(e) => adapter
            .get_user_by_email(e)
            .await
            .map_err(storage("reading the user by e-mail"))?,
        None => None,
    };
    let user = match by_email {
        Some(existing) if provider.allow_dangerous_email_account_linking => existing,
        Some(_) => {
            return Err(AuthError::OAuthAccountNotLinked(
                "another user already has this e-mail address (sign in the way they did, then link)",
            ));
        }
        None => emit
            .create_user(NewUser {
                name: profile.name.clone(),
                email: email.map(str::to_string),
                email_verified: None,
                image: profile.image.clone(),
            })
            .await
            .map_err(AuthError::OAuthCreateAccount)?,
    };
    emit.link_account(&adapter_account(account, &user.id), &user, mapped.as_ref())
        .await
        .map_err(storage("linking the account"))?;
    // v4 quirk kept: with dangerous e-mail linking, isNewUser is true too (spec §12).
    Ok(Outcome {
        user,
        is_new_user: Some(true),
    })
}
