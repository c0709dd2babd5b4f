//! The account rules of an OAuth sign-in: which user it is, whether the account gets linked,
//! whether a user is created, or whether the sign-in is refused. Ports the OAuth half of v4
//! `core/lib/callback-handler.ts` (spec §12).

use serde_json::{Map, Value};

use crate::adapter::{AdapterAccount, AdapterError, AdapterUser, NewUser};
use crate::clock::iso_ms;
use crate::config::SessionStrategy;
use crate::error::AuthError;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::session;
use crate::state::State;

/// Who signed in.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The user: the stored one with an adapter, else the mapped profile.
    pub(crate) user: Map<String, Value>,
    /// `None` without an adapter (v4 leaves `isNewUser` undefined).
    pub(crate) is_new_user: Option<bool>,
}

/// A stored user as v4's adapter user object: `{id, name, email, emailVerified, image}`.
pub(crate) fn user_json(user: &AdapterUser) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(user.id.clone()));
    if let Some(v) = &user.name {
        m.insert("name".into(), Value::String(v.clone()));
    }
    if let Some(v) = &user.email {
        m.insert("email".into(), Value::String(v.clone()));
    }
    m.insert(
        "emailVerified".into(),
        user.email_verified
            .map(|ms| Value::String(iso_ms(ms)))
            .unwrap_or(Value::Null),
    );
    if let Some(v) = &user.image {
        m.insert("image".into(), Value::String(v.clone()));
    }
    m
}

fn str_of(m: &Map<String, Value>, k: &str) -> Option<String> {
    match m.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The account row to link: the token columns of `@auth/pg-adapter`'s `accounts` table.
fn adapter_account(account: &Map<String, Value>, user_id: &str) -> AdapterAccount {
    AdapterAccount {
        user_id: user_id.to_string(),
        kind: "oauth".into(),
        provider: str_of(account, "provider").unwrap_or_default(),
        provider_account_id: str_of(account, "providerAccountId").unwrap_or_default(),
        refresh_token: str_of(account, "refresh_token"),
        access_token: str_of(account, "access_token"),
        expires_at: account.get("expires_at").and_then(Value::as_i64),
        token_type: str_of(account, "token_type"),
        scope: str_of(account, "scope"),
        id_token: str_of(account, "id_token"),
        session_state: str_of(account, "session_state"),
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
    profile: &Map<String, Value>,
    account: &Map<String, Value>,
) -> Result<Outcome, AuthError> {
    let Some(adapter) = &inner.adapter else {
        return Ok(Outcome {
            user: profile.clone(),
            is_new_user: None,
        });
    };
    let strategy = inner.config.session.strategy;

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

    let provider_id = str_of(account, "provider").unwrap_or_default();
    let provider_account_id = str_of(account, "providerAccountId").unwrap_or_default();
    let by_account = adapter
        .get_user_by_account(&provider_id, &provider_account_id)
        .await
        .map_err(storage("reading the account"))?;

    if let Some(known) = by_account {
        return match &current {
            Some(cur) if cur.id == known.id => Ok(Outcome {
                user: user_json(&known),
                is_new_user: Some(false),
            }),
            Some(_) => Err(AuthError::OAuthAccountNotLinked(
                "the account is already linked to another user than the one signed in",
            )),
            None => Ok(Outcome {
                user: user_json(&known),
                is_new_user: Some(false),
            }),
        };
    }

    if let Some(cur) = current {
        // Signed in, new account: link it to the current user.
        adapter
            .link_account(&adapter_account(account, &cur.id))
            .await
            .map_err(storage("linking the account"))?;
        tracing::info!(provider = %provider_id, user = %cur.id, "linked an account to the signed-in user");
        return Ok(Outcome {
            user: user_json(&cur),
            is_new_user: Some(false),
        });
    }

    let email = profile
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty());
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
        None => adapter
            .create_user(NewUser {
                name: str_of(profile, "name"),
                email: email.map(str::to_string),
                email_verified: None,
                image: str_of(profile, "image"),
            })
            .await
            .map_err(AuthError::OAuthCreateAccount)?,
    };
    adapter
        .link_account(&adapter_account(account, &user.id))
        .await
        .map_err(storage("linking the account"))?;
    // v4 quirk kept: with dangerous e-mail linking, isNewUser is true too (spec §12).
    Ok(Outcome {
        user: user_json(&user),
        is_new_user: Some(true),
    })
}
