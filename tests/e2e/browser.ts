import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import { repoRoot } from "../support/wrangler";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Debian's Chromium; npx playwright install cannot work offline, so we never download a browser. */
export function findChromium(): string {
  const found = CANDIDATES.find((p): p is string => Boolean(p && existsSync(p)));
  if (!found) {
    throw new Error(
      "Chromium is missing. Install it with `apt-get update && apt-get install -y chromium` " +
        "(or set CHROMIUM_PATH to a Chromium binary), then run the browser tests again.",
    );
  }
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export const appUrl = () => inject("appUrl");

export const ARTIFACTS = join(repoRoot, "tests/artifacts");

/** Saves a full-page screenshot under tests/artifacts/ (kept by CI as evidence). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

let n = 0;
export const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}@example.com`;

/** One browser per test file, launched before its tests and closed after them. */
export function browserForFile(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser is not running yet");
    return browser;
  };
}

export const PASSWORD = "correct-horse-battery";
// The seed's local demo admin (db/seed.ts), also listed in ADMIN_EMAILS for the test app.
export const DEMO_ADMIN = { email: "admin@example.com", password: "gatehouse-admin" };

/** Signs a new user up through the form and waits for the dashboard. */
export async function signUp(page: Page, email: string): Promise<void> {
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/);
}
