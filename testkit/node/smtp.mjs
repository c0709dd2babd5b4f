// SMTP sink for nextauth-rs magic-link tests.
//
// Accepts every message on 127.0.0.1:$SMTP_PORT (no TLS, STARTTLS disabled, AUTH optional and
// any credentials accepted), decodes the text/plain and text/html parts, extracts the first
// http(s) URL containing "/callback/" (the magic link) and keeps the mails in memory, served
// over HTTP on 127.0.0.1:$SMTP_HTTP_PORT:
//
//   GET /last            -> last mail                     (404 {"error":"no mail"} if none)
//   GET /last?to=ADDR    -> last mail whose envelope To or To header contains ADDR
//   GET /mails           -> all mails received (JSON array, oldest first)
//   DELETE /mails        -> forget them
//
// Mail JSON: { receivedAt, envelope:{from,to[]}, auth:{method,username}|null, from, to, subject,
//              text, html, link, raw }
//
// SMTP_PORT / SMTP_HTTP_PORT: default 0 = pick a free port. MAIL_LOG: optional JSONL file to
// append every mail to (off by default).
// Stdout: line 1 `listening on http://127.0.0.1:HTTPPORT`, line 2 `smtp on 127.0.0.1:SMTPPORT`.
import { appendFileSync } from "node:fs";
import http from "node:http";
import { SMTPServer } from "smtp-server";
import { envPort, installExitHandlers, listenLoopback } from "./lib.mjs";

const MAIL_LOG = process.env.MAIL_LOG || null;
const mails = [];

// ---- tiny MIME decoder (enough for nodemailer/lettre output) -----------------
function splitHeadBody(raw) {
  const i = raw.search(/\r?\n\r?\n/);
  if (i < 0) return [raw, ""];
  const m = /\r?\n\r?\n/.exec(raw.slice(i));
  return [raw.slice(0, i), raw.slice(i + m[0].length)];
}
function parseHeaders(head) {
  const h = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const c = line.indexOf(":");
    if (c > 0) h[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  return h;
}
function decodeQP(s) {
  const bytes = [];
  const src = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(src[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
function decodeBody(body, cte = "") {
  cte = cte.toLowerCase();
  if (cte === "quoted-printable") return decodeQP(body);
  if (cte === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}
function decodeWords(s = "") {
  // RFC 2047 encoded-words, e.g. =?UTF-8?Q?...?= / =?UTF-8?B?...?=
  return s
    .replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _cs, enc, txt) =>
      enc.toUpperCase() === "B" ? Buffer.from(txt, "base64").toString("utf8") : decodeQP(txt.replace(/_/g, " ")),
    );
}
function collectParts(headers, body, out) {
  const ct = headers["content-type"] ?? "text/plain";
  const bm = /boundary="?([^";]+)"?/i.exec(ct);
  if (/^multipart\//i.test(ct) && bm) {
    const sep = `--${bm[1]}`;
    for (const chunk of body.split(sep).slice(1)) {
      if (chunk.startsWith("--")) break;
      // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
      const [h, b] = splitHeadBody(chunk.replace(/^\r?\n/, "").replace(/\r?\n$/, ""));
      collectParts(parseHeaders(h), b, out);
    }
    return;
  }
  const type = ct.split(";")[0].trim().toLowerCase();
  const text = decodeBody(body, headers["content-transfer-encoding"]);
  if (type === "text/plain" && out.text == null) out.text = text;
  else if (type === "text/html" && out.html == null) out.html = text;
}
export function parseMail(raw) {
  const [head, body] = splitHeadBody(raw);
  const headers = parseHeaders(head);
  const out = {};
  collectParts(headers, body, out);
  const hay = `${out.text ?? ""}\n${out.html ?? ""}`;
  const link = (/https?:\/\/[^\s"'<>]*\/callback\/[^\s"'<>]*/.exec(hay) ?? [null])[0];
  return {
    from: decodeWords(headers.from),
    to: decodeWords(headers.to),
    subject: decodeWords(headers.subject),
    text: out.text ?? null,
    html: out.html ?? null,
    link: link ? link.replace(/&amp;/g, "&") : null,
  };
}

// ---- SMTP server ---------------------------------------------------------------
const smtp = new SMTPServer({
  secure: false,
  disabledCommands: ["STARTTLS"],
  authOptional: true,
  allowInsecureAuth: true,
  authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"],
  logger: false,
  banner: "nextauth-rs testkit smtp sink",
  onAuth(auth, _session, cb) {
    cb(null, { user: { method: auth.method, username: auth.username ?? null } });
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => {
      try {
        const raw = Buffer.concat(chunks).toString("utf8");
        const mail = {
          receivedAt: new Date().toISOString(),
          envelope: {
            from: session.envelope.mailFrom?.address ?? null,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          auth: session.user ?? null,
          ...parseMail(raw),
          raw,
        };
        mails.push(mail);
        if (MAIL_LOG) appendFileSync(MAIL_LOG, `${JSON.stringify(mail)}\n`);
        console.log(`[smtp] mail to=${mail.envelope.to.join(",")} subject=${JSON.stringify(mail.subject)} link=${mail.link ? "yes" : "no"}`);
        cb();
      } catch (err) {
        cb(err);
      }
    });
  },
});
smtp.on("error", (err) => console.error("[smtp] error", err.message));

// ---- HTTP read-back --------------------------------------------------------------
const web = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const send = (status, obj) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(obj));
  };
  if (url.pathname === "/mails" && req.method === "GET") return send(200, mails);
  if (url.pathname === "/mails" && req.method === "DELETE") {
    mails.length = 0;
    return send(200, { ok: true });
  }
  if (url.pathname === "/last" && req.method === "GET") {
    const to = url.searchParams.get("to");
    for (let i = mails.length - 1; i >= 0; i--) {
      const m = mails[i];
      if (!to || m.envelope.to.some((a) => a.includes(to)) || (m.to ?? "").includes(to)) return send(200, m);
    }
    return send(404, { error: "no mail" });
  }
  send(404, { error: "not found" });
});

let smtpPort;
let httpPort;
try {
  smtpPort = await listenLoopback(smtp.server, envPort("SMTP_PORT", 0));
  httpPort = await listenLoopback(web, envPort("SMTP_HTTP_PORT", 0));
} catch (err) {
  console.error(`[smtp] cannot listen: ${err.message}`);
  process.exit(2);
}
installExitHandlers(() => {
  smtp.close(() => {});
  web.close();
});
console.log(`listening on http://127.0.0.1:${httpPort}`);
console.log(`smtp on 127.0.0.1:${smtpPort}`);
