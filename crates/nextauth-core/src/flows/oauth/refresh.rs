//! Refreshing an upstream access token, race-free (issue 13, items 2 and 3).
//!
//! Refresh tokens are usually single-use: the IdP rotates them, and one used twice is refused
//! (`invalid_grant`), often ending the whole grant. v4 leaves refreshing to the app's `jwt`
//! callback, where two tabs, or middleware and a route, refresh at once and the loser signs the
//! user out (next-auth #2071, #7558, #11240). Here a refresh of one refresh token happens once:
//!
//! 1. **In the process**: callers with the same refresh token queue on one lock, and the result
//!    is kept in memory for [`GRACE_MS`]; the second caller finds it and makes no request.
//! 2. **Across instances**: the adapter's lease ([`Adapter::claim_refresh`]) lets one caller on
//!    the database refresh; the others wait for its recorded result, kept for [`GRACE_MS`] too,
//!    so a request still carrying the old refresh token (another tab, an older cookie copy, the
//!    other instance) gets the successor instead of spending the old token again.
//!
//! Results are sealed with the session key (a JWE, as the session cookie) before they are
//! stored, so the database never holds a live token in clear; the key of a record is a SHA-256
//! of the provider id and the refresh token, never the token itself.
//!
//! The grant (RFC 6749 §6): `grant_type=refresh_token` with the provider's client
//! authentication; a response without `refresh_token` keeps the old one. `invalid_grant` is not
//! retried (the token is spent or revoked: the user must sign in again); any other failure gives
//! the lease up so the next request tries again.
//!
//! [`Adapter::claim_refresh`]: crate::adapter::Adapter::claim_refresh

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::callback::{token_form, token_set};
use crate::adapter::RefreshClaim;
use crate::idp::http::send_json;
use crate::providers::OAuthProvider;
use crate::state::State;

/// An access token expiring within this many ms is refreshed before it is handed out.
pub(crate) const REFRESH_BEFORE_MS: i64 = 60_000;
/// How long a refresh's result is kept for callers still holding the old refresh token.
pub(crate) const GRACE_MS: i64 = 60_000;
/// How long a lease holder may take before another caller may try.
const LEASE_MS: i64 = 15_000;
/// How long a caller waits for another instance's refresh.
const WAIT: Duration = Duration::from_secs(10);

/// The upstream tokens of a session, by the token endpoint's names.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    /// Unix seconds.
    pub(crate) expires_at: Option<i64>,
    pub(crate) token_type: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) id_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at", &self.expires_at)
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// From a token set (the token endpoint's names: `access_token`, `expires_at`, …).
    pub(crate) fn from_token_set(set: &Map<String, Value>) -> Option<Tokens> {
        let s = |k: &str| set.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Tokens {
            access_token: s("access_token")?,
            refresh_token: s("refresh_token"),
            expires_at: set.get("expires_at").and_then(Value::as_i64),
            token_type: s("token_type"),
            scope: s("scope"),
            id_token: s("id_token"),
        })
    }

    /// As a token set (the inverse of [`Tokens::from_token_set`]).
    pub(crate) fn to_token_set(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "access_token".into(),
            Value::String(self.access_token.clone()),
        );
        let mut opt = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v.clone()));
            }
        };
        opt("refresh_token", &self.refresh_token);
        opt("token_type", &self.token_type);
        opt("scope", &self.scope);
        opt("id_token", &self.id_token);
        if let Some(e) = self.expires_at {
            m.insert("expires_at".into(), Value::from(e));
        }
        m
    }
}

/// Why no fresh access token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RefreshError {
    /// The access token expires and there is no refresh token to renew it.
    #[error("the access token expires and there is no refresh token")]
    NoRefreshToken,
    /// The IdP refused the refresh token (`invalid_grant`: spent, revoked, expired). Final.
    #[error("the identity provider refused the refresh token: {0}")]
    InvalidGrant(String),
    /// Anything else (IdP unreachable, 5xx, storage); the next request tries again.
    #[error("refreshing failed: {0}")]
    Failed(String),
}

/// `current`, or its successor when the access token expires within [`REFRESH_BEFORE_MS`]:
/// `Ok(None)` when it is still fresh (or its expiry is unknown), `Ok(Some(successor))` when it
/// was refreshed, here or by another caller (the caller then stores the successor).
pub(crate) async fn fresh_tokens(
    inner: &State,
    provider_id: &str,
    provider: &OAuthProvider,
    current: &Tokens,
) -> Result<Option<Tokens>, RefreshError> {
    let now = inner.clock.now_ms();
    match current.expires_at {
        Some(exp) if exp.saturating_mul(1000) - now <= REFRESH_BEFORE_MS => {}
        _ => return Ok(None),
    }
    let refresh_token = current
        .refresh_token
        .as_deref()
        .ok_or(RefreshError::NoRefreshToken)?;
    let key = record_key(provider_id, refresh_token);
    if let Some(sealed) = inner.refresh_local.result(&key, now) {
        return open(inner, &sealed).map(Some);
    }
    let lock = inner.refresh_local.lock_for(&key);
    let _held = lock.lock().await;
    let outcome = refresh_once(inner, provider_id, provider, current, refresh_token, &key).await;
    drop(_held);
    inner.refresh_local.release(&key, lock);
    outcome.map(Some)
}

/// Under the process lock: the result kept here or by another instance, else a refresh.
async fn refresh_once(
    inner: &State,
    provider_id: &str,
    provider: &OAuthProvider,
    current: &Tokens,
    refresh_token: &str,
    key: &str,
) -> Result<Tokens, RefreshError> {
    let now = inner.clock.now_ms();
    if let Some(sealed) = inner.refresh_local.result(key, now) {
        return open(inner, &sealed);
    }
    let started = tokio::time::Instant::now();
    loop {
        let now = inner.clock.now_ms();
        let claim = match inner.adapter.as_deref() {
            Some(a) => a
                .claim_refresh(key, now, now + LEASE_MS)
                .await
                .map_err(|e| RefreshError::Failed(e.to_string()))?,
            None => RefreshClaim::Leased,
        };
        match claim {
            RefreshClaim::Leased => break,
            RefreshClaim::Done(sealed) => {
                inner.refresh_local.keep(key, &sealed, now + GRACE_MS);
                return open(inner, &sealed);
            }
            RefreshClaim::Busy if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            RefreshClaim::Busy => {
                return Err(RefreshError::Failed(
                    "another instance's refresh of this token did not finish in time".into(),
                ));
            }
        }
    }
    let outcome = grant(inner, provider, current, refresh_token).await;
    crate::telemetry::token_refresh(
        provider_id,
        match &outcome {
            Ok(_) => "success",
            Err(RefreshError::InvalidGrant(_)) => "invalid_grant",
            Err(_) => "error",
        },
    );
    let now = inner.clock.now_ms();
    let sealed = match &outcome {
        Ok(tokens) => Some(seal(inner, Ok(tokens), now)),
        Err(RefreshError::InvalidGrant(reason)) => Some(seal(inner, Err(reason), now)),
        Err(_) => None,
    };
    if let Some(sealed) = &sealed {
        inner.refresh_local.keep(key, sealed, now + GRACE_MS);
    }
    if let Some(a) = inner.adapter.as_deref() {
        if let Err(e) = a
            .finish_refresh(key, sealed.as_deref(), now + GRACE_MS)
            .await
        {
            // The refresh itself stands; other instances wait out the lease, then find the old
            // token spent and report it.
            tracing::error!(error = %e, "recording a token refresh failed");
        }
        // The writer sweeps: records past their grace period go with each refresh (one DELETE
        // over a table that holds only a minute of refreshes), in either session strategy.
        if let Err(e) = a.delete_expired_refreshes(now).await {
            tracing::warn!(error = %e, "deleting expired refresh records failed");
        }
    }
    outcome
}

/// The record key: hex SHA-256 of `provider id NUL refresh token`.
fn record_key(provider_id: &str, refresh_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(provider_id.as_bytes());
    h.update([0]);
    h.update(refresh_token.as_bytes());
    hex::encode(h.finalize())
}

/// A result sealed with the session key: the successor's token set, or `{"error": reason}`.
fn seal(inner: &State, result: Result<&Tokens, &String>, now_ms: i64) -> String {
    let payload = match result {
        Ok(tokens) => tokens.to_token_set(),
        Err(reason) => {
            let mut m = Map::new();
            m.insert("error".into(), Value::String(reason.clone()));
            m
        }
    };
    let keep_s = (GRACE_MS / 1000) * 2;
    inner
        .session_keys
        .encode_jwt(&payload, keep_s, now_ms.div_euclid(1000))
}

fn open(inner: &State, sealed: &str) -> Result<Tokens, RefreshError> {
    let now_s = inner.clock.now_ms().div_euclid(1000);
    let payload = inner
        .session_keys
        .decode_jwt(sealed, now_s)
        .map_err(|e| RefreshError::Failed(format!("a recorded refresh cannot be read: {e}")))?;
    if let Some(reason) = payload.get("error").and_then(Value::as_str) {
        return Err(RefreshError::InvalidGrant(reason.to_string()));
    }
    Tokens::from_token_set(&payload)
        .ok_or_else(|| RefreshError::Failed("a recorded refresh has no access token".into()))
}

/// `POST token_endpoint` with `grant_type=refresh_token` (RFC 6749 §6).
async fn grant(
    inner: &State,
    provider: &OAuthProvider,
    current: &Tokens,
    refresh_token: &str,
) -> Result<Tokens, RefreshError> {
    let now_ms = inner.clock.now_ms();
    let endpoints = inner
        .oauth_cache
        .endpoints(&inner.http, provider, now_ms)
        .await
        .map_err(|e| RefreshError::Failed(e.to_string()))?;
    let (body, auth) = token_form(
        endpoints.client_auth,
        &provider.client_id,
        provider.client_secret.expose(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    );
    let mut req = inner
        .http
        .post(&endpoints.token)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(body);
    if let Some(auth) = auth {
        req = req.header(AUTHORIZATION, auth);
    }
    let what = format!("the token endpoint {}", endpoints.token);
    let (status, json) = send_json(req, &what)
        .await
        .map_err(|e| RefreshError::Failed(e.to_string()))?;
    if let Some(error) = json.get("error") {
        let error = error.as_str().unwrap_or("error").to_string();
        let description = json
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("");
        let reason = format!("{what} answered {status} {error}: {description}");
        return Err(if error == "invalid_grant" {
            RefreshError::InvalidGrant(reason)
        } else {
            RefreshError::Failed(reason)
        });
    }
    let Value::Object(resp) = json else {
        return Err(RefreshError::Failed(format!("{what}: not a JSON object")));
    };
    if status != 200 {
        return Err(RefreshError::Failed(format!("{what} answered {status}")));
    }
    let set = token_set(&resp, now_ms.div_euclid(1000));
    let mut tokens = Tokens::from_token_set(&set)
        .ok_or_else(|| RefreshError::Failed(format!("{what}: no access_token")))?;
    // RFC 6749 §6: the old refresh token stays valid when no new one is issued.
    if tokens.refresh_token.is_none() {
        tokens.refresh_token = current.refresh_token.clone();
    }
    if tokens.id_token.is_none() {
        tokens.id_token = current.id_token.clone();
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_the_token_and_separate_providers() {
        let a = record_key("idp", "rt");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("rt"));
        assert_ne!(a, record_key("other", "rt"));
        assert_ne!(record_key("id", "prt"), record_key("idp", "rt"));
    }

    #[test]
    fn token_sets_round_trip_and_debug_hides_tokens() {
        let t = Tokens {
            access_token: "AT".into(),
            refresh_token: Some("RT".into()),
            expires_at: Some(5),
            token_type: Some("Bearer".into()),
            scope: None,
            id_token: None,
        };
        assert_eq!(Tokens::from_token_set(&t.to_token_set()), Some(t.clone()));
        let shown = format!("{t:?}");
        assert!(!shown.contains("AT") && !shown.contains("RT"), "{shown}");
    }
}
