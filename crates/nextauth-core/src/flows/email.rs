//! The email (magic link) provider's two steps. Ports the email branches of v4
//! `core/routes/signin.ts`, `core/lib/email/signin.ts` and `core/routes/callback.ts`
//! (spec §13.2, §13.3, §12 email row).
//!
//! Stricter than v4: the token is stored before the mail is sent, and withdrawn again if sending
//! fails (in a task of its own, so also when the browser gives up first), so a failed sign-in
//! never leaves a usable link behind. At the callback the token is spent only by a request that
//! names it *and* its address (a changed link spends nothing), and it is put back when the
//! sign-in then fails on the server's side (storage), so the user's link works on a retry.

use unicode_normalization::UnicodeNormalization;

use crate::adapter::{Adapter, AdapterError, NewUser, VerificationToken};
use crate::callbacks::{SignInArgs, SignInDecision};
use crate::cookies::encode_uri_component;
use crate::crypto::{hash, random};
use crate::domain::{Account, User};
use crate::error::AuthError;
use crate::init::Ctx;
use crate::providers::{EmailProvider, Provider, VerificationEmail};
use crate::ratelimit::{Kind, Scope};
use crate::response::Reply;
use crate::session::{self, SignedIn};
use crate::state::State;

/// v4's default `normalizeIdentifier`: NFKC, trim, exactly one `@`, no `"`, lower-case, domain
/// cut at the first `,`, and a `.` in the domain.
pub fn normalize_email(input: &str) -> Result<String, &'static str> {
    let s: String = input.nfkc().collect::<String>().trim().to_string();
    if s.matches('@').count() != 1 {
        return Err("an e-mail address has exactly one @");
    }
    if s.contains('"') {
        return Err("quotes are not allowed in an e-mail address");
    }
    let lower = s.to_lowercase();
    let (local, domain) = lower.split_once('@').ok_or("missing @")?;
    let domain = domain.split(',').next().unwrap_or("");
    if local.is_empty() || domain.is_empty() {
        return Err("the local part and the domain must not be empty");
    }
    if !domain.contains('.') {
        return Err("the domain has no dot");
    }
    Ok(format!("{local}@{domain}"))
}

fn adapter(inner: &State) -> Result<&dyn Adapter, AdapterError> {
    inner.adapter.as_deref().ok_or_else(no_adapter)
}

/// v4's user object for an address that has no user yet: `{id: email, email, emailVerified: null}`.
fn placeholder(email: &str) -> User {
    User {
        id: email.to_string(),
        email: Some(email.to_string()),
        ..User::default()
    }
}

/// `POST signin/email` (CSRF already verified).
pub(crate) async fn signin(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    email_provider: &EmailProvider,
) -> Reply {
    let base = &inner.config.base.base;
    // Rate limits: every request counts per client address; per address, every request for a
    // valid address (each would send a mail), before anything is stored or sent.
    let client = ctx.req.client_addr(&inner.config.trusted_proxies);
    if let Err(l) = inner.limiter.hit_ip(Kind::Email, client, ctx.now_ms).await {
        return l.reply(base);
    }
    let Some(raw) = ctx.req.body_str("email").filter(|s| !s.is_empty()) else {
        return AuthError::EmailMissing.reply(base);
    };
    let email = match normalize_email(raw) {
        Ok(e) => e,
        Err(reason) => {
            tracing::info!(
                code = "SIGNIN_EMAIL_ERROR",
                reason,
                "e-mail address refused"
            );
            return AuthError::EmailInvalid(reason).reply(base);
        }
    };
    if let Err(l) = inner
        .limiter
        .hit_name(
            Kind::Email,
            Scope::Address,
            &provider.id,
            &email,
            ctx.now_ms,
        )
        .await
    {
        return l.reply(base);
    }
    let store = match adapter(inner) {
        Ok(a) => a,
        Err(e) => return signin_storage_failure(inner, e),
    };
    let user = match store.get_user_by_email(&email).await {
        Ok(u) => u.unwrap_or_else(|| placeholder(&email)),
        Err(e) => return signin_storage_failure(inner, e),
    };
    // v4 `core/routes/signin.ts`: the request's account carries the address as `userId` too.
    let account = Account {
        user_id: email.clone(),
        ..Account::new("email", &provider.id, &email)
    };
    let decision = inner
        .callbacks
        .sign_in(SignInArgs {
            user: &user,
            account: &account,
            profile: None,
            email_verification_request: true,
        })
        .await;
    if let SignInDecision::Error(message) = decision {
        // v4 encodes this one differently from the other throws: see the variant.
        return AuthError::EmailSignInCallbackThrew(message).reply(base);
    }
    if let Some(refusal) = decision.refusal(base, 200) {
        return refusal;
    }

    let token = random::hex32();
    let expires = ctx.now_ms + email_provider.max_age * 1000;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("callbackUrl", &ctx.callback_url)
        .append_pair("token", &token)
        .append_pair("email", &email)
        .finish();
    let url = format!(
        "{base}/callback/{}?{query}",
        encode_uri_component(&provider.id)
    );
    let hashed = hash::hash_email_token(&token, &inner.secrets[0]);
    let Some(store) = inner.adapter.clone() else {
        return signin_storage_failure(inner, no_adapter());
    };
    let theme = &inner.config.theme;
    let mail = VerificationEmail {
        to: email.clone(),
        from: email_provider.from.clone(),
        url,
        host: inner.config.base.host.clone(),
        expires,
        brand_color: theme
            .brand_color
            .clone()
            .unwrap_or_else(|| "#346df1".into()),
        button_text: theme.button_text.clone().unwrap_or_else(|| "#fff".into()),
        rendered: None,
    };
    // In the locale of this request (issue 16): `?lang=`, the cookie, Accept-Language.
    let mut mail = mail;
    match inner.pages.mail(&ctx.page_view(&inner.config), &mail) {
        Ok(r) => mail.rendered = Some(r),
        Err(e) => {
            tracing::error!(error = %e, "rendering the sign-in e-mail failed");
            return AuthError::EmailNotSent(format!("rendering failed: {e}")).reply(base);
        }
    }
    let row = VerificationToken {
        identifier: email,
        token: hashed,
        expires,
    };
    // Store, send, and withdraw on failure run in a task of their own: if the browser gives up
    // (and this request's future is dropped) mid-send, the task still finishes, so an unsent
    // link never stays usable. The transport bounds the send (SMTP: the URL's `timeout`).
    let transport = email_provider.transport.clone();
    let task = tokio::spawn(store_and_send(store, transport, row, mail));
    match task.await {
        Ok(Ok(())) => {}
        Ok(Err(SendFailure::Storage(e))) => return signin_storage_failure(inner, e),
        Ok(Err(SendFailure::Transport)) => {
            return AuthError::EmailNotSent("the transport failed".into()).reply(base);
        }
        Err(e) => {
            tracing::error!(code = "SIGNIN_EMAIL_ERROR", error = %e, "the sign-in e-mail task failed");
            return AuthError::EmailNotSent(format!("the task failed: {e}")).reply(base);
        }
    }
    Reply::redirect(format!(
        "{base}/verify-request?provider={}&type=email",
        encode_uri_component(&provider.id)
    ))
}

/// Why [`store_and_send`] gave up.
enum SendFailure {
    /// Storing the token failed (nothing was sent).
    Storage(AdapterError),
    /// The transport failed or timed out (already logged; the token was withdrawn).
    Transport,
}

/// Stores the token, sends the mail, and withdraws the token again when sending fails. Owns its
/// arguments so that it can run as a task detached from the request.
async fn store_and_send(
    store: std::sync::Arc<dyn Adapter>,
    transport: std::sync::Arc<dyn crate::providers::EmailTransport>,
    row: VerificationToken,
    mail: VerificationEmail,
) -> Result<(), SendFailure> {
    store
        .create_verification_token(&row)
        .await
        .map_err(SendFailure::Storage)?;
    if let Err(reason) = transport.send(&mail).await {
        tracing::error!(code = "SIGNIN_EMAIL_ERROR", reason = ?reason.to_string(), to = ?row.identifier, "sending the sign-in e-mail failed");
        // The link never reached anyone: make sure it cannot be used either.
        match store
            .use_verification_token(&row.identifier, &row.token)
            .await
        {
            Ok(_) => tracing::info!(to = ?row.identifier, "the unsent sign-in token was withdrawn"),
            Err(e) => {
                tracing::error!(error = %e, "could not withdraw the unsent sign-in token");
            }
        }
        return Err(SendFailure::Transport);
    }
    Ok(())
}

fn no_adapter() -> AdapterError {
    AdapterError::Unavailable("no adapter configured".into())
}

/// A storage failure at `POST signin/email` (`EmailSignin`), logged.
fn signin_storage_failure(inner: &State, e: AdapterError) -> Reply {
    let e = AuthError::EmailSigninStorage(e);
    tracing::error!(error = %e, "e-mail sign-in failed");
    e.reply(&inner.config.base.base)
}

/// A storage failure at `GET callback/email` (`Callback`), logged.
fn storage_failure(inner: &State, e: AdapterError, step: &'static str) -> Reply {
    let e = AuthError::Storage { step, source: e };
    tracing::error!(error = %e, "e-mail callback failed");
    e.reply(&inner.config.base.base)
}

/// `GET callback/email?token=…&email=…&callbackUrl=…`: spends the token once.
///
/// The link's `email` is normalised like the address at `POST signin/email` (trim, NFKC,
/// lower-case: [`normalize_email`]) and the token is spent only when that identifier *and* the
/// token's hash match a row (`useVerificationToken({identifier, token})`, atomic). So a link
/// whose `email` was changed (another address, `+` turned into a space by a mail client) is
/// refused with `Verification` and deletes nothing: the user's real link still signs in. A
/// change of case or surrounding blanks is the same address and is accepted.
///
/// * No `token` → `Verification` (v4: `error=configuration`, a 500 page for a client's mistake).
/// * No `email` → `Verification`, nothing spent. v4 passes `identifier: undefined` to the
///   adapter, and `@auth/pg-adapter`'s `WHERE identifier = NULL` matches nothing: the same.
/// * A matching but expired token is deleted (it is of no use to anyone) and refused, as in v4.
///
/// With [`EmailProvider::confirm`] the GET only renders the "Continue" page (nothing is read or
/// spent, so a mail scanner's GETs leave the link usable; a HEAD is refused before it gets here),
/// and the page's `POST callback/<id>` (CSRF-checked, `token` and `email` in the form) spends the
/// token as above. Without it a POST reads the query as v4 does.
pub(crate) async fn callback(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    email_provider: &EmailProvider,
) -> Reply {
    let base = &inner.config.base.base;
    let refused = |why: &'static str| {
        tracing::info!("e-mail link {why}");
        AuthError::Verification(why).reply(base)
    };
    let is_post = ctx.req.method == crate::request::Method::Post;
    if email_provider.confirm && is_post && !ctx.csrf_verified {
        crate::init::log_csrf_failure(ctx.req, "callback");
        return Reply::redirect(format!("{base}/signin?csrf=true"));
    }
    // The confirm page posts the link's parameters in its form.
    let req = ctx.req;
    let param = |key: &str| {
        let from_body = (email_provider.confirm && is_post)
            .then(|| req.body_str(key))
            .flatten();
        from_body
            .or_else(|| req.query_str(key))
            .filter(|v| !v.is_empty())
    };
    let Some(token) = param("token") else {
        return refused("without a token parameter");
    };
    let Some(link_email) = param("email") else {
        return refused("without an email parameter");
    };
    let identifier = match normalize_email(link_email) {
        Ok(e) => e,
        Err(reason) => {
            tracing::info!(reason, "e-mail link with an invalid email parameter");
            return AuthError::Verification("with an invalid email parameter").reply(base);
        }
    };
    if email_provider.confirm && !is_post {
        tracing::info!(provider = %provider.id, "e-mail link opened: the confirm page (nothing spent)");
        return inner.pages.confirm(
            &ctx.page_view(&inner.config),
            &inner.config.callback_url(&provider.id),
            token,
            &identifier,
        );
    }
    let store = match adapter(inner) {
        Ok(a) => a,
        Err(e) => return storage_failure(inner, e, "the adapter"),
    };
    // Links hashed with any configured secret are honoured (rotation).
    let mut invite = None;
    for secret in &inner.secrets {
        match store
            .use_verification_token(&identifier, &hash::hash_email_token(token, secret))
            .await
        {
            Ok(Some(t)) => {
                invite = Some(t);
                break;
            }
            Ok(None) => {}
            Err(e) => return storage_failure(inner, e, "spending the e-mail link"),
        }
    }
    let invite = match invite {
        None => return refused("unknown, already used, or for another address"),
        Some(t) if t.expires < ctx.now_ms => return refused("expired"),
        Some(t) => t,
    };
    match sign_in_with(inner, ctx, provider, store, &invite.identifier).await {
        Ok(reply) => reply,
        Err(failed) => {
            // A server-side failure after the token was spent: put it back, so that the link
            // works when the user tries again (nobody signed in with it).
            if let Err(e) = store.create_verification_token(&invite).await {
                tracing::error!(error = %e, "could not restore the e-mail link after a failed sign-in");
            }
            failed
        }
    }
}

/// The sign-in of a spent magic link for `email`. `Err` is a server-side failure (storage), after
/// which the caller restores the token; a refusal by the `signIn` callback is `Ok` (the link stays
/// spent, as in v4).
async fn sign_in_with(
    inner: &State,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    store: &dyn Adapter,
    email: &str,
) -> Result<Reply, Reply> {
    let base = &inner.config.base.base;
    let email = email.to_string();
    let existing = match store.get_user_by_email(&email).await {
        Ok(u) => u,
        Err(e) => return Err(storage_failure(inner, e, "reading the user")),
    };
    let placeholder_user;
    let profile = match &existing {
        Some(u) => u,
        None => {
            placeholder_user = placeholder(&email);
            &placeholder_user
        }
    };
    let account = Account::new("email", &provider.id, &email);
    if let Some(refusal) = inner
        .callbacks
        .sign_in(SignInArgs {
            user: profile,
            account: &account,
            profile: None,
            email_verification_request: false,
        })
        .await
        .refusal(base, 200)
    {
        return Ok(refusal);
    }

    // The sign-in handler's e-mail row (spec §12), with its createUser / updateUser event.
    let now = ctx.now_ms;
    let emit = crate::events::Emit {
        adapter: store,
        events: &*inner.events,
        now_ms: now,
    };
    let (user, is_new_user) = match existing {
        // The session the browser came with (if any) is replaced by `session::start`.
        Some(mut user) => {
            user.email_verified = Some(now);
            match emit.update_user(&user).await {
                Ok(u) => (u, false),
                Err(e) => return Err(storage_failure(inner, e, "updating the user")),
            }
        }
        None => match emit
            .create_user(NewUser {
                email: Some(email.clone()),
                email_verified: Some(now),
                ..NewUser::default()
            })
            .await
        {
            Ok(u) => (u, true),
            // Another link for the same new address was opened at the same moment (another
            // instance, another tab) and created the user first: that user is this one.
            Err(AdapterError::Conflict(_)) => match store.get_user_by_email(&email).await {
                Ok(Some(mut u)) => {
                    u.email_verified = Some(now);
                    match emit.update_user(&u).await {
                        Ok(u) => (u, false),
                        Err(e) => return Err(storage_failure(inner, e, "updating the user")),
                    }
                }
                Ok(None) => {
                    tracing::error!("creating the user conflicted, yet no user has the address");
                    return Err(AuthError::EmailCreateAccount(
                        "conflicted, yet no user has the address".into(),
                    )
                    .reply(base));
                }
                Err(e) => return Err(storage_failure(inner, e, "reading the user")),
            },
            Err(e) => {
                tracing::error!(error = %e, "creating the user failed");
                return Err(AuthError::EmailCreateAccount(e.to_string()).reply(base));
            }
        },
    };
    if let Err(e) = session::start(
        inner,
        ctx,
        SignedIn {
            user: &user,
            account: &account,
            profile: None,
            is_new_user: Some(is_new_user),
            force_jwt: false,
            kept: None,
        },
    )
    .await
    {
        // Refused before any cookie: the link is put back like after a storage failure.
        let e = AuthError::from(e);
        tracing::error!(error = %e, "e-mail callback failed");
        return Err(e.reply(base));
    }
    tracing::info!(provider = %provider.id, is_new_user, "signed in by e-mail");
    if is_new_user && let Some(page) = &inner.config.pages.new_user {
        let sep = if page.contains('?') { '&' } else { '?' };
        return Ok(Reply::redirect(format!(
            "{page}{sep}callbackUrl={}",
            encode_uri_component(&ctx.callback_url)
        )));
    }
    Ok(Reply::redirect(ctx.callback_url.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_matches_v4() {
        assert_eq!(
            normalize_email("  Bob@Example.COM ").unwrap(),
            "bob@example.com"
        );
        assert_eq!(normalize_email("a@\u{ff42}.com").unwrap(), "a@b.com");
        assert_eq!(normalize_email("x@b.com,evil.com").unwrap(), "x@b.com");
        assert_eq!(normalize_email("a\u{ff20}b.com").unwrap(), "a@b.com");
        for bad in [
            "a@b",
            "a@@b.c",
            "\"a\"@b.c",
            "not-an-email",
            "@b.com",
            "a@",
            "",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
