//! Tests against the next-auth 4.24.15 vectors in `testdata/`, plus edge cases of our own.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::csrf::{self, CsrfCheck};
use super::hash::{constant_time_eq, hash_email_token, sha256_hex};
use super::jwe::{JweError, JweKey, JweKeyring};
use super::random;

const CSRF_JSON: &str = include_str!("../../testdata/csrf.json");
const JWT_JSON: &str = include_str!("../../testdata/jwt.json");
const EMAIL_JSON: &str = include_str!("../../testdata/email.json");

const HEADER: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0";
/// A fixed clock well inside the lifetime of the 10-year vectors.
const NOW: i64 = 1_795_843_956;

fn vectors(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn secret_of(v: &Value) -> Vec<u8> {
    v["secret"].as_str().unwrap().as_bytes().to_vec()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn keys_of(m: &Map<String, Value>) -> Vec<&str> {
    m.keys().map(String::as_str).collect()
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && is_lower_hex(&s.replace('-', ""))
}

/// Builds a compact JWE with an arbitrary protected header, sealed correctly (AAD = header
/// segment), so that only the header check can reject it.
fn seal(header_json: &str, plaintext: &[u8], key: [u8; 32]) -> String {
    use aes_gcm::aead::AeadInPlace as _;
    use aes_gcm::aead::generic_array::GenericArray;
    use aes_gcm::{Aes256Gcm, KeyInit as _};
    let header_b64 = URL_SAFE_NO_PAD.encode(header_json);
    let iv = [7u8; 12];
    let mut buf = plaintext.to_vec();
    let tag = Aes256Gcm::new(&GenericArray::from(key))
        .encrypt_in_place_detached(&GenericArray::from(iv), header_b64.as_bytes(), &mut buf)
        .unwrap();
    format!(
        "{header_b64}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&buf),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

const TEST_KEY: [u8; 32] = [0x42; 32];

/// A keyring for the hand-made cases; [`test_ring_key`] is its key, for [`seal`].
fn test_ring() -> JweKeyring {
    JweKeyring::derive(&[b"unit-test-secret"], "")
}

fn test_ring_key() -> [u8; 32] {
    *JweKey::derive(b"unit-test-secret", "").bytes()
}

fn payload_token(ring: &JweKeyring, payload: &Value) -> String {
    ring.encrypt(payload.to_string().as_bytes())
}

// ------------------------------------------------------------------------------------------
// hash.rs and email.json

#[test]
fn sha256_hex_known_answer() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn email_vectors_every_case() {
    let v = vectors(EMAIL_JSON);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let mut with_provider_secret = 0;
    for case in cases {
        let token = s(&case["token"]);
        let secret = match case["provider_secret"].as_str() {
            Some(provider_secret) => {
                with_provider_secret += 1;
                provider_secret
            }
            None => s(&case["app_secret"]),
        };
        assert_eq!(format!("{token}{secret}"), s(&case["hash_input"]));
        assert_eq!(
            hash_email_token(token, secret.as_bytes()),
            s(&case["stored_hash"]),
            "token {token}"
        );
    }
    assert_eq!(with_provider_secret, 1);
}

#[test]
fn constant_time_eq_cases() {
    assert!(constant_time_eq("", ""));
    assert!(constant_time_eq("abc", "abc"));
    assert!(!constant_time_eq("abc", "abd"));
    assert!(!constant_time_eq("abc", "ab"));
    assert!(!constant_time_eq("ab", "abc"));
    assert!(!constant_time_eq("abc", "ABC"));
    assert!(!constant_time_eq("", "a"));
}

// ------------------------------------------------------------------------------------------
// random.rs

#[test]
fn random_formats() {
    let a = random::hex32();
    assert_eq!(a.len(), 64);
    assert!(is_lower_hex(&a));
    assert_ne!(a, random::hex32());

    let b = random::b64url32();
    assert_eq!(b.len(), 43);
    assert!(
        b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_eq!(URL_SAFE_NO_PAD.decode(&b).unwrap().len(), 32);
    assert_ne!(b, random::b64url32());

    let u = random::uuid_v4();
    assert!(is_uuid_v4(&u), "{u}");
    assert_ne!(u, random::uuid_v4());
}

#[test]
fn pkce_rfc7636_appendix_b() {
    assert_eq!(
        random::pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn pkce_vector_from_nextauth() {
    let v = vectors(JWT_JSON);
    let mut seen = 0;
    for cookie in v["oauth_check_cookies"].as_array().unwrap() {
        if let Some(challenge) = cookie.get("pkce_code_challenge_S256") {
            seen += 1;
            assert_eq!(
                random::pkce_challenge_s256(s(&cookie["value"])),
                s(challenge)
            );
        }
    }
    assert_eq!(seen, 1);
}

// ------------------------------------------------------------------------------------------
// csrf.rs and csrf.json

#[test]
fn csrf_pairs_hash_and_cookie_value() {
    let v = vectors(CSRF_JSON);
    let secret = secret_of(&v);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    for pair in pairs {
        let token = s(&pair["token"]);
        assert_eq!(csrf::csrf_hash(token, &secret), s(&pair["hash"]));
        assert_eq!(
            csrf::csrf_cookie_value(token, &secret),
            s(&pair["cookie_value"])
        );
        // The Set-Cookie header carries the same value with '|' percent-encoded.
        let encoded = s(&pair["cookie_value"]).replace('|', "%7C");
        assert!(s(&pair["set_cookie_header"]).contains(&format!("={encoded};")));
    }
}

#[test]
fn csrf_cases_every_entry() {
    let v = vectors(CSRF_JSON);
    let secret = secret_of(&v);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 16);
    for case in cases {
        let name = s(&case["name"]);
        let cookie = case["request_cookie_value"].as_str();
        let body = case["body_csrf_token"].as_str();
        let is_post = case["is_post"].as_bool().unwrap();
        let result = &case["result"];
        let got = csrf::check(cookie, is_post, body, &[&secret]);

        let accepted = result["cookie_accepted"].as_bool().unwrap();
        let new_issued = result["new_cookie_issued"].as_bool().unwrap();
        assert_eq!(new_issued, !accepted, "{name}: vector consistency");
        assert_eq!(
            got.verified,
            result["csrf_token_verified"].as_bool().unwrap(),
            "{name}: verified"
        );
        assert_eq!(got.new_cookie.is_some(), new_issued, "{name}: new cookie");
        if accepted {
            assert_eq!(
                got.token,
                s(&result["csrf_token_returned"]),
                "{name}: token"
            );
        } else {
            // A fresh random token, bound to the secret, different from the rejected one.
            assert_eq!(got.token.len(), 64, "{name}");
            assert!(is_lower_hex(&got.token), "{name}");
            let old_token = cookie.map(|c| c.split('|').next().unwrap_or_default());
            assert_ne!(
                Some(got.token.as_str()),
                old_token,
                "{name}: token must change"
            );
            let new_cookie = got.new_cookie.clone().unwrap();
            assert_eq!(
                new_cookie,
                csrf::csrf_cookie_value(&got.token, &secret),
                "{name}"
            );
            // ... and the issued cookie is accepted on the next request.
            let next = csrf::check(
                Some(new_cookie.as_str()),
                true,
                Some(got.token.as_str()),
                &[&secret],
            );
            assert_eq!(
                next,
                CsrfCheck {
                    token: got.token.clone(),
                    verified: true,
                    new_cookie: None
                },
                "{name}"
            );
        }
    }
}

#[test]
fn csrf_rotation_accepts_any_secret_and_signs_with_first() {
    let old: &[u8] = b"old-secret";
    let new: &[u8] = b"new-secret";
    let cookie = csrf::csrf_cookie_value("tok", old);
    let got = csrf::check(Some(cookie.as_str()), true, Some("tok"), &[new, old]);
    assert_eq!(
        got,
        CsrfCheck {
            token: "tok".into(),
            verified: true,
            new_cookie: None
        }
    );
    let rejected = csrf::check(Some(cookie.as_str()), true, Some("tok"), &[new]);
    assert!(!rejected.verified);
    let issued = rejected.new_cookie.unwrap();
    assert_eq!(issued, csrf::csrf_cookie_value(&rejected.token, new));
}

#[test]
fn csrf_edge_inputs_do_not_panic() {
    let secret: &[u8] = b"s";
    for cookie in ["", "|", "||", "a|", "|a", "\u{e9}|\u{e9}", "%7C"] {
        let got = csrf::check(Some(cookie), true, Some(""), &[secret]);
        assert!(!got.verified, "{cookie:?}");
        assert!(got.new_cookie.is_some(), "{cookie:?}");
    }
    // An empty token is accepted when its hash matches (v4 does the same: "|hash" is truthy).
    let cookie = csrf::csrf_cookie_value("", secret);
    let got = csrf::check(Some(cookie.as_str()), true, Some(""), &[secret]);
    assert_eq!(got.token, "");
    assert!(got.verified);
    // GET never verifies, even with a matching body token.
    let got = csrf::check(Some(cookie.as_str()), false, Some(""), &[secret]);
    assert!(!got.verified && got.new_cookie.is_none());
    // No secrets at all: nothing accepted, no panic.
    let got = csrf::check(Some(cookie.as_str()), true, Some(""), &[]);
    assert!(!got.verified);
    assert_eq!(
        got.new_cookie.unwrap(),
        csrf::csrf_cookie_value(&got.token, b"")
    );
}

// ------------------------------------------------------------------------------------------
// jwe.rs and jwt.json

#[test]
fn jwt_derived_keys_every_salt() {
    let v = vectors(JWT_JSON);
    let secret = secret_of(&v);
    let keys = v["derived_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 7);
    for entry in keys {
        let salt = s(&entry["salt"]);
        let hkdf = &entry["hkdf"];
        assert_eq!(s(&hkdf["ikm_utf8"]).as_bytes(), secret.as_slice());
        assert_eq!(s(&hkdf["salt_utf8"]), salt);
        let expected_info = if salt.is_empty() {
            "NextAuth.js Generated Encryption Key".to_owned()
        } else {
            format!("NextAuth.js Generated Encryption Key ({salt})")
        };
        assert_eq!(s(&hkdf["info_utf8"]), expected_info);
        assert_eq!(
            hex::encode(JweKey::derive(&secret, salt).bytes()),
            s(&entry["key_hex"]),
            "salt {salt:?}"
        );
        assert_eq!(
            hex::encode(JweKeyring::derive(&[&secret], salt).current_bytes()),
            s(&entry["key_hex"])
        );
    }
}

#[test]
fn hkdf_empty_salt_equals_hashlen_zero_salt() {
    use hkdf::Hkdf;
    use sha2::Sha256;
    let info = b"NextAuth.js Generated Encryption Key";
    let mut with_none = [0u8; 32];
    Hkdf::<Sha256>::new(None, b"test-secret-0123456789")
        .expand(info, &mut with_none)
        .unwrap();
    assert_eq!(
        JweKey::derive(b"test-secret-0123456789", "").bytes(),
        &with_none
    );
    assert_eq!(
        hex::encode(with_none),
        "bbdd088d641e4409d2475451f52a84eac1b4ff3f82ca487b60ecd0894d65cdb6"
    );
}

#[test]
fn jwt_session_tokens_decode_like_nextauth() {
    let v = vectors(JWT_JSON);
    let secret = secret_of(&v);
    let ring = JweKeyring::derive(&[&secret], "");
    let wrong = JweKeyring::derive(&[b"another-secret"], "");
    let tokens = v["session_tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 4);
    let mut expired_seen = 0;
    for t in tokens {
        let label = s(&t["label"]);
        let jwe = s(&t["jwe"]);
        let parts = &t["jwe_parts"];
        assert_eq!(
            jwe,
            [
                "protected_header_b64u",
                "encrypted_key_b64u",
                "iv_b64u",
                "ciphertext_b64u",
                "tag_b64u"
            ]
            .map(|k| s(&parts[k]))
            .join(".")
        );
        assert_eq!(s(&parts["protected_header_b64u"]), HEADER);

        // The plaintext is byte-for-byte what next-auth encrypted.
        assert_eq!(
            ring.decrypt(jwe).unwrap(),
            s(&t["plaintext_json"]).as_bytes(),
            "{label}"
        );

        // The payload's keys keep the input order, with iat/exp/jti appended.
        let plain: Map<String, Value> = serde_json::from_str(s(&t["plaintext_json"])).unwrap();
        let mut expected_keys: Vec<&str> = keys_of(t["input_token"].as_object().unwrap());
        expected_keys.extend(["iat", "exp", "jti"]);
        assert_eq!(keys_of(&plain), expected_keys, "{label}");
        let iat = plain["iat"].as_i64().unwrap();
        assert_eq!(
            plain["exp"].as_i64().unwrap(),
            iat + t["max_age"].as_i64().unwrap()
        );

        // Decode with a fixed clock one second after issue.
        let now = iat + 1;
        let decoded = ring.decode_jwt(jwe, now);
        if t["decode_error"].is_null() {
            let decoded = decoded.unwrap();
            let expected = t["decode_result"].as_object().unwrap();
            assert_eq!(&decoded, expected, "{label}");
            assert_eq!(keys_of(&decoded), keys_of(expected), "{label}: key order");
        } else {
            assert!(s(&t["decode_error"]).starts_with("ERR_JWT_EXPIRED"));
            assert_eq!(decoded, Err(JweError::Expired), "{label}");
            expired_seen += 1;
        }

        assert!(
            s(&t["wrong_secret_decode_error"]).starts_with("ERR_JWE_DECRYPTION_FAILED"),
            "{label}"
        );
        assert_eq!(wrong.decode_jwt(jwe, now), Err(JweError::Decryption));
        assert_eq!(wrong.decrypt(jwe), Err(JweError::Decryption));
    }
    assert_eq!(expired_seen, 1);
}

#[test]
fn jwt_thirty_day_token_expires_after_thirty_days() {
    let v = vectors(JWT_JSON);
    let ring = JweKeyring::derive(&[&secret_of(&v)], "");
    let t = v["session_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "default_maxage_30d")
        .unwrap();
    let exp = t["decode_result"]["exp"].as_i64().unwrap();
    let jwe = s(&t["jwe"]);
    assert!(ring.decode_jwt(jwe, exp + 14).is_ok());
    assert_eq!(ring.decode_jwt(jwe, exp + 15), Err(JweError::Expired));
}

#[test]
fn jwt_tampered_ciphertext_fails() {
    let v = vectors(JWT_JSON);
    let ring = JweKeyring::derive(&[&secret_of(&v)], "");
    let t = &v["tampered_ciphertext"];
    assert!(s(&t["decode_error"]).starts_with("ERR_JWE_DECRYPTION_FAILED"));
    assert_eq!(ring.decrypt(s(&t["jwe"])), Err(JweError::Decryption));
    assert_eq!(
        ring.decode_jwt(s(&t["jwe"]), NOW),
        Err(JweError::Decryption)
    );
}

#[test]
fn jwt_deterministic_byte_exact() {
    let v = vectors(JWT_JSON);
    let secret = secret_of(&v);
    let ring = JweKeyring::derive(&[&secret], "");
    let cases = v["deterministic"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        assert_eq!(s(&case["aad_ascii"]), HEADER);
        let iv: [u8; 12] = hex::decode(s(&case["iv_hex"])).unwrap().try_into().unwrap();
        let plaintext = s(&case["plaintext_json"]);
        let jwe = s(&case["jwe"]);
        assert_eq!(ring.encrypt_with_iv(plaintext.as_bytes(), iv), jwe);
        assert_eq!(ring.decrypt(jwe).unwrap(), plaintext.as_bytes());
        let decoded = ring.decode_jwt(jwe, NOW).unwrap();
        let expected = case["decoded_by_nextauth"].as_object().unwrap();
        assert_eq!(&decoded, expected);
        assert_eq!(keys_of(&decoded), keys_of(expected));
        // Re-serialising the decoded payload gives the same JSON text (compact, same order).
        assert_eq!(Value::Object(decoded).to_string(), plaintext);
    }
}

#[test]
fn jwt_oauth_check_cookies_need_their_salt() {
    let v = vectors(JWT_JSON);
    let secret = secret_of(&v);
    let session_ring = JweKeyring::derive(&[&secret], "");
    let cookies = v["oauth_check_cookies"].as_array().unwrap();
    assert_eq!(cookies.len(), 3);
    for c in cookies {
        let name = s(&c["cookie_name"]);
        assert_eq!(s(&c["salt"]), name);
        let ring = JweKeyring::derive(&[&secret], s(&c["salt"]));
        let decoded = ring.decode_jwt(s(&c["jwe"]), NOW).unwrap();
        let expected = c["decoded_with_salt"].as_object().unwrap();
        assert_eq!(&decoded, expected, "{name}");
        assert_eq!(keys_of(&decoded), keys_of(expected), "{name}");
        assert_eq!(decoded["value"], c["value"]);
        assert!(s(&c["decode_without_salt_error"]).starts_with("ERR_JWE_DECRYPTION_FAILED"));
        assert_eq!(
            session_ring.decode_jwt(s(&c["jwe"]), NOW),
            Err(JweError::Decryption),
            "{name}"
        );
    }
}

#[test]
fn jwt_reencode_overwrites_iat_exp_jti_in_place() {
    let v = vectors(JWT_JSON);
    let ring = JweKeyring::derive(&[&secret_of(&v)], "");
    let r = &v["reencode_overwrites_iat_exp_jti"];
    let input = r["input"].as_object().unwrap();
    let expected = r["decoded"].as_object().unwrap();
    let now = expected["iat"].as_i64().unwrap();
    let max_age = expected["exp"].as_i64().unwrap() - now;
    assert_eq!(max_age, 2_592_000);

    let token = ring.encode_jwt(input, max_age, now);
    let decoded = ring.decode_jwt(&token, now).unwrap();
    assert_eq!(keys_of(&decoded), keys_of(expected));
    assert_eq!(keys_of(&decoded), keys_of(input));
    assert_eq!(decoded["sub"], expected["sub"]);
    assert_eq!(decoded["iat"], expected["iat"]);
    assert_eq!(decoded["exp"], expected["exp"]);
    let jti = s(&decoded["jti"]);
    assert!(is_uuid_v4(jti), "{jti}");
    assert_ne!(Some(jti), input["jti"].as_str());
    assert_ne!(jti, s(&expected["jti"]));
}

#[test]
fn encode_appends_missing_claims_and_keeps_present_ones_in_place() {
    let ring = test_ring();
    // Fresh token: claims appended in the order iat, exp, jti.
    let fresh = obj(json!({"name": "A", "email": "a@b.c", "picture": null, "sub": "1"}));
    let decoded = ring
        .decode_jwt(&ring.encode_jwt(&fresh, 60, NOW), NOW)
        .unwrap();
    assert_eq!(
        keys_of(&decoded),
        ["name", "email", "picture", "sub", "iat", "exp", "jti"]
    );
    // Claims already present keep their position; missing ones are appended.
    let odd = obj(json!({"jti": 5, "sub": "1", "exp": "x"}));
    let decoded = ring
        .decode_jwt(&ring.encode_jwt(&odd, 60, NOW), NOW)
        .unwrap();
    assert_eq!(keys_of(&decoded), ["jti", "sub", "exp", "iat"]);
    assert_eq!(decoded["exp"], json!(NOW + 60));
    assert_eq!(decoded["iat"], json!(NOW));
    assert!(is_uuid_v4(s(&decoded["jti"])));
    // Exact plaintext shape (compact JSON like JSON.stringify).
    let plain = ring
        .decrypt(&ring.encode_jwt(&obj(json!({"sub": "1"})), 10, 100))
        .unwrap();
    let plain = String::from_utf8(plain).unwrap();
    assert!(
        plain.starts_with(r#"{"sub":"1","iat":100,"exp":110,"jti":""#),
        "{plain}"
    );
}

#[test]
fn encode_decode_round_trip() {
    let ring = test_ring();
    let input = obj(json!({
        "name": "Zoë \"quoted\" \\ ✓\n",
        "email": null,
        "nested": {"a": [1, 2.5, -3], "b": true},
        "sub": "42"
    }));
    let token = ring.encode_jwt(&input, 2_592_000, NOW);
    assert!(token.starts_with(&format!("{HEADER}..")));
    assert_eq!(token.split('.').count(), 5);
    let decoded = ring.decode_jwt(&token, NOW).unwrap();
    for (k, v) in &input {
        assert_eq!(&decoded[k], v, "{k}");
    }
    assert_eq!(decoded["exp"], json!(NOW + 2_592_000));
    // Random IVs: the same input never gives the same token.
    assert_ne!(token, ring.encode_jwt(&input, 2_592_000, NOW));
    // Raw encrypt/decrypt, including an empty plaintext.
    for plain in [&b""[..], &b"x"[..], &b"{}"[..], &[0u8; 1000][..]] {
        assert_eq!(ring.decrypt(&ring.encrypt(plain)).unwrap(), plain);
    }
}

#[test]
fn from_bytes_and_derive_agree() {
    let key = test_ring_key();
    let from_bytes = JweKey::from_bytes(key);
    assert_eq!(from_bytes.bytes(), &key);
    // `seal` (independent AES-GCM use) with the derived key is readable by the ring.
    let token = seal(r#"{"alg":"dir","enc":"A256GCM"}"#, b"hello", key);
    assert_eq!(test_ring().decrypt(&token).unwrap(), b"hello");
    // ... and the ring's output equals `seal` with the same IV (the header is the same).
    assert_eq!(test_ring().encrypt_with_iv(b"hello", [7u8; 12]), token);
}

#[test]
fn header_pinned_to_dir_a256gcm() {
    let ring = test_ring();
    let key = test_ring_key();
    let payload = json!({"sub": "1"}).to_string();
    let rejected = [
        r#"{"alg":"A128KW","enc":"A256GCM"}"#,
        r#"{"alg":"A256KW","enc":"A256GCM"}"#,
        r#"{"alg":"dir","enc":"A128CBC-HS256"}"#,
        r#"{"alg":"dir","enc":"A128GCM"}"#,
        r#"{"alg":"none","enc":"A256GCM"}"#,
        r#"{"alg":"DIR","enc":"A256GCM"}"#,
        r#"{"alg":"dir","enc":"a256gcm"}"#,
        r#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#,
        r#"{"alg":"dir","enc":"A256GCM","crit":["exp"],"exp":1}"#,
        r#"{"enc":"A256GCM"}"#,
        r#"{"alg":"dir"}"#,
        r#"{"alg":["dir"],"enc":"A256GCM"}"#,
        r#"{}"#,
    ];
    for header in rejected {
        let token = seal(header, payload.as_bytes(), key);
        assert!(
            matches!(ring.decrypt(&token), Err(JweError::UnsupportedHeader(_))),
            "{header}"
        );
        assert!(
            matches!(
                ring.decode_jwt(&token, NOW),
                Err(JweError::UnsupportedHeader(_))
            ),
            "{header}"
        );
    }
    let accepted = [
        r#"{"alg":"dir","enc":"A256GCM"}"#,
        r#"{"enc":"A256GCM","alg":"dir"}"#,
        r#"{ "alg" : "dir" , "enc" : "A256GCM" }"#,
        r#"{"alg":"dir","enc":"A256GCM","kid":"k1","typ":"JWT","cty":"JWT"}"#,
    ];
    for header in accepted {
        let token = seal(header, payload.as_bytes(), key);
        assert_eq!(
            ring.decode_jwt(&token, NOW).unwrap()["sub"],
            "1",
            "{header}"
        );
    }
    // Not JSON objects at all.
    for header in ["[]", "\"dir\"", "null", "{", "not json"] {
        let token = seal(header, payload.as_bytes(), key);
        assert_eq!(
            ring.decrypt(&token),
            Err(JweError::Malformed("header is not a JSON object")),
            "{header}"
        );
    }
}

#[test]
fn aad_is_the_header_segment_as_received() {
    let ring = test_ring();
    let token = ring.encrypt(b"{}");
    // Swap in a different (but equally acceptable) header: the AAD changes, so the tag fails.
    let other = URL_SAFE_NO_PAD.encode(r#"{"enc":"A256GCM","alg":"dir"}"#);
    let swapped = token.replacen(HEADER, &other, 1);
    assert_eq!(ring.decrypt(&swapped), Err(JweError::Decryption));
}

#[test]
fn replicated_header_claims_must_match() {
    let ring = test_ring();
    let key = test_ring_key();
    let payload = json!({"sub": "1", "iss": "me"}).to_string();
    let ok = seal(
        r#"{"alg":"dir","enc":"A256GCM","sub":"1","iss":"me"}"#,
        payload.as_bytes(),
        key,
    );
    assert!(ring.decode_jwt(&ok, NOW).is_ok());
    for header in [
        r#"{"alg":"dir","enc":"A256GCM","sub":"2"}"#,
        r#"{"alg":"dir","enc":"A256GCM","aud":"x"}"#,
        r#"{"alg":"dir","enc":"A256GCM","iss":["me"]}"#,
    ] {
        let token = seal(header, payload.as_bytes(), key);
        assert!(
            matches!(
                ring.decode_jwt(&token, NOW),
                Err(JweError::InvalidPayload(_))
            ),
            "{header}"
        );
    }
}

/// A refused header names what it got, bounded: the client writes the header, so a member longer
/// than 40 characters (as JSON) is cut to 40 and marked `...`; an absent one is `missing`.
#[test]
fn unsupported_header_messages_are_bounded() {
    let ring = test_ring();
    let key = test_ring_key();
    let a = |n: usize| "A".repeat(n);
    for (alg, shown) in [
        // 38 letters + 2 quotes = 40 characters: shown whole.
        (a(38), format!("\"{}\"", a(38))),
        // 39 + 2 = 41: the first 40 characters, then `...`.
        (a(39), format!("\"{}...", a(39))),
        (a(500), format!("\"{}...", a(39))),
    ] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let token = seal(&header, b"{}", key);
        assert_eq!(
            ring.decrypt(&token),
            Err(JweError::UnsupportedHeader(format!(
                "alg {shown}, enc missing (only dir + A256GCM)"
            ))),
            "{} letters",
            alg.len()
        );
    }
}

/// jose compares replicated claims with `!==`: an object or array in the header never equals
/// the payload's, even an identical one (two objects, two references).
#[test]
fn replicated_object_and_array_claims_never_match() {
    let ring = test_ring();
    let key = test_ring_key();
    for (header, payload) in [
        (
            r#"{"alg":"dir","enc":"A256GCM","aud":["a"]}"#,
            json!({"sub": "1", "aud": ["a"]}),
        ),
        (
            r#"{"alg":"dir","enc":"A256GCM","sub":{"id":"1"}}"#,
            json!({"sub": {"id": "1"}}),
        ),
    ] {
        let token = seal(header, payload.to_string().as_bytes(), key);
        assert_eq!(
            ring.decode_jwt(&token, NOW),
            Err(JweError::InvalidPayload(
                "replicated claim header parameter mismatch"
            )),
            "{header}"
        );
    }
}

/// The same secret twice in the list (a rotation that repeats the current secret): still
/// accepted. Folding the per-secret results with XOR instead of OR would cancel the two matches.
#[test]
fn csrf_cookie_accepted_when_its_secret_is_listed_twice() {
    let v: Value = serde_json::from_str(CSRF_JSON).unwrap();
    let secret = v["secret"].as_str().unwrap().as_bytes();
    let pair = &v["pairs"][0];
    let (token, cookie) = (
        pair["token"].as_str().unwrap(),
        pair["cookie_value"].as_str().unwrap(),
    );
    for secrets in [
        vec![secret, secret],
        vec![b"other-secret".as_slice(), secret, secret],
        vec![secret, secret, secret],
    ] {
        let got = csrf::check(Some(cookie), true, Some(token), &secrets);
        assert_eq!(
            (got.token.as_str(), got.verified, got.new_cookie.is_none()),
            (token, true, true),
            "{} secrets",
            secrets.len()
        );
    }
}

#[test]
fn malformed_tokens_are_errors_not_panics() {
    let ring = test_ring();
    let good = ring.encrypt(br#"{"sub":"1"}"#);
    let parts: Vec<&str> = good.split('.').collect();
    let with = |i: usize, replacement: &str| {
        let mut p = parts.clone();
        p[i] = replacement;
        p.join(".")
    };
    let cases: Vec<(String, JweError)> = vec![
        (String::new(), JweError::Malformed("empty token")),
        (
            parts[..4].join("."),
            JweError::Malformed("expected 5 dot-separated parts"),
        ),
        (
            format!("{good}."),
            JweError::Malformed("expected 5 dot-separated parts"),
        ),
        (
            format!("{good}.x"),
            JweError::Malformed("expected 5 dot-separated parts"),
        ),
        (
            ".".into(),
            JweError::Malformed("expected 5 dot-separated parts"),
        ),
        (
            "....".into(),
            JweError::Malformed("header is not a JSON object"),
        ),
        (
            "abc".into(),
            JweError::Malformed("expected 5 dot-separated parts"),
        ),
        (
            with(1, "AAAA"),
            JweError::Malformed("unexpected encrypted key"),
        ),
        (
            with(0, &format!("{HEADER}=")),
            JweError::Malformed("header is not base64url"),
        ),
        (
            with(0, "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0+"),
            JweError::Malformed("header is not base64url"),
        ),
        (
            with(2, "AAAAAAAAAAAAA"),
            JweError::Malformed("IV is not base64url"),
        ),
        (
            with(2, "AAAAAAAAAAAAAAAA="),
            JweError::Malformed("IV is not base64url"),
        ),
        (
            with(2, "AAAA AAAAAAAAAAA"),
            JweError::Malformed("IV is not base64url"),
        ),
        (
            with(2, "AAAAAAAAAAAAAAAAAAAA"),
            JweError::Malformed("IV must be 96 bits"),
        ),
        (with(2, ""), JweError::Malformed("IV must be 96 bits")),
        (
            with(3, "!!"),
            JweError::Malformed("ciphertext is not base64url"),
        ),
        (with(4, "AAAA"), JweError::Malformed("tag must be 128 bits")),
        (with(4, ""), JweError::Malformed("tag must be 128 bits")),
        (
            with(4, "AAAAAAAAAAAAAAAAAAAAAA=="),
            JweError::Malformed("tag is not base64url"),
        ),
        (with(3, ""), JweError::Decryption),
    ];
    for (token, expected) in cases {
        assert_eq!(
            ring.decrypt(&token).err().as_ref(),
            Some(&expected),
            "{token:?}"
        );
        assert_eq!(ring.decode_jwt(&token, NOW), Err(expected), "{token:?}");
    }
    // Every truncation and every single-character substitution is an error, never a panic.
    for cut in 0..good.len() {
        assert!(ring.decode_jwt(&good[..cut], NOW).is_err(), "cut {cut}");
    }
    for i in 0..good.len() {
        for replacement in ['A', '.', '-', '=', 'é'] {
            let mut mutated: String = good.chars().take(i).collect();
            mutated.push(replacement);
            mutated.extend(good.chars().skip(i + 1));
            if mutated != good {
                assert!(ring.decode_jwt(&mutated, NOW).is_err(), "{mutated}");
            }
        }
    }
}

#[test]
fn keyring_rotation() {
    let old: &[u8] = b"old-secret";
    let new: &[u8] = b"new-secret";
    let old_ring = JweKeyring::derive(&[old], "");
    let rotated = JweKeyring::derive(&[new, old], "");
    let new_only = JweKeyring::derive(&[new], "");
    let claims = obj(json!({"sub": "1"}));

    let old_token = old_ring.encode_jwt(&claims, 60, NOW);
    assert_eq!(rotated.decode_jwt(&old_token, NOW).unwrap()["sub"], "1");
    assert_eq!(
        new_only.decode_jwt(&old_token, NOW),
        Err(JweError::Decryption)
    );

    // The first secret encrypts: readable by [new] alone, not by [old].
    let new_token = rotated.encode_jwt(&claims, 60, NOW);
    assert!(new_only.decode_jwt(&new_token, NOW).is_ok());
    assert_eq!(
        old_ring.decode_jwt(&new_token, NOW),
        Err(JweError::Decryption)
    );
    // Salts separate key spaces even within one keyring setup.
    let salted = JweKeyring::derive(&[new, old], "next-auth.state");
    assert_eq!(salted.decrypt(&new_token), Err(JweError::Decryption));
}

#[test]
fn empty_keyring_uses_the_empty_secret() {
    let empty = JweKeyring::derive(&[], "");
    let token = empty.encrypt(b"{}");
    assert_eq!(empty.decrypt(&token).unwrap(), b"{}");
    assert_eq!(
        JweKeyring::derive(&[b""], "").decrypt(&token).unwrap(),
        b"{}"
    );
    assert_eq!(
        JweKeyring::derive(&[b"x"], "").decrypt(&token),
        Err(JweError::Decryption)
    );
}

#[test]
fn exp_tolerance_boundary() {
    let ring = test_ring();
    let token = |exp: i64| payload_token(&ring, &json!({"sub": "1", "exp": exp}));
    assert_eq!(
        ring.decode_jwt(&token(NOW - 15), NOW),
        Err(JweError::Expired)
    );
    assert_eq!(
        ring.decode_jwt(&token(NOW - 16), NOW),
        Err(JweError::Expired)
    );
    assert!(ring.decode_jwt(&token(NOW - 14), NOW).is_ok());
    assert!(ring.decode_jwt(&token(NOW), NOW).is_ok());
    // Fractional values compare numerically, like JavaScript.
    let frac = payload_token(&ring, &json!({"exp": (NOW - 15) as f64 + 0.5}));
    assert!(ring.decode_jwt(&frac, NOW).is_ok());
    // No exp at all: never expires (jose only checks a present claim).
    assert!(
        ring.decode_jwt(&payload_token(&ring, &json!({"sub": "1"})), NOW)
            .is_ok()
    );
}

#[test]
fn nbf_tolerance_boundary() {
    let ring = test_ring();
    let token = |nbf: i64| payload_token(&ring, &json!({"sub": "1", "nbf": nbf}));
    assert!(ring.decode_jwt(&token(NOW + 15), NOW).is_ok());
    assert!(ring.decode_jwt(&token(NOW), NOW).is_ok());
    assert!(ring.decode_jwt(&token(0), NOW).is_ok());
    assert_eq!(
        ring.decode_jwt(&token(NOW + 16), NOW),
        Err(JweError::NotYetValid)
    );
    // nbf is checked before exp (jose's order).
    let both = payload_token(&ring, &json!({"nbf": NOW + 100, "exp": NOW - 100}));
    assert_eq!(ring.decode_jwt(&both, NOW), Err(JweError::NotYetValid));
}

#[test]
fn claim_types_and_payload_shape() {
    let ring = test_ring();
    let bad_payloads = [
        json!({"iat": "1"}),
        json!({"iat": null}),
        json!({"exp": "9999999999"}),
        json!({"exp": null}),
        json!({"nbf": "0"}),
        json!({"nbf": true}),
        json!([1, 2]),
        json!("string"),
        json!(null),
        json!(42),
    ];
    for payload in bad_payloads {
        let token = payload_token(&ring, &payload);
        assert!(
            matches!(
                ring.decode_jwt(&token, NOW),
                Err(JweError::InvalidPayload(_))
            ),
            "{payload}"
        );
        // Plain decryption does not look at the payload.
        assert!(ring.decrypt(&token).is_ok());
    }
    for raw in [
        &b""[..],
        &b"not json"[..],
        &b"{\"a\":1"[..],
        &[0xff, 0xfe][..],
    ] {
        let token = ring.encrypt(raw);
        assert!(
            matches!(
                ring.decode_jwt(&token, NOW),
                Err(JweError::InvalidPayload(_))
            ),
            "{raw:?}"
        );
    }
    // iat is type-checked only, never time-checked.
    let future_iat = payload_token(&ring, &json!({"iat": NOW + 1_000_000}));
    assert!(ring.decode_jwt(&future_iat, NOW).is_ok());
    assert!(
        ring.decode_jwt(&payload_token(&ring, &json!({})), NOW)
            .is_ok()
    );
}

#[test]
fn debug_output_redacts_keys() {
    let ring = test_ring();
    let key_hex = hex::encode(test_ring_key());
    assert_eq!(
        format!("{:?}", JweKey::from_bytes(TEST_KEY)),
        "JweKey([redacted])"
    );
    let debug = format!("{ring:?}");
    assert!(debug.contains("JweKey([redacted])"), "{debug}");
    assert!(!debug.contains(&key_hex));
}

/// `encode_jwt` writes the claims without cloning the map: the bytes must be those of the
/// clone-insert-serialise way (existing iat/exp/jti keep their place, missing ones are appended).
#[test]
fn encode_jwt_claims_order_matches_insert_semantics() {
    let keys = JweKeyring::derive(&[b"secret".as_slice()], "");
    let cases = [
        json!({"name": "A", "email": "a@x", "sub": "1"}),
        json!({"exp": 1, "name": "A", "iat": 2, "x": {"nested": [1, "\u{e9}\"q"]}}),
        json!({"jti": "old", "a": null}),
        json!({}),
    ];
    for case in cases {
        let Value::Object(token) = case else {
            unreachable!()
        };
        let encoded = keys.encode_jwt(&token, 100, 1_000);
        let plain = keys.decrypt(&encoded).unwrap();
        let got: Map<String, Value> = serde_json::from_slice(&plain).unwrap();
        let mut want = token.clone();
        want.insert("iat".into(), json!(1_000));
        want.insert("exp".into(), json!(1_100));
        want.insert("jti".into(), got["jti"].clone());
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            Value::Object(want).to_string()
        );
    }
}
