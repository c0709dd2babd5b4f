//! Built-in OAuth providers, as data. Filled in by the OAuth work.

use super::oauth::OAuthProvider;
use crate::secret::Secret;

/// A preset by name (`github`, `google`, …) with the client's id and secret, or `None`.
pub fn preset(_name: &str, _client_id: &str, _client_secret: Secret) -> Option<(String, OAuthProvider)> {
    None
}

/// Names of every preset.
pub fn names() -> Vec<&'static str> {
    Vec::new()
}
