//! `GET csrf`: `{"csrfToken": "<64 hex>"}`, no-store, and the csrf cookie when it was missing or
//! invalid (spec §8.2). The token itself was settled in `init`.

use serde_json::json;

use crate::init::Ctx;
use crate::response::Reply;

pub(crate) fn get(ctx: &Ctx<'_>) -> Reply {
    Reply::Json {
        status: 200,
        body: json!({ "csrfToken": ctx.csrf_token }).to_string(),
        no_store: true,
    }
}
