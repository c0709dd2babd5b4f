// Step 2 of the switch: /api/auth/* goes to the nextauth server instead of a [...nextauth] route.
// Rewrites are resolved when the app is built (`next build`) or `next dev` starts, so set
// NEXTAUTH_BACKEND then (default: nextauth's own default address).
const backend = (process.env.NEXTAUTH_BACKEND ?? "http://127.0.0.1:3000").replace(/\/$/, "");

/** @type {import('next').NextConfig} */
const nextConfig = {
  async rewrites() {
    return [{ source: "/api/auth/:path*", destination: `${backend}/api/auth/:path*` }];
  },
};

export default nextConfig;
