//! The machine's ceiling for `bench/load.sh`: a bare axum handler answering a small JSON, on the
//! default `#[tokio::main]` runtime, with nothing of nextauth in the path.
//!
//! `cargo run --release -p nextauth-server --example hello -- 127.0.0.1:0` prints
//! `listening on http://ADDR` once bound; `GET /hello` answers `{"ok":true,"msg":"hello"}`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

async fn hello() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"ok":true,"msg":"hello"}"#,
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3900".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/hello", get(hello))).await
}
