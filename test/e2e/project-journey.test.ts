/// <reference lib="dom" />
import { systemClock } from "../../src/domain/clock.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { addMembership, createUser, TEST_PASSWORD } from "../helpers.js";
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
let tempDir: string;

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "commissioner-e2e-"));
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

async function signIn(page: Page, email: string, password = TEST_PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
}

/** Puts the user in each body, as the demo's data does (from a date before the meetings recorded). */
async function addToBodies(userId: string, bodyCodes: string[], role: "member" | "officer" = "member") {
  for (const code of bodyCodes) await addMembership(running.services.database, code, userId, role);
}

/** Fills a GOV.UK date input found by its fieldset's legend. */
async function fillDate(page: Page, legend: string, isoDate: string) {
  const [year = "", month = "", day = ""] = isoDate.split("-");
  const group = page.getByRole("group", { name: legend });
  await group.getByLabel("Day", { exact: true }).fill(day);
  await group.getByLabel("Month", { exact: true }).fill(month);
  await group.getByLabel("Year", { exact: true }).fill(year);
}

const errorSummary = (page: Page) => page.locator(".govuk-error-summary").textContent();
const successBanner = (page: Page) => page.locator(".govuk-notification-banner--success").textContent();

/** Records an approval of the needs assessment through the project page's "Record a decision" form. */
async function recordApproval(
  page: Page,
  options: { documentTitle: string; bodyName: string; minutesRef: string; memberText?: string },
) {
  await page.getByLabel("What was decided on").selectOption({
    label: `Needs assessment: “${options.documentTitle}” (version 1)`,
  });
  await page.getByLabel("Governance body").selectOption({ label: options.bodyName });
  await page.getByRole("group", { name: "Decision" }).getByLabel("Approved", { exact: true }).check();
  await fillDate(page, "Date of the meeting", systemClock.today());
  await page.getByLabel("Minutes reference").fill(options.minutesRef);
  if (options.memberText) {
    await page.getByLabel("Member who decided (optional)").selectOption({ label: options.memberText });
  }
  await page.getByRole("button", { name: "Record decision" }).click();
}

describe("a commissioning project's journey", () => {
  it("starts a project, approves its needs assessment, moves to stage 2, works the checklist and the risk register", async () => {
    const commissioner = await createUser(running.services, ["commissioner"]);
    const boardMember = await createUser(running.services, ["board-member"]);
    await addToBodies(boardMember.id, ["JCG", "KDAAT_BOARD"]);
    const clerk = await createUser(running.services, ["authorised-officer"]);
    await addToBodies(clerk.id, ["JCG"], "officer");
    const title = `Adult drug and alcohol treatment ${Date.now()}`;
    const documentTitle = "Substance misuse needs assessment 2025";
    const pdf = path.join(tempDir, "needs-assessment.pdf");
    fs.writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    const { page, errors } = await newPage();
    await signIn(page, commissioner.email);

    // Start the project.
    await page.goto("/projects/new");
    await expect.poll(() => page.locator("h1").textContent()).toContain("Start a commissioning project");
    await expectAccessible(page, "new project");
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Lead programme").selectOption("KDAAT");
    await page.getByLabel("Estimated whole-life value").fill("250,000");
    await page.getByRole("button", { name: "Start project" }).click();
    await expect.poll(() => successBanner(page)).toContain(`“${title}” has been started at Stage 1`);
    const projectUrl = new URL(page.url()).pathname;
    const projectId = /^\/projects\/([0-9a-f-]{36})$/.exec(projectUrl)?.[1] ?? "";
    expect(projectId, `project page address ${projectUrl}`).not.toBe("");
    expect(await page.locator("h1").textContent()).toContain(title);
    expect(await page.locator("#stage").textContent()).toContain("Stage 1");
    expect(await page.locator("#project-details").textContent()).toContain("£250,000");
    await expectAccessible(page, "project home, stage 1");

    // Upload the needs assessment, on the project's documents page.
    await page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Documents" })
      .click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Documents");
    await page.getByLabel("Kind of document").selectOption({ label: "Needs assessment" });
    await page.getByLabel("Title", { exact: true }).fill(documentTitle);
    await page.getByLabel("File", { exact: true }).setInputFiles(pdf);
    await page.getByRole("button", { name: "Upload document" }).click();
    await expect
      .poll(() => successBanner(page))
      .toContain(`Needs assessment “${documentTitle}” version 1 has been uploaded`);
    expect(await page.locator("#documents-table").textContent()).toContain(documentTitle);
    expect(await page.locator("#documents-table").textContent()).toContain("PDF");
    await expectAccessible(page, "documents after upload");

    // Moving on is refused: the error summary lists both missing approvals.
    await page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Overview" })
      .click();
    await page.getByRole("button", { name: "Move to stage 2" }).click();
    await expect.poll(() => errorSummary(page)).toContain("There is a problem");
    const summary = (await errorSummary(page)) ?? "";
    expect(summary).toContain(
      "Version 1 of the needs assessment has not been approved by the Joint Commissioning Groups (JCG)",
    );
    expect(summary).toContain("Version 1 of the needs assessment has not been approved by the KDAAT Board");
    expect(await page.locator("#stage").textContent()).toContain("Stage 1");
    await expectAccessible(page, "project home, move refused");
    await page.locator(".govuk-error-summary a").first().click();
    await expect.poll(() => new URL(page.url()).hash).toBe("#gate");

    // The commissioner who leads the project is not in JCG, so may not type its approval (§2.1, §3.4).
    await page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Decisions" })
      .click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Decisions");
    await recordApproval(page, {
      documentTitle,
      bodyName: "Joint Commissioning Groups",
      minutesRef: "JCG/2025/14",
      memberText: `${boardMember.name} (Joint Commissioning Groups)`,
    });
    await expect.poll(() => errorSummary(page)).toContain("Only a member of Joint Commissioning Groups");
    await expectAccessible(page, "project home, decision refused to the lead commissioner");

    // JCG's clerk records its approval on its behalf, naming the member, with the minutes reference.
    const clerkPage = await newPage();
    await signIn(clerkPage.page, clerk.email);
    await clerkPage.page.goto(`${projectUrl}/decisions`);
    await expect.poll(() => clerkPage.page.locator("h1").textContent()).toContain("Decisions");
    await recordApproval(clerkPage.page, {
      documentTitle,
      bodyName: "Joint Commissioning Groups",
      minutesRef: "JCG/2025/14",
      memberText: `${boardMember.name} (Joint Commissioning Groups)`,
    });
    await expect
      .poll(() => successBanner(clerkPage.page))
      .toContain(
        "The decision of the Joint Commissioning Groups (JCG) (minutes JCG/2025/14) has been recorded",
      );
    const afterJcg = (await clerkPage.page.locator("#decisions-table").textContent()) ?? "";
    expect(afterJcg).toContain(`Recorded by ${clerk.name} on the body's behalf (${boardMember.name})`);
    await expectAccessible(clerkPage.page, "decisions after JCG's approval");
    await clerkPage.page.goto(projectUrl);
    expect(await clerkPage.page.locator("#missing").textContent()).not.toContain("(JCG)");
    expect(clerkPage.errors).toEqual([]);
    await clerkPage.page.context().close();

    // A member of the KDAAT Board records the board's approval in their own name.
    const member = await newPage();
    await signIn(member.page, boardMember.email);
    await member.page.goto(projectUrl);
    await expect.poll(() => member.page.locator("h1").textContent()).toContain(title);
    await expectAccessible(member.page, "project home, board member");
    await member.page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Decisions" })
      .click();
    await expect.poll(() => member.page.locator("h1").textContent()).toContain("Decisions");
    await recordApproval(member.page, {
      documentTitle,
      bodyName: "KDAAT Board",
      minutesRef: "KDAAT/2025/07",
    });
    await expect
      .poll(() => successBanner(member.page))
      .toContain("The decision of the KDAAT Board (minutes KDAAT/2025/07) has been recorded");
    await expectAccessible(member.page, "project home after the board's approval, board member");
    expect(member.errors).toEqual([]);
    await member.page.context().close();

    // Back with the commissioner: the gate is met, and the project moves to stage 2.
    await page.goto(projectUrl);
    await expect
      .poll(() => page.locator("#gate-ready").textContent())
      .toContain("Everything needed to move on is in place");
    await expectAccessible(page, "project home, ready to move");
    await page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Decisions" })
      .click();
    const decided = (await page.locator("#decisions-table").textContent()) ?? "";
    expect(decided).toContain("KDAAT Board");
    expect(decided).toContain("KDAAT/2025/07");
    await page
      .getByRole("navigation", { name: "Project pages" })
      .getByRole("link", { name: "Overview" })
      .click();
    await page.getByRole("button", { name: "Move to stage 2" }).click();
    await expect.poll(() => successBanner(page)).toContain("The project has moved to stage 2");
    const stage = (await page.locator("#stage").textContent()) ?? "";
    expect(stage).toContain("Stage 2");
    expect(stage).toContain("Service redesign");
    expect(await page.locator("#gate").textContent()).toContain("What is needed to move to stage 3");
    await expectAccessible(page, "project home, stage 2");
    await page.screenshot({ path: path.join(ARTEFACTS, "project.png"), fullPage: true });

    // The checklist: task 1.1 completed itself from the uploaded needs assessment.
    await page.goto(`/projects/${projectId}/checklist`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("Procurement checklist");
    const task = (key: string) =>
      page.locator(".govuk-task-list__item").filter({ has: page.locator(`#task-${key.replace(".", "-")}`) });
    expect(await task("1.1").locator(".govuk-task-list__status").textContent()).toContain("Completed");
    expect(await task("1.1").textContent()).toContain("Completed automatically on");
    expect(await task("1.2").locator(".govuk-task-list__status").textContent()).toContain("Not started");
    await expectAccessible(page, "checklist");

    // Task 1.2 by hand: "not applicable" needs a reason, then it is completed.
    await task("1.2").getByRole("link").click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Seek views and feedback");
    await expectAccessible(page, "checklist task 1.2");
    await page.getByRole("group", { name: "Status" }).getByLabel("Not applicable", { exact: true }).check();
    await page.getByRole("button", { name: "Save task" }).click();
    await expect.poll(() => errorSummary(page)).toContain("Enter why this task is not applicable");
    await expectAccessible(page, "checklist task 1.2 with errors");
    await page.locator(".govuk-error-summary a").first().click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("notApplicableReason");
    await page.getByRole("group", { name: "Status" }).getByLabel("Completed", { exact: true }).check();
    await page
      .getByLabel("Evidence note (optional)")
      .fill("Service user survey, section 4 of the needs assessment");
    await page.getByRole("button", { name: "Save task" }).click();
    await expect.poll(() => successBanner(page)).toContain("Task 1.2 is now: completed");
    expect(await task("1.2").locator(".govuk-task-list__status").textContent()).toContain("Completed");
    expect(await task("1.2").textContent()).toContain("Completed on");
    expect(await page.locator("#progress").textContent()).toMatch(/You have completed 2 of \d+ tasks/);
    await expectAccessible(page, "checklist after task 1.2");

    // The risk register: add a risk; it shows in the table and in the heat map.
    await page.goto(`/projects/${projectId}/risks`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("Risk register");
    expect(await page.locator("#no-risks").textContent()).toContain("No risks have been added yet");
    await expectAccessible(page, "risk register, empty");
    await page.getByRole("button", { name: "Add a risk" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Add a risk");
    await expectAccessible(page, "add a risk");
    const risk = "Too few providers bid for the treatment service";
    await page.getByLabel("Risk", { exact: true }).fill(risk);
    await page.getByRole("group", { name: "Likelihood" }).getByLabel("4 Likely", { exact: true }).check();
    await page.getByRole("group", { name: "Impact" }).getByLabel("4 Major", { exact: true }).check();
    await page.getByLabel("Owner", { exact: true }).fill("Lead commissioner");
    await page.getByLabel("Mitigation", { exact: true }).fill("Market engagement event before the tender");
    const nextYear = String(Number(systemClock.today().slice(0, 4)) + 1);
    await fillDate(page, "Next review", `${nextYear}-03-31`);
    await page.getByRole("button", { name: "Add risk" }).click();
    await expect.poll(() => successBanner(page)).toContain(`Risk added: ${risk}`);
    const row = page.locator("#risks tbody tr").filter({ hasText: risk });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain("16 Extreme");
    expect(await row.textContent()).toContain("Lead commissioner");
    expect(
      await page.locator('#risk-heatmap g[data-likelihood="4"][data-impact="4"]').getAttribute("data-count"),
    ).toBe("1");
    expect(
      (await page.locator('#heatmap-table td[data-likelihood="4"][data-impact="4"]').textContent())?.trim(),
    ).toBe("1");
    const counts = (await page.locator("#heatmap-table td[data-likelihood]").allTextContents()).map((t) =>
      t.trim(),
    );
    expect(counts.filter((c) => c !== "0")).toEqual(["1"]);
    await expectAccessible(page, "risk register with a risk");

    // The timeline tells the story, oldest first.
    await page.goto(projectUrl);
    await page.getByRole("link", { name: "Timeline" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Timeline");
    const timeline = (await page.locator("#timeline").textContent()) ?? "";
    expect(timeline).toContain(`Started the project “${title}” (KDAAT, £250,000`);
    expect(timeline).toContain(`Uploaded the needs assessment “${documentTitle}”, version 1`);
    expect(timeline).toContain("Joint Commissioning Groups (JCG) approved the needs assessment");
    expect(timeline).toContain("recorded on its behalf");
    expect(timeline).toContain("The KDAAT Board approved the needs assessment");
    expect(timeline).toContain("Moved the project from stage 1 to stage 2");
    expect(timeline.indexOf("Started the project")).toBeLessThan(timeline.indexOf("Moved the project"));
    await expectAccessible(page, "timeline");
    await page.screenshot({ path: path.join(ARTEFACTS, "timeline.png"), fullPage: true });

    // The pipeline dashboard counts the project at stage 2 and lists what its board must decide.
    await page.getByRole("link", { name: "Pipeline" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Pipeline");
    expect(
      Number((await page.locator('tr[data-programme="KDAAT"] td').nth(1).textContent())?.trim()),
    ).toBeGreaterThan(0);
    expect(await page.locator("#awaiting").locator("xpath=following-sibling::*").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(title)]),
    );
    await expectAccessible(page, "pipeline dashboard");
    await page.screenshot({ path: path.join(ARTEFACTS, "pipeline.png"), fullPage: true });

    // The board's own page lists what awaits its decision.
    await page.locator("#body-KDAAT_BOARD a").click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("KDAAT Board");
    expect(await page.locator("#awaiting-table").textContent()).toContain(title);
    await expectAccessible(page, "decisions awaited by a governance body");

    expect(errors).toEqual([]);
  }, 240_000);
});
