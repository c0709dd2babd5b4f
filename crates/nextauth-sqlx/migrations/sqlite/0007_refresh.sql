-- Refresh coordination (nextauth-rs, `GET {base}/token` of a provider with `refresh = true`): at
-- most one refresh per refresh token across every instance on this database. `key` is a hash of
-- the provider id and the refresh token (never the token); a caller holds the lease until
-- `lease_until`; `result` is the refresh's outcome, sealed with the session key (a JWE), kept
-- until `keep_until` so a request still carrying the old refresh token gets the successor.
-- A table of our own beside the adapter's. Times are BIGINT ms since the epoch.
CREATE TABLE IF NOT EXISTS nextauth_refresh
(
  key TEXT PRIMARY KEY,
  lease_until BIGINT NOT NULL,
  result TEXT,
  keep_until BIGINT NOT NULL
);
