//! Reading and writing sessions: JWT (an encrypted cookie) or database (a row, its token in the
//! cookie). Ports v4 `core/routes/session.ts` and the session part of `core/routes/callback.ts`
//! (spec §9.4, §9.5, §10).

use serde_json::{Map, Value, json};

use crate::adapter::AdapterError;
use crate::adapter::AdapterSession;
use crate::callbacks::{CallbackError, JwtArgs, SessionArgs, Trigger};
use crate::clock::iso_ms;
use crate::config::SessionStrategy;
use crate::cookies::{clear_chunked, read_chunked, write_chunked};
use crate::crypto::random;
use crate::domain::{Account, User, session_json};
use crate::error::AuthError;
use crate::init::Ctx;
use crate::providers::oauth::KEPT_CLAIMS;
use crate::response::Reply;
use crate::state::State;

/// The session cookie's value, chunks reassembled.
pub(crate) fn token_from_request(inner: &State, ctx: &Ctx<'_>) -> Option<String> {
    read_chunked(&inner.cookies.session_token, &ctx.req.cookies)
}

/// Queues deletions of every session cookie chunk the request carries (in `cookie_domain`, when
/// set: a deletion must name the Domain the cookie was set with).
pub(crate) fn clear_cookie(inner: &State, ctx: &mut Ctx<'_>) {
    let deletions = clear_chunked(
        &inner.cookies.session_token,
        inner.cookies.secure,
        &ctx.req.cookies,
    );
    let domain = inner.cookies.domain.as_ref();
    host_only_leftovers(inner, ctx);
    ctx.cookies
        .extend(deletions.into_iter().map(|c| c.in_domain(domain)));
}

/// Queues the session cookie (chunked when long, in `cookie_domain` when set), deleting stale
/// chunks.
pub(crate) fn set_cookie(inner: &State, ctx: &mut Ctx<'_>, value: &str, expires_ms: i64) {
    let cookies = write_chunked(
        &inner.cookies.session_token,
        value,
        expires_ms,
        inner.cookies.secure,
        &ctx.req.cookies,
    );
    let domain = inner.cookies.domain.as_ref();
    if domain.is_some() {
        host_only_leftovers(inner, ctx);
        ctx.cookies
            .extend(cookies.into_iter().map(|c| c.in_domain(domain)));
    } else {
        ctx.cookies.extend(cookies);
    }
}

/// With `cookie_domain`, a browser that kept a host-only session cookie from before the setting
/// sends two cookies of one name (host-only and Domain), which no reader can tell apart: each
/// name the request carries twice also gets a host-only deletion, so only the Domain one stays.
fn host_only_leftovers(inner: &State, ctx: &mut Ctx<'_>) {
    if inner.cookies.domain.is_none() {
        return;
    }
    let present = crate::cookies::present_chunks(&inner.cookies.session_token, &ctx.req.cookies);
    let mut twice: Vec<&str> = present
        .iter()
        .enumerate()
        .filter(|(i, n)| present[..*i].contains(n))
        .map(|(_, n)| *n)
        .collect();
    twice.dedup();
    for name in twice {
        ctx.cookies.push(crate::cookies::SetCookie::deletion(
            name,
            inner.cookies.secure,
        ));
    }
}

/// `GET session` / `POST session`: the session JSON, refreshing the cookie.
/// `update` is the client's `update(data)` payload on `POST session`.
pub(crate) async fn read(
    inner: &State,
    ctx: &mut Ctx<'_>,
    update: Option<&Value>,
    no_store: bool,
) -> Reply {
    let empty = |no_store| Reply::Json {
        status: 200,
        body: "{}".into(),
        no_store,
    };
    let Some(token) = token_from_request(inner, ctx) else {
        return empty(no_store);
    };
    match resolve(inner, &token, ctx.now_ms, update).await {
        Read::Found(found) => {
            let max_age = inner.config.session.max_age;
            let expires = ctx.now_ms + max_age * 1000;
            match &found.claims {
                Some(claims) => {
                    let encoded =
                        inner
                            .session_keys
                            .encode_jwt(claims, max_age, ctx.now_ms.div_euclid(1000));
                    set_cookie(inner, ctx, &encoded, expires);
                }
                // The cookie always moves, whatever the stored expiry says.
                None => set_cookie(inner, ctx, &token, expires),
            }
            // `serde_json::to_string` writes straight into a buffer (`Value`'s `Display` goes
            // through the formatting machinery); serialising a `Value` cannot fail.
            Reply::Json {
                status: 200,
                body: serde_json::to_string(&found.body).unwrap_or_else(|_| "{}".into()),
                no_store,
            }
        }
        Read::Gone => {
            clear_cookie(inner, ctx);
            empty(no_store)
        }
        Read::Unavailable => empty(no_store),
    }
}

/// A session found by [`resolve`].
pub(crate) struct Found {
    /// The `session` callback's result: what `GET session` answers.
    pub(crate) body: Value,
    /// JWT sessions: the token after the `jwt` callback (what the refreshed cookie carries).
    pub(crate) claims: Option<Map<String, Value>>,
    /// The user's id: the JWT's `sub`, or the session row's user.
    /// Database sessions; a JWT session's is its `sub` ([`Found::user_id`]), read only by those
    /// who ask (no allocation on the hot path of `GET session`).
    pub(crate) row_user_id: Option<String>,
    /// Database sessions read by [`peek`]: the user row and the session's kept claims (the
    /// default token plus what `claims_url` / `profile_claims` added), for forward-auth's
    /// identity. `None` otherwise (`GET session` needs neither).
    pub(crate) row: Option<Box<SessionRow>>,
}

/// A database session's user row and kept claims ([`Found::row`]).
pub(crate) struct SessionRow {
    pub(crate) user: User,
    /// The default token plus what `claims_url` / `profile_claims` added, when claims are kept.
    pub(crate) claims: Option<Map<String, Value>>,
}

impl Found {
    /// The user's id: the session row's user, or the JWT's `sub`.
    pub(crate) fn user_id(&self) -> Option<String> {
        self.row_user_id.clone().or_else(|| {
            self.claims
                .as_ref()?
                .get("sub")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    }
}

/// What reading a session cookie gave.
pub(crate) enum Read {
    /// A valid session.
    Found(Found),
    /// No session behind the cookie (unreadable JWT, unknown or expired row): the cookie should
    /// be cleared.
    Gone,
    /// The storage could not answer: no session now, but the cookie is kept (the database may
    /// come back).
    Unavailable,
}

/// Reads the session of a session cookie's value `token` at `now_ms`, running the `jwt` and
/// `session` callbacks (`update` is the client's `update(data)` payload). Writes no cookie; a
/// database session is extended (at most once per `updateAge`) and an expired one deleted, as
/// `GET session` does. Used by `GET`/`POST session` and by [`NextAuth::session`]
/// (`getServerSession`).
///
/// [`NextAuth::session`]: crate::NextAuth::session
pub(crate) async fn resolve(
    inner: &State,
    token: &str,
    now_ms: i64,
    update: Option<&Value>,
) -> Read {
    match inner.config.session.strategy {
        SessionStrategy::Jwt => resolve_jwt(inner, token, now_ms, update).await,
        // Boxed: its state machine (adapter calls, claims) would make every JWT read's larger.
        SessionStrategy::Database => {
            Box::pin(resolve_database(
                inner,
                token,
                now_ms,
                update,
                Mode::Refresh,
            ))
            .await
        }
    }
}

/// Whether a database session read may write: `GET session` extends the expiry (at most once
/// per `update_age`) and deletes an expired row; forward-auth only looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Refresh,
    Peek,
}

/// [`resolve`] without writing anything: no expiry extended, no expired row deleted (it is
/// simply no session), no `update`; a database session's [`Found::row`] is filled. For
/// forward-auth, which runs before every request to a protected app and must not turn those
/// into session activity.
pub(crate) async fn peek(inner: &State, token: &str, now_ms: i64) -> Read {
    match inner.config.session.strategy {
        SessionStrategy::Jwt => resolve_jwt(inner, token, now_ms, None).await,
        SessionStrategy::Database => {
            Box::pin(resolve_database(inner, token, now_ms, None, Mode::Peek)).await
        }
    }
}

/// The claims of a JWT session cookie, if it decodes, has not expired and is not revoked (the
/// refusal is logged, never the token).
pub(crate) fn decode_jwt_session(
    inner: &State,
    token: &str,
    now_ms: i64,
) -> Option<Map<String, Value>> {
    let decoded = match inner
        .session_keys
        .decode_jwt(token, now_ms.div_euclid(1000))
    {
        Ok(d) => d,
        Err(e) => {
            // The cookie is attacker-controlled: log why, never the token.
            tracing::info!(code = "JWT_SESSION_ERROR", reason = %e, "session cookie refused");
            return None;
        }
    };
    // In memory: one atomic load while nothing is revoked, never a query.
    if let Some(refusal) = inner.revocations.refuses(&decoded) {
        tracing::info!(
            code = "JWT_SESSION_ERROR",
            reason = refusal.as_str(),
            "session cookie refused"
        );
        return None;
    }
    Some(decoded)
}

async fn resolve_jwt(inner: &State, token: &str, now_ms: i64, update: Option<&Value>) -> Read {
    let Some(decoded) = decode_jwt_session(inner, token, now_ms) else {
        return Read::Gone;
    };
    // The upstream tokens stay out of the callbacks' sight (and so out of every webhook, the
    // session JSON and `[session.expose]`); they go back into the refreshed cookie.
    let (decoded, kept) = split_kept(inner, decoded);
    // On `update()` a failed callback keeps the token as it was; only then is a copy needed.
    let before_update = update.map(|_| decoded.clone());
    let token = match inner
        .callbacks
        .jwt(JwtArgs {
            token: decoded,
            user: None,
            account: None,
            profile: None,
            is_new_user: None,
            trigger: update.map(|_| Trigger::Update),
            session: update,
        })
        .await
    {
        Ok(token) => token,
        Err(e) => match before_update {
            Some(token) => {
                tracing::warn!(code = "JWT_SESSION_ERROR", error = %e, "the jwt callback failed on update(): the token is kept as it was");
                token
            }
            None => {
                // v4 `core/routes/session.ts`: a throwing `jwt` callback ends the session.
                tracing::error!(code = "JWT_SESSION_ERROR", error = %e, "the jwt callback failed");
                return Read::Gone;
            }
        },
    };
    let expires = now_ms + inner.config.session.max_age * 1000;
    let session = json!({
        "user": user_view(&token, "picture"),
        "expires": iso_ms(expires),
    });
    let mut body = inner
        .callbacks
        .session(SessionArgs {
            session,
            token: Some(&token),
            user: None,
            new_session: None,
            trigger: update.map(|_| Trigger::Update),
        })
        .await;
    // A failed upstream refresh (`GET token`) marks the token; the session shows it, as v4's
    // refresh recipe has its `session` callback do, so the app can ask for a new sign-in.
    if let Some(error) = token.get("error")
        && let Value::Object(b) = &mut body
    {
        b.entry("error").or_insert_with(|| error.clone());
    }
    let mut token = token;
    if let Some(kept) = kept {
        token.extend(kept);
    }
    Read::Found(Found {
        body,
        claims: Some(token),
        row_user_id: None,
        row: None,
    })
}

async fn resolve_database(
    inner: &State,
    token: &str,
    now: i64,
    update: Option<&Value>,
    mode: Mode,
) -> Read {
    let Some(adapter) = inner.adapter.as_ref() else {
        return Read::Unavailable;
    };
    let found = match adapter.get_session_and_user(token).await {
        Ok(found) => found,
        Err(e) => {
            // v4: log SESSION_ERROR, answer {}, keep the cookie (the database may come back).
            tracing::error!(code = "SESSION_ERROR", error = %e, "reading the database session failed");
            return Read::Unavailable;
        }
    };
    let Some((session, user)) = found else {
        return Read::Gone;
    };
    if session.expires < now {
        if mode == Mode::Peek {
            return Read::Gone;
        }
        if let Err(e) = adapter.delete_session(token).await {
            tracing::error!(code = "SESSION_ERROR", error = %e, "deleting an expired session failed");
        }
        return Read::Gone;
    }
    // With kept claims, the session callback gets a token as a JWT session's would be: the
    // default token of the user row, plus the claims.
    let claims = if inner.callbacks.database_claims() {
        match database_claims(inner, adapter.as_ref(), token, &user, update).await {
            Ok(c) => c.map(|kept| {
                let mut token = default_token(&user);
                token.extend(kept);
                token
            }),
            Err(e) => {
                tracing::error!(code = "SESSION_ERROR", error = %e, "reading the session's claims failed");
                return Read::Unavailable;
            }
        }
    } else {
        None
    };
    let cfg = &inner.config.session;
    // Extend at most once per update_age: the session was last extended at expires - max_age.
    if mode == Mode::Refresh
        && session.expires - cfg.max_age * 1000 + cfg.update_age * 1000 <= now
        && let Err(e) = adapter
            .update_session_expiry(token, now + cfg.max_age * 1000)
            .await
    {
        tracing::error!(code = "SESSION_ERROR", error = %e, "extending the session failed");
    }
    // A failed upstream refresh (`GET token`) is kept with the session's claims; the session
    // shows it as a JWT session does. Read only where a provider keeps tokens.
    let refresh_error = match &claims {
        Some(c) => c.get("error").cloned(),
        None if inner.keeps_tokens => match adapter.get_session_claims(token).await {
            Ok(kept) => kept.and_then(|c| c.get("error").cloned()),
            Err(e) => {
                tracing::error!(code = "SESSION_ERROR", error = %e, "reading the session's claims failed");
                None
            }
        },
        None => None,
    };
    // v4 answers the stored expiry (before any extension), while the cookie always moves.
    let mut body = inner
        .callbacks
        .session(SessionArgs {
            session: session_json(&user, session.expires),
            token: claims.as_ref(),
            user: Some(&user),
            new_session: update,
            trigger: update.map(|_| Trigger::Update),
        })
        .await;
    if let Some(error) = refresh_error
        && let Value::Object(b) = &mut body
    {
        b.entry("error").or_insert(error);
    }
    let row = (mode == Mode::Peek).then(|| {
        Box::new(SessionRow {
            user: user.clone(),
            claims,
        })
    });
    Read::Found(Found {
        body,
        claims: None,
        row_user_id: Some(user.id),
        row,
    })
}

/// The claims a database session keeps ([`crate::Callbacks::database_claims`]); on `update()`
/// the `jwt` callback runs first (`trigger: "update"`, the token being the default token plus
/// the kept claims) and what it returns is kept instead. A failed callback keeps the claims as
/// they were (logged), as a JWT session keeps its token.
async fn database_claims(
    inner: &State,
    adapter: &dyn crate::adapter::Adapter,
    session_token: &str,
    user: &User,
    update: Option<&Value>,
) -> Result<Option<Map<String, Value>>, AdapterError> {
    let kept = adapter.get_session_claims(session_token).await?;
    let Some(data) = update else {
        return Ok(kept);
    };
    let default = default_token(user);
    let mut token = default.clone();
    token.extend(kept.clone().unwrap_or_default());
    match inner
        .callbacks
        .jwt(JwtArgs {
            token,
            user: None,
            account: None,
            profile: None,
            is_new_user: None,
            trigger: Some(Trigger::Update),
            session: Some(data),
        })
        .await
    {
        Ok(new) => {
            let added = additions(&default, new);
            adapter.set_session_claims(session_token, &added).await?;
            Ok(Some(added))
        }
        Err(e) => {
            tracing::warn!(code = "SESSION_ERROR", error = %e, "the jwt callback failed on update(): the claims are kept as they were");
            Ok(kept)
        }
    }
}

/// Takes the [`KEPT_CLAIMS`] out of a decoded session token: `(the rest, the kept claims)`.
/// Only when some provider keeps tokens; otherwise the token is left whole (and no map is made
/// or merged back on every `GET session`), so a configuration without such a provider reads and
/// writes exactly the tokens it did before.
fn split_kept(
    inner: &State,
    mut token: Map<String, Value>,
) -> (Map<String, Value>, Option<Map<String, Value>>) {
    if !inner.keeps_tokens {
        return (token, None);
    }
    let mut kept = Map::new();
    for key in KEPT_CLAIMS {
        if let Some(v) = token.shift_remove(*key) {
            kept.insert((*key).to_string(), v);
        }
    }
    (token, Some(kept))
}

/// The [`KEPT_CLAIMS`] of an OAuth sign-in at `provider_id`: `accessToken`, `refreshToken`,
/// `idToken` (those the token endpoint sent), `expiresAt` (Unix seconds, when known) and
/// `provider`. What a v4 app's `jwt` callback recipe copies from `account`.
pub(crate) fn kept_claims(provider_id: &str, account: &Account) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in [
        ("accessToken", &account.access_token),
        ("refreshToken", &account.refresh_token),
        ("idToken", &account.id_token),
        ("tokenType", &account.token_type),
        ("scope", &account.scope),
    ] {
        if let Some(v) = value {
            kept.insert(key.into(), Value::String(v.clone()));
        }
    }
    if let Some(at) = account.expires_at {
        kept.insert("expiresAt".into(), Value::from(at));
    }
    kept.insert("provider".into(), Value::String(provider_id.to_string()));
    kept
}

/// v4's token at sign-in: `{name, email, picture: image, sub: id?.toString()}`.
fn default_token(user: &User) -> Map<String, Value> {
    let mut token = Map::new();
    for (from, to) in [("name", "name"), ("email", "email"), ("image", "picture")] {
        if let Some(v) = user.field(from) {
            token.insert(to.into(), v);
        }
    }
    if let Some(sub) = user.sub() {
        token.insert("sub".into(), Value::String(sub));
    }
    token
}

/// What a `jwt` callback's result adds to (or changes in) the default token: what a database
/// session keeps, the rest being read from the user row.
fn additions(default: &Map<String, Value>, token: Map<String, Value>) -> Map<String, Value> {
    token
        .into_iter()
        .filter(|(k, v)| default.get(k) != Some(v))
        .collect()
}

/// Why a session could not be started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// Storage failed (the session row, its claims, or the `signIn` event).
    #[error(transparent)]
    Storage(#[from] AdapterError),
    /// The `jwt` callback failed (a claims webhook down or answering nonsense).
    #[error(transparent)]
    Jwt(#[from] CallbackError),
}

impl From<StartError> for AuthError {
    fn from(e: StartError) -> AuthError {
        match e {
            StartError::Storage(source) => AuthError::Storage {
                step: "starting the session",
                source,
            },
            StartError::Jwt(e) => AuthError::JwtCallback(e.0),
        }
    }
}

/// `{name, email, image}` from a token or user object: absent keys stay absent, `null` stays
/// `null` (v4's JSON.stringify drops `undefined` only). `image_key` is `picture` for tokens.
pub(crate) fn user_view(src: &Map<String, Value>, image_key: &str) -> Value {
    let mut user = Map::new();
    for (from, to) in [("name", "name"), ("email", "email"), (image_key, "image")] {
        if let Some(v) = src.get(from) {
            user.insert(to.into(), v.clone());
        }
    }
    Value::Object(user)
}

/// A successful sign-in, ready to become a session.
pub(crate) struct SignedIn<'a> {
    /// The user: `id`, `name`, `email`, `image` (and, for credentials, what else `authorize()`
    /// returned).
    pub(crate) user: &'a User,
    /// The account (`provider`, `type`, `providerAccountId`, tokens).
    pub(crate) account: &'a Account,
    /// The raw OAuth profile.
    pub(crate) profile: Option<&'a Value>,
    /// Whether the user was created by this sign-in (`None` without an adapter).
    pub(crate) is_new_user: Option<bool>,
    /// Force a JWT session, whatever the strategy (credentials without a user row).
    pub(crate) force_jwt: bool,
    /// The upstream tokens a JWT session keeps ([`kept_claims`]), added after the `jwt`
    /// callback (which never sees them); `None` for providers that keep none. A database
    /// session ignores them: the account row has the tokens.
    pub(crate) kept: Option<Map<String, Value>>,
}

/// Starts the session: a JWT cookie, or a database row and its token in the cookie.
///
/// Database strategy: every sign-in gets a new session token, also when the browser was already
/// signed in (the same user again, or an OAuth account linked while signed in; v4 re-sends the
/// old token there). The row of the session the request came with is deleted once the new one
/// exists, so a token that was seen before the sign-in (fixation) is worth nothing after it.
pub(crate) async fn start(
    inner: &State,
    ctx: &mut Ctx<'_>,
    signed_in: SignedIn<'_>,
) -> Result<(), StartError> {
    let cfg = &inner.config.session;
    let cookie_expires = ctx.now_ms + cfg.max_age * 1000;
    let trigger = if signed_in.is_new_user == Some(true) {
        Trigger::SignUp
    } else {
        Trigger::SignIn
    };
    let jwt_args = |token| JwtArgs {
        token,
        user: Some(signed_in.user),
        account: Some(signed_in.account),
        profile: signed_in.profile,
        is_new_user: signed_in.is_new_user,
        trigger: Some(trigger),
        session: None,
    };
    if cfg.strategy == SessionStrategy::Database
        && !signed_in.force_jwt
        && let Some(adapter) = &inner.adapter
    {
        let user_id = signed_in.user.id.clone();
        let session_token = random::uuid_v4();
        // The claims first: a session row never exists without the claims it should carry (a
        // claims row whose session was never written is inert).
        if inner.callbacks.database_claims() {
            let default = default_token(signed_in.user);
            let token = inner.callbacks.jwt(jwt_args(default.clone())).await?;
            let added = additions(&default, token);
            if !added.is_empty() {
                adapter.set_session_claims(&session_token, &added).await?;
            }
        }
        let emit = crate::events::Emit {
            adapter: &**adapter,
            events: &*inner.events,
            now_ms: ctx.now_ms,
        };
        // The session row and its `signIn` event: one transaction with durable events.
        let session = emit
            .create_session(
                &AdapterSession {
                    session_token,
                    user_id,
                    expires: cookie_expires,
                },
                sign_in_message(&signed_in),
            )
            .await?;
        if let Some(previous) = token_from_request(inner, ctx)
            && previous != session.session_token
            && let Err(e) = adapter.delete_session(&previous).await
        {
            // The new session stands; the old row expires on its own.
            tracing::error!(error = %e, "deleting the session the sign-in replaces failed");
        }
        set_cookie(inner, ctx, &session.session_token, session.expires);
        ctx.signed_in = true;
        return Ok(());
    }
    let mut token = inner
        .callbacks
        .jwt(jwt_args(default_token(signed_in.user)))
        .await?;
    if let Some(kept) = signed_in.kept.clone() {
        token.extend(kept);
    }
    if cfg.revoke_on_signout {
        // The stable id sign-out revokes (the `jti` changes on every re-encode).
        token
            .entry(crate::revocation::SESSION_ID_CLAIM)
            .or_insert_with(|| Value::String(random::uuid_v4()));
    }
    if let Some(subject) = idp_session(inner, &signed_in) {
        // What a back-channel logout naming this IdP session refuses (`crate::revocation`).
        token.insert(
            crate::revocation::IDP_SESSION_CLAIM.into(),
            Value::String(subject),
        );
    }
    let encoded =
        inner
            .session_keys
            .encode_jwt(&token, cfg.jwt_max_age, ctx.now_ms.div_euclid(1000));
    // The `signIn` event (a JWT sign-in changes no row: the outbox insert alone). Before the
    // cookie: if the event cannot be recorded, the sign-in fails as a database one would.
    let event = crate::events::Event::SignIn(sign_in_message(&signed_in));
    match inner.emit(ctx.now_ms) {
        Some(emit) => emit.alone(event).await?,
        None => event.dispatch(&*inner.events).await,
    }
    set_cookie(inner, ctx, &encoded, cookie_expires);
    ctx.signed_in = true;
    Ok(())
}

/// The IdP session a JWT session starts from, as [`crate::revocation::idp_session_subject`]:
/// for a provider with `backchannel_logout` whose profile (the ID token's claims) has a `sid`.
fn idp_session(inner: &State, s: &SignedIn<'_>) -> Option<String> {
    let provider_id = &s.account.provider;
    let provider = inner.config.provider(provider_id)?;
    let crate::providers::ProviderKind::OAuth(o) = &provider.kind else {
        return None;
    };
    if !o.backchannel_logout {
        return None;
    }
    let sid = s.profile?.get("sid")?.as_str().filter(|s| !s.is_empty())?;
    Some(crate::revocation::idp_session_subject(provider_id, sid))
}

/// v4's `signIn` event arguments of a sign-in.
fn sign_in_message(s: &SignedIn<'_>) -> crate::events::SignInMessage {
    crate::events::SignInMessage {
        user: s.user.clone(),
        account: Some(s.account.clone()),
        profile: s.profile.cloned(),
        is_new_user: s.is_new_user,
    }
}

/// Why a credentials sign-in could not get a user row for a database session.
#[derive(Debug)]
pub(crate) enum CredentialsUserError {
    /// The e-mail address belongs to another user, not linked to this credentials identity:
    /// refused as v4 refuses an unlinked OAuth account (`OAuthAccountNotLinked`).
    EmailTaken,
    /// The `authorize` result has neither `id` nor `email`: nothing stable to find it by again.
    NoIdentity,
    /// Storage failed.
    Storage(crate::adapter::AdapterError),
}

/// Credentials under the database strategy (v4 cannot do this: it writes a JWT that the next
/// `GET session` looks up as a session token and drops). The user row is found by a stable key,
/// an `accounts` row `{type: "credentials", provider: <provider id>, providerAccountId: <the
/// authorize result's id, else its email>}`:
///
/// * account found → that user (name and image refreshed from the authorize result);
/// * else a new user `{name, email, image}` plus the account. If the e-mail address already
///   belongs to another user the sign-in is refused: linking by e-mail would let whoever
///   controls an address at the credentials backend take over the user who proved it by magic
///   link or OAuth, so it gets the answer v4 gives an unlinked OAuth account. (No linking while
///   signed in either: a stolen password could then tie the victim's identity to the thief's
///   user.)
///
/// Returns the user as the session should see it (`id` is the row's id). The session the
/// request came with is replaced by [`start`].
pub(crate) async fn credentials_user(
    inner: &State,
    ctx: &Ctx<'_>,
    provider_id: &str,
    authorized: &User,
) -> Result<User, CredentialsUserError> {
    use crate::adapter::{AdapterAccount, AdapterError, NewUser};
    use CredentialsUserError::{EmailTaken, NoIdentity, Storage};

    let Some(adapter) = inner.adapter.as_deref() else {
        return Err(Storage(AdapterError::Unavailable(
            "no adapter configured".into(),
        )));
    };
    let emit = crate::events::Emit {
        adapter,
        events: &*inner.events,
        now_ms: ctx.now_ms,
    };
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let name = non_empty(&authorized.name);
    let email = non_empty(&authorized.email);
    let image = non_empty(&authorized.image);
    let account_id = Some(authorized.id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| email.clone())
        .ok_or(NoIdentity)?;
    let user = match adapter
        .get_user_by_account(provider_id, &account_id)
        .await
        .map_err(Storage)?
    {
        Some(mut user) => {
            // The credentials backend owns name and image: keep the row in step with it.
            let stale =
                (name.is_some() && user.name != name) || (image.is_some() && user.image != image);
            if stale {
                user.name = name.clone().or(user.name);
                user.image = image.clone().or(user.image);
                user = emit.update_user(&user).await.map_err(Storage)?;
            }
            user
        }
        None => {
            if let Some(e) = &email
                && adapter
                    .get_user_by_email(e)
                    .await
                    .map_err(Storage)?
                    .is_some()
            {
                return Err(EmailTaken);
            }
            let user = match emit
                .create_user(NewUser {
                    name: name.clone(),
                    email: email.clone(),
                    email_verified: None,
                    image: image.clone(),
                })
                .await
            {
                Ok(u) => u,
                // Lost a race with another first sign-in for the same address.
                Err(AdapterError::Conflict(_)) => return Err(EmailTaken),
                Err(e) => return Err(Storage(e)),
            };
            emit.link_account(
                &AdapterAccount {
                    user_id: user.id.clone(),
                    ..AdapterAccount::new("credentials", provider_id, &account_id)
                },
                &user,
                None,
            )
            .await
            .map_err(Storage)?;
            user
        }
    };
    // The session sees the row, not the authorize result: its `id` is ours.
    Ok(user)
}
