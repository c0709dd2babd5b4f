//! `[database] migrate`: with `false` nothing is ever written to the schema and every missing
//! table or column is named; `nextauth migrate` ([`nextauth_sqlx::migrate`]) creates a layout's
//! tables only where none of them exists and refuses, naming them, where some exist in another
//! shape.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nextauth_core::adapter::{AdapterSession, NewUser, VerificationToken};
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};
use nextauth_sqlx::{Layout, OpenError, Options, Problem};
use sqlx::Connection;

/// Every column and index of the schema `public` (PostgreSQL), as text, in a fixed order.
async fn pg_dump(url: &str) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' \
         || coalesce(column_default, '') FROM information_schema.columns \
         WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    out.extend(
        sqlx::query_scalar::<_, String>(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        )
        .fetch_all(&mut c)
        .await
        .unwrap(),
    );
    out
}

/// `sqlite_master` of a SQLite file, in a fixed order.
async fn sqlite_dump(url: &str) -> Vec<String> {
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
}

fn names(problems: &[Problem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

/// What a sign-in does to the adapter's tables (a user, an account, a session, a magic link
/// spent), through an adapter opened with `migrate = false`.
async fn sign_in_writes(a: &dyn nextauth_core::Adapter) {
    let user = a
        .create_user(NewUser {
            email: Some("check@example.com".into()),
            ..NewUser::default()
        })
        .await
        .unwrap();
    a.link_account(&nextauth_core::adapter::AdapterAccount {
        user_id: user.id.clone(),
        kind: "oidc".into(),
        provider: "idp".into(),
        provider_account_id: "sub-1".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    a.create_session(&AdapterSession {
        session_token: "tok".into(),
        user_id: user.id.clone(),
        expires: 2_000_000_000_000,
    })
    .await
    .unwrap();
    a.set_session_claims("tok", &serde_json::Map::new())
        .await
        .unwrap();
    a.create_verification_token(&VerificationToken {
        identifier: "check@example.com".into(),
        token: "h".into(),
        expires: 2_000_000_000_000,
    })
    .await
    .unwrap();
    assert!(
        a.use_verification_token("check@example.com", "h")
            .await
            .unwrap()
            .is_some()
    );
    assert!(a.get_session_and_user("tok").await.unwrap().is_some());
    a.delete_session("tok").await.unwrap();
}

#[tokio::test]
async fn postgres_migrate_false_writes_nothing_and_names_what_is_missing() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let empty = pg_dump(&db.url).await;
    let options = Options {
        layout: Layout::PRISMA,
        migrate: false,
    };
    let err = nextauth_sqlx::open_with(&db.url, &options)
        .await
        .err()
        .expect("no tables: start-up fails");
    let text = err.to_string();
    for table in ["User", "Account", "Session", "VerificationToken"] {
        assert!(
            text.contains(&format!("table \"{table}\" is missing")),
            "{text}"
        );
    }
    assert!(text.contains("run `nextauth migrate`"), "{text}");
    assert_eq!(pg_dump(&db.url).await, empty, "nothing was created");

    // `nextauth migrate` makes them; then migrate = false opens, and a sign-in's writes leave
    // the catalogue as it was.
    nextauth_sqlx::migrate(&db.url, &Layout::PRISMA)
        .await
        .unwrap();
    assert!(
        nextauth_sqlx::check(&db.url, &Layout::PRISMA)
            .await
            .unwrap()
            .is_empty()
    );
    let before = pg_dump(&db.url).await;
    let a = nextauth_sqlx::open_with(&db.url, &options).await.unwrap();
    sign_in_writes(a.as_ref()).await;
    assert_eq!(pg_dump(&db.url).await, before);
    drop(a);

    // A column dropped behind our back is named, by `check` and at start-up.
    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(r#"ALTER TABLE "User" DROP COLUMN "image"; ALTER TABLE "Session" ALTER COLUMN "expires" TYPE TEXT"#)
        .execute(&mut c)
        .await
        .unwrap();
    let found = names(
        &nextauth_sqlx::check(&db.url, &Layout::PRISMA)
            .await
            .unwrap(),
    );
    assert_eq!(
        found,
        [
            r#"table "User": column "image" is missing"#,
            r#"table "Session": column "expires" is text, expected a timestamp (timestamp or timestamptz)"#,
        ]
    );
    let err = nextauth_sqlx::open_with(&db.url, &options)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, OpenError::Schema(_)), "{err}");
    assert!(
        err.to_string().contains(r#"column "image" is missing"#),
        "{err}"
    );
    // migrate = true does not "fix" a shared schema either: it refuses, naming what differs.
    let err = nextauth_sqlx::migrate(&db.url, &Layout::PRISMA)
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().contains(r#"column "image" is missing"#),
        "{err}"
    );
}

#[tokio::test]
async fn postgres_migrate_refuses_tables_of_another_shape() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    // A "user" table of some other app, with integer ids.
    sqlx::raw_sql(r#"CREATE TABLE "user" (id SERIAL PRIMARY KEY, name TEXT)"#)
        .execute(&mut c)
        .await
        .unwrap();
    let before = pg_dump(&db.url).await;
    let err = nextauth_sqlx::migrate(&db.url, &Layout::DRIZZLE)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains(r#"("user" exist)"#), "{err}");
    assert!(
        err.contains(r#"table "user": column "id" is integer, expected text"#),
        "{err}"
    );
    assert!(err.contains(r#"table "account" is missing"#), "{err}");
    assert_eq!(pg_dump(&db.url).await, before, "nothing was created");
}

#[tokio::test]
async fn sqlite_check_names_a_missing_column() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/app.db", dir.path().display());
    // migrate = false on a file that does not exist: an error, and no file.
    let options = Options {
        layout: Layout::DRIZZLE,
        migrate: false,
    };
    assert!(nextauth_sqlx::open_with(&url, &options).await.is_err());
    assert!(!dir.path().join("app.db").exists());

    nextauth_sqlx::migrate(&url, &Layout::DRIZZLE)
        .await
        .unwrap();
    let before = sqlite_dump(&url).await;
    let a = nextauth_sqlx::open_with(&url, &options).await.unwrap();
    sign_in_writes(a.as_ref()).await;
    drop(a);
    assert_eq!(sqlite_dump(&url).await, before);

    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(r#"ALTER TABLE "user" DROP COLUMN "image""#)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    assert_eq!(
        names(&nextauth_sqlx::check(&url, &Layout::DRIZZLE).await.unwrap()),
        [r#"table "user": column "image" is missing"#]
    );
    let err = nextauth_sqlx::open_with(&url, &options)
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().contains(r#"column "image" is missing"#),
        "{err}"
    );
}

/// Dates another SQLite tool wrote as text (RFC 3339, SQLite's `datetime()` form) read as the
/// same instants as INTEGER milliseconds.
#[tokio::test]
async fn sqlite_reads_text_and_integer_dates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/prisma.db", dir.path().display());
    nextauth_sqlx::migrate(&url, &Layout::PRISMA).await.unwrap();
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        r#"INSERT INTO "User" (id, email, "emailVerified") VALUES
             ('ca', 'a@example.com', '2026-12-28T05:29:14.439Z'),
             ('cb', 'b@example.com', '2026-12-28 05:29:14.439'),
             ('cc', 'c@example.com', 1798435754439);
           INSERT INTO "Session" (id, "sessionToken", "userId", expires) VALUES
             ('s1', 't1', 'ca', '2026-12-28T05:29:14.439Z'),
             ('s2', 't2', 'cc', 1798435754439);"#,
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let a = nextauth_sqlx::SqliteAdapter::open_with(
        &url,
        &Options {
            layout: Layout::PRISMA,
            migrate: false,
        },
    )
    .await
    .unwrap();
    for id in ["ca", "cb", "cc"] {
        let u = nextauth_core::Adapter::get_user(&a, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.email_verified, Some(1_798_435_754_439), "{id}");
    }
    for t in ["t1", "t2"] {
        // Both read paths: the direct read connections and the pool.
        let direct = a.get_session_and_user_direct(t).unwrap().unwrap().unwrap();
        let pooled = a.get_session_and_user_pooled(t).await.unwrap().unwrap();
        assert_eq!(direct, pooled);
        assert_eq!(direct.0.expires, 1_798_435_754_439, "{t}");
    }
}

/// Columns and indexes of the test's MySQL database, in a fixed order.
async fn mysql_dump(url: &str) -> Vec<String> {
    let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(CONCAT(table_name, '.', column_name, ' ', column_type, ' ', is_nullable) AS CHAR) \
         FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    out.extend(
        sqlx::query_scalar::<_, String>(
            "SELECT CAST(CONCAT(table_name, '.', index_name, ' ', column_name, ' ', non_unique) AS CHAR) \
             FROM information_schema.statistics WHERE table_schema = DATABASE() ORDER BY 1",
        )
        .fetch_all(&mut c)
        .await
        .unwrap(),
    );
    out
}

#[tokio::test]
async fn mysql_migrate_false_writes_nothing_and_names_what_is_missing() {
    use nextauth_sqlx::testing::{MySqlTestDatabase, mysql_server_url, mysql_url_or_skip};
    let Some(base) = mysql_url_or_skip(mysql_server_url()) else {
        return;
    };
    let db = MySqlTestDatabase::create(&base).await;
    let options = Options {
        layout: Layout::DRIZZLE,
        migrate: false,
    };
    let empty = mysql_dump(&db.url).await;
    let err = nextauth_sqlx::open_with(&db.url, &options)
        .await
        .err()
        .expect("no tables: start-up fails")
        .to_string();
    assert!(
        err.contains(r#"table "verificationToken" is missing"#),
        "{err}"
    );
    assert_eq!(mysql_dump(&db.url).await, empty, "nothing was created");

    nextauth_sqlx::migrate(&db.url, &Layout::DRIZZLE)
        .await
        .unwrap();
    let before = mysql_dump(&db.url).await;
    let a = nextauth_sqlx::open_with(&db.url, &options).await.unwrap();
    sign_in_writes(a.as_ref()).await;
    drop(a);
    assert_eq!(mysql_dump(&db.url).await, before);

    let mut c = sqlx::MySqlConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql("ALTER TABLE `account` DROP COLUMN `scope`")
        .execute(&mut c)
        .await
        .unwrap();
    assert_eq!(
        names(
            &nextauth_sqlx::check(&db.url, &Layout::DRIZZLE)
                .await
                .unwrap()
        ),
        [r#"table "account": column "scope" is missing"#]
    );
}
