import { expect, test } from "vitest";
import { appUrl, screenshot, uniqueEmail, browserForFile } from "./browser";

const browser = browserForFile();

test("a visitor signs up, logs out and logs back in", async () => {
  const page = await browser().newPage();
  const email = uniqueEmail("e2e-signup");
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor({ state: "visible" });
  await page.getByText(`Signed in as ${email}`).waitFor({ state: "visible" });
  await screenshot(page, "signup-dashboard");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${appUrl()}/`);
  await page.getByRole("link", { name: "Log in" }).waitFor({ state: "visible" });

  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "Email or password is incorrect." }).waitFor();
  await screenshot(page, "login-wrong-password");

  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByText(`Signed in as ${email}`).waitFor({ state: "visible" });
  await page.close();
});

test("signup explains each bad field next to it", async () => {
  const page = await browser().newPage();
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#email-error").filter({ hasText: "Enter a valid email address." }).waitFor();
  await expect(page.locator("#password-error").textContent()).resolves.toBe("Password must be at least 8 characters.");
  await expect(page.getByLabel("Email").getAttribute("aria-invalid")).resolves.toBe("true");
  await screenshot(page, "signup-errors");
  await page.close();
});

test("a protected page sends a visitor to login and back afterwards", async () => {
  const context = await browser().newContext();
  const page = await context.newPage();
  const email = uniqueEmail("e2e-return");
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(`${appUrl()}/`);
  await page.goto(`${appUrl()}/dashboard`);
  await page.waitForURL(/\/login\?redirectTo=%2Fdashboard$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct-horse-battery");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/dashboard$/);
  await context.close();
});
