import { expect, inject, test } from "vitest";
import { appUrl, browserForFile, hydrated, screenshot, signUp, uniqueEmail } from "./browser";

const browser = browserForFile();

test("a buyer pays inside the page (embedded Checkout), lands on the return page and sees the plan active", async () => {
  const page = await browser().newPage();
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await signUp(page, uniqueEmail("e2e-embedded"));
  await page.goto(`${appUrl()}/checkout/start?plan=organization&interval=month&seats=4`);
  await hydrated(page);
  await page.getByLabel("Organisation name").fill("Inline Payers Ltd");
  // Stripe's page stays the default; the buyer chooses to pay here.
  expect(await page.getByLabel("Pay on Stripe").isChecked()).toBe(true);
  await page.getByLabel("Pay on this page").check();
  await page.getByRole("button", { name: "Continue to payment" }).click();

  // Stripe.js (the emulator's stand-in, from STRIPE_JS_URL) mounts the session's Checkout in an iframe.
  const checkout = page.frameLocator('iframe[title="Secure checkout"]');
  await checkout.getByText("€140").first().waitFor();
  expect(new URL(page.url()).origin).toBe(appUrl());
  expect(await page.locator(`iframe[src^="${inject("stripeUrl")}/c/pay/cs_test_"]`).count()).toBe(1);
  await screenshot(page, "checkout-embedded");
  await checkout.getByRole("button", { name: "Pay", exact: true }).click();

  // Paid: the whole window goes to the return page, which waits for the verified webhook.
  await page.waitForURL(/\/checkout\/return\?intent=int_[0-9a-z]+&session_id=cs_test_/);
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
  expect(await page.textContent("main")).toContain("Inline Payers Ltd");
  await page.getByRole("link", { name: "Go to your dashboard" }).click();
  await page.waitForURL(/\/dashboard$/);
  const plan = page.getByTestId("plan-organization");
  await plan.waitFor();
  expect(await plan.textContent()).toContain("Active");
  expect(await plan.textContent()).toContain("1 / 4");
  expect(cspViolations).toEqual([]);
  await page.close();
});
