//! `[ops]`: where the operations endpoints listen, and how the log is written.
//!
//! ```toml
//! [ops]
//! listen = "127.0.0.1:9464"   # /healthz, /readyz, /metrics, apart from the public listener
//! log_format = "json"         # or "text" (the default)
//! ```
//!
//! Environment: `NEXTAUTH_OPS_LISTEN`, `NEXTAUTH_LOG_FORMAT` ([`super::env::KEYS`]).

use super::file::OpsSection;
use super::source::{Env, SettingsError, Source, err};

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event (tracing-subscriber's default format).
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format): `timestamp`, `level`,
    /// `target`, `fields`, and `span` with the request's `request_id`.
    Json,
}

impl LogFormat {
    /// The value as written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// `[ops]`, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsSettings {
    /// Address of the operations listener (`/healthz`, `/readyz`, `/metrics`); `None`: no
    /// listener, and no metrics recorder.
    pub listen: Option<String>,
    /// `log_format`: text (default) or JSON lines.
    pub log_format: LogFormat,
}

/// The log format, read before the rest of the configuration so that the log subscriber exists
/// while it loads: `NEXTAUTH_LOG_FORMAT`, else `[ops] log_format` of the file that `config` (or
/// `NEXTAUTH_CONFIG`) names. Anything unreadable or invalid gives the default here; [`super::load`]
/// reports it properly.
pub fn early_log_format(config: Option<&std::path::Path>, env: Env<'_>) -> LogFormat {
    let value = env("NEXTAUTH_LOG_FORMAT").or_else(|| {
        let path = config
            .map(std::path::Path::to_path_buf)
            .or_else(|| env("NEXTAUTH_CONFIG").map(std::path::PathBuf::from))?;
        let text = std::fs::read_to_string(path).ok()?;
        let doc: toml::Table = toml::from_str(&text).ok()?;
        doc.get("ops")?
            .get("log_format")?
            .as_str()
            .map(str::to_string)
    });
    match value.as_deref().map(str::trim) {
        Some("json") => LogFormat::Json,
        _ => LogFormat::Text,
    }
}

/// Checks `[ops]` (environment applied): `listen` is a socket address other than the public
/// `main_listen`, `log_format` is `text` or `json`. Errors name the key and its source.
pub(super) fn resolve(
    section: OpsSection,
    main_listen: &str,
    src_of: &dyn Fn(&str) -> Source,
) -> Result<OpsSettings, SettingsError> {
    let log_format = match section.log_format.as_deref().map(str::trim) {
        None => LogFormat::Text,
        Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(err(
                "ops.log_format",
                &src_of("ops.log_format"),
                format!("{other:?}: use \"text\" or \"json\""),
            ));
        }
    };
    let listen = match section.listen {
        None => None,
        Some(l) => {
            let src = src_of("ops.listen");
            let addr = l.trim().parse::<std::net::SocketAddr>().map_err(|_| {
                err(
                    "ops.listen",
                    &src,
                    format!("{l:?} is not an address like 127.0.0.1:9464"),
                )
            })?;
            let same = main_listen
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|m| m == addr && addr.port() != 0);
            if same {
                return Err(err(
                    "ops.listen",
                    &src,
                    format!(
                        "{l:?} is the public `listen` address: the operations endpoints need a \
                         listener of their own"
                    ),
                ));
            }
            Some(addr.to_string())
        }
    };
    Ok(OpsSettings { listen, log_format })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn section(listen: Option<&str>, log_format: Option<&str>) -> OpsSection {
        OpsSection {
            listen: listen.map(str::to_string),
            log_format: log_format.map(str::to_string),
        }
    }

    fn file(_: &str) -> Source {
        Source::File("nextauth.toml".into())
    }

    #[test]
    fn defaults_are_no_listener_and_text() {
        let o = resolve(section(None, None), "127.0.0.1:3000", &file).unwrap();
        assert_eq!(o, OpsSettings::default());
        assert_eq!(o.log_format.as_str(), "text");
    }

    #[test]
    fn values_are_checked_and_errors_name_key_and_source() {
        let o = resolve(
            section(Some("127.0.0.1:9464"), Some("json")),
            "127.0.0.1:3000",
            &file,
        )
        .unwrap();
        assert_eq!(o.listen.as_deref(), Some("127.0.0.1:9464"));
        assert_eq!(o.log_format, LogFormat::Json);
        let e = resolve(section(None, Some("yaml")), "127.0.0.1:3000", &|_| {
            Source::Env("NEXTAUTH_LOG_FORMAT")
        })
        .unwrap_err();
        assert_eq!(
            e.0,
            "`ops.log_format` from env NEXTAUTH_LOG_FORMAT: \"yaml\": use \"text\" or \"json\""
        );
        let e = resolve(section(Some("localhost"), None), "127.0.0.1:3000", &file).unwrap_err();
        assert!(
            e.0.starts_with("`ops.listen` from file nextauth.toml: \"localhost\""),
            "{e}"
        );
        let e = resolve(
            section(Some("127.0.0.1:3000"), None),
            "127.0.0.1:3000",
            &file,
        )
        .unwrap_err();
        assert!(e.0.contains("is the public `listen` address"), "{e}");
        // Both on port 0: two different free ports.
        assert!(resolve(section(Some("127.0.0.1:0"), None), "127.0.0.1:0", &file).is_ok());
    }
}
