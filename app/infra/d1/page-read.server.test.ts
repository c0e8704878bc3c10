import { expect, test, vi } from "vitest";
import { type ActiveSession } from "../auth/session.server";
import { pageReads } from "./page-read.server";

// A statement that names itself; the fake lookup answers each statement's rows with its name.
const statement = (name: string) => ({ name }) as unknown as D1PreparedStatement;
const named = (s: D1PreparedStatement) => (s as unknown as { name: string }).name;

function setUp(wait: boolean) {
  const batch = vi.fn(async (statements: D1PreparedStatement[]) => statements.map((s) => ({ results: [`own:${named(s)}`] })));
  const reads = pageReads({ batch } as unknown as D1Database);
  // What lookupSession does: the statements alongside the session go into its one batch.
  const run = vi.fn(async () => {
    const alongside = reads.alongside("ses_1", [statement("access")]).map((s) => [named(s)]);
    return { session: { sessionId: "ses_1" } as ActiveSession, alongside };
  });
  return { batch, reads, run, lookupOnce: reads.once(run, () => wait) };
}

test("a page that asks once the lookup has been asked for, before its macrotask, rides in its one round trip", async () => {
  const { batch, reads, run, lookupOnce } = setUp(true);
  const root = lookupOnce();
  await Promise.resolve();
  const page = await reads.read(() => [statement("page")], true, lookupOnce);
  expect(page.rows).toEqual([["page"]]);
  expect((await root).alongside).toEqual([["access"], ["page"]]);
  expect(run).toHaveBeenCalledTimes(1);
  expect(batch).not.toHaveBeenCalled();
});

test("without the wait the lookup goes at once; a page after it reads in a batch of its own, as does one after the answer", async () => {
  const { batch, reads, run, lookupOnce } = setUp(false);
  void lookupOnce();
  await Promise.resolve();
  expect((await reads.read(() => [statement("page")], true, lookupOnce)).rows).toEqual([["own:page"]]);
  expect((await reads.read(() => [statement("later")], true, lookupOnce)).rows).toEqual([["own:later"]]);
  expect(run).toHaveBeenCalledTimes(1);
  expect(batch).toHaveBeenCalledTimes(2);
});
