//! [`SmtpTransport`]: sign-in e-mails over SMTP (lettre, rustls), in the shape of v4's default
//! `sendVerificationRequest` (spec §13.2): subject `Sign in to <host>`, a text part
//! `Sign in to <host>\n<url>\n\n` and an HTML part with a button.
//!
//! Its own crate so that the protocol core (`nextauth-core`, which keeps only the
//! [`EmailTransport`] trait and the log transport) carries no SMTP client: the `nextauth` server
//! uses it for `server = "smtp://…"`, and an app embedding `nextauth-axum` can add it the same way
//! (`EmailProvider { transport: Arc::new(SmtpTransport::from_url(url, None)?), .. }`).
//!
//! Server URLs, as nodemailer reads them:
//!
//! | URL | connection |
//! |---|---|
//! | `smtp://host:port` | plain, upgraded with STARTTLS when the server offers it |
//! | `smtp://host:port?tls=required` | STARTTLS, refusing to send without it |
//! | `smtp://host:port?tls=none` | plain, never STARTTLS (a local relay or a test sink) |
//! | `smtps://host:port` | TLS from the first byte ("implicit TLS", port 465) |
//!
//! `user:password@` before the host turns on AUTH (percent-decoded). The default port is 587 for
//! `smtp://` and 465 for `smtps://` (nodemailer's defaults).
//!
//! `?timeout=<seconds>` (a positive number, at most 600; default [`SMTP_TIMEOUT`]) bounds the
//! *whole* conversation of one mail, from connecting to the server's answer to the message: a
//! server that accepts the connection but never greets, or stalls mid-conversation, turns into
//! `error=EmailSignin` after that long. It combines with `tls=…` (`?tls=none&timeout=5`).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;

use nextauth_core::ConfigError;
use nextauth_core::providers::email::{EmailTransport, SendError, VerificationEmail};

/// The default bound of one SMTP conversation (connect, greeting, TLS, AUTH, DATA, the answer):
/// a dead or stalled relay turns into an `EmailSignin` error page rather than a browser waiting
/// for minutes. Set per server with `?timeout=<seconds>`.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The largest `?timeout=` accepted: ten minutes.
pub const SMTP_TIMEOUT_MAX: Duration = Duration::from_secs(600);

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text only.
    None,
    /// STARTTLS when the server offers it, plain otherwise.
    Opportunistic,
    /// STARTTLS or no mail.
    Required,
    /// TLS from the start (`smtps://`).
    Implicit,
}

/// Sends sign-in mails through one SMTP server.
#[derive(Clone)]
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    /// `From` used instead of each mail's own, when set.
    from: Option<Mailbox>,
    host: String,
    port: u16,
    security: SmtpSecurity,
    user: Option<String>,
    /// Bound of one whole send.
    timeout: Duration,
}

impl std::fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("SmtpTransport")
            .field("server", &self.describe())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    /// Parses a server URL (see the module docs). `from`, when given, is checked now and used as
    /// the `From` of every mail; with `None` each mail's own `from` is used.
    ///
    /// The error never contains the URL's password.
    pub fn from_url(url: &str, from: Option<&str>) -> Result<SmtpTransport, ConfigError> {
        let parsed = url::Url::parse(url).map_err(|e| format!("SMTP server URL: {e}"))?;
        let implicit = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(
                    format!("SMTP server URL: scheme {other:?}: use smtp:// or smtps://").into(),
                );
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("SMTP server URL: no host")?
            // IPv6 literals come bracketed; connecting and TLS want them bare.
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = parsed.port().unwrap_or(if implicit { 465 } else { 587 });
        let mut security = if implicit {
            SmtpSecurity::Implicit
        } else {
            SmtpSecurity::Opportunistic
        };
        let mut timeout = SMTP_TIMEOUT;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit) {
                ("timeout", v, _) => timeout = parse_timeout(v)?,
                ("tls", "required", false) => security = SmtpSecurity::Required,
                ("tls", "none", false) => security = SmtpSecurity::None,
                ("tls", "opportunistic", false) => security = SmtpSecurity::Opportunistic,
                ("tls", v, true) => {
                    return Err(format!(
                        "SMTP server URL: `tls={v}` does not apply to smtps:// (always TLS)"
                    )
                    .into());
                }
                ("tls", v, false) => {
                    return Err(format!(
                        "SMTP server URL: `tls={v}`: use required, none or opportunistic"
                    )
                    .into());
                }
                (k, _, _) => return Err(format!("SMTP server URL: unknown parameter `{k}`").into()),
            }
        }
        let user = (!parsed.username().is_empty()).then(|| {
            percent_decode_str(parsed.username())
                .decode_utf8_lossy()
                .into_owned()
        });
        let password = parsed
            .password()
            .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned());

        let tls = || {
            TlsParameters::new(host.clone())
                .map_err(|e| format!("SMTP TLS settings for {host}: {e}"))
        };
        let tls = match security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Opportunistic => Tls::Opportunistic(tls()?),
            SmtpSecurity::Required => Tls::Required(tls()?),
            SmtpSecurity::Implicit => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            // lettre applies this to connecting (and, per read, on some platforms only); the
            // whole send is bounded in `send` as well.
            .timeout(Some(timeout));
        if let Some(u) = &user {
            builder =
                builder.credentials(Credentials::new(u.clone(), password.unwrap_or_default()));
        }
        let from = match from {
            Some(f) => Some(
                f.parse::<Mailbox>()
                    .map_err(|e| format!("`from` {f:?} is not an address: {e}"))?,
            ),
            None => None,
        };
        Ok(SmtpTransport {
            inner: builder.build(),
            from,
            host,
            port,
            security,
            user,
            timeout,
        })
    }

    /// The bound of one whole send (`?timeout=`, default [`SMTP_TIMEOUT`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How the connection is secured.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    fn message(&self, mail: &VerificationEmail) -> Result<Message, SendError> {
        let from = match &self.from {
            Some(f) => f.clone(),
            None => mail
                .from
                .parse::<Mailbox>()
                .map_err(|e| SendError::BadFrom {
                    from: mail.from.clone(),
                    reason: e.to_string(),
                })?,
        };
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| SendError::BadRecipient {
                to: mail.to.clone(),
                reason: e.to_string(),
            })?;
        let host = url_host(&mail.url).unwrap_or_else(|| mail.host.clone());
        let mut builder = Message::builder().from(from.clone());
        // lettre quotes every display name with a space ("\"NextAuth Ref\" <…>") and
        // RFC 2047-encodes any with a quote or apostrophe; nodemailer, whose output v4 users see
        // and the reference flows compare, leaves `[A-Za-z0-9_ ]` names bare and quotes other
        // printable ASCII. Same meaning; v4's bytes where it costs nothing.
        if let Some(name) = from.name.as_deref() {
            if is_plain_phrase(name) {
                builder = builder.header(PlainFrom(format!("{name} <{}>", from.email)));
            } else if name.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
                let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
                builder = builder.header(PlainFrom(format!("\"{quoted}\" <{}>", from.email)));
            }
            // Anything else (non-ASCII): lettre's RFC 2047 encoded-word, as nodemailer does.
        }
        // The core's rendering (translated, or the operator's templates) when it made one.
        let (subject, text, html) = match &mail.rendered {
            Some(r) => (r.subject.clone(), r.text.clone(), r.html.clone()),
            None => (
                format!("Sign in to {host}"),
                text_body(&mail.url, &host),
                html_body(&mail.url, &host, &mail.brand_color, &mail.button_text),
            ),
        };
        builder
            .to(to)
            .subject(subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|e| SendError::Message(e.to_string()))
    }
}

#[async_trait]
impl EmailTransport for SmtpTransport {
    async fn send(&self, mail: &VerificationEmail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        // lettre turns a rejected recipient or a non-2xx answer into an error, as nodemailer's
        // `rejected`/`pending` lists do in v4. Its errors carry the server's reply, never the
        // credentials.
        // The whole conversation under one deadline: lettre's own timeout covers connecting,
        // not a server that accepts and then says nothing. Dropping the send on the deadline
        // closes the connection.
        match tokio::time::timeout(self.timeout, self.inner.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| SendError::Server {
                server: self.describe(),
                reason: e.to_string(),
            }),
            Err(_) => Err(SendError::Timeout {
                server: self.describe(),
                ms: self.timeout.as_millis(),
            }),
        }
    }

    fn describe(&self) -> String {
        let mode = match self.security {
            SmtpSecurity::None => "plain",
            SmtpSecurity::Opportunistic => "STARTTLS when offered",
            SmtpSecurity::Required => "STARTTLS required",
            SmtpSecurity::Implicit => "TLS",
        };
        let scheme = if self.security == SmtpSecurity::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        let auth = if self.user.is_some() { ", AUTH" } else { "" };
        format!("{scheme}://{}:{} ({mode}{auth})", self.host, self.port)
    }
}

/// `?timeout=<seconds>`: a positive number (fractions allowed) up to [`SMTP_TIMEOUT_MAX`].
fn parse_timeout(v: &str) -> Result<Duration, ConfigError> {
    let bad = || {
        ConfigError(format!(
            "SMTP server URL: `timeout={v}`: use a number of seconds above 0 and at most {}",
            SMTP_TIMEOUT_MAX.as_secs()
        ))
    };
    let secs: f64 = v.trim().parse().map_err(|_| bad())?;
    if !secs.is_finite() || secs <= 0.0 || secs > SMTP_TIMEOUT_MAX.as_secs_f64() {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// nodemailer leaves a display name unquoted when it matches `^[\w ]*$`.
fn is_plain_phrase(name: &str) -> bool {
    !name.trim().is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b' ')
}

/// A `From` header written as nodemailer writes it (see [`is_plain_phrase`]); it parses back to
/// the same mailbox, so lettre still derives the envelope sender from it.
#[derive(Clone)]
struct PlainFrom(String);

impl Header for PlainFrom {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("From")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(PlainFrom(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `new URL(url).host` (with the port when there is one), as v4 puts in the subject.
fn url_host(link: &str) -> Option<String> {
    let u = url::Url::parse(link).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// v4's `text({url, host})`.
pub fn text_body(url: &str, host: &str) -> String {
    format!("Sign in to {host}\n{url}\n\n")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// v4's `html({url, host, theme})`. Every value is HTML-escaped (v4 escapes nothing); each `.`
/// of the host gets a zero-width space before it so mail clients do not turn it into a link.
pub fn html_body(url: &str, host: &str, brand_color: &str, button_text: &str) -> String {
    let escaped_host = escape_html(host).replace('.', "&#8203;.");
    let url = escape_html(url);
    let brand = escape_html(brand_color);
    let button = escape_html(button_text);
    let (background, text, main_background) = ("#f9f9f9", "#444", "#fff");
    format!(
        r#"
<body style="background: {background};">
  <table width="100%" border="0" cellspacing="20" cellpadding="0"
    style="background: {main_background}; max-width: 600px; margin: auto; border-radius: 10px;">
    <tr>
      <td align="center"
        style="padding: 10px 0px; font-size: 22px; font-family: Helvetica, Arial, sans-serif; color: {text};">
        Sign in to <strong>{escaped_host}</strong>
      </td>
    </tr>
    <tr>
      <td align="center" style="padding: 20px 0;">
        <table border="0" cellspacing="0" cellpadding="0">
          <tr>
            <td align="center" style="border-radius: 5px;" bgcolor="{brand}"><a href="{url}"
                target="_blank"
                style="font-size: 18px; font-family: Helvetica, Arial, sans-serif; color: {button}; text-decoration: none; border-radius: 5px; padding: 10px 20px; border: 1px solid {brand}; display: inline-block; font-weight: bold;">Sign
                in</a></td>
          </tr>
        </table>
      </td>
    </tr>
    <tr>
      <td align="center"
        style="padding: 0px 0px 10px 0px; font-size: 16px; line-height: 22px; font-family: Helvetica, Arial, sans-serif; color: {text};">
        If you did not request this email you can safely ignore it.
      </td>
    </tr>
  </table>
</body>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = SmtpTransport::from_url("smtp://127.0.0.1:2525", None).unwrap();
        assert_eq!(t.security(), SmtpSecurity::Opportunistic);
        assert_eq!(
            t.describe(),
            "smtp://127.0.0.1:2525 (STARTTLS when offered)"
        );
        let t = SmtpTransport::from_url("smtp://u%40x:p%3Ass@mail.example.com?tls=required", None)
            .unwrap();
        assert_eq!(t.security(), SmtpSecurity::Required);
        assert_eq!(t.user.as_deref(), Some("u@x"));
        assert_eq!(
            t.describe(),
            "smtp://mail.example.com:587 (STARTTLS required, AUTH)"
        );
        assert!(!format!("{t:?}").contains("p:ss"));
        let t = SmtpTransport::from_url("smtps://mail.example.com", None).unwrap();
        assert_eq!(t.security(), SmtpSecurity::Implicit);
        assert_eq!(t.describe(), "smtps://mail.example.com:465 (TLS)");
        let t = SmtpTransport::from_url("smtp://localhost:25?tls=none", None).unwrap();
        assert_eq!(t.security(), SmtpSecurity::None);
        assert_eq!(t.timeout(), SMTP_TIMEOUT);
        let t = SmtpTransport::from_url("smtp://localhost:25?tls=none&timeout=0.5", None).unwrap();
        assert_eq!(t.timeout(), Duration::from_millis(500));
        let t = SmtpTransport::from_url("smtps://localhost?timeout=600", None).unwrap();
        assert_eq!(t.timeout(), SMTP_TIMEOUT_MAX);
        for bad in ["0", "-1", "601", "NaN", "inf", "", "5s"] {
            let e = SmtpTransport::from_url(&format!("smtp://x?timeout={bad}"), None).unwrap_err();
            assert!(e.0.contains("timeout"), "{bad}: {e}");
        }
        for bad in [
            "http://x",
            "smtp://",
            "smtp://x?tls=maybe",
            "smtps://x?tls=none",
            "smtp://x?foo=1",
        ] {
            assert!(SmtpTransport::from_url(bad, None).is_err(), "{bad}");
        }
        let e = SmtpTransport::from_url("smtp://u:secret@x?tls=bad", None).unwrap_err();
        assert!(!e.0.contains("secret"), "{e}");
        assert!(SmtpTransport::from_url("smtp://x", Some("not an address")).is_err());
    }

    #[test]
    fn bodies_match_v4() {
        let url =
            "http://localhost:3000/api/auth/callback/email?callbackUrl=x&token=t&email=a%40b.c";
        assert_eq!(
            text_body(url, "localhost:3000"),
            format!("Sign in to localhost:3000\n{url}\n\n")
        );
        let html = html_body(url, "auth.example.com", "#346df1", "#fff");
        assert!(html.contains("Sign in to <strong>auth&#8203;.example&#8203;.com</strong>"));
        assert!(html.contains(r##"bgcolor="#346df1""##));
        assert!(html.contains("color: #fff;"));
        assert!(html.contains("&amp;token=t&amp;email=a%40b.c"));
        let evil = html_body("x", "h", "\"><script>", "<b>");
        assert!(!evil.contains("<script>") && !evil.contains("<b>"));
    }

    #[test]
    fn message_has_both_parts() {
        let t = SmtpTransport::from_url("smtp://127.0.0.1:1?tls=none", None).unwrap();
        let mail = VerificationEmail {
            to: "bob@example.com".into(),
            from: "NextAuth <no-reply@example.com>".into(),
            url: "http://127.0.0.1:3200/api/auth/callback/email?token=abc".into(),
            host: "127.0.0.1:3200".into(),
            expires: 0,
            brand_color: "#346df1".into(),
            button_text: "#fff".into(),
            rendered: None,
        };
        let raw = String::from_utf8(t.message(&mail).unwrap().formatted()).unwrap();
        assert!(raw.contains("Subject: Sign in to 127.0.0.1:3200"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(raw.contains("To: bob@example.com"), "{raw}");
        // nodemailer's form of the From header: no quotes around a plain name.
        assert!(
            raw.contains("From: NextAuth <no-reply@example.com>\r\n"),
            "{raw}"
        );
        let quoted = VerificationEmail {
            from: "\"Ann O'Hara\" <a@example.com>".into(),
            ..mail.clone()
        };
        let raw = String::from_utf8(t.message(&quoted).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: \"Ann O'Hara\" <a@example.com>\r\n"),
            "{raw}"
        );
        assert_eq!(
            t.message(&quoted)
                .unwrap()
                .envelope()
                .from()
                .unwrap()
                .to_string(),
            "a@example.com"
        );
    }
}
