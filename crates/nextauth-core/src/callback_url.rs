//! `callbackUrl`: where a browser goes after signing in or out.
//!
//! Ports v4 `core/lib/callback-url.ts`, `core/lib/assert.ts` (the URL checks) and the default
//! `redirect` callback (spec §7, vectors `urls.json`). Only relative or same-origin targets are
//! ever followed.
//!
//! Stricter than v4: where v4 answers a bad `callbackUrl` query or cookie (`javascript:…`, `foo`)
//! with a 500 "configuration" error, or throws on a bad body value, we log it and use the origin;
//! a query or cookie that is a scheme-relative reference to another host (`//evil.test/x`) is
//! refused the same way (v4 accepts it).

use url::Url;

/// The default `redirect` callback: `/x` is joined to the origin, an absolute URL of the same
/// origin is kept verbatim, anything else gives the origin. `Err` when `url` is not a URL at all
/// (v4 throws `TypeError: Invalid URL`).
pub fn default_redirect(url: &str, base_url: &str) -> Result<String, InvalidUrl> {
    if url.starts_with('/') {
        return Ok(format!("{base_url}{url}"));
    }
    // The origin itself (what the callback-url cookie holds after most requests): either branch
    // below would answer it, so no parse. Every `GET session` of a browser comes through here.
    if url == base_url {
        return Ok(url.to_string());
    }
    let parsed = Url::parse(url).map_err(|_| InvalidUrl)?;
    if parsed.origin().ascii_serialization() == base_url {
        Ok(url.to_string())
    } else {
        Ok(base_url.to_string())
    }
}

/// A value that is not a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid URL")]
pub struct InvalidUrl;

/// v4's `assertConfig` check for `callbackUrl` from the query or the cookie: a path starting with
/// `/`, or an absolute `http:`/`https:` URL.
///
/// Stricter than v4: a value starting with `/` must also stay on `base`'s origin when resolved
/// as a URL reference. `//evil.test/x`, `///evil.test/x` and `/\evil.test` are scheme-relative
/// references to another host; v4 accepts them (and its `redirect` callback turns them into
/// `<origin>//evil.test/x`), but any reader that resolves the value instead, or keeps only its
/// path, is sent to `evil.test`.
pub fn is_acceptable(value: &str, base: &str) -> bool {
    if value.starts_with('/') {
        let Ok(base) = Url::parse(base) else {
            return false;
        };
        // `base` is http(s) (the configuration checks it), and so is anything joined to it.
        return matches!(base.join(value), Ok(u) if u.origin() == base.origin());
    }
    matches!(Url::parse(value), Ok(u) if u.scheme() == "http" || u.scheme() == "https")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn default_redirect_vectors() {
        let v: Value = serde_json::from_str(include_str!("../testdata/urls.json")).unwrap();
        for case in v["default_redirect_callback"].as_array().unwrap() {
            let got = default_redirect(
                case["url"].as_str().unwrap(),
                case["baseUrl"].as_str().unwrap(),
            );
            match case["result"].as_str() {
                Some(expected) => assert_eq!(got.as_deref(), Ok(expected), "{case}"),
                None => assert_eq!(got, Err(InvalidUrl), "{case}"),
            }
        }
    }

    #[test]
    fn acceptable_values() {
        let base = "http://localhost:3000/api/auth";
        assert!(is_acceptable("/dashboard", base));
        assert!(is_acceptable("https://evil.example.com/x", base));
        assert!(!is_acceptable("javascript:alert(1)", base));
        assert!(!is_acceptable("foo", base));
        assert!(!is_acceptable("", base));
        assert!(!is_acceptable("mailto:a@b.c", base));
        assert!(!is_acceptable("%E0%A4%A", base));
        // Scheme-relative references to another host (v4 accepts them).
        assert!(!is_acceptable("//evil.test/x", base));
        assert!(!is_acceptable("///evil.test/x", base));
        assert!(!is_acceptable("/\\evil.test/x", base));
        assert!(is_acceptable("/%2F%2Fevil.test/x", base));
        assert!(is_acceptable("/a//b", base));
    }
}
