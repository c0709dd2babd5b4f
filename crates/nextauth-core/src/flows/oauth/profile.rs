//! From the provider's profile JSON (userinfo response or ID-token claims) to the user:
//! `{id, name, email, image}`. Stands in for each v4 provider's `profile()` function, driven by a
//! [`ProfileMapping`] (see there for the expression syntax), then applies what v4's `getProfile`
//! adds: the e-mail address is lower-cased and the id must be present.

use serde_json::{Map, Value};

use crate::error::OAuthError;
use crate::providers::oauth::ProfileMapping;

/// Maps `raw` with `mapping`. The result has `id` (a string), and `name`, `email` and `image`
/// when the profile gives them (absent keys stay absent, as `undefined` does in v4's JSON).
///
/// Errors ([`OAuthError::ProfileWithoutId`]) when the id is missing or empty: v4 then logs `OAUTH_PARSE_PROFILE_ERROR` and sends
/// the browser back to the sign-in page.
pub fn map_profile(
    mapping: &ProfileMapping,
    raw: &Value,
) -> Result<Map<String, Value>, OAuthError> {
    let id =
        eval(&mapping.id, raw).ok_or_else(|| OAuthError::ProfileWithoutId(mapping.id.clone()))?;
    let mut user = Map::new();
    user.insert("id".into(), Value::String(id));
    for (key, expr) in [
        ("name", &mapping.name),
        ("email", &mapping.email),
        ("image", &mapping.image),
    ] {
        if let Some(v) = expr.as_deref().and_then(|e| eval(e, raw)) {
            let v = if key == "email" { v.to_lowercase() } else { v };
            user.insert(key.into(), Value::String(v));
        }
    }
    Ok(user)
}

/// Evaluates a mapping expression: alternatives split at `|`, the first that yields a non-empty
/// value wins.
pub(crate) fn eval(expr: &str, raw: &Value) -> Option<String> {
    expr.split('|')
        .map(str::trim)
        .filter(|alt| !alt.is_empty())
        .find_map(|alt| {
            if alt.contains('{') {
                template(alt, raw)
            } else {
                lookup(alt, raw).and_then(scalar)
            }
        })
}

/// `https://x/{id}/{avatar}.png`: every placeholder must resolve, else nothing.
fn template(t: &str, raw: &Value) -> Option<String> {
    let mut out = String::new();
    let mut rest = t;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}')?;
        out.push_str(&lookup(&after[..end], raw).and_then(scalar)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A field by name, or by dotted path through objects and arrays (`images.0.url`). The whole
/// name is tried first, so keys that contain dots (`https://slack.com/user_id`) work.
pub(crate) fn lookup<'a>(path: &str, raw: &'a Value) -> Option<&'a Value> {
    if let Some(v) = raw.get(path) {
        return Some(v);
    }
    let mut cur = raw;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Strings as they are (non-empty), numbers and booleans as JavaScript's `String()` writes
/// them; `null`, objects and arrays give nothing.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
