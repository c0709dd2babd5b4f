// An Express middleware that puts the NextAuth session on `res.locals.session`: the JSON that
// nextauth's `GET /api/auth/session` answers to this request, or `null` when signed out.
//
//   import express from "express";
//   import { nextAuthSession } from "./session.mjs";
//   const app = express();
//   app.use(nextAuthSession());                      // HTTP path (default)
//   app.use(nextAuthSession({ local: true }));       // or: decrypt the JWT cookie here
//   app.get("/me", (req, res) => res.locals.session ? res.json(res.locals.session.user) : res.sendStatus(401));
//
// Two paths:
// - HTTP: `GET ${internalUrl}/session` with the request's Cookie header. Works for JWT and
//   database sessions, sees revocation and everything the server's configuration adds to the
//   session (`[session.expose]`, claims webhooks); passes the rotated cookie's Set-Cookie on, so
//   the session's expiry slides as it does through `GET session`. If nextauth cannot be reached
//   the request gets 503 (an outage is not a sign-out).
// - local: next-auth's own `getToken()` (JWE dir/A256GCM, the HKDF-derived key, chunked cookies,
//   `exp` with 15 s tolerance), then the session shape nextauth builds from a token (v4's
//   default `session` callback): `{ user: { name, email, image }, expires }`. No network, but
//   no database sessions, no revocation (a signed-out copy of the cookie stays good until its
//   `exp`) and nothing the server's configuration adds: use it only when the server has no
//   `[session.expose]`.
//
// Options (each defaults from the environment next-auth apps already have):
//   internalUrl  nextauth's /api/auth URL as this server reaches it
//                (NEXTAUTH_INTERNAL_URL, else NEXTAUTH_URL)
//   local        true: the local path (NEXTAUTH_SESSION_LOCAL=1)
//   secret       the local path's secret (NEXTAUTH_SECRET, else AUTH_SECRET)
//   maxAge       the server's session.max_age in seconds, for `expires` (NEXTAUTH_SESSION_MAX_AGE,
//                default 30 days)
//   secureCookie read `__Secure-next-auth.session-token` (default: NEXTAUTH_URL is https)
import { parse as parseCookies } from "cookie";
import { getToken } from "next-auth/jwt";

const DEFAULT_MAX_AGE = 30 * 24 * 60 * 60;

/** The session JSON v4's default `session` callback (and nextauth) builds from a token. */
export function sessionFromToken(token, maxAge, nowMs = Date.now()) {
  const user = {};
  for (const [from, to] of [["name", "name"], ["email", "email"], ["picture", "image"]]) {
    if (from in token) user[to] = token[from];
  }
  const session = { user, expires: new Date(nowMs + maxAge * 1000).toISOString() };
  if ("error" in token) session.error = token.error;
  return session;
}

/** The local path: the session from the request's JWT cookie, or null. */
export async function readSessionLocal(req, { secret, maxAge = DEFAULT_MAX_AGE, secureCookie } = {}) {
  const cookies = req.cookies ?? parseCookies(req.headers.cookie ?? "");
  const token = await getToken({ req: { cookies, headers: req.headers }, secret, secureCookie });
  return token ? sessionFromToken(token, maxAge) : null;
}

/** The HTTP path: `{ session, setCookies }` from nextauth's `GET session` to this request's
 *  cookies and the session cookie's
 *  Set-Cookie headers. Throws when nextauth cannot be reached or answers other than 200. */
export async function readSessionHttp(req, { internalUrl }) {
  const headers = { accept: "application/json" };
  if (req.headers.cookie) headers.cookie = req.headers.cookie;
  const res = await fetch(`${internalUrl.replace(/\/$/, "")}/session`, { headers, signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET session answered ${res.status}`);
  const body = await res.json();
  const session = body && typeof body === "object" && Object.keys(body).length ? body : null;
  // Only the session cookie's (its rotation, chunks, or its removal when the session is gone):
  // the csrf and callback-url cookies nextauth also sets belong to its own pages.
  const setCookies = res.headers.getSetCookie().filter((c) => /^(__Secure-)?next-auth\.session-token(\.\d+)?=/.test(c));
  return { session, setCookies };
}

/** The middleware: `res.locals.session` is the session or null. */
export function nextAuthSession(options = {}) {
  const env = process.env;
  const local = options.local ?? ["1", "true"].includes(env.NEXTAUTH_SESSION_LOCAL ?? "");
  const internalUrl = options.internalUrl ?? env.NEXTAUTH_INTERNAL_URL ?? env.NEXTAUTH_URL;
  const secret = options.secret ?? env.NEXTAUTH_SECRET ?? env.AUTH_SECRET;
  const maxAge = options.maxAge ?? Number(env.NEXTAUTH_SESSION_MAX_AGE || DEFAULT_MAX_AGE);
  const secureCookie = options.secureCookie ?? (env.NEXTAUTH_URL ?? "").startsWith("https://");
  if (local && !secret) throw new Error("the local path needs a secret (NEXTAUTH_SECRET)");
  if (!local && !internalUrl) throw new Error("set NEXTAUTH_INTERNAL_URL (or NEXTAUTH_URL) to nextauth's /api/auth URL");
  return async (req, res, next) => {
    if (local) {
      res.locals.session = await readSessionLocal(req, { secret, maxAge, secureCookie });
      return next();
    }
    let found;
    try {
      found = await readSessionHttp(req, { internalUrl });
    } catch {
      return res.status(503).type("text").send("the session service is unavailable");
    }
    for (const c of found.setCookies) res.append("Set-Cookie", c);
    res.locals.session = found.session;
    next();
  };
}
