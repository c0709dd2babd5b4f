//! Helpers of the storage and e-mail acceptance tests (`storage_*.rs`, `email_*.rs`): an
//! in-process `nextauth` server on 127.0.0.1:0 (settings parsed from TOML exactly as the binary
//! does); the browser-like client and CSRF/session shortcuts are `testkit::http`'s.

#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::Path;
use std::sync::Arc;

use nextauth_core::clock::Clock;
use nextauth_core::{Adapter, NextAuth};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use testkit::http::{
    client as browser, cookie, cookie_pair, csrf, location, post_form, session, set_cookies,
    set_session_cookie,
};

pub const SECRET: &str = "storage-test-secret-0123456789abcdef0123";

/// A `nextauth` app served in this process; stopped on drop.
pub struct App {
    pub origin: String,
    pub base: String,
    pub auth: NextAuth,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Everything a test may vary.
pub struct AppOptions<'a> {
    pub database_url: &'a str,
    /// `jwt` or `database`.
    pub strategy: &'a str,
    /// An email provider's `server` (`None`: no email provider).
    pub smtp: Option<String>,
    /// A credentials webhook (`None`: no credentials provider).
    pub authorize_url: Option<String>,
    /// Extra `[session]` lines, e.g. `max_age = 60`.
    pub session_extra: &'a str,
    /// A clock to inject (`None`: the system clock).
    pub clock: Option<Arc<dyn Clock>>,
    /// Use this adapter instead of opening `database_url` (shares one pool between apps).
    pub adapter: Option<Arc<dyn Adapter>>,
    /// More TOML appended at the end (e.g. `[[providers]]` tables).
    pub extra: &'a str,
    /// More `[database]` keys, e.g. `layout = "prisma"`, `migrate = false`, `session_cache = "0s"`.
    pub database_extra: &'a str,
    /// Serve on this listener (bound earlier, so a peer started before the app knows its
    /// port) instead of a fresh one on 127.0.0.1:0.
    pub listener: Option<TcpListener>,
}

impl Default for AppOptions<'_> {
    fn default() -> Self {
        AppOptions {
            database_url: "sqlite::memory:",
            strategy: "jwt",
            smtp: None,
            authorize_url: None,
            session_extra: "",
            clock: None,
            adapter: None,
            database_extra: "",
            extra: "",
            listener: None,
        }
    }
}

impl App {
    /// Binds 127.0.0.1:0 first (or takes `o.listener`), then writes that origin into the
    /// configuration.
    pub async fn start(o: AppOptions<'_>) -> App {
        let listener = match o.listener {
            Some(l) => l,
            None => TcpListener::bind("127.0.0.1:0").await.unwrap(),
        };
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let mut toml = format!(
            "url = \"{origin}/api/auth\"\nsecret = \"{SECRET}\"\n\n[session]\nstrategy = \"{}\"\n{}\n\n[database]\nurl = \"{}\"\n{}\n",
            o.strategy,
            o.session_extra,
            o.database_url,
            // MySQL has no pg-adapter tables: the tests run it in the Prisma layout, its tables
            // made by `nextauth migrate`'s DDL.
            if o.database_extra.is_empty() && o.database_url.starts_with("mysql://") {
                "layout = \"prisma\"\nmigrate = true"
            } else {
                o.database_extra
            }
        );
        if let Some(smtp) = &o.smtp {
            toml.push_str(&format!(
                "\n[[providers]]\nid = \"email\"\ntype = \"email\"\nserver = \"{smtp}\"\nfrom = \"NextAuth Test <no-reply@example.com>\"\n"
            ));
        }
        if let Some(url) = &o.authorize_url {
            toml.push_str(&format!(
                "\n[[providers]]\nid = \"credentials\"\ntype = \"credentials\"\nauthorize_url = \"{url}\"\n[providers.credentials.username]\nlabel = \"Username\"\n[providers.credentials.password]\nlabel = \"Password\"\ntype = \"password\"\n"
            ));
        }
        toml.push_str(o.extra);
        // Rate limits are on by default and these apps take many sign-ins from 127.0.0.1: off,
        // unless a test configures them (tests/rate_limit.rs is about them).
        if !toml.contains("[rate_limit]") {
            toml.push_str("\n[rate_limit]\nenabled = false\n");
        }
        let path = Path::new("/nonexistent/storage-test.toml");
        let file = nextauth_server::settings::parse_file(&toml, path).unwrap();
        let no_env = |_: &str| -> Option<String> { None };
        let settings =
            nextauth_server::settings::resolve(file, Some(path.to_path_buf()), &no_env).unwrap();
        // The binary's own `build`, with our clock and/or adapter swapped in.
        let overrides = nextauth_server::Overrides {
            adapter: o.adapter,
            clock: o.clock,
            ..Default::default()
        };
        let auth = nextauth_server::build(settings, overrides).await.unwrap();
        let app = nextauth_server::app(auth.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = nextauth_server::run(listener, app, async {
                let _ = rx.await;
            })
            .await;
        });
        App {
            base: format!("{origin}/api/auth"),
            origin,
            auth,
            stop: Some(tx),
        }
    }
}

/// A fresh PostgreSQL database of this test's own (dropped with the value), on testkit's server.
/// Panics when PostgreSQL is unreachable or `NEXTAUTH_SKIP_POSTGRES` is set (see
/// `nextauth_sqlx::testing::postgres_url_or_skip`: a skipped test is filtered, never passed).
pub async fn postgres_database() -> nextauth_sqlx::testing::TestDatabase {
    let base = nextauth_sqlx::testing::postgres_url_or_skip(testkit::postgres::database_url())
        .expect("postgres_url_or_skip never returns None");
    nextauth_sqlx::testing::TestDatabase::create(&base).await
}

/// A fresh MySQL/MariaDB database of this test's own (dropped with the value). Panics when
/// MySQL is unreachable or `NEXTAUTH_SKIP_MYSQL` is set (a MySQL test has `mysql` in its name).
pub async fn mysql_database() -> nextauth_sqlx::testing::MySqlTestDatabase {
    let base =
        nextauth_sqlx::testing::mysql_url_or_skip(nextauth_sqlx::testing::mysql_server_url())
            .expect("mysql_url_or_skip never returns None");
    nextauth_sqlx::testing::MySqlTestDatabase::create(&base).await
}

/// `POST signin/email` with the CSRF token; the response (a redirect).
pub async fn request_link(
    b: &reqwest::Client,
    base: &str,
    email: &str,
    callback: &str,
) -> reqwest::Response {
    testkit::http::post_with_csrf(
        b,
        base,
        "signin/email",
        &[("email", email), ("callbackUrl", callback)],
    )
    .await
}

/// A unique address per call, so tests sharing a database never collide.
pub fn unique_email(tag: &str) -> String {
    format!(
        "{tag}-{}@example.com",
        hex::encode(rand::random::<[u8; 5]>())
    )
}
