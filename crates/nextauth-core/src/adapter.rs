//! Storage: the v4 `Adapter` interface (spec §16.1) and, with the `testing` feature, an in-memory
//! implementation ([`crate::testing::MemoryAdapter`]).
//!
//! The core reaches storage only through `Arc<dyn Adapter>`; the SQL implementations live in
//! their own crate. Times are milliseconds since the Unix epoch.

#[cfg(any(test, feature = "testing"))]
use std::collections::HashMap;
#[cfg(any(test, feature = "testing"))]
use std::sync::Mutex;

use async_trait::async_trait;

pub use crate::domain::{NewUser, VerificationToken};

/// A user row (`users`): the domain's [`User`](crate::domain::User) (its `extra` is empty).
pub type AdapterUser = crate::domain::User;
/// A linked account row (`accounts`): the domain's [`Account`](crate::domain::Account) (its
/// `extra` is not stored).
pub type AdapterAccount = crate::domain::Account;
/// A database session row (`sessions`): the domain's [`Session`](crate::domain::Session).
pub type AdapterSession = crate::domain::Session;

/// A storage failure. The message is logged, never shown to a browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The database could not be reached or answered with an error.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A constraint was violated (e.g. an e-mail address already taken).
    #[error("storage conflict: {0}")]
    Conflict(String),
}

/// Result of an adapter call.
pub type AdapterResult<T> = Result<T, AdapterError>;

/// The v4 adapter methods that NextAuth calls (spec §16.1).
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// `createUser`
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser>;
    /// `getUser`: `None` also for an id that cannot exist (e.g. not a number in SQL).
    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>>;
    /// `getUserByEmail`
    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>>;
    /// `getUserByAccount`
    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>>;
    /// `updateUser`: writes every column of `user` (read-merge-write is the caller's job).
    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser>;
    /// `linkAccount`
    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()>;
    /// `createSession`
    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession>;
    /// `getSessionAndUser`: one query where the storage allows it; the hot path of database sessions.
    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>>;
    /// `updateSession`: sets a new expiry.
    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()>;
    /// `deleteSession`
    async fn delete_session(&self, session_token: &str) -> AdapterResult<()>;
    /// `createVerificationToken`
    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()>;
    /// `useVerificationToken({ identifier, token })`: deletes the row whose identifier *and*
    /// hashed token both equal the arguments, and returns it, in one atomic step (v4
    /// `adapters.ts`; `@auth/pg-adapter`'s `DELETE … WHERE identifier = $1 AND token = $2
    /// RETURNING …`).
    ///
    /// * Both must match: a link whose `email` parameter was changed finds nothing and so
    ///   deletes nothing, and the user's real link still works.
    /// * Atomic: of N concurrent calls with the same pair, exactly one gets `Some`.
    /// * Expiry is not checked here; the caller refuses an expired row (it is deleted all the
    ///   same, as in v4: it is of no use to anyone).
    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>>;
}

/// An in-process adapter: for tests, and for trying things out. Everything is lost on restart.
/// Feature `testing` (it is no storage for a deployment).
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
pub struct MemoryAdapter {
    state: Mutex<MemoryState>,
}

#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Default)]
struct MemoryState {
    next_id: u64,
    users: HashMap<String, AdapterUser>,
    accounts: Vec<AdapterAccount>,
    sessions: HashMap<String, AdapterSession>,
    tokens: Vec<VerificationToken>,
}

#[cfg(any(test, feature = "testing"))]
impl MemoryAdapter {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut MemoryState) -> T) -> AdapterResult<T> {
        // A poisoned lock means a panic while holding it; the data is plain values, still usable.
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        Ok(f(&mut guard))
    }
}

#[cfg(any(test, feature = "testing"))]
#[async_trait]
impl Adapter for MemoryAdapter {
    async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        self.with(|s| {
            if let Some(email) = &user.email
                && s.users.values().any(|u| u.email.as_ref() == Some(email))
            {
                return Err(AdapterError::Conflict("users.email".into()));
            }
            s.next_id += 1;
            let u = AdapterUser {
                id: s.next_id.to_string(),
                name: user.name,
                email: user.email,
                email_verified: user.email_verified,
                image: user.image,
                extra: serde_json::Map::new(),
            };
            s.users.insert(u.id.clone(), u.clone());
            Ok(u)
        })?
    }

    async fn get_user(&self, id: &str) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| s.users.get(id).cloned())
    }

    async fn get_user_by_email(&self, email: &str) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| {
            s.users
                .values()
                .find(|u| u.email.as_deref() == Some(email))
                .cloned()
        })
    }

    async fn get_user_by_account(
        &self,
        provider: &str,
        provider_account_id: &str,
    ) -> AdapterResult<Option<AdapterUser>> {
        self.with(|s| {
            s.accounts
                .iter()
                .find(|a| a.provider == provider && a.provider_account_id == provider_account_id)
                .and_then(|a| s.users.get(&a.user_id).cloned())
        })
    }

    async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        self.with(|s| {
            s.users.insert(user.id.clone(), user.clone());
            user.clone()
        })
    }

    async fn link_account(&self, account: &AdapterAccount) -> AdapterResult<()> {
        self.with(|s| {
            if s.accounts.iter().any(|a| {
                a.provider == account.provider
                    && a.provider_account_id == account.provider_account_id
            }) {
                return Err(AdapterError::Conflict("accounts.provider".into()));
            }
            s.accounts.push(account.clone());
            Ok(())
        })?
    }

    async fn create_session(&self, session: &AdapterSession) -> AdapterResult<AdapterSession> {
        self.with(|s| {
            s.sessions
                .insert(session.session_token.clone(), session.clone());
            session.clone()
        })
    }

    async fn get_session_and_user(
        &self,
        session_token: &str,
    ) -> AdapterResult<Option<(AdapterSession, AdapterUser)>> {
        self.with(|s| {
            let session = s.sessions.get(session_token)?;
            let user = s.users.get(&session.user_id)?;
            Some((session.clone(), user.clone()))
        })
    }

    async fn update_session_expiry(&self, session_token: &str, expires: i64) -> AdapterResult<()> {
        self.with(|s| {
            if let Some(session) = s.sessions.get_mut(session_token) {
                session.expires = expires;
            }
        })
    }

    async fn delete_session(&self, session_token: &str) -> AdapterResult<()> {
        self.with(|s| {
            s.sessions.remove(session_token);
        })
    }

    async fn create_verification_token(&self, token: &VerificationToken) -> AdapterResult<()> {
        self.with(|s| s.tokens.push(token.clone()))
    }

    async fn use_verification_token(
        &self,
        identifier: &str,
        hashed_token: &str,
    ) -> AdapterResult<Option<VerificationToken>> {
        // Find and remove under one lock: atomic like the SQL adapters' DELETE … RETURNING.
        self.with(|s| {
            let i = s
                .tokens
                .iter()
                .position(|t| t.identifier == identifier && t.token == hashed_token)?;
            Some(s.tokens.remove(i))
        })
    }
}
