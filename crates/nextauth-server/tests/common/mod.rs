//! Shared helpers of the server's integration tests: spawn the real `nextauth` binary on a free
//! port with a config file, a reqwest client with a cookie jar, and an in-process credentials
//! webhook (a real HTTP server on its own port).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

pub const SECRET: &str = "integration-test-secret-0123456789abcdef";

/// A running `nextauth` process, killed on drop.
pub struct Server {
    child: Child,
    pub origin: String,
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Spawns `nextauth --config <file>` where the file is `config` with `{ORIGIN}` replaced by
    /// `http://127.0.0.1:<port>` (a free port picked just before).
    pub fn spawn(config: &str) -> Server {
        Self::spawn_with(config, &[])
    }

    pub fn spawn_with(config: &str, envs: &[(&str, &str)]) -> Server {
        for attempt in 0..3 {
            let port = free_port();
            let origin = format!("http://127.0.0.1:{port}");
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("nextauth.toml");
            std::fs::write(&path, config.replace("{ORIGIN}", &origin)).unwrap();
            let stderr_path = dir.path().join("stderr.log");
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nextauth"));
            cmd.arg("--config")
                .arg(&path)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .current_dir(dir.path())
                .env_remove("NEXTAUTH_URL")
                .env_remove("NEXTAUTH_SECRET")
                .env_remove("DATABASE_URL")
                .env("RUST_LOG", "info")
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&stderr_path).unwrap());
            for (k, v) in envs {
                cmd.env(k, v);
            }
            let mut child = cmd.spawn().unwrap();
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            if line.contains("listening on http://") {
                let base = config_base(&line, &origin);
                return Server {
                    child,
                    origin,
                    base,
                    dir,
                    stderr_path,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            if attempt == 2 || !err.contains("listen") {
                panic!("nextauth did not start: stdout {line:?}, stderr:\n{err}");
            }
        }
        unreachable!()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

/// The auth base printed in the listening line: `… (auth API at <base>)`.
fn config_base(line: &str, origin: &str) -> String {
    line.split("auth API at ")
        .nth(1)
        .map(|s| s.trim().trim_end_matches(')').to_string())
        .unwrap_or_else(|| format!("{origin}/api/auth"))
}

/// A browser-like client: cookie jar, no automatic redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub async fn csrf(c: &reqwest::Client, s: &Server) -> String {
    let r = c.get(s.url("/csrf")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    j["csrfToken"].as_str().unwrap().to_string()
}

pub fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
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

/// A config with a credentials provider pointing at `webhook_url`.
pub fn credentials_config(webhook_url: &str, extra: &str) -> String {
    format!(
        r#"
url = "{{ORIGIN}}/api/auth"
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

/// Signs in alice through the credentials form; returns the response of the callback POST.
pub async fn sign_in_alice(c: &reqwest::Client, s: &Server, callback: &str) -> reqwest::Response {
    let token = csrf(c, s).await;
    c.post(s.url("/callback/credentials"))
        .form(&[
            ("username", "alice"),
            ("password", "password"),
            ("csrfToken", token.as_str()),
            ("callbackUrl", callback),
        ])
        .send()
        .await
        .unwrap()
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

/// A `<form>` of a rendered page: its `action`, `method` and every named `<input>` with its
/// value, in document order (entities decoded by a real HTML parser).
#[derive(Debug, Clone)]
pub struct PageForm {
    pub action: String,
    pub method: String,
    pub fields: Vec<(String, String)>,
}

impl PageForm {
    /// The value of the first field with this name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields with `values` filled in (by name), as a browser submits them.
    pub fn filled(&self, values: &[(&str, &str)]) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|(k, v)| {
                let v = values
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(v.clone(), |(_, v)| v.to_string());
                (k.clone(), v)
            })
            .collect()
    }
}

/// Every form of `html`.
pub fn page_forms(html: &str) -> Vec<PageForm> {
    let doc = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse("form").unwrap();
    let input = scraper::Selector::parse("input[name]").unwrap();
    doc.select(&form)
        .map(|f| PageForm {
            action: f.value().attr("action").unwrap_or_default().to_string(),
            method: f
                .value()
                .attr("method")
                .unwrap_or("GET")
                .to_ascii_uppercase(),
            fields: f
                .select(&input)
                .map(|i| {
                    let v = i.value();
                    (
                        v.attr("name").unwrap_or_default().to_string(),
                        v.attr("value").unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// The form of `html` whose action is `action` (panics, showing the page, if there is none).
pub fn page_form(html: &str, action: &str) -> PageForm {
    page_forms(html)
        .into_iter()
        .find(|f| f.action == action)
        .unwrap_or_else(|| panic!("no form with action {action} in:\n{html}"))
}

/// The `href`s of the `<a>` elements of `html` matching the CSS `selector`.
pub fn page_links(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}
