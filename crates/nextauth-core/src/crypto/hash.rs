//! SHA-256 helpers and constant-time string comparison.
//!
//! v4 hashes with Node's `createHash("sha256").update(x).digest("hex")`, which gives lowercase hex;
//! every stored or compared hash in the protocol is in that form.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Lowercase hex SHA-256 of `data` (64 characters), like Node's `digest("hex")`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

/// SHA-256 of `a ++ b`, without building the concatenation.
pub(super) fn sha256_concat(a: &[u8], b: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(a)
        .chain_update(b)
        .finalize()
        .into()
}

/// Lowercase hex of `bytes` into one allocation of the exact size.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Lowercase hex of a SHA-256 digest, on the stack.
pub(super) fn hex32_array(digest: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// The hash that the email provider stores for a magic-link token: `sha256_hex(token ++ secret)`.
///
/// Ports `hashToken` in v4 `core/lib/utils.ts`, which hashes the template string
/// `` `${token}${secret}` ``. `secret` is `provider.secret ?? options.secret`; choosing between
/// them is the caller's job. The link carries the raw token, the database only this hash.
pub fn hash_email_token(token: &str, secret: &[u8]) -> String {
    hex_lower(&sha256_concat(token.as_bytes(), secret))
}

/// String equality whose running time does not depend on where the strings differ.
///
/// Used for CSRF hashes and tokens, which v4 compares with `===`: the accepted inputs are the
/// same, only the timing side channel is closed. Strings of different lengths are unequal (the
/// length itself is not secret: tokens and hashes have fixed, public lengths).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
