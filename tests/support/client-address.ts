// Cloudflare tells the app who a client is in CF-Connecting-IP, and the app rate-limits per client
// (ADR 010). Tests that stand for many people give each of them an address of their own, from
// TEST-NET-2 (198.51.100.0/24 and beyond, never routed), as distinct browsers would have.
// The counter lives on globalThis: integration test files share one workerd (and its rate-limit
// counters) but each re-imports this module, so a module-level counter would hand the next file
// the addresses the last one used up.
const clients = ((globalThis as { __gatehouseTestClients?: { n: number } }).__gatehouseTestClients ??= {
  n: Math.floor(Math.random() * 200) * 256,
});

/** A client address no other test client in this process uses. */
export function nextClientAddress(): string {
  const n = ++clients.n;
  return `198.51.${(n >> 8) & 255}.${n & 255}`;
}

/** The header a distinct client sends. */
export const asNewClient = (): Record<string, string> => ({ "CF-Connecting-IP": nextClientAddress() });
