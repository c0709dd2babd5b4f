//! Forward-auth's policy (`[forward_auth]` in the configuration): which hosts it protects and
//! may send a browser back to ([`ForwardAuth::allowed_hosts`]), and who may reach each of them
//! ([`ForwardAuthRule`]). The endpoint itself is `routes::forward_auth`; this module holds only
//! the data and the decisions, so the configuration (and the `callbackUrl` check in `init`) can
//! use them without the route.
//!
//! Not in v4. The contract is that of oauth2-proxy's `/oauth2/auth` and Authelia's
//! `/api/authz/*`: a reverse proxy (nginx `auth_request`, Caddy `forward_auth`, Traefik
//! `forwardAuth`) asks before every request whether the browser's session may see the original
//! URL.

use serde_json::{Map, Value};

use crate::callbacks::configured::DomainPattern;

/// `[forward_auth]`: the hosts forward-auth protects and the rules of access to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardAuth {
    /// `allowed_hosts`: `app.example.com` or `*.example.com` (any subdomain, not the domain
    /// itself), ports ignored. An original URL on another host is refused (401 signed out,
    /// 403 signed in) and never redirected to; a `callbackUrl` on one of them is accepted after
    /// sign-in like one on the base URL's origin.
    pub allowed_hosts: Vec<DomainPattern>,
    /// `[[forward_auth.rules]]`, in order: the first whose `host` matches decides; with none
    /// matching, any signed-in user may pass.
    pub rules: Vec<ForwardAuthRule>,
}

/// One `[[forward_auth.rules]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardAuthRule {
    /// `host`: the original URL's host this rule is for (exact, or `*.` wildcard).
    pub host: DomainPattern,
    /// `allowed_emails`: these addresses pass (ASCII case ignored).
    pub allowed_emails: Vec<String>,
    /// `allowed_email_domains`: addresses at these domains pass (`*.example.com`: subdomains).
    pub allowed_email_domains: Vec<DomainPattern>,
    /// `groups`: a user with any of these in the token claim `groups` passes (exact match).
    pub groups: Vec<String>,
}

/// Who a session belongs to, as forward-auth tells the protected app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The user's id: the token's `sub` (database sessions: the user row's id), the stable id
    /// oauth2-proxy's `X-Auth-Request-User` and Authelia's `Remote-User` carry; the e-mail
    /// address only when there is no id. Empty when neither is known.
    pub user: String,
    /// The e-mail address (`email`), or empty.
    pub email: String,
    /// The display name (`name`), or empty.
    pub name: String,
    /// The token claim `groups` (an array of strings; a single string counts as one group).
    pub groups: Vec<String>,
}

impl Identity {
    /// The identity in a session token's claims (`sub`, `email`, `name`, `groups`).
    pub fn from_claims(claims: &Map<String, Value>) -> Identity {
        let text = |key: &str| {
            claims
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut id = Identity {
            user: text("sub"),
            email: text("email"),
            name: text("name"),
            groups: groups_claim(claims.get("groups")),
        };
        if id.user.is_empty() {
            id.user.clone_from(&id.email);
        }
        id
    }
}

/// The `groups` claim as a list: the strings of an array (others ignored), or one string.
pub fn groups_claim(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// What the rules say about one signed-in user at one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No rule names the host: any signed-in user passes.
    NoRule,
    /// Rule `n` (0-based) names the host and lets the user pass.
    Allowed(usize),
    /// Rule `n` names the host and refuses the user.
    Refused(usize),
}

impl Decision {
    /// Whether the user passes.
    pub fn allows(self) -> bool {
        !matches!(self, Decision::Refused(_))
    }
}

impl ForwardAuth {
    /// Whether `host` (a URL's host, without port) is one of [`ForwardAuth::allowed_hosts`].
    pub fn allows_host(&self, host: &str) -> bool {
        self.allowed_hosts.iter().any(|p| p.matches(host))
    }

    /// Whether `url` is a place forward-auth protects, so a browser may be sent there: an
    /// absolute `http(s)` URL without user info whose host is allowed; with `https_only` (the
    /// base URL is https) it must be https too, so no sign-in ends on a plain-text page.
    pub fn allows_url(&self, url: &url::Url, https_only: bool) -> bool {
        let scheme_ok = match url.scheme() {
            "https" => true,
            "http" => !https_only,
            _ => false,
        };
        scheme_ok
            && url.username().is_empty()
            && url.password().is_none()
            && url.host_str().is_some_and(|h| self.allows_host(h))
    }

    /// [`ForwardAuth::allows_url`] for a `callbackUrl` value (anything unparsable: no).
    pub fn allows_redirect(&self, value: &str, https_only: bool) -> bool {
        url::Url::parse(value).is_ok_and(|u| self.allows_url(&u, https_only))
    }

    /// The first rule whose `host` matches decides; with none, any signed-in user passes.
    pub fn decide(&self, host: &str, who: &Identity) -> Decision {
        match self.rules.iter().position(|r| r.host.matches(host)) {
            None => Decision::NoRule,
            Some(i) if self.rules[i].admits(who) => Decision::Allowed(i),
            Some(i) => Decision::Refused(i),
        }
    }
}

impl ForwardAuthRule {
    /// Whether this rule lets `who` pass: any of its lists admits them (a rule with no list at
    /// all admits every signed-in user).
    pub fn admits(&self, who: &Identity) -> bool {
        if self.allowed_emails.is_empty()
            && self.allowed_email_domains.is_empty()
            && self.groups.is_empty()
        {
            return true;
        }
        // ASCII case only, as the sign-in policy (a Unicode fold can turn KELVIN SIGN into `k`).
        let email = who.email.trim().to_ascii_lowercase();
        if !email.is_empty() {
            if self
                .allowed_emails
                .iter()
                .any(|a| a.trim().to_ascii_lowercase() == email)
            {
                return true;
            }
            if let Some((_, domain)) = email.rsplit_once('@')
                && self.allowed_email_domains.iter().any(|p| p.matches(domain))
            {
                return true;
            }
        }
        self.groups.iter().any(|g| who.groups.contains(g))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn pat(s: &str) -> DomainPattern {
        DomainPattern::parse(s).unwrap()
    }

    fn fa() -> ForwardAuth {
        ForwardAuth {
            allowed_hosts: vec![pat("app.example.com"), pat("*.example.com")],
            rules: vec![
                ForwardAuthRule {
                    host: pat("admin.example.com"),
                    allowed_emails: vec!["Boss@Other.org".into()],
                    allowed_email_domains: vec![pat("example.com")],
                    groups: vec!["admins".into()],
                },
                ForwardAuthRule {
                    host: pat("*.example.com"),
                    allowed_emails: vec![],
                    allowed_email_domains: vec![],
                    groups: vec![],
                },
            ],
        }
    }

    fn who(email: &str, groups: &[&str]) -> Identity {
        Identity {
            user: "u1".into(),
            email: email.into(),
            name: String::new(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn hosts_and_redirect_targets() {
        let f = fa();
        assert!(f.allows_redirect("http://app.example.com:8080/x?y=1", false));
        assert!(f.allows_redirect("https://a.b.example.com/", true));
        assert!(
            !f.allows_redirect("http://app.example.com/", true),
            "https only"
        );
        assert!(
            !f.allows_redirect("https://example.com/", false),
            "*. is subdomains only"
        );
        assert!(!f.allows_redirect("https://evilexample.com/", false));
        assert!(!f.allows_redirect("https://app.example.com.evil.test/", false));
        assert!(!f.allows_redirect("https://x@app.example.com/", false));
        assert!(!f.allows_redirect("https://app.example.com@evil.test/", false));
        assert!(!f.allows_redirect("javascript://app.example.com/%0aalert(1)", false));
        assert!(!f.allows_redirect("/relative", false));
        assert!(f.allows_redirect("HTTPS://APP.EXAMPLE.COM/", false));
    }

    #[test]
    fn first_matching_rule_decides() {
        let f = fa();
        let admin = "admin.example.com";
        assert_eq!(
            f.decide(admin, &who("a@example.com", &[])),
            Decision::Allowed(0)
        );
        assert_eq!(
            f.decide(admin, &who("BOSS@other.org", &[])),
            Decision::Allowed(0)
        );
        assert_eq!(
            f.decide(admin, &who("x@other.org", &["admins"])),
            Decision::Allowed(0)
        );
        assert_eq!(
            f.decide(admin, &who("x@other.org", &["Admins"])),
            Decision::Refused(0)
        );
        assert_eq!(
            f.decide(admin, &who("x@sub.example.com", &[])),
            Decision::Refused(0)
        );
        assert_eq!(f.decide(admin, &who("", &[])), Decision::Refused(0));
        // The second rule has no list: everyone signed in.
        assert_eq!(
            f.decide("app.example.com", &who("x@other.org", &[])),
            Decision::Allowed(1)
        );
        assert_eq!(
            f.decide("elsewhere.test", &who("x@other.org", &[])),
            Decision::NoRule
        );
        assert!(Decision::NoRule.allows() && !Decision::Refused(0).allows());
    }

    #[test]
    fn identity_from_claims() {
        let c = json!({"sub": "42", "email": "a@b.c", "name": "A", "groups": ["x", 1, "", "y"]});
        let id = Identity::from_claims(c.as_object().unwrap());
        assert_eq!(
            id,
            Identity {
                user: "42".into(),
                email: "a@b.c".into(),
                name: "A".into(),
                groups: vec!["x".into(), "y".into()]
            }
        );
        let c = json!({"email": "a@b.c", "groups": "solo"});
        let id = Identity::from_claims(c.as_object().unwrap());
        assert_eq!((id.user.as_str(), id.groups.len()), ("a@b.c", 1));
        assert_eq!(Identity::from_claims(&Map::new()), Identity::default());
    }
}
