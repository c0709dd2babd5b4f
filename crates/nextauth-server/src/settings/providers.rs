//! Provider building: one `[[providers]]` table → one finished [`Provider`], with its e-mail
//! transport (SMTP or log mode) and the shared HTTP client of its webhook, in one pass.
//!
//! The keys a table sets come from its serde names ([`ProviderSection`] serialised with unset
//! keys skipped); each type says which of them apply to it.

use std::sync::Arc;

use nextauth_core::providers::credentials::WebhookAuthorize;
use nextauth_core::providers::oauth::{Check, ClientAuth, ProfileMapping, ProviderStyle};
use nextauth_core::providers::{
    CredentialField, CredentialsProvider, EmailProvider, EmailTransport, LogTransport,
    OAuthProvider, Provider, ProviderKind, email, presets,
};
use nextauth_core::{ConfigError, Secret};

use super::file::ProviderSection;
use nextauth_sqlx::redact as redact_url;

/// Why a `[[providers]]` table does not make a provider. The text is what follows
/// "`providers[<i>]` from <source>: " in the configuration error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No `type`.
    #[error("`type` is missing (oidc, oauth, email or credentials)")]
    MissingType,
    /// A `type` that is not one of the four.
    #[error("`type` = {0:?}: use oidc, oauth, email or credentials")]
    UnknownType(String),
    /// A required key is not set; `hint` says what it is for.
    #[error("`{key}` is missing{hint}")]
    Missing {
        /// The key.
        key: &'static str,
        /// Text after "is missing" (empty or " (…)").
        hint: &'static str,
    },
    /// A key set on a type it does not belong to.
    #[error("`{key}` does not apply to a provider of type {kind:?}")]
    NotApplicable {
        /// The key.
        key: String,
        /// The table's `type`.
        kind: String,
    },
    /// `preset` with type `oidc`.
    #[error("`preset` goes with type \"oauth\"")]
    PresetNeedsOAuth,
    /// A `preset` that is not built in.
    #[error("unknown preset {name:?}; known presets: {known}")]
    UnknownPreset {
        /// The preset asked for.
        name: String,
        /// The built-in presets, comma-separated.
        known: String,
    },
    /// A `checks` entry that is not state, pkce, nonce or none.
    #[error("unknown check {0:?}: use state, pkce, nonce or none")]
    UnknownCheck(String),
    /// A `token_endpoint_auth_method` that is not supported.
    #[error(
        "`token_endpoint_auth_method` = {0:?}: use client_secret_basic, client_secret_post or none"
    )]
    UnknownClientAuth(String),
    /// A `server` that is not an SMTP URL (the password already `***`).
    #[error(
        "`server` = {0:?}: use smtp://[user:pass@]host:port (STARTTLS when offered), \
         smtp://…?tls=required, or smtps://host:port"
    )]
    NotSmtp(String),
    /// A `server` the SMTP transport refuses (the password already `***`).
    #[error("`server` = {server:?}: {source}")]
    Smtp {
        /// The redacted URL.
        server: String,
        /// The transport's complaint (never the password).
        source: ConfigError,
    },
    /// An `authorize_url` that is not http(s).
    #[error("`authorize_url` = {0:?}: must be an http(s) URL")]
    NotHttp(String),
}

/// The keys of a provider table that are neither `id`, `type` nor `name`, in field order, by
/// their serde names.
fn set_keys(s: &ProviderSection) -> Vec<String> {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(map)) => map
            .keys()
            .filter(|k| !matches!(k.as_str(), "id" | "type" | "name"))
            .cloned()
            .collect(),
        // A struct of options and maps of strings always serialises to an object.
        _ => Vec::new(),
    }
}

/// The keys an OAuth or OIDC provider takes (besides `id`, `type`, `name`).
const OAUTH_KEYS: &[&str] = &[
    "preset",
    "issuer",
    "client_id",
    "client_secret",
    "scope",
    "checks",
    "authorization_url",
    "token_url",
    "userinfo_url",
    "jwks_url",
    "id_token",
    "token_endpoint_auth_method",
    "authorization_params",
    "profile",
    "allow_dangerous_email_account_linking",
    "trusted_email",
    "refresh",
    "federated_logout",
    "backchannel_logout",
    "logo",
    "bg",
    "text",
];
/// The keys an email provider takes.
const EMAIL_KEYS: &[&str] = &["server", "from", "max_age", "confirm"];
/// The keys a credentials provider takes.
const CREDENTIALS_KEYS: &[&str] = &["authorize_url", "credentials"];

/// Builds one finished provider. `http` is the one outbound client (the credentials webhook
/// uses it; so do the IdP calls and every other provider).
/// `webhook_secret` signs the credentials webhook's requests.
pub(super) fn provider_from(
    s: ProviderSection,
    http: &reqwest::Client,
    webhook_secret: Option<&nextauth_core::webhook::WebhookSecret>,
) -> Result<Provider, ProviderError> {
    let kind = s.r#type.clone().ok_or(ProviderError::MissingType)?;
    let allowed = match kind.as_str() {
        "oidc" | "oauth" => OAUTH_KEYS,
        "email" => EMAIL_KEYS,
        "credentials" => CREDENTIALS_KEYS,
        other => return Err(ProviderError::UnknownType(other.to_string())),
    };
    if let Some(key) = set_keys(&s)
        .into_iter()
        .find(|k| !allowed.contains(&k.as_str()))
    {
        return Err(ProviderError::NotApplicable { key, kind });
    }
    match kind.as_str() {
        "email" => email_provider(s),
        "credentials" => credentials_provider(s, http, webhook_secret),
        _ => oauth_provider(s, &kind),
    }
}

fn oauth_provider(s: ProviderSection, kind: &str) -> Result<Provider, ProviderError> {
    let client_id = s.client_id.clone().ok_or(ProviderError::Missing {
        key: "client_id",
        hint: "",
    })?;
    let client_secret = Secret::new(s.client_secret.clone().unwrap_or_default());
    let (default_id, mut o) = if let Some(name) = &s.preset {
        if kind == "oidc" {
            return Err(ProviderError::PresetNeedsOAuth);
        }
        presets::preset(name, &client_id, client_secret.clone()).ok_or_else(|| {
            ProviderError::UnknownPreset {
                name: name.clone(),
                known: presets::names().join(", "),
            }
        })?
    } else if kind == "oidc" {
        let issuer = s.issuer.clone().ok_or(ProviderError::Missing {
            key: "issuer",
            hint: " (type oidc)",
        })?;
        (
            "oidc".to_string(),
            OAuthProvider::oidc(issuer, client_id.clone(), client_secret.clone()),
        )
    } else {
        let mut o = OAuthProvider::oidc(String::new(), client_id.clone(), client_secret.clone());
        o.issuer = None;
        o.id_token = false;
        o.scope = None;
        o.checks = vec![Check::State];
        o.profile = ProfileMapping {
            id: "id".into(),
            name: Some("name".into()),
            email: Some("email".into()),
            image: Some("image".into()),
        };
        ("oauth".to_string(), o)
    };
    if let Some(v) = s.issuer {
        o.issuer = Some(v);
    }
    o.authorization_url = s.authorization_url.or(o.authorization_url);
    o.token_url = s.token_url.or(o.token_url);
    o.userinfo_url = s.userinfo_url.or(o.userinfo_url);
    o.jwks_url = s.jwks_url.or(o.jwks_url);
    if let Some(v) = s.scope {
        o.scope = Some(v);
    }
    if let Some(v) = s.id_token {
        o.id_token = v;
    }
    if let Some(checks) = s.checks {
        o.checks = checks
            .iter()
            .filter(|c| c.as_str() != "none")
            .map(|c| Check::parse(c).ok_or_else(|| ProviderError::UnknownCheck(c.clone())))
            .collect::<Result<_, _>>()?;
    }
    if let Some(m) = s.token_endpoint_auth_method {
        o.client_auth =
            Some(ClientAuth::parse(&m).ok_or_else(|| ProviderError::UnknownClientAuth(m.clone()))?);
    }
    o.authorization_params.extend(s.authorization_params);
    if let Some(p) = s.profile {
        o.profile = ProfileMapping {
            id: p.id.unwrap_or(o.profile.id),
            name: p.name.or(o.profile.name),
            email: p.email.or(o.profile.email),
            image: p.image.or(o.profile.image),
        };
    }
    if let Some(v) = s.allow_dangerous_email_account_linking {
        o.allow_dangerous_email_account_linking = v;
    }
    o.refresh = s.refresh.unwrap_or(false);
    o.federated_logout = s.federated_logout.unwrap_or(false);
    if let Some(v) = s.backchannel_logout {
        o.backchannel_logout = v;
    }
    if s.logo.is_some() || s.bg.is_some() || s.text.is_some() {
        o.style = ProviderStyle {
            logo: s.logo.or(o.style.logo),
            bg: s.bg.or(o.style.bg),
            text: s.text.or(o.style.text),
        };
    }
    let id = s.id.unwrap_or(default_id);
    let name = s
        .name
        .or_else(|| {
            s.preset
                .as_deref()
                .and_then(presets::display_name)
                .map(str::to_string)
        })
        .unwrap_or_else(|| id.clone());
    Ok(Provider {
        id,
        name,
        kind: ProviderKind::OAuth(Box::new(o)),
    })
}

/// The email provider with its transport: SMTP for `server`, log mode without.
fn email_provider(s: ProviderSection) -> Result<Provider, ProviderError> {
    let transport: Arc<dyn EmailTransport> = match &s.server {
        None => Arc::new(LogTransport),
        Some(server) => {
            if !(server.starts_with("smtp://") || server.starts_with("smtps://")) {
                return Err(ProviderError::NotSmtp(redact_url(server)));
            }
            // The provider's own `from` goes into each mail, so none is fixed here.
            let smtp = nextauth_smtp::SmtpTransport::from_url(server, None).map_err(|source| {
                ProviderError::Smtp {
                    server: redact_url(server),
                    source,
                }
            })?;
            tracing::info!(server = %smtp.describe(), "email provider sends mail over SMTP");
            Arc::new(smtp)
        }
    };
    let mut e = EmailProvider {
        transport,
        ..EmailProvider::default()
    };
    if let Some(from) = s.from {
        e.from = from;
    }
    e.max_age = s.max_age.unwrap_or(email::DEFAULT_MAX_AGE);
    e.confirm = s.confirm.unwrap_or(false);
    Ok(Provider {
        id: s.id.unwrap_or_else(|| "email".into()),
        name: s.name.unwrap_or_else(|| "Email".into()),
        kind: ProviderKind::Email(e),
    })
}

/// The credentials provider, checked by its webhook over the shared client.
fn credentials_provider(
    s: ProviderSection,
    http: &reqwest::Client,
    webhook_secret: Option<&nextauth_core::webhook::WebhookSecret>,
) -> Result<Provider, ProviderError> {
    let url = s.authorize_url.ok_or(ProviderError::Missing {
        key: "authorize_url",
        hint: " (the webhook that checks credentials)",
    })?;
    match url::Url::parse(&url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        _ => return Err(ProviderError::NotHttp(url)),
    }
    let fields: Vec<CredentialField> = s
        .credentials
        .into_iter()
        .map(|(name, f)| CredentialField {
            name,
            label: f.label,
            input_type: f.r#type,
            placeholder: f.placeholder,
        })
        .collect();
    let names = fields.iter().map(|f| f.name.clone()).collect();
    Ok(Provider {
        id: s.id.unwrap_or_else(|| "credentials".into()),
        name: s.name.unwrap_or_else(|| "Credentials".into()),
        kind: ProviderKind::Credentials(CredentialsProvider {
            fields,
            authorize: Arc::new(
                WebhookAuthorize::new(url, names, http.clone()).signed(webhook_secret.cloned()),
            ),
        }),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn set_keys_follow_the_serde_names_in_field_order() {
        let s: ProviderSection = toml::from_str(
            "id = \"x\"\ntype = \"email\"\nserver = \"smtp://h\"\nissuer = \"i\"\n[authorization_params]\n",
        )
        .unwrap();
        assert_eq!(set_keys(&s), ["issuer", "server"]);
    }

    fn build(toml_text: &str) -> Result<Provider, ProviderError> {
        let s: ProviderSection = toml::from_str(toml_text).unwrap();
        provider_from(s, &reqwest::Client::new(), None)
    }

    fn oauth(p: &Provider) -> &OAuthProvider {
        let ProviderKind::OAuth(o) = &p.kind else {
            unreachable!("not an OAuth provider")
        };
        o
    }

    const OIDC: &str = "type = \"oidc\"\nissuer = \"https://idp.example\"\nclient_id = \"c\"\n";

    #[test]
    fn refresh_and_federated_logout_are_oauth_keys() {
        let p = build(OIDC).unwrap();
        assert!(!oauth(&p).refresh && !oauth(&p).federated_logout && !oauth(&p).keeps_tokens());
        let p = build(&format!("{OIDC}refresh = true\n")).unwrap();
        assert!(oauth(&p).refresh && oauth(&p).keeps_tokens());
        let p = build(&format!("{OIDC}federated_logout = true\n")).unwrap();
        assert!(oauth(&p).federated_logout && oauth(&p).keeps_tokens());
        let p = build("type = \"oauth\"\npreset = \"github\"\nclient_id = \"c\"\nrefresh = true\n")
            .unwrap();
        assert!(oauth(&p).refresh);
        // On another type: an error naming the key.
        for key in ["refresh", "federated_logout", "backchannel_logout"] {
            let e = build(&format!("type = \"email\"\n{key} = true\n")).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("`{key}` does not apply to a provider of type \"email\"")
            );
        }
        // A misspelt key stays an error (serde's, at parse time).
        assert!(
            toml::from_str::<ProviderSection>(&format!("{OIDC}federated_logut = true\n")).is_err()
        );
    }

    #[test]
    fn backchannel_logout_is_an_oauth_key() {
        assert!(build(&format!("{OIDC}backchannel_logout = true\n")).is_ok());
        assert!(build(&format!("{OIDC}backchannel_logout = false\n")).is_ok());
    }
}
