//! `[events]`: v4's events as signed webhooks from a durable outbox, with real peers: the spawned
//! `nextauth` binary, a Node receiver that verifies every delivery with npm `standardwebhooks`
//! (`testkit/node/events_receiver.mjs`), real SQLite files and a real PostgreSQL database.
//!
//! * SQLite, database sessions: events arrive live; then the receiver goes down for 30 s, users
//!   sign in and out, `nextauth` is restarted during the outage, more sign-ins and -outs; once the
//!   receiver is back every event arrives, each id once, none lost, and the outbox is empty.
//! * PostgreSQL, two instances on one database: a backlog built while the receiver is down is
//!   delivered by both workers racing for it, each event exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::*;
use nextauth_sqlx::testing::{TestDatabase, postgres_url_or_skip};
use serde_json::Value;
use testkit::NodeProcess;

/// `whsec_` + base64 of 32 bytes.
const WEBHOOK_SECRET: &str = "whsec_ZXZlbnRzLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

/// A port for the events receiver, which must come back on the same port after an outage
/// (so it cannot simply bind port 0 each time); `nextauth` itself always binds port 0.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn receiver(port: u16) -> NodeProcess {
    NodeProcess::start(
        "events_receiver.mjs",
        &[
            ("EVENTS_PORT", &port.to_string()),
            ("EVENTS_SECRET", WEBHOOK_SECRET),
        ],
    )
}

async fn received(r: &NodeProcess) -> Vec<Value> {
    let c = reqwest::Client::new();
    let rejected: Vec<Value> = c
        .get(format!("{}/__rejected", r.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        rejected.is_empty(),
        "deliveries failed verification: {rejected:?}"
    );
    c.get(format!("{}/__received", r.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until the receiver holds at least `n` deliveries (up to `limit`), then a little more
/// so that a duplicate would show.
async fn wait_for(r: &NodeProcess, n: usize, limit: Duration) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    loop {
        let got = received(r).await;
        if got.len() >= n {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            return received(r).await;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} events arrived: {got:#?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn config(authorize_url: &str, database_url: &str, events_port: u16) -> String {
    config_with("database", authorize_url, database_url, events_port)
}

fn config_with(
    strategy: &str,
    authorize_url: &str,
    database_url: &str,
    events_port: u16,
) -> String {
    credentials_config(
        authorize_url,
        &format!(
            r#"
[session]
strategy = "{strategy}"
[database]
url = "{database_url}"
[callbacks]
webhook_secret = "{WEBHOOK_SECRET}"
[events]
url = "http://127.0.0.1:{events_port}/events"
retry_base = 0.2
max_backoff = 1.0
"#
        ),
    )
}

async fn sign_out(c: &reqwest::Client, s: &Server) {
    let token = csrf(c, s).await;
    let r = c
        .post(s.url("/signout"))
        .form(&[("csrfToken", token.as_str()), ("callbackUrl", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{}", s.logs());
}

async fn sign_in(c: &reqwest::Client, s: &Server) {
    let r = sign_in_alice(c, s, "/").await;
    assert_eq!(r.status(), 302, "{}", s.logs());
    assert!(
        set_cookies(&r).iter().any(|c| c.contains("session-token=")),
        "{}",
        s.logs()
    );
}

/// The types in arrival order, and a check of every delivery: the body's id is the
/// `webhook-id`, tokens never appear, the data has v4's arguments.
fn check(deliveries: &[Value]) -> Vec<String> {
    for d in deliveries {
        assert_eq!(d["webhookId"], d["id"], "{d}");
        let body = d["body"].as_str().unwrap();
        assert!(
            !body.contains("access_token") && !body.contains("id_token"),
            "{body}"
        );
        let data = &d["data"];
        match d["type"].as_str().unwrap() {
            "createUser" => assert_eq!(data["user"]["email"], "alice@example.com", "{d}"),
            "linkAccount" => {
                assert_eq!(data["account"]["provider"], "credentials", "{d}");
                assert_eq!(data["user"]["email"], "alice@example.com", "{d}");
            }
            "signIn" => {
                assert_eq!(data["user"]["email"], "alice@example.com", "{d}");
                assert_eq!(data["account"]["type"], "credentials", "{d}");
                assert!(data["isNewUser"].is_boolean(), "{d}");
            }
            "signOut" => {
                // Database strategy: `{session}`, the deleted row.
                assert!(data["session"]["userId"].is_string(), "{d}");
                assert!(data["session"]["expires"].is_string(), "{d}");
            }
            other => panic!("unexpected type {other}: {d}"),
        }
    }
    deliveries
        .iter()
        .map(|d| d["type"].as_str().unwrap().to_string())
        .collect()
}

/// Every id exactly once, and a repeated id (a retry) always with the same body.
fn ids_once(deliveries: &[Value]) -> BTreeSet<String> {
    let mut bodies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in deliveries {
        bodies
            .entry(d["id"].as_str().unwrap().to_string())
            .or_default()
            .push(d["body"].as_str().unwrap().to_string());
    }
    for (id, b) in &bodies {
        assert_eq!(b.len(), 1, "{id} delivered {} times", b.len());
    }
    bodies.into_keys().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_a_receiver_outage_and_a_restart_sqlite() {
    let authorize = webhook().await;
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/events.db", data.path().display());
    let port = free_port();
    let cfg = config(&authorize.url, &db, port);

    // Live: the first sign-in's three events arrive while the receiver is up.
    let r1 = receiver(port);
    let s1 = Server::spawn(&cfg);
    let browser = client();
    sign_in(&browser, &s1).await;
    let live = wait_for(&r1, 3, Duration::from_secs(10)).await;
    assert_eq!(check(&live), ["createUser", "linkAccount", "signIn"]);
    let mut all = live;

    // Outage: the receiver goes away for 30 s (the issue's figure); sign out, in, out.
    drop(r1);
    let down = Instant::now();
    sign_out(&browser, &s1).await;
    sign_in(&browser, &s1).await;
    sign_out(&browser, &s1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        s1.logs().contains("event delivery failed; will retry"),
        "{}",
        s1.logs()
    );
    // Restart during the outage: the pending rows are in the file, nowhere else.
    drop(s1);
    let s2 = Server::spawn(&cfg);
    sign_in(&browser, &s2).await;
    sign_out(&browser, &s2).await;
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(down.elapsed())).await;
    assert!(
        s2.logs().contains("event delivery failed; will retry"),
        "{}",
        s2.logs()
    );

    // Back: everything written during the outage arrives, on the same port.
    let r2 = receiver(port);
    let late = wait_for(&r2, 5, Duration::from_secs(15)).await;
    let mut late_types = check(&late);
    late_types.sort();
    assert_eq!(
        late_types,
        ["signIn", "signIn", "signOut", "signOut", "signOut"],
        "{late:#?}"
    );
    all.extend(late);
    assert_eq!(ids_once(&all).len(), 8);

    // Delivered rows leave the outbox.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nextauth_outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "{}", s2.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deliver_each_event_once() {
    let Some(base) = postgres_url_or_skip(testkit::postgres::database_url()) else {
        return;
    };
    let db = TestDatabase::create(&base).await;
    let authorize = webhook().await;
    let port = free_port();
    let cfg = config(&authorize.url, &db.url, port);
    let a = Server::spawn(&cfg);
    let b = Server::spawn(&cfg);

    // A backlog while nothing listens: both workers keep failing on it.
    let browser = client();
    let rounds = 5;
    for _ in 0..rounds {
        for s in [&a, &b] {
            sign_in(&browser, s).await;
            sign_out(&browser, s).await;
        }
    }
    let expected = 2 + 4 * rounds; // createUser, linkAccount, then signIn + signOut per sign-in
    tokio::time::sleep(Duration::from_millis(1000)).await;

    // The receiver comes up; both instances race for the same rows.
    let r = receiver(port);
    let got = wait_for(&r, expected, Duration::from_secs(20)).await;
    check(&got);
    assert_eq!(got.len(), expected, "{got:#?}");
    assert_eq!(ids_once(&got).len(), expected);
    for s in [&a, &b] {
        assert!(
            s.logs().contains("event delivery failed; will retry"),
            "{}",
            s.logs()
        );
    }

    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM nextauth_outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    pool.close().await;
}

/// JWT sessions: `signIn` and `signOut` change no row, so each is an outbox row alone;
/// `signOut` carries the decoded token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_sign_in_and_out_are_delivered_with_the_token() {
    let authorize = webhook().await;
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/events.db", data.path().display());
    let port = free_port();
    let r = receiver(port);
    let s = Server::spawn(&config_with("jwt", &authorize.url, &db, port));
    let browser = client();
    sign_in(&browser, &s).await;
    sign_out(&browser, &s).await;
    let got = wait_for(&r, 2, Duration::from_secs(10)).await;
    let types: Vec<&str> = got.iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["signIn", "signOut"], "{got:#?}");
    assert_eq!(got[0]["data"]["user"]["email"], "alice@example.com");
    assert_eq!(got[0]["data"]["account"]["provider"], "credentials");
    let token = &got[1]["data"]["token"];
    assert_eq!(token["email"], "alice@example.com", "{token}");
    assert_eq!(token["sub"], "credentials-alice", "{token}");
    assert!(got[1]["data"].get("session").is_none());
    ids_once(&got);
}

/// The e-mail provider (real SMTP sink): a new address is `createUser` then `signIn`
/// (`isNewUser: true`); a known one is `updateUser` (v4: `emailVerified` set again) then `signIn`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_sign_ins_create_then_update_the_user() {
    let sink = testkit::SmtpSink::start();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let r = receiver(port);
    let cfg = format!(
        r#"
secret = "{SECRET}"
[session]
strategy = "database"
[database]
url = "sqlite://{}/events.db"
[callbacks]
webhook_secret = "{WEBHOOK_SECRET}"
[events]
url = "http://127.0.0.1:{port}/events"
[[providers]]
id = "email"
type = "email"
server = "smtp://127.0.0.1:{}"
from = "Test <no-reply@example.com>"
"#,
        data.path().display(),
        sink.smtp_port()
    );
    let s = Server::spawn(&cfg);
    let email = "carol@example.com";
    let b = client();
    for round in 0..2 {
        let token = csrf(&b, &s).await;
        let ask = b
            .post(s.url("/signin/email"))
            .form(&[
                ("email", email),
                ("csrfToken", token.as_str()),
                ("callbackUrl", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(ask.status(), 302, "{}", s.logs());
        let mail = sink.wait_mail(email).await;
        let link = mail["link"].as_str().unwrap().to_string();
        sink.clear().await;
        let open = b.get(&link).send().await.unwrap();
        assert_eq!(open.status(), 302, "{}", s.logs());
        if round == 0 {
            sign_out(&b, &s).await;
        }
    }
    let got = wait_for(&r, 5, Duration::from_secs(10)).await;
    let types: Vec<&str> = got.iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["createUser", "signIn", "signOut", "updateUser", "signIn"],
        "{got:#?}"
    );
    assert_eq!(got[0]["data"]["user"]["email"], email);
    assert!(got[0]["data"]["user"]["emailVerified"].is_string());
    assert_eq!(got[1]["data"]["isNewUser"], true);
    assert_eq!(got[1]["data"]["account"]["type"], "email");
    assert_eq!(got[3]["data"]["user"]["id"], got[0]["data"]["user"]["id"]);
    assert_eq!(got[4]["data"]["isNewUser"], false);
    ids_once(&got);
}

/// `nextauth check` prints the events target and whether it is signed; a bad value names its
/// key and the file.
#[test]
fn check_shows_the_events_target_and_names_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let base = format!("url = \"http://127.0.0.1:3000/api/auth\"\nsecret = \"{SECRET}\"\n");
    let run = |file: &str| {
        std::fs::write(dir.path().join("n.toml"), file).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_nextauth"))
            .current_dir(dir.path())
            .env_remove("NEXTAUTH_URL")
            .env_remove("NEXTAUTH_SECRET")
            .env_remove("NEXTAUTH_CONFIG")
            .env_remove("DATABASE_URL")
            .args(["check", "--config", "n.toml"])
            .output()
            .unwrap()
    };
    let out = run(&format!(
        "{base}[events]\nurl = \"http://127.0.0.1:4400/events\"\n[callbacks]\nwebhook_secret = \"{WEBHOOK_SECRET}\"\n"
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("events:        POST http://127.0.0.1:4400/events (signed"),
        "{stdout}"
    );
    assert!(!stdout.contains(WEBHOOK_SECRET), "{stdout}");
    let out = run(&base);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("events:        none"),
        "{out:?}"
    );
    for (file, expected) in [
        (
            format!("{base}[events]\nurl = \"ftp://x/events\"\n"),
            "`events.url` from file n.toml: \"ftp://x/events\" is not an http(s) URL",
        ),
        (
            format!("{base}[events]\nurl = \"not a url\"\n"),
            "`events.url` from file n.toml",
        ),
        (
            format!("{base}[events]\nurl = \"http://u:pw@h/e\"\n"),
            "`events.url` from file n.toml: must not hold a password",
        ),
        (
            format!("{base}[events]\nurl = \"http://h/e\"\nretry_base = 0\n"),
            "`events.retry_base` from file n.toml",
        ),
        (
            format!("{base}[events]\nretry_base = 1\n"),
            "`events.retry_base` from file n.toml: is set without `events.url`",
        ),
        (
            format!(
                "{base}[events]\nurl = \"http://h/e\"\n[callbacks]\nwebhook_secret = \"nope\"\n"
            ),
            "`callbacks.webhook_secret` from file n.toml: must start with `whsec_`",
        ),
        (
            format!("{base}[events]\nurl = \"http://h/e\"\nurls = 1\n"),
            "unknown field `urls`",
        ),
    ] {
        let out = run(&file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {err}");
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
}

/// SIGTERM with events configured and a backlog failing: the server drains, the worker stops
/// (an attempt under way finished, the rest released), the process exits 0 promptly, and the
/// rows are still there for the next start.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_worker_cleanly_and_keeps_the_backlog() {
    use std::io::{BufRead, BufReader};
    let authorize = webhook().await;
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/events.db", data.path().display());
    let port = free_port(); // nothing listens: every attempt fails
    let cfg = config(&authorize.url, &db, port);
    std::fs::write(data.path().join("n.toml"), cfg).unwrap();
    let stderr = data.path().join("stderr.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nextauth"))
        .current_dir(data.path())
        .env_remove("NEXTAUTH_URL")
        .env_remove("NEXTAUTH_SECRET")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = testkit::http::Listening::parse(&line)
        .unwrap_or_else(|| panic!("no listening line: {line:?}"))
        .origin;
    // A sign-in's three events, failing in the background.
    let c = client();
    let token: Value = c
        .get(format!("{origin}/api/auth/csrf"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = c
        .post(format!("{origin}/api/auth/callback/credentials"))
        .form(&[
            ("username", "alice"),
            ("password", "password"),
            ("csrfToken", token["csrfToken"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    tokio::time::sleep(Duration::from_millis(600)).await;

    let started = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let logs = std::fs::read_to_string(&stderr).unwrap();
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(started.elapsed() < Duration::from_secs(5), "{logs}");
    assert!(logs.contains("event delivery stopped"), "{logs}");

    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let (left, dead): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(dead_at) FROM nextauth_outbox")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((left, dead), (3, 0), "{logs}");
}
