-- Indexes on the user of an account and of a session (nextauth-rs; @auth/pg-adapter's schema has
-- neither, SQLite's has both). Without them `getAccount` (federated logout: the account of a user
-- at a provider) and deleting a user's sessions (`nextauth sessions revoke`, back-channel logout)
-- read the whole table: a sequential scan of 1M rows in bench/scale.sh. Extra indexes change no
-- column, so a Next.js app on @auth/pg-adapter still shares the tables.
CREATE INDEX IF NOT EXISTS accounts_user_idx ON accounts ("userId");
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions ("userId");
