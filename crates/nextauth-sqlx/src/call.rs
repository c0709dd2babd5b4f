//! One adapter call ([`call`]: a time limit, sqlx errors mapped to the core's two kinds), the
//! pool's acquire limit, and what an error message may show of a database URL ([`redact`],
//! [`OpenError`]). A leaf: every module of the crate may use it, it uses only the dialect.

use std::future::Future;
use std::time::Duration;

use nextauth_core::adapter::{AdapterError, AdapterResult};

use crate::dialect::Dialect;

/// How long a request waits for a pooled connection (including connecting) before it gives up
/// with [`AdapterError::Unavailable`]: short, so a dead database turns into a quick error page
/// rather than a hung browser.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Upper bound for one adapter call, connection included. A statement on a connection whose peer
/// vanished without closing it (a network partition) would otherwise wait for TCP to notice.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why [`open`] failed. The message never contains the URL's password.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not `sqlite:…`, `postgres://…` or `postgresql://…`, or does not parse.
    #[error("database URL: {0}")]
    Url(String),
    /// The database could not be reached or created.
    #[error("connecting to the database: {0}")]
    Connect(String),
    /// The embedded migrations failed.
    #[error("running migrations: {0}")]
    Migrate(String),
    /// The layout's tables are missing or of another shape (`[database] migrate = false`, or
    /// tables of another shape where `migrate = true` would create them); the message names
    /// every table and column.
    #[error("database schema: {0}")]
    Schema(String),
}

/// Maps a sqlx error to the core's two kinds: a violated constraint (unique e-mail, unique
/// account, missing user; [`Dialect::is_conflict`]) is the caller's problem; everything else
/// means "storage unavailable".
pub(crate) fn map_err<D: Dialect>(e: sqlx::Error) -> AdapterError {
    match &e {
        sqlx::Error::Database(db) if D::is_conflict(db.as_ref()) => {
            // The primary message names the constraint, not the values (those are in DETAIL).
            AdapterError::Conflict(db.message().to_string())
        }
        _ => AdapterError::Unavailable(e.to_string()),
    }
}

/// Runs one adapter call under [`CALL_TIMEOUT`], mapping errors.
pub(crate) async fn call<D: Dialect, T>(
    what: &'static str,
    fut: impl Future<Output = Result<T, sqlx::Error>>,
) -> AdapterResult<T> {
    match tokio_timeout(fut).await {
        Ok(r) => r.map_err(|e| {
            let mapped = map_err::<D>(e);
            tracing::debug!(call = what, error = %mapped, "adapter call failed");
            mapped
        }),
        Err(()) => Err(AdapterError::Unavailable(format!(
            "{what}: no answer from the database within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

async fn tokio_timeout<T>(fut: impl Future<Output = T>) -> Result<T, ()> {
    tokio::time::timeout(CALL_TIMEOUT, fut)
        .await
        .map_err(|_| ())
}

/// The URL with its password replaced by `***`, for error messages and `nextauth check`: the
/// userinfo password (`postgres://app:s3cret@db/auth`) and a `password` query parameter, which
/// sqlx's PostgreSQL options also accept (`postgres://app@db/auth?password=s3cret`). A value
/// that is not a URL is returned as it is.
pub fn redact(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let mut changed = false;
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
        changed = true;
    }
    if u.query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
        changed = true;
    }
    if changed {
        u.to_string()
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn passwords_in_userinfo_and_query_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cret@db/auth"),
            "postgres://app:***@db/auth"
        );
        assert_eq!(
            redact("postgres://app@db/auth?sslmode=require&password=s3cret"),
            "postgres://app@db/auth?sslmode=require&password=***"
        );
        assert_eq!(
            redact("postgres://app@db/auth?PASSWORD=s3cret"),
            "postgres://app@db/auth?PASSWORD=***"
        );
        assert_eq!(
            redact("sqlite://data/nextauth.db"),
            "sqlite://data/nextauth.db"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
