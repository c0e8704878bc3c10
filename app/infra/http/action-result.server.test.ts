import { redirect } from "@remix-run/cloudflare";
import { expect, test } from "vitest";
import { z } from "zod";
import { AppError, invalidInput } from "../../domain/errors";
import { rateLimited } from "./rate-limit.server";
import { runAction, runJson, runLoader } from "./action-result.server";

type Settled = { data: Record<string, unknown>; init: ResponseInit | null };
const settled = (r: unknown) => r as Settled;

test("a form action's success is ok with its message, the call's fields and the extra", async () => {
  expect(settled(await runAction(async () => undefined, "Saved.", { form: "a" })).data).toEqual({ form: "a", ok: true, message: "Saved." });
  expect(settled(await runAction(async () => "Seat assigned.", "Saved.")).data).toEqual({ ok: true, message: "Seat assigned." });
  expect(settled(await runAction(async () => ({ token: "t", message: "Copy it now." }), "Saved.")).data).toEqual({
    ok: true,
    message: "Copy it now.",
    token: "t",
  });
});

test("a returned Response (a redirect) is the answer; a thrown one passes through", async () => {
  const res = await runAction(async () => redirect("/dashboard"), "Saved.");
  expect(res).toBeInstanceOf(Response);
  await expect(
    runAction(async () => {
      throw new Response(null, { status: 404 });
    }, "Saved."),
  ).rejects.toBeInstanceOf(Response);
});

test("a form action's AppError is its status, message, field errors and Retry-After; the extra is read once it settles", async () => {
  const shown: { email?: string } = {};
  const res = settled(
    await runAction(
      async () => {
        shown.email = "a@example.com";
        throw invalidInput("Some fields need attention.", { email: ["Enter a valid email address."] });
      },
      "Saved.",
      shown,
    ),
  );
  expect(res.init?.status).toBe(422);
  expect(res.data).toEqual({
    email: "a@example.com",
    ok: false,
    message: "Some fields need attention.",
    fieldErrors: { email: ["Enter a valid email address."] },
  });
  const limited = settled(
    await runAction(async () => {
      throw rateLimited(60);
    }, "Saved."),
  );
  expect(limited.init?.status).toBe(429);
  expect(new Headers(limited.init?.headers).get("Retry-After")).toBe("60");
});

test("anything but an AppError propagates from both wrappers", async () => {
  await expect(
    runAction(async () => {
      throw new Error("bug");
    }, "Saved."),
  ).rejects.toThrow("bug");
  await expect(
    runJson(async () => {
      throw new Error("bug");
    }),
  ).rejects.toThrow("bug");
});

test("a JSON AppError is { error, message, fieldErrors? } with its status (or the endpoint's) and headers", async () => {
  const ok = await runJson(async () => new Response("fine"));
  expect(await ok.text()).toBe("fine");
  const conflict = (await runJson(async () => {
    throw new AppError({ code: "no_seats_available", status: 409, message: "No seats." });
  })) as Response;
  expect(conflict.status).toBe(409);
  expect(await conflict.json()).toEqual({ error: "no_seats_available", message: "No seats." });
  const bad = (await runJson(async () => {
    throw invalidInput("Fix it.", { userId: ["Required."] });
  })) as Response;
  expect(await bad.json()).toEqual({ error: "invalid_input", message: "Fix it.", fieldErrors: { userId: ["Required."] } });
  const limited = (await runJson(async () => {
    throw rateLimited(10);
  })) as Response;
  expect(limited.headers.get("Retry-After")).toBe("10");
  const forced = (await runJson(
    async () => {
      throw new AppError({ code: "payload_too_large", status: 413, message: "Too big." });
    },
    { status: 400 },
  )) as Response;
  expect(forced.status).toBe(400);
  expect(await forced.json()).toMatchObject({ error: "payload_too_large" });
});

test("a parsed form is answered with conform's reply: errors beside fields, what was typed (passwords hidden), reset on success", async () => {
  const Schema = z.object({ email: z.email("Enter a valid email address."), password: z.string().min(10, "Too short.") });
  const bad = settled(
    await runAction(async (form) => form.parse({ email: "nope", password: "short" }, Schema, { hide: ["password"] }), "Saved."),
  );
  expect(bad.init?.status).toBe(422);
  expect(bad.data).toMatchObject({ ok: false, fieldErrors: { email: ["Enter a valid email address."], password: ["Too short."] } });
  expect(bad.data.submission).toMatchObject({
    status: "error",
    initialValue: { email: "nope" },
    error: { email: ["Enter a valid email address."], password: ["Too short."] },
  });
  expect((bad.data.submission as { initialValue: object }).initialValue).not.toHaveProperty("password");

  // A refusal after the parse (the domain's AppError) lands beside its field too, the values kept.
  const taken = settled(
    await runAction(async (form) => {
      form.parse({ email: "a@example.com", password: "long enough!" }, Schema, { hide: ["password"] });
      throw invalidInput("Already a member.", { email: ["Already a member."], _form: ["Try another."] });
    }, "Saved."),
  );
  expect(taken.data.submission).toMatchObject({
    status: "error",
    initialValue: { email: "a@example.com" },
    error: { email: ["Already a member."], "": ["Try another."] },
  });

  const ok = settled(
    await runAction(async (form) => void form.parse({ email: "a@example.com", password: "long enough!" }, Schema), "Saved."),
  );
  expect(ok.data).toEqual({ ok: true, message: "Saved.", submission: { initialValue: null } });
});

test("names conform would read as paths or intents are ignored, not a 500", async () => {
  const Schema = z.object({ code: z.string().min(1) });
  const res = settled(
    await runAction(
      async (form) => form.parse({ code: "X", __intent__: "{not json", __state__: "x", "a[": "1", __proto__x: "1" }, Schema),
      "Saved.",
    ),
  );
  expect(res.data).toMatchObject({ ok: true, submission: { initialValue: null } });
});

test("a page loader's AppError is thrown as a route error with its status and message; its result passes; others propagate", async () => {
  expect(await runLoader(async () => ({ state: "canceled" }))).toEqual({ state: "canceled" });
  const thrown = await runLoader(async () => {
    throw new AppError({ code: "payment_provider_unavailable", status: 502, message: "We could not reach the payment provider." });
  }).catch((e: unknown) => e);
  expect(settled(thrown).data).toEqual({ error: "payment_provider_unavailable", message: "We could not reach the payment provider." });
  expect(settled(thrown).init).toMatchObject({ status: 502 });
  const bug = new TypeError("a bug");
  await expect(
    runLoader(async () => {
      throw bug;
    }),
  ).rejects.toBe(bug);
});
