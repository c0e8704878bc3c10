import { DurableObject } from "cloudflare:workers";

// One SeatAllocator per tenant (idFromName(tenantId)) serializes that tenant's seat changes.
// The allocation rules arrive with the seats work; today it only reports its own state, so the
// binding, the migration and the worker's export already have their final shape.
export class SeatAllocator extends DurableObject<Env> {
  async snapshot(): Promise<{ tenantId: string | null; operations: number }> {
    const tenantId = (await this.ctx.storage.get<string>("tenantId")) ?? null;
    const operations = (await this.ctx.storage.get<number>("operations")) ?? 0;
    return { tenantId, operations };
  }
}

export function seatAllocatorFor(env: Env, tenantId: string): DurableObjectStub<SeatAllocator> {
  const ns = env.SEAT_ALLOCATOR as unknown as DurableObjectNamespace<SeatAllocator>;
  return ns.get(ns.idFromName(tenantId));
}
