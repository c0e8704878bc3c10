import { type Page } from "playwright-core";
import { expect, inject, test } from "vitest";
import { expectNoSeriousViolations } from "./a11y";
import { appUrl, browserForFile, hydrated, PASSWORD, screenshot, signUp, uniqueEmail } from "./browser";

// Languages (ADR 023): a Swedish browser gets Swedish from the first byte, the footer switches
// language (with or without JavaScript), a signed-in user's choice follows them to another device,
// and the converted pages stay accessible and fit a 390 px phone in every language.

const browser = browserForFile();

const lang = (page: Page) => page.locator("html").getAttribute("lang");

/** What sticks out past the viewport's right edge (so makes the page scroll sideways): none, on a page that fits. */
const overflowing = (page: Page) =>
  page.evaluate(() =>
    document.documentElement.scrollWidth > document.documentElement.clientWidth
      ? [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
          .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> ${(e.textContent ?? "").slice(0, 40)}`)
      : [],
  );

test("a visitor whose browser asks for Swedish sees Swedish at once, switches to French in the footer, and axe stays clean", async () => {
  const context = await browser().newContext({ locale: "sv-SE" });
  const page = await context.newPage();
  // The server's HTML is already Swedish: no flash of English before hydration.
  const response = await page.goto(`${appUrl()}/login`);
  const html = await response!.text();
  expect(html).toContain('<html lang="sv"');
  expect(html).toContain("Ny på Gatehouse?");
  await hydrated(page);
  await page.getByRole("heading", { name: "Logga in" }).waitFor();
  await expectNoSeriousViolations(page, "login (sv)");

  // A Swedish form error, from the server's zod message.
  await page.getByLabel("E-postadress").fill("inte-en-adress");
  await page.getByLabel("Lösenord").fill("x");
  await page.getByRole("button", { name: "Logga in", exact: true }).click();
  await page.getByText("Ange en giltig e-postadress.").waitFor();
  await expectNoSeriousViolations(page, "login errors (sv)");

  await page.getByRole("link", { name: "Skapa ett konto" }).click();
  await page.getByRole("heading", { name: "Skapa ditt konto" }).waitFor();
  await expectNoSeriousViolations(page, "signup (sv)");

  await page.getByTestId("language-fr").click();
  await page.getByRole("heading", { name: "Créez votre compte" }).waitFor();
  expect(await lang(page)).toBe("fr");
  expect(new URL(page.url()).pathname).toBe("/signup");
  await expectNoSeriousViolations(page, "signup (fr)");
  await screenshot(page, "i18n-signup-fr");
  await page.goto(`${appUrl()}/login`);
  await page.getByRole("heading", { name: "Connexion" }).waitFor();
  await expectNoSeriousViolations(page, "login (fr)");

  await page.getByTestId("language-en").click();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  expect(await lang(page)).toBe("en");
  await expectNoSeriousViolations(page, "login (en)");
  await context.close();
});

test("a Swedish visitor sees Swedish pricing in Swedish money, switches to French pricing in the footer, and axe stays clean in all three", async () => {
  const context = await browser().newContext({ locale: "sv-SE" });
  const page = await context.newPage();
  const response = await page.goto(`${appUrl()}/pricing`);
  const html = await response!.text();
  expect(html).toContain('<html lang="sv"');
  expect(html).toContain("<title>Priser · Gatehouse</title>");
  await hydrated(page);
  await page.getByRole("heading", { name: "Priser", level: 1 }).waitFor();
  // 5 x 35 €, the amount before the sign (sv-SE puts a no-break space between them).
  expect(await page.getByTestId("organization-total").textContent()).toMatch(/^175\s€ \/ månad$/);
  await page.getByLabel(/Licensplatser/).fill("60");
  expect(await page.getByTestId("organization-total").textContent()).toMatch(/^1\s500\s€ \/ månad$/);
  await page.getByLabel("Årsvis (2 månader gratis)").check();
  expect(await page.getByTestId("organization-total").textContent()).toMatch(/^15\s000\s€ \/ år$/);
  await page.getByRole("button", { name: "Uppgradera till Organization" }).waitFor();
  await expectNoSeriousViolations(page, "pricing (sv)");
  await screenshot(page, "i18n-pricing-sv");

  await page.getByTestId("language-fr").click();
  await page.getByRole("heading", { name: "Tarifs", level: 1 }).waitFor();
  expect(await lang(page)).toBe("fr");
  expect(new URL(page.url()).pathname).toBe("/pricing");
  await hydrated(page);
  // The switch keeps the page's choices (60 seats, yearly), now in French money.
  expect(await page.getByTestId("organization-total").textContent()).toMatch(/^15\s000\s€ \/ an$/);
  await page.getByRole("button", { name: "Passer à Organization" }).waitFor();
  await page.getByText("Prix par siège, selon la taille de l'équipe").first().waitFor();
  await expectNoSeriousViolations(page, "pricing (fr)");
  await screenshot(page, "i18n-pricing-fr");

  await page.getByTestId("language-en").click();
  await page.getByRole("heading", { name: "Pricing", level: 1 }).waitFor();
  expect(await page.getByTestId("organization-total").textContent()).toBe("€15,000 / year");
  await expectNoSeriousViolations(page, "pricing (en)");
  await context.close();
});

test("without JavaScript the footer's switcher still works", async () => {
  const context = await browser().newContext({ javaScriptEnabled: false, locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(`${appUrl()}/forgot-password`);
  await Promise.all([page.waitForURL(`${appUrl()}/forgot-password`), page.getByTestId("language-sv").click()]);
  await page.getByRole("heading", { name: "Glömt lösenordet?" }).waitFor();
  expect(await lang(page)).toBe("sv");
  await context.close();
});

test("a signed-in user's language, chosen on /account, follows them to another device", async () => {
  const email = uniqueEmail("e2e-lang");
  const first = await browser().newContext({ locale: "en-US" });
  const page = await first.newPage();
  await signUp(page, email);
  await page.goto(`${appUrl()}/account`);
  await hydrated(page);
  await page.getByLabel("Language of pages and emails").selectOption("fr");
  await page.getByRole("button", { name: "Save language" }).click();
  await page.getByText("Votre langue a été enregistrée.").waitFor();
  await expectNoSeriousViolations(page, "account (fr)");
  await first.close();

  // Another device whose browser asks for English: once signed in, French.
  const second = await browser().newContext({ locale: "en-US" });
  const other = await second.newPage();
  await other.goto(`${appUrl()}/login`);
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Log in", exact: true }).click();
  await other.waitForURL(/\/dashboard$/);
  await other.goto(`${appUrl()}/account`);
  await other.getByRole("heading", { name: "Votre compte" }).waitFor();
  expect(await lang(other)).toBe("fr");
  await second.close();
});

test("the converted pages fit a 390 px phone without sideways scrolling, in all three languages", async () => {
  for (const locale of ["en", "sv", "fr"]) {
    const context = await browser().newContext({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    for (const path of ["/", "/pricing", "/login", "/signup", "/forgot-password", "/reset-password?token=" + "a".repeat(43)]) {
      await page.goto(`${appUrl()}${path}`);
      await hydrated(page);
      expect(await lang(page)).toBe(locale);
      expect(await overflowing(page), `${locale} ${path}`).toEqual([]);
    }
    await screenshot(page, `i18n-phone-reset-${locale}`);
    await page.goto(`${appUrl()}/pricing`);
    await hydrated(page);
    await screenshot(page, `i18n-phone-pricing-${locale}`);
    // The form in whatever language the page is in: fields by name, the button by type.
    await page.goto(`${appUrl()}/signup`);
    await hydrated(page);
    await page.locator('input[name="email"]').fill(uniqueEmail(`e2e-phone-${locale}`));
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('main button[type="submit"]').click();
    await page.waitForURL(/\/dashboard$/);
    for (const path of ["/account", "/join", "/invitations"]) {
      await page.goto(`${appUrl()}${path}`);
      await hydrated(page);
      expect(await overflowing(page), `${locale} ${path}`).toEqual([]);
    }
    await screenshot(page, `i18n-phone-invitations-${locale}`);
    await page.goto(`${appUrl()}/account`);
    await hydrated(page);
    await screenshot(page, `i18n-phone-account-${locale}`);
    await context.close();
  }
});

/** Each language's words for buying Organization seats through the pricing page and the local Stripe emulator. */
const BUY = {
  sv: {
    seats: /Licensplatser/,
    cta: "Uppgradera till Organization",
    org: "Organisationens namn",
    pay: "Fortsätt till betalning",
    confirmed: "Betalningen är bekräftad",
    dashboard: "Gå till din översikt",
    why: "Därför har du tillgång",
    members: "Medlemmar",
    seatsTitle: "Licensplatser",
    roadmap: /^Färdplan för Telefon sv/,
    itemTitle: "Rubrik",
    addItem: "Lägg till punkt",
    software: /^Telefon sv .*: programvara$/,
    token: "Skapa licenstoken",
  },
  fr: {
    seats: /Sièges/,
    cta: "Passer à Organization",
    org: "Nom de l'organisation",
    pay: "Continuer vers le paiement",
    confirmed: "Paiement confirmé",
    dashboard: "Aller au tableau de bord",
    why: "Pourquoi vous avez accès",
    members: "Membres",
    seatsTitle: "Sièges",
    roadmap: /^Feuille de route de Telefon fr/,
    itemTitle: "Titre",
    addItem: "Ajouter un élément",
    software: /^Telefon fr .* : logiciels$/,
    token: "Créer un jeton de licence",
  },
} as const;

test("a bought plan's checkout return, dashboard, members, roadmap and software pages fit a 390 px phone in Swedish and French, axe clean", async () => {
  for (const locale of ["sv", "fr"] as const) {
    const words = BUY[locale];
    const context = await browser().newContext({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${appUrl()}/signup`);
    await hydrated(page);
    await page.locator('input[name="email"]').fill(uniqueEmail(`e2e-phone-buyer-${locale}`));
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('main button[type="submit"]').click();
    await page.waitForURL(/\/dashboard$/);

    await page.goto(`${appUrl()}/pricing`);
    await hydrated(page);
    await page.getByLabel(words.seats).fill("3");
    await page.getByRole("button", { name: words.cta }).click();
    await page.waitForURL(/\/checkout\/start/);
    await hydrated(page);
    expect(await overflowing(page), `${locale} /checkout/start`).toEqual([]);
    await page.getByLabel(words.org).fill(`Telefon ${locale} ${Date.now().toString(36)}`);
    await page.getByRole("button", { name: words.pay }).click();
    await page.waitForURL((url) => url.href.startsWith(inject("stripeUrl")));
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.getByRole("heading", { name: words.confirmed }).waitFor({ timeout: 30_000 });
    expect(await lang(page)).toBe(locale);
    expect(await overflowing(page), `${locale} /checkout/return`).toEqual([]);
    await expectNoSeriousViolations(page, `checkout return (${locale})`);
    await screenshot(page, `i18n-phone-checkout-return-${locale}`);

    await page.getByRole("link", { name: words.dashboard }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("heading", { name: words.why }).waitFor();
    expect(await page.getByTestId("plan-organization").textContent()).toContain("1 / 3");
    expect(await overflowing(page), `${locale} /dashboard`).toEqual([]);
    await expectNoSeriousViolations(page, `dashboard (${locale})`);
    await screenshot(page, `i18n-phone-dashboard-${locale}`);

    await page.getByRole("link", { name: words.members, exact: true }).click();
    await page.waitForURL(/\/members$/);
    await page.getByRole("heading", { name: words.seatsTitle, exact: true }).waitFor();
    await hydrated(page);
    expect(await overflowing(page), `${locale} members`).toEqual([]);
    await screenshot(page, `i18n-phone-members-${locale}`);

    const org = new URL(page.url()).pathname.replace(/\/members$/, "");
    await page.goto(`${appUrl()}${org}/roadmap`);
    await hydrated(page);
    expect(await page.locator("main h1").textContent()).toMatch(words.roadmap);
    await page.getByLabel(words.itemTitle).fill("Cahier de textes");
    await page.getByRole("button", { name: words.addItem }).click();
    await page.getByText("Cahier de textes").waitFor();
    expect(await overflowing(page), `${locale} roadmap`).toEqual([]);
    await expectNoSeriousViolations(page, `roadmap (${locale})`);
    await screenshot(page, `i18n-phone-roadmap-${locale}`);

    await page.goto(`${appUrl()}${org}/software`);
    await hydrated(page);
    expect(await page.locator("main h1").textContent()).toMatch(words.software);
    await page.getByRole("button", { name: words.token }).waitFor();
    expect(await overflowing(page), `${locale} software`).toEqual([]);
    await expectNoSeriousViolations(page, `software (${locale})`);
    await screenshot(page, `i18n-phone-software-${locale}`);
    await context.close();
  }
});
