//! `nextauth` side by side with the real NextAuth adapters from npm, on the same database
//! (issue 15): a team switching a live app points `nextauth` at the tables its Prisma or Drizzle
//! adapter already has, and runs old and new together during the move.
//!
//! Per layout × database pair:
//! 1. the tables are made by the real tool where the layout has one (Prisma's CLI, drizzle-kit:
//!    `testkit/adapters/peer.mjs create-tables`), then `nextauth migrate` adds only `nextauth`'s
//!    own tables; for `pg-adapter` `nextauth` creates its tables itself, as it always did;
//! 2. a user, account and session written by the real adapter are read by `nextauth`
//!    (`GET session` with that session token shows the user);
//! 3. an OAuth sign-in through the real OpenID provider and an e-mail sign-in through the real
//!    SMTP sink, both served by `nextauth`, are read back by the real adapter
//!    (`getSessionAndUser`, `getUserByAccount`), and a sign-out by `nextauth` is seen by it;
//! 4. with `migrate = false`, the catalogue (columns, indexes, constraints) after all of that is
//!    the one before it.
//!
//! The adapters and their drivers are `testkit/adapters` (`npm ci` there; `bash scripts/test.sh`
//! does it). Test names carry `postgres` / `mysql` for the skip profiles of
//! `.config/nextest.toml`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Server, client, csrf, location, nextauth_command, post_form};
use serde_json::Value;

fn adapters_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testkit/adapters")
}

/// `node testkit/adapters/peer.mjs <layout> <url> <args…>` → its JSON line. Panics with the
/// peer's stderr when it fails.
fn peer(layout: &str, url: &str, args: &[&str]) -> Value {
    let dir = adapters_dir();
    assert!(
        dir.join("node_modules").is_dir(),
        "testkit/adapters has no node_modules: run `npm ci` there (bash scripts/test.sh does)"
    );
    let out = Command::new("node")
        .arg(dir.join("peer.mjs"))
        .arg(layout)
        .arg(url)
        .args(args)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "peer.mjs {layout} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "peer.mjs {layout} {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A database of the test's own, dropped at the end.
enum Database {
    Postgres(nextauth_sqlx::testing::TestDatabase),
    Mysql {
        url: String,
        server: String,
        name: String,
    },
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
}

impl Database {
    async fn postgres() -> Database {
        let base = nextauth_sqlx::testing::postgres_url_or_skip(testkit::postgres::database_url())
            .expect("PostgreSQL");
        Database::Postgres(nextauth_sqlx::testing::TestDatabase::create(&base).await)
    }

    /// `MYSQL_URL` (any database on the server), else MariaDB/MySQL at 127.0.0.1:3306 as root.
    fn mysql() -> Database {
        let server = std::env::var("MYSQL_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/test".to_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("nextauth_interop_{}_{nanos:x}", std::process::id());
        peer("-", &server, &["create-database", &name]);
        let mut url = reqwest::Url::parse(&server).expect("MySQL URL");
        url.set_path(&format!("/{name}"));
        Database::Mysql {
            url: url.to_string(),
            server,
            name,
        }
    }

    fn sqlite() -> Database {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("app.db").display());
        Database::Sqlite { url, _dir: dir }
    }

    fn url(&self) -> &str {
        match self {
            Database::Postgres(db) => &db.url,
            Database::Mysql { url, .. } | Database::Sqlite { url, .. } => url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Database::Mysql { server, name, .. } = self {
            let _ = Command::new("node")
                .arg(adapters_dir().join("peer.mjs"))
                .args(["-", server.as_str(), "drop-database", name.as_str()])
                .output();
        }
    }
}

/// The server's configuration: database sessions on `url` in `layout`, an e-mail provider on
/// the SMTP sink and the OpenID provider `mock-idp`.
fn config(url: &str, layout: &str, migrate: bool, smtp_port: u16, issuer: &str) -> String {
    format!(
        r#"
secret = "{secret}"

[database]
url = "{url}"
layout = "{layout}"
migrate = {migrate}

[session]
strategy = "database"

[[providers]]
id = "email"
type = "email"
server = "smtp://127.0.0.1:{smtp_port}"
from = "NextAuth Test <no-reply@example.com>"

[[providers]]
id = "mock-idp"
type = "oidc"
name = "Mock IdP"
issuer = "{issuer}"
client_id = "{client_id}"
client_secret = "{client_secret}"
checks = ["pkce", "state", "nonce"]
"#,
        secret = common::SECRET,
        client_id = testkit::Idp::DEFAULT_CLIENT_ID,
        client_secret = testkit::Idp::DEFAULT_CLIENT_SECRET,
    )
}

/// `nextauth migrate --config <file>`: must succeed.
fn nextauth_migrate(config: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nextauth.toml");
    std::fs::write(&path, config).unwrap();
    let out = nextauth_command(dir.path())
        .arg("migrate")
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nextauth migrate failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The session token the browser holds for `s` (its jar has the cookie).
async fn session_token_of(r: &reqwest::Response) -> String {
    common::cookie_value(r, "next-auth.session-token")
        .unwrap_or_else(|| panic!("no session cookie on {} {}", r.status(), r.url()))
}

/// Signs in through `mock-idp` (login_hint `hint`): answers the session token.
async fn oauth_sign_in(s: &Server, hint: &str) -> String {
    let b = client();
    let token = csrf(&b, s).await;
    let r = post_form(
        &b,
        &s.url(&format!("/signin/mock-idp?login_hint={hint}")),
        &[
            ("csrfToken", token.as_str()),
            ("callbackUrl", &format!("{}/after", s.origin)),
        ],
    )
    .await;
    assert_eq!(r.status(), 302, "POST signin/mock-idp: {}", s.logs());
    let callback = s.url("/callback/mock-idp");
    let mut url = location(&r);
    for _ in 0..15 {
        if url.starts_with(&callback) {
            let r = b.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 302, "callback: {}", s.logs());
            assert_eq!(location(&r), format!("{}/after", s.origin), "{}", s.logs());
            return session_token_of(&r).await;
        }
        let r = b.get(&url).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "IdP hop {url} -> {}",
            r.status()
        );
        url = reqwest::Url::parse(&url)
            .unwrap()
            .join(&location(&r))
            .unwrap()
            .to_string();
    }
    panic!("the IdP never returned to {callback}");
}

/// Signs in `email` with a magic link read from the sink: answers the session token.
async fn email_sign_in(s: &Server, sink: &testkit::SmtpSink, email: &str) -> String {
    let b = client();
    let token = csrf(&b, s).await;
    let r = post_form(
        &b,
        &s.url("/signin/email"),
        &[("csrfToken", token.as_str()), ("email", email)],
    )
    .await;
    assert_eq!(r.status(), 302, "POST signin/email: {}", s.logs());
    let link = sink.wait_mail(email).await["link"]
        .as_str()
        .expect("link")
        .to_string();
    let r = b.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 302, "magic link: {}", s.logs());
    session_token_of(&r).await
}

/// `GET session` with only `next-auth.session-token=<token>`.
async fn session_json(s: &Server, token: &str) -> Value {
    let r = common::get_session_with_token(&client(), s, token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The whole side-by-side check of `layout` on `db` (see the module's doc).
async fn side_by_side(layout: &str, db: Database) {
    let url = db.url().to_owned();
    let sink = testkit::SmtpSink::start();
    let idp = testkit::Idp::start(testkit::IdpOptions::default());
    // pg-adapter: `nextauth` creates (and keeps) its tables, as it did before layouts existed.
    let own_tables = layout == "pg-adapter";
    let cfg = config(&url, layout, own_tables, sink.smtp_port(), &idp.issuer);
    if !own_tables {
        peer(layout, &url, &["create-tables"]);
        nextauth_migrate(&cfg);
    }
    let s = Server::spawn(&cfg);
    let before = peer(layout, &url, &["catalogue"]);

    // 1. Written by the real adapter, read by nextauth.
    let seeded = "seeded@example.com";
    let seeded_token = format!("seeded-token-{}", std::process::id());
    let seed = peer(layout, &url, &["seed", seeded, &seeded_token, "seed-sub"]);
    let got = session_json(&s, &seeded_token).await;
    assert_eq!(got["user"]["email"], seeded, "{got}\n{}", s.logs());
    assert_eq!(got["user"]["name"], "Seeded By The Real Adapter", "{got}");
    assert_eq!(got["user"]["image"], "https://example.com/seeded.png");
    assert!(got["expires"].is_string(), "{got}");

    // 2. Written by nextauth, read by the real adapter: an OAuth sign-in...
    let oauth_token = oauth_sign_in(&s, "alice").await;
    assert_eq!(
        session_json(&s, &oauth_token).await["user"]["email"],
        "alice@example.com"
    );
    let pair = peer(layout, &url, &["session", &oauth_token]);
    assert_eq!(pair["user"]["email"], "alice@example.com", "{pair}");
    assert_eq!(pair["user"]["name"], "Alice Example", "{pair}");
    assert_eq!(pair["session"]["sessionToken"], oauth_token.as_str());
    let expires = pair["session"]["expires"].as_str().expect("expires");
    assert!(expires > "2026-", "a real date, not the epoch: {expires}");
    let by_account = peer(layout, &url, &["user-by-account", "mock-idp", "alice"]);
    assert_eq!(by_account["id"], pair["user"]["id"], "{by_account}");
    // ... the seeded account is the real adapter's own, and stays readable.
    let seeded_user = peer(layout, &url, &["user-by-account", "seed-idp", "seed-sub"]);
    assert_eq!(seeded_user["id"], seed["userId"]);

    // ... and an e-mail sign-in (a new user, emailVerified set by the link).
    let erin = "erin@example.com";
    let email_token = email_sign_in(&s, &sink, erin).await;
    let pair = peer(layout, &url, &["session", &email_token]);
    assert_eq!(pair["user"]["email"], erin, "{pair}");
    assert!(pair["user"]["emailVerified"].is_string(), "{pair}");
    let by_email = peer(layout, &url, &["user-by-email", erin]);
    assert_eq!(by_email["id"], pair["user"]["id"]);

    // 3. A sign-out by nextauth ends the session for the real adapter too.
    let b = client();
    let r = b
        .get(s.url("/csrf"))
        .header("cookie", format!("next-auth.session-token={email_token}"))
        .send()
        .await
        .unwrap();
    let csrf_cookie = common::cookie_pair(&r, "next-auth.csrf-token").expect("csrf cookie");
    let csrf_token: Value = r.json().await.unwrap();
    let r = b
        .post(s.url("/signout"))
        .header(
            "cookie",
            format!("next-auth.session-token={email_token}; {csrf_cookie}"),
        )
        .form(&[("csrfToken", csrf_token["csrfToken"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{}", s.logs());
    assert_eq!(peer(layout, &url, &["session", &email_token]), Value::Null);
    assert_eq!(session_json(&s, &email_token).await, serde_json::json!({}));

    // 4. The schema is the one before: nextauth read and wrote rows, never the catalogue.
    let after = peer(layout, &url, &["catalogue"]);
    assert_eq!(before, after, "the catalogue changed");
    drop(s);
    drop(db);
}

mod interop {
    use super::*;

    #[tokio::test]
    async fn prisma_postgres() {
        side_by_side("prisma", Database::postgres().await).await;
    }

    #[tokio::test]
    async fn prisma_mysql() {
        side_by_side("prisma", Database::mysql()).await;
    }

    #[tokio::test]
    async fn drizzle_postgres() {
        side_by_side("drizzle", Database::postgres().await).await;
    }

    #[tokio::test]
    async fn drizzle_mysql() {
        side_by_side("drizzle", Database::mysql()).await;
    }

    #[tokio::test]
    async fn drizzle_sqlite() {
        side_by_side("drizzle", Database::sqlite()).await;
    }

    #[tokio::test]
    async fn pg_adapter_postgres() {
        side_by_side("pg-adapter", Database::postgres().await).await;
    }
}
