// Helpers to drive the test page (page/app.jsx) and read its state.
import { until } from "./runner.mjs";

/** Opens the app at `path` on the instance's origin and waits until useSession settled. */
export async function openApp(page, inst, path = "/") {
  await page.goto(inst.origin + path);
  await settled(page);
}

/** Waits until useSession is no longer "loading"; returns the status. */
export async function settled(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById("status")?.textContent;
    return s === "authenticated" || s === "unauthenticated";
  });
  return status(page);
}

export const status = (page) => page.locator("#status").textContent();

export async function waitStatus(page, want, timeoutMs = 30000) {
  await page.waitForFunction((w) => document.getElementById("status")?.textContent === w, want, { timeout: timeoutMs });
}

/** The session object useSession holds (null when signed out). */
export async function session(page) {
  return JSON.parse(await page.locator("#session").textContent());
}

export async function sessionChanges(page) {
  return Number(await page.locator("#session-changes").textContent());
}

/** Clicks a button of the app whose handler does not navigate, and returns the call's result. */
export async function call(page, id) {
  const before = Number(await page.locator("#result").getAttribute("data-calls"));
  await page.click(`#${id}`);
  await page.waitForFunction((b) => Number(document.getElementById("result")?.dataset.calls) > b, before);
  const r = JSON.parse(await page.locator("#result").textContent());
  if (r.error) throw new Error(`${id} threw in the page: ${r.error}`);
  return r.value;
}

/** Signs in with the credentials provider from the app (signIn with redirect: false). */
export async function signInWithCredentials(page, inst) {
  await openApp(page, inst);
  const r = await call(page, "credentials-no-redirect");
  if (!r?.ok) throw new Error(`credentials sign-in failed: ${JSON.stringify(r)}`);
  await waitStatus(page, "authenticated");
}

export async function cookie(context, name) {
  return (await context.cookies()).find((c) => c.name === name);
}

/** The GET/POST requests to `path` (e.g. "/api/auth/session") recorded by the runner. */
export function requestsTo(requests, pathname, method) {
  return requests.filter((r) => {
    try {
      return new URL(r.url).pathname === pathname && (!method || r.method === method);
    } catch {
      return false;
    }
  });
}

/** Presses Tab (at most `max` times) until the focused element matches `predicate` (run in the page). */
export async function tabTo(page, predicate, arg, max = 25) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(predicate, arg)) return i;
    await page.keyboard.press("Tab");
  }
  if (await page.evaluate(predicate, arg)) return max;
  const active = await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120));
  throw new Error(`Tab never reached the wanted element (focused: ${active})`);
}

export { until };
