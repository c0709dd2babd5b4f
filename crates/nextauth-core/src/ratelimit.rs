//! Rate limits on the sign-in endpoints (`[rate_limit]`; not in v4): credentials sign-in per
//! client address and per identifier, e-mail sign-in per client address and per address, OAuth
//! callbacks per client address.
//!
//! # Semantics: fixed windows, the same in every store
//! A [`Rate`] `N/W` admits `N` hits per window of `W`. Windows are aligned to the Unix epoch
//! (`start = now - now % W`), so every instance and every store agrees on which window a hit
//! falls in (up to the instances' clock skew); a counter is kept per key and window start, and
//! the hit that makes it exceed `N` is refused with `Retry-After` = the seconds until the window
//! ends (rounded up, at least 1). A burst of up to `2N` can straddle a window boundary: the
//! price of one counter per key (a sliding log would be exact and cost a row per hit).
//! [`MemoryStore`] (one process), the database store ([`AdapterStore`]: a table, one atomic
//! `INSERT … ON CONFLICT … DO UPDATE … RETURNING` per hit) and the server's Redis store (`INCR`
//! and `PEXPIRE` in one script) all count exactly this way.
//!
//! # Keys
//! `<kind>:<scope>:<value>`: `credentials:ip:203.0.113.7`, `email:address:<digest>`. A client
//! address is the one [`crate::TrustedProxies`] vouches for (the TCP peer, or what trusted
//! proxies forwarded); an IPv6 address counts by its `/64` (one subscriber's prefix, which they
//! can rotate through freely). A request without a known client address (a library caller that
//! passes no peer) skips the per-address limits. Identifiers and e-mail addresses are trimmed
//! and lower-cased, then stored only as a keyed digest (HMAC-SHA-256 with the first secret):
//! no personal data in Redis or the table.
//!
//! # Store failures fail open
//! A store that fails (Redis down, the database unreachable) admits the request: sign-in keeps
//! working, and the failure is logged (at most once every 10 s, with a count) and counted in
//! `nextauth_rate_limit_store_errors_total{store}`. Failing closed would turn a cache outage
//! into an outage of every sign-in; the limits are defence in depth against guessing, not the
//! authentication itself.
//!
//! Refused hits are counted in `nextauth_rate_limit_hits_total{kind, key}` (the `metrics`
//! facade; the binary installs the recorder).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::adapter::Adapter;
use crate::error::AuthError;
use crate::response::Reply;

/// `N` hits per window of `window_secs` seconds, written `"N/<number><unit>"` with the units
/// `s`, `m`, `h`, `d` (`"10/1m"`, `"3/15m"`; a missing number means 1: `"30/m"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Hits admitted per window; at least 1.
    pub max: u32,
    /// The window, in seconds; at least 1, at most 7 days.
    pub window_secs: u64,
}

/// A rate that does not parse ([`Rate::parse`]); the message quotes the text and says what is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRate(pub String);

impl Rate {
    /// The longest window accepted: 7 days.
    pub const MAX_WINDOW_SECS: u64 = 7 * 86_400;

    /// Parses `"10/1m"`.
    ///
    /// # Errors
    /// [`BadRate`], saying what is wrong, for the settings' message.
    pub fn parse(text: &str) -> Result<Rate, BadRate> {
        let bad = || {
            BadRate(format!(
                "{text:?} is not a rate like \"10/1m\" (a number of hits, `/`, a window: a number \
                 and a unit s, m, h or d)"
            ))
        };
        let (max, window) = text.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let unit = window.chars().last().ok_or_else(bad)?;
        let secs_per_unit: u64 = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let count = &window[..window.len() - unit.len_utf8()];
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| bad())?
        };
        if max == 0 {
            return Err(BadRate(format!(
                "{text:?}: the number of hits must be at least 1 (to turn limits off, set \
                 `rate_limit.enabled = false`)"
            )));
        }
        let window_secs = count.checked_mul(secs_per_unit).ok_or_else(bad)?;
        if window_secs == 0 || window_secs > Rate::MAX_WINDOW_SECS {
            return Err(BadRate(format!(
                "{text:?}: the window must be at least 1s and at most 7d"
            )));
        }
        Ok(Rate { max, window_secs })
    }

    const fn per(max: u32, window_secs: u64) -> Rate {
        Rate { max, window_secs }
    }
}

impl fmt::Display for Rate {
    /// The shortest unit that divides the window: `10/1m`, `3/15m`, `5/90s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.window_secs;
        let (n, unit) = if w.is_multiple_of(86_400) {
            (w / 86_400, 'd')
        } else if w.is_multiple_of(3600) {
            (w / 3600, 'h')
        } else if w.is_multiple_of(60) {
            (w / 60, 'm')
        } else {
            (w, 's')
        };
        write!(f, "{}/{n}{unit}", self.max)
    }
}

/// `[rate_limit]`: which sign-in attempts are limited, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `false` turns every limit off (test rigs, load tests). Default `true`.
    pub enabled: bool,
    /// `credentials.per_ip`: every `POST callback/<credentials>` from one client address.
    /// Default `10/1m`.
    pub credentials_per_ip: Rate,
    /// `credentials.per_identifier`: failed attempts for one identifier (the first configured
    /// credentials field, e.g. `username`), from any address. A successful sign-in takes its
    /// hit back, so users are never locked out by their own successes. Default `5/5m`.
    pub credentials_per_identifier: Rate,
    /// `email.per_ip`: every `POST signin/<email>` from one client address. Default `5/1m`.
    pub email_per_ip: Rate,
    /// `email.per_address`: sign-in mails requested for one address (a mail bomb). Default
    /// `3/15m`.
    pub email_per_address: Rate,
    /// `oauth.per_ip`: every `GET|POST callback/<oauth>` from one client address. Default
    /// `30/1m`.
    pub oauth_per_ip: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enabled: true,
            credentials_per_ip: Rate::per(10, 60),
            credentials_per_identifier: Rate::per(5, 300),
            email_per_ip: Rate::per(5, 60),
            email_per_address: Rate::per(3, 900),
            oauth_per_ip: Rate::per(30, 60),
        }
    }
}

impl RateLimits {
    /// Limits that are off (`enabled = false`, the default rates kept).
    pub fn disabled() -> RateLimits {
        RateLimits {
            enabled: false,
            ..RateLimits::default()
        }
    }

    /// Each limit with its key as written under `[rate_limit]` (`credentials.per_ip`), in the
    /// order `nextauth check` prints them.
    pub fn rows(&self) -> [(&'static str, Rate); 5] {
        [
            ("credentials.per_ip", self.credentials_per_ip),
            (
                "credentials.per_identifier",
                self.credentials_per_identifier,
            ),
            ("email.per_ip", self.email_per_ip),
            ("email.per_address", self.email_per_address),
            ("oauth.per_ip", self.oauth_per_ip),
        ]
    }
}

/// Which sign-in a limit guards (the `kind` label of the metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST callback/<credentials>`.
    Credentials,
    /// `POST signin/<email>`.
    Email,
    /// `GET|POST callback/<oauth>`.
    OAuth,
}

impl Kind {
    /// `credentials`, `email`, `oauth`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Credentials => "credentials",
            Kind::Email => "email",
            Kind::OAuth => "oauth",
        }
    }
}

/// What a limit counts by (the `key` label of the metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The client address.
    Ip,
    /// The credentials identifier.
    Identifier,
    /// The e-mail address.
    Address,
}

impl Scope {
    /// `ip`, `identifier`, `address`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ip => "ip",
            Scope::Identifier => "identifier",
            Scope::Address => "address",
        }
    }
}

/// One fixed window: `[start_ms, end_ms)`, milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first millisecond of the window (a multiple of its length).
    pub start_ms: i64,
    /// The first millisecond after it.
    pub end_ms: i64,
}

impl Window {
    /// The window of length `secs` that holds `now_ms` (aligned to the epoch).
    pub fn at(now_ms: i64, secs: u64) -> Window {
        let len = i64::try_from(secs.saturating_mul(1000))
            .unwrap_or(i64::MAX)
            .max(1);
        let start_ms = now_ms - now_ms.rem_euclid(len);
        Window {
            start_ms,
            end_ms: start_ms.saturating_add(len),
        }
    }

    /// Whole seconds from `now_ms` until the window ends, rounded up, at least 1: `Retry-After`.
    pub fn retry_after(&self, now_ms: i64) -> u64 {
        let ms = (self.end_ms - now_ms).max(1);
        u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
    }
}

/// Why a store could not count a hit (the request is admitted: limits fail open).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate-limit store {store}: {reason}")]
pub struct StoreError {
    /// `memory`, `database`, `redis`.
    pub store: &'static str,
    /// What failed.
    pub reason: String,
}

/// Where the counters live. Every store counts fixed windows the same way (see the module
/// documentation); a shared one (database, Redis) makes the limits hold across instances.
#[async_trait]
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one hit on `key` in `window` and answers the window's count, this hit included.
    /// Atomic: concurrent hits on any instance sharing the store each get their own count.
    /// `now_ms` lets a store forget windows that have ended.
    async fn hit(&self, key: &str, window: Window, now_ms: i64) -> Result<u64, StoreError>;

    /// Takes back one hit on `key` in `window` (never below 0): a credentials sign-in that
    /// succeeded does not count against its identifier.
    async fn undo(&self, key: &str, window: Window) -> Result<(), StoreError>;

    /// `memory`, `database`, `redis`: for logs, the metric and `nextauth check`.
    fn name(&self) -> &'static str;
}

/// The counters in this process: a map from key to its current window's count, bounded to
/// [`MemoryStore::DEFAULT_CAPACITY`] keys. Ended windows are swept when the map is full (at most
/// once a second); if it is still full of live windows, a new key is admitted uncounted (fail
/// open, logged) rather than growing the map further.
#[derive(Debug)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, (Window, u64)>>,
    capacity: usize,
    last_sweep_ms: AtomicI64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::with_capacity(MemoryStore::DEFAULT_CAPACITY)
    }
}

impl MemoryStore {
    /// Keys held at most by default: 100 000 (a few MiB).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store that holds at most `capacity` keys.
    pub fn with_capacity(capacity: usize) -> MemoryStore {
        MemoryStore {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            last_sweep_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Keys held now (tests).
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl RateLimitStore for MemoryStore {
    async fn hit(&self, key: &str, window: Window, now_ms: i64) -> Result<u64, StoreError> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((w, count)) = map.get_mut(key) {
            if *w == window {
                *count += 1;
            } else if w.start_ms < window.start_ms {
                // The key's previous window has ended: a new count.
                *w = window;
                *count = 1;
            } else {
                // A hit for a window older than the kept one (a clock step back): counted in
                // the kept one, never a fresh start.
                *count += 1;
            }
            return Ok(*count);
        }
        if map.len() >= self.capacity {
            let last = self.last_sweep_ms.load(Ordering::Relaxed);
            if now_ms.saturating_sub(last) >= 1000 {
                self.last_sweep_ms.store(now_ms, Ordering::Relaxed);
                map.retain(|_, (w, _)| w.end_ms > now_ms);
            }
            if map.len() >= self.capacity {
                return Err(StoreError {
                    store: "memory",
                    reason: format!("{} keys held, all in live windows", map.len()),
                });
            }
        }
        map.insert(key.to_string(), (window, 1));
        Ok(1)
    }

    async fn undo(&self, key: &str, window: Window) -> Result<(), StoreError> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((w, count)) = map.get_mut(key)
            && *w == window
        {
            *count = count.saturating_sub(1);
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

/// The counters in the configured database (`store = "database"`): the adapter's
/// [`Adapter::rate_limit_hit`] (table `nextauth_rate_limits`, one atomic upsert per hit), shared
/// by every instance on the database. Ended windows are deleted at most once a minute.
pub struct AdapterStore {
    adapter: Arc<dyn Adapter>,
    last_sweep_ms: AtomicI64,
}

impl fmt::Debug for AdapterStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdapterStore").finish_non_exhaustive()
    }
}

impl AdapterStore {
    /// The counters in `adapter`'s database.
    pub fn new(adapter: Arc<dyn Adapter>) -> AdapterStore {
        AdapterStore {
            adapter,
            last_sweep_ms: AtomicI64::new(i64::MIN),
        }
    }
}

#[async_trait]
impl RateLimitStore for AdapterStore {
    async fn hit(&self, key: &str, window: Window, now_ms: i64) -> Result<u64, StoreError> {
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 60_000 {
            self.last_sweep_ms.store(now_ms, Ordering::Relaxed);
            if let Err(e) = self.adapter.delete_expired_rate_limits(now_ms).await {
                tracing::warn!(error = %e, "deleting ended rate-limit windows failed");
            }
        }
        self.adapter
            .rate_limit_hit(key, window.start_ms, window.end_ms)
            .await
            .map_err(|e| StoreError {
                store: "database",
                reason: e.to_string(),
            })
    }

    async fn undo(&self, key: &str, window: Window) -> Result<(), StoreError> {
        self.adapter
            .rate_limit_undo(key, window.start_ms)
            .await
            .map_err(|e| StoreError {
                store: "database",
                reason: e.to_string(),
            })
    }

    fn name(&self) -> &'static str {
        "database"
    }
}

/// A hit that was admitted, to be taken back ([`Limiter::undo`]).
#[derive(Debug, Clone)]
pub(crate) struct Ticket {
    key: String,
    window: Window,
}

/// A hit over the limit: refuse with `Retry-After: retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited {
    /// Seconds until the window ends.
    pub(crate) retry_after: u64,
}

impl Limited {
    /// The refusal: [`AuthError::RateLimited`]'s reply (the rest was logged at the hit).
    pub(crate) fn reply(self, base: &str) -> Reply {
        AuthError::RateLimited {
            retry_after: self.retry_after,
        }
        .reply(base)
    }
}

/// The limits, their store and the key of the digests: what the sign-in flows ask.
pub(crate) struct Limiter {
    limits: RateLimits,
    store: Arc<dyn RateLimitStore>,
    /// HMAC key of the identifier and address digests.
    digest_key: Vec<u8>,
    /// Store failures since the last one logged, and when that was.
    failures: AtomicU64,
    last_logged_ms: AtomicI64,
}

impl Limiter {
    pub(crate) fn new(
        limits: RateLimits,
        store: Arc<dyn RateLimitStore>,
        digest_key: Vec<u8>,
    ) -> Limiter {
        Limiter {
            limits,
            store,
            digest_key,
            failures: AtomicU64::new(0),
            last_logged_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Counts a hit of `kind` from the client address `ip` (none: not limited).
    pub(crate) async fn hit_ip(
        &self,
        kind: Kind,
        ip: Option<IpAddr>,
        now_ms: i64,
    ) -> Result<Option<Ticket>, Limited> {
        let Some(ip) = ip.filter(|_| self.limits.enabled) else {
            return Ok(None);
        };
        let rate = match kind {
            Kind::Credentials => self.limits.credentials_per_ip,
            Kind::Email => self.limits.email_per_ip,
            Kind::OAuth => self.limits.oauth_per_ip,
        };
        let value = ip_key(ip);
        self.hit(kind, Scope::Ip, rate, &value, now_ms).await
    }

    /// Counts a hit of `kind` for an identifier or an e-mail address (`scope`); `namespace`
    /// (the provider id) keeps providers apart. The value is trimmed, lower-cased and digested.
    pub(crate) async fn hit_name(
        &self,
        kind: Kind,
        scope: Scope,
        namespace: &str,
        name: &str,
        now_ms: i64,
    ) -> Result<Option<Ticket>, Limited> {
        if !self.limits.enabled {
            return Ok(None);
        }
        let rate = match scope {
            Scope::Address => self.limits.email_per_address,
            Scope::Identifier | Scope::Ip => self.limits.credentials_per_identifier,
        };
        let value = self.digest(namespace, name);
        self.hit(kind, scope, rate, &value, now_ms).await
    }

    /// Takes an admitted hit back (a store failure is logged, nothing else).
    pub(crate) async fn undo(&self, ticket: Option<Ticket>, now_ms: i64) {
        let Some(t) = ticket else { return };
        if let Err(e) = self.store.undo(&t.key, t.window).await {
            self.store_failed(&e, now_ms);
        }
    }

    async fn hit(
        &self,
        kind: Kind,
        scope: Scope,
        rate: Rate,
        value: &str,
        now_ms: i64,
    ) -> Result<Option<Ticket>, Limited> {
        if !self.limits.enabled {
            return Ok(None);
        }
        let key = format!("{}:{}:{value}", kind.as_str(), scope.as_str());
        let window = Window::at(now_ms, rate.window_secs);
        match self.store.hit(&key, window, now_ms).await {
            Ok(count) if count > u64::from(rate.max) => {
                let retry_after = window.retry_after(now_ms);
                metrics::counter!(
                    "nextauth_rate_limit_hits_total",
                    "kind" => kind.as_str(),
                    "key" => scope.as_str()
                )
                .increment(1);
                tracing::info!(
                    kind = kind.as_str(),
                    key = scope.as_str(),
                    limit = %rate,
                    retry_after,
                    "rate limit reached"
                );
                Err(Limited { retry_after })
            }
            Ok(_) => Ok(Some(Ticket { key, window })),
            Err(e) => {
                self.store_failed(&e, now_ms);
                Ok(None)
            }
        }
    }

    /// Fail open: count the failure, log it at most once every 10 s.
    fn store_failed(&self, e: &StoreError, now_ms: i64) {
        metrics::counter!("nextauth_rate_limit_store_errors_total", "store" => e.store)
            .increment(1);
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let last = self.last_logged_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= 10_000 {
            self.last_logged_ms.store(now_ms, Ordering::Relaxed);
            self.failures.store(0, Ordering::Relaxed);
            tracing::error!(
                error = %e,
                failures = n,
                "rate-limit store failed: the request is admitted without a limit (fail open)"
            );
        }
    }

    /// HMAC-SHA-256 of `namespace \n trimmed lower-cased name`, hex, cut to 32 characters.
    fn digest(&self, namespace: &str, name: &str) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.digest_key) {
            Ok(m) => m,
            // HMAC takes keys of any length; kept total all the same.
            Err(_) => return format!("{namespace}\n{}", name.trim().to_lowercase()),
        };
        mac.update(namespace.as_bytes());
        mac.update(b"\n");
        mac.update(name.trim().to_lowercase().as_bytes());
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..16])
    }
}

/// The counted form of a client address: IPv4 as it is, IPv6 by its `/64`.
fn ip_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        for (text, max, secs, shown) in [
            ("10/1m", 10, 60, "10/1m"),
            ("5/5m", 5, 300, "5/5m"),
            ("3/15m", 3, 900, "3/15m"),
            (" 30 / m ", 30, 60, "30/1m"),
            ("1/90s", 1, 90, "1/90s"),
            ("2/24h", 2, 86_400, "2/1d"),
            ("100/7d", 100, 604_800, "100/7d"),
        ] {
            let r = Rate::parse(text).unwrap();
            assert_eq!((r.max, r.window_secs), (max, secs), "{text}");
            assert_eq!(r.to_string(), shown);
        }
        for bad in [
            "", "10", "10/", "/1m", "x/1m", "10/1x", "10/m1", "-1/1m", "10/-1m", "10/1.5m",
            "1e3/1m",
        ] {
            assert!(
                Rate::parse(bad).unwrap_err().0.contains("not a rate"),
                "{bad}"
            );
        }
        assert!(Rate::parse("0/1m").unwrap_err().0.contains("at least 1"));
        assert!(Rate::parse("1/0s").unwrap_err().0.contains("at least 1s"));
        assert!(Rate::parse("1/8d").unwrap_err().0.contains("at most 7d"));
        assert!(Rate::parse("1/99999999999999999999d").is_err());
    }

    #[test]
    fn windows_are_aligned_and_retry_after_rounds_up() {
        let w = Window::at(61_500, 60);
        assert_eq!(
            w,
            Window {
                start_ms: 60_000,
                end_ms: 120_000
            }
        );
        assert_eq!(w.retry_after(61_500), 59);
        assert_eq!(w.retry_after(119_999), 1);
        assert_eq!(w.retry_after(60_000), 60);
        assert_eq!(Window::at(-1, 60).start_ms, -60_000);
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        assert_eq!(ip_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(ip_key("::ffff:203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            ip_key("2001:db8:1:2:bbbb::9".parse().unwrap())
        );
        assert_ne!(
            ip_key("2001:db8:1:2::1".parse().unwrap()),
            ip_key("2001:db8:1:3::1".parse().unwrap())
        );
    }

    fn limiter(store: Arc<dyn RateLimitStore>) -> Limiter {
        Limiter::new(RateLimits::default(), store, b"k".to_vec())
    }

    #[tokio::test]
    async fn over_the_limit_is_refused_until_the_window_ends() {
        let l = limiter(Arc::new(MemoryStore::default()));
        let ip = Some("203.0.113.7".parse().unwrap());
        let t0 = 1_700_000_000_000 - 1_700_000_000_000 % 60_000 + 15_000;
        for _ in 0..10 {
            assert!(l.hit_ip(Kind::Credentials, ip, t0).await.is_ok());
        }
        assert_eq!(
            l.hit_ip(Kind::Credentials, ip, t0).await.unwrap_err(),
            Limited { retry_after: 45 }
        );
        // Other kinds and addresses have counters of their own.
        assert!(l.hit_ip(Kind::OAuth, ip, t0).await.is_ok());
        let other = Some("203.0.113.8".parse().unwrap());
        assert!(l.hit_ip(Kind::Credentials, other, t0).await.is_ok());
        // The next window starts afresh.
        assert!(l.hit_ip(Kind::Credentials, ip, t0 + 45_000).await.is_ok());
        // No address known: no per-address limit.
        for _ in 0..20 {
            assert!(
                l.hit_ip(Kind::Credentials, None, t0)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[tokio::test]
    async fn undone_hits_do_not_count_and_names_are_normalised() {
        let l = limiter(Arc::new(MemoryStore::default()));
        let now = 1_000_000;
        for _ in 0..20 {
            let t = l
                .hit_name(Kind::Credentials, Scope::Identifier, "c", "alice", now)
                .await
                .unwrap();
            l.undo(t, now).await;
        }
        for name in ["bob", " Bob", "BOB", "bob ", "boB"] {
            assert!(
                l.hit_name(Kind::Credentials, Scope::Identifier, "c", name, now)
                    .await
                    .is_ok()
            );
        }
        assert!(
            l.hit_name(Kind::Credentials, Scope::Identifier, "c", "bob", now)
                .await
                .is_err()
        );
        // Another provider's "bob" is another identifier.
        assert!(
            l.hit_name(Kind::Credentials, Scope::Identifier, "d", "bob", now)
                .await
                .is_ok()
        );
        // The digest names no one.
        assert!(!l.digest("c", "bob").contains("bob"));
        assert_eq!(l.digest("c", "bob").len(), 32);
    }

    #[tokio::test]
    async fn disabled_limits_count_nothing() {
        let store = Arc::new(MemoryStore::default());
        let l = Limiter::new(RateLimits::disabled(), store.clone(), Vec::new());
        for _ in 0..100 {
            assert!(
                l.hit_ip(Kind::Email, Some("192.0.2.1".parse().unwrap()), 0)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn the_memory_store_is_bounded() {
        let store = MemoryStore::with_capacity(3);
        let w = Window::at(0, 60);
        for k in ["a", "b", "c"] {
            assert_eq!(store.hit(k, w, 0).await, Ok(1));
        }
        // Full of live windows: a new key is not kept (the limiter admits it: fail open).
        assert!(store.hit("d", w, 1_000).await.is_err());
        assert_eq!(store.hit("a", w, 1_000).await, Ok(2));
        // Once they ended, a sweep makes room.
        let later = Window::at(60_000, 60);
        assert_eq!(store.hit("d", later, 60_000).await, Ok(1));
        assert_eq!(store.len(), 1);
    }

    struct Broken;

    #[async_trait]
    impl RateLimitStore for Broken {
        async fn hit(&self, _: &str, _: Window, _: i64) -> Result<u64, StoreError> {
            Err(StoreError {
                store: "redis",
                reason: "connection refused".into(),
            })
        }
        async fn undo(&self, _: &str, _: Window) -> Result<(), StoreError> {
            Err(StoreError {
                store: "redis",
                reason: "connection refused".into(),
            })
        }
        fn name(&self) -> &'static str {
            "redis"
        }
    }

    #[tokio::test]
    async fn a_failing_store_fails_open() {
        let l = limiter(Arc::new(Broken));
        for _ in 0..50 {
            let t = l
                .hit_ip(Kind::Credentials, Some("192.0.2.1".parse().unwrap()), 0)
                .await;
            assert!(t.unwrap().is_none());
        }
    }
}
