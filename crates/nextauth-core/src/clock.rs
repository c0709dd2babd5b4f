//! An injectable clock, so session expiry and token lifetimes are testable without sleeping.

#[cfg(any(test, feature = "testing"))]
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The source of "now", in milliseconds since the Unix epoch (JavaScript's `Date.now()`).
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that stands still until moved; for tests of expiry and sliding sessions (feature
/// `testing`).
#[cfg(any(test, feature = "testing"))]
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

#[cfg(any(test, feature = "testing"))]
impl FixedClock {
    /// A clock at `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        FixedClock(AtomicI64::new(now_ms))
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance_ms(&self, delta: i64) {
        self.0.fetch_add(delta, Ordering::SeqCst);
    }
}

#[cfg(any(test, feature = "testing"))]
impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// ISO-8601 UTC with milliseconds, as JavaScript's `Date.prototype.toISOString()` writes it
/// (`2026-12-28T05:29:14.439Z`): the format of `session.expires`.
pub fn iso_ms(ms: i64) -> String {
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        // Four-digit years (all real expiry dates): written digit by digit, once per `GET
        // session`, without the formatting machinery.
        Ok(t) if (0..=9999).contains(&t.year()) => {
            let mut b = Digits::<24>::new(*b"0000-00-00T00:00:00.000Z");
            let year = t.year().unsigned_abs();
            b.two(0, (year / 100) as u8);
            b.two(2, (year % 100) as u8);
            b.two(5, u8::from(t.month()));
            b.two(8, t.day());
            b.two(11, t.hour());
            b.two(14, t.minute());
            b.two(17, t.second());
            b.digit(20, (millis / 100) as u8);
            b.digit(21, (millis / 10 % 10) as u8);
            b.digit(22, (millis % 10) as u8);
            b.as_str().to_owned()
        }
        Ok(t) => iso_general(t, millis),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// [`iso_ms`] through the formatting machinery: years beyond four digits, and the yardstick the
/// tests hold the fast path to.
fn iso_general(t: time::OffsetDateTime, millis: i64) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        millis
    )
}

/// A fixed-size ASCII template whose digits are filled in place.
pub(crate) struct Digits<const N: usize>([u8; N]);

impl<const N: usize> Digits<N> {
    const fn new(template: [u8; N]) -> Self {
        Digits(template)
    }

    /// Writes `n % 10` at `at` (out of range: ignored).
    fn digit(&mut self, at: usize, n: u8) {
        if let Some(slot) = self.0.get_mut(at) {
            *slot = b'0' + n % 10;
        }
    }

    /// Writes `n` as two digits at `at` and `at + 1`.
    fn two(&mut self, at: usize, n: u8) {
        self.digit(at, n / 10);
        self.digit(at + 1, n % 10);
    }

    /// The text; the template and the digits are ASCII, so this never falls back.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

// Day and month names of `Date.prototype.toUTCString()`, for both date writers below.
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// [`http_date`] for four-digit years, without allocating (`None` outside them).
pub(crate) fn http_date_bytes(ms: i64) -> Option<Digits<29>> {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok()?;
    if !(1000..=9999).contains(&t.year()) {
        return None;
    }
    let mut b = Digits::<29>::new(*b"Ddd, 00 Mmm 0000 00:00:00 GMT");
    b.0[0..3].copy_from_slice(DAYS[usize::from(t.weekday().number_days_from_monday())].as_bytes());
    b.two(5, t.day());
    b.0[8..11].copy_from_slice(MONTHS[usize::from(u8::from(t.month()) - 1)].as_bytes());
    let year = t.year().unsigned_abs();
    b.two(12, (year / 100) as u8);
    b.two(14, (year % 100) as u8);
    b.two(17, t.hour());
    b.two(20, t.minute());
    b.two(23, t.second());
    Some(b)
}

/// RFC 1123 date as JavaScript's `Date.prototype.toUTCString()` writes it
/// (`Mon, 28 Dec 2026 05:29:14 GMT`): the format of a cookie's `Expires`.
pub fn http_date(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(t) => format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[t.weekday().number_days_from_monday() as usize],
            t.day(),
            MONTHS[u8::from(t.month()) as usize - 1],
            t.year(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "Thu, 01 Jan 1970 00:00:00 GMT".to_string(),
    }
}

/// Parses the ISO-8601 form written by [`iso_ms`] (and any RFC 3339 date) back to milliseconds.
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_javascript() {
        // 2026-12-28T05:29:14.439Z, a Monday (the spec's example).
        let ms = 1_798_435_754_439;
        assert_eq!(iso_ms(ms), "2026-12-28T05:29:14.439Z");
        assert_eq!(http_date(ms), "Mon, 28 Dec 2026 05:29:14 GMT");
        assert_eq!(parse_iso_ms("2026-12-28T05:29:14.439Z"), Some(ms));
    }

    /// The digit-by-digit writers against the general formatters, over dates that move every
    /// field (leap days, year ends, single-digit values, zero milliseconds).
    #[test]
    fn fast_formats_match_the_general_ones() {
        let general_iso = |ms: i64| {
            let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap();
            iso_general(t, ms.rem_euclid(1000))
        };
        // Years 1 to ~9 700 in ~192-day steps, then 1970 to ~2100 in steps of a day, an hour,
        // a minute, a second and a millisecond.
        let broad = (0..18_500i64).map(|i| -62_135_596_800_000 + i * 16_600_000_003);
        let fine = (0..50_000i64).map(|i| i * 90_061_001);
        for ms in broad.chain(fine) {
            assert_eq!(iso_ms(ms), general_iso(ms), "{ms}");
            let fast = http_date_bytes(ms).map(|d| d.as_str().to_owned());
            let year = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
                .unwrap()
                .year();
            if (1000..=9999).contains(&year) {
                assert_eq!(fast.as_deref(), Some(http_date(ms).as_str()), "{ms}");
            } else {
                assert_eq!(fast, None);
            }
        }
        assert_eq!(iso_ms(1_798_435_754_000), "2026-12-28T05:29:14.000Z");
        assert_eq!(iso_ms(951_782_400_009), "2000-02-29T00:00:00.009Z");
    }
}
