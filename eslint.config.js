// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "data",
      "migrations",
      "coverage",
      "test-results",
      "bin/*.js",
      "*.config.js",
      "src/web/public/**",
      ".ci/**",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Fastify plugins and hooks are async by contract, with or without an await inside.
      "@typescript-eslint/require-await": "off",
      // An empty form field means "not given": `||` on strings is intended.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
    },
  },
  // The layering of docs/architecture.md; test/architecture.test.ts also holds it, and the lines between modules.
  {
    files: ["src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^(\\.\\./)+(db|modules|web|jobs|cli)/|^(\\.\\./)+(errors|config|services|server|startup)\\.js$",
              message:
                "src/domain/ holds the framework's rules as pure functions: it imports nothing of ours outside domain/.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/modules/**/service.ts", "src/modules/**/queries.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+web/",
              message:
                "Use cases and reads do not import web/: raise an error from src/errors.ts and let the route answer.",
            },
          ],
        },
      ],
    },
  },
);
