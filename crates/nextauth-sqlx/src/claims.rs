//! The statements of the claims kept beside database sessions (table
//! `nextauth_session_claims`, migration `0004_session_claims.sql`), built once per dialect.
//!
//! The write is an upsert in the `ON CONFLICT … DO UPDATE` form that SQLite and PostgreSQL share;
//! a dialect without it (MySQL: `ON DUPLICATE KEY UPDATE`) would give its own clause here.

use std::sync::Arc;

use crate::dialect::Dialect;

/// The claims statements. Parameters are numbered in the order they appear.
#[derive(Debug)]
pub(crate) struct ClaimsSql {
    /// `session_token` → `claims`.
    pub(crate) get: Arc<str>,
    /// `session_token, claims`.
    pub(crate) set: Arc<str>,
    /// `session_token`.
    pub(crate) delete: Arc<str>,
}

impl ClaimsSql {
    pub(crate) fn new<D: Dialect>() -> ClaimsSql {
        let p = D::placeholder;
        ClaimsSql {
            get: format!(
                "SELECT claims FROM nextauth_session_claims WHERE session_token = {}",
                p(1)
            )
            .into(),
            set: format!(
                "INSERT INTO nextauth_session_claims (session_token, claims) VALUES ({}, {}) {}",
                p(1),
                p(2),
                if D::ON_DUPLICATE_KEY {
                    "ON DUPLICATE KEY UPDATE claims = VALUES(claims)"
                } else {
                    "ON CONFLICT (session_token) DO UPDATE SET claims = excluded.claims"
                }
            )
            .into(),
            delete: format!(
                "DELETE FROM nextauth_session_claims WHERE session_token = {}",
                p(1)
            )
            .into(),
        }
    }
}
