//! The user extension points: v4's `signIn`, `redirect`, `jwt` and `session` callbacks
//! (spec §15). Every method has v4's default behaviour, so an app overrides only what it needs.
//!
//! [`configured`] holds the server's declarative form of them ([`ConfiguredCallbacks`]):
//! sign-in policies, the `signIn` and claims webhooks, profile claims, extra redirect origins
//! and `[session.expose]`.

pub mod configured;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::callback_url::{InvalidUrl, default_redirect};
use crate::domain::{Account, User};
use crate::error::AuthError;

/// Why the `jwt` callback runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A sign-in of an existing user.
    SignIn,
    /// A sign-in that created the user.
    SignUp,
    /// `POST session` (the client's `update()`).
    Update,
}

impl Trigger {
    /// v4's `trigger` string: `signIn`, `signUp`, `update`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::SignIn => "signIn",
            Trigger::SignUp => "signUp",
            Trigger::Update => "update",
        }
    }
}

/// What the `signIn` callback decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInDecision {
    /// Go on (v4 `true`).
    Allow,
    /// Refuse: `?error=AccessDenied` (v4 `false`).
    Deny,
    /// Send the browser here instead (v4 returning a string).
    Redirect(String),
    /// Refuse with a message shown as `?error=<message>` (v4 throwing).
    Error(String),
}

impl SignInDecision {
    /// What the browser gets when the sign-in does not go on (v4 `core/routes/callback.ts`):
    /// `None` for [`SignInDecision::Allow`]. A refusal is [`AuthError::AccessDenied`] with
    /// `deny_status` as the JSON-mode status (403 for credentials, 200 elsewhere); a thrown
    /// message [`AuthError::SignInCallbackThrew`]; a string is a redirect to that URL.
    pub(crate) fn refusal(self, base: &str, deny_status: u16) -> Option<crate::response::Reply> {
        use crate::response::Reply;
        match self {
            SignInDecision::Allow => None,
            SignInDecision::Deny => Some(
                AuthError::AccessDenied {
                    status: deny_status,
                }
                .reply(base),
            ),
            // The callback's own refusal page: a denied sign-in, as far as the metrics go.
            SignInDecision::Redirect(url) => Some(Reply::Redirect {
                url,
                status: 200,
                failed: Some(crate::telemetry::SignInOutcome::Denied),
            }),
            SignInDecision::Error(message) => {
                Some(AuthError::SignInCallbackThrew(message).reply(base))
            }
        }
    }
}

/// Arguments of the `signIn` callback.
#[derive(Debug)]
pub struct SignInArgs<'a> {
    /// The user: from the adapter when known, else from the provider (the OAuth profile
    /// mapping, the credentials `authorize()` result with its further fields in
    /// [`User::extra`], the e-mail placeholder `{id: email, email}`).
    pub user: &'a User,
    /// The account: `provider`, `type`, `providerAccountId`, and OAuth tokens (the rest of the
    /// token response in [`Account::extra`]).
    pub account: &'a Account,
    /// The raw OAuth profile.
    pub profile: Option<&'a Value>,
    /// True when an e-mail sign-in is being *requested* (before the mail is sent).
    pub email_verification_request: bool,
}

/// A callback failed (a webhook that timed out or answered nonsense). The text is for the log,
/// never shown to a browser; a sign-in it breaks ends with v4's `Callback` error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CallbackError(pub String);

/// Arguments of the `jwt` callback; its return value is what gets encrypted (JWT sessions) or,
/// with [`Callbacks::database_claims`], what is kept beside a database session.
#[derive(Debug)]
pub struct JwtArgs<'a> {
    /// The token: `{name, email, picture, sub}` at sign-in, the decoded payload afterwards.
    pub token: Map<String, Value>,
    /// At sign-in: the user.
    pub user: Option<&'a User>,
    /// At sign-in: the account.
    pub account: Option<&'a Account>,
    /// At OAuth sign-in: the raw profile.
    pub profile: Option<&'a Value>,
    /// At sign-in with an adapter: whether the user was just created.
    pub is_new_user: Option<bool>,
    /// Why it runs; `None` on a plain session read.
    pub trigger: Option<Trigger>,
    /// On `update()`: the data the client sent.
    pub session: Option<&'a Value>,
}

/// Arguments of the `session` callback; its return value is the `GET session` body.
#[derive(Debug)]
pub struct SessionArgs<'a> {
    /// The default session: `{user: {name, email, image}, expires}`.
    pub session: Value,
    /// JWT sessions: the token (after the `jwt` callback).
    pub token: Option<&'a Map<String, Value>>,
    /// Database sessions: the user row.
    pub user: Option<&'a User>,
    /// Database sessions on `update()`: the data the client sent.
    pub new_session: Option<&'a Value>,
    /// `Update` on `POST session`.
    pub trigger: Option<Trigger>,
}

/// The callbacks. Defaults are v4's.
#[async_trait]
pub trait Callbacks: Send + Sync + 'static {
    /// Allows or refuses a sign-in. Default: allow.
    async fn sign_in(&self, _args: SignInArgs<'_>) -> SignInDecision {
        SignInDecision::Allow
    }

    /// Where to send the browser for a `callbackUrl`. Runs on every request that carries one, so
    /// it is synchronous. Default: same-origin only (see [`default_redirect`]).
    fn redirect(&self, url: &str, base_url: &str) -> Result<String, InvalidUrl> {
        default_redirect(url, base_url)
    }

    /// Shapes the JWT. Default: the token unchanged.
    ///
    /// Runs at sign-in (`trigger` `SignIn`/`SignUp`), on `update()` (`Update`) and, for JWT
    /// sessions, on every session read (`trigger` `None`), as v4.
    ///
    /// # Errors
    /// A [`CallbackError`] at sign-in fails the sign-in (`?error=Callback`, no session, no
    /// cookie; a user the sign-in created stays, as in v4); on `update()` the token stays as it was (logged); on a plain read the session is
    /// treated as unreadable, as v4 does when its `jwt` callback throws.
    async fn jwt(&self, args: JwtArgs<'_>) -> Result<Map<String, Value>, CallbackError> {
        Ok(args.token)
    }

    /// Whether database sessions run [`Callbacks::jwt`] too (not in v4): at sign-in and on
    /// `update()`, never on a plain read. What it returns beyond the default token `{name,
    /// email, picture, sub}` is kept in the adapter's claims table beside the session (the v4
    /// tables keep their shape) and handed to [`Callbacks::session`] as `token` on every read.
    /// Default `false`: database sessions as in v4, no extra query.
    fn database_claims(&self) -> bool {
        false
    }

    /// Shapes the session JSON. Default: the session unchanged (so `sub` is not exposed).
    async fn session(&self, args: SessionArgs<'_>) -> Value {
        args.session
    }
}

/// v4's default callbacks.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultCallbacks;

impl Callbacks for DefaultCallbacks {}

/// The server's declarative `session` callback: copy token claims into the session JSON.
///
/// Each entry maps a dotted path in the session (`user.id`) to a claim of the token (`sub`). A
/// per-request webhook would cost the hot path; a table costs nothing. A claim is looked up in
/// the token (JWT sessions, or the claims a database session keeps with
/// [`Callbacks::database_claims`]), then in a database session's user row: `sub`/`id`, `name`,
/// `email`, `picture`/`image`.
#[derive(Debug, Clone, Default)]
pub struct ExposeClaims {
    /// `(session path, token claim)` pairs.
    pub fields: Vec<(String, String)>,
}

#[async_trait]
impl Callbacks for ExposeClaims {
    async fn session(&self, args: SessionArgs<'_>) -> Value {
        let mut session = args.session;
        for (path, claim) in &self.fields {
            // The token first (JWT sessions; database sessions with stored claims), then the
            // user row of a database session.
            let value = args
                .token
                .and_then(|token| token.get(claim).cloned())
                .or_else(|| args.user.and_then(|user| user_claim(user, claim)));
            if let Some(value) = value {
                set_path(&mut session, path, value);
            }
        }
        session
    }
}

fn user_claim(user: &User, claim: &str) -> Option<Value> {
    let s = |v: &Option<String>| v.clone().map(Value::String);
    match claim {
        "sub" | "id" => Some(Value::String(user.id.clone())),
        "name" => s(&user.name),
        "email" => s(&user.email),
        "picture" | "image" => s(&user.image),
        _ => None,
    }
}

/// Sets `a.b.c` in a JSON object, creating objects on the way (and replacing non-objects).
pub(crate) fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else { return };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        cur = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn expose_claims_copies_token_claims() {
        let cb = ExposeClaims {
            fields: vec![
                ("user.id".into(), "sub".into()),
                ("role".into(), "role".into()),
            ],
        };
        let token: Map<String, Value> = json!({"sub": "42", "role": "admin"})
            .as_object()
            .unwrap()
            .clone();
        let out = cb
            .session(SessionArgs {
                session: json!({"user": {"name": "A"}, "expires": "x"}),
                token: Some(&token),
                user: None,
                new_session: None,
                trigger: None,
            })
            .await;
        assert_eq!(
            out,
            json!({"user": {"name": "A", "id": "42"}, "expires": "x", "role": "admin"})
        );
    }
}
