//! Configuration of the `nextauth` server: a TOML file, overridden by environment variables.
//!
//! Precedence: environment > file > defaults. Every error names the value and where it came from
//! ("`url` from env NEXTAUTH_URL: …"). The TOML is read with `toml` (order-preserving, so
//! credential fields keep the order they were written in) and unknown keys are errors, so a typo
//! cannot silently do nothing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use nextauth_core::Secret;
use nextauth_core::callbacks::ExposeClaims;
use nextauth_core::config::{AuthConfig, BaseUrl, ColorScheme, Pages, SessionStrategy, Theme};
use nextauth_core::providers::credentials::WebhookAuthorize;
use nextauth_core::providers::oauth::{Check, ClientAuth, ProfileMapping, ProviderStyle};
use nextauth_core::providers::{
    CredentialField, CredentialsProvider, EmailProvider, LogTransport, OAuthProvider, Provider,
    ProviderKind, email, presets,
};
use serde::Deserialize;

/// Where a value came from, for error messages and `nextauth check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File(PathBuf),
    /// The built-in default.
    Default,
    /// Generated at startup (the embedded default's secret).
    Generated(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(v) => write!(f, "env {v}"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Default => f.write_str("default"),
            Source::Generated(p) => write!(f, "generated into {}", p.display()),
        }
    }
}

/// A configuration error that names the value and its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

fn err(key: &str, source: &Source, msg: impl fmt::Display) -> SettingsError {
    SettingsError(format!("`{key}` from {source}: {msg}"))
}

/// The TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    url: Option<String>,
    secret: Option<SecretSetting>,
    listen: Option<String>,
    #[serde(default)]
    session: SessionSection,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    theme: ThemeSection,
    #[serde(default)]
    pages: PagesSection,
    #[serde(default)]
    providers: Vec<ProviderSection>,
    #[serde(default)]
    server: ServerSection,
}

/// `[server]`: connection limits (seconds may have a fraction).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    header_read_timeout: Option<f64>,
    body_read_timeout: Option<f64>,
    keep_alive_timeout: Option<f64>,
    shutdown_timeout: Option<f64>,
    max_connections: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SecretSetting {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionSection {
    strategy: Option<String>,
    max_age: Option<i64>,
    update_age: Option<i64>,
    jwt_max_age: Option<i64>,
    /// Session JSON path → token claim, e.g. `"user.id" = "sub"`.
    #[serde(default)]
    expose: IndexMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeSection {
    color_scheme: Option<String>,
    brand_color: Option<String>,
    logo: Option<String>,
    button_text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PagesSection {
    sign_in: Option<String>,
    sign_out: Option<String>,
    error: Option<String>,
    verify_request: Option<String>,
    new_user: Option<String>,
}

/// One `[[providers]]` table. One flat shape for every type, so that a key that does not belong
/// to the type gets a precise error instead of serde's "unknown variant".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderSection {
    id: Option<String>,
    r#type: Option<String>,
    name: Option<String>,
    // oidc / oauth
    preset: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    checks: Option<Vec<String>>,
    authorization_url: Option<String>,
    token_url: Option<String>,
    userinfo_url: Option<String>,
    jwks_url: Option<String>,
    id_token: Option<bool>,
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    authorization_params: IndexMap<String, String>,
    profile: Option<ProfileSection>,
    allow_dangerous_email_account_linking: Option<bool>,
    logo: Option<String>,
    bg: Option<String>,
    text: Option<String>,
    // email
    server: Option<String>,
    from: Option<String>,
    max_age: Option<i64>,
    // credentials
    authorize_url: Option<String>,
    #[serde(default)]
    credentials: IndexMap<String, FieldSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileSection {
    id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    image: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSection {
    label: Option<String>,
    r#type: Option<String>,
    placeholder: Option<String>,
}

/// The environment, as a lookup function (tests pass a map instead of touching the process env).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// Everything the server needs, resolved.
#[derive(Debug)]
pub struct Settings {
    /// The core configuration.
    pub auth: AuthConfig,
    /// `[session.expose]`.
    pub expose: Vec<(String, String)>,
    /// Address to bind.
    pub listen: String,
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: String,
    /// Where each top-level value came from.
    pub sources: Vec<(&'static str, Source)>,
    /// The configuration file, if any.
    pub file: Option<PathBuf>,
    /// Warnings to log at startup.
    pub warnings: Vec<String>,
    /// SMTP URLs of email providers, by provider id (log mode when absent).
    pub smtp: Vec<(String, String)>,
    /// `[server]`: timeouts and the connection cap.
    pub limits: crate::Limits,
}

/// Default SQLite database of the embedded default.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/nextauth.db";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

/// Loads the configuration: `config` (from `--config`) or `NEXTAUTH_CONFIG` names the file; with
/// neither, the embedded default (email in log mode, a generated secret kept beside the database).
pub fn load(config: Option<&Path>, env: Env<'_>) -> Result<Settings, SettingsError> {
    let (path, file_source) = match (config, env("NEXTAUTH_CONFIG")) {
        (Some(p), _) => (Some(p.to_path_buf()), "--config"),
        (None, Some(p)) => (Some(PathBuf::from(p)), "env NEXTAUTH_CONFIG"),
        (None, None) => (None, ""),
    };
    let file = match &path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                SettingsError(format!(
                    "config file {} (from {file_source}): {e}",
                    p.display()
                ))
            })?;
            parse_file(&text, p)?
        }
        None => FileConfig::default(),
    };
    resolve(file, path, env)
}

/// Parses a TOML configuration.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, SettingsError> {
    toml::from_str(text).map_err(|e| SettingsError(format!("config file {}: {e}", path.display())))
}

/// Applies the environment and defaults to a parsed file.
pub fn resolve(
    file: FileConfig,
    path: Option<PathBuf>,
    env: Env<'_>,
) -> Result<Settings, SettingsError> {
    let file_src = || match &path {
        Some(p) => Source::File(p.clone()),
        None => Source::Default,
    };
    let embedded = path.is_none();
    let mut sources = Vec::new();
    let mut warnings = Vec::new();

    let pick = |var: &'static str, from_file: Option<String>| -> Option<(String, Source)> {
        env(var)
            .map(|v| (v, Source::Env(var)))
            .or_else(|| from_file.map(|v| (v, file_src())))
    };

    // url
    let (url, url_src) = pick("NEXTAUTH_URL", file.url)
        .unwrap_or_else(|| ("http://localhost:3000/api/auth".into(), Source::Default));
    let base = BaseUrl::parse(Some(&url)).map_err(|e| err("url", &url_src, e))?;
    sources.push(("url", url_src));

    // listen
    let (listen, listen_src) = pick("NEXTAUTH_LISTEN", file.listen)
        .unwrap_or_else(|| (DEFAULT_LISTEN.into(), Source::Default));
    if listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(err(
            "listen",
            &listen_src,
            format!("{listen:?} is not an address like 127.0.0.1:3000"),
        ));
    }
    sources.push(("listen", listen_src));

    // database
    let (database_url, db_src) = pick("DATABASE_URL", file.database.url)
        .unwrap_or_else(|| (DEFAULT_DATABASE_URL.into(), Source::Default));
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        return Err(err(
            "database.url",
            &db_src,
            "must start with sqlite: or postgres://",
        ));
    }
    sources.push(("database.url", db_src));

    let limits = server_limits(&file.server, &file_src, env, &mut sources)?;

    // secret(s)
    let secret_file = env("NEXTAUTH_SECRET_FILE");
    let (secrets, secret_src): (Vec<String>, Source) = if let Some(v) = env("NEXTAUTH_SECRET") {
        (split_secrets(&v), Source::Env("NEXTAUTH_SECRET"))
    } else if let Some(f) = secret_file {
        let src = Source::Env("NEXTAUTH_SECRET_FILE");
        let text = std::fs::read_to_string(&f)
            .map_err(|e| err("secret", &src, format!("reading {f}: {e}")))?;
        (split_secrets(text.trim()), src)
    } else {
        match file.secret {
            Some(SecretSetting::One(s)) => (vec![s], file_src()),
            Some(SecretSetting::Many(v)) => (v, file_src()),
            None if embedded => {
                let path = secret_path_for(&database_url);
                let s = generated_secret(&path)
                    .map_err(|e| err("secret", &Source::Generated(path.clone()), e))?;
                warnings.push(format!(
                    "NO SECRET CONFIGURED: using a generated secret kept in {}. Anyone who can read \
                     that file can forge sessions. Set NEXTAUTH_SECRET for anything but local development.",
                    path.display()
                ));
                (vec![s], Source::Generated(path))
            }
            None => {
                return Err(SettingsError(
                    "`secret` is missing: set NEXTAUTH_SECRET (or NEXTAUTH_SECRET_FILE, or `secret` in the \
                     config file); generate one with `openssl rand -base64 32`"
                        .into(),
                ));
            }
        }
    };
    if secrets.is_empty() || secrets.iter().any(String::is_empty) {
        return Err(err("secret", &secret_src, "must not be empty"));
    }
    sources.push(("secret", secret_src));

    let mut auth = AuthConfig::new(base, Secret::new(secrets[0].clone()));
    auth.secrets = secrets.into_iter().map(Secret::new).collect();

    // session
    let fsrc = file_src();
    let s = file.session;
    if let Some(strategy) = s.strategy {
        auth.session.strategy = match strategy.as_str() {
            "jwt" => SessionStrategy::Jwt,
            "database" => SessionStrategy::Database,
            other => {
                return Err(err(
                    "session.strategy",
                    &fsrc,
                    format!("{other:?}: use \"jwt\" or \"database\""),
                ));
            }
        };
    }
    if let Some(v) = s.max_age {
        auth.session.max_age = v;
    }
    if let Some(v) = s.update_age {
        auth.session.update_age = v;
    }
    if let Some(v) = s.jwt_max_age {
        auth.session.jwt_max_age = v;
    }
    let expose: Vec<(String, String)> = s.expose.into_iter().collect();

    // theme and pages
    let t = file.theme;
    auth.theme = Theme {
        color_scheme: match t.color_scheme.as_deref() {
            None => ColorScheme::Auto,
            Some(v) => ColorScheme::parse(v).ok_or_else(|| {
                err(
                    "theme.color_scheme",
                    &fsrc,
                    format!("{v:?}: use auto, light or dark"),
                )
            })?,
        },
        brand_color: t.brand_color,
        logo: t.logo,
        button_text: t.button_text,
    };
    let p = file.pages;
    auth.pages = Pages {
        sign_in: p.sign_in,
        sign_out: p.sign_out,
        error: p.error,
        verify_request: p.verify_request,
        new_user: p.new_user,
    };

    // providers
    let http =
        nextauth_core::handler::default_http_client().map_err(|e| SettingsError(e.to_string()))?;
    let mut smtp = Vec::new();
    let sections = if embedded && file.providers.is_empty() {
        vec![ProviderSection {
            r#type: Some("email".into()),
            ..ProviderSection::default()
        }]
    } else {
        file.providers
    };
    for (i, section) in sections.into_iter().enumerate() {
        let (provider, smtp_url) = provider_from(section, &http)
            .map_err(|e| SettingsError(format!("`providers[{i}]` from {fsrc}: {e}")))?;
        if let Some(url) = smtp_url {
            smtp.push((provider.id.clone(), url));
        }
        auth.providers.push(provider);
    }
    auth.validate()
        .map_err(|e| SettingsError(format!("configuration ({fsrc}): {e}")))?;
    warnings.extend(auth.warnings());

    Ok(Settings {
        auth,
        expose,
        listen,
        database_url,
        sources,
        file: path,
        warnings,
        smtp,
        limits,
    })
}

/// `[server]` and its `NEXTAUTH_*` variables, over [`crate::Limits::default`].
fn server_limits(
    file: &ServerSection,
    file_src: &dyn Fn() -> Source,
    env: Env<'_>,
    sources: &mut Vec<(&'static str, Source)>,
) -> Result<crate::Limits, SettingsError> {
    let mut limits = crate::Limits::default();
    let timeouts: [(
        &'static str,
        &'static str,
        Option<f64>,
        &mut std::time::Duration,
    ); 4] = [
        (
            "server.header_read_timeout",
            "NEXTAUTH_HEADER_READ_TIMEOUT",
            file.header_read_timeout,
            &mut limits.header_read_timeout,
        ),
        (
            "server.body_read_timeout",
            "NEXTAUTH_BODY_READ_TIMEOUT",
            file.body_read_timeout,
            &mut limits.body_read_timeout,
        ),
        (
            "server.keep_alive_timeout",
            "NEXTAUTH_KEEP_ALIVE_TIMEOUT",
            file.keep_alive_timeout,
            &mut limits.keep_alive_timeout,
        ),
        (
            "server.shutdown_timeout",
            "NEXTAUTH_SHUTDOWN_TIMEOUT",
            file.shutdown_timeout,
            &mut limits.shutdown_timeout,
        ),
    ];
    for (key, var, from_file, slot) in timeouts {
        let (value, src) = match (env(var), from_file) {
            (Some(v), _) => {
                let src = Source::Env(var);
                let n = v
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| err(key, &src, format!("{v:?} is not a number of seconds")))?;
                (n, src)
            }
            (None, Some(n)) => (n, file_src()),
            (None, None) => {
                sources.push((key, Source::Default));
                continue;
            }
        };
        // At most a day: longer is no bound at all, and keeps `Instant + timeout` in range.
        match std::time::Duration::try_from_secs_f64(value) {
            Ok(d) if !d.is_zero() && d.as_secs() <= 86_400 => *slot = d,
            _ => {
                return Err(err(
                    key,
                    &src,
                    format!("{value} is not a number of seconds between 0 (excluded) and 86400"),
                ));
            }
        }
        sources.push((key, src));
    }
    let key = "server.max_connections";
    let var = "NEXTAUTH_MAX_CONNECTIONS";
    let max = match (env(var), file.max_connections) {
        (Some(v), _) => Some((v.trim().parse::<u64>().ok(), v, Source::Env(var))),
        (None, Some(n)) => Some((Some(n), n.to_string(), file_src())),
        (None, None) => None,
    };
    match max {
        Some((Some(n), _, src)) if (1..=1_000_000).contains(&n) => {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
            sources.push((key, src));
        }
        Some((_, raw, src)) => {
            return Err(err(
                key,
                &src,
                format!("{raw:?} is not a whole number between 1 and 1000000"),
            ));
        }
        None => sources.push((key, Source::Default)),
    }
    Ok(limits)
}

/// `NEXTAUTH_SECRET` may list several secrets, newest first, separated by commas (rotation).
fn split_secrets(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_string()).collect()
}

/// The generated secret lives beside the SQLite database (`data/nextauth.db` →
/// `data/nextauth.secret`); with another database, in `data/`.
fn secret_path_for(database_url: &str) -> PathBuf {
    let db = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p).to_string());
    match db {
        Some(p) if !p.is_empty() && p != ":memory:" => Path::new(&p).with_extension("secret"),
        _ => PathBuf::from("data/nextauth.secret"),
    }
}

/// Reads the generated secret, or creates it (0600) on first start.
fn generated_secret(path: &Path) -> Result<String, String> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let secret = hex::encode(bytes);
    write_private(path, &secret).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

fn provider_from(
    s: ProviderSection,
    http: &reqwest::Client,
) -> Result<(Provider, Option<String>), String> {
    let kind = s
        .r#type
        .clone()
        .ok_or("`type` is missing (oidc, oauth, email or credentials)")?;
    let only = |allowed: &[&str]| -> Result<(), String> {
        let present: Vec<(&str, bool)> = vec![
            ("preset", s.preset.is_some()),
            ("issuer", s.issuer.is_some()),
            ("client_id", s.client_id.is_some()),
            ("client_secret", s.client_secret.is_some()),
            ("scope", s.scope.is_some()),
            ("checks", s.checks.is_some()),
            ("authorization_url", s.authorization_url.is_some()),
            ("token_url", s.token_url.is_some()),
            ("userinfo_url", s.userinfo_url.is_some()),
            ("jwks_url", s.jwks_url.is_some()),
            ("id_token", s.id_token.is_some()),
            (
                "token_endpoint_auth_method",
                s.token_endpoint_auth_method.is_some(),
            ),
            ("authorization_params", !s.authorization_params.is_empty()),
            ("profile", s.profile.is_some()),
            (
                "allow_dangerous_email_account_linking",
                s.allow_dangerous_email_account_linking.is_some(),
            ),
            ("logo", s.logo.is_some()),
            ("bg", s.bg.is_some()),
            ("text", s.text.is_some()),
            ("server", s.server.is_some()),
            ("from", s.from.is_some()),
            ("max_age", s.max_age.is_some()),
            ("authorize_url", s.authorize_url.is_some()),
            ("credentials", !s.credentials.is_empty()),
        ];
        for (key, set) in present {
            if set && !allowed.contains(&key) {
                return Err(format!(
                    "`{key}` does not apply to a provider of type {kind:?}"
                ));
            }
        }
        Ok(())
    };
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
        "logo",
        "bg",
        "text",
    ];
    match kind.as_str() {
        "oidc" | "oauth" => {
            only(OAUTH_KEYS)?;
            let client_id = s.client_id.clone().ok_or("`client_id` is missing")?;
            let client_secret = Secret::new(s.client_secret.clone().unwrap_or_default());
            let (default_id, mut o) = if let Some(name) = &s.preset {
                if kind == "oidc" {
                    return Err("`preset` goes with type \"oauth\"".into());
                }
                presets::preset(name, &client_id, client_secret.clone()).ok_or_else(|| {
                    format!(
                        "unknown preset {name:?}; known presets: {}",
                        presets::names().join(", ")
                    )
                })?
            } else if kind == "oidc" {
                let issuer = s.issuer.clone().ok_or("`issuer` is missing (type oidc)")?;
                (
                    "oidc".to_string(),
                    OAuthProvider::oidc(issuer, client_id.clone(), client_secret.clone()),
                )
            } else {
                let mut o =
                    OAuthProvider::oidc(String::new(), client_id.clone(), client_secret.clone());
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
                    .map(|c| {
                        Check::parse(c).ok_or(format!(
                            "unknown check {c:?}: use state, pkce, nonce or none"
                        ))
                    })
                    .collect::<Result<_, _>>()?;
            }
            if let Some(m) = s.token_endpoint_auth_method {
                o.client_auth = Some(ClientAuth::parse(&m).ok_or(format!(
                    "`token_endpoint_auth_method` = {m:?}: use client_secret_basic, client_secret_post or none"
                ))?);
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
            Ok((
                Provider {
                    id,
                    name,
                    kind: ProviderKind::OAuth(Box::new(o)),
                },
                None,
            ))
        }
        "email" => {
            only(&["server", "from", "max_age"])?;
            let mut e = EmailProvider {
                transport: Arc::new(LogTransport),
                ..EmailProvider::default()
            };
            if let Some(from) = s.from {
                e.from = from;
            }
            e.max_age = s.max_age.unwrap_or(email::DEFAULT_MAX_AGE);
            if let Some(server) = &s.server {
                let ok = server.starts_with("smtp://") || server.starts_with("smtps://");
                if !ok {
                    return Err(format!(
                        "`server` = {:?}: use smtp://[user:pass@]host:port (STARTTLS when offered), \
                         smtp://…?tls=required, or smtps://host:port",
                        redact_url(server)
                    ));
                }
            }
            let id = s.id.unwrap_or_else(|| "email".into());
            let name = s.name.unwrap_or_else(|| "Email".into());
            Ok((
                Provider {
                    id,
                    name,
                    kind: ProviderKind::Email(e),
                },
                s.server,
            ))
        }
        "credentials" => {
            only(&["authorize_url", "credentials"])?;
            let url = s
                .authorize_url
                .ok_or("`authorize_url` is missing (the webhook that checks credentials)")?;
            match url::Url::parse(&url) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
                _ => return Err(format!("`authorize_url` = {url:?}: must be an http(s) URL")),
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
            let id = s.id.unwrap_or_else(|| "credentials".into());
            let name = s.name.unwrap_or_else(|| "Credentials".into());
            Ok((
                Provider {
                    id,
                    name,
                    kind: ProviderKind::Credentials(CredentialsProvider {
                        fields,
                        authorize: Arc::new(WebhookAuthorize::new(url, names, http.clone())),
                    }),
                },
                None,
            ))
        }
        other => Err(format!(
            "`type` = {other:?}: use oidc, oauth, email or credentials"
        )),
    }
}

/// A database or SMTP URL with its password replaced by `***`, for logs and `nextauth check`
/// (one implementation, the storage crate's).
pub use nextauth_sqlx::redact as redact_url;

impl Settings {
    /// The declarative session callback, when `[session.expose]` is set.
    pub fn callbacks(&self) -> Option<Arc<ExposeClaims>> {
        (!self.expose.is_empty()).then(|| {
            Arc::new(ExposeClaims {
                fields: self.expose.clone(),
            })
        })
    }
}
