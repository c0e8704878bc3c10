// A new product needs no code (ADR 018): an admin makes a one-time product that grants the seeded
// `software.download` feature, prices and publishes it; a user with no organisation buys it through
// the normal checkout and can then download the sample software. Nothing in the app names it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { SAMPLE_SOFTWARE, sampleSoftwareBytes } from "../../db/seed-catalog";
import { appUrl, DEMO_ADMIN, hydrated, screenshot, signUp, uniqueEmail, browserForFile } from "./browser";

const browser = browserForFile();

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Opens a <details> (a click on an open one would close it). */
async function open(page: Page, summary: string) {
  const details = page.locator("details", { has: page.locator("summary", { hasText: summary }) });
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator("summary").click();
  return details;
}

test("an admin creates and publishes a Downloads Pass in the catalog; a user without an organisation buys it and downloads the sample software", async () => {
  const tag = Date.now().toString(36);
  const key = `downloads_pass_${tag}`;
  const productName = `Downloads Pass ${tag}`;

  // The admin: product, feature, price, published.
  const adminCtx = await browser().newContext();
  const admin = await adminCtx.newPage();
  await admin.goto(`${appUrl()}/login?redirectTo=%2Fadmin%2Fcatalog`);
  await admin.getByLabel("Email").fill(DEMO_ADMIN.email);
  await admin.getByLabel("Password").fill(DEMO_ADMIN.password);
  await admin.getByRole("button", { name: "Log in" }).click();
  await admin.waitForURL(/\/admin\/catalog$/);
  const newProduct = admin.locator("section", { has: admin.getByRole("heading", { name: "New product" }) });
  await newProduct.getByLabel("Key", { exact: true }).fill(key);
  await newProduct.getByLabel("Name", { exact: true }).fill(productName);
  await newProduct.getByLabel("Kind").selectOption("one_time");
  await newProduct.getByRole("button", { name: "Create product" }).click();
  const product = admin.locator("section", { has: admin.getByRole("heading", { name: productName }) });
  await product.waitFor();

  const grant = await open(admin, `Grant a feature with ${productName}`);
  await grant.getByLabel("Feature", { exact: true }).selectOption({ label: "software.download (boolean)" });
  await grant.getByLabel("Reason").fill("A pass for downloads only");
  await grant.getByRole("button", { name: "Grant feature" }).click();
  await admin.getByRole("status").filter({ hasText: "now grants software.download" }).waitFor();

  const price = await open(admin, `New price for ${productName}`);
  await price.getByLabel("Lookup key", { exact: true }).fill(`${key}_once`);
  await price.getByLabel("Amount (cents)").fill("1900");
  await price.getByRole("button", { name: "Create price" }).click();
  await admin.getByRole("status").filter({ hasText: "Price created in Stripe" }).waitFor();
  await product
    .getByRole("row", { name: new RegExp(`${key}_once`) })
    .getByRole("button", { name: "Publish" })
    .click();
  await product
    .getByRole("row", { name: new RegExp(`${key}_once`) })
    .getByRole("cell", { name: "published", exact: true })
    .waitFor();
  await product.getByRole("heading", { name: productName }).getByRole("button", { name: "Publish" }).click();
  await product.getByRole("heading", { name: productName }).getByText("published", { exact: true }).waitFor();
  await screenshot(admin, "new-product-admin-catalog");

  // A fresh user, no organisation: the sample software is locked.
  const page = await browser().newPage({ acceptDownloads: true });
  await signUp(page, uniqueEmail("e2e-pass-buyer"));
  await page.getByRole("heading", { name: "No organisation yet" }).waitFor();
  expect(await page.getByTestId("downloads").count()).toBe(0);
  const locked = await page.request.get(`${appUrl()}/downloads/${SAMPLE_SOFTWARE.versionId}`);
  expect(locked.status()).toBe(403);
  expect(await locked.json()).toMatchObject({ error: "no_access" });

  // The pricing page lists the new product; its button leads through the normal checkout.
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  await page.getByRole("button", { name: `Buy ${productName}` }).click();
  await page.waitForURL(new RegExp(`/checkout/start\\?plan=${key}`));
  await page.getByRole("heading", { name: "Checkout" }).waitFor();
  expect(await page.textContent("main")).toContain(productName);
  await page.getByLabel("Organisation name").fill(`Pass Holders ${tag}`);
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
  await page.getByText("€19").first().waitFor();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await page.waitForURL(/\/checkout\/return\?intent=/);
  await page.getByRole("heading", { name: "Payment confirmed" }).waitFor({ timeout: 30_000 });
  await screenshot(page, "new-product-confirmed");

  // Provisioned by the webhook: the dashboard offers the download, and it is the sample's bytes.
  await page.goto(`${appUrl()}/dashboard`);
  const link = page.getByRole("link", { name: `Download ${SAMPLE_SOFTWARE.name} ${SAMPLE_SOFTWARE.version}` });
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe(SAMPLE_SOFTWARE.fileName);
  expect(sha256(readFileSync(await download.path()))).toBe(sha256(sampleSoftwareBytes()));
  await screenshot(page, "new-product-download");

  // Leave the shared catalog as it was for the other browser tests.
  await product.getByRole("heading", { name: productName }).getByRole("button", { name: "Unpublish" }).click();
  await product.getByRole("heading", { name: productName }).getByText("unpublished", { exact: true }).waitFor();
  await adminCtx.close();
  await page.close();
});
