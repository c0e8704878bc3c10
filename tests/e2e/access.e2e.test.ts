import { type Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { expectNoSeriousViolations, seriousA11yViolations } from "./a11y";
import { appUrl, screenshot, signUp, uniqueEmail, browserForFile, hydrated } from "./browser";
import { webhooksProcessed } from "../support/webhooks-processed";

const browser = browserForFile();

async function buyOrganization(page: Page, org: string, seats = 2) {
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await page.getByLabel(/Seats/).fill(String(seats));
  await page.getByRole("button", { name: "Upgrade Organization" }).click();
  await page.getByLabel("Organisation name").fill(org);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
}

const slugOf = (org: string) => org.toLowerCase().replace(/[^a-z0-9]+/g, "-");

test("without Accelerator: the nav item is hidden and the page is locked with an upgrade", async () => {
  const page = await browser().newPage();
  await signUp(page, uniqueEmail("e2e-locked"));
  expect(await page.getByRole("link", { name: "Accelerator" }).count()).toBe(0);
  await page.goto(`${appUrl()}/accelerator/foundations/pay-first`);
  await page.getByRole("heading", { name: "Accelerator is locked" }).waitFor();
  expect(await page.textContent("main")).not.toContain("Never create an account");
  await screenshot(page, "accelerator-locked");
  await expectNoSeriousViolations(page, "locked page");
  await page.getByRole("button", { name: "Enroll in Accelerator" }).click();
  await page.waitForURL(/\/checkout\/start\?plan=accelerator/);
  await page.close();
});

test("a subscribed tenant publishes its roadmap; canceling takes the public page down and the switch explains why", async () => {
  const page = await browser().newPage();
  const org = `Roadmap Rocket ${Date.now().toString(36)}`;
  await signUp(page, uniqueEmail("e2e-roadmap"));
  await buyOrganization(page, org);
  await page.goto(`${appUrl()}/dashboard`);
  await page.getByRole("link", { name: "Roadmap" }).click();
  await page.waitForURL(/\/roadmap$/);
  await page.getByLabel("Title").fill("Self-serve seat upgrades");
  await page.getByLabel("Description").fill("Buy more seats without talking to us.");
  await page.getByRole("button", { name: "Add item" }).click();
  await page.getByText("Self-serve seat upgrades").waitFor();
  await expectNoSeriousViolations(page, "roadmap editor");
  await page.getByRole("switch", { name: /Make roadmap live/ }).click();
  await page.getByRole("link", { name: /\/r\// }).waitFor();
  await screenshot(page, "roadmap-published");

  const publicPage = await browser().newPage();
  const res = await publicPage.goto(`${appUrl()}/r/${slugOf(org)}`);
  expect(res?.status()).toBe(200);
  await publicPage.getByText("Self-serve seat upgrades").waitFor();
  await screenshot(publicPage, "roadmap-public");

  // Cancel in the billing portal; the webhook takes access away.
  await page.goto(`${appUrl()}/dashboard`);
  await expectNoSeriousViolations(page, "dashboard");
  await page.getByRole("button", { name: "Manage billing" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  // The click posts the cancellation; once the page it leads to has loaded, the emulator has
  // queued the events, and flush returns when every one has reached the app.
  await Promise.all([page.waitForEvent("framenavigated"), page.getByRole("button", { name: "Cancel now" }).click()]);
  await page.waitForLoadState("load");
  await webhooksProcessed({ stripeUrl: inject("stripeUrl"), persistTo: inject("appPersistTo") });
  expect((await publicPage.goto(`${appUrl()}/r/${slugOf(org)}`))?.status()).toBe(404);
  await screenshot(publicPage, "roadmap-public-gone");

  await page.goto(`${appUrl()}/org/${slugOf(org)}/roadmap`);
  await page.getByText("Publishing stopped").waitFor();
  // The switch is disabled but reachable by keyboard, and tells why; the upgrade follows it.
  const toggle = page.getByRole("switch", { name: /Make roadmap live/ });
  expect(await toggle.getAttribute("aria-disabled")).toBe("true");
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.getAttribute("role") === "switch");
  }
  expect(reached).toBe(true);
  const describedBy = await page.evaluate(() => document.activeElement?.getAttribute("aria-describedby"));
  expect(describedBy).toBeTruthy();
  expect(await page.textContent(`#${describedBy}`)).toContain("Publishing stopped");
  // Refused in the page: the key press sends nothing...
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.url());
  });
  await page.keyboard.press("Enter");
  expect(await toggle.getAttribute("aria-checked")).toBe("false");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Upgrade Organization");
  await screenshot(page, "roadmap-switch-disabled");
  await page.reload();
  expect(posts).toEqual([]);
  await page.getByText("Publishing stopped").waitFor();
  // ...and the server refuses the same request sent by hand, so the public page stays down.
  const forced = await page.request.post(`${appUrl()}/org/${slugOf(org)}/roadmap`, {
    form: { intent: "publish", published: "true" },
    headers: { Origin: appUrl() },
  });
  expect(forced.status()).toBe(403);
  expect((await publicPage.goto(`${appUrl()}/r/${slugOf(org)}`))?.status()).toBe(404);

  await expectNoSeriousViolations(page, "roadmap editor after cancel");
  await publicPage.close();
  await page.close();
});

test("pricing has no serious accessibility violations", async () => {
  const page = await browser().newPage();
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await expectNoSeriousViolations(page, "pricing");
  await page.close();
});

test("the accessibility check itself catches serious violations (control)", async () => {
  const page = await browser().newPage();
  await page.setContent(
    '<html><body><main><button></button><input type="text"><p style="color:#eee;background:#fff">faint</p></main></body></html>',
  );
  const ids = (await seriousA11yViolations(page)).map((v) => v.id);
  expect(ids).toEqual(expect.arrayContaining(["button-name", "label", "color-contrast"]));
  await page.close();
});
