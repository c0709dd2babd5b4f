//! The statements of the rate-limit counters (table `nextauth_rate_limits`, migration
//! `0008_rate_limits.sql`), built once per dialect. A hit is one atomic upsert that answers the
//! new count (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`, which SQLite and PostgreSQL
//! share), so concurrent hits on every instance each get their own count.

use std::sync::Arc;

use crate::dialect::Dialect;

/// The rate-limit statements. Parameters are numbered in the order they appear.
#[derive(Debug)]
pub(crate) struct RateLimitsSql {
    /// `key, window_start, until` → `hits` (without RETURNING: nothing, then [`Self::hits`]
    /// in the same transaction).
    pub(crate) hit: Arc<str>,
    /// `key, window_start` → `hits`.
    pub(crate) hits: Arc<str>,
    /// `key, window_start`: one hit back, never below 0.
    pub(crate) undo: Arc<str>,
    /// `now`.
    pub(crate) delete_expired: Arc<str>,
}

impl RateLimitsSql {
    pub(crate) fn new<D: Dialect>() -> RateLimitsSql {
        let p = D::placeholder;
        // `key` is a reserved word in MySQL.
        let key = D::quote("key");
        RateLimitsSql {
            hit: if D::ON_DUPLICATE_KEY {
                format!(
                    "INSERT INTO nextauth_rate_limits ({key}, window_start, hits, until) \
                     VALUES ({}, {}, 1, {}) ON DUPLICATE KEY UPDATE hits = hits + 1",
                    p(1),
                    p(2),
                    p(3)
                )
            } else {
                format!(
                    "INSERT INTO nextauth_rate_limits ({key}, window_start, hits, until) \
                     VALUES ({}, {}, 1, {}) ON CONFLICT ({key}, window_start) DO UPDATE SET \
                     hits = nextauth_rate_limits.hits + 1 RETURNING hits",
                    p(1),
                    p(2),
                    p(3)
                )
            }
            .into(),
            hits: format!(
                "SELECT hits FROM nextauth_rate_limits WHERE {key} = {} AND window_start = {}",
                p(1),
                p(2)
            )
            .into(),
            undo: format!(
                "UPDATE nextauth_rate_limits SET hits = hits - 1 \
                 WHERE {key} = {} AND window_start = {} AND hits > 0",
                p(1),
                p(2)
            )
            .into(),
            delete_expired: format!("DELETE FROM nextauth_rate_limits WHERE until < {}", p(1))
                .into(),
        }
    }
}
