// The rules of queued webhook ingestion that need no I/O (ADR 020).

/** Cloudflare Queues' largest message (bytes of its body as sent, JSON here). */
export const QUEUE_MESSAGE_LIMIT_BYTES = 128_000;

/**
 * An event travels inside its queue message up to this size; a larger one (our webhook accepts
 * bodies up to 256 KiB) is stored in its inbox row first and the message only names it. The
 * headroom below the queue's limit is for the message's envelope.
 */
export const INLINE_MESSAGE_MAX_BYTES = 120_000;

const encoder = new TextEncoder();

/** Whether this serialized message fits the queue as it is. */
export const fitsInline = (json: string) =>
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most events skip the encoding.
  json.length * 3 <= INLINE_MESSAGE_MAX_BYTES || encoder.encode(json).byteLength <= INLINE_MESSAGE_MAX_BYTES;

const FIRST_RETRY_SECONDS = 30;
const LONGEST_RETRY_SECONDS = 3600;

/** A failed message comes back after 30 s, doubling with each attempt, at most an hour apart. */
export function retryDelaySeconds(attempts: number): number {
  const exponent = Math.max(0, Math.floor(attempts) - 1);
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.min(exponent, 20), LONGEST_RETRY_SECONDS);
}

/** The inbox states an admin may replay: an event the queue is still retrying, or one it gave up on. */
export const REPLAYABLE: ReadonlySet<string> = new Set(["failed", "dead_lettered"]);
