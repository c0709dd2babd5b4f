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

use std::path::Path;

use fluent_bundle::FluentValue;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::callback_url::is_acceptable;
use crate::config::AuthConfig;
use crate::cookies::encode_uri_component;
use crate::error::{ConfigError, Reason};
use crate::i18n::{Catalogues, LocaleId};
use crate::providers::ProviderKind;
use crate::response::Reply;

/// The built-in templates, by the file name an operator's `templates_dir` replaces them with.
/// `style.css` is included by `layout.html`; the mail templates are rendered for the mail.
pub const TEMPLATES: [(&str, &str); 9] = [
    ("layout.html", include_str!("templates/layout.html")),
    ("style.css", include_str!("templates/style.css")),
    ("signin.html", include_str!("templates/signin.html")),
    ("signout.html", include_str!("templates/signout.html")),
    ("error.html", include_str!("templates/error.html")),
    (
        "verify_request.html",
        include_str!("templates/verify_request.html"),
    ),
    ("confirm.html", include_str!("templates/confirm.html")),
    ("email.html", include_str!("templates/email.html")),
    ("email.txt", include_str!("templates/email.txt")),
];

/// The compiled templates and the translations.
pub(crate) struct Renderer {
    env: Environment<'static>,
    pub(crate) i18n: Catalogues,
    /// Per locale, every message without arguments: the templates' `t`.
    tables: Vec<Value>,
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
    /// "Sign in with {name}", translated.
    label: String,
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
    /// Compiles the templates (an operator's `templates_dir` replacing built-in ones by file
    /// name) and loads the catalogues (`locales_dir` merged over the built-in ones). A template
    /// or catalogue that does not parse refuses the configuration, naming the file and line.
    pub(crate) fn new(cfg: &AuthConfig) -> Result<Renderer, ConfigError> {
        let pages = &cfg.pages;
        let i18n = Catalogues::load(
            pages.default_locale.as_deref().unwrap_or("en"),
            pages.locales_dir.as_deref(),
        )?;
        let env = Self::environment(pages.templates_dir.as_deref())?;
        let tables = (0..i18n.len())
            .map(|i| Value::from_serialize(i18n.table(LocaleId(i))))
            .collect();
        let renderer = Renderer { env, i18n, tables };
        if pages.templates_dir.is_some() {
            renderer.try_render(cfg)?;
        }
        Ok(renderer)
    }

    fn environment(templates_dir: Option<&Path>) -> Result<Environment<'static>, ConfigError> {
        let mut env = Environment::new();
        // minijinja's HTML escaping also turns `/` into `&#x2f;`, which is safe but makes form
        // actions unreadable to scripts that look for `action="…/signin/<id>"` (v4 writes them
        // plainly). Escape the five characters that matter, in every value.
        env.set_formatter(|out, state, value| {
            if value.is_undefined() || value.is_none() {
                return Ok(());
            }
            // `email.txt` (no autoescaping by its name) is plain text: written as it is.
            if value.is_safe() || matches!(state.auto_escape(), minijinja::AutoEscape::None) {
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
        for (name, built_in) in TEMPLATES {
            let own = templates_dir.map(|d| d.join(name)).filter(|p| p.is_file());
            let (source, origin) = match &own {
                Some(path) => (
                    std::fs::read_to_string(path)
                        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?,
                    path.display().to_string(),
                ),
                None => (built_in.to_string(), format!("built-in template {name}")),
            };
            env.add_template_owned(name, source)
                .map_err(|e| template_error(&origin, &e))?;
        }
        Ok(env)
    }

    /// A template that parses can still fail when rendered (an unknown filter, a missing
    /// parent, an index into nothing): each is rendered once with the common context now, so
    /// that such an error refuses to start instead of answering 500s.
    fn try_render(&self, cfg: &AuthConfig) -> Result<(), ConfigError> {
        let l = self.i18n.default_locale();
        let ctx = context! {
            ..self.common(cfg, l, "title-signin"),
            ..context! {
                providers => Vec::<Value>::new(),
                lines => Vec::<String>::new(),
                csrf_token => "",
                callback_url => cfg.base.origin,
                subject => "",
                url => cfg.base.base,
            }
        };
        for (name, _) in TEMPLATES {
            if name == "style.css" {
                continue;
            }
            let rendered = self.env.get_template(name).and_then(|t| t.render(&ctx));
            if let Err(e) = rendered {
                let file = e.name().unwrap_or(name).to_string();
                let origin = cfg
                    .pages
                    .templates_dir
                    .as_deref()
                    .map(|d| d.join(&file))
                    .filter(|p| p.is_file())
                    .map_or_else(
                        || format!("built-in template {file}"),
                        |p| p.display().to_string(),
                    );
                return Err(template_error(&origin, &e));
            }
        }
        Ok(())
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

    /// The locale of a page's request ([`Catalogues::negotiate`]).
    fn locale(&self, view: &PageView<'_>) -> LocaleId {
        self.i18n
            .negotiate(view.lang, view.locale_cookie, view.accept_language)
    }

    fn common(&self, cfg: &AuthConfig, l: LocaleId, title_key: &str) -> minijinja::Value {
        let theme = &cfg.theme;
        context! {
            title => self.i18n.text(l, title_key),
            lang => self.i18n.tag(l),
            dir => self.i18n.dir(l),
            t => self.tables[l.0].clone(),
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
        let l = self.locale(view);
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
                label: self
                    .i18n
                    .message(l, "signin-with", &[("provider", p.name.as_str().into())]),
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
        let error_message = view
            .query_error
            .map(|code| self.i18n.text(l, signin_error_key(code)));
        let shown = error_message.is_some();
        let page = context! {
            ..self.common(view.config, l, "title-signin"),
            ..context! {
                providers => providers,
                csrf_token => view.csrf_token,
                callback_url => view.callback_url,
                error_message => error_message,
                reason => view.reason.filter(|_| shown).map(|r| self.reason(l, r)),
                reason_code => view.reason.filter(|_| shown).map(Reason::as_str),
                request_id => view.request_id.filter(|_| shown),
                email => view.query_email.unwrap_or(""),
            }
        };
        self.render("signin.html", 200, page)
    }

    /// `GET signout`.
    pub(crate) fn signout(&self, view: &PageView<'_>) -> Reply {
        let l = self.locale(view);
        let page = context! {
            ..self.common(view.config, l, "title-signout"),
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
        let l = self.locale(view);
        let page = context! {
            ..self.common(view.config, l, "title-verify-request"),
            ..context! { site_url => site }
        };
        self.render("verify_request.html", 200, page)
    }

    /// The sign-in mail of `mail` in the locale of the request `view` describes: subject and
    /// both parts from `email.txt` / `email.html` (built-in: v4's mail, translated).
    pub(crate) fn mail(
        &self,
        view: &PageView<'_>,
        mail: &crate::providers::VerificationEmail,
    ) -> Result<crate::providers::RenderedMail, minijinja::Error> {
        let l = self.locale(view);
        let subject = self
            .i18n
            .message(l, "mail-subject", &[("host", mail.host.as_str().into())]);
        // The heading is the subject with the host in bold: the translation is escaped, then
        // the host (escaped, a zero-width space before each `.` so mail clients do not make a
        // link of it, as v4) goes in where the placeholder was.
        const MARK: &str = "\u{E000}";
        let heading = self
            .i18n
            .message(l, "mail-subject", &[("host", MARK.into())]);
        let host = escape(&mail.host).replace('.', "&#8203;.");
        let heading_html = escape(&heading).replace(MARK, &format!("<strong>{host}</strong>"));
        let ctx = context! {
            subject => subject,
            url => mail.url,
            host => mail.host,
            heading_html => Value::from_safe_string(heading_html),
            button => self.i18n.text(l, "mail-button"),
            ignore => self.i18n.text(l, "mail-ignore"),
            brand_color => mail.brand_color,
            button_text => mail.button_text,
            background => "#f9f9f9",
            main_background => "#fff",
            text => "#444",
            lang => self.i18n.tag(l),
            t => self.tables[l.0].clone(),
        };
        let text = self.env.get_template("email.txt")?.render(&ctx)?;
        let html = self.env.get_template("email.html")?.render(&ctx)?;
        Ok(crate::providers::RenderedMail {
            subject,
            text,
            html,
        })
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
        let l = self.locale(view);
        let page = context! {
            ..self.common(view.config, l, "title-signin"),
            ..context! {
                confirm_text => self.i18n.message(l, "confirm-text", &[("email", email.into())]),
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
        let l = self.locale(view);
        let t = |k: &str| self.i18n.text(l, k);
        let key = code.unwrap_or("").to_ascii_lowercase();
        let when = retry_after.map(|secs| self.try_again_in(l, secs));
        let (status, heading, lines, show_site, show_signin): (
            u16,
            String,
            Vec<String>,
            bool,
            bool,
        ) = match key.as_str() {
            // Not in v4: over a `[rate_limit]`.
            "ratelimited" => (
                429,
                t("error-rate-limited-heading"),
                vec![
                    t("error-rate-limited-text"),
                    when.unwrap_or_else(|| t("error-try-later")),
                ],
                false,
                true,
            ),
            "configuration" => (
                500,
                t("error-configuration-heading"),
                vec![t("error-configuration-text"), t("error-configuration-hint")],
                false,
                false,
            ),
            "accessdenied" => (
                403,
                t("error-access-denied-heading"),
                vec![t("error-access-denied-text")],
                false,
                true,
            ),
            "verification" => (
                403,
                t("error-verification-heading"),
                vec![t("error-verification-text"), t("error-verification-hint")],
                false,
                true,
            ),
            _ => (200, t("error-heading"), Vec::new(), true, false),
        };
        let page = context! {
            ..self.common(view.config, l, "title-error"),
            ..context! {
                heading => heading,
                lines => lines,
                show_site => show_site,
                show_signin => show_signin,
                reason => view.reason.map(|r| self.reason(l, r)),
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

impl Renderer {
    /// "Try again in 5 minutes." for a `Retry-After` of `secs` seconds (minutes rounded up from
    /// 60 s on, hours from 2 h on), plural-correct in locale `l`.
    fn try_again_in(&self, l: LocaleId, secs: u64) -> String {
        let (n, key) = if secs < 60 {
            (secs.max(1), "error-try-again-seconds")
        } else if secs < 7200 {
            (secs.div_ceil(60), "error-try-again-minutes")
        } else {
            (secs.div_ceil(3600), "error-try-again-hours")
        };
        self.i18n.message(l, key, &[("n", FluentValue::from(n))])
    }

    /// The sentence of a [`Reason`] in locale `l`.
    fn reason(&self, l: LocaleId, r: Reason) -> String {
        self.i18n.text(l, &format!("reason-{}", r.as_str()))
    }
}

/// The catalogue key of the sign-in page's message for `?error=` (spec §17.2; case-sensitive,
/// the keys of [`crate::error::signin_error_message`]).
fn signin_error_key(code: &str) -> &'static str {
    match code {
        "Signin" | "OAuthSignin" | "OAuthCallback" | "OAuthCreateAccount"
        | "EmailCreateAccount" | "Callback" => "signin-error-default",
        "OAuthAccountNotLinked" => "signin-error-account-not-linked",
        "EmailSignin" => "signin-error-email",
        "CredentialsSignin" => "signin-error-credentials",
        "SessionRequired" => "signin-error-session-required",
        "RateLimited" => "signin-error-rate-limited",
        _ => "signin-error-unknown",
    }
}

/// A template error for the start-up message: the file and line, and what is wrong.
fn template_error(origin: &str, e: &minijinja::Error) -> ConfigError {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    ConfigError(format!(
        "template {origin}{line}: {}",
        e.detail().unwrap_or(&e.kind().to_string())
    ))
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
    /// `?lang=`, the `next-auth.locale` cookie and `Accept-Language`: the page's locale.
    pub(crate) lang: Option<&'a str>,
    pub(crate) locale_cookie: Option<&'a str>,
    pub(crate) accept_language: Option<&'a str>,
}

/// The five HTML-significant characters escaped, as the page formatter does.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
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

    fn renderer() -> Renderer {
        let cfg = AuthConfig::new(
            crate::config::BaseUrl::parse(None).unwrap(),
            crate::secret::Secret::new("x".repeat(32)),
        );
        Renderer::new(&cfg).unwrap()
    }

    #[test]
    fn try_again_in_says_when() {
        let r = renderer();
        let en = r.i18n.default_locale();
        let try_again_in = |secs| r.try_again_in(en, secs);
        assert_eq!(try_again_in(0), "Try again in 1 second.");
        assert_eq!(try_again_in(45), "Try again in 45 seconds.");
        assert_eq!(try_again_in(60), "Try again in 1 minute.");
        assert_eq!(try_again_in(61), "Try again in 2 minutes.");
        assert_eq!(try_again_in(900), "Try again in 15 minutes.");
        assert_eq!(try_again_in(7200), "Try again in 2 hours.");
        let pl = r.i18n.negotiate(Some("pl"), None, None);
        assert_eq!(r.try_again_in(pl, 120), "Spróbuj ponownie za 2 minuty.");
        assert_eq!(r.try_again_in(pl, 300), "Spróbuj ponownie za 5 minut.");
    }

    /// Every signin error code maps to the sentence `signin_error_message` gives in English.
    #[test]
    fn signin_error_keys_give_v4_wording_in_english() {
        let r = renderer();
        let en = r.i18n.default_locale();
        for code in [
            "Signin",
            "OAuthSignin",
            "OAuthCallback",
            "OAuthCreateAccount",
            "EmailCreateAccount",
            "Callback",
            "OAuthAccountNotLinked",
            "EmailSignin",
            "CredentialsSignin",
            "SessionRequired",
            "RateLimited",
            "whatever",
        ] {
            assert_eq!(
                r.i18n.text(en, signin_error_key(code)),
                crate::error::signin_error_message(code),
                "{code}"
            );
        }
        for reason in Reason::ALL {
            assert_eq!(r.reason(en, *reason), reason.sentence(), "{reason:?}");
        }
    }

    /// The English mail keeps v4's markup, whose button text is broken over two source lines
    /// (`providers/email.ts` `html()`); another language's button is one line.
    #[test]
    fn english_mail_button_is_v4s_markup() {
        let r = renderer();
        let html = |button: &str| {
            r.env
                .get_template("email.html")
                .unwrap()
                .render(context! { button => button, url => "https://x.test/cb" })
                .unwrap()
        };
        let en = html("Sign in");
        assert!(en.starts_with("\n<body"), "{en}");
        assert!(
            en.contains("font-weight: bold;\">Sign\n                in</a></td>"),
            "{en}"
        );
        assert!(html("Anmelden").contains("font-weight: bold;\">Anmelden</a></td>"));
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
