import { type ActionFunctionArgs, redirect } from "@remix-run/cloudflare";
import { z } from "zod";
import { saveLocale } from "../domain/accounts/accounts.server";
import { safeRedirect } from "../domain/accounts/safe-redirect";
import { LocaleSchema } from "../i18n/config";
import { isSecureAppUrl } from "../infra/auth/session.server";
import { langCookie } from "../infra/i18n/locale.server";
import { runJson } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";

const LanguageInput = z.object({ locale: LocaleSchema, redirectTo: z.string().max(2048).optional() });

// The footer's language switcher (a plain form, no JavaScript needed): the choice goes in the `lang`
// cookie and, for a signed-in user, on the account; then back to the page, if it is one of ours.
export async function action({ request, context }: ActionFunctionArgs) {
  return runJson(async () => {
    const input = parseWith(LanguageInput, await readForm(request));
    const session = await context.session();
    if (session) await saveLocale({ db: context.db, userId: session.user.id, locale: input.locale });
    const cookie = await langCookie(isSecureAppUrl(context.config)).serialize(input.locale);
    return redirect(safeRedirect(input.redirectTo, "/"), { headers: { "Set-Cookie": cookie } });
  });
}

export function loader() {
  return redirect("/");
}
