import { type Actor } from "../audit/audit.server";
import { type Role, type SeatRefusal } from "./rules";

export type SeatOpResult = { ok: true; changed: boolean; seatsUsed: number; capacity: number } | SeatRefusal;

export type SeatSnapshot = { tenantId: string | null; operations: number };

/** A tenant's SeatAllocator as the domain calls it (typed RPC; the Durable Object implements it). */
export interface SeatAllocatorPort {
  assign(input: { tenantId: string; userId: string; actor: Actor; approve?: boolean; reason?: string }): Promise<SeatOpResult>;
  release(input: { tenantId: string; userId: string; actor: Actor; actorRole: Role }): Promise<SeatOpResult>;
  setCapacity(input: { tenantId: string; quantity: number; actor: Actor; reason?: string }): Promise<SeatOpResult>;
  removeMember(input: { tenantId: string; userId: string; actor: Actor; actorRole: Role; reason?: string }): Promise<SeatOpResult>;
  setRole(input: { tenantId: string; userId: string; role: Role; actor: Actor; actorRole: Role }): Promise<SeatOpResult>;
  snapshot(): Promise<SeatSnapshot>;
}

export type AllocatorFor = (tenantId: string) => SeatAllocatorPort;
