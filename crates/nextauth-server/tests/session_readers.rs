//! The session readers for other backends, run against this crate's `nextauth` binary: the
//! Python examples' pytest suite (`examples/python`: a FastAPI dependency and a Django
//! middleware) and the Express example's `node --test` suite (`examples/express`), each reading a
//! real session on both paths (nextauth's `GET session`; the JWE decrypted locally) and refusing
//! tampered and expired ones.
//!
//! Needs a Python virtual environment with `examples/python/requirements.txt` at
//! `<target dir>/python-session-readers` and `npm ci` in `examples/express` and `testkit/node`
//! (which mints the expired tokens with next-auth's `encode()`): `bash scripts/test.sh` makes all
//! of them; without them these tests fail with that advice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above a normal run (a few seconds each); only a hung run gets here.
const TIMEOUT: Duration = Duration::from_secs(5 * 60);

fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// The target directory this binary was built into (`<target>/debug/nextauth`), where
/// scripts/test.sh puts the Python environment.
fn target_dir() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_nextauth"));
    bin.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Runs `cmd` in its own process group (killed whole on timeout); panics with its output when
/// it fails, and returns the output otherwise.
fn run(mut cmd: Command, what: &str) -> String {
    let log_path = std::env::temp_dir().join(format!(
        "nextauth-session-readers-{}-{}.log",
        what.replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
        std::process::id()
    ));
    let log = std::fs::File::create(&log_path).unwrap();
    cmd.env("NEXTAUTH_BIN", env!("CARGO_BIN_EXE_nextauth"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}): run scripts/test.sh"));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    eprintln!("{output}");
    match status {
        Some(s) if s.success() => output,
        Some(s) => panic!("{what} failed ({s})\n{output}"),
        None => panic!("{what} did not finish within {TIMEOUT:?} and was killed\n{output}"),
    }
}

fn require_node_modules(root: &Path, dirs: &[&str]) {
    for dir in dirs {
        assert!(
            root.join(dir).join("node_modules").is_dir(),
            "{dir}/node_modules is missing: run scripts/test.sh (it runs npm ci there)"
        );
    }
}

#[test]
fn python_fastapi_and_django_readers_both_paths() {
    let root = root();
    require_node_modules(&root, &["testkit/node"]);
    let venv = target_dir().join("python-session-readers");
    let python = venv.join("bin").join("python");
    assert!(
        python.exists(),
        "no Python environment at {}: run scripts/test.sh (it makes it from \
         examples/python/requirements.txt)",
        venv.display()
    );
    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "-p", "no:cacheprovider", "tests"])
        .current_dir(root.join("examples/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run(cmd, "pytest in examples/python");
    // pytest's closing line: `N passed in …s`, nothing failed or skipped.
    let last = out
        .lines()
        .rev()
        .find(|l| l.contains(" passed"))
        .unwrap_or("");
    assert!(
        !last.contains("failed") && !last.contains("skipped") && !last.contains("error"),
        "pytest must pass every test: {last:?}"
    );
}

#[test]
fn express_reader_both_paths() {
    let root = root();
    require_node_modules(&root, &["examples/express"]);
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=tap"])
        .current_dir(root.join("examples/express"));
    let out = run(cmd, "node --test in examples/express");
    let count = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("# {key} ")))
            .and_then(|n| n.trim().parse::<u32>().ok())
    };
    assert!(
        count("pass").is_some_and(|n| n > 0)
            && count("fail") == Some(0)
            && count("skipped") == Some(0),
        "node --test must pass every test and skip none"
    );
}
