// Issue 16 in the browser: every built-in page in each locale (light and dark), the locale from
// Accept-Language and ?lang=, and the e-mail provider's `confirm = true` link surviving a mail
// scanner's HEADs and GETs. nextauth only (NextAuth v4 is English only and has no confirm page).
import fs from "node:fs";
import path from "node:path";
import { layoutReport } from "../lib/checks.mjs";
import { waitMail } from "../lib/harness.mjs";
import { assert, eq, skip } from "../lib/runner.mjs";

const LOCALES = ["en", "de", "fr", "es", "pt-BR", "it", "nl", "pl", "ja", "zh-CN"];

// Each page once; the confirm page renders for any token (it reads and spends nothing).
const PAGES = [
  { name: "signin", path: "/signin" },
  { name: "signin-error", path: "/signin?error=OAuthCallback&reason=state_cookie_other_provider&request_id=e2e-0123456789abcdef" },
  { name: "signout", path: "/signout" },
  { name: "verify-request", path: "/verify-request?provider=email&type=email" },
  { name: "confirm", path: "/callback/email-confirm?token=e2e&email=a.very.long.address.for.the.confirm.page%40example.com" },
  { name: "error-verification", path: "/error?error=Verification&reason=link_used_or_unknown&request_id=e2e-0123456789abcdef" },
  { name: "error-configuration", path: "/error?error=Configuration" },
  { name: "error-accessdenied", path: "/error?error=AccessDenied&reason=signin_refused" },
  { name: "error-ratelimited", path: "/error?error=RateLimited&retry_after=300" },
];

/** What the page shows that a translation could get wrong: raw ids, placeholders, overflow. */
async function textReport(page) {
  return page.evaluate(() => {
    const problems = [];
    const text = document.body.innerText;
    const raw = text.match(/\b(?:title|signin|signout|verify|confirm|error|reason|mail)-[a-z_-]+\b/g);
    if (raw) problems.push(`raw message ids: ${[...new Set(raw)].join(", ")}`);
    if (/[{}]/.test(text)) problems.push(`a { or } left in the text: ${JSON.stringify(text.slice(0, 200))}`);
    if (!document.title.trim()) problems.push("empty <title>");
    for (const card of document.querySelectorAll(".card")) {
      for (const el of card.querySelectorAll("*")) {
        if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
          problems.push(`${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ""} "${el.textContent.trim().slice(0, 40)}" overflows (${el.scrollWidth} > ${el.clientWidth})`);
        }
      }
    }
    return { problems, lang: document.documentElement.lang, dir: document.documentElement.dir, h1: document.querySelector("h1")?.textContent.trim() };
  });
}

export default function localeTests(t) {
  for (const scheme of ["light", "dark"]) {
    t.test(
      `locales: every page in each locale has its lang, no missing key, no overflow (${scheme})`,
      async ({ page, env, artifacts }) => {
        if (env.target === "reference") skip("nextauth only: NextAuth v4's pages are English only");
        const inst = await env.instance("confirm");
        const dir = path.join(artifacts, "locales");
        fs.mkdirSync(dir, { recursive: true });
        const problems = [];
        const headings = new Map();
        for (const tag of LOCALES) {
          for (const p of PAGES) {
            const sep = p.path.includes("?") ? "&" : "?";
            const resp = await page.goto(`${inst.base}${p.path}${sep}lang=${tag}`);
            if (resp.status() >= 500 && p.name !== "error-configuration") problems.push(`${tag} ${p.name}: HTTP ${resp.status()}`);
            const r = await textReport(page);
            if (r.lang !== tag) problems.push(`${tag} ${p.name}: <html lang="${r.lang}">`);
            if (r.dir !== "ltr") problems.push(`${tag} ${p.name}: <html dir="${r.dir}">`);
            problems.push(...r.problems.map((x) => `${tag} ${p.name}: ${x}`));
            const lay = await layoutReport(page);
            problems.push(...lay.problems.map((x) => `${tag} ${p.name}: ${x}`));
            if (p.name === "signout") headings.set(tag, r.h1);
            await page.screenshot({ path: path.join(dir, `${tag}-${p.name}-${scheme}.png`), fullPage: true });
          }
        }
        // Each locale its own words (the sign-out heading differs in all ten).
        eq(new Set(headings.values()).size, LOCALES.length, `sign-out headings ${JSON.stringify([...headings])}`);
        assert(!problems.length, `locale problems:\n      ${problems.join("\n      ")}`);
      },
      { colorScheme: scheme },
    );
  }

  t.test("locales: Accept-Language de-AT,de;q=0.9 gives German, ?lang=ja Japanese", async ({ browser, page, env }) => {
    if (env.target === "reference") skip("nextauth only: NextAuth v4's pages are English only");
    const inst = await env.instance("confirm");
    // A browser set to Austrian German, sending what Chrome sends for it: `de-AT,de;q=0.9`.
    const austrian = await browser.newContext({ extraHTTPHeaders: { "Accept-Language": "de-AT,de;q=0.9" } });
    try {
      const p = await austrian.newPage();
      const resp = await p.goto(`${inst.base}/signin`);
      eq((await resp.request().allHeaders())["accept-language"], "de-AT,de;q=0.9", "the browser's Accept-Language");
      eq(await p.evaluate(() => document.documentElement.lang), "de", "lang from Accept-Language");
      assert(await p.getByRole("button", { name: "Anmelden mit Mock IdP" }).isVisible(), "German button");
    } finally {
      await austrian.close();
    }
    await page.goto(`${inst.base}/signin?lang=ja`);
    eq(await page.evaluate(() => document.documentElement.lang), "ja", "lang from ?lang=");
    assert(await page.getByRole("heading", { name: "サインイン" }).isVisible(), "Japanese heading");
  });

  t.test("confirm: a scanner's 10 HEADs and 5 GETs leave the link usable; Continue signs in once", async ({ page, context, env, artifacts }) => {
    if (env.target === "reference") skip("nextauth only: NextAuth v4 has no confirm page (next-auth #1840)");
    const inst = await env.instance("confirm");
    const email = env.newEmail("confirm");
    await page.goto(`${inst.base}/signin?callbackUrl=${encodeURIComponent("/welcome?via=confirm")}`);
    await page.fill("#input-email-for-email-confirm-provider", email);
    await page.getByRole("button", { name: "Sign in with Email (confirm)" }).click();
    await page.waitForURL((u) => u.pathname === "/api/auth/verify-request");
    const mail = await waitMail(env.peers, email);
    // The scanner: no cookies, HEAD and GET, as Safe Links / Defender / Proofpoint do.
    for (let i = 0; i < 10; i++) {
      const r = await fetch(mail.link, { method: "HEAD", redirect: "manual" });
      assert(r.status < 500, `HEAD ${i}: ${r.status}`);
    }
    for (let i = 0; i < 5; i++) {
      const r = await fetch(mail.link, { redirect: "manual" });
      eq(r.status, 200, `GET ${i}: the confirm page`);
      assert(!(r.headers.get("set-cookie") ?? "").includes("session-token"), `GET ${i} starts no session`);
    }
    // The user: opens the link, sees one button, clicks it.
    await page.goto(mail.link);
    const button = page.getByRole("button", { name: "Continue" });
    assert(await button.isVisible(), "the Continue button");
    await page.screenshot({ path: path.join(artifacts, "confirm-page.png"), fullPage: true });
    await button.click();
    await page.waitForURL(`${inst.origin}/welcome?via=confirm`);
    const session = await (await page.request.get(`${inst.base}/session`)).json();
    eq(session.user?.email, email, "signed in");
    const cookies = await context.cookies();
    eq(cookies.filter((c) => c.name === "next-auth.session-token").length, 1, "one session cookie");
    // The link again: the page still renders, and its POST finds the token spent.
    await page.goto(mail.link);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL((u) => u.pathname === "/api/auth/error");
    const url = new URL(page.url());
    eq(url.searchParams.get("error"), "Verification", "the second use");
    eq(url.searchParams.get("reason"), "link_used_or_unknown", "its reason");
    assert(await page.getByText("The sign-in link was already used, or it is not the latest one sent.").isVisible(), "the reason shows");
  });
}
