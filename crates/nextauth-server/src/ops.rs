//! Operations: the log subscriber ([`init_logging`]), the request id of every request
//! ([`RequestIdLayer`]), the Prometheus recorder ([`install_recorder`]) and the operations
//! listener's router ([`router`]: `/healthz`, `/readyz`, `/metrics`), served apart from the
//! public listener when `[ops] listen` is set.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use nextauth_core::telemetry;
use nextauth_core::{NextAuth, TrustedProxies};
use tracing::Instrument as _;

use crate::settings::ops::LogFormat;

/// The request id header: read from the request when it is a sane token, echoed on the
/// response, and logged as `request_id` on every line the request causes.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest `X-Request-Id` taken from a request; a longer one is replaced by a fresh id.
/// The error page's limit too ([`nextauth_core::error::sane_request_id`]), so the id a page
/// shows is always the one the log lines carry.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Installs the global log subscriber: stderr, level from `RUST_LOG` (default `info`), in
/// `format`. Colours only on a terminal. Does nothing if one is installed already.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        // One object per line; the request's span (with `request_id`) under `span`.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Installs the Prometheus recorder as the process's `metrics` recorder (the core's counters
/// go to it from then on: install it before building the [`NextAuth`]), with
/// [`telemetry::DURATION_BUCKETS`] for the latency histogram and every metric described. The
/// handle renders the text format; [`spawn_upkeep`] keeps its histograms drained.
///
/// # Errors
/// A recorder is installed already (once per process), or the buckets are refused.
pub fn install_recorder() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(telemetry::REQUEST_DURATION.to_string()),
            &telemetry::DURATION_BUCKETS,
        )?
        .install_recorder()?;
    telemetry::describe();
    Ok(handle)
}

/// Runs the recorder's upkeep every 5 s on the current runtime (the exporter's histograms
/// collect samples between renders; upkeep folds them, so memory stays bounded when nobody
/// scrapes).
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}

/// The operations router: `GET /healthz` (200 `ok` while the process serves), `GET /readyz`
/// ([`NextAuth::readiness`] as JSON: 200 when ready, 503 with the failed checks' reasons
/// otherwise) and `GET /metrics` (the Prometheus text format; 404 without a recorder handle).
/// Mounted at the root of its own listener, never under the public base path.
pub fn router(auth: NextAuth, metrics: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { text(StatusCode::OK, "ok\n") }))
        .route(
            "/readyz",
            get(move || {
                let auth = auth.clone();
                async move { readyz(&auth).await }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    match metrics {
                        Some(h) => (
                            [
                                (
                                    header::CONTENT_TYPE,
                                    "text/plain; version=0.0.4; charset=utf-8",
                                ),
                                (header::CACHE_CONTROL, "no-store"),
                            ],
                            h.render(),
                        )
                            .into_response(),
                        None => text(StatusCode::NOT_FOUND, "no metrics recorder\n"),
                    }
                }
            }),
        )
}

async fn readyz(auth: &NextAuth) -> Response {
    let r = auth.readiness().await;
    let status = if r.ready {
        StatusCode::OK
    } else {
        for c in r.checks.iter().filter(|c| !c.ok) {
            tracing::warn!(check = %c.name, error = c.error.as_deref().unwrap_or(""), "not ready");
        }
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::to_string(&r).unwrap_or_else(|_| "{}".into());
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The request's own `X-Request-Id` when it is a sane token (1 to [`MAX_REQUEST_ID_LEN`]
/// ASCII letters, digits, `.`, `_` or `-`: what the error page will show, see
/// [`nextauth_core::error::sane_request_id`]), else a fresh one (32 hex digits, random).
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    if let Some(v) = headers.get(REQUEST_ID_HEADER)
        && let Ok(s) = v.to_str()
        && s.len() <= MAX_REQUEST_ID_LEN
        && nextauth_core::error::sane_request_id(s).is_some()
    {
        return v.clone();
    }
    fresh_request_id()
}

fn fresh_request_id() -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n: u128 = rand::random();
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = HEX[((n >> (124 - 4 * i)) & 0xf) as usize];
    }
    // 32 hex digits are a valid header value.
    HeaderValue::from_bytes(&out).unwrap_or(HeaderValue::from_static("0"))
}

/// A tower layer: every request runs in a `request` span with its `request_id`
/// ([`request_id`]), which is echoed as `X-Request-Id` on the response, and its `client`: the
/// TCP peer, or the address the trusted proxies' `X-Forwarded-For` / `Forwarded` give
/// ([`TrustedProxies::client_addr`], the same address the rate limits count).
#[derive(Debug, Clone, Default)]
pub struct RequestIdLayer {
    trusted: Arc<TrustedProxies>,
}

impl RequestIdLayer {
    /// The layer for a server behind `trusted` (`trusted_proxies`; empty: the peer is the client).
    pub fn new(trusted: TrustedProxies) -> RequestIdLayer {
        RequestIdLayer {
            trusted: Arc::new(trusted),
        }
    }
}

impl<S> tower::Layer<S> for RequestIdLayer {
    type Service = RequestId<S>;

    fn layer(&self, inner: S) -> RequestId<S> {
        RequestId {
            inner,
            trusted: self.trusted.clone(),
        }
    }
}

/// The client address of a request, for the log: the peer (axum's `ConnectInfo`, which the
/// accept loop inserts) unless it is a trusted proxy. Only then are the two forwarding headers
/// copied out of the map; a request from an untrusted peer costs no allocation.
fn client_addr(trusted: &TrustedProxies, req: &Request<Body>) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if !peer.is_some_and(|p| trusted.trusts(p)) {
        return peer;
    }
    let headers: Vec<(String, String)> = ["x-forwarded-for", "forwarded"]
        .into_iter()
        .flat_map(|name| {
            req.headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(move |v| (name.to_string(), v.to_string()))
        })
        .collect();
    trusted.client_addr(peer, &headers)
}

/// The service of [`RequestIdLayer`].
#[derive(Debug, Clone)]
pub struct RequestId<S> {
    inner: S,
    trusted: Arc<TrustedProxies>,
}

impl<S> tower::Service<Request<Body>> for RequestId<S>
where
    S: tower::Service<Request<Body>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        let id = request_id(req.headers());
        // The handler reads it back (a failed sign-in's error page shows it).
        req.headers_mut().insert(REQUEST_ID_HEADER, id.clone());
        let client = client_addr(&self.trusted, &req);
        let span = tracing::info_span!(
            "request",
            request_id = %id.to_str().unwrap_or_default(),
            client = tracing::field::display(DisplayAddr(client)),
        );
        let fut = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        Box::pin(async move {
            let mut res = fut.instrument(span).await?;
            res.headers_mut().insert(REQUEST_ID_HEADER, id);
            Ok(res)
        })
    }
}

/// An optional address for the log: empty when unknown.
struct DisplayAddr(Option<IpAddr>);

impl std::fmt::Display for DisplayAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(a) => a.fmt(f),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn with(v: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_bytes(v).unwrap());
        h
    }

    #[test]
    fn a_sane_request_id_is_kept_anything_else_replaced() {
        assert_eq!(request_id(&with(b"abc-123_X.y")), "abc-123_X.y");
        let long = "a".repeat(MAX_REQUEST_ID_LEN);
        assert_eq!(request_id(&with(long.as_bytes())), long.as_str());
        for bad in [
            "a".repeat(MAX_REQUEST_ID_LEN + 1).as_bytes(),
            b"has space",
            b"tab\there",
            b"caf\xc3\xa9",
            b"a+b",
            b"<script>",
            b"",
        ] {
            let id = request_id(&with(bad));
            assert_ne!(id.as_bytes(), bad);
            assert_eq!(id.len(), 32);
            assert!(id.as_bytes().iter().all(u8::is_ascii_hexdigit));
        }
        let a = request_id(&HeaderMap::new());
        let b = request_id(&HeaderMap::new());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
