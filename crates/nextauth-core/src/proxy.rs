//! Which peers' forwarded headers are believed: [`TrustedProxies`] (`trusted_proxies` in the
//! configuration).
//!
//! A reverse proxy tells the server who the client is and what URL it asked for in headers:
//! `X-Forwarded-For`, `-Proto`, `-Host`, `-Uri`, `X-Original-URL` / `-URI` (nginx `auth_request`
//! conventions) and the standard `Forwarded` (RFC 7239). Any client can send those headers too, so
//! they are read only when the TCP peer is one of the configured proxies; without
//! `trusted_proxies` every one of them is ignored and the peer address and the configured base URL
//! decide everything (what oauth2-proxy's `--reverse-proxy` and Authelia's trusted-proxy settings
//! do).
//!
//! The client address is found the way nginx's `real_ip_recursive on` finds it: walk the
//! `X-Forwarded-For` (or `Forwarded: for=`) chain from the right, skipping addresses that are
//! themselves trusted proxies; the first one that is not is the client. A client can prepend
//! anything it likes to the chain, but it cannot change what the trusted proxies appended.

use std::net::IpAddr;

use ipnet::IpNet;

/// The networks whose forwarded headers are believed. Empty (the default) believes nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

/// A `trusted_proxies` entry that is neither an address nor a CIDR network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an IP address or a CIDR network (examples: `127.0.0.1`, `10.0.0.0/8`, `::1/128`)"
)]
pub struct BadProxyEntry(pub String);

/// What trusted forwarded headers say about the original request (forward-auth's "original URL").
/// Each part is `None` when no believed header gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardedRequest {
    /// `https` or `http`: `X-Forwarded-Proto`, or `Forwarded: proto=`.
    pub proto: Option<String>,
    /// The host, with its port if any: `X-Forwarded-Host`, or `Forwarded: host=`.
    pub host: Option<String>,
    /// The path and query: `X-Forwarded-Uri` or `X-Original-URI`.
    pub uri: Option<String>,
    /// The whole URL: `X-Original-URL` (nginx `auth_request` setups, Authelia's contract).
    pub url: Option<String>,
}

impl TrustedProxies {
    /// Parses the entries: an address (`127.0.0.1`, `::1`, meaning that one host) or a network in
    /// CIDR notation (`10.0.0.0/8`). Host bits set in a network (`10.1.2.3/8`) are cleared, as
    /// nginx's `set_real_ip_from` does.
    ///
    /// # Errors
    /// The first entry that is neither, with its index (0-based).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, (usize, BadProxyEntry)> {
        let mut nets = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let e = e.as_ref().trim();
            let net = match e.parse::<IpNet>() {
                Ok(n) => n.trunc(),
                Err(_) => match e.parse::<IpAddr>() {
                    Ok(a) => IpNet::from(a),
                    Err(_) => return Err((i, BadProxyEntry(e.to_string()))),
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies { nets })
    }

    /// Whether no proxy is trusted (every forwarded header is ignored).
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// The configured networks, for `nextauth check`.
    pub fn networks(&self) -> impl Iterator<Item = String> + '_ {
        self.nets.iter().map(|n| n.to_string())
    }

    /// Whether `addr` is one of the trusted proxies (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn trusts(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.nets.iter().any(|n| n.contains(&addr))
    }

    /// The client's address: the peer itself, unless the peer is a trusted proxy; then the
    /// rightmost address of the forwarded chain that is not a trusted proxy (see the module
    /// doc). `None` only without a peer (an embedder that did not pass one).
    ///
    /// `headers` are lower-case `(name, value)` pairs, as in [`crate::AuthRequest::headers`].
    /// `Forwarded` is read when present, else `X-Forwarded-For`; every instance of the header
    /// counts, in order. An entry that is not an address (`unknown`, an obfuscated `_node`, junk)
    /// ends the walk at the hop before it: a proxy we trust appended what follows it.
    pub fn client_addr(
        &self,
        peer: Option<IpAddr>,
        headers: &[(String, String)],
    ) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let chain = forwarded_for_chain(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(addr) => {
                    client = addr.to_canonical();
                    if !self.trusts(client) {
                        break;
                    }
                }
                None => break,
            }
        }
        Some(client)
    }

    /// What the forwarded headers say about the original request, when the peer is trusted;
    /// `None` otherwise (no header is read at all). Values are trimmed; a list
    /// (`X-Forwarded-Proto: https, http`) gives its first element, the one the first proxy set.
    pub fn forwarded_request(
        &self,
        peer: Option<IpAddr>,
        headers: &[(String, String)],
    ) -> Option<ForwardedRequest> {
        if !peer.is_some_and(|p| self.trusts(p)) {
            return None;
        }
        let first = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let whole = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let forwarded = headers
            .iter()
            .find(|(k, _)| k == "forwarded")
            .and_then(|(_, v)| parse_forwarded(v).into_iter().next());
        let from_forwarded = |key: &str| {
            forwarded.as_ref().and_then(|pairs| {
                pairs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v.clone())
            })
        };
        Some(ForwardedRequest {
            proto: first("x-forwarded-proto")
                .or_else(|| from_forwarded("proto"))
                .map(|p| p.to_ascii_lowercase()),
            host: first("x-forwarded-host").or_else(|| from_forwarded("host")),
            uri: whole("x-forwarded-uri").or_else(|| whole("x-original-uri")),
            url: whole("x-original-url"),
        })
    }
}

/// The `for=` addresses of `Forwarded`, or else the entries of `X-Forwarded-For`, left to right;
/// `None` for an entry that is not an address.
fn forwarded_for_chain(headers: &[(String, String)]) -> Vec<Option<IpAddr>> {
    let has_forwarded = headers.iter().any(|(k, _)| k == "forwarded");
    if has_forwarded {
        headers
            .iter()
            .filter(|(k, _)| k == "forwarded")
            .flat_map(|(_, v)| parse_forwarded(v))
            .map(|pairs| {
                pairs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v))
            })
            .collect()
    } else {
        headers
            .iter()
            .filter(|(k, _)| k == "x-forwarded-for")
            .flat_map(|(_, v)| v.split(','))
            .map(|e| parse_node(e.trim()))
            .collect()
    }
}

/// An address as a forwarding header writes it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`. Anything else (`unknown`, `_hidden`) is `None`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(a);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse().ok();
    }
    let (host, port) = s.rsplit_once(':')?;
    if port.bytes().all(|b| b.is_ascii_digit()) {
        host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    } else {
        None
    }
}

/// RFC 7239 §4: elements separated by `,`, pairs by `;`, `token=value` with the value a token or
/// a quoted string. Malformed pairs are skipped (the header is untrusted input); quotes inside a
/// quoted string do not split it.
fn parse_forwarded(v: &str) -> Vec<Vec<(String, String)>> {
    let mut elements = Vec::new();
    let mut pairs = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let flush = |cur: &mut String, pairs: &mut Vec<(String, String)>| {
        if let Some((k, val)) = cur.split_once('=') {
            let k = k.trim();
            let val = val.trim();
            let val = val
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
                .unwrap_or_else(|| val.to_string());
            if !k.is_empty() {
                pairs.push((k.to_string(), val));
            }
        }
        cur.clear();
    };
    for c in v.chars() {
        if in_quotes {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                cur.push(c);
            }
            ';' => flush(&mut cur, &mut pairs),
            ',' => {
                flush(&mut cur, &mut pairs);
                elements.push(std::mem::take(&mut pairs));
            }
            _ => cur.push(c),
        }
    }
    flush(&mut cur, &mut pairs);
    elements.push(pairs);
    elements
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn entries_parse_as_addresses_or_networks_and_junk_is_named() {
        let t = TrustedProxies::parse(&["127.0.0.1", "10.1.2.3/8", "::1"]).unwrap();
        assert_eq!(
            t.networks().collect::<Vec<_>>(),
            ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
        );
        assert!(t.trusts("10.200.0.1".parse().unwrap()));
        assert!(t.trusts("::ffff:127.0.0.1".parse().unwrap()), "IPv4-mapped");
        assert!(!t.trusts("11.0.0.1".parse().unwrap()));
        let e = TrustedProxies::parse(&["10.0.0.0/8", "localhost"]).unwrap_err();
        assert_eq!(e.0, 1);
        assert!(e.1.to_string().contains("`localhost`"), "{}", e.1);
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
    }

    #[test]
    fn without_trusted_proxies_the_headers_are_ignored() {
        let t = TrustedProxies::default();
        let headers = h(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-host", "evil.test"),
        ]);
        assert_eq!(t.client_addr(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
        assert_eq!(t.forwarded_request(ip("127.0.0.1"), &headers), None);
        assert_eq!(t.client_addr(None, &headers), None);
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let spoofed = h(&[("x-forwarded-for", "10.0.0.7, 198.51.100.1")]);
        assert_eq!(t.client_addr(ip("192.0.2.50"), &spoofed), ip("192.0.2.50"));
        assert_eq!(t.forwarded_request(ip("192.0.2.50"), &spoofed), None);
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "127.0.0.1"]).unwrap();
        // The client prepended 1.2.3.4; the edge proxy appended the real client, the inner
        // proxy appended the edge proxy.
        let headers = h(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.2")]);
        assert_eq!(t.client_addr(ip("127.0.0.1"), &headers), ip("198.51.100.7"));
        // Two header lines are one list.
        let two = h(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.8:5555, 10.0.0.2"),
        ]);
        assert_eq!(t.client_addr(ip("127.0.0.1"), &two), ip("198.51.100.8"));
        // Only proxies: the leftmost one is what is known.
        let all = h(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(t.client_addr(ip("127.0.0.1"), &all), ip("10.0.0.3"));
        // Junk ends the walk at the last trusted hop.
        let junk = h(&[("x-forwarded-for", "198.51.100.7, garbage, 10.0.0.2")]);
        assert_eq!(t.client_addr(ip("127.0.0.1"), &junk), ip("10.0.0.2"));
        // No header: the proxy itself.
        assert_eq!(t.client_addr(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
    }

    #[test]
    fn forwarded_rfc7239_is_read_when_present() {
        let t = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        let headers = h(&[
            (
                "forwarded",
                r#"for=192.0.2.43;proto=HTTPS;host="app.example.com", for="[2001:db8:cafe::17]:4711""#,
            ),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(
            t.client_addr(ip("127.0.0.1"), &headers),
            ip("2001:db8:cafe::17")
        );
        let f = t.forwarded_request(ip("127.0.0.1"), &headers).unwrap();
        assert_eq!(f.proto.as_deref(), Some("https"));
        assert_eq!(f.host.as_deref(), Some("app.example.com"));
        assert_eq!(parse_node("unknown"), None);
        assert_eq!(parse_node("_hidden"), None);
        assert_eq!(parse_node("[::1]"), ip("::1"));
        assert!(parse_forwarded("for=\"a;b,c\";proto=http")[0].len() == 2);
    }

    #[test]
    fn the_original_request_comes_from_the_x_headers_first() {
        let t = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        let headers = h(&[
            ("x-forwarded-proto", "https, http"),
            ("x-forwarded-host", "app.example.com"),
            ("x-forwarded-uri", "/private?a=1"),
            ("x-original-url", "https://app.example.com/private?a=1"),
        ]);
        let f = t.forwarded_request(ip("127.0.0.1"), &headers).unwrap();
        assert_eq!(
            f,
            ForwardedRequest {
                proto: Some("https".into()),
                host: Some("app.example.com".into()),
                uri: Some("/private?a=1".into()),
                url: Some("https://app.example.com/private?a=1".into()),
            }
        );
        let nginx = h(&[("x-original-uri", "/x")]);
        let f = t.forwarded_request(ip("127.0.0.1"), &nginx).unwrap();
        assert_eq!(f.uri.as_deref(), Some("/x"));
    }
}
