import { type Page } from "playwright-core";
import { expect, test } from "vitest";
import { appUrl, screenshot, browserForFile, hydrated } from "./browser";

const browser = browserForFile();

const total = (page: Page) => page.getByTestId("organization-total").textContent();
const tier = (page: Page) => page.getByTestId("organization-tier").textContent();

async function openPricing(): Promise<Page> {
  const page = await browser().newPage();
  await page.goto(`${appUrl()}/pricing`);
  // The slider only reacts once React is running.
  await hydrated(page);
  return page;
}

test("the seat slider updates the live total and the tier", async () => {
  const page = await openPricing();
  expect(await total(page)).toContain("€175"); // 5 x 35
  expect(await tier(page)).toBe("PRO");

  const slider = page.getByLabel(/Seats/);
  await slider.fill("21");
  expect(await page.getByTestId("seat-count").textContent()).toBe("21");
  expect(await total(page)).toContain("€630"); // 21 x 30
  expect(await tier(page)).toBe("MAX");

  await slider.fill("60");
  expect(await total(page)).toContain("€1,500"); // 60 x 25
  expect(await tier(page)).toBe("ULTRA");

  await page.getByLabel("Yearly (2 months free)").check();
  expect(await total(page)).toContain("€15,000"); // 60 x 250
  await screenshot(page, "pricing-ultra-yearly");

  await slider.focus();
  await page.keyboard.press("Home");
  expect(await page.getByTestId("seat-count").textContent()).toBe("1");
  await page.keyboard.press("ArrowRight");
  expect(await total(page)).toContain("€700"); // 2 x 350 yearly
  await page.close();
});

test("the pricing CTAs work from the keyboard alone", async () => {
  const page = await openPricing();
  // Tab from the top of the page until the Organization CTA has focus, then press Enter.
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === "Upgrade Organization");
  }
  expect(reached).toBe(true);
  await screenshot(page, "pricing-cta-focused");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/signup\?redirectTo=/);
  expect(decodeURIComponent(page.url())).toContain("/checkout/start?plan=organization&interval=month&seats=5");

  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === "Enroll in Accelerator");
  }
  expect(reached).toBe(true);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/signup\?redirectTo=/);
  expect(decodeURIComponent(page.url())).toContain("plan=accelerator");
  await page.close();
});
