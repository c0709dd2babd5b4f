-- The event outbox of nextauth-rs (see migrations/postgres/0003): our own table, in MySQL's
-- types (VARCHAR keys: MySQL indexes no TEXT without a prefix; no partial index).
CREATE TABLE IF NOT EXISTS nextauth_outbox
(
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  type VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  body LONGTEXT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  dead_at BIGINT NULL,
  last_error TEXT NULL,
  INDEX nextauth_outbox_due (dead_at, next_attempt_at)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
