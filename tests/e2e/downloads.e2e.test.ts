import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type BrowserContext, type Page } from "playwright-core";
import { expect, test, inject } from "vitest";
import { seatRaceWorld } from "../support/seat-race";
import { expectNoSeriousViolations } from "./a11y";
import { appUrl, DEMO_ADMIN, PASSWORD, screenshot, uniqueEmail, browserForFile } from "./browser";
import { asNewClient } from "../support/client-address";
import { webhooksProcessed } from "../support/webhooks-processed";

const ADMIN = DEMO_ADMIN;

const browser = browserForFile();

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A fake EXE: the "MZ" signature and some deterministic bytes. */
function exe(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 0x4d;
  b[1] = 0x5a;
  for (let i = 2; i < size; i++) b[i] = (i * 17 + seed) % 251;
  return b;
}

async function signedInContext(cookie: string): Promise<BrowserContext> {
  const context = await browser().newContext({ acceptDownloads: true });
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: appUrl() }]);
  return context;
}

async function login(email: string, password: string): Promise<string> {
  const res = await fetch(`${appUrl()}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: appUrl(), ...asNewClient() },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  return res.headers.get("Set-Cookie")!.split(";")[0]!;
}

/** An owner who bought Organization on the MAX tier (the Pro plan) through the emulator's Checkout. */
async function proTenant() {
  const email = uniqueEmail("e2e-pro-owner");
  const signup = await fetch(`${appUrl()}/api/auth/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: appUrl(), ...asNewClient() },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (signup.status !== 200) throw new Error(`signup: ${signup.status}`);
  const cookie = signup.headers.get("Set-Cookie")!.split(";")[0]!;
  const checkout = await fetch(`${appUrl()}/api/billing/create-checkout-session`, {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "application/json", Origin: appUrl() },
    body: JSON.stringify({
      priceId: "prc_organization_max_monthly",
      quantity: 21,
      organizationName: `Pro Uploads ${Date.now().toString(36)}`,
    }),
  });
  if (checkout.status !== 200) throw new Error(`checkout: ${checkout.status} ${await checkout.text()}`);
  const { url, intentId } = (await checkout.json()) as { url: string; intentId: string };
  const paid = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "action=pay",
    redirect: "manual",
  });
  if (paid.status !== 303) throw new Error(`payment: ${paid.status}`);
  // Every webhook the payment caused has reached the app: the tenant is provisioned now.
  await webhooksProcessed({ stripeUrl: inject("stripeUrl"), persistTo: inject("appPersistTo") });
  const res = await fetch(`${appUrl()}/api/purchase-intents/${intentId}`, { headers: { Cookie: cookie } });
  const body = (await res.json()) as { intent?: { state: string; tenant: { id: string; slug: string } | null } };
  if (body.intent?.state === "provisioned" && body.intent.tenant) return { cookie, tenant: body.intent.tenant };
  throw new Error(`pro purchase is ${body.intent?.state ?? "missing"} after every webhook was delivered`);
}

async function adminPage(): Promise<Page> {
  const page = await (await browser().newContext()).newPage();
  await page.goto(`${appUrl()}/login?redirectTo=%2Fadmin`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/admin$/);
  return page;
}

test("an admin publishes a version; a member with a seat sees it on the dashboard and downloads it with a matching checksum", async () => {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  // An organisation with 2 seats: the owner holds one, a member gets the other.
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 1, tag, persistTo: inject("appPersistTo") });
  const seat = await fetch(`${appUrl()}/api/orgs/${world.slug}/seats`, {
    method: "POST",
    headers: { Cookie: world.cookie, "Content-Type": "application/json", Origin: appUrl() },
    body: JSON.stringify({ userId: world.userIds[0] }),
  });
  expect(seat.status).toBe(200);

  const admin = await adminPage();
  await admin.getByRole("link", { name: "Software" }).click();
  await admin.waitForURL(/\/admin\/software$/);
  const appName = `E2E Tool ${tag}`;
  await admin.getByLabel("Name").fill(appName);
  await admin.getByLabel("Vendor").fill("E2E Labs");
  await admin.getByRole("button", { name: "Add application" }).click();
  await admin.getByText("Application added.").waitFor();
  const bytes = exe(5000, 7);
  await admin.getByRole("combobox", { name: /Application/ }).selectOption({ label: appName });
  await admin.getByRole("textbox", { name: "Version" }).fill("3.1.4");
  await admin.getByLabel(/Package/).setInputFiles({ name: "e2e-tool.exe", mimeType: "application/octet-stream", buffer: bytes });
  await admin.getByRole("button", { name: "Publish version" }).click();
  await admin.getByText(`Version 3.1.4 published (SHA-256 ${sha256(bytes)}).`).waitFor();
  await screenshot(admin, "downloads-admin-version");
  await expectNoSeriousViolations(admin, "admin software");

  const memberCookie = await login(`race-member-${tag}-0@example.com`, PASSWORD);
  const member = await (await signedInContext(memberCookie)).newPage();
  await member.goto(`${appUrl()}/dashboard`);
  const link = member.getByRole("link", { name: `Download ${appName} 3.1.4` });
  await link.waitFor();
  expect(await member.getByTestId("downloads").textContent()).toContain(sha256(bytes));
  await screenshot(member, "downloads-dashboard");
  await expectNoSeriousViolations(member, "dashboard with downloads");
  const [download] = await Promise.all([member.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe("e2e-tool.exe");
  const saved = readFileSync(await download.path());
  expect(sha256(saved)).toBe(sha256(bytes));
});

test("a Pro tenant's owner uploads an EXE once an admin switches uploads on", async () => {
  const pro = await proTenant();
  const owner = await (await signedInContext(pro.cookie)).newPage();
  await owner.goto(`${appUrl()}/org/${pro.tenant.slug}/software`);
  await owner.getByText("Uploads are not switched on for this organisation yet.").waitFor();

  const admin = await adminPage();
  await admin.goto(`${appUrl()}/admin/tenants/${pro.tenant.id}`);
  await admin.getByText("on the Pro plan (MAX or ULTRA tier)").waitFor();
  await admin.getByRole("button", { name: "Switch Pro uploads on" }).click();
  await admin.getByText("Pro uploads switched on.").waitFor();

  await owner.reload();
  const bytes = exe(3000, 3);
  await owner.getByLabel("Application").fill("Field Agent");
  await owner.getByLabel("Version").fill("1.0.0");
  await owner.getByLabel(/Package/).setInputFiles({ name: "FieldAgent-1.0.0.exe", mimeType: "application/octet-stream", buffer: bytes });
  await owner.getByRole("button", { name: "Upload" }).click();
  await owner.getByText(`Uploaded version 1.0.0 (SHA-256 ${sha256(bytes)}).`).waitFor();
  // A second upload of the same version is refused, visibly.
  await owner.getByLabel("Application").fill("Field Agent");
  await owner.getByLabel("Version").fill("1.0.0");
  await owner.getByLabel(/Package/).setInputFiles({ name: "FieldAgent-1.0.0.exe", mimeType: "application/octet-stream", buffer: bytes });
  await owner.getByRole("button", { name: "Upload" }).click();
  await owner.getByText("Version 1.0.0 is already published for this application.").waitFor();
  await screenshot(owner, "downloads-pro-upload");
  await expectNoSeriousViolations(owner, "software page");
  // The owner holds a seat, so the upload is on their dashboard too.
  await owner.goto(`${appUrl()}/dashboard`);
  await owner.getByRole("link", { name: "Download Field Agent 1.0.0" }).waitFor();
});
