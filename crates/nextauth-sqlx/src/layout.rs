//! Where the adapter's data lives ([`Layout`]: table and column names) and the statements built
//! from it once, when an adapter is made ([`Statements`]).
//!
//! The SQL text is written here and nowhere else; a [`Dialect`] only decides the pieces that
//! differ between databases (placeholders, identifier quoting). Every `SELECT` lists its columns
//! in a fixed order and the adapter decodes rows by position, so a layout with other column
//! names needs no other code.
//!
//! Other layouts slot in as another `Layout` constant: Prisma's schema (`"User"`, `"Account"`,
//! `"Session"`, `"VerificationToken"`, camelCase columns such as `"userId"`) or Drizzle's
//! (`user`, `account`, `session`, `verificationToken`). Where such a layout's column types
//! differ as well (text ids made by the application, timestamps without time zone), the
//! dialect carries them: see "Other table layouts" in [`Dialect`]'s module.

use std::sync::Arc;

use crate::dialect::Dialect;

/// The names of the four tables of v4's adapter model and of their columns, unquoted (the
/// dialect quotes them). The column order of each table here is the order of the statements'
/// column lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The users table.
    pub users: UserColumns,
    /// The accounts table (OAuth/OIDC links).
    pub accounts: AccountColumns,
    /// The database sessions table.
    pub sessions: SessionColumns,
    /// The magic-link tokens table.
    pub verification_tokens: VerificationTokenColumns,
}

/// The users table: `AdapterUser`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserColumns {
    /// The table.
    pub table: &'static str,
    /// `id`: the key, a string to the core.
    pub id: &'static str,
    /// `name`
    pub name: &'static str,
    /// `email` (unique)
    pub email: &'static str,
    /// `emailVerified`: a timestamp.
    pub email_verified: &'static str,
    /// `image`
    pub image: &'static str,
}

/// The accounts table: `AdapterAccount`'s fields (`kind` is v4's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountColumns {
    /// The table.
    pub table: &'static str,
    /// `userId`: the user it signs in.
    pub user_id: &'static str,
    /// `type` (`oauth`, `oidc`, `email`, `credentials`).
    pub kind: &'static str,
    /// `provider`: the provider id.
    pub provider: &'static str,
    /// `providerAccountId`: the user id at the provider.
    pub provider_account_id: &'static str,
    /// `refresh_token`
    pub refresh_token: &'static str,
    /// `access_token`
    pub access_token: &'static str,
    /// `expires_at`: seconds since the epoch.
    pub expires_at: &'static str,
    /// `token_type`
    pub token_type: &'static str,
    /// `scope`
    pub scope: &'static str,
    /// `id_token`
    pub id_token: &'static str,
    /// `session_state`
    pub session_state: &'static str,
}

/// The sessions table: `AdapterSession`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionColumns {
    /// The table.
    pub table: &'static str,
    /// `sessionToken` (unique): the cookie value.
    pub session_token: &'static str,
    /// `userId`
    pub user_id: &'static str,
    /// `expires`: a timestamp.
    pub expires: &'static str,
}

/// The verification tokens table: `VerificationToken`'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationTokenColumns {
    /// The table.
    pub table: &'static str,
    /// `identifier`: the e-mail address.
    pub identifier: &'static str,
    /// `token`: the hashed token.
    pub token: &'static str,
    /// `expires`: a timestamp.
    pub expires: &'static str,
}

impl Layout {
    /// The schema of `@auth/pg-adapter` (`packages/adapter-pg/schema.sql`; spec §16.2): the one
    /// both migrations create, on SQLite in SQLite's types.
    pub const PG_ADAPTER: Layout = Layout {
        users: UserColumns {
            table: "users",
            id: "id",
            name: "name",
            email: "email",
            email_verified: "emailVerified",
            image: "image",
        },
        accounts: AccountColumns {
            table: "accounts",
            user_id: "userId",
            kind: "type",
            provider: "provider",
            provider_account_id: "providerAccountId",
            refresh_token: "refresh_token",
            access_token: "access_token",
            expires_at: "expires_at",
            token_type: "token_type",
            scope: "scope",
            id_token: "id_token",
            session_state: "session_state",
        },
        sessions: SessionColumns {
            table: "sessions",
            session_token: "sessionToken",
            user_id: "userId",
            expires: "expires",
        },
        verification_tokens: VerificationTokenColumns {
            table: "verification_token",
            identifier: "identifier",
            token: "token",
            expires: "expires",
        },
    };
}

/// Every statement of the adapter, built once per adapter from a [`Layout`] in a [`Dialect`]'s
/// syntax. Parameters are numbered in the order the adapter binds them.
///
/// Rows come back in a fixed column order, which the adapter decodes by position:
/// a user is `id, name, email, emailVerified, image`; [`Statements::session_and_user`] is
/// `sessionToken, expires` followed by a user; a verification token is
/// `identifier, token, expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statements {
    /// `createUser`: binds name, email, emailVerified, image; returns a user.
    pub create_user: Arc<str>,
    /// `getUser`: binds the id; a user.
    pub get_user: Arc<str>,
    /// `getUserByEmail`: binds the e-mail; a user.
    pub get_user_by_email: Arc<str>,
    /// `getUserByAccount`: binds provider, providerAccountId; a user.
    pub get_user_by_account: Arc<str>,
    /// The account of a user at a provider: binds userId, provider; returns `type`, `provider`,
    /// `providerAccountId`, `refresh_token`, `access_token`, `expires_at`, `token_type`,
    /// `scope`, `id_token`, `session_state` (the first row, should there be several).
    pub get_account: Arc<str>,
    /// The tokens of an account after a refresh: binds access_token, refresh_token, expires_at,
    /// token_type, scope, id_token, provider, providerAccountId.
    pub update_account_tokens: Arc<str>,
    /// `updateUser`: binds name, email, emailVerified, image, id; returns a user.
    pub update_user: Arc<str>,
    /// `linkAccount`: binds the eleven account columns in [`AccountColumns`] order.
    pub link_account: Arc<str>,
    /// `createSession`: binds sessionToken, userId, expires.
    pub create_session: Arc<str>,
    /// `getSessionAndUser`, the hot path of database sessions: binds sessionToken; one join.
    pub session_and_user: Arc<str>,
    /// `updateSession`: binds expires, sessionToken.
    pub update_session_expiry: Arc<str>,
    /// `deleteSession`: binds sessionToken.
    pub delete_session: Arc<str>,
    /// Every session of a user (`nextauth sessions revoke`): binds userId.
    pub delete_user_sessions: Arc<str>,
    /// The claims kept with a user's sessions (`nextauth_session_claims`, ours): binds userId.
    pub delete_user_session_claims: Arc<str>,
    /// `createVerificationToken`: binds identifier, token, expires.
    pub create_verification_token: Arc<str>,
    /// `useVerificationToken`: binds identifier, token; deletes and returns the row in one
    /// statement, so that of concurrent uses exactly one gets it.
    pub use_verification_token: Arc<str>,
}

impl Statements {
    /// The statements for `layout` in `D`'s syntax.
    pub fn new<D: Dialect>(layout: &Layout) -> Statements {
        let q = |name: &str| D::quote(name);
        let p = |n: usize| D::placeholder(n);
        // "$1, $2, …" or "?, ?, …".
        let params = |n: usize| (1..=n).map(p).collect::<Vec<_>>().join(", ");
        let list = |cols: &[&str]| cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
        let qualified = |alias: &str, cols: &[&str]| {
            cols.iter()
                .map(|c| format!("{alias}.{}", q(c)))
                .collect::<Vec<_>>()
                .join(", ")
        };

        let u = &layout.users;
        let a = &layout.accounts;
        let s = &layout.sessions;
        let v = &layout.verification_tokens;
        let user_cols = [u.id, u.name, u.email, u.email_verified, u.image];
        let user_fields = [u.name, u.email, u.email_verified, u.image];
        let users = q(u.table);
        let user_list = list(&user_cols);
        let account_cols = [
            a.user_id,
            a.kind,
            a.provider,
            a.provider_account_id,
            a.refresh_token,
            a.access_token,
            a.expires_at,
            a.token_type,
            a.scope,
            a.id_token,
            a.session_state,
        ];
        let token_cols = [v.identifier, v.token, v.expires];
        let tokens = q(v.table);

        Statements {
            create_user: Arc::from(format!(
                "INSERT INTO {users} ({}) VALUES ({}) RETURNING {user_list}",
                list(&user_fields),
                params(user_fields.len()),
            )),
            get_user: Arc::from(format!(
                "SELECT {user_list} FROM {users} WHERE {} = {}",
                q(u.id),
                p(1)
            )),
            get_user_by_email: Arc::from(format!(
                "SELECT {user_list} FROM {users} WHERE {} = {}",
                q(u.email),
                p(1)
            )),
            get_user_by_account: Arc::from(format!(
                "SELECT {} FROM {} a JOIN {users} u ON u.{} = a.{} WHERE a.{} = {} AND a.{} = {}",
                qualified("u", &user_cols),
                q(a.table),
                q(u.id),
                q(a.user_id),
                q(a.provider),
                p(1),
                q(a.provider_account_id),
                p(2),
            )),
            get_account: Arc::from(format!(
                "SELECT {} FROM {} WHERE {} = {} AND {} = {} LIMIT 1",
                list(&account_cols[1..]),
                q(a.table),
                q(a.user_id),
                p(1),
                q(a.provider),
                p(2),
            )),
            update_account_tokens: Arc::from(format!(
                "UPDATE {} SET {} = {}, {} = {}, {} = {}, {} = {}, {} = {}, {} = {} WHERE {} = {} AND {} = {}",
                q(a.table),
                q(a.access_token),
                p(1),
                q(a.refresh_token),
                p(2),
                q(a.expires_at),
                p(3),
                q(a.token_type),
                p(4),
                q(a.scope),
                p(5),
                q(a.id_token),
                p(6),
                q(a.provider),
                p(7),
                q(a.provider_account_id),
                p(8),
            )),
            update_user: Arc::from(format!(
                "UPDATE {users} SET {} WHERE {} = {} RETURNING {user_list}",
                user_fields
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{} = {}", q(c), p(i + 1)))
                    .collect::<Vec<_>>()
                    .join(", "),
                q(u.id),
                p(user_fields.len() + 1),
            )),
            link_account: Arc::from(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                q(a.table),
                list(&account_cols),
                params(account_cols.len()),
            )),
            create_session: Arc::from(format!(
                "INSERT INTO {} ({}) VALUES ({})",
                q(s.table),
                list(&[s.session_token, s.user_id, s.expires]),
                params(3),
            )),
            session_and_user: Arc::from(format!(
                "SELECT {}, {} FROM {} s JOIN {users} u ON u.{} = s.{} WHERE s.{} = {}",
                qualified("s", &[s.session_token, s.expires]),
                qualified("u", &user_cols),
                q(s.table),
                q(u.id),
                q(s.user_id),
                q(s.session_token),
                p(1),
            )),
            update_session_expiry: Arc::from(format!(
                "UPDATE {} SET {} = {} WHERE {} = {}",
                q(s.table),
                q(s.expires),
                p(1),
                q(s.session_token),
                p(2),
            )),
            delete_session: Arc::from(format!(
                "DELETE FROM {} WHERE {} = {}",
                q(s.table),
                q(s.session_token),
                p(1)
            )),
            delete_user_sessions: Arc::from(format!(
                "DELETE FROM {} WHERE {} = {}",
                q(s.table),
                q(s.user_id),
                p(1)
            )),
            delete_user_session_claims: Arc::from(format!(
                "DELETE FROM nextauth_session_claims WHERE session_token IN \
                 (SELECT {} FROM {} WHERE {} = {})",
                q(s.session_token),
                q(s.table),
                q(s.user_id),
                p(1)
            )),
            create_verification_token: Arc::from(format!(
                "INSERT INTO {tokens} ({}) VALUES ({})",
                list(&token_cols),
                params(token_cols.len()),
            )),
            use_verification_token: Arc::from(format!(
                "DELETE FROM {tokens} WHERE {} = {} AND {} = {} RETURNING {}",
                q(v.identifier),
                p(1),
                q(v.token),
                p(2),
                list(&token_cols),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PostgresDialect, SqliteDialect};

    /// Every statement's text for the pg-adapter layout on PostgreSQL, as the database gets it.
    #[test]
    fn postgres_statements() {
        let s = Statements::new::<PostgresDialect>(&Layout::PG_ADAPTER);
        let user = r#""id", "name", "email", "emailVerified", "image""#;
        let want = [
            format!(
                r#"INSERT INTO "users" ("name", "email", "emailVerified", "image") VALUES ($1, $2, $3, $4) RETURNING {user}"#
            ),
            format!(r#"SELECT {user} FROM "users" WHERE "id" = $1"#),
            format!(r#"SELECT {user} FROM "users" WHERE "email" = $1"#),
            r#"SELECT u."id", u."name", u."email", u."emailVerified", u."image" FROM "accounts" a JOIN "users" u ON u."id" = a."userId" WHERE a."provider" = $1 AND a."providerAccountId" = $2"#.to_string(),
            r#"SELECT "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state" FROM "accounts" WHERE "userId" = $1 AND "provider" = $2 LIMIT 1"#.to_string(),
            r#"UPDATE "accounts" SET "access_token" = $1, "refresh_token" = $2, "expires_at" = $3, "token_type" = $4, "scope" = $5, "id_token" = $6 WHERE "provider" = $7 AND "providerAccountId" = $8"#.to_string(),
            format!(
                r#"UPDATE "users" SET "name" = $1, "email" = $2, "emailVerified" = $3, "image" = $4 WHERE "id" = $5 RETURNING {user}"#
            ),
            r#"INSERT INTO "accounts" ("userId", "type", "provider", "providerAccountId", "refresh_token", "access_token", "expires_at", "token_type", "scope", "id_token", "session_state") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#.to_string(),
            r#"INSERT INTO "sessions" ("sessionToken", "userId", "expires") VALUES ($1, $2, $3)"#.to_string(),
            r#"SELECT s."sessionToken", s."expires", u."id", u."name", u."email", u."emailVerified", u."image" FROM "sessions" s JOIN "users" u ON u."id" = s."userId" WHERE s."sessionToken" = $1"#.to_string(),
            r#"UPDATE "sessions" SET "expires" = $1 WHERE "sessionToken" = $2"#.to_string(),
            r#"DELETE FROM "sessions" WHERE "sessionToken" = $1"#.to_string(),
            r#"DELETE FROM "sessions" WHERE "userId" = $1"#.to_string(),
            r#"DELETE FROM nextauth_session_claims WHERE session_token IN (SELECT "sessionToken" FROM "sessions" WHERE "userId" = $1)"#.to_string(),
            r#"INSERT INTO "verification_token" ("identifier", "token", "expires") VALUES ($1, $2, $3)"#.to_string(),
            r#"DELETE FROM "verification_token" WHERE "identifier" = $1 AND "token" = $2 RETURNING "identifier", "token", "expires""#.to_string(),
        ];
        assert_eq!(all(&s), want);
    }

    /// SQLite's statements are PostgreSQL's with `?` for every `$n` (which SQLite binds in
    /// order of appearance: each statement numbers its parameters in that order).
    #[test]
    fn sqlite_statements_differ_only_in_placeholders() {
        let pg = all(&Statements::new::<PostgresDialect>(&Layout::PG_ADAPTER));
        let sqlite = all(&Statements::new::<SqliteDialect>(&Layout::PG_ADAPTER));
        assert_eq!(pg.len(), sqlite.len());
        for (pg, sqlite) in pg.iter().zip(&sqlite) {
            // The PostgreSQL form numbers its parameters 1, 2, 3, … in order of appearance.
            let numbers: Vec<usize> = pg
                .split('$')
                .skip(1)
                .map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap_or(0)
                })
                .collect();
            assert_eq!(numbers, (1..=numbers.len()).collect::<Vec<_>>(), "{pg}");
            let mut expected = pg.clone();
            // Highest first, so that replacing $1 does not eat the start of $10.
            for n in (1..=numbers.len()).rev() {
                expected = expected.replace(&format!("${n}"), "?");
            }
            assert_eq!(sqlite, &expected);
        }
    }

    #[test]
    fn identifiers_are_quoted_and_escaped() {
        assert_eq!(SqliteDialect::quote("emailVerified"), r#""emailVerified""#);
        assert_eq!(PostgresDialect::quote(r#"a"b"#), r#""a""b""#);
    }

    fn all(s: &Statements) -> Vec<String> {
        [
            &s.create_user,
            &s.get_user,
            &s.get_user_by_email,
            &s.get_user_by_account,
            &s.get_account,
            &s.update_account_tokens,
            &s.update_user,
            &s.link_account,
            &s.create_session,
            &s.session_and_user,
            &s.update_session_expiry,
            &s.delete_session,
            &s.delete_user_sessions,
            &s.delete_user_session_claims,
            &s.create_verification_token,
            &s.use_verification_token,
        ]
        .iter()
        .map(|sql| sql.to_string())
        .collect()
    }
}
