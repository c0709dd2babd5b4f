import type { GetServerSidePropsContext, NextApiRequest, NextApiResponse } from "next";
import type { AuthOptions, Session } from "next-auth";
import type { JWT } from "next-auth/jwt";

export type { Session } from "next-auth";

/** Whatever `authOptions` an app still passes: accepted and ignored (nextauth has the configuration). */
type GetServerSessionOptions = Partial<AuthOptions> | Record<string, unknown>;

type GetServerSessionParams =
  | [GetServerSidePropsContext["req"], GetServerSidePropsContext["res"], GetServerSessionOptions?]
  | [NextApiRequest, NextApiResponse, GetServerSessionOptions?]
  | [GetServerSessionOptions]
  | [];

/**
 * The session nextauth's `GET /api/auth/session` answers to this request, or `null` when signed
 * out: v4's `getServerSession` call shapes (App Router: `()` / `(authOptions)`, without
 * `expires`, as v4; Pages Router: `(req, res[, authOptions])`). `R` is the session's type when
 * the server's configuration adds fields (`[session.expose]`).
 */
export declare function getServerSession<R = Session>(...args: GetServerSessionParams): Promise<R | null>;

/** @deprecated renamed to `getServerSession` (as in v4) */
export declare function unstable_getServerSession<R = Session>(...args: GetServerSessionParams): Promise<R | null>;

/** The session JSON nextauth (and v4's default `session` callback) builds from a JWT: `user`
 *  from `name`, `email`, `picture`; `expires` = now + `maxAge` seconds (ISO 8601). */
export declare function sessionFromToken(token: JWT, maxAge: number, nowMs?: number): Session;
