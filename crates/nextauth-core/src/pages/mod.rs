//! The built-in pages: sign-in, sign-out, error and verify-request (spec §17).
//!
//! Our own markup, CSS and wording, keeping the structure that clients and scripts rely on: form
//! actions and methods, the hidden `csrfToken` and `callbackUrl` fields, input names and ids,
//! "Sign in with {name}" buttons, and the HTTP statuses.
//!
//! Every form and link that starts or continues a sign-in carries the callbackUrl the page was
//! rendered with (the value `init` validated: an absolute URL the `redirect` callback accepted).
//! v4 puts it only in the OAuth forms; the e-mail and credentials forms, the sign-out form and the
//! error page's "Sign in" link fall back to the callback-url cookie, which a later
//! `signin?callbackUrl=` in another tab overwrites. v4 already reads `callbackUrl` from a POST
//! body, so the extra hidden fields keep the wire format.
//!
//! Templates are minijinja, embedded in the binary and compiled once; autoescaping is on for every
//! value (the `.html` names turn it on). The pages make no external requests: no web fonts, no
//! remote scripts.

use minijinja::{Environment, context};
use serde::Serialize;

use crate::callback_url::is_acceptable;
use crate::config::AuthConfig;
use crate::cookies::encode_uri_component;
use crate::error::{Reason, signin_error_message};
use crate::providers::ProviderKind;
use crate::response::Reply;

/// The compiled templates.
pub(crate) struct Renderer {
    env: Environment<'static>,
}

#[derive(Serialize)]
struct Field {
    name: String,
    label: String,
    r#type: String,
    placeholder: String,
    autocomplete: Option<&'static str>,
}

#[derive(Serialize)]
struct ProviderView {
    kind: &'static str,
    id: String,
    name: String,
    signin_url: String,
    callback_url: String,
    fields: Vec<Field>,
    logo: Option<String>,
    style: Option<String>,
    divider_before: bool,
}

impl Renderer {
    pub(crate) fn new() -> Result<Renderer, minijinja::Error> {
        let mut env = Environment::new();
        // minijinja's HTML escaping also turns `/` into `&#x2f;`, which is safe but makes form
        // actions unreadable to scripts that look for `action="…/signin/<id>"` (v4 writes them
        // plainly). Escape the five characters that matter, in every value.
        env.set_formatter(|out, _state, value| {
            if value.is_undefined() || value.is_none() {
                return Ok(());
            }
            if value.is_safe() {
                return out
                    .write_str(&value.to_string())
                    .map_err(minijinja::Error::from);
            }
            let s = value.to_string();
            let mut escaped = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#x27;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped).map_err(minijinja::Error::from)
        });
        env.add_template("layout.html", include_str!("templates/layout.html"))?;
        env.add_template("style.css", include_str!("templates/style.css"))?;
        env.add_template("signin.html", include_str!("templates/signin.html"))?;
        env.add_template("signout.html", include_str!("templates/signout.html"))?;
        env.add_template("error.html", include_str!("templates/error.html"))?;
        env.add_template(
            "verify_request.html",
            include_str!("templates/verify_request.html"),
        )?;
        env.add_template("confirm.html", include_str!("templates/confirm.html"))?;
        Ok(Renderer { env })
    }

    fn render(&self, name: &str, status: u16, ctx: minijinja::Value) -> Reply {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Reply::Html { status, html },
            Err(e) => {
                tracing::error!(template = name, error = %e, "rendering a page failed");
                Reply::Text {
                    status: 500,
                    text: "Internal error while rendering the page.".into(),
                }
            }
        }
    }

    fn common(cfg: &AuthConfig, title: &str) -> minijinja::Value {
        let theme = &cfg.theme;
        context! {
            title => title,
            color_scheme => theme.color_scheme.as_str(),
            brand_color => theme.brand_color.as_deref().filter(|c| is_css_color(c)),
            button_text => theme.button_text.as_deref().filter(|c| is_css_color(c)),
            logo => theme.logo,
            base => cfg.base.base,
            origin => cfg.base.origin,
            host => cfg.base.host,
        }
    }

    /// `GET signin`.
    pub(crate) fn signin(&self, view: &PageView<'_>) -> Reply {
        let cfg = view.config;
        let mut providers = Vec::new();
        let mut prev_form: Option<bool> = None;
        for p in &cfg.providers {
            let (kind, fields, logo, style) = match &p.kind {
                ProviderKind::OAuth(o) => {
                    let mut style = String::new();
                    if let Some(bg) = o.style.bg.as_deref().filter(|c| is_css_color(c)) {
                        style.push_str(&format!("--provider-bg: {bg};"));
                    }
                    if let Some(t) = o.style.text.as_deref().filter(|c| is_css_color(c)) {
                        style.push_str(&format!("--provider-color: {t};"));
                    }
                    let style = (!style.is_empty()).then_some(style);
                    ("oauth", Vec::new(), o.style.logo.clone(), style)
                }
                ProviderKind::Email(_) => ("email", Vec::new(), None, None),
                ProviderKind::Credentials(c) => {
                    // v4 shows a credentials form only when fields are declared.
                    if c.fields.is_empty() {
                        continue;
                    }
                    let fields = c
                        .fields
                        .iter()
                        .map(|f| {
                            let t = f.input_type.clone().unwrap_or_else(|| "text".into());
                            Field {
                                name: f.name.clone(),
                                label: f.label.clone().unwrap_or_else(|| f.name.clone()),
                                autocomplete: match t.as_str() {
                                    "password" => Some("current-password"),
                                    "email" => Some("email"),
                                    _ => None,
                                },
                                r#type: t,
                                placeholder: f.placeholder.clone().unwrap_or_default(),
                            }
                        })
                        .collect();
                    ("credentials", fields, None, None)
                }
            };
            let is_form = kind != "oauth";
            let divider_before = matches!(prev_form, Some(prev) if prev || is_form);
            prev_form = Some(is_form);
            providers.push(ProviderView {
                kind,
                id: p.id.clone(),
                name: p.name.clone(),
                signin_url: cfg.signin_url(&p.id),
                callback_url: cfg.callback_url(&p.id),
                fields,
                logo,
                style,
                divider_before,
            });
        }
        // `?csrf=true` shows no message, as in v4.
        let error_message = view.query_error.map(signin_error_message);
        let page = context! {
            ..Self::common(view.config, "Sign In"),
            ..context! {
                providers => providers,
                csrf_token => view.csrf_token,
                callback_url => view.callback_url,
                error_message => error_message,
                reason => error_message.and(view.reason.map(Reason::sentence)),
                reason_code => error_message.and(view.reason.map(Reason::as_str)),
                request_id => error_message.and(view.request_id),
                email => view.query_email.unwrap_or(""),
            }
        };
        self.render("signin.html", 200, page)
    }

    /// `GET signout`.
    pub(crate) fn signout(&self, view: &PageView<'_>) -> Reply {
        let page = context! {
            ..Self::common(view.config, "Sign Out"),
            ..context! {
                csrf_token => view.csrf_token,
                callback_url => view.callback_url,
            }
        };
        self.render("signout.html", 200, page)
    }

    /// `GET verify-request`. The site link goes to the callbackUrl (v4: the origin), so the tab
    /// that asked for the link keeps its target.
    pub(crate) fn verify_request(&self, view: &PageView<'_>) -> Reply {
        // An href, unlike a hidden field, runs `javascript:`: only an http(s) or relative target
        // (a custom `redirect` callback could return anything).
        let site = if is_acceptable(view.callback_url, &view.config.base.base) {
            view.callback_url
        } else {
            view.config.base.origin.as_str()
        };
        let page = context! {
            ..Self::common(view.config, "Verify Request"),
            ..context! { site_url => site }
        };
        self.render("verify_request.html", 200, page)
    }

    /// `GET callback/<email>` with `confirm = true`: one "Continue" button whose form POSTs the
    /// link's `token` and (normalised) `email` with the CSRF token to `action`, the same
    /// endpoint. Rendering it reads and spends nothing.
    pub(crate) fn confirm(
        &self,
        view: &PageView<'_>,
        action: &str,
        token: &str,
        email: &str,
    ) -> Reply {
        let page = context! {
            ..Self::common(view.config, "Sign In"),
            ..context! {
                action => action,
                csrf_token => view.csrf_token,
                callback_url => view.callback_url,
                token => token,
                email => email,
            }
        };
        self.render("confirm.html", 200, page)
    }

    /// `GET error`: the code is matched case-insensitively (spec §17.4).
    pub(crate) fn error(
        &self,
        view: &PageView<'_>,
        code: Option<&str>,
        retry_after: Option<u64>,
    ) -> Reply {
        let key = code.unwrap_or("").to_ascii_lowercase();
        let when = retry_after.map(try_again_in);
        let (status, heading, lines, show_site, show_signin): (u16, &str, Vec<&str>, bool, bool) =
            match key.as_str() {
                // Not in v4: over a `[rate_limit]`.
                "ratelimited" => (
                    429,
                    "Too many attempts",
                    vec![
                        "There were too many sign-in attempts.",
                        when.as_deref().unwrap_or("Try again later."),
                    ],
                    false,
                    true,
                ),
                "configuration" => (
                    500,
                    "Server error",
                    vec![
                        "There is a problem with the server configuration.",
                        "Check the server logs for more information.",
                    ],
                    false,
                    false,
                ),
                "accessdenied" => (
                    403,
                    "Access Denied",
                    vec!["You do not have permission to sign in."],
                    false,
                    true,
                ),
                "verification" => (
                    403,
                    "Unable to sign in",
                    vec![
                        "The sign in link is no longer valid.",
                        "It may have been used already or it may have expired.",
                    ],
                    false,
                    true,
                ),
                _ => (200, "Error", Vec::new(), true, false),
            };
        let page = context! {
            ..Self::common(view.config, "Error"),
            ..context! {
                heading => heading,
                lines => lines,
                show_site => show_site,
                show_signin => show_signin,
                reason => view.reason.map(Reason::sentence),
                reason_code => view.reason.map(Reason::as_str),
                request_id => view.request_id,
                signin_url => format!(
                    "{}/signin?callbackUrl={}",
                    view.config.base.base,
                    encode_uri_component(view.callback_url)
                ),
            }
        };
        self.render("error.html", status, page)
    }
}

/// "Try again in 5 minutes." for a `Retry-After` of `secs` seconds (minutes rounded up from
/// 60 s on, hours from 2 h on).
fn try_again_in(secs: u64) -> String {
    let (n, unit) = if secs < 60 {
        (secs.max(1), "second")
    } else if secs < 7200 {
        (secs.div_ceil(60), "minute")
    } else {
        (secs.div_ceil(3600), "hour")
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("Try again in {n} {unit}{plural}.")
}

/// What a page shows of one request: the renderer needs the configuration (theme, base URL,
/// providers) and these few values, not the shared state nor the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageView<'a> {
    pub(crate) config: &'a AuthConfig,
    /// The CSRF token the forms post back.
    pub(crate) csrf_token: &'a str,
    /// The validated, absolute callbackUrl.
    pub(crate) callback_url: &'a str,
    /// The request's `?error=` (the sign-in page's message).
    pub(crate) query_error: Option<&'a str>,
    /// The request's `?email=` (pre-fills the sign-in page's e-mail field).
    pub(crate) query_email: Option<&'a str>,
    /// The request's `?reason=`, when it is one of the fixed set.
    pub(crate) reason: Option<Reason>,
    /// The request's `?request_id=`, when sane ([`crate::error::sane_request_id`]).
    pub(crate) request_id: Option<&'a str>,
}

/// Theme colours go into a `<style>` block, where escaping does not help: accept only plain
/// colour syntax (`#abc`, `rgb(…)`, names), nothing that could close the rule.
fn is_css_color(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"#(),.% -".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_again_in_says_when() {
        assert_eq!(try_again_in(0), "Try again in 1 second.");
        assert_eq!(try_again_in(45), "Try again in 45 seconds.");
        assert_eq!(try_again_in(60), "Try again in 1 minute.");
        assert_eq!(try_again_in(61), "Try again in 2 minutes.");
        assert_eq!(try_again_in(900), "Try again in 15 minutes.");
        assert_eq!(try_again_in(7200), "Try again in 2 hours.");
    }

    #[test]
    fn css_colours_are_checked() {
        assert!(is_css_color("#346df1"));
        assert!(is_css_color("rgb(1, 2, 3)"));
        assert!(!is_css_color("red;} body{display:none"));
        assert!(!is_css_color("</style><script>"));
        assert!(!is_css_color(""));
    }
}
