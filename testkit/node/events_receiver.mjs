// Webhook receiver for nextauth-rs tests, standing in for the app's own backend: verifies every
// request with the official npm `standardwebhooks` library and records what it received.
//   POST /events  -> verified (webhook-id/-timestamp/-signature against EVENTS_SECRET): 200,
//                    recorded {webhookId, id, type, timestamp, data, body};
//                    not verified: 400, recorded under /__rejected
//   POST /<other> -> the [callbacks] webhooks (/sign-in, /claims): verified the same way, recorded
//                    under /__calls as {path, webhookId, body (parsed JSON)}, and answered with
//                    the answer set for that path (default: 404)
//   POST /__answer  {path, status, body, delayMs?} -> sets the answer of `path` (body: any JSON
//                    value, sent as JSON; delayMs: wait that long before answering)
//   GET /__received -> the verified deliveries so far (JSON array, in arrival order)
//   GET /__calls    -> the verified callback webhook calls so far
//   GET /__rejected -> the requests that failed verification, with the reason
// EVENTS_PORT (default 0 = pick a free port), bound to 127.0.0.1; EVENTS_SECRET: a whsec_ secret.
// First stdout line: listening on http://127.0.0.1:PORT
import http from "node:http";
import { Webhook } from "standardwebhooks";
import { envPort, installExitHandlers, listenLoopback } from "./lib.mjs";

const MAX_BODY = 256 * 1024;
const secret = process.env.EVENTS_SECRET;
if (!secret) {
  console.error("[events_receiver] EVENTS_SECRET is required");
  process.exit(2);
}
const wh = new Webhook(secret);
const received = [];
const rejected = [];
const calls = [];
const answers = new Map();

const server = http.createServer((req, res) => {
  if (req.method === "GET" && ["/__received", "/__rejected", "/__calls"].includes(req.url)) {
    const list = { "/__received": received, "/__rejected": rejected, "/__calls": calls }[req.url];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
    return;
  }
  if (req.method !== "POST") {
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
    if (req.url === "/__answer") {
      const a = JSON.parse(body);
      answers.set(a.path, a);
      res.writeHead(204).end();
      return;
    }
    if (req.url !== "/events") {
      try {
        wh.verify(body, req.headers);
      } catch (err) {
        rejected.push({ reason: String(err?.message ?? err), headers: req.headers, body });
        res.writeHead(400).end();
        return;
      }
      calls.push({ path: req.url, webhookId: req.headers["webhook-id"], body: JSON.parse(body) });
      const a = answers.get(req.url);
      if (!a) {
        res.writeHead(404).end();
        return;
      }
      setTimeout(() => {
        res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body));
      }, a.delayMs ?? 0);
      return;
    }
    let event;
    try {
      // Throws unless the signature matches and the timestamp is within 5 minutes.
      event = wh.verify(body, req.headers);
    } catch (err) {
      rejected.push({ reason: String(err?.message ?? err), headers: req.headers, body });
      res.writeHead(400).end();
      return;
    }
    received.push({
      webhookId: req.headers["webhook-id"],
      id: event.id,
      type: event.type,
      timestamp: event.timestamp,
      data: event.data,
      body,
    });
    res.writeHead(204).end();
  });
});

let port;
try {
  port = await listenLoopback(server, envPort("EVENTS_PORT", 0));
} catch (err) {
  console.error(`[events_receiver] cannot listen: ${err.message}`);
  process.exit(2);
}
installExitHandlers(() => server.close());
console.log(`listening on http://127.0.0.1:${port}`);
