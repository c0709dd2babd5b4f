//! Opening the adapter named by the configuration (the e-mail transports are built with the
//! providers, in `settings/providers.rs`).

use std::sync::Arc;

use anyhow::Context;
use nextauth_core::Adapter;

/// Opens the database named by `url` (`sqlite:…` or `postgres://…`), running migrations.
///
/// SQLite creates the file and its directory; PostgreSQL must be reachable now (a database that
/// goes away later only turns requests into errors until it is back).
///
/// On PostgreSQL with a non-zero `session_cache`, the adapter is wrapped in
/// [`nextauth_sqlx::SessionCache`]: `GET session` of a database session answers from memory for up
/// to that long, invalidated at once across instances by `LISTEN`/`NOTIFY`.
pub async fn open_adapter(
    url: &str,
    session_cache: std::time::Duration,
) -> anyhow::Result<Arc<dyn Adapter>> {
    let mut adapter = nextauth_sqlx::open(url)
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
    tracing::info!(database = %crate::settings::redact_url(url), ?session_cache, "storage ready");
    Ok(adapter)
}
