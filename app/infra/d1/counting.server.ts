// BENCH_MODE only: counts the D1 statements a request executes, so the bench can report queries
// per page (worker.ts puts the count in X-D1-Queries). Never installed in production.

const EXECUTING = new Set<PropertyKey>(["first", "run", "all", "raw"]);

/** Wraps a D1 binding; every executed statement counts once, a batch counts each of its statements. */
export function countingD1(db: D1Database): { db: D1Database; count: () => number } {
  let executed = 0;
  // db.batch() needs the binding's own statements, not our proxies.
  const originals = new WeakMap<object, D1PreparedStatement>();
  const unwrap = (s: D1PreparedStatement) => originals.get(s) ?? s;

  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values));
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== "function") return value;
        if (!EXECUTING.has(prop)) return value.bind(target);
        return (...args: unknown[]) => {
          executed += 1;
          return value.apply(target, args);
        };
      },
    });
    originals.set(proxy, statement);
    return proxy;
  };

  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query));
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          executed += statements.length;
          return target.batch(statements.map(unwrap));
        };
      }
      if (prop === "exec") {
        return async (query: string) => {
          const result = await target.exec(query);
          executed += result.count;
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: counted, count: () => executed };
}
