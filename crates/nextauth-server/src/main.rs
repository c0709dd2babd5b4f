//! `nextauth`: the NextAuth.js v4 REST API as a standalone server.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use nextauth_core::ProviderKind;
use nextauth_server::settings::{self, Settings};

/// jemalloc instead of the system allocator: `GET session` makes a few dozen short-lived
/// allocations, freed on another worker thread about as often as not, and glibc's malloc spent
/// ~20 % of the route's user time in them (`malloc_consolidate`, `_int_free`). Measured with
/// `bench/load.sh`: −18 % user CPU per request at the same peak RSS (docs/performance.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A line on stderr. Unlike `eprintln!`, a closed or full stderr is ignored rather than a panic.
///
/// SIGPIPE: the Rust runtime ignores it from the start, so writing to a closed pipe is an `EPIPE`
/// error where it happens (handled: `check` stops cleanly, `serve` keeps serving), never a kill.
macro_rules! say {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "nextauth",
    version,
    about = "The NextAuth.js v4 REST API, as one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (TOML). Also NEXTAUTH_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Address to bind, e.g. 127.0.0.1:0 for a free port. Also NEXTAUTH_LISTEN.
    #[arg(long, global = true)]
    listen: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print the resolved configuration and exit; non-zero when it is invalid.
    Check,
    /// Create the tables of `[database] layout` in the configured database where none of them
    /// exists (refusing, naming them, where some exist in another shape), then nextauth's own
    /// `nextauth_*` tables.
    Migrate {
        /// Only print the DDL, connect to nothing.
        #[arg(long)]
        print: bool,
    },
    /// Manage sessions in the configured database.
    Sessions {
        #[command(subcommand)]
        action: SessionsCommand,
    },
}

#[derive(Subcommand)]
enum SessionsCommand {
    /// End every session of a user ("sign out everywhere"): JWT sessions issued until now are
    /// refused by every instance on this database within a second, database sessions are deleted.
    Revoke {
        /// The user's id (the session JWT's `sub`, the users row's id).
        #[arg(long)]
        user: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = cli.listen.clone();
    let env = move |k: &str| {
        if k == "NEXTAUTH_LISTEN"
            && let Some(l) = &listen
        {
            return Some(l.clone());
        }
        settings::process_env(k)
    };
    // The log subscriber first (in `[ops] log_format`, read ahead), so that loading logs too.
    // Colours only on a terminal: a log file or journal gets no escape sequences.
    nextauth_server::ops::init_logging(settings::ops::early_log_format(
        cli.config.as_deref(),
        &env,
    ));
    let settings = match settings::load(cli.config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => {
            say!("nextauth: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Check => check(&settings),
        Command::Migrate { print } => migrate(&settings, print),
        Command::Serve => serve(settings),
        Command::Sessions {
            action: SessionsCommand::Revoke { user },
        } => revoke_user(&settings, &user),
    }
}

/// A runtime for the one-shot commands that talk to the database.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            say!("nextauth: cannot start the runtime: {e}");
            ExitCode::FAILURE
        })
}

/// `nextauth migrate [--print]`: the DDL of the configured layout, printed or applied.
fn migrate(s: &Settings, print: bool) -> ExitCode {
    let layout = &s.database.layout;
    if print {
        return match nextauth_sqlx::ddl(&s.database_url, layout) {
            Ok(ddl) => {
                let mut out = std::io::stdout().lock();
                match out.write_all(ddl.as_bytes()).and_then(|()| out.flush()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                    Err(e) => {
                        say!("nextauth: cannot write to stdout: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Err(e) => {
                say!("nextauth migrate: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt.block_on(nextauth_sqlx::migrate(&s.database_url, layout)) {
        Ok(()) => {
            println!(
                "migrated {} (layout {}): the layout's tables and nextauth's own (nextauth_*) are in place",
                settings::redact_url(&s.database_url),
                layout.name
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("nextauth migrate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The catalogue check of `nextauth check` with `[database] migrate = false`: every missing
/// table, missing column and column of the wrong type, one per line; `Ok(false)` when any.
fn print_schema_check(out: &mut impl Write, s: &Settings) -> std::io::Result<bool> {
    let layout = &s.database.layout;
    if s.database.migrate {
        writeln!(
            out,
            "schema:        layout {}, migrate = true: missing tables are created at start",
            layout.name
        )?;
        return Ok(true);
    }
    let found = match runtime() {
        Ok(rt) => rt.block_on(nextauth_sqlx::check(&s.database_url, layout)),
        Err(_) => return Ok(false),
    };
    match found {
        Ok(problems) if problems.is_empty() => {
            writeln!(
                out,
                "schema:        OK (layout {}, migrate = false: checked against the catalogue, never changed)",
                layout.name
            )?;
            Ok(true)
        }
        Ok(problems) => {
            writeln!(
                out,
                "schema:        {} problem(s) (layout {}, migrate = false: nextauth never changes this schema; \
                 `nextauth migrate` creates the tables in a database that has none of them)",
                problems.len(),
                layout.name
            )?;
            for p in &problems {
                writeln!(out, "  {p}")?;
            }
            Ok(false)
        }
        Err(e) => {
            writeln!(out, "schema:        cannot read the catalogue: {e}")?;
            Ok(false)
        }
    }
}

/// `nextauth check`: the resolved configuration on stdout; with `[database] migrate = false`
/// also the database's tables against the catalogue (non-zero when something is missing). A
/// reader that goes away early (`nextauth check | head -1`) ends it cleanly with status 0.
fn check(s: &Settings) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let result = print_check(&mut out, s)
        .and_then(|()| print_schema_check(&mut out, s))
        .and_then(|ok| out.flush().map(|()| ok));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say!("nextauth: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `[forward_auth]` in `nextauth check`: the hosts and the rules, in order.
fn print_forward_auth(out: &mut impl Write, a: &nextauth_core::AuthConfig) -> std::io::Result<()> {
    let Some(fa) = &a.forward_auth else {
        return writeln!(out, "forward_auth:  off (forward-auth answers 404)");
    };
    let list = |v: &[nextauth_core::callbacks::configured::DomainPattern]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "forward_auth:  allowed_hosts {}",
        list(&fa.allowed_hosts)
    )?;
    for (i, r) in fa.rules.iter().enumerate() {
        writeln!(
            out,
            "  rules[{i}] host {}: emails [{}], email domains [{}], groups [{}]",
            r.host,
            r.allowed_emails.join(", "),
            list(&r.allowed_email_domains),
            r.groups.join(", ")
        )?;
    }
    writeln!(out, "  (no matching rule: any signed-in user)")
}

fn print_check(out: &mut impl Write, s: &Settings) -> std::io::Result<()> {
    let a = &s.auth;
    let names = nextauth_core::cookies::CookieNames::new(a.base.secure());
    // `url` unset and `listen` on port 0: the base takes the port bound at start, unknown here.
    let bound_later = s.base_awaits_bound_port;
    let (base, origin) = if bound_later {
        (
            "http://localhost:<bound port>/api/auth".to_string(),
            "http://localhost:<bound port>".to_string(),
        )
    } else {
        (a.base.base.clone(), a.base.origin.clone())
    };
    writeln!(out, "configuration: OK")?;
    for (key, source) in &s.sources {
        writeln!(out, "  {key:<13} from {source}")?;
    }
    writeln!(out, "base URL:      {base}")?;
    writeln!(out, "origin:        {origin}")?;
    if bound_later {
        writeln!(
            out,
            "               (url unset, listen port 0: the port bound at start, printed in the listening line)"
        )?;
    }
    writeln!(out, "listen:        {}", s.listen)?;
    let proxies: Vec<String> = a.trusted_proxies.networks().collect();
    if proxies.is_empty() {
        writeln!(
            out,
            "trusted_proxies: none (X-Forwarded-* and Forwarded are ignored; the peer is the client)"
        )?;
    } else {
        writeln!(out, "trusted_proxies: {}", proxies.join(", "))?;
    }
    match &s.ops.listen {
        Some(l) => writeln!(
            out,
            "ops:           listen {l} (/healthz, /readyz, /metrics), log_format {}",
            s.ops.log_format.as_str()
        )?,
        None => writeln!(
            out,
            "ops:           no listener ([ops] listen unset), log_format {}",
            s.ops.log_format.as_str()
        )?,
    }
    writeln!(
        out,
        "database:      {} (layout {}, migrate {})",
        settings::redact_url(&s.database_url),
        s.database.layout.name,
        s.database.migrate
    )?;
    let l = &s.limits;
    writeln!(
        out,
        "server:        header_read_timeout {:?}, body_read_timeout {:?}, keep_alive_timeout {:?}, \
         max_connections {}, shutdown_timeout {:?}",
        l.header_read_timeout,
        l.body_read_timeout,
        l.keep_alive_timeout,
        l.max_connections,
        l.shutdown_timeout
    )?;
    writeln!(
        out,
        "session:       {:?}, max_age {}s, update_age {}s, revoke_on_signout {}",
        a.session.strategy,
        a.session.max_age,
        a.session.update_age,
        if a.session.revoke_on_signout {
            "on"
        } else {
            "off"
        }
    )?;
    // --- rate limits (issue 14 part 3) ---
    let r = &a.rate_limits;
    if r.enabled {
        let rows: Vec<String> = r
            .rows()
            .iter()
            .map(|(key, rate)| format!("{key} {rate}"))
            .collect();
        writeln!(out, "rate_limit:    {}", rows.join(", "))?;
        writeln!(
            out,
            "               store {}; over a limit: 429 + Retry-After; a failing store admits (fail open)",
            s.rate_limit_store.describe()
        )?;
    } else {
        writeln!(out, "rate_limit:    off (rate_limit.enabled = false)")?;
    }
    // --- end rate limits ---
    print_callbacks(out, s)?;
    match &s.events {
        Some(d) => writeln!(
            out,
            "events:        POST {} ({}), retry from {:?} doubling up to {:?}, give up after {:?}; outbox in the database",
            d.url,
            if d.secret.is_some() {
                "signed: Standard Webhooks, [callbacks] webhook_secret"
            } else {
                "unsigned: no [callbacks] webhook_secret"
            },
            d.retry_base,
            d.max_backoff,
            d.give_up_after
        )?,
        None => writeln!(out, "events:        none ([events] url unset)")?,
    }
    print_forward_auth(out, a)?;
    writeln!(out, "endpoints:")?;
    for e in &nextauth_core::routes::ENDPOINTS {
        writeln!(out, "  {:<5}{}{}", e.method.as_str(), base, e.path())?;
    }
    match &a.cookie_domain {
        Some(d) => writeln!(
            out,
            "cookies (secure: {}; session and callback-url cookies: Domain={d}, the CSRF cookie host-only):",
            names.secure
        )?,
        None => writeln!(out, "cookies (secure: {}):", names.secure)?,
    }
    for n in [
        &names.session_token,
        &names.csrf_token,
        &names.callback_url,
        &names.state,
        &names.pkce_code_verifier,
        &names.nonce,
    ] {
        writeln!(out, "  {n}")?;
    }
    writeln!(out, "providers:")?;
    for p in &a.providers {
        writeln!(
            out,
            "  {:<14} {:<12} {:<20} {}",
            p.id,
            p.type_str(),
            p.name,
            format_args!("{base}/signin/{}", p.id)
        )?;
        if let ProviderKind::Email(e) = &p.kind
            && !e.confirm
        {
            writeln!(
                out,
                "  {:<14} recommendation: set `confirm = true`, so that mail scanners (Outlook \
                 Safe Links, Defender, Proofpoint) opening the link do not spend it",
                ""
            )?;
        }
        if let ProviderKind::OAuth(o) = &p.kind
            && o.backchannel_logout
        {
            writeln!(
                out,
                "  {:<14} backchannel_logout_uri (register at the IdP): {base}/backchannel-logout/{}",
                "", p.id
            )?;
        }
    }
    for w in &s.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// The `[callbacks]` part of `nextauth check`: who may sign in, the webhooks (and whether they
/// are signed), the claims and the extra redirect origins.
fn print_callbacks(out: &mut impl Write, s: &Settings) -> std::io::Result<()> {
    let c = &s.callbacks;
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let signed = if c.webhook_secret.is_some() {
        "signed: Standard Webhooks, [callbacks] webhook_secret"
    } else {
        "unsigned: no [callbacks] webhook_secret"
    };
    let p = &c.policy;
    if p.is_active() {
        let domains: Vec<String> = p
            .allowed_email_domains
            .iter()
            .map(ToString::to_string)
            .collect();
        writeln!(
            out,
            "sign-in policy: allowed_emails {}; allowed_email_domains {}; OAuth addresses must \
             be verified (email_verified, or trusted_email: {})",
            list(&p.allowed_emails),
            list(&domains),
            list(&p.trusted_email_providers)
        )?;
    } else {
        writeln!(
            out,
            "sign-in policy: everyone (no allowed_emails or allowed_email_domains)"
        )?;
    }
    match &c.sign_in_url {
        Some(u) => writeln!(out, "signIn webhook: POST {u} ({signed}), 5 s")?,
        None => writeln!(out, "signIn webhook: none")?,
    }
    match &c.claims_url {
        Some(u) => writeln!(
            out,
            "claims webhook: POST {u} ({signed}), 5 s, at sign-in and on update()"
        )?,
        None => writeln!(out, "claims webhook: none")?,
    }
    let pairs = |v: &[(String, String)]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|(a, b)| format!("{a} = {b}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    writeln!(out, "profile claims: {}", pairs(&c.profile_claims))?;
    writeln!(out, "session expose: {}", pairs(&c.expose))?;
    writeln!(
        out,
        "redirect:       the base URL's origin; also {}",
        list(&c.redirect_allow)
    )
}

/// `nextauth sessions revoke --user ID`: the library's `revoke_user` on the configured database.
fn revoke_user(settings: &Settings, user: &str) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            say!("nextauth: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let s = &settings.auth.session;
    let keep_s = s.max_age.max(s.jwt_max_age);
    let result = runtime.block_on(async {
        let adapter = nextauth_server::storage::open_adapter_with(
            &settings.database_url,
            &settings.database,
            settings.session_cache,
        )
        .await?;
        let now = nextauth_core::Clock::now_ms(&nextauth_core::SystemClock);
        let revocations = nextauth_core::revocation::Revocations::new();
        let deleted =
            nextauth_core::revocation::revoke_user(&*adapter, &revocations, user, now, keep_s)
                .await?;
        anyhow::Ok((now, deleted))
    });
    match result {
        Ok((now, deleted)) => {
            println!(
                "revoked the sessions of user {user:?}: JWT sessions issued until {} are refused \
                 (by every instance within a second); {deleted} database session(s) deleted",
                nextauth_core::clock::iso_ms(now)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            say!("nextauth: revoking the sessions of user {user:?} failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A `TOKIO_WORKER_THREADS` that is not a positive whole number (its text).
#[derive(Debug, thiserror::Error)]
#[error("TOKIO_WORKER_THREADS={0:?} (from the environment) is not a positive whole number")]
struct WorkerThreadsError(String);

/// The number of Tokio worker threads from `TOKIO_WORKER_THREADS` (unset or empty: one per core).
/// Tokio reads that variable itself but panics on a value that is not a positive number; read here,
/// a bad value is a configuration error that names it.
fn worker_threads() -> Result<Option<usize>, WorkerThreadsError> {
    let Some(raw) = std::env::var_os("TOKIO_WORKER_THREADS") else {
        return Ok(None);
    };
    let text = raw.to_string_lossy();
    if text.trim().is_empty() {
        // Set explicitly: left to Tokio, the empty value would reach its parser.
        return Ok(Some(
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        ));
    }
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(WorkerThreadsError(text.into_owned())),
    }
}

fn serve(settings: Settings) -> ExitCode {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    match worker_threads() {
        Ok(Some(n)) => {
            builder.worker_threads(n);
        }
        Ok(None) => {}
        Err(e) => {
            say!("nextauth: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            say!("nextauth: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        let mut settings = settings;
        let listen = settings.listen.clone();
        let limits = settings.limits.clone();
        // Bound before the build, so that a default base URL can take the port bound for
        // `--listen …:0` (`Settings::bound_to`).
        let listener = match tokio::net::TcpListener::bind(&listen).await {
            Ok(l) => l,
            Err(e) => {
                say!("nextauth: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let bound = listener.local_addr().ok();
        if let Some(bound) = bound {
            settings.bound_to(bound.port());
        }
        // The operations listener, bound before anything is built as the public one is; the
        // recorder goes in before the build, so that the core's counters reach it.
        let ops = match settings.ops.listen.clone() {
            None => None,
            Some(ops_listen) => {
                let l = match tokio::net::TcpListener::bind(&ops_listen).await {
                    Ok(l) => l,
                    Err(e) => {
                        say!("nextauth: cannot listen on {ops_listen} ([ops] listen): {e}");
                        return ExitCode::FAILURE;
                    }
                };
                let handle = match nextauth_server::ops::install_recorder() {
                    Ok(h) => h,
                    Err(e) => {
                        say!("nextauth: metrics recorder: {e:#}");
                        return ExitCode::FAILURE;
                    }
                };
                nextauth_server::ops::spawn_upkeep(handle.clone());
                let addr = l.local_addr().map_or(ops_listen, |a| a.to_string());
                Some((l, handle, addr))
            }
        };
        let (auth, worker) = match nextauth_server::build_with_events(
            settings,
            nextauth_server::Overrides::default(),
        )
        .await
        {
            Ok(a) => a,
            Err(e) => {
                say!("nextauth: {e:#}");
                return ExitCode::from(2);
            }
        };
        // The event worker stops after the server has drained (the last requests' events are
        // in the outbox by then); an attempt under way is finished, the rest stays for the next
        // start.
        let (stop_events, stopped) = tokio::sync::watch::channel(false);
        let worker = worker.map(|w| {
            let mut stopped = stopped;
            tokio::spawn(w.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            }))
        });
        let addr = bound.map_or(listen, |a| a.to_string());
        // Installed before anything is printed: from the listening line on, SIGTERM and SIGINT
        // drain the server.
        let signalled = shutdown_signal();
        // The one stdout line other tools wait for. Nobody reading it (stdout closed, a full
        // disk) is no reason not to serve: then it goes to stderr.
        let line = format!(
            "nextauth listening on http://{addr} (auth API at {})",
            auth.config().base.base
        );
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            tracing::warn!("{line} (stdout: {e})");
        }
        drop(out);
        // One signal stops both listeners.
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let stopped = move || {
            let mut stopping = stopping.clone();
            async move {
                let _ = stopping.wait_for(|s| *s).await;
            }
        };
        let ops_server = ops.map(|(l, handle, addr)| {
            // The second stdout line, after the one other tools wait for.
            let line =
                format!("nextauth ops listening on http://{addr} (/healthz, /readyz, /metrics)");
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                tracing::warn!("{line} (stdout: {e})");
            }
            drop(out);
            let app = nextauth_server::ops::router(auth.clone(), Some(handle)).layer(
                nextauth_server::ops::RequestIdLayer::new(auth.config().trusted_proxies.clone()),
            );
            let ops_limits = nextauth_server::Limits {
                max_connections: 64,
                ..limits.clone()
            };
            tokio::spawn(nextauth_server::run_with(l, app, ops_limits, stopped()))
        });
        let signal = tokio::spawn(async move {
            signalled.await;
            let _ = stop.send(true);
        });
        let app = nextauth_server::app(auth);
        let code = match nextauth_server::run_with(listener, app, limits, stopped()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                say!("nextauth: server error: {e}");
                ExitCode::FAILURE
            }
        };
        signal.abort();
        if let Some(o) = ops_server {
            let _ = o.await;
        }
        let _ = stop_events.send(true);
        if let Some(w) = worker {
            let _ = w.await;
        }
        code
    });
    // Connections still open after the drain deadline are dropped here; so is any task still
    // running (a blocking one gets a moment, never a hang).
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C). On Unix both handlers are installed when this is
/// called, not when the future is first polled: a signal that comes right after the listening
/// line is already the server's to handle, never the default "terminate now".
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(int) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
