#!/usr/bin/env node
// The end-to-end suite: the real next-auth/react client and the built-in pages in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core), against
//
//   node e2e/run.mjs --server target/debug/nextauth     nextauth (a config is written for it)
//   E2E_TARGET=reference node e2e/run.mjs               the real NextAuth v4 (../shared/reference,
//                                                       copied and `npm ci`-ed once in $TMPDIR)
//
// Options: --only a,b   run the tests whose name contains a or b
//          --list       print the test names
// Env:     E2E_CHROMIUM (default /usr/bin/chromium), E2E_ARTIFACTS (default
//          artifacts/e2e/<target>: screenshots, failure screenshots, logs of every process),
//          E2E_REFERENCE_DIR (default ../shared/reference), E2E_HEADED=1 to watch.
// Prints PASS/FAIL/SKIP per test and a last line `N passed, N failed, N skipped`; exits 1 on a
// failure, 2 when it cannot start.
import fs from "node:fs";
import path from "node:path";
import { createEnv, ROOT } from "./lib/harness.mjs";
import { Runner } from "./lib/runner.mjs";
import clientTests from "./tests/client.mjs";
import localeTests from "./tests/locales.mjs";
import pageTests from "./tests/pages.mjs";

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function parseArgs(argv) {
  const out = { server: process.env.NEXTAUTH_BIN || null, only: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--server") out.server = argv[++i];
    else if (a.startsWith("--server=")) out.server = a.slice(9);
    else if (a === "--only") out.only = argv[++i].split(",").filter(Boolean);
    else if (a.startsWith("--only=")) out.only = a.slice(7).split(",").filter(Boolean);
    else if (a === "--list") out.list = true;
    else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  return out;
}

const log = (s) => process.stdout.write(`${s}\n`);
const die = (msg) => {
  console.error(`e2e: ${msg}`);
  process.exit(2);
};

const args = parseArgs(process.argv.slice(2));
const target = process.env.E2E_TARGET === "reference" ? "reference" : "nextauth";
if (target === "nextauth") {
  if (!args.server) die("give the server under test: --server path/to/nextauth (or E2E_TARGET=reference)");
  args.server = path.resolve(args.server);
  if (!fs.existsSync(args.server)) die(`no nextauth binary at ${args.server} (cargo build -p nextauth-server)`);
}
const chromiumPath = process.env.E2E_CHROMIUM || "/usr/bin/chromium";

const runner = new Runner({ browser: null, env: null, artifacts: null, filter: args.only, log });
clientTests(runner);
pageTests(runner);
localeTests(runner);
if (args.list) {
  for (const t of runner.tests) log(t.name);
  process.exit(0);
}
if (!fs.existsSync(chromiumPath)) die(`Chromium not found at ${chromiumPath}: run scripts/test.sh, it installs chromium (apt-get install chromium)`);

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (err) {
  die(`playwright-core is not installed (${err.message}): run scripts/test.sh, it runs npm ci in e2e/`);
}

const artifacts = path.resolve(process.env.E2E_ARTIFACTS || path.join(ROOT, "artifacts", "e2e", target));
fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });
const logDir = path.join(artifacts, "logs");
const started = Date.now();
log(`e2e: target ${target}${target === "nextauth" ? ` (${args.server})` : ""}, Chromium ${chromiumPath}, artifacts in ${artifacts}`);

let env;
let browser;
let summary;
try {
  env = await createEnv({ target, bin: args.server, logDir, log });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: process.env.E2E_HEADED !== "1",
    args: process.env.E2E_HEADED === "1" ? CHROMIUM_FLAGS.filter((f) => f !== "--headless") : CHROMIUM_FLAGS,
    timeout: 60000,
  });
  log(`e2e: Chromium ${browser.version()}, peers up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  runner.browser = browser;
  runner.env = env;
  runner.artifacts = artifacts;
  summary = await runner.run();
} catch (err) {
  console.error(`e2e: the suite could not run: ${err?.stack ?? err}`);
  await browser?.close().catch(() => {});
  await env?.close().catch(() => {});
  process.exit(2);
}
await browser.close().catch(() => {});
await env.close();

const { passed, failed, skipped } = summary;
log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)}s; screenshots and logs in ${artifacts}`);
if (failed) log(`failed: ${summary.results.filter((r) => r.status === "FAIL").map((r) => r.name).join(" | ")}`);
log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed || passed === 0 ? 1 : 0);
