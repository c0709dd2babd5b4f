// CLI over next-auth@4.24.15's own JWT functions (`next-auth/jwt`), so Rust tests can check
// wire compatibility against the real implementation. Reads one JSON object from stdin.
//
//   node interop.mjs decode    {secret, token, salt?}                -> decode() result as JSON (null if no token)
//   node interop.mjs encode    {secret, token:{...}, maxAge?, salt?}  -> the JWE string (one line)
//   node interop.mjs gettoken  {secret, cookie, secureCookie?}        -> getToken() result as JSON (null if none)
//
// `gettoken` builds the request like Next.js' API routes do: `headers.cookie` is the raw Cookie
// header and `req.cookies` is that header parsed (first occurrence wins, values URI-decoded), so
// next-auth's SessionStore reassembles chunked `next-auth.session-token.N` cookies itself.
//
// On any failure: prints {"error": "..."} on stdout and exits 1.
import { decode, encode, getToken } from "next-auth/jwt";
import { readStdin } from "./lib.mjs";

// Same algorithm as the `cookie` package's parse() (which Next.js uses for req.cookies).
export function parseCookieHeader(str) {
  const obj = {};
  if (typeof str !== "string") return obj;
  let index = 0;
  while (index < str.length) {
    const eqIdx = str.indexOf("=", index);
    if (eqIdx === -1) break;
    let endIdx = str.indexOf(";", index);
    if (endIdx === -1) endIdx = str.length;
    else if (endIdx < eqIdx) {
      index = str.lastIndexOf(";", eqIdx - 1) + 1;
      continue;
    }
    const key = str.slice(index, eqIdx).trim();
    if (obj[key] === undefined) {
      let val = str.slice(eqIdx + 1, endIdx).trim();
      if (val.charCodeAt(0) === 0x22) val = val.slice(1, -1);
      try {
        obj[key] = val.indexOf("%") !== -1 ? decodeURIComponent(val) : val;
      } catch {
        obj[key] = val;
      }
    }
    index = endIdx + 1;
  }
  return obj;
}

const silentLogger = { error() {}, warn() {}, debug() {} };

async function main() {
  const cmd = process.argv[2];
  if (!["decode", "encode", "gettoken"].includes(cmd)) {
    throw new Error(`usage: node interop.mjs decode|encode|gettoken < input.json (got ${JSON.stringify(cmd ?? null)})`);
  }
  const input = JSON.parse((await readStdin()) || "{}");
  if (typeof input.secret !== "string" && !Array.isArray(input.secret)) throw new Error("`secret` is required");
  switch (cmd) {
    case "decode": {
      const out = await decode({ secret: input.secret, token: input.token, ...(input.salt != null ? { salt: input.salt } : {}) });
      process.stdout.write(`${JSON.stringify(out ?? null)}\n`);
      return;
    }
    case "encode": {
      const params = { secret: input.secret, token: input.token ?? {} };
      if (input.maxAge != null) params.maxAge = input.maxAge;
      if (input.salt != null) params.salt = input.salt;
      process.stdout.write(`${await encode(params)}\n`);
      return;
    }
    case "gettoken": {
      const cookie = input.cookie ?? "";
      const req = { headers: { cookie }, cookies: parseCookieHeader(cookie) };
      if (input.authorization) req.headers.authorization = input.authorization;
      const out = await getToken({ req, secret: input.secret, secureCookie: Boolean(input.secureCookie), logger: silentLogger });
      process.stdout.write(`${JSON.stringify(out ?? null)}\n`);
      return;
    }
    default:
      throw new Error(`usage: node interop.mjs decode|encode|gettoken < input.json (got ${JSON.stringify(cmd)})`);
  }
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: String(err?.message ?? err) })}\n`);
  process.exit(1);
});
