// The test page: a plain React app using the REAL next-auth/react from npm, served by the harness'
// proxy on the same origin as the auth server (as a Next.js app would be). Every control has a
// stable id; results of the last call are written to #result (its data-calls counts the calls).
import React, { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import {
  SessionProvider,
  getCsrfToken,
  getProviders,
  getSession,
  signIn,
  signOut,
  useSession,
} from "next-auth/react";

const value = (id) => document.getElementById(id).value;

function App() {
  const { data, status, update } = useSession();
  const [result, setResult] = useState(null);
  const [calls, setCalls] = useState(0);
  // Counts the distinct session objects useSession handed out (each refetch/update that changes
  // the session gives a new object).
  const seen = useRef(undefined);
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    if (seen.current !== data) {
      seen.current = data;
      setChanges((n) => n + 1);
    }
  }, [data]);

  const run = (name, fn) => async () => {
    let out;
    try {
      const v = await fn();
      out = { name, value: v === undefined ? null : v };
    } catch (err) {
      out = { name, error: String(err?.stack ?? err) };
    }
    setResult(out);
    setCalls((n) => n + 1);
  };

  const creds = (extra) => ({ username: value("username"), password: value("password"), ...extra });

  return (
    <main>
      <h1>next-auth/react end-to-end page</h1>
      <p>
        Status: <output id="status">{status}</output> · session objects seen:{" "}
        <output id="session-changes">{changes}</output>
      </p>
      <pre id="session">{JSON.stringify(data ?? null)}</pre>
      <p id="location">{typeof window !== "undefined" ? window.location.pathname + window.location.search : ""}</p>

      <fieldset>
        <legend>Credentials</legend>
        <label htmlFor="username">Username</label> <input id="username" defaultValue="alice" />{" "}
        <label htmlFor="password">Password</label> <input id="password" type="password" defaultValue="password" />
        <button id="credentials-no-redirect" onClick={run("credentials-no-redirect", () => signIn("credentials", creds({ redirect: false })))}>
          signIn credentials (redirect: false)
        </button>
        <button id="credentials-redirect" onClick={run("credentials-redirect", () => signIn("credentials", creds({ callbackUrl: "/welcome?via=credentials" })))}>
          signIn credentials (redirect)
        </button>
      </fieldset>

      <fieldset>
        <legend>Email</legend>
        <label htmlFor="email">Email</label> <input id="email" type="email" defaultValue="" />
        <button id="email-no-redirect" onClick={run("email-no-redirect", () => signIn("email", { email: value("email"), redirect: false, callbackUrl: "/welcome?via=email" }))}>
          signIn email (redirect: false)
        </button>
      </fieldset>

      <fieldset>
        <legend>OpenID provider</legend>
        <button id="oidc" onClick={run("oidc", () => signIn("mock-idp", { callbackUrl: "/welcome?via=oidc" }))}>
          signIn mock-idp
        </button>
        <button id="signin-page" onClick={run("signin-page", () => signIn())}>
          signIn() (built-in page)
        </button>
      </fieldset>

      <fieldset>
        <legend>Session</legend>
        <button id="update" onClick={run("update", () => update({ name: "Updated Name" }))}>update()</button>
        <button id="get-session" onClick={run("get-session", () => getSession())}>getSession()</button>
        <button id="get-providers" onClick={run("get-providers", () => getProviders())}>getProviders()</button>
        <button id="get-csrf" onClick={run("get-csrf", () => getCsrfToken())}>getCsrfToken()</button>
        <button id="signout-redirect" onClick={run("signout-redirect", () => signOut({ callbackUrl: "/goodbye" }))}>
          signOut (redirect)
        </button>
        <button id="signout-no-redirect" onClick={run("signout-no-redirect", () => signOut({ redirect: false }))}>
          signOut (redirect: false)
        </button>
      </fieldset>

      <pre id="result" data-calls={calls}>{JSON.stringify(result)}</pre>
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <SessionProvider>
    <App />
  </SessionProvider>,
);
