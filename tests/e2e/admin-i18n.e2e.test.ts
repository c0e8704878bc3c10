import { type Page } from "playwright-core";
import { expect, test } from "vitest";
import { formatDateTime } from "../../app/i18n/format";
import { expectNoSeriousViolations } from "./a11y";
import { appUrl, browserForFile, DEMO_ADMIN, hydrated, screenshot, signUp, uniqueEmail } from "./browser";

// The admin console in Swedish and French (ADR 023): the demo admin's browser asks for the language
// (Accept-Language, so the shared admin account's saved language stays unset for the other tests),
// creates an organisation for a named owner and grants it a licence, and the pages show the
// language's words, its dates and its money, with axe clean.

const browser = browserForFile();

const WORDS = {
  fr: {
    intl: "fr-FR",
    heading: "Administration",
    overview: "Vue d’ensemble",
    tenants: "Organisations",
    create: "Créer une organisation pour un propriétaire désigné",
    name: "Nom de l’organisation",
    owner: "Adresse e-mail du propriétaire",
    reason: "Motif",
    submit: "Créer l’organisation",
    product: "Produit",
    grant: "Attribuer",
    granted: "Licence attribuée.",
    catalog: "Catalogue",
    perMonth: "/ mois",
  },
  sv: {
    intl: "sv-SE",
    heading: "Administration",
    overview: "Översikt",
    tenants: "Organisationer",
    create: "Skapa en organisation åt en namngiven ägare",
    name: "Organisationens namn",
    owner: "Ägarens e-postadress",
    reason: "Anledning",
    submit: "Skapa organisation",
    product: "Produkt",
    grant: "Tilldela",
    granted: "Licensen har tilldelats.",
    catalog: "Katalog",
    perMonth: "/ månad",
  },
} as const;

/** A moment to the minute as the admin pages show it (format.ts, UTC), spaces folded. */
const minute = (ms: number, locale: "fr" | "sv") => formatDateTime(ms, locale).replace(/\s+/g, " ");
const folded = (s: string | null) => (s ?? "").replace(/\s+/g, " ").trim();

async function logInAsAdmin(page: Page) {
  await page.goto(`${appUrl()}/login?redirectTo=%2Fadmin`);
  await hydrated(page);
  // The form in whatever language the page is in: fields by name, the button by type.
  await page.locator('input[name="email"]').fill(DEMO_ADMIN.email);
  await page.locator('input[name="password"]').fill(DEMO_ADMIN.password);
  await page.locator('main button[type="submit"]').click();
  await page.waitForURL(/\/admin$/);
}

test("the admin console speaks French and Swedish, with the language's dates and money, and axe stays clean", async () => {
  for (const locale of ["fr", "sv"] as const) {
    const w = WORDS[locale];
    // The named owner: an account of its own, in another browser.
    const ownerContext = await browser().newContext({ locale: "en-GB" });
    const ownerEmail = uniqueEmail(`e2e-admin-${locale}`);
    await signUp(await ownerContext.newPage(), ownerEmail);
    await ownerContext.close();

    const context = await browser().newContext({ locale: w.intl });
    const page = await context.newPage();
    await logInAsAdmin(page);
    await hydrated(page);
    expect(await page.locator("html").getAttribute("lang")).toBe(locale);
    await page.getByRole("heading", { name: w.heading, level: 1 }).waitFor();
    await page.getByRole("heading", { name: w.overview }).waitFor();
    await expectNoSeriousViolations(page, `admin (${locale})`);
    await screenshot(page, `admin-i18n-overview-${locale}`);

    await page.getByRole("link", { name: w.tenants, exact: true }).click();
    await page.getByRole("link", { name: w.create }).click();
    await page.waitForURL(/\/admin\/tenants\/new$/);
    await hydrated(page);
    const org = `Lyon Göteborg ${locale} ${Date.now().toString(36)}`;
    await page.getByLabel(w.name).fill(org);
    await page.getByLabel(w.owner).fill(ownerEmail);
    await page.getByLabel(w.reason).fill("Partenaire / partner");
    const before = Date.now();
    await page.getByRole("button", { name: w.submit }).click();
    await page.getByRole("heading", { name: org }).waitFor();
    const after = Date.now();
    await hydrated(page);

    await page.getByLabel(w.product, { exact: true }).selectOption("accelerator");
    await page.getByLabel(w.reason, { exact: true }).last().fill("Gåva till talare / cadeau");
    await page.getByRole("button", { name: w.grant, exact: true }).click();
    await page.getByRole("status").filter({ hasText: w.granted }).waitFor();
    expect(await page.getByTestId("entitlement-accelerator-admin_grant").count()).toBe(1);
    await expectNoSeriousViolations(page, `admin tenant (${locale})`);
    await screenshot(page, `admin-i18n-tenant-${locale}`);

    // The tenant list: its creation to the minute in the language's words for the month.
    const tenantId = new URL(page.url()).pathname.split("/").pop()!;
    await page.goto(`${appUrl()}/admin/tenants?q=${tenantId}`);
    await hydrated(page);
    const row = page.getByRole("row", { name: new RegExp(org) });
    const created = folded(await row.locator("td").nth(4).textContent());
    expect([minute(before, locale), minute(after, locale)]).toContain(created);
    expect(created).not.toMatch(/^\d{4}-\d\d-\d\d/);
    expect(folded(await row.locator("td").nth(1).textContent())).toBe("1");
    await expectNoSeriousViolations(page, `admin tenants (${locale})`);
    await screenshot(page, `admin-i18n-tenants-${locale}`);

    // The catalog's prices in the language's money: the amount before the euro sign.
    await page.getByRole("link", { name: w.catalog, exact: true }).click();
    await page.waitForURL(/\/admin\/catalog$/);
    await page.locator("td", { hasText: "€" }).first().waitFor();
    const amounts = (await page.locator("td", { hasText: "€" }).allTextContents()).map(folded);
    expect(amounts.length).toBeGreaterThan(0);
    for (const amount of amounts) expect(amount).toMatch(/^\d[\d ]*(,\d\d)? € (\/ \S+|\S.*)$/);
    expect(amounts.some((a) => a.endsWith(w.perMonth))).toBe(true);
    await expectNoSeriousViolations(page, `admin catalog (${locale})`);
    await context.close();
  }
});
