/// <reference lib="dom" />
import fs from "node:fs";
import path from "node:path";
import { authenticator } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, TEST_PASSWORD } from "../helpers.js";
import {
  accessibilityProblems,
  ARTEFACTS,
  launchBrowser,
  NARROW,
  startApp,
  WIDE,
  type RunningApp,
} from "./browser.js";
import { seedWorld } from "./seed.js";

let running: RunningApp;
let browser: Browser;
let projectId: string;
let tenderIds: string[];

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
  fs.mkdirSync(path.join(ARTEFACTS, "every-page"), { recursive: true });
  ({ projectId, tenderIds } = await seedWorld(running));
});

afterAll(async () => {
  await browser.close();
  await running.close();
});

/** Pages of the same shape (one per project, risk, task…) are visited this many times at most. */
const PER_SHAPE = 3;

/**
 * A page's shape: its path with ids, numbers and codes taken out, and the names of its query's fields.
 * "/projects/1b9d…/risks/7c4e…" and "/projects/3f2a…/risks/0d1e…" are one shape.
 */
function shapeOf(url: URL): string {
  const segments = url.pathname
    .split("/")
    .map((s) =>
      /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(s) || /^\d+$/.test(s) || /^[A-Z0-9_.]{2,}$/.test(s) ? ":id" : s,
    );
  const fields = [...new Set(url.searchParams.keys())].sort().join("&");
  return segments.join("/") + (fields ? `?${fields}` : "");
}

/** Links a crawl does not follow: files to download, the API, other sites, sign-in and sign-out. */
function followable(url: URL, origin: string): boolean {
  if (url.origin !== origin) return false;
  if (/^\/(api|sign-out|sign-in)(\/|$)/.test(url.pathname)) return false;
  return !/\/(download|versions)(\/|$)|\.(csv|pdf|json|xlsx|docx|odt|zip|txt)$/i.test(url.pathname);
}

/**
 * Home, and pages no link reaches yet: a project's checklist, its print view and its equality screening,
 * and each framework's indicator values for a period the datasets cover.
 */
function startingPages(): string[] {
  return [
    "/",
    `/projects/${projectId}/checklist`,
    `/projects/${projectId}/checklist/print`,
    `/projects/${projectId}/eqia`,
    ...["A", "B", "HIA"].map((f) => `/indicators/values?framework=${f}&periodEnd=2025-03-31`),
    "/opportunities",
    ...tenderIds.map((id) => `/tenders/${id}`),
  ];
}

async function signInAsAdministrator(page: Page) {
  const admin = await createUser(running.services, ["administrator"], {
    email: "administrator.for.the.whole.service@commissioning.kent.gov.uk",
  });
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(admin.email);
  await page.getByLabel("Password", { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Set up two-factor sign-in");
  const secret = ((await page.locator("#secret-key").textContent()) ?? "").trim();
  await page.getByLabel("Security code").fill(authenticator.generate(secret));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
}

/** The same-origin links on the page, without their fragments. */
async function linksOn(page: Page): Promise<URL[]> {
  const hrefs = await page
    .locator("a[href]")
    .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  return hrefs.map((href) => {
    const url = new URL(href);
    url.hash = "";
    return url;
  });
}

/** A page's problems, or none: not an HTML page at 200, axe's violations, sideways scrolling. */
async function checkPage(page: Page, url: URL): Promise<string[]> {
  const where = url.pathname + url.search;
  const response = await page.goto(url.href);
  // A tender's submissions before its opening answer 409 with only their count, by design (the seal).
  const sealed = response?.status() === 409 && /^\/tenders\/[^/]+\/submissions$/.test(url.pathname);
  if (response?.status() !== 200 && !sealed) return [`${where}: status ${String(response?.status())}`];
  const problems = await accessibilityProblems(page);
  // Each failing page at 320 pixels, or every page when E2E_SCREENSHOTS names a folder for them.
  const folder = process.env.E2E_SCREENSHOTS ?? (problems.length ? path.join(ARTEFACTS, "every-page") : null);
  if (folder) {
    const name = url.pathname.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home";
    fs.mkdirSync(folder, { recursive: true });
    await page.setViewportSize(NARROW);
    await page.screenshot({ path: path.join(folder, `${name}-320.png`), fullPage: true });
    await page.setViewportSize(WIDE);
  }
  return problems.map((problem) => `${where} ${problem}`);
}

describe("every page an administrator can reach", () => {
  it("passes axe at 1280 and 320 pixels wide and reflows at 320 without scrolling sideways", async () => {
    const context = await browser.newContext({ baseURL: running.baseUrl });
    const page = await context.newPage();
    await signInAsAdministrator(page);
    const origin = new URL(running.baseUrl).origin;
    const queue = startingPages().map((p) => new URL(p, origin));
    const seen = new Set(queue.map((url) => url.href));
    const shapes = new Map<string, number>();
    const visited: string[] = [];
    const problems: string[] = [];
    const log = path.join(ARTEFACTS, "every-page", "visited.txt");
    fs.writeFileSync(log, "");
    for (let url = queue.shift(); url; url = queue.shift()) {
      const shape = shapeOf(url);
      if ((shapes.get(shape) ?? 0) >= PER_SHAPE) continue;
      const head = await context.request.get(url.href, { maxRedirects: 0 });
      if (!(head.headers()["content-type"] ?? "").startsWith("text/html")) continue;
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
      visited.push(url.pathname + url.search);
      fs.appendFileSync(log, `${url.pathname}${url.search}\n`);
      problems.push(...(await checkPage(page, url)));
      for (const link of await linksOn(page)) {
        if (seen.has(link.href) || !followable(link, origin)) continue;
        seen.add(link.href);
        queue.push(link);
      }
    }
    expect(problems, `problems on ${problems.length} of ${visited.length} pages`).toEqual([]);
    expect(visited.length).toBeGreaterThan(30);
    for (const page of ["/", "/projects", "/users", "/organisations", "/governance", "/audit"]) {
      expect(visited, `the crawl reached ${page}`).toContain(page);
    }
    const [openTender, openedTender] = tenderIds;
    for (const page of [
      "/opportunities",
      `/opportunities/${String(openTender)}`,
      `/tenders/${String(openTender)}/clarifications`,
      `/tenders/${String(openTender)}/submissions`,
      `/tenders/${String(openedTender)}/opening`,
      `/tenders/${String(openedTender)}/submissions`,
    ]) {
      expect(visited, `the crawl reached ${page}`).toContain(page);
    }
  }, 900_000);
});
