//! Pieces of an in-process app (`NextAuth::builder(..)`, `NextAuth::handle`, no socket) shared
//! by the core's and the axum crate's tests: a credentials provider whose `authorize` knows one
//! user, and a valid CSRF cookie.

use std::sync::Arc;

use async_trait::async_trait;
use nextauth_core::cookies::encode_uri_component;
use nextauth_core::crypto::csrf::csrf_cookie_value;
use nextauth_core::providers::credentials::{
    Authorize, AuthorizeError, CredentialField, CredentialsProvider,
};
use nextauth_core::providers::{Provider, ProviderKind};
use nextauth_core::request::{AuthRequest, Params};
use serde_json::{Map, Value, json};

/// `authorize` of [`credentials_provider`]: `alice` / `password` is
/// `{"id":"1","name":"Alice","email":"alice@example.com"}`, anything else `null`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Alice;

#[async_trait]
impl Authorize for Alice {
    async fn authorize(
        &self,
        credentials: &Params,
        _request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError> {
        let ok = credentials.get("username").and_then(Value::as_str) == Some("alice")
            && credentials.get("password").and_then(Value::as_str) == Some("password");
        Ok(ok.then(|| {
            let user = json!({"id": "1", "name": "Alice", "email": "alice@example.com"});
            user.as_object().cloned().unwrap_or_default()
        }))
    }
}

/// A credentials provider `credentials` named `name`, with a `username` and a `password`
/// field, signing in through [`Alice`].
pub fn credentials_provider(name: &str) -> Provider {
    Provider {
        id: "credentials".into(),
        name: name.into(),
        kind: ProviderKind::Credentials(CredentialsProvider {
            fields: vec![
                CredentialField {
                    name: "username".into(),
                    label: None,
                    input_type: None,
                    placeholder: None,
                },
                CredentialField {
                    name: "password".into(),
                    label: None,
                    input_type: Some("password".into()),
                    placeholder: None,
                },
            ],
            authorize: Arc::new(Alice),
        }),
    }
}

/// `next-auth.csrf-token=<token>|<hash>` (percent-encoded as v4 sends it), valid for `token`
/// under `secret`: a `Cookie` header pair for a browser that already fetched its CSRF token.
pub fn csrf_cookie(token: &str, secret: &str) -> String {
    format!(
        "next-auth.csrf-token={}",
        encode_uri_component(&csrf_cookie_value(token, secret.as_bytes()))
    )
}
