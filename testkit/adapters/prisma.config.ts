// The Prisma CLI's configuration for peer.mjs: `engine: "js"` runs the WebAssembly schema engine
// shipped in the `prisma` npm package (the native one is a download from binaries.prisma.sh, which
// the test machines cannot reach), over the driver adapter of the database in DATABASE_URL.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";

const url = process.env.DATABASE_URL ?? "";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    /^(mysql|mariadb):/.test(url)
      ? new PrismaMariaDb(url.replace(/^mysql:/, "mariadb:"))
      : new PrismaPg({ connectionString: url }),
});
