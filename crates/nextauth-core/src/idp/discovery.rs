//! Where a provider's endpoints come from: its configuration, or OpenID Connect discovery
//! (`<issuer>/.well-known/openid-configuration`); and its JWK set. Ports v4
//! `core/lib/oauth/client.ts` (`Issuer.discover`, `new issuer.Client(...)`).
//!
//! v4 fetches the discovery document on every sign-in and callback, and the JWK set on every ID
//! token. Here both are cached per URL: discovery for [`DISCOVERY_TTL_MS`], and dropped when a
//! callback cannot reach the token endpoint (so a moved endpoint is found again at once); the JWK
//! set until an ID token names a key it does not hold, which refetches it once (key rotation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use reqwest::header::ACCEPT;
use serde_json::Value;

use crate::error::{DocumentProblem, OAuthError};
use crate::providers::OAuthProvider;
use crate::providers::oauth::ClientAuth;

use super::http::send_json;

/// How long a discovery document is used before it is fetched again: 10 minutes.
pub const DISCOVERY_TTL_MS: i64 = 10 * 60 * 1000;

/// How long a JWK set is kept when no ID token asks for an unknown key: 24 hours.
pub const JWKS_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// The least time between two fetches of a JWK set forced by an unknown key from an
/// unauthenticated caller ([`OAuthCache::jwks_refetch_limited`]): one minute.
pub const JWKS_MIN_REFETCH_MS: i64 = 60 * 1000;

/// The discovery documents and JWK sets of every provider, shared by all requests.
#[derive(Default)]
pub struct OAuthCache {
    discovery: Mutex<HashMap<String, Cached<Arc<Metadata>>>>,
    jwks: Mutex<HashMap<String, Cached<Arc<Vec<Jwk>>>>>,
}

impl std::fmt::Debug for OAuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCache").finish_non_exhaustive()
    }
}

struct Cached<T> {
    value: T,
    fetched_ms: i64,
}

/// The parts of a discovery document (OpenID Connect Discovery 1.0 §3) that the flow uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// OpenID Connect RP-Initiated Logout 1.0 §2.1: where the browser is sent to end the IdP
    /// session.
    pub(crate) end_session_endpoint: Option<String>,
}

/// A provider's endpoints for one request: configuration first, discovery for the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// The issuer that `iss` (callback parameter and ID-token claim) must equal: the discovered
    /// one when discovery ran, else the configured one.
    pub(crate) issuer: Option<String>,
    pub(crate) authorization: String,
    /// Whether `authorization` came from the configuration: its query string then is
    /// authorization parameters (v4 `normalizeEndpoint`), not part of the endpoint.
    pub(crate) authorization_configured: bool,
    pub(crate) token: String,
    pub(crate) userinfo: Option<String>,
    pub(crate) jwks: Option<String>,
    pub(crate) client_auth: ClientAuth,
}

/// Locks a cache map. A poisoned lock only means a panic elsewhere while it was held; the map
/// holds plain values, still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// `<issuer>/.well-known/openid-configuration` (a trailing `/` of the issuer is not doubled).
pub(crate) fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Whether the configuration leaves an endpoint to discovery.
pub(crate) fn needs_discovery(p: &OAuthProvider) -> bool {
    p.issuer.is_some()
        && (p.authorization_url.is_none()
            || p.token_url.is_none()
            || (p.id_token && p.jwks_url.is_none())
            || (!p.id_token && p.userinfo_url.is_none()))
}

impl OAuthCache {
    /// The endpoints of `provider`, discovering them when the configuration does not give them
    /// all. Errors say what was missing or unreachable.
    pub(crate) async fn endpoints(
        &self,
        http: &reqwest::Client,
        provider: &OAuthProvider,
        now_ms: i64,
    ) -> Result<Endpoints, OAuthError> {
        let meta = match (&provider.issuer, needs_discovery(provider)) {
            (Some(issuer), true) => Some(self.metadata(http, issuer, now_ms).await?),
            _ => None,
        };
        let pick = |configured: &Option<String>, discovered: Option<&Option<String>>| {
            configured
                .clone()
                .or_else(|| discovered.and_then(Clone::clone))
        };
        let authorization = pick(
            &provider.authorization_url,
            meta.as_ref().map(|m| &m.authorization_endpoint),
        )
        .ok_or(OAuthError::Missing(
            "no authorization endpoint: not configured and not in the discovery document",
        ))?;
        let token = pick(
            &provider.token_url,
            meta.as_ref().map(|m| &m.token_endpoint),
        )
        .ok_or(OAuthError::Missing(
            "no token endpoint: not configured and not in the discovery document",
        ))?;
        let userinfo = pick(
            &provider.userinfo_url,
            meta.as_ref().map(|m| &m.userinfo_endpoint),
        );
        let jwks = pick(&provider.jwks_url, meta.as_ref().map(|m| &m.jwks_uri));
        // openid-client: a discovered issuer that lists client_secret_post but not
        // client_secret_basic switches the default to client_secret_post.
        let client_auth = provider.client_auth.unwrap_or_else(|| {
            match meta
                .as_ref()
                .and_then(|m| m.token_endpoint_auth_methods_supported.as_ref())
            {
                Some(methods)
                    if !methods.iter().any(|m| m == "client_secret_basic")
                        && methods.iter().any(|m| m == "client_secret_post") =>
                {
                    ClientAuth::ClientSecretPost
                }
                _ => ClientAuth::ClientSecretBasic,
            }
        });
        let issuer = match &meta {
            Some(m) => Some(m.issuer.clone()),
            None => provider.issuer.clone(),
        };
        Ok(Endpoints {
            issuer,
            authorization,
            authorization_configured: provider.authorization_url.is_some(),
            token,
            userinfo,
            jwks,
            client_auth,
        })
    }

    /// The discovery document of `issuer`, from the cache while fresh.
    pub(crate) async fn metadata(
        &self,
        http: &reqwest::Client,
        issuer: &str,
        now_ms: i64,
    ) -> Result<Arc<Metadata>, OAuthError> {
        if let Some(c) = lock(&self.discovery).get(issuer)
            && now_ms - c.fetched_ms < DISCOVERY_TTL_MS
            && now_ms >= c.fetched_ms
        {
            return Ok(Arc::clone(&c.value));
        }
        let url = discovery_url(issuer);
        let what = format!("OIDC discovery {url}");
        let (status, doc) =
            send_json(http.get(&url).header(ACCEPT, "application/json"), &what).await?;
        if status != 200 {
            return Err(OAuthError::Status { what, status });
        }
        let meta = Arc::new(
            parse_metadata(&doc).map_err(|problem| OAuthError::Document { what, problem })?,
        );
        if meta.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            // openid-client does not compare them either; v4 providers rely on that (Entra ID's
            // "common" tenant answers a templated issuer). The ID token's `iss` is checked
            // against the discovered one.
            tracing::warn!(
                configured = issuer,
                discovered = %meta.issuer,
                "the discovered issuer differs from the configured one"
            );
        }
        lock(&self.discovery).insert(
            issuer.to_string(),
            Cached {
                value: Arc::clone(&meta),
                fetched_ms: now_ms,
            },
        );
        Ok(meta)
    }

    /// Drops the discovery document of `issuer`, so the next request fetches it again.
    pub(crate) fn forget_discovery(&self, issuer: &str) {
        lock(&self.discovery).remove(issuer);
    }

    /// The keys at `uri`; `refresh` fetches them even when cached (an unknown `kid`).
    pub(crate) async fn jwks(
        &self,
        http: &reqwest::Client,
        uri: &str,
        now_ms: i64,
        refresh: bool,
    ) -> Result<Arc<Vec<Jwk>>, OAuthError> {
        if !refresh
            && let Some(c) = lock(&self.jwks).get(uri)
            && now_ms - c.fetched_ms < JWKS_TTL_MS
            && now_ms >= c.fetched_ms
        {
            return Ok(Arc::clone(&c.value));
        }
        let what = format!("JWKS {uri}");
        let (status, doc) = send_json(
            http.get(uri)
                .header(ACCEPT, "application/json, application/jwk-set+json"),
            &what,
        )
        .await?;
        if status != 200 {
            return Err(OAuthError::Status { what, status });
        }
        let keys =
            Arc::new(parse_jwks(&doc).map_err(|problem| OAuthError::Document { what, problem })?);
        lock(&self.jwks).insert(
            uri.to_string(),
            Cached {
                value: Arc::clone(&keys),
                fetched_ms: now_ms,
            },
        );
        Ok(keys)
    }
}

impl OAuthCache {
    /// The keys at `uri` fetched again for a token naming a key the cached set lacks, unless
    /// the cached set is younger than [`JWKS_MIN_REFETCH_MS`] (then the cached one): anyone can
    /// post a logout token, and must not make us fetch the set on every request.
    pub(crate) async fn jwks_refetch_limited(
        &self,
        http: &reqwest::Client,
        uri: &str,
        now_ms: i64,
    ) -> Result<Arc<Vec<Jwk>>, OAuthError> {
        let recent = lock(&self.jwks).get(uri).and_then(|c| {
            (now_ms >= c.fetched_ms && now_ms - c.fetched_ms < JWKS_MIN_REFETCH_MS)
                .then(|| Arc::clone(&c.value))
        });
        match recent {
            Some(keys) => Ok(keys),
            None => self.jwks(http, uri, now_ms, true).await,
        }
    }
}

/// Reads the members the flow needs; endpoints must be absolute http(s) URLs.
pub(crate) fn parse_metadata(doc: &Value) -> Result<Metadata, DocumentProblem> {
    let obj = doc.as_object().ok_or(DocumentProblem::NotAnObject)?;
    let issuer = obj
        .get("issuer")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(DocumentProblem::NoIssuer)?
        .to_string();
    let url = |key: &str| -> Result<Option<String>, DocumentProblem> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => match url::Url::parse(s) {
                Ok(u) if u.scheme() == "https" || u.scheme() == "http" => Ok(Some(s.clone())),
                _ => Err(DocumentProblem::NotHttpUrl {
                    key: key.to_string(),
                    value: s.clone(),
                }),
            },
            Some(_) => Err(DocumentProblem::NotAString(key.to_string())),
        }
    };
    let methods = obj
        .get("token_endpoint_auth_methods_supported")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        });
    Ok(Metadata {
        issuer,
        authorization_endpoint: url("authorization_endpoint")?,
        token_endpoint: url("token_endpoint")?,
        userinfo_endpoint: url("userinfo_endpoint")?,
        jwks_uri: url("jwks_uri")?,
        token_endpoint_auth_methods_supported: methods,
        // Used by federated logout only: a bad value must not stop sign-ins.
        end_session_endpoint: url("end_session_endpoint").ok().flatten(),
    })
}

/// The usable keys of a JWK set. Keys this crate cannot use (unknown `kty`, encryption keys,
/// symmetric `oct` keys) are skipped rather than failing the whole set, as jose's `createRemoteJWKSet` does.
pub(crate) fn parse_jwks(doc: &Value) -> Result<Vec<Jwk>, DocumentProblem> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(DocumentProblem::NoKeys)?;
    Ok(keys
        .iter()
        .filter(|k| k.get("use").and_then(Value::as_str) != Some("enc"))
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .filter(|k| {
            !matches!(
                k.algorithm,
                AlgorithmParameters::Other(_) | AlgorithmParameters::OctetKey(_)
            )
        })
        .collect())
}
