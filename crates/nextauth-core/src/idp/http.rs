//! Plain HTTP to an identity provider on the shared `reqwest` client: bounded bodies, openid-client's
//! timeout, JSON answers. Used by [`super::discovery`] and by the OAuth flow
//! (`crate::flows::oauth`); it knows nothing of the shared state.

use std::time::Duration;

use serde_json::Value;

use crate::error::OAuthError;

/// Time allowed to each IdP request: openid-client's default `timeout` (3500 ms), which v4 keeps.
pub(crate) const IDP_TIMEOUT: Duration = Duration::from_millis(3500);

/// Largest IdP response body read (discovery, JWKS, token, userinfo): far above any real one.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Reads a response body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, OAuthError> {
    let too_large = OAuthError::TooLarge { limit: MAX_BODY };
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large);
    }
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > MAX_BODY {
                    return Err(too_large);
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(OAuthError::Read(error_chain(&e))),
        }
    }
}

/// Sends `req` and answers `(status, JSON body)`; `what` names the endpoint in messages.
/// A body that is not JSON is an error that quotes its start (IdP bodies carry no secrets of
/// ours; a token response that is not JSON cannot be a token set).
pub(crate) async fn send_json(
    req: reqwest::RequestBuilder,
    what: &str,
) -> Result<(u16, Value), OAuthError> {
    let resp = req
        .timeout(IDP_TIMEOUT)
        .send()
        .await
        .map_err(|e| OAuthError::Unreachable {
            what: what.to_string(),
            reason: error_chain(&e),
        })?;
    let status = resp.status().as_u16();
    let body = read_body(resp).await.map_err(|e| OAuthError::Body {
        what: what.to_string(),
        status,
        cause: Box::new(e),
    })?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => Ok((status, v)),
        Err(_) => Err(OAuthError::NotJson {
            what: what.to_string(),
            status,
            snippet: snippet(&body),
        }),
    }
}

/// The first 120 characters of a body, for logs.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(120).collect()
}

/// An error and its sources on one line (reqwest's top-level message alone says little).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}
