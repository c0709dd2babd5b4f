"use client";
// Step 3 of the switch: nothing changes here. SessionProvider talks to /api/auth, which the
// rewrite in next.config.mjs sends to nextauth.
import { SessionProvider } from "next-auth/react";

export default function Providers({ children }) {
  return <SessionProvider>{children}</SessionProvider>;
}
