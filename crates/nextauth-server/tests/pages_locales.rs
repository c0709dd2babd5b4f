//! Issue 16: the built-in pages and the sign-in mail in the user's language, the operator's
//! catalogues (`[pages] locales_dir`) and templates (`[pages] templates_dir`), served by the
//! `nextauth` server (in process, settings parsed from TOML as the binary does) to a plain HTTP
//! client; the real SMTP sink receives the mail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod storage_support;

use std::path::Path;

use storage_support::*;
use testkit::SmtpSink;

async fn page(b: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> String {
    let mut r = b.get(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    assert!(r.status().as_u16() < 500, "{url}: {}", r.status());
    r.text().await.unwrap()
}

/// `?lang=`, then the `next-auth.locale` cookie, then Accept-Language (q-values, `de-AT` finds
/// `de`), then `default_locale`; `<html lang dir>` follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_lang_cookie_and_accept_language() {
    let app = App::start(AppOptions {
        extra: "\n[pages]\ndefault_locale = \"fr\"\n",
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let signin = format!("{}/signin", app.base);
    let html = page(&b, &signin, &[("accept-language", "de-AT,de;q=0.9")]).await;
    assert!(html.contains(r#"<html lang="de" dir="ltr">"#), "{html}");
    assert!(html.contains("<h1>Anmelden</h1>"), "{html}");
    let html = page(
        &b,
        &format!("{signin}?lang=ja"),
        &[("accept-language", "de")],
    )
    .await;
    assert!(html.contains(r#"<html lang="ja""#), "{html}");
    assert!(html.contains("<h1>サインイン</h1>"), "{html}");
    let html = page(
        &b,
        &signin,
        &[
            ("cookie", "next-auth.locale=pt-BR"),
            ("accept-language", "de"),
        ],
    )
    .await;
    assert!(html.contains(r#"<html lang="pt-BR""#), "{html}");
    // Nothing we have: the default locale.
    let html = page(
        &b,
        &format!("{}/signout", app.base),
        &[("accept-language", "sv")],
    )
    .await;
    assert!(html.contains(r#"<html lang="fr""#), "{html}");
    assert!(
        html.contains("Voulez-vous vraiment vous déconnecter ?"),
        "{html}"
    );
    // The error page's reason in the user's language.
    let html = page(
        &b,
        &format!(
            "{}/error?error=Verification&reason=link_expired&request_id=r-1",
            app.base
        ),
        &[("accept-language", "es")],
    )
    .await;
    assert!(
        html.contains("El enlace de inicio de sesión ha caducado."),
        "{html}"
    );
    assert!(html.contains("ID de solicitud: <code>r-1</code>"), "{html}");
}

/// The mail goes out in the locale of the request that asked for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_is_in_the_language_of_the_request() {
    let sink = SmtpSink::start();
    let app = App::start(AppOptions {
        smtp: Some(format!("smtp://127.0.0.1:{}", sink.smtp_port())),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let email = unique_email("de");
    let token = csrf(&b, &app.base).await;
    let r = b
        .post(format!("{}/signin/email", app.base))
        .header("accept-language", "de-AT,de;q=0.9,en;q=0.5")
        .form(&[("email", email.as_str()), ("csrfToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let mail = sink.wait_mail(&email).await;
    let host = app.origin.trim_start_matches("http://");
    assert_eq!(mail["subject"], format!("Anmelden bei {host}"), "{mail}");
    let link = mail["link"].as_str().unwrap();
    assert_eq!(
        mail["text"].as_str().unwrap().replace("\r\n", "\n"),
        format!("Anmelden bei {host}\n{link}\n\n")
    );
    let html = mail["html"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "Anmelden bei <strong>{}</strong>",
            host.replace('.', "&#8203;.")
        )),
        "{html}"
    );
    assert!(html.contains("können Sie sie ignorieren"), "{html}");
    assert!(html.contains(&link.replace('&', "&amp;")), "{html}");
}

/// Starts the server's `build` on `pages` (a `[pages]` table body); the error text if refused.
async fn build_with_pages(pages: &str) -> Result<(), String> {
    let toml = format!(
        "url = \"http://127.0.0.1:9/api/auth\"\nsecret = \"{SECRET}\"\n[pages]\n{pages}\n[rate_limit]\nenabled = false\n"
    );
    let path = Path::new("/nonexistent/pages.toml");
    let file = nextauth_server::settings::parse_file(&toml, path).map_err(|e| e.to_string())?;
    let no_env = |_: &str| -> Option<String> { None };
    let settings = nextauth_server::settings::resolve(file, Some(path.to_path_buf()), &no_env)
        .map_err(|e| e.to_string())?;
    nextauth_server::build(settings, nextauth_server::Overrides::default())
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:#}"))
}

/// `templates_dir`: a custom `signin.html` is served (with the same context); a broken one
/// refuses to start, naming the file and the line. `locales_dir`: an operator's message is
/// served over the built-in one; a broken catalogue refuses to start, naming file and line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_templates_and_catalogues() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let locales = dir.path().join("locales");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::create_dir_all(locales.join("de")).unwrap();
    std::fs::write(
        templates.join("signin.html"),
        "{% extends \"layout.html\" %}{% block content %}<h1 id=\"acme\">ACME: {{ t[\"signin-heading\"] }}</h1>\
         {% for p in providers %}<form action=\"{{ p.signin_url }}\"><input type=\"hidden\" name=\"csrfToken\" value=\"{{ csrf_token }}\">\
         <button>{{ p.label }}</button></form>{% endfor %}{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        locales.join("de/nextauth.ftl"),
        "signin-heading = Willkommen bei ACME\n",
    )
    .unwrap();
    let pages = format!(
        "templates_dir = \"{}\"\nlocales_dir = \"{}\"\n",
        templates.display(),
        locales.display()
    );
    let app = App::start(AppOptions {
        extra: &format!("\n[pages]\n{pages}\n[[providers]]\nid = \"email\"\ntype = \"email\"\n"),
        ..AppOptions::default()
    })
    .await;
    let b = browser();
    let html = page(&b, &format!("{}/signin?lang=de", app.base), &[]).await;
    assert!(
        html.contains(r#"<h1 id="acme">ACME: Willkommen bei ACME</h1>"#),
        "{html}"
    );
    assert!(
        html.contains("<button>Anmelden mit Email</button>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<html lang="de""#),
        "the built-in layout: {html}"
    );
    // The other pages are the built-in ones.
    let html = page(&b, &format!("{}/signout?lang=de", app.base), &[]).await;
    assert!(
        html.contains("Möchten Sie sich wirklich abmelden?"),
        "{html}"
    );
    drop(app);

    // A broken template: refused at start-up, with file and line.
    std::fs::write(
        templates.join("signin.html"),
        "{% extends \"layout.html\" %}\n{% block content %}\n<h1>{{ t[\"signin-heading\" }}</h1>\n{% endblock %}\n",
    )
    .unwrap();
    let e = build_with_pages(&pages).await.unwrap_err();
    assert!(
        e.contains(&format!("{}:3", templates.join("signin.html").display())),
        "{e}"
    );
    std::fs::remove_file(templates.join("signin.html")).unwrap();

    // A broken catalogue: refused at start-up, with file and line.
    std::fs::write(
        locales.join("de/nextauth.ftl"),
        "a = b\n\nsignin-heading = {}\n",
    )
    .unwrap();
    let e = build_with_pages(&pages).await.unwrap_err();
    assert!(
        e.contains(&format!("{}:3", locales.join("de/nextauth.ftl").display())),
        "{e}"
    );
    // An unknown default locale.
    let e = build_with_pages("default_locale = \"xx\"")
        .await
        .unwrap_err();
    assert!(e.contains("default_locale") && e.contains("pt-BR"), "{e}");
}
