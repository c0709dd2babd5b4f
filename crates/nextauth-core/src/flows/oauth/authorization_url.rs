//! `POST signin/:oauth`: the authorization URL. Ports v4 `core/lib/oauth/authorization-url.ts`
//! and openid-client's `Client#authorizationUrl` (spec §11.3).

use serde_json::Value;

use crate::cookies::encode_uri_component;
use crate::error::OAuthError;
use crate::init::Ctx;
use crate::providers::OAuthProvider;
use crate::request::Params;
use crate::state::State;

use super::checks;

/// Parameters a request's query may not set: the client's identity, the callback, the response
/// type and the checks. v4 lets `?redirect_uri=` through to the IdP; we do not.
const PROTECTED: [&str; 7] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// Everything the authorization URL is made of.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationRequest<'a> {
    /// The authorization endpoint. Its own query parameters come first (openid-client spreads
    /// them before the client's).
    pub(crate) endpoint: &'a str,
    pub(crate) client_id: &'a str,
    /// `None`: openid-client's default, `openid`.
    pub(crate) scope: Option<&'a str>,
    pub(crate) redirect_uri: &'a str,
    /// The provider's `authorization.params`.
    pub(crate) params: &'a [(String, String)],
    /// The sign-in request's query (`login_hint`, `prompt`, …).
    pub(crate) query: &'a Params,
    pub(crate) checks: &'a checks::Created,
}

/// An ordered parameter list where setting an existing key replaces its value in place, like
/// assigning to a JavaScript object: openid-client builds the URL from such objects, so a later
/// source overrides an earlier one but keeps its position.
#[derive(Debug, Default)]
struct Ordered(Vec<(String, String)>);

impl Ordered {
    fn set(&mut self, key: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }
}

/// JavaScript's `String(value)` for a query value: arrays join with `,`; `null` is dropped (as
/// openid-client drops null and undefined).
fn query_value(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

/// Builds the URL: `client_id`, `scope`, `response_type=code`, `redirect_uri`, the provider's
/// parameters, the request's query, then `state`, `code_challenge` + `code_challenge_method`,
/// `nonce`. Keys and values are encoded with `encodeURIComponent` (`%20` for spaces).
pub(crate) fn build(req: &AuthorizationRequest<'_>) -> Result<String, OAuthError> {
    let mut url =
        url::Url::parse(req.endpoint).map_err(|e| OAuthError::BadAuthorizationEndpoint {
            endpoint: req.endpoint.to_string(),
            reason: e.to_string(),
        })?;
    let mut params = Ordered::default();
    for (k, v) in url.query_pairs() {
        params.set(&k, v.into_owned());
    }
    url.set_query(None);
    url.set_fragment(None);
    params.set("client_id", req.client_id.to_string());
    params.set("scope", req.scope.unwrap_or("openid").to_string());
    params.set("response_type", "code".into());
    params.set("redirect_uri", req.redirect_uri.to_string());
    for (k, v) in req.params {
        params.set(k, v.clone());
    }
    for (k, v) in req.query {
        if PROTECTED.contains(&k.as_str()) {
            tracing::debug!(param = ?k, "ignoring a protected authorization parameter from the query");
            continue;
        }
        if let Some(v) = query_value(v) {
            params.set(k, v);
        }
    }
    if let Some(state) = &req.checks.state {
        params.set("state", state.clone());
    }
    if let Some(challenge) = &req.checks.code_challenge {
        params.set("code_challenge", challenge.clone());
        params.set("code_challenge_method", "S256".into());
    }
    if let Some(nonce) = &req.checks.nonce {
        params.set("nonce", nonce.clone());
    }
    let query = params
        .0
        .iter()
        .map(|(k, v)| format!("{}={}", encode_uri_component(k), encode_uri_component(v)))
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("{url}?{query}"))
}

/// Splits a configured authorization URL: v4 turns its query string into parameters
/// (`normalizeEndpoint`), placed with the provider's other parameters.
pub(crate) fn split_configured(endpoint: &str) -> (String, Vec<(String, String)>) {
    match url::Url::parse(endpoint) {
        Ok(mut u) => {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.set_query(None);
            (u.to_string(), pairs)
        }
        Err(_) => (endpoint.to_string(), Vec::new()),
    }
}

/// The whole sign-in step: endpoints (discovered if needed), check cookies, URL.
pub(crate) async fn signin(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider_id: &str,
    provider: &OAuthProvider,
) -> Result<String, OAuthError> {
    let endpoints = inner
        .oauth_cache
        .endpoints(&inner.http, provider, ctx.now_ms)
        .await?;
    let (endpoint, mut params) = if endpoints.authorization_configured {
        split_configured(&endpoints.authorization)
    } else {
        (endpoints.authorization.clone(), Vec::new())
    };
    params.extend(provider.authorization_params.iter().cloned());
    // OIDC Core §3.1.2.1 `ui_locales` (issue 16): the IdP's pages in the language ours use, when
    // the browser said which (`?lang=`, the locale cookie, Accept-Language) and neither the
    // provider nor the request sets it.
    let view = ctx.page_view(&inner.config);
    if provider.id_token
        && (view.lang.is_some() || view.locale_cookie.is_some() || view.accept_language.is_some())
        && !params.iter().any(|(k, _)| k == "ui_locales")
        && ctx.req.query_str("ui_locales").is_none()
    {
        let i18n = &inner.pages.i18n;
        let l = i18n.negotiate(view.lang, view.locale_cookie, view.accept_language);
        params.push(("ui_locales".to_string(), i18n.tag(l).to_string()));
    }
    let redirect_uri = inner.config.callback_url(provider_id);
    let queued = ctx.cookies.len();
    let created = checks::create(inner, ctx, provider_id, &provider.checks);
    let url = build(&AuthorizationRequest {
        endpoint: &endpoint,
        client_id: &provider.client_id,
        scope: provider.scope.as_deref(),
        redirect_uri: &redirect_uri,
        params: &params,
        query: &ctx.req.query,
        checks: &created,
    });
    if url.is_err() {
        // No redirect happens: the check cookies would only linger.
        ctx.cookies.truncate(queued);
    }
    url
}
