"use strict";
// getServerSession() for a Next.js app whose NextAuth.js v4 backend is the nextauth server.
//
// v4's call shapes (next-auth/next `getServerSession`, packages/next-auth/src/next/index.ts):
//   getServerSession()                        App Router: server components, route handlers,
//   getServerSession(authOptions)             server actions (reads next/headers; the argument
//                                             is accepted and ignored)
//   getServerSession(req, res[, authOptions]) Pages Router: API routes, getServerSideProps
// It resolves to what nextauth's `GET session` answers to the request (its JSON; `null` for `{}`),
// without `expires` on the App Router shapes, as v4 does there.
//
// Two paths:
// - HTTP (default): `GET ${NEXTAUTH_INTERNAL_URL ?? NEXTAUTH_URL}/session` with the request's
//   Cookie header. JWT and database sessions, revocation, `[session.expose]`, claims webhooks:
//   whatever the server's configuration makes of the session. The rotated session cookie's
//   Set-Cookie is passed on where the context can set cookies (Pages: `res`; App Router route
//   handlers and server actions: cookies().set). Server components cannot set cookies: there the
//   cookie is not moved (the browser's next `GET session`, e.g. from useSession, moves it).
// - local (NEXTAUTH_SESSION_LOCAL=1 and NEXTAUTH_SECRET set): next-auth's own getToken() decrypts
//   the JWT cookie in-process and the session is built as nextauth builds it from a token
//   (v4's default `session` callback): `{ user: { name, email, image }, expires }`. Opt in only
//   when the server's configuration adds nothing to that shape (no `[session.expose]`) and
//   revocation need not be seen (a signed-out copy of the cookie stays good until its `exp`).
//   A session cookie that is not a JWE (a database session's token) still goes the HTTP way.

const SESSION_COOKIE = "next-auth.session-token";
const DEFAULT_MAX_AGE = 30 * 24 * 60 * 60;
const SESSION_SET_COOKIE = /^(__Secure-)?next-auth\.session-token(\.\d+)?=/;

function sessionUrl() {
  const base = process.env.NEXTAUTH_INTERNAL_URL ?? process.env.NEXTAUTH_URL;
  if (!base) throw new Error("@nextauth-rs/next: set NEXTAUTH_INTERNAL_URL (or NEXTAUTH_URL) to nextauth's /api/auth URL");
  return `${base.replace(/\/$/, "")}/session`;
}

function secureCookie() {
  return (process.env.NEXTAUTH_URL ?? "").startsWith("https://") || !!process.env.VERCEL;
}

/** The session JSON v4's default `session` callback (and nextauth) builds from a token. */
function sessionFromToken(token, maxAge, nowMs = Date.now()) {
  const user = {};
  for (const [from, to] of [["name", "name"], ["email", "email"], ["picture", "image"]]) {
    if (from in token) user[to] = token[from];
  }
  const session = { user, expires: new Date(nowMs + maxAge * 1000).toISOString() };
  if ("error" in token) session.error = token.error;
  return session;
}

/** `name=value; Path=/; Expires=…; HttpOnly; SameSite=Lax; Secure` → cookies().set()'s options. */
function parseSetCookie(header) {
  const [pair, ...attrs] = header.split(";");
  const i = pair.indexOf("=");
  const cookie = { name: pair.slice(0, i).trim(), value: pair.slice(i + 1).trim() };
  for (const attr of attrs) {
    const j = attr.indexOf("=");
    const key = (j < 0 ? attr : attr.slice(0, j)).trim().toLowerCase();
    const val = j < 0 ? "" : attr.slice(j + 1).trim();
    if (key === "path") cookie.path = val;
    else if (key === "domain") cookie.domain = val;
    else if (key === "expires") cookie.expires = new Date(val);
    else if (key === "max-age") cookie.maxAge = Number(val);
    else if (key === "httponly") cookie.httpOnly = true;
    else if (key === "secure") cookie.secure = true;
    else if (key === "samesite") cookie.sameSite = val.toLowerCase();
  }
  return cookie;
}

/** The raw session cookie (chunks joined), for deciding whether the local path can read it. */
function rawSessionCookie(cookies) {
  const name = (secureCookie() ? "__Secure-" : "") + SESSION_COOKIE;
  if (cookies[name] !== undefined) return cookies[name];
  const chunks = Object.keys(cookies)
    .filter((k) => k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1)))
    .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
  return chunks.length ? chunks.map((k) => cookies[k]).join("") : undefined;
}

function localEnabled() {
  return ["1", "true"].includes(process.env.NEXTAUTH_SESSION_LOCAL ?? "") && !!(process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET);
}

/** The local path: `{ session }`, or `undefined` when this cookie needs the HTTP path. */
async function readLocal(cookies, headers) {
  const raw = rawSessionCookie(cookies);
  if (raw === undefined) return { session: null };
  // A JWE compact serialisation has five parts; anything else (a database session's token) is
  // nextauth's to read.
  if (raw.split(".").length !== 5) return undefined;
  const { getToken } = require("next-auth/jwt");
  const token = await getToken({ req: { cookies, headers }, secret: process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET, secureCookie: secureCookie() });
  const maxAge = Number(process.env.NEXTAUTH_SESSION_MAX_AGE || DEFAULT_MAX_AGE);
  return { session: token ? sessionFromToken(token, maxAge) : null };
}

// Passed on to nextauth so that, with the Next.js server in its `trusted_proxies`, its logs and
// per-IP limits name the browser rather than the Next.js server (untrusted, they are ignored).
const FORWARDED = ["x-forwarded-for"];

/** The HTTP path: the session (or null) and the session cookie's Set-Cookie headers. */
async function readHttp(cookieHeader, incoming) {
  const headers = { accept: "application/json" };
  if (cookieHeader) headers.cookie = cookieHeader;
  for (const name of FORWARDED) {
    const v = headerOf(incoming, name);
    if (v) headers[name] = v;
  }
  const res = await fetch(sessionUrl(), { headers, cache: "no-store", signal: AbortSignal.timeout(10000) });
  if (res.status !== 200) throw new Error(`@nextauth-rs/next: GET session answered ${res.status}`);
  const body = await res.json();
  const session = body && typeof body === "object" && Object.keys(body).length ? body : null;
  return { session, setCookies: res.headers.getSetCookie().filter((c) => SESSION_SET_COOKIE.test(c)) };
}

function headerOf(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get(name) ?? undefined;
  const v = headers[name];
  return Array.isArray(v) ? v.join("; ") : v;
}

function cookiesOf(req) {
  if (req.cookies && typeof req.cookies.getAll === "function") {
    return Object.fromEntries(req.cookies.getAll().map((c) => [c.name, c.value]));
  }
  if (req.cookies) return req.cookies;
  const out = {};
  for (const part of (headerOf(req.headers, "cookie") ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

async function getServerSession(...args) {
  const isRSC = args.length === 0 || args.length === 1;
  let cookies, headers, cookieHeader, setCookies;
  if (isRSC) {
    const nextHeaders = require("next/headers");
    const h = await nextHeaders.headers();
    const jar = await nextHeaders.cookies();
    cookies = Object.fromEntries(jar.getAll().map((c) => [c.name, c.value]));
    headers = Object.fromEntries(h);
    cookieHeader = h.get("cookie") ?? undefined;
    setCookies = (list) => {
      for (const sc of list) {
        const { name, value, ...options } = parseSetCookie(sc);
        try {
          jar.set(name, value, options);
        } catch {
          // A server component: cookies are read-only while rendering (Next.js throws). The
          // cookie moves on the browser's next request that can set it.
          return;
        }
      }
    };
  } else {
    const [req, res] = args;
    cookies = cookiesOf(req);
    headers = req.headers;
    cookieHeader = headerOf(req.headers, "cookie");
    setCookies = (list) => {
      if (!list.length || !res || typeof res.setHeader !== "function") return;
      const prev = typeof res.getHeader === "function" ? res.getHeader("Set-Cookie") : undefined;
      const kept = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
      res.setHeader("Set-Cookie", [...kept, ...list]);
    };
  }

  let session;
  const local = localEnabled() ? await readLocal(cookies, headers) : undefined;
  if (local) {
    session = local.session;
  } else {
    const found = await readHttp(cookieHeader, headers);
    setCookies(found.setCookies);
    session = found.session;
  }
  // v4: the App Router shapes return the session without `expires`.
  if (session && isRSC) delete session.expires;
  return session;
}

let warned = false;
/** @deprecated renamed to `getServerSession` (as in v4) */
async function unstable_getServerSession(...args) {
  if (!warned && process.env.NODE_ENV !== "production") {
    console.warn("`unstable_getServerSession` has been renamed to `getServerSession`.");
    warned = true;
  }
  return getServerSession(...args);
}

exports.getServerSession = getServerSession;
exports.unstable_getServerSession = unstable_getServerSession;
exports.sessionFromToken = sessionFromToken;
