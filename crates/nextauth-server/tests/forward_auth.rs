//! Forward-auth with the real proxies: nginx (`auth_request`) and Caddy (`forward_auth`), from
//! Debian's packages, in front of a small app on other host names, with the `nextauth` binary as
//! the auth server (behind nginx on its own host name) and `cookie_domain` shared by all of them.
//!
//! Host names: `auth.example.test` (nextauth, through nginx), `app.example.test` and
//! `admin.example.test` (the app, through nginx or Caddy), all resolved to 127.0.0.1 by the
//! clients (reqwest's `resolve`, Chromium's `--host-resolver-rules`); cookies are shared through
//! `cookie_domain = "example.test"`. The nginx and Caddy configurations are the README's.
//!
//! Needs `nginx` and `caddy` (Debian packages; `scripts/test.sh` installs them): without them the
//! tests fail with that advice, as the browser tests do without Chromium. The browser test also
//! needs Chromium and `npm ci` in `e2e/` (scripts/test.sh), and is left out with the rest of the
//! browser suite by `NEXTAUTH_SKIP_E2E=1` (the `skip-e2e` nextest profile); its screenshots land
//! in `target/forward-auth/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse};
use common::{SECRET, Server, param, post_form, set_cookies};
use serde_json::{Map, Value, json};

const DOMAIN: &str = "example.test";

// ------------------------------------------------------------------ peers ----

/// A port that was free a moment ago (nginx and Caddy cannot report the port they bound).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{what} did not listen on 127.0.0.1:{port}; its log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The binary `name` on the PATH (or /usr/sbin), or a failure saying how to get it.
fn tool(name: &str) -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/sbin", "/usr/bin"])
    {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "`{name}` is missing: run scripts/test.sh, it installs nginx and caddy (Debian packages \
         `nginx`, `caddy`)"
    );
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The protected app: echoes what it received. `/api/…` answers JSON
/// `{"host", "uri", "headers": {lower-case name: value}}`; any other path a small HTML page with
/// the same JSON in `<pre id="echo">`.
async fn echo_app() -> (u16, tokio::task::JoinHandle<()>) {
    async fn echo(uri: Uri, headers: HeaderMap) -> axum::response::Response {
        let mut h = Map::new();
        for (k, v) in &headers {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            match h.get_mut(k.as_str()) {
                Some(Value::String(prev)) => {
                    prev.push_str(" | ");
                    prev.push_str(&v);
                }
                _ => {
                    h.insert(k.as_str().to_string(), Value::String(v));
                }
            }
        }
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let body = json!({"host": host, "uri": uri.to_string(), "headers": h});
        if uri.path().starts_with("/api/") {
            return Json(body).into_response();
        }
        let who = h
            .get("remote-email")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let pretty = serde_json::to_string_pretty(&body).unwrap();
        let esc = pretty.replace('&', "&amp;").replace('<', "&lt;");
        Html(format!(
            "<!doctype html><html><head><title>Protected app</title></head><body \
             style=\"font-family:sans-serif;margin:2em\"><h1>Protected app on {host}</h1>\
             <p id=\"who\">Signed in as <b>{who}</b> (headers set by the proxy from nextauth's \
             forward-auth answer)</p><pre id=\"echo\" style=\"background:#f4f4f4;padding:1em;white-space:pre-wrap;word-break:break-all\">{esc}</pre>\
             </body></html>"
        ))
        .into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(echo);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (port, task)
}

/// The credentials `authorize` webhook (alice at example.com, bob at other.test with no name)
/// and the `claims_url` webhook (alice is in the groups `staff` and `ops`).
async fn webhooks() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route(
            "/authorize",
            axum::routing::post(|Json(b): Json<Value>| async move {
                match (b["username"].as_str(), b["password"].as_str()) {
                    (Some("alice"), Some("password")) => Json(json!({
                        "id": "alice-id", "name": "Alice Example", "email": "alice@example.com"
                    }))
                    .into_response(),
                    (Some("bob"), Some("password")) => {
                        Json(json!({"id": "bob-id", "email": "bob@other.test"})).into_response()
                    }
                    _ => (StatusCode::UNAUTHORIZED, Json(Value::Null)).into_response(),
                }
            }),
        )
        .route(
            "/claims",
            axum::routing::post(|Json(b): Json<Value>| async move {
                if b["token"]["email"] == "alice@example.com" {
                    Json(json!({"groups": ["staff", "ops"]}))
                } else {
                    Json(json!({}))
                }
            }),
        );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, task)
}

/// The nginx configuration of the README: nextauth on `auth.example.test`, the app on
/// `app.example.test` and `admin.example.test` behind `auth_request`.
fn nginx_conf(dir: &Path, port: u16, auth: SocketAddr, app_port: u16) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
error_log {d}/error.log info;
pid {d}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;

  upstream nextauth {{ server {auth}; }}
  upstream app {{ server 127.0.0.1:{app_port}; }}

  # nextauth itself, on its own host name
  server {{
    listen 127.0.0.1:{port};
    server_name auth.example.test;
    location / {{
      proxy_pass http://nextauth;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}

  # the protected app
  server {{
    listen 127.0.0.1:{port};
    server_name app.example.test admin.example.test;

    location = /_nextauth {{
      internal;
      proxy_pass http://nextauth/api/auth/forward-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}

    location / {{
      auth_request /_nextauth;
      auth_request_set $auth_user $upstream_http_x_auth_request_user;
      auth_request_set $auth_email $upstream_http_x_auth_request_email;
      auth_request_set $auth_name $upstream_http_remote_name;
      auth_request_set $auth_groups $upstream_http_remote_groups;
      auth_request_set $auth_location $upstream_http_location;
      error_page 401 = @nextauth_signin;

      # Set (or, when empty, removed): a client's own header of these names never passes.
      proxy_set_header X-Auth-Request-User $auth_user;
      proxy_set_header X-Auth-Request-Email $auth_email;
      proxy_set_header Remote-User $auth_user;
      proxy_set_header Remote-Email $auth_email;
      proxy_set_header Remote-Name $auth_name;
      proxy_set_header Remote-Groups $auth_groups;
      proxy_set_header Host $http_host;
      proxy_pass http://app;
    }}

    # auth_request cannot pass a 302: nextauth answers 401 with the sign-in URL in Location
    # for a browser, 401 without it for an XHR.
    location @nextauth_signin {{
      if ($auth_location = "") {{ return 401; }}
      return 302 $auth_location;
    }}
  }}
}}
"#
    )
}

/// The Caddyfile of the README: the app behind `forward_auth`.
fn caddyfile(port: u16, auth: SocketAddr, app_port: u16) -> String {
    format!(
        r#"{{
	admin off
	auto_https off
}}

http://app.example.test:{port}, http://admin.example.test:{port} {{
	bind 127.0.0.1
	forward_auth {auth} {{
		uri /api/auth/forward-auth
		copy_headers X-Auth-Request-User X-Auth-Request-Email Remote-User Remote-Email Remote-Name Remote-Groups
	}}
	reverse_proxy 127.0.0.1:{app_port}
}}
"#
    )
}

/// Everything up: the app, the webhooks, nextauth, nginx and Caddy.
struct Stack {
    _auth: Server,
    nginx_port: u16,
    caddy_port: u16,
    /// `http://auth.example.test:<nginx port>/api/auth`
    base: String,
    _app: tokio::task::JoinHandle<()>,
    _hooks: tokio::task::JoinHandle<()>,
    _nginx: Proc,
    _caddy: Proc,
    _dir: tempfile::TempDir,
}

async fn stack() -> Stack {
    let (nginx, caddy) = (tool("nginx"), tool("caddy"));
    let (app_port, app) = echo_app().await;
    let (hooks_base, hooks) = webhooks().await;
    let nginx_port = free_port();
    let caddy_port = free_port();
    let base = format!("http://auth.{DOMAIN}:{nginx_port}/api/auth");
    let auth = Server::spawn(&format!(
        r#"
url = "{base}"
secret = "{SECRET}"
trusted_proxies = ["127.0.0.1/32"]
cookie_domain = "{DOMAIN}"

[forward_auth]
allowed_hosts = ["app.{DOMAIN}", "admin.{DOMAIN}"]
[[forward_auth.rules]]
host = "admin.{DOMAIN}"
allowed_email_domains = ["example.com"]

[callbacks]
claims_url = "{hooks_base}/claims"

[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "{hooks_base}/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
"#
    ));
    let dir = tempfile::tempdir().unwrap();
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi", "caddy"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        nginx_conf(dir.path(), nginx_port, auth.addr, app_port),
    )
    .unwrap();
    let nginx_log = dir.path().join("nginx.out");
    let nginx = Proc(
        Command::new(nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&nginx_log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("nginx.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    let caddyfile_path = dir.path().join("Caddyfile");
    std::fs::write(&caddyfile_path, caddyfile(caddy_port, auth.addr, app_port)).unwrap();
    let caddy_log = dir.path().join("caddy.log");
    let caddy_home = dir.path().join("caddy");
    let caddy = Proc(
        Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&caddyfile_path)
            .env("HOME", &caddy_home)
            .env("XDG_CONFIG_HOME", &caddy_home)
            .env("XDG_DATA_HOME", &caddy_home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&caddy_log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for_port(nginx_port, "nginx", &dir.path().join("error.log"));
    wait_for_port(caddy_port, "caddy", &caddy_log);
    Stack {
        _auth: auth,
        nginx_port,
        caddy_port,
        base,
        _app: app,
        _hooks: hooks,
        _nginx: nginx,
        _caddy: caddy,
        _dir: dir,
    }
}

/// A browser-like client: a cookie jar (RFC 6265 domain matching), no redirects followed, the
/// test host names on 127.0.0.1.
fn browser() -> reqwest::Client {
    let lo: SocketAddr = "127.0.0.1:0".parse().unwrap();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .resolve(&format!("auth.{DOMAIN}"), lo)
        .resolve(&format!("app.{DOMAIN}"), lo)
        .resolve(&format!("admin.{DOMAIN}"), lo)
        .build()
        .unwrap()
}

const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Undoes the pages' HTML escaping (minijinja: `& < > " ' /`).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Signs `user` in through the credentials form on nextauth (through nginx), as the sign-in
/// page would, with the `callbackUrl` forward-auth put in the sign-in URL; the redirect target.
async fn sign_in(c: &reqwest::Client, signin_url: &str, user: &str) -> String {
    let page = c
        .get(signin_url)
        .header("accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{signin_url}");
    let html = page.text().await.unwrap();
    let field = |name: &str| {
        let at = html
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no {name} in the sign-in page"));
        let rest = &html[at + name.len() + 15..];
        unescape(&rest[..rest.find('"').unwrap()])
    };
    let (csrf, callback) = (field("csrfToken"), field("callbackUrl"));
    let base = signin_url.split("/signin").next().unwrap();
    let r = post_form(
        c,
        &format!("{base}/callback/credentials"),
        &[
            ("username", user),
            ("password", "password"),
            ("csrfToken", &csrf),
            ("callbackUrl", &callback),
        ],
    )
    .await;
    assert_eq!(r.status(), 302);
    let session = set_cookies(&r)
        .into_iter()
        .find(|c| c.starts_with("next-auth.session-token="))
        .expect("a session cookie");
    assert!(
        session.contains(&format!("; Domain={DOMAIN}; Path=/")),
        "{session}"
    );
    location(&r)
}

/// The whole contract through one proxy on `port` (`name` for messages).
async fn guarded_app_contract(s: &Stack, name: &str, port: u16) {
    let app = format!("http://app.{DOMAIN}:{port}");
    let target = format!("{app}/dashboard?tab=1&q=a%20b");
    let c = browser();

    // A browser navigation, signed out: to the sign-in page with the URL as callbackUrl.
    let r = c.get(&target).header("accept", HTML).send().await.unwrap();
    assert_eq!(r.status(), 302, "{name}: {:?}", r.headers());
    let signin = location(&r);
    assert!(
        signin.starts_with(&format!("{}/signin?", s.base)),
        "{name}: {signin}"
    );
    assert_eq!(
        param(&signin, "callbackUrl").as_deref(),
        Some(target.as_str()),
        "{name}"
    );
    assert!(set_cookies(&r).is_empty(), "{name}: {:?}", set_cookies(&r));

    // An XHR and an API client: 401, no redirect.
    for (k, v) in [
        ("x-requested-with", "XMLHttpRequest"),
        ("accept", "application/json"),
    ] {
        let mut req = c.get(format!("{app}/api/data")).header(k, v);
        if k == "x-requested-with" {
            req = req.header("accept", "*/*");
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{name}: {k}");
        assert_eq!(location(&r), "", "{name}: {k}");
    }

    // Signing in lands back on the URL.
    let landed = sign_in(&c, &signin, "alice").await;
    assert_eq!(landed, target, "{name}");

    // The app gets the identity; forged headers from the client never reach it.
    let r = c
        .get(format!("{app}/api/whoami"))
        .header("accept", "application/json")
        .header("Remote-User", "admin")
        .header("X-Auth-Request-User", "admin")
        .header("Remote-Groups", "admins")
        .header("Remote-Email", "admin@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}");
    assert!(
        set_cookies(&r).is_empty(),
        "{name}: forward-auth never sets a cookie"
    );
    let echo: Value = r.json().await.unwrap();
    let h = &echo["headers"];
    assert_eq!(h["remote-user"], "alice-id", "{name}: {echo}");
    assert_eq!(h["x-auth-request-user"], "alice-id", "{name}: {echo}");
    assert_eq!(h["remote-email"], "alice@example.com", "{name}: {echo}");
    assert_eq!(
        h["x-auth-request-email"], "alice@example.com",
        "{name}: {echo}"
    );
    assert_eq!(h["remote-name"], "Alice Example", "{name}: {echo}");
    assert_eq!(h["remote-groups"], "staff,ops", "{name}: {echo}");
    // The browser's page itself.
    let r = c.get(&target).header("accept", HTML).send().await.unwrap();
    assert_eq!(r.status(), 200, "{name}");
    assert!(r.text().await.unwrap().contains("alice@example.com"));
    // admin.example.test: alice is at example.com, the rule's domain.
    let r = c
        .get(format!("http://admin.{DOMAIN}:{port}/api/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}");

    // bob (other.test, no name, no groups): the app yes, admin no (403).
    let b = browser();
    let r = b.get(&target).header("accept", HTML).send().await.unwrap();
    let landed = sign_in(&b, &location(&r), "bob").await;
    assert_eq!(landed, target);
    let r = b
        .get(format!("{app}/api/whoami"))
        .header("Remote-Name", "Forged Name")
        .header("Remote-Groups", "admins")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{name}");
    let echo: Value = r.json().await.unwrap();
    let h = &echo["headers"];
    assert_eq!(h["remote-user"], "bob-id", "{name}: {echo}");
    for empty in ["remote-name", "remote-groups"] {
        // Empty (Caddy copies the empty value) or absent (nginx drops an empty header); never
        // the client's.
        assert!(
            h.get(empty).is_none_or(|v| v == ""),
            "{name}: {empty} = {:?}",
            h.get(empty)
        );
    }
    let r = b
        .get(format!("http://admin.{DOMAIN}:{port}/"))
        .header("accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{name}");
    assert_eq!(location(&r), "", "{name}");

    // A browser with a session cookie that is not one: signed out.
    let r = browser()
        .get(format!("{app}/api/x"))
        .header("cookie", "next-auth.session-token=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_auth_request_guards_an_app_on_another_host() {
    let s = stack().await;
    guarded_app_contract(&s, "nginx", s.nginx_port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caddy_forward_auth_guards_an_app_on_another_host() {
    let s = stack().await;
    guarded_app_contract(&s, "caddy", s.caddy_port).await;
}

/// The session cookie is shared by every host under `cookie_domain`; the CSRF cookie is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_domain_shares_the_session_not_the_csrf_cookie() {
    let s = stack().await;
    let c = browser();
    let r = c.get(format!("{}/csrf", s.base)).send().await.unwrap();
    let cookies = set_cookies(&r);
    assert!(
        cookies[0].starts_with("next-auth.csrf-token=") && !cookies[0].contains("Domain"),
        "{cookies:?}"
    );
    assert!(
        cookies[1].starts_with("next-auth.callback-url=")
            && cookies[1].contains(&format!("; Domain={DOMAIN}; ")),
        "{cookies:?}"
    );
}

/// In a real browser: nginx redirects to the sign-in page, the form signs in, the browser lands
/// on the app, which shows the identity nginx passed on. Screenshots in `target/forward-auth/`.
#[test]
fn browser_signs_in_through_nginx_forward_auth() {
    if std::env::var("NEXTAUTH_SKIP_E2E").is_ok_and(|v| v == "1" || v == "true") {
        panic!(
            "NEXTAUTH_SKIP_E2E is set but this browser test was selected: skip it with a filter \
             (`NEXTAUTH_SKIP_E2E=1 bash scripts/test.sh`, or `cargo nextest run --profile skip-e2e`)"
        );
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var("E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is missing ({chromium}): run scripts/test.sh (Debian package `chromium`)"
    );
    assert!(
        root.join("e2e/node_modules/playwright-core").is_dir(),
        "e2e/node_modules is missing: run scripts/test.sh, it runs npm ci there"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(stack());
    let out_dir = root.join("target/forward-auth");
    std::fs::create_dir_all(&out_dir).unwrap();
    let target = format!(
        "http://app.{DOMAIN}:{}/dashboard?from=browser",
        s.nginx_port
    );
    let out = Command::new("node")
        .arg(root.join("e2e/forward-auth.mjs"))
        .args(["--url", &target, "--base", &s.base, "--out"])
        .arg(&out_dir)
        .env("E2E_CHROMIUM", &chromium)
        .current_dir(root.join("e2e"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "e2e/forward-auth.mjs failed:\n{text}");
    assert!(text.contains("forward-auth browser: OK"), "{text}");
    assert!(out_dir.join("forward-auth-signed-in.png").is_file());
    drop(s);
}
