// The real next-auth/react client (page/app.jsx) against the server under test, through the
// same-origin proxy: what a Next.js app's users do.
import { call, cookie, openApp, requestsTo, session, sessionChanges, signInWithCredentials, status, waitStatus } from "../lib/app.mjs";
import { waitMail } from "../lib/harness.mjs";
import { assert, eq, skip, until } from "../lib/runner.mjs";

const SESSION_COOKIE = "next-auth.session-token";

export default function clientTests(t) {
  t.test("client: getProviders() and getCsrfToken()", async ({ page, context, env }) => {
    const inst = await env.instance("main");
    await openApp(page, inst);
    eq(await status(page), "unauthenticated", "status of a new visitor");
    const providers = await call(page, "get-providers");
    eq(Object.keys(providers), ["mock-idp", "email", "credentials"], "provider ids in configuration order");
    for (const [id, type, name] of [
      ["mock-idp", "oauth", "Mock IdP"],
      ["email", "email", "Email"],
      ["credentials", "credentials", "Credentials"],
    ]) {
      eq(providers[id], { id, name, type, signinUrl: `${inst.base}/signin/${id}`, callbackUrl: `${inst.base}/callback/${id}` }, `providers.${id}`);
    }
    const token = await call(page, "get-csrf");
    assert(/^[0-9a-f]{64}$/.test(token), `csrf token is 64 hex digits: ${token}`);
    const c = await cookie(context, "next-auth.csrf-token");
    assert(c && decodeURIComponent(c.value).startsWith(`${token}|`), `csrf cookie holds the token: ${c?.value}`);
    assert(c.httpOnly && c.sameSite === "Lax" && c.path === "/", `csrf cookie attributes: ${JSON.stringify(c)}`);
  });

  t.test("client: signIn('credentials', {redirect: false}) updates useSession in place", async ({ page, context, env }) => {
    const inst = await env.instance("main");
    await openApp(page, inst);
    const url = page.url();
    const r = await call(page, "credentials-no-redirect");
    eq(r, { error: null, status: 200, ok: true, url }, "signIn result");
    await waitStatus(page, "authenticated");
    const s = await session(page);
    eq(s.user, { name: "Alice Credentials", email: "alice@example.com" }, "session.user");
    assert(!Number.isNaN(Date.parse(s.expires)) && Date.parse(s.expires) > Date.now() + 29 * 86400e3, `expires ~30 days ahead: ${s.expires}`);
    eq(page.url(), url, "no navigation");
    const c = await cookie(context, SESSION_COOKIE);
    assert(c && c.httpOnly && c.sameSite === "Lax" && c.value.split(".").length === 5, `session cookie is an HttpOnly JWE: ${JSON.stringify(c)}`);
  });

  t.test("client: signIn('credentials') with redirect lands on the callbackUrl", async ({ page, env }) => {
    const inst = await env.instance("main");
    await openApp(page, inst);
    await page.click("#credentials-redirect");
    await page.waitForURL(`${inst.origin}/welcome?via=credentials`);
    await waitStatus(page, "authenticated");
    eq((await session(page)).user.name, "Alice Credentials", "session.user.name");
  });

  t.test("client: a failed credentials sign-in", async ({ page, context, env }) => {
    const inst = await env.instance("main");
    await openApp(page, inst);
    await page.fill("#password", "wrong-password");
    const r = await call(page, "credentials-no-redirect");
    eq(r, { error: "CredentialsSignin", status: 401, ok: false, url: null }, "signIn result");
    eq(await status(page), "unauthenticated", "still signed out");
    assert(!(await cookie(context, SESSION_COOKIE)), "no session cookie");
    // With redirect: the browser goes to the error URL, which shows the sign-in page with the message.
    await page.click("#credentials-redirect");
    await page.waitForURL((u) => u.pathname === "/api/auth/signin" && u.searchParams.get("error") === "CredentialsSignin");
    const msg = page.getByText("Sign in failed. Check the details you provided are correct.");
    assert(await msg.isVisible(), "the CredentialsSignin message is visible");
    assert(!(await cookie(context, SESSION_COOKIE)), "no session cookie");
  });

  t.test("client: email sign-in with the link from the SMTP sink", async ({ page, env }) => {
    const inst = await env.instance("main");
    const email = env.newEmail("client");
    await openApp(page, inst);
    await page.fill("#email", email);
    const r = await call(page, "email-no-redirect");
    eq(r, { error: null, status: 200, ok: true, url: `${inst.base}/verify-request?provider=email&type=email` }, "signIn result");
    eq(await status(page), "unauthenticated", "not signed in before the link is followed");
    const mail = await waitMail(env.peers, email);
    assert(mail.link?.startsWith(`${inst.base}/callback/email?`), `magic link on the app's origin: ${mail.link}`);
    const link = new URL(mail.link);
    eq(link.searchParams.get("email"), email, "link's email");
    eq(link.searchParams.get("callbackUrl"), `${inst.origin}/welcome?via=email`, "link's callbackUrl");
    await page.goto(mail.link);
    await page.waitForURL(`${inst.origin}/welcome?via=email`);
    await waitStatus(page, "authenticated");
    eq((await session(page)).user, { email }, "session.user (email only)");
    // The link works once.
    await page.goto(mail.link);
    await page.waitForURL((u) => u.pathname === "/api/auth/error" && u.searchParams.get("error") === "Verification");
    assert(await page.getByRole("heading", { name: "Unable to sign in" }).isVisible(), "Verification error page");
  });

  t.test("client: OpenID provider, the full redirect flow", async ({ page, env, requests }) => {
    const inst = await env.instance("main");
    await openApp(page, inst);
    await page.click("#oidc");
    await page.waitForURL(`${inst.origin}/welcome?via=oidc`);
    await waitStatus(page, "authenticated");
    eq(
      (await session(page)).user,
      { name: "Alice Example", email: "alice@example.com", image: "https://example.com/alice.png" },
      "session.user from the ID token",
    );
    const issuer = env.peers.idp.issuer;
    const auth = requests.find((r) => r.url.startsWith(`${issuer}/auth?`));
    assert(auth, "the browser went to the provider's authorization endpoint");
    const q = new URL(auth.url).searchParams;
    eq(q.get("redirect_uri"), `${inst.base}/callback/mock-idp`, "redirect_uri");
    eq(q.get("code_challenge_method"), "S256", "PKCE");
    assert(q.get("state") && q.get("nonce"), "state and nonce sent");
    assert(requests.some((r) => r.url.startsWith(`${inst.base}/callback/mock-idp?code=`)), "the provider redirected back with a code");
  });

  t.test("client: signOut() with and without redirect", async ({ page, context, env }) => {
    const inst = await env.instance("main");
    await signInWithCredentials(page, inst);
    const url = page.url();
    const r = await call(page, "signout-no-redirect");
    assert(typeof r?.url === "string", `signOut({redirect:false}) resolves to {url}: ${JSON.stringify(r)}`);
    await waitStatus(page, "unauthenticated");
    eq(page.url(), url, "no navigation");
    assert(!(await cookie(context, SESSION_COOKIE)), "session cookie cleared");

    const again = await call(page, "credentials-no-redirect");
    assert(again.ok, "signed in again");
    await waitStatus(page, "authenticated");
    await page.click("#signout-redirect");
    await page.waitForURL(`${inst.origin}/goodbye`);
    await waitStatus(page, "unauthenticated");
    assert(!(await cookie(context, SESSION_COOKIE)), "session cookie cleared");
  });

  t.test("client: signOut() after an OIDC sign-in ends the IdP session (federated_logout)", async ({ page, env, requests }) => {
    if (env.target === "reference") {
      skip("nextauth only: NextAuth v4 has no federated logout (next-auth #836)");
      return;
    }
    const inst = await env.instance("main");
    const issuer = env.peers.idp.issuer;
    const logins = async () => (await (await fetch(`${issuer}/__logins`)).json()).count;
    await openApp(page, inst);
    const before = await logins();
    await page.click("#oidc");
    await page.waitForURL(`${inst.origin}/welcome?via=oidc`);
    await waitStatus(page, "authenticated");
    eq(await logins(), before + 1, "the IdP asked for a login");
    // signOut({callbackUrl: "/goodbye"}): next-auth/react follows data.url to the IdP, whose
    // confirmation page the user answers, and the IdP sends the browser back to /goodbye.
    await page.click("#signout-redirect");
    await page.waitForURL((u) => u.href.startsWith(`${issuer}/session/end`));
    const end = requests.find((r) => r.url.startsWith(`${issuer}/session/end?`));
    assert(end, "the browser went to the IdP's end_session_endpoint");
    const q = new URL(end.url).searchParams;
    eq(q.get("client_id"), env.peers.idp.clientId, "client_id");
    eq(q.get("post_logout_redirect_uri"), `${inst.origin}/goodbye`, "post_logout_redirect_uri");
    assert(q.get("id_token_hint")?.split(".").length === 3, "id_token_hint is a JWS");
    assert(q.get("state"), "state");
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await page.waitForURL((u) => u.href.startsWith(`${inst.origin}/goodbye?`));
    eq(new URL(page.url()).searchParams.get("state"), q.get("state"), "state back from the IdP");
    await waitStatus(page, "unauthenticated");
    // The IdP session is over: signing in again shows the IdP's login.
    await page.click("#oidc");
    await page.waitForURL(`${inst.origin}/welcome?via=oidc`);
    await waitStatus(page, "authenticated");
    eq(await logins(), before + 2, "the IdP asked for a login again");
  });

  t.test("client: update() posts to /session and useSession takes the new session", async ({ page, env, requests }) => {
    const inst = await env.instance("main");
    await signInWithCredentials(page, inst);
    const before = await session(page);
    const changes = await sessionChanges(page);
    await page.waitForTimeout(50); // so that the new expiry is later, at millisecond precision
    const updated = await call(page, "update");
    assert(updated && updated.user, `update() resolves to the session: ${JSON.stringify(updated)}`);
    eq(updated.user, before.user, "update() with the default callbacks keeps the user");
    assert(Date.parse(updated.expires) > Date.parse(before.expires), `expiry moved on: ${before.expires} → ${updated.expires}`);
    await until(async () => (await session(page))?.expires === updated.expires, "useSession to show the updated session");
    assert((await sessionChanges(page)) > changes, "useSession handed out a new session object");
    eq(await status(page), "authenticated", "status");
    const posts = requestsTo(requests, "/api/auth/session", "POST");
    eq(posts.length, 1, "one POST /api/auth/session");
  });

  t.test("client: SessionProvider refetches the session when the tab becomes visible", async ({ page, context, env, requests }) => {
    const inst = await env.instance("main");
    await signInWithCredentials(page, inst);
    const gets = () => requestsTo(requests, "/api/auth/session", "GET").length;
    // The session ends elsewhere (cookies gone): only a refetch can tell the page.
    await context.clearCookies();
    // The user switches to another tab and back. Headless Chromium (156) keeps every tab
    // "visible" whatever is in front (bringToFront, a minimized window: tried), so the page gets
    // the two visibilitychange events a real switch would fire; SessionProvider's own listener
    // handles them.
    const fire = (state) =>
      page.evaluate((s) => {
        Object.defineProperty(document, "visibilityState", { value: s, configurable: true });
        Object.defineProperty(document, "hidden", { value: s === "hidden", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, state);
    const n0 = gets();
    await fire("hidden");
    await page.waitForTimeout(300);
    eq(gets(), n0, "no refetch while the tab is hidden");
    eq(await page.locator("#status").textContent(), "authenticated", "status while hidden");
    await fire("visible");
    await waitStatus(page, "unauthenticated");
    eq(gets(), n0 + 1, "one GET /api/auth/session when the tab became visible");
    eq(await session(page), null, "session");
  });

  t.test("client: signIn() without a provider opens the built-in sign-in page", async ({ page, env }) => {
    const inst = await env.instance("main");
    await openApp(page, inst, "/somewhere?x=1");
    await page.click("#signin-page");
    await page.waitForURL((u) => u.pathname === "/api/auth/signin");
    eq(new URL(page.url()).searchParams.get("callbackUrl"), `${inst.origin}/somewhere?x=1`, "callbackUrl");
    for (const name of ["Sign in with Mock IdP", "Sign in with Email", "Sign in with Credentials"]) {
      assert(await page.getByRole("button", { name }).isVisible(), `button "${name}"`);
    }
  });
}
