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
        std::time::Duration::ZERO,
    )
    .await
}

/// Opens the database named by `url` for `[database] layout` and `migrate`: with `migrate =
/// false` nothing is written to the schema, and a missing table or column fails start-up
/// naming it.
///
/// On PostgreSQL with a non-zero `session_cache`, the adapter is wrapped in
/// [`nextauth_sqlx::SessionCache`]: `GET session` of a database session answers from memory for up
/// to that long, invalidated at once across instances by `LISTEN`/`NOTIFY`.
pub async fn open_adapter_with(
    url: &str,
    options: &nextauth_sqlx::Options,
    session_cache: std::time::Duration,
) -> anyhow::Result<Arc<dyn Adapter>> {
    let mut adapter = nextauth_sqlx::open_with(url, options)
        .await
        .with_context(|| format!("opening {}", crate::settings::redact_url(url)))?;
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if postgres && !session_cache.is_zero() {
        adapter = Arc::new(
            nextauth_sqlx::SessionCache::open(
                adapter,
                url,
                session_cache,
                nextauth_sqlx::session_cache::DEFAULT_CAPACITY,
            )
            .with_context(|| format!("opening {}", crate::settings::redact_url(url)))?,
        );
    }
    tracing::info!(
        database = %crate::settings::redact_url(url),
        layout = options.layout.name,
        migrate = options.migrate,
        ?session_cache,
        "storage ready"
    );
    Ok(adapter)
}
