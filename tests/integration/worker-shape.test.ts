import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { seatAllocatorFor } from "../../app/infra/durable-objects/seat-allocator.server";
import { agent } from "../factories/http";
import { BENCH_ONLY_MARKERS } from "../bench/hooks";

test("the SeatAllocator Durable Object is bound and answers typed RPC", async () => {
  const stub = seatAllocatorFor(env, "ten_shape_check");
  expect(await stub.snapshot()).toEqual({ tenantId: null, operations: 0 });
});

test("responses carry security headers; dynamic pages are private by default", async () => {
  const res = await agent().fetch("/");
  expect(res.status).toBe(200);
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(res.headers.get("X-Frame-Options")).toBe("DENY");
  expect(res.headers.get("Cache-Control")).toBe("private, no-store");
});

test("the dashboard requires a session and comes back after login", async () => {
  const res = await agent().fetch("/dashboard");
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fdashboard");
  // A client-side navigation's data request gets single fetch's redirect answer, carrying no page data.
  const data = await agent().fetch("/dashboard.data");
  expect(data.status).toBe(202);
  const body = await data.text();
  expect(body).toContain('"redirect","/login?redirectTo=%2Fdashboard"');
  expect(body).not.toMatch(/tenants|invitations|downloads/);
});

// The production Worker holds no bench code (CONVENTIONS 18): the bench's ceilings, D1 counting and
// unchecked lesson live in its own entry, tests/bench/worker/entry.ts. Read as text: the Remix
// server bundle the Worker embeds, every source file under app/ (the Worker's own inputs; the
// rest of its bundle is node_modules), and the wrangler config that deploys it.
const serverBundle = import.meta.glob<string>("/build/server/index.js", { query: "?raw", import: "default", eager: true });
const appSources = import.meta.glob<string>("/app/**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true });
const wranglerConfig = import.meta.glob<string>("/wrangler.toml", { query: "?raw", import: "default", eager: true });

test("the production Worker's build and sources hold no bench code", async () => {
  const files = { ...serverBundle, ...appSources, ...wranglerConfig };
  expect(Object.keys(serverBundle)).toEqual(["/build/server/index.js"]);
  expect(Object.keys(appSources)).toContain("/app/worker.ts");
  expect(Object.keys(appSources)).toContain("/app/load-context.ts");
  const found = Object.entries(files).flatMap(([path, text]) =>
    BENCH_ONLY_MARKERS.filter((marker) => text.includes(marker)).map((marker) => `${path}: ${marker}`),
  );
  expect(found).toEqual([]);
  expect(wranglerConfig["/wrangler.toml"]).toMatch(/^main = "app\/worker\.ts"$/m);

  // And it behaves so: no ceiling, no counting header, no unchecked lesson.
  const bare = await agent().fetch("/__bench/bare");
  expect(bare.status).toBe(404);
  expect(bare.headers.get("X-D1-Queries")).toBeNull();
  const pricing = await agent().fetch("/api/public/pricing");
  expect(pricing.status).toBe(200);
  expect(pricing.headers.get("X-D1-Queries")).toBeNull();
  expect((await agent().fetch("/__bench/unchecked-lesson/foundations/pay-first")).status).toBe(404);
});
