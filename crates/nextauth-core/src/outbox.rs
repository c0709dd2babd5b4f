//! Delivery of the event outbox ([`crate::events`]): a worker that claims due rows from the
//! adapter, POSTs each as a signed Standard Webhooks message ([`crate::webhook::post_json`]), and
//! removes it on a 2xx answer.
//!
//! At least once: a row leaves the outbox only after a 2xx. A failed attempt (no answer, a
//! non-2xx status) is retried after [`backoff`]: `retry_base × 2^(attempts − 1)`, at most
//! `max_backoff`. A row older than `give_up_after` (24 h by default) when an attempt fails is
//! given up: logged at error level and kept, marked dead, never deleted. The `webhook-id` is the
//! row's id on every attempt, so a receiver can drop a repeat.
//!
//! Several workers on one database (several `nextauth` instances on one PostgreSQL) share the
//! rows: a claim moves the row's next attempt `lease` into the future under `FOR UPDATE SKIP
//! LOCKED`, so each attempt is made by one worker; a worker that dies mid-attempt only delays
//! the row until the lease ends. The lease is longer than an attempt's timeout, so a slow
//! receiver is not sent the same event twice by two workers.
//!
//! The worker wakes when an event was written in this process ([`Wake`]) and polls every
//! `poll_interval` otherwise (events written by other instances, retries falling due).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::adapter::{Adapter, OutboxRow};
use crate::clock::Clock;
use crate::webhook::{Outgoing, WebhookSecret, post_json};

/// How the worker delivers. Durations are wall time.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The receiver (`[events] url`).
    pub url: String,
    /// Signs every delivery when set (`[callbacks] webhook_secret`).
    pub secret: Option<WebhookSecret>,
    /// The wait after the first failed attempt; doubles with each further one.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// How old (since the event) a row may get before a failed attempt gives it up.
    pub give_up_after: Duration,
    /// Time allowed for one attempt (connect, send, read the answer).
    pub timeout: Duration,
    /// How long a claim keeps other workers off a row; longer than `timeout`. A batch whose
    /// lease could end during its next attempt releases its remaining rows.
    pub lease: Duration,
    /// How often the outbox is read when nothing woke the worker.
    pub poll_interval: Duration,
    /// Rows claimed per round.
    pub batch: u32,
}

impl Delivery {
    /// The defaults for `url`: first retry after 1 s, waits up to 10 min, give up after 24 h,
    /// 10 s per attempt, 60 s lease, poll every 5 s, 50 rows a round.
    pub fn new(url: impl Into<String>) -> Delivery {
        Delivery {
            url: url.into(),
            secret: None,
            retry_base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            give_up_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(5),
            batch: 50,
        }
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` (≥ 1) failed ones:
/// `base × 2^(attempts − 1)`, at most `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(32);
    base.checked_mul(1u32 << doublings.min(31))
        .map_or(max, |d| d.min(max))
}

/// What becomes of a row after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// 2xx: remove it.
    Delivered,
    /// Try again at this time (ms since the epoch), with this many attempts made.
    Retry {
        /// Attempts made, this one included.
        attempts: u32,
        /// When the next is due, ms since the epoch.
        at_ms: i64,
    },
    /// Too old: give up (kept, marked dead).
    Dead,
}

/// The next step for `row` after an attempt at `now_ms` that succeeded (`ok`) or not.
pub fn next_step(cfg: &Delivery, row: &OutboxRow, now_ms: i64, ok: bool) -> Step {
    if ok {
        return Step::Delivered;
    }
    let attempts = row.attempts.saturating_add(1);
    let age_ms = now_ms.saturating_sub(row.event.created_at);
    if age_ms >= millis(cfg.give_up_after) {
        return Step::Dead;
    }
    let wait = backoff(attempts, cfg.retry_base, cfg.max_backoff);
    Step::Retry {
        attempts,
        at_ms: now_ms.saturating_add(millis(wait)),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Wakes the worker when this process wrote an event (held by [`crate::events::OutboxEvents`]).
#[derive(Debug, Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    /// A new, unshared wake-up.
    pub fn new() -> Wake {
        Wake::default()
    }
    /// Wakes the worker (or the next wait of it, if it is busy).
    pub fn wake(&self) {
        self.0.notify_one();
    }
    async fn wait(&self) {
        self.0.notified().await;
    }
    /// [`Wake::wait`], for tests elsewhere in the crate.
    #[cfg(test)]
    pub(crate) async fn wait_for_test(&self) {
        self.wait().await;
    }
}

/// Delivers the outbox of `adapter` until `shutdown` resolves. An attempt under way when it
/// does is finished (bounded by `cfg.timeout`), then the worker returns; rows not delivered
/// stay for the next start.
pub async fn run(
    adapter: Arc<dyn Adapter>,
    http: reqwest::Client,
    cfg: Delivery,
    clock: Arc<dyn Clock>,
    wake: Wake,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut cfg = cfg;
    if cfg.lease <= cfg.timeout {
        // A lease no attempt fits in would release every batch untried, over and over.
        cfg.lease = cfg.timeout.saturating_mul(2);
        tracing::warn!(lease = ?cfg.lease, "event delivery lease raised to twice the attempt timeout");
    }
    tokio::pin!(shutdown);
    tracing::info!(url = %cfg.url, signed = cfg.secret.is_some(), "event delivery started");
    loop {
        let (busy, stopped) = deliver(&*adapter, &http, &cfg, &*clock, shutdown.as_mut()).await;
        if stopped {
            break;
        }
        // A full batch: there may be more due now.
        if busy >= cfg.batch as usize {
            continue;
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = wake.wait() => {}
            () = tokio::time::sleep(cfg.poll_interval) => {}
        }
    }
    tracing::info!("event delivery stopped");
}

/// One round: claims due rows and makes one attempt at each. Returns how many were claimed.
pub async fn round(
    adapter: &dyn Adapter,
    http: &reqwest::Client,
    cfg: &Delivery,
    clock: &dyn Clock,
) -> usize {
    let never = std::future::pending::<()>();
    tokio::pin!(never);
    deliver(adapter, http, cfg, clock, never).await.0
}

/// Claims due rows and attempts them one by one, stopping early (the rest released: due again
/// at once, for whichever worker claims next) when `shutdown` has resolved or when the lease
/// could end during the next attempt (a slow receiver must not make the rows of a batch
/// claimable by another worker while this one still holds them). Returns how many rows were
/// claimed and whether `shutdown` stopped it.
async fn deliver<F: Future<Output = ()>>(
    adapter: &dyn Adapter,
    http: &reqwest::Client,
    cfg: &Delivery,
    clock: &dyn Clock,
    mut shutdown: std::pin::Pin<&mut F>,
) -> (usize, bool) {
    let claimed_at = clock.now_ms();
    let rows = match adapter
        .claim_events(
            claimed_at,
            claimed_at.saturating_add(millis(cfg.lease)),
            cfg.batch,
        )
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "reading the event outbox failed; retrying");
            return (0, false);
        }
    };
    let n = rows.len();
    let mut rows = rows.into_iter();
    while let Some(row) = rows.next() {
        // Between attempts, never during one: an attempt under way is finished.
        let stop = tokio::select! {
            biased;
            () = &mut shutdown => true,
            () = std::future::ready(()) => false,
        };
        let now = clock.now_ms();
        let lease_short =
            now.saturating_add(millis(cfg.timeout)) >= claimed_at.saturating_add(millis(cfg.lease));
        if stop || lease_short {
            let why = if stop {
                "released at shutdown"
            } else {
                "released: the lease would end"
            };
            for r in std::iter::once(row).chain(rows) {
                let _ = adapter.event_retry(&r.event.id, r.attempts, now, why).await;
            }
            return (n, stop);
        }
        attempt(adapter, http, cfg, clock, row).await;
    }
    (n, false)
}

async fn attempt(
    adapter: &dyn Adapter,
    http: &reqwest::Client,
    cfg: &Delivery,
    clock: &dyn Clock,
    row: OutboxRow,
) {
    let id = &row.event.id;
    let sent = post_json(
        http,
        Outgoing {
            url: &cfg.url,
            msg_id: id,
            timestamp: clock.now_ms().div_euclid(1000),
            body: row.event.body.as_bytes(),
            secret: cfg.secret.as_ref(),
            timeout: cfg.timeout,
        },
    )
    .await;
    crate::telemetry::webhook_delivery(
        "events",
        crate::telemetry::WebhookOutcome::of(sent.as_ref().ok().map(|a| a.status)),
    );
    let error = match &sent {
        Ok(a) if (200..300).contains(&a.status) => None,
        Ok(a) => Some(format!("answered {}", a.status)),
        Err(e) => Some(e.to_string()),
    };
    let now = clock.now_ms();
    let step = next_step(cfg, &row, now, error.is_none());
    let error = error.unwrap_or_default();
    let stored = match &step {
        Step::Delivered => {
            tracing::debug!(id = %id, kind = %row.event.kind, "event delivered");
            adapter.event_delivered(id).await
        }
        Step::Retry { attempts, at_ms } => {
            tracing::warn!(id = %id, kind = %row.event.kind, attempts, error = %error,
                retry_in_ms = at_ms - now, "event delivery failed; will retry");
            adapter.event_retry(id, *attempts, *at_ms, &error).await
        }
        Step::Dead => {
            tracing::error!(id = %id, kind = %row.event.kind, attempts = row.attempts + 1,
                error = %error, "event delivery given up: older than the give-up age; the row \
                stays in the outbox marked dead");
            adapter.event_dead(id, now, &error).await
        }
    };
    if let Err(e) = stored {
        // The claim's lease ends on its own: the row is tried again then (at least once).
        tracing::warn!(id = %id, error = %e, "recording the delivery attempt failed");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::adapter::OutboxEvent;

    fn row(created_at: i64, attempts: u32) -> OutboxRow {
        OutboxRow {
            event: OutboxEvent {
                id: "evt_1".into(),
                kind: "signIn".into(),
                created_at,
                body: "{}".into(),
            },
            attempts,
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let s = Duration::from_secs;
        let waits: Vec<_> = (1..=12).map(|a| backoff(a, s(1), s(600))).collect();
        assert_eq!(
            waits,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600].map(s)
        );
        assert_eq!(backoff(0, s(1), s(600)), s(1));
        assert_eq!(backoff(u32::MAX, s(1), s(600)), s(600));
        assert_eq!(
            backoff(40, Duration::from_millis(200), Duration::MAX),
            Duration::from_millis(200) * (1 << 31)
        );
    }

    #[test]
    fn a_failure_is_retried_until_the_row_is_a_day_old_then_given_up() {
        let cfg = Delivery::new("http://127.0.0.1:9/");
        let day = 24 * 3600 * 1000;
        assert_eq!(next_step(&cfg, &row(0, 3), 5, true), Step::Delivered);
        assert_eq!(
            next_step(&cfg, &row(0, 0), 1000, false),
            Step::Retry {
                attempts: 1,
                at_ms: 2000
            }
        );
        assert_eq!(
            next_step(&cfg, &row(0, 3), 10_000, false),
            Step::Retry {
                attempts: 4,
                at_ms: 18_000
            }
        );
        assert_eq!(
            next_step(&cfg, &row(0, 50), day - 1, false),
            Step::Retry {
                attempts: 51,
                at_ms: day - 1 + 600_000
            }
        );
        assert_eq!(next_step(&cfg, &row(0, 50), day, false), Step::Dead);
        // A success is a success at any age.
        assert_eq!(next_step(&cfg, &row(0, 50), 2 * day, true), Step::Delivered);
    }

    /// The worker against a receiver that is not there: a young row is retried later, one a
    /// day old is given up and kept, marked dead.
    #[tokio::test]
    async fn the_worker_retries_then_gives_up_and_keeps_the_row() {
        use crate::adapter::MemoryAdapter;
        use crate::clock::FixedClock;
        let adapter = MemoryAdapter::new();
        let mut young = row(0, 0).event;
        young.id = "evt_young".into();
        young.created_at = 86_400_000 - 1000;
        adapter
            .enqueue_events(&[row(0, 0).event, young])
            .await
            .unwrap();
        let clock = FixedClock::new(86_400_000);
        let mut cfg = Delivery::new("http://127.0.0.1:9/events");
        cfg.timeout = Duration::from_secs(2);
        let http = reqwest::Client::new();
        assert_eq!(round(&adapter, &http, &cfg, &clock).await, 2);
        let mut rows = adapter.outbox();
        rows.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        assert_eq!(
            rows.iter()
                .map(|(e, n, dead)| (e.id.as_str(), *n, *dead))
                .collect::<Vec<_>>(),
            [("evt_1", 0, true), ("evt_young", 1, false)]
        );
        // The dead row is never claimed again; the young one is, after its backoff.
        assert_eq!(round(&adapter, &http, &cfg, &clock).await, 0);
        clock.advance_ms(1000);
        assert_eq!(round(&adapter, &http, &cfg, &clock).await, 1);
        assert_eq!(adapter.outbox().len(), 2);
    }

    /// A batch stops before its lease could run out: the rows not tried are due again at once.
    #[tokio::test]
    async fn a_batch_releases_what_its_lease_cannot_cover() {
        use crate::adapter::{MemoryAdapter, OutboxEvent};
        use crate::clock::FixedClock;
        let adapter = MemoryAdapter::new();
        let ev = |id: &str| OutboxEvent {
            id: id.into(),
            kind: "signIn".into(),
            created_at: 0,
            body: "{}".into(),
        };
        adapter.enqueue_events(&[ev("a"), ev("b")]).await.unwrap();
        let clock = FixedClock::new(0);
        let mut cfg = Delivery::new("http://127.0.0.1:9/events");
        // The lease covers no attempt at all: nothing is tried, both rows are released.
        cfg.timeout = Duration::from_secs(60);
        assert_eq!(
            round(&adapter, &reqwest::Client::new(), &cfg, &clock).await,
            2
        );
        let rows = adapter.outbox();
        assert!(
            rows.iter()
                .all(|(_, attempts, dead)| *attempts == 0 && !dead),
            "{rows:?}"
        );
        // Due now, not after the lease.
        assert_eq!(adapter.claim_events(0, 1, 10).await.unwrap().len(), 2);
    }
}
