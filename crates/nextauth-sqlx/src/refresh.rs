//! The statements of the refresh coordination (table `nextauth_refresh`, migration
//! `0007_refresh.sql`), built once per dialect. The lease is one upsert that takes the row only
//! when it has no result and no live lease (`ON CONFLICT … DO UPDATE … WHERE`, which SQLite and
//! PostgreSQL share; a dialect without it would give its own clause here).

use std::sync::Arc;

use crate::dialect::Dialect;

/// The refresh statements. Parameters are numbered in the order they appear.
#[derive(Debug)]
pub(crate) struct RefreshSql {
    /// MySQL: `key` → `result, lease_until`, the row locked for the transaction.
    pub(crate) locked: Arc<str>,
    /// MySQL: `lease_until, keep_until, key`: an expired lease taken over.
    pub(crate) take_over: Arc<str>,
    /// `key, lease_until, keep_until, now` → a row when the lease was taken.
    pub(crate) claim: Arc<str>,
    /// `key` → `result`.
    pub(crate) get: Arc<str>,
    /// `result, keep_until, key`: records the result (or, with `NULL`, releases the lease).
    pub(crate) finish: Arc<str>,
    /// `now`.
    pub(crate) delete_expired: Arc<str>,
}

impl RefreshSql {
    pub(crate) fn new<D: Dialect>() -> RefreshSql {
        let p = D::placeholder;
        // `key` is a reserved word in MySQL.
        let key = D::quote("key");
        RefreshSql {
            claim: if D::ON_DUPLICATE_KEY {
                // Without RETURNING: insert if new (1 row), else the adapter reads the row
                // locked and takes an expired lease with `take_over`.
                format!(
                    "INSERT IGNORE INTO nextauth_refresh ({key}, lease_until, result, keep_until) \
                     VALUES ({}, {}, NULL, {})",
                    p(1),
                    p(2),
                    p(3)
                )
            } else {
                format!(
                    "INSERT INTO nextauth_refresh ({key}, lease_until, result, keep_until) \
                     VALUES ({}, {}, NULL, {}) ON CONFLICT ({key}) DO UPDATE SET \
                     lease_until = excluded.lease_until, keep_until = excluded.keep_until \
                     WHERE nextauth_refresh.result IS NULL AND nextauth_refresh.lease_until < {} \
                     RETURNING {key}",
                    p(1),
                    p(2),
                    p(3),
                    p(4)
                )
            }
            .into(),
            locked: format!(
                "SELECT result, lease_until FROM nextauth_refresh WHERE {key} = {} FOR UPDATE",
                p(1)
            )
            .into(),
            take_over: format!(
                "UPDATE nextauth_refresh SET lease_until = {}, keep_until = {} WHERE {key} = {}",
                p(1),
                p(2),
                p(3)
            )
            .into(),
            get: format!("SELECT result FROM nextauth_refresh WHERE {key} = {}", p(1)).into(),
            finish: format!(
                "UPDATE nextauth_refresh SET result = {}, keep_until = {}, lease_until = 0 \
                 WHERE {key} = {}",
                p(1),
                p(2),
                p(3)
            )
            .into(),
            delete_expired: format!("DELETE FROM nextauth_refresh WHERE keep_until < {}", p(1))
                .into(),
        }
    }
}
