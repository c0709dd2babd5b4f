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
    IdTokenError::Invalid(format!("ID token: {}", msg.into()))
}

/// Validates `token` and answers its claims.
pub(crate) fn validate(
    token: &str,
    keys: &[Jwk],
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() == 5 {
        return Err(invalid("encrypted (JWE) ID tokens are not supported"));
    }
    if parts.len() != 3 {
        return Err(invalid("not a compact JWS (header.payload.signature)"));
    }
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("the header is not base64url JSON"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        return Err(invalid("`alg: none` (an unsigned token) is refused"));
    }
    if alg.starts_with("HS") {
        return Err(invalid(format!(
            "`alg: {alg}` (HMAC with the client secret) is refused; configure the IdP to sign with RS256 or ES256"
        )));
    }
    if !supported_id_token_alg(alg) {
        return Err(invalid(format!("unsupported `alg: {alg:?}`")));
    }
    if let Some(pinned) = expected.alg.filter(|p| *p != alg) {
        return Err(invalid(format!(
            "signed with {alg}, but the provider is configured for {pinned} only"
        )));
    }
    if header.contains_key("crit") {
        return Err(invalid(
            "the header has `crit` extensions, which are not understood",
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
            Some(kid) => format!("ID token: no key with kid {kid:?} for {alg} in the JWK set"),
            None => format!("ID token: no key for {alg} in the JWK set"),
        }));
    }

    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims = HashSet::new();
    let mut claims = None;
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
            Ok(data) => {
                claims = Some(data.claims);
                break;
            }
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
    let claims = claims.ok_or_else(|| invalid(last_error))?;
    check_claims(&claims, alg, expected)?;
    Ok(claims)
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

fn number(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(|f| Some(f as i64))
            .ok_or_else(|| invalid(format!("`{name}` is not a number"))),
    }
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
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`iss` is not a string"))?;
    let expected_iss = match claims.get("tid").and_then(Value::as_str) {
        Some(tid) if e.issuer.contains("{tenantid}") => e.issuer.replace("{tenantid}", tid),
        _ => e.issuer.to_string(),
    };
    if iss != expected_iss {
        return Err(invalid(format!(
            "`iss` is {iss:?}, expected {expected_iss:?}"
        )));
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => {}
        _ => return Err(invalid("`sub` is not a non-empty string")),
    }
    let now = e.now_s;
    let iat = number(claims, "iat")?.unwrap_or(0);
    if iat > now + CLOCK_TOLERANCE_S {
        return Err(invalid(format!(
            "issued in the future (iat {iat}, now {now}): check the clocks"
        )));
    }
    if let Some(exp) = number(claims, "exp")?
        && exp <= now - CLOCK_TOLERANCE_S
    {
        return Err(invalid(format!("expired (exp {exp}, now {now})")));
    }
    if let Some(nbf) = number(claims, "nbf")?
        && nbf > now + CLOCK_TOLERANCE_S
    {
        return Err(invalid(format!("not valid yet (nbf {nbf}, now {now})")));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return Err(invalid("`aud` is neither a string nor an array of strings")),
    };
    if !audiences.contains(&e.client_id) {
        return Err(invalid(format!(
            "`aud` {audiences:?} does not include the client id {:?}",
            e.client_id
        )));
    }
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
