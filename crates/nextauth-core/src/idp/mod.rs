//! The identity-provider side of OAuth that needs no request and no shared state: HTTP to the
//! IdP ([`http`]) and the OIDC discovery / JWK-set cache ([`discovery`]) that the shared state
//! holds. The sign-in flow that uses them is `crate::flows::oauth`.
//!
//! | module | job | v4 |
//! |---|---|---|
//! | [`discovery`] | OIDC discovery and JWK sets, cached (v4 refetches both on every request) | `core/lib/oauth/client.ts` |
//! | [`http`] | bounded JSON requests to the IdP, one-line error chains | openid-client's `request` |

pub(crate) mod discovery;
pub(crate) mod http;
