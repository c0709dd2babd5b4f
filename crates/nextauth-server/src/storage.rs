//! Opening the adapter and the mail transport named by the configuration.

use std::sync::Arc;

use anyhow::Context;
use nextauth_core::Adapter;
use nextauth_core::providers::EmailTransport;
use nextauth_smtp::SmtpTransport;

/// Opens the database named by `url` (`sqlite:…` or `postgres://…`), running migrations.
///
/// SQLite creates the file and its directory; PostgreSQL must be reachable now (a database that
/// goes away later only turns requests into errors until it is back).
pub async fn open_adapter(url: &str) -> anyhow::Result<Arc<dyn Adapter>> {
    let adapter = nextauth_sqlx::open(url)
        .await
        .with_context(|| format!("opening {}", crate::settings::redact_url(url)))?;
    tracing::info!(database = %crate::settings::redact_url(url), "storage ready");
    Ok(adapter)
}

/// The transport for an email provider's `server` URL (`smtp://…`, `smtps://…`).
pub fn email_transport(url: &str) -> anyhow::Result<Arc<dyn EmailTransport>> {
    // The provider's own `from` goes into each mail, so none is fixed here.
    let transport = SmtpTransport::from_url(url, None).map_err(anyhow::Error::msg)?;
    tracing::info!(server = %transport.describe(), "email provider sends mail over SMTP");
    Ok(Arc::new(transport))
}
