import { type Resource } from "i18next";
import en_common from "../locales/en/common.json";
import en_messages from "../locales/en/messages.json";
import en_auth from "../locales/en/auth.json";
import en_account from "../locales/en/account.json";
import en_orgs from "../locales/en/orgs.json";
import en_billing from "../locales/en/billing.json";
import en_admin from "../locales/en/admin.json";
import en_email from "../locales/en/email.json";
import sv_common from "../locales/sv/common.json";
import sv_messages from "../locales/sv/messages.json";
import sv_auth from "../locales/sv/auth.json";
import sv_account from "../locales/sv/account.json";
import sv_orgs from "../locales/sv/orgs.json";
import sv_billing from "../locales/sv/billing.json";
import sv_admin from "../locales/sv/admin.json";
import sv_email from "../locales/sv/email.json";
import fr_common from "../locales/fr/common.json";
import fr_messages from "../locales/fr/messages.json";
import fr_auth from "../locales/fr/auth.json";
import fr_account from "../locales/fr/account.json";
import fr_orgs from "../locales/fr/orgs.json";
import fr_billing from "../locales/fr/billing.json";
import fr_admin from "../locales/fr/admin.json";
import fr_email from "../locales/fr/email.json";
import { type Locale, type Namespace } from "./config";

// Every translation file, bundled into the Worker (Workers have no file system to read them from at
// run time). Static imports, not import.meta.glob: wrangler bundles the Worker entry with esbuild,
// which has no glob. A new locale or namespace is added here too (the key test checks the folders).
// The browser loads its own language's files on demand instead (app/i18n/client.ts).
export const resources = {
  en: {
    common: en_common,
    messages: en_messages,
    auth: en_auth,
    account: en_account,
    orgs: en_orgs,
    billing: en_billing,
    admin: en_admin,
    email: en_email,
  },
  sv: {
    common: sv_common,
    messages: sv_messages,
    auth: sv_auth,
    account: sv_account,
    orgs: sv_orgs,
    billing: sv_billing,
    admin: sv_admin,
    email: sv_email,
  },
  fr: {
    common: fr_common,
    messages: fr_messages,
    auth: fr_auth,
    account: fr_account,
    orgs: fr_orgs,
    billing: fr_billing,
    admin: fr_admin,
    email: fr_email,
  },
} satisfies Record<Locale, Record<Namespace, unknown>> & Resource;
