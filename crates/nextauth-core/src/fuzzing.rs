//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not a stable API).
//!
//! The parsers a client feeds are mostly public already ([`crate::request`], [`crate::cookies`],
//! [`crate::crypto`], [`crate::callback_url`]). The two that only exist inside a request, the
//! init-time callbackUrl resolution and the OAuth check-cookie reads, are crate-private; these
//! wrappers call the real code (nothing is copied) so a fuzzer can reach them without the rest of
//! the handler.

use crate::handler::NextAuth;
use crate::providers::oauth::Check;
use crate::request::AuthRequest;

/// What `init` decided for one request (v4 `core/init.ts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOutcome {
    /// The resolved callbackUrl.
    pub callback_url: String,
    /// The CSRF token of the request (the cookie's, or a fresh one).
    pub csrf_token: String,
    /// Whether the body's `csrfToken` matched a valid cookie.
    pub csrf_verified: bool,
}

/// Runs the per-request init (CSRF check and callbackUrl resolution) on `req`.
pub fn init(auth: &NextAuth, req: &AuthRequest) -> InitOutcome {
    let ctx = crate::init::init(&auth.inner, req);
    InitOutcome {
        callback_url: ctx.callback_url,
        csrf_token: ctx.csrf_token,
        csrf_verified: ctx.csrf_verified,
    }
}

/// Reads the `state`, PKCE and `nonce` cookies of `req` for `provider_id`, as the OAuth callback
/// does (v4 `core/lib/oauth/checks.ts` `use`). `Ok` holds `(state, code_verifier, nonce)`.
#[allow(clippy::type_complexity)]
pub fn use_checks(
    auth: &NextAuth,
    req: &AuthRequest,
    provider_id: &str,
) -> Result<(Option<String>, Option<String>, Option<String>), crate::error::OAuthError> {
    let inner = &*auth.inner;
    let mut ctx = crate::init::init(inner, req);
    let used = crate::flows::oauth::checks::use_checks(
        inner,
        &mut ctx,
        provider_id,
        &[Check::State, Check::Pkce, Check::Nonce],
    )?;
    Ok((used.state, used.code_verifier, used.nonce))
}
