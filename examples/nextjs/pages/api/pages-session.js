import { getServerSession } from "@nextauth-rs/next";

import { authOptions } from "../../lib/auth";

// A Pages Router API route: v4's (req, res, authOptions) shape; the rotated session cookie is
// appended to res's Set-Cookie. getServerSideProps reads it the same way with context.req/res.
export default async function handler(req, res) {
  const session = await getServerSession(req, res, authOptions);
  res.status(200).json({ session });
}
