//! Validated configuration: the base URL, secrets, session settings, pages and theme.
//!
//! Everything here is checked once, at startup ([`AuthConfig::validate`]); requests never
//! re-check configuration (v4 asserts it on every request, spec §3.1).

use crate::forward_auth::ForwardAuth;
use crate::providers::Provider;
use crate::proxy::TrustedProxies;
use crate::ratelimit::RateLimits;
use crate::secret::Secret;

/// Re-exported from [`crate::error`], where it lives so that the providers (below the config)
/// can name it without importing the config back.
pub use crate::error::ConfigError;

/// The auth API's base URL (`NEXTAUTH_URL`), parsed as next-auth v4's `parseUrl` does (spec §2.1,
/// vectors `urls.json`): a missing scheme means `https://`, a bare origin gets `/api/auth`,
/// one trailing slash is removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `http://localhost:3000`: the `baseUrl` of the redirect callback and the default callbackUrl.
    pub origin: String,
    /// `localhost:3000`
    pub host: String,
    /// `/api/auth`: where the API is mounted.
    pub path: String,
    /// `http://localhost:3000/api/auth`
    pub base: String,
}

impl BaseUrl {
    /// Parses a `NEXTAUTH_URL` value; `None` gives v4's default `http://localhost:3000/api/auth`.
    pub fn parse(value: Option<&str>) -> Result<BaseUrl, ConfigError> {
        let default = "http://localhost:3000";
        let raw = match value.map(str::trim) {
            Some(v) if !v.is_empty() => v,
            _ => default,
        };
        let with_scheme = if raw.starts_with("http") {
            raw.to_string()
        } else {
            format!("https://{raw}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| format!("not a valid URL ({e})"))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!("the scheme must be http or https, not `{}`", url.scheme()).into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("a base URL cannot have a query or a fragment".into());
        }
        let host = url.host_str().ok_or("the URL has no host")?;
        let host = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let mut path = url.path().to_string();
        if path == "/" {
            path = "/api/auth".into();
        }
        if path.len() > 1 && path.ends_with('/') {
            path.pop();
        }
        let origin = url.origin().ascii_serialization();
        Ok(BaseUrl {
            base: format!("{origin}{path}"),
            origin,
            host,
            path,
        })
    }

    /// The host without its port: `localhost`, `auth.example.com`, `[::1]`.
    pub fn hostname(&self) -> &str {
        match self.host.rsplit_once(':') {
            // `[::1]` alone ends with `]`; `[::1]:3000` has its port after the last `:`.
            Some((h, port)) if !port.contains(']') => h,
            _ => &self.host,
        }
    }

    /// Whether cookies get `Secure` and the `__Secure-`/`__Host-` prefixes: iff the base URL is https.
    pub fn secure(&self) -> bool {
        self.base.starts_with("https://")
    }
}

/// Where sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStrategy {
    /// An encrypted JWT in the session cookie (JWE `dir`/`A256GCM`).
    Jwt,
    /// A row in the `sessions` table; the cookie holds its token.
    Database,
}

/// `session` options (spec §1).
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// JWT or database.
    pub strategy: SessionStrategy,
    /// Session lifetime in seconds (default 30 days); also the cookie lifetime.
    pub max_age: i64,
    /// Database sessions: the expiry is extended at most once per this many seconds (default 1 day).
    pub update_age: i64,
    /// `jwt.maxAge`: the `exp` of the JWT minted at sign-in (default 30 days). v4 keeps it
    /// independent of `max_age`; session reads re-mint with `max_age`.
    pub jwt_max_age: i64,
    /// `revoke_on_signout`: JWT sessions carry a stable `sid`, and sign-out records it, so a
    /// copy of the cookie is refused after sign-out ([`crate::revocation`]). Default off (v4).
    pub revoke_on_signout: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            strategy: SessionStrategy::Jwt,
            max_age: 30 * 24 * 60 * 60,
            update_age: 24 * 60 * 60,
            jwt_max_age: 30 * 24 * 60 * 60,
            revoke_on_signout: false,
        }
    }
}

/// Custom page URLs (`pages`), used verbatim (relative or absolute).
#[derive(Debug, Clone, Default)]
pub struct Pages {
    /// Replaces the built-in sign-in page.
    pub sign_in: Option<String>,
    /// Replaces the built-in sign-out page.
    pub sign_out: Option<String>,
    /// Replaces the built-in error page.
    pub error: Option<String>,
    /// Replaces the built-in verify-request page.
    pub verify_request: Option<String>,
    /// Where a first-time OAuth or email sign-in lands.
    pub new_user: Option<String>,
    /// The locale of the built-in pages and mails when the request names none we have
    /// (`[pages] default_locale`, a tag of [`crate::i18n::BUILT_IN`] or of `locales_dir`);
    /// `None` is `en`.
    pub default_locale: Option<String>,
    /// Operator catalogues, `<dir>/<lang>/nextauth.ftl`, merged over the built-in ones
    /// (`[pages] locales_dir`). Read once at start-up; a broken file refuses to start.
    pub locales_dir: Option<std::path::PathBuf>,
    /// Operator templates replacing built-in ones by file name (`[pages] templates_dir`).
    pub templates_dir: Option<std::path::PathBuf>,
}

/// `theme.colorScheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorScheme {
    /// Follows the browser's preference.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ColorScheme {
    /// Parses `auto`, `light` or `dark`.
    pub fn parse(s: &str) -> Option<ColorScheme> {
        match s {
            "auto" => Some(ColorScheme::Auto),
            "light" => Some(ColorScheme::Light),
            "dark" => Some(ColorScheme::Dark),
            _ => None,
        }
    }

    /// The name used in the page's body class.
    pub fn as_str(self) -> &'static str {
        match self {
            ColorScheme::Auto => "auto",
            ColorScheme::Light => "light",
            ColorScheme::Dark => "dark",
        }
    }
}

/// `theme` options of the built-in pages and the sign-in e-mail.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// auto, light or dark.
    pub color_scheme: ColorScheme,
    /// A CSS colour for buttons and accents.
    pub brand_color: Option<String>,
    /// URL of a logo shown on top of each card.
    pub logo: Option<String>,
    /// A CSS colour for button text.
    pub button_text: Option<String>,
}

/// The whole validated configuration of one auth API.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Where the API lives.
    pub base: BaseUrl,
    /// The secrets, newest first: the first one signs and encrypts, every one is accepted when
    /// reading (secret rotation, which v4 lacks).
    pub secrets: Vec<Secret>,
    /// Session settings.
    pub session: SessionConfig,
    /// Custom pages.
    pub pages: Pages,
    /// Theme of the built-in pages.
    pub theme: Theme,
    /// Providers, in the order `GET providers` lists them.
    pub providers: Vec<Provider>,
    /// The reverse proxies whose `X-Forwarded-*` / `Forwarded` headers are believed
    /// (`trusted_proxies`); empty: none.
    pub trusted_proxies: TrustedProxies,
    /// Rate limits on the sign-in endpoints (`[rate_limit]`); on by default.
    pub rate_limits: RateLimits,
    /// `cookie_domain` (lower case, no leading dot): the session and callback-url cookies get
    /// `Domain=<it>`, so every subdomain receives them (forward-auth in front of apps on other
    /// hosts); the CSRF cookie stays host-only (`__Host-` forbids a Domain). `None`: host-only
    /// cookies, byte for byte v4's.
    pub cookie_domain: Option<String>,
    /// `[forward_auth]`: the `forward-auth` endpoint's hosts and rules; `None`: the endpoint
    /// answers 404.
    pub forward_auth: Option<ForwardAuth>,
}

/// The shortest secret we accept without a warning: 32 characters, what `openssl rand -base64 32`
/// gives. Shorter ones still work (an existing NextAuth deployment's secret must keep working),
/// but start-up warns loudly.
pub const MIN_SECRET_LEN: usize = 32;

impl AuthConfig {
    /// A configuration with defaults around a base URL and a secret.
    pub fn new(base: BaseUrl, secret: Secret) -> AuthConfig {
        AuthConfig {
            base,
            secrets: vec![secret],
            session: SessionConfig::default(),
            pages: Pages::default(),
            theme: Theme::default(),
            providers: Vec::new(),
            trusted_proxies: TrustedProxies::default(),
            rate_limits: RateLimits::default(),
            cookie_domain: None,
            forward_auth: None,
        }
    }

    /// Checks what v4 checks per request (spec §3.1), once, plus what v4 should have checked.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.secrets.is_empty() {
            return Err(ConfigError("`secret` is missing: set NEXTAUTH_SECRET (generate one with `openssl rand -base64 32`)".into()));
        }
        if self.secrets.iter().any(|s| s.expose().is_empty()) {
            return Err(ConfigError("`secret`: must not be empty".into()));
        }
        if self.session.max_age <= 0 || self.session.jwt_max_age <= 0 {
            return Err(ConfigError(
                "`session.max_age`: must be a positive number of seconds".into(),
            ));
        }
        if self.session.update_age < 0 {
            return Err(ConfigError(
                "`session.update_age`: must not be negative".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            p.validate()?;
            if !seen.insert(p.id.as_str()) {
                return Err(ConfigError(format!(
                    "provider `{}`: the id is used twice (v4 would silently drop the first)",
                    p.id
                )));
            }
        }
        for (name, page) in [
            ("sign_in", &self.pages.sign_in),
            ("sign_out", &self.pages.sign_out),
            ("error", &self.pages.error),
            ("verify_request", &self.pages.verify_request),
            ("new_user", &self.pages.new_user),
        ] {
            if let Some(p) = page {
                let ok = p.starts_with('/')
                    || url::Url::parse(p)
                        .map(|u| u.scheme() == "http" || u.scheme() == "https")
                        .unwrap_or(false);
                if !ok {
                    return Err(ConfigError(format!(
                        "`pages.{name}` = {p:?}: must be a path starting with / or an http(s) URL"
                    )));
                }
            }
        }
        self.validate_edge()
    }

    /// `cookie_domain` and `[forward_auth]`.
    fn validate_edge(&self) -> Result<(), ConfigError> {
        if let Some(domain) = &self.cookie_domain {
            let host = self.base.hostname().to_ascii_lowercase();
            let ok_name = !domain.is_empty()
                && domain == &domain.to_ascii_lowercase()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain.split('.').all(|l| {
                    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !ok_name {
                return Err(ConfigError(format!(
                    "`cookie_domain` = {domain:?}: must be a lower-case domain name like \"example.com\""
                )));
            }
            let under = host == *domain
                || (host.len() > domain.len()
                    && host.ends_with(domain.as_str())
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.');
            if !under {
                return Err(ConfigError(format!(
                    "`cookie_domain` = {domain:?}: the base URL's host {host:?} is neither that \
                     domain nor a subdomain of it, so the browser would refuse every cookie"
                )));
            }
        }
        if let Some(fa) = &self.forward_auth {
            if fa.allowed_hosts.is_empty() {
                return Err(ConfigError(
                    "`forward_auth.allowed_hosts`: name at least one host forward-auth protects"
                        .into(),
                ));
            }
            if self.trusted_proxies.is_empty() {
                return Err(ConfigError(
                    "`forward_auth` needs `trusted_proxies`: the original URL comes from the proxy's \
                     X-Forwarded-* / X-Original-URL headers, which are read only from trusted proxies"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Things that work but deserve a loud warning at startup.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.secrets {
            if s.expose().len() < MIN_SECRET_LEN {
                out.push(format!(
                    "`secret` has {} characters; use at least {MIN_SECRET_LEN} (`openssl rand -base64 32`). \
                     A short secret lets anyone who sees a cookie guess it offline.",
                    s.expose().len()
                ));
            }
        }
        for p in &self.providers {
            if let crate::providers::ProviderKind::OAuth(o) = &p.kind
                && o.federated_logout
                && (o.issuer.is_none() || !o.id_token)
            {
                out.push(format!(
                    "provider {:?}: `federated_logout` needs OpenID Connect (an `issuer` whose \
                     discovery document names an end_session_endpoint, and ID tokens); without \
                     them sign-out ends the local session only",
                    p.id
                ));
            }
        }
        out
    }

    /// The provider with this id.
    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// `BASE/signin/<id>`
    pub fn signin_url(&self, id: &str) -> String {
        format!("{}/signin/{}", self.base.base, id)
    }

    /// `BASE/callback/<id>`
    pub fn callback_url(&self, id: &str) -> String {
        format!("{}/callback/{}", self.base.base, id)
    }
}

/// An [`AuthConfig`] that passed [`AuthConfig::validate`]. Read-only (it derefs to the
/// config), so it stays valid; [`crate::NextAuth::builder_valid`] builds from it without checking
/// again. A loader that must report errors before serving (`nextauth check`) validates once into
/// this and hands it on.
#[derive(Debug, Clone)]
pub struct ValidConfig(AuthConfig);

impl AuthConfig {
    /// Validates ([`AuthConfig::validate`]) and keeps the proof.
    ///
    /// # Errors
    /// The first check that fails, as [`AuthConfig::validate`] reports it.
    pub fn into_valid(self) -> Result<ValidConfig, ConfigError> {
        self.validate()?;
        Ok(ValidConfig(self))
    }
}

impl ValidConfig {
    /// Replaces the transport of every email provider (a test's capturing transport). The
    /// transport is not part of what [`AuthConfig::validate`] checks, so the config stays valid.
    pub fn with_email_transport(
        mut self,
        transport: &std::sync::Arc<dyn crate::providers::EmailTransport>,
    ) -> ValidConfig {
        for p in &mut self.0.providers {
            if let crate::providers::ProviderKind::Email(e) = &mut p.kind {
                e.transport = transport.clone();
            }
        }
        self
    }

    /// Replaces the base URL (the server's default base taking the port bound for
    /// `--listen …:0`). [`AuthConfig::validate`] checks nothing about the base (it is valid once
    /// parsed, [`BaseUrl::parse`]), so the config stays valid.
    pub fn set_base(&mut self, base: BaseUrl) {
        self.0.base = base;
    }

    /// The config itself.
    pub fn into_inner(self) -> AuthConfig {
        self.0
    }
}

impl std::ops::Deref for ValidConfig {
    type Target = AuthConfig;

    fn deref(&self) -> &AuthConfig {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn parse_url_vectors() {
        let v: Value = serde_json::from_str(include_str!("../testdata/urls.json")).unwrap();
        for case in v["parse_url"].as_array().unwrap() {
            let b = BaseUrl::parse(case["NEXTAUTH_URL"].as_str()).unwrap();
            assert_eq!(b.origin, case["origin"].as_str().unwrap(), "{case}");
            assert_eq!(b.host, case["host"].as_str().unwrap(), "{case}");
            assert_eq!(b.path, case["path"].as_str().unwrap(), "{case}");
            assert_eq!(b.base, case["base"].as_str().unwrap(), "{case}");
            assert_eq!(
                b.secure(),
                case["secure_cookies_default"].as_bool().unwrap(),
                "{case}"
            );
        }
    }

    #[test]
    fn bad_base_urls_are_refused() {
        assert!(BaseUrl::parse(Some("http://")).is_err());
        assert!(BaseUrl::parse(Some("http://a.b/x?y=1")).is_err());
        assert!(BaseUrl::parse(Some("httpx://a")).is_err());
        let nested = BaseUrl::parse(Some("https://example.com/myapp/api/authentication")).unwrap();
        assert_eq!(nested.path, "/myapp/api/authentication");
    }

    #[test]
    fn short_secrets_warn_and_empty_ones_are_refused() {
        let c = AuthConfig::new(BaseUrl::parse(None).unwrap(), Secret::new("short"));
        assert!(c.validate().is_ok());
        assert!(c.warnings()[0].contains("at least 32"));
        let c = AuthConfig::new(BaseUrl::parse(None).unwrap(), Secret::new(""));
        assert!(c.validate().is_err());
        let c = AuthConfig::new(BaseUrl::parse(None).unwrap(), Secret::new("x".repeat(32)));
        assert!(c.validate().is_ok() && c.warnings().is_empty());
    }
}
