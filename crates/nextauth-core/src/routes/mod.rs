//! One file per NextAuth action, each porting the v4 file of the same name
//! (`core/routes/*.ts`, plus the page actions of `core/index.ts`), and [`ENDPOINTS`], the table
//! of method × action that the handler dispatches on.

pub mod backchannel_logout;
pub mod callback;
pub mod csrf;
pub mod error;
pub mod forward_auth;
pub mod log;
pub mod providers;
pub mod session;
pub mod signin;
pub mod signout;
pub mod token;
pub mod verify_request;

use crate::request::{Action, Method};

/// One endpoint of the auth API: a method and an action, and the route that answers it.
#[derive(Debug)]
pub struct Endpoint {
    /// `GET` or `POST`.
    pub method: Method,
    /// The first path segment.
    pub action: Action,
    /// Whether a second segment names the provider (`signin/:provider`, `callback/:provider`).
    pub takes_provider: bool,
    pub(crate) route: Route,
}

impl Endpoint {
    /// The path below the base URL, as `nextauth check` lists it: `/signin/:provider`.
    pub fn path(&self) -> String {
        let suffix = if self.takes_provider {
            "/:provider"
        } else {
            ""
        };
        format!("/{}{suffix}", self.action.as_str())
    }
}

/// What answers an [`Endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Answered without `init`: these set no CSRF or callback-url cookie (spec §3.2).
    Bare(BareRoute),
    /// Answered after `init` (CSRF check, callbackUrl, init cookies).
    Full(FullRoute),
}

/// The routes without `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BareRoute {
    /// `GET providers`
    Providers,
    /// `POST _log`
    Log,
    /// `POST backchannel-logout/:provider`: server to server, no cookies at all.
    BackchannelLogout,
    /// `forward-auth`, any method: a proxy's subrequest; the session is read, no cookie is set.
    ForwardAuth,
}

/// The routes after `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FullRoute {
    /// `GET session`
    SessionGet,
    /// `POST session`
    SessionUpdate,
    /// `GET csrf`
    Csrf,
    /// `GET signin`: the page.
    SigninPage,
    /// `POST signin/:provider`
    SigninPost,
    /// `GET callback/:provider`
    CallbackGet,
    /// `POST callback/:provider`
    CallbackPost,
    /// `GET signout`: the page.
    SignoutPage,
    /// `POST signout`
    SignoutPost,
    /// `GET error`: the page.
    ErrorPage,
    /// `GET verify-request`: the page.
    VerifyRequestPage,
    /// `GET token` (not in v4)
    Token,
}

const fn row(method: Method, action: Action, takes_provider: bool, route: Route) -> Endpoint {
    Endpoint {
        method,
        action,
        takes_provider,
        route,
    }
}

/// Every method × action the API answers (v4 `core/index.ts`, then ours), in the order
/// `nextauth check` lists them. Any other pair is the 400 "This action with HTTP … is not supported".
/// `forward-auth` is listed as `GET` and answers every method ([`endpoint`]): nginx's
/// `auth_request` subrequest keeps the method of the request it guards.
pub static ENDPOINTS: [Endpoint; 16] = {
    use Action as A;
    use BareRoute as B;
    use FullRoute as F;
    use Method::{Get, Post};
    use Route::{Bare, Full};
    [
        row(Get, A::Providers, false, Bare(B::Providers)),
        row(Get, A::Csrf, false, Full(F::Csrf)),
        row(Get, A::Session, false, Full(F::SessionGet)),
        row(Post, A::Session, false, Full(F::SessionUpdate)),
        row(Get, A::Signin, false, Full(F::SigninPage)),
        row(Post, A::Signin, true, Full(F::SigninPost)),
        row(Get, A::Callback, true, Full(F::CallbackGet)),
        row(Post, A::Callback, true, Full(F::CallbackPost)),
        row(Get, A::Signout, false, Full(F::SignoutPage)),
        row(Post, A::Signout, false, Full(F::SignoutPost)),
        row(Get, A::Error, false, Full(F::ErrorPage)),
        row(Get, A::VerifyRequest, false, Full(F::VerifyRequestPage)),
        row(Post, A::Log, false, Bare(B::Log)),
        row(Get, A::Token, false, Full(F::Token)),
        row(Post, A::BackchannelLogout, true, Bare(B::BackchannelLogout)),
        row(Get, A::ForwardAuth, false, Bare(B::ForwardAuth)),
    ]
};

/// The endpoint for a method and action, or `None` (the 400). `forward-auth` answers every
/// method (see [`ENDPOINTS`]).
pub fn endpoint(method: &Method, action: Option<Action>) -> Option<&'static Endpoint> {
    let action = action?;
    ENDPOINTS
        .iter()
        .find(|e| e.action == action && (e.method == *method || action == Action::ForwardAuth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_method_and_action() {
        for (i, a) in ENDPOINTS.iter().enumerate() {
            for b in &ENDPOINTS[i + 1..] {
                assert!(
                    !(a.method == b.method && a.action == b.action),
                    "{a:?} twice"
                );
            }
        }
        // Every v4 action is answered by some method.
        for a in Action::ALL {
            assert!(ENDPOINTS.iter().any(|e| e.action == a), "{a} missing");
        }
    }

    /// `nextauth check` prints this list; its lines (and their order) are what it printed
    /// before the table existed.
    #[test]
    fn endpoint_list_as_nextauth_check_prints_it() {
        let listed: Vec<String> = ENDPOINTS
            .iter()
            .map(|e| format!("{:<5}{}", e.method.as_str(), e.path()))
            .collect();
        assert_eq!(
            listed,
            [
                "GET  /providers",
                "GET  /csrf",
                "GET  /session",
                "POST /session",
                "GET  /signin",
                "POST /signin/:provider",
                "GET  /callback/:provider",
                "POST /callback/:provider",
                "GET  /signout",
                "POST /signout",
                "GET  /error",
                "GET  /verify-request",
                "POST /_log",
                "GET  /token",
                "POST /backchannel-logout/:provider",
                "GET  /forward-auth",
            ]
        );
    }

    #[test]
    fn lookup() {
        let e = endpoint(&Method::Post, Some(Action::Signin)).unwrap();
        assert_eq!(e.route, Route::Full(FullRoute::SigninPost));
        assert_eq!(e.path(), "/signin/:provider");
        assert!(endpoint(&Method::Get, Some(Action::Log)).is_none());
        assert!(endpoint(&Method::Post, Some(Action::Providers)).is_none());
        assert!(endpoint(&Method::Other("PUT".into()), Some(Action::Session)).is_none());
        assert!(endpoint(&Method::Get, None).is_none());
        for m in [Method::Get, Method::Post, Method::Other("HEAD".into())] {
            let e = endpoint(&m, Some(Action::ForwardAuth)).unwrap();
            assert_eq!(e.route, Route::Bare(BareRoute::ForwardAuth));
        }
    }
}
