//! Configuration of the `nextauth` server: a TOML file, overridden by environment variables,
//! resolved in one pass into [`Settings`] (finished providers, one HTTP client, validated once).
//!
//! Precedence: environment > file > defaults. Every error names the value and where it came from
//! ("`url` from env NEXTAUTH_URL: …").
//!
//! | file | what |
//! |---|---|
//! | [`file`] | the TOML structs (unknown keys are errors) and [`parse_file`] |
//! | [`env`] | the one table of environment variables ([`env::KEYS`]), which `nextauth check` lists too |
//! | [`providers`] | one `[[providers]]` table → one finished provider, with its transport |
//! | [`callbacks`] | `[callbacks]` and `[session.expose]`: policies and webhooks, checked once |
//! | [`ops`] | `[ops]`: the operations listener and the log format |
//! | [`rate_limit`] | `[rate_limit]`: the limits of the sign-in endpoints and their store |
//! | [`forward_auth`] | `cookie_domain` and `[forward_auth]` (allowed hosts, `[[forward_auth.rules]]`) |
//! | here | [`Settings`], [`Source`], [`SettingsError`], [`load`] and [`resolve`] |

pub mod callbacks;
pub mod env;
pub mod file;
pub mod forward_auth;
pub mod ops;
pub mod providers;
pub mod rate_limit;
mod source;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nextauth_core::config::{AuthConfig, BaseUrl, ColorScheme, Pages, SessionStrategy, Theme};
use nextauth_core::{Secret, ValidConfig};

pub use file::{FileConfig, parse_file};
use file::{ProviderSection, SecretSetting};
pub use source::{Env, SettingsError, Source, process_env};
use source::{MAX_CONNECTIONS, err, max_connections_error};

/// Everything the server needs, resolved and validated once.
#[derive(Debug)]
pub struct Settings {
    /// The core configuration, validated, with finished providers (e-mail transports and the
    /// credentials webhooks' client in place).
    pub auth: ValidConfig,
    /// `[callbacks]`, the providers' `trusted_email` and `[session.expose]`.
    pub callbacks: callbacks::CallbackSettings,
    /// Address to bind.
    pub listen: String,
    /// `url` is unset in a configuration file and `listen` is on port 0: the base URL takes the
    /// port bound at start ([`Settings::bound_to`]); until then it says port 0.
    pub base_awaits_bound_port: bool,
    /// Database URL (`sqlite://…`, `postgres://…` or `mysql://…`).
    pub database_url: String,
    /// `[database] layout` and `migrate`: whose tables, and whether missing ones are created.
    pub database: nextauth_sqlx::Options,
    /// `[database] session_cache`: on PostgreSQL, how long `GET session` of a database session
    /// may answer from this process's memory ([`nextauth_sqlx::SessionCache`], invalidated across
    /// instances by `LISTEN`/`NOTIFY`); zero: a query per request. Default
    /// [`DEFAULT_SESSION_CACHE`]; not used on SQLite (its read is in-process already).
    pub session_cache: std::time::Duration,
    /// Where each value of [`env::KEYS`] came from, in that table's order.
    pub sources: Vec<(&'static str, Source)>,
    /// The configuration file, if any.
    pub file: Option<PathBuf>,
    /// Warnings to log at startup.
    pub warnings: Vec<String>,
    /// `[server]`: timeouts and the connection cap.
    pub limits: crate::limits::Limits,
    /// `[events]`: the delivery of the durable events, when `url` is set.
    pub events: Option<nextauth_core::outbox::Delivery>,
    /// The one outbound HTTP client: credentials webhooks, IdP discovery, token and userinfo
    /// calls ([`nextauth_core::handler::default_http_client`]).
    pub http: reqwest::Client,
    /// `[ops]`: the operations listener (when set) and the log format.
    pub ops: ops::OpsSettings,
    // --- rate limits (issue 14 part 3) ---
    /// `rate_limit.store`: where the counters live (the limits are in `auth.rate_limits`).
    pub rate_limit_store: rate_limit::RateLimitStoreSetting,
    // --- end rate limits ---
}

/// Default of `[database] session_cache`.
pub const DEFAULT_SESSION_CACHE: std::time::Duration = std::time::Duration::from_secs(5);

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

/// Applies the environment ([`env::apply`]) and the defaults to a parsed file, builds the
/// providers and validates the result, once.
pub fn resolve(
    mut file: FileConfig,
    path: Option<PathBuf>,
    env: Env<'_>,
) -> Result<Settings, SettingsError> {
    let fsrc = match &path {
        Some(p) => Source::File(p.clone()),
        None => Source::Default,
    };
    let embedded = path.is_none();
    let mut sources = env::apply(&mut file, env, &fsrc)?;
    let src_of = |key: &str| -> Source {
        sources
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Source::Default, |(_, s)| s.clone())
    };
    let mut warnings = Vec::new();

    // listen
    let listen = file.listen.take().unwrap_or_else(|| DEFAULT_LISTEN.into());
    let listen_port = match listen.parse::<std::net::SocketAddr>() {
        Ok(a) => a.port(),
        Err(_) => {
            return Err(err(
                "listen",
                &src_of("listen"),
                format!("{listen:?} is not an address like 127.0.0.1:3000"),
            ));
        }
    };

    // url. Unset: the embedded default keeps v4's `http://localhost:3000/api/auth` whatever it
    // listens on; a configuration file gets `http://localhost:<listen port>/api/auth`, so
    // `--listen 127.0.0.1:0` serves on the port actually bound ([`Settings::bound_to`]) and a
    // client (or a test harness) can use the address it prints. An explicit `url` is never
    // changed.
    let url_unset = file.url.is_none();
    let url = file.url.take().unwrap_or_else(|| {
        let port = if embedded { 3000 } else { listen_port };
        format!("http://localhost:{port}/api/auth")
    });
    let base = BaseUrl::parse(Some(&url)).map_err(|e| err("url", &src_of("url"), e))?;
    let base_awaits_bound_port = url_unset && !embedded && listen_port == 0;

    // database
    let database_url = file
        .database
        .url
        .take()
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
    let mysql = database_url.starts_with("mysql://") || database_url.starts_with("mariadb://");
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://")
        || mysql)
    {
        return Err(err(
            "database.url",
            &src_of("database.url"),
            "must start with sqlite:, postgres:// or mysql://",
        ));
    }
    let session_cache = match file.database.session_cache.take() {
        None => DEFAULT_SESSION_CACHE,
        Some(v) => parse_cache_duration(&v).ok_or_else(|| {
            err(
                "database.session_cache",
                &fsrc,
                format!(
                    "{v:?}: use a duration such as \"5s\" or \"500ms\" (at most 60s; \"0s\": off)"
                ),
            )
        })?,
    };

    let layout_name = file
        .database
        .layout
        .take()
        .unwrap_or_else(|| nextauth_sqlx::Layout::PG_ADAPTER.name.into());
    let Some(layout) = nextauth_sqlx::Layout::by_name(&layout_name) else {
        return Err(err(
            "database.layout",
            &src_of("database.layout"),
            format!(
                "{layout_name:?}: use {}",
                nextauth_sqlx::Layout::NAMES
                    .map(|n| format!("{n:?}"))
                    .join(", ")
            ),
        ));
    };
    if mysql && layout.ddl.mysql.is_none() {
        return Err(err(
            "database.url",
            &src_of("database.url"),
            format!(
                "MySQL/MariaDB needs `[database] layout` \"prisma\" or \"drizzle\" (layout {:?} is PostgreSQL's)",
                layout.name
            ),
        ));
    }
    let mut database = nextauth_sqlx::Options::defaults(&database_url, layout);
    if let Some(m) = file.database.migrate {
        database.migrate = m;
    }

    let limits = server_limits(&file.server, &src_of)?;
    let ops = ops::resolve(std::mem::take(&mut file.ops), &listen, &src_of)?;
    // --- rate limits (issue 14 part 3) ---
    let (rate_limits, rate_limit_store) =
        rate_limit::resolve(std::mem::take(&mut file.rate_limit), &src_of, &fsrc)?;
    // --- end rate limits ---
    let proxies_src = src_of("trusted_proxies");
    // `[callbacks]` is completed below, once the providers (and their `trusted_email`) exist.
    let mut callback_settings = callbacks::resolve(
        std::mem::take(&mut file.callbacks),
        Vec::new(),
        Vec::new(),
        &fsrc,
    )?;
    let events = events_delivery(&file, callback_settings.webhook_secret.clone(), &fsrc)?;

    // secret(s)
    let secret_src = src_of("secret");
    let (secrets, secret_src): (Vec<String>, Source) = match file.secret.take() {
        Some(SecretSetting::One(s)) => (vec![s], secret_src),
        Some(SecretSetting::Many(v)) => (v, secret_src),
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
    };
    if secrets.is_empty() || secrets.iter().any(String::is_empty) {
        return Err(err("secret", &secret_src, "must not be empty"));
    }
    if let Some(slot) = sources.iter_mut().find(|(k, _)| *k == "secret") {
        slot.1 = secret_src;
    }

    let mut auth = AuthConfig::new(base, Secret::new(secrets[0].clone()));
    auth.secrets = secrets.into_iter().map(Secret::new).collect();

    // session
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
    if let Some(v) = s.revoke_on_signout {
        auth.session.revoke_on_signout = v;
    }
    callback_settings.expose = s.expose.into_iter().collect();

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
        default_locale: p.default_locale,
        locales_dir: p.locales_dir,
        templates_dir: p.templates_dir,
    };

    // --- rate limits (issue 14 part 3) ---
    auth.rate_limits = rate_limits;
    // --- end rate limits ---

    // trusted_proxies: without it no forwarded header is believed
    if let Some(entries) = file.trusted_proxies.take() {
        auth.trusted_proxies = nextauth_core::TrustedProxies::parse(&entries)
            .map_err(|(i, e)| err(&format!("trusted_proxies[{i}]"), &proxies_src, e))?;
    }

    // cookie_domain and [forward_auth]
    forward_auth::apply(
        file.cookie_domain.take(),
        file.forward_auth.take(),
        &mut auth,
        &fsrc,
    )?;

    // providers, finished: transports built, the one client handed to the webhooks
    let http =
        nextauth_core::handler::default_http_client().map_err(|e| SettingsError(e.to_string()))?;
    let sections = if embedded && file.providers.is_empty() {
        vec![ProviderSection {
            r#type: Some("email".into()),
            ..ProviderSection::default()
        }]
    } else {
        file.providers
    };
    for (i, section) in sections.into_iter().enumerate() {
        let trusted_email = section.trusted_email == Some(true);
        let provider =
            providers::provider_from(section, &http, callback_settings.webhook_secret.as_ref())
                .map_err(|e| SettingsError(format!("`providers[{i}]` from {fsrc}: {e}")))?;
        if trusted_email {
            callback_settings
                .policy
                .trusted_email_providers
                .push(provider.id.clone());
        }
        auth.providers.push(provider);
    }
    warnings.extend(auth.warnings());
    warnings.extend(callback_settings.warnings());
    // The one validation: `build` hands the proof to the core builder, which does not repeat it.
    let auth = auth
        .into_valid()
        .map_err(|e| SettingsError(format!("configuration ({fsrc}): {e}")))?;

    Ok(Settings {
        auth,
        callbacks: callback_settings,
        listen,
        base_awaits_bound_port,
        database_url,
        database,
        session_cache,
        sources,
        file: path,
        warnings,
        limits,
        events,
        http,
        ops,
        rate_limit_store,
    })
}

/// `[events]`, signed with the `[callbacks] webhook_secret` (`secret`). The server always has a
/// database (SQLite by default), which holds the outbox, so `[events]` needs nothing else.
fn events_delivery(
    file: &FileConfig,
    secret: Option<nextauth_core::webhook::WebhookSecret>,
    fsrc: &Source,
) -> Result<Option<nextauth_core::outbox::Delivery>, SettingsError> {
    let e = &file.events;
    let Some(url) = &e.url else {
        for (key, set) in [
            ("events.retry_base", e.retry_base.is_some()),
            ("events.max_backoff", e.max_backoff.is_some()),
        ] {
            if set {
                return Err(err(key, fsrc, "is set without `events.url`"));
            }
        }
        return Ok(None);
    };
    let url = callbacks::webhook_url("events.url", url, fsrc)?;
    let mut d = nextauth_core::outbox::Delivery::new(url);
    for (key, value, slot) in [
        ("events.retry_base", e.retry_base, &mut d.retry_base),
        ("events.max_backoff", e.max_backoff, &mut d.max_backoff),
    ] {
        if let Some(v) = value {
            *slot = std::time::Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero() && *d <= std::time::Duration::from_secs(86_400))
                .ok_or_else(|| {
                    err(
                        key,
                        fsrc,
                        format!("{v}: seconds, more than 0, at most 86400"),
                    )
                })?;
        }
    }
    if d.max_backoff < d.retry_base {
        return Err(err(
            "events.max_backoff",
            fsrc,
            "must not be less than `events.retry_base`",
        ));
    }
    // Retries never wait longer than the poll would.
    d.poll_interval = d.poll_interval.min(d.max_backoff);
    d.secret = secret;
    Ok(Some(d))
}

/// `[server]` (environment already applied), range-checked, over [`crate::limits::Limits::default`].
fn server_limits(
    file: &file::ServerSection,
    src_of: &dyn Fn(&str) -> Source,
) -> Result<crate::limits::Limits, SettingsError> {
    let mut limits = crate::limits::Limits::default();
    let timeouts: [(&'static str, Option<f64>, &mut std::time::Duration); 4] = [
        (
            "server.header_read_timeout",
            file.header_read_timeout,
            &mut limits.header_read_timeout,
        ),
        (
            "server.body_read_timeout",
            file.body_read_timeout,
            &mut limits.body_read_timeout,
        ),
        (
            "server.keep_alive_timeout",
            file.keep_alive_timeout,
            &mut limits.keep_alive_timeout,
        ),
        (
            "server.shutdown_timeout",
            file.shutdown_timeout,
            &mut limits.shutdown_timeout,
        ),
    ];
    for (key, value, slot) in timeouts {
        let Some(value) = value else { continue };
        // At most a day: longer is no bound at all, and keeps `Instant + timeout` in range.
        match std::time::Duration::try_from_secs_f64(value) {
            Ok(d) if !d.is_zero() && d.as_secs() <= 86_400 => *slot = d,
            _ => {
                return Err(err(
                    key,
                    &src_of(key),
                    format!("{value} is not a number of seconds between 0 (excluded) and 86400"),
                ));
            }
        }
    }
    if let Some(n) = file.max_connections {
        if !MAX_CONNECTIONS.contains(&n) {
            return Err(max_connections_error(
                &n.to_string(),
                &src_of("server.max_connections"),
            ));
        }
        limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
    }
    Ok(limits)
}

/// `"5s"`, `"500ms"`, `"0s"`, `"0"`: at most a minute (a longer one would let another
/// database writer's changes go unseen for long).
fn parse_cache_duration(v: &str) -> Option<std::time::Duration> {
    let v = v.trim();
    let d = if let Some(ms) = v.strip_suffix("ms") {
        std::time::Duration::from_millis(ms.trim().parse().ok()?)
    } else if let Some(s) = v.strip_suffix('s') {
        std::time::Duration::try_from_secs_f64(s.trim().parse().ok()?).ok()?
    } else if v == "0" {
        std::time::Duration::ZERO
    } else {
        return None;
    };
    (d <= std::time::Duration::from_secs(60)).then_some(d)
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

/// Why the generated secret could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum GeneratedSecretError {
    /// The directory beside the database could not be created.
    #[error("creating {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The secret file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Reads the generated secret, or creates it (0600) on first start.
fn generated_secret(path: &Path) -> Result<String, GeneratedSecretError> {
    if let Ok(s) = std::fs::read_to_string(path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| GeneratedSecretError::CreateDir {
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let secret = hex::encode(bytes);
    write_private(path, &secret).map_err(|source| GeneratedSecretError::Write {
        path: path.to_path_buf(),
        source,
    })?;
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

/// A database or SMTP URL with its password replaced by `***`, for logs and `nextauth check`
/// (one implementation, the storage crate's).
pub use nextauth_sqlx::redact as redact_url;

impl Settings {
    /// Tells the settings the port the listener got. When [`Settings::base_awaits_bound_port`]
    /// the base URL becomes `http://localhost:<port>/api/auth`; otherwise nothing changes.
    pub fn bound_to(&mut self, port: u16) {
        if !self.base_awaits_bound_port {
            return;
        }
        let url = format!("http://localhost:{port}/api/auth");
        // A well-formed literal: parsing cannot fail, and if it did the base would stay.
        if let Ok(base) = BaseUrl::parse(Some(&url)) {
            self.auth.set_base(base);
            self.base_awaits_bound_port = false;
        }
    }

    /// The configured callbacks (`[callbacks]`, `[session.expose]`), calling webhooks with the
    /// one HTTP client; `None` when nothing is configured (v4's default callbacks).
    pub fn callbacks(&self) -> Option<Arc<nextauth_core::ConfiguredCallbacks>> {
        (!self.callbacks.is_default())
            .then(|| Arc::new(self.callbacks.build(self.http.clone(), &self.auth.base)))
    }
}

#[cfg(test)]
mod session_cache_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn resolved(database: &str) -> Result<Settings, SettingsError> {
        let toml = format!(
            "url = \"http://localhost:3000/api/auth\"\nsecret = \"0123456789abcdef0123456789abcdef\"\n[database]\n{database}\n"
        );
        let path = Path::new("/nonexistent/i17.toml");
        let file = parse_file(&toml, path).unwrap();
        resolve(file, Some(path.to_path_buf()), &|_: &str| None)
    }

    #[test]
    fn session_cache_default_values_and_errors() {
        let d = |s: &str| resolved(s).unwrap().session_cache;
        assert_eq!(d("url = \"sqlite::memory:\""), DEFAULT_SESSION_CACHE);
        assert_eq!(d("session_cache = \"0s\""), std::time::Duration::ZERO);
        assert_eq!(d("session_cache = \"0\""), std::time::Duration::ZERO);
        assert_eq!(
            d("session_cache = \"250ms\""),
            std::time::Duration::from_millis(250)
        );
        assert_eq!(
            d("session_cache = \"2.5s\""),
            std::time::Duration::from_millis(2500)
        );
        for bad in ["\"5\"", "\"-1s\"", "\"61s\"", "\"5m\"", "\"\""] {
            let e = resolved(&format!("session_cache = {bad}")).unwrap_err().0;
            assert!(
                e.contains("`database.session_cache` from") && e.contains("i17.toml"),
                "{bad}: {e}"
            );
        }
    }
}
