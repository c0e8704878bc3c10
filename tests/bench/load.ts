// One bounded load against the app with autocannon: requests per second from autocannon's count,
// p50/p99 computed from every response time (autocannon's own histogram has 1 ms resolution).
import autocannon, { type Options, type RequestSpec } from "autocannon";

export type LoadResult = {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** Every response time in ms, sorted (kept so alternating rounds can be pooled). */
  times: number[];
};

export type LoadSpec = {
  url: string;
  connections: number;
  /** Seconds; the run also stops here when `amount` is given. */
  duration: number;
  amount?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: RequestSpec[];
};

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = [];
  // autocannon treats a key set to undefined as a value (e.g. "undefined HTTP method"): leave them out.
  const options = Object.fromEntries(
    Object.entries({
      url: spec.url,
      connections: spec.connections,
      duration: spec.duration,
      amount: spec.amount,
      timeout: 10,
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      requests: spec.requests,
    }).filter(([, v]) => v !== undefined),
  ) as Options;
  const instance = autocannon(options);
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    times.push(responseTime);
  });
  // `amount` overrides autocannon's duration; this keeps every run bounded in time as well.
  const guard = spec.amount ? setTimeout(() => instance.stop(), spec.duration * 1000) : undefined;
  const result = await instance;
  clearTimeout(guard);
  times.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]));
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    times,
  };
}

/** Pools rounds of the same scenario: total requests over total time, percentiles over all responses. */
export function pool(rounds: LoadResult[]): LoadResult {
  const times = rounds.flatMap((r) => r.times).sort((a, b) => a - b);
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    statusCodes,
    times,
  };
}
