import { expect, test } from "vitest";
import { catalogVersions } from "../../domain/catalog/catalog-version.server";
import { type StorefrontHitDeps, storefrontHit, storefrontMemory, STOREFRONT_TTL_SECONDS } from "./storefront-cache.server";

const copy = (body: string, expiresAt = 10_000) => ({
  status: 200,
  headers: [["Content-Type", "text/plain"]] as [string, string][],
  parts: [body],
  expiresAt,
});

test("the memory forgets a copy once the edge copy's lifetime has passed", () => {
  const memory = storefrontMemory();
  memory.set("k", copy("a", 1000));
  expect(memory.get("k", 999)?.parts).toEqual(["a"]);
  expect(memory.get("k", 1000)).toBeNull();
  // Forgotten, not just hidden: a later clock does not bring it back.
  expect(memory.get("k", 10)).toBeNull();
});

test("the memory holds at most its bound, the least recently stored going first", () => {
  const memory = storefrontMemory(2);
  memory.set("a", copy("a"));
  memory.set("b", copy("b"));
  memory.set("a", copy("a2"));
  memory.set("c", copy("c"));
  expect(memory.get("b", 0)).toBeNull();
  expect(memory.get("a", 0)?.parts).toEqual(["a2"]);
  expect(memory.get("c", 0)?.parts).toEqual(["c"]);
});

// A hit through fake deps: the edge cache is a Map the test fills.
function deps(edge: Map<string, Response>, nonce: string, now = 5_000): StorefrontHitDeps {
  const versions = catalogVersions();
  void versions.read({ read: () => Promise.resolve(7), now });
  return {
    cache: { match: (key: Request) => Promise.resolve(edge.get(key.url)?.clone()) } as unknown as Cache,
    versions,
    memory: storefrontMemory(),
    now,
    nonce,
    locale: () => Promise.resolve("en"),
    release: "r1",
  };
}
const page = new Request("https://app.test/pricing");
const keyUrl = "https://storefront-cache.gatehouse.internal/pricing?__catalog=7&__release=r1&__locale=en";

test("an edge copy is served with this request's nonce in place of the one it was rendered with, then from memory", async () => {
  const edge = new Map([
    [
      keyUrl,
      new Response('<script nonce="OLD+/=">1</script><script nonce="OLD+/=">2</script>', {
        headers: {
          "Content-Type": "text/html",
          "X-Gatehouse-Rendered-Nonce": "OLD+/=",
          "Cache-Control": "public, s-maxage=60",
          "X-Gatehouse-Cache-Control": "",
        },
      }),
    ],
  ]);
  const d = deps(edge, "NEW");
  await Promise.resolve();
  const hit = (await storefrontHit(page, d))!;
  expect(await hit.text()).toBe('<script nonce="NEW">1</script><script nonce="NEW">2</script>');
  expect(hit.headers.get("X-Cache")).toBe("HIT");
  expect(hit.headers.get("Cache-Control")).toBeNull();
  expect(hit.headers.get("X-Gatehouse-Rendered-Nonce")).toBeNull();
  // The edge copy is gone; this isolate still has it, for the TTL.
  edge.clear();
  const again = (await storefrontHit(page, { ...d, nonce: "NEWER" }))!;
  expect(await again.text()).toBe('<script nonce="NEWER">1</script><script nonce="NEWER">2</script>');
  expect(await storefrontHit(page, { ...d, now: d.now + STOREFRONT_TTL_SECONDS * 1000 })).toBeNull();
});

test("an HTML copy whose rendering nonce is unknown is not served: its scripts could not run", async () => {
  const edge = new Map([[keyUrl, new Response('<script nonce="X">1</script>', { headers: { "Content-Type": "text/html" } })]]);
  const d = deps(edge, "NEW");
  await Promise.resolve();
  expect(await storefrontHit(page, d)).toBeNull();
});
