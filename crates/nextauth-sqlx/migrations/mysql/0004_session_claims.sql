-- Claims kept beside a database session (see migrations/postgres/0004).
CREATE TABLE IF NOT EXISTS nextauth_session_claims
(
  session_token VARCHAR(255) NOT NULL PRIMARY KEY,
  claims LONGTEXT NOT NULL
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
