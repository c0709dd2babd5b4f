//! OAuth 2.0 / OpenID Connect sign-in: the authorization redirect (`POST signin/:id`) and the
//! callback (`GET|POST callback/:id`). Ports v4 `core/lib/oauth/*` and the OAuth branches of
//! `core/routes/signin.ts` / `core/routes/callback.ts` (spec §11, §12, §18).
//!
//! | module | job | v4 |
//! |---|---|---|
//! | [`authorization_url`] | the authorization URL, parameters in openid-client's order | `core/lib/oauth/authorization-url.ts` |
//! | [`checks`] | state / PKCE / nonce, each sealed in its own JWE cookie bound to the provider | `core/lib/oauth/checks.ts` |
//! | [`discovery`] | OIDC discovery and JWK sets, cached (v4 refetches both on every request) | `core/lib/oauth/client.ts` |
//! | [`callback`] | callback parameters, code exchange, userinfo | `core/lib/oauth/callback.ts` |
//! | [`id_token`] | ID-token validation: JWS from the JWK set, `iss`, `aud`/`azp`, times, `nonce`, `at_hash` | openid-client `Client#validateIdToken` |
//! | [`profile`] | the provider's profile JSON → `{id, name, email, image}` | each provider's `profile()` |
//! | [`sign_in_handler`] | the account rules: link, create, refuse | `core/lib/callback-handler.ts` |
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
pub(crate) mod callback;
pub(crate) mod checks;
pub(crate) mod discovery;
pub(crate) mod id_token;
pub mod profile;
pub(crate) mod sign_in_handler;
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde_json::Value;

use crate::error::{AuthError, OAuthError};
use crate::handler::Inner;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::response::Reply;

pub(crate) use discovery::OAuthCache;
pub use profile::map_profile;

/// Time allowed to each IdP request: openid-client's default `timeout` (3500 ms), which v4 keeps.
pub(crate) const IDP_TIMEOUT: Duration = Duration::from_millis(3500);

/// Largest IdP response body read (discovery, JWKS, token, userinfo): far above any real one.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// `POST signin/:oauth` (CSRF already verified): redirect to the IdP's authorization endpoint,
/// setting one cookie per check. Any failure (discovery unreachable, no endpoint) logs
/// `SIGNIN_OAUTH_ERROR` and redirects to the error page ([`AuthError::OAuthSignin`]), as v4.
pub(crate) async fn signin(
    inner: &Inner,
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
    inner: &Inner,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Reply {
    callback::handle(inner, ctx, provider_id, provider).await
}

/// Reads a response body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, OAuthError> {
    let too_large = OAuthError::TooLarge { limit: MAX_BODY };
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large);
    }
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > MAX_BODY {
                    return Err(too_large);
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(OAuthError::Read(error_chain(&e))),
        }
    }
}

/// Sends `req` and answers `(status, JSON body)`; `what` names the endpoint in messages.
/// A body that is not JSON is an error that quotes its start (IdP bodies carry no secrets of
/// ours; a token response that is not JSON cannot be a token set).
pub(crate) async fn send_json(
    req: reqwest::RequestBuilder,
    what: &str,
) -> Result<(u16, Value), OAuthError> {
    let resp = req
        .timeout(IDP_TIMEOUT)
        .send()
        .await
        .map_err(|e| OAuthError::Unreachable {
            what: what.to_string(),
            reason: error_chain(&e),
        })?;
    let status = resp.status().as_u16();
    let body = read_body(resp).await.map_err(|e| OAuthError::Body {
        what: what.to_string(),
        status,
        cause: Box::new(e),
    })?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => Ok((status, v)),
        Err(_) => Err(OAuthError::NotJson {
            what: what.to_string(),
            status,
            snippet: snippet(&body),
        }),
    }
}

/// The first 120 characters of a body, for logs.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(120).collect()
}

/// An error and its sources on one line (reqwest's top-level message alone says little).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}
