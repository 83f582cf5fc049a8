/// <reference lib="dom" />
import fs from "node:fs";
import path from "node:path";
import { authenticator } from "otplib";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoData, type DemoSignIn } from "../../src/modules/demo/demo.js";
import {
  ARTEFACTS,
  expectAccessible,
  launchBrowser,
  startApp,
  watchConsole,
  type RunningApp,
} from "./browser.js";

/**
 * The demo's people, as someone trying the demo meets them: each signs in with the password the demo
 * printed, lands on the home page and reaches their next job from it in at most two clicks; every page on
 * the way passes axe-core at 1280 and 320 CSS pixels (test/e2e/browser.ts). Unlike home-journey.test.ts,
 * which seeds a person per case, this loads the demo itself (src/modules/demo/demo.ts) once, as the server
 * does on its first start.
 */

let running: RunningApp;
let browser: Browser;
let signIns: DemoSignIn[] = [];

beforeAll(async () => {
  running = await startApp();
  signIns = (await ensureDemoData(running.services, running.config)) ?? [];
  browser = await launchBrowser();
  fs.mkdirSync(ARTEFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser.close();
  await running.close();
});

/** Signs in as the demo person with their own printed password, setting up two-factor sign-in if asked. */
async function signInHome(email: string, label: string): Promise<{ page: Page; errors: string[] }> {
  const signIn = signIns.find((s) => s.email === email);
  if (!signIn) throw new Error(`the demo printed no sign-in for ${email}`);
  const context = await browser.newContext({ baseURL: running.baseUrl });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(signIn.email);
  await page.getByLabel("Password", { exact: true }).fill(signIn.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (signIn.note?.includes("two-factor")) {
    await expect.poll(() => page.locator("h1").textContent()).toContain("Set up two-factor sign-in");
    const secret = ((await page.locator("#secret-key").textContent()) ?? "").trim();
    await page.getByLabel("Security code").fill(authenticator.generate(secret));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  }
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
  expect(new URL(page.url()).pathname).toBe("/");
  await expectAccessible(page, `home of the demo ${label}`);
  await page.screenshot({ path: path.join(ARTEFACTS, `demo-home-${label}.png`), fullPage: true });
  return { page, errors };
}

/**
 * Follows a link or button from the home page (one click), requires it reached `pathname` (the link's own
 * address when not given) with `heading` in its h1, and checks the page there.
 */
async function follow(
  page: Page,
  link: Locator,
  label: string,
  reaches: { pathname?: string; heading: string },
) {
  const href = (await link.getAttribute("href")) ?? "";
  await link.click();
  await expect.poll(() => new URL(page.url()).pathname).toBe(reaches.pathname ?? href);
  await expect.poll(() => page.locator("h1").textContent()).toContain(reaches.heading);
  await expectAccessible(page, label);
}

/** The first decision a body waits for on the home page, the project it is on, and that project's link. */
async function firstDecision(page: Page) {
  const link = page.locator("#decisions table a").first();
  return { link, project: ((await link.textContent()) ?? "").trim() };
}

describe("each demo role's next job from the home page", () => {
  it("the commissioner reaches an overdue checklist task on their project in one click", async () => {
    const { page, errors } = await signInHome("commissioner@commissioner.example", "commissioner");
    const task = page.locator("#due table a").first();
    const text = ((await task.textContent()) ?? "").trim();
    expect(await page.locator("#due").textContent()).toContain("Overdue");
    // The task's own page, titled with what is to be done (its number aside).
    await follow(page, task, "the commissioner's overdue task", { heading: text.replace(/^[\d.]+\s+/, "") });
    expect(errors).toEqual([]);
  });

  it("the procurement officer, who leads no demo project, is told where to go", async () => {
    const { page, errors } = await signInHome("procurement@commissioner.example", "procurement-officer");
    // A finding: nothing waits for them in the demo; the empty states name what to do instead.
    expect(await page.locator("#your-projects").textContent()).toContain(
      "You do not lead any open project. Start a project",
    );
    expect(await page.locator("#decisions").textContent()).toContain("no decisions are waiting");
    await follow(
      page,
      page.locator("#your-projects").getByRole("link", { name: "See the pipeline" }),
      "the pipeline, for procurement",
      {
        heading: "Pipeline",
      },
    );
    expect(errors).toEqual([]);
  });

  for (const [email, label, body] of [
    ["authorised@commissioner.example", "authorised-officer", "Director of Service Improvement"],
    ["board@commissioner.example", "board-member", "KDAAT Board"],
    ["jcg@commissioner.example", "jcg-member", "Core Strategy Group"],
    ["clerk@commissioner.example", "clerk", "Core Strategy Group"],
  ] as const) {
    it(`the ${label} reaches the first decision their ${body} waits for in one click`, async () => {
      const { page, errors } = await signInHome(email, label);
      expect(await page.locator("#decisions h3").first().textContent()).toContain(body);
      const { link, project } = await firstDecision(page);
      await follow(page, link, `the project awaiting the ${label}'s decision`, { heading: project });
      // The second way: everything waiting for that body, from the home page.
      await page.goBack();
      await follow(
        page,
        page
          .locator("#decisions")
          .getByRole("link", { name: /^Everything waiting for the/ })
          .first(),
        `what awaits the ${label}'s first body`,
        { heading: body },
      );
      expect(errors).toEqual([]);
    });
  }

  it("the equalities officer, whose bodies wait on nothing in the demo, is told so", async () => {
    const { page, errors } = await signInHome("equalities@commissioner.example", "equalities");
    // A finding: no decision or project of theirs is on the home page; the empty states say what to do.
    expect(await page.locator("#decisions").textContent()).toContain(
      "Equalities team: no decisions are waiting. You will be emailed when one is.",
    );
    expect(await page.locator("#your-projects").textContent()).toContain("You do not lead any open project.");
    await follow(
      page,
      page.locator("#your-projects").getByRole("link", { name: "See the pipeline" }),
      "the pipeline, for equalities",
      {
        heading: "Pipeline",
      },
    );
    expect(errors).toEqual([]);
  });

  for (const [email, label] of [
    ["admin@commissioner.example", "administrator"],
    ["evaluator@commissioner.example", "evaluator"],
  ] as const) {
    it(`the ${label} reaches the pipeline's overdue work from the totals in one click`, async () => {
      const { page, errors } = await signInHome(email, label);
      // A finding for the evaluator: no section of their own (nor an empty state), only these totals.
      const totals = page.locator("#pipeline-totals");
      expect(await totals.textContent()).toContain("overdue");
      await follow(
        page,
        totals.getByRole("link", { name: "See the pipeline" }),
        `the pipeline, for the ${label}`,
        {
          heading: "Pipeline",
        },
      );
      expect(errors).toEqual([]);
    });
  }

  it("the provider reaches the upload of their data in one click", async () => {
    const { page, errors } = await signInHome("provider@commissioner.example", "provider");
    const section = page.locator("#data-return");
    // The demo's providers have sent their last quarter's return, so the next one is what is due.
    expect(await section.textContent()).toContain("Weald Recovery Partnership (P001)");
    expect(await section.textContent()).toContain("The next return");
    await follow(
      page,
      section.getByRole("button", { name: "Upload another data file" }),
      "the provider's data files",
      {
        heading: "Data files",
      },
    );
    expect(errors).toEqual([]);
  });

  it("the supplier sees the live tender it registered interest in, and reaches how the council buys in one click", async () => {
    const { page, errors } = await signInHome("supplier@commissioner.example", "supplier");
    const section = page.locator("#opportunities");
    expect(await section.textContent()).toContain("Not submitted: go to your submission");
    await follow(
      page,
      section.getByRole("link", { name: "read how the council buys services" }),
      "rules, for the supplier",
      {
        heading: "Rules explained",
      },
    );
    expect(errors).toEqual([]);
  });

  it("every demo sign-in printed is one of the journeys above", () => {
    expect(signIns.map((s) => s.email).sort()).toEqual(
      [
        "admin",
        "authorised",
        "board",
        "clerk",
        "commissioner",
        "equalities",
        "evaluator",
        "jcg",
        "procurement2",
        "procurement",
        "provider",
        "supplier2",
        "supplier",
      ].map((name) => `${name}@commissioner.example`),
    );
  });
});
