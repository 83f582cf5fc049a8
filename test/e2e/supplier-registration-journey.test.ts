/// <reference lib="dom" />
import { desc, eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../../src/db/schema/index.js";
import { expectAccessible, launchBrowser, startApp, watchConsole, type RunningApp } from "./browser.js";

/**
 * A supplier registers from the sign-in page, confirms its address through the emailed link, chooses a
 * password, signs in and adds a colleague (docs/tendering.md, supplier accounts); every page passes axe.
 */

let running: RunningApp;
let browser: Browser;

beforeAll(async () => {
  running = await startApp();
  browser = await launchBrowser();
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

/** The link of the newest message to the address, as a path of the running app. */
async function linkSentTo(address: string): Promise<string> {
  const [message] = await running.services.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.recipient, address))
    .orderBy(desc(outbox.createdAt));
  const link = message?.personalisation.link;
  if (typeof link !== "string") throw new Error("no link sent");
  return new URL(link).pathname + new URL(link).search;
}

const PASSWORD = "harbour lantern otter violet";

describe("a supplier's registration", () => {
  it("registers, confirms the address, signs in and adds a colleague", async () => {
    const { page, errors } = await newPage();
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Register your organisation as a supplier" }).click();
    await expect
      .poll(() => page.locator("h1").textContent())
      .toBe("Register your organisation as a supplier");
    await expectAccessible(page, "the registration form");

    // Sent empty: the error summary names each field.
    await page.getByRole("button", { name: "Register" }).click();
    await expect.poll(() => page.locator(".govuk-error-summary").count()).toBe(1);
    await expectAccessible(page, "the registration form with errors");

    const email = `harbour-${String(Date.now())}@supplier.example`;
    await page.getByLabel("Organisation name").fill("Harbour Community Support");
    await page.getByLabel("Company number").fill("");
    await page.getByLabel("Charity number").fill("1234567");
    await page.getByLabel("Postal address").fill("4 Quay Street\nFolkestone");
    await page
      .getByRole("group", { name: /small or medium-sized/ })
      .getByLabel("Yes")
      .check();
    await page
      .getByRole("group", { name: /voluntary, community/ })
      .getByLabel("Yes")
      .check();
    await page.getByLabel("Full name").fill("Hana Harbour");
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Register" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Check your email");
    await expectAccessible(page, "check your email");

    await page.goto(await linkSentTo(email));
    await expect
      .poll(() => page.locator("h1").textContent())
      .toBe("Confirm your email address and choose a password");
    await expectAccessible(page, "choose a password");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Confirm password").fill(PASSWORD);
    await page.getByRole("button", { name: "Save password" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Sign in to Commissioner");

    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
    await expectAccessible(page, "the supplier's home");

    await page.getByRole("link", { name: "Your organisation's people" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Your organisation's people");
    await page.getByLabel("Full name").fill("Colm Colleague");
    await page.getByLabel("Email address").fill(`colm-${String(Date.now())}@supplier.example`);
    await page.getByRole("button", { name: "Add colleague" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner").textContent())
      .toContain("Colm Colleague has been added");
    await expectAccessible(page, "the colleagues page");

    // A used link says so, and offers a new one.
    const context = await browser.newContext({ baseURL: running.baseUrl });
    const other = await context.newPage();
    await other.goto("/suppliers/verify?token=used-or-unknown");
    await expect.poll(() => other.locator("h1").textContent()).toBe("The link has expired or has been used");
    await expectAccessible(other, "the expired link");
    expect(errors).toEqual([]);
  });
});
