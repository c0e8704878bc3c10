import { env } from "cloudflare:test";
import { expect, test, vi } from "vitest";
import {
  agent,
  type Agent,
  BASE,
  callWorker,
  form,
  json,
  linkFromOutbox,
  sameRateLimitWindow,
  signedInAgent,
  uniqueEmail,
  verifiedAgent,
  verifyEmail,
} from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";

// Identity you can trust (ADR 010): addresses confer nothing until verified, links work once and
// expire, a password reset or change ends other sessions, and guessing is rate limited.

const one = <T>(sql: string, ...binds: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...binds)
    .first<T>();
const count = async (sql: string, ...binds: unknown[]) => (await one<{ n: number }>(sql, ...binds))!.n;
const tokenOf = (link: string) => new URL(link).searchParams.get("token")!;
const me = async (a: Agent) => (await a.fetch("/api/me")).json() as Promise<{ user: { isSystemAdmin: boolean; emailVerified?: boolean } }>;

test("signup leaves the address unverified and writes its verification email, which is then sent", async () => {
  const { user } = await signedInAgent();
  const row = await one<{ email_verified_at: number | null }>("SELECT email_verified_at FROM users WHERE id = ?", user.id);
  expect(row?.email_verified_at).toBeNull();
  const link = await linkFromOutbox(user.email, "verify_email");
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:8787\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
  // The table holds only the token's hash.
  expect(await count("SELECT count(*) AS n FROM user_tokens WHERE id = ?", tokenOf(link))).toBe(0);
  await vi.waitFor(async () => {
    const sent = await one<{ status: string; provider_message_id: string | null }>(
      "SELECT status, provider_message_id FROM email_outbox WHERE to_address = ? AND template = 'verify_email'",
      user.email,
    );
    expect(sent).toMatchObject({ status: "sent", provider_message_id: expect.stringMatching(/.+/) });
  });
});

test("an ADMIN_EMAILS address is no admin until its owner verifies it; then it is, audited", async () => {
  const email = "root@example.com";
  const admin = await signedInAgent(email);
  expect((await me(admin.agent)).user.isSystemAdmin).toBe(false);
  expect((await admin.agent.fetch("/admin/tenants")).status).toBe(403);
  expect((await admin.agent.fetch("/api/admin/grants", json({}))).status).toBe(403);

  await verifyEmail(admin.agent, email);
  expect((await me(admin.agent)).user.isSystemAdmin).toBe(true);
  expect((await admin.agent.fetch("/admin/tenants")).status).toBe(200);
  expect(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.promoted_admin' AND target_id = ?", admin.user.id)).toBe(1);

  // Verifying an address that is not listed confers nothing.
  const plain = await verifiedAgent();
  expect((await me(plain.agent)).user.isSystemAdmin).toBe(false);
});

test("a verification link works once, only for its own purpose, and not after it expires", async () => {
  const { agent: a, user } = await signedInAgent();
  const token = tokenOf(await linkFromOutbox(user.email, "verify_email"));
  const [first, second] = await Promise.all([a.fetch("/verify-email", form({ token })), agent().fetch("/verify-email", form({ token }))]);
  expect([first.status, second.status].sort()).toEqual([200, 400]);
  expect(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.email_verified' AND target_id = ?", user.id)).toBe(1);
  expect((await a.fetch("/verify-email", form({ token }))).status).toBe(400);

  const late = await signedInAgent();
  const lateToken = tokenOf(await linkFromOutbox(late.user.email, "verify_email"));
  await env.DB.prepare("UPDATE user_tokens SET expires_at = ? WHERE user_id = ?")
    .bind(Date.now() - 1, late.user.id)
    .run();
  const expired = await late.agent.fetch("/verify-email", form({ token: lateToken }));
  expect(expired.status).toBe(400);
  expect(await expired.text()).toContain("expired or was already used");
  expect(await one("SELECT email_verified_at FROM users WHERE id = ?", late.user.id)).toMatchObject({ email_verified_at: null });

  // Opening the link (GET) uses nothing up: mail scanners fetch links.
  const fresh = await signedInAgent();
  const freshToken = tokenOf(await linkFromOutbox(fresh.user.email, "verify_email"));
  expect((await agent().fetch(`/verify-email?token=${freshToken}`)).status).toBe(200);
  expect(await count("SELECT count(*) AS n FROM user_tokens WHERE user_id = ? AND used_at IS NULL", fresh.user.id)).toBe(1);
});

test("an unverified account cannot see or accept an invitation to its address; once verified it can", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 3, name: "Invite Verify Org" });
  const email = uniqueEmail("invitee");
  const invite = await owner.agent.fetch(`/org/${tenant.slug}/members`, form({ intent: "invite", email, role: "admin" }));
  expect(invite.status).toBe(200);
  const invitation = await one<{ id: string }>("SELECT id FROM tenant_invitations WHERE email = ? AND status = 'pending'", email);
  // The invitation email was written with the invitation.
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'invitation'", email)).toBe(1);

  const invitee = await signedInAgent(email);
  const page = await invitee.agent.fetch("/invitations");
  expect(await page.text()).not.toContain("Invite Verify Org");
  const refused = await invitee.agent.fetch("/invitations", form({ invitationId: invitation!.id, intent: "accept" }));
  expect(refused.status).toBe(403);
  expect(await count("SELECT count(*) AS n FROM tenant_memberships WHERE user_id = ?", invitee.user.id)).toBe(0);

  await verifyEmail(invitee.agent, email);
  const accepted = await invitee.agent.fetch("/invitations", form({ invitationId: invitation!.id, intent: "accept" }));
  expect(accepted.status).toBe(200);
  expect(await one("SELECT role, status FROM tenant_memberships WHERE user_id = ?", invitee.user.id)).toMatchObject({
    role: "admin",
    status: "active",
  });
});

test("inviting an address that already has an open invitation is a 409 and writes no second email", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 3, name: "Invite Twice Org" });
  const email = uniqueEmail("twice");
  expect((await owner.agent.fetch(`/org/${tenant.slug}/members`, form({ intent: "invite", email, role: "member" }))).status).toBe(200);
  expect((await owner.agent.fetch(`/org/${tenant.slug}/members`, form({ intent: "invite", email, role: "member" }))).status).toBe(409);
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'invitation'", email)).toBe(1);
});

test("forgot password answers the same for known and unknown addresses, and writes an email only for an account", async () => {
  const { user } = await signedInAgent();
  const ghost = uniqueEmail("ghost");
  const known = await agent().fetch("/forgot-password", form({ email: user.email }));
  const unknown = await agent().fetch("/forgot-password", form({ email: ghost }));
  expect(known.status).toBe(200);
  expect(unknown.status).toBe(200);
  const strip = (html: string, email: string) =>
    html
      .replaceAll(email, "EMAIL")
      .replace(/nonce="[^"]*"/g, "")
      .replace(/"_\d+":\d+/g, "");
  expect(strip(await known.text(), user.email)).toBe(strip(await unknown.text(), ghost));
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'reset_password'", user.email)).toBe(1);
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ?", ghost)).toBe(0);
});

test("a reset link sets a new password once, ends every session, then signs in; it expires after an hour", async () => {
  const { agent: old, user, password } = await signedInAgent();
  const other = agent();
  expect((await other.fetch("/api/auth/login", json({ email: user.email, password }))).status).toBe(200);
  await agent().fetch("/forgot-password", form({ email: user.email }));
  const link = await linkFromOutbox(user.email, "reset_password");
  const token = tokenOf(link);
  const row = await one<{ expires_at: number; created_at: number }>(
    "SELECT expires_at, created_at FROM user_tokens WHERE user_id = ? AND purpose = 'reset_password'",
    user.id,
  );
  expect(row!.expires_at - row!.created_at).toBe(60 * 60 * 1000);

  // Opening the link shows the form and uses nothing up.
  const browser = agent();
  expect(await (await browser.fetch(`/reset-password?token=${token}`)).text()).toContain("Choose a new password");
  const weak = await browser.fetch("/reset-password", form({ token, password: "short", confirm: "short" }));
  expect(weak.status).toBe(422);
  expect(browser.cookie).toBeNull();

  const reset = await browser.fetch("/reset-password", form({ token, password: "a-brand-new-secret", confirm: "a-brand-new-secret" }));
  expect(reset.status).toBe(302);
  expect(reset.headers.get("Location")).toBe("/dashboard?reset=1");
  expect((await browser.fetch("/api/me")).status).toBe(200);
  expect((await old.fetch("/api/me")).status).toBe(401);
  expect((await other.fetch("/api/me")).status).toBe(401);
  expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", user.id)).toBe(1);
  expect((await agent().fetch("/api/auth/login", json({ email: user.email, password }))).status).toBe(401);
  expect((await agent().fetch("/api/auth/login", json({ email: user.email, password: "a-brand-new-secret" }))).status).toBe(200);
  // The link proved the address.
  expect(await one("SELECT email_verified_at IS NOT NULL AS v FROM users WHERE id = ?", user.id)).toMatchObject({ v: 1 });

  const again = await agent().fetch("/reset-password", form({ token, password: "yet-another-secret", confirm: "yet-another-secret" }));
  expect(again.status).toBe(400);

  await agent().fetch("/forgot-password", form({ email: user.email }));
  const late = tokenOf(await linkFromOutbox(user.email, "reset_password"));
  await env.DB.prepare("UPDATE user_tokens SET expires_at = ? WHERE user_id = ? AND used_at IS NULL")
    .bind(Date.now() - 1, user.id)
    .run();
  expect(await (await agent().fetch(`/reset-password?token=${late}`)).text()).toContain("This link no longer works");
  expect(
    (await agent().fetch("/reset-password", form({ token: late, password: "yet-another-secret", confirm: "yet-another-secret" }))).status,
  ).toBe(400);
});

test("new passwords: at least 10 characters and not a common one, and the error names the rule", async () => {
  const short = await agent().fetch("/api/auth/signup", json({ email: uniqueEmail(), password: "12345678" }));
  expect(short.status).toBe(422);
  expect(await short.json()).toMatchObject({ fieldErrors: { password: ["Password must be at least 10 characters."] } });
  for (const common of ["password123", "Qwertyuiop", "1234567890"]) {
    const res = await agent().fetch("/api/auth/signup", json({ email: uniqueEmail(), password: common }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ fieldErrors: { password: [expect.stringContaining("commonly used")] } });
  }
  const email = uniqueEmail("same");
  const same = await agent().fetch("/api/auth/signup", json({ email, password: email }));
  expect(await same.json()).toMatchObject({ fieldErrors: { password: ["Password must not be your email address."] } });
  expect((await agent().fetch("/api/auth/signup", json({ email: uniqueEmail(), password: "a-long-unusual-phrase" }))).status).toBe(200);
});

test("changing the password needs the current one and ends every other session, not this one", async () => {
  const { agent: a, user, password } = await signedInAgent();
  const other = agent();
  await other.fetch("/api/auth/login", json({ email: user.email, password }));
  const wrong = await a.fetch(
    "/account",
    form({ intent: "change-password", currentPassword: "not-my-password", password: "fresh-long-secret", confirm: "fresh-long-secret" }),
  );
  expect(wrong.status).toBe(422);
  expect((await other.fetch("/api/me")).status).toBe(200);
  const ok = await a.fetch(
    "/account",
    form({ intent: "change-password", currentPassword: password, password: "fresh-long-secret", confirm: "fresh-long-secret" }),
  );
  expect(ok.status).toBe(200);
  expect((await a.fetch("/api/me")).status).toBe(200);
  expect((await other.fetch("/api/me")).status).toBe(401);
  expect((await agent().fetch("/api/auth/login", json({ email: user.email, password: "fresh-long-secret" }))).status).toBe(200);
});

test("changing the email waits for a link to the new address, then tells the old one", async () => {
  const { agent: a, user, password } = await verifiedAgent();
  const next = uniqueEmail("moved");
  const res = await a.fetch("/account", form({ intent: "change-email", email: next, currentPassword: password }));
  expect(res.status).toBe(200);
  expect(await one("SELECT email FROM users WHERE id = ?", user.id)).toMatchObject({ email: user.email });
  // A taken address is refused up front.
  const taken = await signedInAgent();
  expect((await a.fetch("/account", form({ intent: "change-email", email: taken.user.email, currentPassword: password }))).status).toBe(
    409,
  );

  expect((await (await a.fetch("/account")).text()).replace(/<!-- -->/g, "")).toContain(`A change to ${next} is waiting`);
  // The link proves the new address; only the account's own session may use it.
  const token = tokenOf(await linkFromOutbox(next, "change_email"));
  const stranger = await agent().fetch("/verify-email", form({ token }));
  expect(stranger.status).toBe(403);
  expect(await one("SELECT email FROM users WHERE id = ?", user.id)).toMatchObject({ email: user.email });
  await verifyEmail(a, next, "change_email");
  expect(await one("SELECT email, email_verified_at IS NOT NULL AS v FROM users WHERE id = ?", user.id)).toMatchObject({
    email: next,
    v: 1,
  });
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'email_changed'", user.email)).toBe(1);
  expect(await count("SELECT count(*) AS n FROM audit_log WHERE action = 'user.email_changed' AND target_id = ?", user.id)).toBe(1);
});

test("sign out everywhere ends every session of the user", async () => {
  const { agent: a, user, password } = await signedInAgent();
  const other = agent();
  await other.fetch("/api/auth/login", json({ email: user.email, password }));
  const res = await a.fetch("/account", form({ intent: "sign-out-everywhere" }));
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe("/login?signedOut=everywhere");
  expect(await count("SELECT count(*) AS n FROM sessions WHERE user_id = ?", user.id)).toBe(0);
  expect((await other.fetch("/api/me")).status).toBe(401);
});

test("resending verification is rate limited per user", async () => {
  const { agent: a, user } = await signedInAgent();
  await sameRateLimitWindow(8_000);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await a.fetch("/account", form({ intent: "resend-verification" }))).status);
  expect(statuses).toEqual([200, 200, 200, 429]);
  // Each resend retires the links before it: only the newest works.
  expect(
    await count("SELECT count(*) AS n FROM user_tokens WHERE user_id = ? AND purpose = 'verify_email' AND used_at IS NULL", user.id),
  ).toBe(1);
});

test("a squatter's pending email change dies when the address's owner resets the password", async () => {
  // The attacker signs up first with the victim's address and asks to move the account to their own.
  const victimEmail = uniqueEmail("victim");
  const attacker = await signedInAgent(victimEmail, "attacker-secret-pass");
  const mallory = uniqueEmail("mallory");
  expect(
    (await attacker.agent.fetch("/account", form({ intent: "change-email", email: mallory, currentPassword: "attacker-secret-pass" })))
      .status,
  ).toBe(200);
  const changeToken = tokenOf(await linkFromOutbox(mallory, "change_email"));

  // The owner of the address recovers the account.
  await agent().fetch("/forgot-password", form({ email: victimEmail }));
  const reset = tokenOf(await linkFromOutbox(victimEmail, "reset_password"));
  const owner = agent();
  expect(
    (await owner.fetch("/reset-password", form({ token: reset, password: "owner-new-passphrase", confirm: "owner-new-passphrase" })))
      .status,
  ).toBe(302);

  // The attacker's link died with the reset: it is refused to anyone, the account's new session included.
  expect((await attacker.agent.fetch("/verify-email", form({ token: changeToken }))).status).toBe(400);
  expect((await owner.fetch("/verify-email", form({ token: changeToken }))).status).toBe(400);
  expect(await one("SELECT email FROM users WHERE id = ?", attacker.user.id)).toMatchObject({ email: victimEmail });
});

test("changing the password or signing out everywhere also cancels a pending email change", async () => {
  const { agent: a, password } = await verifiedAgent();
  const next = uniqueEmail("typo");
  await a.fetch("/account", form({ intent: "change-email", email: next, currentPassword: password }));
  const token = tokenOf(await linkFromOutbox(next, "change_email"));
  expect(
    (
      await a.fetch(
        "/account",
        form({ intent: "change-password", currentPassword: password, password: "fresh-long-secret", confirm: "fresh-long-secret" }),
      )
    ).status,
  ).toBe(200);
  expect((await a.fetch("/verify-email", form({ token }))).status).toBe(400);
});

test("admin rights need a verified address, even when the flag is set", async () => {
  const { agent: a, user } = await signedInAgent();
  await env.DB.prepare("UPDATE users SET is_system_admin = 1 WHERE id = ?").bind(user.id).run();
  expect((await me(a)).user.isSystemAdmin).toBe(false);
  expect((await a.fetch("/admin/tenants")).status).toBe(403);
  await verifyEmail(a, user.email);
  expect((await me(a)).user.isSystemAdmin).toBe(true);
  expect((await a.fetch("/admin/tenants")).status).toBe(200);
});

test("an address gets at most 3 change-email links a minute, however many accounts ask", async () => {
  const target = uniqueEmail("target");
  await sameRateLimitWindow(10_000);
  const statuses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const { agent: a, password } = await signedInAgent();
    for (let j = 0; j < 2; j++)
      statuses.push((await a.fetch("/account", form({ intent: "change-email", email: target, currentPassword: password }))).status);
  }
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'change_email'", target)).toBe(3);
});

test("logging in on a browser that was signed in ends the old session on the server", async () => {
  const first = await signedInAgent();
  const second = await signedInAgent();
  const oldCookie = first.agent.cookie;
  const res = await first.agent.fetch("/api/auth/login", json({ email: second.user.email, password: second.password }));
  expect(res.status).toBe(200);
  const stale = agent();
  stale.cookie = oldCookie;
  expect((await stale.fetch("/api/me")).status).toBe(401);
});

test("an oversized login body without a length is a 4xx, never a 500", async () => {
  const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 5) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const res = await callWorker(
    new Request(`${BASE}/login`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: BASE,
        Host: new URL(BASE).host,
        "CF-Connecting-IP": "198.18.0.1",
      },
      body,
      // @ts-expect-error: workerd's Request needs duplex for a stream body
      duplex: "half",
    }),
  );
  expect(res.status, await res.clone().text()).toBe(400);
});

test("a JSON body over its 64 KiB limit without a length is a 413, cut off as it streams", async () => {
  const chunk = new TextEncoder().encode("a".repeat(32 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 4) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const res = await callWorker(
    new Request(`${BASE}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: BASE, Host: new URL(BASE).host, "CF-Connecting-IP": "198.18.0.2" },
      body,
      // @ts-expect-error: workerd's Request needs duplex for a stream body
      duplex: "half",
    }),
  );
  expect(res.status, await res.clone().text()).toBe(413);
});
