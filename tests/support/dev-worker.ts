// `wrangler dev` without the devtools inspector, for the benchmark: wrangler's own dev server
// (unstable_startWorker, the engine behind the `wrangler dev` command) with `dev.inspector: false`,
// which the command line cannot set. With the inspector on, every subrequest the Worker makes
// (each local D1 call is one) is relayed as DevTools Network events through wrangler's Node
// process and written to its debug log: several ms of CPU per request that production never pays
// and that a bare Worker never triggers. See docs/benchmarks.md.
// Usage: tsx tests/support/dev-worker.ts '<json options>'; runs until SIGTERM or SIGINT.
import { unstable_startWorker } from "wrangler";

type Options = { config: string; port: number; persistTo: string; vars: Record<string, string> };

const opts = JSON.parse(process.argv[2] ?? "{}") as Options;
const worker = await unstable_startWorker({
  config: opts.config,
  bindings: Object.fromEntries(Object.entries(opts.vars).map(([name, value]) => [name, { type: "plain_text", value }])),
  dev: {
    server: { hostname: "127.0.0.1", port: opts.port },
    inspector: false,
    persist: opts.persistTo,
    logLevel: "warn",
    watch: false,
    liveReload: false,
  },
});
await worker.ready;
console.info(`dev-worker ready on ${(await worker.url).href}`);

const stop = () => {
  void worker.dispose().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
