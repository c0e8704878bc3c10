import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, type Agent, form, json, pageText, sameRateLimitWindow, signedInAgent, visibleText } from "../factories/http";
import { PRICE } from "../factories/billing";
import { provisionedTenant } from "../factories/provisioned";
import { addMember } from "../factories/tenants";

// Server messages that carry values (ADR 024) in the reader's language: the locked page's reason (a
// product's name), a seat refusal with a count (plural forms), "already a member" (an organisation's
// name, an email), the rate limit. English stays byte for byte what it was.

const fetchIn = (a: Agent, path: string, lang?: string, init: RequestInit = {}) =>
  a.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...(lang ? { "Accept-Language": lang } : {}) } });

const postForm = (a: Agent, path: string, fields: Record<string, string>, lang?: string) =>
  fetchIn(a, path, lang, { ...form(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } });

/** The text a reader sees (React's text separators dropped first, as pageText does). */
const visible = async (res: Response) => visibleText(await pageText(res));

test("the locked page says why in the reader's language, naming the product; its JSON refusal too", async () => {
  const { agent: outsider } = await signedInAgent();
  const fr = await fetchIn(outsider, "/accelerator", "fr");
  expect(fr.status).toBe(403);
  const frText = await visible(fr);
  expect(frText).toContain("Accelerator ne fait pas encore partie de votre abonnement.");
  expect(frText).toContain("Accelerator est verrouillé");
  expect(frText).not.toContain("is not part of your plan");
  const sv = await fetchIn(outsider, "/accelerator/foundations/pay-first", "sv");
  expect(sv.status).toBe(403);
  expect(await visible(sv)).toContain("Accelerator ingår inte i ert abonnemang än.");
  const en = await fetchIn(outsider, "/accelerator");
  expect(await visible(en)).toContain("Accelerator is not part of your plan yet.");

  // A member of an organisation whose plan has seats, without one: downloads are refused in JSON.
  const { tenant } = await provisionedTenant({ seats: 2, name: "Sans Siège" });
  const seatless = await addMember(tenant.id);
  const json403 = await fetchIn(seatless.agent, "/api/catalog/latest", "fr");
  expect(json403.status).toBe(403);
  expect(await json403.json()).toEqual({
    error: "no_access",
    message:
      "Les téléchargements sont inclus dans un abonnement qui comprend le téléchargement de logiciels, avec un siège sur cet abonnement.",
  });
  const enJson = await fetchIn(seatless.agent, "/api/catalog/latest");
  expect(await enJson.json()).toEqual({
    error: "no_access",
    message: "Downloads come with a plan that includes software downloads, and a seat on it.",
  });
});

test("a seat refusal with a count takes the French plural: 1 siège, 2 sièges; English as it was", async () => {
  // Three seats in use (the owner and two members); going down to 2 releases one, to 1 releases two.
  const { owner, tenant } = await provisionedTenant({ seats: 3, name: "Trois Sièges" });
  await addMember(tenant.id, { seat: true });
  await addMember(tenant.id, { seat: true });
  const quote = async (quantity: number, lang?: string) => {
    const res = await fetchIn(owner.agent, `/org/${tenant.slug}/billing?quantity=${quantity}`, lang);
    expect(res.status).toBe(200);
    return visible(res);
  };
  expect(await quote(2, "fr")).toContain("Sièges attribués : 3. Libérez 1 siège avant de passer à 2.");
  expect(await quote(1, "fr")).toContain("Sièges attribués : 3. Libérez 2 sièges avant de passer à 1.");
  expect(await quote(1, "sv")).toContain("Tilldelade licensplatser: 3. Frigör 2 licensplatser innan antalet sänks till 1.");
  expect(await quote(2)).toContain("3 seats are assigned: release 1 seat before going down to 2.");
  expect(await quote(1)).toContain("3 seats are assigned: release 2 seats before going down to 1.");
});

test("'already a member' names the organisation and the address in the reader's language, the field error too", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 2, name: "Déjà Là" });
  const member = await addMember(tenant.id);
  const code = (await env.DB.prepare("SELECT join_code FROM tenants WHERE id = ?").bind(tenant.id).first<{ join_code: string }>())!
    .join_code;
  const join = await postForm(member.agent, "/join", { code }, "fr");
  expect(join.status).toBe(409);
  expect(await visible(join)).toContain("Vous êtes déjà membre de Déjà Là.");
  const joinEn = await postForm(member.agent, "/join", { code });
  expect(await visible(joinEn)).toContain("You are already a member of Déjà Là.");

  const invite = await postForm(owner.agent, `/org/${tenant.slug}/members`, { intent: "invite", email: member.user.email }, "sv");
  expect(invite.status).toBe(409);
  const inviteText = await visible(invite);
  expect(inviteText).toContain("Redan medlem.");
  expect(inviteText).not.toContain("Already a member.");
  const inviteFr = await postForm(owner.agent, `/org/${tenant.slug}/members`, { intent: "invite", email: member.user.email }, "fr");
  expect(await visible(inviteFr)).toContain("Déjà membre.");
  const inviteEn = await postForm(owner.agent, `/org/${tenant.slug}/members`, { intent: "invite", email: member.user.email });
  expect(await visible(inviteEn)).toContain("Already a member.");
});

test("the rate limit's refusal is in the reader's language, in JSON and on the page", async () => {
  const { user } = await signedInAgent();
  await sameRateLimitWindow(3_000, 10);
  // The account's limit (5 a window in tests), each try from another address.
  await Promise.all(
    Array.from({ length: 5 }, (_, i) => agent().fetch("/api/auth/login", json({ email: user.email, password: `wrong-${i}-password` }))),
  );
  const fr = await fetchIn(agent(), "/api/auth/login", "fr", json({ email: user.email, password: "wrong-again-password" }));
  expect(fr.status).toBe(429);
  expect(await fr.json()).toEqual({ error: "rate_limited", message: "Trop de tentatives. Patientez une minute et réessayez." });
  const sv = await postForm(agent(), "/login", { email: user.email, password: "wrong-again-password" }, "sv");
  expect(sv.status).toBe(429);
  expect(await visible(sv)).toContain("För många försök. Vänta en minut och försök igen.");
  const en = await agent().fetch("/api/auth/login", json({ email: user.email, password: "wrong-again-password" }));
  expect(await en.json()).toEqual({ error: "rate_limited", message: "Too many attempts. Wait a minute and try again." });
});

test("a seat count outside its tier is refused in the reader's language, its field error too; nothing is started", async () => {
  const { agent: buyer } = await signedInAgent();
  const intents = async () => (await env.DB.prepare("SELECT count(*) AS n FROM purchase_intents").first<{ n: number }>())!.n;
  const before = await intents();
  const res = await buyer.fetch("/api/billing/create-checkout-session", {
    ...json({ priceId: PRICE.max, quantity: 5, organizationName: "Lyon Trop Petit" }),
    headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
  });
  expect(res.status).toBe(422);
  const body = (await res.json()) as { error: string; message: string; fieldErrors: { quantity: string[] } };
  expect(body.error).toBe("invalid_input");
  expect(body.message).toBe("Le palier MAX couvre de 21 à 50 sièges.");
  expect(body.fieldErrors.quantity).toEqual(["Choisissez un nombre de sièges couvert par ce palier."]);
  expect(await intents()).toBe(before);
});
