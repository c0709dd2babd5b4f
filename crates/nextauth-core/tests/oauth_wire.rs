//! The OAuth flow against a scripted IdP (an axum server on 127.0.0.1:0): the exact requests the
//! core sends (client authentication, token request body, userinfo `Authorization`), and the
//! failures a real OpenID Provider does not produce on demand: error and garbage answers, a hung
//! token endpoint, unsigned or HMAC ID tokens, key rotation, and the account rules of spec §12
//! with the in-memory adapter. The real-OP flows are in nextauth-server's tests/oauth_oidc.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get as route_get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nextauth_core::adapter::{
    AdapterAccount, AdapterResult, AdapterSession, AdapterUser, NewUser, VerificationToken,
};
use nextauth_core::callbacks::{SignInArgs, SignInDecision};
use nextauth_core::cookies::encode_uri_component;
use nextauth_core::providers::oauth::{Check, ProfileMapping};
use nextauth_core::providers::{OAuthProvider, Provider, ProviderKind};
use nextauth_core::testing::MemoryAdapter;
use nextauth_core::{
    Adapter, AdapterError, AuthConfig, AuthRequest, AuthResponse, BaseUrl, Callbacks, NextAuth,
    Secret,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BASE: &str = "http://localhost:3000/api/auth";
const EC_KEY_1: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKdCm9LXdPps6/NQRfb1FraIlxU4mOVweL5lZHi5LC6GhRANCAAQ3igtef9oMRFbmyp2r5xRd/pJdMq89bip0oshYT7KxipnpBCYQkVng5F8aTlzhSm0Z+HkE08y76+t8YNA6sPjC";
const EC_KEY_2: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNGDisQpsBr2a3dhj4z3EVQTCAEM8YTkXxS/upQjQPP6hRANCAARZqqt1A7ns6CUZgCoQQn9XS2IubfJuDpg1UKaCdvEKs2dNohZPXMgyK1pR4BWFg/UJtqzAquqdOuT3Sk1pmVJw";

// ------------------------------------------------------------------ scripted IdP ----

#[derive(Default)]
struct Script {
    issuer: String,
    auth_methods: Option<Value>,
    /// status, body, content type
    token_reply: Option<(u16, String, &'static str)>,
    token_hangs: bool,
    userinfo_reply: Option<(u16, Value)>,
    emails: Value,
    jwks: Value,
    token_requests: Vec<(HeaderMap, String)>,
    userinfo_auth: Vec<String>,
    discovery_fetches: usize,
    jwks_fetches: usize,
}

#[derive(Clone, Default)]
struct Idp(Arc<Mutex<Script>>);

impl Idp {
    fn with<T>(&self, f: impl FnOnce(&mut Script) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
    fn issuer(&self) -> String {
        self.with(|s| s.issuer.clone())
    }
    fn token_json(&self, v: Value) {
        self.with(|s| s.token_reply = Some((200, v.to_string(), "application/json")));
    }
    fn token_raw(&self, status: u16, body: &str, ct: &'static str) {
        self.with(|s| s.token_reply = Some((status, body.to_string(), ct)));
    }
}

async fn discovery(State(idp): State<Idp>) -> Json<Value> {
    idp.with(|s| {
        s.discovery_fetches += 1;
        let i = &s.issuer;
        let mut doc = json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/auth"),
            "token_endpoint": format!("{i}/token"),
            "userinfo_endpoint": format!("{i}/userinfo"),
            "jwks_uri": format!("{i}/jwks"),
        });
        if let Some(m) = &s.auth_methods {
            doc["token_endpoint_auth_methods_supported"] = m.clone();
        }
        Json(doc)
    })
}

async fn token(State(idp): State<Idp>, headers: HeaderMap, body: String) -> Response {
    let (reply, hangs) = idp.with(|s| {
        s.token_requests.push((headers, body));
        (s.token_reply.clone(), s.token_hangs)
    });
    if hangs {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let (status, body, ct) = reply.unwrap_or((500, "no reply scripted".into(), "text/plain"));
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        [("content-type", ct)],
        body,
    )
        .into_response()
}

async fn userinfo(State(idp): State<Idp>, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let (status, body) = idp.with(|s| {
        s.userinfo_auth.push(auth);
        s.userinfo_reply.clone().unwrap_or((500, Value::Null))
    });
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        Json(body),
    )
        .into_response()
}

async fn emails(State(idp): State<Idp>) -> Json<Value> {
    Json(idp.with(|s| s.emails.clone()))
}

async fn jwks(State(idp): State<Idp>) -> Json<Value> {
    Json(idp.with(|s| {
        s.jwks_fetches += 1;
        s.jwks.clone()
    }))
}

async fn start_idp() -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = Idp::default();
    idp.with(|s| {
        s.issuer = format!("http://{}", listener.local_addr().unwrap());
        s.jwks = json!({"keys": [public_jwk(EC_KEY_1, "k1")]});
    });
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", route_get(discovery))
        .route("/token", post(token))
        .route("/userinfo", route_get(userinfo))
        .route("/emails", route_get(emails))
        .route("/jwks", route_get(jwks))
        .with_state(idp.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    idp
}

fn ec_key(b64: &str) -> EncodingKey {
    EncodingKey::from_ec_der(&STANDARD.decode(b64).unwrap())
}

fn public_jwk(b64: &str, kid: &str) -> Value {
    let mut jwk = Jwk::from_encoding_key(&ec_key(b64), Algorithm::ES256).unwrap();
    jwk.common.key_id = Some(kid.into());
    serde_json::to_value(jwk).unwrap()
}

fn sign(claims: &Value, key: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &ec_key(key)).unwrap()
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ------------------------------------------------------------------ the app under test ----

fn oidc(idp: &Idp) -> OAuthProvider {
    let mut p = OAuthProvider::oidc(idp.issuer(), "my client", Secret::new("s3cr+t/= x"));
    p.checks = vec![Check::Pkce, Check::State, Check::Nonce];
    p
}

fn app(
    provider: OAuthProvider,
    adapter: Option<Arc<dyn Adapter>>,
    tune: impl FnOnce(&mut AuthConfig),
) -> NextAuth {
    let mut cfg = AuthConfig::new(
        BaseUrl::parse(Some(BASE)).unwrap(),
        Secret::new("w".repeat(40)),
    );
    cfg.providers.push(Provider {
        id: "idp".into(),
        name: "IdP".into(),
        kind: ProviderKind::OAuth(Box::new(provider)),
    });
    tune(&mut cfg);
    let mut b = NextAuth::builder(cfg);
    if let Some(a) = adapter {
        b = b.adapter(a);
    }
    b.build().unwrap()
}

/// A cookie jar over `NextAuth::handle`.
#[derive(Default, Clone)]
struct Browser {
    jar: Vec<(String, String)>,
}

impl Browser {
    fn header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_uri_component(v)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(
        &mut self,
        auth: &NextAuth,
        method: &str,
        path_query: &str,
        form: &[(&str, &str)],
    ) -> AuthResponse {
        let (path, query) = match path_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_query, None),
        };
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let headers = vec![
            ("cookie".to_string(), self.header()),
            (
                "content-type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
        ];
        let req = AuthRequest::from_http(method, path, query, headers, body.as_bytes()).unwrap();
        let res = auth.handle(req).await;
        for c in &res.cookies {
            self.jar.retain(|(k, _)| k != &c.name);
            if !c.is_deletion() {
                self.jar.push((c.name.clone(), c.value.clone()));
            }
        }
        res
    }

    fn has(&self, name: &str) -> bool {
        self.jar.iter().any(|(k, _)| k == name)
    }

    /// `POST signin/idp`: answers the authorization URL's parameters.
    async fn signin(&mut self, auth: &NextAuth) -> Vec<(String, String)> {
        let csrf: Value =
            serde_json::from_slice(&self.send(auth, "GET", "/csrf", &[]).await.body).unwrap();
        let token = csrf["csrfToken"].as_str().unwrap().to_string();
        let r = self
            .send(auth, "POST", "/signin/idp", &[("csrfToken", &token)])
            .await;
        assert_eq!(r.status, 302, "{}", r.body_text());
        let loc = r.header("location").unwrap();
        assert!(!loc.contains("/error?"), "{loc}");
        url::Url::parse(loc)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    async fn callback(&mut self, auth: &NextAuth, state: &str) -> AuthResponse {
        let q = format!(
            "/callback/idp?code=the+code&state={}",
            encode_uri_component(state)
        );
        self.send(auth, "GET", &q, &[]).await
    }
}

fn get<'a>(params: &'a [(String, String)], k: &str) -> &'a str {
    params
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn id_token_for(idp: &Idp, params: &[(String, String)], sub: &str, email: &str) -> String {
    sign(
        &json!({"iss": idp.issuer(), "aud": "my client", "sub": sub, "iat": now_s(), "exp": now_s() + 300,
                "nonce": get(params, "nonce"), "email": email, "name": "Alice Example"}),
        EC_KEY_1,
        "k1",
    )
}

fn location(r: &AuthResponse) -> &str {
    r.header("location").unwrap_or("")
}

/// A failed sign-in: the v4 code and, beside it, the reason that names the failed check (none,
/// `""`, when `error=` is the app's own message).
fn assert_failed(r: &AuthResponse, code: &str, reason: &str) {
    assert_eq!(r.status, 302);
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!("&reason={reason}")
    };
    assert_eq!(
        location(r),
        format!("{BASE}/error?error={code}{reason}"),
        "{r:?}"
    );
    assert!(
        !r.cookies
            .iter()
            .any(|c| c.name == "next-auth.session-token" && !c.is_deletion()),
        "no session on {code}"
    );
}

/// Named `oauth::…`, so `cargo nextest run oauth` selects them.
mod oauth {
    use super::*;

    #[tokio::test]
    async fn basic_auth_token_request_and_account_tokens() {
        let idp = start_idp().await;
        let adapter = Arc::new(MemoryAdapter::new());
        let auth = app(oidc(&idp), Some(adapter.clone()), |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "expires_in": 3600,
                              "refresh_token": "RT", "scope": "openid email", "id_token": id_token_for(&idp, &params, "alice", "Alice@Example.com")}));
        let r = b.callback(&auth, get(&params, "state")).await;
        assert_eq!(r.status, 302, "{r:?}");
        assert_eq!(location(&r), "http://localhost:3000");

        let (headers, body) = idp.with(|s| s.token_requests[0].clone());
        // Basic base64(formUrlEncode(id):formUrlEncode(secret)).
        assert_eq!(
            headers["authorization"].to_str().unwrap(),
            format!("Basic {}", STANDARD.encode("my+client:s3cr%2Bt%2F%3D+x"))
        );
        assert_eq!(headers["accept"], "application/json");
        assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
        let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["grant_type", "code", "redirect_uri", "code_verifier"]
        );
        assert_eq!(get(&form, "code"), "the code");
        assert_eq!(get(&form, "redirect_uri"), format!("{BASE}/callback/idp"));
        let verifier = get(&form, "code_verifier");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            get(&params, "code_challenge")
        );

        // The user was created, the account linked with its tokens, the JWT's sub is the DB id.
        let user = adapter
            .get_user_by_account("idp", "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.email.as_deref(), Some("alice@example.com"));
        let token = auth.get_token(Some(&b.header())).unwrap();
        assert_eq!(token["sub"], user.id.as_str());
        assert_eq!(token["email"], "alice@example.com");
        let session = auth.get_session(Some(&b.header())).await.unwrap();
        assert_eq!(session["user"]["name"], "Alice Example");
        // Discovery was fetched once and reused.
        let again = b.signin(&auth).await;
        assert!(!get(&again, "state").is_empty());
        assert_eq!(idp.with(|s| s.discovery_fetches), 1);
    }

    #[tokio::test]
    async fn client_secret_post_chosen_from_discovery() {
        let idp = start_idp().await;
        idp.with(|s| s.auth_methods = Some(json!(["client_secret_post", "private_key_jwt"])));
        let auth = app(oidc(&idp), None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "id_token": id_token_for(&idp, &params, "alice", "a@b.c")}));
        let r = b.callback(&auth, get(&params, "state")).await;
        assert_eq!(r.status, 302);
        assert_eq!(location(&r), "http://localhost:3000");
        let (headers, body) = idp.with(|s| s.token_requests[0].clone());
        assert!(headers.get("authorization").is_none());
        let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(get(&form, "client_id"), "my client");
        assert_eq!(get(&form, "client_secret"), "s3cr+t/= x");
        // Without an adapter the JWT's sub is the IdP's sub.
        assert_eq!(auth.get_token(Some(&b.header())).unwrap()["sub"], "alice");
    }

    #[tokio::test]
    async fn userinfo_uses_token_type_verbatim_and_email_fallback() {
        let idp = start_idp().await;
        let i = idp.issuer();
        let mut p = OAuthProvider::oidc(i.clone(), "cid", Secret::new("sec"));
        p.issuer = None;
        p.id_token = false;
        p.scope = Some("read:user".into());
        p.checks = vec![Check::State];
        p.authorization_url = Some(format!("{i}/authorize?scope=ignored+x&prompt=consent"));
        p.token_url = Some(format!("{i}/token"));
        p.userinfo_url = Some(format!("{i}/userinfo"));
        p.emails_url = Some(format!("{i}/emails"));
        p.profile = ProfileMapping {
            id: "id".into(),
            name: Some("name|login".into()),
            email: Some("email".into()),
            image: Some("avatar_url".into()),
        };
        let auth = app(p, None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        // The configured URL's query became parameters (its scope overrides the provider's).
        assert_eq!(get(&params, "scope"), "ignored x");
        assert_eq!(get(&params, "prompt"), "consent");
        assert!(get(&params, "nonce").is_empty() && get(&params, "code_challenge").is_empty());
        idp.token_json(
            json!({"access_token": "gho_AT", "token_type": "bearer", "scope": "read:user"}),
        );
        idp.with(|s| {
            s.userinfo_reply = Some((200, json!({"id": 583231, "login": "octocat", "name": null, "email": null, "avatar_url": "https://a/x.png"})));
            s.emails = json!([
                {"email": "unverified@x.com", "primary": false, "verified": false},
                {"email": "Octo@GitHub.com", "primary": true, "verified": true}
            ]);
        });
        let r = b.callback(&auth, get(&params, "state")).await;
        assert_eq!(r.status, 302, "{r:?}");
        assert_eq!(location(&r), "http://localhost:3000");
        assert_eq!(idp.with(|s| s.userinfo_auth.clone()), ["bearer gho_AT"]);
        let token = auth.get_token(Some(&b.header())).unwrap();
        assert_eq!(token["sub"], "583231");
        assert_eq!(token["name"], "octocat");
        assert_eq!(token["email"], "octo@github.com");
        assert_eq!(token["picture"], "https://a/x.png");

        // A userinfo failure is OAuthCallback; a profile without id goes back to sign-in.
        let params = b.signin(&auth).await;
        idp.with(|s| s.userinfo_reply = Some((401, json!({"message": "Bad credentials"}))));
        assert_failed(
            &b.callback(&auth, get(&params, "state")).await,
            "OAuthCallback",
            "idp_bad_response",
        );
        let params = b.signin(&auth).await;
        idp.with(|s| s.userinfo_reply = Some((200, json!({"login": "no-id"}))));
        let r = b.callback(&auth, get(&params, "state")).await;
        assert_eq!(location(&r), format!("{BASE}/signin"));
        assert!(
            r.cookies
                .iter()
                .any(|c| c.name == "next-auth.state" && c.is_deletion())
        );
    }

    #[tokio::test]
    async fn token_endpoint_failures_are_oauth_callback() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        // Every answer that is not a usable token set: the token endpoint refused.
        let cases: Vec<(u16, &str, &'static str)> = vec![
            (
                400,
                r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
                "application/json",
            ),
            (
                200,
                r#"{"error":"bad_verification_code"}"#,
                "application/json",
            ),
            (500, "<html>Internal Server Error</html>", "text/html"),
            (
                200,
                "access_token=AT&token_type=bearer",
                "application/x-www-form-urlencoded",
            ),
            (200, "[1,2,3]", "application/json"),
            (201, r#"{"access_token":"AT"}"#, "application/json"),
            (
                200,
                r#"{"access_token":"AT","token_type":"Bearer"}"#,
                "application/json",
            ), // no id_token
        ];
        for (status, body, ct) in cases {
            let mut b = Browser::default();
            let params = b.signin(&auth).await;
            idp.token_raw(status, body, ct);
            let r = b.callback(&auth, get(&params, "state")).await;
            assert_failed(&r, "OAuthCallback", "token_endpoint_refused");
            // The check cookies are cleared on every exit after the checks.
            for n in [
                "next-auth.state",
                "next-auth.pkce.code_verifier",
                "next-auth.nonce",
            ] {
                assert!(
                    r.cookies.iter().any(|c| c.name == n && c.is_deletion()),
                    "{n} on {body}"
                );
                assert!(!b.has(n));
            }
        }
    }

    #[tokio::test]
    async fn hung_or_closed_token_endpoint_is_oauth_callback_within_the_timeout() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        idp.with(|s| s.token_hangs = true);
        let started = std::time::Instant::now();
        let r = b.callback(&auth, get(&params, "state")).await;
        assert_failed(&r, "OAuthCallback", "idp_unreachable");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(3000) && took < Duration::from_secs(8),
            "{took:?}"
        );

        // A token endpoint nobody listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let mut p = oidc(&idp);
        p.token_url = Some(format!("http://127.0.0.1:{port}/token"));
        let auth = app(p, None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        assert_failed(
            &b.callback(&auth, get(&params, "state")).await,
            "OAuthCallback",
            "idp_unreachable",
        );
    }

    #[tokio::test]
    async fn id_token_refusals() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        let claims = |params: &[(String, String)]| json!({"iss": idp.issuer(), "aud": "my client", "sub": "alice", "iat": now_s(), "exp": now_s() + 300, "nonce": get(params, "nonce")});
        type Forge = Box<dyn Fn(&Value) -> String>;
        let forgeries: Vec<(&str, &str, Forge)> = vec![
            (
                "alg none",
                "id_token_invalid",
                Box::new(|c: &Value| {
                    format!(
                        "{}.{}.",
                        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
                        URL_SAFE_NO_PAD.encode(c.to_string())
                    )
                }),
            ),
            (
                "HS256 with the client secret",
                "id_token_invalid",
                Box::new(|c: &Value| {
                    jsonwebtoken::encode(
                        &Header::new(Algorithm::HS256),
                        c,
                        &EncodingKey::from_secret(b"s3cr+t/= x"),
                    )
                    .unwrap()
                }),
            ),
            (
                "another key, same kid",
                "id_token_signature",
                Box::new(|c: &Value| sign(c, EC_KEY_2, "k1")),
            ),
            (
                "wrong audience",
                "id_token_invalid",
                Box::new(|c: &Value| {
                    let mut c = c.clone();
                    c["aud"] = json!("someone else");
                    sign(&c, EC_KEY_1, "k1")
                }),
            ),
            (
                "wrong nonce",
                "id_token_nonce_mismatch",
                Box::new(|c: &Value| {
                    let mut c = c.clone();
                    c["nonce"] = json!("replayed");
                    sign(&c, EC_KEY_1, "k1")
                }),
            ),
            (
                "expired",
                "id_token_expired",
                Box::new(|c: &Value| {
                    let mut c = c.clone();
                    c["exp"] = json!(now_s() - 60);
                    sign(&c, EC_KEY_1, "k1")
                }),
            ),
        ];
        for (what, reason, forge) in forgeries {
            let mut b = Browser::default();
            let params = b.signin(&auth).await;
            idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "id_token": forge(&claims(&params))}));
            let r = b.callback(&auth, get(&params, "state")).await;
            assert_failed(&r, "OAuthCallback", reason);
            assert!(auth.get_token(Some(&b.header())).is_none(), "{what}");
        }
    }

    #[tokio::test]
    async fn jwks_is_cached_and_refetched_once_on_an_unknown_kid() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        let flow = |key: &'static str, kid: &'static str| {
            let (auth, idp) = (auth.clone(), idp.clone());
            async move {
                let mut b = Browser::default();
                let params = b.signin(&auth).await;
                let c = json!({"iss": idp.issuer(), "aud": "my client", "sub": "alice", "iat": now_s(), "exp": now_s() + 300, "nonce": get(&params, "nonce")});
                idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "id_token": sign(&c, key, kid)}));
                b.callback(&auth, get(&params, "state")).await
            }
        };
        assert_eq!(
            location(&flow(EC_KEY_1, "k1").await),
            "http://localhost:3000"
        );
        assert_eq!(
            location(&flow(EC_KEY_1, "k1").await),
            "http://localhost:3000"
        );
        assert_eq!(idp.with(|s| s.jwks_fetches), 1, "cached");
        // The IdP rotates to k2: one refetch, then it verifies.
        idp.with(|s| s.jwks = json!({"keys": [public_jwk(EC_KEY_2, "k2")]}));
        assert_eq!(
            location(&flow(EC_KEY_2, "k2").await),
            "http://localhost:3000"
        );
        assert_eq!(idp.with(|s| s.jwks_fetches), 2);
        // A kid nobody knows: exactly one refetch, then refused.
        assert_failed(
            &flow(EC_KEY_1, "k9").await,
            "OAuthCallback",
            "id_token_signature",
        );
        assert_eq!(idp.with(|s| s.jwks_fetches), 3);
    }

    /// Issue 16: an OIDC authorization request carries `ui_locales` when the browser named a
    /// locale (here the `next-auth.locale` cookie), and none otherwise (v4's URL).
    #[tokio::test]
    async fn oidc_authorization_request_carries_ui_locales() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        assert!(!params.iter().any(|(k, _)| k == "ui_locales"), "{params:?}");
        let mut b = Browser::default();
        b.jar.push(("next-auth.locale".into(), "ja".into()));
        let params = b.signin(&auth).await;
        assert_eq!(get(&params, "ui_locales"), "ja", "{params:?}");
        let mut b = Browser::default();
        b.jar.push(("next-auth.locale".into(), "pt".into()));
        assert_eq!(get(&b.signin(&auth).await, "ui_locales"), "pt-BR");
    }

    #[tokio::test]
    async fn iss_parameter_must_be_the_issuer() {
        let idp = start_idp().await;
        let auth = app(oidc(&idp), None, |_| {});
        let mut b = Browser::default();
        let params = b.signin(&auth).await;
        let q = format!(
            "/callback/idp?code=c&state={}&iss=https%3A%2F%2Fevil.example",
            get(&params, "state")
        );
        assert_failed(
            &b.send(&auth, "GET", &q, &[]).await,
            "OAuthCallback",
            "issuer_mismatch",
        );
        assert!(
            idp.with(|s| s.token_requests.is_empty()),
            "no code exchange after a mix-up"
        );
    }

    /// Signs in through the scripted IdP as `sub` with `email`.
    async fn sign_in_as(
        auth: &NextAuth,
        idp: &Idp,
        b: &mut Browser,
        sub: &str,
        email: &str,
    ) -> AuthResponse {
        let params = b.signin(auth).await;
        idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "id_token": id_token_for(idp, &params, sub, email)}));
        b.callback(auth, get(&params, "state")).await
    }

    #[tokio::test]
    async fn account_rules() {
        let idp = start_idp().await;
        let adapter = Arc::new(MemoryAdapter::new());
        let existing = adapter
            .create_user(NewUser {
                email: Some("taken@example.com".into()),
                ..NewUser::default()
            })
            .await
            .unwrap();
        let auth = app(oidc(&idp), Some(adapter.clone()), |c| {
            c.pages.new_user = Some("/welcome".into())
        });

        // Same e-mail as a user who never used this provider: refused.
        let mut b = Browser::default();
        let r = sign_in_as(&auth, &idp, &mut b, "x-1", "taken@example.com").await;
        assert_failed(&r, "OAuthAccountNotLinked", "account_not_linked");

        // A new user: created, and pages.newUser gets the callbackUrl.
        let mut alice = Browser::default();
        let r = sign_in_as(&auth, &idp, &mut alice, "alice", "alice@example.com").await;
        assert_eq!(
            location(&r),
            "/welcome?callbackUrl=http%3A%2F%2Flocalhost%3A3000"
        );
        let alice_id = auth.get_token(Some(&alice.header())).unwrap()["sub"]
            .as_str()
            .unwrap()
            .to_string();
        // Again: known account, not new.
        let r = sign_in_as(&auth, &idp, &mut alice, "alice", "alice@example.com").await;
        assert_eq!(location(&r), "http://localhost:3000");

        // Signed in as alice, a second IdP account gets linked to her.
        let r = sign_in_as(&auth, &idp, &mut alice, "alice-work", "alice@work.example").await;
        assert_eq!(location(&r), "http://localhost:3000");
        let linked = adapter
            .get_user_by_account("idp", "alice-work")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(linked.id, alice_id);
        assert_eq!(
            auth.get_token(Some(&alice.header())).unwrap()["sub"],
            alice_id.as_str()
        );

        // Signed in as bob, alice's account cannot be taken over.
        let mut bob = Browser::default();
        sign_in_as(&auth, &idp, &mut bob, "bob", "bob@example.com").await;
        let r = sign_in_as(&auth, &idp, &mut bob, "alice", "alice@example.com").await;
        assert_failed(&r, "OAuthAccountNotLinked", "account_not_linked");

        // allowDangerousEmailAccountLinking: linked to the existing user, and (v4 quirk) new.
        let mut p = oidc(&idp);
        p.allow_dangerous_email_account_linking = true;
        let dangerous = app(p, Some(adapter.clone()), |c| {
            c.pages.new_user = Some("/welcome".into())
        });
        let mut b = Browser::default();
        let r = sign_in_as(&dangerous, &idp, &mut b, "x-2", "taken@example.com").await;
        assert!(location(&r).starts_with("/welcome?"), "{r:?}");
        assert_eq!(
            dangerous.get_token(Some(&b.header())).unwrap()["sub"],
            existing.id.as_str()
        );
    }

    /// An adapter whose `createUser` fails.
    struct NoNewUsers(MemoryAdapter);

    #[async_trait]
    impl Adapter for NoNewUsers {
        async fn create_user(&self, _: NewUser) -> AdapterResult<AdapterUser> {
            Err(AdapterError::Unavailable("disk full".into()))
        }
        async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
            self.0.get_user(id).await
        }
        async fn get_user_by_email(&self, e: &str) -> AdapterResult<Option<AdapterUser>> {
            self.0.get_user_by_email(e).await
        }
        async fn get_user_by_account(
            &self,
            p: &str,
            id: &str,
        ) -> AdapterResult<Option<AdapterUser>> {
            self.0.get_user_by_account(p, id).await
        }
        async fn update_user(&self, u: &AdapterUser) -> AdapterResult<AdapterUser> {
            self.0.update_user(u).await
        }
        async fn link_account(&self, a: &AdapterAccount) -> AdapterResult<()> {
            self.0.link_account(a).await
        }
        async fn create_session(&self, s: &AdapterSession) -> AdapterResult<AdapterSession> {
            self.0.create_session(s).await
        }
        async fn get_session_and_user(
            &self,
            t: &str,
        ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
            self.0.get_session_and_user(t).await
        }
        async fn update_session_expiry(&self, t: &str, e: i64) -> AdapterResult<()> {
            self.0.update_session_expiry(t, e).await
        }
        async fn delete_session(&self, t: &str) -> AdapterResult<()> {
            self.0.delete_session(t).await
        }
        async fn create_verification_token(&self, t: &VerificationToken) -> AdapterResult<()> {
            self.0.create_verification_token(t).await
        }
        async fn use_verification_token(
            &self,
            i: &str,
            t: &str,
        ) -> AdapterResult<Option<VerificationToken>> {
            self.0.use_verification_token(i, t).await
        }
    }

    struct DenyBob;

    #[async_trait]
    impl Callbacks for DenyBob {
        async fn sign_in(&self, args: SignInArgs<'_>) -> SignInDecision {
            assert_eq!(args.account.kind, "oauth");
            assert_eq!(args.account.access_token.as_deref(), Some("AT"));
            assert!(args.account.id_token.is_some());
            match args.profile.and_then(|p| p["sub"].as_str()) {
                Some("bob") => SignInDecision::Deny,
                Some("carol") => SignInDecision::Error("Custom msg/&".into()),
                _ => SignInDecision::Allow,
            }
        }
    }

    #[tokio::test]
    async fn create_user_failure_and_sign_in_callback() {
        let idp = start_idp().await;
        let auth = app(
            oidc(&idp),
            Some(Arc::new(NoNewUsers(MemoryAdapter::new()))),
            |_| {},
        );
        let mut b = Browser::default();
        assert_failed(
            &sign_in_as(&auth, &idp, &mut b, "alice", "a@example.com").await,
            "OAuthCreateAccount",
            "create_user_failed",
        );

        let auth = {
            let mut cfg = AuthConfig::new(
                BaseUrl::parse(Some(BASE)).unwrap(),
                Secret::new("w".repeat(40)),
            );
            cfg.providers.push(Provider {
                id: "idp".into(),
                name: "IdP".into(),
                kind: ProviderKind::OAuth(Box::new(oidc(&idp))),
            });
            NextAuth::builder(cfg)
                .callbacks(Arc::new(DenyBob))
                .build()
                .unwrap()
        };
        let auth = &auth;
        assert_failed(
            &sign_in_as(auth, &idp, &mut Browser::default(), "bob", "b@example.com").await,
            "AccessDenied",
            "signin_refused",
        );
        assert_failed(
            &sign_in_as(
                auth,
                &idp,
                &mut Browser::default(),
                "carol",
                "c@example.com",
            )
            .await,
            "Custom%20msg%2F%26",
            "",
        );
        let r = sign_in_as(auth, &idp, &mut Browser::default(), "dave", "d@example.com").await;
        assert_eq!(location(&r), "http://localhost:3000");
    }
}

/// Back-channel logout (OIDC Back-Channel Logout 1.0) against the scripted IdP: logout tokens
/// signed here with the key its JWK set serves. Each rejection answers 400 with its reason and
/// leaves the session as it was; a valid token ends it (200, empty, `no-store`); a replay is
/// refused. Named `backchannel::…`.
mod backchannel {
    use super::*;
    use nextauth_core::SessionStrategy;

    const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

    fn provider(idp: &Idp) -> OAuthProvider {
        let mut p = oidc(idp);
        p.backchannel_logout = true;
        p
    }

    /// Signs in `sub` with an ID token carrying `sid`: the browser holding the session.
    async fn signed_in(auth: &NextAuth, idp: &Idp, sub: &str, sid: &str) -> Browser {
        let mut b = Browser::default();
        let params = b.signin(auth).await;
        let id_token = sign(
            &json!({"iss": idp.issuer(), "aud": "my client", "sub": sub, "iat": now_s(),
                    "exp": now_s() + 300, "nonce": get(&params, "nonce"), "sid": sid,
                    "email": format!("{sub}@example.com"), "name": sub}),
            EC_KEY_1,
            "k1",
        );
        idp.token_json(json!({"access_token": "AT", "token_type": "Bearer", "id_token": id_token}));
        let r = b.callback(auth, get(&params, "state")).await;
        assert_eq!(location(&r), "http://localhost:3000", "{r:?}");
        assert!(signed_in_now(auth, &b).await);
        b
    }

    async fn signed_in_now(auth: &NextAuth, b: &Browser) -> bool {
        auth.get_session(Some(&b.header())).await.is_some()
    }

    /// The claims of a valid logout token for `sub`/`sid`.
    fn claims(idp: &Idp, sub: &str, sid: &str) -> Value {
        json!({"iss": idp.issuer(), "aud": "my client", "iat": now_s(), "exp": now_s() + 120,
               "jti": format!("jti-{}", rand_id()), "sub": sub, "sid": sid,
               "events": {EVENT: {}}})
    }

    fn rand_id() -> String {
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>())
    }

    async fn post_token(auth: &NextAuth, token: &str) -> AuthResponse {
        let mut b = Browser::default();
        b.send(
            auth,
            "POST",
            "/backchannel-logout/idp",
            &[("logout_token", token)],
        )
        .await
    }

    fn assert_refused(r: &AuthResponse, reason: &str) {
        assert_eq!(r.status, 400, "{}", r.body_text());
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"], "invalid_request");
        let d = v["error_description"].as_str().unwrap();
        assert!(d.contains(reason), "expected {reason:?} in {d:?}");
        assert!(r.cookies.is_empty());
    }

    fn assert_accepted(r: &AuthResponse) {
        assert_eq!(r.status, 200, "{}", r.body_text());
        assert!(r.body.is_empty());
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert!(r.cookies.is_empty());
    }

    #[tokio::test]
    async fn every_rejection_has_its_reason_and_changes_nothing() {
        let idp = start_idp().await;
        let auth = app(provider(&idp), Some(Arc::new(MemoryAdapter::new())), |_| {});
        let b = signed_in(&auth, &idp, "alice", "sid-1").await;
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut c = claims(&idp, "alice", "sid-1");
            f(&mut c);
            c
        };
        let cases: Vec<(String, &str)> = vec![
            // Signed by another key under the served key's kid.
            (
                sign(&claims(&idp, "alice", "sid-1"), EC_KEY_2, "k1"),
                "the signature is invalid",
            ),
            (
                sign(
                    &edit(&|c| c["iss"] = json!("https://evil.example")),
                    EC_KEY_1,
                    "k1",
                ),
                "`iss` is",
            ),
            (
                sign(
                    &edit(&|c| c["aud"] = json!("another client")),
                    EC_KEY_1,
                    "k1",
                ),
                "does not include the client id",
            ),
            (
                sign(
                    &edit(&|c| {
                        c.as_object_mut().unwrap().remove("events");
                    }),
                    EC_KEY_1,
                    "k1",
                ),
                "`events` is missing",
            ),
            (
                sign(
                    &edit(&|c| c["events"] = json!({"http://example.com/other": {}})),
                    EC_KEY_1,
                    "k1",
                ),
                "`events` has no member",
            ),
            (
                sign(
                    &edit(&|c| c["nonce"] = json!("n-0S6_WzA2Mj")),
                    EC_KEY_1,
                    "k1",
                ),
                "`nonce`",
            ),
            (
                sign(
                    &edit(&|c| {
                        c["iat"] = json!(now_s() - 200);
                        c["exp"] = json!(now_s() - 60);
                    }),
                    EC_KEY_1,
                    "k1",
                ),
                "expired",
            ),
            (
                sign(&edit(&|c| c["iat"] = json!(now_s() - 3600)), EC_KEY_1, "k1"),
                "too old",
            ),
            (
                sign(
                    &edit(&|c| {
                        c.as_object_mut().unwrap().remove("sub");
                        c.as_object_mut().unwrap().remove("sid");
                    }),
                    EC_KEY_1,
                    "k1",
                ),
                "neither `sub` nor `sid`",
            ),
            (
                sign(
                    &edit(&|c| {
                        c.as_object_mut().unwrap().remove("jti");
                    }),
                    EC_KEY_1,
                    "k1",
                ),
                "`jti` is missing",
            ),
            // Unsigned and HMAC tokens.
            (
                format!(
                    "{}.{}.",
                    URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
                    URL_SAFE_NO_PAD.encode(claims(&idp, "alice", "sid-1").to_string())
                ),
                "`alg: none`",
            ),
            (
                jsonwebtoken::encode(
                    &Header::new(Algorithm::HS256),
                    &claims(&idp, "alice", "sid-1"),
                    &EncodingKey::from_secret(b"s3cr+t/= x"),
                )
                .unwrap(),
                "HMAC",
            ),
            ("not a token".into(), "not a compact JWS"),
        ];
        for (token, reason) in &cases {
            let r = post_token(&auth, token).await;
            assert_refused(&r, reason);
            assert!(
                signed_in_now(&auth, &b).await,
                "{reason}: the session must stay"
            );
        }
        // A key the set does not have: fetched again (once a minute at most), then refused.
        let fetches = idp.with(|s| s.jwks_fetches);
        let r = post_token(
            &auth,
            &sign(&claims(&idp, "alice", "sid-1"), EC_KEY_2, "k2"),
        )
        .await;
        assert_refused(&r, "no key with kid \"k2\"");
        let r = post_token(
            &auth,
            &sign(&claims(&idp, "alice", "sid-1"), EC_KEY_2, "k2"),
        )
        .await;
        assert_refused(&r, "no key with kid \"k2\"");
        assert!(idp.with(|s| s.jwks_fetches) <= fetches + 1);
        assert!(signed_in_now(&auth, &b).await);

        // The valid token ends the session; the same token again is a replay.
        let token = sign(&claims(&idp, "alice", "sid-1"), EC_KEY_1, "k1");
        assert_accepted(&post_token(&auth, &token).await);
        assert!(!signed_in_now(&auth, &b).await);
        assert_refused(&post_token(&auth, &token).await, "seen before");
    }

    /// JWT sessions: a `sid` ends the sessions of that IdP session only; a token with only a
    /// `sub` ends every session of the user; another user's session stays.
    #[tokio::test]
    async fn jwt_sid_is_precise_and_sub_ends_the_user() {
        let idp = start_idp().await;
        let auth = app(provider(&idp), Some(Arc::new(MemoryAdapter::new())), |_| {});
        let one = signed_in(&auth, &idp, "alice", "sid-1").await;
        let two = signed_in(&auth, &idp, "alice", "sid-2").await;
        let bob = signed_in(&auth, &idp, "bob", "sid-3").await;
        assert_eq!(
            auth.get_token(Some(&one.header())).unwrap()["idp_sid"],
            json!(["idp", "sid-1"]).to_string()
        );
        let r = post_token(
            &auth,
            &sign(&claims(&idp, "alice", "sid-1"), EC_KEY_1, "k1"),
        )
        .await;
        assert_accepted(&r);
        assert!(!signed_in_now(&auth, &one).await);
        assert!(signed_in_now(&auth, &two).await);
        assert!(signed_in_now(&auth, &bob).await);

        let mut only_sub = claims(&idp, "alice", "");
        only_sub.as_object_mut().unwrap().remove("sid");
        // The not-before is whole seconds: a session issued in the same second is refused too.
        let r = post_token(&auth, &sign(&only_sub, EC_KEY_1, "k1")).await;
        assert_accepted(&r);
        assert!(!signed_in_now(&auth, &two).await);
        assert!(signed_in_now(&auth, &bob).await);

        // An account unknown here: nothing to end, 200.
        let mut nobody = claims(&idp, "nobody", "");
        nobody.as_object_mut().unwrap().remove("sid");
        assert_accepted(&post_token(&auth, &sign(&nobody, EC_KEY_1, "k1")).await);
        assert!(signed_in_now(&auth, &bob).await);
    }

    /// Database sessions: the user's rows are deleted; a token with only a `sid` is refused
    /// (rows do not record the IdP session) and changes nothing.
    #[tokio::test]
    async fn database_sessions_are_deleted() {
        let idp = start_idp().await;
        let adapter = Arc::new(MemoryAdapter::new());
        let auth = app(provider(&idp), Some(adapter.clone()), |c| {
            c.session.strategy = SessionStrategy::Database;
        });
        let one = signed_in(&auth, &idp, "alice", "sid-1").await;
        let bob = signed_in(&auth, &idp, "bob", "sid-2").await;
        let mut only_sid = claims(&idp, "alice", "sid-1");
        only_sid.as_object_mut().unwrap().remove("sub");
        let r = post_token(&auth, &sign(&only_sid, EC_KEY_1, "k1")).await;
        assert_refused(&r, "only a `sid`");
        assert!(signed_in_now(&auth, &one).await);

        let r = post_token(
            &auth,
            &sign(&claims(&idp, "alice", "sid-1"), EC_KEY_1, "k1"),
        )
        .await;
        assert_accepted(&r);
        assert!(!signed_in_now(&auth, &one).await);
        assert!(signed_in_now(&auth, &bob).await);
    }

    /// The builder refuses `backchannel_logout` without an adapter; the provider refuses it
    /// without an issuer.
    #[test]
    fn needs_an_adapter_and_an_issuer() {
        let mut cfg = AuthConfig::new(
            BaseUrl::parse(Some(BASE)).unwrap(),
            Secret::new("w".repeat(40)),
        );
        let mut p = OAuthProvider::oidc("http://127.0.0.1:9", "c", Secret::new("s"));
        p.backchannel_logout = true;
        cfg.providers.push(Provider {
            id: "idp".into(),
            name: "IdP".into(),
            kind: ProviderKind::OAuth(Box::new(p)),
        });
        let e = NextAuth::builder(cfg).build().unwrap_err();
        assert!(e.0.contains("backchannel_logout needs an adapter"), "{e}");
    }
}
