import { z } from "zod";

// Env is validated once per request: a misconfigured deploy fails loudly, not half-way.
const optionalUrl = z.union([z.literal(""), z.url()]).default("");

const EnvSchema = z.object({
  APP_URL: z.url(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, "must be a Stripe secret key (sk_test_...)"),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_"),
  STRIPE_API_BASE: optionalUrl,
  ADMIN_EMAILS: z.string().default(""),
  PAST_DUE_GRACE_DAYS: z.coerce.number().int().min(0).max(90).default(7),
});

export type AppConfig = z.infer<typeof EnvSchema> & { adminEmails: ReadonlySet<string> };

export function readConfig(env: Env): AppConfig {
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
  return { ...parsed.data, adminEmails };
}
