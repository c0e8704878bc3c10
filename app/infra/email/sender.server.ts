// The one port through which email leaves Gatehouse. Today: Cloudflare Email Service's
// `send_email` binding (printed to the terminal under `wrangler dev`). Another provider is another
// implementation of EmailSender; nothing else changes.

export type OutgoingEmail = { to: string; subject: string; text: string; html: string };
export type EmailSender = { send(email: OutgoingEmail): Promise<{ messageId: string }> };

/** Sends through the `send_email` binding as `from` ("Name <address>" or a bare address). */
export function cloudflareEmailSender(binding: SendEmail, from: string): EmailSender {
  const sender = parseFrom(from);
  return {
    async send(email) {
      const result = await binding.send({ from: sender, to: email.to, subject: email.subject, text: email.text, html: email.html });
      return { messageId: result.messageId };
    },
  };
}

function parseFrom(from: string): string | { name: string; email: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  return m ? { name: m[1]!, email: m[2]! } : from.trim();
}
