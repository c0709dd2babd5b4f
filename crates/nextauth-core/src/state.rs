//! [`State`]: everything derived once at startup from the validated configuration, shared by
//! every request through [`crate::NextAuth`] (which is an `Arc<State>`). Requests only read it.
//!
//! It sits above the building blocks it holds (config, cookie names, keys, adapter, callbacks,
//! clock, page renderer, IdP cache) and below everything that reads it (the per-request
//! context, the sign-in flows, the routes, the dispatch).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::adapter::Adapter;
use crate::callbacks::Callbacks;
use crate::clock::Clock;
use crate::config::AuthConfig;
use crate::cookies::CookieNames;
use crate::crypto::jwe::JweKeyring;
use crate::events::{Emit, Events};
use crate::idp::discovery::OAuthCache;
use crate::pages::Renderer;
use crate::ratelimit::Limiter;
use crate::revocation::Revocations;

/// Everything derived once at startup. Requests only read it.
pub(crate) struct State {
    pub(crate) config: AuthConfig,
    pub(crate) cookies: CookieNames,
    /// Secrets as bytes, newest first (CSRF hash, e-mail token hash).
    pub(crate) secrets: Vec<Vec<u8>>,
    /// HKDF key of the session JWE (salt ""), derived once: v4 derives it on every request.
    pub(crate) session_keys: JweKeyring,
    /// Whether some provider keeps its tokens in sessions ([`crate::providers::oauth::KEPT_CLAIMS`]).
    /// Decided once: every JWT `GET session` asks, and walking the providers for it touched
    /// their (cold) configuration on each request.
    pub(crate) keeps_tokens: bool,
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
    /// The in-process part of the token refresh's single flight (`flows::oauth::refresh`).
    pub(crate) refresh_local: RefreshLocal,
    /// The per-request metric handles (`crate::telemetry`).
    pub(crate) metrics: crate::telemetry::RequestMetrics,
    /// The rate limits of the sign-in flows and their store.
    pub(crate) limiter: Limiter,
}

/// Token refreshes in this process: one lock per refresh record key, so callers with the same
/// refresh token queue instead of refreshing twice, and each result (sealed) for its grace
/// period. Both maps hold only live entries: a lock leaves with its last holder, a result when
/// a later lookup finds it expired.
#[derive(Debug, Default)]
pub(crate) struct RefreshLocal {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    results: Mutex<HashMap<String, (String, i64)>>,
}

impl RefreshLocal {
    /// The lock of `key` (made on first use).
    pub(crate) fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(locks.entry(key.to_string()).or_default())
    }

    /// Done with `lock` (the caller's clone): the entry goes when nobody else holds it.
    pub(crate) fn release(&self, key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        drop(lock);
        if locks.get(key).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(key);
        }
    }

    /// The sealed result kept for `key`, if still within its grace period at `now_ms`.
    pub(crate) fn result(&self, key: &str, now_ms: i64) -> Option<String> {
        let mut results = self.results.lock().unwrap_or_else(|p| p.into_inner());
        results.retain(|_, (_, until)| *until >= now_ms);
        results.get(key).map(|(sealed, _)| sealed.clone())
    }

    /// Keeps a sealed result for `key` until `until_ms`.
    pub(crate) fn keep(&self, key: &str, sealed: &str, until_ms: i64) {
        let mut results = self.results.lock().unwrap_or_else(|p| p.into_inner());
        results.insert(key.to_string(), (sealed.to_string(), until_ms));
    }
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
