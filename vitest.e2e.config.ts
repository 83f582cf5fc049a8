import { defineConfig } from "vitest/config";

/**
 * The browser suite: real server, Debian's Chromium through playwright-core, axe-core on every page at
 * two widths (test/e2e/browser.ts), which takes a few seconds a page: a journey has minutes.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 90_000,
  },
});
