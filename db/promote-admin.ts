// Makes an existing user a system admin, with an audit row:
//   npm run admin:promote -- person@example.com            (local D1)
//   npm run admin:promote -- person@example.com --remote   (production D1)
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const remote = args.includes("--remote");
const email = args
  .find((a) => !a.startsWith("--"))
  ?.trim()
  .toLowerCase();
if (!email || !/^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/.test(email)) {
  console.error("Usage: npm run admin:promote -- person@example.com [--remote]");
  process.exit(2);
}
// The email matched a strict pattern above, so it cannot break out of the SQL string.
const sql = [
  `INSERT INTO audit_log (at, actor_type, actor_id, action, target_type, target_id, before, after, reason)
   SELECT ${Date.now()}, 'system', 'admin:promote', 'user.promoted_admin', 'user', id, '{"isSystemAdmin":false}', '{"isSystemAdmin":true}', 'Promoted with npm run admin:promote'
   FROM users WHERE email = '${email}' AND is_system_admin = 0 AND email_verified_at IS NOT NULL;`,
  // Only a verified address: whoever signed up with an address they do not own must not be promoted.
  `UPDATE users SET is_system_admin = 1 WHERE email = '${email}' AND email_verified_at IS NOT NULL;`,
  `SELECT email, is_system_admin, email_verified_at FROM users WHERE email = '${email}';`,
].join("\n");
const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", remote ? "--remote" : "--local", "--json", "--command", sql], {
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (result.status !== 0) {
  console.error(result.stdout, result.stderr);
  process.exit(result.status ?? 1);
}
const out = JSON.parse(result.stdout) as { results: { email: string; is_system_admin: number; email_verified_at: number | null }[] }[];
const row = out.at(-1)?.results[0];
if (!row) {
  console.error(`No account with email ${email}: sign up first, then promote.`);
  process.exit(1);
}
if (row.email_verified_at === null) {
  console.error(`${email} has not verified its email address yet: ask its owner to open the verification link, then promote again.`);
  process.exit(1);
}
console.info(`${row.email} is now a system admin${remote ? " (remote)" : " (local)"}.`);
