//! Test harness for nextauth-rs: starts the real peers of `testkit/node` (an OpenID Provider built
//! on oidc-provider, an SMTP sink, a credentials webhook) on free loopback ports, and calls
//! next-auth 4.24.15's own `encode`/`decode`/`getToken` for wire-compatibility checks.
//!
//! Only used from `[dev-dependencies]`. Node 20 and `testkit/node/node_modules` are required:
//! `bash scripts/test.sh` installs them (`npm ci` in `testkit/node`).
//!
//! Set `TESTKIT_VERBOSE=1` to echo every line the Node peers print to the test's stderr.
//!
//! [`http`] holds the one set of HTTP helpers every integration test uses (a browser-like client,
//! `Set-Cookie`/`Location` reading, the CSRF round trip, form POSTs, page forms), and
//! [`http::Listening`] reads the `nextauth listening on …` line of a server started on port 0.
//! [`inproc`] has the pieces of an in-process app (`NextAuth::handle`, no socket).

// This crate exists only for tests: a harness that cannot start its peers must stop the test with a
// clear message, so unwrap/expect/panic are the intended way to fail here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a Node peer may take to print its `listening on http://...` line.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The directory of the Node package (`<workspace>/testkit/node`, or `$NEXTAUTH_TESTKIT_NODE`).
///
/// Panics when its `node_modules` is missing.
pub fn node_dir() -> PathBuf {
    let dir = match std::env::var_os("NEXTAUTH_TESTKIT_NODE") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testkit/node"),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    if !dir.join("node_modules").is_dir() {
        panic!(
            "testkit: {}/node_modules is missing: run scripts/test.sh (it runs npm ci in testkit/node)",
            dir.display()
        );
    }
    dir
}

fn verbose() -> bool {
    std::env::var("TESTKIT_VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0")
}

const STDERR_KEEP: usize = 64 * 1024;

#[derive(Default)]
struct Output {
    stdout: Vec<String>,
    stderr: VecDeque<u8>,
    stdout_closed: bool,
}

type Shared = Arc<(Mutex<Output>, Condvar)>;

fn read_lines(mut reader: impl BufRead, mut each: impl FnMut(String)) {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                each(line.trim_end_matches(['\r', '\n']).to_owned());
            }
        }
    }
}

/// A `node <script>` child process, started in [`node_dir`], killed on drop.
///
/// Its stdout and stderr are drained by background threads (so the child never blocks on a full
/// pipe); stdout lines are kept, stderr keeps its last 64 KiB. The child gets
/// `TESTKIT_EXIT_ON_STDIN_EOF=1` and a stdin pipe, so it also exits if the test process dies.
pub struct NodeProcess {
    name: String,
    url: String,
    child: Child,
    shared: Shared,
    _stdin: Option<ChildStdin>,
}

impl NodeProcess {
    /// Spawns `node <script>` with `envs` and waits (up to 30 s) for its first
    /// `listening on http://...` stdout line. Panics with its stderr if it does not come.
    pub fn start(script: &str, envs: &[(&str, &str)]) -> NodeProcess {
        let dir = node_dir();
        let name = script.trim_end_matches(".mjs").to_owned();
        let mut cmd = Command::new("node");
        cmd.arg(script)
            .current_dir(&dir)
            .env("TESTKIT_EXIT_ON_STDIN_EOF", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "testkit: cannot run `node {script}` in {}: {e} (is Node 20 on PATH?)",
                dir.display()
            )
        });
        let shared: Shared = Arc::default();
        let echo = verbose();

        let stdout = child.stdout.take().expect("child stdout");
        let (s, tag) = (Arc::clone(&shared), name.clone());
        std::thread::spawn(move || {
            read_lines(BufReader::new(stdout), |line| {
                if echo {
                    eprintln!("[{tag}] {line}");
                }
                let (lock, cv) = &*s;
                lock.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .stdout
                    .push(line);
                cv.notify_all();
            });
            let (lock, cv) = &*s;
            lock.lock().unwrap_or_else(|p| p.into_inner()).stdout_closed = true;
            cv.notify_all();
        });

        let mut stderr = child.stderr.take().expect("child stderr");
        let (s, tag) = (Arc::clone(&shared), name.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match stderr.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if echo {
                            eprint!("[{tag}:stderr] {}", String::from_utf8_lossy(&buf[..n]));
                        }
                        let mut out = s.0.lock().unwrap_or_else(|p| p.into_inner());
                        out.stderr.extend(&buf[..n]);
                        let excess = out.stderr.len().saturating_sub(STDERR_KEEP);
                        out.stderr.drain(..excess);
                    }
                }
            }
        });

        let stdin = child.stdin.take();
        let mut proc = NodeProcess {
            name,
            url: String::new(),
            child,
            shared,
            _stdin: stdin,
        };
        match proc.wait_line("listening on http://", START_TIMEOUT) {
            Some(line) => {
                proc.url = line
                    .trim_start_matches("listening on ")
                    .trim()
                    .trim_end_matches('/')
                    .to_owned();
            }
            None => {
                // Give stderr a moment to arrive if the child just died.
                std::thread::sleep(Duration::from_millis(200));
                let status = proc.child.try_wait().ok().flatten();
                panic!(
                    "testkit: `node {script}` did not print `listening on http://...` within {:?} (exit status: {status:?})\n--- output ---\n{}",
                    START_TIMEOUT,
                    proc.output()
                );
            }
        }
        proc
    }

    /// The base URL from the `listening on` line, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port of [`url`](Self::url).
    pub fn port(&self) -> u16 {
        port_of(&self.url)
    }

    /// Waits until a stdout line starting with `prefix` has been printed (looking at every line
    /// printed so far too) and returns it, or `None` on timeout or when stdout closed.
    pub fn wait_line(&self, prefix: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut out = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(l) = out.stdout.iter().find(|l| l.starts_with(prefix)) {
                return Some(l.clone());
            }
            let now = Instant::now();
            if out.stdout_closed || now >= deadline {
                return None;
            }
            out = cv
                .wait_timeout(out, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Everything the child printed so far: its stdout lines, then the tail of its stderr.
    pub fn output(&self) -> String {
        let out = self.shared.0.lock().unwrap_or_else(|p| p.into_inner());
        let (a, b) = out.stderr.as_slices();
        let mut stderr = a.to_vec();
        stderr.extend_from_slice(b);
        format!(
            "[{} stdout]\n{}\n[{} stderr]\n{}",
            self.name,
            out.stdout.join("\n"),
            self.name,
            String::from_utf8_lossy(&stderr)
        )
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl std::fmt::Debug for NodeProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeProcess")
            .field("script", &self.name)
            .field("pid", &self.child.id())
            .field("url", &self.url)
            .finish()
    }
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("testkit: no port in {url:?}"))
}

/// A reqwest client that keeps no idle connections, so one peer can be shared by tests that run
/// on different Tokio runtimes.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

pub mod http;
pub mod inproc;

// ---------------------------------------------------------------------------------------------
// OpenID Provider
// ---------------------------------------------------------------------------------------------

/// Options of [`Idp::start`].
#[derive(Debug, Clone)]
pub struct IdpOptions {
    /// `"RS256"` or `"ES256"`: the signing key generated at start and the clients' default
    /// `id_token_signed_response_alg`.
    pub signing: &'static str,
    /// A JSON array of oidc-provider client metadata objects (`client_id`, `client_secret`,
    /// `redirect_uris`, `token_endpoint_auth_method`, `id_token_signed_response_alg`, ...).
    /// Missing `grant_types`/`response_types`/`token_endpoint_auth_method`/
    /// `id_token_signed_response_alg` default to `["authorization_code"]`/`["code"]`/
    /// `client_secret_basic`/`signing`. The extra key `"x_loopback_any_port": true` lets a
    /// loopback redirect_uri match a registered one whatever its port.
    /// `Value::Null` or `[]`: the default client ([`Idp::DEFAULT_CLIENT_ID`]).
    pub clients: Value,
    /// Seconds an access token lives (`IDP_ACCESS_TOKEN_TTL`); `None`: an hour. Clients whose
    /// `grant_types` include `refresh_token` get refresh tokens, rotated on every use.
    pub access_token_ttl: Option<u32>,
    /// OIDC RP-Initiated Logout 1.0 (`end_session_endpoint` in discovery, `GET /session/end`
    /// with its confirmation form). On by default; off, the IdP announces no end-session
    /// endpoint.
    pub rp_initiated_logout: bool,
}

impl Default for IdpOptions {
    fn default() -> Self {
        IdpOptions {
            signing: "RS256",
            clients: Value::Null,
            access_token_ttl: None,
            rp_initiated_logout: true,
        }
    }
}

/// oidc-provider 9.13.3 (`testkit/node/idp.mjs`) on a free port: PKCE (S256) required, response
/// modes query/fragment/form_post, auto-login of the account named by `login_hint` (default
/// `alice`; also `bob`, `carol`, and any other hint becomes a made-up account
/// `<hint>@example.com`) and auto-consent, so following redirects completes the flow.
///
/// Accounts: `alice` → sub `alice`, `alice@example.com`, "Alice Example",
/// `https://example.com/alice.png` (same pattern for bob and carol).
#[derive(Debug)]
pub struct Idp {
    /// The issuer, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub issuer: String,
    process: NodeProcess,
}

impl Idp {
    /// client_id of the default client.
    pub const DEFAULT_CLIENT_ID: &'static str = "nextauth-test";
    /// client_secret of the default client (`client_secret_basic`).
    pub const DEFAULT_CLIENT_SECRET: &'static str = "nextauth-test-secret";
    /// Path of the default client's redirect_uris, registered on `http://127.0.0.1` and
    /// `http://localhost` and accepted on any port.
    pub const DEFAULT_REDIRECT_PATH: &'static str = "/api/auth/callback/mock-idp";

    /// Starts the IdP and waits until it serves requests.
    pub fn start(options: IdpOptions) -> Idp {
        let clients = match &options.clients {
            Value::Null => String::new(),
            v => v.to_string(),
        };
        let ttl = options
            .access_token_ttl
            .map_or_else(String::new, |t| t.to_string());
        let process = NodeProcess::start(
            "idp.mjs",
            &[
                ("IDP_PORT", "0"),
                ("IDP_SIGNING", options.signing),
                ("IDP_CLIENTS", &clients),
                ("IDP_ACCESS_TOKEN_TTL", &ttl),
                (
                    "IDP_RP_LOGOUT",
                    if options.rp_initiated_logout {
                        "1"
                    } else {
                        "0"
                    },
                ),
            ],
        );
        let issuer = process
            .wait_line("{", Duration::from_secs(5))
            .and_then(|l| serde_json::from_str::<Value>(&l).ok())
            .and_then(|v| v.get("issuer").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| process.url().to_owned());
        Idp { issuer, process }
    }

    /// The base URL the IdP listens on (equal to the issuer).
    pub fn url(&self) -> &str {
        self.process.url()
    }

    /// `<issuer>/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// The underlying process (for its output when a test fails).
    pub fn process(&self) -> &NodeProcess {
        &self.process
    }
}

// ---------------------------------------------------------------------------------------------
// SMTP sink
// ---------------------------------------------------------------------------------------------

/// smtp-server 3.21.6 (`testkit/node/smtp.mjs`): accepts every mail (no TLS, any AUTH) and keeps
/// it in memory. Mail JSON: `{receivedAt, envelope:{from,to[]}, auth, from, to, subject, text,
/// html, link, raw}` where `link` is the first URL containing `/callback/` (the magic link).
#[derive(Debug)]
pub struct SmtpSink {
    process: NodeProcess,
    smtp_port: u16,
    client: reqwest::Client,
}

impl SmtpSink {
    /// Starts the sink on free SMTP and HTTP ports.
    pub fn start() -> SmtpSink {
        let process =
            NodeProcess::start("smtp.mjs", &[("SMTP_PORT", "0"), ("SMTP_HTTP_PORT", "0")]);
        let line = process
            .wait_line("smtp on ", Duration::from_secs(5))
            .unwrap_or_else(|| {
                panic!(
                    "testkit: smtp.mjs printed no `smtp on` line\n{}",
                    process.output()
                )
            });
        let smtp_port = port_of(line.trim());
        SmtpSink {
            process,
            smtp_port,
            client: http_client(),
        }
    }

    /// The SMTP port on 127.0.0.1.
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// The HTTP read-back base URL, e.g. `http://127.0.0.1:40124`.
    pub fn http_url(&self) -> &str {
        self.process.url()
    }

    /// The last mail whose envelope recipient or `To` header contains `to`, polling for up to
    /// 5 s; `None` if none arrived by then. (To assert that nothing was sent, use [`mails`](Self::mails).)
    pub async fn last_mail(&self, to: &str) -> Option<Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let resp = self
                .client
                .get(format!("{}/last", self.http_url()))
                .query(&[("to", to)])
                .send()
                .await;
            if let Ok(r) = resp
                && r.status().is_success()
            {
                return Some(r.json().await.expect("smtp sink: mail JSON"));
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Like [`last_mail`](Self::last_mail), but panics when no mail to `to` arrives within 5 s.
    pub async fn wait_mail(&self, to: &str) -> Value {
        match self.last_mail(to).await {
            Some(m) => m,
            None => panic!(
                "testkit: no mail to {to:?} within 5 s\n{}",
                self.process.output()
            ),
        }
    }

    /// All mails received so far, oldest first (no waiting).
    pub async fn mails(&self) -> Vec<Value> {
        let r = self
            .client
            .get(format!("{}/mails", self.http_url()))
            .send()
            .await
            .expect("smtp sink: GET /mails");
        r.json().await.expect("smtp sink: /mails JSON")
    }

    /// Forgets all mails received so far.
    pub async fn clear(&self) {
        let r = self
            .client
            .delete(format!("{}/mails", self.http_url()))
            .send()
            .await
            .expect("smtp sink: DELETE /mails");
        assert!(
            r.status().is_success(),
            "smtp sink: DELETE /mails -> {}",
            r.status()
        );
    }

    /// The underlying process.
    pub fn process(&self) -> &NodeProcess {
        &self.process
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials webhook
// ---------------------------------------------------------------------------------------------

/// The credentials webhook (`testkit/node/webhook.mjs`): `POST /authorize` with
/// `{"username":"alice","password":"password"}` → 200
/// `{"id":"credentials-alice","name":"Alice Credentials","email":"alice@example.com"}`,
/// anything else → 401 `null` (400 `null` for a body that is not JSON).
/// `GET /__calls` lists the bodies received.
#[derive(Debug)]
pub struct Webhook {
    process: NodeProcess,
}

impl Webhook {
    /// Starts the webhook on a free port.
    pub fn start() -> Webhook {
        Webhook {
            process: NodeProcess::start("webhook.mjs", &[("AUTHORIZE_PORT", "0")]),
        }
    }

    /// The full URL to POST credentials to: `http://127.0.0.1:PORT/authorize`.
    pub fn url(&self) -> String {
        format!("{}/authorize", self.process.url())
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        self.process.url()
    }

    /// The underlying process.
    pub fn process(&self) -> &NodeProcess {
        &self.process
    }
}

// ---------------------------------------------------------------------------------------------
// next-auth interop
// ---------------------------------------------------------------------------------------------

/// next-auth 4.24.15's own `next-auth/jwt` functions, run through `node interop.mjs` (one Node
/// process per call, ~0.2 s each).
pub mod interop {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use serde_json::{Value, json};

    fn run(cmd: &str, input: &Value) -> Result<String, String> {
        let dir = super::node_dir();
        let mut child = Command::new("node")
            .arg("interop.mjs")
            .arg(cmd)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "testkit: cannot run `node interop.mjs` in {}: {e}",
                    dir.display()
                )
            });
        {
            let mut stdin = child.stdin.take().expect("interop stdin");
            stdin
                .write_all(input.to_string().as_bytes())
                .expect("interop: write stdin");
        }
        let out = child.wait_with_output().expect("interop: wait");
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() {
            return Ok(stdout);
        }
        let msg = serde_json::from_str::<Value>(&stdout)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| {
                format!(
                    "{} {stdout} {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        Err(msg)
    }

    fn parse(s: &str) -> Result<Value, String> {
        serde_json::from_str(s).map_err(|e| format!("interop printed no JSON ({e}): {s}"))
    }

    /// `decode({secret, token, salt})`: the JWT payload, `Value::Null` for an empty token, or
    /// `Err` with next-auth's (jose's) error message, e.g. `"decryption operation failed"`.
    pub fn decode(secret: &str, token: &str, salt: Option<&str>) -> Result<Value, String> {
        let mut input = json!({ "secret": secret, "token": token });
        if let Some(salt) = salt {
            input["salt"] = json!(salt);
        }
        parse(&run("decode", &input)?)
    }

    /// `encode({secret, token, maxAge})` (default maxAge 30 days): the JWE (`dir` + `A256GCM`),
    /// with `iat`, `exp` and `jti` added by next-auth. Panics on failure.
    pub fn encode(secret: &str, token: &Value, max_age: Option<i64>) -> String {
        encode_with_salt(secret, token, max_age, None)
    }

    /// [`encode`] with an explicit `salt` (next-auth v4 uses none; Auth.js v5 uses the cookie name).
    pub fn encode_with_salt(
        secret: &str,
        token: &Value,
        max_age: Option<i64>,
        salt: Option<&str>,
    ) -> String {
        let mut input = json!({ "secret": secret, "token": token });
        if let Some(m) = max_age {
            input["maxAge"] = json!(m);
        }
        if let Some(salt) = salt {
            input["salt"] = json!(salt);
        }
        run("encode", &input).unwrap_or_else(|e| panic!("testkit: next-auth encode failed: {e}"))
    }

    /// `getToken({req: {headers: {cookie}, cookies: <parsed>}, secret, secureCookie})`: reads
    /// `next-auth.session-token` (or `__Secure-next-auth.session-token` when `secure`), chunked
    /// (`.0`, `.1`, ...) or not, and decodes it. `Value::Null` when there is no cookie or it
    /// does not decode (getToken swallows decode errors).
    pub fn get_token(secret: &str, cookie_header: &str, secure: bool) -> Result<Value, String> {
        let input = json!({ "secret": secret, "cookie": cookie_header, "secureCookie": secure });
        parse(&run("gettoken", &input)?)
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/// Where tests find PostgreSQL.
pub mod postgres {
    use super::{Duration, SocketAddr, TcpStream};

    /// The default URL when something listens on 127.0.0.1:5432 (trust auth, database `test`).
    pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

    /// `$DATABASE_URL` if set (and not empty), else [`DEFAULT_URL`] if a TCP connect to
    /// 127.0.0.1:5432 succeeds, else `None` (tests needing a database should then skip).
    pub fn database_url() -> Option<String> {
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.trim().is_empty()
        {
            return Some(url);
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], 5432));
        TcpStream::connect_timeout(&addr, Duration::from_secs(1))
            .ok()
            .map(|_| DEFAULT_URL.to_owned())
    }
}
