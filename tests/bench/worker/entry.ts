// The bench's Worker entry (`npm run bench`; tests/bench/servers.ts points its wrangler config's
// `main` here). It wraps the app's own Worker, which knows nothing of the bench:
//   - answers the ceilings (bare Worker, one D1 read, one D1 write, one queue send) before the app runs;
//   - answers the renewal storm's seed and inbox/effects reads (./storm.ts) before the app runs;
//   - enqueues a backlog of ignored events straight into the app's queue (./backlog.ts), so the
//     bench can time the consumer's drain apart from the webhook's ingest;
//   - counts each request's D1 statements, round trips and wait into X-D1-Queries / X-D1-Round-Trips / X-D1-Wait-Ms, by
//     handing the app an env whose DB is this request's counting wrapper;
//   - serves /__bench/unchecked-lesson/<module>/<lesson> as the app's own /accelerator/<module>/<lesson>
//     request, with the loaders of the bench's server build (./server-build.ts) skipping the access check.
import app from "../../../app/worker";
import {
  BENCH_QUEUE_SINK_BINDING,
  BENCH_UNCHECKED_LESSON_PREFIX,
  CHECKED_LESSON_PREFIX,
  D1_QUERIES_HEADER,
  D1_ROUND_TRIPS_HEADER,
  D1_WAIT_HEADER,
} from "../hooks";
import { benchBacklog } from "./backlog";
import { benchCeiling } from "./ceilings";
import { countingD1 } from "./counting-d1";
import { benchRequest } from "./scope";
import { benchStorm } from "./storm";

export { SeatAllocator } from "../../../app/worker";

// One env object per isolate, as workerd gives the app: the app validates its config once per env
// object, and a fresh env per request would add that work to every bench row. Its DB is whatever
// counting wrapper the current request's scope holds.
const benchEnvs = new WeakMap<Env, Env>();
function benchEnv(env: Env): Env {
  let wrapped = benchEnvs.get(env);
  if (!wrapped) {
    wrapped = new Proxy(env, {
      get: (target, prop) => (prop === "DB" ? (benchRequest.getStore()?.db ?? target.DB) : (Reflect.get(target, prop) as unknown)),
    });
    benchEnvs.set(env, wrapped);
  }
  return wrapped;
}

function withD1Counts(response: Response, d1: ReturnType<typeof countingD1>): Response {
  response.headers.set(D1_QUERIES_HEADER, String(d1.count()));
  response.headers.set(D1_ROUND_TRIPS_HEADER, String(d1.roundTrips()));
  response.headers.set(D1_WAIT_HEADER, String(d1.waitedMs()));
  return response;
}

export default {
  async fetch(request, env, ctx) {
    const d1 = countingD1(env.DB);
    const sink = (env as unknown as Record<typeof BENCH_QUEUE_SINK_BINDING, Queue>)[BENCH_QUEUE_SINK_BINDING];
    const ceiling = await benchCeiling(request, d1.db, sink);
    if (ceiling) return withD1Counts(ceiling, d1);
    const storm = await benchStorm(request, d1.db);
    if (storm) return withD1Counts(storm, d1);
    const backlog = await benchBacklog(request, env.STRIPE_EVENTS);
    if (backlog) return withD1Counts(backlog, d1);
    const url = new URL(request.url);
    const skipAccessCheck = url.pathname.startsWith(BENCH_UNCHECKED_LESSON_PREFIX);
    if (skipAccessCheck) url.pathname = CHECKED_LESSON_PREFIX + url.pathname.slice(BENCH_UNCHECKED_LESSON_PREFIX.length);
    const appRequest = skipAccessCheck ? (new Request(url, request) as typeof request) : request;
    const response = await benchRequest.run({ db: d1.db, skipAccessCheck }, () => app.fetch(appRequest, benchEnv(env), ctx));
    return withD1Counts(response, d1);
  },

  scheduled: (controller, env, ctx) => app.scheduled(controller, env, ctx),
  // The app's own consumer of the webhook queue, on the uncounted env (no request scope).
  queue: (batch, env) => app.queue(batch, env),
} satisfies ExportedHandler<Env>;
