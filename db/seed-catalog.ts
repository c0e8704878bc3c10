// The catalog and course seed as SQL statements. Pure (no Node, no bindings) so the dev seed
// script and the tests inside workerd apply exactly the same rows. Every statement is an upsert
// keyed by a stable id, so running the seed twice changes nothing.

import { type CatalogTranslations } from "../app/domain/catalog/catalog-text";

type Price = {
  id: string;
  productId: string;
  lookupKey: string;
  unitAmount: number;
  interval: "month" | "year" | null;
  tier: string | null;
  minSeats: number | null;
  maxSeats: number | null;
  accessDays: number | null;
};

const q = (v: string | number | boolean | null): string =>
  v === null ? "NULL" : typeof v === "number" ? String(v) : typeof v === "boolean" ? (v ? "1" : "0") : `'${v.replace(/'/g, "''")}'`;

export const SEED_PRODUCTS = [
  {
    id: "prd_organization",
    key: "organization",
    name: "Organization",
    description: "Licences for your whole team: per-seat pricing that gets cheaper as you grow.",
    kind: "subscription",
    seatBased: true,
    baseProductId: null,
    ctaLabel: null,
    // Organization and Accelerator are brand names: the same in every language.
    translations: {
      sv: { description: "Licenser för hela teamet: pris per licensplats som blir lägre ju fler ni blir." },
      fr: { description: "Des licences pour toute votre équipe : un prix par siège qui baisse à mesure que vous grandissez." },
    },
  },
  {
    id: "prd_accelerator",
    key: "accelerator",
    name: "Accelerator",
    description: "The self-paced course for launching a licensed SaaS, with lifetime access.",
    kind: "one_time",
    seatBased: false,
    baseProductId: null,
    ctaLabel: "Enroll in Accelerator",
    translations: {
      sv: {
        description: "Kursen i egen takt om hur man lanserar en licensierad SaaS-tjänst, med livslång tillgång.",
        ctaLabel: "Anmäl dig till Accelerator",
      },
      fr: {
        description: "La formation à suivre à votre rythme pour lancer un SaaS sous licence, avec un accès à vie.",
        ctaLabel: "S’inscrire à Accelerator",
      },
    },
  },
  {
    // An add-on: an extra item on the tenant's Organization subscription (ADR 019).
    id: "prd_uploads_addon",
    key: "uploads_addon",
    name: "Uploads",
    description: "Software uploads for any Organization plan, billed monthly beside your seats.",
    kind: "subscription",
    seatBased: false,
    baseProductId: "prd_organization",
    ctaLabel: null,
    translations: {
      sv: {
        name: "Uppladdningar",
        description: "Uppladdning av programvara för alla Organization-nivåer, fakturerat varje månad tillsammans med licensplatserna.",
      },
      fr: {
        name: "Téléversements",
        description: "Le téléversement de logiciels pour toute offre Organization, facturé chaque mois avec vos sièges.",
      },
    },
  },
] as const;

const TIERS = [
  { tier: "PRO", min: 1, max: 20, monthly: 3500 },
  { tier: "MAX", min: 21, max: 50, monthly: 3000 },
  { tier: "ULTRA", min: 51, max: 100, monthly: 2500 },
] as const;

export const SEED_PRICES: Price[] = [
  ...TIERS.flatMap(({ tier, min, max, monthly }) =>
    (["month", "year"] as const).map((interval) => ({
      id: `prc_organization_${tier.toLowerCase()}_${interval}ly`,
      productId: "prd_organization",
      lookupKey: `organization_${tier.toLowerCase()}_${interval}ly`,
      // Yearly is ten months' price: two months free.
      unitAmount: interval === "month" ? monthly : monthly * 10,
      interval,
      tier,
      minSeats: min,
      maxSeats: max,
      accessDays: null,
    })),
  ),
  {
    id: "prc_accelerator_lifetime",
    productId: "prd_accelerator",
    lookupKey: "accelerator_lifetime",
    unitAmount: 49900,
    interval: null,
    tier: null,
    minSeats: null,
    maxSeats: null,
    accessDays: null,
  },
  {
    id: "prc_uploads_addon_monthly",
    productId: "prd_uploads_addon",
    lookupKey: "uploads_addon_monthly",
    unitAmount: 1500,
    interval: "month",
    tier: null,
    minSeats: null,
    maxSeats: null,
    accessDays: null,
  },
];

type SeedFeature = {
  id: string;
  key: string;
  name: string;
  description: string;
  kind: "boolean" | "limit";
  scope: "user" | "organization";
  translations: CatalogTranslations;
};

// The features today's two products grant (ADR 017). Gates name these keys, never a product.
export const SEED_FEATURES = [
  {
    id: "ftr_accelerator_course",
    key: "accelerator.course",
    name: "Accelerator course",
    description: "Every module and lesson under /accelerator.",
    kind: "boolean",
    scope: "user",
    translations: {
      sv: { name: "Accelerator-kursen", description: "Alla moduler och lektioner under /accelerator." },
      fr: { name: "Formation Accelerator", description: "Tous les modules et toutes les leçons sous /accelerator." },
    },
  },
  {
    id: "ftr_software_download",
    key: "software.download",
    name: "Software downloads",
    description: "Download the system catalog's software and the organisation's own.",
    kind: "boolean",
    scope: "user",
    translations: {
      sv: { name: "Nedladdning av programvara", description: "Ladda ned programvaran i systemkatalogen och organisationens egen." },
      fr: {
        name: "Téléchargement de logiciels",
        description: "Téléchargez les logiciels du catalogue du système et ceux de l’organisation.",
      },
    },
  },
  {
    id: "ftr_roadmap_publish",
    key: "roadmap.publish",
    name: "Public roadmap",
    description: "Publish the organisation's roadmap on a public page.",
    kind: "boolean",
    scope: "organization",
    translations: {
      sv: { name: "Offentlig färdplan", description: "Publicera organisationens färdplan på en offentlig sida." },
      fr: { name: "Feuille de route publique", description: "Publiez la feuille de route de l’organisation sur une page publique." },
    },
  },
  {
    id: "ftr_organization_manage",
    key: "organization.manage",
    name: "Organisation management",
    description: "Members, seats, billing and licence tokens for the organisation's owners and admins.",
    kind: "boolean",
    scope: "organization",
    translations: {
      sv: {
        name: "Hantering av organisationen",
        description: "Medlemmar, licensplatser, fakturering och licenstokens för organisationens ägare och administratörer.",
      },
      fr: {
        name: "Gestion de l’organisation",
        description: "Membres, sièges, facturation et jetons de licence pour les propriétaires et les administrateurs de l’organisation.",
      },
    },
  },
  {
    id: "ftr_uploads_pro",
    key: "uploads.pro",
    name: "Software uploads",
    description: "Publish the organisation's own software for its members to download.",
    kind: "boolean",
    scope: "organization",
    translations: {
      sv: {
        name: "Uppladdning av programvara",
        description: "Publicera organisationens egen programvara så att medlemmarna kan ladda ned den.",
      },
      fr: {
        name: "Téléversement de logiciels",
        description: "Publiez les logiciels de l’organisation pour que ses membres les téléchargent.",
      },
    },
  },
  {
    id: "ftr_uploads_max_bytes",
    key: "uploads.max_bytes",
    name: "Upload size",
    description: "The largest package (in bytes) the organisation may upload; the Worker's UPLOAD_MAX_BYTES stays the ceiling.",
    kind: "limit",
    scope: "organization",
    translations: {
      sv: {
        name: "Uppladdningsstorlek",
        description: "Det största paket (i byte) som organisationen får ladda upp; Workerns UPLOAD_MAX_BYTES är fortfarande taket.",
      },
      fr: {
        name: "Taille de téléversement",
        description: "Le plus gros paquet (en octets) que l’organisation peut téléverser ; UPLOAD_MAX_BYTES du Worker reste le plafond.",
      },
    },
  },
  {
    // A limit no seeded product grants (no limit today); a product or grant that names it caps a published roadmap.
    id: "ftr_roadmap_items_max",
    key: "roadmap.items.max",
    name: "Roadmap items",
    description: "How many items a published roadmap may hold; no limit unless a product or grant sets one.",
    kind: "limit",
    scope: "organization",
    translations: {
      sv: {
        name: "Punkter i färdplanen",
        description:
          "Hur många punkter en publicerad färdplan får innehålla; ingen gräns om inte en produkt eller ett beviljande anger en.",
      },
      fr: {
        name: "Éléments de la feuille de route",
        description:
          "Le nombre d’éléments qu’une feuille de route publiée peut contenir ; aucune limite sauf si un produit ou une attribution en fixe une.",
      },
    },
  },
] as const satisfies readonly SeedFeature[];

type FeatureKey = (typeof SEED_FEATURES)[number]["key"];

const MiB = 1024 * 1024;

// Which product (or price, for tier differences) grants which feature, and with what limit.
export const SEED_PRODUCT_FEATURES: { productId: string; priceId: string | null; feature: FeatureKey; limit: number | null }[] = [
  { productId: "prd_accelerator", priceId: null, feature: "accelerator.course", limit: null },
  { productId: "prd_organization", priceId: null, feature: "software.download", limit: null },
  { productId: "prd_organization", priceId: null, feature: "roadmap.publish", limit: null },
  { productId: "prd_organization", priceId: null, feature: "organization.manage", limit: null },
  // Uploads come with the MAX and ULTRA tiers (both intervals).
  ...SEED_PRICES.filter((p) => p.tier === "MAX" || p.tier === "ULTRA").map((p) => ({
    productId: p.productId,
    priceId: p.id,
    feature: "uploads.pro" as const,
    limit: null,
  })),
  // ...with a package size limit per tier (the Worker's UPLOAD_MAX_BYTES, 200 MiB today, stays the ceiling).
  ...SEED_PRICES.filter((p) => p.tier === "MAX" || p.tier === "ULTRA").map((p) => ({
    productId: p.productId,
    priceId: p.id,
    feature: "uploads.max_bytes" as const,
    limit: p.tier === "MAX" ? 512 * MiB : 1024 * MiB,
  })),
  // The Uploads add-on grants uploads to a PRO-tier organisation.
  { productId: "prd_uploads_addon", priceId: null, feature: "uploads.pro", limit: null },
];

// Trials as data: buying the Accelerator starts a 30-day Organization trial (at the PRO monthly price).
export const SEED_PRICE_TRIALS = [
  { id: "trl_accelerator_organization", priceId: "prc_accelerator_lifetime", trialPriceId: "prc_organization_pro_monthly", days: 30 },
];

const featureId = (key: FeatureKey) => SEED_FEATURES.find((f) => f.key === key)!.id;

const MODULES = [
  {
    slug: "foundations",
    title: "Foundations",
    summary: "What you are selling, to whom, and how access should follow payment.",
    lessons: [
      {
        slug: "pay-first",
        title: "Pay first, provision second",
        body: "Never create an account, a team or a licence before the money is confirmed.\n\nA checkout page returning to your site proves nothing: the buyer can close the tab, reload, or type the URL. Only the payment provider's signed notification says the payment happened. Build your provisioning on that notification, make it idempotent, and your books and your access list will always agree.",
      },
      {
        slug: "entitlements",
        title: "Entitlements are the key",
        body: "An entitlement says: this organisation may use this product, with this many seats, until this date, because of this purchase or grant.\n\nEvery page and every API call asks the same question of the same table. Plans, coupons and trials only change entitlements; they never grant access directly.",
      },
    ],
  },
  {
    slug: "pricing",
    title: "Pricing that scales",
    summary: "Seat tiers, yearly discounts and trials that convert.",
    lessons: [
      {
        slug: "seat-tiers",
        title: "Seat tiers",
        body: "Per-seat pricing is easy to understand and grows with your customer. Tiers reward larger teams: PRO for up to 20 seats, MAX up to 50, ULTRA up to 100.\n\nShow the total live as the buyer picks a team size, and the tier they land in.",
      },
      {
        slug: "trials",
        title: "Trials that convert",
        body: "Collect the payment method up front and a trial converts by itself when it ends. Without one, end the trial cleanly and tell the customer why access stopped.",
      },
    ],
  },
  {
    slug: "operations",
    title: "Operating it",
    summary: "Webhooks, reconciliation and the audit trail.",
    lessons: [
      {
        slug: "webhooks",
        title: "Webhooks you can trust",
        body: "Verify every signature. Record every event id before acting on it, in the same transaction as its effects. Expect duplicates, expect reordering, expect gaps, and run a reconciliation job that closes them.",
      },
      {
        slug: "audit",
        title: "The audit trail",
        body: "Every grant, revoke and seat change answers four questions: who, what, when and why. Write it once, never edit it, and make it searchable for the people who support your customers.",
      },
    ],
  },
];

// The seeded text in other languages fills a row that has none; once an admin has typed any (ADR 026),
// the row keeps theirs, so seeding again never undoes an edit.
const KEEP_ADMIN_TEXT = (table: string) =>
  `translations = CASE WHEN ${table}.translations = '{}' THEN excluded.translations ELSE ${table}.translations END`;

export function catalogSeedStatements(now: number): string[] {
  const out: string[] = [];
  for (const p of SEED_PRODUCTS) {
    out.push(
      `INSERT INTO products (id, key, name, description, kind, published, seat_based, base_product_id, cta_label, translations, created_at) VALUES (${[
        p.id,
        p.key,
        p.name,
        p.description,
        p.kind,
        true,
        p.seatBased,
        p.baseProductId,
        p.ctaLabel,
        JSON.stringify(p.translations),
        now,
      ]
        .map(q)
        .join(
          ", ",
        )}) ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description, ${KEEP_ADMIN_TEXT("products")};`,
    );
  }
  // Prices are immutable: an existing row is left exactly as it is.
  for (const p of SEED_PRICES) {
    out.push(
      `INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, interval, tier, min_seats, max_seats, access_days, published, archived, created_at) VALUES (${[
        p.id,
        p.productId,
        p.lookupKey,
        "eur",
        p.unitAmount,
        p.interval,
        p.tier,
        p.minSeats,
        p.maxSeats,
        p.accessDays,
        true,
        false,
        now,
      ]
        .map(q)
        .join(", ")}) ON CONFLICT(id) DO NOTHING;`,
    );
  }
  for (const f of SEED_FEATURES) {
    out.push(
      `INSERT INTO features (id, key, name, description, kind, scope, translations, created_at, updated_at) VALUES (${[
        f.id,
        f.key,
        f.name,
        f.description,
        f.kind,
        f.scope,
        JSON.stringify(f.translations),
        now,
        now,
      ]
        .map(q)
        .join(
          ", ",
        )}) ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description, ${KEEP_ADMIN_TEXT("features")};`,
    );
  }
  // A product's feature set and a price's trial are the admin's once seeded (changes are audited):
  // rows are only added, and never where the admin already made one (any unique key).
  for (const pf of SEED_PRODUCT_FEATURES) {
    const id = `pf_${pf.priceId ?? pf.productId}_${featureId(pf.feature)}`;
    out.push(
      `INSERT INTO product_features (id, product_id, price_id, feature_id, limit_value, created_at) VALUES (${[
        id,
        pf.productId,
        pf.priceId,
        featureId(pf.feature),
        pf.limit,
        now,
      ]
        .map(q)
        .join(", ")}) ON CONFLICT DO NOTHING;`,
    );
  }
  for (const t of SEED_PRICE_TRIALS) {
    out.push(
      `INSERT INTO price_trials (id, price_id, trial_price_id, days, created_at) VALUES (${[t.id, t.priceId, t.trialPriceId, t.days, now]
        .map(q)
        .join(", ")}) ON CONFLICT DO NOTHING;`,
    );
  }
  MODULES.forEach((m, mi) => {
    const moduleId = `mod_${m.slug}`;
    out.push(
      `INSERT INTO course_modules (id, product_id, slug, title, summary, position) VALUES (${[
        moduleId,
        "prd_accelerator",
        m.slug,
        m.title,
        m.summary,
        mi + 1,
      ]
        .map(q)
        .join(", ")}) ON CONFLICT(id) DO UPDATE SET title = excluded.title, summary = excluded.summary, position = excluded.position;`,
    );
    m.lessons.forEach((l, li) => {
      out.push(
        `INSERT INTO course_lessons (id, module_id, slug, title, body, position) VALUES (${[
          `les_${m.slug}_${l.slug}`,
          moduleId,
          l.slug,
          l.title,
          l.body,
          li + 1,
        ]
          .map(q)
          .join(", ")}) ON CONFLICT(id) DO UPDATE SET title = excluded.title, body = excluded.body, position = excluded.position;`,
      );
    });
  });
  return out;
}

// Entitled downloads (ADR 008): one sample application in the system catalog with one version and
// its version feed, so a fresh dev app has something to download. The file is a few bytes that
// start with the EXE signature; it is not a program. Not applied by the integration tests' setup.
export const SAMPLE_SOFTWARE = {
  catalogId: "cat_system",
  applicationId: "app_sampleagent",
  slug: "gatehouse-sample-agent",
  name: "Gatehouse Sample Agent",
  vendor: "Gatehouse",
  versionId: "ver_sampleagent100",
  version: "1.0.0",
  fileName: "gatehouse-sample-agent-1.0.0.exe",
  key: "system/gatehouse-sample-agent/gatehouse-sample-agent-1.0.0.exe",
  feedKey: "feeds/gatehouse-sample-agent.json",
} as const;

/** The sample package's bytes: "MZ" then a plain-text note. */
export const sampleSoftwareBytes = (): Uint8Array =>
  new TextEncoder().encode("MZ\nGatehouse sample package 1.0.0. Not a program: it shows that entitled downloads work.\n");

/** The version feed the scheduled job reads for the sample application. */
export const sampleSoftwareFeed = (sha256: string) =>
  JSON.stringify({ versions: [{ version: SAMPLE_SOFTWARE.version, key: SAMPLE_SOFTWARE.key, sha256 }] }, null, 2);

export function softwareSeedStatements(now: number, file: { sha256: string; size: number }): string[] {
  const s = SAMPLE_SOFTWARE;
  return [
    `INSERT INTO software_catalogs (id, owner_type, owner_id, name, created_at) VALUES (${[s.catalogId, "system", "system", "Gatehouse software", now].map(q).join(", ")}) ON CONFLICT DO NOTHING;`,
    `INSERT INTO software_applications (id, catalog_id, slug, name, vendor, created_at) VALUES (${[s.applicationId, s.catalogId, s.slug, s.name, s.vendor, now].map(q).join(", ")}) ON CONFLICT DO NOTHING;`,
    `INSERT INTO software_versions (id, application_id, version, download_key, sha256, size, file_name, superseded_by, source, created_by, created_at) VALUES (${[
      s.versionId,
      s.applicationId,
      s.version,
      s.key,
      file.sha256,
      file.size,
      s.fileName,
      null,
      "seed",
      null,
      now,
    ]
      .map(q)
      .join(", ")}) ON CONFLICT DO NOTHING;`,
  ];
}
