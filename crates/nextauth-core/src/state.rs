//! [`State`]: everything derived once at startup from the validated configuration, shared by
//! every request through [`crate::NextAuth`] (which is an `Arc<State>`). Requests only read it.
//!
//! It sits above the building blocks it holds (config, cookie names, keys, adapter, callbacks,
//! clock, page renderer, IdP cache) and below everything that reads it (the per-request
//! context, the sign-in flows, the routes, the dispatch).

use std::sync::Arc;

use crate::adapter::Adapter;
use crate::callbacks::Callbacks;
use crate::clock::Clock;
use crate::config::AuthConfig;
use crate::cookies::CookieNames;
use crate::crypto::jwe::JweKeyring;
use crate::events::{Emit, Events};
use crate::idp::discovery::OAuthCache;
use crate::pages::Renderer;
use crate::revocation::Revocations;

/// Everything derived once at startup. Requests only read it.
pub(crate) struct State {
    pub(crate) config: AuthConfig,
    pub(crate) cookies: CookieNames,
    /// Secrets as bytes, newest first (CSRF hash, e-mail token hash).
    pub(crate) secrets: Vec<Vec<u8>>,
    /// HKDF key of the session JWE (salt ""), derived once: v4 derives it on every request.
    pub(crate) session_keys: JweKeyring,
    /// Keys of the OAuth check cookies; the salt is each cookie's full name (spec §9.1).
    pub(crate) state_keys: JweKeyring,
    pub(crate) pkce_keys: JweKeyring,
    pub(crate) nonce_keys: JweKeyring,
    pub(crate) adapter: Option<Arc<dyn Adapter>>,
    pub(crate) callbacks: Arc<dyn Callbacks>,
    /// v4's `events` (in process, or durable through the adapter's outbox).
    pub(crate) events: Arc<dyn Events>,
    pub(crate) clock: Arc<dyn Clock>,
    /// One outbound client: redirects off (SSRF), timeouts on.
    pub(crate) http: reqwest::Client,
    /// `GET providers` never changes: rendered once.
    pub(crate) providers_json: String,
    pub(crate) pages: Renderer,
    /// OIDC discovery documents and JWK sets, cached across requests (v4 refetches them).
    pub(crate) oauth_cache: OAuthCache,
    /// Revoked JWT sessions and users, kept current by [`crate::revocation::run`].
    pub(crate) revocations: Arc<Revocations>,
}

impl State {
    /// The adapter writes that carry events, at `now_ms`; `None` without an adapter.
    pub(crate) fn emit(&self, now_ms: i64) -> Option<Emit<'_>> {
        Some(Emit {
            adapter: self.adapter.as_deref()?,
            events: &*self.events,
            now_ms,
        })
    }
}
