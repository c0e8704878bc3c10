import { type BrowserContext, type Page } from "playwright-core";
import { expect, test, inject } from "vitest";
import { emulatorControl } from "../stripe-emulator/control";
import { seatRaceWorld } from "../support/seat-race";
import { webhooksProcessed } from "../support/webhooks-processed";
import { appUrl, screenshot, signUp, uniqueEmail, browserForFile, hydrated, verifyInBrowser } from "./browser";

const browser = browserForFile();

async function signedInContext(cookie: string): Promise<BrowserContext> {
  const context = await browser().newContext();
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: appUrl() }]);
  return context;
}

async function askToJoin(page: Page, code: string) {
  await page.goto(`${appUrl()}/join`);
  await page.getByLabel("Organisation code").fill(code);
  await page.getByRole("button", { name: "Ask to join" }).click();
  await page.getByText(/Request sent to/).waitFor();
}

test("an admin approves a join request, runs out of seats, buys one more through Stripe and gives it to the next request", async () => {
  // An organisation that paid for 2 seats on the emulator's Checkout; its owner holds one.
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 0 });
  const owner = await (await signedInContext(world.cookie)).newPage();
  await owner.goto(`${appUrl()}/org/${world.slug}/members`);
  const code = (await owner.getByTestId("join-code").textContent())!.trim();
  await owner.getByTestId("seat-count").filter({ hasText: "1 of 2" }).waitFor();

  const alice = await (await browser().newContext()).newPage();
  const bob = await (await browser().newContext()).newPage();
  const aliceEmail = uniqueEmail("e2e-alice");
  const bobEmail = uniqueEmail("e2e-bob");
  await signUp(alice, aliceEmail);
  await askToJoin(alice, code);
  await signUp(bob, bobEmail);
  await askToJoin(bob, code);
  await screenshot(bob, "seats-join-requested");

  // Approve Alice: she takes the last seat.
  await owner.reload();
  await owner.getByTestId(`pending-${aliceEmail}`).getByRole("button", { name: "Approve" }).click();
  await owner.getByText("Request approved and a seat assigned.").waitFor();
  await owner.getByTestId("seat-count").filter({ hasText: "2 of 2" }).waitFor();
  expect(await owner.getByTestId(`member-${aliceEmail}`).textContent()).toContain("Seat");

  // Bob: no seat left, so the approval is refused and his request stays.
  await owner.getByTestId(`pending-${bobEmail}`).getByRole("button", { name: "Approve" }).click();
  await owner.getByText("All 2 seats are taken: buy more or release one.").waitFor();
  await owner.getByTestId(`pending-${bobEmail}`).waitFor();
  await screenshot(owner, "seats-out-of-seats");

  // Buy one more seat on the billing page: live price, Stripe's proration preview, confirm.
  await owner.getByRole("link", { name: "Billing and seats" }).click();
  await owner.waitForURL(/\/billing$/);
  await hydrated(owner);
  await owner.getByLabel("Exact number").fill("3");
  expect(await owner.getByTestId("seat-value").textContent()).toBe("3");
  await owner.getByTestId("proration").waitFor();
  expect(await owner.getByTestId("seat-preview").textContent()).toContain("€105 per month");
  expect(await owner.getByTestId("proration").textContent()).toMatch(/Due now, prorated for the rest of this period: €\d+/);
  await screenshot(owner, "seats-billing-preview");
  // Stripe's events are held back a while: the page keeps following (a revalidation a second)
  // until they come, however late. It once followed for one revalidation only, whose end cleared the
  // action data it followed by, and the capacity never appeared when Stripe took longer than that.
  const stripeControl = emulatorControl(inject("stripeUrl"));
  await stripeControl.setMode("hold");
  try {
    let follows = 0;
    owner.on("request", (r) => {
      const url = new URL(r.url());
      if (r.method() === "GET" && url.pathname.endsWith("/billing.data") && !url.searchParams.has("quantity")) follows++;
    });
    await owner.getByRole("button", { name: "Buy 1 more seat" }).click();
    await owner.getByTestId("change-result").waitFor();
    const before = follows;
    await expect.poll(() => follows - before, { timeout: 15_000, interval: 250 }).toBeGreaterThanOrEqual(4);
    expect(await owner.getByTestId("current-plan").textContent()).toContain("2 seats");
  } finally {
    await stripeControl.setMode("deliver");
    await stripeControl.release();
  }
  // Stripe's webhook arrives and the capacity grows; the page follows it.
  await owner.waitForFunction(() => document.querySelector('[data-testid="current-plan"]')?.textContent?.includes("3 seats"), null, {
    timeout: 30_000,
  });
  await screenshot(owner, "seats-bought");

  // Now Bob's approval goes through with the new seat.
  await owner.getByRole("link", { name: "Members" }).click();
  await owner.waitForURL(/\/members$/);
  await owner.getByTestId("seat-count").filter({ hasText: "2 of 3" }).waitFor();
  await owner.getByTestId(`pending-${bobEmail}`).getByRole("button", { name: "Approve" }).click();
  await owner.getByText("Request approved and a seat assigned.").waitFor();
  await owner.getByTestId("seat-count").filter({ hasText: "3 of 3" }).waitFor();
  expect(await owner.getByTestId(`member-${bobEmail}`).textContent()).toContain("Seat");
  await screenshot(owner, "seats-new-seat-assigned");

  // Bob's dashboard: a member with a seat, Organization access explained.
  await bob.goto(`${appUrl()}/dashboard`);
  expect(await bob.textContent("main")).toContain("you hold one of its seats");
}, 180_000);

test("an invitee joins without a seat when none is free; the owner frees their own and assigns it from the members page", async () => {
  // One seat, held by the owner: accepting the invitation finds none free.
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 1, members: 0 });
  const owner = await (await signedInContext(world.cookie)).newPage();
  const email = uniqueEmail("e2e-seatless");
  await owner.goto(`${appUrl()}/org/${world.slug}/members`);
  await owner.getByRole("textbox", { name: "Email" }).fill(email);
  await owner.getByRole("button", { name: "Invite" }).click();
  await owner.getByText("Invitation sent.").waitFor();

  const member = await (await browser().newContext()).newPage();
  await signUp(member, email);
  await verifyInBrowser(member, email);
  await member.goto(`${appUrl()}/dashboard`);
  await member.getByRole("link", { name: "Review invitations" }).click();
  await member.getByRole("button", { name: "Accept" }).click();
  await member.getByText(/You are now a member of .* \(all its seats are taken\)\. No seat: buy more or free one\./).waitFor();
  await member.goto(`${appUrl()}/dashboard`);
  const notice = member.getByTestId("needs-seat");
  await notice.waitFor();
  expect(await notice.textContent()).toContain("You do not have a seat in");
  expect(await notice.textContent()).toContain("Ask an owner or admin to assign you one.");
  expect(await member.textContent("main")).toContain("you do not have a seat yet");
  await screenshot(member, "seats-member-needs-seat");

  await owner.reload();
  expect(await owner.getByTestId(`member-${email}`).textContent()).toContain("No seat: buy more or free one.");
  // The owner releases their own seat (and keeps managing), then gives it to the new member.
  await owner.getByRole("row").filter({ hasText: "(you)" }).getByRole("button", { name: "Release seat" }).click();
  await owner.getByText("Seat released.").waitFor();
  await owner.getByTestId(`member-${email}`).getByRole("button", { name: "Assign seat" }).click();
  await owner.getByText("Seat assigned.").waitFor();
  await member.reload();
  expect(await member.getByTestId("needs-seat").count()).toBe(0);
  expect(await member.textContent("main")).toContain("you hold one of its seats");
}, 120_000);

test("lowering seats in Stripe's billing portal below the assigned seats marks the organisation over its licence; nobody loses a seat", async () => {
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 1, persistTo: inject("appPersistTo") });
  const assigned = await fetch(`${appUrl()}/api/orgs/${world.slug}/seats`, {
    method: "POST",
    headers: { Cookie: world.cookie, "Content-Type": "application/json", Origin: appUrl() },
    body: JSON.stringify({ userId: world.userIds[0] }),
  });
  expect(assigned.status).toBe(200);
  const owner = await (await signedInContext(world.cookie)).newPage();
  const pageErrors: string[] = [];
  owner.on("pageerror", (e) => pageErrors.push(String(e)));
  await owner.goto(`${appUrl()}/dashboard`);
  expect(await owner.getByTestId("licence").textContent()).toContain("2 in use of 2 licensed");
  // The dashboard hydrates cleanly (a hydration mismatch re-renders it and can swallow this click).
  await hydrated(owner);
  expect(pageErrors).toEqual([]);
  // Around the app: the portal on the emulator lowers the quantity to 1.
  await owner.getByRole("button", { name: "Manage billing" }).click();
  await owner.getByLabel("New quantity").fill("1");
  await owner.getByRole("button", { name: "Update quantity" }).click();
  await owner.getByRole("link", { name: /Return/ }).click();
  await owner.waitForURL(/\/dashboard$/);
  // Every webhook the portal change caused has reached the app and been processed by its queue
  // consumer; then the dashboard shows it.
  await webhooksProcessed({ stripeUrl: inject("stripeUrl"), persistTo: inject("appPersistTo") });
  await owner.reload();
  expect(await owner.getByTestId("compliance").textContent()).toContain("Over licence: 2 seats are in use but 1 is paid for.");
  expect(await owner.getByTestId("licence").textContent()).toContain("2 in use of 1 licensed · over licence");
  await screenshot(owner, "seats-over-licence-dashboard");
  // Releasing the member's seat brings the organisation back within its licence.
  await owner.goto(`${appUrl()}/org/${world.slug}/members`);
  await owner.getByRole("alert").filter({ hasText: "Over licence" }).waitFor();
  await owner.getByRole("row").filter({ hasText: "race-member" }).getByRole("button", { name: "Release seat" }).click();
  await owner.getByText("Seat released.").waitFor();
  await owner.goto(`${appUrl()}/dashboard`);
  expect(await owner.getByTestId("licence").textContent()).toContain("1 in use of 1 licensed · within licence");
  expect(await owner.getByTestId("compliance").count()).toBe(0);
}, 120_000);
