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

/**
 * What a route error's data says, translated: a guard's plain text, or runLoader's `{ message, i18n? }`
 * (ADR 024); null when it carries no message (the boundary then says the status its own way).
 */
export function routeErrorMessage(t: TFunction, data: unknown): string | null {
  if (typeof data === "string") return translateMessage(t, data);
  const carried = typeof data === "object" && data !== null ? (data as { message?: unknown; i18n?: MessageI18n }) : null;
  return typeof carried?.message === "string" ? translateMessage(t, carried.message, carried.i18n) : null;
}
