import { type EMAIL_TEMPLATES } from "../../../db/schema";

// Every email Gatehouse sends: plain, accessible HTML (one column, real text, a visible link
// under each button) and a text part with the same words. Pure: rendered when the outbox row is
// written, so a row holds exactly what will be sent.

export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];
export type RenderedEmail = { template: EmailTemplate; subject: string; text: string; html: string };

type Block = { p: string } | { link: { label: string; href: string } };

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const fmtDay = (ms: number) =>
  new Date(ms).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

function render(template: EmailTemplate, subject: string, blocks: Block[]): RenderedEmail {
  const text = [...blocks.map((b) => ("p" in b ? b.p : `${b.link.label}:\n${b.link.href}`)), "— Gatehouse"].join("\n\n");
  const body = blocks
    .map((b) =>
      "p" in b
        ? `<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`
        : `<p style="margin:0 0 16px"><a href="${escapeHtml(b.link.href)}" style="display:inline-block;padding:10px 16px;background:#1f4b99;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(b.link.label)}</a></p>` +
          `<p style="margin:0 0 16px;font-size:14px;color:#444444">If the button does not work, copy this address into your browser:<br>${escapeHtml(b.link.href)}</p>`,
    )
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
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

export const emails = {
  verifyEmail: (o: { appUrl: string; token: string }) =>
    render("verify_email", "Verify your email address", [
      { p: "Welcome to Gatehouse. Confirm that this address is yours to accept invitations and use everything that depends on it." },
      { link: { label: "Verify my email address", href: link(o.appUrl, `/verify-email?token=${o.token}`) } },
      { p: "The link works once and expires in 24 hours. If you did not create an account, ignore this email." },
    ]),
  changeEmail: (o: { appUrl: string; token: string; newEmail: string }) =>
    render("change_email", "Confirm your new email address", [
      { p: `Someone signed in to Gatehouse asked to change their account's email address to ${o.newEmail}.` },
      { link: { label: "Confirm the new address", href: link(o.appUrl, `/verify-email?token=${o.token}`) } },
      { p: "The link works once and expires in 24 hours. If this was not you, ignore this email: nothing changes." },
    ]),
  emailChanged: (o: { appUrl: string; newEmail: string }) =>
    render("email_changed", "Your Gatehouse email address was changed", [
      { p: `The email address of your Gatehouse account was changed to ${o.newEmail}. Emails will go there from now on.` },
      { p: "If you did not do this, reset your password at once and contact your organisation's administrator." },
      { link: { label: "Reset my password", href: link(o.appUrl, "/forgot-password") } },
    ]),
  resetPassword: (o: { appUrl: string; token: string }) =>
    render("reset_password", "Reset your Gatehouse password", [
      { p: "Someone asked to reset the password of the Gatehouse account with this address." },
      { link: { label: "Choose a new password", href: link(o.appUrl, `/reset-password?token=${o.token}`) } },
      {
        p: "The link works once and expires in one hour. Setting a new password signs you out everywhere else. If you did not ask for this, ignore this email: your password stays as it is.",
      },
    ]),
  invitation: (o: { appUrl: string; organisation: string; role: "admin" | "member"; invitedBy: string }) =>
    render("invitation", `You were invited to ${o.organisation}`, [
      { p: `${o.invitedBy} invited you to join ${o.organisation} on Gatehouse as ${o.role === "admin" ? "an admin" : "a member"}.` },
      { link: { label: "See the invitation", href: link(o.appUrl, "/invitations") } },
      { p: "No account yet? Create one with this email address, verify it, and the invitation is waiting for you." },
    ]),
  trialEnding: (o: { appUrl: string; organisation: string; trialEnd: number }) =>
    render("trial_ending", `Your ${o.organisation} trial ends on ${fmtDay(o.trialEnd)}`, [
      { p: `The Organization trial of ${o.organisation} ends on ${fmtDay(o.trialEnd)}.` },
      {
        p: "To keep access for your members, add a payment method before then. Without one, access ends with the trial; nothing is deleted.",
      },
      { link: { label: "Open your dashboard", href: link(o.appUrl, "/dashboard") } },
    ]),
  paymentFailed: (o: { appUrl: string; organisation: string; accessUntil: number | null }) =>
    render("payment_failed", `A payment for ${o.organisation} failed`, [
      { p: `Stripe could not collect the latest payment for ${o.organisation}.` },
      {
        p: o.accessUntil
          ? `Access continues until ${fmtDay(o.accessUntil)}. Update the payment method before then to keep it.`
          : "Update the payment method to keep access.",
      },
      { link: { label: "Update billing", href: link(o.appUrl, "/dashboard") } },
    ]),
} satisfies Record<string, (o: never) => RenderedEmail>;
