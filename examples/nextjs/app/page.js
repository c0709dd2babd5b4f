"use client";
import Link from "next/link";
import { signIn, signOut, useSession } from "next-auth/react";

export default function Home() {
  const { data: session, status } = useSession();
  return (
    <main>
      <h1>next-auth/react against nextauth</h1>
      <p>
        Status: <output id="status">{status}</output>
      </p>
      {session ? (
        <>
          <p id="user">Signed in as {session.user?.email ?? session.user?.name}</p>
          <button type="button" onClick={() => signOut()}>Sign out</button>
        </>
      ) : (
        <button type="button" onClick={() => signIn()}>Sign in</button>
      )}
      <p>
        <Link href="/protected">A page behind middleware</Link>
      </p>
    </main>
  );
}
