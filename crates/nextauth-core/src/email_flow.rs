//! The email (magic link) provider's two steps. Ports the email branches of v4
//! `core/routes/signin.ts`, `core/lib/email/signin.ts` and `core/routes/callback.ts`
//! (spec §13.2, §13.3, §12 email row).
//!
//! Stricter than v4: the token is stored before the mail is sent, and consumed again if sending
//! fails, so a failed sign-in never leaves a usable link behind.

use serde_json::{Map, Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::adapter::{Adapter, AdapterError, AdapterUser, NewUser, VerificationToken};
use crate::callbacks::{SignInArgs, SignInDecision};
use crate::clock::iso_ms;
use crate::config::SessionStrategy;
use crate::cookies::encode_uri_component;
use crate::crypto::{hash, random};
use crate::handler::Inner;
use crate::init::Ctx;
use crate::providers::{EmailProvider, Provider, VerificationEmail};
use crate::response::Reply;
use crate::session::{self, SignedIn};

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

fn adapter(inner: &Inner) -> Result<&dyn Adapter, AdapterError> {
    inner
        .adapter
        .as_deref()
        .ok_or_else(|| AdapterError::Unavailable("no adapter configured".into()))
}

fn user_json(user: &AdapterUser) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(user.id));
    if let Some(v) = &user.name {
        m.insert("name".into(), json!(v));
    }
    if let Some(v) = &user.email {
        m.insert("email".into(), json!(v));
    }
    if let Some(v) = &user.image {
        m.insert("image".into(), json!(v));
    }
    // A JS Date in v4, so an ISO string in JSON.
    m.insert(
        "emailVerified".into(),
        user.email_verified
            .map_or(Value::Null, |ms| json!(iso_ms(ms))),
    );
    m
}

fn placeholder(email: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(email));
    m.insert("email".into(), json!(email));
    m.insert("emailVerified".into(), Value::Null);
    m
}

/// `POST signin/email` (CSRF already verified).
pub(crate) async fn signin(
    inner: &Inner,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    email_provider: &EmailProvider,
) -> Reply {
    let base = &inner.config.base.base;
    let error = |code: &str| Reply::redirect(format!("{base}/error?error={code}"));
    let Some(raw) = ctx.req.body_str("email").filter(|s| !s.is_empty()) else {
        return error("EmailSignin");
    };
    let email = match normalize_email(raw) {
        Ok(e) => e,
        Err(reason) => {
            tracing::info!(
                code = "SIGNIN_EMAIL_ERROR",
                reason,
                "e-mail address refused"
            );
            return error("EmailSignin");
        }
    };
    let store = match adapter(inner) {
        Ok(a) => a,
        Err(e) => return storage_failure(inner, e, "EmailSignin"),
    };
    let user = match store.get_user_by_email(&email).await {
        Ok(u) => u
            .as_ref()
            .map(user_json)
            .unwrap_or_else(|| placeholder(&email)),
        Err(e) => return storage_failure(inner, e, "EmailSignin"),
    };
    let mut account = Map::new();
    account.insert("providerAccountId".into(), json!(email));
    account.insert("userId".into(), json!(email));
    account.insert("type".into(), json!("email"));
    account.insert("provider".into(), json!(provider.id));
    let decision = inner
        .callbacks
        .sign_in(SignInArgs {
            user: &user,
            account: &account,
            profile: None,
            email_verification_request: true,
        })
        .await;
    if let SignInDecision::Error(message) = &decision {
        // v4 encodes this one with URLSearchParams(String(error)): "Error: msg" -> Error%3A+msg.
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("error", &format!("Error: {message}"))
            .finish();
        return Reply::redirect(format!("{base}/error?{q}"));
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
    if let Err(e) = store
        .create_verification_token(&VerificationToken {
            identifier: email.clone(),
            token: hashed.clone(),
            expires,
        })
        .await
    {
        return storage_failure(inner, e, "EmailSignin");
    }
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
    };
    if let Err(reason) = email_provider.transport.send(&mail).await {
        tracing::error!(code = "SIGNIN_EMAIL_ERROR", %reason, to = %email, "sending the sign-in e-mail failed");
        // The link never reached anyone: make sure it cannot be used either.
        if let Err(e) = store.use_verification_token(&hashed).await {
            tracing::error!(error = %e, "could not withdraw the unsent sign-in token");
        }
        return error("EmailSignin");
    }
    Reply::redirect(format!(
        "{base}/verify-request?provider={}&type=email",
        encode_uri_component(&provider.id)
    ))
}

fn storage_failure(inner: &Inner, e: AdapterError, code: &str) -> Reply {
    tracing::error!(error = %e, code, "storage failed");
    Reply::redirect(format!("{}/error?error={code}", inner.config.base.base))
}

/// `GET callback/email?token=…&email=…&callbackUrl=…`: consumes the token once.
pub(crate) async fn callback(
    inner: &Inner,
    ctx: &mut Ctx<'_>,
    provider: &Provider,
    _email_provider: &EmailProvider,
) -> Reply {
    let base = &inner.config.base.base;
    let error = |code: &str| Reply::redirect(format!("{base}/error?error={code}"));
    let Some(token) = ctx.req.query_str("token").filter(|t| !t.is_empty()) else {
        // v4 sends the lower-case code here, which renders the 500 "Server error" page.
        return error("configuration");
    };
    let store = match adapter(inner) {
        Ok(a) => a,
        Err(e) => return storage_failure(inner, e, "Callback"),
    };
    // Links hashed with any configured secret are honoured (rotation).
    let mut invite = None;
    for secret in &inner.secrets {
        match store
            .use_verification_token(&hash::hash_email_token(token, secret))
            .await
        {
            Ok(Some(t)) => {
                invite = Some(t);
                break;
            }
            Ok(None) => {}
            Err(e) => return storage_failure(inner, e, "Callback"),
        }
    }
    let link_email = ctx.req.query_str("email");
    let invite = match invite {
        None => {
            tracing::info!("e-mail link unknown or already used");
            return error("Verification");
        }
        Some(t) if t.expires < ctx.now_ms => {
            tracing::info!("e-mail link expired");
            return error("Verification");
        }
        Some(t) if link_email.is_some_and(|e| e != t.identifier) => {
            tracing::info!("e-mail link used with another address");
            return error("Verification");
        }
        Some(t) => t,
    };
    let email = invite.identifier;
    let existing = match store.get_user_by_email(&email).await {
        Ok(u) => u,
        Err(e) => return storage_failure(inner, e, "Callback"),
    };
    let profile = existing
        .as_ref()
        .map(user_json)
        .unwrap_or_else(|| placeholder(&email));
    let mut account = Map::new();
    account.insert("providerAccountId".into(), json!(email));
    account.insert("type".into(), json!("email"));
    account.insert("provider".into(), json!(provider.id));
    if let Some(refusal) = inner
        .callbacks
        .sign_in(SignInArgs {
            user: &profile,
            account: &account,
            profile: None,
            email_verification_request: false,
        })
        .await
        .refusal(base, 200)
    {
        return refusal;
    }

    // The sign-in handler's e-mail row (spec §12).
    let now = ctx.now_ms;
    let (user, is_new_user) = match existing {
        Some(mut user) => {
            if inner.config.session.strategy == SessionStrategy::Database
                && let Some(old) = session::token_from_request(inner, ctx)
            {
                let current = store.get_session_and_user(&old).await.ok().flatten();
                if current.is_some_and(|(_, u)| u.id != user.id)
                    && let Err(e) = store.delete_session(&old).await
                {
                    tracing::error!(error = %e, "deleting the previous user's session failed");
                }
            }
            user.email_verified = Some(now);
            match store.update_user(&user).await {
                Ok(u) => (u, false),
                Err(e) => return storage_failure(inner, e, "Callback"),
            }
        }
        None => match store
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
                    match store.update_user(&u).await {
                        Ok(u) => (u, false),
                        Err(e) => return storage_failure(inner, e, "Callback"),
                    }
                }
                Ok(None) => {
                    tracing::error!("creating the user conflicted, yet no user has the address");
                    return error("EmailCreateAccount");
                }
                Err(e) => return storage_failure(inner, e, "Callback"),
            },
            Err(e) => {
                tracing::error!(error = %e, "creating the user failed");
                return error("EmailCreateAccount");
            }
        },
    };
    let user_map = user_json(&user);
    let mut user_map_session = user_map.clone();
    user_map_session.remove("emailVerified");
    if let Err(e) = session::start(
        inner,
        ctx,
        SignedIn {
            user: &user_map_session,
            account: &account,
            profile: None,
            is_new_user: Some(is_new_user),
            force_jwt: false,
        },
    )
    .await
    {
        return storage_failure(inner, e, "Callback");
    }
    tracing::info!(provider = %provider.id, is_new_user, "signed in by e-mail");
    if is_new_user && let Some(page) = &inner.config.pages.new_user {
        let sep = if page.contains('?') { '&' } else { '?' };
        return Reply::redirect(format!(
            "{page}{sep}callbackUrl={}",
            encode_uri_component(&ctx.callback_url)
        ));
    }
    Reply::redirect(ctx.callback_url.clone())
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
