//! The credentials provider: a sign-in form whose fields an [`Authorize`] implementation checks.
//!
//! Ports v4 `providers/credentials.ts` and the credentials branch of `core/routes/callback.ts`.
//! The server checks credentials with a webhook ([`WebhookAuthorize`]); a Rust app can implement
//! [`Authorize`] directly.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::error::ConfigError;
use crate::request::{AuthRequest, Params};

/// One form field: `[providers.credentials.<name>] label, type, placeholder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// The input's `name` (and the key sent to `authorize`).
    pub name: String,
    /// The label; the name when absent.
    pub label: Option<String>,
    /// The input `type` (`text` when absent).
    pub input_type: Option<String>,
    /// Placeholder text.
    pub placeholder: Option<String>,
}

/// Why `authorize` did not return a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// `authorize` threw on purpose: v4 shows the message as `?error=<message>` (status 401).
    #[error("{0}")]
    Refused(String),
    /// The check itself failed (webhook down, 5xx, timeout, bad JSON): logged, the browser gets a
    /// generic error.
    #[error("credentials check failed: {0}")]
    Failed(String),
    /// The check could not be asked: the webhook was unreachable, timed out, or its answer broke
    /// off. Logged; the browser gets a generic error with the reason `webhook_unreachable`.
    #[error("credentials check unreachable: {0}")]
    Unreachable(String),
}

/// Checks submitted credentials. `Ok(None)` is a failed sign-in (`CredentialsSignin`).
///
/// The returned user is a JSON object with at least `id`; `name`, `email` and `image` are used
/// when present (a `null` is kept as `null`, as v4 keeps it).
#[async_trait]
pub trait Authorize: Send + Sync + 'static {
    /// `credentials` holds the declared fields as the browser sent them.
    async fn authorize(
        &self,
        credentials: &Params,
        request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError>;
}

/// A credentials provider.
#[derive(Clone)]
pub struct CredentialsProvider {
    /// The form fields, in order. With none, the sign-in page shows no form (as v4).
    pub fields: Vec<CredentialField>,
    /// What checks them.
    pub authorize: Arc<dyn Authorize>,
}

impl std::fmt::Debug for CredentialsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsProvider")
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl CredentialsProvider {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for field in &self.fields {
            if field.name.is_empty() {
                return Err("a credential field has an empty name".into());
            }
        }
        Ok(())
    }
}

/// Normalises what `authorize` returned: an object with an `id` (string or number, turned into a
/// string as v4's `String(user.id)`). Anything else is a failure of the check, not of the user.
pub(crate) fn normalise_user(v: Value) -> Result<Option<Map<String, Value>>, AuthorizeError> {
    match v {
        Value::Null => Ok(None),
        Value::Object(mut m) => {
            let id = match m.get("id") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    return Err(AuthorizeError::Failed(
                        "the user object has no `id` (a non-empty string or a number)".into(),
                    ));
                }
            };
            m.insert("id".into(), Value::String(id));
            Ok(Some(m))
        }
        other => Err(AuthorizeError::Failed(format!(
            "expected a JSON object or null, got {}",
            match other {
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                _ => "an array",
            }
        ))),
    }
}

/// `authorize` as a webhook: `POST <url>` with a JSON object holding exactly the declared fields.
///
/// * 200 with a JSON user `{id, name?, email?, image?}` signs in;
/// * 401, 403, 404, or a JSON `null` body, is a failed sign-in;
/// * anything else (5xx, a timeout, bad JSON) is an error: logged, never a panic.
///
/// The call goes through [`crate::webhook::post_json`]: Standard Webhooks headers, signed with
/// [`WebhookAuthorize::signed`]'s secret (`[callbacks] webhook_secret`), so the backend can
/// tell the request is ours.
#[derive(Debug, Clone)]
pub struct WebhookAuthorize {
    url: String,
    fields: Vec<String>,
    client: reqwest::Client,
    secret: Option<crate::webhook::WebhookSecret>,
}

/// How long the webhook may take before the sign-in fails.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

impl WebhookAuthorize {
    /// A webhook at `url` that receives the given fields.
    pub fn new(url: impl Into<String>, fields: Vec<String>, client: reqwest::Client) -> Self {
        WebhookAuthorize {
            url: url.into(),
            fields,
            client,
            secret: None,
        }
    }

    /// The same webhook, its requests signed with `secret` (`webhook-signature`).
    pub fn signed(mut self, secret: Option<crate::webhook::WebhookSecret>) -> Self {
        self.secret = secret;
        self
    }
}

#[async_trait]
impl Authorize for WebhookAuthorize {
    async fn authorize(
        &self,
        credentials: &Params,
        _request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError> {
        // Only the declared fields: the CSRF token, callbackUrl and `json` that v4 passes along
        // have no business leaving the server.
        let body: Map<String, Value> = self
            .fields
            .iter()
            .map(|f| {
                let v = match credentials.get(f) {
                    Some(Value::String(s)) => Value::String(s.clone()),
                    _ => Value::Null,
                };
                (f.clone(), v)
            })
            .collect();
        let answer = crate::webhook::post_json_once(
            &self.client,
            &self.url,
            &body,
            self.secret.as_ref(),
            WEBHOOK_TIMEOUT,
        )
        .await;
        crate::telemetry::webhook_delivery(
            "authorize",
            crate::telemetry::WebhookOutcome::of(answer.as_ref().ok().map(|a| a.status)),
        );
        let answer = answer.map_err(|e| AuthorizeError::Unreachable(e.to_string()))?;
        let status = answer.status;
        if matches!(status, 401 | 403 | 404) {
            return Ok(None);
        }
        if status != 200 {
            return Err(AuthorizeError::Failed(format!(
                "POST {} answered {status}",
                self.url
            )));
        }
        let v: Value = serde_json::from_slice(&answer.body).map_err(|e| {
            AuthorizeError::Failed(format!("POST {}: the body is not JSON ({e})", self.url))
        })?;
        normalise_user(v).map_err(|e| match e {
            AuthorizeError::Failed(m) => AuthorizeError::Failed(format!("POST {}: {m}", self.url)),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_are_normalised() {
        assert_eq!(normalise_user(Value::Null), Ok(None));
        let u = normalise_user(json!({"id": 7, "name": null}))
            .unwrap()
            .unwrap();
        assert_eq!(Value::Object(u), json!({"id": "7", "name": null}));
        assert!(normalise_user(json!({"name": "x"})).is_err());
        assert!(normalise_user(json!({"id": ""})).is_err());
        assert!(normalise_user(json!([1])).is_err());
        assert!(normalise_user(json!("x")).is_err());
    }
}
