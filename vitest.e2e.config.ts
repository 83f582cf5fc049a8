import { defineConfig } from "vitest/config";

/** The browser suite: real server, Debian's Chromium through playwright-core, axe-core on every page. */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
