//! The statements of the revocations (table `nextauth_revocations`, migration
//! `0005_revocations.sql`) and of the spent back-channel logout tokens (table
//! `nextauth_logout_tokens`, migration `0006_logout_tokens.sql`), built once per dialect. Rows are stamped with the database's clock
//! ([`Dialect::NOW_MS`]), so instances whose clocks differ still read every row once.

use std::sync::Arc;

use crate::dialect::Dialect;

/// The revocation statements. Parameters are numbered in the order they appear.
#[derive(Debug)]
pub(crate) struct RevocationsSql {
    /// `kind, subject, at, until`.
    pub(crate) insert: Arc<str>,
    /// `since` → `kind, subject, at, until, recorded_at`, oldest first.
    pub(crate) since: Arc<str>,
    /// `now`.
    pub(crate) delete_expired: Arc<str>,
    /// `now`: forgets spent logout tokens that can no longer pass the age check.
    pub(crate) logout_tokens_expired: Arc<str>,
    /// `jti, until`; changes one row when the token is new, none on a replay.
    pub(crate) spend_logout_token: Arc<str>,
}

impl RevocationsSql {
    pub(crate) fn new<D: Dialect>() -> RevocationsSql {
        let p = D::placeholder;
        RevocationsSql {
            insert: format!(
                "INSERT INTO nextauth_revocations (kind, subject, at, until, recorded_at) \
                 VALUES ({}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                D::NOW_MS
            )
            .into(),
            since: format!(
                "SELECT kind, subject, at, until, recorded_at FROM nextauth_revocations \
                 WHERE recorded_at >= {} ORDER BY recorded_at",
                p(1)
            )
            .into(),
            delete_expired: format!("DELETE FROM nextauth_revocations WHERE until < {}", p(1))
                .into(),
            logout_tokens_expired: format!(
                "DELETE FROM nextauth_logout_tokens WHERE until < {}",
                p(1)
            )
            .into(),
            spend_logout_token: if D::ON_DUPLICATE_KEY {
                format!(
                    "INSERT IGNORE INTO nextauth_logout_tokens (jti, until) VALUES ({}, {})",
                    p(1),
                    p(2)
                )
            } else {
                format!(
                    "INSERT INTO nextauth_logout_tokens (jti, until) VALUES ({}, {}) \
                     ON CONFLICT (jti) DO NOTHING",
                    p(1),
                    p(2)
                )
            }
            .into(),
        }
    }
}
