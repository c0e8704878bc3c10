import { expect, test } from "vitest";
import { agent } from "../factories/http";

// The webhook and the pricing API are answered without Remix's router (ADR 009); the same paths
// through Remix (a trailing slash) must give the same answer.
test("the pricing API answers the same directly and through Remix", async () => {
  const direct = await agent().fetch("/api/public/pricing");
  const viaRemix = await agent().fetch("/api/public/pricing/");
  expect(direct.status).toBe(200);
  expect(viaRemix.status).toBe(200);
  expect(await direct.json()).toEqual(await viaRemix.json());
  for (const name of ["Content-Type", "Cache-Control", "X-Content-Type-Options", "X-Frame-Options"]) {
    expect(direct.headers.get(name), name).toBe(viaRemix.headers.get(name));
  }
});

test("the webhook refuses a bad signature the same directly and through Remix", async () => {
  const post = (path: string) =>
    agent().fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Stripe-Signature": "t=1,v1=00" },
      body: '{"id":"evt_x"}',
    });
  const direct = await post("/api/stripe/webhook");
  const viaRemix = await post("/api/stripe/webhook/");
  expect(direct.status).toBe(400);
  expect(viaRemix.status).toBe(400);
  expect(await direct.json()).toEqual(await viaRemix.json());
});

test("other methods on the direct paths still get Remix's 405", async () => {
  expect((await agent().fetch("/api/stripe/webhook")).status).toBe(405);
  expect(
    (await agent().fetch("/api/public/pricing", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).status,
  ).toBe(405);
});
