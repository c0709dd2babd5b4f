//! `GET|POST callback/:oauth`: the IdP sends the browser back with a code (query, or form body
//! for `response_mode=form_post`). Ports v4 `core/lib/oauth/callback.ts` and the OAuth branch of
//! `core/routes/callback.ts` (spec §11.4, §8.8).
//!
//! Outcomes, as v4:
//! * the IdP reported `error` → `error=Callback` (not `OAuthCallback`);
//! * a check, the code exchange, the ID token or userinfo failed → `error=OAuthCallback`;
//! * the profile has no id → back to `BASE/signin`, no error code;
//! * `signIn` callback false → `AccessDenied`; account rules → `OAuthAccountNotLinked`,
//!   `OAuthCreateAccount` or `Callback`.
//!
//! The check cookies are spent (their deletions queued) only once the callback is shown to
//! belong to this browser's sign-in: its `state` matches the state cookie, `iss` is right and
//! there is a `code`; without a state check, once the IdP has accepted the code. From then on
//! every exit sends the deletions; a forged or broken callback before that point changes
//! nothing, so it cannot end the sign-in going on in this browser.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value, json};

use crate::callbacks::{SignInArgs, SignInDecision};
use crate::cookies::encode_uri_component;
use crate::domain::{Account, User};
use crate::error::{AuthError, OAuthError};
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::providers::oauth::{Check, ClientAuth};
use crate::request::{Method, Params};
use crate::response::Reply;
use crate::session::{self, SignedIn};
use crate::state::State;

use super::checks;
use super::id_token::{self, IdTokenError};
use super::profile::map_profile;
use super::sign_in_handler;
use crate::idp::discovery::Endpoints;
use crate::idp::http::send_json;

/// What the guarded part of the callback produces.
struct Fetched {
    /// The provider's profile JSON: ID-token claims or the userinfo response.
    profile: Value,
    /// The token set (`expires_in` already turned into `expires_at`).
    tokens: Map<String, Value>,
}

pub(crate) async fn handle(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Reply {
    let base = inner.config.base.base.as_str();

    // v4 reads `body.error ?? query.error` whatever the method.
    let idp_error = ctx
        .req
        .body_str("error")
        .or_else(|| ctx.req.query_str("error"))
        .filter(|e| !e.is_empty());
    if let Some(error) = idp_error {
        let description = ctx
            .req
            .body_str("error_description")
            .or_else(|| ctx.req.query_str("error_description"))
            .unwrap_or("");
        tracing::warn!(
            code = "OAUTH_CALLBACK_HANDLER_ERROR",
            provider = provider_id,
            error,
            error_description = description,
            "the identity provider reported an error"
        );
        return AuthError::IdpError {
            error: error.to_string(),
            description: description.to_string(),
        }
        .reply(base);
    }

    let fetched = match fetch(inner, ctx, provider_id, provider).await {
        Ok(f) => f,
        Err(reason) => {
            tracing::error!(
                code = "OAUTH_CALLBACK_ERROR",
                provider = provider_id,
                %reason,
                "OAuth callback failed"
            );
            return AuthError::OAuthCallback(reason).reply(base);
        }
    };

    let user = match map_profile(&provider.profile, &fetched.profile) {
        Ok(u) => User::from_object(u),
        Err(reason) => {
            // v4 quirk kept: back to the sign-in page, with no error code.
            tracing::error!(
                code = "OAUTH_PARSE_PROFILE_ERROR",
                provider = provider_id,
                %reason,
                "the profile could not be mapped to a user"
            );
            return Reply::redirect(format!("{base}/signin"));
        }
    };
    let provider_account_id = user.id.clone();
    let account = Account::oauth(provider_id, &provider_account_id, fetched.tokens);

    // The `signIn` callback sees the stored user when the account is known (spec §11.4 step 5).
    let stored = match &inner.adapter {
        Some(a) => match a
            .get_user_by_account(provider_id, &provider_account_id)
            .await
        {
            Ok(u) => u,
            Err(e) => {
                let e = AuthError::Storage {
                    step: "reading the account",
                    source: e,
                };
                tracing::error!(code = "OAUTH_CALLBACK_HANDLER_ERROR", provider = provider_id, error = %e, "OAuth sign-in failed");
                return e.reply(base);
            }
        },
        None => None,
    };
    let decision = inner
        .callbacks
        .sign_in(SignInArgs {
            user: stored.as_ref().unwrap_or(&user),
            account: &account,
            profile: Some(&fetched.profile),
            email_verification_request: false,
        })
        .await;
    if decision == SignInDecision::Deny {
        tracing::info!(
            provider = provider_id,
            "the signIn callback refused the sign-in"
        );
    }
    if let Some(refusal) = decision.refusal(base, 200) {
        return refusal;
    }

    let outcome = match sign_in_handler::handle(inner, ctx, provider, &user, &account).await {
        Ok(o) => o,
        Err(e @ AuthError::OAuthAccountNotLinked(_)) => {
            tracing::info!(provider = provider_id, error = %e, "OAuth sign-in refused");
            return e.reply(base);
        }
        Err(e) => {
            tracing::error!(code = "OAUTH_CALLBACK_HANDLER_ERROR", provider = provider_id, error = %e, "the sign-in handler failed");
            return e.reply(base);
        }
    };

    // Always a new session: under the database strategy `session::start` also retires the
    // session the browser came with (same user or an account linked while signed in), where v4
    // re-sends the old token.
    let signed_in = SignedIn {
        user: &outcome.user,
        account: &account,
        profile: Some(&fetched.profile),
        is_new_user: outcome.is_new_user,
        force_jwt: false,
        kept: provider
            .keeps_tokens()
            .then(|| session::kept_claims(provider_id, &account)),
    };
    if let Err(e) = session::start(inner, ctx, signed_in).await {
        let e = AuthError::from(e);
        tracing::error!(code = "OAUTH_CALLBACK_HANDLER_ERROR", provider = provider_id, error = %e, "OAuth sign-in failed");
        return e.reply(base);
    }
    tracing::info!(
        provider = provider_id,
        is_new_user = ?outcome.is_new_user,
        "signed in with OAuth"
    );
    if outcome.is_new_user == Some(true)
        && let Some(page) = &inner.config.pages.new_user
    {
        let sep = if page.contains('?') { '&' } else { '?' };
        return Reply::redirect(format!(
            "{page}{sep}callbackUrl={}",
            encode_uri_component(&ctx.callback_url)
        ));
    }
    Reply::redirect(ctx.callback_url.clone())
}

/// The guarded block of v4 (any failure is `OAuthCallback`): checks, callback parameters, code
/// exchange, then the ID token or userinfo.
async fn fetch(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Result<Fetched, OAuthError> {
    let used = checks::use_checks(inner, ctx, provider_id, &provider.checks)?;
    let req = ctx.req;
    let params: &Params = if req.method == Method::Post {
        &req.body
    } else {
        &req.query
    };
    let param = |k: &str| params.get(k).and_then(Value::as_str);
    checks::verify_state(used.state.as_deref(), param("state"))?;

    let now_ms = ctx.now_ms;
    let endpoints = inner
        .oauth_cache
        .endpoints(&inner.http, provider, now_ms)
        .await?;
    if let Some(iss) = param("iss") {
        match &endpoints.issuer {
            Some(expected) if expected == iss => {}
            Some(expected) => {
                return Err(OAuthError::IssMismatch {
                    got: iss.to_string(),
                    expected: expected.clone(),
                });
            }
            None => return Err(OAuthError::IssUnexpected(iss.to_string())),
        }
    }
    let code = param("code")
        .filter(|c| !c.is_empty())
        .ok_or(OAuthError::Missing("the callback has no code parameter"))?;
    // The state matched: this callback finishes this browser's sign-in, whatever happens next.
    let state_checked = used.state.is_some();
    if state_checked {
        checks::spend(inner, ctx, &provider.checks);
    }

    let redirect_uri = inner.config.callback_url(provider_id);
    let tokens = exchange_code(
        inner,
        provider,
        &endpoints,
        code,
        &redirect_uri,
        used.code_verifier.as_deref(),
        now_ms,
    )
    .await?;
    // No state check: only the IdP's acceptance of the code (with the PKCE verifier, if any)
    // shows that the callback was this sign-in's.
    if !state_checked {
        checks::spend(inner, ctx, &provider.checks);
    }

    let mut profile = if provider.id_token {
        Value::Object(
            verify_id_token(
                inner,
                provider,
                &endpoints,
                &tokens,
                used.nonce.as_deref(),
                now_ms,
            )
            .await?,
        )
    } else {
        userinfo(inner, &endpoints, &tokens).await?
    };
    if let Some(url) = &provider.emails_url {
        add_primary_email(inner, url, &tokens, &mut profile).await;
    }
    Ok(Fetched { profile, tokens })
}

/// openid-client's `formUrlEncode`: `encodeURIComponent`, then `%20` → `+`.
pub(crate) fn form_url_encode(s: &str) -> String {
    encode_uri_component(s).replace("%20", "+")
}

/// `Basic base64(formUrlEncode(id) ":" formUrlEncode(secret))` (openid-client, RFC 6749 §2.3.1).
pub(crate) fn basic_auth(client_id: &str, client_secret: &str) -> String {
    let pair = format!(
        "{}:{}",
        form_url_encode(client_id),
        form_url_encode(client_secret)
    );
    format!("Basic {}", STANDARD.encode(pair))
}

/// The token request body and `Authorization` header for a code exchange.
pub(crate) fn token_request(
    client_auth: ClientAuth,
    client_id: &str,
    client_secret: &str,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&str>,
) -> (String, Option<String>) {
    let mut grant = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(v) = code_verifier {
        grant.push(("code_verifier", v));
    }
    token_form(client_auth, client_id, client_secret, &grant)
}

/// A token endpoint request: the form body (the `grant` parameters, then the client's
/// credentials when they go in the body) and the `Authorization` header of HTTP Basic client
/// authentication (RFC 6749 §2.3.1). Used by the code exchange and the refresh grant alike.
pub(crate) fn token_form(
    client_auth: ClientAuth,
    client_id: &str,
    client_secret: &str,
    grant: &[(&str, &str)],
) -> (String, Option<String>) {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(grant);
    let auth = match client_auth {
        ClientAuth::ClientSecretBasic => Some(basic_auth(client_id, client_secret)),
        ClientAuth::ClientSecretPost => {
            form.append_pair("client_id", client_id)
                .append_pair("client_secret", client_secret);
            None
        }
        ClientAuth::None => {
            form.append_pair("client_id", client_id);
            None
        }
    };
    (form.finish(), auth)
}

/// Builds the token set from the token response: every member kept, `expires_in` replaced in
/// place by `expires_at = now + expires_in` (openid-client's `TokenSet`), an array `scope`
/// joined with spaces.
pub(crate) fn token_set(resp: &Map<String, Value>, now_s: i64) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in resp {
        match (k.as_str(), v) {
            ("expires_in", v) => {
                let secs = match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                if let Some(secs) = secs.filter(|s| s.is_finite()) {
                    out.insert("expires_at".into(), json!(now_s + secs as i64));
                }
            }
            ("scope", Value::Array(a)) => {
                let joined: Vec<String> = a
                    .iter()
                    .map(|s| {
                        s.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| s.to_string())
                    })
                    .collect();
                out.insert("scope".into(), Value::String(joined.join(" ")));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// `POST token_endpoint` with the code. The answer must be `200` JSON without `error`.
async fn exchange_code(
    inner: &State,
    provider: &OAuthProvider,
    endpoints: &Endpoints,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&str>,
    now_ms: i64,
) -> Result<Map<String, Value>, OAuthError> {
    let (body, auth) = token_request(
        endpoints.client_auth,
        &provider.client_id,
        provider.client_secret.expose(),
        code,
        redirect_uri,
        code_verifier,
    );
    let mut req = inner
        .http
        .post(&endpoints.token)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(body);
    if let Some(auth) = auth {
        req = req.header(AUTHORIZATION, auth);
    }
    let what = format!("the token endpoint {}", endpoints.token);
    let (status, json) = match send_json(req, &what).await {
        Ok(r) => r,
        Err(e) => {
            // Refreshed on failure: the next sign-in rediscovers the endpoints.
            if let Some(issuer) = &provider.issuer {
                inner.oauth_cache.forget_discovery(issuer);
            }
            return Err(e);
        }
    };
    if let Some(error) = json.get("error") {
        let error = error
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| error.to_string());
        let description = json
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(OAuthError::TokenError {
            what,
            status,
            error,
            description: description.to_string(),
        });
    }
    if status != 200 {
        return Err(OAuthError::Status { what, status });
    }
    let Some(obj) = json.as_object() else {
        return Err(OAuthError::NotAnObject { what });
    };
    Ok(token_set(obj, now_ms.div_euclid(1000)))
}

/// Validates the token response's ID token; its claims are the profile (no userinfo call).
async fn verify_id_token(
    inner: &State,
    provider: &OAuthProvider,
    endpoints: &Endpoints,
    tokens: &Map<String, Value>,
    nonce: Option<&str>,
    now_ms: i64,
) -> Result<Map<String, Value>, OAuthError> {
    let raw = tokens
        .get("id_token")
        .and_then(Value::as_str)
        .ok_or(OAuthError::Missing(
            "the token response has no id_token (the provider is configured with id_token = true)",
        ))?;
    let issuer = endpoints.issuer.as_deref().ok_or(OAuthError::Missing(
        "ID token: no issuer to check `iss` against",
    ))?;
    let jwks_uri = endpoints.jwks.as_deref().ok_or(OAuthError::Missing(
        "ID token: no JWK set (jwks_uri) to check the signature with",
    ))?;
    let expected = id_token::Expected {
        issuer,
        client_id: &provider.client_id,
        nonce: if provider.checks.contains(&Check::Nonce) {
            // use_checks succeeded, so the value is there; an empty one would never match.
            Some(nonce.unwrap_or_default())
        } else {
            None
        },
        now_s: now_ms.div_euclid(1000),
        alg: provider.id_token_signed_response_alg.as_deref(),
        access_token: tokens.get("access_token").and_then(Value::as_str),
    };
    let keys = inner
        .oauth_cache
        .jwks(&inner.http, jwks_uri, now_ms, false)
        .await?;
    match id_token::validate(raw, &keys, &expected) {
        Ok(claims) => Ok(claims),
        Err(IdTokenError::NoKey(_)) => {
            // Key rotation: fetch the set again, once.
            let keys = inner
                .oauth_cache
                .jwks(&inner.http, jwks_uri, now_ms, true)
                .await?;
            id_token::validate(raw, &keys, &expected)
                .map_err(|e| OAuthError::IdToken(e.to_string()))
        }
        Err(e) => Err(OAuthError::IdToken(e.to_string())),
    }
}

/// `GET userinfo_endpoint` with `Authorization: <token_type> <access_token>`, `token_type`
/// verbatim as the token endpoint wrote it (openid-client). Must answer `200` with a JSON object.
async fn userinfo(
    inner: &State,
    endpoints: &Endpoints,
    tokens: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    let url = endpoints.userinfo.as_deref().ok_or(OAuthError::Missing(
        "no userinfo endpoint: not configured and not in the discovery document",
    ))?;
    let access_token =
        tokens
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or(OAuthError::Missing(
                "the token response has no access_token",
            ))?;
    let token_type = tokens
        .get("token_type")
        .and_then(Value::as_str)
        .unwrap_or("Bearer");
    let req = inner
        .http
        .get(url)
        .header(AUTHORIZATION, format!("{token_type} {access_token}"))
        .header(ACCEPT, "application/json");
    let what = format!("the userinfo endpoint {url}");
    let (status, json) = send_json(req, &what).await?;
    if status != 200 {
        return Err(OAuthError::Status { what, status });
    }
    if !json.is_object() {
        return Err(OAuthError::NotAnObject { what });
    }
    Ok(json)
}

/// When the profile has no e-mail address, asks `url` for the list (GitHub `/user/emails`, as
/// v4's GitHub provider does) and takes the primary one, else the first; addresses flagged
/// `verified: false` are skipped (v4 takes them). Failures leave the profile as it is.
async fn add_primary_email(
    inner: &State,
    url: &str,
    tokens: &Map<String, Value>,
    profile: &mut Value,
) {
    let has_email = profile
        .get("email")
        .and_then(Value::as_str)
        .is_some_and(|e| !e.is_empty());
    let Some(access_token) = tokens.get("access_token").and_then(Value::as_str) else {
        return;
    };
    if has_email {
        return;
    }
    let req = inner
        .http
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {access_token}"))
        .header(ACCEPT, "application/json");
    let list = match send_json(req, &format!("the e-mail endpoint {url}")).await {
        Ok((200, Value::Array(list))) => list,
        Ok((status, _)) => {
            tracing::warn!(url, status, "could not read the user's e-mail addresses");
            return;
        }
        Err(reason) => {
            tracing::warn!(url, %reason, "could not read the user's e-mail addresses");
            return;
        }
    };
    let usable: Vec<&Value> = list
        .iter()
        .filter(|e| e.get("verified").and_then(Value::as_bool) != Some(false))
        .collect();
    let chosen = usable
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| usable.first())
        .and_then(|e| e.get("email"))
        .and_then(Value::as_str);
    if let (Some(email), Value::Object(map)) = (chosen, profile) {
        map.insert("email".into(), Value::String(email.to_string()));
    }
}
