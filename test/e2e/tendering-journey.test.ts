/// <reference lib="dom" />
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, TEST_PASSWORD } from "../helpers.js";
import { movableClock, supplierWithUser } from "../opening-fixtures.js";
import { expectAccessible, launchBrowser, startApp, watchConsole, type RunningApp } from "./browser.js";
import { PDF, seedPublishedTender } from "./tendering-seed.js";

/**
 * E-tendering in the browser (docs/tendering.md): a supplier finds an opportunity, registers interest,
 * downloads the pack, asks a question and submits a sealed response with its receipt; the procurement
 * officer answers the question to every supplier and, once the deadline has passed on the server's
 * clock, records the opening with a second officer as witness (App C 5.5–5.6). axe on every page.
 */

const DAY = 86_400_000;
const start = new Date();
const clock = movableClock(start);
let running: RunningApp;
let browser: Browser;
let tenderId: string;
let documentId: string;
let supplierEmail: string;
const TITLE = "Young people's substance misuse service (east Kent)";
const QUESTION = "Will the council share the current caseload by district?";

beforeAll(async () => {
  running = await startApp({ clock });
  browser = await launchBrowser();
  ({ tenderId, documentId } = await seedPublishedTender(running.services, {
    title: TITLE,
    publishedAt: new Date(start.getTime() - DAY),
    clarificationDeadline: new Date(start.getTime() + 7 * DAY),
    submissionDeadline: new Date(start.getTime() + 14 * DAY),
  }));
  const t = { services: running.services, database: running.services.database };
  const { user } = await supplierWithUser(t, null);
  supplierEmail = user.email;
});

afterAll(async () => {
  await browser.close();
  await running.close();
});

async function newPage(): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ baseURL: running.baseUrl, acceptDownloads: true });
  const page = await context.newPage();
  return { page, context, errors: watchConsole(page) };
}

async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
}

const heading = (page: Page) => page.locator("h1").textContent();

/** Clicks the link and waits for the download; its name and first bytes. */
async function download(page: Page, link: string | RegExp) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: link }).click(),
  ]);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return { name: file.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${String(i)}`).join(" ");

describe("tendering in the browser", () => {
  it("a supplier finds the opportunity, asks a question, submits and downloads the receipt", async () => {
    const { page, errors } = await newPage();
    await signIn(page, supplierEmail);

    await page.goto("/opportunities");
    await expect.poll(() => heading(page)).toContain("opportunities");
    await expectAccessible(page, "the opportunities search");
    await page.getByRole("link", { name: TITLE }).click();
    await expect.poll(() => heading(page)).toBe(TITLE);
    await expectAccessible(page, "the opportunity before interest");

    await page.getByRole("button", { name: /register interest/i }).click();
    await expect.poll(() => page.getByRole("link", { name: /Service specification/ }).count()).toBe(1);
    const href = await page.getByRole("link", { name: /Service specification/ }).getAttribute("href");
    expect(href).toBe(`/tenders/${tenderId}/documents/${documentId}`);
    await expectAccessible(page, "the opportunity after interest");
    const pack = await download(page, /Service specification/);
    expect(pack.name).toBe("service-specification.pdf");
    expect(pack.bytes.equals(PDF)).toBe(true);

    await page
      .getByRole("link", { name: /Clarification/ })
      .first()
      .click();
    await expect.poll(() => heading(page)).toBe("Clarification questions");
    await expectAccessible(page, "the supplier's clarification page");
    await page.getByLabel("Ask a question").fill(QUESTION);
    await page.getByRole("button", { name: /question/i }).click();
    await expect.poll(() => page.getByText(QUESTION).count()).toBeGreaterThan(0);
    await expectAccessible(page, "the clarification page with the question");

    await page.goto(`/tenders/${tenderId}/submission`);
    await expect.poll(() => heading(page)).toContain("Your response");
    await expectAccessible(page, "the empty submission page");

    // Wrong input: an answer over its word limit, then a negative price; each named, the text kept.
    const answer = "We will run hubs in Margate, Dover and Folkestone, with outreach in schools.";
    const tooLong = words(301);
    const summary = page.locator(".govuk-error-summary");
    await page
      .getByRole("group", { name: /insurance/ })
      .getByLabel("Yes")
      .check();
    await page.locator("#answer-Q2").fill(answer);
    await page.locator("#answer-Q3").fill(tooLong);
    await page.getByLabel("Your total price").fill("1250000.00");
    await page.getByRole("button", { name: "Submit" }).click();
    await expect.poll(() => summary.locator('a[href="#answer-Q3"]').count()).toBe(1);
    expect(await page.locator("#answer-Q2").inputValue()).toBe(answer);
    expect(await page.locator("#answer-Q3").inputValue()).toBe(tooLong);
    await expectAccessible(page, "the submission page with an answer over its limit");

    await page.locator("#answer-Q3").fill("Service users sit on the design group and the interview panel.");
    await page.getByLabel("Your total price").fill("-5");
    await page.getByRole("button", { name: "Submit" }).click();
    await expect.poll(() => summary.locator('a[href="#price"]').count()).toBe(1);
    expect(await summary.textContent()).toContain("must not be negative");
    expect(await page.locator("#answer-Q2").inputValue()).toBe(answer);
    expect(await page.getByLabel("Your total price").inputValue()).toBe("-5");

    // A draft, then the submission with a file.
    await page.getByLabel("Your total price").fill("1250000.00");
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain("Your draft has been saved");
    expect(await page.locator("#answer-Q2").inputValue()).toBe(answer);
    await expectAccessible(page, "the submission page with a draft");

    await page.getByLabel("Attachment for Q2 (optional)").setInputFiles({
      name: "delivery-model.pdf",
      mimeType: "application/pdf",
      buffer: PDF,
    });
    await page.getByRole("button", { name: "Submit" }).click();
    await expect.poll(() => heading(page)).toContain("Submission received");
    const sha = ((await page.locator("#submission-sha256").textContent()) ?? "").trim();
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(() => page.getByText("delivery-model.pdf").count()).toBe(1);
    await expectAccessible(page, "the receipt");
    const receipt = await download(page, "Download the receipt (PDF)");
    expect(receipt.name).toMatch(/\.pdf$/);
    expect(receipt.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    // The two refused posts answer 400 with the form again, which the console reports as failed loads.
    const refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)";
    expect(errors).toEqual([refused, refused]);
  });

  it("the officer answers the question to everyone and records the opening after the deadline", async () => {
    const officer = await createUser(running.services, ["procurement-officer"]);
    const witness = await createUser(running.services, ["procurement-officer"]);
    const { page, errors } = await newPage();
    await signIn(page, officer.email);

    await page.goto(`/tenders/${tenderId}/clarifications`);
    await expect.poll(() => heading(page)).toBe("Clarification questions");
    await expect.poll(() => page.getByText(QUESTION).count()).toBeGreaterThan(0);
    await expectAccessible(page, "the staff clarification log");
    await page.getByRole("link", { name: "Answer clarification 1" }).click();
    await expect.poll(() => heading(page)).toBe("Answer clarification 1");
    await expectAccessible(page, "the answer form");
    const reply = "Yes: the caseload by district is added to the pack as an addendum.";
    await page.getByLabel("Answer", { exact: true }).fill(reply);
    await page.getByLabel("Every interested supplier, without naming who asked").check();
    await page.getByRole("button", { name: /answer/i }).click();
    await expect.poll(() => page.getByText(reply).count()).toBeGreaterThan(0);
    await expectAccessible(page, "the log with the answer");

    // Before the deadline: the submissions are sealed and only counted.
    const sealed = await page.goto(`/tenders/${tenderId}/submissions`);
    expect(sealed?.status()).toBe(409);
    await expect.poll(() => page.locator("main").textContent()).toContain("1 sealed submission");
    await expectAccessible(page, "the sealed submissions page");

    await page.goto(`/tenders/${tenderId}/opening`);
    await expect.poll(() => heading(page)).toBe("Tender opening");
    await expectAccessible(page, "the opening page before the deadline");

    // The deadline passes on the server's clock.
    clock.set(new Date(start.getTime() + 14 * DAY + 60_000));
    await page.reload();
    await expect.poll(() => page.getByLabel("Witness").count()).toBe(1);
    await page.getByLabel("Witness").selectOption({ label: witness.name });
    await expectAccessible(page, "the opening form");
    await page.getByRole("button", { name: "Record the opening of the ITT" }).click();
    await expect.poll(() => page.locator("main").textContent()).toContain(`witnessed by ${witness.name}`);
    await expectAccessible(page, "the opening page after the opening");

    await page
      .getByRole("link", { name: /record/i })
      .first()
      .click();
    const record = (await page.locator("main").textContent()) ?? "";
    expect(record).toMatch(/[0-9a-f]{64}/);
    await expectAccessible(page, "the opening record");

    const opened = await page.goto(`/tenders/${tenderId}/submissions`);
    expect(opened?.status()).toBe(200);
    await expectAccessible(page, "the opened submissions");
    // The sealed page answers 409 by design, which the console reports as a failed load; nothing else.
    expect(errors.filter((e) => !e.includes("status of 409 (Conflict)"))).toEqual([]);
  });
});
