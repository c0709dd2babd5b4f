//! Random values, from a cryptographically secure generator seeded by the operating system.
//!
//! The generator is `rand`'s `ThreadRng`: ChaCha12 per thread, seeded from the OS CSPRNG
//! (`getrandom`) and reseeded from it every 64 KiB of output (and after a `fork`). A request
//! needs up to three random values (CSRF token, JWT `jti`, AES-GCM IV); one `getrandom` system
//! call each cost about a tenth of `GET session`'s CPU time, this costs almost nothing.
//!
//! The formats match v4 exactly, because they end up in cookies, URLs and databases that other
//! next-auth code may read:
//! * CSRF tokens and email verification tokens: `randomBytes(32).toString("hex")`
//!   (`core/lib/csrf-token.ts`, `core/lib/email/signin.ts`);
//! * OAuth `state`, `nonce` and PKCE `code_verifier`: openid-client's `generators.*()`, i.e.
//!   base64url of 32 random bytes (`core/lib/oauth/checks.ts`);
//! * database session tokens and JWT `jti`: UUID v4 (`core/lib/utils.ts`, `jwt/index.ts`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// Fills `buf` from the thread's CSPRNG (see the module docs).
pub fn fill(buf: &mut [u8]) {
    rand::thread_rng().fill_bytes(buf);
}

/// 32 random bytes.
fn bytes32() -> [u8; 32] {
    let mut buf = [0u8; 32];
    fill(&mut buf);
    buf
}

/// 32 random bytes as 64 lowercase hex characters (CSRF tokens, email verification tokens).
pub fn hex32() -> String {
    super::hash::hex_lower(&bytes32())
}

/// 32 random bytes as base64url without padding (43 characters): OAuth `state`, `nonce` and
/// the PKCE `code_verifier`.
pub fn b64url32() -> String {
    URL_SAFE_NO_PAD.encode(bytes32())
}

/// A random UUID v4, lowercase and hyphenated (`0ae28019-7ab9-4450-aeb6-ca7f6544c992`).
pub fn uuid_v4() -> String {
    uuid::Builder::from_random_bytes(random16())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// 16 random bytes (the UUID body; `Builder` sets the version and variant bits).
fn random16() -> [u8; 16] {
    let mut buf = [0u8; 16];
    fill(&mut buf);
    buf
}

/// The PKCE `code_challenge` for method `S256` (RFC 7636 §4.2):
/// `base64url(SHA-256(ASCII(code_verifier)))` without padding.
pub fn pkce_challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
