// The seat race over HTTP, against a running app (`wrangler dev`): many concurrent
// POST /api/orgs/:slug/seats for one tenant. Used by tests/e2e/seat-race.e2e.test.ts and the bench.
// Node-side: plain fetch, no test framework.
import { asNewClient } from "./client-address";
import { outboxLinks } from "./outbox";

export type SeatRaceOptions = { appUrl: string; cookie: string; slug: string; userIds: string[]; concurrency: number };

export type SeatRaceResult = {
  attempted: number;
  /** 200 answers that gave a seat. */
  succeeded: number;
  /** 409 no_seats_available answers. */
  conflicts: number;
  /** Seats beyond what was paid for: after the race, or granted beyond the free seats before it. Must be 0. */
  overAllocations: number;
  durationMs: number;
  /** 200 answers for users who already held a seat (nothing changed). */
  alreadySeated: number;
  /** Answers that were none of these (should be 0): status -> count. */
  unexpected: Record<string, number>;
  before: { capacity: number; used: number };
  after: { capacity: number; used: number };
};

type Summary = { capacity: number; used: number };

async function summary(o: SeatRaceOptions): Promise<Summary> {
  const res = await fetch(`${o.appUrl}/api/orgs/${encodeURIComponent(o.slug)}/seats`, { headers: { Cookie: o.cookie } });
  if (res.status !== 200) throw new Error(`GET seats answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as Summary;
  return { capacity: body.capacity, used: body.used };
}

/** Assigns a seat to every user in `userIds`, `concurrency` requests at a time, and counts the outcomes. */
export async function seatRace(o: SeatRaceOptions): Promise<SeatRaceResult> {
  const before = await summary(o);
  const queue = [...o.userIds];
  let succeeded = 0;
  let conflicts = 0;
  let alreadySeated = 0;
  const unexpected: Record<string, number> = {};
  const started = performance.now();
  const worker = async () => {
    for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
      const res = await fetch(`${o.appUrl}/api/orgs/${encodeURIComponent(o.slug)}/seats`, {
        method: "POST",
        headers: { Cookie: o.cookie, "Content-Type": "application/json", Origin: o.appUrl },
        body: JSON.stringify({ userId }),
      });
      const body = (await res.json().catch(() => ({}))) as { changed?: boolean; error?: string };
      if (res.status === 200 && body.changed) succeeded++;
      else if (res.status === 200) alreadySeated++;
      else if (res.status === 409 && body.error === "no_seats_available") conflicts++;
      else {
        const key = `${res.status}${body.error ? ` ${body.error}` : ""}`;
        unexpected[key] = (unexpected[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, o.userIds.length)) }, worker));
  const durationMs = Math.round(performance.now() - started);
  const after = await summary(o);
  const free = Math.max(before.capacity - before.used, 0);
  const overAllocations = Math.max(after.used - after.capacity, succeeded - free, 0);
  return { attempted: o.userIds.length, succeeded, conflicts, overAllocations, durationMs, alreadySeated, unexpected, before, after };
}

// ---- setting up a race: an owner who paid for `seats` seats, and `members` members without one ----

const cookieOf = (res: Response): string => {
  const set = res.headers.get("Set-Cookie");
  if (!set) throw new Error(`no session cookie (status ${res.status})`);
  return set.split(";")[0]!;
};

async function signUp(appUrl: string, email: string): Promise<{ cookie: string; userId: string }> {
  const res = await fetch(`${appUrl}/api/auth/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: appUrl, ...asNewClient() },
    body: JSON.stringify({ email, password: "correct-horse-battery" }),
  });
  if (res.status !== 200) throw new Error(`signup ${email} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  return { cookie: cookieOf(res), userId: body.user.id };
}

const formPost = (appUrl: string, path: string, cookie: string, fields: Record<string, string>) =>
  fetch(`${appUrl}${path}`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: appUrl, ...asNewClient() },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });

/**
 * Buys `seats` Organization seats on the emulator's Checkout (the emulator delivers the webhooks),
 * then signs up `members` people, has each verify their address from the emailed link (read from
 * the app's outbox in `persistTo`), invites them and has each accept: active members without
 * seats, made the way the product makes them (accepting takes a free seat, as approving a request
 * does; the owner releases it again).
 */
export async function seatRaceWorld(opts: { appUrl: string; seats: number; members: number; tag?: string; persistTo?: string }) {
  const { appUrl } = opts;
  const tag = opts.tag ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const owner = await signUp(appUrl, `race-owner-${tag}@example.com`);
  const checkout = await fetch(`${appUrl}/api/billing/create-checkout-session`, {
    method: "POST",
    headers: { Cookie: owner.cookie, "Content-Type": "application/json", Origin: appUrl },
    body: JSON.stringify({ priceId: "prc_organization_pro_monthly", quantity: opts.seats, organizationName: `Race ${tag}` }),
  });
  if (checkout.status !== 200) throw new Error(`checkout failed: ${checkout.status} ${await checkout.text()}`);
  const { url, intentId } = (await checkout.json()) as { url: string; intentId: string };
  const paid = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "action=pay",
    redirect: "manual",
  });
  if (paid.status !== 303) throw new Error(`payment failed: ${paid.status}`);
  let slug: string | null = null;
  for (let i = 0; i < 120 && !slug; i++) {
    const res = await fetch(`${appUrl}/api/purchase-intents/${intentId}`, { headers: { Cookie: owner.cookie } });
    const body = (await res.json()) as { intent?: { state: string; tenant: { slug: string } | null } };
    if (body.intent?.state === "provisioned" && body.intent.tenant) slug = body.intent.tenant.slug;
    else await new Promise((r) => setTimeout(r, 250));
  }
  if (!slug) throw new Error(`purchase ${intentId} was not provisioned in time`);

  const userIds: string[] = [];
  const batch = 8;
  const emails = Array.from({ length: opts.members }, (_, i) => `race-member-${tag}-${i}@example.com`);
  const members = new Map<string, { cookie: string; userId: string }>();
  for (let start = 0; start < emails.length; start += batch) {
    for (const [email, member] of await Promise.all(
      emails.slice(start, start + batch).map(async (e) => [e, await signUp(appUrl, e)] as const),
    )) {
      members.set(email, member);
    }
  }
  if (emails.length > 0) {
    if (!opts.persistTo) throw new Error("seatRaceWorld needs the app's persistTo to read verification links for its members");
    const links = await outboxLinks(opts.persistTo, emails, "verify_email");
    for (let start = 0; start < emails.length; start += batch) {
      await Promise.all(
        emails.slice(start, start + batch).map(async (email) => {
          const token = new URL(links.get(email)!).searchParams.get("token")!;
          const verified = await formPost(appUrl, "/verify-email", members.get(email)!.cookie, { token });
          if (verified.status !== 200) throw new Error(`verify ${email}: ${verified.status}`);
        }),
      );
    }
  }
  for (let start = 0; start < opts.members; start += batch) {
    const chunk = emails.slice(start, start + batch);
    const joined = await Promise.all(
      chunk.map(async (email) => {
        const invited = await formPost(appUrl, `/org/${slug}/members`, owner.cookie, { intent: "invite", email, role: "member" });
        if (invited.status !== 200) throw new Error(`invite ${email}: ${invited.status}`);
        const member = members.get(email)!;
        const page = await (await fetch(`${appUrl}/invitations`, { headers: { Cookie: member.cookie } })).text();
        const id = /name="invitationId" value="(inv_[0-9a-z]+)"/.exec(page)?.[1];
        if (!id) throw new Error(`no invitation visible to ${email}`);
        const accepted = await formPost(appUrl, "/invitations", member.cookie, { invitationId: id, intent: "accept" });
        if (accepted.status !== 200) throw new Error(`accept ${email}: ${accepted.status}`);
        if ((await accepted.text()).includes("with a seat")) {
          const released = await fetch(`${appUrl}/api/orgs/${slug}/seats/${member.userId}`, {
            method: "DELETE",
            headers: { Cookie: owner.cookie, Origin: appUrl },
          });
          if (released.status !== 200) throw new Error(`release ${email}: ${released.status}`);
        }
        return member.userId;
      }),
    );
    userIds.push(...joined);
  }
  return { cookie: owner.cookie, ownerId: owner.userId, slug, userIds };
}
