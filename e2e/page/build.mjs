// Bundles page/app.jsx (React + the real next-auth/react) with esbuild, in memory.
// `node page/build.mjs` writes the bundle to stdout's size report only (a build check).
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The page's JavaScript, as a string. */
export async function buildPage() {
  const out = await esbuild.build({
    entryPoints: [path.join(here, "app.jsx")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    jsx: "automatic",
    logLevel: "warning",
    // As `next build` would: NODE_ENV inlined; NEXTAUTH_URL unset in the browser, so next-auth/react
    // uses its default base path /api/auth, relative to the page's origin.
    define: {
      "process.env.NODE_ENV": '"production"',
      "process.env.NEXTAUTH_URL": "undefined",
      "process.env.NEXTAUTH_URL_INTERNAL": "undefined",
      "process.env.VERCEL_URL": "undefined",
    },
  });
  return out.outputFiles[0].text;
}

export const PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>next-auth/react e2e</title></head>
<body><div id="root"></div><script src="/app.js"></script></body>
</html>
`;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const t = Date.now();
  const js = await buildPage();
  console.log(`page bundle: ${js.length} bytes in ${Date.now() - t} ms`);
}
