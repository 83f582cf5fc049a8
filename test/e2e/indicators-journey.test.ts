/// <reference lib="dom" />
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { DEMO_ORGANISATIONS } from "../../src/modules/demo/demo.js";
import type { DatasetKind } from "../../src/domain/indicators/formats.js";
import { createUser, TEST_PASSWORD } from "../helpers.js";
import {
  ARTEFACTS,
  expectAccessible,
  launchBrowser,
  startApp,
  watchConsole,
  type RunningApp,
} from "./browser.js";

let running: RunningApp;
let browser: Browser;
const fixtures = path.resolve("test/fixtures/datasets");

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  // The sample files are the demo providers' (README, "Quick start").
  for (const org of DEMO_ORGANISATIONS.filter((o) => o.kind === "provider"))
    await running.services.organisations.create(SYSTEM_ACTOR, org);
  for (const kind of ["treatment-journeys", "sp-outcomes", "hia-activity"] satisfies DatasetKind[]) {
    await running.services.datasets.importFile(SYSTEM_ACTOR, {
      kind,
      fileName: `${kind}.csv`,
      input: fs.createReadStream(path.join(fixtures, `${kind}.csv`)),
      replace: false,
    });
  }
});

afterAll(async () => {
  await browser.close();
  await running.close();
});

describe("a commissioner reading indicators", () => {
  it("reads the library, then each framework's values with tables and charts, all accessible", async () => {
    const user = await createUser(running.services, ["commissioner"]);
    const context = await browser.newContext({ baseURL: running.baseUrl });
    const page = await context.newPage();
    const errors = watchConsole(page);
    await page.goto("/sign-in");
    await page.getByLabel("Email address").fill(user.email);
    await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");

    await page.goto("/indicators");
    await expectAccessible(page, "indicator library");
    expect(await page.locator("body").textContent()).toContain("SM03");

    for (const [framework, periodEnd] of [
      ["A", "2025-03-31"],
      ["B", "2025-03-31"],
      ["HIA", "2025-03-31"],
    ] as const) {
      const response = await page.goto(`/indicators/values?framework=${framework}&periodEnd=${periodEnd}`);
      expect(response?.status()).toBe(200);
      await expect.poll(() => page.locator("table").count()).toBeGreaterThan(0);
      await expectAccessible(page, `indicator values ${framework}`);
    }
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTEFACTS, "indicators.png"), fullPage: true });

    const bad = await page.goto("/indicators/values?framework=A&periodEnd=2025-02-30");
    expect(bad?.status()).toBe(400);
    await expectAccessible(page, "indicator values with an error");

    // Text the database cannot store: the error page that lists the fields.
    const hostile = await page.goto("/indicators/values?framework=A&periodEnd=2025-03-31&providerCode=%00");
    expect(hostile?.status()).toBe(400);
    expect(await page.locator(".govuk-error-summary").textContent()).toContain("providerCode");
    await expectAccessible(page, "text that cannot be stored");
    // The refused form answers 400 on purpose; Chromium logs that status, nothing else may appear.
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
  });
});
