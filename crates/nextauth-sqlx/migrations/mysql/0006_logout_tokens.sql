-- Back-channel logout tokens already accepted (see migrations/postgres/0006); a spend is
-- `INSERT IGNORE` (one row affected: new).
CREATE TABLE IF NOT EXISTS nextauth_logout_tokens
(
  jti VARCHAR(700) NOT NULL PRIMARY KEY,
  until BIGINT NOT NULL,
  INDEX nextauth_logout_tokens_until (until)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
