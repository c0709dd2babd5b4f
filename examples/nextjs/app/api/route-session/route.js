import { getServerSession } from "@nextauth-rs/next";

// A route handler (App Router): getServerSession() reads next/headers, and the rotated session
// cookie nextauth sends back is set on this response.
export const dynamic = "force-dynamic";

export async function GET() {
  const session = await getServerSession();
  return Response.json({ session });
}
