import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { type Actor } from "../../domain/audit/audit.server";
import { runAssign, runRelease, runRemoveMember, runSetCapacity, runSetRole } from "../../domain/seats/allocator.server";
import { type SeatAllocatorPort, type SeatOpResult, type SeatSnapshot } from "../../domain/seats/types";
import { createDb } from "../d1/db.server";

// Messages into the object are checked like any other edge.
const Id = z.string().min(1).max(64);
const ActorSchema = z.union([
  z.object({ type: z.literal("user"), id: Id }),
  z.object({ type: z.literal("stripe_event"), id: Id }),
  z.object({ type: z.literal("scheduler"), id: Id.optional() }),
  z.object({ type: z.literal("system"), id: Id.optional() }),
]);
const Role = z.enum(["owner", "admin", "member"]);
const Base = z.object({ tenantId: Id, actor: ActorSchema });
const AssignInput = Base.extend({ userId: Id, approve: z.boolean().optional(), reason: z.string().max(500).optional() });
const ReleaseInput = Base.extend({ userId: Id, actorRole: Role });
const RemoveInput = Base.extend({ userId: Id, actorRole: Role, reason: z.string().max(500).optional() });
const RoleInput = Base.extend({ userId: Id, role: Role, actorRole: Role });
const CapacityInput = Base.extend({ quantity: z.number(), reason: z.string().max(500).optional() });

/**
 * One SeatAllocator per tenant (idFromName(tenantId)) serializes every change to that tenant's
 * seats. Its operations await D1, and a Durable Object interleaves other requests at any await
 * that is not its own storage, so each operation runs inside an in-object queue: the next one
 * starts only when the previous one has committed (or failed). D1 holds the seats; the object
 * keeps only its tenant id and operation counters, so a restart loses nothing.
 * (docs/decisions/007-seat-allocator.md)
 */
export class SeatAllocator extends DurableObject<Env> implements SeatAllocatorPort {
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private maxInFlight = 0;

  /** Runs `fn` after every operation queued before it; a failure does not block the next one. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        return await fn();
      } finally {
        this.inFlight--;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async operation(
    tenantId: string,
    fn: (deps: { db: ReturnType<typeof createDb>; tenantId: string; now: number }) => Promise<SeatOpResult>,
  ) {
    return this.serialize(async () => {
      const known = await this.ctx.storage.get<string>("tenantId");
      if (known && known !== tenantId) throw new Error(`SeatAllocator for ${known} was asked about ${tenantId}`);
      const result = await fn({ db: createDb(this.env.DB), tenantId, now: Date.now() });
      const stored = await this.ctx.storage.get<number>(["operations", "maxInFlight"]);
      const operations = (stored.get("operations") ?? 0) + 1;
      // The high-water mark of concurrent operations (1 while the queue works) is kept in storage,
      // so it outlives an evicted or restarted instance: tests read it to prove the serialization.
      const maxInFlight = Math.max(stored.get("maxInFlight") ?? 0, this.maxInFlight);
      await this.ctx.storage.put(known ? { operations, maxInFlight } : { tenantId, operations, maxInFlight });
      return result;
    });
  }

  async assign(input: { tenantId: string; userId: string; actor: Actor; approve?: boolean; reason?: string }): Promise<SeatOpResult> {
    const i = AssignInput.parse(input);
    return this.operation(i.tenantId, (deps) =>
      runAssign({ ...deps, userId: i.userId, actor: i.actor, approve: i.approve, reason: i.reason }),
    );
  }

  async release(input: { tenantId: string; userId: string; actor: Actor; actorRole: "owner" | "admin" | "member" }): Promise<SeatOpResult> {
    const i = ReleaseInput.parse(input);
    return this.operation(i.tenantId, (deps) => runRelease({ ...deps, userId: i.userId, actor: i.actor, actorRole: i.actorRole }));
  }

  async setCapacity(input: { tenantId: string; quantity: number; actor: Actor; reason?: string }): Promise<SeatOpResult> {
    const i = CapacityInput.parse(input);
    return this.operation(i.tenantId, (deps) => runSetCapacity({ ...deps, quantity: i.quantity, actor: i.actor, reason: i.reason }));
  }

  async removeMember(input: {
    tenantId: string;
    userId: string;
    actor: Actor;
    actorRole: "owner" | "admin" | "member";
    reason?: string;
  }): Promise<SeatOpResult> {
    const i = RemoveInput.parse(input);
    return this.operation(i.tenantId, (deps) =>
      runRemoveMember({ ...deps, userId: i.userId, actor: i.actor, actorRole: i.actorRole, reason: i.reason }),
    );
  }

  async setRole(input: {
    tenantId: string;
    userId: string;
    role: "owner" | "admin" | "member";
    actor: Actor;
    actorRole: "owner" | "admin" | "member";
  }): Promise<SeatOpResult> {
    const i = RoleInput.parse(input);
    return this.operation(i.tenantId, (deps) =>
      runSetRole({ ...deps, userId: i.userId, role: i.role, actor: i.actor, actorRole: i.actorRole }),
    );
  }

  /** The object's own bookkeeping (D1 holds the seats themselves). */
  async snapshot(): Promise<SeatSnapshot> {
    const tenantId = (await this.ctx.storage.get<string>("tenantId")) ?? null;
    const operations = (await this.ctx.storage.get<number>("operations")) ?? 0;
    return { tenantId, operations };
  }
}

export function seatAllocatorFor(env: Env, tenantId: string): DurableObjectStub<SeatAllocator> {
  const ns = env.SEAT_ALLOCATOR;
  return ns.get(ns.idFromName(tenantId));
}

/** The domain's view of a tenant's allocator (typed RPC over the stub). */
export const seatAllocators =
  (env: Env) =>
  (tenantId: string): SeatAllocatorPort =>
    seatAllocatorFor(env, tenantId);
