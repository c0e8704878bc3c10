// Pure rules for software packages: what a sane version, file name and package file look like,
// and which version is an application's latest. No bindings here; the *.server.ts modules beside
// this file execute them.

// Catalog ids: the one system catalog, and one catalog per tenant for its Pro uploads.
export const SYSTEM_CATALOG_ID = "cat_system";
export const tenantCatalogId = (tenantId: string) => `cat_${tenantId}`;

export const PACKAGE_KINDS = ["msi", "exe"] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

// MSI files are OLE compound documents; EXE files start with the DOS "MZ" header.
const OLE_HEADER = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** The package kind a file's first bytes prove, or null when they prove neither. */
export function sniffPackage(head: Uint8Array): PackageKind | null {
  if (head.length >= OLE_HEADER.length && OLE_HEADER.every((b, i) => head[i] === b)) return "msi";
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return "exe";
  return null;
}

// 1.2, 1.2.3, 1.2.3.4, optionally with a pre-release/build suffix: 2.0.0-rc.1, 1.4+build.7.
const VERSION_RE = /^\d{1,9}(\.\d{1,9}){1,3}([-+][0-9A-Za-z]+([.-][0-9A-Za-z]+)*)?$/;

/** A version is dotted numbers (2 to 4 parts) with an optional -/+ suffix, at most 64 characters. */
export function isSaneVersion(v: string): boolean {
  return v.length <= 64 && VERSION_RE.test(v);
}

/** A file name is a plain name (letters, digits, space . _ -), no path, ending .msi or .exe. */
export function safeFileName(name: string): { ok: true; kind: PackageKind } | { ok: false; reason: string } {
  if (name.length === 0 || name.length > 128) return { ok: false, reason: "The file name must be 1 to 128 characters." };
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(name) || name.includes("..")) {
    return { ok: false, reason: "The file name may only hold letters, digits, spaces, dots, dashes and underscores." };
  }
  const ext = name.toLowerCase().split(".").pop();
  if (ext !== "msi" && ext !== "exe") return { ok: false, reason: "Only .msi and .exe packages can be uploaded." };
  return { ok: true, kind: ext };
}

/** Compares dotted versions numerically; a pre-release suffix sorts before the plain version. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const m = /^([\d.]+)(?:[-+](.*))?$/.exec(v);
    return { nums: (m?.[1] ?? v).split(".").map(Number), suffix: m?.[2] ?? null, pre: v.includes("-") };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (x.pre !== y.pre) return x.pre ? -1 : 1;
  return (x.suffix ?? "").localeCompare(y.suffix ?? "");
}

export type VersionRow = { id: string; version: string; supersededBy: string | null };

/**
 * After adding versions, the application's latest is its highest version; every other version that
 * is not yet superseded is marked superseded by it. Returns the updates to make (id -> supersededBy).
 */
export function planSupersede(all: VersionRow[]): { latestId: string | null; updates: { id: string; supersededBy: string | null }[] } {
  if (all.length === 0) return { latestId: null, updates: [] };
  const latest = all.reduce((best, v) => (compareVersions(v.version, best.version) > 0 ? v : best));
  const updates = all
    .filter((v) => (v.id === latest.id ? v.supersededBy !== null : v.supersededBy === null))
    .map((v) => ({ id: v.id, supersededBy: v.id === latest.id ? null : latest.id }));
  return { latestId: latest.id, updates };
}

export type FeedEntry = { version: string; key: string; sha256: string };

/** The feed entries not yet published for an application (by version string), sane ones only, first wins. */
export function newFeedEntries(existing: readonly string[], feed: readonly FeedEntry[]): { add: FeedEntry[]; rejected: FeedEntry[] } {
  const seen = new Set(existing);
  const add: FeedEntry[] = [];
  const rejected: FeedEntry[] = [];
  for (const e of feed) {
    if (!isSaneVersion(e.version) || !/^[0-9a-f]{64}$/.test(e.sha256)) rejected.push(e);
    else if (!seen.has(e.version)) {
      seen.add(e.version);
      add.push(e);
    }
  }
  return { add, rejected };
}

/** Licence compliance for clients: observed installs may not exceed the Organization seats. */
export function clientCompliance(licensed: number, observed: number): "ok" | "over_limit" {
  return observed > licensed ? "over_limit" : "ok";
}
