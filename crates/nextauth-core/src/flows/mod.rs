//! The sign-in flows, one per provider type, each called by the `signin` and `callback` routes:
//!
//! | module | job | v4 |
//! |---|---|---|
//! | [`oauth`] | OAuth 2.0 / OIDC: the authorization redirect and the callback | `core/lib/oauth/*`, `core/lib/callback-handler.ts` |
//! | [`email`] | e-mail magic links: send the link, spend the token | `core/lib/email/signin.ts`, the email branch of `core/routes/callback.ts` |
//! | [`credentials`] | `authorize` (the credentials webhook) and the JWT session it opens | the credentials branch of `core/routes/callback.ts` |
//!
//! They read the shared state (`crate::state`) and the request context ([`crate::init`]) and
//! answer a [`crate::response::Reply`]; they never import a route or the dispatch.

pub mod credentials;
pub mod email;
pub mod oauth;
