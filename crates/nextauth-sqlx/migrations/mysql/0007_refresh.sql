-- Refresh coordination (see migrations/postgres/0007). `key` is a reserved word in MySQL.
CREATE TABLE IF NOT EXISTS nextauth_refresh
(
  `key` VARCHAR(255) NOT NULL PRIMARY KEY,
  lease_until BIGINT NOT NULL,
  result LONGTEXT NULL,
  keep_until BIGINT NOT NULL
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
