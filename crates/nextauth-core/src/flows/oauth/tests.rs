//! Unit tests of the OAuth pieces that need no IdP: URL order, client authentication encoding,
//! token sets, check cookies, ID-token validation and profile expressions.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use super::authorization_url::{AuthorizationRequest, build, split_configured};
use super::callback::{basic_auth, form_url_encode, token_request, token_set};
use super::checks::{self, Created};
use super::id_token::{Expected, IdTokenError, left_half_hash, validate};
use super::profile::eval;
use crate::clock::FixedClock;
use crate::config::{AuthConfig, BaseUrl};
use crate::idp::discovery::{needs_discovery, parse_jwks, parse_metadata};
use crate::providers::oauth::{Check, ClientAuth};
use crate::providers::{OAuthProvider, Provider, ProviderKind};
use crate::request::{AuthRequest, Method, Params};
use crate::{NextAuth, Secret, init};

const NOW_MS: i64 = 1_800_000_000_000;
const NOW_S: i64 = NOW_MS / 1000;

fn params(v: Value) -> Params {
    v.as_object().cloned().unwrap_or_default()
}

// ------------------------------------------------------------------ authorization URL ----

#[test]
fn authorization_url_parameter_order_matches_openid_client() {
    let checks = Created {
        state: Some("STATE".into()),
        code_challenge: Some("CHALLENGE".into()),
        nonce: Some("NONCE".into()),
    };
    let url = build(&AuthorizationRequest {
        endpoint: "https://idp.example.com/authorize",
        client_id: "cid",
        scope: Some("read:user user:email"),
        redirect_uri: "http://localhost:3000/api/auth/callback/plain",
        params: &[("access_type".into(), "offline".into())],
        query: &params(json!({"prompt": "consent", "login_hint": "a b@c.d"})),
        checks: &checks,
    })
    .unwrap();
    assert_eq!(
        url,
        "https://idp.example.com/authorize?client_id=cid&scope=read%3Auser%20user%3Aemail\
         &response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fplain\
         &access_type=offline&prompt=consent&login_hint=a%20b%40c.d&state=STATE\
         &code_challenge=CHALLENGE&code_challenge_method=S256&nonce=NONCE"
    );
}

#[test]
fn authorization_url_spec_example() {
    // Spec §11.3 "Observed": no scope param on a custom provider gives openid-client's default
    // only when nothing sets one; here the provider sets it, the query adds prompt.
    let checks = Created {
        state: Some("fPcHQVT6v7ejLY-voNrvRJpXddTIeOHcnflMJKtL2cM".into()),
        ..Created::default()
    };
    let url = build(&AuthorizationRequest {
        endpoint: "http://127.0.0.1:46749/authorize",
        client_id: "cid",
        scope: Some("read:user user:email"),
        redirect_uri: "http://localhost:3000/api/auth/callback/plain",
        params: &[],
        query: &params(json!({"prompt": "consent"})),
        checks: &checks,
    })
    .unwrap();
    assert_eq!(
        url,
        "http://127.0.0.1:46749/authorize?client_id=cid&scope=read%3Auser%20user%3Aemail&response_type=code\
         &redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fplain&prompt=consent\
         &state=fPcHQVT6v7ejLY-voNrvRJpXddTIeOHcnflMJKtL2cM"
    );
}

#[test]
fn authorization_url_overrides_keep_position_and_protect_the_client() {
    let checks = Created {
        state: Some("S".into()),
        ..Created::default()
    };
    // A configured endpoint's query is parameters (v4 normalizeEndpoint): Discord's scope.
    let (endpoint, mut ps) =
        split_configured("https://discord.com/api/oauth2/authorize?scope=identify+email");
    assert_eq!(endpoint, "https://discord.com/api/oauth2/authorize");
    ps.push(("prompt".into(), "none".into()));
    let url = build(&AuthorizationRequest {
        endpoint: &endpoint,
        client_id: "cid",
        scope: None,
        redirect_uri: "https://app/cb",
        params: &ps,
        query: &params(json!({
            "scope": "openid extra", "redirect_uri": "https://evil/cb", "client_id": "x",
            "state": "attacker", "response_type": "token", "n": 1, "list": ["a", "b"], "gone": null
        })),
        checks: &checks,
    })
    .unwrap();
    assert_eq!(
        url,
        "https://discord.com/api/oauth2/authorize?client_id=cid&scope=openid%20extra&response_type=code\
         &redirect_uri=https%3A%2F%2Fapp%2Fcb&prompt=none&n=1&list=a%2Cb&state=S"
    );
    // No scope anywhere: openid-client's default `openid`. A discovered endpoint keeps its own
    // query first (e.g. a B2C policy).
    let url = build(&AuthorizationRequest {
        endpoint: "https://b2c.example.com/authorize?p=B2C_1_signin",
        client_id: "cid",
        scope: None,
        redirect_uri: "https://app/cb",
        params: &[],
        query: &Params::new(),
        checks: &Created::default(),
    })
    .unwrap();
    assert_eq!(
        url,
        "https://b2c.example.com/authorize?p=B2C_1_signin&client_id=cid&scope=openid&response_type=code&redirect_uri=https%3A%2F%2Fapp%2Fcb"
    );
}

// ------------------------------------------------------------------ token endpoint ----

#[test]
fn basic_auth_form_url_encodes_id_and_secret() {
    // openid-client formUrlEncode: encodeURIComponent, then %20 -> '+'.
    assert_eq!(form_url_encode("a b:c/d%e!*'()~"), "a+b%3Ac%2Fd%25e!*'()~");
    let header = basic_auth("an:identifier", "some secret/with%");
    let decoded = STANDARD
        .decode(header.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "an%3Aidentifier:some+secret%2Fwith%25"
    );
    assert_eq!(
        basic_auth("cid", "sec"),
        format!("Basic {}", STANDARD.encode("cid:sec"))
    );
}

#[test]
fn token_request_bodies() {
    let (body, auth) = token_request(
        ClientAuth::ClientSecretBasic,
        "cid",
        "sec",
        "the code",
        "http://localhost:3000/api/auth/callback/x",
        Some("verifier"),
    );
    assert_eq!(
        body,
        "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fapi%2Fauth%2Fcallback%2Fx&code_verifier=verifier"
    );
    assert!(auth.unwrap().starts_with("Basic "));
    let (body, auth) = token_request(
        ClientAuth::ClientSecretPost,
        "cid",
        "s e",
        "c",
        "https://a/cb",
        None,
    );
    assert_eq!(
        body,
        "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fa%2Fcb&client_id=cid&client_secret=s+e"
    );
    assert!(auth.is_none());
    let (body, _) = token_request(ClientAuth::None, "cid", "", "c", "https://a/cb", Some("v"));
    assert!(body.ends_with("&code_verifier=v&client_id=cid"));
}

#[test]
fn token_set_turns_expires_in_into_expires_at_in_place() {
    let resp = json!({"access_token": "AT", "token_type": "bearer", "expires_in": 3600,
                      "refresh_token": "RT", "scope": ["openid", "email"], "id_token": "x.y.z"});
    let set = token_set(resp.as_object().unwrap(), NOW_S);
    let keys: Vec<&str> = set.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "token_type",
            "expires_at",
            "refresh_token",
            "scope",
            "id_token"
        ]
    );
    assert_eq!(set["expires_at"], json!(NOW_S + 3600));
    assert_eq!(set["scope"], "openid email");
    let set = token_set(json!({"expires_in": "60"}).as_object().unwrap(), 10);
    assert_eq!(set["expires_at"], 70);
}

// ------------------------------------------------------------------ discovery ----

#[test]
fn discovery_documents_and_jwks_are_parsed_strictly() {
    let m = parse_metadata(&json!({
        "issuer": "https://idp", "authorization_endpoint": "https://idp/auth",
        "token_endpoint": "https://idp/token", "jwks_uri": "https://idp/jwks",
        "token_endpoint_auth_methods_supported": ["client_secret_post"]
    }))
    .unwrap();
    assert_eq!(m.token_endpoint.as_deref(), Some("https://idp/token"));
    assert_eq!(m.userinfo_endpoint, None);
    assert!(parse_metadata(&json!({"authorization_endpoint": "https://idp/a"})).is_err());
    assert!(
        parse_metadata(&json!({"issuer": "x", "token_endpoint": "javascript:alert(1)"})).is_err()
    );
    assert!(parse_metadata(&json!([1])).is_err());

    let keys = parse_jwks(&json!({"keys": [
        {"kty": "EC", "crv": "P-256", "x": "WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis", "y": "y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE", "kid": "a"},
        {"kty": "EC", "crv": "P-256", "x": "WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis", "y": "y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE", "use": "enc"},
        {"kty": "weird"}
    ]}))
    .unwrap();
    assert_eq!(keys.len(), 1);
    assert!(parse_jwks(&json!({"nokeys": []})).is_err());

    let mut p = OAuthProvider::oidc("https://idp", "cid", Secret::new("s"));
    assert!(needs_discovery(&p));
    p.authorization_url = Some("https://idp/a".into());
    p.token_url = Some("https://idp/t".into());
    p.jwks_url = Some("https://idp/j".into());
    assert!(!needs_discovery(&p));
}

// ------------------------------------------------------------------ check cookies ----

fn test_auth(base: &str) -> NextAuth {
    let mut cfg = AuthConfig::new(
        BaseUrl::parse(Some(base)).unwrap(),
        Secret::new("s".repeat(40)),
    );
    for id in ["a", "b"] {
        let mut o = OAuthProvider::oidc("https://idp.example.com", "cid", Secret::new("sec"));
        o.checks = vec![Check::Pkce, Check::State, Check::Nonce];
        cfg.providers.push(Provider {
            id: id.into(),
            name: id.into(),
            kind: ProviderKind::OAuth(Box::new(o)),
        });
    }
    NextAuth::builder(cfg)
        .clock(Arc::new(FixedClock::new(NOW_MS)))
        .build()
        .unwrap()
}

const ALL: [Check; 3] = [Check::Pkce, Check::State, Check::Nonce];

/// Runs `create` for provider `a` and answers the request cookies a browser would send back.
fn minted(auth: &NextAuth) -> (Created, Vec<(String, String)>, Vec<String>) {
    let req = AuthRequest::new(Method::Post, "/signin/a").unwrap();
    let mut ctx = init::init(&auth.inner, &req);
    let created = checks::create(&auth.inner, &mut ctx, "a", &ALL);
    let headers = ctx.cookies.iter().map(|c| c.to_header()).collect();
    let jar = ctx
        .cookies
        .iter()
        .map(|c| (c.name.clone(), c.value.clone()))
        .collect();
    (created, jar, headers)
}

fn callback_req(jar: &[(String, String)]) -> AuthRequest {
    let mut req = AuthRequest::new(Method::Get, "/callback/a").unwrap();
    req.cookies = jar.to_vec();
    req
}

#[test]
fn check_cookies_are_minted_like_v4() {
    let auth = test_auth("http://localhost:3000/api/auth");
    let (created, jar, headers) = minted(&auth);
    // Order state, pkce, nonce; state and PKCE with Max-Age, the nonce with Expires only.
    let names: Vec<&str> = jar.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "next-auth.state",
            "next-auth.pkce.code_verifier",
            "next-auth.nonce"
        ]
    );
    let expires = "Expires=Fri, 15 Jan 2027 08:15:00 GMT";
    assert!(headers[0].starts_with("next-auth.state=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."));
    assert!(
        headers[0].ends_with(&format!(
            "; Max-Age=900; Path=/; {expires}; HttpOnly; SameSite=Lax"
        )),
        "{}",
        headers[0]
    );
    assert!(headers[1].contains("; Max-Age=900; Path=/; Expires="));
    assert!(
        headers[2].ends_with(&format!("; Path=/; {expires}; HttpOnly; SameSite=Lax")),
        "{}",
        headers[2]
    );
    for v in [&created.state, &created.nonce, &created.code_challenge] {
        assert_eq!(v.as_ref().unwrap().len(), 43);
    }
    // The payload is v4's {value, provider, iat, exp, jti}, under the key salted with the name.
    let payload = auth.inner.state_keys.decode_jwt(&jar[0].1, NOW_S).unwrap();
    let keys: Vec<&str> = payload.keys().map(String::as_str).collect();
    assert_eq!(keys, ["value", "provider", "iat", "exp", "jti"]);
    assert_eq!(payload["value"].as_str(), created.state.as_deref());
    assert_eq!(payload["provider"], "a");
    assert_eq!(payload["exp"], NOW_S + 900);
    assert!(
        auth.inner.pkce_keys.decode_jwt(&jar[0].1, NOW_S).is_err(),
        "salt = cookie name"
    );

    // Secure cookies: __Secure- names, and the salt follows the name.
    let secure = test_auth("https://app.example.com/api/auth");
    let (_, jar, headers) = minted(&secure);
    assert_eq!(jar[0].0, "__Secure-next-auth.state");
    assert!(headers[0].contains("; HttpOnly; Secure; SameSite=Lax"));
    assert!(auth.inner.state_keys.decode_jwt(&jar[0].1, NOW_S).is_err());
}

#[test]
fn check_cookies_are_verified_and_deleted() {
    let auth = test_auth("http://localhost:3000/api/auth");
    let (created, jar, _) = minted(&auth);
    let req = callback_req(&jar);
    let mut ctx = init::init(&auth.inner, &req);
    let used = checks::use_checks(&auth.inner, &mut ctx, "a", &ALL).unwrap();
    assert!(ctx.cookies.is_empty(), "reading spends nothing");
    checks::spend(&auth.inner, &mut ctx, &ALL);
    assert_eq!(used.state, created.state);
    assert_eq!(used.nonce, created.nonce);
    assert_eq!(
        crate::crypto::random::pkce_challenge_s256(used.code_verifier.as_deref().unwrap()),
        created.code_challenge.unwrap()
    );
    let deleted: Vec<String> = ctx.cookies.iter().map(|c| c.to_header()).collect();
    assert_eq!(
        deleted,
        [
            "next-auth.state=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
            "next-auth.pkce.code_verifier=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
            "next-auth.nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        ]
    );
}

#[test]
fn check_cookie_failures_say_why() {
    let auth = test_auth("http://localhost:3000/api/auth");
    let (_, jar, _) = minted(&auth);
    let run = |jar: &[(String, String)], provider: &str, now_ms: i64| {
        let req = callback_req(jar);
        let mut ctx = init::init(&auth.inner, &req);
        ctx.now_ms = now_ms;
        let r = checks::use_checks(&auth.inner, &mut ctx, provider, &ALL);
        (r.map(|_| ()), ctx.cookies.len())
    };
    // Minted for "a", used by "b": refused, and a's cookies are left alone.
    let (r, deletions) = run(&jar, "b", NOW_MS);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("next-auth.state cookie was minted for provider \"a\", not \"b\""),
        "{e}"
    );
    assert_eq!(deletions, 0);
    // Missing.
    let (r, deletions) = run(&jar[1..], "a", NOW_MS);
    assert!(
        r.unwrap_err()
            .to_string()
            .contains("next-auth.state cookie is missing")
    );
    assert_eq!(
        deletions, 0,
        "a rejected callback leaves the valid cookies alone"
    );
    // Expired (15 minutes + jose's 15 s tolerance).
    let (r, _) = run(&jar, "a", NOW_MS + 916_000);
    assert!(r.unwrap_err().to_string().contains("has expired"));
    assert!(run(&jar, "a", NOW_MS + 900_000).0.is_ok());
    // Tampered / another secret.
    let mut bad = jar.clone();
    bad[0].1 = bad[1].1.clone();
    let (r, deletions) = run(&bad, "a", NOW_MS);
    assert!(
        r.unwrap_err()
            .to_string()
            .contains("could not be decrypted")
    );
    assert_eq!(deletions, 1, "only the unusable cookie is deleted");
}

#[test]
fn state_parameter_rules() {
    assert!(checks::verify_state(Some("a"), Some("a")).is_ok());
    assert!(checks::verify_state(None, None).is_ok());
    assert!(
        checks::verify_state(Some("a"), Some("b"))
            .unwrap_err()
            .to_string()
            .contains("does not match")
    );
    assert!(
        checks::verify_state(Some("a"), None)
            .unwrap_err()
            .to_string()
            .contains("no state parameter")
    );
    assert!(
        checks::verify_state(None, Some("a"))
            .unwrap_err()
            .to_string()
            .contains("check is off")
    );
}

// ------------------------------------------------------------------ ID tokens ----

const EC_KEY_1: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKdCm9LXdPps6/NQRfb1FraIlxU4mOVweL5lZHi5LC6GhRANCAAQ3igtef9oMRFbmyp2r5xRd/pJdMq89bip0oshYT7KxipnpBCYQkVng5F8aTlzhSm0Z+HkE08y76+t8YNA6sPjC";
const EC_KEY_2: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNGDisQpsBr2a3dhj4z3EVQTCAEM8YTkXxS/upQjQPP6hRANCAARZqqt1A7ns6CUZgCoQQn9XS2IubfJuDpg1UKaCdvEKs2dNohZPXMgyK1pR4BWFg/UJtqzAquqdOuT3Sk1pmVJw";

fn ec_key(b64: &str) -> EncodingKey {
    EncodingKey::from_ec_der(&STANDARD.decode(b64).unwrap())
}

fn public_jwk(b64: &str, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(&ec_key(b64), Algorithm::ES256).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

fn sign(claims: &Value, key: &str, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, &ec_key(key)).unwrap()
}

fn good_claims() -> Map<String, Value> {
    json!({"iss": "https://idp", "sub": "alice", "aud": "cid", "exp": NOW_S + 60, "iat": NOW_S,
           "nonce": "N", "email": "alice@example.com"})
    .as_object()
    .cloned()
    .unwrap()
}

fn expected() -> Expected<'static> {
    Expected {
        issuer: "https://idp",
        client_id: "cid",
        nonce: Some("N"),
        now_s: NOW_S,
        alg: None,
        access_token: None,
    }
}

fn check_with(
    claims: Map<String, Value>,
    e: &Expected<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let token = sign(&Value::Object(claims), EC_KEY_1, Some("k1"));
    validate(&token, &[public_jwk(EC_KEY_1, "k1")], e)
}

fn err_of(claims: Map<String, Value>, e: &Expected<'_>) -> String {
    check_with(claims, e).unwrap_err().to_string()
}

#[test]
fn id_token_valid_es256() {
    let claims = check_with(good_claims(), &expected()).unwrap();
    assert_eq!(claims["sub"], "alice");
    // Without kid, any fitting key is tried.
    let token = sign(&Value::Object(good_claims()), EC_KEY_1, None);
    let keys = [public_jwk(EC_KEY_2, "k2"), public_jwk(EC_KEY_1, "k1")];
    assert!(validate(&token, &keys, &expected()).is_ok());
}

#[test]
fn id_token_signature_and_algorithm_failures() {
    let token = sign(&Value::Object(good_claims()), EC_KEY_1, Some("k1"));
    // Right kid, wrong key material: the signature is invalid.
    let e = validate(&token, &[public_jwk(EC_KEY_2, "k1")], &expected()).unwrap_err();
    assert_eq!(e.to_string(), "ID token: the signature is invalid");
    // Unknown kid: the caller refetches the JWK set.
    let e = validate(&token, &[public_jwk(EC_KEY_1, "other")], &expected()).unwrap_err();
    assert!(matches!(e, IdTokenError::NoKey(_)), "{e}");
    // Tampered payload.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = good_claims();
    claims.insert("sub".into(), json!("mallory"));
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()),
        parts[2]
    );
    let e = validate(&forged, &[public_jwk(EC_KEY_1, "k1")], &expected()).unwrap_err();
    assert!(e.to_string().contains("signature is invalid"), "{e}");
    // alg none.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(Value::Object(good_claims()).to_string())
    );
    let e = validate(&none, &[public_jwk(EC_KEY_1, "k1")], &expected()).unwrap_err();
    assert!(e.to_string().contains("`alg: none`"), "{e}");
    // HS256 with the client secret.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &Value::Object(good_claims()),
        &EncodingKey::from_secret(b"client-secret"),
    )
    .unwrap();
    let e = validate(&hs, &[public_jwk(EC_KEY_1, "k1")], &expected()).unwrap_err();
    assert!(e.to_string().contains("HS256"), "{e}");
    // A pinned algorithm.
    let mut pinned = expected();
    pinned.alg = Some("RS256");
    let e = validate(&token, &[public_jwk(EC_KEY_1, "k1")], &pinned).unwrap_err();
    assert!(e.to_string().contains("configured for RS256 only"), "{e}");
    // Not a JWS at all.
    assert!(validate("garbage", &[], &expected()).is_err());
    assert!(
        validate("a.b.c.d.e", &[], &expected())
            .unwrap_err()
            .to_string()
            .contains("JWE")
    );
}

#[test]
fn id_token_claim_failures() {
    let e = expected();
    let with = |k: &str, v: Value| {
        let mut c = good_claims();
        c.insert(k.into(), v);
        c
    };
    let without = |k: &str| {
        let mut c = good_claims();
        c.remove(k);
        c
    };
    assert!(err_of(with("iss", json!("https://other")), &e).contains("`iss` is \"https://other\""));
    assert!(
        err_of(with("aud", json!("someone-else")), &e).contains("does not include the client id")
    );
    assert!(err_of(with("aud", json!(["cid", "api"])), &e).contains("no `azp`"));
    assert!(
        check_with(
            {
                let mut c = with("aud", json!(["cid", "api"]));
                c.insert("azp".into(), json!("cid"));
                c
            },
            &e
        )
        .is_ok()
    );
    assert!(err_of(with("azp", json!("other")), &e).contains("`azp` is \"other\""));
    // exp/nbf/iat with 10 s tolerance.
    assert!(err_of(with("exp", json!(NOW_S - 10)), &e).contains("expired"));
    assert!(check_with(with("exp", json!(NOW_S - 9)), &e).is_ok());
    assert!(err_of(with("nbf", json!(NOW_S + 11)), &e).contains("not valid yet"));
    assert!(check_with(with("nbf", json!(NOW_S + 10)), &e).is_ok());
    assert!(err_of(with("iat", json!(NOW_S + 11)), &e).contains("future"));
    for claim in ["iss", "sub", "aud", "exp", "iat"] {
        assert!(
            err_of(without(claim), &e).contains(&format!("`{claim}` is missing")),
            "{claim}"
        );
    }
    // nonce: equal when checked, absent when not.
    assert!(err_of(with("nonce", json!("other")), &e).contains("does not match the nonce cookie"));
    assert!(err_of(without("nonce"), &e).contains("`nonce` is missing"));
    let off = Expected {
        nonce: None,
        ..expected()
    };
    assert!(err_of(good_claims(), &off).contains("nonce check is off"));
    assert!(check_with(without("nonce"), &off).is_ok());
    // at_hash.
    let at = Expected {
        access_token: Some("AT"),
        ..expected()
    };
    assert!(check_with(with("at_hash", json!(left_half_hash("ES256", "AT"))), &at).is_ok());
    assert!(err_of(with("at_hash", json!("AAAA")), &at).contains("at_hash"));
    // Entra ID multi-tenant issuer template.
    let tenant = Expected {
        issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
        ..expected()
    };
    let mut c = with("iss", json!("https://login.microsoftonline.com/t1/v2.0"));
    c.insert("tid".into(), json!("t1"));
    assert!(check_with(c, &tenant).is_ok());
}

#[test]
fn at_hash_vector() {
    // OIDC Core A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" → at_hash "77QmUPtjPfzWtF2AnpK9RQ".
    assert_eq!(
        left_half_hash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
}

// ------------------------------------------------------------------ profile ----

#[test]
fn profile_expressions() {
    let raw = json!({"id": 42, "name": null, "login": "oct", "a": {"b": [{"c": "deep"}]},
                     "https://x.com/k": "dotted", "flag": true, "empty": ""});
    assert_eq!(eval("id", &raw).as_deref(), Some("42"));
    assert_eq!(eval("name|login", &raw).as_deref(), Some("oct"));
    assert_eq!(eval("empty|login", &raw).as_deref(), Some("oct"));
    assert_eq!(eval("a.b.0.c", &raw).as_deref(), Some("deep"));
    assert_eq!(eval("https://x.com/k", &raw).as_deref(), Some("dotted"));
    assert_eq!(eval("flag", &raw).as_deref(), Some("true"));
    assert_eq!(eval("a", &raw), None);
    assert_eq!(
        eval("https://cdn/{id}/{login}.png", &raw).as_deref(),
        Some("https://cdn/42/oct.png")
    );
    assert_eq!(
        eval("https://cdn/{id}/{nope}.png|login", &raw).as_deref(),
        Some("oct")
    );
    assert_eq!(eval("https://cdn/{id", &raw), None);
    let mapping = crate::providers::oauth::ProfileMapping::default();
    let e = super::map_profile(&mapping, &json!({"name": "x"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no id"), "{e}");
    let user = super::map_profile(&mapping, &json!({"sub": "s", "email": "A@B.C"})).unwrap();
    assert_eq!(Value::Object(user), json!({"id": "s", "email": "a@b.c"}));
}
