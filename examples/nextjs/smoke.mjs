#!/usr/bin/env node
// Smoke test of this example: builds the app (`next build`), starts it (`next start`) and a
// nextauth server behind its /api/auth rewrite, signs in with credentials, and checks that the
// middleware's getToken() sees the session.
//
//   node smoke.mjs --server ../../target/debug/nextauth [--browser] [--no-build]
//
// --server   the nextauth binary (or NEXTAUTH_BIN)
// --browser  also sign in through the real page in headless Chromium (playwright-core from
//            ../../e2e/node_modules, Debian's /usr/bin/chromium or E2E_CHROMIUM)
// --no-build reuse an existing build (only if it was built with the same NEXTAUTH_BACKEND)
// Prints PASS/FAIL per check and `N passed, N failed`; exits 1 on a failure, 2 if it cannot run.
import { spawn } from "node:child_process";
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
      if (!ready && code === 0) resolve(text);
      else reject(new Error(`${name} exited with ${code}\n--- ${logFile} ---\n${text.slice(-3000)}`));
    });
  });
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
const nextEnv = { NEXT_TELEMETRY_DISABLED: "1", NEXTAUTH_BACKEND: backend, NEXTAUTH_SECRET: SECRET };

try {
  if (build) {
    const t = Date.now();
    await run("next-build", process.execPath, [nextBin, "build"], { env: nextEnv });
    log(`PASS next build (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    results.push(true);
  }
  const webhook = await startWebhook();
  const config = path.join(work, "nextauth.toml");
  fs.writeFileSync(
    config,
    `url = "${app}/api/auth"
secret = "${SECRET}"
[database]
url = "sqlite://${path.join(work, "nextauth.db")}"
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "${webhook.url}"
[providers.credentials.username]
label = "Username"
placeholder = "alice"
[providers.credentials.password]
label = "Password"
type = "password"
`,
  );
  const unset = ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "NEXTAUTH_SECRET_FILE", "NEXTAUTH_CONFIG", "NEXTAUTH_LISTEN", "DATABASE_URL"];
  await Promise.all([
    run("nextauth", bin, ["--config", config, "--listen", `127.0.0.1:${authPort}`], { env: { RUST_LOG: "info" }, unset, ready: /listening on http:\/\//, timeoutMs: 30000 }),
    run("next-start", process.execPath, [nextBin, "start", "-p", String(appPort), "-H", "127.0.0.1"], { env: nextEnv, ready: /Ready in|ready started|Local:/i, timeoutMs: 60000 }),
  ]);
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
