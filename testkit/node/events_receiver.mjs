// Event webhook receiver for nextauth-rs tests: verifies every delivery with the official npm
// `standardwebhooks` library and records what it received.
//   POST /events  -> verified (webhook-id/-timestamp/-signature against EVENTS_SECRET): 200,
//                    recorded {webhookId, id, type, timestamp, data, body};
//                    not verified: 400, recorded under /__rejected
//   GET /__received -> the verified deliveries so far (JSON array, in arrival order)
//   GET /__rejected -> the deliveries that failed verification, with the reason
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

const server = http.createServer((req, res) => {
  if (req.method === "GET" && (req.url === "/__received" || req.url === "/__rejected")) {
    const list = req.url === "/__received" ? received : rejected;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
    return;
  }
  if (req.method !== "POST" || req.url !== "/events") {
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
