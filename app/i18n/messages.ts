import { type TFunction } from "i18next";
import { type MessageI18n } from "../domain/errors";

// The server's messages (AppError messages, zod messages, form outcomes) are English sentences
// written where the rule lives. The `messages` namespace translates them keyed by that English text
// (gettext style), so a rule keeps its one message and English stays byte-for-byte what it was; a
// message with no entry yet is shown in English. A message with values (a count, a plan's name)
// carries its English template as the key and the values to fill it with (`MessageI18n`, ADR 024); a
// `count` value picks the plural form (`<template>_one`, `<template>_other`).
export const MESSAGE_OPTIONS = { ns: "messages", keySeparator: false, nsSeparator: false } as const;

/** `message` in the translator's language (through its template and values when it has them), or as it is when the catalog has no entry for it. */
export function translateMessage(t: TFunction, message: string, i18n?: MessageI18n | null): string {
  if (!message) return message;
  if (i18n && typeof i18n.key === "string") return t(i18n.key, { ...i18n.values, ...MESSAGE_OPTIONS, defaultValue: message });
  return t(message, { ...MESSAGE_OPTIONS, defaultValue: message });
}
