/// <reference lib="dom" />
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { buildApp } from "../../src/web/app.js";
import type { Config } from "../../src/config.js";
import type { Clock } from "../../src/domain/clock.js";
import type { Services } from "../../src/services.js";
import { createTestDatabase, testConfig } from "../helpers.js";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const ARTEFACTS = path.resolve("test-results");

/** Flags from DEVELOPERS.md: this machine's closed network refuses Chromium's background connections. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export interface RunningApp {
  app: FastifyInstance;
  services: Services;
  /** The configuration the app was built with (the demo loader writes into its data folder). */
  config: Config;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real app on a real database, listening on a free port; on the clock given (one a test moves, to
 * pass a deadline) or the system's.
 */
export async function startApp(options: { clock?: Clock } = {}): Promise<RunningApp> {
  const config = testConfig();
  const database = await createTestDatabase();
  const app = await buildApp(config, { database, logger: false, clock: options.clock });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    app,
    services: app.services,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** The widths every page is checked at: a desktop, and 320 CSS pixels for reflow (WCAG 2.2 1.4.10). */
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 320, height: 640 };

/** WCAG 2.2 A and AA, and axe's best practices (landmarks, headings, `region`). */
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/** axe-core's violations on the page as it is laid out now, one line each. */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    // Let the page lay itself out at the new width before axe reads it.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  }, AXE_TAGS);
  return violations.map(
    (v) => `${v.id} (${v.impact ?? "?"}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/**
 * Whether the page scrolls sideways (WCAG 2.2 1.4.10): null when it does not, else the widest element
 * that sticks out past the window and is not inside a box that scrolls or clips it.
 */
async function horizontalScrolling(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const viewport = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= viewport) return null;
    // Whether a box that scrolls or clips holds the element in: for one positioned absolutely, only
    // its containing block (the nearest positioned ancestor) and what holds that can.
    const clipped = (element: Element) => {
      let position = getComputedStyle(element).position;
      for (let a = element.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (position === "fixed") return false;
        if (position === "absolute" && style.position === "static") continue;
        if (style.overflowX !== "visible") return true;
        position = style.position;
      }
      return false;
    };
    let widest: { element: Element; width: number } | null = null;
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const box = element.getBoundingClientRect();
      if (box.right <= viewport + 0.5 || box.width === 0 || clipped(element)) continue;
      if (!widest || box.width > widest.width) widest = { element, width: box.width };
    }
    const name = (e: Element) => {
      const id = e.id ? `#${e.id}` : "";
      const classes = Array.from(e.classList, (c) => `.${c}`).join("");
      const text = e.textContent.replace(/\s+/g, " ").trim().slice(0, 60);
      return `<${e.tagName.toLowerCase()}${id}${classes}> "${text}"`;
    };
    const culprit = widest ? `; widest: ${name(widest.element)} ${Math.round(widest.width)}px wide` : "";
    return `the page is ${scrollWidth}px wide in a ${viewport}px window${culprit}`;
  });
}

/**
 * The tables not inside a labelled scroll region (`src/web/views/components/table.njk`), which alone
 * lets a wide table scroll, named and by keyboard, without pushing the page sideways (WCAG 2.2 1.4.10).
 */
async function tablesOutsideRegions(page: Page): Promise<string[]> {
  return page.$$eval("table", (tables) =>
    tables
      .filter((table) => !table.parentElement?.closest('.app-table-scroll[role="region"][aria-label]'))
      .map(
        (table) => `<table${table.id ? `#${table.id}` : ""}> "${table.caption?.textContent.trim() ?? ""}"`,
      ),
  );
}

/**
 * What is wrong with the page as it stands, at 1280 and at 320 CSS pixels wide: axe-core's violations of
 * WCAG 2.2 A and AA and of its best practices at both, and sideways scrolling at 320 (WCAG 2.2 1.4.10),
 * naming the widest element that overflows; and any table not in a scroll region of its own. The viewport
 * is put back as it was.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const original = page.viewportSize() ?? WIDE;
  const problems = (await tablesOutsideRegions(page)).map((t) => `table not in a scroll region: ${t}`);
  try {
    await page.setViewportSize(WIDE);
    problems.push(...(await axeViolations(page)).map((v) => `at 1280px: ${v}`));
    await page.setViewportSize(NARROW);
    problems.push(...(await axeViolations(page)).map((v) => `at 320px: ${v}`));
    const overflow = await horizontalScrolling(page);
    if (overflow) problems.push(`at 320px: scrolls sideways: ${overflow}`);
  } finally {
    await page.setViewportSize(original);
  }
  return problems;
}

/** The check every journey makes of each page: no accessibilityProblems, or the test fails naming them. */
export async function expectAccessible(page: Page, label = page.url()): Promise<void> {
  expect(await accessibilityProblems(page), `accessibility problems on ${label}`).toEqual([]);
}

/** Collects console errors (a CSP violation shows there) so a test can require there were none. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
