//! JWE compact serialisation with `alg: "dir"`, `enc: "A256GCM"`: the format of v4 session
//! tokens and of the OAuth `state`/PKCE/`nonce` check cookies.
//!
//! Ports `encode`, `decode` and `getDerivedEncryptionKey` of v4 `jwt/index.ts`, which use jose's
//! `EncryptJWT` / `jwtDecrypt`:
//! * key = HKDF-SHA256(IKM = secret, salt, info = `"NextAuth.js Generated Encryption Key"` plus
//!   `" (<salt>)"` when the salt is non-empty, L = 32). Sessions use salt `""`; check cookies use
//!   the full cookie name as salt.
//! * token = `BASE64URL(header) "." "" "." BASE64URL(iv) "." BASE64URL(ciphertext) "." BASE64URL(tag)`,
//!   header `{"alg":"dir","enc":"A256GCM"}`, 96-bit random IV, AAD = the ASCII header segment.
//!
//! Hardening over v4: `decode()` in v4 does not pin the algorithm, so jose accepts any JWE it can
//! open with that 32-byte key (`A128CBC-HS256`, `A256KW`, `zip: "DEF"`, ...). next-auth only ever
//! produces `dir` + `A256GCM`, so we accept exactly that: every token v4 issues still decodes, and
//! the attack surface of key-wrapping modes and decompression (zip bombs) is gone. We also
//! require canonical unpadded base64url, where Node's decoder silently skips junk.

use aes_gcm::aead::AeadInPlace as _;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::{Aes256Gcm, KeyInit as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use serde_json::{Map, Value};
use sha2::Sha256;

use super::random;

/// The protected header next-auth always writes: base64url of `{"alg":"dir","enc":"A256GCM"}`.
const HEADER_B64: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";

/// HKDF `info` prefix (v4 `jwt/index.ts`, `getDerivedEncryptionKey`).
const INFO_PREFIX: &str = "NextAuth.js Generated Encryption Key";

/// jose `clockTolerance` as set by v4 `decode()`: 15 seconds on `exp` and `nbf`.
const CLOCK_TOLERANCE_SECS: i64 = 15;

/// One 256-bit content-encryption key (the JWE `dir` key), with its AES-GCM key schedule
/// expanded once (not on every encryption or decryption).
///
/// `Debug` never prints the key material.
#[derive(Clone)]
pub struct JweKey {
    #[cfg(test)]
    bytes: [u8; 32],
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for JweKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JweKey([redacted])")
    }
}

impl JweKey {
    /// Derives the key for `secret` and `salt` exactly like v4's `getDerivedEncryptionKey`:
    /// HKDF-SHA256 with IKM = `secret`, salt = UTF-8 of `salt`, info =
    /// `"NextAuth.js Generated Encryption Key"` (plus `" (<salt>)"` when `salt` is non-empty),
    /// 32 bytes of output.
    ///
    /// An empty salt is a zero-length HKDF salt, which RFC 5869 defines as equal to HashLen zero
    /// bytes (HMAC pads short keys with zeros), so this matches Node's `hkdf` and jose.
    pub fn derive(secret: &[u8], salt: &str) -> JweKey {
        let info = if salt.is_empty() {
            INFO_PREFIX.to_owned()
        } else {
            format!("{INFO_PREFIX} ({salt})")
        };
        let hk = Hkdf::<Sha256>::new(Some(salt.as_bytes()), secret);
        let mut okm = [0u8; 32];
        // `expand` only fails when L > 255 * HashLen (8160 bytes); L is 32.
        let expanded = hk.expand(info.as_bytes(), &mut okm);
        debug_assert!(
            expanded.is_ok(),
            "HKDF-SHA256 expand to 32 bytes cannot fail"
        );
        JweKey::from_bytes(okm)
    }

    /// Wraps raw key bytes (tests, or keys managed outside of HKDF).
    pub fn from_bytes(b: [u8; 32]) -> JweKey {
        JweKey {
            #[cfg(test)]
            bytes: b,
            cipher: Aes256Gcm::new(&GenericArray::from(b)),
        }
    }

    /// The raw key, for comparing against the derived-key vectors.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

/// Ordered keys for one salt: the first encrypts, every one may decrypt (secret rotation).
///
/// Derive it once per (secrets, salt) and keep it: HKDF runs in [`JweKeyring::derive`] only,
/// never inside [`encrypt`](JweKeyring::encrypt) or [`decrypt`](JweKeyring::decrypt).
#[derive(Clone, Debug)]
pub struct JweKeyring {
    /// The key of the first (current) secret: encrypts and decrypts.
    current: JweKey,
    /// Keys of the older secrets, in order: decrypt only.
    previous: Vec<JweKey>,
}

/// Why a token was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JweError {
    /// Not a well-formed compact JWE: empty, not 5 parts, a non-empty encrypted key, bad
    /// base64url (including padding), a header that is not a JSON object, or a wrong IV/tag length.
    #[error("malformed JWE: {0}")]
    Malformed(&'static str),
    /// The header is not exactly `alg: "dir"` + `enc: "A256GCM"`, or it has a `zip` or `crit`
    /// member. v4 would accept other algorithms; we pin it (see the module docs).
    #[error("unsupported JWE header: {0}")]
    UnsupportedHeader(String),
    /// No key of the keyring opens the token (wrong secret or salt, or tampered with).
    #[error("JWE decryption failed")]
    Decryption,
    /// The plaintext is not a JSON object, or a claim has the wrong type.
    #[error("invalid JWT payload: {0}")]
    InvalidPayload(&'static str),
    /// `exp <= now - 15 s` (jose `ERR_JWT_EXPIRED`).
    #[error("JWT expired")]
    Expired,
    /// `nbf > now + 15 s`.
    #[error("JWT not yet valid")]
    NotYetValid,
}

/// A compact JWE split into its parts, header already checked.
struct Parsed<'a> {
    /// The decoded header; `None` for next-auth's own header ([`HEADER_B64`]), which is known to
    /// pass the checks and to replicate no claim, so it is not decoded on every request.
    header: Option<Map<String, Value>>,
    /// The header segment as received: its ASCII is the AAD.
    header_b64: &'a str,
    iv: [u8; 12],
    ciphertext: Vec<u8>,
    tag: [u8; 16],
}

impl JweKeyring {
    /// One key per secret, in order, all with the same `salt`.
    ///
    /// `secrets` should be non-empty; the config layer guarantees it. With an empty list the
    /// keyring holds the single key derived from the empty secret `b""`, so that `encrypt` still
    /// has a key and nothing panics; that key is public knowledge, so such a keyring protects
    /// nothing and must never be built from real configuration.
    pub fn derive(secrets: &[&[u8]], salt: &str) -> JweKeyring {
        let (first, rest): (&[u8], &[&[u8]]) = match secrets.split_first() {
            Some((first, rest)) => (first, rest),
            None => (b"", &[]),
        };
        JweKeyring {
            current: JweKey::derive(first, salt),
            previous: rest.iter().map(|s| JweKey::derive(s, salt)).collect(),
        }
    }

    /// The encrypting key's bytes, for comparing against the derived-key vectors.
    #[cfg(test)]
    pub(super) fn current_bytes(&self) -> &[u8; 32] {
        self.current.bytes()
    }

    /// Every key, current first: the order in which decryption tries them.
    fn keys(&self) -> impl Iterator<Item = &JweKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }

    /// Encrypts `plaintext` with the first key and a random 96-bit IV.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let mut iv = [0u8; 12];
        random::fill(&mut iv);
        self.encrypt_with_iv(plaintext, iv)
    }

    /// Encrypts with a caller-chosen IV. Only for deterministic tests: reusing an IV with the same
    /// key breaks AES-GCM, so production code calls [`encrypt`](JweKeyring::encrypt).
    pub fn encrypt_with_iv(&self, plaintext: &[u8], iv: [u8; 12]) -> String {
        let mut buf = plaintext.to_vec();
        let tag = match self.current.cipher().encrypt_in_place_detached(
            &GenericArray::from(iv),
            HEADER_B64.as_bytes(),
            &mut buf,
        ) {
            Ok(tag) => tag,
            // AES-GCM refuses plaintexts over 2^36 - 32 bytes (64 GiB), far beyond anything a
            // cookie carries. An empty string is never a valid token, so decode rejects it.
            Err(_) => return String::new(),
        };
        // header ".." iv "." ciphertext "." tag, encoded straight into one buffer of the exact
        // size (base64's `encode_string` goes through a slower chunked writer).
        let parts: [&[u8]; 3] = [&iv, &buf, &tag];
        let len = HEADER_B64.len()
            + 1
            + parts
                .iter()
                .map(|p| 1 + base64::encoded_len(p.len(), false).unwrap_or(0))
                .sum::<usize>();
        let mut out = vec![0u8; len];
        out[..HEADER_B64.len()].copy_from_slice(HEADER_B64.as_bytes());
        let mut at = HEADER_B64.len();
        out[at] = b'.';
        at += 1;
        for part in parts {
            out[at] = b'.';
            at += 1;
            match URL_SAFE_NO_PAD.encode_slice(part, &mut out[at..]) {
                Ok(n) => at += n,
                Err(_) => return String::new(),
            }
        }
        out.truncate(at);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Decrypts a compact JWE, trying each key in order; returns the plaintext.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, JweError> {
        let mut parsed = parse(token)?;
        self.open(&mut parsed)
    }

    /// Decrypts in place; the ciphertext is copied only when a key other than the last must be
    /// tried (a failed attempt leaves the buffer scrambled).
    fn open(&self, parsed: &mut Parsed<'_>) -> Result<Vec<u8>, JweError> {
        let nonce = GenericArray::from(parsed.iv);
        let tag = GenericArray::from(parsed.tag);
        let aad = parsed.header_b64.as_bytes();
        let last = self.previous.len();
        for (i, key) in self.keys().enumerate() {
            let mut buf = if i == last {
                std::mem::take(&mut parsed.ciphertext)
            } else {
                parsed.ciphertext.clone()
            };
            if key
                .cipher()
                .decrypt_in_place_detached(&nonce, aad, &mut buf, &tag)
                .is_ok()
            {
                return Ok(buf);
            }
        }
        Err(JweError::Decryption)
    }

    /// v4 `encode()`: encrypts `token` as a JWT with `iat = now`, `exp = now + max_age` and a
    /// fresh UUID v4 `jti`.
    ///
    /// The three claims are **always overwritten**. Like jose's `setIssuedAt()` /
    /// `setExpirationTime()` / `setJti()` (object spread), a claim already present keeps its
    /// position and a missing one is appended in the order iat, exp, jti, so a fresh session token
    /// serialises as `{"name",...,"sub","iat","exp","jti"}` like v4's.
    pub fn encode_jwt(
        &self,
        token: &Map<String, Value>,
        max_age_secs: i64,
        now_secs: i64,
    ) -> String {
        let iat = Value::from(now_secs);
        let exp = Value::from(now_secs.saturating_add(max_age_secs));
        let jti = Value::from(random::uuid_v4());
        let json = match claims_json(token, [("iat", &iat), ("exp", &exp), ("jti", &jti)]) {
            Ok(json) => json,
            // Writing JSON values into a Vec cannot fail; this path only keeps the code total.
            Err(_) => {
                let mut payload = token.clone();
                payload.insert("iat".to_owned(), iat);
                payload.insert("exp".to_owned(), exp);
                payload.insert("jti".to_owned(), jti);
                Value::Object(payload).to_string().into_bytes()
            }
        };
        self.encrypt(&json)
    }

    /// v4 `decode()` (jose `jwtDecrypt` with `clockTolerance: 15`): decrypts, then requires the
    /// payload to be a JSON object and checks the claims against `now_secs`:
    /// * `iat`, when present, must be a number (it is not time-checked);
    /// * `nbf`, when present, must be a number, and `nbf > now + 15` is [`JweError::NotYetValid`];
    /// * `exp`, when present, must be a number, and `exp <= now - 15` is [`JweError::Expired`];
    /// * `iss`/`sub`/`aud` replicated in the header must equal the payload's (jose checks this
    ///   too; next-auth never writes them).
    ///
    /// v4 returns `null` for an empty token; here that is `Malformed`, and the callers treat every
    /// error as "no session".
    pub fn decode_jwt(&self, token: &str, now_secs: i64) -> Result<Map<String, Value>, JweError> {
        let mut parsed = parse(token)?;
        let plaintext = self.open(&mut parsed)?;
        let payload = match serde_json::from_slice::<Value>(&plaintext) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(JweError::InvalidPayload(
                    "JWT claims set must be a top-level JSON object",
                ));
            }
        };

        // jose compares `protectedHeader.x !== payload.x`: equal scalars pass, objects and
        // arrays never do (reference comparison).
        for claim in ["iss", "sub", "aud"] {
            if let Some(in_header) = parsed.header.as_ref().and_then(|h| h.get(claim))
                && (in_header.is_object()
                    || in_header.is_array()
                    || payload.get(claim) != Some(in_header))
            {
                return Err(JweError::InvalidPayload(
                    "replicated claim header parameter mismatch",
                ));
            }
        }

        // Same order of checks as jose: iat type, nbf, exp.
        if payload.get("iat").is_some_and(|v| !v.is_number()) {
            return Err(JweError::InvalidPayload("\"iat\" claim must be a number"));
        }
        let now = now_secs as f64;
        let tolerance = CLOCK_TOLERANCE_SECS as f64;
        if let Some(nbf) = payload.get("nbf") {
            let nbf = nbf
                .as_f64()
                .ok_or(JweError::InvalidPayload("\"nbf\" claim must be a number"))?;
            if nbf > now + tolerance {
                return Err(JweError::NotYetValid);
            }
        }
        if let Some(exp) = payload.get("exp") {
            let exp = exp
                .as_f64()
                .ok_or(JweError::InvalidPayload("\"exp\" claim must be a number"))?;
            if exp <= now - tolerance {
                return Err(JweError::Expired);
            }
        }
        Ok(payload)
    }
}

/// The compact JSON of `token` with the `overrides` set, exactly as inserting them into a
/// clone of the (order-preserving) map and serialising it would give (`JSON.stringify` of jose's
/// object spread): a key already present keeps its position with the new value, missing ones are
/// appended in the order given. No clone of the map, one buffer.
fn claims_json(
    token: &Map<String, Value>,
    overrides: [(&str, &Value); 3],
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let mut used = [false; 3];
    out.push(b'{');
    let mut first = true;
    let mut entry = |out: &mut Vec<u8>, k: &str, v: &Value| -> Result<(), serde_json::Error> {
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *out, k)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, v)
    };
    for (k, v) in token {
        let v = match overrides.iter().position(|(name, _)| *name == k.as_str()) {
            Some(i) => {
                used[i] = true;
                overrides[i].1
            }
            None => v,
        };
        entry(&mut out, k, v)?;
    }
    for (i, (k, v)) in overrides.iter().enumerate() {
        if !used[i] {
            entry(&mut out, k, v)?;
        }
    }
    out.push(b'}');
    Ok(out)
}

/// Splits and checks a compact JWE without touching any key.
fn parse(token: &str) -> Result<Parsed<'_>, JweError> {
    if token.is_empty() {
        return Err(JweError::Malformed("empty token"));
    }
    let mut parts = token.split('.');
    let (
        Some(header_b64),
        Some(encrypted_key),
        Some(iv_b64),
        Some(ciphertext_b64),
        Some(tag_b64),
        None,
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return Err(JweError::Malformed("expected 5 dot-separated parts"));
    };
    // `dir` means the content key *is* the shared key: there is no encrypted key to carry.
    if !encrypted_key.is_empty() {
        return Err(JweError::Malformed("unexpected encrypted key"));
    }

    let header = if header_b64 == HEADER_B64 {
        None
    } else {
        let header_json = b64(header_b64, "header is not base64url")?;
        let header = match serde_json::from_slice::<Value>(&header_json) {
            Ok(Value::Object(map)) => map,
            _ => return Err(JweError::Malformed("header is not a JSON object")),
        };
        check_header(&header)?;
        Some(header)
    };

    let iv: [u8; 12] = b64(iv_b64, "IV is not base64url")?
        .try_into()
        .map_err(|_| JweError::Malformed("IV must be 96 bits"))?;
    let ciphertext = b64(ciphertext_b64, "ciphertext is not base64url")?;
    let tag: [u8; 16] = b64(tag_b64, "tag is not base64url")?
        .try_into()
        .map_err(|_| JweError::Malformed("tag must be 128 bits"))?;

    Ok(Parsed {
        header,
        header_b64,
        iv,
        ciphertext,
        tag,
    })
}

/// Strict base64url without padding; canonical trailing bits.
fn b64(part: &str, what: &'static str) -> Result<Vec<u8>, JweError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JweError::Malformed(what))
}

/// Pins the algorithm (see the module docs). Member order and extra informational members
/// (`kid`, `typ`, `cty`, ...) do not matter; they are covered by the AAD anyway.
fn check_header(header: &Map<String, Value>) -> Result<(), JweError> {
    let alg = header.get("alg");
    let enc = header.get("enc");
    if alg != Some(&Value::from("dir")) || enc != Some(&Value::from("A256GCM")) {
        return Err(JweError::UnsupportedHeader(format!(
            "alg {}, enc {} (only dir + A256GCM)",
            describe(alg),
            describe(enc)
        )));
    }
    // Compression invites zip bombs and next-auth never compresses; `crit` names extensions we
    // do not implement, which RFC 7516 says must then be rejected.
    for member in ["zip", "crit"] {
        if header.contains_key(member) {
            return Err(JweError::UnsupportedHeader(format!(
                "\"{member}\" member not supported"
            )));
        }
    }
    Ok(())
}

/// A short rendering of a header member for error messages, bounded in length because the header
/// comes from the client.
fn describe(value: Option<&Value>) -> String {
    match value {
        None => "missing".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 40 {
                let head: String = s.chars().take(40).collect();
                format!("{head}...")
            } else {
                s
            }
        }
    }
}
