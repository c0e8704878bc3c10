import { test } from "vitest";
import { appUrl, browserForFile } from "./browser";

const browser = browserForFile();

// React 18 hydrates synchronously when a click or key press lands on a page still hydrating, and
// Remix's single fetch suspends that first render: without app/components/hydration.client.tsx the
// page dies with React error #345 and never hydrates. Here a script clicks and presses keys from the
// first moment until the page says it has hydrated, on the pages people reach first and on a 404;
// browserForFile() fails the test on any uncaught error in these pages.
test("clicks and key presses while a page hydrates leave it working", async () => {
  for (const path of ["/signup", "/login", "/pricing", "/forgot-password", "/no-such-page"]) {
    for (let load = 0; load < 2; load++) {
      const page = await (await browser().newContext()).newPage();
      await page.addInitScript(() => {
        const press = () => {
          if (document.documentElement?.dataset.hydrated) return;
          const heading = document.querySelector("h1");
          heading?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          heading?.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, key: "a" }));
          setTimeout(press, 0);
        };
        setTimeout(press, 0);
      });
      await page.goto(`${appUrl()}${path}`);
      await page.locator("html[data-hydrated]").waitFor({ state: "attached", timeout: 10_000 });
      await page.context().close();
    }
  }
}, 120_000);
