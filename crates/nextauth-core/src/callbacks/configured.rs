//! The server's callbacks, declared in `[callbacks]` instead of written in JavaScript: what v4
//! apps most often do in `callbacks.signIn`, `callbacks.jwt`, `callbacks.redirect` and
//! `callbacks.session` (next-auth v4 `core/types.ts`, `CallbacksOptions`).
//!
//! | v4 callback | here, in this order |
//! |---|---|
//! | `signIn` | [`SignInPolicy`] (allowed addresses and domains, a verified address), then the `sign_in_url` webhook |
//! | `jwt` | `profile_claims` (at sign-in), then the `claims_url` webhook (at sign-in and on `update()`, never on a plain read) |
//! | `redirect` | v4's default, plus the `redirect_allow` origins |
//! | `session` | [`ExposeClaims`] (`[session.expose]`) |
//!
//! Every webhook is one signed JSON POST through [`crate::webhook::post_json_once`] (Standard
//! Webhooks headers; `webhook-signature` with a `webhook_secret`), bounded by
//! [`WEBHOOK_TIMEOUT`]. A webhook that times out, answers a non-2xx status or a body it cannot
//! read refuses the sign-in (`signIn`: v4's `AccessDenied`; claims: `Callback`), is logged with
//! the reason, and never panics.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::{
    CallbackError, Callbacks, ExposeClaims, JwtArgs, SessionArgs, SignInArgs, SignInDecision,
    Trigger,
};
use crate::callback_url::{InvalidUrl, default_redirect, is_acceptable};
use crate::events::strip_tokens;
use crate::webhook::{WebhookAnswer, WebhookSecret, post_json_once};

/// How long the `signIn` and claims webhooks may take (the whole call).
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// Token claims a claims webhook or `profile_claims` may not set: the subject and the times and
/// id the JWT codec writes.
pub const PROTECTED_CLAIMS: &[&str] = &["sub", "iat", "exp", "jti"];

/// An entry of `allowed_email_domains`: `example.com` (that domain only) or `*.example.com`
/// (any subdomain of it, not `example.com` itself). Compared ignoring ASCII case (other
/// characters must be equal: write an internationalised domain as its addresses arrive), a
/// trailing dot ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPattern {
    domain: String,
    subdomains: bool,
}

/// Why an `allowed_email_domains` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a domain like \"example.com\" or \"*.example.com\"")]
pub struct DomainPatternError(pub String);

impl DomainPattern {
    /// Parses `example.com` or `*.example.com`.
    ///
    /// # Errors
    /// An empty value, an `@`, a `*` anywhere but a leading `*.`, white space, `/` or `:`, or
    /// an empty label (`a..b`).
    pub fn parse(s: &str) -> Result<Self, DomainPatternError> {
        let lower = s.trim().to_ascii_lowercase();
        let (subdomains, rest) = match lower.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, lower.as_str()),
        };
        let domain = rest.strip_suffix('.').unwrap_or(rest);
        let bad = domain.is_empty()
            || domain
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '@' | '*' | '/' | ':' | '\\'))
            || domain.split('.').any(str::is_empty);
        if bad {
            return Err(DomainPatternError(s.to_string()));
        }
        Ok(DomainPattern {
            domain: domain.to_string(),
            subdomains,
        })
    }

    /// Whether the domain part of an address matches.
    pub fn matches(&self, domain: &str) -> bool {
        let lower = domain.to_ascii_lowercase();
        let d = lower.strip_suffix('.').unwrap_or(&lower);
        if !self.subdomains {
            return d == self.domain;
        }
        d.len() > self.domain.len()
            && d.ends_with(&self.domain)
            && d.as_bytes()[d.len() - self.domain.len() - 1] == b'.'
    }
}

impl fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.subdomains {
            f.write_str("*.")?;
        }
        f.write_str(&self.domain)
    }
}

/// Who may sign in: `allowed_emails` and `allowed_email_domains` of `[callbacks]`, and the
/// providers whose addresses count as verified (`trusted_email`). With neither list set,
/// everyone may (v4's default).
///
/// With a list set, the sign-in's address must be one of `allowed_emails` or at one of
/// `allowed_email_domains`. The address is the one the sign-in proves:
/// * e-mail provider: the address the link is (to be) sent to; the check runs before any mail
///   is sent (v4 calls `signIn` with `email.verificationRequest: true`) and again on the link;
/// * OAuth/OIDC: the address the IdP states now, the one its `email_verified` speaks of: the
///   profile's `email` (the user's address when the profile has none, as with a provider whose
///   profile mapping takes it elsewhere), never an address stored at an earlier sign-in, so a
///   changed address at the IdP is checked again; it must also be verified: `email_verified:
///   true` (or `"true"`) in the ID token or userinfo profile, or the provider is
///   `trusted_email`;
/// * credentials: the address the `authorize` webhook returned (the app's own backend vouches
///   for it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInPolicy {
    /// Addresses that may sign in, compared case-insensitively.
    pub allowed_emails: Vec<String>,
    /// Domains whose addresses may sign in.
    pub allowed_email_domains: Vec<DomainPattern>,
    /// Ids of the OAuth/OIDC providers whose addresses count as verified without
    /// `email_verified`.
    pub trusted_email_providers: Vec<String>,
}

/// Why [`SignInPolicy::check`] refused a sign-in (for the log; the browser gets `AccessDenied`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    /// The sign-in carries no address to check.
    #[error("the sign-in has no e-mail address")]
    NoAddress,
    /// An OAuth/OIDC address without `email_verified: true` from a provider not `trusted_email`.
    #[error(
        "{address:?} is not verified: the profile of provider {provider:?} has no \
         `email_verified: true` and the provider is not `trusted_email`"
    )]
    NotVerified {
        /// The address.
        address: String,
        /// The provider id.
        provider: String,
    },
    /// Neither an allowed address nor at an allowed domain.
    #[error(
        "{address:?} is neither in `allowed_emails` nor at a domain of `allowed_email_domains`"
    )]
    NotAllowed {
        /// The address.
        address: String,
    },
}

impl SignInPolicy {
    /// Whether any list is set (otherwise [`SignInPolicy::check`] allows everything).
    pub fn is_active(&self) -> bool {
        !self.allowed_emails.is_empty() || !self.allowed_email_domains.is_empty()
    }

    /// Allows or refuses one sign-in (see the type's documentation for which address).
    ///
    /// # Errors
    /// Why the sign-in is refused.
    pub fn check(&self, args: &SignInArgs<'_>) -> Result<(), PolicyRefusal> {
        if !self.is_active() {
            return Ok(());
        }
        let kind = args.account.kind.as_str();
        let oauth = matches!(kind, "oauth" | "oidc");
        let stated = args
            .profile
            .and_then(|p| p.get("email"))
            .and_then(Value::as_str);
        let address = match kind {
            "email" => Some(args.account.provider_account_id.as_str()),
            _ if oauth && stated.is_some() => stated,
            _ => args.user.email.as_deref(),
        }
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or(PolicyRefusal::NoAddress)?;
        if oauth
            && !self
                .trusted_email_providers
                .contains(&args.account.provider)
            && !profile_says_verified(args.profile)
        {
            return Err(PolicyRefusal::NotVerified {
                address: address.to_string(),
                provider: args.account.provider.clone(),
            });
        }
        // ASCII case only: a Unicode case mapping can fold a character into an ASCII one
        // (KELVIN SIGN into `k`), which would let an address match a domain it is not at.
        let lower = address.to_ascii_lowercase();
        if self
            .allowed_emails
            .iter()
            .any(|a| a.trim().to_ascii_lowercase() == lower)
        {
            return Ok(());
        }
        if let Some((_, domain)) = lower.rsplit_once('@')
            && self.allowed_email_domains.iter().any(|p| p.matches(domain))
        {
            return Ok(());
        }
        Err(PolicyRefusal::NotAllowed {
            address: address.to_string(),
        })
    }
}

/// `email_verified` of an OIDC profile: `true`, or the string `"true"` some IdPs send.
fn profile_says_verified(profile: Option<&Value>) -> bool {
    match profile.and_then(|p| p.get("email_verified")) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// The callbacks of the `nextauth` server's configuration (module documentation).
#[derive(Debug, Clone)]
pub struct ConfiguredCallbacks {
    /// `allowed_emails`, `allowed_email_domains`, `trusted_email`.
    pub policy: SignInPolicy,
    /// `sign_in_url`: the `signIn` webhook.
    pub sign_in_url: Option<String>,
    /// `claims_url`: the `jwt` webhook.
    pub claims_url: Option<String>,
    /// `[callbacks.profile_claims]`: `(token claim, dotted path in the profile)` pairs.
    pub profile_claims: Vec<(String, String)>,
    /// `redirect_allow`: origins (`https://docs.example.com`, as `Url::origin` serialises
    /// them) that a `callbackUrl` may target besides the base URL's.
    pub redirect_allow: Vec<String>,
    /// `[session.expose]`.
    pub expose: ExposeClaims,
    /// `webhook_secret`: signs every webhook.
    pub secret: Option<WebhookSecret>,
    /// The HTTP client of the webhooks.
    pub client: reqwest::Client,
    /// The base URL, path included (`http://localhost:3000/api/auth`): a `signIn` webhook's
    /// `redirect` is checked against it like any `callbackUrl`.
    pub base: String,
    /// The base URL's origin.
    pub origin: String,
    /// Time allowed for one webhook call ([`WEBHOOK_TIMEOUT`]).
    pub timeout: Duration,
}

impl ConfiguredCallbacks {
    /// Callbacks that change nothing yet (v4's defaults), for the base URL `base` (path
    /// included) of origin `origin`.
    pub fn new(client: reqwest::Client, base: &str, origin: &str) -> Self {
        ConfiguredCallbacks {
            policy: SignInPolicy::default(),
            sign_in_url: None,
            claims_url: None,
            profile_claims: Vec::new(),
            redirect_allow: Vec::new(),
            expose: ExposeClaims::default(),
            secret: None,
            client,
            base: base.to_string(),
            origin: origin.to_string(),
            timeout: WEBHOOK_TIMEOUT,
        }
    }

    /// One signed POST of `body` to `url`, counted as a delivery of `webhook`
    /// ([`crate::telemetry::WEBHOOK_DELIVERIES`]).
    async fn post(
        &self,
        webhook: &'static str,
        url: &str,
        body: &Value,
    ) -> Result<WebhookAnswer, CallbackError> {
        let answer =
            post_json_once(&self.client, url, body, self.secret.as_ref(), self.timeout).await;
        crate::telemetry::webhook_delivery(
            webhook,
            crate::telemetry::WebhookOutcome::of(answer.as_ref().ok().map(|a| a.status)),
        );
        let answer = answer.map_err(|e| CallbackError(e.to_string()))?;
        if !(200..300).contains(&answer.status) {
            return Err(CallbackError(format!(
                "POST {url}: answered {}",
                answer.status
            )));
        }
        Ok(answer)
    }

    /// What the `signIn` webhook's answer means (module documentation of the server's
    /// `[callbacks]`): `true` / `{"allow": true}`, `false` / `{"allow": false}`, or
    /// `{"redirect": "/path"}`, checked like any `callbackUrl`.
    fn sign_in_answer(&self, url: &str, body: &[u8]) -> Result<SignInDecision, CallbackError> {
        let bad = |what: &str| CallbackError(format!("POST {url}: {what}"));
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| bad(&format!("the answer is not JSON ({e})")))?;
        match &value {
            Value::Bool(true) => Ok(SignInDecision::Allow),
            Value::Bool(false) => Ok(SignInDecision::Deny),
            Value::Object(o) => match (o.get("redirect"), o.get("allow")) {
                (Some(Value::String(to)), _) => Ok(SignInDecision::Redirect(self.checked(to))),
                (Some(_), _) => Err(bad("`redirect` is not a string")),
                (None, Some(Value::Bool(true))) => Ok(SignInDecision::Allow),
                (None, Some(Value::Bool(false))) => Ok(SignInDecision::Deny),
                _ => Err(bad(
                    "expected true, false, {\"allow\": bool} or {\"redirect\": \"/path\"}",
                )),
            },
            _ => Err(bad(
                "expected true, false, {\"allow\": bool} or {\"redirect\": \"/path\"}",
            )),
        }
    }

    /// A redirect target checked as `init` checks a `callbackUrl`: a relative path on the base
    /// URL's origin or an absolute http(s) URL, then the `redirect` callback; anything else
    /// gives the origin.
    fn checked(&self, to: &str) -> String {
        if is_acceptable(to, &self.base)
            && let Ok(url) = self.redirect(to, &self.origin)
        {
            return url;
        }
        tracing::warn!(target_url = ?to, "the signIn webhook's redirect is not acceptable: sending the browser to the origin");
        self.origin.clone()
    }
}

/// v4's `signIn` arguments as JSON, tokens stripped: `{user, account, profile?, email?}`
/// (`email: {verificationRequest: true}` only while an e-mail link is requested, as v4;
/// no credentials, so never a password).
fn sign_in_body(args: &SignInArgs<'_>) -> Value {
    let mut body = Map::new();
    body.insert("user".into(), to_value(args.user));
    body.insert("account".into(), to_value(args.account));
    if let Some(p) = args.profile {
        body.insert("profile".into(), p.clone());
    }
    if args.email_verification_request {
        body.insert(
            "email".into(),
            serde_json::json!({ "verificationRequest": true }),
        );
    }
    let mut body = Value::Object(body);
    strip_tokens(&mut body);
    body
}

/// v4's `jwt` arguments as JSON: `{token, user?, account?, profile?, trigger, isNewUser?,
/// session?}`; what v4 leaves `undefined` is left out, as `JSON.stringify` does. The account
/// keeps its tokens: copying `account.access_token` into the token is what a claims webhook
/// is for.
fn claims_body(token: &Map<String, Value>, args: &JwtArgs<'_>, trigger: Trigger) -> Value {
    let mut body = Map::new();
    body.insert("token".into(), Value::Object(token.clone()));
    if let Some(u) = args.user {
        body.insert("user".into(), to_value(u));
    }
    if let Some(a) = args.account {
        body.insert("account".into(), to_value(a));
    }
    if let Some(p) = args.profile {
        body.insert("profile".into(), p.clone());
    }
    body.insert("trigger".into(), Value::String(trigger.as_str().into()));
    if let Some(n) = args.is_new_user {
        body.insert("isNewUser".into(), Value::Bool(n));
    }
    if let Some(s) = args.session {
        body.insert("session".into(), s.clone());
    }
    Value::Object(body)
}

fn to_value(v: &impl serde::Serialize) -> Value {
    // The domain types serialise to JSON objects; this cannot fail.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The value at a dotted path (`groups`, `realm_access.roles`) of a JSON object.
fn get_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |cur, part| cur.get(part))
}

/// Merges a claims answer into the token; the [`PROTECTED_CLAIMS`] are never overwritten.
fn merge_claims(token: &mut Map<String, Value>, answer: Map<String, Value>, url: &str) {
    for (k, v) in answer {
        if PROTECTED_CLAIMS.contains(&k.as_str()) {
            tracing::warn!(claim = %k, url, "the claims webhook may not set this claim: ignored");
            continue;
        }
        token.insert(k, v);
    }
}

#[async_trait]
impl Callbacks for ConfiguredCallbacks {
    async fn sign_in(&self, args: SignInArgs<'_>) -> SignInDecision {
        if let Err(reason) = self.policy.check(&args) {
            tracing::info!(provider = %args.account.provider, %reason, "the sign-in policy refused the sign-in");
            return SignInDecision::Deny;
        }
        let Some(url) = &self.sign_in_url else {
            return SignInDecision::Allow;
        };
        let decision = match self.post("sign_in", url, &sign_in_body(&args)).await {
            Ok(answer) => self.sign_in_answer(url, &answer.body),
            Err(e) => Err(e),
        };
        match decision {
            Ok(d) => {
                if d != SignInDecision::Allow {
                    tracing::info!(provider = %args.account.provider, decision = ?d, "the signIn webhook refused the sign-in");
                }
                d
            }
            Err(reason) => {
                tracing::warn!(provider = %args.account.provider, %reason, "the signIn webhook failed: the sign-in is refused");
                SignInDecision::Deny
            }
        }
    }

    fn redirect(&self, url: &str, base_url: &str) -> Result<String, InvalidUrl> {
        if !self.redirect_allow.is_empty()
            && !url.starts_with('/')
            && url != base_url
            && let Ok(parsed) = url::Url::parse(url)
            && matches!(parsed.scheme(), "http" | "https")
        {
            let origin = parsed.origin().ascii_serialization();
            if self.redirect_allow.contains(&origin) {
                return Ok(url.to_string());
            }
        }
        default_redirect(url, base_url)
    }

    async fn jwt(&self, args: JwtArgs<'_>) -> Result<Map<String, Value>, CallbackError> {
        // A plain session read: nothing to call (a webhook per read would cost every request).
        let Some(trigger) = args.trigger else {
            return Ok(args.token);
        };
        let mut token = args.token.clone();
        if matches!(trigger, Trigger::SignIn | Trigger::SignUp)
            && let Some(profile) = args.profile
        {
            for (claim, path) in &self.profile_claims {
                if let Some(v) = get_path(profile, path) {
                    token.insert(claim.clone(), v.clone());
                }
            }
        }
        let Some(url) = &self.claims_url else {
            return Ok(token);
        };
        let answer = self
            .post("claims", url, &claims_body(&token, &args, trigger))
            .await?;
        match serde_json::from_slice::<Value>(&answer.body) {
            Ok(Value::Object(claims)) => {
                merge_claims(&mut token, claims, url);
                Ok(token)
            }
            Ok(_) => Err(CallbackError(format!(
                "POST {url}: the answer is not a JSON object"
            ))),
            Err(e) => Err(CallbackError(format!(
                "POST {url}: the answer is not JSON ({e})"
            ))),
        }
    }

    async fn session(&self, args: SessionArgs<'_>) -> Value {
        self.expose.session(args).await
    }

    fn database_claims(&self) -> bool {
        self.claims_url.is_some() || !self.profile_claims.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{Account, User};
    use serde_json::json;

    fn user(email: Option<&str>) -> User {
        User {
            id: "1".into(),
            email: email.map(str::to_string),
            ..User::default()
        }
    }

    fn policy(emails: &[&str], domains: &[&str], trusted: &[&str]) -> SignInPolicy {
        SignInPolicy {
            allowed_emails: emails.iter().map(|s| s.to_string()).collect(),
            allowed_email_domains: domains
                .iter()
                .map(|d| DomainPattern::parse(d).unwrap())
                .collect(),
            trusted_email_providers: trusted.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn check(
        p: &SignInPolicy,
        kind: &str,
        provider: &str,
        email: Option<&str>,
        profile: Option<Value>,
    ) -> Result<(), PolicyRefusal> {
        let u = user(email);
        let account = Account::new(kind, provider, email.unwrap_or("x"));
        p.check(&SignInArgs {
            user: &u,
            account: &account,
            profile: profile.as_ref(),
            email_verification_request: false,
        })
    }

    #[test]
    fn domain_patterns() {
        let exact = DomainPattern::parse("Example.COM.").unwrap();
        assert!(exact.matches("example.com"));
        assert!(exact.matches("EXAMPLE.com."));
        assert!(!exact.matches("sub.example.com"));
        assert!(!exact.matches("badexample.com"));
        let sub = DomainPattern::parse("*.example.com").unwrap();
        assert!(sub.matches("a.example.com"));
        assert!(sub.matches("b.a.example.com"));
        assert!(!sub.matches("example.com"));
        assert!(!sub.matches("aexample.com"));
        assert_eq!(sub.to_string(), "*.example.com");
        for bad in [
            "",
            "*",
            "*.",
            "a@b.com",
            "a..b",
            "ex ample.com",
            "a.*.com",
            "a/b",
        ] {
            assert!(DomainPattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn no_list_allows_everyone() {
        let p = SignInPolicy::default();
        assert_eq!(check(&p, "oauth", "idp", None, None), Ok(()));
    }

    #[test]
    fn oauth_needs_a_verified_allowed_address() {
        let p = policy(&["Boss@Example.org"], &["example.com"], &["trusted"]);
        let verified = Some(json!({"email_verified": true}));
        assert_eq!(
            check(&p, "oauth", "idp", Some("a@example.com"), verified.clone()),
            Ok(())
        );
        assert_eq!(
            check(
                &p,
                "oauth",
                "idp",
                Some("boss@example.ORG"),
                verified.clone()
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &p,
                "oauth",
                "idp",
                Some("a@example.com"),
                Some(json!({"email_verified": "true"}))
            ),
            Ok(())
        );
        assert!(matches!(
            check(
                &p,
                "oauth",
                "idp",
                Some("a@example.com"),
                Some(json!({"email_verified": false}))
            ),
            Err(PolicyRefusal::NotVerified { .. })
        ));
        assert!(matches!(
            check(&p, "oauth", "idp", Some("a@example.com"), None),
            Err(PolicyRefusal::NotVerified { .. })
        ));
        assert_eq!(
            check(&p, "oauth", "trusted", Some("a@example.com"), None),
            Ok(())
        );
        assert!(matches!(
            check(&p, "oauth", "idp", Some("a@other.test"), verified.clone()),
            Err(PolicyRefusal::NotAllowed { .. })
        ));
        assert!(matches!(
            check(
                &p,
                "oauth",
                "idp",
                Some("a@sub.example.com"),
                verified.clone()
            ),
            Err(PolicyRefusal::NotAllowed { .. })
        ));
        assert_eq!(
            check(&p, "oauth", "idp", None, verified),
            Err(PolicyRefusal::NoAddress)
        );
    }

    /// A known account whose IdP address changed: the address the IdP states now is checked,
    /// not the one stored at the first sign-in.
    #[test]
    fn oauth_checks_the_address_the_idp_states_now() {
        let p = policy(&[], &["corp.test"], &[]);
        let stored = user(Some("alice@corp.test"));
        let account = Account::new("oauth", "idp", "sub-1");
        let profile = json!({"email": "alice@gmail.test", "email_verified": true});
        let args = SignInArgs {
            user: &stored,
            account: &account,
            profile: Some(&profile),
            email_verification_request: false,
        };
        assert!(matches!(
            p.check(&args),
            Err(PolicyRefusal::NotAllowed { address }) if address == "alice@gmail.test"
        ));
        let profile = json!({"email": "ALICE@corp.test", "email_verified": true});
        let args = SignInArgs {
            profile: Some(&profile),
            ..args
        };
        assert_eq!(p.check(&args), Ok(()));
        // A Unicode character that case-folds into ASCII does not match.
        let kelvin = policy(&[], &["kelvin.test"], &[]);
        assert!(
            check(
                &kelvin,
                "credentials",
                "c",
                Some("a@\u{212A}elvin.test"),
                None
            )
            .is_err()
        );
    }

    #[test]
    fn email_and_credentials_check_the_address_only() {
        let p = policy(&[], &["*.example.com"], &[]);
        assert_eq!(
            check(&p, "email", "email", Some("x@mail.example.com"), None),
            Ok(())
        );
        assert!(check(&p, "email", "email", Some("x@example.com"), None).is_err());
        assert_eq!(
            check(&p, "credentials", "c", Some("x@a.example.com"), None),
            Ok(())
        );
        assert_eq!(
            check(&p, "credentials", "c", None, None),
            Err(PolicyRefusal::NoAddress)
        );
    }

    fn configured() -> ConfiguredCallbacks {
        let mut c = ConfiguredCallbacks::new(
            reqwest::Client::new(),
            "https://app.example.com/api/auth",
            "https://app.example.com",
        );
        c.redirect_allow = vec!["https://docs.example.com".into()];
        c
    }

    #[test]
    fn sign_in_answers() {
        let c = configured();
        let a = |body: &str| c.sign_in_answer("u", body.as_bytes());
        assert_eq!(a("true"), Ok(SignInDecision::Allow));
        assert_eq!(a("false"), Ok(SignInDecision::Deny));
        assert_eq!(a(r#"{"allow": true}"#), Ok(SignInDecision::Allow));
        assert_eq!(a(r#"{"allow": false}"#), Ok(SignInDecision::Deny));
        assert_eq!(
            a(r#"{"redirect": "/welcome"}"#),
            Ok(SignInDecision::Redirect(
                "https://app.example.com/welcome".into()
            ))
        );
        assert_eq!(
            a(r#"{"redirect": "https://docs.example.com/x"}"#),
            Ok(SignInDecision::Redirect(
                "https://docs.example.com/x".into()
            ))
        );
        for unsafe_target in [
            "https://evil.test/x",
            "//evil.test/x",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                a(&json!({ "redirect": unsafe_target }).to_string()),
                Ok(SignInDecision::Redirect("https://app.example.com".into())),
                "{unsafe_target}"
            );
        }
        for bad in [
            "",
            "null",
            "1",
            "\"yes\"",
            "{}",
            r#"{"allow": "true"}"#,
            r#"{"redirect": 1}"#,
        ] {
            assert!(a(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn redirect_allows_the_listed_origins_only() {
        let c = configured();
        let o = "https://app.example.com";
        assert_eq!(
            c.redirect("https://docs.example.com/a?b", o).unwrap(),
            "https://docs.example.com/a?b"
        );
        assert_eq!(
            c.redirect("https://DOCS.example.com/a", o).unwrap(),
            "https://DOCS.example.com/a"
        );
        assert_eq!(c.redirect("http://docs.example.com/a", o).unwrap(), o);
        assert_eq!(c.redirect("https://docs.example.com:8443/a", o).unwrap(), o);
        assert_eq!(c.redirect("https://evil.test/", o).unwrap(), o);
        assert_eq!(c.redirect("/x", o).unwrap(), "https://app.example.com/x");
    }

    #[test]
    fn sign_in_bodies_carry_no_token_or_password() {
        let u = user(Some("a@example.com"));
        let mut account = Account::new("oauth", "idp", "sub-1");
        account.access_token = Some("AT".into());
        account.id_token = Some("IT".into());
        let profile = json!({"sub": "sub-1", "email": "a@example.com"});
        let body = sign_in_body(&SignInArgs {
            user: &u,
            account: &account,
            profile: Some(&profile),
            email_verification_request: false,
        });
        let text = body.to_string();
        assert!(!text.contains("AT") && !text.contains("IT"), "{text}");
        assert_eq!(body["account"]["providerAccountId"], "sub-1");
        assert_eq!(body["profile"]["email"], "a@example.com");
        assert!(body.get("email").is_none());
        let request = sign_in_body(&SignInArgs {
            user: &u,
            account: &Account::new("email", "email", "a@example.com"),
            profile: None,
            email_verification_request: true,
        });
        assert_eq!(request["email"], json!({"verificationRequest": true}));
        assert!(request.get("profile").is_none());
    }

    #[test]
    fn claims_merge_keeps_the_protected_ones() {
        let mut token: Map<String, Value> = json!({"sub": "1", "iat": 5, "name": "A"})
            .as_object()
            .unwrap()
            .clone();
        let answer =
            json!({"sub": "2", "exp": 1, "jti": "x", "iat": 0, "role": "admin", "name": "B"});
        merge_claims(&mut token, answer.as_object().unwrap().clone(), "u");
        assert_eq!(
            Value::Object(token),
            json!({"sub": "1", "iat": 5, "name": "B", "role": "admin"})
        );
    }

    #[test]
    fn profile_paths() {
        let p = json!({"groups": ["a"], "realm_access": {"roles": ["r"]}});
        assert_eq!(get_path(&p, "groups"), Some(&json!(["a"])));
        assert_eq!(get_path(&p, "realm_access.roles"), Some(&json!(["r"])));
        assert_eq!(get_path(&p, "realm_access.nope"), None);
        assert_eq!(get_path(&p, "groups.0"), None);
    }

    #[tokio::test]
    async fn a_plain_read_calls_no_webhook() {
        let mut c = configured();
        // Nothing listens here: a call would fail the test.
        c.claims_url = Some("http://127.0.0.1:9/claims".into());
        let token: Map<String, Value> = json!({"sub": "1"}).as_object().unwrap().clone();
        let out = c
            .jwt(JwtArgs {
                token: token.clone(),
                user: None,
                account: None,
                profile: None,
                is_new_user: None,
                trigger: None,
                session: None,
            })
            .await;
        assert_eq!(out, Ok(token.clone()));
        let failed = c
            .jwt(JwtArgs {
                token,
                user: None,
                account: None,
                profile: None,
                is_new_user: None,
                trigger: Some(Trigger::Update),
                session: None,
            })
            .await;
        assert!(failed.is_err());
    }
}
