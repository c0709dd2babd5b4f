//! Cryptographic building blocks, byte-compatible with next-auth 4.24.15.
//!
//! | module | job | ports |
//! |---|---|---|
//! | [`jwe`] | session and OAuth check-cookie tokens: JWE `dir`/`A256GCM`, keys from HKDF-SHA256 | `jwt/index.ts` |
//! | [`csrf`] | the double-submit CSRF cookie `token|sha256_hex(token + secret)` | `core/lib/csrf-token.ts` |
//! | [`hash`] | SHA-256 hex, the email verification-token hash, constant-time compare | `core/lib/utils.ts` (`hashToken`) |
//! | [`random`] | CSRF tokens, OAuth `state`/`nonce`/PKCE verifier, UUIDs, the PKCE S256 challenge | `core/lib/oauth/*`, `core/lib/csrf-token.ts` |
//!
//! Where v4 is lenient we are stricter without rejecting anything v4 itself produces: only
//! `dir`/`A256GCM` JWEs are accepted, base64url must be canonical, and every secret-dependent
//! comparison is constant-time.

pub mod csrf;
pub mod hash;
pub mod jwe;
pub mod random;

#[cfg(test)]
mod tests;
