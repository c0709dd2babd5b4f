//! The email (magic link) provider's settings and how its mail is sent.
//!
//! Ports v4 `providers/email.ts`. The flow itself (sending the link on `POST signin/email`,
//! spending it on `GET callback/email`) is `flows/email.rs`; the SMTP transport is the
//! `nextauth-smtp` crate, any other [`EmailTransport`] can be plugged in.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::ConfigError;

/// A sign-in e-mail, ready to send (v4 `sendVerificationRequest` arguments).
#[derive(Clone)]
pub struct VerificationEmail {
    /// Recipient (the normalised address).
    pub to: String,
    /// `From` header.
    pub from: String,
    /// The magic link. Secret until used: never log it outside log mode.
    pub url: String,
    /// Host shown in the subject ("Sign in to {host}").
    pub host: String,
    /// Link expiry, ms since the epoch.
    pub expires: i64,
    /// Button colour of the HTML part.
    pub brand_color: String,
    /// Button text colour of the HTML part.
    pub button_text: String,
    /// The subject and both parts as the built-in templates rendered them in the locale of the
    /// request that asked for the link (issue 16: translated, or an operator's `email.html` /
    /// `email.txt`). `None`: the transport writes v4's English mail itself.
    pub rendered: Option<RenderedMail>,
}

/// A sign-in mail rendered by the pages' templates ([`VerificationEmail::rendered`]).
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// The `Subject` (`Sign in to <host>`, translated).
    pub subject: String,
    /// The `text/plain` part; carries the link.
    pub text: String,
    /// The `text/html` part; carries the link.
    pub html: String,
}

impl std::fmt::Debug for VerificationEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationEmail")
            .field("to", &self.to)
            .field("from", &self.from)
            .field("url", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Why a sign-in mail was not sent ([`EmailTransport::send`]). The text names the server and
/// its answer, never the credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The sender address is not a mailbox.
    #[error("`from` {from:?} is not an address: {reason}")]
    BadFrom {
        /// The `from` value.
        from: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The recipient is not a mailbox.
    #[error("recipient {to:?} is not an address: {reason}")]
    BadRecipient {
        /// The address.
        to: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The message could not be built.
    #[error("building the message: {0}")]
    Message(String),
    /// The server could not be reached, or refused the mail (its reply quoted).
    #[error("SMTP {server}: {reason}")]
    Server {
        /// [`EmailTransport::describe`] of the transport.
        server: String,
        /// The error and the server's reply.
        reason: String,
    },
    /// The conversation did not finish within the transport's timeout.
    #[error("SMTP {server}: no complete answer within {ms} ms (timeout)")]
    Timeout {
        /// [`EmailTransport::describe`] of the transport.
        server: String,
        /// The timeout, in milliseconds.
        ms: u128,
    },
}

/// Sends sign-in e-mails.
#[async_trait]
pub trait EmailTransport: Send + Sync + 'static {
    /// Sends one mail; `Err` is a failure the user sees as `EmailSignin`.
    async fn send(&self, mail: &VerificationEmail) -> Result<(), SendError>;
    /// A short description for `nextauth check` and logs (`smtp://host:port`, `log`).
    fn describe(&self) -> String;
}

/// Log mode: the magic link is printed to the log instead of mailed. The embedded default, for
/// development only.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogTransport;

#[async_trait]
impl EmailTransport for LogTransport {
    async fn send(&self, mail: &VerificationEmail) -> Result<(), SendError> {
        tracing::warn!(
            target: "nextauth::email",
            to = ?mail.to,
            "email provider in log mode (no SMTP server configured); magic link: {}",
            mail.url
        );
        Ok(())
    }

    fn describe(&self) -> String {
        "log (no SMTP server: magic links are printed to the log)".into()
    }
}

/// The email provider.
#[derive(Clone)]
pub struct EmailProvider {
    /// `From` header, default `NextAuth <no-reply@example.com>`.
    pub from: String,
    /// Link lifetime in seconds, default 24 h.
    pub max_age: i64,
    /// How mail is sent.
    pub transport: Arc<dyn EmailTransport>,
    /// `[[providers]] confirm = true` (not in v4): opening the link (`GET callback/<id>`)
    /// renders a page with one "Continue" button and spends nothing; only that button's
    /// CSRF-checked `POST callback/<id>` spends the token and signs in. Mail scanners (Outlook
    /// Safe Links, Defender, Proofpoint) that fetch links before the user does then leave the
    /// link usable (next-auth #1840, #4965). Default `false`: v4's behaviour, the GET signs in.
    pub confirm: bool,
}

impl std::fmt::Debug for EmailProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailProvider")
            .field("from", &self.from)
            .field("max_age", &self.max_age)
            .field("transport", &self.transport.describe())
            .field("confirm", &self.confirm)
            .finish()
    }
}

/// v4's default `from`.
pub const DEFAULT_FROM: &str = "NextAuth <no-reply@example.com>";
/// v4's default link lifetime: 24 hours.
pub const DEFAULT_MAX_AGE: i64 = 24 * 60 * 60;

impl Default for EmailProvider {
    fn default() -> Self {
        EmailProvider {
            from: DEFAULT_FROM.into(),
            max_age: DEFAULT_MAX_AGE,
            transport: Arc::new(LogTransport),
            confirm: false,
        }
    }
}

impl EmailProvider {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.from.trim().is_empty() {
            return Err("`from` is empty".into());
        }
        if self.max_age <= 0 {
            return Err("`max_age` must be a positive number of seconds".into());
        }
        Ok(())
    }
}
