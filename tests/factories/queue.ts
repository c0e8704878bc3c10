import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import worker from "../../app/worker";
import { QUEUE_MESSAGE_LIMIT_BYTES } from "../../app/domain/billing/queue-policy";
import { STRIPE_EVENTS_QUEUE } from "../../app/infra/queues/stripe-events.server";

// The webhook queue, driven deterministically. Under vitest-pool-workers the real local queue
// delivers a batch after max_batch_timeout, on its own timer; tests would have to poll. So the app
// gets a stand-in producer that keeps what the webhook enqueued, and callWorker (./http.ts) runs
// the Worker's own queue() on it before returning, through cloudflare:test's createMessageBatch /
// getQueueResult: when a webhook request returns, its event has been consumed once. A message the
// consumer retried is not redelivered on its own (the real queue would, after its delay): a test
// that wants that calls redeliver().

/** A message as the queue hands it to the consumer (cloudflare:test's ServiceBindingQueueMessage). */
type Message = { id: string; timestamp: Date; attempts: number; body: unknown };

/** One run of queue() on a batch: which messages it acked and which it asked to retry (with their delays). */
export type QueueRun = {
  queue: string;
  messages: Message[];
  acked: string[];
  retried: Message[];
  delays: Record<string, number | undefined>;
  /** What queue() threw, when it did (the isolate "died"): every message it had not acked comes back. */
  crashed: unknown;
};

// getQueueResult()'s answer (its type, FetcherQueueResult, is not in this project's workers-types).
type QueueResult = { ackAll: boolean; explicitAcks: string[]; retryMessages: { msgId: string }[]; retryBatch: { retry: boolean } };

const pending: Message[] = [];
const inflight = new Set<Promise<void>>();
const runs: QueueRun[] = [];

/** Largest batch the consumer gets (wrangler.toml max_batch_size). */
const MAX_BATCH_SIZE = 100;

// The platform's checks on a message (miniflare's broker makes the same), so an event the app
// tried to send whole when it is too large fails here as it would there.
const encoder = new TextEncoder();
function accept(body: unknown, options?: QueueSendOptions): Message {
  if (options?.contentType !== "json") throw new Error(`the app sends JSON messages, not ${options?.contentType ?? "v8"}`);
  const json = JSON.stringify(body);
  const size = encoder.encode(json).byteLength;
  if (size > QUEUE_MESSAGE_LIMIT_BYTES) throw new Error(`message length of ${size} bytes exceeds limit of ${QUEUE_MESSAGE_LIMIT_BYTES}`);
  return { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: JSON.parse(json) as unknown };
}

const standIn = {
  send: async (body: unknown, options?: QueueSendOptions) => {
    pending.push(accept(body, options));
  },
  sendBatch: async (messages: Iterable<MessageSendRequest<unknown>>) => {
    for (const m of messages) pending.push(accept(m.body, m));
  },
} as unknown as Queue;

const envs = new WeakMap<Env, Env>();
/**
 * The env a test request runs with: the real STRIPE_EVENTS binding replaced by the stand-in. An env
 * a test built with its own STRIPE_EVENTS (one that fails, say) keeps it.
 */
export function appEnv(workerEnv: Env): Env {
  if (workerEnv.STRIPE_EVENTS !== env.STRIPE_EVENTS) return workerEnv;
  let wrapped = envs.get(workerEnv);
  if (!wrapped) envs.set(workerEnv, (wrapped = { ...workerEnv, STRIPE_EVENTS: standIn }));
  return wrapped;
}

/** Runs queue() on everything enqueued so far (in batches of max_batch_size) and waits for every run under way. */
export async function drainQueue(workerEnv: Env = env): Promise<void> {
  if (pending.length > 0) {
    const messages = pending.splice(0);
    const run = (async () => {
      for (let i = 0; i < messages.length; i += MAX_BATCH_SIZE) {
        await runQueue(STRIPE_EVENTS_QUEUE, messages.slice(i, i + MAX_BATCH_SIZE), workerEnv);
      }
    })();
    const done = () => inflight.delete(run);
    inflight.add(run);
    run.then(done, done);
  }
  await Promise.all([...inflight]);
}

/** Takes what the webhook enqueued without consuming it (for tests that build their own batches). */
export const takeEnqueued = (): Message[] => pending.splice(0);

/**
 * One batch through the Worker's queue(), as the platform delivers it. `dieAfterAcks: n` kills the
 * "isolate" when the consumer acks its (n+1)th message: that event's effects are committed but its
 * ack is lost, and no message is acked after it, so queue() fails half-way through the batch.
 */
export async function runQueue(
  queue: string,
  messages: Message[],
  workerEnv: Env = env,
  opts: { dieAfterAcks?: number } = {},
): Promise<QueueRun> {
  const batch = createMessageBatch(queue, messages);
  const delays: Record<string, number | undefined> = {};
  let acks = 0;
  if (opts.dieAfterAcks !== undefined) {
    const limit = opts.dieAfterAcks;
    for (const m of batch.messages) {
      const ack = m.ack.bind(m);
      m.ack = () => {
        if (acks++ >= limit) throw new Error("the isolate died");
        ack();
      };
    }
  }
  // cloudflare:test's messages record retry() but not its delay; keep that too.
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (options?: QueueRetryOptions) => {
      delays[m.id] = options?.delaySeconds;
      retry();
    };
  }
  const ctx = createExecutionContext();
  let crashed: unknown = null;
  try {
    await worker.queue(batch, appEnv(workerEnv));
  } catch (e) {
    crashed = e;
  }
  const result = (await getQueueResult(batch, ctx)) as QueueResult;
  const acked = result.ackAll ? messages.map((m) => m.id) : result.explicitAcks;
  const retriedIds = new Set(result.retryMessages.map((r) => r.msgId));
  const comesBack = (m: Message) => !acked.includes(m.id) && (crashed !== null || result.retryBatch.retry || retriedIds.has(m.id));
  const run: QueueRun = { queue, messages, acked, retried: messages.filter(comesBack), delays, crashed };
  runs.push(run);
  return run;
}

/** The messages of a run again, one attempt later, as the queue redelivers them. */
export const redeliver = (messages: Message[], queue = STRIPE_EVENTS_QUEUE, workerEnv: Env = env) =>
  runQueue(
    queue,
    messages.map((m) => ({ ...m, attempts: m.attempts + 1 })),
    workerEnv,
  );

/** A queue message carrying this verified event, as the webhook sends it (for tests that build their own batches). */
export const eventMessage = (event: { id: string; type: string } & Record<string, unknown>, attempts = 1): Message => ({
  id: crypto.randomUUID(),
  timestamp: new Date(),
  attempts,
  body: { kind: "event", event },
});

/** The latest run of queue() (the consumer's view of the latest webhook). */
export const lastQueueRun = (): QueueRun => {
  const run = runs.at(-1);
  if (!run) throw new Error("queue() has not run");
  return run;
};
