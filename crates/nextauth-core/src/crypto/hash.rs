//! SHA-256 helpers and constant-time string comparison.
//!
//! v4 hashes with Node's `createHash("sha256").update(x).digest("hex")`, which gives lowercase hex;
//! every stored or compared hash in the protocol is in that form.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Lowercase hex SHA-256 of `data` (64 characters), like Node's `digest("hex")`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The hash that the email provider stores for a magic-link token: `sha256_hex(token ++ secret)`.
///
/// Ports `hashToken` in v4 `core/lib/utils.ts`, which hashes the template string
/// `` `${token}${secret}` ``. `secret` is `provider.secret ?? options.secret`; choosing between
/// them is the caller's job. The link carries the raw token, the database only this hash.
pub fn hash_email_token(token: &str, secret: &[u8]) -> String {
    sha256_hex(&concat(token.as_bytes(), secret))
}

/// String equality whose running time does not depend on where the strings differ.
///
/// Used for CSRF hashes and tokens, which v4 compares with `===`: the accepted inputs are the
/// same, only the timing side channel is closed. Strings of different lengths are unequal (the
/// length itself is not secret: tokens and hashes have fixed, public lengths).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `a ++ b` as one buffer (v4 builds these with string templates before hashing).
pub(super) fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out
}
