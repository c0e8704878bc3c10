import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";

declare module "@remix-run/cloudflare" {
  interface Future {
    v3_singleFetch: true;
  }
}

// Builds the Remix app for Cloudflare Workers. The full app (Durable Object included) runs under
// `wrangler dev` on this build; see docs/decisions/005-dev-server-mode.md.
export default defineConfig({
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  ssr: { resolve: { conditions: ["workerd", "worker", "browser"] } },
  resolve: { mainFields: ["browser", "module", "main"] },
  // Runtime modules (e.g. the Durable Object base class) are provided by workerd and bundled by wrangler.
  build: { minify: true, rollupOptions: { external: ["cloudflare:workers"] } },
});
