//! `cookie_domain` and `[forward_auth]`, checked once into the core's
//! [`nextauth_core::AuthConfig::cookie_domain`] and [`ForwardAuth`]. Every error names the key
//! (`forward_auth.rules[0].host`) and the file; the rest (the base URL under `cookie_domain`,
//! `trusted_proxies` present) is the core's validation.

use nextauth_core::AuthConfig;
use nextauth_core::callbacks::configured::DomainPattern;
use nextauth_core::forward_auth::{ForwardAuth, ForwardAuthRule};

use super::file::ForwardAuthSection;
use super::source::{SettingsError, Source, err};

/// Moves `cookie_domain` and `[forward_auth]` from the file into `auth`.
///
/// # Errors
/// A host or domain pattern that is not `example.com` / `*.example.com`, a rule without `host`,
/// an empty address, a bad `cookie_domain`.
pub(super) fn apply(
    cookie_domain: Option<String>,
    forward_auth: Option<ForwardAuthSection>,
    auth: &mut AuthConfig,
    fsrc: &Source,
) -> Result<(), SettingsError> {
    if let Some(d) = cookie_domain {
        // `.example.com` (the old RFC 2109 spelling) means the same as `example.com`.
        let d = d.trim();
        let d = d.strip_prefix('.').unwrap_or(d).to_ascii_lowercase();
        if d.is_empty()
            || d.contains('*')
            || DomainPattern::parse(&d).is_err()
            || !d.contains('.') && d != "localhost"
        {
            return Err(err(
                "cookie_domain",
                fsrc,
                format!("{d:?} is not a domain like \"example.com\""),
            ));
        }
        auth.cookie_domain = Some(d);
    }
    let Some(section) = forward_auth else {
        return Ok(());
    };
    let pattern = |key: String, v: &str| DomainPattern::parse(v).map_err(|e| err(&key, fsrc, e));
    let allowed_hosts = section
        .allowed_hosts
        .iter()
        .enumerate()
        .map(|(i, h)| pattern(format!("forward_auth.allowed_hosts[{i}]"), h))
        .collect::<Result<Vec<_>, _>>()?;
    if allowed_hosts.is_empty() {
        return Err(err(
            "forward_auth.allowed_hosts",
            fsrc,
            "name at least one host forward-auth protects (\"app.example.com\", \"*.example.com\")",
        ));
    }
    let mut rules = Vec::with_capacity(section.rules.len());
    for (i, r) in section.rules.into_iter().enumerate() {
        let key = |k: &str| format!("forward_auth.rules[{i}].{k}");
        let Some(host) = r.host else {
            return Err(err(
                &key("host"),
                fsrc,
                "is missing: the host this rule is for",
            ));
        };
        let host = pattern(key("host"), &host)?;
        let allowed_email_domains = r
            .allowed_email_domains
            .iter()
            .enumerate()
            .map(|(j, d)| pattern(format!("{}[{j}]", key("allowed_email_domains")), d))
            .collect::<Result<Vec<_>, _>>()?;
        for (j, e) in r.allowed_emails.iter().enumerate() {
            if !e.contains('@') || e.trim() != e {
                return Err(err(
                    &format!("{}[{j}]", key("allowed_emails")),
                    fsrc,
                    format!("{e:?} is not an e-mail address"),
                ));
            }
        }
        if let Some(j) = r
            .groups
            .iter()
            .position(|g| g.is_empty() || g.contains(','))
        {
            return Err(err(
                &format!("{}[{j}]", key("groups")),
                fsrc,
                "a group name is not empty and has no comma (Remote-Groups joins them with commas)",
            ));
        }
        rules.push(ForwardAuthRule {
            host,
            allowed_emails: r.allowed_emails,
            allowed_email_domains,
            groups: r.groups,
        });
    }
    auth.forward_auth = Some(ForwardAuth {
        allowed_hosts,
        rules,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::{Path, PathBuf};

    use super::super::{parse_file, resolve};

    fn load(toml: &str) -> Result<super::super::Settings, String> {
        let path = PathBuf::from("/etc/nextauth.toml");
        let file = parse_file(toml, Path::new(&path)).map_err(|e| e.0)?;
        resolve(file, Some(path), &|_| None).map_err(|e| e.0)
    }

    const BASE: &str = r#"
url = "https://auth.example.com/api/auth"
secret = "0123456789abcdef0123456789abcdef"
trusted_proxies = ["127.0.0.1/32", "10.0.0.0/8"]
"#;

    #[test]
    fn the_issue_example_loads() {
        let s = load(&format!(
            r#"{BASE}
cookie_domain = "example.com"
[forward_auth]
allowed_hosts = ["app.example.com", "*.example.com"]
[[forward_auth.rules]]
host = "admin.example.com"
allowed_email_domains = ["example.com"]
allowed_emails = ["boss@other.org"]
groups = ["admins"]
"#
        ))
        .unwrap();
        assert_eq!(s.auth.cookie_domain.as_deref(), Some("example.com"));
        let fa = s.auth.forward_auth.as_ref().unwrap();
        assert_eq!(fa.allowed_hosts.len(), 2);
        assert_eq!(fa.rules[0].host.to_string(), "admin.example.com");
        assert_eq!(fa.rules[0].groups, ["admins"]);
    }

    #[test]
    fn errors_name_the_key_and_the_file() {
        for (extra, key) in [
            (
                "[forward_auth]\nallowed_hosts = [\"app.example.com\"]\n[[forward_auth.rules]]\nhost = \"a/b\"\n",
                "`forward_auth.rules[0].host` from file /etc/nextauth.toml",
            ),
            (
                "[forward_auth]\nallowed_hosts = [\"ok.example.com\", \"*\"]\n",
                "`forward_auth.allowed_hosts[1]` from file /etc/nextauth.toml",
            ),
            (
                "[forward_auth]\nallowed_hosts = []\n",
                "`forward_auth.allowed_hosts` from file",
            ),
            (
                "[forward_auth]\nallowed_hosts = [\"a.example.com\"]\n[[forward_auth.rules]]\nallowed_emails = [\"a@b.c\"]\n",
                "`forward_auth.rules[0].host` from file",
            ),
            (
                "[forward_auth]\nallowed_hosts = [\"a.example.com\"]\n[[forward_auth.rules]]\nhost = \"a.example.com\"\nallowed_email_domains = [\"x@y\"]\n",
                "`forward_auth.rules[0].allowed_email_domains[0]`",
            ),
            (
                "[forward_auth]\nallowed_hosts = [\"a.example.com\"]\n[[forward_auth.rules]]\nhost = \"a.example.com\"\ngroups = [\"a,b\"]\n",
                "`forward_auth.rules[0].groups[0]`",
            ),
            (
                "cookie_domain = \"*.example.com\"\n",
                "`cookie_domain` from file",
            ),
            ("cookie_domain = \"com\"\n", "`cookie_domain` from file"),
            ("cookie_domain = \"other.org\"\n", "cookie_domain"),
            (
                "[forward_auth]\nallowed_hosts = [\"a.example.com\"]\nrule = []\n",
                "unknown field `rule`",
            ),
            (
                "[forward_auth]\nallowed_hosts = [\"a.example.com\"]\n[[forward_auth.rules]]\nhost = \"a.example.com\"\nemail = \"x\"\n",
                "unknown field `email`",
            ),
        ] {
            let e = load(&format!("{BASE}{extra}")).err().unwrap_or_default();
            assert!(e.contains(key), "{extra}\n→ {e}");
        }
        // A leading dot is the old spelling of the same domain.
        let s = load(&format!("{BASE}cookie_domain = \".Example.com\"\n")).unwrap();
        assert_eq!(s.auth.cookie_domain.as_deref(), Some("example.com"));
        // forward_auth without trusted_proxies: the core says why.
        let e = load(
            "url = \"https://auth.example.com\"\nsecret = \"0123456789abcdef0123456789abcdef\"\n[forward_auth]\nallowed_hosts = [\"a.example.com\"]\n",
        )
        .err()
        .unwrap();
        assert!(e.contains("trusted_proxies"), "{e}");
    }
}
