//! [`NextAuth`]: the handle an HTTP adapter calls, and the dispatch on method × action
//! (the table is [`routes::ENDPOINTS`]).
//!
//! Ports v4 `core/index.ts` (`AuthHandler`), spec §2.3.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use crate::adapter::Adapter;
use crate::callbacks::{Callbacks, DefaultCallbacks};
use crate::clock::{Clock, SystemClock};
use crate::config::{AuthConfig, ConfigError, SessionStrategy, ValidConfig};
use crate::cookies::{CookieNames, SetCookie};
use crate::crypto::jwe::JweKeyring;
use crate::domain::SessionData;
use crate::events::{Events, NoEvents};
use crate::init::{self, Ctx};
use crate::pages::Renderer;
use crate::providers::ProviderKind;
use crate::ratelimit::{Limiter, MemoryStore, RateLimitStore};
use crate::request::AuthRequest;
use crate::response::{AuthResponse, Reply};
use crate::routes::{self, BareRoute, Endpoint, FullRoute, Route};
use crate::session;
use crate::state::State;

/// The auth API: a cheap-to-clone handle over immutable, validated state.
///
/// Build it once with [`NextAuth::builder`], then call [`NextAuth::handle`] per request.
#[derive(Clone)]
pub struct NextAuth {
    pub(crate) inner: Arc<State>,
}

impl std::fmt::Debug for NextAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextAuth")
            .field("base", &self.inner.config.base.base)
            .finish_non_exhaustive()
    }
}

/// Builds a [`NextAuth`].
pub struct Builder {
    config: AuthConfig,
    /// Set only through [`NextAuth::builder_valid`]: the config was validated already.
    validated: bool,
    adapter: Option<Arc<dyn Adapter>>,
    callbacks: Arc<dyn Callbacks>,
    events: Arc<dyn Events>,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
    revocations: Arc<crate::revocation::Revocations>,
    rate_limit_store: Option<Arc<dyn RateLimitStore>>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").finish_non_exhaustive()
    }
}

impl Builder {
    /// Storage for users, accounts, database sessions and e-mail tokens.
    pub fn adapter(mut self, adapter: Arc<dyn Adapter>) -> Self {
        self.adapter = Some(adapter);
        self
    }

    /// The `signIn`/`redirect`/`jwt`/`session` callbacks.
    pub fn callbacks(mut self, callbacks: Arc<dyn Callbacks>) -> Self {
        self.callbacks = callbacks;
        self
    }

    /// v4's `events`. Default: none. Durable ones ([`crate::OutboxEvents`]) need an adapter
    /// that keeps an outbox.
    pub fn events(mut self, events: Arc<dyn Events>) -> Self {
        self.events = events;
        self
    }

    /// The clock (tests move it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The outbound HTTP client (webhooks, IdPs). Default: redirects off, 10 s timeout.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The revocation set to check JWT sessions against (shared with the
    /// [`crate::revocation::run`] task that keeps it current). Default: an empty one of its own.
    pub fn revocations(mut self, revocations: Arc<crate::revocation::Revocations>) -> Self {
        self.revocations = revocations;
        self
    }

    /// Where the rate-limit counters live ([`crate::ratelimit`]). Default: a
    /// [`MemoryStore`] of this handle's own (limits per process). A shared store (the database's
    /// [`crate::ratelimit::AdapterStore`], the server's Redis store) makes the limits hold across
    /// instances.
    pub fn rate_limit_store(mut self, store: Arc<dyn RateLimitStore>) -> Self {
        self.rate_limit_store = Some(store);
        self
    }

    /// Validates everything and derives the keys.
    pub fn build(self) -> Result<NextAuth, ConfigError> {
        let config = self.config;
        if !self.validated {
            config.validate()?;
        }
        let needs_adapter = config.session.strategy == SessionStrategy::Database
            || config
                .providers
                .iter()
                .any(|p| matches!(p.kind, ProviderKind::Email(_)));
        if needs_adapter && self.adapter.is_none() {
            return Err(ConfigError(
                "an adapter (a database) is required by the email provider and by database sessions"
                    .into(),
            ));
        }
        if config.session.revoke_on_signout && self.adapter.is_none() {
            return Err(ConfigError(
                "revoke_on_signout needs an adapter (a database) to record signed-out sessions"
                    .into(),
            ));
        }
        if self.adapter.is_none()
            && let Some(p) = config
                .providers
                .iter()
                .find(|p| matches!(&p.kind, ProviderKind::OAuth(o) if o.backchannel_logout))
        {
            return Err(ConfigError(format!(
                "provider {:?}: backchannel_logout needs an adapter (a database): logout tokens are \
                 remembered there (replays), and the sessions they end are found there",
                p.id
            )));
        }
        if self.events.durable() && !self.adapter.as_ref().is_some_and(|a| a.keeps_outbox()) {
            return Err(ConfigError(
                "durable events need an adapter that keeps an event outbox (a database)".into(),
            ));
        }
        let http = match self.http {
            Some(c) => c,
            None => default_http_client()?,
        };
        let cookies =
            CookieNames::new(config.base.secure()).with_domain(config.cookie_domain.as_deref());
        let secrets: Vec<Vec<u8>> = config
            .secrets
            .iter()
            .map(|s| s.expose().as_bytes().to_vec())
            .collect();
        let secret_refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
        let limiter = Limiter::new(
            config.rate_limits.clone(),
            self.rate_limit_store
                .unwrap_or_else(|| Arc::new(MemoryStore::default())),
            secrets.first().cloned().unwrap_or_default(),
        );
        let keeps_tokens = config.providers.iter().any(|p| match &p.kind {
            ProviderKind::OAuth(o) => o.keeps_tokens(),
            _ => false,
        });
        let inner = State {
            session_keys: JweKeyring::derive(&secret_refs, ""),
            keeps_tokens,
            state_keys: JweKeyring::derive(&secret_refs, &cookies.state),
            pkce_keys: JweKeyring::derive(&secret_refs, &cookies.pkce_code_verifier),
            nonce_keys: JweKeyring::derive(&secret_refs, &cookies.nonce),
            providers_json: routes::providers::render(&config),
            pages: Renderer::new(&config)?,
            secrets,
            cookies,
            config,
            adapter: self.adapter,
            callbacks: self.callbacks,
            events: self.events,
            clock: self.clock,
            http,
            oauth_cache: crate::idp::discovery::OAuthCache::default(),
            revocations: self.revocations,
            refresh_local: crate::state::RefreshLocal::default(),
            metrics: crate::telemetry::RequestMetrics::default(),
            limiter,
        };
        Ok(NextAuth {
            inner: Arc::new(inner),
        })
    }
}

/// The default outbound client: no redirects (a token endpoint that redirects is an error, and
/// following redirects is an SSRF vector), bounded connect and total time.
pub fn default_http_client() -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("nextauth-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("HTTP client: {e}")))
}

impl NextAuth {
    /// Starts building from a configuration.
    pub fn builder(config: AuthConfig) -> Builder {
        Builder {
            config,
            validated: false,
            adapter: None,
            callbacks: Arc::new(DefaultCallbacks),
            events: Arc::new(NoEvents),
            clock: Arc::new(SystemClock),
            http: None,
            revocations: Arc::default(),
            rate_limit_store: None,
        }
    }

    /// Starts building from a configuration validated already ([`AuthConfig::into_valid`]):
    /// [`Builder::build`] does not check it a second time.
    pub fn builder_valid(config: ValidConfig) -> Builder {
        Builder {
            validated: true,
            ..NextAuth::builder(config.into_inner())
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The cookie names in use.
    pub fn cookie_names(&self) -> &CookieNames {
        &self.inner.cookies
    }

    /// The adapter, if any.
    pub fn adapter(&self) -> Option<&Arc<dyn Adapter>> {
        self.inner.adapter.as_ref()
    }

    /// Handles one request of the auth API. Never panics on any input.
    ///
    /// Counted in [`crate::telemetry::REQUESTS`] and timed in
    /// [`crate::telemetry::REQUEST_DURATION`] (no-ops without a metrics recorder).
    pub async fn handle(&self, req: AuthRequest) -> AuthResponse {
        let started = std::time::Instant::now();
        let action = req.action;
        let res = self.answer(req).await;
        self.inner
            .metrics
            .record(action, res.status, started.elapsed());
        res
    }

    async fn answer(&self, req: AuthRequest) -> AuthResponse {
        let inner = &*self.inner;
        let Some(endpoint) = routes::endpoint(&req.method, req.action) else {
            return plain(Reply::unsupported(req.method.as_str()));
        };
        let route = match endpoint.route {
            // No init: these carry no CSRF or callback-url cookies (spec §3.2).
            Route::Bare(BareRoute::Providers) => {
                return plain(Reply::Json {
                    status: 200,
                    body: inner.providers_json.clone(),
                    no_store: false,
                });
            }
            Route::Bare(BareRoute::Log) => {
                routes::log::handle(&req);
                return plain(Reply::Empty);
            }
            // Server to server, authenticated by the logout token's signature: no CSRF check,
            // no cookies read or set (see `routes::backchannel_logout`).
            Route::Bare(BareRoute::BackchannelLogout) => {
                return plain(Box::pin(routes::backchannel_logout::post(inner, &req)).await);
            }
            // A proxy's question before each request it guards: the session is read, never
            // written, and no cookie is set (see `routes::forward_auth`).
            Route::Bare(BareRoute::ForwardAuth) => {
                return plain(Box::pin(routes::forward_auth::handle(inner, &req)).await);
            }
            Route::Full(route) => route,
        };
        // Refused before `init`, like the 400 above: a request that names no usable provider
        // sets no cookie (a rejected request changes nothing).
        if let Some(refusal) = refuse_provider(inner, &req, endpoint, route) {
            return plain(refusal);
        }
        let mut ctx = init::init(inner, &req);
        // The sign-in flows' state machines are large (several KiB): boxed, so the future of
        // every request, `GET session` above all, stays small and cheap to create and move.
        let reply = match route {
            FullRoute::SessionGet => routes::session::get(inner, &mut ctx).await,
            FullRoute::SessionUpdate => routes::session::update(inner, &mut ctx).await,
            FullRoute::Csrf => routes::csrf::get(&ctx),
            FullRoute::SigninPage => routes::signin::page(inner, &ctx),
            FullRoute::SigninPost => Box::pin(routes::signin::post(inner, &mut ctx)).await,
            FullRoute::SignoutPage => routes::signout::page(inner, &ctx),
            FullRoute::SignoutPost => Box::pin(routes::signout::post(inner, &mut ctx)).await,
            FullRoute::CallbackGet | FullRoute::CallbackPost => {
                Box::pin(routes::callback::handle(inner, &mut ctx)).await
            }
            FullRoute::VerifyRequestPage => routes::verify_request::page(inner, &ctx),
            FullRoute::ErrorPage => routes::error::page(inner, &ctx),
            FullRoute::Token => Box::pin(routes::token::get(inner, &mut ctx)).await,
        };
        finish(ctx, reply)
    }
}

/// The client's mistakes about the provider segment, which v4 answers misleadingly (spec §8.6,
/// §8.7):
///
/// * `POST signin/<id>` and `GET|POST callback/<id>` with an id no provider has, or none: 404 that
///   says so (v4: `signin?csrf=true`, claiming a CSRF failure, and the 400 "unsupported").
/// * `GET callback/<credentials provider>`: 405 with `Allow: POST` (v4: 500 "Callback for provider
///   type credentials not supported", a server error for a client's request). The credentials
///   callback is where the sign-in form is POSTed to; a GET of it carries no credentials.
fn refuse_provider(
    inner: &State,
    req: &AuthRequest,
    endpoint: &Endpoint,
    route: FullRoute,
) -> Option<Reply> {
    if !endpoint.takes_provider {
        return None;
    }
    let action = endpoint.action.as_str();
    let base = &inner.config.base.base;
    let id = req.provider_id.as_deref();
    let Some(provider) = id.and_then(|id| inner.config.provider(id)) else {
        tracing::info!(action, provider = ?id, "no provider with this id");
        return Some(Reply::unknown_provider(action, id, base));
    };
    if route == FullRoute::CallbackGet && matches!(provider.kind, ProviderKind::Credentials(_)) {
        return Some(routes::callback::credentials_get());
    }
    None
}

/// A response without init cookies.
fn plain(reply: Reply) -> AuthResponse {
    to_response(reply, false, Vec::new())
}

/// Applies JSON mode and attaches the init cookies, then the route's own cookies (spec §3.2).
fn finish(ctx: Ctx<'_>, mut reply: Reply) -> AuthResponse {
    let json_mode = ctx.req.json_mode();
    // A failed sign-in's redirect to the error page carries this request's id (the `nextauth`
    // server's `X-Request-Id`), so the page shows the id its log lines carry (issue 16). A
    // JSON-mode client reads the `X-Request-Id` response header instead.
    if !json_mode
        && let Some(id) = ctx
            .req
            .header(crate::request::REQUEST_ID_HEADER)
            .and_then(crate::error::sane_request_id)
        && let Reply::Redirect {
            url,
            failed: Some(_),
            ..
        }
        | Reply::RateLimited { url, .. } = &mut reply
        && url.contains("/error?error=")
    {
        url.push_str("&request_id=");
        url.push_str(id);
    }
    let mut cookies = ctx.init_cookies;
    cookies.extend(ctx.cookies);
    to_response(reply, json_mode, cookies)
}

const JSON: &str = "application/json; charset=utf-8";

/// The `Content-Security-Policy` of the built-in pages (sign-in, sign-out, verify-request,
/// error). They have no script at all, so none is allowed; their CSS is inline (`<style>` and
/// the providers' `style` attributes); images are the theme's and the providers' logos (any
/// https URL, this origin, `data:`). No `form-action`: Chromium applies it to the redirects
/// that follow a form POST, and `POST signin/<oauth>` answers with a redirect to the IdP (and
/// sign-out may with one to the IdP or an allowed callbackUrl).
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'";

fn to_response(reply: Reply, json_mode: bool, cookies: Vec<SetCookie>) -> AuthResponse {
    let (status, headers, body): (u16, crate::response::Headers, Vec<u8>) = match reply {
        Reply::WithRetryAfter { secs, reply } => {
            let mut r = to_response(*reply, json_mode, cookies);
            r.headers.push(("retry-after", secs.to_string().into()));
            return r;
        }
        Reply::RateLimited { url, retry_after } if json_mode => {
            let body = serde_json::json!({ "url": url }).to_string();
            (
                429,
                vec![
                    ("content-type", Cow::Borrowed(JSON)),
                    ("retry-after", retry_after.to_string().into()),
                ],
                body.into_bytes(),
            )
        }
        Reply::RateLimited { url, retry_after } => (
            302,
            vec![(
                "location",
                header_safe(&format!("{url}&retry_after={retry_after}")).into(),
            )],
            Vec::new(),
        ),
        Reply::Json {
            status,
            body,
            no_store,
        } => {
            let mut h = vec![("content-type", Cow::Borrowed(JSON))];
            if no_store {
                h.push(("cache-control", "private, no-cache, no-store".into()));
                h.push(("pragma", "no-cache".into()));
                h.push(("expires", "0".into()));
            }
            (status, h, body.into_bytes())
        }
        Reply::Html { status, html } => (
            status,
            vec![
                ("content-type", "text/html; charset=utf-8".into()),
                // The pages hold a CSRF token and sign-in forms: never framed (clickjacking).
                ("x-frame-options", "DENY".into()),
                ("content-security-policy", Cow::Borrowed(PAGE_CSP)),
                // Magic-link tokens and callback URLs live in the URL of these pages: no
                // `Referer` carries them to a logo's host or to the next site.
                ("referrer-policy", Cow::Borrowed("no-referrer")),
                ("x-content-type-options", Cow::Borrowed("nosniff")),
                // The sign-in and sign-out pages carry a CSRF token: never kept by a cache.
                ("cache-control", Cow::Borrowed("no-store")),
            ],
            html.into_bytes(),
        ),
        Reply::Text { status, text } => (
            status,
            vec![("content-type", "text/plain; charset=utf-8".into())],
            text.into_bytes(),
        ),
        Reply::MethodNotAllowed { allow, text } => (
            405,
            vec![
                ("content-type", "text/plain; charset=utf-8".into()),
                ("allow", allow.into()),
            ],
            text.into_bytes(),
        ),
        Reply::Redirect { url, status, .. } if json_mode => {
            let body = serde_json::json!({ "url": url }).to_string();
            (
                status,
                vec![("content-type", Cow::Borrowed(JSON))],
                body.into_bytes(),
            )
        }
        Reply::Redirect { url, .. } => (
            302,
            vec![("location", header_safe(&url).into())],
            Vec::new(),
        ),
        Reply::Empty => (200, Vec::new(), Vec::new()),
        Reply::EmptyNoStore => (
            200,
            vec![("cache-control", Cow::Borrowed("no-store"))],
            Vec::new(),
        ),
        Reply::Status {
            status,
            mut headers,
            text,
        } => {
            headers.push(("cache-control", Cow::Borrowed("no-store")));
            if !text.is_empty() {
                headers.push(("content-type", "text/plain; charset=utf-8".into()));
            }
            (status, headers, text.as_bytes().to_vec())
        }
    };
    AuthResponse {
        status,
        headers,
        cookies,
        body,
    }
}

/// Percent-encodes what cannot stand in a header value (controls, spaces, non-ASCII), so a
/// redirect target from a callback or config can never break the response or split headers.
fn header_safe(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if (0x21..=0x7e).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a readiness probe reports ([`NextAuth::readiness`]): one [`ReadinessCheck`] per
/// dependency, ready when every one passed. Serialises as
/// `{"ready": bool, "checks": [{"name", "ok", "error"?}]}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Readiness {
    /// Whether every check passed.
    pub ready: bool,
    /// The checks, database first, then each OIDC discovery in provider order.
    pub checks: Vec<ReadinessCheck>,
}

/// One dependency of [`Readiness`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadinessCheck {
    /// `database`, or `discovery:<provider id>`.
    pub name: String,
    /// Whether it answered.
    pub ok: bool,
    /// Why not (no secret: a storage error or the discovery URL and what it answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How long one readiness check may take before it counts as failed.
pub const READINESS_CHECK_TIMEOUT: Duration = Duration::from_secs(3);

impl NextAuth {
    /// Whether this instance can serve sign-ins: the adapter answers [`Adapter::ping`] (when
    /// there is one), and the discovery document of every OIDC provider that needs one is
    /// loaded (from the cache, else fetched now and cached, as a sign-in would). Each check is
    /// bounded by [`READINESS_CHECK_TIMEOUT`]; the checks run one after the other.
    pub async fn readiness(&self) -> Readiness {
        let inner = &*self.inner;
        let mut checks = Vec::new();
        // `error`: why the check failed, `None` when it passed.
        let outcome = |name: String, error: Option<String>| ReadinessCheck {
            name,
            ok: error.is_none(),
            error,
        };
        let timed_out = || {
            format!(
                "no answer within {} s",
                READINESS_CHECK_TIMEOUT.as_secs_f64()
            )
        };
        if let Some(adapter) = &inner.adapter {
            let r = match tokio::time::timeout(READINESS_CHECK_TIMEOUT, adapter.ping()).await {
                Ok(r) => r.err().map(|e| e.to_string()),
                Err(_) => Some(timed_out()),
            };
            checks.push(outcome("database".into(), r));
        }
        for p in &inner.config.providers {
            let ProviderKind::OAuth(o) = &p.kind else {
                continue;
            };
            let Some(issuer) = o.issuer.as_deref() else {
                continue;
            };
            if !crate::idp::discovery::needs_discovery(o) {
                continue;
            }
            let load = inner
                .oauth_cache
                .metadata(&inner.http, issuer, inner.clock.now_ms());
            let r = match tokio::time::timeout(READINESS_CHECK_TIMEOUT, load).await {
                Ok(r) => r.err().map(|e| e.to_string()),
                Err(_) => Some(timed_out()),
            };
            checks.push(outcome(format!("discovery:{}", p.id), r));
        }
        Readiness {
            ready: checks.iter().all(|c| c.ok),
            checks,
        }
    }

    /// The revocation set of this handle, for [`crate::revocation::run`].
    pub fn revocations(&self) -> Arc<crate::revocation::Revocations> {
        Arc::clone(&self.inner.revocations)
    }

    /// Ends every session of `user_id` now ("sign out everywhere"): JWT sessions issued until
    /// now are refused (here at once, on other instances on the same database within
    /// [`crate::revocation::POLL_INTERVAL`]) and database sessions are deleted. Answers how many
    /// database sessions were deleted.
    ///
    /// # Errors
    /// No adapter, or the adapter's error.
    pub async fn revoke_user_sessions(&self, user_id: &str) -> crate::adapter::AdapterResult<u64> {
        let Some(adapter) = self.inner.adapter.as_deref() else {
            return Err(crate::adapter::AdapterError::Unavailable(
                "revoking sessions needs an adapter (a database)".into(),
            ));
        };
        let s = &self.inner.config.session;
        crate::revocation::revoke_user(
            adapter,
            &self.inner.revocations,
            user_id,
            self.inner.clock.now_ms(),
            s.max_age.max(s.jwt_max_age),
        )
        .await
    }

    /// The session of a request for an app's own handlers (v4 `getServerSession`): what
    /// `GET session` would answer (the `jwt` and `session` callbacks run), typed, with the
    /// user's id and, for JWT sessions, the token. `cookie_header` is the request's `Cookie`
    /// header. `None` without a valid session (no cookie, an unreadable or expired JWT, an
    /// unknown or expired session row, the storage unreachable) or when the `session` callback
    /// answers something other than a non-empty object.
    ///
    /// Read directly (JWT decoding, or the adapter's `getSessionAndUser`), not through a
    /// request. Cookies are not refreshed; a database session is extended as `GET session`
    /// extends it.
    pub async fn session(&self, cookie_header: Option<&str>) -> Option<SessionData> {
        let found = self.found_session(cookie_header).await?;
        let user_id = found.user_id();
        let mut session = SessionData::from_json(found.body)?;
        session.user_id = user_id;
        session.token = found.claims;
        Some(session)
    }

    /// [`NextAuth::session`] as the JSON `GET session` would answer (the `session` callback's
    /// result, untyped). `None` without a valid session.
    pub async fn get_session(&self, cookie_header: Option<&str>) -> Option<serde_json::Value> {
        Some(self.found_session(cookie_header).await?.body)
    }

    async fn found_session(&self, cookie_header: Option<&str>) -> Option<session::Found> {
        let cookies = crate::request::parse_cookie_header(cookie_header?);
        let token = crate::cookies::read_chunked(&self.inner.cookies.session_token, &cookies)?;
        let now = self.inner.clock.now_ms();
        match session::resolve(&self.inner, &token, now, None).await {
            // `GET session` answers `{}` for "no session"; so does a callback that returns it.
            session::Read::Found(found)
                if found.body.as_object().is_some_and(|m| !m.is_empty()) =>
            {
                Some(found)
            }
            _ => None,
        }
    }

    /// The decoded JWT of a request (v4 `getToken`): JWT strategy only; `None` when absent,
    /// invalid or expired.
    pub fn get_token(
        &self,
        cookie_header: Option<&str>,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        let cookies = crate::request::parse_cookie_header(cookie_header?);
        let token = crate::cookies::read_chunked(&self.inner.cookies.session_token, &cookies)?;
        let now = self.inner.clock.now_ms().div_euclid(1000);
        self.inner.session_keys.decode_jwt(&token, now).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_safe_encodes_controls() {
        assert_eq!(header_safe("/a b\r\nc\u{e9}"), "/a%20b%0D%0Ac%C3%A9");
        assert_eq!(header_safe("http://x/?a=1&b=%20"), "http://x/?a=1&b=%20");
    }
}

/// `NextAuth::handle` must stay `Send` (axum and any multi-threaded server need it): a value
/// that is not `Send` held across an `.await` in any route breaks this at compile time, here,
/// with the route named, rather than as an opaque `Handler` error in `nextauth-axum`.
#[cfg(test)]
mod send_check {
    fn is_send<T: Send>(_: T) {}

    #[allow(dead_code)]
    fn handle_is_send(auth: super::NextAuth, req: crate::AuthRequest) {
        is_send(async move { auth.handle(req).await });
    }
}
/// The future of `handle` is created (and moved) for every request: the large sign-in flows
/// and the database read are boxed so that it stays small. A flow awaited inline again would
/// grow it several-fold (4.5 KiB before the boxes, 1.2 KiB after), and `GET session` paid for
/// that in `cargo bench --bench hot_paths` `session/jwt`.
#[cfg(test)]
mod future_size {
    #[test]
    fn handle_future_stays_small() {
        let auth = crate::NextAuth::builder(crate::AuthConfig::new(
            crate::BaseUrl::parse(None).unwrap(),
            crate::Secret::new("x".repeat(32)),
        ))
        .build()
        .unwrap();
        let req = crate::AuthRequest::from_http("GET", "/session", None, Vec::new(), b"").unwrap();
        let size = std::mem::size_of_val(&auth.handle(req));
        assert!(size <= 2048, "the handle future is {size} bytes");
    }
}
