//! Federated logout: `POST signout` of a session that came from a provider with
//! `federated_logout = true` also ends the IdP session, by sending the browser to the IdP's
//! `end_session_endpoint` as OpenID Connect RP-Initiated Logout 1.0 (§2, §3) describes. v4 has
//! no such thing (next-auth #836, #3270, #6198).
//!
//! The local session ends first, exactly as without it (cookie cleared, database row deleted,
//! `signOut` event); only the answer changes: instead of the callbackUrl, the browser goes to
//!
//! ```text
//! <end_session_endpoint>?id_token_hint=<ID token>&client_id=<client id>
//!     &post_logout_redirect_uri=<the validated callbackUrl>&state=<random>
//! ```
//!
//! (a `302`, or `{"url": …}` in JSON mode, which `next-auth/react`'s `signOut()` follows). The
//! IdP comes back to the callbackUrl once its session is over (the URL must be registered with
//! it as a post-logout redirect URI). `state` is random; nothing here reads it back, as the
//! callbackUrl needs no protection beyond its validation.
//!
//! Which session is federated: a JWT session carries its provider and ID token
//! ([`crate::providers::oauth::KEPT_CLAIMS`] `provider`, `idToken`); a database session's user is
//! looked up, and the first provider (in configuration order) with `federated_logout` at which
//! the user has an account gives the ID token (from the account row, [`crate::Adapter::get_account`]).
//! A provider whose IdP announces no `end_session_endpoint` (or without `issuer`, so without
//! discovery) signs out locally only, with a warning.

use serde_json::Value;

use crate::config::SessionStrategy;
use crate::crypto::random;
use crate::init::Ctx;
use crate::providers::{OAuthProvider, ProviderKind};
use crate::state::State;

/// What the IdP logout of a session needs, read before the session ends.
#[derive(Debug, Clone)]
pub(crate) struct Federated {
    /// The provider the session came from.
    provider_id: String,
    /// Its ID token (the `id_token_hint`), when the sign-in got one.
    id_token: Option<String>,
}

/// The OAuth providers with `federated_logout`, in configuration order.
fn federated_providers(inner: &State) -> impl Iterator<Item = (&str, &OAuthProvider)> {
    inner.config.providers.iter().filter_map(|p| match &p.kind {
        ProviderKind::OAuth(o) if o.federated_logout => Some((p.id.as_str(), &**o)),
        _ => None,
    })
}

/// Whether the session of the cookie value `token` came from a provider with
/// `federated_logout`, and with which ID token. `None` without such a provider (no extra work
/// then), or when the cookie is no session of one. Storage failures are logged and give `None`:
/// the local sign-out goes on.
pub(crate) async fn pending(inner: &State, ctx: &Ctx<'_>, token: &str) -> Option<Federated> {
    federated_providers(inner).next()?;
    match inner.config.session.strategy {
        SessionStrategy::Jwt => {
            let claims = inner
                .session_keys
                .decode_jwt(token, ctx.now_ms.div_euclid(1000))
                .ok()?;
            let provider_id = claims.get("provider").and_then(Value::as_str)?;
            federated_providers(inner).find(|(id, _)| *id == provider_id)?;
            Some(Federated {
                provider_id: provider_id.to_string(),
                id_token: claims
                    .get("idToken")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        }
        SessionStrategy::Database => {
            let adapter = inner.adapter.as_ref()?;
            let (session, user) = match adapter.get_session_and_user(token).await {
                Ok(found) => found?,
                Err(e) => {
                    tracing::error!(code = "SIGNOUT_ERROR", error = %e, "reading the session for federated logout failed: signing out locally only");
                    return None;
                }
            };
            if session.expires <= ctx.now_ms {
                return None;
            }
            for (id, _) in federated_providers(inner) {
                match adapter.get_account(&user.id, id).await {
                    Ok(Some(account)) => {
                        return Some(Federated {
                            provider_id: id.to_string(),
                            id_token: account.id_token,
                        });
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(code = "SIGNOUT_ERROR", provider = id, error = %e, "reading the account for federated logout failed: signing out locally only");
                        return None;
                    }
                }
            }
            None
        }
    }
}

/// The IdP's end-session URL for `federated` (RP-Initiated Logout 1.0 §2:
/// `id_token_hint`, `client_id`, `post_logout_redirect_uri` = `post_logout`, `state`), or
/// `None`, with a warning, when the IdP announces no `end_session_endpoint` or discovery fails.
pub(crate) async fn end_session_url(
    inner: &State,
    now_ms: i64,
    federated: &Federated,
    post_logout: &str,
) -> Option<String> {
    let (id, provider) = federated_providers(inner).find(|(id, _)| *id == federated.provider_id)?;
    let Some(issuer) = &provider.issuer else {
        tracing::warn!(
            provider = id,
            "federated_logout: the provider has no `issuer`, so no discovered end_session_endpoint; signed out here only"
        );
        return None;
    };
    let endpoint = match inner
        .oauth_cache
        .metadata(&inner.http, issuer, now_ms)
        .await
    {
        Ok(meta) => meta.end_session_endpoint.clone(),
        Err(reason) => {
            tracing::warn!(provider = id, %reason, "federated_logout: OIDC discovery failed; signed out here only");
            return None;
        }
    };
    let Some(endpoint) = endpoint else {
        tracing::warn!(
            provider = id,
            issuer = %issuer,
            "federated_logout: the IdP announces no end_session_endpoint; signed out here only"
        );
        return None;
    };
    // Discovery checked it is an absolute http(s) URL.
    let mut url = url::Url::parse(&endpoint).ok()?;
    {
        let mut query = url.query_pairs_mut();
        if let Some(hint) = &federated.id_token {
            query.append_pair("id_token_hint", hint);
        }
        query
            .append_pair("client_id", &provider.client_id)
            .append_pair("post_logout_redirect_uri", post_logout)
            .append_pair("state", &random::b64url32());
    }
    tracing::info!(
        provider = id,
        "federated logout: sending the browser to the IdP's end_session_endpoint"
    );
    Some(url.into())
}
