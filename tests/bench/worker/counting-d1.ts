// Counts the D1 statements a request executes, the round trips they take (a batch is one, each
// executed statement outside a batch is one) and the time spent waiting on them, so the bench can
// report queries and round trips per page (the bench entry sets X-D1-Queries, X-D1-Round-Trips,
// X-D1-Wait-Ms). A D1 session (withSession, ADR 021) is counted like the binding it came from. Bench only: the
// production Worker never sees it. Waits are summed (parallel loaders overlap) and, like every
// Workers clock, only advance across I/O, which is exactly what a D1 call is.

const EXECUTING = new Set<PropertyKey>(["first", "run", "all", "raw"]);

/** Wraps a D1 binding; every executed statement counts once, a batch counts each of its statements and one round trip. */
export function countingD1(db: D1Database): { db: D1Database; count: () => number; roundTrips: () => number; waitedMs: () => number } {
  let executed = 0;
  let trips = 0;
  let waited = 0;
  const timed = <T>(work: Promise<T>, started = Date.now()) => work.finally(() => (waited += Date.now() - started));
  // db.batch() needs the binding's own statements, not our proxies.
  const originals = new WeakMap<object, D1PreparedStatement>();
  const unwrap = (s: D1PreparedStatement) => originals.get(s) ?? s;

  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values));
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== "function") return value;
        if (!EXECUTING.has(prop)) return value.bind(target) as unknown;
        return (...args: unknown[]) => {
          executed += 1;
          trips += 1;
          return timed(value.apply(target, args) as Promise<unknown>);
        };
      },
    });
    originals.set(proxy, statement);
    return proxy;
  };

  const wrapDatabase = <T extends D1Database | D1DatabaseSession>(database: T): T =>
    new Proxy(database, {
      get(target, prop) {
        if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query));
        if (prop === "batch") {
          return (statements: D1PreparedStatement[]) => {
            executed += statements.length;
            trips += 1;
            return timed(target.batch(statements.map(unwrap)));
          };
        }
        if (prop === "exec" && "exec" in target) {
          return async (query: string) => {
            const result = await timed(target.exec(query));
            executed += result.count;
            trips += 1;
            return result;
          };
        }
        if (prop === "withSession" && "withSession" in target) {
          return (start?: string) => wrapDatabase(target.withSession(start));
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === "function" ? (value.bind(target) as unknown) : value;
      },
    });
  return { db: wrapDatabase(db), count: () => executed, roundTrips: () => trips, waitedMs: () => waited };
}
