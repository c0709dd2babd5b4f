//! The environment pass: [`KEYS`], the one table of the values an environment variable sets.
//!
//! Each row names the key (as written in the file, in errors and in `nextauth check`), its
//! variable, how the variable's text lands in the file's struct, and whether the file set it.
//! [`apply`] runs the table once over a parsed [`FileConfig`], so the rest of loading reads one
//! merged value per key; the `sources` that `nextauth check` prints are the same rows, in order.
//! Precedence: environment > file > default.

use super::file::{FileConfig, SecretSetting};
use super::source::{Env, MAX_CONNECTIONS, SettingsError, Source, err, max_connections_error};

/// One value an environment variable overrides.
pub struct EnvKey {
    /// The key, dotted as in the file (`server.max_connections`).
    pub key: &'static str,
    /// The environment variable (`NEXTAUTH_MAX_CONNECTIONS`).
    pub var: &'static str,
    /// How the variable's text lands in the file's struct.
    how: How,
}

/// How one [`EnvKey`] writes its variable into the file's struct.
enum How {
    /// Its own parse: `set` writes the variable's text (the second argument), its error names
    /// the key and the variable; `in_file` says whether the file itself sets the key.
    Custom {
        set: fn(&mut FileConfig, String, &Source) -> Result<(), SettingsError>,
        in_file: fn(&FileConfig) -> bool,
    },
    /// A number of seconds (fractions allowed; the range is checked with the file's values)
    /// into the field this names; the file set it when the field is `Some`.
    Seconds(fn(&mut FileConfig) -> &mut Option<f64>),
}

impl EnvKey {
    /// A row with its own parse (see [`How::Custom`]).
    const fn custom(
        key: &'static str,
        var: &'static str,
        set: fn(&mut FileConfig, String, &Source) -> Result<(), SettingsError>,
        in_file: fn(&FileConfig) -> bool,
    ) -> EnvKey {
        EnvKey {
            key,
            var,
            how: How::Custom { set, in_file },
        }
    }

    /// A timeout in seconds written into the field `slot` names (see [`How::Seconds`]).
    const fn seconds(
        key: &'static str,
        var: &'static str,
        slot: fn(&mut FileConfig) -> &mut Option<f64>,
    ) -> EnvKey {
        EnvKey {
            key,
            var,
            how: How::Seconds(slot),
        }
    }

    /// Writes the variable's text `v` into `f`; the error names the key and the variable.
    fn set(&self, f: &mut FileConfig, v: String, src: &Source) -> Result<(), SettingsError> {
        match self.how {
            How::Custom { set, .. } => set(f, v, src),
            How::Seconds(slot) => {
                *slot(f) = Some(seconds(self.key, &v, src)?);
                Ok(())
            }
        }
    }

    /// Whether the file itself sets the key.
    fn in_file(&self, f: &mut FileConfig) -> bool {
        match self.how {
            How::Custom { in_file, .. } => in_file(f),
            How::Seconds(slot) => slot(f).is_some(),
        }
    }
}

/// Every key an environment variable sets, in the order `nextauth check` lists them. A key may
/// have more than one row (`secret`): the first variable that is set wins.
pub const KEYS: &[EnvKey] = &[
    EnvKey::custom(
        "url",
        "NEXTAUTH_URL",
        |f, v, _| {
            f.url = Some(v);
            Ok(())
        },
        |f| f.url.is_some(),
    ),
    EnvKey::custom(
        "listen",
        "NEXTAUTH_LISTEN",
        |f, v, _| {
            f.listen = Some(v);
            Ok(())
        },
        |f| f.listen.is_some(),
    ),
    EnvKey::custom(
        "trusted_proxies",
        "NEXTAUTH_TRUSTED_PROXIES",
        |f, v, _| {
            // A list in one variable: separated by commas or whitespace.
            f.trusted_proxies = Some(
                v.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
            Ok(())
        },
        |f| f.trusted_proxies.is_some(),
    ),
    EnvKey::custom(
        "database.url",
        "DATABASE_URL",
        |f, v, _| {
            f.database.url = Some(v);
            Ok(())
        },
        |f| f.database.url.is_some(),
    ),
    EnvKey::custom(
        "database.layout",
        "NEXTAUTH_DATABASE_LAYOUT",
        |f, v, _| {
            f.database.layout = Some(v);
            Ok(())
        },
        |f| f.database.layout.is_some(),
    ),
    EnvKey::custom(
        "database.migrate",
        "NEXTAUTH_DATABASE_MIGRATE",
        |f, v, src| {
            f.database.migrate = Some(match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => {
                    return Err(err(
                        "database.migrate",
                        src,
                        format!("{v:?}: use true or false"),
                    ));
                }
            });
            Ok(())
        },
        |f| f.database.migrate.is_some(),
    ),
    EnvKey::seconds(
        "server.header_read_timeout",
        "NEXTAUTH_HEADER_READ_TIMEOUT",
        |f| &mut f.server.header_read_timeout,
    ),
    EnvKey::seconds(
        "server.body_read_timeout",
        "NEXTAUTH_BODY_READ_TIMEOUT",
        |f| &mut f.server.body_read_timeout,
    ),
    EnvKey::seconds(
        "server.keep_alive_timeout",
        "NEXTAUTH_KEEP_ALIVE_TIMEOUT",
        |f| &mut f.server.keep_alive_timeout,
    ),
    EnvKey::seconds(
        "server.shutdown_timeout",
        "NEXTAUTH_SHUTDOWN_TIMEOUT",
        |f| &mut f.server.shutdown_timeout,
    ),
    EnvKey::custom(
        "server.max_connections",
        "NEXTAUTH_MAX_CONNECTIONS",
        |f, v, src| {
            // Range-checked here so that the error quotes the variable's own text.
            match v.trim().parse::<u64>() {
                Ok(n) if MAX_CONNECTIONS.contains(&n) => {
                    f.server.max_connections = Some(n);
                    Ok(())
                }
                _ => Err(max_connections_error(&v, src)),
            }
        },
        |f| f.server.max_connections.is_some(),
    ),
    // --- rate limits (issue 14 part 3) ---
    EnvKey::custom(
        "rate_limit.enabled",
        "NEXTAUTH_RATE_LIMIT_ENABLED",
        |f, v, src| {
            f.rate_limit.enabled = Some(match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => {
                    return Err(err(
                        "rate_limit.enabled",
                        src,
                        format!("{v:?}: use true or false"),
                    ));
                }
            });
            Ok(())
        },
        |f| f.rate_limit.enabled.is_some(),
    ),
    EnvKey::custom(
        "rate_limit.store",
        "NEXTAUTH_RATE_LIMIT_STORE",
        |f, v, _| {
            f.rate_limit.store = Some(v);
            Ok(())
        },
        |f| f.rate_limit.store.is_some(),
    ),
    // --- end rate limits ---
    EnvKey::custom(
        "ops.listen",
        "NEXTAUTH_OPS_LISTEN",
        |f, v, _| {
            f.ops.listen = Some(v);
            Ok(())
        },
        |f| f.ops.listen.is_some(),
    ),
    EnvKey::custom(
        "ops.log_format",
        "NEXTAUTH_LOG_FORMAT",
        |f, v, _| {
            f.ops.log_format = Some(v);
            Ok(())
        },
        |f| f.ops.log_format.is_some(),
    ),
    EnvKey::custom(
        "secret",
        "NEXTAUTH_SECRET",
        |f, v, _| {
            f.secret = Some(SecretSetting::Many(split_secrets(&v)));
            Ok(())
        },
        |f| f.secret.is_some(),
    ),
    EnvKey::custom(
        "secret",
        "NEXTAUTH_SECRET_FILE",
        |f, path, src| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err("secret", src, format!("reading {path}: {e}")))?;
            f.secret = Some(SecretSetting::Many(split_secrets(text.trim())));
            Ok(())
        },
        |f| f.secret.is_some(),
    ),
];

/// Writes every set variable of [`KEYS`] into `file`; returns where each key's value comes from
/// (one entry per key, in table order). `file_src` is the file's source (the default when the
/// embedded default is used).
pub(super) fn apply(
    file: &mut FileConfig,
    env: Env<'_>,
    file_src: &Source,
) -> Result<Vec<(&'static str, Source)>, SettingsError> {
    let mut sources: Vec<(&'static str, Source)> = Vec::new();
    for row in KEYS {
        if sources
            .iter()
            .any(|(k, s)| *k == row.key && matches!(s, Source::Env(_)))
        {
            // An earlier variable of the same key won (NEXTAUTH_SECRET over NEXTAUTH_SECRET_FILE).
            continue;
        }
        let source = match env(row.var) {
            Some(v) => {
                let src = Source::Env(row.var);
                row.set(file, v, &src)?;
                src
            }
            None if row.in_file(file) => file_src.clone(),
            None => Source::Default,
        };
        match sources.iter_mut().find(|(k, _)| *k == row.key) {
            Some(slot) => slot.1 = source,
            None => sources.push((row.key, source)),
        }
    }
    Ok(sources)
}

/// A timeout variable: seconds, fractions allowed (the range is checked with the file's values).
fn seconds(key: &str, v: &str, src: &Source) -> Result<f64, SettingsError> {
    v.trim()
        .parse::<f64>()
        .map_err(|_| err(key, src, format!("{v:?} is not a number of seconds")))
}

/// `NEXTAUTH_SECRET` may list several secrets, newest first, separated by commas (rotation).
fn split_secrets(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_string()).collect()
}
