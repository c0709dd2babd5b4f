//! Shared helpers of the server's integration tests: spawn the real `nextauth` binary with
//! `--listen 127.0.0.1:0` and a config file (the address and auth base are read from the line it
//! prints, so no port is guessed), and an in-process credentials webhook (a real HTTP server on
//! its own port). The HTTP helpers are `testkit::http`'s, re-exported here.

#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

pub use testkit::http::{
    Listening, PageForm, client, cookie, cookie_pair, cookie_value, location, page_form,
    page_forms, page_links, param, post_form, set_cookies, set_session_cookie,
};

pub const SECRET: &str = "integration-test-secret-0123456789abcdef";

/// A running `nextauth` process, killed on drop.
pub struct Server {
    child: Child,
    /// The socket address it listens on (raw TCP goes here).
    pub addr: SocketAddr,
    /// The origin of [`base`](Self::base): `http://localhost:<port>` when the config has no `url`.
    pub origin: String,
    /// The auth API base it printed, e.g. `http://localhost:<port>/api/auth`.
    pub base: String,
    pub dir: tempfile::TempDir,
    pub stderr_path: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `nextauth` binary with a clean environment (no `NEXTAUTH_*`, no `DATABASE_URL`), run in
/// `dir`.
pub fn nextauth_command(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nextauth"));
    c.current_dir(dir)
        .env_remove("NEXTAUTH_URL")
        .env_remove("NEXTAUTH_SECRET")
        .env_remove("NEXTAUTH_SECRET_FILE")
        .env_remove("NEXTAUTH_CONFIG")
        .env_remove("NEXTAUTH_LISTEN")
        .env_remove("NEXTAUTH_RATE_LIMIT_ENABLED")
        .env_remove("NEXTAUTH_RATE_LIMIT_STORE")
        .env_remove("DATABASE_URL")
        .env_remove("NEXTAUTH_DATABASE_LAYOUT")
        .env_remove("NEXTAUTH_DATABASE_MIGRATE");
    c
}

impl Server {
    /// Spawns `nextauth --config <file> --listen 127.0.0.1:0` and waits for its listening line.
    ///
    /// Leave `url` out of `config` to serve at `http://localhost:<bound port>/api/auth` (the
    /// server's own default with a config file); an explicit `url` is kept, and requests then go
    /// to [`addr`](Self::addr). The old `{ORIGIN}` placeholder (a port guessed before the start)
    /// is refused.
    pub fn spawn(config: &str) -> Server {
        Self::spawn_with(config, &[])
    }

    /// [`spawn`](Self::spawn) with extra environment variables.
    pub fn spawn_with(config: &str, envs: &[(&str, &str)]) -> Server {
        assert!(
            !config.contains("{ORIGIN}"),
            "Server::spawn: `{{ORIGIN}}` is gone (the port is bound at start): leave `url` unset \
             and the base is http://localhost:<bound port>/api/auth"
        );
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
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap());
        // Rate limits are on by default, and these tests sign in many times from 127.0.0.1:
        // off, unless the test is about them (it configures `[rate_limit]` or the variable).
        if !config.contains("[rate_limit]")
            && !envs
                .iter()
                .any(|(k, _)| k.starts_with("NEXTAUTH_RATE_LIMIT_"))
        {
            cmd.env("NEXTAUTH_RATE_LIMIT_ENABLED", "false");
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(l) = Listening::parse(&line) else {
            let _ = child.kill();
            let _ = child.wait();
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("nextauth did not start: stdout {line:?}, stderr:\n{err}");
        };
        Server {
            child,
            addr: l.addr,
            origin: l.origin,
            base: l.base,
            dir,
            stderr_path,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `http://<addr><path>`: a URL on the socket whatever the configured base says.
    pub fn socket_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// The process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }
}

/// `GET csrf` on `s` → the token (the CSRF cookie lands in the jar).
pub async fn csrf(c: &reqwest::Client, s: &Server) -> String {
    testkit::http::csrf(c, &s.base).await
}

/// `GET session` on `s` as JSON.
pub async fn session(c: &reqwest::Client, s: &Server) -> Value {
    testkit::http::session(c, &s.base).await
}

/// `POST _log`'s answer (v4 §8.12): 200, no cookies, an empty body.
pub async fn assert_log_answer(r: reqwest::Response) {
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());
    assert_eq!(r.text().await.unwrap(), "");
}

/// `GET session` on `s` sending only `next-auth.session-token=<token>`.
pub async fn get_session_with_token(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
) -> reqwest::Response {
    c.get(s.url("/session"))
        .header("cookie", format!("next-auth.session-token={token}"))
        .send()
        .await
        .unwrap()
}

/// A credentials webhook: alice/password signs in; `boom` answers 500; `garbage` answers
/// non-JSON; `slow` never answers in time; `long` returns a user whose name makes the session
/// cookie chunk; anything else is 401 `null`.
pub struct Webhook {
    pub url: String,
    pub calls: Arc<AtomicUsize>,
    pub bodies: Arc<std::sync::Mutex<Vec<Value>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self._task.abort();
    }
}

pub async fn webhook() -> Webhook {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/authorize", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (c2, b2) = (calls.clone(), bodies.clone());
    let app = axum::Router::new().route(
        "/authorize",
        axum::routing::post(move |Json(body): Json<Value>| {
            let (calls, bodies) = (c2.clone(), b2.clone());
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                bodies.lock().unwrap().push(body.clone());
                let user = body["username"].as_str().unwrap_or("");
                let pass = body["password"].as_str().unwrap_or("");
                match (user, pass) {
                    ("alice", "password") => Json(json!({
                        "id": "credentials-alice", "name": "Alice Credentials", "email": "alice@example.com"
                    }))
                    .into_response(),
                    ("numeric", _) => Json(json!({"id": 42, "email": "n@example.com", "name": null})).into_response(),
                    ("long", _) => Json(json!({
                        "id": "long", "name": "L".repeat(6000), "email": "long@example.com"
                    }))
                    .into_response(),
                    ("boom", _) => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
                    ("garbage", _) => (StatusCode::OK, "<html>not json").into_response(),
                    ("noid", _) => Json(json!({"name": "no id"})).into_response(),
                    ("slow", _) => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        StatusCode::OK.into_response()
                    }
                    _ => (StatusCode::UNAUTHORIZED, Json(Value::Null)).into_response(),
                }
            }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Webhook {
        url,
        calls,
        bodies,
        _task: task,
    }
}

/// A config with a credentials provider pointing at `webhook_url` and no `url` (the base is
/// `http://localhost:<bound port>/api/auth`); `extra` goes at the top level (it may set `url`).
pub fn credentials_config(webhook_url: &str, extra: &str) -> String {
    format!(
        r#"
secret = "{SECRET}"
{extra}

[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "{webhook_url}"
[providers.credentials.username]
label = "Username"
type = "text"
placeholder = "alice"
[providers.credentials.password]
label = "Password"
type = "password"
"#
    )
}

/// `POST callback/credentials` with `username`, `password` and the CSRF `token` already fetched
/// (the client must hold its cookie).
pub async fn post_credentials(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    post_form(
        c,
        &s.url("/callback/credentials"),
        &[
            ("username", username),
            ("password", password),
            ("csrfToken", token),
        ],
    )
    .await
}

/// Signs in alice through the credentials form; returns the response of the callback POST.
pub async fn sign_in_alice(c: &reqwest::Client, s: &Server, callback: &str) -> reqwest::Response {
    testkit::http::post_with_csrf(
        c,
        &s.base,
        "callback/credentials",
        &[
            ("username", "alice"),
            ("password", "password"),
            ("callbackUrl", callback),
        ],
    )
    .await
}

/// A config with one provider of each type, so every path of every action is reachable:
/// `credentials` (→ `webhook_url`), `email` (→ an SMTP server on `smtp_port`) and `mock-idp`, an
/// OIDC provider at `issuer` using the testkit IdP's default client (`testkit::Idp`), which
/// accepts `/api/auth/callback/mock-idp` on any loopback port. SQLite in memory holds the
/// e-mail tokens.
pub fn all_providers_config(webhook_url: &str, smtp_port: u16, issuer: &str) -> String {
    credentials_config(
        webhook_url,
        &format!(
            r#"
[database]
url = "sqlite::memory:"

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
            client_id = testkit::Idp::DEFAULT_CLIENT_ID,
            client_secret = testkit::Idp::DEFAULT_CLIENT_SECRET,
        ),
    )
}

/// A server with all three provider types ([`all_providers_config`]) and its live peers.
pub struct AllProviders {
    pub s: Server,
    pub sink: testkit::SmtpSink,
    pub idp: testkit::Idp,
    pub hook: Webhook,
}

/// Starts the peers (credentials webhook, SMTP sink, OpenID provider) and a server using them.
pub async fn all_providers() -> AllProviders {
    let hook = webhook().await;
    let sink = testkit::SmtpSink::start();
    let idp = testkit::Idp::start(testkit::IdpOptions::default());
    let s = Server::spawn(&all_providers_config(
        &hook.url,
        sink.smtp_port(),
        &idp.issuer,
    ));
    AllProviders { s, sink, idp, hook }
}
