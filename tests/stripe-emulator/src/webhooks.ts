// Stripe-compatible webhook signing: v1 = hex HMAC-SHA256 over "<t>.<payload>",
// keyed with the whole whsec_ string, as the official SDKs verify it.
export async function signPayload(payload: string, secret: string, timestamp: number): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${payload}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

export interface AttemptResult {
  at: string;
  status_code: number | null;
  error: string | null;
}

export async function postWebhook(url: string, payload: string, secret: string): Promise<AttemptResult> {
  const at = new Date().toISOString();
  try {
    const header = await signPayload(payload, secret, Math.floor(Date.now() / 1000));
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": header,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      },
      body: payload,
      signal: AbortSignal.timeout(10_000),
      redirect: "manual",
    });
    // Drain the body so the connection is released.
    await res.arrayBuffer().catch(() => undefined);
    return { at, status_code: res.status, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (e) {
    return { at, status_code: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Backoff between attempts, kept short so local dev feels live: 1s, 2s, 4s, 8s, 8s... */
export const MAX_ATTEMPTS = 8;
export function backoffSeconds(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 8);
}

/** Deterministic shuffle (mulberry32) so a failing order can be replayed with its seed. */
export function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
