import { type Page, type Route } from "playwright-core";
import { expect, test } from "vitest";
import { seatRaceWorld } from "../support/seat-race";
import { appUrl, browserForFile, hydrated, screenshot } from "./browser";

const browser = browserForFile();

/** Holds the page's `method` requests matching `pattern` until release(): a slow server, on demand. */
async function hold(page: Page, pattern: RegExp, method: "GET" | "POST") {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const held: string[] = [];
  const sent: Promise<void>[] = [];
  const handler = async (route: Route) => {
    if (route.request().method() !== method) return route.fallback();
    held.push(route.request().url());
    const done = gate.then(() => route.continue());
    sent.push(done);
    await done;
  };
  await page.route(pattern, handler);
  return {
    held,
    release: async () => {
      open();
      await Promise.all(sent);
      await page.unroute(pattern, handler);
    },
  };
}

test("client-side navigations to plan pages say 'Checking plan...' while they load; a seat button is pending and disabled while it submits", async () => {
  const world = await seatRaceWorld({ appUrl: appUrl(), seats: 2, members: 0 });
  const context = await browser().newContext();
  const [name, value] = world.cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: appUrl() }]);
  const page = await context.newPage();
  const pending = page.getByTestId("plan-pending");

  // A server-rendered first load shows nothing pending.
  await page.goto(`${appUrl()}/pricing`);
  await hydrated(page);
  expect(await pending.textContent()).toBe("");
  expect(await pending.getAttribute("role")).toBe("status");

  // To the dashboard, its loader held back: the live region says so until the data arrives.
  const dashboard = await hold(page, /\/dashboard\.data(\?|$)/, "GET");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await pending.filter({ hasText: "Checking plan..." }).waitFor();
  expect(dashboard.held).toHaveLength(1);
  await screenshot(page, "pending-checking-plan");
  await dashboard.release();
  await page.waitForURL(/\/dashboard$/);
  await expect.poll(() => pending.textContent()).toBe("");

  // To an organisation page, the same.
  const members = await hold(page, /\/org\/[^/]+\/members\.data(\?|$)/, "GET");
  await page.getByRole("link", { name: "Members" }).click();
  await pending.filter({ hasText: "Checking plan..." }).waitFor();
  await members.release();
  await page.getByTestId("seat-count").filter({ hasText: "1 of 2" }).waitFor();
  await expect.poll(() => pending.textContent()).toBe("");

  // The owner releases their own seat, the server held back: that button says so, and no submit button can send again.
  const release = await hold(page, /\/org\/[^/]+\/members\.data(\?|$)/, "POST");
  await page.getByRole("row").filter({ hasText: "(you)" }).getByRole("button", { name: "Release seat" }).click();
  const releasing = page.getByRole("button", { name: "Releasing..." });
  await releasing.waitFor();
  expect(await releasing.isDisabled()).toBe(true);
  expect(await releasing.getAttribute("aria-busy")).toBe("true");
  expect(await page.getByRole("button", { name: "Invite" }).isDisabled()).toBe(true);
  expect(await page.getByRole("button", { name: "Save role" }).isDisabled()).toBe(true);
  await screenshot(page, "pending-releasing-seat");
  // A second press on the disabled button sends nothing.
  await releasing.click({ force: true });
  expect(release.held).toHaveLength(1);
  await release.release();
  await page.getByText("Seat released.").waitFor();
  await page.getByTestId("seat-count").filter({ hasText: "0 of 2" }).waitFor();
  expect(release.held).toHaveLength(1);
  expect(await page.getByRole("button", { name: "Invite" }).isDisabled()).toBe(false);
  // Seatless, the owner still manages: the page is theirs and the seat can be taken back.
  await page.getByRole("row").filter({ hasText: "(you)" }).getByRole("button", { name: "Assign seat" }).click();
  await page.getByTestId("seat-count").filter({ hasText: "1 of 2" }).waitFor();
}, 120_000);
