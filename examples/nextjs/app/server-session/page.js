import { getServerSession } from "@nextauth-rs/next";

import { authOptions } from "../../lib/auth";

// A server component reading the session as v4 apps do: the same call, another import.
export const dynamic = "force-dynamic";

export default async function ServerSession() {
  const session = await getServerSession(authOptions);
  return (
    <main>
      <h1>Server component</h1>
      <p id="who">{session ? `Signed in as ${session.user?.email}` : "Signed out"}</p>
      <pre id="session">{JSON.stringify(session)}</pre>
    </main>
  );
}
