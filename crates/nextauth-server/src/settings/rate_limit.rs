//! `[rate_limit]`: the limits of the sign-in endpoints ([`nextauth_core::ratelimit`]) and where
//! their counters live. On by default, with the core's defaults; every error names the key and
//! its source.

use nextauth_core::{Rate, RateLimits};

use super::file::RateLimitSection;
use super::source::{SettingsError, Source, err};

/// Where the rate-limit counters live (`rate_limit.store`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RateLimitStoreSetting {
    /// `memory` (default): in this process; each instance counts on its own.
    #[default]
    Memory,
    /// `database`: the table `nextauth_rate_limits` of the configured database, shared by every
    /// instance on it.
    Database,
    /// `redis://…`: a Redis server shared by every instance (the URL as configured).
    Redis(String),
}

impl RateLimitStoreSetting {
    /// `memory`, `database`, or the Redis URL with its password replaced by `***`.
    pub fn describe(&self) -> String {
        match self {
            RateLimitStoreSetting::Memory => "memory (per instance)".into(),
            RateLimitStoreSetting::Database => "database (shared by the instances on it)".into(),
            RateLimitStoreSetting::Redis(url) => {
                format!("{} (shared by the instances on it)", redact(url))
            }
        }
    }
}

/// Resolves `[rate_limit]` (environment applied) into the core's limits and the store.
/// `src_of` names where `rate_limit.enabled` and `rate_limit.store` came from; the rates can
/// only come from the file (`fsrc`).
pub(super) fn resolve(
    section: RateLimitSection,
    src_of: &dyn Fn(&str) -> Source,
    fsrc: &Source,
) -> Result<(RateLimits, RateLimitStoreSetting), SettingsError> {
    let mut limits = RateLimits::default();
    if let Some(enabled) = section.enabled {
        limits.enabled = enabled;
    }
    let rates: [(&str, Option<String>, &mut Rate); 5] = [
        (
            "rate_limit.credentials.per_ip",
            section.credentials.per_ip,
            &mut limits.credentials_per_ip,
        ),
        (
            "rate_limit.credentials.per_identifier",
            section.credentials.per_identifier,
            &mut limits.credentials_per_identifier,
        ),
        (
            "rate_limit.email.per_ip",
            section.email.per_ip,
            &mut limits.email_per_ip,
        ),
        (
            "rate_limit.email.per_address",
            section.email.per_address,
            &mut limits.email_per_address,
        ),
        (
            "rate_limit.oauth.per_ip",
            section.oauth.per_ip,
            &mut limits.oauth_per_ip,
        ),
    ];
    for (key, text, slot) in rates {
        if let Some(text) = text {
            *slot = Rate::parse(&text).map_err(|e| err(key, fsrc, e))?;
        }
    }
    let store = match section.store.as_deref().map(str::trim) {
        None | Some("memory") => RateLimitStoreSetting::Memory,
        Some("database") => RateLimitStoreSetting::Database,
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            // Parsed now (no connection is made), so a malformed URL fails at start.
            redis::Client::open(url).map_err(|e| {
                err(
                    "rate_limit.store",
                    &src_of("rate_limit.store"),
                    format!("{}: {e}", redact(url)),
                )
            })?;
            RateLimitStoreSetting::Redis(url.to_string())
        }
        Some(other) => {
            return Err(err(
                "rate_limit.store",
                &src_of("rate_limit.store"),
                format!(
                    "{:?}: use \"memory\", \"database\" or a redis://host:port URL",
                    redact(other)
                ),
            ));
        }
    };
    Ok((limits, store))
}

/// A store URL with its password replaced by `***`; one that does not parse loses everything
/// between `://` and the last `@` (it may hold a password all the same).
fn redact(url: &str) -> String {
    if url::Url::parse(url).is_ok() {
        return nextauth_sqlx::redact(url);
    }
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://***@{host}"),
        _ => url.to_string(),
    }
}
