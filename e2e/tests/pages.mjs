// The built-in pages (sign-in, sign-out, verify-request, error) in the browser: keyboard-only use,
// what a person sees (screenshots, layout, error texts), themes, accessibility and requests.
import fs from "node:fs";
import path from "node:path";
import { cookie, openApp, session, signInWithCredentials, tabTo, waitStatus } from "../lib/app.mjs";
import { contrastReport, focusables, focusedState, installHelpers, labelReport, layoutReport } from "../lib/checks.mjs";
import { waitMail } from "../lib/harness.mjs";
import { assert, eq, skip } from "../lib/runner.mjs";

// The pages a person can land on, with what must show on each.
const PAGES = [
  { name: "signin", path: "/signin", status: 200, heading: null, texts: ["Sign in with Mock IdP", "Sign in with Email", "Sign in with Credentials"] },
  { name: "signin-error", path: "/signin?error=CredentialsSignin", status: 200, texts: ["Sign in failed. Check the details you provided are correct."] },
  { name: "signout", path: "/signout", status: 200, texts: ["Are you sure you want to sign out?", "Sign out"] },
  { name: "verify-request", path: "/verify-request?provider=email&type=email", status: 200, texts: ["Check your email", "A sign in link has been sent to your email address."] },
  { name: "error-verification", path: "/error?error=Verification", status: 403, texts: ["Unable to sign in", "The sign in link is no longer valid.", "Sign in"] },
  { name: "error-configuration", path: "/error?error=Configuration", status: 500, texts: ["Server error", "There is a problem with the server configuration."] },
  { name: "error-accessdenied", path: "/error?error=AccessDenied", status: 403, texts: ["Access Denied", "You do not have permission to sign in."] },
];

// The sign-in page's message for each ?error= code (v4's table; unknown codes get the default).
const SIGNIN_ERRORS = {
  CredentialsSignin: "Sign in failed. Check the details you provided are correct.",
  OAuthSignin: "Try signing in with a different account.",
  OAuthCallback: "Try signing in with a different account.",
  Callback: "Try signing in with a different account.",
  OAuthAccountNotLinked: "To confirm your identity, sign in with the same account you used originally.",
  EmailSignin: "The e-mail could not be sent.",
  SessionRequired: "Please sign in to access this page.",
  NoSuchCode: "Unable to sign in.",
};

function shotPath(artifacts, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  return path.join(artifacts, `${name}.png`);
}

async function visit(page, inst, p) {
  const resp = await page.goto(`${inst.base}${p.path}`);
  eq(resp.status(), p.status, `HTTP status of ${p.path}`);
  await page.waitForLoadState("load");
  return resp;
}

async function bodyLuminance(page) {
  await installHelpers(page);
  return page.evaluate(() => {
    const { backgroundOf, lum } = window.__e2e;
    return lum(backgroundOf(document.body).bg);
  });
}

async function submitColors(page) {
  return page.evaluate(() => {
    const b = document.getElementById("submitButton");
    const cs = getComputedStyle(b);
    return { bg: cs.backgroundColor, color: cs.color };
  });
}

const rgb = (hex) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

export default function pageTests(t) {
  // ---------------------------------------------------------------------------------------------
  // Keyboard only
  // ---------------------------------------------------------------------------------------------
  t.test("pages: sign in with credentials from the keyboard alone", async ({ page, env }) => {
    const inst = await env.instance("main");
    await page.goto(`${inst.base}/signin?callbackUrl=${encodeURIComponent("/welcome?via=keyboard")}`);
    await tabTo(page, () => document.activeElement?.name === "username" && document.activeElement.closest("form")?.action.endsWith("/callback/credentials"));
    await page.keyboard.type("alice");
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement?.name), "password", "Tab from the username goes to the password");
    await page.keyboard.type("password");
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement?.textContent.trim()), "Sign in with Credentials", "then to the form's button");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${inst.origin}/welcome?via=keyboard`);
    await waitStatus(page, "authenticated");
    eq((await session(page)).user.name, "Alice Credentials", "session.user.name");
  });

  t.test("pages: sign in with email from the keyboard alone", async ({ page, env, artifacts }) => {
    const inst = await env.instance("main");
    const email = env.newEmail("keyboard");
    await page.goto(`${inst.base}/signin?callbackUrl=${encodeURIComponent("/welcome?via=email-page")}`);
    await tabTo(page, () => document.activeElement?.type === "email");
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement?.textContent.trim()), "Sign in with Email", "Tab from the address goes to its button");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/api/auth/verify-request");
    assert(await page.getByRole("heading", { name: "Check your email" }).isVisible(), "verify-request page");
    const mail = await waitMail(env.peers, email);
    eq(new URL(mail.link).searchParams.get("callbackUrl"), `${inst.origin}/welcome?via=email-page`, "link's callbackUrl");
    await page.goto(mail.link);
    await page.waitForURL(`${inst.origin}/welcome?via=email-page`);
    await waitStatus(page, "authenticated");
    eq((await session(page)).user.email, email, "session.user.email");
  });

  t.test("pages: sign in with the OpenID provider from the keyboard alone", async ({ page, env }) => {
    const inst = await env.instance("main");
    await page.goto(`${inst.base}/signin?callbackUrl=${encodeURIComponent("/welcome?via=oidc-page")}`);
    await tabTo(page, () => document.activeElement?.textContent.trim() === "Sign in with Mock IdP");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${inst.origin}/welcome?via=oidc-page`);
    await waitStatus(page, "authenticated");
    eq((await session(page)).user.name, "Alice Example", "session.user.name");
  });

  t.test("pages: sign out from the keyboard alone", async ({ page, context, env }) => {
    const inst = await env.instance("main");
    await signInWithCredentials(page, inst);
    await page.goto(`${inst.base}/signout`);
    await tabTo(page, () => document.activeElement?.textContent.trim() === "Sign out");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => !u.pathname.startsWith("/api/auth/"));
    await waitStatus(page, "unauthenticated");
    assert(!(await cookie(context, "next-auth.session-token")), "session cookie cleared");
  });

  // ---------------------------------------------------------------------------------------------
  // What a person sees
  // ---------------------------------------------------------------------------------------------
  t.test("pages: the error text shows for each ?error= code", async ({ page, env, artifacts }) => {
    const inst = await env.instance("main");
    for (const [code, text] of Object.entries(SIGNIN_ERRORS)) {
      await page.goto(`${inst.base}/signin?error=${code}`);
      const el = page.getByText(text, { exact: true });
      assert(await el.isVisible(), `?error=${code} shows "${text}"`);
      const box = await el.boundingBox();
      assert(box && box.width > 50 && box.height > 8, `?error=${code}: the message has a size (${JSON.stringify(box)})`);
      const others = Object.values(SIGNIN_ERRORS).filter((x) => x !== text);
      for (const o of new Set(others)) assert(!(await page.getByText(o, { exact: true }).count()), `?error=${code} shows only its message, not "${o}"`);
    }
    await page.goto(`${inst.base}/signin?error=OAuthAccountNotLinked`);
    await page.screenshot({ path: shotPath(artifacts, "signin-error-oauthaccountnotlinked"), fullPage: true });
    await page.goto(`${inst.base}/signin?csrf=true`);
    for (const o of new Set(Object.values(SIGNIN_ERRORS))) assert(!(await page.getByText(o, { exact: true }).count()), `?csrf=true shows no message ("${o}")`);
  });

  for (const scheme of ["light", "dark"]) {
    for (const mobile of [false, true]) {
      const label = `${scheme}${mobile ? ", 375 px wide" : ""}`;
      t.test(
        `pages: every page renders without overlaps (default theme, ${label})`,
        async ({ page, env, artifacts }) => {
          const inst = await env.instance("main");
          const problems = [];
          for (const p of PAGES) {
            await visit(page, inst, p);
            for (const text of p.texts) {
              const loc = page.getByText(text, { exact: true }).first();
              if (!(await loc.isVisible())) problems.push(`${p.name}: "${text}" is not visible`);
            }
            const lay = await layoutReport(page);
            if (lay.parts < 2) problems.push(`${p.name}: the card shows almost nothing (${lay.parts} parts)`);
            problems.push(...lay.problems.map((x) => `${p.name}: ${x}`));
            const l = await bodyLuminance(page);
            if (scheme === "light" ? l < 0.5 : l > 0.2) problems.push(`${p.name}: page background luminance ${l.toFixed(2)} does not match the ${scheme} scheme`);
            await page.screenshot({ path: shotPath(artifacts, `${p.name}-${scheme}${mobile ? "-mobile" : ""}`), fullPage: true });
          }
          assert(!problems.length, `layout problems:\n      ${problems.join("\n      ")}`);
        },
        { colorScheme: scheme, viewport: mobile ? { width: 375, height: 740 } : undefined },
      );
    }
  }

  for (const [name, prefers] of [
    ["light", "dark"],
    ["dark", "light"],
  ]) {
    t.test(
      `pages: theme color_scheme=${name} with brand_color and button_text (browser prefers ${prefers})`,
      async ({ page, env, artifacts }) => {
        const inst = await env.instance(name);
        const { brandColor, buttonText } = inst.theme;
        for (const p of [PAGES[0], PAGES[2]]) {
          await visit(page, inst, p);
          const cls = await page.evaluate(() => document.body.className);
          assert(cls.split(/\s+/).includes(`__next-auth-theme-${name}`), `${p.name}: body class ${cls}`);
          const l = await bodyLuminance(page);
          assert(name === "light" ? l > 0.5 : l < 0.2, `${p.name}: ${name} page background whatever the browser prefers (luminance ${l.toFixed(2)})`);
          eq(await submitColors(page), { bg: rgb(brandColor), color: rgb(buttonText) }, `${p.name}: #submitButton in brand_color / button_text`);
          const lay = await layoutReport(page);
          assert(!lay.problems.length, `${p.name}: ${lay.problems.join("; ")}`);
          await page.screenshot({ path: shotPath(artifacts, `${p.name}-theme-${name}`), fullPage: true });
        }
      },
      { colorScheme: prefers },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Accessibility
  // ---------------------------------------------------------------------------------------------
  t.test("a11y: lang, labels tied to inputs, named buttons and links", async ({ page, env }) => {
    const inst = await env.instance("main");
    const problems = [];
    for (const p of PAGES) {
      await visit(page, inst, p);
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (!/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(lang)) problems.push(`${p.name}: <html lang="${lang}">`);
      const title = await page.title();
      if (!title.trim()) problems.push(`${p.name}: empty <title>`);
      problems.push(...(await labelReport(page)).map((x) => `${p.name}: ${x}`));
    }
    // Clicking a label focuses its input (the tie works, not just the attribute).
    await visit(page, inst, PAGES[0]);
    for (const [label, name] of [
      ["Username", "username"],
      ["Password", "password"],
      ["Email", "email"],
    ]) {
      await page.getByText(label, { exact: true }).first().click();
      const focused = await page.evaluate(() => document.activeElement?.name);
      if (focused !== name) problems.push(`clicking the label "${label}" focuses ${focused}, not ${name}`);
    }
    assert(!problems.length, problems.join("\n      "));
  });

  for (const scheme of ["light", "dark"]) {
    t.test(
      `a11y: Tab visits every control in page order with a visible focus indicator (${scheme})`,
      async ({ page, env }) => {
        const inst = await env.instance("main");
        const problems = [];
        for (const p of [PAGES[0], PAGES[2], PAGES[4], PAGES[3]]) {
          await visit(page, inst, p);
          const want = await focusables(page);
          if (!want.length) problems.push(`${p.name}: nothing focusable`);
          for (const f of want) if (f.positiveTabindex) problems.push(`${p.name}: positive tabindex on ${f.el}`);
          const order = [];
          for (let i = 0; i < want.length + 2; i++) {
            await page.keyboard.press("Tab");
            const st = await focusedState(page);
            if (!st || st.index === null) continue;
            if (!order.includes(st.index)) order.push(st.index);
            if (!st.focusVisible) problems.push(`${p.name}: ${st.el} does not match :focus-visible after Tab`);
            if (!st.visibleIndicator) problems.push(`${p.name}: ${st.el} shows no focus indicator (outline ${st.outlineStyle} ${st.outlineWidth}px, box-shadow ${st.boxShadow})`);
            if (st.outlineContrast !== null && st.outlineContrast < 3) problems.push(`${p.name}: focus outline of ${st.el} has contrast ${st.outlineContrast}:1 (< 3:1)`);
          }
          // An autofocused field makes the cycle start in the middle: compare as a cycle.
          const expected = want.map((f) => String(f.index));
          const start = order.indexOf(expected[0]);
          const cycle = start < 0 ? order : [...order.slice(start), ...order.slice(0, start)];
          if (JSON.stringify(cycle) !== JSON.stringify(expected)) {
            problems.push(`${p.name}: Tab order ${JSON.stringify(cycle.map((i) => want[i]?.el))} is not the page order ${JSON.stringify(want.map((f) => f.el))}`);
          }
        }
        assert(!problems.length, problems.join("\n      "));
      },
      { colorScheme: scheme },
    );
  }

  for (const scheme of ["light", "dark"]) {
    t.test(
      `a11y: text contrast of the default theme meets WCAG AA (${scheme})`,
      async ({ page, env }) => {
        const inst = await env.instance("main");
        const failures = [];
        let checked = 0;
        for (const p of PAGES) {
          await visit(page, inst, p);
          const rows = await contrastReport(page);
          checked += rows.length;
          for (const r of rows) if (!r.ok && !r.images) failures.push(`${p.name}: ${r.el} "${r.text}" ${r.fg} on ${r.bg} = ${r.ratio}:1 (needs ${r.need}:1)`);
        }
        assert(checked > 20, `contrast checked on ${checked} texts`);
        if (failures.length && env.target === "reference") {
          skip(`NextAuth v4's own default theme is below AA (${failures.length} texts), e.g. ${[...new Set(failures.map((f) => f.replace(/^[^:]+: /, "")))].slice(0, 3).join("; ")}`);
        }
        assert(!failures.length, `below WCAG AA:\n      ${failures.join("\n      ")}`);
      },
      { colorScheme: scheme },
    );
  }

  t.test("pages: no request leaves the origin", async ({ page, env, requests, context }) => {
    const inst = await env.instance("main");
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const p of PAGES) await visit(page, inst, p);
    }
    for (const name of ["light", "dark"]) {
      const themed = await env.instance(name);
      for (const p of PAGES.slice(0, 3)) await visit(page, themed, p);
    }
    const origins = new Set([inst.origin, (await env.instance("light")).origin, (await env.instance("dark")).origin]);
    const foreign = requests.filter((r) => !r.url.startsWith("data:") && !origins.has(new URL(r.url).origin));
    assert(requests.length >= PAGES.length * 2, `requests recorded: ${requests.length}`);
    assert(!foreign.length, `requests to other origins:\n      ${foreign.map((r) => `${r.method} ${r.url} (${r.resourceType})`).join("\n      ")}`);
  });

  t.test("pages: preset providers' buttons load nothing from elsewhere", async ({ page, env, requests, artifacts }) => {
    if (env.target === "reference") {
      skip("nextauth only: the reference's server.mjs has no preset providers (v4 itself loads preset logos from https://authjs.dev)");
    }
    const inst = await env.instance("presets");
    await visit(page, inst, PAGES[0]);
    for (const name of ["Sign in with GitHub", "Sign in with Google"]) {
      assert(await page.getByRole("button", { name }).isVisible(), `button "${name}"`);
    }
    const broken = await page.evaluate(() => [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src));
    assert(!broken.length, `images that did not load: ${broken.join(", ")}`);
    const lay = await layoutReport(page);
    assert(!lay.problems.length, lay.problems.join("; "));
    await page.screenshot({ path: shotPath(artifacts, "signin-presets"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await page.screenshot({ path: shotPath(artifacts, "signin-presets-dark"), fullPage: true });
    const foreign = requests.filter((r) => !r.url.startsWith("data:") && new URL(r.url).origin !== inst.origin);
    assert(!foreign.length, `requests to other origins: ${foreign.map((r) => r.url).join(", ")}`);
  });
}
