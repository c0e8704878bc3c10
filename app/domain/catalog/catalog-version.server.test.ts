import { expect, test } from "vitest";
import { catalogVersions } from "./catalog-version.server";

const reads = (...versions: number[]) => {
  const queue = [...versions];
  let count = 0;
  return {
    read: () => {
      count += 1;
      return Promise.resolve(queue.shift()!);
    },
    count: () => count,
  };
};

test("a version read is trusted for the window, then no longer", async () => {
  const v = catalogVersions(1000);
  expect(v.trusted(0)).toBeNull();
  expect(await v.read({ read: reads(7).read, now: 10_000 })).toBe(7);
  expect(v.trusted(10_000)).toBe(7);
  expect(v.trusted(10_999)).toBe(7);
  expect(v.trusted(11_000)).toBeNull();
});

test("a change in this isolate forgets the version at once", async () => {
  const v = catalogVersions(1000);
  await v.read({ read: reads(7).read, now: 0 });
  v.changed();
  expect(v.trusted(1)).toBeNull();
  await v.read({ read: reads(8).read, now: 2 });
  expect(v.trusted(3)).toBe(8);
});

test("a read that began before a change is not remembered after it", async () => {
  const v = catalogVersions(1000);
  let finish: (n: number) => void = () => {};
  const pending = v.read({
    read: () => new Promise<number>((r) => (finish = r)),
    now: 0,
  });
  v.changed();
  finish(7);
  expect(await pending).toBe(7);
  expect(v.trusted(1)).toBeNull();
});

test("an older version (a lagging replica) does not replace a trusted newer one, but does once it has expired", async () => {
  const v = catalogVersions(1000);
  await v.read({ read: reads(9).read, now: 0 });
  await v.read({ read: reads(8).read, now: 500 });
  expect(v.trusted(600)).toBe(9);
  // A reset database starts lower: after the window the lower version is taken.
  await v.read({ read: reads(3).read, now: 1500 });
  expect(v.trusted(1600)).toBe(3);
});
