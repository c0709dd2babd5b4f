//! v4's `events` (next-auth v4 `core/types.ts` `EventCallbacks`): `signIn`, `signOut`,
//! `createUser`, `updateUser`, `linkAccount`, as the Rust [`Events`] trait, and the durable
//! outbox form of the same events that the `nextauth` server delivers as signed webhooks.
//!
//! Two ways to receive them:
//!
//! * **In process** ([`Events`] with [`Events::durable`] `false`, the default): the core calls
//!   [`Events::sign_in`] & co. after the change, as v4 does (`await events.signIn?.(…)` in
//!   `core/routes/callback.ts`, `core/lib/callback-handler.ts`, `core/routes/signout.ts`). A crash
//!   between the change and the call loses the event, as in v4.
//! * **Durably** ([`OutboxEvents`], [`Events::durable`] `true`): each event becomes an
//!   [`OutboxEvent`] that the adapter writes in the same transaction as the row change that
//!   caused it (`createUser` with its user row, `linkAccount` with its account row, `signIn`
//!   with its database session, `signOut` with the session's deletion; a JWT `signIn`/`signOut`,
//!   which changes no row, is the outbox insert alone). [`crate::outbox`] delivers the rows.
//!
//! Event arguments are v4's (`EventCallbacks`):
//!
//! | type | `data` |
//! |---|---|
//! | `signIn` | `{user, account, profile?, isNewUser?}` (credentials: no profile) |
//! | `signOut` | `{token}` (JWT strategy: the decoded JWT) or `{session}` (database strategy) |
//! | `createUser` | `{user}` |
//! | `updateUser` | `{user}` |
//! | `linkAccount` | `{user, account, profile}` |
//!
//! In the durable form, OAuth tokens (`access_token`, `refresh_token`, `id_token` and their
//! camelCase spellings) are removed from `data` at any depth: a webhook receiver gets who signed
//! in, never credentials to act as them.

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use crate::adapter::{
    Adapter, AdapterAccount, AdapterResult, AdapterSession, AdapterUser, NewUser, OutboxEvent,
};
use crate::domain::{Account, User};
use crate::outbox::Wake;

/// `signIn`: `{user, account, profile, isNewUser}` (v4 `core/routes/callback.ts`, after the
/// session cookie is set).
#[derive(Debug, Clone, PartialEq)]
pub struct SignInMessage {
    /// The signed-in user (the stored row with an adapter).
    pub user: User,
    /// The account of the sign-in.
    pub account: Option<Account>,
    /// The OAuth profile (none for e-mail and credentials).
    pub profile: Option<Value>,
    /// Whether this sign-in created the user (`None` without an adapter, as v4's undefined).
    pub is_new_user: Option<bool>,
}

/// `signOut`: `{token}` with JWT sessions, `{session}` with database sessions (v4
/// `core/routes/signout.ts`).
#[derive(Debug, Clone, PartialEq)]
pub struct SignOutMessage {
    /// The decoded session JWT (JWT strategy).
    pub token: Option<Map<String, Value>>,
    /// The deleted session row (database strategy).
    pub session: Option<AdapterSession>,
}

/// `createUser`: `{user}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateUserMessage {
    /// The new row.
    pub user: AdapterUser,
}

/// `updateUser`: `{user}` (v4: an e-mail sign-in of a known user, which sets `emailVerified`).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateUserMessage {
    /// The row as written.
    pub user: AdapterUser,
}

/// `linkAccount`: `{user, account, profile}`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkAccountMessage {
    /// The user the account now belongs to.
    pub user: User,
    /// The account row (its tokens are stripped from the durable form).
    pub account: Account,
    /// The OAuth profile, if any.
    pub profile: Option<Value>,
}

/// One event, of any type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `signIn`
    SignIn(SignInMessage),
    /// `signOut`
    SignOut(SignOutMessage),
    /// `createUser`
    CreateUser(CreateUserMessage),
    /// `updateUser`
    UpdateUser(UpdateUserMessage),
    /// `linkAccount`
    LinkAccount(LinkAccountMessage),
}

impl Event {
    /// The v4 event name, the wire's `type`: `signIn`, `signOut`, `createUser`, `updateUser`,
    /// `linkAccount`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SignIn(_) => "signIn",
            Event::SignOut(_) => "signOut",
            Event::CreateUser(_) => "createUser",
            Event::UpdateUser(_) => "updateUser",
            Event::LinkAccount(_) => "linkAccount",
        }
    }

    /// The v4 arguments as JSON, tokens stripped (module documentation).
    pub fn data(&self) -> Value {
        let mut data = match self {
            Event::SignIn(m) => {
                let mut o = Map::new();
                o.insert("user".into(), to(&m.user));
                o.insert("account".into(), m.account.as_ref().map_or(Value::Null, to));
                if let Some(p) = &m.profile {
                    o.insert("profile".into(), p.clone());
                }
                if let Some(n) = m.is_new_user {
                    o.insert("isNewUser".into(), Value::Bool(n));
                }
                Value::Object(o)
            }
            Event::SignOut(m) => match (&m.token, &m.session) {
                (_, Some(s)) => json!({ "session": to(s) }),
                (Some(t), None) => json!({ "token": Value::Object(t.clone()) }),
                (None, None) => json!({ "token": null }),
            },
            Event::CreateUser(m) => json!({ "user": to(&m.user) }),
            Event::UpdateUser(m) => json!({ "user": to(&m.user) }),
            Event::LinkAccount(m) => json!({
                "user": to(&m.user),
                "account": to(&m.account),
                "profile": m.profile.clone().unwrap_or(Value::Null),
            }),
        };
        strip_tokens(&mut data);
        data
    }

    /// The outbox row of this event: a fresh id, and the wire body
    /// `{"id", "type", "timestamp", "data"}` (`timestamp` ISO-8601 of `now_ms`) as the exact bytes
    /// every delivery attempt sends.
    pub fn to_outbox(&self, now_ms: i64) -> OutboxEvent {
        let id = format!("evt_{}", crate::crypto::random::uuid_v4().replace('-', ""));
        let body = json!({
            "id": id,
            "type": self.kind(),
            "timestamp": crate::clock::iso_ms(now_ms),
            "data": self.data(),
        })
        .to_string();
        OutboxEvent {
            id,
            kind: self.kind().into(),
            created_at: now_ms,
            body,
        }
    }

    /// Calls the matching method of `events`.
    pub async fn dispatch(&self, events: &dyn Events) {
        match self {
            Event::SignIn(m) => events.sign_in(m).await,
            Event::SignOut(m) => events.sign_out(m).await,
            Event::CreateUser(m) => events.create_user(m).await,
            Event::UpdateUser(m) => events.update_user(m).await,
            Event::LinkAccount(m) => events.link_account(m).await,
        }
    }
}

/// A domain value as JSON (they serialise to objects and cannot fail).
fn to<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Keys removed from event data at any depth: the OAuth token names of the token endpoint and
/// their camelCase forms (a `jwt` callback's `token.accessToken`).
const TOKEN_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "accessToken",
    "refreshToken",
    "idToken",
];

/// Removes the OAuth token keys ([`TOKEN_KEYS`]) at any depth: the durable events and the
/// `signIn` webhook ([`crate::callbacks::configured`]) never carry a token.
pub(crate) fn strip_tokens(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|k, _| !TOKEN_KEYS.contains(&k.as_str()));
            o.values_mut().for_each(strip_tokens);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_tokens),
        _ => {}
    }
}

/// v4's `events` as a trait; every method defaults to doing nothing.
///
/// The in-process form: the core calls a method after its change succeeded (v4's order). Return
/// quickly; a slow method delays the response of the request that caused it.
#[async_trait]
pub trait Events: Send + Sync + 'static {
    /// `true`: the events go to the adapter's outbox in the transaction of their change, and the
    /// methods below are not called ([`OutboxEvents`]). Needs an adapter that keeps an outbox
    /// ([`Adapter::keeps_outbox`]); the builder refuses others.
    fn durable(&self) -> bool {
        false
    }
    /// Called after durable events were committed to the outbox (wakes the delivery worker).
    fn enqueued(&self) {}
    /// `signIn({user, account, profile, isNewUser})`
    async fn sign_in(&self, _message: &SignInMessage) {}
    /// `signOut({token})` / `signOut({session})`
    async fn sign_out(&self, _message: &SignOutMessage) {}
    /// `createUser({user})`
    async fn create_user(&self, _message: &CreateUserMessage) {}
    /// `updateUser({user})`
    async fn update_user(&self, _message: &UpdateUserMessage) {}
    /// `linkAccount({user, account, profile})`
    async fn link_account(&self, _message: &LinkAccountMessage) {}
}

/// No events (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl Events for NoEvents {}

/// The durable events: written to the adapter's outbox, delivered by [`crate::outbox::run`],
/// which [`OutboxEvents::wake`] wakes after each write.
#[derive(Debug, Clone, Default)]
pub struct OutboxEvents {
    /// Given to the delivery worker.
    pub wake: Wake,
}

impl Events for OutboxEvents {
    fn durable(&self) -> bool {
        true
    }
    fn enqueued(&self) {
        self.wake.wake();
    }
}

/// The adapter writes that carry events, used by the flows in place of the plain adapter calls:
/// with durable events the change and its outbox rows are one transaction, otherwise the change
/// is made and then [`Events`] is called.
pub(crate) struct Emit<'a> {
    pub(crate) adapter: &'a dyn Adapter,
    pub(crate) events: &'a dyn Events,
    pub(crate) now_ms: i64,
}

impl Emit<'_> {
    fn rows(&self, events: &[Event]) -> Vec<OutboxEvent> {
        events.iter().map(|e| e.to_outbox(self.now_ms)).collect()
    }

    async fn after(&self, events: &[Event]) {
        for e in events {
            e.dispatch(self.events).await;
        }
    }

    /// `createUser` and its event.
    pub(crate) async fn create_user(&self, user: NewUser) -> AdapterResult<AdapterUser> {
        if self.events.durable() {
            let now = self.now_ms;
            let event = move |u: &AdapterUser| {
                vec![Event::CreateUser(CreateUserMessage { user: u.clone() }).to_outbox(now)]
            };
            let u = self.adapter.create_user_with_events(user, &event).await?;
            self.events.enqueued();
            return Ok(u);
        }
        let u = self.adapter.create_user(user).await?;
        self.after(&[Event::CreateUser(CreateUserMessage { user: u.clone() })])
            .await;
        Ok(u)
    }

    /// `updateUser` and its event.
    pub(crate) async fn update_user(&self, user: &AdapterUser) -> AdapterResult<AdapterUser> {
        let e = [Event::UpdateUser(UpdateUserMessage { user: user.clone() })];
        if self.events.durable() {
            let r = self
                .adapter
                .update_user_with_events(user, &self.rows(&e))
                .await?;
            self.events.enqueued();
            return Ok(r);
        }
        let u = self.adapter.update_user(user).await?;
        self.after(&e).await;
        Ok(u)
    }

    /// `linkAccount` and its event.
    pub(crate) async fn link_account(
        &self,
        account: &AdapterAccount,
        user: &User,
        profile: Option<&Value>,
    ) -> AdapterResult<()> {
        let e = [Event::LinkAccount(LinkAccountMessage {
            user: user.clone(),
            account: account.clone(),
            profile: profile.cloned(),
        })];
        if self.events.durable() {
            self.adapter
                .link_account_with_events(account, &self.rows(&e))
                .await?;
            self.events.enqueued();
            return Ok(());
        }
        self.adapter.link_account(account).await?;
        self.after(&e).await;
        Ok(())
    }

    /// `createSession` of a database-strategy sign-in, with its `signIn` event.
    pub(crate) async fn create_session(
        &self,
        session: &AdapterSession,
        sign_in: SignInMessage,
    ) -> AdapterResult<AdapterSession> {
        let e = [Event::SignIn(sign_in)];
        if self.events.durable() {
            let r = self
                .adapter
                .create_session_with_events(session, &self.rows(&e))
                .await?;
            self.events.enqueued();
            return Ok(r);
        }
        let s = self.adapter.create_session(session).await?;
        self.after(&e).await;
        Ok(s)
    }

    /// `deleteSession` of a database-strategy sign-out, with its `signOut` event.
    pub(crate) async fn delete_session(&self, session: &AdapterSession) -> AdapterResult<()> {
        let e = [Event::SignOut(SignOutMessage {
            token: None,
            session: Some(session.clone()),
        })];
        if self.events.durable() {
            self.adapter
                .delete_session_with_events(&session.session_token, &self.rows(&e))
                .await?;
            self.events.enqueued();
            return Ok(());
        }
        self.adapter.delete_session(&session.session_token).await?;
        self.after(&e).await;
        Ok(())
    }

    /// An event with no row change (JWT `signIn` / `signOut`): the outbox insert alone.
    pub(crate) async fn alone(&self, event: Event) -> AdapterResult<()> {
        if self.events.durable() {
            self.adapter.enqueue_events(&self.rows(&[event])).await?;
            self.events.enqueued();
            return Ok(());
        }
        self.after(&[event]).await;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_data() {
        let mut account = Account::new("oauth", "idp", "sub-1");
        account.access_token = Some("AT".into());
        account.refresh_token = Some("RT".into());
        account.id_token = Some("IT".into());
        let mut token = Map::new();
        token.insert("sub".into(), json!("1"));
        token.insert("accessToken".into(), json!("AT2"));
        for e in [
            Event::LinkAccount(LinkAccountMessage {
                user: User::default(),
                account: account.clone(),
                profile: Some(json!({"sub": "sub-1", "nested": {"id_token": "x"}})),
            }),
            Event::SignOut(SignOutMessage {
                token: Some(token),
                session: None,
            }),
        ] {
            let body = e.to_outbox(0).body;
            for secret in ["AT", "RT", "IT", "\"x\"", "access", "refresh", "id_token"] {
                assert!(!body.contains(secret), "{secret} in {body}");
            }
        }
    }

    #[test]
    fn the_wire_body_is_id_type_timestamp_data() {
        let e = Event::CreateUser(CreateUserMessage {
            user: AdapterUser {
                id: "7".into(),
                email: Some("a@example.com".into()),
                ..AdapterUser::default()
            },
        });
        let row = e.to_outbox(1_700_000_000_000);
        let v: Value = serde_json::from_str(&row.body).unwrap();
        assert_eq!(v["id"], json!(row.id));
        assert!(row.id.starts_with("evt_"));
        assert_eq!(v["type"], "createUser");
        assert_eq!(v["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(v["data"]["user"]["id"], "7");
        assert_eq!(v["data"]["user"]["email"], "a@example.com");
    }

    /// Records the in-process calls.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    #[async_trait]
    impl Events for Recorder {
        async fn sign_in(&self, m: &SignInMessage) {
            self.0
                .lock()
                .unwrap()
                .push(format!("signIn {:?}", m.is_new_user));
        }
        async fn sign_out(&self, m: &SignOutMessage) {
            self.0
                .lock()
                .unwrap()
                .push(format!("signOut {}", m.session.is_some()));
        }
        async fn create_user(&self, m: &CreateUserMessage) {
            self.0
                .lock()
                .unwrap()
                .push(format!("createUser {}", m.user.id));
        }
        async fn update_user(&self, m: &UpdateUserMessage) {
            self.0
                .lock()
                .unwrap()
                .push(format!("updateUser {}", m.user.id));
        }
        async fn link_account(&self, m: &LinkAccountMessage) {
            self.0
                .lock()
                .unwrap()
                .push(format!("linkAccount {}", m.account.user_id));
        }
    }

    async fn run_all(emit: &Emit<'_>) {
        let u = emit.create_user(NewUser::default()).await.unwrap();
        emit.update_user(&u).await.unwrap();
        let account = AdapterAccount {
            user_id: u.id.clone(),
            ..Account::new("oauth", "idp", "sub")
        };
        emit.link_account(&account, &u, None).await.unwrap();
        let session = AdapterSession {
            session_token: "t".into(),
            user_id: u.id.clone(),
            expires: 5,
        };
        let sign_in = SignInMessage {
            user: u.clone(),
            account: Some(account),
            profile: None,
            is_new_user: Some(true),
        };
        emit.create_session(&session, sign_in).await.unwrap();
        emit.delete_session(&session).await.unwrap();
        emit.alone(Event::SignOut(SignOutMessage {
            token: Some(Map::new()),
            session: None,
        }))
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn in_process_events_are_called_after_each_change() {
        let adapter = crate::adapter::MemoryAdapter::new();
        let rec = Recorder::default();
        run_all(&Emit {
            adapter: &adapter,
            events: &rec,
            now_ms: 0,
        })
        .await;
        assert_eq!(
            *rec.0.lock().unwrap(),
            [
                "createUser 1",
                "updateUser 1",
                "linkAccount 1",
                "signIn Some(true)",
                "signOut true",
                "signOut false"
            ]
        );
        assert!(adapter.outbox().is_empty());
    }

    #[tokio::test]
    async fn durable_events_go_to_the_outbox_and_wake_the_worker() {
        let adapter = crate::adapter::MemoryAdapter::new();
        let events = OutboxEvents::default();
        let woken = events.wake.clone();
        run_all(&Emit {
            adapter: &adapter,
            events: &events,
            now_ms: 0,
        })
        .await;
        let kinds: Vec<String> = adapter
            .outbox()
            .into_iter()
            .map(|(e, _, _)| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "createUser",
                "updateUser",
                "linkAccount",
                "signIn",
                "signOut",
                "signOut"
            ]
        );
        // A wake-up is pending for the worker.
        tokio::time::timeout(std::time::Duration::from_secs(1), woken.wait_for_test())
            .await
            .unwrap();
    }
}
