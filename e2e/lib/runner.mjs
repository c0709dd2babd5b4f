// A very small test runner: tests run one after another, each in a fresh browser context; a
// failure saves a screenshot and the page's console. Prints `PASS|FAIL|SKIP name` lines and a last
// line `N passed, N failed[, N skipped]`.
import fs from "node:fs";
import path from "node:path";

export class Skip extends Error {
  constructor(reason) {
    super(reason);
    this.name = "Skip";
  }
}

/** Marks the running test as skipped (with the reason printed). */
export function skip(reason) {
  throw new Skip(reason);
}

export class Runner {
  constructor({ browser, env, artifacts, filter, timeoutMs = 180000, log }) {
    this.browser = browser;
    this.env = env;
    this.artifacts = artifacts;
    this.filter = filter;
    this.timeoutMs = timeoutMs;
    this.log = log;
    this.tests = [];
    this.results = [];
  }

  test(name, fn, opts = {}) {
    this.tests.push({ name, fn, opts });
  }

  async run() {
    for (const t of this.tests) {
      if (this.filter && !this.filter.some((f) => t.name.includes(f))) continue;
      await this.runOne(t);
    }
    const passed = this.results.filter((r) => r.status === "PASS").length;
    const failed = this.results.filter((r) => r.status === "FAIL").length;
    const skipped = this.results.filter((r) => r.status === "SKIP").length;
    return { passed, failed, skipped, results: this.results };
  }

  async runOne(t) {
    const started = Date.now();
    const context = await this.browser.newContext({
      viewport: t.opts.viewport ?? { width: 1000, height: 800 },
      colorScheme: t.opts.colorScheme ?? "light",
      locale: "en-US",
      reducedMotion: "reduce",
    });
    // Generous: CI runs this beside the rest of the workspace's tests on 2 cores.
    context.setDefaultTimeout(t.opts.actionTimeoutMs ?? 30000);
    context.setDefaultNavigationTimeout(t.opts.actionTimeoutMs ?? 45000);
    const consoleLines = [];
    const requests = [];
    context.on("request", (r) => requests.push({ method: r.method(), url: r.url(), resourceType: r.resourceType() }));
    context.on("page", (p) => {
      p.on("console", (m) => consoleLines.push(`[console.${m.type()}] ${m.text()}`));
      p.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));
    });
    const page = await context.newPage();
    const ctx = { browser: this.browser, context, page, env: this.env, requests, artifacts: this.artifacts, consoleLines };
    let status = "PASS";
    let detail = "";
    let timer;
    try {
      await Promise.race([
        t.fn(ctx),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (err) {
      if (err instanceof Skip) {
        status = "SKIP";
        detail = err.message;
      } else {
        status = "FAIL";
        detail = err?.stack ?? String(err);
        try {
          const dir = path.join(this.artifacts, "failures");
          fs.mkdirSync(dir, { recursive: true });
          const base = t.name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase();
          for (const [i, p] of context.pages().entries()) {
            await p.screenshot({ path: path.join(dir, `${base}${i ? `-${i}` : ""}.png`), fullPage: true, timeout: 5000 }).catch(() => {});
          }
          detail += `\n    page: ${page.url()}`;
          detail += `\n    failure screenshot: ${path.join(dir, `${base}.png`)}`;
        } catch {}
        if (consoleLines.length) detail += `\n    browser console:\n      ${consoleLines.slice(-20).join("\n      ")}`;
      }
    } finally {
      clearTimeout(timer);
      await context.close().catch(() => {});
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    this.results.push({ name: t.name, status, detail, secs });
    const line = `${status} ${t.name} (${secs}s)${detail && status === "SKIP" ? `: ${detail}` : ""}`;
    this.log(line);
    if (status === "FAIL") this.log(`    ${detail.split("\n").join("\n    ")}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Assertions
// ------------------------------------------------------------------------------------------------

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function eq(actual, expected, msg) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg}: expected ${e}, got ${a}`);
}

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws `msg`). */
export async function until(fn, msg, timeoutMs = 20000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${msg}; last value: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
