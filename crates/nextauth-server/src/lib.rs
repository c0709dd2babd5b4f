//! # nextauth-server
//!
//! The `nextauth` binary's library half: configuration ([`settings`]), storage ([`storage`]),
//! operations ([`ops`]: logs, request ids, metrics, `/healthz`, `/readyz`), and [`app`]/[`run`],
//! which `main` and the tests share (bind first, then serve).
//!
//! [`run`] is its own accept loop on hyper's HTTP/1 connection (not `axum::serve`, which has no
//! timeouts), so that no client can hold the server: see [`Limits`].

mod limits;
pub mod ops;
pub mod rate_limit_redis;
pub mod settings;
pub mod storage;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use nextauth_core::clock::Clock;
use nextauth_core::providers::EmailTransport;
use nextauth_core::{Adapter, NextAuth};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub use limits::{Limits, default_max_connections};
use tower::ServiceExt as _;

use crate::settings::Settings;

/// What a test or an embedder swaps when building from [`Settings`]; whatever is unset comes
/// from the settings themselves.
#[derive(Default)]
pub struct Overrides {
    /// Storage to use instead of opening `database.url` (one pool shared by several apps).
    pub adapter: Option<Arc<dyn Adapter>>,
    /// The clock (tests move it). Default: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// The transport of every email provider, instead of the SMTP or log transport the
    /// configuration names (a test's capturing transport).
    pub email_transport: Option<Arc<dyn EmailTransport>>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("adapter", &self.adapter.is_some())
            .field("clock", &self.clock.is_some())
            .field("email_transport", &self.email_transport.is_some())
            .finish()
    }
}

/// Builds the auth handle from resolved settings, the one way `main` and the tests both use:
/// opens storage (unless [`Overrides::adapter`]), installs the `[session.expose]` callbacks and
/// the settings' one HTTP client. The configuration was validated by [`settings::resolve`] and
/// is not checked again.
///
/// With `[events]`, the event delivery worker is spawned on the current runtime and runs as long
/// as it does; [`build_with_events`] hands it over instead, for a clean shutdown.
///
/// # Errors
/// The database cannot be opened (its URL redacted in the message), or the core refuses the
/// parts (an email provider or database sessions without an adapter).
pub async fn build(settings: Settings, overrides: Overrides) -> anyhow::Result<NextAuth> {
    let (auth, worker) = build_with_events(settings, overrides).await?;
    if let Some(w) = worker {
        tokio::spawn(w.run(std::future::pending()));
    }
    Ok(auth)
}

/// [`build`], with the `[events]` delivery worker (when configured) returned, not started.
///
/// # Errors
/// As [`build`].
pub async fn build_with_events(
    settings: Settings,
    overrides: Overrides,
) -> anyhow::Result<(NextAuth, Option<EventsWorker>)> {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    let mut auth = settings.auth.clone();
    if let Some(t) = &overrides.email_transport {
        auth = auth.with_email_transport(t);
    }
    let adapter = match overrides.adapter {
        Some(a) => a,
        None => storage::open_adapter_with(
            &settings.database_url,
            &settings.database,
            settings.session_cache,
        )
        .await
        .with_context(|| format!("database {}", settings::redact_url(&settings.database_url)))?,
    };
    let clock: Arc<dyn Clock> = overrides
        .clock
        .unwrap_or_else(|| Arc::new(nextauth_core::SystemClock));
    let mut builder = NextAuth::builder_valid(auth)
        .adapter(Arc::clone(&adapter))
        .http_client(settings.http.clone())
        .clock(Arc::clone(&clock));
    if let Some(cb) = settings.callbacks() {
        builder = builder.callbacks(cb as Arc<dyn nextauth_core::Callbacks>);
    }
    // --- rate limits (issue 14 part 3) ---
    builder = builder.rate_limit_store(rate_limit_store(&settings, &adapter)?);
    // --- end rate limits ---
    // JWT sessions check revocations (sign-out with `revoke_on_signout`, `nextauth sessions
    // revoke`) in memory; this task keeps that set current from the database.
    if settings.auth.session.strategy == nextauth_core::SessionStrategy::Jwt {
        let revocations = Arc::new(nextauth_core::revocation::Revocations::new());
        builder = builder.revocations(Arc::clone(&revocations));
        tokio::spawn(nextauth_core::revocation::run(
            Arc::clone(&adapter),
            revocations,
            Arc::clone(&clock),
            std::future::pending(),
        ));
    }
    let mut worker = None;
    if let Some(delivery) = settings.events.clone() {
        let events = nextauth_core::OutboxEvents::default();
        worker = Some(EventsWorker {
            adapter: Arc::clone(&adapter),
            http: settings.http.clone(),
            delivery,
            clock: Arc::clone(&clock),
            wake: events.wake.clone(),
        });
        builder = builder.events(Arc::new(events));
    }
    Ok((builder.build()?, worker))
}

/// The store of `rate_limit.store`: this process's memory, the database's table, or Redis.
///
/// # Errors
/// A Redis URL that redis-rs refuses (the settings checked it already).
fn rate_limit_store(
    settings: &Settings,
    adapter: &Arc<dyn Adapter>,
) -> anyhow::Result<Arc<dyn nextauth_core::RateLimitStore>> {
    use settings::rate_limit::RateLimitStoreSetting as S;
    Ok(match &settings.rate_limit_store {
        S::Memory => Arc::new(nextauth_core::ratelimit::MemoryStore::default()),
        S::Database => Arc::new(nextauth_core::ratelimit::AdapterStore::new(Arc::clone(
            adapter,
        ))),
        S::Redis(url) => Arc::new(
            rate_limit_redis::RedisStore::new(url)
                .with_context(|| format!("rate_limit.store {}", settings::redact_url(url)))?,
        ),
    })
}

/// The `[events]` delivery worker ([`nextauth_core::outbox::run`]) of one built app.
pub struct EventsWorker {
    adapter: Arc<dyn Adapter>,
    http: reqwest::Client,
    delivery: nextauth_core::outbox::Delivery,
    clock: Arc<dyn Clock>,
    wake: nextauth_core::outbox::Wake,
}

impl std::fmt::Debug for EventsWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsWorker")
            .field("url", &self.delivery.url)
            .finish_non_exhaustive()
    }
}

impl EventsWorker {
    /// Delivers until `shutdown` resolves; an attempt under way then is finished first.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        nextauth_core::outbox::run(
            self.adapter,
            self.http,
            self.delivery,
            self.clock,
            self.wake,
            shutdown,
        )
        .await;
    }
}

/// The whole HTTP app: the auth API mounted at the path of the base URL. Every request runs
/// in a `request` span with its `request_id`, echoed as `X-Request-Id`, and its `client` address
/// ([`ops::RequestIdLayer`]).
pub fn app(auth: NextAuth) -> Router {
    let path = auth.config().base.path.clone();
    let api = nextauth_axum::router::<NextAuth>();
    let router = if path == "/" {
        api
    } else {
        Router::new().nest(&path, api)
    };
    let request_ids = ops::RequestIdLayer::new(auth.config().trusted_proxies.clone());
    router.with_state(auth).layer(request_ids)
}

/// Serves `app` on an already bound listener with the default [`Limits`] until `shutdown`
/// resolves; see [`run_with`].
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, app, Limits::default(), shutdown).await
}

/// Serves `app` on an already bound listener until `shutdown` resolves, then drains: the listener
/// is closed, connections finish their current request, and [`run_with`] returns when they are
/// all closed or [`Limits::shutdown_timeout`] has passed; the connections still open then are
/// closed when their tasks are dropped (the runtime's shutdown).
pub async fn run_with(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let body_timeout = limits.body_read_timeout;
    let mut full_logged: Option<Instant> = None;
    let mut accept_error_logged: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if full_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    full_logged = Some(Instant::now());
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: {} connections are open; new ones wait until one \
                         closes (server.max_connections; this warning repeats at most once a minute)",
                        limits.max_connections
                    );
                }
                tokio::select! {
                    p = permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionAborted
                            | std::io::ErrorKind::ConnectionReset
                            | std::io::ErrorKind::ConnectionRefused
                    ) {
                        // E.g. EMFILE: log (at most once a minute) and give connections a moment
                        // to close instead of spinning on the error.
                        if accept_error_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                            accept_error_logged = Some(Instant::now());
                            tracing::error!("accept error: {e}");
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let clock = Arc::new(ConnClock::new());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(HeadTimer {
            clock: clock.clone(),
            header: limits.header_read_timeout,
            idle: limits.keep_alive_timeout,
        })
        .header_read_timeout(limits.header_read_timeout);
        let io = TokioIo::new(Watched::new(stream, clock, limits.body_read_timeout));
        // Each request carries its connection's peer as axum's `ConnectInfo`, which
        // nextauth-axum reads (the client address, and whether forwarded headers are believed).
        let service = hyper_util::service::TowerToHyperService::new(app.clone().map_request(
            move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(|body| DeadlineBody::new(body, body_timeout));
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        ));
        let conn = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            // Errors here are the client's (reset, header timeout, malformed request): hyper has
            // answered what it could; nothing to report.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let open = graceful.count();
    if open > 0 {
        tracing::info!(
            "shutting down: waiting up to {:?} for {open} open connection(s)",
            limits.shutdown_timeout
        );
    }
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "shutdown: connections still open after {:?} are closed now",
            limits.shutdown_timeout
        );
    }
    Ok(())
}

/// Per connection: when the current wait for a request head began seeing bytes.
///
/// hyper has one timer for the whole wait for a request head, from the end of the previous
/// response (or the accept) to the last header byte, so on its own it cannot give a long
/// keep-alive idle time and a short header deadline. [`Watched`] notes the first byte read
/// during each wait, and [`HeadTimer`]'s deadline follows it: `idle` until a byte arrives
/// (`header` on a fresh connection, which has sent nothing yet), then `header` from that byte.
struct ConnClock {
    epoch: Instant,
    /// Milliseconds after `epoch`, plus one, of the first byte read since the current wait began;
    /// 0 while none has been.
    first_byte: AtomicU64,
    /// Whether a request head has been waited for before (the connection is kept alive).
    kept_alive: AtomicBool,
}

impl ConnClock {
    fn new() -> Self {
        ConnClock {
            epoch: Instant::now(),
            first_byte: AtomicU64::new(0),
            kept_alive: AtomicBool::new(false),
        }
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }
}

/// The stream, noting the first byte of each request for [`ConnClock`] (one relaxed load per
/// read otherwise), and bounding a stalled write.
///
/// hyper has no deadline while it flushes a response: a client that stops reading (a zero TCP
/// window, which its kernel keeps answering) would hold the connection and its slot of
/// [`Limits::max_connections`] for ever. So a write or flush that makes no progress for
/// `write_stall` fails with `TimedOut`, which ends the connection; any progress starts the
/// bound again.
struct Watched<S = TcpStream> {
    stream: S,
    clock: Arc<ConnClock>,
    write_stall: Duration,
    /// Armed while a write or flush is pending; dropped on progress.
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Watched<S> {
    fn new(stream: S, clock: Arc<ConnClock>, write_stall: Duration) -> Self {
        Watched {
            stream,
            clock,
            write_stall,
            stalled_since: None,
        }
    }

    /// `r` is the inner write's answer: progress disarms the bound, `Pending` arms it (once) and
    /// polls it, so the task is woken when it passes.
    fn bound<T>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if r.is_ready() {
            self.stalled_since = None;
            return r;
        }
        let stall = self.write_stall;
        let sleep = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.stalled_since = None;
                Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client read nothing of the response for the write timeout",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before && this.clock.first_byte.load(Ordering::Relaxed) == 0 {
            this.clock
                .first_byte
                .store(this.clock.millis(), Ordering::Relaxed);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.bound(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.bound(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.stream).poll_flush(cx);
        this.bound(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// hyper's timer for one connection. hyper (1.x, HTTP/1 server) uses its timer only for the
/// header read timeout and asks for a new sleep at the start of every wait for a request head;
/// the deadline it passes is replaced by the one [`ConnClock`] describes.
#[derive(Clone)]
struct HeadTimer {
    clock: Arc<ConnClock>,
    header: Duration,
    idle: Duration,
}

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, _duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.head_wait()
    }

    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.head_wait()
    }
}

impl HeadTimer {
    fn head_wait(&self) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let kept_alive = self.clock.kept_alive.swap(true, Ordering::Relaxed);
        self.clock.first_byte.store(0, Ordering::Relaxed);
        let now = tokio::time::Instant::now();
        let silent = if kept_alive { self.idle } else { self.header };
        Box::pin(HeadSleep {
            clock: self.clock.clone(),
            silent_until: now + silent,
            header: self.header,
            sleep: Box::pin(tokio::time::sleep_until(now + silent)),
        })
    }
}

struct HeadSleep {
    clock: Arc<ConnClock>,
    silent_until: tokio::time::Instant,
    header: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let deadline = match this.clock.first_byte.load(Ordering::Relaxed) {
            0 => this.silent_until,
            ms => {
                let first = this.clock.epoch + Duration::from_millis(ms - 1);
                tokio::time::Instant::from_std(first) + this.header
            }
        };
        if this.sleep.deadline() != deadline {
            this.sleep.as_mut().reset(deadline);
        }
        this.sleep.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for HeadSleep {}

/// A request body that must arrive whole within a deadline counted from its first read.
///
/// tower-http's `TimeoutBody` bounds the wait for each frame, so a body trickled a byte at a time
/// never times out; this bounds the total. The error is an `io::ErrorKind::TimedOut`, which
/// nextauth-axum answers with 408.
struct DeadlineBody {
    inner: Incoming,
    timeout: Duration,
    /// Started on the first poll: requests whose body is never read (every GET) pay no timer.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        DeadlineBody {
            inner,
            timeout,
            sleep: None,
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let timeout = this.timeout;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the request body did not arrive within {timeout:?}"),
            )))));
        }
        Pin::new(&mut this.inner)
            .poll_frame(cx)
            .map_err(|e| Box::new(e) as Self::Error)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::AsyncWriteExt as _;

    /// A peer that never reads: the write stalls once the pipe's 64 bytes are full, and the
    /// bound ends it with `TimedOut` (time is paused, so the 30 s pass at once).
    #[tokio::test(start_paused = true)]
    async fn a_response_the_client_never_reads_times_out() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut w = Watched::new(ours, Arc::new(ConnClock::new()), Duration::from_secs(30));
        let started = tokio::time::Instant::now();
        let err = w.write_all(&[b'x'; 4096]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    /// A slow reader that keeps taking bytes is never cut: each bit of progress restarts the
    /// bound, even when the whole write takes far longer than it.
    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_reader_is_not_cut() {
        use tokio::io::AsyncReadExt as _;
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut w = Watched::new(ours, Arc::new(ConnClock::new()), Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut buf = [0u8; 64];
            while got < 4096 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                got += theirs.read(&mut buf).await.unwrap();
            }
            got
        });
        w.write_all(&[b'x'; 4096]).await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(reader.await.unwrap(), 4096);
    }
}
