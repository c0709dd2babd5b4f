-- Claims kept beside a database session (`[callbacks] claims_url`, `profile_claims`): what the
-- jwt callback adds to the default token at sign-in and on update(), read into the session
-- callback's `token` on every session read. A table of our own beside the adapter's, which keeps
-- the official tables' shape; keyed by the session token, removed with the session.
-- `claims` is a JSON object as text.
CREATE TABLE IF NOT EXISTS nextauth_session_claims
(
  session_token TEXT PRIMARY KEY,
  claims TEXT NOT NULL
);
