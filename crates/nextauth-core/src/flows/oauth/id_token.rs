//! ID-token validation, as openid-client's `Client#validateIdToken` does it for v4 (spec §11.4):
//! the JWS signature with a key of the provider's JWK set, then `iss`, `aud`/`azp`, `exp`,
//! `nbf`, `iat` (10 s tolerance, next-auth's `clock_tolerance`), `nonce` and `at_hash`.
//!
//! The signature is checked by `jsonwebtoken` (RustCrypto backend); the claims are checked here,
//! against the request's clock, so each failure gets its own message.

use std::collections::HashSet;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::providers::oauth::supported_id_token_alg;

/// Clock skew allowed on `exp`, `nbf` and `iat`: next-auth sets openid-client's
/// `clock_tolerance` to 10 s (v4 `core/lib/oauth/client.ts`).
pub(crate) const CLOCK_TOLERANCE_S: i64 = 10;

/// What the ID token must say.
#[derive(Debug, Clone)]
pub(crate) struct Expected<'a> {
    /// The issuer; a `{tenantid}` in it (Entra ID's multi-tenant discovery) is replaced by the
    /// token's `tid`, as openid-client does.
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    /// The nonce cookie's value; `None` when the nonce check is off, and then the token must
    /// carry no nonce.
    pub(crate) nonce: Option<&'a str>,
    pub(crate) now_s: i64,
    /// The only algorithm accepted, when configured.
    pub(crate) alg: Option<&'a str>,
    /// The access token of the same response, for `at_hash`.
    pub(crate) access_token: Option<&'a str>,
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdTokenError {
    /// No key of the JWK set fits the token's `kid`/`alg`: the caller refetches the set once.
    NoKey(String),
    /// Anything else; the message says what.
    Invalid(String),
}

impl std::fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdTokenError::NoKey(m) | IdTokenError::Invalid(m) => f.write_str(m),
        }
    }
}

fn invalid(msg: impl Into<String>) -> IdTokenError {
    invalid_as(ID_TOKEN, msg)
}

/// The ID token's name in messages.
const ID_TOKEN: &str = "ID token";

/// An [`IdTokenError::Invalid`] about the token named `what` ("ID token", "logout token").
pub(crate) fn invalid_as(what: &str, msg: impl Into<String>) -> IdTokenError {
    IdTokenError::Invalid(format!("{what}: {}", msg.into()))
}

/// Validates `token` and answers its claims.
pub(crate) fn validate(
    token: &str,
    keys: &[Jwk],
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let (claims, alg) = verify_signature(token, keys, expected.alg, ID_TOKEN)?;
    check_claims(&claims, &alg, expected)?;
    Ok(claims)
}

/// Checks the JWS signature of `token` (named `what` in messages) with a key of the provider's
/// JWK set and answers its claims, unchecked, with its `alg`. Shared by ID tokens and
/// back-channel logout tokens (Back-Channel Logout 1.0 §2.6: "the same way as ID tokens"):
/// compact JWS only (a JWE is refused), an asymmetric algorithm ([`supported_id_token_alg`];
/// `none` and HMAC are refused), `pinned` when the provider pins one, no `crit`, and a key
/// whose `kid` (when the token names one), type, curve and `use` fit.
pub(crate) fn verify_signature(
    token: &str,
    keys: &[Jwk],
    pinned: Option<&str>,
    what: &str,
) -> Result<(Map<String, Value>, String), IdTokenError> {
    let invalid = |msg: String| invalid_as(what, msg);
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() == 5 {
        return Err(invalid(format!(
            "encrypted (JWE) {what}s are not supported"
        )));
    }
    if parts.len() != 3 {
        return Err(invalid(
            "not a compact JWS (header.payload.signature)".into(),
        ));
    }
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("the header is not base64url JSON".into()))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        return Err(invalid("`alg: none` (an unsigned token) is refused".into()));
    }
    if alg.starts_with("HS") {
        return Err(invalid(format!(
            "`alg: {alg}` (HMAC with the client secret) is refused; configure the IdP to sign with RS256 or ES256"
        )));
    }
    if !supported_id_token_alg(alg) {
        return Err(invalid(format!("unsupported `alg: {alg:?}`")));
    }
    if let Some(pinned) = pinned.filter(|p| *p != alg) {
        return Err(invalid(format!(
            "signed with {alg}, but the provider is configured for {pinned} only"
        )));
    }
    if header.contains_key("crit") {
        return Err(invalid(
            "the header has `crit` extensions, which are not understood".into(),
        ));
    }
    let algorithm =
        Algorithm::from_str(alg).map_err(|_| invalid(format!("unsupported `alg: {alg:?}`")))?;
    let kid = header.get("kid").and_then(Value::as_str);

    let candidates: Vec<&Jwk> = keys
        .iter()
        .filter(|k| kid.is_none_or(|kid| k.common.key_id.as_deref() == Some(kid)))
        .filter(|k| key_fits(k, alg))
        .collect();
    if candidates.is_empty() {
        return Err(IdTokenError::NoKey(match kid {
            Some(kid) => format!("{what}: no key with kid {kid:?} for {alg} in the JWK set"),
            None => format!("{what}: no key for {alg} in the JWK set"),
        }));
    }

    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let mut last_error = String::new();
    for jwk in candidates {
        let key = match DecodingKey::from_jwk(jwk) {
            Ok(k) => k,
            Err(e) => {
                last_error = format!("unusable key in the JWK set: {e}");
                continue;
            }
        };
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
            Ok(data) => return Ok((data.claims, alg.to_string())),
            Err(e) => {
                last_error = match e.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        "the signature is invalid".to_string()
                    }
                    _ => format!("{e}"),
                };
            }
        }
    }
    Err(invalid(last_error))
}

/// Whether a JWK can verify `alg`: key type and curve, `use` not `enc`, and its own `alg` (when
/// it has one) equal.
fn key_fits(k: &Jwk, alg: &str) -> bool {
    if matches!(k.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return false;
    }
    if let Some(ka) = &k.common.key_algorithm
        && serde_json::to_value(ka)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            != Some(alg.to_string())
    {
        return false;
    }
    match &k.algorithm {
        AlgorithmParameters::RSA(_) => alg.starts_with("RS") || alg.starts_with("PS"),
        AlgorithmParameters::EllipticCurve(p) => matches!(
            (alg, &p.curve),
            ("ES256", EllipticCurve::P256) | ("ES384", EllipticCurve::P384)
        ),
        AlgorithmParameters::OctetKeyPair(p) => {
            alg == "EdDSA" && matches!(p.curve, EllipticCurve::Ed25519)
        }
        _ => false,
    }
}

/// A numeric claim (seconds), `None` when absent.
pub(crate) fn number(
    claims: &Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(|f| Some(f as i64))
            .ok_or_else(|| invalid_as(what, format!("`{name}` is not a number"))),
    }
}

/// `iss` equal to `issuer` (a `{tenantid}` in it replaced by the token's `tid`, as
/// openid-client does).
pub(crate) fn check_issuer(
    claims: &Map<String, Value>,
    issuer: &str,
    what: &str,
) -> Result<(), IdTokenError> {
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_as(what, "`iss` is not a string"))?;
    let expected_iss = match claims.get("tid").and_then(Value::as_str) {
        Some(tid) if issuer.contains("{tenantid}") => issuer.replace("{tenantid}", tid),
        _ => issuer.to_string(),
    };
    if iss != expected_iss {
        return Err(invalid_as(
            what,
            format!("`iss` is {iss:?}, expected {expected_iss:?}"),
        ));
    }
    Ok(())
}

/// `aud` (a string or an array of strings) containing `client_id`; answers the audiences.
pub(crate) fn check_audience<'c>(
    claims: &'c Map<String, Value>,
    client_id: &str,
    what: &str,
) -> Result<Vec<&'c str>, IdTokenError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => {
            return Err(invalid_as(
                what,
                "`aud` is neither a string nor an array of strings",
            ));
        }
    };
    if !audiences.contains(&client_id) {
        return Err(invalid_as(
            what,
            format!("`aud` {audiences:?} does not include the client id {client_id:?}"),
        ));
    }
    Ok(audiences)
}

/// `iat` not in the future, `exp` (when present) not passed, `nbf` (when present) reached, each
/// with [`CLOCK_TOLERANCE_S`]; answers `iat` (0 when absent).
pub(crate) fn check_times(
    claims: &Map<String, Value>,
    now: i64,
    what: &str,
) -> Result<i64, IdTokenError> {
    let iat = number(claims, "iat", what)?.unwrap_or(0);
    if iat > now + CLOCK_TOLERANCE_S {
        return Err(invalid_as(
            what,
            format!("issued in the future (iat {iat}, now {now}): check the clocks"),
        ));
    }
    if let Some(exp) = number(claims, "exp", what)?
        && exp <= now - CLOCK_TOLERANCE_S
    {
        return Err(invalid_as(what, format!("expired (exp {exp}, now {now})")));
    }
    if let Some(nbf) = number(claims, "nbf", what)?
        && nbf > now + CLOCK_TOLERANCE_S
    {
        return Err(invalid_as(
            what,
            format!("not valid yet (nbf {nbf}, now {now})"),
        ));
    }
    Ok(iat)
}

fn check_claims(
    claims: &Map<String, Value>,
    alg: &str,
    e: &Expected<'_>,
) -> Result<(), IdTokenError> {
    for required in ["iss", "sub", "aud", "exp", "iat"] {
        if !claims.contains_key(required) {
            return Err(invalid(format!(
                "the required claim `{required}` is missing"
            )));
        }
    }
    check_issuer(claims, e.issuer, ID_TOKEN)?;
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => {}
        _ => return Err(invalid("`sub` is not a non-empty string")),
    }
    check_times(claims, e.now_s, ID_TOKEN)?;
    let audiences = check_audience(claims, e.client_id, ID_TOKEN)?;
    match claims.get("azp") {
        Some(Value::String(azp)) if azp != e.client_id => {
            return Err(invalid(format!(
                "`azp` is {azp:?}, not the client id {:?}",
                e.client_id
            )));
        }
        Some(Value::String(_)) => {}
        Some(_) => return Err(invalid("`azp` is not a string")),
        None if audiences.len() > 1 => {
            return Err(invalid("`aud` has several audiences but there is no `azp`"));
        }
        None => {}
    }
    match (e.nonce, claims.get("nonce")) {
        (Some(want), Some(Value::String(got)))
            if crate::crypto::hash::constant_time_eq(want, got) => {}
        (Some(_), Some(_)) => {
            return Err(invalid(
                "`nonce` does not match the nonce cookie (replayed token?)",
            ));
        }
        (Some(_), None) => return Err(invalid("`nonce` is missing, but the nonce check is on")),
        (None, Some(_)) => {
            return Err(invalid(
                "the token carries a `nonce`, but the nonce check is off for this provider",
            ));
        }
        (None, None) => {}
    }
    if let (Some(at_hash), Some(access_token)) = (claims.get("at_hash"), e.access_token) {
        let at_hash = at_hash
            .as_str()
            .ok_or_else(|| invalid("`at_hash` is not a string"))?;
        if at_hash != left_half_hash(alg, access_token) {
            return Err(invalid("`at_hash` does not match the access token"));
        }
    }
    Ok(())
}

/// OIDC Core §3.1.3.6: base64url of the left half of the hash of `value`, the hash being the
/// one of the JWS algorithm (SHA-512 for EdDSA with Ed25519).
pub(crate) fn left_half_hash(alg: &str, value: &str) -> String {
    let digest: Vec<u8> = if alg.ends_with("384") {
        Sha384::digest(value.as_bytes()).to_vec()
    } else if alg.ends_with("512") || alg == "EdDSA" {
        Sha512::digest(value.as_bytes()).to_vec()
    } else {
        Sha256::digest(value.as_bytes()).to_vec()
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}
