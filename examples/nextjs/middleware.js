// Reads the session in middleware with next-auth's own getToken(): nextauth's session cookie is a
// next-auth JWT, so the same NEXTAUTH_SECRET decodes it. Signed-out visitors of /protected go to
// the sign-in page; signed-in ones get the token's claims passed on as request headers.
import { NextResponse } from "next/server";
import { getToken } from "next-auth/jwt";

export async function middleware(req) {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (!token) {
    const signin = new URL("/api/auth/signin", req.url);
    signin.searchParams.set("callbackUrl", req.nextUrl.pathname + req.nextUrl.search);
    return NextResponse.redirect(signin);
  }
  const headers = new Headers(req.headers);
  headers.set("x-auth-sub", token.sub ?? "");
  headers.set("x-auth-email", token.email ?? "");
  headers.set("x-auth-name", token.name ?? "");
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/protected/:path*"] };
