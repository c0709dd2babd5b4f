-- Rate-limit counters (nextauth-rs, `[rate_limit] store = "database"`): one row per key and
-- fixed window, shared by every instance on the database. `key` is "<kind>:<scope>:<value>"
-- (the value is a client address or a keyed digest, never an e-mail address or a user name);
-- `window_start` and `until` (BIGINT ms since the epoch) bound the window; a hit is one
-- `INSERT … ON CONFLICT (key, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits`.
-- Rows whose window ended are deleted (at most once a minute per instance).
CREATE TABLE IF NOT EXISTS nextauth_rate_limits
(
  key TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  hits BIGINT NOT NULL,
  until BIGINT NOT NULL,
  PRIMARY KEY (key, window_start)
);

CREATE INDEX IF NOT EXISTS nextauth_rate_limits_until ON nextauth_rate_limits (until);
