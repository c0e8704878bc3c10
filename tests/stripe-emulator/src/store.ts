// Thin layer over the Durable Object's SQLite storage. Objects are stored as
// JSON rows; the DO serializes requests, so read-modify-write here is safe.
export type StripeObject = Record<string, unknown> & { id: string; object: string };

export type DeliveryStatus = "pending" | "held" | "dropped" | "succeeded" | "failed";
export interface Attempt {
  at: string;
  status_code: number | null;
  error: string | null;
}
export interface DeliveryRow {
  seq: number;
  event_id: string;
  type: string;
  customer: string | null;
  status: DeliveryStatus;
  attempts: Attempt[];
  next_at: number;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A stored field as text: strings, numbers and booleans as they are, anything else (null, objects) `fallback`. */
export const text = (v: unknown, fallback = ""): string =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : fallback;

export function randomId(prefix: string, length = 24): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}${out}`;
}

// Object types whose changes can move the next real-time step (renewal, trial end, expiry).
const TIMED_TYPES = new Set(["subscription", "checkout.session"]);

export class Store {
  /** Bumped whenever a subscription or checkout session is written, so callers can skip rescans. */
  timedVersion = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS objects (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, json TEXT NOT NULL, created INTEGER NOT NULL, customer TEXT)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS objects_type ON objects(type, created)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, type TEXT NOT NULL,
      customer TEXT, created INTEGER NOT NULL, json TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, type TEXT NOT NULL, customer TEXT,
      status TEXT NOT NULL, attempts TEXT NOT NULL DEFAULT '[]', next_at INTEGER NOT NULL DEFAULT 0)`);
    // Lookups by event and "is anything due?" run on every request: keep them off full scans.
    sql.exec(`CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_id)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_at)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS deliveries_customer ON deliveries(customer, seq)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS unmodeled (
      endpoint TEXT NOT NULL, param TEXT NOT NULL, count INTEGER NOT NULL, last_request_id TEXT NOT NULL,
      PRIMARY KEY (endpoint, param))`);
  }

  reset(): void {
    this.timedVersion++;
    for (const t of ["objects", "events", "deliveries", "idempotency", "config", "unmodeled"]) this.sql.exec(`DELETE FROM ${t}`);
  }

  /** Counts the real Stripe params a request sent that its endpoint does not model (list indices as `[]`). */
  recordUnmodeled(endpoint: string, params: string[], requestId: string): void {
    for (const param of new Set(params.map((p) => p.replace(/\[\d+\]/g, "[]")))) {
      this.sql.exec(
        `INSERT INTO unmodeled (endpoint, param, count, last_request_id) VALUES (?, ?, 1, ?)
         ON CONFLICT(endpoint, param) DO UPDATE SET count = count + 1, last_request_id = excluded.last_request_id`,
        endpoint,
        param,
        requestId,
      );
    }
  }

  unmodeled(): { endpoint: string; param: string; count: number; last_request_id: string }[] {
    return this.sql
      .exec<{ endpoint: string; param: string; count: number; last_request_id: string }>(
        "SELECT endpoint, param, count, last_request_id FROM unmodeled ORDER BY endpoint, param",
      )
      .toArray();
  }

  get<T extends StripeObject = StripeObject>(id: string): T | null {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM objects WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.json) as T) : null;
  }

  put(obj: StripeObject): void {
    if (TIMED_TYPES.has(obj.object)) this.timedVersion++;
    const customer = typeof obj.customer === "string" ? obj.customer : obj.object === "customer" ? obj.id : null;
    const created = typeof obj.created === "number" ? obj.created : 0;
    this.sql.exec(
      `INSERT INTO objects (id, type, json, created, customer) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET json = excluded.json, customer = excluded.customer`,
      obj.id,
      obj.object,
      JSON.stringify(obj),
      created,
      customer,
    );
  }

  delete(id: string): void {
    this.timedVersion++;
    this.sql.exec("DELETE FROM objects WHERE id = ?", id);
  }

  /** Newest first, as Stripe lists are; rowid breaks ties within one second. */
  all<T extends StripeObject = StripeObject>(type: string): T[] {
    return this.sql
      .exec<{ json: string }>("SELECT json FROM objects WHERE type = ? ORDER BY created DESC, rowid DESC", type)
      .toArray()
      .map((r) => JSON.parse(r.json) as T);
  }

  insertEvent(event: StripeObject, customer: string | null, status: DeliveryStatus): void {
    this.sql.exec(
      "INSERT INTO events (id, type, customer, created, json) VALUES (?, ?, ?, ?, ?)",
      event.id,
      String(event.type),
      customer,
      Number(event.created),
      JSON.stringify(event),
    );
    this.sql.exec(
      "INSERT INTO deliveries (event_id, type, customer, status, next_at) VALUES (?, ?, ?, ?, 0)",
      event.id,
      String(event.type),
      customer,
      status,
    );
  }

  events(): { event: StripeObject; customer: string | null; seq: number }[] {
    return this.sql
      .exec<{ json: string; customer: string | null; seq: number }>("SELECT json, customer, seq FROM events ORDER BY seq DESC")
      .toArray()
      .map((r) => ({ event: JSON.parse(r.json) as StripeObject, customer: r.customer, seq: r.seq }));
  }

  event(id: string): StripeObject | null {
    const row = this.sql.exec<{ json: string }>("SELECT json FROM events WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.json) as StripeObject) : null;
  }

  deliveries(where = "1 = 1", ...args: (string | number)[]): DeliveryRow[] {
    return this.selectDeliveries(where, "", args);
  }

  /** The first matching delivery (oldest first), without reading the rest. */
  firstDelivery(where: string, ...args: (string | number)[]): DeliveryRow | null {
    return this.selectDeliveries(where, "LIMIT 1", args)[0] ?? null;
  }

  private selectDeliveries(where: string, limit: string, args: (string | number)[]): DeliveryRow[] {
    return this.sql
      .exec<{ seq: number; event_id: string; type: string; customer: string | null; status: string; attempts: string; next_at: number }>(
        `SELECT * FROM deliveries WHERE ${where} ORDER BY seq ASC ${limit}`,
        ...args,
      )
      .toArray()
      .map((r) => ({ ...r, status: r.status as DeliveryStatus, attempts: JSON.parse(r.attempts) as Attempt[] }));
  }

  /** When the earliest pending delivery is due (null when none is pending). */
  nextPendingAt(): number | null {
    return (
      this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM deliveries WHERE status = 'pending'").toArray()[0]?.at ?? null
    );
  }

  updateDelivery(d: DeliveryRow): void {
    this.sql.exec(
      "UPDATE deliveries SET status = ?, attempts = ?, next_at = ? WHERE seq = ?",
      d.status,
      JSON.stringify(d.attempts),
      d.next_at,
      d.seq,
    );
  }

  getIdempotent(key: string): { fingerprint: string; status: number; body: string } | null {
    return (
      this.sql
        .exec<{ fingerprint: string; status: number; body: string }>("SELECT fingerprint, status, body FROM idempotency WHERE key = ?", key)
        .toArray()[0] ?? null
    );
  }

  putIdempotent(key: string, fingerprint: string, status: number, body: string): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      status,
      body,
    );
  }

  getConfig(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM config WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setConfig(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", key, value);
  }
}
