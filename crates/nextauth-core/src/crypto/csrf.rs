//! The double-submit CSRF cookie: `token|sha256_hex(token ++ secret)`.
//!
//! Ports v4 `core/lib/csrf-token.ts` (`createCSRFToken`), which runs on every request in `init`.
//! The cookie binds the token to the server secret, so a cookie planted by an attacker who does
//! not know the secret is rejected and replaced; a form POST is verified when its `csrfToken`
//! field equals the token in a valid cookie.

use subtle::{Choice, ConstantTimeEq};

use super::hash::{constant_time_eq, hex_lower, hex32_array, sha256_concat};
use super::random;

/// `sha256_hex(token ++ secret)`: the second half of the cookie value (lowercase hex).
///
/// v4 hashes the template string `` `${csrfToken}${secret}` ``, i.e. the UTF-8 bytes of the token
/// followed by those of the secret.
pub fn csrf_hash(token: &str, secret: &[u8]) -> String {
    hex_lower(&sha256_concat(token.as_bytes(), secret))
}

/// [`csrf_hash`] as ASCII bytes on the stack (the per-request check allocates nothing).
fn csrf_hash_bytes(token: &str, secret: &[u8]) -> [u8; 64] {
    hex32_array(&sha256_concat(token.as_bytes(), secret))
}

/// The cookie value `token|hash`, **decoded**; the cookie layer percent-encodes it, so the
/// wire form is `token%7Chash`.
pub fn csrf_cookie_value(token: &str, secret: &[u8]) -> String {
    let mut out = String::with_capacity(token.len() + 65);
    out.push_str(token);
    out.push('|');
    for &b in &csrf_hash_bytes(token, secret) {
        out.push(char::from(b));
    }
    out
}

/// The outcome of the init-time CSRF check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfCheck {
    /// The CSRF token of this request: the cookie's when it was valid, else a fresh one. This is
    /// what `GET /csrf` returns and the built-in pages embed.
    pub token: String,
    /// True only for a POST whose body `csrfToken` equals the token of a valid cookie.
    pub verified: bool,
    /// `Some(decoded cookie value)` when a new cookie must be issued (the cookie was missing,
    /// malformed or tampered with); `None` when the request's cookie is kept.
    pub new_cookie: Option<String>,
}

/// v4's init-time CSRF check (`createCSRFToken`).
///
/// `cookie` is the percent-**decoded** CSRF cookie value, if the request had one. It is split on
/// `|` into token (part 0) and hash (part 1); further parts are ignored, as in v4's array
/// destructuring. The cookie is accepted iff the hash equals [`csrf_hash`]`(token, s)` for any
/// of `secrets` (secret rotation: the first secret signs, every one verifies).
///
/// * Accepted: the token is reused, `verified = is_post && body_token == Some(token)`, and no new
///   cookie is issued (v4 never rotates a valid cookie).
/// * Otherwise: a fresh [`random::hex32`] token, `new_cookie = Some(csrf_cookie_value(token,
///   secrets[0]))`, `verified = false`.
///
/// v4 compares with `===`; we compare in constant time but accept exactly the same inputs
/// (an uppercase hash is rejected, any token string whose hash matches is accepted). An empty
/// cookie value is rejected like a missing one (v4's `if (cookieValue)`). With an empty
/// `secrets` list (a configuration error the config layer refuses) nothing is accepted and the
/// new cookie is signed with the empty secret; this never panics.
pub fn check(
    cookie: Option<&str>,
    is_post: bool,
    body_token: Option<&str>,
    secrets: &[&[u8]],
) -> CsrfCheck {
    if let Some(value) = cookie.filter(|v| !v.is_empty()) {
        let mut parts = value.split('|');
        let token = parts.next().unwrap_or_default();
        if let Some(hash) = parts.next() {
            // Check every secret without an early exit, so the timing does not tell which one
            // (if any) matched.
            let accepted = secrets.iter().fold(Choice::from(0), |acc, secret| {
                acc | hash.as_bytes().ct_eq(&csrf_hash_bytes(token, secret)[..])
            });
            if bool::from(accepted) {
                let verified = is_post && body_token.is_some_and(|b| constant_time_eq(b, token));
                return CsrfCheck {
                    token: token.to_owned(),
                    verified,
                    new_cookie: None,
                };
            }
        }
    }
    let token = random::hex32();
    let signing_secret: &[u8] = secrets.first().copied().unwrap_or_default();
    let new_cookie = Some(csrf_cookie_value(&token, signing_secret));
    CsrfCheck {
        token,
        verified: false,
        new_cookie,
    }
}
