import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { resources } from "../../app/i18n/resources.server";
import { agent, type Agent, form, json, signedInAgent, uniqueEmail, verifiedAgent, visibleText } from "../factories/http";
import { PRICE, startCheckout, stripe } from "../factories/billing";
import { provisionedTenant } from "../factories/provisioned";
import { SEED_FEATURES } from "../../db/seed-catalog";
import { formatDateTime } from "../../app/i18n/format";
import { addMember, systemAdmin } from "../factories/tenants";

// Languages (ADR 023): the locale is the saved choice, then the `lang` cookie, then Accept-Language,
// then English; the switcher and /account change it; pages, form errors, JSON messages and emails follow it.

const one = <T>(sql: string, ...binds: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...binds)
    .first<T>();
const htmlLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

async function page(a: Agent, path: string, headers: Record<string, string> = {}) {
  const res = await a.fetch(path, { headers });
  expect(res.status, path).toBe(200);
  return res.text();
}

/** Keeps the agent's session cookie across a response that sets another cookie (the agent keeps only one). */
async function keepingSession(a: Agent, fn: () => Promise<Response>) {
  const session = a.cookie;
  const res = await fn();
  const lang = res.headers.get("Set-Cookie")?.split(";")[0];
  a.cookie = [session, lang].filter(Boolean).join("; ");
  return res;
}

test("with no choice and no Accept-Language, pages are English", async () => {
  const html = await page(agent(), "/login");
  expect(htmlLang(html)).toBe("en");
  expect(visibleText(html)).toContain("New to Gatehouse?");
});

test("Accept-Language picks the best of en/sv/fr; an unsupported language falls back to English", async () => {
  const sv = await page(agent(), "/login", { "Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8" });
  expect(htmlLang(sv)).toBe("sv");
  expect(visibleText(sv)).toContain("Ny på Gatehouse?");
  expect(sv).toContain("<title>Logga in · Gatehouse</title>");
  const fr = await page(agent(), "/signup", { "Accept-Language": "de-DE,de;q=0.9,fr;q=0.5" });
  expect(htmlLang(fr)).toBe("fr");
  expect(visibleText(fr)).toContain("Créez votre compte");
  expect(htmlLang(await page(agent(), "/login", { "Accept-Language": "de-DE,ja;q=0.5" }))).toBe("en");
});

test("the switcher sets the lang cookie, which beats Accept-Language, and goes back to the page", async () => {
  const a = agent();
  const res = await a.fetch("/language", { ...form({ locale: "fr", redirectTo: "/signup?redirectTo=%2Fpricing" }) });
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe("/signup?redirectTo=%2Fpricing");
  expect(res.headers.get("Set-Cookie")).toMatch(/^lang=/);
  const html = await page(a, "/login", { "Accept-Language": "sv" });
  expect(htmlLang(html)).toBe("fr");
  expect(visibleText(html)).toContain("Nouveau sur Gatehouse ?");
});

test("the switcher refuses a language it does not know (422, no cookie) and never redirects off-site", async () => {
  const a = agent();
  for (const locale of ["de", "", "EN", "fr-FR", "x".repeat(5000)]) {
    const res = await a.fetch("/language", form({ locale, redirectTo: "/login" }));
    expect(res.status, locale.slice(0, 10)).toBe(422);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("invalid_input");
  }
  for (const redirectTo of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
    const res = await a.fetch("/language", form({ locale: "sv", redirectTo }));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location"), redirectTo).toBe("/");
  }
});

test("a signed-in user's switch is saved on the account and beats the cookie, on another device too", async () => {
  const { agent: a, user, password } = await signedInAgent();
  await keepingSession(a, () => a.fetch("/language", form({ locale: "sv", redirectTo: "/account" })));
  expect(await one<{ locale: string }>("SELECT locale FROM users WHERE id = ?", user.id)).toEqual({ locale: "sv" });
  // Another browser, with a French cookie and French Accept-Language: the saved choice wins once signed in.
  const other = agent();
  await other.fetch("/language", form({ locale: "fr", redirectTo: "/" }));
  expect(htmlLang(await page(other, "/login"))).toBe("fr");
  await keepingSession(other, () => other.fetch("/api/auth/login", json({ email: user.email, password })));
  const html = await page(other, "/account", { "Accept-Language": "fr" });
  expect(htmlLang(html)).toBe("sv");
  expect(visibleText(html)).toContain("Ditt konto");
});

test("the language setting on /account is saved on the user; a bad value is a 422 that changes nothing", async () => {
  const { agent: a, user } = await signedInAgent();
  const bad = await a.fetch("/account", form({ intent: "change-language", locale: "de" }));
  expect(bad.status).toBe(422);
  expect(await one<{ locale: string | null }>("SELECT locale FROM users WHERE id = ?", user.id)).toEqual({ locale: null });
  const ok = await keepingSession(a, () => a.fetch("/account", form({ intent: "change-language", locale: "fr" })));
  expect(ok.status).toBe(302);
  expect(await one<{ locale: string }>("SELECT locale FROM users WHERE id = ?", user.id)).toEqual({ locale: "fr" });
  const html = await page(a, "/account?language=saved");
  expect(htmlLang(html)).toBe("fr");
  expect(visibleText(html)).toContain("Votre langue a été enregistrée.");
});

test("form errors, zod's included, are in the page's language", async () => {
  const res = await agent().fetch("/signup", {
    ...form({ email: "not-an-address", password: "short" }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr" },
  });
  expect(res.status).toBe(422);
  const text = visibleText(await res.text());
  expect(text).toContain("Saisissez une adresse e-mail valide.");
  expect(text).toContain("Le mot de passe doit contenir au moins 10 caractères.");
  expect(text).not.toContain("Enter a valid email address.");
});

test("JSON errors keep their English code; the message follows the language", async () => {
  const body = { email: uniqueEmail("json-fr"), password: "wrong-password-123" };
  const fr = await agent().fetch("/api/auth/login", {
    ...json(body),
    headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
  });
  expect(fr.status).toBe(401);
  expect(await fr.json()).toMatchObject({ error: "invalid_credentials", message: "Adresse e-mail ou mot de passe incorrect." });
  const en = await agent().fetch("/api/auth/login", json(body));
  expect(await en.json()).toMatchObject({ error: "invalid_credentials", message: "Email or password is incorrect." });
  const bad = await agent().fetch("/api/auth/signup", {
    ...json({ email: "nope", password: "correct-horse-battery" }),
    headers: { "Content-Type": "application/json", "Accept-Language": "sv" },
  });
  expect(await bad.json()).toMatchObject({ error: "invalid_input", fieldErrors: { email: ["Ange en giltig e-postadress."] } });
});

// Every key of the page namespaces, as i18next would print it when missing: "ns:key" and the dotted key
// (a plural key, `key_one`/`key_other`, also by its base: what a call without `count` would print).
const rawKeys = (() => {
  const out: string[] = [];
  const walk = (ns: string, obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v && typeof v === "object") walk(ns, v as Record<string, unknown>, `${prefix}${k}.`);
      else
        for (const key of new Set([k, k.replace(/_(zero|one|two|few|many|other)$/, "")])) {
          if (`${prefix}${key}`.includes(".")) out.push(`${ns}:${prefix}${key}`, `${prefix}${key}`);
          else out.push(`${ns}:${key}`);
        }
    }
  };
  for (const ns of ["common", "auth", "account", "orgs", "billing", "admin"])
    walk(ns, (resources.en as Record<string, Record<string, unknown>>)[ns]!, "");
  // Feature keys are data the admin pages show as they are (software.download), not words to translate.
  const featureKeys = new Set<string>(SEED_FEATURES.map((f) => f.key));
  return out.filter((key) => !featureKeys.has(key));
})();

test("no converted page shows a raw translation key, in Swedish or French", async () => {
  expect(rawKeys.length).toBeGreaterThan(50);
  const { agent: signedIn } = await signedInAgent();
  const { owner, tenant, intentId } = await provisionedTenant({ seats: 1, name: "Göteborgs Data AB" });
  const open = await startCheckout(signedIn, { priceId: PRICE.pro, quantity: 2, organizationName: "Lyon Ouvert" });
  const canceled = await startCheckout(signedIn, { priceId: PRICE.pro, quantity: 2, organizationName: "Lyon Annulé" });
  const admin = await systemAdmin();
  const adminPages = [
    "/admin",
    "/admin/tenants",
    "/admin/tenants/new",
    `/admin/tenants/${tenant.id}`,
    "/admin/licences",
    "/admin/catalog",
    "/admin/software",
    "/admin/webhooks",
    "/admin/emails",
    "/admin/audit",
    "/admin/funnel",
    "/admin/jobs",
  ];
  const pages: [Agent, string][] = [
    ...adminPages.map((path): [Agent, string] => [admin.agent, path]),
    [owner.agent, `/org/${tenant.slug}/members`],
    [owner.agent, `/org/${tenant.slug}/roadmap`],
    [owner.agent, `/org/${tenant.slug}/software`],
    [owner.agent, "/dashboard"],
    [owner.agent, `/org/${tenant.slug}/billing`],
    [owner.agent, `/checkout/return?intent=${intentId}`],
    [signedIn, "/dashboard"],
    [signedIn, "/checkout/start?plan=organization&seats=5"],
    [signedIn, `/checkout/return?intent=${open.intentId}`],
    [signedIn, `/checkout/cancel?intent=${canceled.intentId}`],
    [agent(), "/"],
    [agent(), "/pricing"],
    [agent(), "/login"],
    [agent(), "/signup"],
    [agent(), "/forgot-password"],
    [agent(), "/reset-password?token=" + "a".repeat(43)],
    [agent(), "/verify-email?token=" + "a".repeat(43)],
    [agent(), "/no-such-page"],
    [signedIn, "/account"],
    [signedIn, "/join"],
    [signedIn, "/invitations"],
  ];
  // The audit log shows each entry's action as recorded (software.upload): data, like feature keys,
  // even where an action is spelled like a translation key. Only that page, and only those actions.
  const actions = new Set(
    (await env.DB.prepare("SELECT DISTINCT action FROM audit_log").all<{ action: string }>()).results.map((r) => r.action),
  );
  for (const lang of ["sv", "fr"]) {
    for (const [a, path] of pages) {
      const res = await a.fetch(path, { headers: { "Accept-Language": lang } });
      const html = await res.text();
      expect(htmlLang(html), path).toBe(lang);
      const text = visibleText(html);
      // A key as a word of its own: a feature key shown as data (roadmap.items.max) is not a raw key.
      const words = new Set(text.split(/[\s,;()]+/).map((w) => w.replace(/[.:!?]+$/, "")));
      const data = path === "/admin/audit" ? actions : new Set<string>();
      for (const key of rawKeys) expect(words.has(key) && !data.has(key), `${lang} ${path} shows ${key}`).toBe(false);
    }
  }
});

test("pricing, checkout and the dashboard speak Swedish and French, with the money and dates of the language", async () => {
  const sv = visibleText(await page(agent(), "/pricing", { "Accept-Language": "sv" }));
  expect(sv).toContain("Priser");
  expect(sv).toContain("175 € / månad"); // 5 Organization seats at 35 € (visibleText folds the no-break space)
  expect(sv).toContain("Uppgradera till Organization");
  const fr = visibleText(await page(agent(), "/pricing", { "Accept-Language": "fr" }));
  expect(fr).toContain("Tarifs");
  expect(fr).toMatch(/175\s€ \/ mois/);
  expect(fr).toContain("35 € par siège et par mois");
  const en = visibleText(await page(agent(), "/pricing"));
  expect(en).toContain("€175 / month");

  const {
    owner,
    intentId,
    tenant: { slug },
  } = await provisionedTenant({ seats: 2, name: "Göteborgs Data AB" });
  const confirmed = visibleText(await page(owner.agent, `/checkout/return?intent=${intentId}`, { "Accept-Language": "sv" }));
  expect(confirmed).toContain("Betalningen är bekräftad");
  expect(confirmed).toContain("Organization är upplåst för Göteborgs Data AB med 2 licensplatser.");
  const dashboard = visibleText(await page(owner.agent, "/dashboard", { "Accept-Language": "fr" }));
  expect(dashboard).toContain("Pourquoi vous avez accès");
  expect(dashboard).toContain("Organization : oui. Vous êtes membre de Göteborgs Data AB");
  expect(dashboard).toContain("qui dispose de l’offre Organization grâce à un abonnement payant (depuis le");
  // "depuis le 2 déc. 2026": French months, not en-GB's.
  const since = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(Date.now());
  expect(dashboard).toContain(`(depuis le ${since}`);
  expect(visibleText(await page(owner.agent, "/dashboard"))).toContain("Organization: yes. You are a member of Göteborgs Data AB");
  const billing = visibleText(await page(owner.agent, `/org/${slug}/billing`, { "Accept-Language": "fr" }));
  expect(billing).toContain("Göteborgs Data AB : facturation et sièges");
  expect(billing).toContain("2 sièges à 35 € par siège et par mois ; sièges attribués : 1.");
  expect(visibleText(await page(owner.agent, `/org/${slug}/billing`))).toContain("2 seats at €35 per seat per month, 1 assigned.");
});

test("the admin console speaks Swedish and French: its words, dates and numbers, action outcomes and form errors", async () => {
  const admin = await systemAdmin();
  const { tenant } = await provisionedTenant({ seats: 2, name: "Göteborgs Data AB" });
  const created = (await one<{ created_at: number }>("SELECT created_at FROM tenants WHERE id = ?", tenant.id))!.created_at;
  // "2 dec. 2026 20:34" and "2 déc. 2026, 20:34": the language's months, to the minute in UTC.
  const at = (locale: "en" | "sv" | "fr") => formatDateTime(created, locale);

  const sv = await page(admin.agent, `/admin/tenants?q=${tenant.slug}`, { "Accept-Language": "sv" });
  expect(sv).toContain("<title>Administration · Gatehouse</title>");
  const svText = visibleText(sv);
  expect(svText).toContain("Sök på namn, slug, id, Stripe-kund eller medlems e-postadress");
  expect(svText).toContain("Gällande behörigheter");
  expect(svText).toContain(at("sv").replace(/\s+/g, " "));
  const fr = visibleText(await page(admin.agent, `/admin/tenants/${tenant.id}`, { "Accept-Language": "fr" }));
  expect(fr).toContain("Droits d’accès");
  expect(fr).toContain("Abonnement Stripe (");
  expect(fr).toContain(at("fr").replace(/\s+/g, " "));
  const en = visibleText(await page(admin.agent, `/admin/tenants?q=${tenant.slug}`));
  expect(en).toContain("Live entitlements");
  expect(en).toContain(at("en"));

  // An action's outcome and a field error, in the admin's language.
  const grant = (reason: string, lang: string) =>
    admin.agent.fetch(`/admin/tenants/${tenant.id}`, {
      ...form({ intent: "grant", productKey: "accelerator", seats: "0", validUntil: "", reason }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": lang },
    });
  const tooShort = await grant("abc", "fr");
  expect(tooShort.status).toBe(422);
  expect(visibleText(await tooShort.text())).toContain(
    "Certains champs sont à corriger. Motif : Indiquez pourquoi, en 5 caractères au moins.",
  );
  const granted = await grant("Talare på vår konferens", "sv");
  expect(granted.status).toBe(200);
  expect(visibleText(await granted.text())).toContain("Licensen har tilldelats.");
  const feature = await admin.agent.fetch(`/admin/tenants/${tenant.id}`, {
    ...form({ intent: "pro_uploads", enabled: "true" }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr" },
  });
  expect(visibleText(await feature.text())).toContain("Téléversements Pro activés.");
});

test("the members page speaks the French team's words for a full organisation", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 1, name: "École de Lyon" });
  // A member who joins while the only seat is taken (the owner's) has none.
  const member = await verifiedAgent(uniqueEmail("fr-seatless"));
  await owner.agent.fetch(`/org/${tenant.slug}/members`, form({ intent: "invite", email: member.user.email, role: "member" }));
  const invitation = await one<{ id: string }>("SELECT id FROM tenant_invitations WHERE email = ?", member.user.email);
  expect((await member.agent.fetch("/invitations", form({ invitationId: invitation!.id, intent: "accept" }))).status).toBe(200);
  const text = visibleText(await page(owner.agent, `/org/${tenant.slug}/members`, { "Accept-Language": "fr" }));
  // French counts 0 and 1 in the singular.
  expect(text).toContain("1 sur 1 siège attribué, 0 libre.");
  expect(text).toContain("Capacité maximale atteinte : achetez des sièges ou libérez-en un. Acheter des sièges");
});

test("emails go out in the recipient's saved language, else the language of the request that caused them", async () => {
  const outbox = (to: string, template: string) =>
    one<{ subject: string; text_body: string; html_body: string }>(
      "SELECT subject, text_body, html_body FROM email_outbox WHERE to_address = ? AND template = ? ORDER BY created_at DESC LIMIT 1",
      to,
      template,
    );
  // Signing up from a French browser: the verification email is French.
  const email = uniqueEmail("fr-signup");
  const signup = await agent().fetch("/api/auth/signup", {
    ...json({ email, password: "correct-horse-battery" }),
    headers: { "Content-Type": "application/json", "Accept-Language": "fr-FR,fr;q=0.9" },
  });
  expect(signup.status).toBe(200);
  const verify = await outbox(email, "verify_email");
  expect(verify?.subject).toBe("Confirmez votre adresse e-mail");
  expect(verify?.html_body).toContain('<html lang="fr">');

  // A French owner invites a new address from a French browser: the invitation is French.
  const { owner, tenant } = await provisionedTenant({ seats: 3, name: "Lycée de Lyon" });
  const invitee = uniqueEmail("fr-invitee");
  const invite = await owner.agent.fetch(`/org/${tenant.slug}/members`, {
    ...form({ intent: "invite", email: invitee, role: "member" }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr" },
  });
  expect(invite.status).toBe(200);
  const invitation = await outbox(invitee, "invitation");
  expect(invitation?.subject).toBe("Vous êtes invité à rejoindre Lycée de Lyon");
  expect(invitation?.text_body).toContain("vous invite à rejoindre Lycée de Lyon sur Gatehouse en tant que membre");

  // A user who saved Swedish gets Swedish, whatever the inviter's browser says.
  const swede = await verifiedAgent(uniqueEmail("sv-user"));
  await keepingSession(swede.agent, () => swede.agent.fetch("/account", form({ intent: "change-language", locale: "sv" })));
  await owner.agent.fetch(`/org/${tenant.slug}/members`, form({ intent: "invite", email: swede.user.email, role: "admin" }));
  expect((await outbox(swede.user.email, "invitation"))?.subject).toBe("Du har bjudits in till Lycée de Lyon");

  // A French user's own request (resend verification) from an English browser is French.
  const { agent: fr, user } = await signedInAgent(uniqueEmail("fr-user"));
  await keepingSession(fr, () => fr.fetch("/account", form({ intent: "change-language", locale: "fr" })));
  expect((await fr.fetch("/account", form({ intent: "resend-verification" }))).status).toBe(200);
  expect((await outbox(user.email, "verify_email"))?.subject).toBe("Confirmez votre adresse e-mail");
});

test("Stripe Checkout opens in the buyer's language", async () => {
  const { agent: a } = await signedInAgent();
  const sessionLocale = async (acceptLanguage: string | null) => {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (acceptLanguage) headers["Accept-Language"] = acceptLanguage;
    const res = await a.fetch("/api/billing/create-checkout-session", {
      ...json({ priceId: PRICE.accelerator, organizationName: `Språkskolan ${acceptLanguage ?? "en"}` }),
      headers,
    });
    expect(res.status).toBe(200);
    const { intentId } = (await res.json()) as { intentId: string };
    const row = await one<{ stripe_checkout_session_id: string }>(
      "SELECT stripe_checkout_session_id FROM purchase_intents WHERE id = ?",
      intentId,
    );
    return (await stripe().checkout.sessions.retrieve(row!.stripe_checkout_session_id)).locale;
  };
  expect(await sessionLocale("sv-SE")).toBe("sv");
  expect(await sessionLocale(null)).toBe("en");
});

const post = (a: Agent, path: string, fields: Record<string, string>, lang?: string) =>
  a.fetch(path, {
    ...form(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(lang ? { "Accept-Language": lang } : {}) },
  });

test("the roadmap and software pages speak Swedish and French, and English stays as it was", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 2, name: "Lycée Numérique" });
  await owner.agent.fetch(`/org/${tenant.slug}/roadmap`, form({ intent: "add", title: "Carnet de notes", column: "next" }));
  const fr = await page(owner.agent, `/org/${tenant.slug}/roadmap`, { "Accept-Language": "fr" });
  expect(fr).toContain("<title>Feuille de route · Gatehouse</title>");
  const frText = visibleText(fr);
  expect(frText).toContain("Feuille de route de Lycée Numérique");
  expect(frText).toContain("Publier la feuille de route : désactivé");
  expect(frText).toContain("Ajouter un élément");
  expect(frText).toContain("Ensuite");
  const sv = visibleText(await page(owner.agent, `/org/${tenant.slug}/roadmap`, { "Accept-Language": "sv" }));
  expect(sv).toContain("Färdplan för Lycée Numérique");
  expect(sv).toContain("Lägg till punkt");
  const en = visibleText(await page(owner.agent, `/org/${tenant.slug}/roadmap`));
  expect(en).toContain("Lycée Numérique roadmap");
  expect(en).toContain("Make roadmap live: off");
  // Published: the public page's link wraps its address (a tag named like an HTML void element would not).
  expect((await post(owner.agent, `/org/${tenant.slug}/roadmap`, { intent: "publish", published: "true" }, "fr")).status).toBe(200);
  const live = (await page(owner.agent, `/org/${tenant.slug}/roadmap`, { "Accept-Language": "fr" })).replace(/<!-- -->/g, "");
  expect(live).toMatch(new RegExp(`En ligne sur <a [^>]*href="/r/${tenant.slug}">/r/${tenant.slug}</a>`));
  expect(visibleText(live)).toContain("Publier la feuille de route : activé");

  const software = await page(owner.agent, `/org/${tenant.slug}/software`, { "Accept-Language": "fr" });
  expect(software).toContain("<title>Logiciels · Gatehouse</title>");
  const softwareText = visibleText(software);
  expect(softwareText).toContain("Lycée Numérique : logiciels");
  // 0 clients: French puts 0 in the singular.
  expect(softwareText).toContain("0 poste client observé ces 30 derniers jours sur");
  expect(softwareText).toContain("Créer un jeton de licence");
  const token = await post(owner.agent, `/org/${tenant.slug}/software`, { intent: "rotate_token" }, "fr");
  expect(visibleText(await token.text())).toContain("Nouveau jeton de licence créé.");
  const svSoftware = visibleText(await page(owner.agent, `/org/${tenant.slug}/software`, { "Accept-Language": "sv" }));
  expect(svSoftware).toContain("Lycée Numérique: programvara");
  const enSoftware = visibleText(await page(owner.agent, `/org/${tenant.slug}/software`));
  expect(enSoftware).toContain("Lycée Numérique: software");
  expect(enSoftware).toContain("0 clients observed in the last 30 days of");
});

test("a refusal that carries numbers speaks the reader's language: a full organisation in JSON and on the members page, the roadmap limit", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 1, name: "Plein Complet" });
  const member = await addMember(tenant.id);
  const assign = (lang?: string) =>
    owner.agent.fetch(`/api/orgs/${tenant.slug}/seats`, {
      ...json({ userId: member.user.id }),
      headers: { "Content-Type": "application/json", ...(lang ? { "Accept-Language": lang } : {}) },
    });
  const fr = await assign("fr");
  expect(fr.status).toBe(409);
  // The code stays the stable English one; the carried template never leaves the Worker.
  expect(await fr.json()).toMatchObject({
    error: "no_seats_available",
    message: "Capacité maximale atteinte (1 siège) : achetez des sièges ou libérez-en un.",
  });
  expect(fr.headers.get("X-Gatehouse-Message-I18n")).toBeNull();
  const en = await assign();
  expect(await en.json()).toMatchObject({ error: "no_seats_available", message: "All 1 seat is taken: buy more or release one." });
  expect(en.headers.get("X-Gatehouse-Message-I18n")).toBeNull();
  const sv = await assign("sv");
  expect(((await sv.json()) as { message: string }).message).toBe("1 av 1 licensplats är upptagen: köp fler eller frigör den.");

  const onPage = await post(owner.agent, `/org/${tenant.slug}/members`, { intent: "assign", userId: member.user.id }, "fr");
  expect(onPage.status).toBe(409);
  expect(visibleText(await onPage.text())).toContain("Capacité maximale atteinte (1 siège) : achetez des sièges ou libérez-en un.");

  // The roadmap's item limit (a grant of 2) refuses publishing 3 items, in French, naming the limit.
  const roadmap = `/org/${tenant.slug}/roadmap`;
  for (const title of ["Un", "Deux", "Trois"]) await owner.agent.fetch(roadmap, form({ intent: "add", title, column: "now" }));
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO tenant_feature_grants (id, tenant_id, feature_id, limit_value, status, valid_from, valid_until, reason, granted_by, created_at, updated_at)
     VALUES (?, ?, 'ftr_roadmap_items_max', 2, 'active', ?, ?, 'i18n test', ?, ?, ?)`,
  )
    .bind(`tfg_${crypto.randomUUID().slice(0, 12)}`, tenant.id, now - 1000, now + 86_400_000, owner.user.id, now, now)
    .run();
  const refused = await post(owner.agent, roadmap, { intent: "publish", published: "true" }, "fr");
  expect(refused.status).toBe(409);
  expect(visibleText(await refused.text())).toContain(
    "Une feuille de route publiée contient au plus 2 éléments avec votre abonnement (Roadmap items, roadmap.items.max) ; celle-ci en contiendrait 3.",
  );
  const english = await post(owner.agent, roadmap, { intent: "publish", published: "true" });
  expect(visibleText(await english.text())).toContain(
    "A published roadmap holds at most 2 items on your plan (Roadmap items, roadmap.items.max); this one would hold 3.",
  );
});
