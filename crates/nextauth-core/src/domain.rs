//! The typed domain: v4's `User`/`AdapterUser`, `Account`, `AdapterSession` and
//! `VerificationToken` (next-auth v4 `src/adapters.ts`, `src/core/types.ts`), used by the
//! [`Adapter`](crate::adapter::Adapter) trait, the sign-in flows and the callbacks; and the one
//! conversion of a stored user to v4's session JSON ([`session_json`]).
//!
//! serde names are v4's camelCase JSON names. Times are milliseconds since the Unix epoch in
//! Rust and ISO-8601 strings in JSON (a JavaScript `Date` in v4). Secrets (OAuth tokens, session
//! tokens, hashed e-mail tokens) are never written by `Debug`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::{iso_ms, parse_iso_ms};

/// A user: v4's `AdapterUser` (a `users` row), or the user object of a sign-in before it is
/// stored (v4 `User`: the OAuth `profile()` result, the credentials `authorize()` result, the
/// e-mail placeholder `{id: email, email, emailVerified: null}`).
///
/// JSON: `{"id", "name", "email", "emailVerified", "image", …extra}`; an absent name, e-mail
/// address or image is left out, `emailVerified` is an ISO-8601 string or `null`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct User {
    /// Primary key, as a string (`String(id)` of the pg adapter's SERIAL); the provider's
    /// account id before the user is stored. Empty when an `authorize()` result has no usable id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address (unique among stored users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When the address was last proven by a magic link, ms since the epoch.
    #[serde(rename = "emailVerified", default, with = "iso_opt")]
    pub email_verified: Option<i64>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Further fields of an `authorize()` result (v4 hands that object to the callbacks as it
    /// is), and a `name`, `email` or `image` that is not a string (`null`, a number), kept as
    /// given so that the JWT carries it as v4's does. Always empty for a stored user.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// A user object from free-form JSON (an `authorize()` or `profile()` result): string
    /// `name`/`email`/`image` become the typed fields, other values of those keys stay in
    /// [`User::extra`]; `id` is taken as a string, or a number written as JavaScript's
    /// `String()` does, else left empty (and the value, an empty string too, kept in `extra`).
    pub fn from_object(mut object: Map<String, Value>) -> User {
        let id = match object.get("id") {
            Some(Value::String(s)) if s.is_empty() => String::new(),
            Some(Value::String(_) | Value::Number(_)) => match object.shift_remove("id") {
                Some(Value::String(s)) => s,
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let mut take = |key: &str| match object.get(key) {
            Some(Value::String(_)) => match object.shift_remove(key) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            },
            _ => None,
        };
        let name = take("name");
        let email = take("email");
        let image = take("image");
        let email_verified = match object.get("emailVerified") {
            Some(Value::String(s)) => parse_iso_ms(s),
            Some(Value::Number(n)) => n.as_i64(),
            _ => None,
        };
        if email_verified.is_some() || object.get("emailVerified") == Some(&Value::Null) {
            object.shift_remove("emailVerified");
        }
        User {
            id,
            name,
            email,
            email_verified,
            image,
            extra: object,
        }
    }

    /// The JWT's `sub` (v4 `user.id?.toString()`): the id, or an `id` of another kind kept in
    /// [`User::extra`] as JavaScript's `String()` writes it; `None` without an id.
    pub fn sub(&self) -> Option<String> {
        if !self.id.is_empty() {
            return Some(self.id.clone());
        }
        match self.extra.get("id")? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// `name`, `email` or `image` as a JSON value: the typed field when set, else a non-string
    /// value kept in [`User::extra`]; `None` when the user has none (v4's `undefined`).
    pub fn field(&self, key: &str) -> Option<Value> {
        let typed = match key {
            "name" => &self.name,
            "email" => &self.email,
            "image" => &self.image,
            _ => return self.extra.get(key).cloned(),
        };
        match typed {
            Some(s) => Some(Value::String(s.clone())),
            None => self.extra.get(key).cloned(),
        }
    }
}

/// A user to create (`createUser` gets no id).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewUser {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When the address was proven, ms since the epoch.
    #[serde(rename = "emailVerified", default, with = "iso_opt")]
    pub email_verified: Option<i64>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// An account: v4's `Account` (the `accounts` row, with the token columns of
/// `@auth/pg-adapter`), as the `signIn` and `jwt` callbacks see it.
///
/// JSON: `{"userId"?, "type", "provider", "providerAccountId", "refresh_token"?, …, …extra}`.
/// Token names are the token endpoint's (snake_case), as in v4.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Account {
    /// The user it belongs to; empty before the sign-in handler knows the user (v4 leaves
    /// `userId` out there, except for the e-mail sign-in request, where it is the address).
    #[serde(rename = "userId", default, skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// `oauth`, `email` or `credentials`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Provider id.
    pub provider: String,
    /// The user's id at the provider (the address for e-mail, the `authorize()` id for
    /// credentials).
    #[serde(rename = "providerAccountId")]
    pub provider_account_id: String,
    /// OAuth refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// OAuth access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Access-token expiry, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Token type (`bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Granted scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The raw ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// OIDC session state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_state: Option<String>,
    /// The other fields of the token response (`refresh_expires_in`, `not-before-policy`, …):
    /// v4 spreads the whole token set into the account the callbacks see. Not stored.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Account {
    /// An OAuth account from the token set of the code exchange (`expires_in` already turned
    /// into `expires_at`): the stored token fields are taken out (strings as they are, other
    /// scalars as JSON writes them, `null` as absent; `expires_at` when an integer), the rest
    /// goes to [`Account::extra`].
    pub fn oauth(provider: &str, provider_account_id: &str, tokens: Map<String, Value>) -> Account {
        let mut extra = tokens;
        let mut take = |key: &str| match extra.shift_remove(key) {
            Some(Value::String(s)) => Some(s),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let refresh_token = take("refresh_token");
        let access_token = take("access_token");
        let token_type = take("token_type");
        let scope = take("scope");
        let id_token = take("id_token");
        let session_state = take("session_state");
        let expires_at = extra.get("expires_at").and_then(Value::as_i64);
        if expires_at.is_some() {
            extra.shift_remove("expires_at");
        }
        Account {
            user_id: String::new(),
            kind: "oauth".into(),
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            refresh_token,
            access_token,
            expires_at,
            token_type,
            scope,
            id_token,
            session_state,
            extra,
        }
    }

    /// An account without tokens (`email`, `credentials`).
    pub fn new(kind: &str, provider: &str, provider_account_id: &str) -> Account {
        Account {
            kind: kind.into(),
            provider: provider.into(),
            provider_account_id: provider_account_id.into(),
            ..Account::default()
        }
    }
}

impl std::fmt::Debug for Account {
    // Tokens are secrets: never in logs (nor `extra`, which is the rest of a token response).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("provider", &self.provider)
            .field("provider_account_id", &self.provider_account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A database session: v4's `AdapterSession` (a `sessions` row).
///
/// JSON: `{"sessionToken", "userId", "expires"}`, `expires` an ISO-8601 string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The cookie value.
    #[serde(rename = "sessionToken")]
    pub session_token: String,
    /// The user it belongs to.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Expiry, ms since the epoch.
    #[serde(with = "iso")]
    pub expires: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("session_token", &"[redacted]")
            .field("user_id", &self.user_id)
            .field("expires", &self.expires)
            .finish()
    }
}

/// A magic-link token: v4's `VerificationToken` (a `verification_token` row); `token` is the
/// *hash* of the link's token.
///
/// JSON: `{"identifier", "token", "expires"}`, `expires` an ISO-8601 string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationToken {
    /// The normalised e-mail address.
    pub identifier: String,
    /// `sha256_hex(token + secret)`.
    pub token: String,
    /// Expiry, ms since the epoch.
    #[serde(with = "iso")]
    pub expires: i64,
}

impl std::fmt::Debug for VerificationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationToken")
            .field("identifier", &self.identifier)
            .field("token", &"[redacted]")
            .field("expires", &self.expires)
            .finish()
    }
}

/// The `user` of v4's default session: `{name, email, image}`, each left out when absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionUser {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// What a `session` callback added to `user` (e.g. `id`), and a `name`, `email` or `image`
    /// that is not a string.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A session as `GET session` answers it: v4's `Session`,
/// `{"user": {"name", "email", "image"}, "expires": <ISO-8601>, …}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionData {
    /// The signed-in user.
    #[serde(default)]
    pub user: SessionUser,
    /// Expiry, ISO-8601 (`2026-12-28T05:29:14.439Z`).
    #[serde(default)]
    pub expires: String,
    /// What a `session` callback added at the top level.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The signed-in user's id (the JWT's `sub`, or the session row's `userId`), when the
    /// session was read by [`NextAuth::session`](crate::NextAuth::session). Not part of the
    /// JSON (v4 does not expose it unless a `session` callback does).
    #[serde(skip)]
    pub user_id: Option<String>,
    /// JWT sessions read by [`NextAuth::session`](crate::NextAuth::session): the decoded token
    /// after the `jwt` callback (v4 `getToken`, plus the callback). Not part of the JSON.
    #[serde(skip)]
    pub token: Option<Map<String, Value>>,
}

impl SessionData {
    /// The default session of a stored user (database sessions): name, e-mail address and
    /// image of the row, and `expires_ms` (ms since the epoch).
    pub fn of_user(user: &User, expires_ms: i64) -> SessionData {
        SessionData {
            user: SessionUser {
                name: user.name.clone(),
                email: user.email.clone(),
                image: user.image.clone(),
                extra: Map::new(),
            },
            expires: iso_ms(expires_ms),
            ..SessionData::default()
        }
    }

    /// Reads a session JSON leniently (a `session` callback may return anything): string
    /// `name`/`email`/`image` and `expires` become the typed fields, everything else is kept in
    /// the `extra` maps. `None` when `value` is not an object.
    pub fn from_json(value: Value) -> Option<SessionData> {
        let Value::Object(mut top) = value else {
            return None;
        };
        let mut user = SessionUser::default();
        if let Some(Value::Object(_)) = top.get("user")
            && let Some(Value::Object(mut u)) = top.shift_remove("user")
        {
            let mut take = |key: &str| match u.get(key) {
                Some(Value::String(_)) => match u.shift_remove(key) {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                },
                _ => None,
            };
            user.name = take("name");
            user.email = take("email");
            user.image = take("image");
            user.extra = u;
        }
        let expires = match top.get("expires") {
            Some(Value::String(_)) => match top.shift_remove("expires") {
                Some(Value::String(s)) => s,
                _ => String::new(),
            },
            _ => String::new(),
        };
        Some(SessionData {
            user,
            expires,
            extra: top,
            ..SessionData::default()
        })
    }
}

/// v4's default session JSON for a stored user (database sessions, v4
/// `core/routes/session.ts`): `{"user":{"name","email","image"},"expires":<ISO-8601>}`, in that
/// key order, an absent name, e-mail address or image left out. The one place this is built.
pub fn session_json(user: &User, expires_ms: i64) -> Value {
    // Serialising plain strings and maps cannot fail; `Null` is never reached.
    serde_json::to_value(SessionData::of_user(user, expires_ms)).unwrap_or(Value::Null)
}

/// `i64` ms ⇄ an ISO-8601 string (a JavaScript `Date` in JSON); a number is read as ms too.
mod iso {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use crate::clock::{iso_ms, parse_iso_ms};

    pub(super) fn serialize<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso_ms(*ms))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => {
                parse_iso_ms(&s).ok_or_else(|| serde::de::Error::custom("not an ISO-8601 date"))
            }
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| serde::de::Error::custom("not an integer")),
            _ => Err(serde::de::Error::custom("expected a date")),
        }
    }
}

/// `Option<i64>` ms ⇄ an ISO-8601 string or `null`.
mod iso_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use crate::clock::{iso_ms, parse_iso_ms};

    pub(super) fn serialize<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => s.serialize_str(&iso_ms(*ms)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => parse_iso_ms(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("not an ISO-8601 date")),
            Value::Number(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("not an integer")),
            _ => Err(serde::de::Error::custom("expected a date or null")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_json_has_v4_key_order_and_leaves_out_absent_fields() {
        let user = User {
            id: "1".into(),
            name: Some("A".into()),
            email: Some("a@b.c".into()),
            email_verified: Some(0),
            image: None,
            extra: Map::new(),
        };
        let v = session_json(&user, 1_798_435_754_439);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"user":{"name":"A","email":"a@b.c"},"expires":"2026-12-28T05:29:14.439Z"}"#
        );
    }

    #[test]
    fn serde_names_are_v4_camel_case() {
        let user = User {
            id: "1".into(),
            email: Some("a@b.c".into()),
            email_verified: Some(1_798_435_754_439),
            ..User::default()
        };
        assert_eq!(
            serde_json::to_string(&user).unwrap(),
            r#"{"id":"1","email":"a@b.c","emailVerified":"2026-12-28T05:29:14.439Z"}"#
        );
        assert_eq!(serde_json::from_value::<User>(json!(user)).unwrap(), user);
        let session = Session {
            session_token: "t".into(),
            user_id: "1".into(),
            expires: 0,
        };
        assert_eq!(
            serde_json::to_string(&session).unwrap(),
            r#"{"sessionToken":"t","userId":"1","expires":"1970-01-01T00:00:00.000Z"}"#
        );
        let account = Account::new("email", "email", "a@b.c");
        assert_eq!(
            serde_json::to_string(&account).unwrap(),
            r#"{"type":"email","provider":"email","providerAccountId":"a@b.c"}"#
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let mut tokens = Map::new();
        tokens.insert("access_token".into(), json!("AT-secret"));
        tokens.insert("refresh_expires_in".into(), json!(60));
        tokens.insert("custom_secret".into(), json!("XS-secret"));
        let account = Account::oauth("p", "1", tokens);
        assert_eq!(account.access_token.as_deref(), Some("AT-secret"));
        assert_eq!(account.extra.get("refresh_expires_in"), Some(&json!(60)));
        let session = Session {
            session_token: "ST-secret".into(),
            user_id: "1".into(),
            expires: 0,
        };
        let token = VerificationToken {
            identifier: "a@b.c".into(),
            token: "VT-secret".into(),
            expires: 0,
        };
        let all = format!("{account:?} {session:?} {token:?}");
        assert!(!all.contains("secret"), "{all}");
    }

    #[test]
    fn from_object_keeps_non_string_fields_as_given() {
        let u = User::from_object(
            json!({"id": 7, "name": null, "email": "a@b.c", "role": "admin"})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(u.id, "7");
        assert_eq!(u.email.as_deref(), Some("a@b.c"));
        assert_eq!(u.field("name"), Some(Value::Null));
        assert_eq!(u.field("image"), None);
        assert_eq!(u.extra.get("role"), Some(&json!("admin")));
    }

    #[test]
    fn session_data_reads_a_callback_result_leniently() {
        let v = json!({"user": {"name": "A", "id": "1"}, "expires": "x", "role": "r"});
        let s = SessionData::from_json(v.clone()).unwrap();
        assert_eq!(s.user.name.as_deref(), Some("A"));
        assert_eq!(s.user.extra.get("id"), Some(&json!("1")));
        assert_eq!(s.expires, "x");
        assert_eq!(json!(s), v);
        assert!(SessionData::from_json(json!(null)).is_none());
    }
}

/// What a [`Revocation`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationKind {
    /// One JWT session: every copy of its cookie, whatever its `jti` (the session's stable
    /// `sid` claim, set at sign-in with `revoke_on_signout`).
    Session,
    /// Every session of a user issued before a time (a per-user not-before).
    User,
    /// The JWT sessions started from one IdP session (back-channel logout with a `sid`): the
    /// subject is [`crate::revocation::idp_session_subject`] of the provider and the IdP's
    /// `sid`, which the JWT carries as [`crate::revocation::IDP_SESSION_CLAIM`].
    IdpSession,
}

impl RevocationKind {
    /// The stored name: `session`, `user`, `idp_session`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationKind::Session => "session",
            RevocationKind::User => "user",
            RevocationKind::IdpSession => "idp_session",
        }
    }

    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "session" => Some(RevocationKind::Session),
            "user" => Some(RevocationKind::User),
            "idp_session" => Some(RevocationKind::IdpSession),
            _ => None,
        }
    }
}

/// A record that ends JWT sessions before they expire (`nextauth_revocations`). Times are ms
/// since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// What it ends.
    pub kind: RevocationKind,
    /// The session's `sid`, the user's id (the JWT's `sub`), or the IdP session's subject.
    pub subject: String,
    /// When it was made; for [`RevocationKind::User`] the not-before time: a token issued at or
    /// before it (its `iat`, in whole seconds) is refused.
    pub at: i64,
    /// Kept until then: no token it could refuse outlives it (sign-out or revocation time plus
    /// the session's longest lifetime).
    pub until: i64,
}
