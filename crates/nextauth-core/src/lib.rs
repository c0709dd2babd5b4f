//! # nextauth-core
//!
//! The NextAuth.js v4 REST API (`/api/auth/*`) as a framework-neutral Rust core: an
//! [`AuthRequest`] goes in, an [`AuthResponse`] comes out, byte-compatible with
//! next-auth 4.24.15 on the wire (cookies, CSRF format, session JWEs).
//!
//! # Layout
//! Floors, each importing only its own floor and the ones below it, never one above; no module
//! imports, directly or through others, a module that imports it back.
//! `tests/import_floors.rs` reads the `use` graph and enforces both, at file level (a module is
//! one source file) and at top-level-module level; its `FLOORS` table is this picture:
//!
//! ```text
//!  9 dispatch        handler          NextAuth, Builder, method × action -> route
//!  8 routes          routes/<action>  one file per v4 action (+ routes::ENDPOINTS)
//!  7 sign-in flows   flows/{oauth/, email, credentials}
//!  6 per request     init (Ctx, CSRF, callbackUrl), session (JWT / database sessions)
//!  5 shared state    state (State: config, keys, adapter, callbacks, clock, pages, IdP cache)
//!  4 pages           pages (Renderer over a PageView: config + a few request values)
//!  3 configuration   config, forward_auth (its hosts and rules), idp/ (IdP HTTP, OIDC
//!                    discovery + JWK-set cache)
//!  2 provider data   providers/ (OAuth/OIDC, email, credentials; presets)
//!  1 errors, storage adapter, error, callbacks, outbox (event delivery), events, revocation,
//!                    ratelimit (limits, their stores), testing, i18n (Fluent catalogues)
//!  0 primitives      secret, clock, crypto/, cookies, callback_url, proxy, request, response,
//!                    domain, webhook, telemetry
//! ```
//!
//! The files mirror next-auth v4's `src/core`, so each one can be read beside the file it ports:
//!
//! | module | job | ports |
//! |---|---|---|
//! | [`handler`] | [`NextAuth`], the cheap-to-clone handle; dispatch on method × action ([`routes::ENDPOINTS`]) | `core/index.ts` |
//! | [`routes`] | one file per action: providers, session, csrf, signin, signout, callback, error, verify_request, log; and ours, backchannel_logout (OIDC Back-Channel Logout 1.0), token, forward_auth (nginx `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`) | `core/routes/*.ts` |
//! | [`flows`] | the sign-in flows: OAuth/OIDC (and its back-channel logout tokens), e-mail magic link, credentials | `core/lib/oauth/*`, `core/lib/email/*`, `core/lib/callback-handler.ts` |
//! | [`init`] | per-request context: CSRF check, callbackUrl, the "init cookies" | `core/init.ts` |
//! | [`session`] | reading and writing JWT and database sessions | `core/routes/session.ts`, `core/lib/cookie.ts` |
//! | `state` | the shared state built once at startup (was `handler::Inner`) | `core/init.ts` (`options`) |
//! | [`pages`] | the built-in HTML pages (minijinja templates embedded in the binary) | `core/pages/*.tsx` |
//! | `idp` | HTTP to the IdP, OIDC discovery and JWK-set cache | `core/lib/oauth/client.ts` |
//! | [`providers`] | OAuth/OIDC, email and credentials provider data and presets | `providers/*.ts` |
//! | [`config`] | validated configuration: base URL, secrets, session, pages, theme, `cookie_domain` | `core/lib/utils.ts`, `utils/parse-url.ts` |
//! | [`forward_auth`] | `[forward_auth]`: the hosts forward-auth protects and its rules (who may pass) | (not in v4; oauth2-proxy, Authelia) |
//! | [`error`] | why an action failed, the v4 error codes a browser sees, [`ConfigError`] | `core/errors.ts` |
//! | [`domain`] | the typed domain: `User`, `Account`, `Session`, `VerificationToken`, the session JSON of a stored user | `adapters.ts`, `core/types.ts` |
//! | [`adapter`] | the storage trait (v4 `Adapter`) | `adapters.ts` |
//! | `testing` | test doubles (feature `testing`): `MemoryAdapter`, `FixedClock` | |
//! | [`events`] | v4's `events` as the [`Events`] trait, and their durable outbox form | `core/types.ts` (`EventCallbacks`) |
//! | [`outbox`] | the outbox delivery worker: claims, signed POSTs, backoff, give-up | |
//! | [`revocation`] | ending JWT sessions early: revoked session ids, per-user not-before, kept in memory from the database | |
//! | [`callbacks`] | the user extension points: `signIn`, `redirect`, `jwt`, `session` | `core/types.ts` |
//! | [`request`], [`response`] | framework-neutral request and response | `core/types.ts` |
//! | [`crypto`] | JWE `dir`/`A256GCM` codec, HKDF keys, CSRF hash, random values | `jwt/index.ts`, `core/lib/csrf-token.ts` |
//! | [`cookies`] | cookie names, `__Secure-`/`__Host-` prefixes, serialisation, chunking | `core/lib/cookie.ts` |
//! | [`callback_url`] | callbackUrl validation and the default `redirect` callback | `core/lib/callback-url.ts` |
//! | [`ratelimit`] | rate limits on the sign-in endpoints (`[rate_limit]`): fixed windows, the memory and database stores, the limiter the flows ask | (not in v4) |
//! | [`proxy`] | which peers' forwarded headers are believed (`trusted_proxies`): the client address, the original URL | (not in v4; RFC 7239, nginx `real_ip_recursive`) |
//! | [`clock`] | an injectable "now", so expiry is testable | |
//! | [`webhook`] | outgoing webhooks: Standard Webhooks signature, one bounded signed POST | |
//! | [`telemetry`] | the metrics (`metrics` facade): names, labels, the per-request handles | |
//!
//! Where v4 is unsafe or vague we are strict, and say so where it happens: only `dir`/`A256GCM`
//! JWEs are accepted, CSRF tokens are compared in constant time, and a `callbackUrl` that v4 would
//! answer with a 500 falls back to the origin.

pub mod adapter;
pub mod callback_url;
pub mod callbacks;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod events;
pub mod flows;
pub mod forward_auth;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod handler;
pub mod i18n;
pub(crate) mod idp;
pub mod init;
pub mod outbox;
pub mod pages;
pub mod providers;
pub mod proxy;
pub mod ratelimit;
pub mod request;
pub mod response;
pub mod revocation;
pub mod routes;
pub mod secret;
pub mod session;
pub(crate) mod state;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod webhook;

// What a library user needs, at the root; everything else stays at its module path.
pub use adapter::{Adapter, AdapterError, AdapterResult};
pub use callbacks::configured::ConfiguredCallbacks;
pub use callbacks::{
    CallbackError, Callbacks, DefaultCallbacks, JwtArgs, SessionArgs, SignInArgs, SignInDecision,
    Trigger,
};
pub use clock::{Clock, SystemClock};
pub use config::{
    AuthConfig, BaseUrl, ConfigError, Pages, SessionConfig, SessionStrategy, Theme, ValidConfig,
};
pub use domain::{Account, NewUser, Session, SessionData, SessionUser, User, VerificationToken};
pub use error::{AuthError, ErrorCode, Reason};
pub use events::{Events, NoEvents, OutboxEvents};
pub use handler::{NextAuth, Readiness, ReadinessCheck};
pub use providers::credentials::Authorize;
pub use providers::email::EmailTransport;
pub use providers::{Provider, ProviderKind};
pub use proxy::TrustedProxies;
pub use ratelimit::{Rate, RateLimitStore, RateLimits};
pub use request::{Action, AuthRequest, Method, Params};
pub use response::AuthResponse;
pub use secret::Secret;
