//! The event outbox's statements (table `nextauth_outbox`, migration `0003_events_outbox.sql`),
//! built once per dialect: the same text for every database but the placeholders and the
//! claim's `FOR UPDATE SKIP LOCKED` ([`Dialect::SKIP_LOCKED`]).

use std::sync::Arc;

use crate::dialect::Dialect;

/// The outbox statements. Parameters are numbered in the order they appear, so `?` and `$n`
/// bind alike.
#[derive(Debug)]
pub(crate) struct OutboxSql {
    /// Without RETURNING (MySQL, which also refuses a subquery on the table it updates):
    /// `now, limit` → the due ids, locked, skipping rows other workers hold.
    pub(crate) claim_ids: Arc<str>,
    /// `lease_until, id`.
    pub(crate) claim_one: Arc<str>,
    /// `id` → `id, type, created_at, body, attempts`.
    pub(crate) get_one: Arc<str>,
    /// `id, type, created_at, body, next_attempt_at`.
    pub(crate) insert: Arc<str>,
    /// `lease_until, now, limit` → `id, type, created_at, body, attempts`.
    pub(crate) claim: Arc<str>,
    /// `id`.
    pub(crate) delivered: Arc<str>,
    /// `attempts, next_attempt_at, last_error, id`.
    pub(crate) retry: Arc<str>,
    /// `dead_at, last_error, id`.
    pub(crate) dead: Arc<str>,
}

impl OutboxSql {
    pub(crate) fn new<D: Dialect>() -> OutboxSql {
        let p = D::placeholder;
        OutboxSql {
            insert: format!(
                "INSERT INTO nextauth_outbox (id, type, created_at, body, attempts, \
                 next_attempt_at) VALUES ({}, {}, {}, {}, 0, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )
            .into(),
            // One statement: the selected rows are leased as they are returned. On PostgreSQL
            // the sub-select locks them and skips rows another worker holds.
            claim: format!(
                "UPDATE nextauth_outbox SET next_attempt_at = {} WHERE id IN (SELECT id FROM \
                 nextauth_outbox WHERE dead_at IS NULL AND next_attempt_at <= {} ORDER BY \
                 created_at LIMIT {}{}) RETURNING id, type, created_at, body, attempts",
                p(1),
                p(2),
                p(3),
                D::SKIP_LOCKED
            )
            .into(),
            claim_ids: format!(
                "SELECT id FROM nextauth_outbox WHERE dead_at IS NULL AND next_attempt_at <= {} \
                 ORDER BY created_at LIMIT {}{}",
                p(1),
                p(2),
                D::SKIP_LOCKED
            )
            .into(),
            claim_one: format!(
                "UPDATE nextauth_outbox SET next_attempt_at = {} WHERE id = {}",
                p(1),
                p(2)
            )
            .into(),
            get_one: format!(
                "SELECT id, type, created_at, body, attempts FROM nextauth_outbox WHERE id = {}",
                p(1)
            )
            .into(),
            delivered: format!("DELETE FROM nextauth_outbox WHERE id = {}", p(1)).into(),
            retry: format!(
                "UPDATE nextauth_outbox SET attempts = {}, next_attempt_at = {}, last_error = {} \
                 WHERE id = {}",
                p(1),
                p(2),
                p(3),
                p(4)
            )
            .into(),
            dead: format!(
                "UPDATE nextauth_outbox SET attempts = attempts + 1, dead_at = {}, last_error = {} \
                 WHERE id = {}",
                p(1),
                p(2),
                p(3)
            )
            .into(),
        }
    }
}
