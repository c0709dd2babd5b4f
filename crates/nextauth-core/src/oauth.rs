//! OAuth 2.0 / OpenID Connect sign-in: the authorization redirect and the callback.
//! Ports v4 `core/lib/oauth/*` (spec §11). Not built yet: see the OAuth issue.

use crate::handler::Inner;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::response::Reply;

/// `POST signin/:oauth`.
pub(crate) async fn signin(
    inner: &Inner,
    _ctx: &mut Ctx<'_>,
    provider_id: &str,
    _provider: &OAuthProvider,
) -> Reply {
    tracing::error!(code = "SIGNIN_OAUTH_ERROR", provider = provider_id, "OAuth sign-in is not available in this build yet");
    Reply::redirect(format!("{}/error?error=OAuthSignin", inner.config.base.base))
}

/// `GET|POST callback/:oauth`.
pub(crate) async fn callback(
    inner: &Inner,
    _ctx: &mut Ctx<'_>,
    provider_id: &str,
    _provider: &OAuthProvider,
) -> Reply {
    tracing::error!(code = "OAUTH_CALLBACK_ERROR", provider = provider_id, "OAuth callbacks are not available in this build yet");
    Reply::redirect(format!("{}/error?error=OAuthCallback", inner.config.base.base))
}
