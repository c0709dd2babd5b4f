-- Back-channel logout tokens already accepted (nextauth-rs, `backchannel_logout` on a provider;
-- OpenID Connect Back-Channel Logout 1.0 §2.6: a `jti` is accepted once). A table of our own
-- beside the adapter's: `jti` is "<provider id>\n<the token's jti>", inserted with ON CONFLICT
-- DO NOTHING so that every instance on the database accepts a token once; `until` (BIGINT ms
-- since the epoch) is when the token can no longer pass the age check, after which the row is
-- deleted.
CREATE TABLE IF NOT EXISTS nextauth_logout_tokens
(
  jti TEXT NOT NULL PRIMARY KEY,
  until BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS nextauth_logout_tokens_until ON nextauth_logout_tokens (until);
