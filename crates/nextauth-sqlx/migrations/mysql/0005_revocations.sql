-- Revocations of JWT sessions (see migrations/postgres/0005).
CREATE TABLE IF NOT EXISTS nextauth_revocations
(
  kind VARCHAR(32) NOT NULL,
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  until BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  INDEX nextauth_revocations_recorded (recorded_at),
  INDEX nextauth_revocations_until (until)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
