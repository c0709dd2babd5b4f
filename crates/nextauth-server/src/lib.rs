//! # nextauth-server
//!
//! The `nextauth` binary's library half: configuration ([`settings`]), storage ([`storage`]),
//! and [`app`]/[`run`], which `main` and the tests share (bind first, then serve).

pub mod settings;
pub mod storage;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use nextauth_core::NextAuth;
use nextauth_core::providers::ProviderKind;
use tokio::net::TcpListener;

use crate::settings::Settings;

/// Builds the auth handle from resolved settings: opens storage, mail transports, callbacks.
pub async fn build(mut settings: Settings) -> anyhow::Result<NextAuth> {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    for (id, url) in &settings.smtp {
        let transport = storage::email_transport(url).with_context(|| {
            format!(
                "email provider `{id}`: server {}",
                settings::redact_url(url)
            )
        })?;
        for p in &mut settings.auth.providers {
            if &p.id == id
                && let ProviderKind::Email(e) = &mut p.kind
            {
                e.transport = transport.clone();
            }
        }
    }
    let adapter = storage::open_adapter(&settings.database_url)
        .await
        .with_context(|| format!("database {}", settings::redact_url(&settings.database_url)))?;
    let mut builder = NextAuth::builder(settings.auth.clone()).adapter(adapter);
    if let Some(cb) = settings.callbacks() {
        builder = builder.callbacks(cb as Arc<dyn nextauth_core::Callbacks>);
    }
    Ok(builder.build()?)
}

/// The whole HTTP app: the auth API mounted at the path of the base URL.
pub fn app(auth: NextAuth) -> Router {
    let path = auth.config().base.path.clone();
    let api = nextauth_axum::router::<NextAuth>();
    let router = if path == "/" {
        api
    } else {
        Router::new().nest(&path, api)
    };
    router.with_state(auth)
}

/// Serves `app` on an already bound listener until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
