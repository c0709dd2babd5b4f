// The Express middleware on both paths against a real nextauth (NEXTAUTH_BIN, default
// ../../target/debug/nextauth) with a credentials provider whose webhook (served here) accepts
// alice / password. Run: `node --test` here (after `npm ci`).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import express from "express";
import { encode } from "next-auth/jwt";

import { nextAuthSession } from "./session.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = "express-readers-test-secret-0123456789abcdef";
const COOKIE = "next-auth.session-token";
const bin = path.resolve(process.env.NEXTAUTH_BIN ?? path.join(here, "..", "..", "target", "debug", "nextauth"));

const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
const header = (cookies) => Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");

let nextauth, webhook, app, base, appUrl, signedIn;

before(async () => {
  assert.ok(fs.existsSync(bin), `no nextauth binary at ${bin}: cargo build -p nextauth-server, or set NEXTAUTH_BIN`);
  webhook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let c = {};
      try {
        c = JSON.parse(body);
      } catch {}
      const ok = c.username === "alice" && c.password === "password";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(ok ? JSON.stringify({ id: "credentials-alice", name: "Alice", email: "alice@example.com" }) : "null");
    });
  });
  const hookPort = await listen(webhook);
  const probe = http.createServer();
  const port = await listen(probe); // a free port for nextauth
  await new Promise((r) => probe.close(r));
  base = `http://127.0.0.1:${port}/api/auth`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "nextauth-express-readers-"));
  const config = path.join(work, "nextauth.toml");
  fs.writeFileSync(
    config,
    `url = "${base}"
secret = "${SECRET}"
[[providers]]
id = "credentials"
type = "credentials"
name = "Credentials"
authorize_url = "http://127.0.0.1:${hookPort}/authorize"
[providers.credentials.username]
label = "Username"
[providers.credentials.password]
label = "Password"
type = "password"
`,
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("NEXTAUTH_") && k !== "DATABASE_URL"));
  nextauth = spawn(bin, ["--config", config, "--listen", `127.0.0.1:${port}`], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  nextauth.stdout.on("data", (d) => (out += d));
  nextauth.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      if ((await fetch(`${base}/providers`)).status === 200) break;
    } catch {}
    if (nextauth.exitCode !== null || Date.now() > deadline) throw new Error(`nextauth did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // Sign in as next-auth/react does: GET csrf, POST callback/credentials.
  const jar = {};
  const keep = (res) => {
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(";");
      const i = pair.indexOf("=");
      jar[pair.slice(0, i)] = pair.slice(i + 1);
    }
  };
  const csrfRes = await fetch(`${base}/csrf`);
  keep(csrfRes);
  const { csrfToken } = await csrfRes.json();
  const res = await fetch(`${base}/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: header(jar) },
    body: new URLSearchParams({ username: "alice", password: "password", csrfToken, json: "true" }),
  });
  assert.equal(res.status, 200);
  keep(res);
  assert.ok(jar[COOKIE], `session cookie set: ${Object.keys(jar)}`);
  signedIn = jar;

  const a = express();
  const me = (req, res) => res.json({ session: res.locals.session });
  a.get("/http/me", nextAuthSession({ internalUrl: base }), me);
  a.get("/local/me", nextAuthSession({ local: true, secret: SECRET }), me);
  a.get("/down/me", nextAuthSession({ internalUrl: "http://127.0.0.1:9/api/auth" }), me);
  app = http.createServer(a);
  appUrl = `http://127.0.0.1:${await listen(app)}`;
});

after(() => {
  nextauth?.kill("SIGTERM");
  webhook?.close();
  app?.close();
});

async function ask(p, cookies) {
  const res = await fetch(`${appUrl}${p}/me`, { headers: Object.keys(cookies).length ? { cookie: header(cookies) } : {} });
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text(), setCookies: res.headers.getSetCookie() };
}
async function serverSession(cookies) {
  return (await fetch(`${base}/session`, { headers: { cookie: header(cookies) } })).json();
}
const tampered = (cookies) => ({ ...cookies, [COOKIE]: `${cookies[COOKIE].slice(0, -4)}${cookies[COOKIE].endsWith("AAAA") ? "BBBB" : "AAAA"}` });
const claims = { name: "Alice", email: "alice@example.com", sub: "credentials-alice" };

for (const p of ["http", "local"]) {
  describe(`${p} path`, () => {
    test("reads the session nextauth minted: the same JSON as GET session", async () => {
      const { status, body, setCookies } = await ask(`/${p}`, signedIn);
      assert.equal(status, 200);
      const expected = await serverSession(signedIn);
      assert.deepEqual(expected.user, { name: "Alice", email: "alice@example.com" });
      assert.deepEqual(body.session.user, expected.user);
      assert.deepEqual(Object.keys(body.session).sort(), Object.keys(expected).sort());
      // `expires` is now + max_age on both sides (ISO 8601 with milliseconds, as toISOString
      // writes it): they differ by the time between the two reads, a minute at most.
      assert.match(body.session.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(body.session.expires) - Date.parse(expected.expires)) < 60000, `${body.session.expires} vs ${expected.expires}`);
      if (p === "http") assert.ok(setCookies.some((c) => c.startsWith(`${COOKIE}=`)), `rotated cookie passed on: ${setCookies}`);
      else assert.deepEqual(setCookies, []);
    });

    test("signed out: null", async () => {
      assert.deepEqual(await ask(`/${p}`, {}), { status: 200, body: { session: null }, setCookies: [] });
    });

    test("a tampered cookie is refused", async () => {
      assert.deepEqual(await serverSession(tampered(signedIn)), {});
      const { status, body } = await ask(`/${p}`, tampered(signedIn));
      assert.deepEqual({ status, body }, { status: 200, body: { session: null } });
    });

    test("an expired cookie is refused (and the same token in date is not)", async () => {
      const fresh = { [COOKIE]: await encode({ token: claims, secret: SECRET, maxAge: 3600 }) };
      assert.equal((await ask(`/${p}`, fresh)).body.session.user.email, "alice@example.com");
      // exp a minute ago: past v4's 15 s clock tolerance.
      const expired = { [COOKIE]: await encode({ token: claims, secret: SECRET, maxAge: -60 }) };
      assert.deepEqual(await serverSession(expired), {});
      const { status, body } = await ask(`/${p}`, expired);
      assert.deepEqual({ status, body }, { status: 200, body: { session: null } });
    });

    test("a chunked cookie (over 4 KB) is joined", async () => {
      const token = await encode({ token: { ...claims, pad: "x".repeat(6000) }, secret: SECRET, maxAge: 3600 });
      const cookies = {};
      for (let i = 0, j = 0; j < token.length; i++, j += 3936) cookies[`${COOKIE}.${i}`] = token.slice(j, j + 3936);
      assert.ok(Object.keys(cookies).length >= 2);
      assert.equal((await serverSession(cookies)).user.email, "alice@example.com");
      const { body } = await ask(`/${p}`, cookies);
      assert.deepEqual(body.session.user, { name: "Alice", email: "alice@example.com" });
    });
  });
}

test("http path: nextauth unreachable is 503, not signed out", async () => {
  const { status } = await ask("/down", signedIn);
  assert.equal(status, 503);
});
