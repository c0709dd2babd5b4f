-- Rate-limit counters (see migrations/postgres/0008); a hit is `INSERT … ON DUPLICATE KEY
-- UPDATE hits = hits + 1`, then the count read in the same transaction.
CREATE TABLE IF NOT EXISTS nextauth_rate_limits
(
  `key` VARCHAR(512) NOT NULL,
  window_start BIGINT NOT NULL,
  hits BIGINT NOT NULL,
  until BIGINT NOT NULL,
  PRIMARY KEY (`key`, window_start),
  INDEX nextauth_rate_limits_until (until)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
