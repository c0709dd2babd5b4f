-- The logical schema of @auth/pg-adapter (same tables and column names), in SQLite's types.
--
-- Timestamps ("emailVerified", expires) are INTEGER milliseconds since the Unix epoch (UTC),
-- JavaScript's Date.now(): exact, compact, and compared as numbers. Ids are INTEGER PRIMARY KEY
-- (the rowid), so they are numbers like the SERIAL ids of Postgres.
CREATE TABLE IF NOT EXISTS users
(
  id INTEGER PRIMARY KEY,
  name TEXT,
  email TEXT UNIQUE,
  "emailVerified" INTEGER,
  image TEXT
);

CREATE TABLE IF NOT EXISTS accounts
(
  id INTEGER PRIMARY KEY,
  "userId" INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  provider TEXT NOT NULL,
  "providerAccountId" TEXT NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at INTEGER,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  UNIQUE (provider, "providerAccountId")
);
CREATE INDEX IF NOT EXISTS accounts_user_idx ON accounts ("userId");

CREATE TABLE IF NOT EXISTS sessions
(
  id INTEGER PRIMARY KEY,
  "userId" INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires INTEGER NOT NULL,
  "sessionToken" TEXT UNIQUE NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions ("userId");

CREATE TABLE IF NOT EXISTS verification_token
(
  identifier TEXT NOT NULL,
  expires INTEGER NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);
CREATE INDEX IF NOT EXISTS verification_token_token_idx ON verification_token (token);
