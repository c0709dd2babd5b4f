//! `GET token?provider=ID`: the session's upstream access token, refreshed first when it expires
//! within a minute (issue 13, item 2; not in v4, where apps refresh in their `jwt` callback).
//!
//! Answers, always with `Cache-Control: no-store`:
//! * `200 {"accessToken", "expiresAt", "tokenType", "scope"}` (`expiresAt` in Unix seconds;
//!   members the IdP did not give are left out);
//! * `401 {}` without a valid session;
//! * `400 {"error": "…"}` without `provider`, `404 {"error": "…"}` for a provider that is not a
//!   configured OAuth/OIDC provider, or when the session has no tokens of that provider (it
//!   signed in elsewhere, or the provider keeps no tokens: `refresh`/`federated_logout` unset);
//! * `401 {"error": "RefreshAccessTokenError"}` when the refresh failed (v4's recipe name). The
//!   session then carries the same `error` (its JSON shows it), so the app can send the user to
//!   sign in again; an `invalid_grant` is final and not retried.
//!
//! JWT sessions keep the tokens in the session JWE (claims `accessToken`, `refreshToken`,
//! `expiresAt`, `idToken`, `tokenType`, `scope`, `provider`); the cookie is rewritten on the
//! response that refreshed. The refresh itself is [`crate::flows::oauth::refresh`].

use serde_json::{Map, Value, json};

use crate::config::SessionStrategy;
use crate::flows::oauth::refresh::{RefreshError, Tokens, fresh_tokens};
use crate::init::Ctx;
use crate::providers::ProviderKind;
use crate::response::Reply;
use crate::session;
use crate::state::State;

/// The error v4's refresh-token-rotation recipe puts into the token and the session.
pub const REFRESH_ERROR: &str = "RefreshAccessTokenError";

fn answer(status: u16, body: &Value) -> Reply {
    Reply::Json {
        status,
        body: body.to_string(),
        no_store: true,
    }
}

pub(crate) async fn get(inner: &State, ctx: &mut Ctx<'_>) -> Reply {
    let Some(provider_id) = ctx.req.query_str("provider").filter(|p| !p.is_empty()) else {
        return answer(
            400,
            &json!({"error": "the `provider` query parameter is required"}),
        );
    };
    let provider_id = provider_id.to_string();
    let oauth = match inner.config.provider(&provider_id).map(|p| &p.kind) {
        Some(ProviderKind::OAuth(o)) => o,
        _ => {
            return answer(
                404,
                &json!({"error": format!("no OAuth provider {provider_id:?}")}),
            );
        }
    };
    let Some(cookie) = session::token_from_request(inner, ctx) else {
        return answer(401, &json!({}));
    };
    if inner.config.session.strategy == SessionStrategy::Database {
        return database(inner, &cookie, &provider_id, oauth, ctx.now_ms).await;
    }
    let Some(mut claims) = session::decode_jwt_session(inner, &cookie, ctx.now_ms) else {
        return answer(401, &json!({}));
    };
    let Some(tokens) = tokens_of(&claims, &provider_id) else {
        return answer(
            404,
            &json!({"error": format!("this session holds no tokens of {provider_id:?}")}),
        );
    };
    match fresh_tokens(inner, &provider_id, oauth, &tokens).await {
        Ok(None) => answer(200, &public_view(&tokens)),
        Ok(Some(successor)) => {
            put_tokens(&mut claims, &successor);
            claims.remove("error");
            rewrite(inner, ctx, &claims);
            answer(200, &public_view(&successor))
        }
        Err(e) => {
            match &e {
                RefreshError::Failed(_) => {
                    tracing::warn!(provider = %provider_id, error = %e, "refreshing the access token failed; the next request tries again");
                }
                _ => {
                    tracing::info!(provider = %provider_id, error = %e, "the access token cannot be refreshed: the session is marked RefreshAccessTokenError");
                }
            }
            claims.insert("error".into(), Value::String(REFRESH_ERROR.into()));
            rewrite(inner, ctx, &claims);
            answer(401, &json!({ "error": REFRESH_ERROR }))
        }
    }
}

/// Database sessions: the tokens are the account row's (v4's adapters store them there), and a
/// refresh writes the successor back to the row; a failure is kept with the session's claims
/// (`nextauth_session_claims`), where `GET session` finds it.
async fn database(
    inner: &State,
    cookie: &str,
    provider_id: &str,
    oauth: &crate::providers::OAuthProvider,
    now_ms: i64,
) -> Reply {
    let Some(adapter) = inner.adapter.as_deref() else {
        return answer(401, &json!({}));
    };
    let unavailable = |e: crate::adapter::AdapterError| {
        tracing::error!(code = "SESSION_ERROR", error = %e, "GET token: storage failed");
        answer(503, &json!({"error": "storage unavailable"}))
    };
    let user = match adapter.get_session_and_user(cookie).await {
        Ok(Some((session, user))) if session.expires >= now_ms => user,
        Ok(_) => return answer(401, &json!({})),
        Err(e) => return unavailable(e),
    };
    let mut account = match adapter.get_account(&user.id, provider_id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return answer(
                404,
                &json!({"error": format!("the user has no account at {provider_id:?}")}),
            );
        }
        Err(e) => return unavailable(e),
    };
    let Some(tokens) = Tokens::from_token_set(&serde_json::Map::from_iter(
        [
            (
                "access_token",
                account.access_token.clone().map(Value::String),
            ),
            (
                "refresh_token",
                account.refresh_token.clone().map(Value::String),
            ),
            ("expires_at", account.expires_at.map(Value::from)),
            ("token_type", account.token_type.clone().map(Value::String)),
            ("scope", account.scope.clone().map(Value::String)),
            ("id_token", account.id_token.clone().map(Value::String)),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?))),
    )) else {
        return answer(
            404,
            &json!({"error": format!("the account at {provider_id:?} holds no access token")}),
        );
    };
    let kept = adapter.get_session_claims(cookie).await.ok().flatten();
    match fresh_tokens(inner, provider_id, oauth, &tokens).await {
        Ok(None) => answer(200, &public_view(&tokens)),
        Ok(Some(successor)) => {
            account.access_token = Some(successor.access_token.clone());
            account.refresh_token = successor.refresh_token.clone();
            account.expires_at = successor.expires_at;
            account.token_type = successor.token_type.clone();
            account.scope = successor.scope.clone();
            account.id_token = successor.id_token.clone();
            if let Err(e) = adapter.update_account_tokens(&account).await {
                // Another request (or instance) gets the successor from the grace record for a
                // minute; after that the row's old refresh token is refused and marks the session.
                tracing::error!(code = "SESSION_ERROR", error = %e, "storing the refreshed tokens failed");
            }
            if let Some(mut kept) = kept
                && kept.remove("error").is_some()
                && let Err(e) = adapter.set_session_claims(cookie, &kept).await
            {
                tracing::error!(code = "SESSION_ERROR", error = %e, "clearing the refresh error failed");
            }
            answer(200, &public_view(&successor))
        }
        Err(e) => {
            tracing::info!(provider = %provider_id, error = %e, "the access token cannot be refreshed: the session is marked RefreshAccessTokenError");
            let mut kept = kept.unwrap_or_default();
            kept.insert("error".into(), Value::String(REFRESH_ERROR.into()));
            if let Err(e) = adapter.set_session_claims(cookie, &kept).await {
                tracing::error!(code = "SESSION_ERROR", error = %e, "marking the session failed");
            }
            answer(401, &json!({ "error": REFRESH_ERROR }))
        }
    }
}

/// The tokens a JWT session keeps for `provider_id`.
fn tokens_of(claims: &Map<String, Value>, provider_id: &str) -> Option<Tokens> {
    if claims.get("provider").and_then(Value::as_str) != Some(provider_id) {
        return None;
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Tokens {
        access_token: s("accessToken")?,
        refresh_token: s("refreshToken"),
        expires_at: claims.get("expiresAt").and_then(Value::as_i64),
        token_type: s("tokenType"),
        scope: s("scope"),
        id_token: s("idToken"),
    })
}

/// Writes `tokens` into the JWT claims (the names [`tokens_of`] reads).
fn put_tokens(claims: &mut Map<String, Value>, tokens: &Tokens) {
    claims.insert(
        "accessToken".into(),
        Value::String(tokens.access_token.clone()),
    );
    let mut opt = |k: &str, v: &Option<String>| match v {
        Some(v) => {
            claims.insert(k.into(), Value::String(v.clone()));
        }
        None => {
            claims.remove(k);
        }
    };
    opt("refreshToken", &tokens.refresh_token);
    opt("idToken", &tokens.id_token);
    opt("tokenType", &tokens.token_type);
    opt("scope", &tokens.scope);
    match tokens.expires_at {
        Some(e) => {
            claims.insert("expiresAt".into(), Value::from(e));
        }
        None => {
            claims.remove("expiresAt");
        }
    }
}

/// What the endpoint answers: never the refresh or ID token.
fn public_view(t: &Tokens) -> Value {
    let mut m = Map::new();
    m.insert("accessToken".into(), Value::String(t.access_token.clone()));
    if let Some(e) = t.expires_at {
        m.insert("expiresAt".into(), Value::from(e));
    }
    if let Some(tt) = &t.token_type {
        m.insert("tokenType".into(), Value::String(tt.clone()));
    }
    if let Some(s) = &t.scope {
        m.insert("scope".into(), Value::String(s.clone()));
    }
    Value::Object(m)
}

/// The session cookie re-encoded with `claims` (a new `jti`, `iat`, `exp`, as any read does).
fn rewrite(inner: &State, ctx: &mut Ctx<'_>, claims: &Map<String, Value>) {
    let max_age = inner.config.session.max_age;
    let encoded = inner
        .session_keys
        .encode_jwt(claims, max_age, ctx.now_ms.div_euclid(1000));
    session::set_cookie(inner, ctx, &encoded, ctx.now_ms + max_age * 1000);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_round_trip_and_the_answer_hides_refresh_and_id_tokens() {
        let t = Tokens {
            access_token: "AT".into(),
            refresh_token: Some("RT".into()),
            expires_at: Some(100),
            token_type: Some("Bearer".into()),
            scope: Some("openid".into()),
            id_token: Some("IT".into()),
        };
        let mut claims = Map::new();
        claims.insert("provider".into(), json!("idp"));
        put_tokens(&mut claims, &t);
        assert_eq!(tokens_of(&claims, "idp"), Some(t.clone()));
        assert_eq!(tokens_of(&claims, "other"), None);
        let view = public_view(&t).to_string();
        assert!(!view.contains("RT") && !view.contains("IT"), "{view}");
        assert_eq!(
            public_view(&t),
            json!({"accessToken": "AT", "expiresAt": 100, "tokenType": "Bearer", "scope": "openid"})
        );
    }
}
