//! Providers: OAuth/OIDC, email (magic links) and credentials.
//!
//! A closed set, so an enum ([`ProviderKind`]); user code plugs in through the traits at the
//! extension points ([`credentials::Authorize`], [`email::EmailTransport`]). Built-in OAuth
//! presets are data, not types.

pub mod credentials;
pub mod email;
pub mod oauth;
pub mod presets;

use crate::error::ConfigError;

pub use credentials::{Authorize, AuthorizeError, CredentialField, CredentialsProvider};
pub use email::{
    EmailProvider, EmailTransport, LogTransport, RenderedMail, SendError, VerificationEmail,
};
pub use oauth::OAuthProvider;

/// One configured provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The id in URLs (`/signin/<id>`, `/callback/<id>`).
    pub id: String,
    /// The name on buttons ("Sign in with {name}").
    pub name: String,
    /// What kind, with its settings.
    pub kind: ProviderKind,
}

/// The three kinds of provider v4 has.
#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// OAuth 2.0 or OpenID Connect.
    OAuth(Box<OAuthProvider>),
    /// Magic links by e-mail.
    Email(EmailProvider),
    /// A form whose fields an `authorize` function checks.
    Credentials(CredentialsProvider),
}

impl Provider {
    /// The `type` v4 reports in `GET providers`: an OIDC provider is `"oauth"`, as in v4.
    pub fn type_str(&self) -> &'static str {
        match self.kind {
            ProviderKind::OAuth(_) => "oauth",
            ProviderKind::Email(_) => "email",
            ProviderKind::Credentials(_) => "credentials",
        }
    }

    /// Checks the provider's own settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let id_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !id_ok {
            return Err(ConfigError(format!(
                "provider id {:?}: use letters, digits, '-', '_' or '.' (it appears in URLs)",
                self.id
            )));
        }
        if self.name.trim().is_empty() {
            return Err(ConfigError(format!(
                "provider `{}`: `name` is empty",
                self.id
            )));
        }
        let at = |e: ConfigError| ConfigError(format!("provider `{}`: {e}", self.id));
        match &self.kind {
            ProviderKind::OAuth(o) => o.validate().map_err(at),
            ProviderKind::Email(e) => e.validate().map_err(at),
            ProviderKind::Credentials(c) => c.validate().map_err(at),
        }
    }
}
