//! `POST _log`: the client logger's beacon (spec §8.12). Always 200, empty, no cookies.
//!
//! The fields are untrusted: they are logged as data, truncated, under the `nextauth::client`
//! target, never interpreted. v4 calls `logger[level]`, so an unknown level is an error there;
//! here it is logged at `warn`.

use crate::request::AuthRequest;

const MAX_FIELD: usize = 500;

fn field<'a>(req: &'a AuthRequest, key: &str) -> &'a str {
    let s = req.body_str(key).unwrap_or("");
    match s.char_indices().nth(MAX_FIELD) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

pub(crate) fn handle(req: &AuthRequest) {
    let code = field(req, "code");
    let message = field(req, "message");
    match req.body_str("level") {
        Some("error") => tracing::error!(target: "nextauth::client", code, message, "client error"),
        Some("debug") => tracing::debug!(target: "nextauth::client", code, message, "client debug"),
        _ => tracing::warn!(target: "nextauth::client", code, message, "client log"),
    }
}
