import { expect, test } from "vitest";
import { compareVersions, isSaneVersion, newFeedEntries, planSupersede, safeFileName, sniffPackage } from "./rules";

test("sniffPackage knows MSI (OLE) and EXE (MZ) headers and nothing else", () => {
  expect(sniffPackage(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]))).toBe("msi");
  expect(sniffPackage(new Uint8Array([0x4d, 0x5a, 0x90]))).toBe("exe");
  expect(sniffPackage(new TextEncoder().encode("PK\u0003\u0004"))).toBeNull();
  expect(sniffPackage(new Uint8Array([0x4d]))).toBeNull();
});

test("isSaneVersion accepts dotted versions with an optional suffix only", () => {
  for (const ok of ["1.0", "1.2.3", "10.0.19041.1", "2.0.0-rc.1", "1.4+build.7"]) expect(isSaneVersion(ok), ok).toBe(true);
  for (const bad of ["", "1", "v1.0", "1.0.", "1..0", "1.0 beta", "../1.0", "1.2.3.4.5", "1.0-"])
    expect(isSaneVersion(bad), bad).toBe(false);
});

test("safeFileName refuses paths, odd characters and other extensions", () => {
  expect(safeFileName("Setup 1.2.exe")).toEqual({ ok: true, kind: "exe" });
  expect(safeFileName("tool_x64.MSI")).toEqual({ ok: true, kind: "msi" });
  for (const bad of ["../evil.exe", "a/b.exe", "x.zip", ".hidden.exe", "a..exe", "x<y>.exe", ""])
    expect(safeFileName(bad).ok, bad).toBe(false);
});

test("compareVersions is numeric and puts pre-releases first", () => {
  expect(compareVersions("1.10.0", "1.9.9")).toBe(1);
  expect(compareVersions("1.0", "1.0.0")).toBe(0);
  expect(compareVersions("2.0.0-rc.1", "2.0.0")).toBe(-1);
  expect(compareVersions("1.2.3", "1.2.4")).toBe(-1);
});

test("planSupersede makes the highest version latest; versions already superseded keep their pointer", () => {
  const plan = planSupersede([
    { id: "a", version: "1.0.0", supersededBy: null },
    { id: "b", version: "1.1.0", supersededBy: null },
    { id: "c", version: "0.9.0", supersededBy: "a" },
  ]);
  expect(plan.latestId).toBe("b");
  expect(plan.updates).toEqual([{ id: "a", supersededBy: "b" }]);
  // Applying it leaves nothing to do.
  expect(
    planSupersede([
      { id: "a", version: "1.0.0", supersededBy: "b" },
      { id: "b", version: "1.1.0", supersededBy: null },
      { id: "c", version: "0.9.0", supersededBy: "a" },
    ]).updates,
  ).toEqual([]);
  // A re-published older latest is demoted when a higher version exists.
  expect(
    planSupersede([
      { id: "a", version: "2.0.0", supersededBy: null },
      { id: "b", version: "1.0.0", supersededBy: null },
    ]).updates,
  ).toEqual([{ id: "b", supersededBy: "a" }]);
});

test("newFeedEntries skips published versions, duplicates and malformed entries", () => {
  const sha = "a".repeat(64);
  const { add, rejected } = newFeedEntries(
    ["1.0.0"],
    [
      { version: "1.0.0", key: "k1", sha256: sha },
      { version: "1.1.0", key: "k2", sha256: sha },
      { version: "1.1.0", key: "k3", sha256: sha },
      { version: "bad", key: "k4", sha256: sha },
    ],
  );
  expect(add.map((e) => e.key)).toEqual(["k2"]);
  expect(rejected.map((e) => e.key)).toEqual(["k4"]);
});
