/// <reference lib="dom" />
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/domain/clock.js";
import { addMembership, createUser, TEST_PASSWORD } from "../helpers.js";
import {
  ARTEFACTS,
  expectAccessible,
  launchBrowser,
  startApp,
  watchConsole,
  type RunningApp,
} from "./browser.js";

/**
 * A project taken from Stage 1 to Stage 3 by finding the way around its pages: after the project is
 * started, every page of it is reached through its sub-navigation or the overview's links to what the
 * gate needs, never by typing an address. axe-core checks every page on the way.
 */

let running: RunningApp;
let browser: Browser;
let tempDir: string;

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-nav-"));
});

afterAll(async () => {
  await browser.close();
  await running.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
});

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: running.baseUrl });
  const page = await context.newPage();
  return { page, errors: watchConsole(page) };
}

async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
}

const successBanner = (page: Page) => page.locator(".govuk-notification-banner--success").textContent();
const subNavigation = (page: Page) => page.getByRole("navigation", { name: "Project pages" });

/** Follows the project's sub-navigation to one of its pages, and checks it is marked as current. */
async function openSection(page: Page, name: string, heading: string) {
  await subNavigation(page).getByRole("link", { name, exact: true }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain(heading);
  const current = subNavigation(page).locator('[aria-current="page"]');
  expect((await current.textContent())?.trim()).toBe(name);
  await expectAccessible(page, `${name}: ${heading}`);
}

/** Uploads a document through the documents page's form. */
async function upload(page: Page, file: string, kind: string, title: string) {
  await page.getByLabel("Kind of document").selectOption({ label: kind });
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("File", { exact: true }).setInputFiles(file);
  await page.getByRole("button", { name: "Upload document" }).click();
  await expect.poll(() => successBanner(page)).toContain(`“${title}” version 1 has been uploaded`);
}

/** Records a body's approval of a document through the decisions page's form. */
async function approve(page: Page, subject: string, bodyName: string, minutesRef: string) {
  await page.getByLabel("What was decided on").selectOption({ label: subject });
  await page.getByLabel("Governance body").selectOption({ label: bodyName });
  await page.getByRole("group", { name: "Decision" }).getByLabel("Approved", { exact: true }).check();
  const [year = "", month = "", day = ""] = systemClock.today().split("-");
  const date = page.getByRole("group", { name: "Date of the meeting" });
  await date.getByLabel("Day", { exact: true }).fill(day);
  await date.getByLabel("Month", { exact: true }).fill(month);
  await date.getByLabel("Year", { exact: true }).fill(year);
  await page.getByLabel("Minutes reference").fill(minutesRef);
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect.poll(() => successBanner(page)).toContain(`(minutes ${minutesRef}) has been recorded`);
}

async function moveOn(page: Page, stage: number) {
  await openSection(page, "Overview", "");
  await expect
    .poll(() => page.locator("#gate-ready").textContent())
    .toContain("Everything needed to move on is in place");
  await page.getByRole("button", { name: `Move to stage ${String(stage)}` }).click();
  await expect.poll(() => successBanner(page)).toContain(`The project has moved to stage ${String(stage)}`);
  expect(await page.locator("#stage").textContent()).toContain(`Stage ${String(stage)}`);
  await expectAccessible(page, `overview, stage ${String(stage)}`);
}

/** Opens the project from the list of projects, as someone arriving at it would. */
async function openProject(page: Page, title: string) {
  await page.getByRole("navigation", { name: "Menu" }).getByRole("link", { name: "Projects" }).click();
  await page.getByRole("link", { name: title }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain(title);
}

describe("finding the way around a project", () => {
  it("takes a project from Stage 1 to Stage 3 through its sub-navigation", async () => {
    const commissioner = await createUser(running.services, ["commissioner"]);
    const boardMember = await createUser(running.services, ["board-member"]);
    for (const code of ["JCG", "KDAAT_BOARD"]) {
      await addMembership(running.services.database, code, boardMember.id, "member");
    }
    const title = `Young people's substance misuse service ${Date.now()}`;
    const pdf = path.join(tempDir, "document.pdf");
    fs.writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    const { page, errors } = await newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, commissioner.email);
    await page.goto("/projects/new");
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Lead programme").selectOption("KDAAT");
    await page.getByLabel("Estimated whole-life value").fill("250,000");
    await page.getByRole("button", { name: "Start project" }).click();
    await expect.poll(() => successBanner(page)).toContain("has been started at Stage 1");
    expect(await page.locator("#project-programmes").textContent()).toContain("Drug and Alcohol Action Team");
    expect((await subNavigation(page).locator('[aria-current="page"]').textContent())?.trim()).toBe(
      "Overview",
    );
    await expectAccessible(page, "overview, stage 1");
    await page.screenshot({ path: "/tmp/nav-overview.png", fullPage: true });
    await page.screenshot({ path: path.join(ARTEFACTS, "project-overview.png"), fullPage: true });

    // Stage 1: the gate's first item links to the upload form, set to a needs assessment.
    await page.getByRole("link", { name: "Upload the needs assessment" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Documents");
    expect(await page.getByLabel("Kind of document").inputValue()).toBe("needs-assessment");
    await expectAccessible(page, "documents, from the gate");
    await upload(page, pdf, "Needs assessment", "Needs assessment 2025");
    expect(await page.locator("#documents-table").textContent()).toContain("Needs assessment 2025");
    await expectAccessible(page, "documents after upload");
    await page.screenshot({ path: "/tmp/nav-documents.png", fullPage: true });
    await page.screenshot({ path: path.join(ARTEFACTS, "project-documents.png"), fullPage: true });

    // A member of both bodies records their approvals on the decisions page.
    const member = await newPage();
    await signIn(member.page, boardMember.email);
    await openProject(member.page, title);
    await openSection(member.page, "Decisions", "Decisions");
    const needs = "Needs assessment: “Needs assessment 2025” (version 1)";
    await approve(member.page, needs, "Joint Commissioning Groups", "JCG/1");
    await approve(member.page, needs, "KDAAT Board", "KDAAT/1");
    expect(await member.page.locator("#decisions-table").textContent()).toContain("KDAAT Board");
    await expectAccessible(member.page, "decisions after the approvals");
    await moveOnIsNotTheirs(member.page);
    await member.page.context().close();

    await page.reload();
    await moveOn(page, 2);

    // Stage 2: four documents, the business case approved, the EqIA screened.
    await openSection(page, "Documents", "Documents");
    for (const [kind, name] of [
      ["Business case", "Business case 2025"],
      ["Draft service specification", "Draft specification"],
      ["Outcomes and funding framework", "Outcomes framework"],
      ["Market capacity report", "Market capacity"],
    ] as const) {
      await upload(page, pdf, kind, name);
    }
    await expectAccessible(page, "documents, stage 2");
    await openSection(page, "Equality impact", "Equality impact assessment");
    const characteristics = page.locator('fieldset[id^="characteristic-"]');
    for (let i = 0; i < (await characteristics.count()); i++) {
      const fieldset = characteristics.nth(i);
      await fieldset.getByLabel("Neutral", { exact: true }).check();
      await fieldset.getByLabel("Evidence", { exact: true }).fill("Needs assessment, section 3");
    }
    await page.getByRole("button", { name: "Save assessment" }).click();
    await expect.poll(() => successBanner(page)).toContain("the screening is finished");
    await expectAccessible(page, "equality impact assessment, screened");

    const again = await newPage();
    await signIn(again.page, boardMember.email);
    await openProject(again.page, title);
    await openSection(again.page, "Decisions", "Decisions");
    const business = "Business case: “Business case 2025” (version 1)";
    await approve(again.page, business, "Joint Commissioning Groups", "JCG/2");
    await approve(again.page, business, "KDAAT Board", "KDAAT/2");
    await again.page.context().close();

    // Every other page of the project is a step away, with the same sub-navigation.
    await page.reload();
    await openSection(page, "Checklist", "Procurement checklist");
    await openSection(page, "Risks", "Risk register");
    await openSection(page, "Current contracts", "Current contracts");
    await openSection(page, "Timeline", "Timeline");
    expect(await page.locator("#timeline").textContent()).toContain(
      "Moved the project from stage 1 to stage 2",
    );
    await moveOn(page, 3);
    expect(await page.locator("#gate").textContent()).toContain("What is needed to move to stage 4");
    expect(errors).toEqual([]);
  }, 300_000);
});

/** Someone who may not change the project sees no button to move it on. */
async function moveOnIsNotTheirs(page: Page) {
  await openSection(page, "Overview", "");
  expect(await page.locator("button#advance").count()).toBe(0);
}
