//! Why a sign-in failed ([`AuthError`]) and the error codes a browser sees in `?error=`
//! ([`ErrorCode`], spec §18). Ports v4 `core/errors.ts` and the codes of `core/pages/error.tsx`
//! and `core/pages/signin.tsx`.
//!
//! [`AuthError::url`] and [`AuthError::status`] are the one place a failure becomes the
//! redirect to `BASE/error?error=…` (or, in JSON mode, the `{url}` body with that status).

use std::fmt;

use crate::adapter::AdapterError;
use crate::cookies::encode_uri_component;
use crate::response::Reply;

/// The v4 error codes. `Display` writes the exact v4 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Server misconfiguration (500 page).
    Configuration,
    /// The `signIn` callback refused (403 page).
    AccessDenied,
    /// An e-mail link that is unknown, used or expired (403 page).
    Verification,
    /// Building the authorization URL failed.
    OAuthSignin,
    /// A check, the token exchange, the ID token or userinfo failed.
    OAuthCallback,
    /// Creating the user of an OAuth sign-in failed.
    OAuthCreateAccount,
    /// Creating the user of an e-mail sign-in failed.
    EmailCreateAccount,
    /// The IdP answered `?error=`, or another sign-in step failed.
    Callback,
    /// The e-mail belongs to a user who signed in another way.
    OAuthAccountNotLinked,
    /// The e-mail address is invalid, or the mail could not be sent.
    EmailSignin,
    /// The credentials were refused.
    CredentialsSignin,
    /// A page needs a session (client side).
    SessionRequired,
    /// Too many sign-in attempts (`[rate_limit]`; not in v4): 429 with `Retry-After`. The
    /// next-auth/react client reports it as `{error: "RateLimited", status: 429}`.
    RateLimited,
}

impl ErrorCode {
    /// The v4 string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Configuration => "Configuration",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::Verification => "Verification",
            ErrorCode::OAuthSignin => "OAuthSignin",
            ErrorCode::OAuthCallback => "OAuthCallback",
            ErrorCode::OAuthCreateAccount => "OAuthCreateAccount",
            ErrorCode::EmailCreateAccount => "EmailCreateAccount",
            ErrorCode::Callback => "Callback",
            ErrorCode::OAuthAccountNotLinked => "OAuthAccountNotLinked",
            ErrorCode::EmailSignin => "EmailSignin",
            ErrorCode::CredentialsSignin => "CredentialsSignin",
            ErrorCode::SessionRequired => "SessionRequired",
            ErrorCode::RateLimited => "RateLimited",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a sign-in (the `signin` or `callback` action of a provider) failed, each variant with
/// its v4 error code ([`AuthError::code`]). The `Display` text is for the log: it may name the
/// IdP's or the webhook's answer, never a secret, and is never shown to the browser, which gets
/// only [`AuthError::url`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `POST signin/<oauth>`: the authorization URL could not be built (discovery unreachable
    /// or broken, no authorization endpoint). v4 `SIGNIN_OAUTH_ERROR` → `OAuthSignin`.
    #[error("could not build the authorization URL: {0}")]
    OAuthSignin(OAuthError),
    /// `callback/<oauth>`: the IdP sent the browser back with `?error=` (the user declined, the
    /// client is misconfigured at the IdP). → `Callback`, as v4 (not `OAuthCallback`).
    #[error("the identity provider reported {error:?}: {description:?}")]
    IdpError {
        /// The IdP's `error` parameter.
        error: String,
        /// The IdP's `error_description`, `""` when absent.
        description: String,
    },
    /// `callback/<oauth>`: a check (state, PKCE, nonce, `iss`), the code exchange, the ID token
    /// or userinfo failed; the text says which and what the IdP answered. → `OAuthCallback`.
    #[error("OAuth callback failed: {0}")]
    OAuthCallback(OAuthError),
    /// `callback/<oauth>`: the e-mail address of the profile belongs to a user who signed in
    /// another way (v4 `AccountNotLinkedError`). → `OAuthAccountNotLinked`.
    #[error("account not linked: {0}")]
    OAuthAccountNotLinked(&'static str),
    /// `callback/<oauth>`: the adapter's `createUser` failed. → `OAuthCreateAccount`.
    #[error("creating the user failed: {0}")]
    OAuthCreateAccount(AdapterError),
    /// `POST signin/<email>` without an `email` field (or an empty one). → `EmailSignin`.
    #[error("no e-mail address in the form")]
    EmailMissing,
    /// `POST signin/<email>`: the address fails v4's `normalizeIdentifier`. → `EmailSignin`.
    #[error("e-mail address refused: {0}")]
    EmailInvalid(&'static str),
    /// `POST signin/<email>`: the sign-in mail was not sent (the transport failed or timed out;
    /// the token was withdrawn), or the task sending it failed. → `EmailSignin`.
    #[error("the sign-in e-mail was not sent: {0}")]
    EmailNotSent(String),
    /// `POST signin/<email>`: a storage call failed (reading the user, storing the token), or
    /// no adapter is configured. → `EmailSignin`.
    #[error("storage failed at the e-mail sign-in: {0}")]
    EmailSigninStorage(AdapterError),
    /// `POST signin/<email>`: the `signIn` callback threw `message` while the link was being
    /// requested. v4 encodes this one with `URLSearchParams(String(error))`, so the `error=`
    /// parameter is `Error: <message>` form-encoded (`Error%3A+msg`); no v4 code.
    #[error("the signIn callback threw at the e-mail request: {0}")]
    EmailSignInCallbackThrew(String),
    /// `GET callback/<email>`: the link has no `token`, no `email`, an `email` that is not an
    /// address, or its token is unknown, already used, for another address or expired (v4
    /// `VerificationError`; v4 answers a missing token with `configuration`). → `Verification`.
    #[error("e-mail link refused: {0}")]
    Verification(&'static str),
    /// `GET callback/<email>`: the adapter's `createUser` failed (or conflicted with a user
    /// that then could not be found). → `EmailCreateAccount`.
    #[error("creating the user failed: {0}")]
    EmailCreateAccount(String),
    /// `POST callback/<credentials>`: `authorize` returned no user. → `CredentialsSignin`,
    /// with `&provider=<id>`; JSON-mode status 401.
    #[error("credentials refused by provider {provider:?}")]
    CredentialsSignin {
        /// The credentials provider's id.
        provider: String,
    },
    /// `POST callback/<credentials>`: `authorize` threw `message` on purpose; v4 shows it as
    /// `?error=<encodeURIComponent(message)>` (no v4 code); JSON-mode status 401.
    #[error("credentials refused with a message: {0}")]
    CredentialsRefused(String),
    /// `POST callback/<credentials>`: the check itself failed (the webhook was unreachable,
    /// answered a 5xx or something that is not a user); the text says what it answered.
    /// → `Callback`, JSON-mode status 502 (not the user's fault).
    #[error("credentials check failed: {0}")]
    CredentialsCheckFailed(String),
    /// `POST callback/<credentials>`: the credentials webhook could not be asked (unreachable,
    /// timed out, its answer broke off). → `Callback`, JSON-mode status 502.
    #[error("credentials check unreachable: {0}")]
    CredentialsUnreachable(String),
    /// `POST callback/<credentials>`, database sessions: the user's e-mail address belongs to
    /// another user, not linked to this credentials identity. → `OAuthAccountNotLinked`, as v4
    /// refuses an unlinked OAuth account.
    #[error("the credentials user's e-mail belongs to another user")]
    CredentialsEmailTaken,
    /// `POST callback/<credentials>`, database sessions: `authorize` returned neither `id` nor
    /// `email`, so no user row can be found again. → `Callback`.
    #[error("authorize returned neither `id` nor `email`: a database session needs one")]
    CredentialsNoIdentity,
    /// `callback/*`: a storage call broke (reading the session, the account, the e-mail link or
    /// the user; linking the account, storing the credentials user, starting the session), or
    /// no adapter is configured; `step` names the call. → `Callback`.
    #[error("{step} failed: {source}")]
    Storage {
        /// What was being done, for the log (`"starting the session"`).
        step: &'static str,
        /// The adapter's error.
        source: AdapterError,
    },
    /// `callback/*`: the `jwt` callback failed at sign-in (a claims webhook that timed out or
    /// answered nonsense): no session and no cookie. As in v4, whose `jwt` callback runs after
    /// the sign-in handler, a user and account created by this sign-in stay (with their
    /// `createUser`/`linkAccount` events), so the next attempt is a `signIn`, not a `signUp`.
    /// → `Callback`, v4's code for a failure of the sign-in's own steps.
    #[error("the jwt callback failed: {0}")]
    JwtCallback(String),
    /// The `signIn` callback returned false (v4 `AccessDenied`); `status` is the JSON-mode
    /// status: 403 for credentials, 200 elsewhere, as v4. → `AccessDenied`.
    #[error("the signIn callback refused the sign-in")]
    AccessDenied {
        /// JSON-mode status.
        status: u16,
    },
    /// The `signIn` callback threw `message`; v4 shows it as
    /// `?error=<encodeURIComponent(message)>` (no v4 code).
    #[error("the signIn callback threw: {0}")]
    SignInCallbackThrew(String),
    /// `POST callback/<credentials>`, `POST signin/<email>`, `GET|POST callback/<oauth>`: over a
    /// rate limit ([`crate::ratelimit`]). → `RateLimited` (not in v4), JSON-mode status 429 with
    /// `Retry-After`; a browser is sent to the error page, which says when to try again.
    #[error("rate limited: try again in {retry_after} s")]
    RateLimited {
        /// Seconds until the limit's window ends (`Retry-After`).
        retry_after: u64,
    },
}

/// Why an OAuth step failed: discovery, the check cookies, the callback's parameters, the
/// code exchange, the ID token, userinfo. The `Display` text (for the log) says which endpoint
/// answered what; it quotes IdP bodies, which carry no secret of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// Something the step needs is neither configured nor discovered, or the IdP's answer or
    /// the callback lacks it (`"the callback has no code parameter"`).
    #[error("{0}")]
    Missing(&'static str),
    /// The configured authorization endpoint is not a URL.
    #[error("the authorization endpoint {endpoint:?} is not a URL: {reason}")]
    BadAuthorizationEndpoint {
        /// The configured value.
        endpoint: String,
        /// The URL parser's complaint.
        reason: String,
    },
    /// `what` (an endpoint, named with its URL) could not be reached: connect, TLS, timeout.
    #[error("{what} unreachable: {reason}")]
    Unreachable {
        /// The endpoint and its URL.
        what: String,
        /// The transport error and its sources.
        reason: String,
    },
    /// A response body is larger than `limit` bytes.
    #[error("the response is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Reading a response body failed midway.
    #[error("reading the response failed: {0}")]
    Read(String),
    /// `what` answered `status`, but its body could not be read.
    #[error("{what} answered {status}, but {cause}")]
    Body {
        /// The endpoint and its URL.
        what: String,
        /// The HTTP status.
        status: u16,
        /// Why the body could not be read.
        cause: Box<OAuthError>,
    },
    /// `what` answered `status` with a body that is not JSON (its start quoted).
    #[error("{what} answered {status} with a body that is not JSON: {snippet:?}")]
    NotJson {
        /// The endpoint and its URL.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The first characters of the body.
        snippet: String,
    },
    /// `what` answered a status other than 200.
    #[error("{what} answered {status}")]
    Status {
        /// The endpoint and its URL.
        what: String,
        /// The HTTP status.
        status: u16,
    },
    /// `what` answered JSON that is not an object.
    #[error("{what} answered JSON that is not an object")]
    NotAnObject {
        /// The endpoint and its URL.
        what: String,
    },
    /// The token endpoint answered an OAuth error response (RFC 6749 §5.2).
    #[error("{what} answered {status} {{error: {error:?}, error_description: {description:?}}}")]
    TokenError {
        /// The endpoint and its URL.
        what: String,
        /// The HTTP status.
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`, `""` when absent.
        description: String,
    },
    /// A discovery document or JWK set is unusable (`what` names it with its URL).
    #[error("{what}: {problem}")]
    Document {
        /// `OIDC discovery <url>` or `JWKS <url>`.
        what: String,
        /// What is wrong with it.
        problem: DocumentProblem,
    },
    /// A check cookie (state, PKCE verifier, nonce) is unusable.
    #[error("the {cookie} cookie {problem}")]
    CheckCookie {
        /// The cookie's name.
        cookie: String,
        /// What is wrong with it.
        problem: CheckCookieProblem,
    },
    /// The callback's `state` parameter does not fit the state check (openid-client's rules).
    #[error("{0}")]
    State(&'static str),
    /// The callback's `iss` is not the issuer (RFC 9207; a mix-up attack?).
    #[error("the callback's iss {got:?} is not the issuer {expected:?} (mix-up attack?)")]
    IssMismatch {
        /// The callback's `iss`.
        got: String,
        /// The issuer.
        expected: String,
    },
    /// The callback has `iss`, but no issuer is configured to compare it with.
    #[error("the callback has iss {0:?}, but no issuer is configured to compare it with")]
    IssUnexpected(String),
    /// The ID token was refused; the text says why.
    #[error("{0}")]
    IdToken(String),
    /// The provider's profile has no id where the mapping looks for it (`at`). v4 logs
    /// `OAUTH_PARSE_PROFILE_ERROR` and sends the browser back to the sign-in page.
    #[error("the profile has no id at {0:?}")]
    ProfileWithoutId(String),
}

/// What is wrong with a discovery document or a JWK set ([`OAuthError::Document`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentProblem {
    /// The document is not a JSON object.
    #[error("the document is not a JSON object")]
    NotAnObject,
    /// The discovery document has no (non-empty) `issuer`.
    #[error("`issuer` is missing")]
    NoIssuer,
    /// An endpoint member is a string, but not an absolute http(s) URL.
    #[error("`{key}` is not an http(s) URL: {value:?}")]
    NotHttpUrl {
        /// The member.
        key: String,
        /// Its value.
        value: String,
    },
    /// An endpoint member is not a string.
    #[error("`{0}` is not a string")]
    NotAString(String),
    /// The JWK set has no `keys` array.
    #[error("no `keys` array")]
    NoKeys,
}

/// What is wrong with a check cookie ([`OAuthError::CheckCookie`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckCookieProblem {
    /// Absent or empty.
    #[error(
        "is missing (sign-in not started in this browser, cookies blocked, or the callback was already used)"
    )]
    Missing,
    /// Older than its 15 minutes.
    #[error("has expired (a sign-in must finish within 15 minutes)")]
    Expired,
    /// Tampered with, or sealed with another secret.
    #[error("could not be decrypted (tampered with, or sealed with another secret)")]
    Undecryptable,
    /// Decrypted, but not a JWT of ours.
    #[error("is malformed ({0})")]
    Malformed(String),
    /// Minted for another provider's sign-in (maybe in another tab: kept).
    #[error("was minted for provider {minted_for:?}, not {expected:?}")]
    OtherProvider {
        /// The provider in the cookie.
        minted_for: String,
        /// The provider of this callback.
        expected: String,
    },
    /// Names no provider.
    #[error("names no provider")]
    NoProvider,
    /// Has no value.
    #[error("has no value")]
    NoValue,
}

impl AuthError {
    /// What the `error=` parameter carries: the v4 code, or the app's own message.
    fn param(&self) -> ErrorParam<'_> {
        use ErrorParam::{Code, Message};
        match self {
            AuthError::OAuthSignin(_) => Code(ErrorCode::OAuthSignin),
            AuthError::IdpError { .. } => Code(ErrorCode::Callback),
            AuthError::OAuthCallback(_) => Code(ErrorCode::OAuthCallback),
            AuthError::OAuthAccountNotLinked(_) => Code(ErrorCode::OAuthAccountNotLinked),
            AuthError::OAuthCreateAccount(_) => Code(ErrorCode::OAuthCreateAccount),
            AuthError::EmailMissing
            | AuthError::EmailInvalid(_)
            | AuthError::EmailNotSent(_)
            | AuthError::EmailSigninStorage(_) => Code(ErrorCode::EmailSignin),
            AuthError::EmailSignInCallbackThrew(m) => ErrorParam::ThrownAtEmailRequest(m),
            AuthError::Verification(_) => Code(ErrorCode::Verification),
            AuthError::EmailCreateAccount(_) => Code(ErrorCode::EmailCreateAccount),
            AuthError::CredentialsSignin { .. } => Code(ErrorCode::CredentialsSignin),
            AuthError::CredentialsRefused(m) => Message(m),
            AuthError::CredentialsCheckFailed(_) | AuthError::CredentialsUnreachable(_) => {
                Code(ErrorCode::Callback)
            }
            AuthError::CredentialsEmailTaken => Code(ErrorCode::OAuthAccountNotLinked),
            AuthError::CredentialsNoIdentity => Code(ErrorCode::Callback),
            AuthError::Storage { .. } | AuthError::JwtCallback(_) => Code(ErrorCode::Callback),
            AuthError::AccessDenied { .. } => Code(ErrorCode::AccessDenied),
            AuthError::SignInCallbackThrew(m) => Message(m),
            AuthError::RateLimited { .. } => Code(ErrorCode::RateLimited),
        }
    }

    /// The v4 error code the browser sees in `?error=`; `None` for the variants whose `error=`
    /// is the app's own message ([`AuthError::CredentialsRefused`],
    /// [`AuthError::SignInCallbackThrew`], [`AuthError::EmailSignInCallbackThrew`]).
    pub fn code(&self) -> Option<ErrorCode> {
        match self.param() {
            ErrorParam::Code(code) => Some(code),
            ErrorParam::Message(_) | ErrorParam::ThrownAtEmailRequest(_) => None,
        }
    }

    /// The status a JSON-mode request gets with the `{url}` body (a browser gets a 302 to
    /// [`AuthError::url`] whatever it is).
    pub fn status(&self) -> u16 {
        match self {
            AuthError::AccessDenied { status } => *status,
            AuthError::CredentialsSignin { .. } | AuthError::CredentialsRefused(_) => 401,
            AuthError::CredentialsCheckFailed(_) | AuthError::CredentialsUnreachable(_) => 502,
            AuthError::RateLimited { .. } => 429,
            _ => 200,
        }
    }

    /// The error page URL: `BASE/error?error=<code>` (`base` without a trailing `/`), plus
    /// `&provider=<id>` for [`AuthError::CredentialsSignin`] (v4's `URLSearchParams`).
    pub fn url(&self, base: &str) -> String {
        let mut url = match self.param() {
            ErrorParam::Code(code) => format!("{base}/error?error={code}"),
            ErrorParam::Message(message) => {
                format!("{base}/error?error={}", encode_uri_component(message))
            }
            ErrorParam::ThrownAtEmailRequest(message) => {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("error", &format!("Error: {message}"))
                    .finish();
                format!("{base}/error?{query}")
            }
        };
        if let AuthError::CredentialsSignin { provider } = self {
            url.push_str("&provider=");
            url.push_str(&encode_uri_component(provider));
        }
        if let Some(reason) = self.reason() {
            url.push_str("&reason=");
            url.push_str(reason.as_str());
        }
        url
    }

    /// The short reason beside the v4 code (issue 16): which check or step failed, from the
    /// fixed set of [`Reason`], so the URL never carries the IdP's or an attacker's text.
    /// `None` where the `error=` parameter is the app's own message.
    pub fn reason(&self) -> Option<Reason> {
        use Reason as R;
        Some(match self {
            AuthError::OAuthSignin(_) => R::AuthorizationUrlFailed,
            AuthError::IdpError { error, .. } => R::from_idp_error(error),
            AuthError::OAuthCallback(e) => R::of_oauth(e),
            AuthError::OAuthAccountNotLinked(_) | AuthError::CredentialsEmailTaken => {
                R::AccountNotLinked
            }
            AuthError::OAuthCreateAccount(_) | AuthError::EmailCreateAccount(_) => {
                R::CreateUserFailed
            }
            AuthError::EmailMissing | AuthError::EmailInvalid(_) => R::EmailAddressInvalid,
            AuthError::EmailNotSent(_) => R::EmailNotSent,
            AuthError::EmailSigninStorage(_) | AuthError::Storage { .. } => R::StorageFailed,
            AuthError::Verification(why) => R::of_link(why),
            AuthError::CredentialsSignin { .. } => R::CredentialsRefused,
            AuthError::CredentialsCheckFailed(_) => R::WebhookFailed,
            AuthError::CredentialsUnreachable(_) => R::WebhookUnreachable,
            AuthError::CredentialsNoIdentity => R::WebhookFailed,
            AuthError::JwtCallback(_) => R::JwtCallbackFailed,
            AuthError::AccessDenied { .. } => R::SignInCallbackRefused,
            AuthError::RateLimited { .. } => R::RateLimited,
            AuthError::CredentialsRefused(_)
            | AuthError::SignInCallbackThrew(_)
            | AuthError::EmailSignInCallbackThrew(_) => return None,
        })
    }

    /// The redirect (or JSON `{url}`, applied by the handler) for this failure.
    pub(crate) fn reply(&self, base: &str) -> Reply {
        // One line per failure that names the code and the reason the page shows; the request's
        // span adds the `request_id` the page shows too.
        tracing::info!(
            error = self.code().map(ErrorCode::as_str),
            reason = self.reason().map(Reason::as_str),
            detail = %self,
            "sign-in failed"
        );
        if let AuthError::RateLimited { retry_after } = self {
            return Reply::RateLimited {
                url: self.url(base),
                retry_after: *retry_after,
            };
        }
        Reply::Redirect {
            url: self.url(base),
            status: self.status(),
            failed: Some(self.outcome()),
        }
    }

    /// How a sign-in that failed with this error counts in [`crate::telemetry::SIGNINS`]:
    /// `Denied` when the user or a policy said no, `Error` when something failed.
    pub fn outcome(&self) -> crate::telemetry::SignInOutcome {
        use crate::telemetry::SignInOutcome::{Denied, Error};
        match self {
            AuthError::AccessDenied { .. }
            | AuthError::CredentialsSignin { .. }
            | AuthError::CredentialsRefused(_)
            | AuthError::CredentialsEmailTaken
            | AuthError::Verification(_)
            | AuthError::OAuthAccountNotLinked(_)
            | AuthError::EmailInvalid(_)
            | AuthError::EmailMissing => Denied,
            // The user declined at the IdP; its other errors are a misconfiguration.
            AuthError::IdpError { error, .. } if error == "access_denied" => Denied,
            _ => Error,
        }
    }
}

/// The `error=` parameter of an [`AuthError`].
enum ErrorParam<'a> {
    /// A v4 code.
    Code(ErrorCode),
    /// The app's own message, `encodeURIComponent`-ed (v4 `core/routes/callback.ts`).
    Message(&'a str),
    /// The `signIn` callback's message at the e-mail request: v4 sends
    /// `URLSearchParams({error: String(error)})`, so `Error: <message>`, form-encoded.
    ThrownAtEmailRequest(&'a str),
}

macro_rules! reasons {
    ($($(#[$doc:meta])* $v:ident = $s:literal, $text:literal;)*) => {
        /// The short reason code beside a v4 `error=` code (issue 16), in the redirect's
        /// `&reason=` and the log's `reason` field: a fixed set, so the URL never reflects the
        /// IdP's or an attacker's text. The error and sign-in pages show
        /// [`Reason::sentence`] (English; the words a user can act on) and the request id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Reason {
            $($(#[$doc])* $v,)*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$v,)*];

            /// The code in URLs and logs (`state_cookie_missing`).
            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$v => $s,)* }
            }

            /// The sentence a page shows for it.
            pub fn sentence(self) -> &'static str {
                match self { $(Reason::$v => $text,)* }
            }
        }
    };
}

reasons! {
    /// The state cookie is missing.
    StateCookieMissing = "state_cookie_missing", "The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.";
    /// The state cookie is older than 15 minutes.
    StateCookieExpired = "state_cookie_expired", "The sign-in took longer than 15 minutes. Start again.";
    /// The state cookie could not be read (tampered with, another secret).
    StateCookieInvalid = "state_cookie_invalid", "The sign-in cookie could not be read. Start again.";
    /// The state cookie was minted for another provider.
    StateCookieOtherProvider = "state_cookie_other_provider", "A sign-in with another provider was started in this browser after this one. Start again.";
    /// The PKCE cookie is missing.
    PkceCookieMissing = "pkce_cookie_missing", "The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.";
    /// The PKCE cookie is older than 15 minutes.
    PkceCookieExpired = "pkce_cookie_expired", "The sign-in took longer than 15 minutes. Start again.";
    /// The PKCE cookie could not be read.
    PkceCookieInvalid = "pkce_cookie_invalid", "The sign-in cookie could not be read. Start again.";
    /// The PKCE cookie was minted for another provider.
    PkceCookieOtherProvider = "pkce_cookie_other_provider", "A sign-in with another provider was started in this browser after this one. Start again.";
    /// The nonce cookie is missing.
    NonceCookieMissing = "nonce_cookie_missing", "The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.";
    /// The nonce cookie is older than 15 minutes.
    NonceCookieExpired = "nonce_cookie_expired", "The sign-in took longer than 15 minutes. Start again.";
    /// The nonce cookie could not be read.
    NonceCookieInvalid = "nonce_cookie_invalid", "The sign-in cookie could not be read. Start again.";
    /// The nonce cookie was minted for another provider.
    NonceCookieOtherProvider = "nonce_cookie_other_provider", "A sign-in with another provider was started in this browser after this one. Start again.";
    /// The callback's `state` differs from the cookie's.
    StateMismatch = "state_mismatch", "The answer of the identity provider does not belong to the sign-in started in this browser. Start again.";
    /// The callback has no `state`, or one where none is expected.
    StateParamInvalid = "state_param_invalid", "The answer of the identity provider is incomplete. Start again.";
    /// The callback's `iss` is not the issuer (RFC 9207).
    IssuerMismatch = "issuer_mismatch", "The answer came from another identity provider than the one asked.";
    /// The callback has no `code`.
    CodeMissing = "code_missing", "The answer of the identity provider has no authorization code.";
    /// The IdP answered `error=access_denied`.
    IdpAccessDenied = "idp_access_denied", "The sign-in was cancelled or refused at the identity provider.";
    /// The IdP answered `login_required`, `consent_required`, `interaction_required` or
    /// `account_selection_required` (OIDC Core §3.1.2.6).
    IdpInteractionRequired = "idp_interaction_required", "The identity provider needs you to sign in or consent there first.";
    /// The IdP answered `temporarily_unavailable` or `server_error`.
    IdpUnavailable = "idp_unavailable", "The identity provider is unavailable. Try again later.";
    /// The IdP answered another `error` (the client's configuration at the IdP).
    IdpError = "idp_error", "The identity provider refused the request (its configuration for this site may be wrong).";
    /// The token endpoint refused the code (an OAuth error response or another status).
    TokenEndpointRefused = "token_endpoint_refused", "The identity provider did not accept the sign-in (it may have been used already). Start again.";
    /// An IdP endpoint (token, userinfo, discovery, JWKS) could not be reached.
    IdpUnreachable = "idp_unreachable", "The identity provider could not be reached. Try again later.";
    /// An IdP endpoint answered something unusable.
    IdpBadResponse = "idp_bad_response", "The identity provider answered something unusable.";
    /// The ID token failed a check (signature, issuer, audience, times, nonce).
    IdTokenInvalid = "id_token_invalid", "The identity provider's ID token was not valid.";
    /// The ID token's nonce differs from the nonce cookie's.
    IdTokenNonceMismatch = "id_token_nonce_mismatch", "The identity provider's answer does not belong to the sign-in started in this browser. Start again.";
    /// The ID token has expired (or is not valid yet: a clock problem).
    IdTokenExpired = "id_token_expired", "The identity provider's ID token has expired (are the clocks right?).";
    /// The ID token's signature does not verify, or no key fits it.
    IdTokenSignature = "id_token_signature", "The identity provider's ID token signature could not be verified.";
    /// Another OAuth step failed (the log says which).
    OAuthFailed = "oauth_failed", "A step of the sign-in with the identity provider failed.";
    /// The authorization URL could not be built (discovery).
    AuthorizationUrlFailed = "authorization_url_failed", "The sign-in with the identity provider could not be started.";
    /// The e-mail belongs to a user who signed in another way.
    AccountNotLinked = "account_not_linked", "This e-mail address belongs to an account that signs in another way.";
    /// Creating the user failed.
    CreateUserFailed = "create_user_failed", "The account could not be created.";
    /// The e-mail address is missing or not an address.
    EmailAddressInvalid = "email_address_invalid", "The e-mail address is not valid.";
    /// The sign-in mail could not be sent.
    EmailNotSent = "email_not_sent", "The sign-in e-mail could not be sent. Try again later.";
    /// The e-mail link has expired.
    LinkExpired = "link_expired", "The sign-in link has expired. Ask for a new one.";
    /// The e-mail link is unknown or already used (the two cannot be told apart: a used
    /// token is deleted).
    LinkUsedOrUnknown = "link_used_or_unknown", "The sign-in link was already used, or it is not the latest one sent.";
    /// The e-mail link lacks its token or address, or was changed.
    LinkMalformed = "link_malformed", "The sign-in link is incomplete. Open it exactly as it was sent.";
    /// The credentials webhook said no.
    CredentialsRefused = "credentials_refused", "The details you provided were not accepted.";
    /// The credentials webhook answered an error or something that is not a user.
    WebhookFailed = "webhook_failed", "The sign-in check failed on the server. Try again later.";
    /// The credentials webhook could not be reached.
    WebhookUnreachable = "webhook_unreachable", "The sign-in check could not be reached. Try again later.";
    /// A storage call failed.
    StorageFailed = "storage_failed", "The server could not store the sign-in. Try again later.";
    /// The `jwt` callback failed at sign-in.
    JwtCallbackFailed = "jwt_callback_failed", "The session could not be created. Try again later.";
    /// The `signIn` callback (the policy) refused.
    SignInCallbackRefused = "signin_refused", "This account may not sign in here.";
    /// Over a rate limit.
    RateLimited = "rate_limited", "There were too many attempts.";
}

impl Reason {
    /// The reason of an `&reason=` parameter: only one of the fixed set, else `None`.
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The IdP's `error` (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6) as a reason.
    fn from_idp_error(error: &str) -> Reason {
        match error {
            "access_denied" => Reason::IdpAccessDenied,
            "login_required"
            | "consent_required"
            | "interaction_required"
            | "account_selection_required" => Reason::IdpInteractionRequired,
            "temporarily_unavailable" | "server_error" => Reason::IdpUnavailable,
            _ => Reason::IdpError,
        }
    }

    /// Which OAuth check or step failed.
    fn of_oauth(e: &OAuthError) -> Reason {
        use CheckCookieProblem as P;
        match e {
            OAuthError::CheckCookie { cookie, problem } => {
                let which = if cookie.ends_with("pkce.code_verifier") {
                    1
                } else if cookie.ends_with("nonce") {
                    2
                } else {
                    0
                };
                let set = [
                    [
                        Reason::StateCookieMissing,
                        Reason::StateCookieExpired,
                        Reason::StateCookieInvalid,
                        Reason::StateCookieOtherProvider,
                    ],
                    [
                        Reason::PkceCookieMissing,
                        Reason::PkceCookieExpired,
                        Reason::PkceCookieInvalid,
                        Reason::PkceCookieOtherProvider,
                    ],
                    [
                        Reason::NonceCookieMissing,
                        Reason::NonceCookieExpired,
                        Reason::NonceCookieInvalid,
                        Reason::NonceCookieOtherProvider,
                    ],
                ][which];
                match problem {
                    P::Missing => set[0],
                    P::Expired => set[1],
                    P::OtherProvider { .. } => set[3],
                    P::Undecryptable | P::Malformed(_) | P::NoProvider | P::NoValue => set[2],
                }
            }
            OAuthError::State(why) if why.contains("does not match") => Reason::StateMismatch,
            OAuthError::State(_) => Reason::StateParamInvalid,
            OAuthError::IssMismatch { .. } | OAuthError::IssUnexpected(_) => Reason::IssuerMismatch,
            OAuthError::Missing(why) if why.contains("no code") => Reason::CodeMissing,
            // The token endpoint answered a token set without what the provider needs.
            OAuthError::Missing(why) if why.starts_with("the token response") => {
                Reason::TokenEndpointRefused
            }
            OAuthError::Unreachable { .. } => Reason::IdpUnreachable,
            // Whatever the token endpoint answered instead of a token set: refused.
            OAuthError::TokenError { .. } => Reason::TokenEndpointRefused,
            OAuthError::Status { what, .. }
            | OAuthError::NotJson { what, .. }
            | OAuthError::NotAnObject { what }
            | OAuthError::Body { what, .. }
                if what.starts_with("the token endpoint") =>
            {
                Reason::TokenEndpointRefused
            }
            OAuthError::Status { .. }
            | OAuthError::NotJson { .. }
            | OAuthError::NotAnObject { .. }
            | OAuthError::Body { .. }
            | OAuthError::TooLarge { .. }
            | OAuthError::Read(_)
            | OAuthError::Document { .. } => Reason::IdpBadResponse,
            OAuthError::IdToken(why) if why.contains("nonce") => Reason::IdTokenNonceMismatch,
            OAuthError::IdToken(why) if why.contains("expired") || why.contains("not yet") => {
                Reason::IdTokenExpired
            }
            OAuthError::IdToken(why) if why.contains("signature") || why.contains("key") => {
                Reason::IdTokenSignature
            }
            OAuthError::IdToken(_) => Reason::IdTokenInvalid,
            _ => Reason::OAuthFailed,
        }
    }

    /// Why an e-mail link was refused ([`AuthError::Verification`]'s text).
    fn of_link(why: &str) -> Reason {
        if why == "expired" {
            Reason::LinkExpired
        } else if why.starts_with("unknown") {
            Reason::LinkUsedOrUnknown
        } else {
            Reason::LinkMalformed
        }
    }
}

/// A request id fit for a URL and a page: what `X-Request-Id` carried (the `nextauth` server
/// sets it on every request), 1 to 64 characters of `[A-Za-z0-9._-]`; anything else is `None`.
pub fn sane_request_id(id: &str) -> Option<&str> {
    (!id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
    .then_some(id)
}

/// Codes that `GET /error` sends back to the sign-in page, where they show inline
/// (case-sensitive, as in v4 `core/index.ts`).
pub const INLINE_ERRORS: [&str; 10] = [
    "Signin",
    "OAuthSignin",
    "OAuthCallback",
    "OAuthCreateAccount",
    "EmailCreateAccount",
    "Callback",
    "OAuthAccountNotLinked",
    "EmailSignin",
    "CredentialsSignin",
    "SessionRequired",
];

/// The sentence the sign-in page shows for `?error=` (spec §17.2; keys case-sensitive).
pub fn signin_error_message(code: &str) -> &'static str {
    match code {
        "Signin" | "OAuthSignin" | "OAuthCallback" | "OAuthCreateAccount"
        | "EmailCreateAccount" | "Callback" => "Try signing in with a different account.",
        "OAuthAccountNotLinked" => {
            "To confirm your identity, sign in with the same account you used originally."
        }
        "EmailSignin" => "The e-mail could not be sent.",
        "CredentialsSignin" => "Sign in failed. Check the details you provided are correct.",
        "SessionRequired" => "Please sign in to access this page.",
        "RateLimited" => "Too many sign-in attempts. Try again later.",
        _ => "Unable to sign in.",
    }
}

/// Why a configuration was refused. The message names the value and, where the caller knows it,
/// where the value came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl From<String> for ConfigError {
    fn from(message: String) -> ConfigError {
        ConfigError(message)
    }
}

impl From<&str> for ConfigError {
    fn from(message: &str) -> ConfigError {
        ConfigError(message.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_v4_strings() {
        for (c, s) in [
            (ErrorCode::Configuration, "Configuration"),
            (ErrorCode::AccessDenied, "AccessDenied"),
            (ErrorCode::Verification, "Verification"),
            (ErrorCode::OAuthSignin, "OAuthSignin"),
            (ErrorCode::OAuthCallback, "OAuthCallback"),
            (ErrorCode::OAuthCreateAccount, "OAuthCreateAccount"),
            (ErrorCode::EmailCreateAccount, "EmailCreateAccount"),
            (ErrorCode::Callback, "Callback"),
            (ErrorCode::OAuthAccountNotLinked, "OAuthAccountNotLinked"),
            (ErrorCode::EmailSignin, "EmailSignin"),
            (ErrorCode::CredentialsSignin, "CredentialsSignin"),
            (ErrorCode::SessionRequired, "SessionRequired"),
            (ErrorCode::RateLimited, "RateLimited"),
        ] {
            assert_eq!(c.to_string(), s);
        }
        assert_eq!(signin_error_message("callback"), "Unable to sign in.");
    }

    #[test]
    fn failures_map_to_v4_urls_and_statuses() {
        let base = "http://h/api/auth";
        let storage = AuthError::Storage {
            step: "starting the session",
            source: AdapterError::Unavailable("down".into()),
        };
        for (e, url, status) in [
            (
                AuthError::OAuthSignin(OAuthError::Missing("x")),
                "http://h/api/auth/error?error=OAuthSignin&reason=authorization_url_failed",
                200,
            ),
            (
                storage,
                "http://h/api/auth/error?error=Callback&reason=storage_failed",
                200,
            ),
            (
                AuthError::AccessDenied { status: 403 },
                "http://h/api/auth/error?error=AccessDenied&reason=signin_refused",
                403,
            ),
            (
                AuthError::CredentialsSignin {
                    provider: "a b".into(),
                },
                "http://h/api/auth/error?error=CredentialsSignin&provider=a%20b&reason=credentials_refused",
                401,
            ),
            (
                AuthError::CredentialsRefused("no way".into()),
                "http://h/api/auth/error?error=no%20way",
                401,
            ),
            (
                AuthError::CredentialsCheckFailed("502".into()),
                "http://h/api/auth/error?error=Callback&reason=webhook_failed",
                502,
            ),
            (
                AuthError::EmailSignInCallbackThrew("no: way".into()),
                "http://h/api/auth/error?error=Error%3A+no%3A+way",
                200,
            ),
            (
                AuthError::Verification("expired"),
                "http://h/api/auth/error?error=Verification&reason=link_expired",
                200,
            ),
            (
                AuthError::RateLimited { retry_after: 42 },
                "http://h/api/auth/error?error=RateLimited&reason=rate_limited",
                429,
            ),
            (
                AuthError::CredentialsUnreachable("POST u: timed out".into()),
                "http://h/api/auth/error?error=Callback&reason=webhook_unreachable",
                502,
            ),
        ] {
            assert_eq!(e.url(base), url, "{e:?}");
            assert_eq!(e.status(), status, "{e:?}");
        }
        // The app's own messages carry no v4 code.
        assert_eq!(AuthError::CredentialsRefused("m".into()).code(), None);
        assert_eq!(AuthError::SignInCallbackThrew("m".into()).code(), None);
        assert_eq!(AuthError::EmailSignInCallbackThrew("m".into()).code(), None);
        assert_eq!(
            AuthError::CredentialsEmailTaken.code(),
            Some(ErrorCode::OAuthAccountNotLinked)
        );
        // The log text says what broke; the URL never carries it.
        let e = AuthError::OAuthCallback(OAuthError::Status {
            what: "the token endpoint https://idp/token".into(),
            status: 500,
        });
        assert_eq!(
            e.to_string(),
            "OAuth callback failed: the token endpoint https://idp/token answered 500"
        );
        assert_eq!(
            e.url(base),
            "http://h/api/auth/error?error=OAuthCallback&reason=token_endpoint_refused"
        );
    }

    /// The reasons are a fixed set of distinct, URL-safe codes, each with a sentence; nothing
    /// else parses.
    #[test]
    fn reasons_are_a_fixed_set() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert!(
                r.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{r:?}"
            );
            assert_eq!(Reason::parse(r.as_str()), Some(*r));
            assert!(!r.sentence().is_empty());
            assert!(
                Reason::ALL[i + 1..]
                    .iter()
                    .all(|o| o.as_str() != r.as_str())
            );
        }
        for bad in [
            "",
            "State_Cookie_Missing",
            "<script>",
            "state_cookie_missing ",
        ] {
            assert_eq!(Reason::parse(bad), None, "{bad}");
        }
        assert_eq!(sane_request_id("0123abcdef"), Some("0123abcdef"));
        for bad in ["", "a b", "<x>", "a&reason=x", &"a".repeat(65)] {
            assert_eq!(sane_request_id(bad), None, "{bad}");
        }
    }

    /// Each check cookie's problem has its own reason; the IdP's `error` is mapped, never
    /// carried.
    #[test]
    fn oauth_reasons_name_the_failed_check() {
        let cookie = |cookie: &str, problem| {
            AuthError::OAuthCallback(OAuthError::CheckCookie {
                cookie: cookie.into(),
                problem,
            })
            .reason()
            .map(Reason::as_str)
        };
        use CheckCookieProblem as P;
        let other = || P::OtherProvider {
            minted_for: "a".into(),
            expected: "b".into(),
        };
        for (name, which) in [
            ("__Secure-next-auth.state", "state"),
            ("next-auth.pkce.code_verifier", "pkce"),
            ("__Secure-next-auth.nonce", "nonce"),
        ] {
            for (problem, what) in [
                (P::Missing, "missing"),
                (P::Expired, "expired"),
                (P::Undecryptable, "invalid"),
                (other(), "other_provider"),
            ] {
                assert_eq!(
                    cookie(name, problem),
                    Some(format!("{which}_cookie_{what}").as_str())
                );
            }
        }
        let idp = |error: &str| {
            AuthError::IdpError {
                error: error.into(),
                description: "<b>call us</b>".into(),
            }
            .url("http://h")
        };
        assert_eq!(
            idp("access_denied"),
            "http://h/error?error=Callback&reason=idp_access_denied"
        );
        assert_eq!(
            idp("<script>"),
            "http://h/error?error=Callback&reason=idp_error"
        );
    }
}
