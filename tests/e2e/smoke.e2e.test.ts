import { execFile } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { join } from "node:path";
import { expect, test } from "vitest";
import { nextClientAddress } from "../support/client-address";
import { repoRoot } from "../support/wrangler";
import { appUrl } from "./browser";

// The post-deploy smoke test (npm run smoke:licensing), run as a person runs it: the script, as a
// process, against the test server. And once against a server that drops the security headers, to
// show it can fail.

function smoke(url: string): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve) => {
    execFile(
      join(repoRoot, "node_modules/.bin/tsx"),
      ["tests/smoke/licensing.ts", "--url", url, "--client-ip", nextClientAddress()],
      { cwd: repoRoot, timeout: 90_000 },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, lines: stdout.trim().split("\n") });
      },
    );
  });
}

const CHECKS = [
  "public pricing",
  "security header: Content-Security-Policy",
  "security header: X-Content-Type-Options",
  "security header: framing refused",
  "security header: Strict-Transport-Security",
  "cross-site form post refused",
  "signup (the form)",
  "login of the new, unverified user (the form)",
  "checkout session created",
  "gated page refuses an anonymous user (/accelerator)",
  "gated JSON API refuses an anonymous user (/api/me)",
  "Stripe webhook refuses an unsigned event",
  "logout ends the session",
];

test("the licensing smoke test passes against the running app, one line per check", async () => {
  const { code, lines } = await smoke(appUrl());
  expect(lines, lines.join("\n")).toHaveLength(CHECKS.length + 1);
  CHECKS.forEach((name, i) => expect(lines[i], lines.join("\n")).toMatch(new RegExp(`^✓ ${name.replace(/[()/]/g, "\\$&")}: `)));
  expect(lines.at(-1)).toBe(`✓ ${CHECKS.length} of ${CHECKS.length} checks passed against ${new URL(appUrl()).origin}`);
  expect(lines.find((l) => l.startsWith("✓ login"))).toContain("asks to verify the address");
  expect(lines.find((l) => l.startsWith("✓ checkout session"))).toContain("(intent int_");
  expect(code).toBe(0);
}, 120_000);

test("the smoke test fails (exit 1, ✗ lines) against a server without the security headers", async () => {
  // The app behind a proxy that drops its security headers and changes nothing else.
  const app = new URL(appUrl());
  const proxy: Server = createServer((req, res) => {
    const upstream = request({ host: app.hostname, port: app.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      const headers = { ...up.headers };
      delete headers["content-security-policy"];
      delete headers["x-content-type-options"];
      delete headers["x-frame-options"];
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = proxy.address() as AddressInfo;
    const { code, lines } = await smoke(`http://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(lines).toContain("✗ security header: Content-Security-Policy: missing on /pricing");
    expect(lines).toContain("✗ security header: X-Content-Type-Options: expected nosniff, got null");
    expect(lines).toContain("✗ security header: framing refused: neither X-Frame-Options nor CSP frame-ancestors forbids framing");
    expect(lines.find((l) => l.includes("public pricing"))).toMatch(/^✓ /);
    expect(lines.at(-1)).toMatch(/^✗ \d+ of 13 checks passed against http:\/\/127\.0\.0\.1:/);
  } finally {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
}, 120_000);
