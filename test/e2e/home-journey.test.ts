/// <reference lib="dom" />
import path from "node:path";
import fs from "node:fs";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { authenticator } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checklistTasks } from "../../src/db/schema/index.js";
import { systemClock } from "../../src/domain/clock.js";
import { lastCompleteQuarter } from "../../src/domain/data-returns.js";
import { addDays } from "../../src/domain/dates.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import {
  addMembership,
  apiTokenFor,
  asFixture,
  createProjectThroughApi,
  createUser,
  TEST_PASSWORD,
} from "../helpers.js";
import {
  ARTEFACTS,
  expectAccessible,
  launchBrowser,
  startApp,
  watchConsole,
  type RunningApp,
} from "./browser.js";

/**
 * A newcomer signing in as each role finds their next job from the home page within two clicks, and
 * every page on the way passes axe-core.
 */

let running: RunningApp;
let browser: Browser;
const today = systemClock.today();

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
  fs.mkdirSync(ARTEFACTS, { recursive: true });
});

afterAll(async () => {
  await browser.close();
  await running.close();
});

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: running.baseUrl });
  const page = await context.newPage();
  return { page, errors: watchConsole(page) };
}

/** Signs in and lands on the home page, which must pass axe-core. */
async function signInHome(page: Page, email: string, label: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
  await expectAccessible(page, `home of the ${label}`);
  await page.screenshot({ path: path.join(ARTEFACTS, `home-${label}.png`), fullPage: true });
}

describe("each role's next job from the home page", () => {
  it("a commissioner reaches their overdue checklist task in one click", async () => {
    const commissioner = await createUser(running.services, ["commissioner"]);
    const token = await apiTokenFor(running.services, commissioner.id);
    const project = await createProjectThroughApi(running.app, token, { title: "Young people's service" });
    await asFixture(running.services.database.db, (tx) =>
      tx
        .update(checklistTasks)
        .set({ plannedOn: addDays(today, -3), status: "planned" })
        .where(and(eq(checklistTasks.projectId, project.id), eq(checklistTasks.taskKey, "1.1"))),
    );
    const { page, errors } = await newPage();
    await signInHome(page, commissioner.email, "commissioner");
    expect(await page.locator("#your-projects").textContent()).toContain("Young people's service");
    await page.locator("#due table a").first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/projects/${project.id}/checklist/1.1`);
    await expectAccessible(page, "the overdue checklist task");
    // The second way there: the project's own page, from its card.
    await page.goBack();
    await page
      .getByRole("link", { name: /Open project/ })
      .first()
      .click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Young people's service");
    await expectAccessible(page, "the commissioner's project");
    expect(errors).toEqual([]);
  });

  it("a board member reaches the decisions awaiting their board in one click", async () => {
    const lead = await createUser(running.services, ["commissioner"]);
    const project = await createProjectThroughApi(running.app, await apiTokenFor(running.services, lead.id), {
      title: "Adult treatment service",
    });
    const member = await createUser(running.services, ["board-member"]);
    await addMembership(running.services.database, "KDAAT_BOARD", member.id, "chair");
    const { page, errors } = await newPage();
    await signInHome(page, member.email, "board-member");
    expect(await page.locator("#decisions").textContent()).toContain("KDAAT Board");
    await page.getByRole("link", { name: "Everything waiting for the KDAAT Board" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/governance/KDAAT_BOARD/awaiting");
    expect(await page.locator("main").textContent()).toContain("Adult treatment service");
    await expectAccessible(page, "what awaits the KDAAT Board");
    await page.goBack();
    await page.locator(`#decisions a[href="/projects/${project.id}"]`).first().click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Adult treatment service");
    await expectAccessible(page, "the project awaiting the board");
    expect(errors).toEqual([]);
  });

  it("a provider user reaches the upload of their data return in one click", async () => {
    await running.services.organisations.create(SYSTEM_ACTOR, {
      name: "Weald Recovery Partnership",
      kind: "provider",
      code: "WRP1",
      companyNumber: undefined,
      charityNumber: undefined,
    });
    const provider = await createUser(running.services, ["provider-user"], { organisationCode: "WRP1" });
    const quarter = lastCompleteQuarter(today);
    const { page, errors } = await newPage();
    await signInHome(page, provider.email, "provider");
    expect(await page.locator("#data-return").textContent()).toContain(quarter.label);
    await page.getByRole("button", { name: `Upload your return for ${quarter.label}` }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Data files");
    await expectAccessible(page, "the provider's upload page");
    // Once received, the home says when the next return is due.
    await running.services.datasets.importFile(SYSTEM_ACTOR, {
      kind: "hia-activity",
      fileName: "wrp1.csv",
      input: Readable.from([
        "referral_id,client_ref,provider_code,service,referral_date,contacted_on,visited_on\n" +
          `WRP-1,client-1,WRP1,hia,${addDays(quarter.end, -5)},,\n`,
      ]),
      replace: false,
    });
    await page.goto("/");
    await expect.poll(() => page.locator("#data-return").textContent()).toContain("The next return");
    await expectAccessible(page, "the provider's home, return received");
    await page.screenshot({ path: path.join(ARTEFACTS, "home-provider-received.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("a supplier user reaches how the council buys in one click", async () => {
    const supplier = await createUser(running.services, ["supplier-user"]);
    const { page, errors } = await newPage();
    await signInHome(page, supplier.email, "supplier");
    await page.getByRole("link", { name: "read how the council buys services" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/rules");
    await expectAccessible(page, "rules explained, for a supplier");
    expect(errors).toEqual([]);
  });

  it("an administrator reaches the users and the pipeline in one click", async () => {
    const admin = await createUser(running.services, ["administrator"]);
    const { page, errors } = await newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Email address").fill(admin.email);
    await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Set up two-factor sign-in");
    const secret = ((await page.locator("#secret-key").textContent()) ?? "").trim();
    await page.getByLabel("Security code").fill(authenticator.generate(secret));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
    await expectAccessible(page, "home of the administrator");
    await page.screenshot({ path: path.join(ARTEFACTS, "home-administrator.png"), fullPage: true });
    await page.locator("#other-tasks").getByRole("link", { name: "Users and roles" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/users");
    await expectAccessible(page, "users, from the administrator's home");
    await page.goBack();
    await page.locator("#pipeline-totals").getByRole("link", { name: "See the pipeline" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/pipeline");
    await expectAccessible(page, "the pipeline, from the administrator's home");
    expect(errors).toEqual([]);
  });
});
