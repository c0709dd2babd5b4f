//! [`Limits`]: the bounds on what one client can hold (`[server]` in the configuration), used
//! by the settings that read them and by the connection loop that enforces them.

use std::time::Duration;

/// The bounds on what a client can hold: `[server]` in the configuration (`settings/`).
///
/// Every phase of a connection has a deadline, so a client that sends nothing, trickles its
/// request or idles cannot keep a connection (and its file descriptor and memory) for longer than
/// the phase allows, and [`Limits::max_connections`] caps what the slow ones can hold together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// From the moment a connection is accepted, or the first byte of a further request on a
    /// kept-alive one, until its whole request head (line and headers) has arrived. Hyper's
    /// `header_read_timeout`; the connection is closed when it passes.
    pub header_read_timeout: Duration,
    /// From the first read of a request body until its end; a body still incomplete then is
    /// answered 408 and the connection closed. The same bound applies to a response the client
    /// stops reading: a write that makes no progress for this long closes the connection.
    pub body_read_timeout: Duration,
    /// How long a kept-alive connection may wait, after a response, for the first byte of the
    /// next request before it is closed. Longer than a proxy's own keep-alive timeout avoids the
    /// race where the proxy reuses a connection just as the server closes it.
    pub keep_alive_timeout: Duration,
    /// Open connections at most; beyond it, new connections wait in the listen backlog and one
    /// warning a minute says so.
    pub max_connections: usize,
    /// After SIGTERM or Ctrl-C: how long connections may take to finish what they are doing
    /// before the remaining ones are closed and the process exits.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
            shutdown_timeout: Duration::from_secs(20),
        }
    }
}

/// The default connection cap: three quarters of the open-file limit (the rest is for the
/// database pool, outgoing HTTP and SMTP, and files), at most 10 000, at least 1.
pub fn default_max_connections() -> usize {
    const CAP: u64 = 10_000;
    #[cfg(unix)]
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    #[cfg(not(unix))]
    let soft: Option<u64> = None;
    let n = soft.map_or(CAP, |s| (s / 4 * 3).clamp(1, CAP));
    usize::try_from(n).unwrap_or(1)
}
