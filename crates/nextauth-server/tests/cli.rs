//! The `nextauth` command line: `check`, configuration errors that name their source, and the
//! embedded default (no configuration at all).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn nextauth(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nextauth"));
    c.current_dir(dir)
        .env_remove("NEXTAUTH_URL")
        .env_remove("NEXTAUTH_SECRET")
        .env_remove("NEXTAUTH_SECRET_FILE")
        .env_remove("NEXTAUTH_CONFIG")
        .env_remove("NEXTAUTH_LISTEN")
        .env_remove("DATABASE_URL");
    c
}

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
    assert!(text.contains("__Host-next-auth.csrf-token"), "{text}");
    assert!(text.contains("__Secure-next-auth.session-token"), "{text}");
    assert!(
        text.contains("creds") && text.contains("Company login"),
        "{text}"
    );
    assert!(text.contains("url           from file n.toml"), "{text}");
    assert!(!text.contains("file-secret"), "secrets never printed");

    // The environment wins over the file, and says so.
    let out = nextauth(dir.path())
        .args(["check", "--config", "n.toml"])
        .env("NEXTAUTH_URL", "http://localhost:4000")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("base URL:      http://localhost:4000/api/auth"),
        "{text}"
    );
    assert!(
        text.contains("url           from env NEXTAUTH_URL"),
        "{text}"
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
            format!("{CONFIG}\n[session]\nstrategy = \"cookie\"\n"),
            "`session.strategy`",
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
