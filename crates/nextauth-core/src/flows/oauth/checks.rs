//! The OAuth checks: `state`, PKCE and `nonce`, each kept in its own cookie between the sign-in
//! redirect and the callback. Ports v4 `core/lib/oauth/checks.ts` (spec §5.1, §11.2–§11.4).
//!
//! A cookie's value is v4's `encode({token: {value, provider}, salt: <cookie name>, maxAge: 900})`:
//! a JWE whose payload is `{value, provider, iat, exp, jti}`, under a key derived with the full
//! cookie name as HKDF salt, so next-auth and this crate read each other's cookies.

use serde_json::{Map, Value};

use crate::cookies::{CHECK_COOKIE_MAX_AGE, SetCookie};
use crate::crypto::hash::constant_time_eq;
use crate::crypto::jwe::{JweError, JweKeyring};
use crate::crypto::random;
use crate::error::{CheckCookieProblem, OAuthError};
use crate::init::Ctx;
use crate::providers::oauth::Check;
use crate::state::State;

/// The values sent to the IdP by the sign-in redirect.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Created {
    pub(crate) state: Option<String>,
    /// `base64url(SHA-256(code_verifier))`; the verifier stays in the cookie.
    pub(crate) code_challenge: Option<String>,
    pub(crate) nonce: Option<String>,
}

/// The values read back from the cookies at the callback.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Used {
    pub(crate) state: Option<String>,
    pub(crate) code_verifier: Option<String>,
    pub(crate) nonce: Option<String>,
}

/// Cookie name and key of a check.
fn slot(inner: &State, check: Check) -> (&str, &JweKeyring) {
    match check {
        Check::State => (&inner.cookies.state, &inner.state_keys),
        Check::Pkce => (&inner.cookies.pkce_code_verifier, &inner.pkce_keys),
        Check::Nonce => (&inner.cookies.nonce, &inner.nonce_keys),
    }
}

/// The order v4 creates and reads the checks in, whatever the configured order.
const ORDER: [Check; 3] = [Check::State, Check::Pkce, Check::Nonce];

/// Draws a value per enabled check and queues its cookie: state and PKCE with `Max-Age=900` and
/// `Expires`, the nonce with `Expires` only (v4's default cookie options).
pub(crate) fn create(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    checks: &[Check],
) -> Created {
    let now_s = ctx.now_ms.div_euclid(1000);
    let expires_ms = ctx.now_ms + CHECK_COOKIE_MAX_AGE * 1000;
    let secure = inner.cookies.secure;
    let mut out = Created::default();
    for check in ORDER.into_iter().filter(|c| checks.contains(c)) {
        let value = random::b64url32();
        let (name, keys) = slot(inner, check);
        let mut payload = Map::new();
        payload.insert("value".into(), Value::String(value.clone()));
        payload.insert("provider".into(), Value::String(provider_id.to_string()));
        let sealed = keys.encode_jwt(&payload, CHECK_COOKIE_MAX_AGE, now_s);
        let mut cookie = SetCookie::expiring(name, sealed, expires_ms, secure);
        if check != Check::Nonce {
            cookie.max_age = Some(CHECK_COOKIE_MAX_AGE);
        }
        ctx.cookies.push(cookie);
        match check {
            Check::State => out.state = Some(value),
            Check::Pkce => out.code_challenge = Some(random::pkce_challenge_s256(&value)),
            Check::Nonce => out.nonce = Some(value),
        }
    }
    out
}

/// Reads every enabled check's cookie. Each cookie must be present, decrypt under its key, be
/// unexpired, carry a `value`, and have been minted for `provider_id`. Errors name the cookie
/// and the reason.
///
/// Reading spends nothing: the valid cookies are deleted by [`spend`] once the callback is
/// known to be this sign-in's (its `state` matched), so a forged or broken callback does not
/// end the sign-in going on in this browser (v4 deletes them on every callback). Only a cookie
/// that can never be used (undecryptable, expired, malformed) is deleted here. A cookie minted
/// for another provider is refused but kept: it may belong to a sign-in in another tab.
pub(crate) fn use_checks(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    checks: &[Check],
) -> Result<Used, OAuthError> {
    let now_s = ctx.now_ms.div_euclid(1000);
    let secure = inner.cookies.secure;
    let mut used = Used::default();
    let mut first_error: Option<OAuthError> = None;
    for check in ORDER.into_iter().filter(|c| checks.contains(c)) {
        let (name, keys) = slot(inner, check);
        let read = read_one(keys, name, ctx.req.cookie(name), now_s, provider_id);
        match read {
            Ok(value) => match check {
                Check::State => used.state = Some(value),
                Check::Pkce => used.code_verifier = Some(value),
                Check::Nonce => used.nonce = Some(value),
            },
            Err(Failure { reason, delete }) => {
                if delete {
                    ctx.cookies.push(SetCookie::deletion(name, secure));
                }
                first_error.get_or_insert(reason);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(used),
    }
}

/// Queues the deletion of every enabled check's cookie: the sign-in they belong to is being
/// finished by this callback (v4 `useState`/`usePKCECodeVerifier`/`useNonce` delete them).
pub(crate) fn spend(inner: &State, ctx: &mut Ctx<'_>, checks: &[Check]) {
    let secure = inner.cookies.secure;
    for check in ORDER.into_iter().filter(|c| checks.contains(c)) {
        let (name, _) = slot(inner, check);
        ctx.cookies.push(SetCookie::deletion(name, secure));
    }
}

struct Failure {
    reason: OAuthError,
    /// Whether the cookie is present and ours to delete.
    delete: bool,
}

fn read_one(
    keys: &JweKeyring,
    name: &str,
    cookie: Option<&str>,
    now_s: i64,
    provider_id: &str,
) -> Result<String, Failure> {
    let fail = |problem: CheckCookieProblem, delete: bool| Failure {
        reason: OAuthError::CheckCookie {
            cookie: name.to_string(),
            problem,
        },
        delete,
    };
    let Some(sealed) = cookie.filter(|c| !c.is_empty()) else {
        return Err(fail(CheckCookieProblem::Missing, false));
    };
    let payload = keys.decode_jwt(sealed, now_s).map_err(|e| {
        let why = match e {
            JweError::Expired => CheckCookieProblem::Expired,
            JweError::Decryption => CheckCookieProblem::Undecryptable,
            other => CheckCookieProblem::Malformed(other.to_string()),
        };
        fail(why, true)
    })?;
    match payload.get("provider").and_then(Value::as_str) {
        Some(p) if p == provider_id => {}
        Some(p) => {
            let problem = CheckCookieProblem::OtherProvider {
                minted_for: p.to_string(),
                expected: provider_id.to_string(),
            };
            return Err(fail(problem, false));
        }
        None => {
            return Err(fail(CheckCookieProblem::NoProvider, true));
        }
    }
    match payload.get("value").and_then(Value::as_str) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(fail(CheckCookieProblem::NoValue, true)),
    }
}

/// Compares the callback's `state` parameter with the cookie's (openid-client's rules: both or
/// neither; equal).
pub(crate) fn verify_state(expected: Option<&str>, got: Option<&str>) -> Result<(), OAuthError> {
    match (expected, got) {
        (Some(e), Some(g)) if constant_time_eq(e, g) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::State(
            "the state parameter does not match the state cookie (forged or stale callback)",
        )),
        (Some(_), None) => Err(OAuthError::State(
            "the callback has no state parameter, but the state check is on",
        )),
        (None, Some(_)) => Err(OAuthError::State(
            "the callback has a state parameter, but the state check is off for this provider",
        )),
        (None, None) => Ok(()),
    }
}
