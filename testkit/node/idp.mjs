// OpenID Provider for nextauth-rs tests: a real, certified OP (panva/oidc-provider) whose
// interaction step logs in and consents on its own, so an HTTP client that just follows
// redirects completes the authorization-code flow (PKCE required, state, nonce).
//
// Environment:
//   IDP_PORT     port on 127.0.0.1 (default 0 = pick a free one)
//   IDP_ISSUER   issuer (default http://127.0.0.1:<bound port>)
//   IDP_SIGNING  "RS256" (default) or "ES256": the key generated at start and the default
//                id_token_signed_response_alg of the clients
//   IDP_ACCESS_TOKEN_TTL  seconds an access token lives (default 3600). Refresh tokens are issued
//                to clients whose grant_types include "refresh_token" (no offline_access needed)
//                and rotated on every use; a rotated one used again is refused (invalid_grant)
//                and ends the grant, as real IdPs do. Token revocation (RFC 7009) is on.
//   IDP_RP_LOGOUT "0": RP-Initiated Logout off (no end_session_endpoint); on otherwise
//   IDP_CLIENTS  JSON array of client metadata objects (client_id, client_secret, redirect_uris,
//                token_endpoint_auth_method, id_token_signed_response_alg, ...). Missing
//                grant_types/response_types/token_endpoint_auth_method/id_token_signed_response_alg
//                fall back to authorization_code / code / client_secret_basic / IDP_SIGNING.
//                Non-standard key "x_loopback_any_port": true lets a redirect_uri (and a
//                post_logout_redirect_uri) on 127.0.0.1/localhost/[::1] match a registered one
//                whatever the port.
//                Default: one client  nextauth-test / nextauth-test-secret  with redirect_uris
//                http://127.0.0.1/api/auth/callback/mock-idp and http://localhost/api/auth/callback/mock-idp
//                and x_loopback_any_port (so a server under test on any port is accepted),
//                post_logout_redirect_uris http://127.0.0.1/goodbye and http://localhost/goodbye.
//
// First stdout line:  listening on http://127.0.0.1:PORT   (printed once the OP answers)
// Second line: a JSON summary {issuer, signing, clients:[client_id...]}.
//
// Accounts (the `login_hint` authorization parameter selects one; default alice):
//   alice  sub "alice"  alice@example.com  "Alice Example"  https://example.com/alice.png
//   bob    sub "bob"    bob@example.com    "Bob Example"
//   carol  sub "carol"  carol@example.com  "Carol Example"
//   dave   sub "dave"   dave@example.com   "Dave Unverified"  (email_verified: false)
//   any other hint matching [A-Za-z0-9._+-]+ (optionally @domain) is a synthetic account:
//   sub = hint, email = hint (or hint@example.com), name = hint.
// Response modes query (default), fragment and form_post are supported.
// RP-Initiated Logout 1.0 is on (end_session_endpoint in discovery): GET /session/end asks for
// confirmation with a form (#op.logoutForm with an xsrf field; the "Yes, sign me out" button
// adds logout=yes), whose POST ends the IdP session and redirects to post_logout_redirect_uri.
// GET /__logins: {"count": N}, the login prompts the interaction step has answered so far (a
// sign-in with a live IdP session skips the prompt and does not count).

// Back-channel logout is on: a client with backchannel_logout_uri (and, for a `sid` in its ID
// and logout tokens, backchannel_logout_session_required) gets a logout token when the session
// ends at /session/end (RP-initiated logout, on by default) once its form is confirmed.
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";
import { envPort, installExitHandlers, listenLoopback } from "./lib.mjs";

export const ACCOUNTS = {
  alice: { sub: "alice", email: "alice@example.com", email_verified: true, name: "Alice Example", picture: "https://example.com/alice.png" },
  bob: { sub: "bob", email: "bob@example.com", email_verified: true, name: "Bob Example", picture: "https://example.com/bob.png" },
  carol: { sub: "carol", email: "carol@example.com", email_verified: true, name: "Carol Example", picture: "https://example.com/carol.png" },
  dave: { sub: "dave", email: "dave@example.com", email_verified: false, name: "Dave Unverified" },
};

function accountFor(id) {
  if (Object.hasOwn(ACCOUNTS, id)) return ACCOUNTS[id];
  if (typeof id !== "string" || !/^[A-Za-z0-9._+-]+(@[A-Za-z0-9.-]+)?$/.test(id)) return undefined;
  return { sub: id, email: id.includes("@") ? id : `${id}@example.com`, email_verified: true, name: id };
}

function fail(msg) {
  console.error(`[idp] ${msg}`);
  process.exit(2);
}

// A fresh private key as a JWK. Exported from a KeyObject made from PEM, not from the key
// generateKeyPairSync returns: on Node 20, exporting that one as JWK can deadlock when a garbage
// collection runs during the export (the finished key-generation job's destructor waits for the
// key's mutex, which the export holds; seen in about one run of the OIDC tests in five).
function freshJwk(type, options) {
  const { privateKey } = generateKeyPairSync(type, {
    ...options,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return createPrivateKey(privateKey).export({ format: "jwk" });
}

const SIGNING = (process.env.IDP_SIGNING || "RS256").toUpperCase();
let jwk;
if (SIGNING === "RS256") {
  jwk = { ...freshJwk("rsa", { modulusLength: 2048 }), kid: "mock-idp-rs256", use: "sig", alg: "RS256" };
} else if (SIGNING === "ES256") {
  jwk = { ...freshJwk("ec", { namedCurve: "P-256" }), kid: "mock-idp-es256", use: "sig", alg: "ES256" };
} else {
  fail(`IDP_SIGNING must be RS256 or ES256, got ${SIGNING}`);
}

const DEFAULT_CLIENTS = [
  {
    client_id: "nextauth-test",
    client_secret: "nextauth-test-secret",
    redirect_uris: ["http://127.0.0.1/api/auth/callback/mock-idp", "http://localhost/api/auth/callback/mock-idp"],
    post_logout_redirect_uris: ["http://127.0.0.1/goodbye", "http://localhost/goodbye"],
    x_loopback_any_port: true,
  },
];

let clientsIn = DEFAULT_CLIENTS;
if (process.env.IDP_CLIENTS && process.env.IDP_CLIENTS.trim() !== "" && process.env.IDP_CLIENTS.trim() !== "null") {
  try {
    clientsIn = JSON.parse(process.env.IDP_CLIENTS);
  } catch (err) {
    fail(`IDP_CLIENTS is not JSON: ${err.message}`);
  }
  if (!Array.isArray(clientsIn)) clientsIn = [clientsIn];
  if (clientsIn.length === 0) clientsIn = DEFAULT_CLIENTS;
}
const anyPortClients = new Set();
const clients = clientsIn.map((c) => {
  const { x_loopback_any_port: anyPort, ...meta } = c;
  if (anyPort) anyPortClients.add(meta.client_id);
  return meta;
});

// Bind first (port 0 allowed), so the issuer can contain the real port.
const server = http.createServer();
let port;
try {
  port = await listenLoopback(server, envPort("IDP_PORT", 0));
} catch (err) {
  fail(`cannot listen: ${err.message}`);
}
const ISSUER = (process.env.IDP_ISSUER || `http://127.0.0.1:${port}`).replace(/\/$/, "");

const configuration = {
  clients,
  clientDefaults: {
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    id_token_signed_response_alg: SIGNING,
  },
  jwks: { keys: [jwk] },
  enabledJWA: {
    // Defaults plus HS256 (signed with the client secret) for clients that ask for it.
    idTokenSigningAlgValues: ["RS256", "PS256", "ES256", "HS256", "Ed25519", "EdDSA"],
  },
  cookies: { keys: ["mock-idp-cookie-key-not-secret"] },
  pkce: { required: () => true },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "picture"],
  },
  // Standard claims go into the ID token too (next-auth v4 with idToken:true reads them there).
  conformIdTokenClaims: false,
  // Outgoing requests (the back-channel logout tokens) go to the server under test on loopback,
  // which oidc-provider's SSRF guard (a dispatcher refusing special-use addresses) refuses: this
  // test IdP drops the guard.
  fetch: (url, { dispatcher: _guard, ...options }) => globalThis.fetch(url, options),
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: process.env.IDP_RP_LOGOUT !== "0" },
    // OpenID Connect Back-Channel Logout 1.0: a client with backchannel_logout_uri gets a
    // logout token when its user's session here ends (end_session, confirmed).
    backchannelLogout: { enabled: true },
  },
  ttl: {
    AccessToken: Number(process.env.IDP_ACCESS_TOKEN_TTL || 3600),
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  rotateRefreshToken: () => true,
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(_ctx, id) {
    const acct = accountFor(id);
    if (!acct) return undefined;
    return {
      accountId: id,
      async claims() {
        return { ...acct };
      },
    };
  },
  renderError(ctx, out, _err) {
    ctx.type = "json";
    ctx.body = out;
  },
};

let provider;
try {
  provider = new Provider(ISSUER, configuration);
} catch (err) {
  fail(`bad configuration: ${err.message}`);
}
provider.proxy = false;

// RFC 8252-style loopback port variance for clients marked x_loopback_any_port.
function stripLoopbackPort(uri) {
  let u;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) return undefined;
  u.port = "";
  return u.href;
}
const redirectUriAllowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function (value) {
  if (redirectUriAllowed.call(this, value)) return true;
  if (!anyPortClients.has(this.clientId)) return false;
  const stripped = stripLoopbackPort(value);
  return stripped !== undefined && this.redirectUris.some((r) => stripLoopbackPort(r) === stripped);
};
const postLogoutRedirectUriAllowed = provider.Client.prototype.postLogoutRedirectUriAllowed;
provider.Client.prototype.postLogoutRedirectUriAllowed = function (value) {
  if (postLogoutRedirectUriAllowed.call(this, value)) return true;
  if (!anyPortClients.has(this.clientId)) return false;
  const stripped = stripLoopbackPort(value);
  return stripped !== undefined && (this.postLogoutRedirectUris || []).some((r) => stripLoopbackPort(r) === stripped);
};

// Login prompts answered (GET /__logins).
let logins = 0;

// Auto-login / auto-consent interaction endpoint.
provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([^/]+)\/?$/.exec(ctx.path);
  if (!m || ctx.method !== "GET") return next();
  const { req, res } = ctx;
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session, grantId } = details;
  ctx.respond = false; // interactionFinished writes the raw response
  if (prompt.name === "login") {
    logins += 1;
    const hint = typeof params.login_hint === "string" ? params.login_hint : "alice";
    const accountId = accountFor(hint) ? hint : "alice";
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === "consent") {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(" "));
    }
    const id = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId: id } }, { mergeWithLastSubmission: true });
    return;
  }
  ctx.respond = true;
  ctx.status = 400;
  ctx.body = { error: "unsupported_prompt", prompt: prompt.name };
});

// Introspection helpers for tests.
provider.use(async (ctx, next) => {
  if (ctx.path === "/__accounts") {
    ctx.body = ACCOUNTS;
    return;
  }
  if (ctx.path === "/__grants") {
    ctx.body = grants;
    return;
  }
  if (ctx.path === "/__logins") {
    ctx.body = { count: logins };
    return;
  }
  if (ctx.path === "/__health") {
    ctx.body = { ok: true, issuer: ISSUER };
    return;
  }
  return next();
});

provider.on("server_error", (_ctx, err) => console.error("[idp] server_error", err));
provider.on("backchannel.error", (_ctx, err, client) => console.error(`[idp] backchannel logout to ${client.clientId} failed: ${err.message}`));

// Token endpoint counters for tests (GET /__grants): refresh_token grants that succeeded and that
// failed (with their error), so a test can prove a refresh happened exactly once.
const grants = { refresh_success: 0, refresh_error: 0, errors: [] };
provider.on("grant.success", (ctx) => {
  if (ctx.oidc?.params?.grant_type === "refresh_token") grants.refresh_success += 1;
});
provider.on("grant.error", (ctx, err) => {
  if (ctx.oidc?.params?.grant_type === "refresh_token") {
    grants.refresh_error += 1;
    grants.errors.push(String(err?.error ?? err?.message ?? err));
  }
});

server.on("request", provider.callback());
installExitHandlers(() => server.close());

console.log(`listening on http://127.0.0.1:${port}`);
console.log(JSON.stringify({ issuer: ISSUER, signing: SIGNING, clients: clients.map((c) => c.client_id) }));
