import { AppError, withValues } from "../../domain/errors";

// Rate limits through the Workers Rate Limiting binding (wrangler.toml [[ratelimits]]): one
// binding per policy, a fixed window of `period` seconds per key. The binding counts; this module
// names the policies, builds their keys and turns a refusal into a 429 with Retry-After.

export const RATE_LIMITS = {
  loginAccount: { binding: "RL_LOGIN_ACCOUNT", period: 60 },
  loginClient: { binding: "RL_LOGIN_CLIENT", period: 60 },
  signup: { binding: "RL_SIGNUP", period: 60 },
  emailLink: { binding: "RL_EMAIL_LINK", period: 60 },
  join: { binding: "RL_JOIN", period: 60 },
  checkIn: { binding: "RL_CHECK_IN", period: 60 },
  analytics: { binding: "RL_ANALYTICS", period: 60 },
} as const satisfies Record<string, { binding: keyof Env; period: 10 | 60 }>;

export type RateLimitPolicy = keyof typeof RATE_LIMITS;

export const rateLimited = (retryAfter: number) =>
  new AppError({
    code: "rate_limited",
    status: 429,
    // "a minute" is a whole sentence in the catalog; a count of seconds is a plural template.
    ...(retryAfter === 60
      ? { message: "Too many attempts. Wait a minute and try again." }
      : withValues("Too many attempts. Wait {{count}} seconds and try again.", { count: retryAfter })),
    details: { retryAfter },
  });

/** The client's address as Cloudflare saw it; locally, whatever the dev server or test says. */
export const clientAddress = (request: Request) => request.headers.get("CF-Connecting-IP") ?? "unknown";

/** Counts one attempt against `policy` for `key`; false once the window's limit is used. */
export async function withinRateLimit(env: Env, policy: RateLimitPolicy, key: string): Promise<boolean> {
  const { success } = await env[RATE_LIMITS[policy].binding].limit({ key: `${policy}:${key}` });
  return success;
}

/** Counts one attempt against `policy` for `key`; throws a 429 AppError once the window's limit is used. */
export async function enforceRateLimit(env: Env, policy: RateLimitPolicy, key: string): Promise<void> {
  if (!(await withinRateLimit(env, policy, key))) throw rateLimited(RATE_LIMITS[policy].period);
}
