// Reads links from a running app's email outbox (its local D1 under `wrangler --persist-to`), as a
// developer reads them in the `wrangler dev` terminal. Node-side; one (asynchronous) wrangler call per read.
import { runWranglerAsync } from "./wrangler";

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const LINK = /https?:\/\/\S+[?&]token=[A-Za-z0-9_-]{43}/;

/** For each address, the link in its newest email of `template` (one query for all of them). */
export async function outboxLinks(persistTo: string, emails: string[], template: string): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const sql = `SELECT to_address, text_body FROM email_outbox WHERE template = ${quote(template)} AND to_address IN (${emails.map(quote).join(", ")}) ORDER BY created_at`;
  const out = JSON.parse(
    await runWranglerAsync(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql]),
  ) as {
    results: { to_address: string; text_body: string }[];
  }[];
  const links = new Map<string, string>();
  for (const row of out[0]?.results ?? []) {
    const link = LINK.exec(row.text_body)?.[0];
    if (link) links.set(row.to_address, link);
  }
  for (const email of emails) if (!links.has(email)) throw new Error(`no ${template} email with a link to ${email} in the outbox`);
  return links;
}
