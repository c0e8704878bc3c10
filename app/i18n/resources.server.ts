import { type Resource } from "i18next";
import { LOCALES, NAMESPACES } from "./config";

// Every translation file, bundled into the Worker (Workers have no file system to read them from
// at run time). The browser loads its own language's files on demand instead (app/i18n/client.ts).
const files = import.meta.glob<{ default: Record<string, unknown> }>("../locales/*/*.json", { eager: true });

export const resources: Resource = Object.fromEntries(
  LOCALES.map((locale) => [
    locale,
    Object.fromEntries(
      NAMESPACES.map((ns) => {
        const file = files[`../locales/${locale}/${ns}.json`];
        if (!file) throw new Error(`Missing translation file app/locales/${locale}/${ns}.json`);
        return [ns, file.default];
      }),
    ),
  ]),
);
