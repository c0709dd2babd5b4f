-- The schema of @auth/pg-adapter (packages/adapter-pg/schema.sql), so that a Next.js app using
-- that adapter and nextauth-rs can share one database. Column names are camelCase in double
-- quotes, ids are SERIAL; do not "fix" them.
--
-- IF NOT EXISTS: a database already created from schema.sql by the Next.js side is adopted as is.
CREATE TABLE IF NOT EXISTS users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255) UNIQUE,
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id),
  UNIQUE (provider, "providerAccountId")
);

CREATE TABLE IF NOT EXISTS sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) UNIQUE NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

-- Our addition: useVerificationToken looks a link up by its hashed token alone (the identifier
-- in the link is checked afterwards), and the primary key's leading column is identifier.
CREATE INDEX IF NOT EXISTS verification_token_token_idx ON verification_token (token);
