import { type AppLoadContext } from "@remix-run/cloudflare";
import type Stripe from "stripe";
import { type ActiveSession, isSecureAppUrl, lookupSession, readSessionToken } from "./infra/auth/session.server";
import { type Db, createDb } from "./infra/d1/db.server";
import { type PageRows, type PageStatements, pageReads } from "./infra/d1/page-read.server";
import { type AppConfig, readConfig } from "./infra/env.server";
import { createStripeClient } from "./infra/stripe/client.server";
import { createBillingGateway } from "./infra/stripe/gateway.server";
import { type BillingGateway } from "./domain/billing/types";
import { type Access } from "./domain/entitlements/access";
import { accessFromRows, accessStatement, loadAccess } from "./domain/entitlements/access.server";
import { deliverOutbox } from "./domain/email/outbox.server";
import { cloudflareEmailSender } from "./infra/email/sender.server";
import { clientAddress, enforceRateLimit, type RateLimitPolicy, withinRateLimit } from "./infra/http/rate-limit.server";
import { type AllocatorFor } from "./domain/seats/types";
import { seatAllocators } from "./infra/durable-objects/seat-allocator.server";
import { type StripeEventQueue } from "./domain/billing/queue.server";
import { stripeEventQueue } from "./infra/queues/stripe-events.server";
import { type i18n } from "i18next";
import { type Locale } from "./i18n/config";
import { i18nFor } from "./i18n/translator.server";
import { detectLocale } from "./infra/i18n/locale.server";
import { catalogChanged } from "./domain/catalog/catalog-version.server";

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext };
    config: AppConfig;
    db: Db;
    /** The signed-in user's session, resolved once per request. */
    session: () => Promise<ActiveSession | null>;
    /** The signed-in user's access, one D1 query, computed once per request (null when signed out). */
    access: () => Promise<Access | null>;
    /**
     * A signed-in GET page's reads: its statements go into the session lookup's batch (with the
     * access statement), one D1 round trip for the page. Pages call it through `requirePage`.
     */
    readPage: (statements: PageStatements) => Promise<{ session: ActiveSession | null; access: Access | null; rows: PageRows }>;
    /** The domain's view of Stripe (official SDK underneath). */
    billing: () => BillingGateway;
    now: () => number;
    /** This response's Content-Security-Policy nonce, for the inline scripts the document renders. */
    nonce: string;
    /** Counts an attempt against a rate-limit policy for `key`; throws a 429 AppError past the limit. */
    limit: (policy: RateLimitPolicy, key: string) => Promise<void>;
    /** Counts an attempt like `limit`, answering whether it is within the limit instead of throwing. */
    withinLimit: (policy: RateLimitPolicy, key: string) => Promise<boolean>;
    /** The client's address (CF-Connecting-IP), the key of per-client limits. */
    clientAddress: string;
    /** The seat allocator (a Durable Object) of each tenant, as the domain's port. */
    seats: AllocatorFor;
    /** The private R2 bucket of entitled downloads. */
    files: R2Bucket;
    /** The queue verified Stripe events go to; the Worker's queue() consumes them. */
    stripeEvents: StripeEventQueue;
    /** The request's language (saved choice, `lang` cookie, Accept-Language, English), decided once. */
    locale: () => Promise<Locale>;
    /** This request's own i18next instance in its language (never shared between requests). */
    i18n: () => Promise<i18n>;
    /** Sends these outbox rows after the response (the cron retries what fails). */
    sendEmails: (ids: readonly string[]) => void;
    /**
     * This isolate changed the catalog: its storefront cache rereads the catalog version on the
     * next request (ADR 025). The Worker's memo, reached here because the server build bundles its own copy of every module.
     */
    catalogChanged: () => void;
  }
}

// The request's language and i18next instance, decided once per context (not per closure: see locale()).
const locales = new WeakMap<AppLoadContext, Promise<Locale>>();
const instances = new WeakMap<AppLoadContext, Promise<i18n>>();
function localeOf(context: AppLoadContext, request: Request, secure: boolean): Promise<Locale> {
  let locale = locales.get(context);
  if (!locale) {
    locale = detectLocale({ request, saved: () => context.session().then((s) => s?.user.locale), secure });
    locales.set(context, locale);
  }
  return locale;
}
function i18nOf(context: AppLoadContext): Promise<i18n> {
  let instance = instances.get(context);
  if (!instance) {
    instance = context.locale().then(i18nFor);
    instances.set(context, instance);
  }
  return instance;
}

// Everything a loader or action needs, built per request from the bindings: no module-level clients.
// `d1` is the request's handle from requestD1 (ADR 021: which D1 copy it may read); without one, the primary.
export function createLoadContext(deps: {
  request: Request;
  env: Env;
  ctx: ExecutionContext;
  nonce?: string;
  d1?: D1Database;
}): AppLoadContext {
  const config = readConfig(deps.env);
  const db = createDb(deps.d1 ?? deps.env.DB);
  const now = () => Date.now();
  let stripe: Stripe | undefined;
  let access: Promise<Access | null> | undefined;
  // A read fetches the user's access in the session lookup's round trip (every page's nav needs
  // it). A write computes it when first asked, so loaders after an action see what the action did.
  const prefetchAccess = deps.request.method === "GET" || deps.request.method === "HEAD";
  const secure = isSecureAppUrl(config);
  // Page statements that asked to ride in the lookup's batch before it was sent (readPage).
  const reads = pageReads(db.$client);
  // A GET with a session token waits for its loaders' statements; nothing else has any to wait for.
  const lookupOnce = reads.once(
    () =>
      lookupSession({
        db,
        request: deps.request,
        now: now(),
        defer: (p) => deps.ctx.waitUntil(p.catch((e) => console.error("session touch failed", e))),
        alongside: prefetchAccess ? (sessionId) => reads.alongside(sessionId, [accessStatement(db.$client, { sessionId })]) : undefined,
        secure,
      }),
    () => prefetchAccess && Boolean(readSessionToken(deps.request, { secure })),
  );
  const session = () => lookupOnce().then((l) => l.session);
  const context: AppLoadContext = {
    cloudflare: { env: deps.env, ctx: deps.ctx },
    config,
    db,
    now,
    nonce: deps.nonce ?? "",
    session,
    // Methods on purpose: a wrapper that replaces `session` (the bench entry's) is asked for its own user's choice.
    locale(this: AppLoadContext) {
      return localeOf(this, deps.request, isSecureAppUrl(config));
    },
    i18n(this: AppLoadContext) {
      return i18nOf(this);
    },
    access: () =>
      (access ??= lookupOnce().then(({ session: s, alongside }) => {
        if (!s) return null;
        const opts = { isSystemAdmin: s.user.isSystemAdmin, now: now(), switchedOff: config.ACCESS_KILL_SWITCH };
        return alongside ? accessFromRows(alongside[0]!, opts) : loadAccess({ db, userId: s.user.id, ...opts });
      })),
    readPage: async (build) => {
      // In the lookup's batch when it has not been sent yet (a GET's loaders), else a batch of its own.
      const { session: s, rows } = await reads.read(build, prefetchAccess, lookupOnce);
      if (!s) return { session: null, access: null, rows: [] };
      return { session: s, access: await context.access(), rows };
    },
    // The SDK client is built on the gateway's first Stripe call: most requests that take a
    // gateway (a webhook that needs no Stripe read, for one) never make one.
    billing: () => createBillingGateway(() => (stripe ??= createStripeClient(config))),
    seats: seatAllocators(deps.env),
    files: deps.env.FILES,
    stripeEvents: stripeEventQueue(deps.env.STRIPE_EVENTS),
    limit: (policy, key) => enforceRateLimit(deps.env, policy, key),
    withinLimit: (policy, key) => withinRateLimit(deps.env, policy, key),
    clientAddress: clientAddress(deps.request),
    sendEmails: (ids) => {
      if (ids.length === 0) return;
      const sender = cloudflareEmailSender(deps.env.EMAIL, config.EMAIL_FROM);
      deps.ctx.waitUntil(deliverOutbox({ db, sender, now, ids: [...ids] }).catch((e) => console.error("email delivery failed", e)));
    },
    catalogChanged,
  };
  return context;
}
