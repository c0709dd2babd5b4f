// Credentials webhook for nextauth-rs tests (same user as the reference's Credentials provider).
//   POST /authorize  {"username":"alice","password":"password"}
//     -> 200 {"id":"credentials-alice","name":"Alice Credentials","email":"alice@example.com"}
//     -> 401 null for anything else (400 null for a body that is not JSON)
//   GET /__calls -> the request bodies received so far (JSON array), for assertions
// AUTHORIZE_PORT (default 0 = pick a free port), bound to 127.0.0.1.
// First stdout line: listening on http://127.0.0.1:PORT
import http from "node:http";
import { envPort, installExitHandlers, listenLoopback } from "./lib.mjs";

const MAX_BODY = 64 * 1024;
const calls = [];

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__calls") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(calls));
    return;
  }
  if (req.method !== "POST" || req.url !== "/authorize") {
    res.writeHead(404).end();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => {
    body += chunk;
    if (body.length > MAX_BODY) req.destroy();
  });
  req.on("end", () => {
    let creds = null;
    try {
      creds = JSON.parse(body);
    } catch {
      calls.push({ invalid: body });
      res.writeHead(400, { "content-type": "application/json" }).end("null");
      return;
    }
    calls.push(creds);
    const ok = creds?.username === "alice" && creds?.password === "password";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(ok ? JSON.stringify({ id: "credentials-alice", name: "Alice Credentials", email: "alice@example.com" }) : "null");
  });
});

let port;
try {
  port = await listenLoopback(server, envPort("AUTHORIZE_PORT", 0));
} catch (err) {
  console.error(`[webhook] cannot listen: ${err.message}`);
  process.exit(2);
}
installExitHandlers(() => server.close());
console.log(`listening on http://127.0.0.1:${port}`);
console.log(`authorize webhook on http://127.0.0.1:${port}/authorize`);
