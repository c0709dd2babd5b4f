//! OAuth 2.0 / OpenID Connect sign-in: the authorization redirect (`POST signin/:id`) and the
//! callback (`GET|POST callback/:id`). Ports v4 `core/lib/oauth/*` and the OAuth branches of
//! `core/routes/signin.ts` / `core/routes/callback.ts` (spec §11, §12, §18).
//!
//! | module | job | v4 |
//! |---|---|---|
//! | [`authorization_url`] | the authorization URL, parameters in openid-client's order | `core/lib/oauth/authorization-url.ts` |
//! | [`checks`] | state / PKCE / nonce, each sealed in its own JWE cookie bound to the provider | `core/lib/oauth/checks.ts` |
//! | [`callback`] | callback parameters, code exchange, userinfo | `core/lib/oauth/callback.ts` |
//! | [`id_token`] | ID-token validation: JWS from the JWK set, `iss`, `aud`/`azp`, times, `nonce`, `at_hash` | openid-client `Client#validateIdToken` |
//! | [`backchannel`] | back-channel logout: logout-token validation, replay record, the sessions it ends | OIDC Back-Channel Logout 1.0 (not in v4) |
//! | [`profile`] | the provider's profile JSON → `{id, name, email, image}` | each provider's `profile()` |
//! | [`sign_in_handler`] | the account rules: link, create, refuse | `core/lib/callback-handler.ts` |
//! | [`refresh`] | race-free access-token refresh (single-flight, a grace record, a lease across instances) | v4's refresh-token-rotation recipe |
//! | [`logout`] | federated logout: the IdP's `end_session_endpoint` (OIDC RP-Initiated Logout 1.0) | (none in v4) |
//!
//! # Why not the `openidconnect` / `oauth2` crates
//! They were evaluated and fight v4's wire format at several places this module must reproduce:
//! the check values live in cookies sealed with v4's JWE (not in a server-side store), the client
//! id and secret of HTTP Basic are `formUrlEncode`d (encodeURIComponent, then `%20`→`+`), the token
//! set keeps *every* member of the token response (with `expires_in` turned into `expires_at` in
//! place), userinfo is asked with the token endpoint's `token_type` verbatim (`bearer AT`), and an
//! ID token must carry no `nonce` when the nonce check is off. The OAuth side is therefore plain
//! HTTP on the shared `reqwest` client, and only the cryptography comes from a crate:
//! `jsonwebtoken` (RustCrypto backend) verifies ID-token signatures with keys from the JWK set.
//!
//! # Stricter than v4
//! * Every failure is logged with *which* check failed and why (cookie missing, expired, minted
//!   for another provider, state mismatch, token endpoint answered 400 `invalid_grant`, signature
//!   invalid, …), while the browser still sees v4's error codes.
//! * A check cookie minted for another provider is refused and left alone (it may belong to a
//!   sign-in going on in another tab).
//! * The request's query cannot override `client_id`, `redirect_uri`, `response_type` or the
//!   check parameters of the authorization URL.
//! * ID tokens signed with `none` or an HMAC algorithm are refused; responses from the IdP are
//!   read up to 1 MiB, with openid-client's 3.5 s timeout and no redirects.

pub(crate) mod authorization_url;
pub mod backchannel;
pub(crate) mod callback;
pub(crate) mod checks;
pub(crate) mod id_token;
pub(crate) mod logout;
pub mod profile;
pub(crate) mod refresh;
pub(crate) mod sign_in_handler;
#[cfg(test)]
mod tests;

use crate::error::AuthError;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::response::Reply;
use crate::state::State;

pub use profile::map_profile;

/// `POST signin/:oauth` (CSRF already verified): redirect to the IdP's authorization endpoint,
/// setting one cookie per check. Any failure (discovery unreachable, no endpoint) logs
/// `SIGNIN_OAUTH_ERROR` and redirects to the error page ([`AuthError::OAuthSignin`]), as v4.
pub(crate) async fn signin(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Reply {
    match authorization_url::signin(inner, ctx, provider_id, provider).await {
        Ok(url) => Reply::redirect(url),
        Err(reason) => {
            tracing::error!(
                code = "SIGNIN_OAUTH_ERROR",
                provider = provider_id,
                %reason,
                "could not build the authorization URL"
            );
            AuthError::OAuthSignin(reason).reply(&inner.config.base.base)
        }
    }
}

/// `GET|POST callback/:oauth` (POST is `response_mode=form_post`). See [`callback`].
pub(crate) async fn callback(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Reply {
    // Rate limit per client address, before any check cookie is read or the IdP is called.
    let client = ctx.req.client_addr(&inner.config.trusted_proxies);
    if let Err(l) = inner
        .limiter
        .hit_ip(crate::ratelimit::Kind::OAuth, client, ctx.now_ms)
        .await
    {
        return l.reply(&inner.config.base.base);
    }
    callback::handle(inner, ctx, provider_id, provider).await
}
