import { headers } from "next/headers";

// Rendered on each request, after middleware.js checked the session cookie with getToken().
export const dynamic = "force-dynamic";

export default async function Protected() {
  const h = await headers();
  return (
    <main>
      <h1>Protected</h1>
      <p id="middleware-user">
        Middleware saw the token of <strong id="email">{h.get("x-auth-email")}</strong> (sub{" "}
        <code id="sub">{h.get("x-auth-sub")}</code>)
      </p>
    </main>
  );
}
