//! OpenID Connect Back-Channel Logout 1.0 (final), the RP side: the IdP POSTs a logout token to
//! `{base}/backchannel-logout/<provider>` when a user's session there ends, and the sessions it
//! names end here too. Not in v4 (next-auth #836, #3270, #6198).
//!
//! # Validation (§2.6)
//! The token is a JWS checked as an ID token is ([`id_token::verify_signature`]: the provider's
//! JWK set, its pinned algorithm, never `none` or HMAC), then:
//! `iss` is the provider's issuer, `aud` contains the client id, `iat` is present, not in the
//! future and at most [`MAX_AGE_S`] old, `exp` (when present) has not passed (clock skew
//! [`CLOCK_TOLERANCE_S`] on each, as for ID tokens), `events` is an object whose member
//! [`EVENT`] is an object, `sub` and/or `sid` are present, there is no `nonce` (§2.4: so an ID
//! token cannot be passed off as a logout token), and the `jti` was not seen before.
//!
//! # Replays
//! Each accepted `jti` is recorded in the database (`nextauth_logout_tokens`, migration 0006,
//! [`Adapter::spend_logout_token`]), with an insert that does nothing on conflict, so every
//! instance on the database accepts a token once. It is kept until the token could no longer
//! pass the `iat` check (`iat` + [`MAX_AGE_S`] + twice the skew): the table stays small
//! whatever `exp` the IdP writes. The `jti` is spent only once every other check passed (a
//! rejected token changes nothing), and before the sessions are ended: a token whose effect
//! failed half-way is not accepted again (oidc-provider does not retry either).
//!
//! # What ends (§2.7)
//! * **JWT sessions**, when the token has a `sid`: the sessions started from that IdP session.
//!   At sign-in with a provider that has `backchannel_logout`, the ID token's `sid` is kept in
//!   the JWT ([`IDP_SESSION_CLAIM`]); an [`RevocationKind::IdpSession`] record refuses them
//!   from then on, on every instance (the revocation set, [`crate::revocation`]). A JWT issued
//!   without that claim (an ID token with no `sid`, or a sign-in before the provider had
//!   `backchannel_logout`) is not ended by a `sid`-only token.
//! * **JWT sessions**, when the token has only a `sub`: every session of the user owning the
//!   account (`provider`, `providerAccountId = sub`) issued until now (a per-user not-before,
//!   [`revoke_user`]).
//! * **Database sessions**: every session of the user owning the account (`sub` required: a
//!   session row does not record the IdP session it came from, so a `sid` ends all the user's
//!   sessions, from this provider and any other). A token with only a `sid` is refused (400),
//!   as the logout cannot be done.
//!
//! A `sub` no account of this provider has ends nothing and is answered 200 (the IdP's user
//! never signed in here, or was deleted).

use serde_json::{Map, Value};

use crate::adapter::{Adapter, AdapterError};
use crate::config::SessionStrategy;
use crate::domain::{Revocation, RevocationKind};
use crate::providers::OAuthProvider;
use crate::revocation::{IDP_SESSION_CLAIM, idp_session_subject, revoke_user};
use crate::state::State;

use super::id_token::{
    self, CLOCK_TOLERANCE_S, IdTokenError, check_audience, check_issuer, check_times, invalid_as,
};

/// The `events` member a logout token must have (§2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How old (`iat`, seconds) a logout token may be: 5 minutes, plus [`CLOCK_TOLERANCE_S`]. §2.6
/// lets the RP refuse old ones; the bound also bounds how long a `jti` is remembered.
pub const MAX_AGE_S: i64 = 300;

/// The token's name in messages.
const WHAT: &str = "logout token";

/// What a valid logout token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogoutClaims {
    /// The IdP's subject (the account's `providerAccountId`).
    pub(crate) sub: Option<String>,
    /// The IdP's session id.
    pub(crate) sid: Option<String>,
    /// The token's unique id.
    pub(crate) jti: String,
    /// Issued at (s).
    pub(crate) iat: i64,
}

/// Why a logout request was refused: the `error_description` of the 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused(pub(crate) String);

impl From<IdTokenError> for Refused {
    fn from(e: IdTokenError) -> Refused {
        Refused(e.to_string())
    }
}

fn refused(msg: impl Into<String>) -> Refused {
    Refused(format!("{WHAT}: {}", msg.into()))
}

/// The claim checks of §2.6 on a token whose signature was verified.
pub(crate) fn check_claims(
    claims: &Map<String, Value>,
    issuer: &str,
    client_id: &str,
    now_s: i64,
) -> Result<LogoutClaims, IdTokenError> {
    for required in ["iss", "aud", "iat", "jti", "events"] {
        if !claims.contains_key(required) {
            return Err(invalid_as(
                WHAT,
                format!("the required claim `{required}` is missing"),
            ));
        }
    }
    check_issuer(claims, issuer, WHAT)?;
    check_audience(claims, client_id, WHAT)?;
    let iat = check_times(claims, now_s, WHAT)?;
    if iat < now_s - MAX_AGE_S - CLOCK_TOLERANCE_S {
        return Err(invalid_as(
            WHAT,
            format!("too old (iat {iat}, now {now_s}; at most {MAX_AGE_S} s are accepted)"),
        ));
    }
    match claims.get("events").and_then(Value::as_object) {
        Some(events) if events.get(EVENT).is_some_and(Value::is_object) => {}
        Some(_) => {
            return Err(invalid_as(
                WHAT,
                format!("`events` has no member {EVENT:?} whose value is an object"),
            ));
        }
        None => return Err(invalid_as(WHAT, "`events` is not an object")),
    }
    if claims.contains_key("nonce") {
        return Err(invalid_as(
            WHAT,
            "it carries a `nonce` (an ID token is no logout token)",
        ));
    }
    let text = |name: &str| -> Result<Option<String>, IdTokenError> {
        match claims.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(invalid_as(
                WHAT,
                format!("`{name}` is not a non-empty string"),
            )),
        }
    };
    let (sub, sid) = (text("sub")?, text("sid")?);
    if sub.is_none() && sid.is_none() {
        return Err(invalid_as(WHAT, "neither `sub` nor `sid` is present"));
    }
    let jti = text("jti")?.ok_or_else(|| invalid_as(WHAT, "`jti` is missing"))?;
    Ok(LogoutClaims { sub, sid, jti, iat })
}

/// The issuer a logout token's `iss` must equal and the JWK-set URL of `provider`: the
/// discovered ones when the configuration leaves them to discovery.
async fn issuer_and_jwks(
    inner: &State,
    provider: &OAuthProvider,
    now_ms: i64,
) -> Result<(String, String), Refused> {
    let Some(configured) = provider.issuer.as_deref() else {
        return Err(refused("the provider has no issuer"));
    };
    if let Some(jwks) = &provider.jwks_url {
        return Ok((configured.to_string(), jwks.clone()));
    }
    let meta = inner
        .oauth_cache
        .metadata(&inner.http, configured, now_ms)
        .await
        .map_err(|e| {
            refused(format!(
                "cannot read the provider's discovery document: {e}"
            ))
        })?;
    let jwks = meta.jwks_uri.clone().ok_or_else(|| {
        refused("the provider's discovery document has no jwks_uri to check the signature with")
    })?;
    Ok((meta.issuer.clone(), jwks))
}

/// Verifies `token` for `provider` (signature and claims; the `jti` not spent yet).
pub(crate) async fn verify(
    inner: &State,
    provider: &OAuthProvider,
    token: &str,
    now_ms: i64,
) -> Result<LogoutClaims, Refused> {
    let (issuer, jwks_uri) = issuer_and_jwks(inner, provider, now_ms).await?;
    let pinned = provider.id_token_signed_response_alg.as_deref();
    let keys = inner
        .oauth_cache
        .jwks(&inner.http, &jwks_uri, now_ms, false)
        .await
        .map_err(|e| refused(format!("cannot read the provider's JWK set: {e}")))?;
    let claims = match id_token::verify_signature(token, &keys, pinned, WHAT) {
        Ok((claims, _)) => claims,
        Err(IdTokenError::NoKey(_)) => {
            // Key rotation: the set again, at most once per minute (this endpoint is open to
            // anyone, who must not make us fetch the set on every request).
            let keys = inner
                .oauth_cache
                .jwks_refetch_limited(&inner.http, &jwks_uri, now_ms)
                .await
                .map_err(|e| refused(format!("cannot read the provider's JWK set: {e}")))?;
            id_token::verify_signature(token, &keys, pinned, WHAT)?.0
        }
        Err(e) => return Err(e.into()),
    };
    Ok(check_claims(
        &claims,
        &issuer,
        &provider.client_id,
        now_ms.div_euclid(1000),
    )?)
}

/// The logout: verifies `token`, spends its `jti`, ends the sessions it names (module
/// documentation). `Err` is the 400's reason.
pub(crate) async fn logout(
    inner: &State,
    provider_id: &str,
    provider: &OAuthProvider,
    token: &str,
    now_ms: i64,
) -> Result<(), Refused> {
    let Some(adapter) = inner.adapter.as_deref() else {
        // The builder refuses backchannel_logout without an adapter.
        return Err(refused("no adapter (a database) is configured"));
    };
    let claims = verify(inner, provider, token, now_ms).await?;
    let database = inner.config.session.strategy == SessionStrategy::Database;
    if database && claims.sub.is_none() {
        return Err(refused(
            "only a `sid`: database sessions are found by the user (`sub`), which the token lacks",
        ));
    }
    let key = format!("{provider_id}\n{}", claims.jti);
    let keep_until_s = claims.iat + MAX_AGE_S + 2 * CLOCK_TOLERANCE_S;
    let fresh = adapter
        .spend_logout_token(&key, keep_until_s.saturating_mul(1000), now_ms)
        .await
        .map_err(|e| storage(&e))?;
    if !fresh {
        return Err(refused(format!(
            "`jti` {:?} was seen before (a replay)",
            claims.jti
        )));
    }
    end_sessions(inner, adapter, provider_id, &claims, database, now_ms).await
}

fn storage(e: &AdapterError) -> Refused {
    tracing::error!(code = "BACKCHANNEL_LOGOUT_ERROR", error = %e, "storage failed");
    refused("the logout failed: storage unavailable")
}

async fn end_sessions(
    inner: &State,
    adapter: &dyn Adapter,
    provider_id: &str,
    claims: &LogoutClaims,
    database: bool,
    now_ms: i64,
) -> Result<(), Refused> {
    let s = &inner.config.session;
    let max_age_s = s.max_age.max(s.jwt_max_age);
    if !database && let Some(sid) = &claims.sid {
        let subject = idp_session_subject(provider_id, sid);
        inner
            .revocations
            .record(
                adapter,
                Revocation {
                    kind: RevocationKind::IdpSession,
                    subject,
                    at: now_ms,
                    until: now_ms.saturating_add(max_age_s.saturating_mul(1000)),
                },
            )
            .await
            .map_err(|e| storage(&e))?;
        tracing::info!(
            provider = provider_id,
            claim = IDP_SESSION_CLAIM,
            "back-channel logout: the JWT sessions of the IdP session are ended"
        );
        return Ok(());
    }
    let Some(sub) = &claims.sub else {
        return Err(refused("neither `sub` nor `sid` is present"));
    };
    let Some(user) = adapter
        .get_user_by_account(provider_id, sub)
        .await
        .map_err(|e| storage(&e))?
    else {
        tracing::info!(
            provider = provider_id,
            "back-channel logout for an account unknown here: nothing to end"
        );
        return Ok(());
    };
    let deleted = revoke_user(adapter, &inner.revocations, &user.id, now_ms, max_age_s)
        .await
        .map_err(|e| storage(&e))?;
    tracing::info!(
        provider = provider_id,
        user = %user.id,
        database_sessions = deleted,
        "back-channel logout: the user's sessions are ended"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn good() -> Value {
        json!({
            "iss": "https://idp", "aud": "client", "iat": NOW, "exp": NOW + 120, "jti": "j1",
            "sub": "alice", "sid": "s1", "events": {EVENT: {}},
        })
    }

    fn check(v: Value) -> Result<LogoutClaims, IdTokenError> {
        check_claims(v.as_object().unwrap(), "https://idp", "client", NOW)
    }

    fn with(k: &str, v: Value) -> Value {
        let mut t = good();
        t[k] = v;
        t
    }

    fn without(k: &str) -> Value {
        let mut t = good();
        t.as_object_mut().unwrap().remove(k);
        t
    }

    #[test]
    fn a_good_token() {
        let c = check(good()).unwrap();
        assert_eq!(c.sub.as_deref(), Some("alice"));
        assert_eq!(c.sid.as_deref(), Some("s1"));
        assert_eq!((c.jti.as_str(), c.iat), ("j1", NOW));
        assert!(check(without("sid")).is_ok());
        assert!(check(without("sub")).is_ok());
        assert!(check(without("exp")).is_ok());
        assert!(check(with("aud", json!(["other", "client"]))).is_ok());
        assert!(check(with("iat", json!(NOW + CLOCK_TOLERANCE_S))).is_ok());
    }

    #[test]
    fn each_refusal_names_its_reason() {
        for (token, reason) in [
            (with("iss", json!("https://evil")), "`iss` is"),
            (
                with("aud", json!("other")),
                "does not include the client id",
            ),
            (without("iat"), "`iat` is missing"),
            (without("jti"), "`jti` is missing"),
            (without("events"), "`events` is missing"),
            (with("events", json!({})), "`events` has no member"),
            (
                with("events", json!({EVENT: "x"})),
                "`events` has no member",
            ),
            (with("events", json!([EVENT])), "`events` is not an object"),
            (with("nonce", json!("n")), "`nonce`"),
            (with("exp", json!(NOW - 60)), "expired"),
            (with("iat", json!(NOW + 60)), "in the future"),
            (with("iat", json!(NOW - MAX_AGE_S - 60)), "too old"),
            (with("sub", json!(7)), "`sub` is not a non-empty string"),
            (with("sid", json!("")), "`sid` is not a non-empty string"),
        ] {
            let e = check(token.clone()).unwrap_err().to_string();
            assert!(e.contains(reason), "{token}: {e}");
            assert!(e.starts_with("logout token: "), "{e}");
        }
        let mut neither = without("sub");
        neither.as_object_mut().unwrap().remove("sid");
        assert!(
            check(neither)
                .unwrap_err()
                .to_string()
                .contains("neither `sub` nor `sid`")
        );
    }
}
