//! Opening the adapter and the mail transport named by the configuration.

use std::sync::Arc;

use nextauth_core::Adapter;
use nextauth_core::providers::EmailTransport;

/// Opens the database named by `url` (`sqlite:…` or `postgres://…`), running migrations.
pub async fn open_adapter(url: &str) -> anyhow::Result<Arc<dyn Adapter>> {
    tracing::warn!(
        database = %crate::settings::redact_url(url),
        "SQL storage is not built yet: using an in-memory store (everything is lost on restart)"
    );
    Ok(Arc::new(nextauth_core::MemoryAdapter::new()))
}

/// The transport for an email provider's `server` URL.
pub fn email_transport(url: &str) -> anyhow::Result<Arc<dyn EmailTransport>> {
    tracing::warn!(
        server = %crate::settings::redact_url(url),
        "SMTP is not built yet: magic links are printed to the log"
    );
    Ok(Arc::new(nextauth_core::providers::LogTransport))
}
