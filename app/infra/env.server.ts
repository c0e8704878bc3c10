import { z } from "zod";

// Env is validated on an isolate's first request: a misconfigured deploy fails loudly, not half-way.
const optionalUrl = z.union([z.literal(""), z.url()]).default("");

const EnvSchema = z.object({
  APP_URL: z.url(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, "must be a Stripe secret key (sk_test_...)"),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_"),
  STRIPE_API_BASE: optionalUrl,
  // Embedded Checkout: offered only with a publishable key. STRIPE_JS_URL empty = Stripe's own
  // Stripe.js (what @stripe/stripe-js loads from js.stripe.com); locally, the emulator's stand-in.
  STRIPE_PUBLISHABLE_KEY: z
    .union([z.literal(""), z.string().regex(/^pk_(test|live)_/, "must be a Stripe publishable key (pk_test_...)")])
    .default(""),
  STRIPE_JS_URL: optionalUrl,
  ADMIN_EMAILS: z.string().default(""),
  // The sender of every email: "Name <address>" or an address (an onboarded domain in production).
  EMAIL_FROM: z.string().min(3).default("Gatehouse <no-reply@gatehouse.localhost>"),
  PAST_DUE_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  // The rollback plan's kill switch: "true" closes every entitlement-gated route and API to all but
  // system admins (the locked 403), reading and changing no data. Anything but "true" or "false" is refused.
  ACCESS_KILL_SWITCH: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .default("false")
    .transform((v) => v === "true"),
  // Largest software upload accepted (bytes); 200 MB unless configured.
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 * 1024 ** 3)
    .default(209_715_200),
});

export type AppConfig = z.infer<typeof EnvSchema> & {
  adminEmails: ReadonlySet<string>;
  /** APP_URL is https: secure cookies and HSTS. */
  appIsHttps: boolean;
  /** STRIPE_API_BASE's origin when set (the local emulator's hosted pages), for the CSP's form-action. */
  stripeApiOrigin: string | null;
  /** STRIPE_JS_URL's origin when set (the emulator's Stripe.js stand-in), for the CSP's script-src and frame-src. */
  stripeJsOrigin: string | null;
};

// Bindings and secrets are fixed for an isolate's life (a new deploy or secret starts new isolates),
// so each env object is validated once, not on every request.
const validated = new WeakMap<Env, AppConfig>();

/** The validated configuration for these bindings; throws, naming every bad field, when it is invalid. */
export function readConfig(env: Env): AppConfig {
  let config = validated.get(env);
  if (!config) {
    config = parseConfig(env);
    validated.set(env, config);
  }
  return config;
}

function parseConfig(env: Env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment configuration: ${fields}`);
  }
  const adminEmails = new Set(
    parsed.data.ADMIN_EMAILS.split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
  // Derived here, once per env, rather than parsed again on every request and response.
  const appIsHttps = new URL(parsed.data.APP_URL).protocol === "https:";
  const stripeApiOrigin = parsed.data.STRIPE_API_BASE ? new URL(parsed.data.STRIPE_API_BASE).origin : null;
  const stripeJsOrigin = parsed.data.STRIPE_JS_URL ? new URL(parsed.data.STRIPE_JS_URL).origin : null;
  return Object.freeze({ ...parsed.data, adminEmails, appIsHttps, stripeApiOrigin, stripeJsOrigin });
}
