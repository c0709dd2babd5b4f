//! Cookie names, attributes, serialisation and session-cookie chunking.
//!
//! Ports next-auth v4 `core/lib/cookie.ts` (`defaultCookies`, `SessionStore`) and the
//! serialisation of the `cookie` npm package, so that `Set-Cookie` headers are byte-for-byte
//! what v4 sends (spec §5, vectors `cookies.json`).

use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::clock::http_date;

/// What JavaScript's `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
/// Cookie values are written with it, so `|` becomes `%7C` and URLs become `http%3A%2F%2F…`.
pub const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The bytes [`URI_COMPONENT`] leaves alone, as a table: the session cookie's ~500-byte JWE is
/// checked on every `GET session`, and a lookup per byte is several times cheaper than a chain of
/// comparisons.
static URI_COMPONENT_SAFE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        b += 1;
    }
    table
};

/// Appends [`http_date`]`(ms)` without the formatting machinery (once per session response).
fn push_http_date(out: &mut String, ms: i64) {
    match crate::clock::http_date_bytes(ms) {
        Some(date) => out.push_str(date.as_str()),
        // Outside four-digit years: the general formatter.
        None => out.push_str(&http_date(ms)),
    }
}

/// JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_uri_component(&mut out, s);
    out
}

/// Appends `encodeURIComponent(s)`: the bytes of [`URI_COMPONENT_SAFE`] as they are, every other
/// byte (non-ASCII ones too, UTF-8 byte by byte) as `%XX` — what `utf8_percent_encode` with
/// [`URI_COMPONENT`] writes (a test holds both to Node's `encodeURIComponent`), without the
/// formatting machinery.
///
/// One pass, and the runs of safe bytes are copied whole: a value that needs no escaping (JWEs,
/// UUIDs, hex: the session cookie on every `GET session`) is one copy, and the csrf and
/// callback-url cookies (`token%7Chash`, `http%3A%2F%2F…`: a few escapes in long safe runs) are
/// no longer pushed a character at a time (callgrind: ~3 000 instructions of `session/jwt`).
fn push_uri_component(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        if URI_COMPONENT_SAFE[usize::from(b)] {
            continue;
        }
        // A non-empty run holds safe bytes only, all ASCII: both ends are character boundaries
        // (an escaped multi-byte character leaves empty runs between its bytes).
        if let Some(run) = s.get(run_start..i) {
            out.push_str(run);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
        run_start = i + 1;
    }
    if let Some(run) = s.get(run_start..) {
        out.push_str(run);
    }
}

/// v4 `ALLOWED_COOKIE_SIZE` (4096) minus `ESTIMATED_EMPTY_COOKIE_SIZE` (163): the longest session
/// cookie value written unchunked, and the size of each chunk.
pub const CHUNK_SIZE: usize = 3933;

/// Lifetime of the OAuth check cookies (state, PKCE, nonce): 15 minutes.
pub const CHECK_COOKIE_MAX_AGE: i64 = 900;

/// The cookie names for one deployment. With secure cookies (an `https` base URL) every name
/// gets the `__Secure-` prefix, except the CSRF cookie, which gets `__Host-` (it has no Domain
/// and Path=/, which `__Host-` requires).
#[derive(Debug, Clone)]
pub struct CookieNames {
    /// Whether the `Secure` attribute and prefixes are used.
    pub secure: bool,
    /// `next-auth.session-token`
    pub session_token: String,
    /// `next-auth.callback-url`
    pub callback_url: String,
    /// `next-auth.csrf-token`
    pub csrf_token: String,
    /// `next-auth.pkce.code_verifier`
    pub pkce_code_verifier: String,
    /// `next-auth.state`
    pub state: String,
    /// `next-auth.nonce`
    pub nonce: String,
    /// `cookie_domain`: the `Domain` of the session and callback-url cookies (their deletions
    /// too); `None`, v4's host-only cookies.
    pub domain: Option<Arc<str>>,
}

impl CookieNames {
    /// The v4 default names (`defaultCookies(useSecureCookies)`).
    pub fn new(secure: bool) -> Self {
        let p = if secure { "__Secure-" } else { "" };
        let host = if secure { "__Host-" } else { "" };
        CookieNames {
            secure,
            session_token: format!("{p}next-auth.session-token"),
            callback_url: format!("{p}next-auth.callback-url"),
            csrf_token: format!("{host}next-auth.csrf-token"),
            pkce_code_verifier: format!("{p}next-auth.pkce.code_verifier"),
            state: format!("{p}next-auth.state"),
            nonce: format!("{p}next-auth.nonce"),
            domain: None,
        }
    }

    /// The same names, with `cookie_domain` (see [`CookieNames::domain`]).
    pub fn with_domain(mut self, domain: Option<&str>) -> Self {
        self.domain = domain.map(Arc::from);
        self
    }
}

/// One `Set-Cookie` header. All NextAuth cookies are `Path=/; HttpOnly; SameSite=Lax`, plus
/// `Secure` when secure cookies are on, so only the lifetime varies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// Cookie name.
    pub name: String,
    /// Cookie value, not yet encoded.
    pub value: String,
    /// `Max-Age` in seconds.
    pub max_age: Option<i64>,
    /// `Expires`, in milliseconds since the epoch.
    pub expires_ms: Option<i64>,
    /// `Secure` attribute.
    pub secure: bool,
    /// `Domain` attribute (`cookie_domain`); `None`: a host-only cookie, as v4 writes them all.
    pub domain: Option<Arc<str>>,
}

impl SetCookie {
    /// A session cookie (no lifetime: it ends with the browser session).
    pub fn session(name: &str, value: impl Into<String>, secure: bool) -> Self {
        SetCookie {
            name: name.to_string(),
            value: value.into(),
            max_age: None,
            expires_ms: None,
            secure,
            domain: None,
        }
    }

    /// The same cookie with `Domain=<domain>` (`None`: host-only).
    pub fn in_domain(mut self, domain: Option<&Arc<str>>) -> Self {
        self.domain = domain.cloned();
        self
    }

    /// A cookie with an `Expires` date.
    pub fn expiring(name: &str, value: impl Into<String>, expires_ms: i64, secure: bool) -> Self {
        SetCookie {
            expires_ms: Some(expires_ms),
            ..SetCookie::session(name, value, secure)
        }
    }

    /// The deletion v4 sends: empty value, `Max-Age=0`, no `Expires`.
    pub fn deletion(name: &str, secure: bool) -> Self {
        SetCookie {
            max_age: Some(0),
            ..SetCookie::session(name, "", secure)
        }
    }

    /// Whether this header removes the cookie.
    pub fn is_deletion(&self) -> bool {
        self.max_age == Some(0)
    }

    /// Serialises as `cookie.serialize` does:
    /// `name=value; Max-Age=N; Domain=D; Path=/; Expires=…; HttpOnly; Secure; SameSite=Lax`
    /// (`Domain` only with `cookie_domain`, where `cookie.serialize` puts it).
    pub fn to_header(&self) -> String {
        use std::fmt::Write as _;
        // name=value + the longest attribute list: one allocation.
        let mut out = String::with_capacity(self.name.len() + self.value.len() + 96);
        out.push_str(&self.name);
        out.push('=');
        push_uri_component(&mut out, &self.value);
        if let Some(max_age) = self.max_age {
            let _ = write!(out, "; Max-Age={max_age}");
        }
        if let Some(domain) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(domain);
        }
        out.push_str("; Path=/");
        if let Some(expires) = self.expires_ms {
            out.push_str("; Expires=");
            push_http_date(&mut out, expires);
        }
        out.push_str("; HttpOnly");
        if self.secure {
            out.push_str("; Secure");
        }
        out.push_str("; SameSite=Lax");
        out
    }
}

/// Reads the session token, reassembling chunks as v4's `SessionStore` does: every request cookie
/// whose name *starts with* the session cookie name, sorted by the number after the last `.`
/// (numerically; the bare name sorts as 0), then concatenated. `None` when there is none or the
/// result is empty.
pub fn read_chunked(name: &str, cookies: &[(String, String)]) -> Option<String> {
    // The usual case, one unchunked cookie: no sorting, no intermediate vector.
    let mut matching = cookies.iter().filter(|(k, _)| k.starts_with(name));
    match (matching.next(), matching.next()) {
        (None, _) => return None,
        (Some((_, v)), None) => return (!v.is_empty()).then(|| v.clone()),
        _ => {}
    }
    let mut parts: Vec<(u64, &str)> = cookies
        .iter()
        .filter(|(k, _)| k.starts_with(name))
        .map(|(k, v)| {
            let idx = k
                .rsplit_once('.')
                .and_then(|(_, n)| n.parse::<u64>().ok())
                .unwrap_or(0);
            (idx, v.as_str())
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|(i, _)| *i);
    let value: String = parts.into_iter().map(|(_, v)| v).collect();
    (!value.is_empty()).then_some(value)
}

/// The names of every session cookie or chunk present in the request.
pub fn present_chunks<'a>(name: &'a str, cookies: &'a [(String, String)]) -> Vec<&'a str> {
    cookies
        .iter()
        .filter(|(k, _)| k.starts_with(name))
        .map(|(k, _)| k.as_str())
        .collect()
}

/// The `Set-Cookie`s that store `value` under the session cookie `name`, as v4 writes them:
/// deletions for every present chunk or name that is not rewritten, then the new cookie (bare
/// name when it fits in [`CHUNK_SIZE`], else `name.0`, `name.1`, …).
pub fn write_chunked(
    name: &str,
    value: &str,
    expires_ms: i64,
    secure: bool,
    request_cookies: &[(String, String)],
) -> Vec<SetCookie> {
    let mut new: Vec<SetCookie> = Vec::new();
    if value.len() <= CHUNK_SIZE {
        new.push(SetCookie::expiring(name, value, expires_ms, secure));
    } else {
        // Values are JWEs or UUIDs: ASCII, so byte chunks are character chunks.
        for (i, chunk) in value.as_bytes().chunks(CHUNK_SIZE).enumerate() {
            let chunk = String::from_utf8_lossy(chunk);
            new.push(SetCookie::expiring(
                &format!("{name}.{i}"),
                chunk,
                expires_ms,
                secure,
            ));
        }
    }
    let mut out: Vec<SetCookie> = present_chunks(name, request_cookies)
        .into_iter()
        .filter(|old| !new.iter().any(|c| c.name == *old))
        .map(|old| SetCookie::deletion(old, secure))
        .collect();
    out.extend(new);
    out
}

/// Deletions for every session cookie or chunk present in the request.
pub fn clear_chunked(
    name: &str,
    secure: bool,
    request_cookies: &[(String, String)],
) -> Vec<SetCookie> {
    let mut out: Vec<SetCookie> = present_chunks(name, request_cookies)
        .into_iter()
        .map(|n| SetCookie::deletion(n, secure))
        .collect();
    out.dedup_by(|a, b| a.name == b.name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        serde_json::from_str(include_str!("../testdata/cookies.json")).unwrap()
    }

    /// The table-driven escaping (`encode_uri_component`, cookie values in `to_header`) is
    /// JavaScript's `encodeURIComponent` (the `cookie` package's default encoder, which v4's
    /// Set-Cookie values go through): every code point below U+0100, multi-byte and astral text,
    /// as Node printed them (`testdata/js_reference.json`, made by `make-js-reference.mjs`).
    #[test]
    fn cookie_value_escaping_is_javascripts_encode_uri_component() {
        let v: Value = serde_json::from_str(include_str!("../testdata/js_reference.json")).unwrap();
        let cases = v["encode_uri_component"].as_array().unwrap();
        assert_eq!(cases.len(), 269);
        let mut all = (String::new(), String::new());
        for case in cases {
            let (value, expected) = (case["in"].as_str().unwrap(), case["out"].as_str().unwrap());
            assert_eq!(encode_uri_component(value), expected, "{value:?}");
            let set = percent_encoding::utf8_percent_encode(value, URI_COMPONENT).to_string();
            assert_eq!(set, expected, "URI_COMPONENT on {value:?}");
            let header = SetCookie::session("n", value, false).to_header();
            assert_eq!(
                header,
                format!("n={expected}; Path=/; HttpOnly; SameSite=Lax"),
                "{value:?}"
            );
            all.0.push_str(value);
            all.1.push_str(expected);
        }
        // All of them in one value (the escaper's runs of copied and escaped bytes).
        assert_eq!(encode_uri_component(&all.0), all.1);
    }

    /// Sign-out's deletions: one per session cookie or chunk the request holds, in the order
    /// sent, a name sent twice deleted once, other cookies untouched; each as `cookie.serialize`
    /// writes `{value: "", maxAge: 0}` (Max-Age before Path, as v4's `SessionStore.clean()`
    /// chunks in `cookies.json`'s `rechunk_small_value_when_3_chunks_present` are).
    #[test]
    fn clear_chunked_deletes_every_present_chunk_once() {
        let name = "next-auth.session-token";
        let sent = |names: &[&str]| -> Vec<(String, String)> {
            names.iter().map(|n| (n.to_string(), "x".into())).collect()
        };
        let request = sent(&[
            "other",
            "next-auth.session-token.0",
            "next-auth.session-token.0",
            "next-auth.session-token.1",
            "next-auth.csrf-token",
            "next-auth.session-token.2",
        ]);
        let headers: Vec<String> = clear_chunked(name, false, &request)
            .iter()
            .map(SetCookie::to_header)
            .collect();
        assert_eq!(
            headers,
            [
                "next-auth.session-token.0=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
                "next-auth.session-token.1=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
                "next-auth.session-token.2=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
            ]
        );
        let v = vectors();
        let v4_names: Vec<&str> = v["rechunk_small_value_when_3_chunks_present"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["maxAge"] == 0)
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let ours: Vec<String> = clear_chunked(name, false, &request)
            .into_iter()
            .map(|c| c.name.to_string())
            .collect();
        assert_eq!(ours, v4_names);
        let secure = clear_chunked(
            "__Secure-next-auth.session-token",
            true,
            &sent(&["__Secure-next-auth.session-token"]),
        );
        assert_eq!(
            secure.iter().map(SetCookie::to_header).collect::<Vec<_>>(),
            [
                "__Secure-next-auth.session-token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
            ]
        );
        assert!(clear_chunked(name, false, &sent(&["other"])).is_empty());
    }

    #[test]
    fn default_names_match_v4() {
        let v = vectors();
        for (secure, key) in [(false, "insecure"), (true, "secure")] {
            let names = CookieNames::new(secure);
            let t = &v["default_cookies"][key];
            assert_eq!(t["sessionToken"]["name"], names.session_token.as_str());
            assert_eq!(t["callbackUrl"]["name"], names.callback_url.as_str());
            assert_eq!(t["csrfToken"]["name"], names.csrf_token.as_str());
            assert_eq!(
                t["pkceCodeVerifier"]["name"],
                names.pkce_code_verifier.as_str()
            );
            assert_eq!(t["state"]["name"], names.state.as_str());
            assert_eq!(t["nonce"]["name"], names.nonce.as_str());
            assert_eq!(t["state"]["options"]["maxAge"], CHECK_COOKIE_MAX_AGE);
            assert_eq!(t["sessionToken"]["options"]["secure"], secure);
        }
    }

    #[test]
    fn chunking_matches_v4() {
        let v = vectors();
        assert_eq!(v["chunk_size"], CHUNK_SIZE);
        let value = "x".repeat(9000);
        let out = write_chunked("next-auth.session-token", &value, 0, false, &[]);
        let expected = v["chunking_9000_chars"].as_array().unwrap();
        assert_eq!(out.len(), expected.len());
        for (c, e) in out.iter().zip(expected) {
            assert_eq!(e["name"], c.name.as_str());
            assert_eq!(e["value_length"], c.value.len());
        }
        // Shrinking from three chunks to one value deletes every chunk, then sets the bare name.
        let present: Vec<(String, String)> = (0..3)
            .map(|i| (format!("next-auth.session-token.{i}"), "x".into()))
            .collect();
        let out = write_chunked("next-auth.session-token", "small", 0, false, &present);
        let expected = v["rechunk_small_value_when_3_chunks_present"]
            .as_array()
            .unwrap();
        assert_eq!(out.len(), expected.len());
        for (c, e) in out.iter().zip(expected) {
            assert_eq!(e["name"], c.name.as_str());
            assert_eq!(e["value"], c.value.as_str());
            assert_eq!(c.is_deletion(), e["maxAge"] == 0);
        }
    }

    #[test]
    fn reassembly_sorts_numerically() {
        let v = vectors();
        let cookies: Vec<(String, String)> = v["reassembly_order_example"]["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let (k, v) = c.as_str().unwrap().split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        assert_eq!(
            read_chunked("next-auth.session-token", &cookies).as_deref(),
            v["reassembly_order_example"]["value"].as_str()
        );
        assert_eq!(read_chunked("next-auth.session-token", &[]), None);
    }

    #[test]
    fn serialisation_matches_cookie_serialize() {
        let c = SetCookie::session("next-auth.csrf-token", "a|b", true);
        assert_eq!(
            c.to_header(),
            "next-auth.csrf-token=a%7Cb; Path=/; HttpOnly; Secure; SameSite=Lax"
        );
        let d = SetCookie::deletion("next-auth.state", false);
        assert_eq!(
            d.to_header(),
            "next-auth.state=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
        );
        let mut s = SetCookie::expiring("n", "v", 1_798_435_754_439, false);
        s.max_age = Some(900);
        assert_eq!(
            s.to_header(),
            "n=v; Max-Age=900; Path=/; Expires=Mon, 28 Dec 2026 05:29:14 GMT; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            encode_uri_component("http://a.b/c?d=e f"),
            "http%3A%2F%2Fa.b%2Fc%3Fd%3De%20f"
        );
    }

    #[test]
    fn fast_paths_match_the_general_formatters() {
        // Dates: every branch of the calendar (leap days, year ends, the epoch, year 9999).
        let mut ms: Vec<i64> = vec![
            0,
            -1,
            1_798_435_754_439,
            951_782_400_000,
            253_402_300_799_000,
            -30_610_224_000_000,
        ];
        ms.extend((0..2000).map(|i| 946_684_800_000 + i * 86_399_123));
        for m in ms {
            let mut out = String::new();
            push_http_date(&mut out, m);
            assert_eq!(out, http_date(m), "{m}");
        }
        // Values: what needs escaping goes through encodeURIComponent, the rest is copied.
        for v in [
            "abc.DEF-_!~*'()123",
            "a|b",
            "http://x/?y=1 z",
            "\u{e9}\u{1F600}",
            "",
        ] {
            let c = SetCookie::session("n", v, false);
            assert_eq!(
                c.to_header(),
                format!(
                    "n={}; Path=/; HttpOnly; SameSite=Lax",
                    encode_uri_component(v)
                )
            );
        }
    }

    #[test]
    fn csrf_set_cookie_vectors() {
        let v: Value = serde_json::from_str(include_str!("../testdata/csrf.json")).unwrap();
        for pair in v["pairs"].as_array().unwrap() {
            let value = pair["cookie_value"].as_str().unwrap();
            let insecure = SetCookie::session("next-auth.csrf-token", value, false);
            assert_eq!(
                insecure.to_header(),
                pair["set_cookie_header"].as_str().unwrap()
            );
            let secure = SetCookie::session("__Host-next-auth.csrf-token", value, true);
            assert_eq!(
                secure.to_header(),
                pair["set_cookie_header_secure"].as_str().unwrap()
            );
        }
    }
}
