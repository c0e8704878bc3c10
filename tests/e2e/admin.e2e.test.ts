import { type Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { seriousA11yViolations } from "./a11y";
import { appUrl, DEMO_ADMIN, screenshot, uniqueEmail, browserForFile } from "./browser";

const browser = browserForFile();

const ADMIN = DEMO_ADMIN;

test("an admin grants a free Accelerator licence, the member unlocks it, the admin revokes it, the audit trail shows it", async () => {
  const memberCtx = await browser().newContext();
  const member = await memberCtx.newPage();
  const memberEmail = uniqueEmail("e2e-gift");
  await member.goto(`${appUrl()}/signup`);
  await member.getByLabel("Email").fill(memberEmail);
  await member.getByLabel("Password").fill("correct-horse-battery");
  await member.getByRole("button", { name: "Create account" }).click();
  await member.waitForURL(/\/dashboard$/);

  const adminCtx = await browser().newContext();
  const admin = await adminCtx.newPage();
  await admin.goto(`${appUrl()}/login?redirectTo=%2Fadmin`);
  await admin.getByLabel("Email").fill(ADMIN.email);
  await admin.getByLabel("Password").fill(ADMIN.password);
  await admin.getByRole("button", { name: "Log in" }).click();
  await admin.waitForURL(/\/admin$/);
  await admin.getByRole("link", { name: "Tenants" }).click();
  await admin.getByRole("link", { name: "Create a tenant for a named owner" }).click();
  await admin.waitForURL(/\/admin\/tenants\/new$/);
  const org = `Gift Co ${Date.now().toString(36)}`;
  await admin.getByLabel("Organisation name").fill(org);
  await admin.getByLabel("Owner's email").fill(memberEmail);
  await admin.getByLabel("Reason").fill("Speaker at our conference");
  await admin.getByRole("button", { name: "Create tenant" }).click();
  await admin.getByRole("heading", { name: org }).waitFor();
  const tenantUrl = admin.url();

  await admin.getByLabel("Product").selectOption("accelerator");
  await admin.getByLabel("Reason", { exact: true }).last().fill("Free licence for speakers");
  await admin.getByRole("button", { name: "Grant" }).click();
  await admin.getByRole("status").filter({ hasText: "Licence granted." }).waitFor();
  // The message appears only once the page shows the licence too.
  expect(await admin.getByTestId("entitlement-accelerator-admin_grant").count()).toBe(1);
  await screenshot(admin, "admin-granted");
  const violations = await seriousA11yViolations(admin);
  expect(violations, JSON.stringify(violations)).toEqual([]);

  await member.goto(`${appUrl()}/accelerator`);
  await member.getByRole("heading", { name: "Accelerator", exact: true }).waitFor();
  await member.getByRole("link", { name: "Pay first, provision second" }).click();
  await member.getByText("Never create an account").waitFor();
  expect(await member.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accelerator" }).count()).toBe(1);
  await screenshot(member, "member-unlocked-accelerator");

  await admin.goto(tenantUrl);
  const row = admin.getByTestId("entitlement-accelerator-admin_grant");
  await row.getByLabel("Reason").fill("Speaker programme ended");
  await row.getByRole("button", { name: "Revoke" }).click();
  await admin.getByRole("status").filter({ hasText: "Entitlement revoked." }).waitFor();

  await member.reload();
  await member.getByRole("heading", { name: "Accelerator is locked" }).waitFor();

  await admin.getByRole("link", { name: "Audit trail for this tenant" }).click();
  await admin.getByText("entitlement.revoked").waitFor();
  const actions = await admin.getByTestId("audit-row").locator("td:nth-child(3)").allTextContents();
  expect(actions).toEqual(expect.arrayContaining(["tenant.created", "membership.created", "entitlement.granted", "entitlement.revoked"]));
  expect(await admin.textContent("main")).toContain("Speaker programme ended");
  await screenshot(admin, "admin-audit-trail");
  await memberCtx.close();
  await adminCtx.close();
});

/** Opens a <details> (a click on an open one would close it). */
async function open(page: Page, summary: string) {
  const details = page.locator("details", { has: page.locator("summary", { hasText: summary }) });
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator("summary").click();
  return details;
}

test("an admin mirrors a feature to Stripe: created with a lookup key, attached to a new product's Stripe product at its first price", async () => {
  const ctx = await browser().newContext();
  const admin = await ctx.newPage();
  await admin.goto(`${appUrl()}/login?redirectTo=%2Fadmin%2Fcatalog`);
  await admin.getByLabel("Email").fill(ADMIN.email);
  await admin.getByLabel("Password").fill(ADMIN.password);
  await admin.getByRole("button", { name: "Log in" }).click();
  await admin.waitForURL(/\/admin\/catalog$/);
  const tag = Date.now().toString(36);
  const key = `e2e.mirror_${tag}`;
  const lookupKey = `e2e-mirror-${tag}`;

  const newFeature = await open(admin, "New feature");
  await newFeature.getByLabel("Key", { exact: true }).fill(key);
  await newFeature.getByLabel("Name", { exact: true }).fill("Mirrored in Stripe");
  await newFeature.getByLabel("Stripe lookup key (optional)").fill(lookupKey);
  await newFeature.getByRole("button", { name: "Create feature" }).click();
  await admin.getByRole("status").filter({ hasText: "in Stripe as feat_" }).waitFor();
  expect(
    await admin
      .getByRole("row", { name: new RegExp(key.replace(".", "\\.")) })
      .getByText(lookupKey)
      .count(),
  ).toBe(1);

  const productName = `E2E Mirror ${tag}`;
  const newProduct = admin.locator("section", { has: admin.getByRole("heading", { name: "New product" }) });
  await newProduct.getByLabel("Key", { exact: true }).fill(`e2e_mirror_${tag}`);
  await newProduct.getByLabel("Name", { exact: true }).fill(productName);
  await newProduct.getByLabel("Kind").selectOption("one_time");
  await newProduct.getByRole("button", { name: "Create product" }).click();
  const product = admin.locator("section", { has: admin.getByRole("heading", { name: productName }) });
  await product.waitFor();
  expect(await product.textContent()).toContain("Stripe not created yet");

  const grant = await open(admin, `Grant a feature with ${productName}`);
  await grant.getByLabel("Feature", { exact: true }).selectOption({ label: `${key} (boolean)` });
  await grant.getByLabel("Reason").fill("Mirror it in Stripe");
  await grant.getByRole("button", { name: "Grant feature" }).click();
  await admin
    .getByRole("status")
    .filter({ hasText: `now grants ${key}` })
    .waitFor();

  const price = await open(admin, `New price for ${productName}`);
  await price.getByLabel("Lookup key", { exact: true }).fill(`e2e_mirror_${tag}_once`);
  await price.getByLabel("Amount (cents)").fill("900");
  await price.getByRole("button", { name: "Create price" }).click();
  await admin.getByRole("status").filter({ hasText: "Price created in Stripe" }).waitFor();
  const stripeProductId = /Stripe (prod_\w+)\s*$/.exec((await product.locator("p", { hasText: "· Stripe " }).textContent()) ?? "")?.[1];
  expect(stripeProductId).toBeDefined();

  // What the merchant sees in Stripe: the feature, attached to the product.
  const res = await fetch(`${inject("stripeUrl")}/v1/products/${stripeProductId}/features`, {
    headers: { authorization: "Bearer sk_test_e2e_mirror" },
  });
  const attached = (await res.json()) as { data: { entitlement_feature: { lookup_key: string } }[] };
  expect(attached.data.map((f) => f.entitlement_feature.lookup_key)).toEqual([lookupKey]);
  await screenshot(admin, "admin-catalog-feature-mirrored");
  const violations = await seriousA11yViolations(admin);
  expect(violations, JSON.stringify(violations)).toEqual([]);
  await ctx.close();
});

test("non-admins see the admin-only page", async () => {
  const page = await browser().newPage();
  const res = await page.goto(`${appUrl()}/admin/tenants`);
  expect(res?.status()).toBe(403);
  await page.getByRole("heading", { name: "Admins only" }).waitFor();
  await page.close();
});
