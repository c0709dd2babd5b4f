-- The event outbox of nextauth-rs (`[events]`): a table of our own beside the adapter's, which
-- keeps the official tables' shape. One row per event, written in the transaction of the change
-- that caused it; removed once a receiver answered 2xx; kept with dead_at set when given up.
-- Times are BIGINT milliseconds since the Unix epoch. `body` is the exact JSON every attempt
-- sends (the signature covers it). A claim moves next_attempt_at forward by a lease.
-- (Numbered 0003: 0002 is left to the [callbacks] branch's table.)
CREATE TABLE IF NOT EXISTS nextauth_outbox
(
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  dead_at BIGINT,
  last_error TEXT
);

CREATE INDEX IF NOT EXISTS nextauth_outbox_due ON nextauth_outbox (next_attempt_at)
  WHERE dead_at IS NULL;
