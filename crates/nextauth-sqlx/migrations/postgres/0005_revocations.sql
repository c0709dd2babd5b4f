-- Revocations of JWT sessions (nextauth-rs, `[session] revoke_on_signout` and
-- `nextauth sessions revoke --user`): a table of our own beside the adapter's. kind 'session':
-- subject is a session's `sid` claim; kind 'user': subject is the user id (the JWT's `sub`) and
-- `at` the not-before time. Times are BIGINT ms since the epoch; `recorded_at` is the database's
-- own clock, which every instance polls by; a row is kept until `until`.
CREATE TABLE IF NOT EXISTS nextauth_revocations
(
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  until BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS nextauth_revocations_recorded ON nextauth_revocations (recorded_at);
CREATE INDEX IF NOT EXISTS nextauth_revocations_until ON nextauth_revocations (until);
