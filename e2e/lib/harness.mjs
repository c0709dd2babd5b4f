// The environment the browser tests run in: real peers (the OpenID provider, the SMTP sink and the
// credentials webhook of testkit/node), the server under test, and in front of it a same-origin
// reverse proxy that serves the test page and forwards /api/auth/* (what a Next.js app's
// `rewrites` do).
//
// Server under test:
//   { kind: "nextauth", bin }   the nextauth binary: a TOML config is written and it is started
//                               with --listen 127.0.0.1:0 (its stdout line gives the port)
//   { kind: "reference" }       the real NextAuth v4 of ../shared/reference (copied to a cache
//                               directory and `npm ci`-ed there once), run with its server.mjs
//
// Several instances can run side by side ("main", and themed ones); each has its own proxy origin
// http://127.0.0.1:<port>, and the auth server's URL is that origin + /api/auth.
import { spawn, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPage, PAGE_HTML } from "../page/build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(here, "..");
export const ROOT = path.resolve(E2E_DIR, "..");
export const TESTKIT_NODE = path.join(ROOT, "testkit", "node");
export const SECRET = "e2e-secret-not-for-production-0123456789abcdef";

const children = new Set();
const tempDirs = [];
let cleaningUp = false;

/** Kills every child process started by the harness (SIGTERM, then SIGKILL). */
export async function stopAll() {
  cleaningUp = true;
  const all = [...children];
  for (const c of all) {
    try {
      c.kill("SIGTERM");
    } catch {}
  }
  await Promise.all(
    all.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => {
            try {
              c.kill("SIGKILL");
            } catch {}
            resolve();
          }, 2000);
          c.once("exit", () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
  children.clear();
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
process.on("exit", () => {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {}
  }
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a process, logs its output to `logFile`, and resolves once a stdout line matches `ready`
 * (a RegExp; the match is returned) or rejects after `timeoutMs` with the output so far.
 */
export function startProcess(name, cmd, args, { cwd, env, ready, timeoutMs = 30000, logFile }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.add(child);
    const log = fs.createWriteStream(logFile, { flags: "a" });
    let output = "";
    let settled = false;
    let buf = "";
    const done = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve({ child, match: value, logFile, output: () => output });
    };
    const timer = setTimeout(
      () => done(new Error(`${name} did not become ready within ${timeoutMs} ms\n--- ${logFile} ---\n${output.slice(-4000)}`)),
      timeoutMs,
    );
    child.stdout.on("data", (d) => {
      const s = d.toString();
      output += s;
      log.write(s);
      buf += s;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = ready.exec(line);
        if (m) done(null, m);
      }
    });
    child.stderr.on("data", (d) => {
      const s = d.toString();
      output += s;
      log.write(s);
    });
    child.on("error", (err) => done(new Error(`${name}: cannot start ${cmd}: ${err.message}`)));
    child.on("exit", (code, sig) => {
      children.delete(child);
      log.end();
      if (!cleaningUp && settled && code !== 0 && sig !== "SIGTERM" && sig !== "SIGKILL") {
        process.stderr.write(`[harness] ${name} exited early (code ${code}, signal ${sig}); see ${logFile}\n`);
      }
      done(new Error(`${name} exited (code ${code}, signal ${sig}) before it was ready\n--- ${logFile} ---\n${output.slice(-4000)}`));
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Peers from testkit/node
// ------------------------------------------------------------------------------------------------

async function startPeer(script, env, logDir) {
  if (!fs.existsSync(path.join(TESTKIT_NODE, "node_modules"))) {
    throw new Error(`${TESTKIT_NODE}/node_modules is missing: run scripts/test.sh (it runs npm ci there)`);
  }
  const p = await startProcess(script, process.execPath, [script], {
    cwd: TESTKIT_NODE,
    env: { ...env, TESTKIT_EXIT_ON_STDIN_EOF: "1" },
    ready: /^listening on (http:\/\/\S+)/,
    logFile: path.join(logDir, script.replace(".mjs", ".log")),
  });
  return { ...p, url: p.match[1].replace(/\/$/, "") };
}

export async function startPeers(logDir) {
  const [idp, smtp, webhook] = await Promise.all([
    startPeer("idp.mjs", { IDP_PORT: "0" }, logDir),
    startPeer("smtp.mjs", { SMTP_PORT: "0", SMTP_HTTP_PORT: "0" }, logDir),
    startPeer("webhook.mjs", { AUTHORIZE_PORT: "0" }, logDir),
  ]);
  // smtp.mjs prints `smtp on 127.0.0.1:PORT` right after its listening line.
  let smtpPort;
  for (let i = 0; i < 50 && !smtpPort; i++) {
    smtpPort = /smtp on 127\.0\.0\.1:(\d+)/.exec(smtp.output())?.[1];
    if (!smtpPort) await sleep(50);
  }
  if (!smtpPort) throw new Error(`smtp.mjs printed no 'smtp on' line\n${smtp.output()}`);
  return {
    idp: { issuer: idp.url, clientId: "nextauth-test", clientSecret: "nextauth-test-secret" },
    smtp: { port: Number(smtpPort), http: smtp.url },
    webhook: { url: `${webhook.url}/authorize` },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The last mail to `to` in the SMTP sink, waiting up to `timeoutMs`. */
export async function waitMail(peers, to, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${peers.smtp.http}/last?to=${encodeURIComponent(to)}`);
    if (r.ok) return r.json();
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

// ------------------------------------------------------------------------------------------------
// The same-origin proxy
// ------------------------------------------------------------------------------------------------

let pageJs;

/** Starts the proxy on a free port; `setUpstream(url)` later points /api/auth/* at the server. */
export async function startProxy() {
  pageJs ??= await buildPage();
  let upstream = null;
  const server = http.createServer((req, res) => {
    const pathname = req.url.split("?")[0];
    if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) {
      if (!upstream) {
        res.writeHead(503, { "content-type": "text/plain" }).end("no upstream yet");
        return;
      }
      const headers = { ...req.headers };
      headers["x-forwarded-host"] = req.headers.host ?? "";
      headers["x-forwarded-proto"] = "http";
      headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
      headers.host = upstream.host;
      const up = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (upRes) => {
          res.writeHead(upRes.statusCode, upRes.statusMessage, upRes.rawHeaders);
          upRes.pipe(res);
        },
      );
      up.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`proxy error: ${err.message}`);
      });
      req.pipe(up);
      return;
    }
    if (pathname === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" }).end(pageJs);
      return;
    }
    if (pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    // Any other path is the app (a single-page app; callbackUrls like /welcome land here).
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(PAGE_HTML);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    server,
    setUpstream(url) {
      upstream = new URL(url);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

// ------------------------------------------------------------------------------------------------
// Servers under test
// ------------------------------------------------------------------------------------------------

function tomlString(s) {
  return JSON.stringify(s);
}

/** The nextauth configuration of an instance (same providers, ids, names and order as the reference). */
export function nextauthConfig({ origin, peers, dir, theme, extraProviders = "" }) {
  const t = theme ?? {};
  const themeLines = [
    t.colorScheme && `color_scheme = ${tomlString(t.colorScheme)}`,
    t.brandColor && `brand_color = ${tomlString(t.brandColor)}`,
    t.buttonText && `button_text = ${tomlString(t.buttonText)}`,
  ].filter(Boolean);
  return `# Written by e2e/lib/harness.mjs
url = ${tomlString(`${origin}/api/auth`)}
secret = ${tomlString(SECRET)}

[session]
strategy = "jwt"

[database]
url = ${tomlString(`sqlite://${path.join(dir, "nextauth.db")}`)}

# The suite signs in many times from 127.0.0.1; rate limits have their own tests
# (crates/nextauth-server/tests/rate_limit.rs).
[rate_limit]
enabled = false
${themeLines.length ? `\n[theme]\n${themeLines.join("\n")}\n` : ""}
[[providers]]
id = "mock-idp"
type = "oidc"
name = "Mock IdP"
issuer = ${tomlString(peers.idp.issuer)}
client_id = ${tomlString(peers.idp.clientId)}
client_secret = ${tomlString(peers.idp.clientSecret)}
scope = "openid email profile"
checks = ["pkce", "state", "nonce"]
federated_logout = true

[[providers]]
id = "email"
type = "email"
name = "Email"
server = ${tomlString(`smtp://127.0.0.1:${peers.smtp.port}`)}
from = "NextAuth E2E <no-reply@example.com>"

[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = ${tomlString(peers.webhook.url)}
[providers.credentials.username]
label = "Username"
type = "text"
placeholder = "alice"
[providers.credentials.password]
label = "Password"
type = "password"
${extraProviders}`;
}

async function startNextauth({ bin, name, origin, peers, theme, extraProviders, logDir }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nextauth-e2e-${name}-`));
  const config = path.join(dir, "nextauth.toml");
  fs.writeFileSync(config, nextauthConfig({ origin, peers, dir, theme, extraProviders }));
  fs.copyFileSync(config, path.join(logDir, `nextauth-${name}.toml`));
  const env = { RUST_LOG: process.env.RUST_LOG ?? "info" };
  for (const k of ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "NEXTAUTH_SECRET_FILE", "NEXTAUTH_CONFIG", "NEXTAUTH_LISTEN", "DATABASE_URL"]) {
    env[k] = undefined;
  }
  const cleanEnv = { ...process.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete cleanEnv[k];
  const p = await startProcess(`nextauth (${name})`, bin, ["--config", config, "--listen", "127.0.0.1:0"], {
    cwd: dir,
    env: { ...cleanEnv, RUST_LOG: env.RUST_LOG },
    ready: /listening on (http:\/\/\S+)/,
    logFile: path.join(logDir, `nextauth-${name}.log`),
  });
  tempDirs.push(dir);
  return { url: p.match[1].replace(/\/$/, ""), dir };
}

/** Copies ../shared/reference to a cache directory and runs `npm ci` there (once per lock file). */
export function prepareReference(log = () => {}) {
  const src = path.resolve(process.env.E2E_REFERENCE_DIR ?? path.join(ROOT, "..", "shared", "reference"));
  if (!fs.existsSync(path.join(src, "server.mjs"))) {
    throw new Error(`E2E_TARGET=reference: no server.mjs in ${src} (set E2E_REFERENCE_DIR)`);
  }
  const lock = fs.readFileSync(path.join(src, "package-lock.json"));
  const hash = createHash("sha256").update(lock).digest("hex").slice(0, 12);
  const dest = path.join(os.tmpdir(), `nextauth-e2e-reference-${hash}`);
  const stamp = path.join(dest, "node_modules", ".e2e-ready");
  if (!fs.existsSync(stamp)) {
    log(`copying ${src} to ${dest} and running npm ci there (once)`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.cpSync(src, dest, {
      recursive: true,
      filter: (p) => !/[/\\](node_modules|logs)([/\\]|$)/.test(p.slice(src.length)),
    });
    fs.chmodSync(dest, 0o755);
    for (const f of fs.readdirSync(dest)) fs.chmodSync(path.join(dest, f), fs.statSync(path.join(dest, f)).isDirectory() ? 0o755 : 0o644);
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dest, stdio: "inherit" });
    fs.writeFileSync(stamp, new Date().toISOString());
  }
  // A wrapper that applies extra NextAuth options (the theme, extra providers) before any request:
  // server.mjs exports its authOptions and passes the same object to NextAuth() on every request.
  fs.writeFileSync(
    path.join(dest, "e2e-server.mjs"),
    `// Written by nextauth-rs e2e/lib/harness.mjs
const extra = JSON.parse(process.env.E2E_OPTIONS || "{}");
const m = await import("./server.mjs");
if (extra.theme) m.authOptions.theme = extra.theme;
`,
  );
  return dest;
}

async function startReference({ refDir, name, origin, peers, theme, logDir }) {
  const port = await freePort();
  const p = await startProcess(`reference (${name})`, process.execPath, ["e2e-server.mjs"], {
    cwd: refDir,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      NEXTAUTH_URL: origin,
      NEXTAUTH_SECRET: SECRET,
      SESSION_STRATEGY: "jwt",
      IDP_URL: peers.idp.issuer,
      IDP_CLIENT_ID: peers.idp.clientId,
      IDP_CLIENT_SECRET: peers.idp.clientSecret,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(peers.smtp.port),
      E2E_OPTIONS: JSON.stringify({ theme: theme ?? undefined }),
    },
    ready: /^\[server\] next-auth/,
    timeoutMs: 60000,
    logFile: path.join(logDir, `reference-${name}.log`),
  });
  return { url: `http://127.0.0.1:${port}` };
}

/**
 * The test environment: peers started once, instances started on demand.
 * `env.instance(name)` → { origin, base, theme } where name is one of INSTANCES.
 */
export const INSTANCES = {
  // The default theme (auto), providers exactly as the reference's server.mjs.
  main: { theme: null },
  // nextauth only (issue 16): a second e-mail provider whose link opens a "Continue" page.
  confirm: {
    theme: null,
    nextauthOnly: true,
    extraProviders: (peers) => `
[[providers]]
id = "email-confirm"
type = "email"
name = "Email (confirm)"
server = "smtp://127.0.0.1:${peers.smtp.port}"
from = "NextAuth E2E <no-reply@example.com>"
confirm = true
`,
  },
  // Forced light scheme with a brand colour and button text colour.
  light: { theme: { colorScheme: "light", brandColor: "#0b6e4f", buttonText: "#ffffff" } },
  // Forced dark scheme with another brand colour.
  dark: { theme: { colorScheme: "dark", brandColor: "#f2b134", buttonText: "#111111" } },
  // nextauth only: a preset OAuth provider on the page, to prove no request leaves the origin.
  presets: {
    theme: null,
    nextauthOnly: true,
    extraProviders: `
[[providers]]
type = "oauth"
preset = "github"
client_id = "e2e-github-client"
client_secret = "e2e-github-secret"

[[providers]]
type = "oauth"
preset = "google"
client_id = "e2e-google-client"
client_secret = "e2e-google-secret"
`,
  },
};

export async function createEnv({ target, bin, logDir, log = () => {} }) {
  fs.mkdirSync(logDir, { recursive: true });
  const refDir = target === "reference" ? prepareReference(log) : null;
  const peers = await startPeers(logDir);
  const started = new Map();
  const env = {
    target,
    peers,
    logDir,
    async instance(name) {
      if (!started.has(name)) {
        started.set(
          name,
          (async () => {
            const spec = INSTANCES[name];
            if (!spec) throw new Error(`unknown instance ${name}`);
            const proxy = await startProxy();
            const extraProviders = typeof spec.extraProviders === "function" ? spec.extraProviders(peers) : spec.extraProviders;
            const opts = { name, origin: proxy.origin, peers, theme: spec.theme, extraProviders, logDir };
            const srv = target === "reference" ? await startReference({ ...opts, refDir }) : await startNextauth({ ...opts, bin });
            proxy.setUpstream(srv.url);
            return { name, origin: proxy.origin, base: `${proxy.origin}/api/auth`, theme: spec.theme, upstream: srv.url, proxy };
          })(),
        );
      }
      return started.get(name);
    },
    newEmail(tag = "user") {
      return `e2e-${tag}-${randomBytes(4).toString("hex")}@example.com`;
    },
    async close() {
      for (const p of started.values()) {
        try {
          (await p).proxy.close();
        } catch {}
      }
      await stopAll();
    },
  };
  return env;
}
