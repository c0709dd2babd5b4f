// Forward-auth in a real browser (crates/nextauth-server/tests/forward_auth.rs starts nginx, the
// app and nextauth, then runs this): a navigation to a URL nginx guards ends on nextauth's
// sign-in page with that URL as callbackUrl; the credentials form signs alice in; the browser
// lands back on the URL, and the app shows the identity headers nginx passed on.
//
//   node e2e/forward-auth.mjs --url http://app.example.test:PORT/x --base http://auth.example.test:PORT/api/auth --out DIR
//
// Host names under example.test resolve to 127.0.0.1 (--host-resolver-rules). Screenshots:
// DIR/forward-auth-signin.png, DIR/forward-auth-signed-in.png.
import path from "node:path";
import { chromium } from "playwright-core";

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const url = arg("url");
const base = arg("base");
const out = arg("out");

const browser = await chromium.launch({
  executablePath: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.example.test 127.0.0.1",
  ],
  timeout: 60000,
});
const fail = async (page, msg) => {
  await page.screenshot({ path: path.join(out, "forward-auth-failure.png"), fullPage: true }).catch(() => {});
  throw new Error(`${msg} (at ${page.url()})`);
};
try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  await page.goto(url);
  const signin = new URL(page.url());
  if (!page.url().startsWith(`${base}/signin`)) await fail(page, "not sent to the sign-in page");
  if (signin.searchParams.get("callbackUrl") !== url) await fail(page, `callbackUrl is ${signin.searchParams.get("callbackUrl")}`);
  console.log(`forward-auth browser: ${url} -> ${page.url()}`);
  await page.fill('input[name="username"]', "alice");
  await page.fill('input[name="password"]', "password");
  await page.screenshot({ path: path.join(out, "forward-auth-signin.png"), fullPage: true });
  await Promise.all([page.waitForURL(url, { timeout: 20000 }), page.click('form:has(input[name="username"]) button[type="submit"]')]);
  const who = await page.textContent("#who");
  const echo = JSON.parse(await page.textContent("#echo"));
  if (!who.includes("alice@example.com")) await fail(page, `the app shows ${who}`);
  if (echo.headers["remote-user"] !== "alice-id" || echo.headers["remote-groups"] !== "staff,ops")
    await fail(page, `headers ${JSON.stringify(echo.headers)}`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "next-auth.session-token");
  if (!session || session.domain !== ".example.test") await fail(page, `session cookie ${JSON.stringify(session)}`);
  const csrf = cookies.find((c) => c.name === "next-auth.csrf-token");
  if (!csrf || csrf.domain !== "auth.example.test") await fail(page, `csrf cookie ${JSON.stringify(csrf)}`);
  await page.screenshot({ path: path.join(out, "forward-auth-signed-in.png"), fullPage: true });
  console.log(`forward-auth browser: landed on ${page.url()} as ${echo.headers["remote-email"]}`);
  console.log("forward-auth browser: OK");
} finally {
  await browser.close();
}
