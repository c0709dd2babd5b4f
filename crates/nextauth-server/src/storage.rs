//! Opening the adapter named by the configuration (the e-mail transports are built with the
//! providers, in `settings/providers.rs`).

use std::sync::Arc;

use anyhow::Context;
use nextauth_core::Adapter;

/// Opens the database named by `url` (`sqlite:…` or `postgres://…`) in the default layout
/// (`pg-adapter`), running migrations.
///
/// SQLite creates the file and its directory; PostgreSQL must be reachable now (a database that
/// goes away later only turns requests into errors until it is back).
pub async fn open_adapter(url: &str) -> anyhow::Result<Arc<dyn Adapter>> {
    open_adapter_with(
        url,
        &nextauth_sqlx::Options::defaults(url, nextauth_sqlx::Layout::PG_ADAPTER),
    )
    .await
}

/// Opens the database named by `url` for `[database] layout` and `migrate`: with `migrate =
/// false` nothing is written to the schema, and a missing table or column fails start-up
/// naming it.
pub async fn open_adapter_with(
    url: &str,
    options: &nextauth_sqlx::Options,
) -> anyhow::Result<Arc<dyn Adapter>> {
    let adapter = nextauth_sqlx::open_with(url, options)
        .await
        .with_context(|| format!("opening {}", crate::settings::redact_url(url)))?;
    tracing::info!(
        database = %crate::settings::redact_url(url),
        layout = options.layout.name,
        migrate = options.migrate,
        "storage ready"
    );
    Ok(adapter)
}
