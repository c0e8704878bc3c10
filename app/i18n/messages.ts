import { type TFunction } from "i18next";

// The server's messages (AppError messages, zod messages, form outcomes) are English sentences
// written where the rule lives. The `messages` namespace translates them keyed by that English text
// (gettext style), so a rule keeps its one message and English stays byte-for-byte what it was; a
// message with no entry yet is shown in English.
export const MESSAGE_OPTIONS = { ns: "messages", keySeparator: false, nsSeparator: false } as const;

/** `message` in the translator's language, or as it is when the catalog has no entry for it. */
export function translateMessage(t: TFunction, message: string): string {
  if (!message) return message;
  return t(message, { ...MESSAGE_OPTIONS, defaultValue: message });
}
