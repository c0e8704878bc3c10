import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { seatAllocatorFor } from "../../app/infra/durable-objects/seat-allocator.server";
import { agent } from "../factories/http";

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
