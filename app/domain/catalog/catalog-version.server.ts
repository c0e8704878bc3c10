// What this isolate knows of the catalog's version (issue 18): the storefront cache's key holds it,
// and a cache hit must cost no D1 read, so an isolate trusts the version it last read for
// CATALOG_VERSION_TRUST_MS before it reads it again (ADR 025). Plain numbers, never a client or a
// pending promise: nothing here belongs to one request.
//
// - A catalog write made by this isolate (the admin's catalog actions call `catalogChanged`)
//   forgets the version at once, so the next anonymous request here reads the new one.
// - A write made elsewhere (another isolate, another location, a migration) shows within the trust
//   window: that is the bound on how stale an anonymous storefront page can be.

/** How long an isolate answers storefront hits from the catalog version it last read. */
export const CATALOG_VERSION_TRUST_MS = 1000;

export type CatalogVersions = {
  /** The version read at most `trustMs` before `now`, or null when there is none to trust. */
  trusted: (now: number) => number | null;
  /** Reads the version (`read`: one D1 statement) and remembers it, unless the catalog changed meanwhile. */
  read: (deps: { read: () => Promise<number>; now: number }) => Promise<number>;
  /** This isolate changed the catalog: trust no version read before. */
  changed: () => void;
};

export function catalogVersions(trustMs = CATALOG_VERSION_TRUST_MS): CatalogVersions {
  let known: { version: number; readAt: number } | null = null;
  // Bumped by every change, so a read that began before a change is not remembered after it.
  let generation = 0;
  const fresh = (now: number) => known !== null && now - known.readAt < trustMs;
  return {
    trusted: (now) => (known && fresh(now) ? known.version : null),
    async read({ read, now }) {
      const startedIn = generation;
      const version = await read();
      // A lagging replica's older version never replaces a newer one while that one is trusted.
      if (generation === startedIn && (!known || !fresh(now) || version >= known.version)) known = { version, readAt: now };
      return version;
    },
    changed: () => {
      generation += 1;
      known = null;
    },
  };
}

/** This isolate's memory of the catalog version (module state on purpose: it outlives one request). */
export const isolateCatalogVersions: CatalogVersions = catalogVersions();

/** Call after changing the catalog: this isolate's storefront serves the change from its next request. */
export function catalogChanged(): void {
  isolateCatalogVersions.changed();
}
