import { type Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { emulatorControl } from "../stripe-emulator/control";
import { appUrl, screenshot, signUp, uniqueEmail, browserForFile, hydrated } from "./browser";

const browser = browserForFile();

/** From the pricing page to the emulator's hosted Checkout for `seats` Organization seats. */
async function openCheckout(page: Page, seats: number, org: string) {
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await page.getByLabel(/Seats/).fill(String(seats));
  await page.getByRole("button", { name: "Upgrade Organization" }).click();
  await page.waitForURL(/\/checkout\/start/);
  await page.getByLabel("Organisation name").fill(org);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
}

test("a buyer pays for 5 Organization seats and lands on a dashboard that shows the plan", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-buyer"));
  await openCheckout(page, 5, "Browser Buyers Ltd");
  await page.getByText("€175").first().waitFor();
  await screenshot(page, "checkout-emulator-page");
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await page.waitForURL(/\/checkout\/return\?intent=/);
  // "Processing payment..." until the webhook has provisioned, then what was unlocked.
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
  expect(await page.textContent("main")).toContain("Browser Buyers Ltd");
  await screenshot(page, "checkout-confirmed");
  await page.getByRole("link", { name: "Go to your dashboard" }).click();
  await page.waitForURL(/\/dashboard$/);
  const plan = page.getByTestId("plan-organization");
  await plan.waitFor();
  expect(await plan.textContent()).toContain("Active");
  expect(await plan.textContent()).toContain("1 / 5");
  await screenshot(page, "dashboard-with-plan");
  await page.close();
});

test("a declined card shows the decline and provisions nothing", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-declined"));
  await openCheckout(page, 3, "Declined Co");
  await page.getByRole("button", { name: "Pay with a declined card" }).click();
  // The emulator's answer to the decline (the button's own label also says "declined").
  await page.getByRole("alert").filter({ hasText: "Your card was declined. Try another card." }).waitFor();
  await screenshot(page, "checkout-declined");
  // Every webhook the decline caused has reached the app before we look for what it provisioned.
  expect((await emulatorControl(inject("stripeUrl")).flush()).pending).toBe(0);
  await page.goto(`${appUrl()}/dashboard`);
  await page.getByRole("heading", { name: "No organisation yet" }).waitFor();
  await page.close();
});

test("a bank payment that fails says so, and its retry link starts a new Checkout that succeeds", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-async-failed"));
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await page.getByRole("button", { name: "Enroll in Accelerator" }).click();
  await page.waitForURL(/\/checkout\/start\?plan=accelerator/);
  await page.getByLabel("Organisation name").fill("Bounced Bank Co");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  // The buyer pays by bank debit (the emulator's delayed method has no button): the session
  // completes unpaid and Checkout sends the buyer back, where the app waits for the bank.
  const stripeControl = emulatorControl(inject("stripeUrl"));
  const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(page.url())![1]!;
  const paid = await stripeControl.pay(page.url(), "pay_async");
  expect(paid.status).toBe(303);
  await page.goto(paid.location!);
  await page.getByRole("heading", { name: "Processing payment..." }).waitFor();
  // The bank refuses the debit; the page learns it from the verified webhook, by itself.
  await stripeControl.resolveAsyncPayment(sessionId, "failed");
  await page.getByRole("heading", { name: "The payment failed" }).waitFor({ timeout: 30_000 });
  await screenshot(page, "checkout-async-failed");

  await page.getByRole("link", { name: "Try again" }).click();
  await page.waitForURL(/\/checkout\/start\?plan=accelerator/);
  await page.getByLabel("Organisation name").fill("Bounced Bank Co");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  expect(page.url()).not.toContain(sessionId);
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await page.waitForURL(/\/checkout\/return\?intent=/);
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
  expect(await page.textContent("main")).toContain("Bounced Bank Co");
  await page.close();
});

test("a payment Stripe took but whose webhook is late says so after 60 seconds, then confirms when it arrives", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-late-webhook"));
  await openCheckout(page, 2, "Late Webhook Co");
  const stripeControl = emulatorControl(inject("stripeUrl"));
  // The page's own clock, so "60 seconds" passes without waiting for it.
  await page.clock.install();
  await stripeControl.setMode("hold");
  try {
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.waitForURL(/\/checkout\/return\?intent=/);
    await page.getByRole("heading", { name: "Processing payment..." }).waitFor();
    await hydrated(page);
    const late = page.getByRole("status").filter({ hasText: "Stripe has not confirmed the payment yet" });
    await page.clock.fastForward(59_000);
    expect(await late.count()).toBe(0);
    await page.clock.fastForward(2_000);
    await late.waitFor();
    await screenshot(page, "checkout-not-confirmed-yet");
  } finally {
    await stripeControl.setMode("deliver");
    await stripeControl.release();
  }
  await page.clock.fastForward(2_000);
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
  await page.close();
});

test("Cancel on the Checkout page comes back to a friendly page with a retry link", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-cancel"));
  await openCheckout(page, 2, "Undecided Co");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForURL(/\/checkout\/cancel\?intent=/);
  await page.getByRole("heading", { name: "Checkout canceled" }).waitFor();
  await screenshot(page, "checkout-canceled");
  await page.getByRole("link", { name: "Back to pricing" }).click();
  await page.waitForURL(/\/pricing$/);
  await page.goto(`${appUrl()}/dashboard`);
  await page.getByRole("heading", { name: "No organisation yet" }).waitFor();
  await page.close();
});
