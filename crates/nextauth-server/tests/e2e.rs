//! End to end, in a real browser: the Node suite in `e2e/` (the real `next-auth/react` client and the
//! built-in pages in headless Chromium, driven by playwright-core) and the Next.js example's smoke
//! test (`examples/nextjs/smoke.mjs`: `next build`, `next start`, sign-in, middleware `getToken()`,
//! `getServerSession()` of `packages/next` in the JWT and database strategies),
//! both against this crate's `nextauth` binary.
//!
//! Needs Debian's Chromium (`/usr/bin/chromium`, or `E2E_CHROMIUM`) and `npm ci` in `e2e/`,
//! `examples/nextjs/` and `testkit/node/`: `bash scripts/test.sh` installs all of them. Without
//! them these tests fail with that advice. `NEXTAUTH_SKIP_E2E=1 bash scripts/test.sh` leaves this
//! binary out through a nextest filter (the `skip-e2e` profile of `.config/nextest.toml`), so the
//! run reports them as skipped; a run that selects them anyway with that variable set fails here
//! rather than passing without running (CI refuses the variable altogether).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above a normal run (about a minute each on 2 cores); only a hung run gets here.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// A test that returned early would be counted as passed: with `NEXTAUTH_SKIP_E2E` set, a run
/// that still selected this test is told how to leave it out instead.
fn refuse_silent_skip() {
    if std::env::var("NEXTAUTH_SKIP_E2E").is_ok_and(|v| v == "1" || v == "true") {
        panic!(
            "NEXTAUTH_SKIP_E2E is set but this browser test was selected: skip it with a filter so \
             the run reports it as skipped (`NEXTAUTH_SKIP_E2E=1 bash scripts/test.sh`, or \
             `cargo nextest run --profile skip-e2e`)"
        );
    }
}

/// Fails with what to do when something the suites need is missing.
fn preflight(root: &Path, node_dirs: &[&str]) {
    let chromium = std::env::var("E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is missing ({chromium}): run scripts/test.sh, it installs chromium \
         (Debian package `chromium`). `NEXTAUTH_SKIP_E2E=1 bash scripts/test.sh` skips the browser tests."
    );
    for dir in node_dirs {
        assert!(
            root.join(dir).join("node_modules").is_dir(),
            "{dir}/node_modules is missing: run scripts/test.sh, it runs npm ci there \
             (or `NEXTAUTH_SKIP_E2E=1 bash scripts/test.sh` to skip the browser tests)"
        );
    }
}

/// Runs `node <args>` in `root`, in its own process group (killed whole on timeout), and
/// returns its combined output; panics with that output when it fails.
fn run_node(root: &Path, name: &str, args: &[&str]) -> String {
    let log_path = std::env::temp_dir().join(format!("nextauth-{name}-{}.log", std::process::id()));
    let log = File::create(&log_path).unwrap();
    let mut cmd = Command::new("node");
    cmd.args(args)
        .current_dir(root)
        .env("NEXTAUTH_BIN", env!("CARGO_BIN_EXE_nextauth"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot run `node` ({e}): run scripts/test.sh, it installs Node.js")
    });
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
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    eprintln!("{output}");
    match status {
        Some(s) if s.success() => output,
        Some(s) => panic!(
            "`node {}` failed ({s}) after {:.0?}; screenshots and logs under artifacts/\n{output}",
            args.join(" "),
            started.elapsed()
        ),
        None => panic!(
            "`node {}` did not finish within {TIMEOUT:?} and was killed\n{output}",
            args.join(" ")
        ),
    }
}

#[test]
fn browser_suite_next_auth_react_and_built_in_pages() {
    refuse_silent_skip();
    let root = root();
    preflight(&root, &["e2e", "testkit/node"]);
    let out = run_node(
        &root,
        "e2e",
        &["e2e/run.mjs", "--server", env!("CARGO_BIN_EXE_nextauth")],
    );
    let last = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    // Against nextauth nothing may be skipped (the suite's SKIPs are for the reference target):
    // the last line is exactly `N passed, 0 failed` with N > 0.
    let passed = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse::<u32>().ok());
    assert!(
        passed.is_some_and(|n| n > 0),
        "the browser suite must end with `N passed, 0 failed` (no failure, no skip), got {last:?}"
    );
}

#[test]
fn nextjs_example_builds_and_middleware_reads_the_session() {
    refuse_silent_skip();
    let root = root();
    preflight(&root, &["e2e", "examples/nextjs"]);
    run_node(
        &root,
        "nextjs-smoke",
        &[
            "examples/nextjs/smoke.mjs",
            "--server",
            env!("CARGO_BIN_EXE_nextauth"),
            "--browser",
        ],
    );
}
