//! The machine's ceiling for `bench/load.sh`: a bare axum handler answering a small JSON, on the
//! default `#[tokio::main]` runtime, with nothing of nextauth in the path.
//!
//! `cargo run --release -p nextauth-server --example hello -- 127.0.0.1:0` prints
//! `listening on http://ADDR` once bound.
//!
//! * `GET /hello` answers `{"ok":true,"msg":"hello"}`: the ceiling the issue's targets compare with.
//! * `GET /session-sized` answers constant bytes shaped like nextauth's `GET session` with a JWT
//!   cookie (the same headers, three `Set-Cookie` of the same lengths, a 102-byte body): the
//!   ceiling for moving that many bytes, which tells the cost of the bytes from the cost of the
//!   work in the load figures.
//!
//! SIGTERM or Ctrl-C stops it with exit status 0 (valgrind then writes its counts).

use axum::Router;
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::get;

async fn hello() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"ok":true,"msg":"hello"}"#,
    )
}

const CSRF: &str = "next-auth.csrf-token=5eac4f4e4dbc580da4393cce860b4636371eaf26e001b49621514bdc4aaf03b1%7Cb441db19511a4eab7d19a0a442daa72cf13ee6b367ab19840b50b6fd25c370a9; Path=/; HttpOnly; SameSite=Lax";
const CALLBACK: &str =
    "next-auth.callback-url=http%3A%2F%2F127.0.0.1; Path=/; HttpOnly; SameSite=Lax";
const SESSION: &str = "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aoLi25SwnmCtoMff.TtrT_oVSP-C2LHIRLCZghA_Y-GG_sCo91eqFZRMHNCGqYmnlzVlHSDFQjwqLrB47WGWuefXMILtkeFZctdqvFLhucNnvKcskGDMQ3t5hRdLeDvMYEpFORl4NStloIfuva9XbTstvBdKFguDztkTfe1o_CKwxznhghGKZFCvUFytuXp9lD1vSD4C3waTY67MJeKT7_ZNYGIqJIPypW0Qlc3k._pq9YBXsVsqlQkyfI_Jzvg; Path=/; Expires=Mon, 28 Dec 2026 09:24:22 GMT; HttpOnly; SameSite=Lax";
const BODY: &str = r#"{"user":{"name":"Alice Credentials","email":"alice@example.com"},"expires":"2026-12-28T09:24:22.197Z"}"#;

async fn session_sized() -> impl IntoResponse {
    (
        // AppendHeaders: three headers of one name (an array of pairs would keep the last).
        AppendHeaders([
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-cache, no-store"),
            (header::PRAGMA, "no-cache"),
            (header::EXPIRES, "0"),
            (header::SET_COOKIE, CSRF),
            (header::SET_COOKIE, CALLBACK),
            (header::SET_COOKIE, SESSION),
        ]),
        BODY,
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3900".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new()
        .route("/hello", get(hello))
        .route("/session-sized", get(session_sized));
    // SIGTERM or Ctrl-C ends it cleanly (exit 0), so `bench/callgrind.sh` gets its counts.
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            #[cfg(unix)]
            {
                let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                else {
                    return std::future::pending().await;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
