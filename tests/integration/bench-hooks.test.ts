import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, BASE, callWorker, signedInAgent } from "../factories/http";

// The bench hooks (bare Worker, X-D1-Queries, a lesson without its access check) must never exist
// unless BENCH_MODE is "1". This user has no Accelerator, so the lesson text must stay hidden.
const LESSON = "/__bench/unchecked-lesson/foundations/pay-first";
const LESSON_SECRET = "Never create an account, a team or a licence before the money is confirmed";
// Rows the bench's one-D1-write ceiling inserts.
const benchWrites = () => env.DB.prepare("SELECT count(*) AS n FROM processed_webhook_events WHERE type = 'bench.d1_write'").first<{ n: number }>();

test("bench hooks are off by default: no bare route, no query header, no unchecked lesson", async () => {
  expect(env.BENCH_MODE).toBe("");
  const bare = await agent().fetch("/__bench/bare");
  expect(bare.status).toBe(404);
  expect(await bare.text()).not.toBe("ok");
  expect((await agent().fetch("/__bench/d1-read")).status).toBe(404);
  expect((await agent().fetch("/__bench/d1-write", { method: "POST" })).status).not.toBe(200);
  expect(await benchWrites()).toEqual({ n: 0 });

  const pricing = await agent().fetch("/api/public/pricing");
  expect(pricing.status).toBe(200);
  expect(pricing.headers.get("X-D1-Queries")).toBeNull();
  expect(pricing.headers.get("X-D1-Wait-Ms")).toBeNull();

  const { agent: reader } = await signedInAgent();
  for (const path of [LESSON, `${LESSON}.data`]) {
    const res = await reader.fetch(path);
    expect(res.status, path).toBe(404);
    expect(res.headers.get("X-D1-Queries")).toBeNull();
    expect(await res.text()).not.toContain(LESSON_SECRET);
  }
});

// The control: the same requests with BENCH_MODE=1 do reach the hooks, so the test above can fail.
test("with BENCH_MODE=1 the hooks answer and count D1 statements", async () => {
  const benchEnv = { ...env, BENCH_MODE: "1" };
  const call = (path: string, cookie?: string, method = "GET") =>
    callWorker(new Request(`${BASE}${path}`, { method, headers: cookie ? { Cookie: cookie } : {} }), benchEnv);

  const bare = await call("/__bench/bare");
  expect(bare.status).toBe(200);
  expect(await bare.text()).toBe("ok");
  expect(bare.headers.get("X-D1-Queries")).toBe("0");
  const read = await call("/__bench/d1-read");
  expect(await read.text()).toBe("ok");
  expect(read.headers.get("X-D1-Queries")).toBe("1");
  const write = await call("/__bench/d1-write", undefined, "POST");
  expect(write.status).toBe(200);
  expect(write.headers.get("X-D1-Queries")).toBe("1");
  expect(await benchWrites()).toEqual({ n: 1 });

  const pricing = await call("/api/public/pricing");
  expect(pricing.status).toBe(200);
  expect(Number(pricing.headers.get("X-D1-Queries"))).toBeGreaterThan(0);
  expect(Number(pricing.headers.get("X-D1-Wait-Ms"))).toBeGreaterThanOrEqual(0);

  const { agent: reader } = await signedInAgent();
  const unchecked = await call(LESSON, reader.cookie!);
  expect(unchecked.status).toBe(200);
  expect((await unchecked.text()).replace(/<!-- -->/g, "")).toContain(LESSON_SECRET);
  // The session and the lesson; the access query is what the bench prices against this page.
  expect(unchecked.headers.get("X-D1-Queries")).toBe("2");

  const checked = await call("/accelerator/foundations/pay-first", reader.cookie!);
  expect(checked.status).toBe(403);
  expect(await checked.text()).not.toContain(LESSON_SECRET);
});
