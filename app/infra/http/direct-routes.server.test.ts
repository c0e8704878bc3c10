import { type AppLoadContext, type ServerBuild } from "@remix-run/cloudflare";
import { expect, test, vi } from "vitest";
import { directRoutes } from "./direct-routes.server";

const WEBHOOK = "routes/api.stripe.webhook";
const PRICING = "routes/api.public.pricing";
const context = {} as AppLoadContext;

const buildWith = (webhook: unknown, pricing: unknown) =>
  ({
    routes: {
      [WEBHOOK]: { id: WEBHOOK, path: "api/stripe/webhook", module: { action: webhook } },
      [PRICING]: { id: PRICING, path: "api/public/pricing", module: { loader: pricing } },
    },
  }) as unknown as Pick<ServerBuild, "routes">;

test("only the exact method and path pairs are answered directly", () => {
  const route = directRoutes(
    buildWith(
      () => new Response("hook"),
      () => new Response("prices"),
    ),
  );
  expect(route(new Request("https://x.test/api/stripe/webhook", { method: "POST" }))).not.toBeNull();
  expect(route(new Request("https://x.test/api/billing/webhook", { method: "POST" }))).not.toBeNull();
  expect(route(new Request("https://x.test/api/public/pricing?currency=eur"))).not.toBeNull();
  for (const [method, path] of [
    ["GET", "/api/stripe/webhook"],
    ["POST", "/api/public/pricing"],
    ["HEAD", "/api/public/pricing"],
    ["GET", "/api/public/pricing/"],
    ["GET", "/api/public/pricing.data"],
    ["POST", "/api/stripe/webhook/"],
    ["GET", "/pricing"],
  ] as const) {
    expect(route(new Request(`https://x.test${path}`, { method })), `${method} ${path}`).toBeNull();
  }
});

test("a route that is gone stops the Worker at startup instead of falling back silently", () => {
  expect(() => directRoutes(buildWith(undefined, () => new Response()))).toThrow(/routes\/api\.stripe\.webhook has no action/);
  expect(() => directRoutes({ routes: {} })).toThrow(/has no/);
});

test("the handler gets the request, the load context and no params; its Response is the answer", async () => {
  const handler = vi.fn(() => new Response("hook", { status: 202 }));
  const route = directRoutes(buildWith(handler, () => new Response()));
  const request = new Request("https://x.test/api/stripe/webhook", { method: "POST", body: "{}" });
  const res = await route(request)!(request, context);
  expect(res.status).toBe(202);
  expect(handler).toHaveBeenCalledWith({ request, context, params: {} });
});

test("a thrown Response is the answer; any other failure is logged and answered 500 as JSON", async () => {
  const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
  const cases: [unknown, number, string | null][] = [
    [
      () => {
        throw new Response("gone", { status: 410 });
      },
      410,
      null,
    ],
    [
      () => {
        throw new Error("D1 is down");
      },
      500,
      "internal_error",
    ],
    [() => ({ not: "a response" }), 500, "internal_error"],
  ];
  for (const [pricing, status, code] of cases) {
    const route = directRoutes(buildWith(() => new Response(), pricing));
    const request = new Request("https://x.test/api/public/pricing");
    const res = await route(request)!(request, context);
    expect(res.status).toBe(status);
    if (code) expect(await res.json()).toMatchObject({ error: code });
  }
  expect(errors).toHaveBeenCalledTimes(2);
  errors.mockRestore();
});
