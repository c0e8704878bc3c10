import { type Page } from "playwright-core";
import { expect, test } from "vitest";
import { seatRaceWorld } from "../support/seat-race";
import { appUrl, browserForFile, linkFromOutbox, PASSWORD, screenshot, signUp, uniqueEmail, verifyInBrowser } from "./browser";

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
  await page.getByText("Enter a valid email address.").waitFor();
  // Each message is its own field's description (aria-describedby names it first), not just text nearby.
  await expect(errorOf(page, "Email")).resolves.toBe("Enter a valid email address.");
  await expect(errorOf(page, "Password")).resolves.toBe("Password must be at least 10 characters.");
  await expect(page.getByLabel("Email").getAttribute("aria-invalid")).resolves.toBe("true");
  await screenshot(page, "signup-errors");
  await page.close();
});

test("without JavaScript, a refused signup comes back with its errors beside the fields and the email kept, never the password", async () => {
  const context = await browser().newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await Promise.all([page.waitForURL(`${appUrl()}/signup`), page.getByRole("button", { name: "Create account" }).click()]);
  await expect(errorOf(page, "Email")).resolves.toBe("Enter a valid email address.");
  await expect(errorOf(page, "Password")).resolves.toBe("Password must be at least 10 characters.");
  await expect(page.getByLabel("Email").inputValue()).resolves.toBe("not-an-email");
  await expect(page.getByLabel("Password").inputValue()).resolves.toBe("");
  await context.close();
});

async function errorOf(page: Page, label: string): Promise<string | null> {
  const describedBy = (await page.getByLabel(label, { exact: true }).getAttribute("aria-describedby")) ?? "";
  expect(describedBy, `${label} has no aria-describedby`).not.toBe("");
  return page.locator(`[id="${describedBy.split(" ")[0]}"]`).textContent();
}

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

test("sign up, verify from the emailed link, accept an invitation; forget the password, reset it, and old sessions are gone", async () => {
  // An organisation whose owner invites an address that has no account yet.
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 0 });
  const ownerCtx = await browser().newContext();
  const [name, value] = world.cookie.split("=") as [string, string];
  await ownerCtx.addCookies([{ name, value, url: appUrl() }]);
  const owner = await ownerCtx.newPage();
  const email = uniqueEmail("e2e-identity");
  await owner.goto(`${appUrl()}/org/${world.slug}/members`);
  await owner.getByRole("textbox", { name: "Email" }).fill(email);
  await owner.getByRole("button", { name: "Invite" }).click();
  await owner.getByText("Invitation sent.").waitFor();

  const laptop = await (await browser().newContext()).newPage();
  await signUp(laptop, email);
  // Unverified: the dashboard says what waits, and the invitation is not shown yet.
  await laptop.getByRole("heading", { name: "Verify your email address" }).waitFor();
  expect(await laptop.getByRole("link", { name: "Review invitations" }).count()).toBe(0);
  await screenshot(laptop, "identity-unverified-dashboard");

  await verifyInBrowser(laptop, email);
  await screenshot(laptop, "identity-verified");
  await laptop.getByRole("link", { name: "Continue to your dashboard" }).click();
  await laptop.getByRole("link", { name: "Review invitations" }).click();
  await laptop.getByRole("button", { name: "Accept" }).click();
  await laptop.getByText(/You are now a member of/).waitFor();

  // A second device signed in as the same person.
  const phone = await (await browser().newContext()).newPage();
  await phone.goto(`${appUrl()}/login`);
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill(PASSWORD);
  await phone.getByRole("button", { name: "Log in" }).click();
  await phone.waitForURL(/\/dashboard$/);

  // Forgot the password, on a third browser.
  const kiosk = await (await browser().newContext()).newPage();
  await kiosk.goto(`${appUrl()}/login`);
  await kiosk.getByRole("link", { name: "Forgot password?" }).click();
  // The login page has an Email field too: wait for the new page before typing.
  await kiosk.getByRole("heading", { name: "Forgot your password?" }).waitFor();
  await kiosk.getByLabel("Email").fill(email);
  await kiosk.getByRole("button", { name: "Send reset link" }).click();
  await kiosk
    .getByRole("status")
    .filter({ hasText: `If an account uses ${email}` })
    .waitFor();
  await kiosk.goto(await linkFromOutbox(email, "reset_password"));
  await kiosk.getByLabel("New password", { exact: true }).fill("a-whole-new-passphrase");
  await kiosk.getByLabel("Repeat the new password").fill("a-whole-new-passphrase");
  await kiosk.getByRole("button", { name: "Set new password and sign in" }).click();
  await kiosk.waitForURL(/\/dashboard\?reset=1$/);
  await kiosk.getByText("Your new password is set. Every other session was signed out.").waitFor();
  await screenshot(kiosk, "identity-password-reset");

  // Both older sessions are gone: their next page asks them to log in.
  for (const device of [laptop, phone]) {
    await device.goto(`${appUrl()}/dashboard`);
    await device.waitForURL(/\/login\?redirectTo=%2Fdashboard$/);
  }
  // The link worked once.
  await kiosk.goto(await linkFromOutbox(email, "reset_password"));
  await kiosk.getByRole("heading", { name: "This link no longer works" }).waitFor();
}, 120_000);
