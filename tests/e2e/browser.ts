import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest";
import { asNewClient } from "../support/client-address";
import { outboxLinks } from "../support/outbox";
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

/** The link in the newest email of `template` to `to`, read from the app's outbox. */
export const linkFromOutbox = async (to: string, template: string): Promise<string> =>
  (await outboxLinks(inject("appPersistTo"), [to], template)).get(to)!;

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

/**
 * Every context and page is a different person, so each gets its own client address (the app
 * rate-limits per CF-Connecting-IP, ADR 010), as distinct browsers on the internet would have.
 */
function asDistinctClients(browser: Browser, pageErrors: string[]): Browser {
  const watch = (page: Page) => page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${String(e)}`));
  return new Proxy(browser, {
    get(target, prop, receiver) {
      if (prop === "newContext") {
        return async (opts: BrowserContextOptions = {}) => {
          const context = await target.newContext({ ...opts, extraHTTPHeaders: { ...asNewClient(), ...opts.extraHTTPHeaders } });
          context.on("page", watch);
          return context;
        };
      }
      if (prop === "newPage") {
        return async (opts: BrowserContextOptions = {}) => {
          const page = await target.newPage({ ...opts, extraHTTPHeaders: { ...asNewClient(), ...opts.extraHTTPHeaders } });
          watch(page);
          return page;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * One browser per test file, launched before its tests and closed after them. An uncaught error in
 * any of its pages (a React error, a failed hydration) fails the test that was running.
 */
export function browserForFile(): () => Browser {
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    browser = asDistinctClients(await launchBrowser(), pageErrors);
  });
  afterEach(() => {
    expect(pageErrors.splice(0), "uncaught errors in the test's pages").toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser is not running yet");
    return browser;
  };
}

/** Waits until React has hydrated the page (app/components/hydration.client.tsx marks <html data-hydrated>). */
export async function hydrated(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

export const PASSWORD = "correct-horse-battery";
// The seed's local demo admin (db/seed.ts), also listed in ADMIN_EMAILS for the test app.
export const DEMO_ADMIN = { email: "admin@example.com", password: "gatehouse-admin" };

/** Opens the verification link emailed to `email` in `page` and confirms it, as its owner would. */
export async function verifyInBrowser(page: Page, email: string): Promise<void> {
  await page.goto(await linkFromOutbox(email, "verify_email"));
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: `${email} is verified.` })
    .waitFor();
}

/** Signs a new user up through the form and waits for the dashboard. */
export async function signUp(page: Page, email: string): Promise<void> {
  await page.goto(`${appUrl()}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/);
}
