//! Outgoing webhooks: the Standard Webhooks signature and one bounded, signed JSON POST.
//!
//! Every webhook `nextauth` calls (the credentials `authorize_url`, the `signIn` and claims
//! webhooks of `[callbacks]`, the `[events]` deliveries) goes through [`post_json`], so they all
//! carry the same headers, time limit and body bound.
//!
//! Signatures follow the Standard Webhooks specification
//! (<https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>):
//! * `webhook-id`: the message id, stable across retries of one message;
//! * `webhook-timestamp`: Unix seconds of this attempt;
//! * `webhook-signature`: `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`, where the
//!   key is the base64 part of a `whsec_…` secret (a value without the prefix is refused).
//!
//! Receivers verify with the official libraries (npm `standardwebhooks`, and its ports).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Largest webhook answer read: a webhook answers a small JSON value.
pub const MAX_ANSWER: usize = 64 * 1024;

/// A Standard Webhooks signing key, parsed from `whsec_<base64>`. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

/// Why a `webhook_secret` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSecretError {
    /// No `whsec_` prefix.
    #[error(
        "must start with `whsec_` (a Standard Webhooks secret: `whsec_` + base64 of 24-64 random bytes)"
    )]
    NoPrefix,
    /// The part after `whsec_` is not base64.
    #[error("the part after `whsec_` is not base64")]
    NotBase64,
    /// Fewer than 24 bytes of key (the spec asks for 24 to 64).
    #[error("the key is {0} bytes; Standard Webhooks asks for 24 to 64")]
    BadLength(usize),
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`; the key must be 24 to 64 bytes (the spec's range).
    pub fn parse(s: &str) -> Result<Self, WebhookSecretError> {
        let b64 = s
            .strip_prefix("whsec_")
            .ok_or(WebhookSecretError::NoPrefix)?;
        let key = B64
            .decode(b64.trim())
            .map_err(|_| WebhookSecretError::NotBase64)?;
        if !(24..=64).contains(&key.len()) {
            return Err(WebhookSecretError::BadLength(key.len()));
        }
        Ok(WebhookSecret(key))
    }

    /// The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256>` of
    /// `"{msg_id}.{timestamp}.{body}"`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// What a webhook answered: its status and (at most [`MAX_ANSWER`] bytes of) its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    /// HTTP status code.
    pub status: u16,
    /// The body as received.
    pub body: Vec<u8>,
}

/// Why a webhook call did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No answer within the time limit.
    #[error("POST {url}: timed out")]
    Timeout {
        /// The webhook URL.
        url: String,
    },
    /// Could not connect or send.
    #[error("POST {url}: {reason}")]
    Unreachable {
        /// The webhook URL.
        url: String,
        /// The transport's reason.
        reason: String,
    },
    /// The answer body was larger than [`MAX_ANSWER`] or broke off.
    #[error("POST {url}: reading the answer: {reason}")]
    Body {
        /// The webhook URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// One outgoing message: where, what, and how it is identified and signed.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The webhook URL (validated as http(s) when the configuration was read).
    pub url: &'a str,
    /// The `webhook-id`: unique per message, the same on every retry of it.
    pub msg_id: &'a str,
    /// Unix seconds of this attempt (`webhook-timestamp`).
    pub timestamp: i64,
    /// The JSON body, already serialised (the signature covers these exact bytes).
    pub body: &'a [u8],
    /// Signs the message when set.
    pub secret: Option<&'a WebhookSecret>,
    /// Time allowed for the whole call.
    pub timeout: Duration,
}

/// POSTs `msg.body` as `application/json` with the Standard Webhooks headers (`webhook-signature`
/// only with a secret) and reads at most [`MAX_ANSWER`] bytes of the answer. Any status is an
/// answer; the caller decides what a status means.
pub async fn post_json(
    client: &reqwest::Client,
    msg: Outgoing<'_>,
) -> Result<WebhookAnswer, WebhookError> {
    let url = msg.url;
    let mut req = client
        .post(url)
        .timeout(msg.timeout)
        .header("content-type", "application/json")
        .header("webhook-id", msg.msg_id)
        .header("webhook-timestamp", msg.timestamp.to_string());
    if let Some(secret) = msg.secret {
        req = req.header(
            "webhook-signature",
            secret.sign(msg.msg_id, msg.timestamp, msg.body),
        );
    }
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            WebhookError::Timeout { url: url.into() }
        } else {
            WebhookError::Unreachable {
                url: url.into(),
                reason: error_chain(&e),
            }
        }
    };
    let mut resp = req
        .body(msg.body.to_vec())
        .send()
        .await
        .map_err(transport)?;
    let status = resp.status().as_u16();
    let too_large = || WebhookError::Body {
        url: url.into(),
        reason: format!("larger than {MAX_ANSWER} bytes"),
    };
    if resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_ANSWER {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(WebhookAnswer { status, body }),
            Err(e) if e.is_timeout() => return Err(WebhookError::Timeout { url: url.into() }),
            Err(e) => {
                return Err(WebhookError::Body {
                    url: url.into(),
                    reason: error_chain(&e),
                });
            }
        }
    }
}

/// POSTs a message that is sent once, not retried (the `signIn` and claims webhooks, the
/// credentials `authorize_url`; a durable event keeps its id across retries and goes through
/// [`post_json`] itself): `body` as JSON, a fresh `msg_<32 hex>` id and this moment's Unix
/// seconds as the timestamp, signed when `secret` is set.
pub async fn post_json_once(
    client: &reqwest::Client,
    url: &str,
    body: &impl serde::Serialize,
    secret: Option<&WebhookSecret>,
    timeout: Duration,
) -> Result<WebhookAnswer, WebhookError> {
    // Serialising the JSON values these callers build cannot fail.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let msg_id = format!("msg_{}", crate::crypto::random::hex32());
    let timestamp = crate::clock::Clock::now_ms(&crate::clock::SystemClock).div_euclid(1000);
    post_json(
        client,
        Outgoing {
            url,
            msg_id: &msg_id,
            timestamp,
            body: &bytes,
            secret,
            timeout,
        },
    )
    .await
}

/// An error and its sources on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The example of the Standard Webhooks reference libraries' tests (npm `standardwebhooks` 1.3.0
    /// `Webhook.sign` gives the same value for it)
    /// (`standardwebhooks` javascript/src/index.test.ts, python tests): secret, id, timestamp,
    /// payload and the expected signature.
    #[test]
    fn signs_like_the_reference_libraries() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn bad_secrets_are_refused_and_never_shown() {
        assert_eq!(
            WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err(),
            WebhookSecretError::NoPrefix
        );
        assert_eq!(
            WebhookSecret::parse("whsec_!!!").unwrap_err(),
            WebhookSecretError::NotBase64
        );
        assert_eq!(
            WebhookSecret::parse("whsec_YWJj").unwrap_err(),
            WebhookSecretError::BadLength(3)
        );
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(format!("{s:?}"), "WebhookSecret(<redacted>)");
    }
}
