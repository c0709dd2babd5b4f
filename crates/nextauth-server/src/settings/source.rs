//! What every pass of the settings shares: where a value came from ([`Source`]), the error that
//! names it ([`SettingsError`]), the environment as a lookup ([`Env`]), and the ranges the file
//! and the environment both check. A leaf: the passes import it, it imports none of them.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from, for error messages and `nextauth check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// The configuration file.
    File(PathBuf),
    /// The built-in default.
    Default,
    /// Generated at startup (the embedded default's secret).
    Generated(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(v) => write!(f, "env {v}"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Default => f.write_str("default"),
            Source::Generated(p) => write!(f, "generated into {}", p.display()),
        }
    }
}

/// A configuration error that names the value and its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

pub(super) fn err(key: &str, source: &Source, msg: impl fmt::Display) -> SettingsError {
    SettingsError(format!("`{key}` from {source}: {msg}"))
}

/// The environment, as a lookup function (tests pass a map instead of touching the process env).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// `server.max_connections`: the range accepted.
pub(super) const MAX_CONNECTIONS: std::ops::RangeInclusive<u64> = 1..=1_000_000;

/// The error of a `server.max_connections` out of [`MAX_CONNECTIONS`], quoting `raw`.
pub(super) fn max_connections_error(raw: &str, src: &Source) -> SettingsError {
    err(
        "server.max_connections",
        src,
        format!("{raw:?} is not a whole number between 1 and 1000000"),
    )
}
