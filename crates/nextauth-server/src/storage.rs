//! Opening the adapter named by the configuration (the e-mail transports are built with the
//! providers, in `settings/providers.rs`).

use std::sync::Arc;

use anyhow::Context;
use nextauth_core::Adapter;

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
