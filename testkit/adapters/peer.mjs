#!/usr/bin/env node
// The real NextAuth adapters from npm on a real database, one operation per run, for
// crates/nextauth-server/tests/adapter_interop.rs (issue 15: `nextauth` side by side with the
// adapters an existing deployment runs, on the same tables).
//
//   node peer.mjs <layout> <database-url> <command> [args…]     → one JSON line on stdout
//
// layout:   prisma      @next-auth/prisma-adapter 1.0.7 (v4) over @prisma/client 6.19
//           drizzle     @auth/drizzle-adapter with drizzle-orm's default tables
//           pg-adapter  @auth/pg-adapter (PostgreSQL only)
// database: postgres://…, mysql://… (MariaDB too), sqlite:PATH or file:PATH
// commands:
//   create-tables            the layout's tables as the real tool creates them (see createTables)
//   seed EMAIL TOKEN SUB     createUser, linkAccount (provider "seed-idp", providerAccountId SUB),
//                            createSession (sessionToken TOKEN, a day) → {"userId": …}
//   session TOKEN            getSessionAndUser(TOKEN) → {session, user} or null
//   user-by-account PROVIDER ID   getUserByAccount → the user or null
//   user-by-email EMAIL      getUserByEmail → the user or null
//   catalogue                every table's columns (name, type, nullable, default) and indexes,
//                            sorted: to compare the schema before and after `nextauth` ran
//   create-database NAME / drop-database NAME   on the server of <database-url> (MySQL; the
//                            layout argument is ignored): a database of the test's own
//
// Exit status 0 with the JSON line, 1 with the error on stderr.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

function kindOf(url) {
  if (/^postgres(ql)?:\/\//.test(url)) return "postgres";
  if (/^(mysql|mariadb):\/\//.test(url)) return "mysql";
  if (/^(sqlite|file):/.test(url)) return "sqlite";
  throw new Error(`unknown database URL ${url}`);
}

/** `sqlite:/p/x.db?mode=rwc`, `sqlite:///p/x.db`, `file:/p/x.db` → `/p/x.db`. */
function sqlitePath(url) {
  return url.replace(/^(sqlite|file):(\/\/)?/, "").replace(/\?.*$/, "");
}

// ------------------------------------------------------------------------------ drivers ----

/** A minimal SQL runner per database, for the DDL and the catalogue (not used by adapters). */
async function sqlRunner(kind, url) {
  if (kind === "postgres") {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      exec: async (sql) => void (await client.query(sql)),
      rows: async (sql) => (await client.query(sql)).rows,
      close: () => client.end(),
    };
  }
  if (kind === "mysql") {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection({ uri: mysqlUri(url), multipleStatements: true });
    return {
      exec: async (sql) => void (await conn.query(sql)),
      rows: async (sql) => (await conn.query(sql))[0],
      close: () => conn.end(),
    };
  }
  const { createClient } = await import("@libsql/client");
  const client = createClient({ url: pathToFileURL(sqlitePath(url)).href });
  return {
    exec: async (sql) => void (await client.executeMultiple(sql)),
    rows: async (sql) => (await client.execute(sql)).rows.map((r) => ({ ...r })),
    close: () => client.close(),
  };
}

/** mysql2 takes `mysql://`; MariaDB URLs are the same protocol. */
function mysqlUri(url) {
  return url.replace(/^mariadb:/, "mysql:");
}

// ---------------------------------------------------------------------------- the tables ----

/**
 * The layout's tables, created the way a deployment already has them:
 * - prisma on PostgreSQL: the real Prisma CLI (`prisma migrate diff --from-empty
 *   --to-schema-datamodel`) on the v4 adapter's documented schema (prisma/schema.prisma). The
 *   CLI's native schema engine is downloaded from binaries.prisma.sh, which this machine cannot
 *   reach; with `engine: "js"` in prisma.config.ts the CLI runs the WebAssembly schema engine
 *   its npm package ships, so the native one is never needed (PRISMA_SCHEMA_ENGINE_BINARY and
 *   PRISMA_QUERY_ENGINE_LIBRARY, pointed at a file that is never run, only stop the CLI's
 *   download check; the client is generated with `engineType = "client"`, engine-free).
 * - prisma on MySQL: that WebAssembly engine has no MySQL connector (it aborts), so the DDL
 *   Prisma generates for the MySQL variant of the schema is kept in prisma/mysql.sql.
 * - drizzle: the real drizzle-kit (`drizzle-kit export`) on the adapter's own default tables
 *   (`defineTables()` of @auth/drizzle-adapter, drizzle/<dialect>.mjs).
 */
async function createTables(layout, kind, url) {
  let ddl;
  if (layout === "prisma" && kind === "postgres") {
    ddl = prismaCli(["migrate", "diff", "--from-empty", "--to-schema-datamodel", prismaSchema("postgresql"), "--script"], url);
  } else if (layout === "prisma" && kind === "mysql") {
    ddl = readFileSync(join(HERE, "prisma", "mysql.sql"), "utf8");
  } else if (layout === "drizzle") {
    const dialect = { postgres: "postgresql", mysql: "mysql", sqlite: "sqlite" }[kind];
    const schema = join("drizzle", `${{ postgres: "pg", mysql: "mysql", sqlite: "sqlite" }[kind]}.mjs`);
    ddl = execFileSync(join(HERE, "node_modules", ".bin", "drizzle-kit"), ["export", "--dialect", dialect, "--schema", schema], {
      cwd: HERE,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    // drizzle-kit prints "Reading schema files: …" before the DDL on some dialects, and
    // separates statements with a marker on SQLite/MySQL.
    ddl = ddl.slice(Math.max(0, ddl.indexOf("CREATE "))).replaceAll("--> statement-breakpoint", "");
  } else {
    throw new Error(`create-tables: no real tool for ${layout} on ${kind}`);
  }
  const db = await sqlRunner(kind, url);
  try {
    if (kind === "mysql" || kind === "sqlite") {
      // One statement per call: mysql2 with multipleStatements could take them all, but a
      // failing statement is easier to name this way.
      for (const s of splitStatements(ddl)) await db.exec(s);
    } else {
      await db.exec(ddl);
    }
  } finally {
    await db.close();
  }
  return { created: true, statements: splitStatements(ddl).length };
}

function splitStatements(sql) {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
}

/** schema.prisma for `provider`, with the generator of the client this script uses. */
function prismaSchema(provider) {
  const dir = join(HERE, ".generated", `schema-${provider}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `schema-${process.pid}.prisma`);
  const models = readFileSync(join(HERE, "prisma", "models.prisma"), "utf8");
  writeFileSync(
    file,
    `// Written by peer.mjs from prisma/models.prisma.\ngenerator client {\n  provider   = "prisma-client-js"\n  engineType = "client"\n  output     = "./client-${process.pid}"\n}\n\ndatasource db {\n  provider = "${provider}"\n  url      = env("DATABASE_URL")\n}\n\n${models}`,
  );
  return file;
}

function prismaCli(args, url) {
  return execFileSync(join(HERE, "node_modules", ".bin", "prisma"), args, {
    cwd: HERE,
    encoding: "utf8",
    env: {
      ...process.env,
      DATABASE_URL: url,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
      PRISMA_QUERY_ENGINE_LIBRARY: process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
      CHECKPOINT_DISABLE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * A Prisma client for `provider` (`postgresql`, `mysql`), generated once into
 * .generated/client-<provider> (a fresh directory renamed into place, so parallel tests never
 * see half a client). Prisma's default engine is a native library from binaries.prisma.sh;
 * `engineType = "client"` is Prisma 6's engine-free client (a WebAssembly query compiler plus a
 * driver adapter: @prisma/adapter-pg, @prisma/adapter-mariadb).
 */
async function prismaClient(provider, url) {
  const target = join(HERE, ".generated", `client-${provider}`);
  if (!existsSync(join(target, "index.js"))) {
    const schema = prismaSchema(provider);
    prismaCli(["generate", "--schema", schema], url);
    const made = join(dirname(schema), `client-${process.pid}`);
    try {
      renameSync(made, target);
    } catch {
      rmSync(made, { recursive: true, force: true }); // another run got there first
    }
  }
  const { PrismaClient } = await import(pathToFileURL(join(target, "index.js")).href);
  if (provider === "postgresql") {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  }
  const { PrismaMariaDb } = await import("@prisma/adapter-mariadb");
  return new PrismaClient({ adapter: new PrismaMariaDb(url.replace(/^mysql:/, "mariadb:")) });
}

// ------------------------------------------------------------------------------ adapters ----

/** The real adapter for `layout` on `url`, and how to let go of its connections. */
async function adapterFor(layout, kind, url) {
  if (layout === "prisma") {
    const { PrismaAdapter } = await import("@next-auth/prisma-adapter");
    const prisma = await prismaClient(kind === "postgres" ? "postgresql" : "mysql", url);
    return { adapter: PrismaAdapter(prisma), close: () => prisma.$disconnect() };
  }
  if (layout === "drizzle") {
    const { DrizzleAdapter } = await import("@auth/drizzle-adapter");
    if (kind === "postgres") {
      const { default: pg } = await import("pg");
      const { drizzle } = await import("drizzle-orm/node-postgres");
      const pool = new pg.Pool({ connectionString: url });
      return { adapter: DrizzleAdapter(drizzle(pool)), close: () => pool.end() };
    }
    if (kind === "mysql") {
      const mysql = await import("mysql2/promise");
      const { drizzle } = await import("drizzle-orm/mysql2");
      const pool = mysql.createPool({ uri: mysqlUri(url) });
      return { adapter: DrizzleAdapter(drizzle(pool, { mode: "default" })), close: () => pool.end() };
    }
    const { createClient } = await import("@libsql/client");
    const { drizzle } = await import("drizzle-orm/libsql");
    const client = createClient({ url: pathToFileURL(sqlitePath(url)).href });
    return { adapter: DrizzleAdapter(drizzle(client)), close: () => client.close() };
  }
  if (layout === "pg-adapter" && kind === "postgres") {
    const { default: PostgresAdapter } = await import("@auth/pg-adapter");
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: url });
    return { adapter: PostgresAdapter(pool), close: () => pool.end() };
  }
  throw new Error(`no adapter for ${layout} on ${kind}`);
}

// ----------------------------------------------------------------------------- catalogue ----

/** Columns and indexes of every table (ours and the adapter's), in a stable order. */
async function catalogue(kind, url) {
  const db = await sqlRunner(kind, url);
  try {
    if (kind === "postgres") {
      const columns = await db.rows(
        `SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable, column_default AS dflt
           FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2`,
      );
      const indexes = await db.rows(
        `SELECT tablename AS t, indexname AS i, indexdef AS def FROM pg_indexes
          WHERE schemaname = current_schema() ORDER BY 1, 2`,
      );
      const constraints = await db.rows(
        `SELECT conrelid::regclass::text AS t, conname AS c, pg_get_constraintdef(oid) AS def
           FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`,
      );
      return { columns, indexes, constraints };
    }
    if (kind === "mysql") {
      const columns = await db.rows(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2`,
      );
      const indexes = await db.rows(
        `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS non_unique,
                GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols
           FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
          GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY 1, 2`,
      );
      return { columns, indexes };
    }
    const objects = await db.rows(`SELECT type, name, tbl_name AS t, sql FROM sqlite_master ORDER BY type, name`);
    return { objects };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------- main ----

async function main() {
  const [layout, url, command, ...args] = process.argv.slice(2);
  if (!layout || !url || !command) throw new Error("usage: peer.mjs <layout> <database-url> <command> [args…]");
  const kind = kindOf(url);
  if (command === "create-tables") return createTables(layout, kind, url);
  if (command === "catalogue") return catalogue(kind, url);
  if (command === "create-database" || command === "drop-database") {
    if (kind !== "mysql" || !/^[A-Za-z0-9_]+$/.test(args[0] ?? "")) throw new Error(`${command}: MySQL and a plain name only`);
    const db = await sqlRunner(kind, url);
    try {
      await db.exec(command === "create-database" ? `CREATE DATABASE \`${args[0]}\`` : `DROP DATABASE IF EXISTS \`${args[0]}\``);
    } finally {
      await db.close();
    }
    return { [command]: args[0] };
  }

  const { adapter, close } = await adapterFor(layout, kind, url);
  try {
    switch (command) {
      case "seed": {
        const [email, sessionToken, sub] = args;
        const user = await adapter.createUser({
          name: "Seeded By The Real Adapter",
          email,
          emailVerified: new Date("2024-05-06T07:08:09.000Z"),
          image: "https://example.com/seeded.png",
        });
        await adapter.linkAccount({
          userId: user.id,
          type: "oauth",
          provider: "seed-idp",
          providerAccountId: sub,
          access_token: "seed-access-token",
          token_type: "bearer",
          scope: "openid email",
          expires_at: Math.floor(Date.now() / 1000) + 3600,
        });
        await adapter.createSession({
          sessionToken,
          userId: user.id,
          expires: new Date(Date.now() + 24 * 3600 * 1000),
        });
        return { userId: user.id };
      }
      case "session":
        return (await adapter.getSessionAndUser(args[0])) ?? null;
      case "user-by-account":
        return (await adapter.getUserByAccount({ provider: args[0], providerAccountId: args[1] })) ?? null;
      case "user-by-email":
        return (await adapter.getUserByEmail(args[0])) ?? null;
      default:
        throw new Error(`unknown command ${command}`);
    }
  } finally {
    await close();
  }
}

main().then(
  (out) => {
    process.stdout.write(`${JSON.stringify(out ?? null)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`peer.mjs: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
