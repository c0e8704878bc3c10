import { AsyncLocalStorage } from "node:async_hooks";

/** What the bench entry decided for the request being served: its counting D1, and whether to skip the access check. */
export type BenchRequest = { db: D1Database; skipAccessCheck: boolean };

// The bench entry runs the app inside this scope; the env it hands the app and the loaders of the
// bench's server build read the current request's choices from it. One scope per request, so
// concurrent requests in an isolate never see each other's counters.
export const benchRequest = new AsyncLocalStorage<BenchRequest>();
