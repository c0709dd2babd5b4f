//! `[database] layout` and `migrate` (issue 15): `nextauth` on the Prisma and Drizzle tables of
//! an existing deployment. With `migrate = false` a whole e-mail sign-in (link, session, sign
//! out) leaves the catalogue exactly as it was; `nextauth check` names a missing column and
//! exits non-zero; `nextauth migrate` creates the tables, refuses beside tables of another
//! shape, and `--print` prints the DDL; unknown values name the key and its source.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use serde_json::Value;
use sqlx::Connection;
use storage_support::*;
use testkit::SmtpSink;

mod common;

use common::nextauth_command as nextauth;

/// Every column and index of the schema `public`, as text, in a fixed order.
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

/// `sqlite_master`, in a fixed order.
async fn sqlite_dump(url: &str) -> Vec<String> {
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
}

/// An e-mail sign-in with database sessions on `database_url` in `layout`, `migrate = false`:
/// the link, the session showing the user, sign-out. Returns the signed-in address.
async fn email_sign_in(database_url: &str, layout: &str) -> String {
    let sink = SmtpSink::start();
    let database_extra = format!("layout = \"{layout}\"\nmigrate = false");
    let app = App::start(AppOptions {
        database_url,
        strategy: "database",
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        database_extra: &database_extra,
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let email = unique_email(layout);
    let callback = format!("{}/after", app.origin);
    let r = request_link(&b, &app.base, &email, &callback).await;
    assert_eq!(r.status(), 302);
    let mail = sink.wait_mail(&email).await;
    let link = mail["link"].as_str().expect("a link").to_string();
    let r = b.get(&link).send().await.unwrap();
    assert_eq!(location(&r), callback);
    let s = session(&b, &app.base).await;
    assert_eq!(s["user"]["email"], Value::String(email.clone()), "{s}");
    // Spent: the same link again is refused.
    let again = b.get(&link).send().await.unwrap();
    assert_eq!(
        location(&again),
        format!(
            "{}/error?error=Verification&reason=link_used_or_unknown",
            app.base
        )
    );
    let token = csrf(&b, &app.base).await;
    let r = b
        .post(format!("{}/signout", app.base))
        .form(&[("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(session(&b, &app.base).await, serde_json::json!({}));
    email
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_postgres_prisma_migrate_false_keeps_the_catalogue() {
    let db = postgres_database().await;
    nextauth_sqlx::migrate(&db.url, &nextauth_sqlx::Layout::PRISMA)
        .await
        .unwrap();
    let before = pg_dump(&db.url).await;
    let email = email_sign_in(&db.url, "prisma").await;
    assert_eq!(pg_dump(&db.url).await, before, "the catalogue is unchanged");
    // The user row as Prisma keeps it: a cuid id, emailVerified a TIMESTAMP(3) in UTC.
    let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
    // How far emailVerified is from now read as UTC: seconds, not the hours of a zone offset.
    let (id, skew): (String, f64) = sqlx::query_as(
        r#"SELECT id, abs(extract(epoch from (now() AT TIME ZONE 'UTC') - "emailVerified"))::float8
           FROM "User" WHERE email = $1"#,
    )
    .bind(&email)
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(id.starts_with('c') && id.len() == 25, "{id}");
    assert!(skew < 120.0, "emailVerified kept in UTC: {skew} s off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_sqlite_drizzle_migrate_false_keeps_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/app.db", dir.path().display());
    nextauth_sqlx::migrate(&url, &nextauth_sqlx::Layout::DRIZZLE)
        .await
        .unwrap();
    let before = sqlite_dump(&url).await;
    let email = email_sign_in(&url, "drizzle").await;
    assert_eq!(
        sqlite_dump(&url).await,
        before,
        "the catalogue is unchanged"
    );
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let (id, verified): (String, i64) =
        sqlx::query_as(r#"SELECT id, "emailVerified" FROM "user" WHERE email = ?"#)
            .bind(&email)
            .fetch_one(&mut c)
            .await
            .unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // timestamp_ms: milliseconds, not seconds.
    assert!(verified > 1_700_000_000_000, "{verified}");
}

/// Columns and indexes of a MySQL database, in a fixed order.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_mysql_drizzle_migrate_false_keeps_the_catalogue() {
    let db = mysql_database().await;
    nextauth_sqlx::migrate(&db.url, &nextauth_sqlx::Layout::DRIZZLE)
        .await
        .unwrap();
    let before = mysql_dump(&db.url).await;
    let email = email_sign_in(&db.url, "drizzle").await;
    assert_eq!(
        mysql_dump(&db.url).await,
        before,
        "the catalogue is unchanged"
    );
    let mut c = sqlx::MySqlConnection::connect(&db.url).await.unwrap();
    let id: String = sqlx::query_scalar("SELECT id FROM `user` WHERE email = ?")
        .bind(&email)
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

const CONFIG: &str = r#"
url = "http://localhost:3000/api/auth"
secret = "layout-test-secret-0123456789abcdefghij"
[[providers]]
id = "email"
type = "email"
"#;

#[test]
fn check_names_a_missing_column_and_migrate_creates_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/app.db", dir.path().display());
    std::fs::write(
        dir.path().join("n.toml"),
        format!("{CONFIG}\n[database]\nurl = \"{url}\"\nlayout = \"drizzle\"\nmigrate = false\n"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = nextauth(dir.path()).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };

    // --print connects to nothing.
    let (ok, ddl, err) = run(&["migrate", "--config", "n.toml", "--print"]);
    assert!(ok, "{err}");
    assert!(ddl.contains("CREATE TABLE `user`"), "{ddl}");
    assert!(
        ddl.contains("CREATE TABLE IF NOT EXISTS nextauth_outbox"),
        "{ddl}"
    );
    assert!(!dir.path().join("app.db").exists());

    // No database yet: check fails.
    let (ok, out, _) = run(&["check", "--config", "n.toml"]);
    assert!(!ok, "{out}");
    assert!(out.contains("database:      sqlite://"), "{out}");
    assert!(out.contains("layout drizzle, migrate false"), "{out}");

    let (ok, out, err) = run(&["migrate", "--config", "n.toml"]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = run(&["check", "--config", "n.toml"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("schema:        OK (layout drizzle"), "{out}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(r#"ALTER TABLE "session" DROP COLUMN "expires""#)
            .execute(&mut c)
            .await
            .unwrap();
    });
    let (ok, out, _) = run(&["check", "--config", "n.toml"]);
    assert!(!ok, "a missing column is an error: {out}");
    assert!(
        out.contains(r#"  table "session": column "expires" is missing"#),
        "{out}"
    );
    // Start-up refuses too, naming it.
    let (ok, _, err) = run(&["serve", "--config", "n.toml", "--listen", "127.0.0.1:0"]);
    assert!(!ok);
    assert!(err.contains(r#"column "expires" is missing"#), "{err}");
    // And migrate does not touch tables of another shape.
    let (ok, _, err) = run(&["migrate", "--config", "n.toml"]);
    assert!(!ok);
    assert!(err.contains("refusing"), "{err}");
    assert!(err.contains(r#"column "expires" is missing"#), "{err}");
}

#[test]
fn unknown_layout_and_migrate_values_name_the_key_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[database]\nlayout = \"typeorm\"\n",
            vec![],
            "`database.layout` from file",
        ),
        (
            "",
            vec![("NEXTAUTH_DATABASE_LAYOUT", "Prisma")],
            "`database.layout` from env NEXTAUTH_DATABASE_LAYOUT",
        ),
        (
            "",
            vec![("NEXTAUTH_DATABASE_MIGRATE", "sometimes")],
            "`database.migrate` from env NEXTAUTH_DATABASE_MIGRATE",
        ),
        ("[database]\nmigrate = \"no\"\n", vec![], "migrate"),
        (
            "[database]\nlayuot = \"prisma\"\n",
            vec![],
            "unknown field `layuot`",
        ),
    ];
    for (extra, env, expected) in cases {
        std::fs::write(dir.path().join("bad.toml"), format!("{CONFIG}\n{extra}")).unwrap();
        let mut cmd = nextauth(dir.path());
        cmd.args(["check", "--config", "bad.toml"]);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{expected}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
    // The environment sets both; check shows them.
    std::fs::write(dir.path().join("ok.toml"), CONFIG).unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "ok.toml"])
        .env("NEXTAUTH_DATABASE_LAYOUT", "prisma")
        .env("NEXTAUTH_DATABASE_MIGRATE", "true")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("layout prisma, migrate true"), "{text}");
}
