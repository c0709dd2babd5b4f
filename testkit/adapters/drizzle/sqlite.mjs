// @auth/drizzle-adapter's own default tables for sqlite (its `defineTables()`), for `drizzle-kit export`
// (peer.mjs create-tables). The path skips the package's `exports` map, which does not list lib/.
import { defineTables } from "../node_modules/@auth/drizzle-adapter/lib/sqlite.js";
export const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } = defineTables();
