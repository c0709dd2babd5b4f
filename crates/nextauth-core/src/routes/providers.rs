//! `GET providers`: every configured provider as `{id, name, type, signinUrl, callbackUrl}`,
//! keyed by id, in configuration order (spec §8.1). No cookies, no cache headers.
//!
//! Ports v4 `core/routes/providers.ts`. The body never changes, so it is rendered once at startup.

use serde_json::{Map, Value, json};

use crate::config::AuthConfig;

/// Renders the body.
pub(crate) fn render(config: &AuthConfig) -> String {
    let mut out = Map::new();
    for p in &config.providers {
        out.insert(
            p.id.clone(),
            json!({
                "id": p.id,
                "name": p.name,
                "type": p.type_str(),
                "signinUrl": config.signin_url(&p.id),
                "callbackUrl": config.callback_url(&p.id),
            }),
        );
    }
    Value::Object(out).to_string()
}
