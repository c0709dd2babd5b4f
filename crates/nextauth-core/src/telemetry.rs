//! Metrics, through the [`metrics`] facade: the core counts, whoever runs it exports.
//!
//! Without a recorder installed (a library user who wants none, the benchmarks) every call here
//! is a no-op handle. The `nextauth` server installs a Prometheus recorder when `[ops] listen`
//! is set and serves it at `/metrics` (README, "Operations").
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | [`REQUESTS`] `nextauth_requests_total` | counter | `action` (the path's action, `unknown` for none), `status` (`"200"`, … from [`status_label`]) |
//! | [`REQUEST_DURATION`] `nextauth_request_duration_seconds` | histogram, seconds, [`DURATION_BUCKETS`] | `action` |
//! | [`SIGNINS`] `nextauth_signins_total` | counter | `provider` (its id), `outcome` ([`SignInOutcome`]: `success`, `denied`, `error`) |
//! | [`CSRF_FAILURES`] `nextauth_csrf_failures_total` | counter | `action` (`signin`, `signout`, `callback/credentials`, `session`) |
//! | [`RATE_LIMIT_HITS`] `nextauth_rate_limit_hits_total` | counter | `kind`, `key` (counted by the rate limiter) |
//! | [`WEBHOOK_DELIVERIES`] `nextauth_webhook_deliveries_total` | counter | `webhook` (`authorize`, `sign_in`, `claims`, `events`), `outcome` ([`WebhookOutcome`]) |
//! | [`TOKEN_REFRESHES`] `nextauth_token_refreshes_total` | counter | `provider`, `outcome` (`success`, `invalid_grant`, `error`) |
//!
//! The per-request pair is the hot path (`GET session`): its handles are registered once per
//! action × status and kept in [`RequestMetrics`], so a request pays two atomic adds and no
//! allocation. They are registered with the recorder installed when they are first used: install
//! the recorder before serving requests.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{Counter, Histogram, Unit};

use crate::request::Action;

/// Requests answered by the core, by `action` and `status`.
pub const REQUESTS: &str = "nextauth_requests_total";
/// Time from the request's arrival in the core to its answer, seconds, by `action`.
pub const REQUEST_DURATION: &str = "nextauth_request_duration_seconds";
/// Completed sign-in attempts (the callback of a provider), by `provider` and `outcome`.
pub const SIGNINS: &str = "nextauth_signins_total";
/// POSTs refused because their CSRF token did not match the cookie, by `action`.
pub const CSRF_FAILURES: &str = "nextauth_csrf_failures_total";
/// Requests refused by a rate limit, by `kind` and `key` (the rate limiter counts them).
pub const RATE_LIMIT_HITS: &str = "nextauth_rate_limit_hits_total";
/// Outgoing webhook POSTs, by `webhook` and `outcome`.
pub const WEBHOOK_DELIVERIES: &str = "nextauth_webhook_deliveries_total";
/// Refresh-token grants sent to an IdP, by `provider` and `outcome`.
pub const TOKEN_REFRESHES: &str = "nextauth_token_refreshes_total";

/// The histogram buckets of [`REQUEST_DURATION`], seconds: 0.5 ms to 10 s.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Gives every metric above its help text and unit, so that the exporter lists them (with
/// `# HELP`) before they first move. Call once, after installing a recorder.
pub fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        Unit::Count,
        "Requests answered by the auth API, by action and HTTP status."
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer a request of the auth API, in seconds, by action."
    );
    metrics::describe_counter!(
        SIGNINS,
        Unit::Count,
        "Completed sign-in attempts, by provider id and outcome (success, denied, error)."
    );
    metrics::describe_counter!(
        CSRF_FAILURES,
        Unit::Count,
        "POSTs refused because their csrfToken did not match the CSRF cookie, by action."
    );
    metrics::describe_counter!(
        RATE_LIMIT_HITS,
        Unit::Count,
        "Requests refused by a rate limit, by kind and key."
    );
    metrics::describe_counter!(
        WEBHOOK_DELIVERIES,
        Unit::Count,
        "Outgoing webhook POSTs, by webhook (authorize, sign_in, claims, events) and outcome \
         (success, refused, error)."
    );
    metrics::describe_counter!(
        TOKEN_REFRESHES,
        Unit::Count,
        "Refresh-token grants sent to an IdP, by provider id and outcome (success, \
         invalid_grant, error)."
    );
}

/// How a completed sign-in attempt ended: the `outcome` label of [`SIGNINS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    /// A session was started.
    Success,
    /// The user or a policy said no: wrong credentials, the `signIn` callback refused, an
    /// invalid or expired magic link, the IdP's `access_denied`, an account not linked.
    Denied,
    /// Something failed that is not the user's doing: the IdP, a webhook, storage.
    Error,
}

impl SignInOutcome {
    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::Success => "success",
            SignInOutcome::Denied => "denied",
            SignInOutcome::Error => "error",
        }
    }
}

/// How one webhook POST went: the `outcome` label of [`WEBHOOK_DELIVERIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Answered with a 2xx status.
    Success,
    /// Answered with another status (a credentials webhook's 401 for wrong credentials is one).
    Refused,
    /// No usable answer: unreachable, timed out, too large.
    Error,
}

impl WebhookOutcome {
    /// The outcome of an answer with `status`.
    pub fn of_status(status: u16) -> WebhookOutcome {
        if (200..300).contains(&status) {
            WebhookOutcome::Success
        } else {
            WebhookOutcome::Refused
        }
    }

    /// The outcome of an answer's status, or of no answer (`None`).
    pub fn of(status: Option<u16>) -> WebhookOutcome {
        status.map_or(WebhookOutcome::Error, WebhookOutcome::of_status)
    }

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookOutcome::Success => "success",
            WebhookOutcome::Refused => "refused",
            WebhookOutcome::Error => "error",
        }
    }
}

/// One completed sign-in attempt of `provider` (its id).
pub fn sign_in(provider: &str, outcome: SignInOutcome) {
    metrics::counter!(SIGNINS, "provider" => provider.to_owned(), "outcome" => outcome.as_str())
        .increment(1);
}

/// A POST of `action` refused by the CSRF check.
pub fn csrf_failure(action: &'static str) {
    metrics::counter!(CSRF_FAILURES, "action" => action).increment(1);
}

/// One POST to the `webhook` (`authorize`, `sign_in`, `claims`, `events`).
pub fn webhook_delivery(webhook: &'static str, outcome: WebhookOutcome) {
    metrics::counter!(WEBHOOK_DELIVERIES, "webhook" => webhook, "outcome" => outcome.as_str())
        .increment(1);
}

/// One refresh-token grant of `provider` (its id); `outcome` is `success`, `invalid_grant` or
/// `error`.
pub fn token_refresh(provider: &str, outcome: &'static str) {
    metrics::counter!(TOKEN_REFRESHES, "provider" => provider.to_owned(), "outcome" => outcome)
        .increment(1);
}

/// The statuses with a label of their own; any other is counted by class (`"2xx"` … `"5xx"`).
const STATUSES: [(u16, &str); 16] = [
    (200, "200"),
    (204, "204"),
    (302, "302"),
    (303, "303"),
    (400, "400"),
    (401, "401"),
    (403, "403"),
    (404, "404"),
    (405, "405"),
    (408, "408"),
    (413, "413"),
    (429, "429"),
    (500, "500"),
    (502, "502"),
    (503, "503"),
    (504, "504"),
];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
/// Label slots per action: the statuses, the classes, and one for a status out of every class.
const STATUS_SLOTS: usize = STATUSES.len() + CLASSES.len() + 1;
/// Label slots for the action: every [`Action`], then `unknown`.
const ACTION_SLOTS: usize = Action::ALL.len() + 1;

/// The `status` label of an HTTP status, and its slot in [`RequestMetrics`]: the number itself
/// for the usual ones, else its class (`"4xx"`), `"other"` out of 100–599. A static string: no
/// allocation per request.
pub fn status_label(status: u16) -> (usize, &'static str) {
    if let Some(i) = STATUSES.iter().position(|(s, _)| *s == status) {
        return (i, STATUSES[i].1);
    }
    match status {
        100..=599 => {
            let class = usize::from(status / 100 - 1);
            (STATUSES.len() + class, CLASSES[class])
        }
        _ => (STATUS_SLOTS - 1, "other"),
    }
}

/// The `action` label: the action's path name, `unknown` for a path that names none.
pub fn action_label(action: Option<Action>) -> (usize, &'static str) {
    match action {
        // A fieldless enum: its discriminant is its place in `Action::ALL`.
        Some(a) => (a as usize, a.as_str()),
        None => (ACTION_SLOTS - 1, "unknown"),
    }
}

/// Counts one request without cached handles, for answers given outside the core (an HTTP
/// adapter's 400 for a request it could not parse, 408, 413).
pub fn record_request(action: Option<Action>, status: u16, elapsed: Duration) {
    let (_, action) = action_label(action);
    let (_, status) = status_label(status);
    metrics::counter!(REQUESTS, "action" => action, "status" => status).increment(1);
    metrics::histogram!(REQUEST_DURATION, "action" => action).record(elapsed.as_secs_f64());
}

/// The handles of [`REQUESTS`] and [`REQUEST_DURATION`], registered on first use per label
/// pair and kept, so that a request costs two atomic operations.
pub(crate) struct RequestMetrics {
    requests: Box<[OnceLock<Counter>]>,
    durations: Box<[OnceLock<Histogram>]>,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics {
            requests: (0..ACTION_SLOTS * STATUS_SLOTS)
                .map(|_| OnceLock::new())
                .collect(),
            durations: (0..ACTION_SLOTS).map(|_| OnceLock::new()).collect(),
        }
    }
}

impl RequestMetrics {
    /// Counts one answered request.
    pub(crate) fn record(&self, action: Option<Action>, status: u16, elapsed: Duration) {
        let (a, action) = action_label(action);
        let (s, status) = status_label(status);
        if let Some(c) = self.requests.get(a * STATUS_SLOTS + s) {
            c.get_or_init(|| metrics::counter!(REQUESTS, "action" => action, "status" => status))
                .increment(1);
        }
        if let Some(h) = self.durations.get(a) {
            h.get_or_init(|| metrics::histogram!(REQUEST_DURATION, "action" => action))
                .record(elapsed.as_secs_f64());
        }
    }
}

impl std::fmt::Debug for RequestMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMetrics").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_slot_and_a_label() {
        assert_eq!(status_label(200), (0, "200"));
        assert_eq!(status_label(302).1, "302");
        assert_eq!(status_label(418).1, "4xx");
        assert_eq!(status_label(599).1, "5xx");
        assert_eq!(status_label(150).1, "1xx");
        assert_eq!(status_label(0).1, "other");
        assert_eq!(status_label(999), (STATUS_SLOTS - 1, "other"));
        for s in 0..=1000u16 {
            assert!(status_label(s).0 < STATUS_SLOTS);
        }
    }

    #[test]
    fn every_action_has_its_own_slot() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            let (i, label) = action_label(Some(a));
            assert_eq!(label, a.as_str());
            assert!(seen.insert(i) && i < ACTION_SLOTS - 1);
        }
        assert_eq!(action_label(None), (ACTION_SLOTS - 1, "unknown"));
    }
}
