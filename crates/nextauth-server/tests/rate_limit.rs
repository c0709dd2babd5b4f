//! `[rate_limit]` against the real `nextauth` binary: credentials sign-in per identifier and per
//! client address (a spoofed `X-Forwarded-For` from an untrusted peer changes nothing; from a
//! trusted proxy the forwarded address counts), the e-mail limits (a mail bomb sends no fourth
//! mail), OAuth callbacks, JSON and form modes, `Retry-After`, the error page, the `database`
//! store on SQLite and on PostgreSQL shared by two processes, the Redis store shared by two
//! processes, a store that is down (fail open), the settings' errors and `nextauth check`.
//!
//! Windows are fixed and aligned to the epoch; a test that counts to a limit first waits when
//! the current window is about to end ([`fresh_window`]), so its hits never straddle two.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::Value;

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Waits until at least `margin` seconds are left in the current window of `window` seconds.
async fn fresh_window(window: u64, margin: u64) {
    let len = i64::try_from(window * 1000).unwrap();
    let left = len - now_ms().rem_euclid(len);
    if left < i64::try_from(margin * 1000).unwrap() {
        tokio::time::sleep(Duration::from_millis(u64::try_from(left).unwrap() + 50)).await;
    }
}

/// The `Retry-After` expected now for a window of `window` seconds.
fn expected_retry_after(window: u64) -> i64 {
    let len = i64::try_from(window * 1000).unwrap();
    let left = len - now_ms().rem_euclid(len);
    (left + 999) / 1000
}

/// `POST callback/credentials` as the next-auth/react client sends it (`json=true`) or as the
/// built-in form does, optionally with an `X-Forwarded-For`.
async fn attempt(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    user: &str,
    pass: &str,
    json: bool,
    xff: Option<&str>,
) -> reqwest::Response {
    let mut fields = vec![
        ("username", user),
        ("password", pass),
        ("csrfToken", token),
        ("callbackUrl", "http://localhost/after"),
    ];
    if json {
        fields.push(("json", "true"));
    }
    let mut r = c.post(format!("{base}/callback/credentials")).form(&fields);
    if let Some(x) = xff {
        r = r.header("x-forwarded-for", x);
    }
    r.send().await.unwrap()
}

/// Asserts the JSON-mode refusal: 429, `{url: BASE/error?error=RateLimited}`, `Retry-After`
/// within a second of the window's end. Answers the `Retry-After`.
async fn assert_json_429(r: reqwest::Response, base: &str, window: u64) -> i64 {
    assert_eq!(r.status(), 429);
    let ra: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = expected_retry_after(window);
    assert!(
        (ra - expected).abs() <= 1 && ra >= 1 && ra <= i64::try_from(window).unwrap(),
        "Retry-After {ra}, expected about {expected}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "url": format!("{base}/error?error=RateLimited&reason=rate_limited") })
    );
    ra
}

#[tokio::test]
async fn credentials_20_wrong_passwords_lock_that_identifier_only() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\ncredentials = { per_ip = \"100/1m\", per_identifier = \"5/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(300, 30).await;
    let mut refused = 0;
    for i in 0..20 {
        let r = attempt(&c, &s.base, &token, "alice", "wrong", true, None).await;
        if i < 5 {
            assert_eq!(r.status(), 401, "attempt {i}");
        } else {
            assert_json_429(r, &s.base, 300).await;
            refused += 1;
        }
    }
    assert_eq!(refused, 15);
    // The webhook saw the 5 attempts below the limit, and none above it.
    assert_eq!(hook.calls.load(std::sync::atomic::Ordering::SeqCst), 5);
    // Case and spaces do not make another identifier.
    let r = attempt(&c, &s.base, &token, " ALICE ", "password", true, None).await;
    assert_eq!(r.status(), 429);
    // Other users are not affected, from the same address.
    let r = attempt(&c, &s.base, &token, "bob", "wrong", true, None).await;
    assert_eq!(r.status(), 401);
    let r = attempt(&c, &s.base, &token, "numeric", "x", true, None).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    assert!(s.logs().contains("rate limit reached"), "{}", s.logs());
}

#[tokio::test]
async fn credentials_successes_do_not_count_against_the_identifier() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\ncredentials = { per_ip = \"100/1m\", per_identifier = \"2/5m\" }",
    ));
    fresh_window(300, 30).await;
    for i in 0..6 {
        let c = client();
        let token = csrf(&c, &s).await;
        let r = attempt(&c, &s.base, &token, "alice", "password", true, None).await;
        assert_eq!(r.status(), 200, "sign-in {i}");
    }
    // Failures do count: two are admitted, the third is refused.
    let c = client();
    let token = csrf(&c, &s).await;
    for _ in 0..2 {
        let r = attempt(&c, &s.base, &token, "alice", "wrong", true, None).await;
        assert_eq!(r.status(), 401);
    }
    let r = attempt(&c, &s.base, &token, "alice", "wrong", true, None).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn credentials_per_ip_ignores_a_spoofed_forwarded_for_from_an_untrusted_peer() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\ncredentials = { per_ip = \"3/1m\", per_identifier = \"100/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(60, 15).await;
    for i in 0..3 {
        let spoof = format!("198.51.100.{i}");
        let r = attempt(
            &c,
            &s.base,
            &token,
            &format!("u{i}"),
            "x",
            true,
            Some(&spoof),
        )
        .await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = attempt(&c, &s.base, &token, "u9", "x", true, Some("198.51.100.77")).await;
    assert_json_429(r, &s.base, 60).await;
    // Even a correct password from this address waits.
    let r = attempt(&c, &s.base, &token, "alice", "password", true, None).await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn credentials_per_ip_counts_the_forwarded_address_from_a_trusted_proxy() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "trusted_proxies = [\"127.0.0.1\"]\n\
         [rate_limit]\ncredentials = { per_ip = \"3/1m\", per_identifier = \"100/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(60, 15).await;
    for i in 0..3 {
        let r = attempt(&c, &s.base, &token, "x", "x", true, Some("203.0.113.1")).await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = attempt(&c, &s.base, &token, "x", "x", true, Some("203.0.113.1")).await;
    assert_eq!(r.status(), 429);
    // Another client behind the same proxy has a counter of its own.
    let r = attempt(&c, &s.base, &token, "x", "x", true, Some("203.0.113.2")).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn form_mode_redirects_to_the_error_page_which_says_when() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\ncredentials = { per_ip = \"100/1m\", per_identifier = \"1/15m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(900, 30).await;
    let r = attempt(&c, &s.base, &token, "carol", "x", false, None).await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).contains("error=CredentialsSignin"));
    let r = attempt(&c, &s.base, &token, "carol", "x", false, None).await;
    assert_eq!(r.status(), 302);
    let to = location(&r);
    let prefix = format!(
        "{}/error?error=RateLimited&reason=rate_limited&retry_after=",
        s.base
    );
    assert!(to.starts_with(&prefix), "{to}");
    let secs: i64 = to[prefix.len()..].parse().unwrap();
    assert!((secs - expected_retry_after(900)).abs() <= 1, "{secs}");
    // The error page: 429, Retry-After, and when to try again.
    let page = c.get(&to).send().await.unwrap();
    assert_eq!(page.status(), 429);
    assert_eq!(page.headers()["retry-after"], secs.to_string().as_str());
    let html = page.text().await.unwrap();
    assert!(html.contains("Too many attempts"), "{html}");
    assert!(
        html.contains("There were too many sign-in attempts."),
        "{html}"
    );
    let minutes = (secs + 59) / 60;
    let when = if minutes == 1 {
        "Try again in 1 minute.".to_string()
    } else {
        format!("Try again in {minutes} minutes.")
    };
    assert!(secs < 60 || html.contains(&when), "{when} not in {html}");
    // A forged retry_after is not echoed.
    let page = c
        .get(format!(
            "{}/error?error=RateLimited&retry_after=<script>",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().get("retry-after").is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("Try again later.") && !html.contains("<script>"));
}

#[tokio::test]
async fn email_a_mail_bomb_gets_429_and_no_fourth_mail() {
    let sink = testkit::SmtpSink::start();
    let s = Server::spawn(&format!(
        r#"
secret = "{SECRET}"
[database]
url = "sqlite::memory:"
[rate_limit]
email = {{ per_ip = "100/1m", per_address = "3/15m" }}
[[providers]]
id = "email"
type = "email"
server = "smtp://127.0.0.1:{}"
from = "NextAuth Test <no-reply@example.com>"
"#,
        sink.smtp_port()
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(900, 30).await;
    let victim = "victim@example.com";
    for i in 0..4 {
        let r = c
            .post(s.url("/signin/email"))
            .form(&[
                (
                    "email",
                    if i == 2 {
                        " Victim@Example.com"
                    } else {
                        victim
                    },
                ),
                ("csrfToken", token.as_str()),
                ("json", "true"),
            ])
            .send()
            .await
            .unwrap();
        if i < 3 {
            assert_eq!(r.status(), 200, "request {i}");
            let body: Value = r.json().await.unwrap();
            assert!(
                body["url"].as_str().unwrap().contains("verify-request"),
                "{body}"
            );
        } else {
            assert_json_429(r, &s.base, 900).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails = sink.mails().await;
    let to_victim = mails
        .iter()
        .filter(|m| m.to_string().to_lowercase().contains(victim))
        .count();
    assert_eq!(to_victim, 3, "{mails:?}");
    // Another address is not affected.
    let r = c
        .post(s.url("/signin/email"))
        .form(&[
            ("email", "other@example.com"),
            ("csrfToken", token.as_str()),
            ("json", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn email_per_ip_counts_every_request() {
    let sink = testkit::SmtpSink::start();
    let s = Server::spawn(&format!(
        r#"
secret = "{SECRET}"
[database]
url = "sqlite::memory:"
[rate_limit]
email = {{ per_ip = "2/1m", per_address = "100/15m" }}
[[providers]]
id = "email"
type = "email"
server = "smtp://127.0.0.1:{}"
from = "NextAuth Test <no-reply@example.com>"
"#,
        sink.smtp_port()
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(60, 15).await;
    for (i, addr) in ["a@example.com", "not an address", "c@example.com"]
        .iter()
        .enumerate()
    {
        let r = c
            .post(s.url("/signin/email"))
            .form(&[("email", *addr), ("csrfToken", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        let to = location(&r);
        assert_eq!(
            to.contains("error=RateLimited"),
            i == 2,
            "request {i}: {to}"
        );
    }
}

#[tokio::test]
async fn oauth_callbacks_are_limited_per_ip() {
    let s = Server::spawn(&format!(
        r#"
secret = "{SECRET}"
[rate_limit]
oauth = {{ per_ip = "2/1m" }}
[[providers]]
id = "idp"
type = "oauth"
client_id = "c"
client_secret = "s"
authorization_url = "http://127.0.0.1:9/authorize"
token_url = "http://127.0.0.1:9/token"
userinfo_url = "http://127.0.0.1:9/userinfo"
"#
    ));
    let c = client();
    fresh_window(60, 15).await;
    for i in 0..3 {
        let r = c
            .get(s.url("/callback/idp?code=x&state=y"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        let to = location(&r);
        if i < 2 {
            assert!(!to.contains("RateLimited"), "callback {i}: {to}");
        } else {
            assert!(
                to.starts_with(&format!(
                    "{}/error?error=RateLimited&reason=rate_limited&retry_after=",
                    s.base
                )),
                "{to}"
            );
        }
    }
}

#[tokio::test]
async fn disabled_limits_admit_everything() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\nenabled = false\ncredentials = { per_ip = \"1/1m\", per_identifier = \"1/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    for _ in 0..20 {
        let r = attempt(&c, &s.base, &token, "alice", "wrong", true, None).await;
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn the_default_limits_are_on() {
    let hook = webhook().await;
    // No `[rate_limit]` and the variable set to what an operator's default is: on.
    let s = Server::spawn_with(
        &credentials_config(&hook.url, ""),
        &[("NEXTAUTH_RATE_LIMIT_ENABLED", "true")],
    );
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(300, 30).await;
    // per_identifier 5/5m (and per_ip 10/1m): the sixth failure for one identifier is refused.
    for i in 0..5 {
        let r = attempt(&c, &s.base, &token, "dave", "wrong", true, None).await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = attempt(&c, &s.base, &token, "dave", "wrong", true, None).await;
    assert_json_429(r, &s.base, 300).await;
}

#[tokio::test]
async fn the_database_store_on_sqlite_counts() {
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[database]\nurl = \"sqlite://rl.db\"\n\
         [rate_limit]\nstore = \"database\"\n\
         credentials = { per_ip = \"100/1m\", per_identifier = \"2/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    fresh_window(300, 30).await;
    for _ in 0..2 {
        let r = attempt(&c, &s.base, &token, "erin", "x", true, None).await;
        assert_eq!(r.status(), 401);
    }
    let r = attempt(&c, &s.base, &token, "erin", "x", true, None).await;
    assert_json_429(r, &s.base, 300).await;
    // A success takes its hit back in the table too.
    for _ in 0..4 {
        let r = attempt(&c, &s.base, &token, "alice", "password", true, None).await;
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn a_store_that_is_down_fails_open_and_says_so() {
    let hook = webhook().await;
    // Nothing listens on port 1.
    let s = Server::spawn(&credentials_config(
        &hook.url,
        "[rate_limit]\nstore = \"redis://127.0.0.1:1/\"\n\
         credentials = { per_ip = \"1/1m\", per_identifier = \"1/5m\" }",
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    for _ in 0..4 {
        let r = attempt(&c, &s.base, &token, "frank", "x", true, None).await;
        assert_eq!(r.status(), 401);
    }
    let r = attempt(&c, &s.base, &token, "alice", "password", true, None).await;
    assert_eq!(r.status(), 200);
    let logs = s.logs();
    assert!(logs.contains("fail open"), "{logs}");
}

/// Two real `nextauth` processes on `config`: hits alternate between them and count together.
async fn two_instances_share(config: &str, user: &str) {
    let hook = webhook().await;
    let config = credentials_config(&hook.url, config);
    let a = Server::spawn(&config);
    let b = Server::spawn(&config);
    fresh_window(300, 30).await;
    let (ca, cb) = (client(), client());
    let (ta, tb) = (csrf(&ca, &a).await, csrf(&cb, &b).await);
    for i in 0..4 {
        let r = if i % 2 == 0 {
            attempt(&ca, &a.base, &ta, user, "x", true, None).await
        } else {
            attempt(&cb, &b.base, &tb, user, "x", true, None).await
        };
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    // The fifth, on either instance, is over 4/5m.
    let r = attempt(&ca, &a.base, &ta, user, "x", true, None).await;
    assert_json_429(r, &a.base, 300).await;
    let r = attempt(&cb, &b.base, &tb, user, "x", true, None).await;
    assert_json_429(r, &b.base, 300).await;
    assert_eq!(hook.calls.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_postgres_two_instances_share_counters() {
    let base = nextauth_sqlx::testing::postgres_url_or_skip(testkit::postgres::database_url())
        .expect("postgres_url_or_skip never returns None");
    let db = nextauth_sqlx::testing::TestDatabase::create(&base).await;
    two_instances_share(
        &format!(
            "[database]\nurl = \"{}\"\n[rate_limit]\nstore = \"database\"\n\
             credentials = {{ per_ip = \"1000/1m\", per_identifier = \"4/5m\" }}",
            db.url
        ),
        "grace",
    )
    .await;
}

/// Redis at 127.0.0.1:6379 (scripts/test.sh starts one), as PostgreSQL is handled
/// (docs/testing.md, "Skips are skipped, not passed"): a test that returned early would count as
/// passed, so an unreachable Redis is a failure that says how to skip; `NEXTAUTH_SKIP_REDIS=1`
/// selects the nextest profiles that leave out every test named `redis` (reported as skipped,
/// and refused under `CI=true`), and a Redis test selected anyway panics.
fn redis_url() -> String {
    if std::env::var("NEXTAUTH_SKIP_REDIS").is_ok_and(|v| v == "1" || v == "true") {
        panic!(
            "NEXTAUTH_SKIP_REDIS is set but this Redis test was selected: skip with a filter so \
             the run reports it as skipped (`NEXTAUTH_SKIP_REDIS=1 bash scripts/test.sh`, \
             `cargo nextest run --profile skip-redis`, or `-E 'not test(/redis/)'`); a test that \
             needs Redis must have `redis` in its name"
        );
    }
    let up = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:6379".parse().unwrap(),
        Duration::from_secs(1),
    )
    .is_ok();
    assert!(
        up,
        "Redis is not reachable at 127.0.0.1:6379: `bash scripts/test.sh` installs and starts it \
         (Debian redis-server); `NEXTAUTH_SKIP_REDIS=1 bash scripts/test.sh` skips the Redis tests \
         instead"
    );
    "redis://127.0.0.1:6379/".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_redis_two_instances_share_counters() {
    let url = redis_url();
    // A user of its own per run: Redis keeps counters between runs until their window ends.
    let user = format!("redis-{}", now_ms());
    two_instances_share(
        &format!(
            "[rate_limit]\nstore = \"{url}\"\n\
             credentials = {{ per_ip = \"100000/1m\", per_identifier = \"4/5m\" }}"
        ),
        &user,
    )
    .await;
}

/// A Redis that is down at start fails open; once it is up the limits hold, with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_redis_down_then_up_recovers() {
    redis_url(); // the Redis tests' precondition (redis-server installed by scripts/test.sh)
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = webhook().await;
    let s = Server::spawn(&credentials_config(
        &hook.url,
        &format!(
            "[rate_limit]\nstore = \"redis://127.0.0.1:{port}/\"\n\
             credentials = {{ per_ip = \"100000/1m\", per_identifier = \"1/5m\" }}"
        ),
    ));
    let c = client();
    let token = csrf(&c, &s).await;
    for _ in 0..3 {
        let r = attempt(&c, &s.base, &token, "henry", "x", true, None).await;
        assert_eq!(r.status(), 401, "down: admitted");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut redis = std::process::Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no", "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server (scripts/test.sh installs it)");
    let mut limited = false;
    fresh_window(300, 60).await;
    for _ in 0..50 {
        let r = attempt(&c, &s.base, &token, "henry", "x", true, None).await;
        if r.status() == 429 {
            limited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = redis.kill();
    let _ = redis.wait();
    assert!(
        limited,
        "the limit never held after Redis came up:\n{}",
        s.logs()
    );
}

// --- settings ---

fn resolve(
    toml: &str,
    env: &[(&str, &str)],
) -> Result<nextauth_server::settings::Settings, String> {
    let path = std::path::Path::new("/etc/nextauth.toml");
    let file = nextauth_server::settings::parse_file(toml, path).map_err(|e| e.0)?;
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    nextauth_server::settings::resolve(file, Some(path.into()), &lookup).map_err(|e| e.0)
}

#[test]
fn settings_errors_name_the_key_and_its_source() {
    let base = format!("secret = \"{SECRET}\"\n");
    for (toml, env, wanted) in [
        (
            "[rate_limit]\ncredentials = { per_ip = \"10/1x\" }",
            vec![],
            "`rate_limit.credentials.per_ip` from file /etc/nextauth.toml: \"10/1x\" is not a rate",
        ),
        (
            "[rate_limit]\nemail = { per_address = \"0/15m\" }",
            vec![],
            "`rate_limit.email.per_address` from file /etc/nextauth.toml: \"0/15m\": the number of hits must be at least 1",
        ),
        (
            "[rate_limit]\noauth = { per_ip = \"5/0m\" }",
            vec![],
            "`rate_limit.oauth.per_ip` from file /etc/nextauth.toml: \"5/0m\": the window must be at least 1s",
        ),
        (
            "[rate_limit]\nstore = \"mysql://x\"",
            vec![],
            "`rate_limit.store` from file /etc/nextauth.toml: \"mysql://x\": use \"memory\", \"database\" or a redis://host:port URL",
        ),
        (
            "",
            vec![("NEXTAUTH_RATE_LIMIT_STORE", "memcached")],
            "`rate_limit.store` from env NEXTAUTH_RATE_LIMIT_STORE: \"memcached\"",
        ),
        (
            "",
            vec![("NEXTAUTH_RATE_LIMIT_ENABLED", "maybe")],
            "`rate_limit.enabled` from env NEXTAUTH_RATE_LIMIT_ENABLED: \"maybe\": use true or false",
        ),
        (
            "[rate_limit]\nstore = \"redis://:secret@[::1\"",
            vec![],
            "`rate_limit.store` from file /etc/nextauth.toml:",
        ),
        (
            "[rate_limit]\ncredentials = { per_ip = \"10/1m\", per_user = \"5/5m\" }",
            vec![],
            "unknown field `per_user`",
        ),
        ("[rate_limit]\nmax = 3", vec![], "unknown field `max`"),
    ] {
        let e = resolve(&format!("{base}{toml}"), &env).unwrap_err();
        assert!(e.contains(wanted), "{toml} {env:?}: {e}");
        assert!(!e.contains(":secret@"), "{e}");
    }
    let ok = resolve(
        &format!(
            "{base}[rate_limit]\ncredentials = {{ per_identifier = \"7/10m\" }}\nstore = \"redis://127.0.0.1:6379/2\""
        ),
        &[("NEXTAUTH_RATE_LIMIT_ENABLED", "false")],
    )
    .unwrap();
    let r = &ok.auth.rate_limits;
    assert!(!r.enabled);
    assert_eq!(r.credentials_per_identifier.to_string(), "7/10m");
    assert_eq!(r.credentials_per_ip.to_string(), "10/1m");
    assert_eq!(r.email_per_address.to_string(), "3/15m");
    assert_eq!(r.oauth_per_ip.to_string(), "30/1m");
    let defaults = resolve(&base, &[]).unwrap();
    assert!(defaults.auth.rate_limits.enabled);
    assert_eq!(
        defaults.rate_limit_store,
        nextauth_server::settings::rate_limit::RateLimitStoreSetting::Memory
    );
}

#[test]
fn nextauth_check_prints_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nextauth.toml");
    std::fs::write(
        &path,
        format!(
            "secret = \"{SECRET}\"\n[rate_limit]\nstore = \"redis://:pw@127.0.0.1:6379/\"\n\
             email = {{ per_address = \"2/1h\" }}\n"
        ),
    )
    .unwrap();
    let out = nextauth_command(dir.path())
        .arg("check")
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "rate_limit:    credentials.per_ip 10/1m, credentials.per_identifier 5/5m, \
             email.per_ip 5/1m, email.per_address 2/1h, oauth.per_ip 30/1m"
        ),
        "{text}"
    );
    assert!(
        text.contains("store redis://:***@127.0.0.1:6379/"),
        "{text}"
    );
    assert!(!text.contains(":pw@"), "{text}");
    let out = nextauth_command(dir.path())
        .arg("check")
        .arg("--config")
        .arg(&path)
        .env("NEXTAUTH_RATE_LIMIT_ENABLED", "false")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rate_limit:    off"), "{text}");
    assert!(text.contains("rate_limit.enabled"), "{text}");
}
