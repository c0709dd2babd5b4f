// The ESM entry: the same functions as index.cjs (one implementation, so both module systems
// share one instance).
import cjs from "./index.cjs";

export const { getServerSession, unstable_getServerSession, sessionFromToken } = cjs;
