import { type TFunction } from "i18next";
import { type EMAIL_TEMPLATES } from "../../../db/schema";
import { DEFAULT_LOCALE, type Locale } from "../../i18n/config";
import { formatDate } from "../../i18n/format";
import { translatorFor } from "../../i18n/translator.server";

// Every email Gatehouse sends: plain, accessible HTML (one column, real text, a visible link
// under each button) and a text part with the same words, in the recipient's language (the `email`
// namespace of app/locales). Pure: rendered when the outbox row is written, so a row holds exactly
// what will be sent.

export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];
export type RenderedEmail = { template: EmailTemplate; subject: string; text: string; html: string };

type Block = { p: string } | { link: { label: string; href: string } };

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const fmtDay = (ms: number, locale: Locale) => formatDate(ms, locale, "long");

function render(t: TFunction, locale: Locale, template: EmailTemplate, subject: string, blocks: Block[]): RenderedEmail {
  const text = [...blocks.map((b) => ("p" in b ? b.p : `${b.link.label}:\n${b.link.href}`)), "— Gatehouse"].join("\n\n");
  const body = blocks
    .map((b) =>
      "p" in b
        ? `<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`
        : `<p style="margin:0 0 16px"><a href="${escapeHtml(b.link.href)}" style="display:inline-block;padding:10px 16px;background:#1f4b99;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(b.link.label)}</a></p>` +
          `<p style="margin:0 0 16px;font-size:14px;color:#444444">${escapeHtml(t("email:buttonFallback"))}<br>${escapeHtml(b.link.href)}</p>`,
    )
    .join("\n");
  const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff">
<main style="max-width:560px;margin:0 auto">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(subject)}</h1>
${body}
<p style="margin:24px 0 0;font-size:14px;color:#444444">— Gatehouse</p>
</main>
</body></html>`;
  return { template, subject, text, html };
}

const link = (appUrl: string, path: string) => new URL(path, appUrl).toString();

/** The email's translator and renderer in `locale`. */
function inLocale(locale: Locale = DEFAULT_LOCALE) {
  const t = translatorFor(locale);
  return { t, render: (template: EmailTemplate, subject: string, blocks: Block[]) => render(t, locale, template, subject, blocks) };
}

export const emails = {
  verifyEmail: (o: { appUrl: string; token: string; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("verify_email", t("email:verifyEmail.subject"), [
      { p: t("email:verifyEmail.intro") },
      { link: { label: t("email:verifyEmail.button"), href: link(o.appUrl, `/verify-email?token=${o.token}`) } },
      { p: t("email:verifyEmail.outro") },
    ]);
  },
  changeEmail: (o: { appUrl: string; token: string; newEmail: string; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("change_email", t("email:changeEmail.subject"), [
      { p: t("email:changeEmail.intro", { newEmail: o.newEmail }) },
      { link: { label: t("email:changeEmail.button"), href: link(o.appUrl, `/verify-email?token=${o.token}`) } },
      { p: t("email:changeEmail.outro") },
    ]);
  },
  emailChanged: (o: { appUrl: string; newEmail: string; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("email_changed", t("email:emailChanged.subject"), [
      { p: t("email:emailChanged.intro", { newEmail: o.newEmail }) },
      { p: t("email:emailChanged.warning") },
      { link: { label: t("email:emailChanged.button"), href: link(o.appUrl, "/forgot-password") } },
    ]);
  },
  resetPassword: (o: { appUrl: string; token: string; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("reset_password", t("email:resetPassword.subject"), [
      { p: t("email:resetPassword.intro") },
      { link: { label: t("email:resetPassword.button"), href: link(o.appUrl, `/reset-password?token=${o.token}`) } },
      { p: t("email:resetPassword.outro") },
    ]);
  },
  invitation: (o: { appUrl: string; organisation: string; role: "admin" | "member"; invitedBy: string; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("invitation", t("email:invitation.subject", { organisation: o.organisation }), [
      {
        p: t(o.role === "admin" ? "email:invitation.introAdmin" : "email:invitation.introMember", {
          invitedBy: o.invitedBy,
          organisation: o.organisation,
        }),
      },
      { link: { label: t("email:invitation.button"), href: link(o.appUrl, "/invitations") } },
      { p: t("email:invitation.outro") },
    ]);
  },
  trialEnding: (o: { appUrl: string; organisation: string; trialEnd: number; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    const date = fmtDay(o.trialEnd, o.locale ?? DEFAULT_LOCALE);
    return render("trial_ending", t("email:trialEnding.subject", { organisation: o.organisation, date }), [
      { p: t("email:trialEnding.intro", { organisation: o.organisation, date }) },
      { p: t("email:trialEnding.outro") },
      { link: { label: t("email:trialEnding.button"), href: link(o.appUrl, "/dashboard") } },
    ]);
  },
  paymentFailed: (o: { appUrl: string; organisation: string; accessUntil: number | null; locale?: Locale }) => {
    const { t, render } = inLocale(o.locale);
    return render("payment_failed", t("email:paymentFailed.subject", { organisation: o.organisation }), [
      { p: t("email:paymentFailed.intro", { organisation: o.organisation }) },
      {
        p: o.accessUntil
          ? t("email:paymentFailed.accessUntil", { date: fmtDay(o.accessUntil, o.locale ?? DEFAULT_LOCALE) })
          : t("email:paymentFailed.updateMethod"),
      },
      { link: { label: t("email:paymentFailed.button"), href: link(o.appUrl, "/dashboard") } },
    ]);
  },
} satisfies Record<string, (o: never) => RenderedEmail>;
