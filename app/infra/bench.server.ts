import { BENCH_BARE_PATH, BENCH_D1_READ_PATH, BENCH_D1_WRITE_PATH } from "./env.server";

/**
 * BENCH_MODE only (worker.ts checks it): the ceilings `npm run bench` compares the app with, in the
 * same workerd. A static string; the same plus one D1 read; the same plus one D1 write shaped like
 * the webhook's inbox row (same table and indexes, in the bench's throwaway database).
 */
export async function benchCeiling(request: Request, env: Pick<Env, "DB">): Promise<Response | null> {
  const { pathname } = new URL(request.url);
  if (pathname === BENCH_BARE_PATH) return new Response("ok");
  if (pathname === BENCH_D1_READ_PATH) {
    await env.DB.prepare("SELECT 1").first();
    return new Response("ok");
  }
  if (pathname === BENCH_D1_WRITE_PATH && request.method === "POST") {
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO processed_webhook_events (event_id, type, status, stripe_created, attempts, received_at, processed_at, duration_ms) VALUES (?, 'bench.d1_write', 'ignored', ?, 1, ?, ?, 0)",
    )
      .bind(`evt_bench_${crypto.randomUUID()}`, Math.floor(now / 1000), now, now)
      .run();
    return new Response("ok");
  }
  return null;
}
