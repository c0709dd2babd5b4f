//! A Rust app that mounts nextauth-rs in its own axum router and reads the session in its own
//! handlers. Run it with `cargo run -p nextauth-axum --example mount`, then open
//! http://localhost:3000/api/auth/signin (alice / password) and http://localhost:3000/me.
//!
//! It shows the library's extension points: an [`Authorize`] implementation in Rust instead of
//! a webhook, and `jwt`/`session` callbacks that put the user id and a role in the session.

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use nextauth_axum::{OptionalSession, Session};
use nextauth_core::callbacks::{CallbackError, Callbacks, JwtArgs, SessionArgs};
use nextauth_core::providers::{
    Authorize, AuthorizeError, CredentialField, CredentialsProvider, Provider, ProviderKind,
};
use nextauth_core::request::{AuthRequest, Params};
use nextauth_core::{AuthConfig, BaseUrl, NextAuth, Secret};
use serde_json::{Map, Value, json};

/// The app's own state; the auth handle is one part of it.
#[derive(Clone)]
struct AppState {
    auth: NextAuth,
    greeting: &'static str,
}

impl FromRef<AppState> for NextAuth {
    fn from_ref(s: &AppState) -> NextAuth {
        s.auth.clone()
    }
}

/// Checks credentials in-process (a real app would look up a password hash).
struct Users;

#[async_trait]
impl Authorize for Users {
    async fn authorize(
        &self,
        credentials: &Params,
        _request: &AuthRequest,
    ) -> Result<Option<Map<String, Value>>, AuthorizeError> {
        let user = credentials.get("username").and_then(Value::as_str);
        let pass = credentials.get("password").and_then(Value::as_str);
        Ok(match (user, pass) {
            (Some("alice"), Some("password")) => {
                json!({"id": "1", "name": "Alice", "email": "alice@example.com"})
                    .as_object()
                    .cloned()
            }
            _ => None,
        })
    }
}

/// Puts `role` in the token at sign-in, and `user.id` + `role` in the session.
struct AppCallbacks;

#[async_trait]
impl Callbacks for AppCallbacks {
    async fn jwt(&self, mut args: JwtArgs<'_>) -> Result<Map<String, Value>, CallbackError> {
        if args.user.is_some() {
            args.token.insert("role".into(), json!("admin"));
        }
        Ok(args.token)
    }

    async fn session(&self, args: SessionArgs<'_>) -> Value {
        let mut session = args.session;
        if let Some(token) = args.token {
            session["user"]["id"] = token.get("sub").cloned().unwrap_or(Value::Null);
            session["role"] = token.get("role").cloned().unwrap_or(Value::Null);
        }
        session
    }
}

fn auth() -> Result<NextAuth, nextauth_core::ConfigError> {
    let base = BaseUrl::parse(Some("http://localhost:3000/api/auth"))?;
    let mut config = AuthConfig::new(
        base,
        Secret::new("example-secret-change-me-0123456789abcdef"),
    );
    config.providers.push(Provider {
        id: "credentials".into(),
        name: "Example users".into(),
        kind: ProviderKind::Credentials(CredentialsProvider {
            fields: vec![
                CredentialField {
                    name: "username".into(),
                    label: Some("Username".into()),
                    input_type: None,
                    placeholder: None,
                },
                CredentialField {
                    name: "password".into(),
                    label: Some("Password".into()),
                    input_type: Some("password".into()),
                    placeholder: None,
                },
            ],
            authorize: Arc::new(Users),
        }),
    });
    NextAuth::builder(config)
        .callbacks(Arc::new(AppCallbacks))
        .build()
}

/// The app's router: its own routes beside the auth API.
fn app(auth: NextAuth) -> Router {
    Router::new()
        .nest("/api/auth", nextauth_axum::router())
        .route("/me", get(me))
        .route("/", get(home))
        .with_state(AppState {
            auth,
            greeting: "Hello",
        })
}

/// Only for signed-in users: 401 otherwise.
async fn me(Session(session): Session) -> axum::Json<nextauth_core::SessionData> {
    axum::Json(session)
}

async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    OptionalSession(s): OptionalSession,
) -> String {
    match s {
        Some(s) => format!(
            "{}, {}",
            state.greeting,
            s.user.name.as_deref().unwrap_or("?")
        ),
        None => format!("{}, stranger", state.greeting),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(auth()?)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Vec<String>, Value) {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .collect();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            cookies,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn the_app_reads_the_session_in_its_own_handlers() {
        let app = app(auth().unwrap());
        let (status, _, _) = send(&app, Request::get("/me").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (_, cookies, csrf) = send(
            &app,
            Request::get("/api/auth/csrf").body(Body::empty()).unwrap(),
        )
        .await;
        let csrf_cookie = cookies
            .iter()
            .find(|c| c.starts_with("next-auth.csrf-token"))
            .unwrap()
            .clone();
        let token = csrf["csrfToken"].as_str().unwrap();
        let form = format!("username=alice&password=password&csrfToken={token}");
        let (status, cookies, _) = send(
            &app,
            Request::post("/api/auth/callback/credentials")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &csrf_cookie)
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FOUND);
        let session = cookies
            .iter()
            .find(|c| c.starts_with("next-auth.session-token="))
            .unwrap()
            .clone();

        let (status, _, me) = send(
            &app,
            Request::get("/me")
                .header("cookie", &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            me["user"],
            json!({"name": "Alice", "email": "alice@example.com", "id": "1"})
        );
        assert_eq!(me["role"], "admin");
    }
}
