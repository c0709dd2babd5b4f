// Small helpers shared by the testkit peers.
import { once } from "node:events";

// Parse a port from the environment; "0" (or unset with fallback 0) means "pick a free port".
export function envPort(name, fallback = 0) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name}=${raw} is not a port number`);
    process.exit(2);
  }
  return n;
}

// Listen on 127.0.0.1:port (0 = any free port) and resolve to the bound port.
export async function listenLoopback(server, port) {
  server.listen(port, "127.0.0.1");
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([err]) => {
      throw err;
    }),
  ]);
  return server.address().port;
}

// The Rust harness sets TESTKIT_EXIT_ON_STDIN_EOF=1 and keeps our stdin open: when the test
// process goes away (even killed), the pipe closes and we exit instead of lingering.
// Also exit cleanly on SIGINT/SIGTERM.
export function installExitHandlers(onExit = () => {}) {
  const stop = () => {
    try {
      onExit();
    } finally {
      process.exit(0);
    }
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, stop);
  if (process.env.TESTKIT_EXIT_ON_STDIN_EOF === "1") {
    process.stdin.on("data", () => {});
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
    process.stdin.resume();
  }
}

export async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}
