//! `[callbacks]` and `[session.expose]`: v4's callbacks as policies and webhooks, checked once
//! into [`CallbackSettings`], which [`crate::build`] turns into the core's
//! [`ConfiguredCallbacks`] (module documentation there: what runs when, and what a webhook's
//! answer means).

use nextauth_core::BaseUrl;
use nextauth_core::callbacks::ExposeClaims;
use nextauth_core::callbacks::configured::{
    ConfiguredCallbacks, DomainPattern, PROTECTED_CLAIMS, SignInPolicy,
};
use nextauth_core::webhook::WebhookSecret;

use super::file::CallbacksSection;
use super::source::{SettingsError, Source, err};

/// `[callbacks]` and `[session.expose]`, validated.
#[derive(Debug, Clone, Default)]
pub struct CallbackSettings {
    /// `allowed_emails`, `allowed_email_domains`, and the providers marked `trusted_email`.
    pub policy: SignInPolicy,
    /// `sign_in_url`.
    pub sign_in_url: Option<String>,
    /// `claims_url`.
    pub claims_url: Option<String>,
    /// `[callbacks.profile_claims]`: `(token claim, profile path)`.
    pub profile_claims: Vec<(String, String)>,
    /// `redirect_allow`, as origins (`https://docs.example.com`).
    pub redirect_allow: Vec<String>,
    /// `webhook_secret`: signs every outgoing webhook.
    pub webhook_secret: Option<WebhookSecret>,
    /// `[session.expose]`: `(session path, token claim)`.
    pub expose: Vec<(String, String)>,
}

impl CallbackSettings {
    /// Whether nothing is configured (the core's default callbacks then run, as v4's).
    pub fn is_default(&self) -> bool {
        !self.policy.is_active()
            && self.sign_in_url.is_none()
            && self.claims_url.is_none()
            && self.profile_claims.is_empty()
            && self.redirect_allow.is_empty()
            && self.expose.is_empty()
    }

    /// Startup warnings: a webhook over plain http to a host other than this machine (the claims
    /// webhook receives the IdP's tokens, the signIn webhook the user's profile).
    pub fn warnings(&self) -> Vec<String> {
        [
            ("callbacks.sign_in_url", &self.sign_in_url),
            ("callbacks.claims_url", &self.claims_url),
        ]
        .into_iter()
        .filter_map(|(key, url)| {
            let u = url::Url::parse(url.as_deref()?).ok()?;
            let loopback = match u.host()? {
                url::Host::Domain(d) => d == "localhost",
                url::Host::Ipv4(a) => a.is_loopback(),
                url::Host::Ipv6(a) => a.is_loopback(),
            };
            (u.scheme() == "http" && !loopback).then(|| {
                format!(
                    "`{key}` is plain http to another host: tokens and profiles cross the network \
                     unencrypted; use https"
                )
            })
        })
        .collect()
    }

    /// The core callbacks, for the base URL `base`, calling webhooks with `client`.
    pub fn build(&self, client: reqwest::Client, base: &BaseUrl) -> ConfiguredCallbacks {
        let mut c = ConfiguredCallbacks::new(client, &base.base, &base.origin);
        c.policy = self.policy.clone();
        c.sign_in_url = self.sign_in_url.clone();
        c.claims_url = self.claims_url.clone();
        c.profile_claims = self.profile_claims.clone();
        c.redirect_allow = self.redirect_allow.clone();
        c.expose = ExposeClaims {
            fields: self.expose.clone(),
        };
        c.secret = self.webhook_secret.clone();
        c
    }
}

/// Checks `value` as the URL of a webhook at `key`: http(s), with a host, and no password (it
/// would be logged with every failed call and shown by `nextauth check`; receivers
/// authenticate our requests by their signature, `callbacks.webhook_secret`).
pub(super) fn webhook_url(key: &str, value: &str, src: &Source) -> Result<String, SettingsError> {
    match url::Url::parse(value) {
        Ok(u) if u.password().is_some() => Err(err(
            key,
            src,
            "must not hold a password (it would appear in logs); receivers authenticate \
             requests by their signature (`callbacks.webhook_secret`)",
        )),
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(value.to_string())
        }
        _ => Err(err(
            key,
            src,
            format!("{value:?} is not an http(s) URL like http://127.0.0.1:4400/hook"),
        )),
    }
}

/// An `allowed_emails` entry: `local@domain`, no white space.
fn is_address(s: &str) -> bool {
    matches!(s.rsplit_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty())
        && !s.chars().any(char::is_whitespace)
}

/// A `redirect_allow` entry: an http(s) origin (`https://docs.example.com`, a port if not the
/// default), nothing after it but an optional `/`. Answers its serialisation, as
/// `Url::origin` gives it for the URLs it is compared with.
fn origin_of(value: &str) -> Option<String> {
    let u = url::Url::parse(value).ok()?;
    let bare = matches!(u.scheme(), "http" | "https")
        && u.host().is_some()
        && u.username().is_empty()
        && u.password().is_none()
        && u.path() == "/"
        && u.query().is_none()
        && u.fragment().is_none();
    bare.then(|| u.origin().ascii_serialization())
}

/// Validates `[callbacks]` (from `src`) with the `[session.expose]` table and the ids of the
/// providers marked `trusted_email`.
pub(super) fn resolve(
    section: CallbacksSection,
    expose: Vec<(String, String)>,
    trusted_email_providers: Vec<String>,
    src: &Source,
) -> Result<CallbackSettings, SettingsError> {
    for (i, a) in section.allowed_emails.iter().enumerate() {
        if !is_address(a.trim()) {
            return Err(err(
                &format!("callbacks.allowed_emails[{i}]"),
                src,
                format!("{a:?} is not an e-mail address"),
            ));
        }
    }
    let allowed_email_domains = section
        .allowed_email_domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            DomainPattern::parse(d)
                .map_err(|e| err(&format!("callbacks.allowed_email_domains[{i}]"), src, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sign_in_url = section
        .sign_in_url
        .map(|u| webhook_url("callbacks.sign_in_url", &u, src))
        .transpose()?;
    let claims_url = section
        .claims_url
        .map(|u| webhook_url("callbacks.claims_url", &u, src))
        .transpose()?;
    let redirect_allow = section
        .redirect_allow
        .iter()
        .enumerate()
        .map(|(i, o)| {
            origin_of(o).ok_or_else(|| {
                err(
                    &format!("callbacks.redirect_allow[{i}]"),
                    src,
                    format!("{o:?} is not an origin like \"https://docs.example.com\""),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut profile_claims = Vec::new();
    for (claim, path) in section.profile_claims {
        let key = format!("callbacks.profile_claims.{claim}");
        if claim.is_empty() || PROTECTED_CLAIMS.contains(&claim.as_str()) {
            return Err(err(
                &key,
                src,
                format!(
                    "the claim {claim:?} cannot be set ({} belong to the session itself)",
                    PROTECTED_CLAIMS.join(", ")
                ),
            ));
        }
        if path.split('.').any(str::is_empty) {
            return Err(err(
                &key,
                src,
                format!(
                    "{path:?} is not a profile field or dotted path like \"realm_access.roles\""
                ),
            ));
        }
        profile_claims.push((claim, path));
    }
    let webhook_secret = section
        .webhook_secret
        .as_deref()
        .map(|s| WebhookSecret::parse(s).map_err(|e| err("callbacks.webhook_secret", src, e)))
        .transpose()?;
    Ok(CallbackSettings {
        policy: SignInPolicy {
            allowed_emails: section
                .allowed_emails
                .iter()
                .map(|a| a.trim().to_string())
                .collect(),
            allowed_email_domains,
            trusted_email_providers,
        },
        sign_in_url,
        claims_url,
        profile_claims,
        redirect_allow,
        webhook_secret,
        expose,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::path::PathBuf;

    fn section(toml_text: &str) -> CallbacksSection {
        toml::from_str(toml_text).unwrap()
    }

    fn resolved(toml_text: &str) -> Result<CallbackSettings, SettingsError> {
        let src = Source::File(PathBuf::from("app.toml"));
        resolve(section(toml_text), Vec::new(), Vec::new(), &src)
    }

    #[test]
    fn a_full_section_resolves() {
        let c = resolved(
            r#"
allowed_emails = ["boss@example.org"]
allowed_email_domains = ["example.com", "*.example.net"]
sign_in_url = "http://127.0.0.1:4400/sign-in"
claims_url = "http://127.0.0.1:4400/claims"
redirect_allow = ["https://Docs.example.com/", "http://127.0.0.1:8080"]
webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
[profile_claims]
groups = "groups"
roles = "realm_access.roles"
"#,
        )
        .unwrap();
        assert!(c.policy.is_active());
        assert_eq!(
            c.redirect_allow,
            ["https://docs.example.com", "http://127.0.0.1:8080"]
        );
        assert_eq!(
            c.profile_claims,
            [
                ("groups".to_string(), "groups".to_string()),
                ("roles".to_string(), "realm_access.roles".to_string())
            ]
        );
        assert!(!c.is_default());
        assert!(c.warnings().is_empty(), "loopback http is fine");
        assert!(resolved("").unwrap().is_default());
        let remote = resolved(r#"claims_url = "http://claims.example.com/c""#).unwrap();
        assert_eq!(remote.warnings().len(), 1);
        assert!(remote.warnings()[0].contains("`callbacks.claims_url`"));
    }

    #[test]
    fn bad_values_name_the_key_and_the_source() {
        for (text, key) in [
            (
                r#"allowed_emails = ["nobody"]"#,
                "`callbacks.allowed_emails[0]`",
            ),
            (
                r#"allowed_email_domains = ["ok.com", "a@b.com"]"#,
                "`callbacks.allowed_email_domains[1]`",
            ),
            (r#"sign_in_url = "ftp://x/y""#, "`callbacks.sign_in_url`"),
            (
                r#"claims_url = "http://u:pw@127.0.0.1/c""#,
                "`callbacks.claims_url`",
            ),
            (
                r#"redirect_allow = ["https://docs.example.com/path"]"#,
                "`callbacks.redirect_allow[0]`",
            ),
            (r#"webhook_secret = "plain""#, "`callbacks.webhook_secret`"),
            (
                "[profile_claims]\nsub = \"id\"",
                "`callbacks.profile_claims.sub`",
            ),
            (
                "[profile_claims]\nrole = \"a..b\"",
                "`callbacks.profile_claims.role`",
            ),
        ] {
            let e = resolved(text).unwrap_err().0;
            assert!(
                e.starts_with(&format!("{key} from file app.toml: ")),
                "{text}: {e}"
            );
        }
        assert!(
            toml::from_str::<CallbacksSection>("allowed_email = []").is_err(),
            "an unknown key is an error"
        );
    }
}
