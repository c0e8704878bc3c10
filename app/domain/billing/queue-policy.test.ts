import { expect, test } from "vitest";
import { fitsInline, INLINE_MESSAGE_MAX_BYTES, QUEUE_MESSAGE_LIMIT_BYTES, retryDelaySeconds } from "./queue-policy";

test("retries back off by attempt: 30 s doubling, capped at an hour", () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50].map(retryDelaySeconds)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]);
  expect(retryDelaySeconds(0)).toBe(30);
});

test("a message fits inline below the limit in UTF-8 bytes, not string length", () => {
  expect(INLINE_MESSAGE_MAX_BYTES).toBeLessThan(QUEUE_MESSAGE_LIMIT_BYTES);
  expect(fitsInline("a".repeat(INLINE_MESSAGE_MAX_BYTES))).toBe(true);
  expect(fitsInline("a".repeat(INLINE_MESSAGE_MAX_BYTES + 1))).toBe(false);
  // 50,000 characters of three bytes each: 150,000 bytes.
  expect(fitsInline("€".repeat(50_000))).toBe(false);
  expect(fitsInline("€".repeat(40_000))).toBe(true);
});
