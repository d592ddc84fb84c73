// ESLint for the page's own JavaScript: its modules run unbundled in the browser (web/js, workers and
// the service worker), and the tests' Node harness imports some of them. The recommended rules, and
// a few that catch what review missed here before: unused names, shadowed globals, == comparisons.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/vendor/**", "**/node_modules/**", "web/kernel/**"] },
  js.configs.recommended,
  {
    files: ["web/**/*.js", "tests/**/*.mjs", "tools/**/*.js", "tools/**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", ignoreRestSiblings: true, caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-shadow-restricted-names": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["tests/**/*.mjs", "tools/**/*.mjs"],
    languageOptions: { globals: { ...globals.node } },
  },
];
