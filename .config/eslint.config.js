// ESLint flat config. It lives in .config/ because the repository's top level is fixed.
// TypeScript files are linted with typescript-eslint's type-checked rules, against the same
// three programs `npm run typecheck` builds (app + workerd tests, Node-side tests and tools,
// the local Stripe).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import i18next from "eslint-plugin-i18next";

const root = `${import.meta.dirname}/..`;

export default tseslint.config(
  {
    ignores: [
      "build/**",
      "node_modules/**",
      ".wrangler/**",
      "**/.wrangler/**",
      "tests/artifacts/**",
      "app/worker-configuration.d.ts",
      "tests/stripe-emulator/worker-configuration.d.ts",
    ],
  },
  js.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ["./tsconfig.json", "./tests/tsconfig.node.json", "./tests/stripe-emulator/tsconfig.json"],
        tsconfigRootDir: root,
      },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      // Guards throw Responses (redirects, 401/403/404): Remix's contract for loaders and actions.
      "@typescript-eslint/only-throw-error": [
        "error",
        {
          allow: [
            { from: "lib", name: "Response" },
            { from: "package", package: "@cloudflare/workers-types", name: "Response" },
            { from: "package", package: "@remix-run/server-runtime", name: "TypedResponse" },
            { from: "package", package: "@remix-run/router", name: "DataWithResponseInit" },
          ],
        },
      ],
      "no-console": ["error", { allow: ["warn", "error", "info"] }],
    },
  },
  {
    files: ["tests/**/*.ts", "app/**/*.test.ts", "db/seed.ts", ".ci/**", "**/*.config.ts"],
    rules: {
      "no-console": "off",
      // Test doubles stand in for async functions without awaiting anything.
      "@typescript-eslint/require-await": "off",
      // `(await res.json()) as T` is how a test states the shape it expects; Node's Response has no json<T>().
      "@typescript-eslint/no-unnecessary-type-assertion": "off",
      // expect.any() and friends are typed `any` by vitest.
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  // Every word a page shows goes through t() (ADR 023): text written straight into JSX fails the lint.
  {
    files: ["app/**/*.tsx"],
    plugins: { i18next },
    rules: {
      "i18next/no-literal-string": [
        "error",
        {
          mode: "jsx-text-only",
          // The plugin's own exclusions (punctuation and digits, constants, emoji), widened to the
          // separators and marks pages put between values and to upper-case codes (SHA-256): none of
          // them is a word to translate.
          words: { exclude: ["[\\s0-9!-/:-@[-`{-~·■→←×]+", "[A-Z0-9_-]+", "^\\p{Emoji}+$"] },
        },
      ],
    },
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
