//! The `nextauth` command line: `check`, configuration errors that name their source, and the
//! embedded default (no configuration at all).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

use std::io::{BufRead, BufReader};
use std::process::Stdio;

mod common;

use common::nextauth_command as nextauth;

/// The first stdout line of a spawned server (the "nextauth listening on …" line).
fn first_line(child: &mut std::process::Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line
}

const CONFIG: &str = r#"
url = "https://auth.example.com/custom/auth/"
secret = "file-secret-0123456789abcdefghijklmnop"
[[providers]]
id = "creds"
type = "credentials"
name = "Company login"
authorize_url = "http://127.0.0.1:9/authorize"
[providers.credentials.username]
label = "User"
"#;

/// A provider with `backchannel_logout`: `check` prints the URI to register at the IdP.
#[test]
fn check_shows_the_backchannel_logout_uri() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONFIG}\n[[providers]]\nid = \"corp\"\ntype = \"oidc\"\nissuer = \"https://sso.example.com\"\nclient_id = \"x\"\nbackchannel_logout = true\n"
    );
    std::fs::write(dir.path().join("n.toml"), config).unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "backchannel_logout_uri (register at the IdP): https://auth.example.com/custom/auth/backchannel-logout/corp"
        ),
        "{text}"
    );
    assert_eq!(text.matches("backchannel_logout_uri").count(), 1, "{text}");
}

/// An e-mail provider without `confirm`: `check` recommends it (mail scanners spend links);
/// with `confirm = true` it does not.
#[test]
fn check_recommends_confirm_for_email_providers() {
    let dir = tempfile::tempdir().unwrap();
    for (confirm, recommended) in [("", true), ("confirm = true\n", false)] {
        let config = format!("{CONFIG}\n[[providers]]\nid = \"mail\"\ntype = \"email\"\n{confirm}");
        std::fs::write(dir.path().join("n.toml"), config).unwrap();
        let out = nextauth(dir.path())
            .args(["check", "--config", "n.toml"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            text.contains("recommendation: set `confirm = true`"),
            recommended,
            "{text}"
        );
    }
}

/// Issue 16: a `templates_dir` template that does not parse stops `nextauth` at start-up, with
/// a message naming the file and the line (and nothing listens).
#[test]
fn a_broken_operator_template_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("signin.html"),
        "{% extends \"layout.html\" %}\n{% block content %}\n{% for p in providers %}\n{% endblock %}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("n.toml"),
        format!(
            "{CONFIG}\n[pages]\ntemplates_dir = \"{}\"\n",
            templates.display()
        ),
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started: {err}");
    assert!(
        err.contains(&format!("{}:", templates.join("signin.html").display())),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "nothing listens"
    );
}

#[test]
fn check_prints_the_resolved_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base URL:      https://auth.example.com/custom/auth"),
        "{text}"
    );
    assert!(
        text.contains("https://auth.example.com/custom/auth/callback/:provider"),
        "{text}"
    );
    assert!(
        text.contains("POST https://auth.example.com/custom/auth/backchannel-logout/:provider"),
        "{text}"
    );
    assert!(text.contains("__Host-next-auth.csrf-token"), "{text}");
    assert!(text.contains("__Secure-next-auth.session-token"), "{text}");
    assert!(
        text.contains("creds") && text.contains("Company login"),
        "{text}"
    );
    assert!(text.contains("url           from file n.toml"), "{text}");
    assert!(!text.contains("file-secret"), "secrets never printed");
    assert!(
        text.contains("trusted_proxies: none (X-Forwarded-* and Forwarded are ignored"),
        "{text}"
    );

    // The environment wins over the file, and says so.
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .env("NEXTAUTH_URL", "http://localhost:4000")
        .env("NEXTAUTH_TRUSTED_PROXIES", "127.0.0.1 10.1.0.0/16,::1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("trusted_proxies: 127.0.0.1/32, 10.1.0.0/16, ::1/128"),
        "{text}"
    );
    assert!(
        text.contains("base URL:      http://localhost:4000/api/auth"),
        "{text}"
    );
    assert!(
        text.contains("url           from env NEXTAUTH_URL"),
        "{text}"
    );
}

/// `refresh`, `federated_logout` are OAuth keys; `check` warns about a federated logout that
/// cannot find an end_session_endpoint (GitHub: no OIDC discovery); `backchannel_logout` is
/// an OAuth key too, and `check` shows the URI to register at the IdP.
#[test]
fn upstream_token_keys_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let provider = "[[providers]]\nid = \"gh\"\ntype = \"oauth\"\npreset = \"github\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh = true\n";
    std::fs::write(
        dir.path().join("ok.toml"),
        format!("{CONFIG}\n{provider}federated_logout = true\n"),
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "ok.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("warning: provider \"gh\": `federated_logout` needs OpenID Connect"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("bc.toml"),
        format!("{CONFIG}\n{provider}backchannel_logout = true\n"),
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "bc.toml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("/backchannel-logout/gh"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[allow(clippy::type_complexity)]
fn invalid_configurations_name_the_value_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    let cases: Vec<(Vec<(&str, &str)>, String, &str)> = vec![
        (
            vec![("NEXTAUTH_URL", "http://")],
            CONFIG.into(),
            "`url` from env NEXTAUTH_URL",
        ),
        (
            vec![("NEXTAUTH_LISTEN", "nope")],
            CONFIG.into(),
            "`listen` from env NEXTAUTH_LISTEN",
        ),
        (
            vec![],
            CONFIG.replace("secret = \"file-secret-0123456789abcdefghijklmnop\"", ""),
            "`secret` is missing",
        ),
        (
            vec![],
            CONFIG.replace("url = ", "urll = "),
            "unknown field `urll`",
        ),
        (
            vec![],
            CONFIG.replace("type = \"credentials\"", "type = \"saml\""),
            "`type` = \"saml\"",
        ),
        (
            vec![],
            CONFIG.replace("authorize_url", "issuer"),
            "`issuer` does not apply to a provider of type \"credentials\"",
        ),
        (
            vec![],
            CONFIG.replace(
                "name = \"Company login\"",
                "name = \"Company login\"\nbackchannel_logout = true",
            ),
            "`backchannel_logout` does not apply to a provider of type \"credentials\"",
        ),
        (
            vec![],
            format!("{CONFIG}\n[session]\nstrategy = \"cookie\"\n"),
            "`session.strategy`",
        ),
        (
            vec![("NEXTAUTH_TRUSTED_PROXIES", "10.0.0.0/8, localhost")],
            CONFIG.into(),
            "`trusted_proxies[1]` from env NEXTAUTH_TRUSTED_PROXIES: `localhost` is not an IP address",
        ),
        (
            vec![],
            format!("trusted_proxies = [\"10.0.0.0/33\"]\n{CONFIG}"),
            "`trusted_proxies[0]` from file",
        ),
        (
            vec![("DATABASE_URL", "mysql://x")],
            CONFIG.into(),
            "`database.url` from env DATABASE_URL",
        ),
        (
            vec![],
            format!(
                "{CONFIG}\n[[providers]]\nid = \"creds\"\ntype = \"credentials\"\nauthorize_url = \"http://x/y\"\n"
            ),
            "used twice",
        ),
    ];
    for (env, file, expected) in cases {
        std::fs::write(dir.path().join("bad.toml"), &file).unwrap();
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
    let out = nextauth(dir.path())
        .args(["check", "--config", "missing.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn secret_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("n.toml"),
        CONFIG.replace("secret = \"file-secret-0123456789abcdefghijklmnop\"", ""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("secret.txt"),
        "from-a-file-0123456789abcdefghijklmnop\n",
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .env("NEXTAUTH_SECRET_FILE", dir.path().join("secret.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("secret        from env NEXTAUTH_SECRET_FILE")
    );
}

#[tokio::test]
async fn embedded_default_serves_the_sign_in_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = nextauth(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line
        .split("listening on http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(
        line.contains("auth API at http://localhost:3000/api/auth"),
        "{line}"
    );
    let page = reqwest::get(format!("http://{addr}/api/auth/signin"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"http://localhost:3000/api/auth/signin/email\""),
        "{html}"
    );
    let _ = child.kill();
    let _ = child.wait();
    // The generated secret is kept beside the database, private to the user.
    let secret = dir.path().join("data/nextauth.secret");
    assert!(secret.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("NO SECRET CONFIGURED"), "{stderr}");
}

/// `TOKIO_WORKER_THREADS` sets the worker count; a bad value is a configuration error that names
/// it (Tokio alone would panic), and an empty one means the default.
#[test]
fn worker_threads_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    for bad in ["abc", "0", "-1"] {
        let out = nextauth(dir.path())
            .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
            .env("TOKIO_WORKER_THREADS", bad)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("TOKIO_WORKER_THREADS"), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{bad}: {err}");
    }
    for ok in ["", "1"] {
        let mut child = nextauth(dir.path())
            .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
            .env("TOKIO_WORKER_THREADS", ok)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let line = first_line(&mut child);
        let _ = child.kill();
        let _ = child.wait();
        assert!(line.contains("nextauth listening on"), "{ok:?}: {line}");
    }
}

/// `[server]` and its `NEXTAUTH_*` variables: `check` prints the values and where they came from;
/// bad values and unknown keys name the key and the source.
#[test]
fn server_limits_are_configured_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        "{CONFIG}\n[server]\nheader_read_timeout = 2.5\nmax_connections = 77\nshutdown_timeout = 5\n"
    );
    std::fs::write(dir.path().join("n.toml"), &cfg).unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .env("NEXTAUTH_BODY_READ_TIMEOUT", "7")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "server:        header_read_timeout 2.5s, body_read_timeout 7s, keep_alive_timeout 60s, \
             max_connections 77, shutdown_timeout 5s"
        ),
        "{text}"
    );
    assert!(
        text.contains("server.header_read_timeout from file n.toml"),
        "{text}"
    );
    assert!(
        text.contains("server.body_read_timeout from env NEXTAUTH_BODY_READ_TIMEOUT"),
        "{text}"
    );
    assert!(
        text.contains("server.keep_alive_timeout from default"),
        "{text}"
    );

    let cases: Vec<(Vec<(&str, &str)>, String, &str)> = vec![
        (
            vec![],
            format!("{CONFIG}\n[server]\nheader_read_timeout = 0\n"),
            "`server.header_read_timeout` from file bad.toml",
        ),
        (
            vec![("NEXTAUTH_KEEP_ALIVE_TIMEOUT", "soon")],
            CONFIG.into(),
            "`server.keep_alive_timeout` from env NEXTAUTH_KEEP_ALIVE_TIMEOUT",
        ),
        (
            vec![("NEXTAUTH_MAX_CONNECTIONS", "0")],
            CONFIG.into(),
            "`server.max_connections` from env NEXTAUTH_MAX_CONNECTIONS",
        ),
        (
            vec![],
            format!("{CONFIG}\n[server]\nshutdown_timeout = -1\n"),
            "`server.shutdown_timeout` from file bad.toml",
        ),
        (
            vec![],
            format!("{CONFIG}\n[server]\nidle_timeout = 5\n"),
            "unknown field `idle_timeout`",
        ),
    ];
    for (env, file, expected) in cases {
        std::fs::write(dir.path().join("bad.toml"), &file).unwrap();
        let mut cmd = nextauth(dir.path());
        cmd.args(["check", "--config", "bad.toml"]);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {err}");
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
}

/// `nextauth check | head -1`: the reader is gone before `check` writes (a pipe whose read end
/// is closed), so every write fails with EPIPE; `check` stops cleanly, status 0, no panic.
#[test]
fn check_into_a_closed_pipe_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // And the real thing: the first line read, then the pipe closed.
    let mut child = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    assert_eq!(line, "configuration: OK\n");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A server whose stdout is closed (or full) still serves; the listening line goes to stderr.
#[tokio::test]
async fn serve_with_stdout_closed_still_serves() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    let stderr_path = dir.path().join("stderr.log");
    for stdout in ["closed pipe", "/dev/full"] {
        let out: Stdio = if stdout == "closed pipe" {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            writer.into()
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap()
                .into()
        };
        let mut child = nextauth(dir.path())
            .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
            .stdout(out)
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        // The listening line went to stderr: the bound address is read from there.
        let mut answer = None;
        for _ in 0..100 {
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            let listening = err.lines().find_map(|l| {
                l.find("nextauth listening on ")
                    .and_then(|i| testkit::http::Listening::parse(&l[i..]))
            });
            if let Some(l) = listening {
                let url = format!("{}/custom/auth/providers", l.socket_origin());
                answer = reqwest::get(&url).await.ok().map(|r| r.status());
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        let err = std::fs::read_to_string(&stderr_path).unwrap();
        assert_eq!(answer.map(|s| s.as_u16()), Some(200), "{stdout}: {err}");
        assert!(running, "{stdout}: {err}");
        assert!(!err.contains("panicked"), "{stdout}: {err}");
        assert!(
            err.contains("nextauth listening on http://"),
            "{stdout}: {err}"
        );
    }
}

/// With `url` and NEXTAUTH_URL unset, the base URL takes the listen port: `--listen 127.0.0.1:0`
/// serves on the port it bound and prints that base (so a harness needs no free-port guess);
/// `check` says the port is the one bound at start; an explicit `url` is kept as it is.
#[tokio::test]
async fn an_unset_url_takes_the_bound_port() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("n.toml"),
        "secret = \"file-secret-0123456789abcdefghijklmnop\"\n",
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("base URL:      http://localhost:<bound port>/api/auth\n"),
        "{text}"
    );
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml", "--listen", "127.0.0.1:4100"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base URL:      http://localhost:4100/api/auth\n"),
        "{text}"
    );

    let mut child = nextauth(dir.path())
        .args(["--config", "n.toml", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    let addr = line
        .strip_prefix("nextauth listening on http://")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no listening line: {line:?}"))
        .to_string();
    let port = addr.rsplit(':').next().unwrap();
    assert_ne!(port, "0", "{line}");
    assert!(
        line.ends_with(&format!("(auth API at http://localhost:{port}/api/auth)\n")),
        "{line}"
    );
    let r = reqwest::get(format!("http://{addr}/api/auth/csrf"))
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.status(), 200);

    // An explicit url keeps its port whatever is bound.
    std::fs::write(dir.path().join("n.toml"), CONFIG).unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base URL:      https://auth.example.com/custom/auth\n"),
        "{text}"
    );
}

/// `nextauth check` shows the `[callbacks]` policies and webhooks (never the secret), and a bad
/// value fails naming its key and the file; `trusted_email` belongs to OAuth/OIDC providers.
#[test]
fn check_shows_the_callbacks() {
    const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &str| {
        std::fs::write(
            dir.path().join("n.toml"),
            format!("{CONFIG}\n[[providers]]\nid = \"corp\"\ntype = \"oauth\"\npreset = \"github\"\nclient_id = \"x\"\ntrusted_email = true\n{extra}"),
        )
        .unwrap();
        nextauth(dir.path())
            .args(["check", "--config", "n.toml"])
            .output()
            .unwrap()
    };
    let out = run(&format!(
        "[callbacks]\nallowed_emails = [\"boss@example.org\"]\nallowed_email_domains = [\"example.com\", \"*.example.net\"]\n\
         sign_in_url = \"http://127.0.0.1:4400/sign-in\"\nclaims_url = \"http://127.0.0.1:4400/claims\"\n\
         redirect_allow = [\"https://docs.example.com\"]\nwebhook_secret = \"{WHSEC}\"\n\
         [callbacks.profile_claims]\ngroups = \"groups\"\n"
    ));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "sign-in policy: allowed_emails boss@example.org; allowed_email_domains example.com, *.example.net; OAuth addresses must be verified (email_verified, or trusted_email: corp)",
        "signIn webhook: POST http://127.0.0.1:4400/sign-in (signed: Standard Webhooks",
        "claims webhook: POST http://127.0.0.1:4400/claims (signed: Standard Webhooks",
        "profile claims: groups = groups",
        "redirect:       the base URL's origin; also https://docs.example.com",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(!text.contains(WHSEC), "{text}");
    let text = String::from_utf8_lossy(&run("").stdout).into_owned();
    assert!(
        text.contains("sign-in policy: everyone") && text.contains("signIn webhook: none"),
        "{text}"
    );

    for (extra, expected) in [
        (
            "[callbacks]\nallowed_email_domains = [\"@x\"]\n",
            "`callbacks.allowed_email_domains[0]` from file n.toml",
        ),
        (
            "[callbacks]\nclaims_url = \"nope\"\n",
            "`callbacks.claims_url` from file n.toml",
        ),
        ("[callbacks]\nsign_in = \"x\"\n", "unknown field `sign_in`"),
    ] {
        let out = run(extra);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expected),
            "{expected}: {err}"
        );
    }
    std::fs::write(
        dir.path().join("n.toml"),
        CONFIG.replace(
            "name = \"Company login\"",
            "name = \"Company login\"\ntrusted_email = true",
        ),
    )
    .unwrap();
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("trusted_email"),
        "{err}"
    );
}
