//! `POST _log`: the client logger's beacon (spec §8.12). Always 200, empty, no cookies.
//!
//! The fields are untrusted, and anyone can post them: they are logged as data under the
//! `nextauth::client` target, never interpreted, and
//! - every control character (newline, CR, ESC, the other C0 and C1 controls), the Unicode line
//!   and paragraph separators and the bidirectional overrides are escaped (`\n`, `\u{1b}`, …; a
//!   backslash becomes `\\`), so a client cannot start a line of its own or repaint the terminal:
//!   one beacon is one log line;
//! - each field is cut at [`MAX_FIELD`] bytes of escaped text (the body itself is bounded by the
//!   framework's body limit, 1 MB in nextauth-axum);
//! - at most [`RATE_PER_SECOND`] beacons a second are logged, for the whole process; the rest are
//!   dropped silently and counted, and one `client log lines dropped` warning with the count follows
//!   [`DROP_REPORT_INTERVAL`] after the first drop.
//!
//! v4 calls `logger[level]`, so an unknown level is an error there; here it is logged at `warn`.

use std::fmt::Write as _;
use std::num::NonZeroU32;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::request::AuthRequest;

/// Longest logged field, in bytes of escaped text; longer ones end in `…`.
pub const MAX_FIELD: usize = 1000;
/// Beacons logged per second (and the burst), for the whole process.
pub const RATE_PER_SECOND: u32 = 20;
/// How long after the first dropped beacon the count of dropped ones is logged.
pub const DROP_REPORT_INTERVAL: Duration = Duration::from_secs(5);

static LIMITER: LazyLock<DefaultDirectRateLimiter> = LazyLock::new(|| {
    let rate = NonZeroU32::new(RATE_PER_SECOND).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(rate))
});
static DROPPED: AtomicU64 = AtomicU64::new(0);
static REPORT_PENDING: AtomicBool = AtomicBool::new(false);

/// `s` with the characters that could forge or hide log lines escaped, cut at `max` bytes.
pub fn escape_for_log(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 4);
    for c in s.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            // C0, DEL, C1; line/paragraph separators; bidi embeddings, overrides and isolates.
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn field(req: &AuthRequest, key: &str) -> String {
    escape_for_log(req.body_str(key).unwrap_or(""), MAX_FIELD)
}

pub(crate) fn handle(req: &AuthRequest) {
    if LIMITER.check().is_err() {
        dropped();
        return;
    }
    let code = field(req, "code");
    let message = field(req, "message");
    match req.body_str("level") {
        Some("error") => {
            tracing::error!(target: "nextauth::client", code = %code, "client error: {message}")
        }
        Some("debug") => {
            tracing::debug!(target: "nextauth::client", code = %code, "client debug: {message}")
        }
        _ => tracing::warn!(target: "nextauth::client", code = %code, "client log: {message}"),
    }
}

/// Counts a dropped beacon; the first drop after a report schedules the next report.
fn dropped() {
    DROPPED.fetch_add(1, Ordering::Relaxed);
    if REPORT_PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn(async {
                tokio::time::sleep(DROP_REPORT_INTERVAL).await;
                report_dropped();
            });
        }
        // No runtime to wait on: report now (a later drop schedules the next report).
        Err(_) => report_dropped(),
    }
}

fn report_dropped() {
    let n = DROPPED.swap(0, Ordering::AcqRel);
    REPORT_PENDING.store(false, Ordering::Release);
    if n > 0 {
        tracing::warn!(
            target: "nextauth::client",
            dropped = n,
            "{n} client log lines dropped (more than {RATE_PER_SECOND} a second)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_for_log("a\nforged", 100), "a\\nforged");
        assert_eq!(
            escape_for_log(
                "x\r\n\u{1b}[2J\u{85}\u{2028}\u{2029}\u{202e}\t\\n\u{0}\u{7f}",
                100
            ),
            "x\\r\\n\\u{1b}[2J\\u{85}\\u{2028}\\u{2029}\\u{202e}\\t\\\\n\\u{0}\\u{7f}"
        );
        assert_eq!(escape_for_log("plain élan 日本", 100), "plain élan 日本");
    }

    #[test]
    fn fields_are_cut() {
        let long = "é".repeat(2000);
        let cut = escape_for_log(&long, MAX_FIELD);
        assert!(cut.len() <= MAX_FIELD + "…".len() + 1, "{}", cut.len());
        assert!(cut.ends_with('…'));
        let newlines = "\n".repeat(2000);
        let cut = escape_for_log(&newlines, MAX_FIELD);
        assert!(cut.len() <= MAX_FIELD + 4, "{}", cut.len());
        assert!(!cut.contains('\n'));
    }
}
