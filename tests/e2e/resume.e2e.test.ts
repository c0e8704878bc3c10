import { type Page } from "playwright-core";
import Stripe from "stripe";
import { expect, inject, test } from "vitest";
import { expectNoSeriousViolations } from "./a11y";
import { appUrl, browserForFile, hydrated, screenshot, signUp, uniqueEmail } from "./browser";
import { emulatorControl } from "../stripe-emulator/control";

const browser = browserForFile();

function stripe(): Stripe {
  const url = new URL(inject("stripeUrl"));
  return new Stripe("sk_test_gatehouse_e2e", {
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
  });
}

/** Buys Accelerator on a test clock, takes the trial's card off (`detach`: off the customer too), ends the trial and waits for the paused banner. */
async function pausedTrial(page: Page, prefix: string, opts: { detach: boolean }) {
  await signUp(page, uniqueEmail(prefix));
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await page.getByRole("button", { name: "Enroll in Accelerator" }).click();
  await page.waitForURL(/\/checkout\/start\?plan=accelerator/);
  await page.getByLabel("Organisation name").fill(`Resume Road ${Date.now().toString(36)}`);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  // The customer on a test clock, so its 30-day trial can end now.
  const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(page.url())![1]!;
  const customerId = (await stripe().checkout.sessions.retrieve(sessionId)).customer as string;
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await emulatorControl(inject("stripeUrl")).attachClock(customerId, clock.id);
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });

  // The buyer takes the card off the trial before it ends; the trial then ends without one.
  const [sub] = (await stripe().subscriptions.list({ customer: customerId })).data;
  await stripe().subscriptions.update(sub!.id, { default_payment_method: "" });
  if (opts.detach)
    for (const pm of (await stripe().customers.listPaymentMethods(customerId)).data) await stripe().paymentMethods.detach(pm.id);
  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 31 * 86_400 });

  await page.goto(`${appUrl()}/dashboard`);
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByText("Paused: add a payment method to resume").count();
    })
    .toBe(1);
  return { subscriptionId: sub!.id };
}

/** Reloads the dashboard until the Organization plan is active again (Stripe's events reached the app). */
async function organizationActiveAgain(page: Page) {
  await expect
    .poll(
      async () => {
        await page.reload();
        if ((await page.getByText("Paused: add a payment method to resume").count()) > 0) return "paused";
        return page.getByTestId("plan-organization").textContent();
      },
      { timeout: 30_000 },
    )
    .toContain("Active");
}

test("a paused trial comes back by itself once the owner adds a card in the billing portal", async () => {
  const page = await browser().newPage();
  const { subscriptionId } = await pausedTrial(page, "e2e-resume-portal", { detach: true });
  expect(await page.getByRole("button", { name: "Resume subscription" }).count()).toBe(0);
  await expectNoSeriousViolations(page, "paused dashboard");
  await screenshot(page, "resume-paused");

  await page.getByRole("button", { name: "Add a payment method" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  await page.getByRole("button", { name: "Add payment method" }).click();
  await page.getByText("(default)").waitFor();
  await page.getByRole("link", { name: "Return" }).click();
  await page.waitForURL(/\/dashboard$/);
  // customer.updated -> the app resumes, pay-first -> Stripe's resumed subscription events -> access.
  await organizationActiveAgain(page);
  expect((await stripe().subscriptions.retrieve(subscriptionId)).status).toBe("active");
  await screenshot(page, "resume-active");
  await page.close();
});

test("with a card already on file, the owner's Resume subscription brings the paused trial back", async () => {
  const page = await browser().newPage();
  const { subscriptionId } = await pausedTrial(page, "e2e-resume-button", { detach: false });
  await hydrated(page);
  await page.getByRole("button", { name: "Resume subscription" }).click();
  await page.getByRole("status").filter({ hasText: "Payment received: the subscription is resuming" }).waitFor();
  await screenshot(page, "resume-button");
  await organizationActiveAgain(page);
  expect((await stripe().subscriptions.retrieve(subscriptionId)).status).toBe("active");
  await page.close();
});
