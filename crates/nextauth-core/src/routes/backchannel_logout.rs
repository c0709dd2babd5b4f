//! `POST backchannel-logout/:provider`: OpenID Connect Back-Channel Logout 1.0 (final), §2.5 and
//! §2.8. Not a v4 action. The IdP posts `logout_token=<JWS>` (`application/x-www-form-urlencoded`)
//! when a user's session there ends; the validation and what ends are
//! [`crate::flows::oauth::backchannel`]'s.
//!
//! Answers:
//! * `200`, an empty body, `Cache-Control: no-store`: the sessions are ended (§2.8);
//! * `400` `{"error":"invalid_request","error_description":"<reason>"}` (`no-store`): no or a
//!   bad `logout_token` (each check has its own reason), a replayed `jti`, a provider without
//!   `backchannel_logout`, or a logout that could not be done (storage or the IdP's keys
//!   unreachable; §2.8 asks for 400 there too). A refused token changes nothing;
//! * `404` (plain text, as `signin/:provider` and `callback/:provider`): no provider has the id.
//!
//! No CSRF check, no cookie read or set: the caller is the IdP's server, not a browser, so it
//! has no CSRF cookie to send, and a browser's cookies prove nothing here. The request is
//! authenticated by the token itself: signed with the provider's keys, for this client
//! (`aud`), recent, and accepted once (`jti`). A forged cross-site POST carries no such token.

use serde_json::json;

use crate::flows::oauth::backchannel;
use crate::providers::ProviderKind;
use crate::request::AuthRequest;
use crate::response::Reply;
use crate::state::State;

/// The 400 of §2.8 with `reason` as `error_description`.
fn bad_request(reason: &str) -> Reply {
    Reply::Json {
        status: 400,
        body: json!({"error": "invalid_request", "error_description": reason}).to_string(),
        no_store: true,
    }
}

/// `POST backchannel-logout/:provider` (module documentation).
pub(crate) async fn post(inner: &State, req: &AuthRequest) -> Reply {
    let base = &inner.config.base.base;
    let id = req.provider_id.as_deref();
    let Some((id, provider)) = id.and_then(|id| Some((id, inner.config.provider(id)?))) else {
        tracing::info!(action = "backchannel-logout", provider = ?id, "no provider with this id");
        return Reply::unknown_provider("backchannel-logout", id, base);
    };
    let oauth = match &provider.kind {
        ProviderKind::OAuth(o) if o.backchannel_logout => o,
        _ => {
            return bad_request(&format!(
                "back-channel logout is not enabled for provider {id:?} (backchannel_logout = true)"
            ));
        }
    };
    let Some(token) = req
        .body
        .get("logout_token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return bad_request("the form field `logout_token` is missing");
    };
    let now_ms = inner.clock.now_ms();
    match backchannel::logout(inner, id, oauth, token, now_ms).await {
        Ok(()) => Reply::EmptyNoStore,
        Err(backchannel::Refused(reason)) => {
            tracing::info!(
                code = "BACKCHANNEL_LOGOUT_REFUSED",
                provider = id,
                %reason,
                "logout token refused"
            );
            bad_request(&reason)
        }
    }
}
