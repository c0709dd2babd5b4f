//! What the adapter writes, read back raw (not through the adapter): every column of every
//! table after one fixed sequence of adapter calls, as the database itself prints it.
//!
//! What it proves: the stored data is the schema's and stays byte-for-byte the same across
//! refactors of the adapter — SQLite keeps timestamps as INTEGER milliseconds and ids as rowid
//! integers, PostgreSQL keeps TIMESTAMPTZ exact to the millisecond and SERIAL ids, text is stored
//! as given, NULLs stay NULL, and a spent token or deleted session leaves no row. A Next.js app on
//! `@auth/pg-adapter` reading the same database sees exactly these rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nextauth_core::adapter::{
    Adapter, AdapterAccount, AdapterSession, AdapterUser, NewUser, VerificationToken,
};
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};
use sqlx::Row;

/// 2026-12-28T05:29:14.439Z: a timestamp with milliseconds, so truncation would show.
const T0: i64 = 1_798_435_754_439;
const DAY: i64 = 86_400_000;

/// The same calls on every backend, into an empty database.
async fn write_everything(a: &dyn Adapter) {
    let first = a
        .create_user(NewUser {
            name: Some("Zoë \"Z\" O'Neil".into()),
            email: Some("a@example.com".into()),
            email_verified: Some(T0),
            image: None,
        })
        .await
        .unwrap();
    let second = a.create_user(NewUser::default()).await.unwrap();
    assert_eq!((first.id.as_str(), second.id.as_str()), ("1", "2"));
    a.update_user(&AdapterUser {
        id: second.id.clone(),
        name: Some("B, (b)".into()),
        email: Some("b@example.com".into()),
        email_verified: Some(T0 + 1),
        image: Some("https://example.com/b.png".into()),
        extra: Default::default(),
    })
    .await
    .unwrap();
    a.link_account(&AdapterAccount {
        user_id: first.id.clone(),
        kind: "oauth".into(),
        provider: "mock-idp".into(),
        provider_account_id: "sub-1".into(),
        refresh_token: Some("rt".into()),
        access_token: Some("at".into()),
        expires_at: Some(1_900_000_000),
        token_type: Some("bearer".into()),
        scope: Some("openid email".into()),
        id_token: Some("eyJ.x.y".into()),
        session_state: None,
        extra: Default::default(),
    })
    .await
    .unwrap();
    for (token, user, expires) in [
        ("tok-1", &first, T0 + 30 * DAY),
        ("tok-2", &second, T0),
        ("tok-3", &first, T0),
    ] {
        a.create_session(&AdapterSession {
            session_token: token.into(),
            user_id: user.id.clone(),
            expires,
        })
        .await
        .unwrap();
    }
    a.update_session_expiry("tok-2", T0 + 7).await.unwrap();
    a.delete_session("tok-3").await.unwrap();
    for token in ["hash-1", "hash-2"] {
        a.create_verification_token(&VerificationToken {
            identifier: "a@example.com".into(),
            token: token.into(),
            expires: T0 + DAY,
        })
        .await
        .unwrap();
    }
    assert!(
        a.use_verification_token("a@example.com", "hash-2")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn sqlite_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/stored.db", dir.path().display());
    let a = nextauth_sqlx::SqliteAdapter::open(&url).await.unwrap();
    write_everything(&a).await;
    // quote() prints a value with its storage class: 5 is an INTEGER, '5' TEXT, NULL NULL.
    let dump = |table: &str, columns: &str| {
        let cols: Vec<String> = columns
            .split(", ")
            .map(|c| format!(r#"quote("{c}")"#))
            .collect();
        format!(
            "SELECT {} AS r FROM {table} ORDER BY rowid",
            cols.join(" || ',' || ")
        )
    };
    let mut got = Vec::new();
    for (table, columns) in [
        ("users", "id, name, email, emailVerified, image"),
        (
            "accounts",
            "id, userId, type, provider, providerAccountId, refresh_token, access_token, \
             expires_at, id_token, scope, session_state, token_type",
        ),
        ("sessions", "id, userId, expires, sessionToken"),
        ("verification_token", "identifier, expires, token"),
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(dump(table, columns)))
            .fetch_all(a.pool())
            .await
            .unwrap();
        for r in rows {
            got.push(format!("{table}: {}", r.get::<String, _>("r")));
        }
    }
    assert_eq!(
        got,
        [
            "users: 1,'Zoë \"Z\" O''Neil','a@example.com',1798435754439,NULL",
            "users: 2,'B, (b)','b@example.com',1798435754440,'https://example.com/b.png'",
            "accounts: 1,1,'oauth','mock-idp','sub-1','rt','at',1900000000,'eyJ.x.y','openid email',NULL,'bearer'",
            "sessions: 1,1,1801027754439,'tok-1'",
            "sessions: 2,2,1798435754446,'tok-2'",
            "verification_token: 'a@example.com',1798522154439,'hash-1'",
        ]
    );
}

#[tokio::test]
async fn postgres_rows() {
    use sqlx::Connection;
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let a = nextauth_sqlx::PostgresAdapter::open(&db.url).await.unwrap();
    write_everything(&a).await;
    // The row's own text form (PostgreSQL's record output), TIMESTAMPTZ printed in UTC with
    // all its digits.
    let mut c = sqlx::postgres::PgConnection::connect(&db.url)
        .await
        .unwrap();
    sqlx::raw_sql("SET TIME ZONE 'UTC'")
        .execute(&mut c)
        .await
        .unwrap();
    let mut got = Vec::new();
    for (table, order) in [
        ("users", "id"),
        ("accounts", "id"),
        ("sessions", "id"),
        ("verification_token", "token"),
    ] {
        let sql = format!("SELECT t::text AS r FROM {table} t ORDER BY {order}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in rows {
            got.push(format!("{table}: {}", r.get::<String, _>("r")));
        }
    }
    assert_eq!(
        got,
        [
            "users: (1,\"Zoë \"\"Z\"\" O'Neil\",a@example.com,\"2026-12-28 05:29:14.439+00\",)",
            "users: (2,\"B, (b)\",b@example.com,\"2026-12-28 05:29:14.44+00\",https://example.com/b.png)",
            "accounts: (1,1,oauth,mock-idp,sub-1,rt,at,1900000000,eyJ.x.y,\"openid email\",,bearer)",
            "sessions: (1,1,\"2027-01-27 05:29:14.439+00\",tok-1)",
            "sessions: (2,2,\"2026-12-28 05:29:14.446+00\",tok-2)",
            "verification_token: (a@example.com,\"2026-12-29 05:29:14.439+00\",hash-1)",
        ]
    );
}
