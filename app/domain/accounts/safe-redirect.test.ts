import { expect, test } from "vitest";
import { safeRedirect } from "./safe-redirect";

test("same-site relative paths are kept, with their query and hash", () => {
  expect(safeRedirect("/pricing")).toBe("/pricing");
  expect(safeRedirect("/pricing?plan=organization&seats=5#top")).toBe("/pricing?plan=organization&seats=5#top");
});

test("anything that could leave the site falls back", () => {
  for (const bad of [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "evil",
    "/\u0000x",
    "/\nx",
    "",
    undefined,
    null,
    42,
    "/" + "a".repeat(3000),
  ]) {
    expect(safeRedirect(bad, "/home")).toBe("/home");
  }
});

test("the decision is made on the normalised value returned: dot segments cannot produce //host", () => {
  for (const bad of [
    "/..//evil.example",
    "/../..//evil.example/path",
    "/./..//evil.example",
    "/%2e%2e//evil.example",
    "/%2E%2E//evil.example",
    "/.%2e//evil.example",
    "/%2e.//evil.example",
    "/a/../..//evil.example",
    "/%2f%2fevil.example",
    "/%2F/evil.example",
    "/%5cevil.example",
    "/%5C%5Cevil.example",
    "/..%2f..%2f/evil.example",
    "/x\\..\\\\evil.example",
    "/\u0009/evil.example",
  ]) {
    expect(safeRedirect(bad, "/home"), bad).toBe("/home");
  }
});

test("ordinary paths still normalise and keep encoded query values", () => {
  expect(safeRedirect("/org/acme/../acme/members")).toBe("/org/acme/members");
  expect(safeRedirect("/checkout/start?plan=organization&next=%2F%2Fnot-a-path")).toBe(
    "/checkout/start?plan=organization&next=%2F%2Fnot-a-path",
  );
});
