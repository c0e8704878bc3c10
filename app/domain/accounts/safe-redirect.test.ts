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
