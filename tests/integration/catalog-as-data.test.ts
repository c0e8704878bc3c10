import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { catalogChanged } from "../../app/domain/catalog/catalog-version.server";
import { agent, pageText, signedInAgent } from "../factories/http";

// Issue 17: no product names in the code. What the pricing page and the checkout return page say
// about a product comes from the catalog's rows, so a product made in the admin behaves like a seeded one.

const tag = () => crypto.randomUUID().replace(/-/g, "").slice(0, 8);

test("the pricing page renders every published product from data: a new seat plan gets the slider, add-ons sit in their base's card, trials and labels are rows", async () => {
  const key = `team_vault_${tag()}`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO products (id, key, name, description, kind, published, seat_based, created_at) VALUES (?, ?, 'Team Vault', 'Made in the admin', 'subscription', 1, 1, ?)",
    ).bind(`prd_${key}`, key, now),
    ...[
      ["small", 1, 10, 900],
      ["large", 11, 40, 700],
    ].map(([tier, min, max, amount]) =>
      env.DB.prepare(
        "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, interval, tier, min_seats, max_seats, published, archived, created_at) VALUES (?, ?, ?, 'eur', ?, 'month', ?, ?, ?, 1, 0, ?)",
      ).bind(`prc_${key}_${tier}`, `prd_${key}`, `${key}_${tier}`, amount, String(tier).toUpperCase(), min, max, now),
    ),
  ]);
  // Written straight into D1, as this isolate's own change: its storefront shows it at once (ADR 025).
  catalogChanged();
  try {
    const html = await pageText(await agent().fetch("/pricing"));
    // The new seat plan: its own slider and total (5 seats x EUR 9 by default), and "Upgrade" as its button.
    expect(html).toContain(`id="seats-${key}"`);
    expect(html).toContain(`data-testid="${key}-total">€45`);
    expect(html).toContain(">Upgrade Team Vault</button>");
    // The seeded ones as before, their words now rows: the Accelerator's label and its price's trial.
    // (Button markup: the loader's data in the page names the label too.)
    expect(html).toContain(">Upgrade Organization</button>");
    expect(html).toContain(">Enroll in Accelerator</button>");
    expect(html).toContain("Includes a 30-day Organization trial");
    expect(html).toContain("Lifetime access");
    // The Uploads add-on is listed in Organization's card, with no Checkout button of its own.
    expect(html).toContain("Add-ons for Organization");
    expect(html).toContain('data-testid="addon-uploads_addon"');
    expect(html).not.toContain('name="product" value="uploads_addon"');
    expect(html).not.toContain('id="product-uploads_addon-title"');
    expect(html).not.toContain("Buy Uploads");
  } finally {
    await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(`prd_${key}`).run();
    catalogChanged();
  }
});

test("the checkout return page says seats and trials from the catalog: a price's trial row, a seat plan's quantity", async () => {
  const { agent: a, user } = await signedInAgent();
  const key = `pass_${tag()}`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO products (id, key, name, kind, published, seat_based, created_at) VALUES (?, ?, 'Trial Pass', 'one_time', 1, 0, ?)",
    ).bind(`prd_${key}`, key, now),
    env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES (?, ?, ?, 'eur', 500, 1, 0, ?)",
    ).bind(`prc_${key}`, `prd_${key}`, `${key}_once`, now),
    // An admin's trial row: buying the pass starts 14 days of Organization.
    env.DB.prepare(
      "INSERT INTO price_trials (id, price_id, trial_price_id, days, created_at) VALUES (?, ?, 'prc_organization_pro_monthly', 14, ?)",
    ).bind(`trl_${key}`, `prc_${key}`, now),
  ]);
  const intent = async (productId: string, priceId: string, quantity: number) => {
    const id = `int_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
    await env.DB.prepare(
      "INSERT INTO purchase_intents (id, user_id, product_id, price_id, quantity, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'provisioned', ?, ?)",
    )
      .bind(id, user.id, productId, priceId, quantity, now, now)
      .run();
    return pageText(await a.fetch(`/checkout/return?intent=${id}`));
  };
  try {
    const pass = await intent(`prd_${key}`, `prc_${key}`, 1);
    expect(pass).toContain("Your 14-day Organization trial has started too.");
    expect(pass).not.toMatch(/with \d+ seats/);
    const accelerator = await intent("prd_accelerator", "prc_accelerator_lifetime", 1);
    expect(accelerator).toContain("Your 30-day Organization trial has started too.");
    const organization = await intent("prd_organization", "prc_organization_max_monthly", 25);
    expect(organization).toContain("with 25 seats");
    expect(organization).not.toContain("trial has started");
  } finally {
    await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(`prd_${key}`).run();
  }
});
