import { expect, test } from "vitest";
import { hashPassword, needsRehash, PBKDF2_ITERATIONS, TIMING_DUMMY_HASH, verifyPassword } from "./password.server";

test("a hash verifies its own password and no other", async () => {
  const hash = await hashPassword("correct-horse");
  expect(hash).toMatch(/^pbkdf2-sha256\$v1\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(await verifyPassword("correct-horse", hash)).toBe(true);
  expect(await verifyPassword("correct-horsE", hash)).toBe(false);
  expect(await verifyPassword("", hash)).toBe(false);
});

test("two hashes of one password differ (random salt)", async () => {
  expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
});

test("iterations never exceed what production Workers allow", () => {
  expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
});

test("malformed or over-budget hashes never verify", async () => {
  const good = await hashPassword("pw-12345678");
  const parts = good.split("$");
  expect(await verifyPassword("pw-12345678", "garbage")).toBe(false);
  expect(await verifyPassword("pw-12345678", ["bcrypt", ...parts.slice(1)].join("$"))).toBe(false);
  expect(await verifyPassword("pw-12345678", [parts[0], parts[1], "200000", parts[3], parts[4]].join("$"))).toBe(false);
});

test("old parameters are flagged for rehash; current ones are not", async () => {
  expect(needsRehash(await hashPassword("pw", 1000))).toBe(true);
  expect(needsRehash(await hashPassword("pw"))).toBe(false);
  expect(needsRehash(TIMING_DUMMY_HASH)).toBe(false);
});
