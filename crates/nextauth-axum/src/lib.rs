//! # nextauth-axum
//!
//! Mounts the nextauth-rs handler in an axum router, and reads the session in your own handlers.
//!
//! ```no_run
//! # use axum::{Router, routing::get};
//! # use nextauth_axum::{Session, router};
//! # async fn demo(auth: nextauth_core::NextAuth) {
//! async fn me(Session(session): Session) -> String {
//!     session.user.email.unwrap_or_default()
//! }
//! let app: Router = Router::new()
//!     .nest("/api/auth", router())
//!     .route("/me", get(me))
//!     .with_state(auth);
//! # }
//! ```
//!
//! The state only has to give a [`NextAuth`] through `FromRef` (axum's "for library authors"
//! pattern), so an app keeps its own state type.

use std::borrow::Cow;
use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use nextauth_core::{AuthRequest, AuthResponse, NextAuth, SessionData};

/// Largest accepted body: Next.js's API-route body parser allows 1 MB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The auth API as a router; nest it at the path of your `NEXTAUTH_URL`
/// (`.nest("/api/auth", router())`). A bare `/api/auth` is a 404, as under Next.js.
pub fn router<S>() -> Router<S>
where
    NextAuth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/{*rest}", any(handle::<S>))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
}

async fn handle<S>(State(state): State<S>, req: Request) -> Response
where
    NextAuth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    // The parts are read in place (no copy of the header map); the body is buffered by the
    // `Bytes` extractor under the `DefaultBodyLimit` above, whose setting travels in the
    // extensions, so an oversized body gets the same 413 as before.
    let started = std::time::Instant::now();
    let (mut parts, body) = req.into_parts();
    // Read before a POST's body takes the extensions. The peer, when the server put it in the extensions (axum's `ConnectInfo`, as
    // `into_make_service_with_connect_info` and the `nextauth` binary do); forwarded headers
    // are believed from it only if it is a trusted proxy.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    // Only POST bodies are read (v4 parses no other); a GET's body, if any, is left to hyper,
    // which drains or closes it. `GET session`, the hot path, skips the body machinery.
    let body = if parts.method == axum::http::Method::POST {
        let mut body_req = Request::new(body);
        *body_req.extensions_mut() = std::mem::take(&mut parts.extensions);
        match Bytes::from_request(body_req, &()).await {
            Ok(b) => b,
            Err(rejection) => {
                let res = if timed_out(&rejection) {
                    request_timeout()
                } else {
                    rejection.into_response()
                };
                rejected(&res, started);
                return res;
            }
        }
    } else {
        Bytes::new()
    };
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
    let auth = NextAuth::from_ref(&state);
    // Header values that are not UTF-8 cannot carry anything NextAuth reads; they are dropped.
    let headers = headers.iter().filter_map(|(k, v)| {
        v.to_str()
            .ok()
            .map(|v| (k.as_str().to_string(), v.to_string()))
    });
    match AuthRequest::from_http(method.as_str(), uri.path(), uri.query(), headers, &body) {
        Ok(req) => into_response(auth.handle(req.with_peer(peer)).await),
        Err(e) => {
            let res = (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("Bad request: {e}"),
            )
                .into_response();
            rejected(&res, started);
            res
        }
    }
}

/// Counts an answer given here, before the core saw the request (a body too large or too slow,
/// a request that does not parse), with the action `unknown`
/// ([`nextauth_core::telemetry::record_request`]).
fn rejected(res: &Response, started: std::time::Instant) {
    nextauth_core::telemetry::record_request(None, res.status().as_u16(), started.elapsed());
}

/// Whether the body failed because it did not arrive in time: a body wrapper of the server (the
/// `nextauth` binary bounds how long a body may take) fails with `io::ErrorKind::TimedOut`.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// 408 for a body that did not arrive in time; the rest of it is not waited for (`Connection:
/// close`).
fn request_timeout() -> Response {
    (
        StatusCode::REQUEST_TIMEOUT,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CONNECTION, "close"),
        ],
        "Request timeout: the request body did not arrive in time",
    )
        .into_response()
}

/// Writes an [`AuthResponse`] as an HTTP response.
///
/// Header values and the body are moved into the response, not copied; a value that is not a
/// valid header value is dropped.
pub fn into_response(res: AuthResponse) -> Response {
    let AuthResponse {
        status,
        headers,
        cookies,
        body,
    } = res;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = response.headers_mut();
    h.reserve(headers.len() + cookies.len());
    for (name, value) in headers {
        let value = match value {
            // Constants are wrapped, not copied.
            Cow::Borrowed(s) => HeaderValue::from_maybe_shared(Bytes::from_static(s.as_bytes())),
            Cow::Owned(s) => HeaderValue::try_from(s),
        };
        if let Ok(v) = value {
            h.append(header_name(name), v);
        }
    }
    for cookie in &cookies {
        if let Ok(v) = HeaderValue::try_from(cookie.to_header()) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The names the core writes, as constants (no parsing per response).
fn header_name(name: &'static str) -> HeaderName {
    match name {
        "content-type" => header::CONTENT_TYPE,
        "cache-control" => header::CACHE_CONTROL,
        "pragma" => header::PRAGMA,
        "expires" => header::EXPIRES,
        "location" => header::LOCATION,
        "x-frame-options" => header::X_FRAME_OPTIONS,
        "content-security-policy" => header::CONTENT_SECURITY_POLICY,
        "referrer-policy" => header::REFERRER_POLICY,
        "x-content-type-options" => header::X_CONTENT_TYPE_OPTIONS,
        other => HeaderName::from_static(other),
    }
}

/// The session of the request, as `GET session` answers it (the `jwt` and `session` callbacks
/// run), typed: `session.user.email`, `session.expires`, the user's id in `session.user_id`, the
/// JWT's claims in `session.token`, what a `session` callback added in the `extra` maps. Read
/// directly by [`NextAuth::session`] (v4 `getServerSession`). Rejects with 401 when there is
/// none.
#[derive(Debug, Clone)]
pub struct Session(pub SessionData);

/// The session of the request, if any (see [`Session`]).
#[derive(Debug, Clone)]
pub struct OptionalSession(pub Option<SessionData>);

impl<S> FromRequestParts<S> for OptionalSession
where
    NextAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = NextAuth::from_ref(state);
        let cookie = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok());
        Ok(OptionalSession(auth.session(cookie).await))
    }
}

impl<S> FromRequestParts<S> for Session
where
    NextAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match OptionalSession::from_request_parts(parts, state).await {
            Ok(OptionalSession(Some(s))) => Ok(Session(s)),
            _ => Err((StatusCode::UNAUTHORIZED, "not signed in")),
        }
    }
}
