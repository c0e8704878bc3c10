import { expect, test, inject } from "vitest";
import { seatRace, seatRaceWorld } from "../support/seat-race";
import { appUrl } from "./browser";

// The allocator's race over real HTTP against the built app under `wrangler dev` (the benchmark
// runs the same helper): 40 members compete for the 9 seats left of 10.
test("40 concurrent seat assignments over HTTP for 9 free seats: exactly 9 succeed, no over-allocation", async () => {
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 10, members: 40, persistTo: inject("appPersistTo") });
  const result = await seatRace({ appUrl: appUrl(), cookie: world.cookie, slug: world.slug, userIds: world.userIds, concurrency: 40 });
  expect(result.unexpected).toEqual({});
  expect(result).toMatchObject({ attempted: 40, succeeded: 9, conflicts: 31, overAllocations: 0 });
  expect(result.after).toEqual({ capacity: 10, used: 10 });
  // Running it again changes nothing: every seat is taken.
  const again = await seatRace({ appUrl: appUrl(), cookie: world.cookie, slug: world.slug, userIds: world.userIds, concurrency: 20 });
  expect(again).toMatchObject({ succeeded: 0, alreadySeated: 9, conflicts: 31, overAllocations: 0, unexpected: {} });
  expect(again.after).toEqual({ capacity: 10, used: 10 });
}, 180_000);
