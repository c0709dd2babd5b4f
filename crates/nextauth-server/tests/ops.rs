//! Operations, against the real `nextauth` binary: the `[ops]` listener (`/healthz`, `/readyz`,
//! `/metrics` parsed as the Prometheus text format), request ids and JSON logs, the security
//! headers of the built-in pages, and SIGTERM/SIGINT with many requests in flight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// A `nextauth` started with `--listen 127.0.0.1:0` and an `[ops]` listener: both addresses are
/// read from its two stdout lines.
struct OpsServer {
    child: Child,
    addr: SocketAddr,
    base: String,
    origin: String,
    /// `http://<ops address>`.
    ops: String,
    stderr_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for OpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpsServer {
    fn spawn(config: &str, envs: &[(&str, &str)]) -> OpsServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nextauth.toml");
        std::fs::write(&path, config).unwrap();
        let stderr_path = dir.path().join("stderr.log");
        let mut cmd = nextauth_command(dir.path());
        cmd.arg("--config")
            .arg(&path)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env_remove("NEXTAUTH_OPS_LISTEN")
            .env_remove("NEXTAUTH_LOG_FORMAT")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut first, mut second) = (String::new(), String::new());
        let _ = out.read_line(&mut first);
        let _ = out.read_line(&mut second);
        let main = Listening::parse(&first);
        let ops = testkit::http::ops_addr(&second);
        let (Some(l), Some(ops)) = (main, ops) else {
            let _ = child.kill();
            let _ = child.wait();
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("nextauth did not start: stdout {first:?} {second:?}, stderr:\n{err}");
        };
        OpsServer {
            child,
            addr: l.addr,
            base: l.base,
            origin: l.origin,
            ops: format!("http://{ops}"),
            stderr_path,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Sends `signal` (`TERM`, `INT`) to the process.
    fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits up to `limit` for the process to end.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let t = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                t.elapsed() < limit,
                "still running {:?} after the signal:\n{}",
                t.elapsed(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

const OPS: &str = "[ops]\nlisten = \"127.0.0.1:0\"\n";

/// `/metrics`, parsed by a Prometheus text-format parser.
async fn scrape(s: &OpsServer) -> prometheus_parse::Scrape {
    let r = reqwest::get(format!("{}/metrics", s.ops)).await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = r.text().await.unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .unwrap_or_else(|e| panic!("/metrics does not parse: {e}\n{text}"))
}

/// The value of the sample `name` whose labels include `labels` (0 when there is none yet).
fn value(s: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            other => panic!("{name}: not a single value: {other:?}"),
        })
        .sum()
}

#[tokio::test]
async fn ops_endpoints_live_on_their_own_listener_and_request_ids_are_echoed() {
    let hook = webhook().await;
    let s = OpsServer::spawn(&credentials_config(&hook.url, OPS), &[]);
    let c = client();

    let r = c.get(format!("{}/healthz", s.ops)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    let r = c.get(format!("{}/readyz", s.ops)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(
        j,
        json!({"ready": true, "checks": [{"name": "database", "ok": true}]})
    );

    // Not on the public listener, at its root or under the base path.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = c
            .get(format!("http://{}{path}", s.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path} under the base path");
    }

    // X-Request-Id: a sane one is echoed, anything else replaced by a fresh one.
    let r = c
        .get(s.url("/session"))
        .header("x-request-id", "req-abc_123.x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-abc_123.x");
    let long = "a".repeat(201);
    for bad in [long.as_str(), "two words", ""] {
        let r = c
            .get(s.url("/session"))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 32, "{bad:?} → {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    let r = c
        .get(format!("{}/healthz", s.ops))
        .header("x-request-id", "probe-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "probe-1");
}

#[tokio::test]
async fn metrics_move_with_requests_csrf_failures_and_sign_ins() {
    let hook = webhook().await;
    let s = OpsServer::spawn(&credentials_config(&hook.url, OPS), &[]);
    let before = scrape(&s).await;
    let session_200 = [("action", "session"), ("status", "200")];
    let requests = "nextauth_requests_total";

    let c = client();
    session(&c, &OpsServerRef(&s)).await;
    // A POST whose csrfToken does not match: CSRF failure (signout).
    csrf(&c, &OpsServerRef(&s)).await;
    let r = post_form(&c, &s.url("/signout"), &[("csrfToken", "forged")]).await;
    assert_eq!(r.status(), 302);
    // Credentials: one success, one refusal (the webhook's 401).
    let token = csrf(&c, &OpsServerRef(&s)).await;
    let r = post_form(
        &c,
        &s.url("/callback/credentials"),
        &[
            ("username", "alice"),
            ("password", "password"),
            ("csrfToken", &token),
        ],
    )
    .await;
    assert_eq!(location(&r), s.origin);
    let r = post_form(
        &c,
        &s.url("/callback/credentials"),
        &[
            ("username", "alice"),
            ("password", "wrong"),
            ("csrfToken", &token),
        ],
    )
    .await;
    assert!(location(&r).contains("error=CredentialsSignin"), "{r:?}");

    let after = scrape(&s).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(moved(requests, &session_200), 1.0);
    assert_eq!(
        moved(requests, &[("action", "csrf"), ("status", "200")]),
        2.0
    );
    assert_eq!(
        moved(requests, &[("action", "signout"), ("status", "302")]),
        1.0
    );
    assert_eq!(
        moved(requests, &[("action", "callback"), ("status", "302")]),
        2.0
    );
    assert_eq!(
        moved("nextauth_csrf_failures_total", &[("action", "signout")]),
        1.0
    );
    for (outcome, n) in [("success", 1.0), ("denied", 1.0), ("error", 0.0)] {
        assert_eq!(
            moved(
                "nextauth_signins_total",
                &[("provider", "credentials"), ("outcome", outcome)]
            ),
            n,
            "{outcome}"
        );
    }
    for (outcome, n) in [("success", 1.0), ("refused", 1.0)] {
        assert_eq!(
            moved(
                "nextauth_webhook_deliveries_total",
                &[("webhook", "authorize"), ("outcome", outcome)]
            ),
            n,
            "{outcome}"
        );
    }
    // The latency histogram: every answered request of an action falls in its +Inf bucket.
    let hist = after
        .samples
        .iter()
        .find(|x| {
            x.metric == "nextauth_request_duration_seconds"
                && x.labels.get("action") == Some("session")
        })
        .unwrap_or_else(|| panic!("no histogram for session: {:?}", after.samples));
    let prometheus_parse::Value::Histogram(buckets) = &hist.value else {
        panic!("not a histogram: {:?}", hist.value);
    };
    assert!(buckets.len() >= 10, "{buckets:?}");
    let inf = buckets
        .iter()
        .find(|b| b.less_than == f64::INFINITY)
        .unwrap();
    assert_eq!(inf.count, value(&after, requests, &session_200));
    // Described metrics come with their help text.
    assert!(after.docs.contains_key(requests), "{:?}", after.docs);
    assert!(after.docs.contains_key("nextauth_signins_total"));
}

/// `common::csrf`/`session` take a `common::Server`; this gives them the same fields.
struct OpsServerRef<'a>(&'a OpsServer);

async fn csrf(c: &reqwest::Client, s: &OpsServerRef<'_>) -> String {
    testkit::http::csrf(c, &s.0.base).await
}

async fn session(c: &reqwest::Client, s: &OpsServerRef<'_>) -> Value {
    testkit::http::session(c, &s.0.base).await
}

/// An OIDC issuer whose discovery document answers 500 until `up` is set.
async fn flaky_issuer(up: Arc<AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "userinfo_endpoint": format!("{issuer}/me"),
    });
    let app = axum::Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || {
            let (up, doc) = (up.clone(), doc.clone());
            async move {
                if up.load(Ordering::SeqCst) {
                    axum::Json(doc).into_response()
                } else {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    issuer
}

use axum::response::IntoResponse as _;

#[tokio::test]
async fn readyz_is_503_with_the_reason_until_every_oidc_discovery_loads() {
    let up = Arc::new(AtomicBool::new(false));
    let issuer = flaky_issuer(up.clone()).await;
    let config = format!(
        "secret = \"{SECRET}\"\n{OPS}\n[[providers]]\nid = \"corp\"\ntype = \"oidc\"\n\
         issuer = \"{issuer}\"\nclient_id = \"c\"\nclient_secret = \"s\"\n"
    );
    let s = OpsServer::spawn(&config, &[]);
    let r = reqwest::get(format!("{}/readyz", s.ops)).await.unwrap();
    assert_eq!(r.status(), 503);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["ready"], false, "{j}");
    assert_eq!(j["checks"][0], json!({"name": "database", "ok": true}));
    assert_eq!(j["checks"][1]["name"], "discovery:corp", "{j}");
    assert_eq!(j["checks"][1]["ok"], false, "{j}");
    let reason = j["checks"][1]["error"].as_str().unwrap();
    assert!(
        reason.contains(".well-known/openid-configuration") && reason.contains("500"),
        "{reason}"
    );
    // /healthz is about the process, not its dependencies.
    let r = reqwest::get(format!("{}/healthz", s.ops)).await.unwrap();
    assert_eq!(r.status(), 200);

    up.store(true, Ordering::SeqCst);
    let r = reqwest::get(format!("{}/readyz", s.ops)).await.unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(
        j,
        json!({"ready": true, "checks": [
            {"name": "database", "ok": true},
            {"name": "discovery:corp", "ok": true}
        ]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_while_postgres_is_down_and_200_once_it_is_back() {
    if nextauth_sqlx::testing::skip_postgres() {
        nextauth_sqlx::testing::postgres_url_or_skip(None);
    }
    let cluster = tokio::task::spawn_blocking(nextauth_sqlx::testing::PgCluster::start)
        .await
        .unwrap();
    let config = format!(
        "secret = \"{SECRET}\"\n{OPS}\n[database]\nurl = \"{}\"\n",
        cluster.url()
    );
    let s = OpsServer::spawn(&config, &[]);
    let readyz = || async {
        let r = reqwest::get(format!("{}/readyz", s.ops)).await.unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(readyz().await.0, 200);

    let c = &cluster;
    tokio::task::block_in_place(|| c.stop_server());
    let t = Instant::now();
    let (status, j) = readyz().await;
    assert_eq!(status, 503, "{j}");
    assert_eq!(j["checks"][0]["name"], "database");
    assert_eq!(j["checks"][0]["ok"], false);
    // Which of the two depends on the pool: a kept connection fails at once ("storage
    // unavailable"); a new one is retried by sqlx until the check's 3 s bound ends it.
    let error = j["checks"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("storage unavailable") || error.contains("no answer within 3 s"),
        "{j}"
    );
    // Not a timing measurement: a bound far above the 3 s check timeout, so a hanging check
    // (no timeout at all) fails, and a loaded machine does not.
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());

    tokio::task::block_in_place(|| c.start_server());
    let t = Instant::now();
    loop {
        let (status, j) = readyz().await;
        if status == 200 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "still {status}: {j}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(s);
    drop(cluster);
}

/// A credentials webhook that takes `delay` to say yes to anyone, counting arrivals.
async fn slow_webhook(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authorize", listener.local_addr().unwrap());
    let arrived = Arc::new(AtomicUsize::new(0));
    let a = arrived.clone();
    let app = axum::Router::new().route(
        "/authorize",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let a = a.clone();
            async move {
                a.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                let user = body["username"].as_str().unwrap_or("u").to_string();
                axum::Json(json!({"id": user, "email": format!("{user}@example.com")}))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, arrived)
}

/// `n` credentials sign-ins held in flight by a slow webhook, then `signal`: every one is
/// answered (302 home with a session cookie), and the process exits 0.
async fn signal_with_requests_in_flight(signal: &str, n: usize) {
    let (hook, arrived) = slow_webhook(Duration::from_millis(2000)).await;
    let mut s = OpsServer::spawn(
        &credentials_config(
            &hook,
            // Many sign-ins from one address: the rate limits would refuse most of them.
            &format!("{OPS}[server]\nshutdown_timeout = 20\n[rate_limit]\nenabled = false\n"),
        ),
        &[],
    );
    let c = client();
    let token = csrf(&c, &OpsServerRef(&s)).await;
    let mut in_flight = Vec::new();
    for i in 0..n {
        let c = c.clone();
        let url = s.url("/callback/credentials");
        let token = token.clone();
        in_flight.push(tokio::spawn(async move {
            let user = format!("user{i}");
            c.post(url)
                .form(&[("csrfToken", token.as_str()), ("username", user.as_str())])
                .send()
                .await
        }));
    }
    // Every request has reached the webhook: all are in flight in the server.
    let t = Instant::now();
    while arrived.load(Ordering::SeqCst) < n {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "only {} of {n} requests reached the webhook",
            arrived.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.signal(signal);
    // The listener closes: a new connection is refused soon.
    let mut answered = 0;
    for task in in_flight {
        let r = task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("an in-flight request got no answer: {e}"));
        assert_eq!(r.status(), 302);
        assert_eq!(location(&r), s.origin);
        assert!(
            set_cookies(&r)
                .iter()
                .any(|c| c.starts_with("next-auth.session-token=")),
            "signed in"
        );
        answered += 1;
    }
    assert_eq!(answered, n);
    let status = tokio::task::block_in_place(|| s.wait_exit(Duration::from_secs(10)));
    assert!(status.success(), "{status:?}\n{}", s.logs());
    assert!(
        std::net::TcpStream::connect(s.addr).is_err(),
        "the public listener is closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_64_requests_in_flight_answers_every_one_and_exits_0() {
    signal_with_requests_in_flight("TERM", 64).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_with_requests_in_flight_answers_every_one_and_exits_0() {
    signal_with_requests_in_flight("INT", 16).await;
}

#[tokio::test]
async fn json_logs_carry_the_request_id_and_no_secret() {
    let hook = webhook().await;
    let s = OpsServer::spawn(
        &credentials_config(&hook.url, &format!("{OPS}log_format = \"json\"\n")),
        // The client address in the log comes from X-Forwarded-For only from a trusted proxy.
        &[("NEXTAUTH_TRUSTED_PROXIES", "127.0.0.1")],
    );
    let c = client();
    let token = csrf(&c, &OpsServerRef(&s)).await;
    let r = c
        .post(s.url("/callback/credentials"))
        .header("x-request-id", "signin-req-42")
        .header("x-forwarded-for", "203.0.113.5, 198.51.100.7")
        .form(&[
            ("username", "alice"),
            ("password", "password"),
            ("csrfToken", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "signin-req-42");
    let session_cookie = cookie_value(&r, "next-auth.session-token").unwrap();
    // A refused one, logged at info with the provider.
    c.post(s.url("/callback/credentials"))
        .header("x-request-id", "signin-req-43")
        .form(&[
            ("username", "alice"),
            ("password", "hunter2-wrong"),
            ("csrfToken", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = s.logs();
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let signed_in = lines
        .iter()
        .find(|l| l["fields"]["message"] == "signed in")
        .unwrap_or_else(|| panic!("no `signed in` line:\n{logs}"));
    assert_eq!(
        signed_in["span"]["request_id"], "signin-req-42",
        "{signed_in}"
    );
    assert_eq!(signed_in["level"], "INFO");
    assert_eq!(
        signed_in["span"]["client"], "198.51.100.7",
        "the rightmost untrusted hop: {signed_in}"
    );
    let refused = lines
        .iter()
        .find(|l| l["fields"]["message"] == "credentials refused")
        .unwrap_or_else(|| panic!("no `credentials refused` line:\n{logs}"));
    assert_eq!(refused["span"]["request_id"], "signin-req-43", "{refused}");
    assert_eq!(
        refused["span"]["client"], "127.0.0.1",
        "no header: the peer"
    );
    for secret in [
        SECRET,
        "hunter2-wrong",
        token.as_str(),
        session_cookie.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret:?} is in the log:\n{logs}");
    }
}

#[tokio::test]
async fn text_logs_carry_the_request_id_too() {
    let hook = webhook().await;
    let s = OpsServer::spawn(&credentials_config(&hook.url, OPS), &[]);
    let c = client();
    let token = csrf(&c, &OpsServerRef(&s)).await;
    c.post(s.url("/callback/credentials"))
        .header("x-request-id", "text-req-7")
        // No trusted_proxies here: the header is the client's and is not believed.
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[
            ("username", "alice"),
            ("password", "password"),
            ("csrfToken", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = s.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("signed in"))
        .unwrap_or_else(|| panic!("no `signed in` line:\n{logs}"));
    assert!(line.contains("request_id=text-req-7"), "{line}");
    assert!(line.contains("client=127.0.0.1"), "{line}");
}

#[tokio::test]
async fn built_in_pages_carry_the_security_headers_and_json_answers_do_not() {
    let hook = webhook().await;
    let s = OpsServer::spawn(&credentials_config(&hook.url, OPS), &[]);
    let c = client();
    for path in [
        "/signin",
        "/signout",
        "/error?error=Verification",
        "/verify-request",
    ] {
        let r = c.get(s.url(path)).send().await.unwrap();
        // The Verification error page is v4's 403.
        assert!(matches!(r.status().as_u16(), 200 | 403), "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(
            !csp.contains("script-src"),
            "{path}: no script allowed: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script"), "{path}: an inline script");
    }
    for path in ["/session", "/csrf", "/providers"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        for h in [
            "content-security-policy",
            "referrer-policy",
            "x-content-type-options",
        ] {
            assert!(r.headers().get(h).is_none(), "{path}: {h}");
        }
    }
}

#[test]
fn check_prints_the_ops_settings_and_unknown_ops_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nextauth.toml");
    std::fs::write(
        &path,
        format!(
            "secret = \"{SECRET}\"\n[ops]\nlisten = \"127.0.0.1:9464\"\nlog_format = \"json\"\n"
        ),
    )
    .unwrap();
    let out = nextauth_command(dir.path())
        .args(["check", "--config"])
        .arg(&path)
        .env_remove("NEXTAUTH_OPS_LISTEN")
        .env_remove("NEXTAUTH_LOG_FORMAT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "ops:           listen 127.0.0.1:9464 (/healthz, /readyz, /metrics), log_format json"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("ops.listen    from file"), "{stdout}");
    // The environment wins, and says so.
    let out = nextauth_command(dir.path())
        .args(["check", "--config"])
        .arg(&path)
        .env("NEXTAUTH_OPS_LISTEN", "127.0.0.1:9999")
        .env("NEXTAUTH_LOG_FORMAT", "text")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("listen 127.0.0.1:9999 (/healthz, /readyz, /metrics), log_format text"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ops.listen    from env NEXTAUTH_OPS_LISTEN"),
        "{stdout}"
    );

    std::fs::write(
        &path,
        format!("secret = \"{SECRET}\"\n[ops]\nlisten = \"127.0.0.1:9464\"\nformat = \"json\"\n"),
    )
    .unwrap();
    let out = nextauth_command(dir.path())
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown field `format`") && stderr.contains(&path.display().to_string()),
        "{stderr}"
    );
    std::fs::write(&path, format!("secret = \"{SECRET}\"\n")).unwrap();
    let out = nextauth_command(dir.path())
        .args(["check", "--config"])
        .arg(&path)
        .env("NEXTAUTH_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`ops.log_format` from env NEXTAUTH_LOG_FORMAT: \"xml\""),
        "{stderr}"
    );
}
