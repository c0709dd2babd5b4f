//! Slow clients, stalled peers and floods (issue 10 §4): every phase of a connection is bounded
//! (`[server]` timeouts), the connection cap holds, shutdown has a deadline, and the client
//! logger's beacon can neither forge log lines nor flood the log.
//!
//! The bounds asserted are the configured timeout plus a generous margin: they check that a
//! connection is closed at all, not how fast.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// Margin over a configured timeout within which the server must have acted.
const MARGIN: Duration = Duration::from_secs(5);

fn config(server: &str) -> String {
    format!(
        r#"
secret = "{SECRET}"

[server]
{server}

[[providers]]
id = "email"
type = "email"
"#
    )
}

fn connect(s: &Server) -> TcpStream {
    let t = TcpStream::connect(s.addr).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    t
}

/// Reads until the server closes the connection (EOF or reset); returns what it sent and when.
fn read_until_closed(t: &mut TcpStream, bound: Duration) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    t.set_read_timeout(Some(bound)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match t.read(&mut buf) {
            Ok(0) => return (got, start.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                panic!(
                    "still open after {:?}; received {:?}",
                    start.elapsed(),
                    String::from_utf8_lossy(&got)
                )
            }
            Err(_) => return (got, start.elapsed()),
        }
    }
}

/// Reads one response with a `content-length` body; returns its head and body.
fn read_response(t: &mut TcpStream) -> (String, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            while got.len() < end + 4 + len {
                let n = t.read(&mut buf).unwrap();
                assert!(n > 0, "closed mid-body");
                got.extend_from_slice(&buf[..n]);
            }
            let body = String::from_utf8_lossy(&got[end + 4..end + 4 + len]).to_string();
            return (head, body);
        }
        let n = t.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "closed before a response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

fn get_session(t: &mut TcpStream) -> (String, String) {
    t.write_all(b"GET /api/auth/session HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    read_response(t)
}

/// Writes `bytes` one at a time, `every` apart, until done or the server closes.
fn trickle(mut t: TcpStream, bytes: Vec<u8>, every: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for b in bytes {
            if t.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(every);
        }
    })
}

#[test]
fn trickled_header_is_closed_within_the_header_timeout() {
    let s = Server::spawn(&config(
        "header_read_timeout = 1\nkeep_alive_timeout = 30\nbody_read_timeout = 30",
    ));
    let mut t = connect(&s);
    // One byte every 300 ms: bytes keep coming, so only a deadline for the whole head ends it.
    let head = b"GET /api/auth/session HTTP/1.1\r\nhost: x\r\nx-padding: ".to_vec();
    let head = [head, vec![b'a'; 200]].concat();
    let w = trickle(t.try_clone().unwrap(), head, Duration::from_millis(300));
    let (_, took) = read_until_closed(&mut t, Duration::from_secs(1) + MARGIN);
    assert!(took < Duration::from_secs(1) + MARGIN, "{took:?}");
    w.join().unwrap();
    // The server still serves.
    let (head, body) = get_session(&mut connect(&s));
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "{}");
}

#[test]
fn silent_connection_is_closed_within_the_header_timeout() {
    let s = Server::spawn(&config("header_read_timeout = 1\nkeep_alive_timeout = 30"));
    let mut t = connect(&s);
    let (got, took) = read_until_closed(&mut t, Duration::from_secs(1) + MARGIN);
    assert!(took < Duration::from_secs(1) + MARGIN, "{took:?}");
    // Nothing was asked, so nothing but perhaps hyper's own 408 comes back.
    let got = String::from_utf8_lossy(&got);
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
}

/// The keep-alive idle time is its own bound: a connection idle for longer than the header
/// timeout still takes the next request, and is closed once idle for longer than its own.
#[test]
fn idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let s = Server::spawn(&config("header_read_timeout = 1\nkeep_alive_timeout = 3"));
    let mut t = connect(&s);
    let (head, _) = get_session(&mut t);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    std::thread::sleep(Duration::from_millis(1800));
    let (head, body) = get_session(&mut t);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "{}");
    let (got, took) = read_until_closed(&mut t, Duration::from_secs(3) + MARGIN);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(took < Duration::from_secs(3) + MARGIN, "{took:?}");
}

/// The long keep-alive idle time is not a long header deadline: once the next request's first
/// byte arrives, its head must be complete within the header timeout.
#[test]
fn trickled_header_on_a_kept_alive_connection_is_closed_within_the_header_timeout() {
    let s = Server::spawn(&config("header_read_timeout = 1\nkeep_alive_timeout = 30"));
    let mut t = connect(&s);
    let (head, _) = get_session(&mut t);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let w = trickle(
        t.try_clone().unwrap(),
        b"GET /api/auth/session HTTP/1.1\r\nx: ".repeat(10),
        Duration::from_millis(300),
    );
    let (got, took) = read_until_closed(&mut t, Duration::from_secs(1) + MARGIN);
    assert!(took < Duration::from_secs(1) + MARGIN, "{took:?}");
    let got = String::from_utf8_lossy(&got);
    assert!(!got.contains("HTTP/1.1 200"), "{got}");
    w.join().unwrap();
}

#[test]
fn trickled_body_is_answered_408_and_closed() {
    let s = Server::spawn(&config(
        "header_read_timeout = 5\nbody_read_timeout = 1\nkeep_alive_timeout = 30",
    ));
    let mut t = connect(&s);
    t.write_all(
        b"POST /api/auth/_log HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\n",
    )
    .unwrap();
    let w = trickle(
        t.try_clone().unwrap(),
        b"level=error&message=".repeat(5),
        Duration::from_millis(300),
    );
    let (got, took) = read_until_closed(&mut t, Duration::from_secs(1) + MARGIN);
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(took < Duration::from_secs(1) + MARGIN, "{took:?}");
    w.join().unwrap();
}

#[test]
fn connection_cap_makes_new_connections_wait_and_is_logged() {
    let s = Server::spawn(&config(
        "max_connections = 3\nheader_read_timeout = 3\nkeep_alive_timeout = 3",
    ));
    let silent: Vec<TcpStream> = (0..3).map(|_| connect(&s)).collect();
    // Let the server accept all three before the fourth arrives.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let mut fourth = connect(&s);
    fourth
        .write_all(b"GET /api/auth/session HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    // Not served while the three silent ones hold every slot...
    fourth
        .set_read_timeout(Some(Duration::from_millis(800)))
        .unwrap();
    let mut buf = [0u8; 1];
    let early = fourth.read(&mut buf);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "{early:?} after {:?}",
        start.elapsed()
    );
    let logs = s.logs();
    assert!(logs.contains("connection limit reached"), "{logs}");
    // ...and served once the header timeout has closed them.
    fourth
        .set_read_timeout(Some(Duration::from_secs(3) + MARGIN))
        .unwrap();
    let (head, body) = read_response(&mut fourth);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(body, "{}");
    drop(silent);
    // One warning, not one per waiting connection.
    assert_eq!(s.logs().matches("connection limit reached").count(), 1);
}

/// SIGTERM while a client trickles its headers and a normal request is in flight: the normal
/// request is answered, the listener closes, and the process exits 0 within the drain deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_ends_within_its_deadline() {
    // A credentials webhook that takes 1.5 s to say yes.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/authorize", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/authorize",
        axum::routing::post(|| async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            axum::Json(serde_json::json!({"id": "u1", "email": "a@example.com"}))
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut s = Server::spawn(&credentials_config(
        &hook,
        "[server]\nheader_read_timeout = 60\nkeep_alive_timeout = 60\nshutdown_timeout = 2",
    ));
    let origin = s.origin.clone();

    let slow = TcpStream::connect(s.addr).unwrap();
    let slow_writer = trickle(
        slow.try_clone().unwrap(),
        b"GET /api/auth/session HTTP/1.1\r\nx: ".repeat(20),
        Duration::from_millis(500),
    );

    let c = client();
    let r = c
        .get(format!("{origin}/api/auth/csrf"))
        .send()
        .await
        .unwrap();
    let token = r.json::<serde_json::Value>().await.unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let in_flight = tokio::spawn({
        let c = c.clone();
        let origin = origin.clone();
        async move {
            c.post(format!("{origin}/api/auth/callback/credentials"))
                .form(&[("csrfToken", token.as_str()), ("username", "u")])
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let term = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    let r = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), origin);
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("next-auth.session-token=")),
        "signed in"
    );

    let status = loop {
        if let Some(st) = s.try_wait() {
            break st;
        }
        if term.elapsed() > Duration::from_secs(2) + MARGIN {
            panic!(
                "still running {:?} after SIGTERM:\n{}",
                term.elapsed(),
                s.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let logs = s.logs();
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(logs.contains("connections still open after"), "{logs}");
    drop(slow);
    slow_writer.join().unwrap();
}

#[tokio::test]
async fn client_log_newline_is_escaped_on_one_line() {
    let s = Server::spawn(&config(""));
    let r = client()
        .post(s.url("/_log"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("level=error&code=X%0D%0AY&message=a%0Aforged%1B%5B2J%E2%80%A8end")
        .send()
        .await
        .unwrap();
    assert_log_answer(r).await;
    let mut logs = String::new();
    for _ in 0..50 {
        logs = s.logs();
        if logs.contains("client error") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = logs
        .lines()
        .find(|l| l.contains("client error"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        line.contains(r"client error: a\nforged\u{1b}[2J\u{2028}end"),
        "{line}"
    );
    assert!(line.contains(r"code=X\r\nY"), "{line}");
    assert!(!logs.lines().any(|l| l.starts_with("forged")), "{logs}");
    assert!(!logs.contains('\u{1b}'), "{logs}");
}

#[tokio::test]
async fn client_log_flood_is_bounded() {
    let s = Server::spawn(&config(""));
    let c = client();
    let message = "m".repeat(5000);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (c, url, message) = (c.clone(), s.url("/_log"), message.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..100 {
                let r = c
                    .post(&url)
                    .form(&[("level", "error"), ("message", message.as_str())])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                assert_eq!(r.text().await.unwrap(), "");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    // The drop report follows 5 s after the first drop.
    let mut logs = String::new();
    for _ in 0..100 {
        logs = s.logs();
        if logs.contains("client log lines dropped") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logged = logs.matches("client error").count();
    // 20 a second (and a burst of 20), not 800.
    let allowed = 20.0 + 20.0 * (secs + 1.0);
    assert!(
        (logged as f64) <= allowed && logged < 800,
        "{logged} lines in {secs:.1} s"
    );
    assert!(logs.contains("client log lines dropped"), "{logs}");
    // Each logged field is cut: no line carries the whole 5000-byte message.
    assert!(
        logs.lines().all(|l| l.len() < 2500),
        "a line of {} bytes",
        logs.lines().map(str::len).max().unwrap_or(0)
    );
}

/// The beacon's body is held to the API's body limit (1 MB, as Next.js's body parser): a larger
/// one is refused with 413 before anything is parsed or logged.
#[tokio::test]
async fn client_log_body_is_capped() {
    let s = Server::spawn(&config(""));
    let body = format!("level=error&message={}", "m".repeat(2 * 1024 * 1024));
    let r = client()
        .post(s.url("/_log"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!s.logs().contains("client error"), "{}", s.logs());
}

/// An address with a newline passes v4's normaliser (it trims only the ends), so it reaches the
/// log-mode mail line: it is logged Debug-quoted, on one line, and forges nothing.
#[tokio::test]
async fn email_address_with_a_newline_forges_no_log_line() {
    let s = Server::spawn(&config(""));
    let c = client();
    let token = csrf(&c, &s).await;
    let r = c
        .post(s.url("/signin/email"))
        .form(&[
            ("csrfToken", token.as_str()),
            ("email", "x\nFORGED ERROR line@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.ends_with("/verify-request?provider=email&type=email"),
        "{location}"
    );
    let mut logs = String::new();
    for _ in 0..50 {
        logs = s.logs();
        if logs.contains("magic link") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = logs
        .lines()
        .find(|l| l.contains("magic link"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(
        line.contains(r#"to="x\nforged error line@example.com""#),
        "{line}"
    );
    assert!(!logs.lines().any(|l| l.starts_with("forged")), "{logs}");
}
