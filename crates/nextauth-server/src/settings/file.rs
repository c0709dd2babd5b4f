//! The TOML file: its structs, exactly the keys the file may hold, and [`parse_file`].
//!
//! Unknown keys are serde errors (`deny_unknown_fields`), so a typo cannot silently do nothing;
//! `toml` keeps the order of tables, so credential fields keep the order they were written in.
//! The environment pass ([`super::env`]) writes its values into these same structs, so what follows
//! reads one merged value per key.

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::source::SettingsError;

/// The TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub(super) url: Option<String>,
    pub(super) secret: Option<SecretSetting>,
    pub(super) listen: Option<String>,
    /// The reverse proxies whose forwarded headers are believed (addresses or CIDR networks).
    pub(super) trusted_proxies: Option<Vec<String>>,
    #[serde(default)]
    pub(super) session: SessionSection,
    #[serde(default)]
    pub(super) database: DatabaseSection,
    #[serde(default)]
    pub(super) theme: ThemeSection,
    #[serde(default)]
    pub(super) pages: PagesSection,
    #[serde(default)]
    pub(super) providers: Vec<ProviderSection>,
    #[serde(default)]
    pub(super) server: ServerSection,
    #[serde(default)]
    pub(super) callbacks: CallbacksSection,
    #[serde(default)]
    pub(super) events: EventsSection,
    // --- rate limits (issue 14 part 3) ---
    #[serde(default)]
    pub(super) rate_limit: RateLimitSection,
    // --- end rate limits ---
    // --- forward-auth and shared cookies (settings/forward_auth.rs) ---
    /// `cookie_domain`: the session and callback-url cookies' `Domain`.
    pub(super) cookie_domain: Option<String>,
    /// `[forward_auth]`: the hosts forward-auth protects and its rules.
    pub(super) forward_auth: Option<ForwardAuthSection>,
    // --- end forward-auth ---
    #[serde(default)]
    pub(super) ops: OpsSection,
}

/// `[ops]`: the operations listener (`/healthz`, `/readyz`, `/metrics`) and the log format
/// ([`super::ops`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpsSection {
    pub(super) listen: Option<String>,
    pub(super) log_format: Option<String>,
}

// --- forward-auth (settings/forward_auth.rs) ---

/// `[forward_auth]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForwardAuthSection {
    /// Hosts it protects and may send users back to (`app.example.com`, `*.example.com`).
    #[serde(default)]
    pub(super) allowed_hosts: Vec<String>,
    /// `[[forward_auth.rules]]`, first match wins.
    #[serde(default)]
    pub(super) rules: Vec<ForwardAuthRuleSection>,
}

/// One `[[forward_auth.rules]]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForwardAuthRuleSection {
    pub(super) host: Option<String>,
    #[serde(default)]
    pub(super) allowed_emails: Vec<String>,
    #[serde(default)]
    pub(super) allowed_email_domains: Vec<String>,
    #[serde(default)]
    pub(super) groups: Vec<String>,
}

// --- end forward-auth ---

/// `[callbacks]`: v4's callbacks as policies and webhooks ([`super::callbacks`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallbacksSection {
    /// signIn: these addresses may sign in.
    #[serde(default)]
    pub(super) allowed_emails: Vec<String>,
    /// signIn: addresses at these domains (`*.example.com` for subdomains).
    #[serde(default)]
    pub(super) allowed_email_domains: Vec<String>,
    /// The signIn webhook.
    pub(super) sign_in_url: Option<String>,
    /// The jwt webhook (at sign-in and on update()).
    pub(super) claims_url: Option<String>,
    /// redirect: origins besides the base URL's.
    #[serde(default)]
    pub(super) redirect_allow: Vec<String>,
    /// Signs every outgoing webhook (Standard Webhooks).
    pub(super) webhook_secret: Option<String>,
    /// jwt at sign-in: token claim = profile field (dotted path).
    #[serde(default)]
    pub(super) profile_claims: IndexMap<String, String>,
}

/// `[events]`: where the v4 events go, and the retry schedule (seconds, fractions allowed).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EventsSection {
    pub(super) url: Option<String>,
    pub(super) retry_base: Option<f64>,
    pub(super) max_backoff: Option<f64>,
}

/// `[server]`: connection limits (seconds may have a fraction).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServerSection {
    pub(super) header_read_timeout: Option<f64>,
    pub(super) body_read_timeout: Option<f64>,
    pub(super) keep_alive_timeout: Option<f64>,
    pub(super) shutdown_timeout: Option<f64>,
    pub(super) max_connections: Option<u64>,
}

// --- rate limits (issue 14 part 3) ---

/// `[rate_limit]`: on by default; each rate is `"N/<number><unit>"` (units s, m, h, d).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RateLimitSection {
    /// `false` turns every limit off.
    pub(super) enabled: Option<bool>,
    /// `memory`, `database` or a `redis://…` URL.
    pub(super) store: Option<String>,
    #[serde(default)]
    pub(super) credentials: CredentialsLimitSection,
    #[serde(default)]
    pub(super) email: EmailLimitSection,
    #[serde(default)]
    pub(super) oauth: OAuthLimitSection,
}

/// `[rate_limit] credentials = { per_ip, per_identifier }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CredentialsLimitSection {
    pub(super) per_ip: Option<String>,
    pub(super) per_identifier: Option<String>,
}

/// `[rate_limit] email = { per_ip, per_address }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailLimitSection {
    pub(super) per_ip: Option<String>,
    pub(super) per_address: Option<String>,
}

/// `[rate_limit] oauth = { per_ip }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OAuthLimitSection {
    pub(super) per_ip: Option<String>,
}

// --- end rate limits ---

/// `secret`: one string, or a list (newest first) for rotation.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum SecretSetting {
    One(String),
    Many(Vec<String>),
}

/// `[session]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SessionSection {
    pub(super) strategy: Option<String>,
    pub(super) max_age: Option<i64>,
    pub(super) update_age: Option<i64>,
    pub(super) jwt_max_age: Option<i64>,
    /// JWT sessions: a signed-out session's copies are refused too.
    pub(super) revoke_on_signout: Option<bool>,
    /// Session JSON path → token claim, e.g. `"user.id" = "sub"`.
    #[serde(default)]
    pub(super) expose: IndexMap<String, String>,
}

/// `[database]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseSection {
    pub(super) url: Option<String>,
    /// `pg-adapter` (default), `prisma`, `drizzle`: whose tables ([`nextauth_sqlx::Layout`]).
    pub(super) layout: Option<String>,
    /// Create missing tables (`true`) or only check them (`false`).
    pub(super) migrate: Option<bool>,
    /// PostgreSQL: how long a database session is kept in memory (`"5s"`, `"500ms"`; `"0s"`:
    /// off). See [`super::Settings::session_cache`].
    pub(super) session_cache: Option<String>,
}

/// `[theme]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ThemeSection {
    pub(super) color_scheme: Option<String>,
    pub(super) brand_color: Option<String>,
    pub(super) logo: Option<String>,
    pub(super) button_text: Option<String>,
}

/// `[pages]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PagesSection {
    pub(super) sign_in: Option<String>,
    pub(super) sign_out: Option<String>,
    pub(super) error: Option<String>,
    pub(super) verify_request: Option<String>,
    pub(super) new_user: Option<String>,
    /// Issue 16: the pages' locale when the request names none we have.
    pub(super) default_locale: Option<String>,
    /// Issue 16: operator catalogues, `<dir>/<lang>/nextauth.ftl`.
    pub(super) locales_dir: Option<std::path::PathBuf>,
    /// Issue 16: operator templates replacing built-in ones by file name.
    pub(super) templates_dir: Option<std::path::PathBuf>,
}

/// One `[[providers]]` table. One flat shape for every type, so that a key that does not belong
/// to the type gets a precise error instead of serde's "unknown variant".
///
/// `Serialize` (unset keys skipped) gives the list of keys a table sets, by their serde names:
/// that is how [`super::providers`] finds a key that does not apply to the type, with no second
/// list of the fields to keep in step.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProviderSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
    // oidc / oauth
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) preset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) checks: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) authorization_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) token_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) userinfo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) jwks_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id_token: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) token_endpoint_auth_method: Option<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub(super) authorization_params: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) profile: Option<ProfileSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) allow_dangerous_email_account_linking: Option<bool>,
    /// Its e-mail addresses count as verified without `email_verified` (`[callbacks]` policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) trusted_email: Option<bool>,
    /// Keep the sign-in's tokens (JWT sessions: in the session JWE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) refresh: Option<bool>,
    /// Sign-out also ends the IdP session (OIDC RP-Initiated Logout 1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) federated_logout: Option<bool>,
    /// Accept its logout tokens at `POST {base}/backchannel-logout/<id>` (OIDC Back-Channel
    /// Logout 1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) backchannel_logout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) logo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) bg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) text: Option<String>,
    // email
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_age: Option<i64>,
    /// The link opens a "Continue" page; only its POST signs in (mail scanners spend nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) confirm: Option<bool>,
    // credentials
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) authorize_url: Option<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub(super) credentials: IndexMap<String, FieldSection>,
}

/// `profile = { id = …, name = …, email = …, image = … }` of an OAuth provider.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileSection {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) image: Option<String>,
}

/// `[providers.credentials.<name>]`: one field of the credentials form.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldSection {
    pub(super) label: Option<String>,
    pub(super) r#type: Option<String>,
    pub(super) placeholder: Option<String>,
}

/// Parses a TOML configuration; `path` only names the file in the error.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, SettingsError> {
    toml::from_str(text).map_err(|e| SettingsError(format!("config file {}: {e}", path.display())))
}
