#!/usr/bin/env node
// Smoke test of this example: builds the app (`next build`), starts it (`next start`) and a
// nextauth server behind its /api/auth rewrite, signs in with credentials, and checks that the
// middleware's getToken() sees the session and that @nextauth-rs/next's getServerSession() reads
// it in a server component, a route handler and a Pages Router API route: JWT sessions on the
// HTTP path, then (next started again with NEXTAUTH_SESSION_LOCAL=1) on the local path, then
// database sessions (nextauth restarted with SQLite and an e-mail sign-in); signed out and a
// tampered cookie give null on every route.
//
//   node smoke.mjs --server ../../target/debug/nextauth [--browser] [--no-build]
//
// --server   the nextauth binary (or NEXTAUTH_BIN)
// --browser  also sign in through the real page in headless Chromium (playwright-core from
//            ../../e2e/node_modules, Debian's /usr/bin/chromium or E2E_CHROMIUM)
// --no-build reuse an existing build (only if it was built with the same NEXTAUTH_BACKEND)
// Prints PASS/FAIL per check and `N passed, N failed`; exits 1 on a failure, 2 if it cannot run.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = "smoke-test-secret-shared-by-nextauth-and-next-0123456789";
const log = (s) => process.stdout.write(`${s}\n`);
const die = (msg) => {
  console.error(`smoke: ${msg}`);
  cleanup();
  process.exit(2);
};

const argv = process.argv.slice(2);
let bin = process.env.NEXTAUTH_BIN;
let browser = false;
let build = true;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--server") bin = argv[++i];
  else if (argv[i] === "--browser") browser = true;
  else if (argv[i] === "--no-build") build = false;
  else die(`unknown argument ${argv[i]}`);
}
if (!bin) die("give the nextauth binary: --server path/to/nextauth");
bin = path.resolve(bin);
if (!fs.existsSync(bin)) die(`no nextauth binary at ${bin}`);
if (!fs.existsSync(path.join(here, "node_modules", "next"))) die(`${here}/node_modules is missing: run scripts/test.sh (or npm ci here)`);

const children = [];
const procs = {};
function cleanup() {
  for (const c of children) {
    try {
      c.kill("SIGTERM");
    } catch {}
  }
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(1));

const work = fs.mkdtempSync(path.join(os.tmpdir(), "nextauth-nextjs-smoke-"));
const artifacts = process.env.SMOKE_ARTIFACTS ?? path.resolve(here, "..", "..", "artifacts", "nextjs-smoke");
fs.mkdirSync(artifacts, { recursive: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs a command; resolves when `ready` matches its output (or when it exits 0 if no `ready`). */
function run(name, cmd, args, { env = {}, unset = [], ready, timeoutMs = 180000 } = {}) {
  return new Promise((resolve, reject) => {
    const fullEnv = { ...process.env, ...env };
    for (const k of unset) delete fullEnv[k];
    const logFile = path.join(artifacts, `${name}.log`);
    const out = fs.createWriteStream(logFile);
    const child = spawn(cmd, args, { cwd: here, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    procs[name] = child;
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${name}: no result within ${timeoutMs} ms\n${text.slice(-3000)}`)), timeoutMs);
    const onData = (d) => {
      text += d;
      out.write(d);
      const m = ready && ready.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new Error(`${name}: ${e.message}`)));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (child.stopping) return;
      if (!ready && code === 0) resolve(text);
      else reject(new Error(`${name} exited with ${code}\n--- ${logFile} ---\n${text.slice(-3000)}`));
    });
  });
}

/** Stops a process started by run() and waits until it has exited. */
async function stop(name) {
  const child = procs[name];
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.stopping = true;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

// A credentials webhook: alice / password.
async function startWebhook() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let c = null;
      try {
        c = JSON.parse(body);
      } catch {}
      const ok = c?.username === "alice" && c?.password === "password";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(ok ? JSON.stringify({ id: "credentials-alice", name: "Alice Credentials", email: "alice@example.com" }) : "null");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}/authorize` };
}

// A cookie jar for fetch (enough for name=value cookies on one origin).
class Jar {
  constructor() {
    this.cookies = new Map();
  }
  store(res) {
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(";");
      const i = pair.indexOf("=");
      const [name, value] = [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const results = [];
async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    results.push(true);
    log(`PASS ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  } catch (err) {
    results.push(false);
    log(`FAIL ${name}: ${err?.stack ?? err}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

const started = Date.now();
const [authPort, appPort] = [await freePort(), await freePort()];
const app = `http://127.0.0.1:${appPort}`;
const backend = `http://127.0.0.1:${authPort}`;
const nextBin = path.join(here, "node_modules", "next", "dist", "bin", "next");
const nextEnv = {
  NEXT_TELEMETRY_DISABLED: "1",
  NEXTAUTH_BACKEND: backend,
  NEXTAUTH_SECRET: SECRET,
  // @nextauth-rs/next's getServerSession() asks nextauth directly, not through the rewrite.
  NEXTAUTH_INTERNAL_URL: `${backend}/api/auth`,
};
const unset = ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "NEXTAUTH_SECRET_FILE", "NEXTAUTH_CONFIG", "NEXTAUTH_LISTEN", "DATABASE_URL", "NEXTAUTH_SESSION_LOCAL"];

/** nextauth's configuration: JWT sessions with credentials (the webhook's alice / password), or
 *  database sessions (SQLite) with an e-mail provider in log mode (the magic link in its log). */
function nextauthConfig(strategy, webhookUrl) {
  const config = path.join(work, `nextauth-${strategy}.toml`);
  const common = `url = "${app}/api/auth"
secret = "${SECRET}"
[database]
url = "sqlite://${path.join(work, `nextauth-${strategy}.db`)}"
`;
  const providers =
    strategy === "jwt"
      ? `[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "${webhookUrl}"
[providers.credentials.username]
label = "Username"
placeholder = "alice"
[providers.credentials.password]
label = "Password"
type = "password"
`
      : `[session]
strategy = "database"
[[providers]]
id = "email"
type = "email"
`;
  fs.writeFileSync(config, common + providers);
  return config;
}
const startNextauth = (name, config) =>
  run(name, bin, ["--config", config, "--listen", `127.0.0.1:${authPort}`], { env: { RUST_LOG: "info" }, unset, ready: /listening on http:\/\//, timeoutMs: 30000 });
const startNext = (name, env = {}) =>
  run(name, process.execPath, [nextBin, "start", "-p", String(appPort), "-H", "127.0.0.1"], { env: { ...nextEnv, ...env }, unset: "NEXTAUTH_SESSION_LOCAL" in env ? [] : ["NEXTAUTH_SESSION_LOCAL"], ready: /Ready in|ready started|Local:/i, timeoutMs: 60000 });

let webhook;
try {
  if (build) {
    const t = Date.now();
    await run("next-build", process.execPath, [nextBin, "build"], { env: nextEnv });
    log(`PASS next build (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    results.push(true);
  }
  webhook = await startWebhook();
  await Promise.all([startNextauth("nextauth", nextauthConfig("jwt", webhook.url)), startNext("next-start")]);
  webhook.server.unref();
} catch (err) {
  log(`FAIL setup: ${err?.stack ?? err}`);
  log(`0 passed, 1 failed`);
  cleanup();
  process.exit(1);
}

const jar = new Jar();
const get = async (p, opts = {}) => {
  const res = await fetch(`${app}${p}`, { redirect: "manual", ...opts, headers: { cookie: jar.header(), ...(opts.headers ?? {}) } });
  jar.store(res);
  return res;
};

await check("the app renders", async () => {
  const res = await get("/");
  assert(res.status === 200, `GET / → ${res.status}`);
  assert((await res.text()).includes("next-auth/react against nextauth"), "home page text");
});

await check("middleware sends a signed-out visitor to the sign-in page", async () => {
  const res = await get("/protected");
  assert([302, 307].includes(res.status), `GET /protected → ${res.status}`);
  const loc = new URL(res.headers.get("location"), app);
  assert(loc.pathname === "/api/auth/signin" && loc.searchParams.get("callbackUrl") === "/protected", `Location ${loc}`);
});

await check("/api/auth/* is served by nextauth through the rewrite", async () => {
  const res = await get("/api/auth/providers");
  assert(res.status === 200, `GET /api/auth/providers → ${res.status}`);
  const p = await res.json();
  assert(p.credentials?.callbackUrl === `${app}/api/auth/callback/credentials`, JSON.stringify(p));
  const page = await get("/api/auth/signin");
  assert(page.status === 200 && (await page.text()).includes("Sign in with Credentials"), "built-in sign-in page");
});

await check("sign in with credentials, as next-auth/react does it", async () => {
  const { csrfToken } = await (await get("/api/auth/csrf", { headers: { "content-type": "application/json" } })).json();
  assert(/^[0-9a-f]{64}$/.test(csrfToken), `csrfToken ${csrfToken}`);
  const body = new URLSearchParams({ username: "alice", password: "password", redirect: "false", csrfToken, callbackUrl: `${app}/protected`, json: "true" });
  const res = await get("/api/auth/callback/credentials", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert(res.status === 200, `POST callback/credentials → ${res.status}`);
  eqJson(await res.json(), { url: `${app}/protected` }, "JSON reply");
  assert(jar.cookies.has("next-auth.session-token"), `session cookie set: ${[...jar.cookies.keys()]}`);
  const s = await (await get("/api/auth/session")).json();
  assert(s.user?.email === "alice@example.com", `session ${JSON.stringify(s)}`);
});

await check("middleware's getToken() sees the session", async () => {
  const res = await get("/protected");
  assert(res.status === 200, `GET /protected → ${res.status}`);
  const html = await res.text();
  assert(html.includes("alice@example.com") && html.includes("credentials-alice"), `the page shows what middleware read: ${html.slice(0, 300)}`);
});

await check("a tampered session cookie is not accepted by getToken()", async () => {
  const v = jar.cookies.get("next-auth.session-token");
  const res = await fetch(`${app}/protected`, { redirect: "manual", headers: { cookie: `next-auth.session-token=${v.slice(0, -4)}AAAA` } });
  assert([302, 307].includes(res.status), `GET /protected with a tampered cookie → ${res.status}`);
});

// --- getServerSession() through @nextauth-rs/next: a server component, a route handler, a Pages
// Router API route, each compared with what nextauth's GET session answers to the same cookies.
const ROUTES = [
  ["a server component", "/server-session"],
  ["a route handler", "/api/route-session"],
  ["a Pages Router API route", "/api/pages-session"],
];
const unescapeHtml = (t) => t.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
async function readThroughPackage(p, cookieHeader) {
  const res = await fetch(`${app}${p}`, { redirect: "manual", headers: cookieHeader ? { cookie: cookieHeader } : {} });
  if (res.status !== 200) throw new Error(`GET ${p} → ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const setCookies = res.headers.getSetCookie();
  if (p === "/server-session") {
    const html = await res.text();
    const m = /<pre id="session">([^<]*)<\/pre>/.exec(html);
    assert(m, `the page shows the session: ${html.slice(0, 300)}`);
    return { session: JSON.parse(unescapeHtml(m[1])), setCookies };
  }
  return { session: (await res.json()).session, setCookies };
}
const serverSession = async (cookieHeader) => (await fetch(`${backend}/api/auth/session`, { headers: { cookie: cookieHeader } })).json();
const rotatesSession = (setCookies) => setCookies.some((c) => /^next-auth\.session-token=/.test(c));

/** The three routes read the session of `cookieHeader` as GET session answers it. */
async function checkPackageReads(phase, cookieHeader, { rotates }) {
  for (const [what, p] of ROUTES) {
    await check(`${phase}: getServerSession() in ${what} reads the session`, async () => {
      const { session, setCookies } = await readThroughPackage(p, cookieHeader);
      const { expires, ...expected } = await serverSession(cookieHeader);
      assert(expected.user?.email === "alice@example.com", `GET session: ${JSON.stringify(expected)}`);
      assert(session, `${p} read no session`);
      if (p === "/api/pages-session") {
        // expires is now + max_age on both sides: they differ by the time between the reads.
        assert(Math.abs(Date.parse(session.expires) - Date.parse(expires)) < 60000, `expires ${session.expires} vs ${expires}`);
        delete session.expires;
      } else {
        assert(!("expires" in session), "the App Router shapes leave out expires, as v4 does");
      }
      eqJson(session, expected, `${p}: the session`);
      // Server components cannot set cookies; the others pass nextauth's rotated cookie on.
      const want = p === "/server-session" ? false : rotates;
      assert(rotatesSession(setCookies) === want, `${p}: session Set-Cookie passed on should be ${want}: ${setCookies}`);
    });
  }
}

/** Signed out and a tampered session cookie: null on all three routes. */
async function checkPackageRefuses(phase, tamperedHeader) {
  await check(`${phase}: signed out or a tampered cookie, getServerSession() is null on every route`, async () => {
    eqJson(await serverSession(tamperedHeader), {}, "GET session with the tampered cookie");
    for (const [, p] of ROUTES) {
      eqJson((await readThroughPackage(p, "")).session, null, `${p} signed out`);
      eqJson((await readThroughPackage(p, tamperedHeader)).session, null, `${p} tampered`);
    }
  });
}
const tamper = (v) => `${v.slice(0, -4)}${v.endsWith("AAAA") ? "BBBB" : "AAAA"}`;

await check("the example's @nextauth-rs/next tarball is packages/next as it is", async () => {
  const pkgDir = path.resolve(here, "..", "..", "packages", "next");
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  const tgz = path.join(pkgDir, `nextauth-rs-next-${manifest.version}.tgz`);
  for (const f of ["package.json", ...manifest.files]) {
    const packed = execFileSync("tar", ["-xzOf", tgz, `package/${f}`]);
    assert(packed.equals(fs.readFileSync(path.join(pkgDir, f))), `${f} differs from the tarball: run npm pack in packages/next, then npm install it here`);
  }
});

await checkPackageReads("JWT, HTTP path", jar.header(), { rotates: true });
await checkPackageRefuses("JWT, HTTP path", `next-auth.session-token=${tamper(jar.cookies.get("next-auth.session-token"))}`);

if (browser) {
  await check("in Chromium: sign in from the app with next-auth/react, then the protected page", async () => {
    const e2eModules = path.resolve(here, "..", "..", "e2e", "node_modules", "playwright-core", "index.mjs");
    const { chromium } = await import(pathToFileURL(e2eModules).href);
    const b = await chromium.launch({
      executablePath: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await b.newPage();
      page.setDefaultTimeout(45000);
      await page.goto(app);
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "unauthenticated");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((u) => u.pathname === "/api/auth/signin");
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password").fill("password");
      await page.getByRole("button", { name: "Sign in with Credentials" }).click();
      await page.waitForURL(`${app}/`);
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "authenticated");
      assert((await page.locator("#user").textContent()).includes("alice@example.com"), "useSession shows the user");
      await page.getByRole("link", { name: "A page behind middleware" }).click();
      await page.waitForURL(`${app}/protected`);
      assert((await page.locator("#email").textContent()) === "alice@example.com", "middleware saw the token");
      await page.screenshot({ path: path.join(artifacts, "protected.png") });
      await page.goto(app);
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "authenticated");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "unauthenticated");
      await page.goto(`${app}/protected`);
      assert(new URL(page.url()).pathname === "/api/auth/signin", `signed out: /protected goes to ${page.url()}`);
    } finally {
      await b.close();
    }
  });
}

// The local path: the same app started again with NEXTAUTH_SESSION_LOCAL=1 (no rebuild needed:
// the package reads the environment at run time).
let localStarted = false;
await check("next start again with NEXTAUTH_SESSION_LOCAL=1", async () => {
  await stop("next-start");
  await startNext("next-start-local", { NEXTAUTH_SESSION_LOCAL: "1" });
  localStarted = true;
});
if (localStarted) {
  await checkPackageReads("JWT, local path", jar.header(), { rotates: false });
  await checkPackageRefuses("JWT, local path", `next-auth.session-token=${tamper(jar.cookies.get("next-auth.session-token"))}`);
}

// Database sessions: nextauth again on the same port (the app's rewrite), SQLite, an e-mail
// sign-in. The cookie holds a session token, not a JWE, so the package asks nextauth even with
// NEXTAUTH_SESSION_LOCAL=1.
const dbJar = new Jar();
let dbSignedIn = false;
await check("database sessions: sign in with an e-mail link", async () => {
  await stop("nextauth");
  await startNextauth("nextauth-database", nextauthConfig("database"));
  const dget = async (p, opts = {}) => {
    const res = await fetch(p.startsWith("http") ? p : `${app}${p}`, { redirect: "manual", ...opts, headers: { cookie: dbJar.header(), ...(opts.headers ?? {}) } });
    dbJar.store(res);
    return res;
  };
  const { csrfToken } = await (await dget("/api/auth/csrf")).json();
  const body = new URLSearchParams({ email: "alice@example.com", csrfToken, callbackUrl: `${app}/`, json: "true" });
  const res = await dget("/api/auth/signin/email", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert(res.status === 200, `POST signin/email → ${res.status}`);
  let link;
  for (let i = 0; i < 50 && !link; i++) {
    await new Promise((r) => setTimeout(r, 100));
    link = /magic link: (http[^\s\x1b]+)/.exec(fs.readFileSync(path.join(artifacts, "nextauth-database.log"), "utf8"))?.[1];
  }
  assert(link, "the magic link in nextauth's log");
  const cb = await dget(link);
  assert([302, 303].includes(cb.status), `GET the magic link → ${cb.status}`);
  const token = dbJar.cookies.get("next-auth.session-token");
  assert(token && token.split(".").length !== 5, `a database session token, not a JWE: ${token}`);
  dbSignedIn = true;
});
if (dbSignedIn) {
  await checkPackageReads("database sessions", dbJar.header(), { rotates: true });
  await checkPackageRefuses("database sessions", `next-auth.session-token=${tamper(dbJar.cookies.get("next-auth.session-token"))}`);
}

function eqJson(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
log(`smoke: ${((Date.now() - started) / 1000).toFixed(1)}s; logs in ${artifacts}`);
log(`${passed} passed, ${failed} failed`);
cleanup();
fs.rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
