import { type BrowserContext } from "playwright-core";
import { expect, inject, test } from "vitest";
import { seatRaceWorld } from "../support/seat-race";
import { appUrl, browserForFile, hydrated, screenshot } from "./browser";
import { emulatorControl } from "../stripe-emulator/control";
import { webhooksProcessed } from "../support/webhooks-processed";

const browser = browserForFile();

async function signedInContext(cookie: string): Promise<BrowserContext> {
  const context = await browser().newContext();
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: appUrl() }]);
  return context;
}

test("an owner adds the Uploads add-on on the billing page, paying first, and removes it in Stripe's billing portal", async () => {
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 0 });
  const owner = await (await signedInContext(world.cookie)).newPage();
  const billing = `${appUrl()}/org/${world.slug}/billing`;
  await owner.goto(billing);
  await hydrated(owner);
  const addon = owner.getByTestId("addon-uploads_addon");
  expect(await addon.textContent()).toContain("€15");
  await addon.getByRole("button", { name: /Add Uploads/ }).click();
  await owner.getByTestId("addon-result").filter({ hasText: "Stripe accepted Uploads" }).waitFor();
  await screenshot(owner, "addon-requested");
  // Stripe's events reach the app; the page then says the add-on is on the subscription.
  expect((await emulatorControl(inject("stripeUrl")).flush()).pending).toBe(0);
  await expect
    .poll(async () => {
      await owner.reload();
      return owner.getByTestId("addon-uploads_addon").textContent();
    })
    .toContain("On your subscription");
  expect(await owner.getByTestId("current-plan").textContent()).toContain("2 seats");
  await screenshot(owner, "addon-owned");

  // In the billing portal (from the dashboard): remove the add-on, keep the seats.
  await owner.goto(`${appUrl()}/dashboard`);
  await hydrated(owner);
  await owner.getByRole("button", { name: "Manage billing" }).click();
  await owner.getByRole("button", { name: "Remove Uploads" }).click();
  await owner.getByRole("link", { name: /Return/ }).click();
  await owner.waitForURL(/\/dashboard$/);
  await webhooksProcessed({ stripeUrl: inject("stripeUrl"), persistTo: inject("appPersistTo") });
  await owner.goto(billing);
  await owner
    .getByTestId("addon-uploads_addon")
    .getByRole("button", { name: /Add Uploads/ })
    .waitFor();
  expect(await owner.getByTestId("current-plan").textContent()).toContain("2 seats");
}, 120_000);
