// The real NextAuth.js v4 (next-auth 4.24.15) REST API at /api/auth/*, for bench/load.sh.
// Adapted from the project's reference server: a plain Node `http` server hands each request to
// `NextAuth(req, res, authOptions)` (what pages/api/auth/[...nextauth].js does) through Next.js's
// own API-route runtime (`apiResolver` of the installed next@16.4.6: body parser, cookie parser,
// res.send with ETag), as under `next start` minus its router. NEXT_SHIM=manual uses a few
// hand-written shims instead (faster; not how v4 is deployed).
//
// Providers: credentials (alice / password). The in-memory adapter (adapter.mjs, the full v4
// Adapter interface) is always set. SESSION_STRATEGY=database switches to database sessions; v4
// refuses credentials under that strategy (a configuration error on every request), so there the
// provider is GitHub instead (never contacted), and `POST /__bench/seed` creates a user and a
// session in the adapter, as an OAuth or e-mail sign-in would, and answers the session token.
//
// Env: PORT (3190), NEXTAUTH_URL (http://127.0.0.1:$PORT), NEXTAUTH_SECRET, SESSION_STRATEGY
// (jwt|database), NEXT_SHIM (next|manual). Listens on 127.0.0.1 only. First stdout line:
// `listening on http://127.0.0.1:PORT`.
import http from "node:http";
import querystring from "node:querystring";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { MemoryAdapter } from "./adapter.mjs";

process.env.NODE_ENV ??= "production"; // as under `next start`
const PORT = Number(process.env.PORT ?? 3190);
process.env.NEXTAUTH_URL ??= `http://127.0.0.1:${PORT}`;
process.env.NEXTAUTH_SECRET ??= "bench-reference-secret-do-not-use-in-production-0123456789";
const STRATEGY = process.env.SESSION_STRATEGY === "database" ? "database" : "jwt";
const SHIM = process.env.NEXT_SHIM === "manual" ? "manual" : "next";

const require = createRequire(import.meta.url);
const NextAuth = require("next-auth").default;
const CredentialsProvider = require("next-auth/providers/credentials").default;
const GithubProvider = require("next-auth/providers/github").default;
const cookie = require("cookie");

const adapter = MemoryAdapter();
const credentials = CredentialsProvider({
  name: "Credentials",
  credentials: {
    username: { label: "Username", type: "text", placeholder: "alice" },
    password: { label: "Password", type: "password" },
  },
  async authorize(credentials) {
    if (credentials?.username === "alice" && credentials?.password === "password") {
      return { id: "credentials-alice", name: "Alice Credentials", email: "alice@example.com" };
    }
    return null;
  },
});
const github = GithubProvider({ clientId: "bench-client-id", clientSecret: "bench-client-secret" });
const authOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  adapter,
  session: { strategy: STRATEGY },
  // Quiet: a benchmark must not measure console.error.
  logger: { error() {}, warn() {}, debug() {} },
  providers: [STRATEGY === "database" ? github : credentials],
};

const handler = (req, res) => NextAuth(req, res, authOptions);

function routeQuery(url) {
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  if (!pathname.startsWith("/api/auth/")) return null;
  const rest = pathname.slice("/api/auth/".length);
  if (!rest) return null;
  let segments;
  try {
    segments = rest.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  return { ...querystring.parse(q < 0 ? "" : url.slice(q + 1)), nextauth: segments };
}

let apiResolver;
if (SHIM === "next") ({ apiResolver } = require("next/dist/server/api-utils/node/api-resolver.js"));
const resolverModule = { default: handler, config: {} };
const apiContext = {
  previewModeId: "bench-preview-mode-id-000000000000000",
  previewModeEncryptionKey: "bench-preview-mode-enc-key-0000000000",
  previewModeSigningKey: "bench-preview-mode-sig-key-0000000000",
  trustHostHeader: false,
  multiZoneDraftMode: false,
};

async function readBody(req) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > 1024 * 1024) throw Object.assign(new Error("body too large"), { statusCode: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function manualShim(req, res, query) {
  req.query = query;
  req.cookies = cookie.parse(req.headers.cookie ?? "");
  const raw = await readBody(req);
  const ct = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (!raw) req.body = undefined;
  else if (ct === "application/json") req.body = JSON.parse(raw);
  else if (ct === "application/x-www-form-urlencoded") req.body = querystring.parse(raw);
  else req.body = raw;
  res.status = (code) => ((res.statusCode = code), res);
  res.send = (body) => {
    if (body == null) return res.end();
    if (typeof body === "object") {
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      body = JSON.stringify(body);
    }
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  };
  res.json = (obj) => {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.send(JSON.stringify(obj));
  };
  res.redirect = (a, b) => {
    const [code, url] = typeof a === "number" ? [a, b] : [307, a];
    res.writeHead(code, { Location: url });
    res.end();
  };
  await handler(req, res);
}

async function seed() {
  const user = await adapter.createUser({ name: "Alice", email: `alice-${randomUUID()}@example.com`, emailVerified: null });
  const session = await adapter.createSession({
    sessionToken: randomUUID(),
    userId: user.id,
    expires: new Date(Date.now() + 30 * 24 * 3600 * 1000),
  });
  return session.sessionToken;
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === "/__bench/health") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ ok: true, strategy: STRATEGY, shim: SHIM }));
    }
    if (req.url === "/__bench/seed" && req.method === "POST") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(await seed());
    }
    const query = routeQuery(req.url);
    if (!query) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("Not Found");
    }
    if (SHIM === "next") await apiResolver(req, res, query, resolverModule, apiContext, false, false, "/api/auth/[...nextauth]");
    else await manualShim(req, res, query);
  } catch (err) {
    if (!res.headersSent) {
      res.writeHead(err.statusCode ?? 500, { "content-type": "text/plain" });
      res.end("error");
    } else res.end();
  }
});

server.listen(PORT, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port} (next-auth, strategy=${STRATEGY}, shim=${SHIM})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
