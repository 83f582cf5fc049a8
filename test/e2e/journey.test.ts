/// <reference lib="dom" />
import fs from "node:fs";
import path from "node:path";
import { authenticator } from "otplib";
import type { Browser, Page } from "playwright-core";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema/index.js";
import { asFixture, createUser, TEST_PASSWORD } from "../helpers.js";
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

async function signIn(page: Page, email: string, password = TEST_PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Follows every link in the service navigation, checking each page with axe. */
async function visitNavigation(page: Page): Promise<string[]> {
  const links = await page
    .locator(".govuk-service-navigation__list a")
    .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""));
  const visited: string[] = [];
  for (const href of links.filter((h) => h.startsWith("/"))) {
    const response = await page.goto(href);
    expect(response?.status(), `status of ${href}`).toBe(200);
    await expectAccessible(page, href);
    visited.push(href);
  }
  return visited;
}

describe("a commissioner's journey", () => {
  it("signs in after a form error, uses the navigation, changes the password and signs out", async () => {
    const user = await createUser(running.services, ["commissioner"]);
    const { page, errors } = await newPage();

    await page.goto("/sign-in");
    await expectAccessible(page, "sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("Enter your email address");
    await expectAccessible(page, "sign-in with errors");
    // The error summary links to the field it is about.
    await page.locator(".govuk-error-summary a").first().click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("email");

    await signIn(page, user.email);
    await expect.poll(() => page.locator("h1").textContent()).toContain(`Welcome, ${user.name}`);
    await expectAccessible(page, "home");
    await page.screenshot({ path: path.join(ARTEFACTS, "home.png"), fullPage: true });

    const visited = await visitNavigation(page);
    expect(visited).toContain("/");

    await page.goto("/account");
    await expectAccessible(page, "account");
    await page.getByRole("link", { name: /Change\s+password/ }).click();
    await expectAccessible(page, "change password");
    await page.getByLabel("Current password").fill(TEST_PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill("a new and longer password");
    await page.getByLabel("Confirm new password").fill("a different password");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("The passwords do not match");
    await expectAccessible(page, "change password with errors");
    await page.getByLabel("Current password").fill(TEST_PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill("a new and longer password");
    await page.getByLabel("Confirm new password").fill("a new and longer password");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("Your password has been changed");
    await expectAccessible(page, "account after change");

    await page.getByLabel("Name for a new token").fill("E2E script");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => page.locator("#token").textContent()).toMatch(/cmr_/);
    await expectAccessible(page, "token created");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("Sign in");
    await signIn(page, user.email, "a new and longer password");
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
    expect(errors).toEqual([]);
  });
});

describe("an administrator's journey", () => {
  it("sets up two-factor sign-in at first sign-in and reaches every administration page", async () => {
    const admin = await createUser(running.services, ["administrator"]);
    const { page, errors } = await newPage();
    await signIn(page, admin.email);
    await expect.poll(() => page.locator("h1").textContent()).toContain("Set up two-factor sign-in");
    await expectAccessible(page, "two-factor set-up");
    await page.screenshot({ path: path.join(ARTEFACTS, "two-factor-setup.png"), fullPage: true });
    const secret = ((await page.locator("#secret-key").textContent()) ?? "").trim();
    await page.getByLabel("Security code").fill("000000");
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.locator(".govuk-error-summary").textContent()).toContain("not correct");
    await expectAccessible(page, "two-factor with error");
    await page.getByLabel("Security code").fill(authenticator.generate(secret));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain(`Welcome, ${admin.name}`);
    // The two-factor page only shows; a new authenticator needs the current password (docs/security.md).
    await page.goto("/account/two-factor");
    await expectAccessible(page, "two-factor page");
    await page.getByLabel("Your current password").fill("not my password");
    await page.getByRole("button", { name: "Set up a new authenticator" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("Your current password is not correct");
    await expectAccessible(page, "two-factor page with error");
    await page.getByLabel("Your current password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Set up a new authenticator" }).click();
    await expect.poll(() => page.locator("#secret-key").textContent()).toMatch(/[A-Z2-7]{16,}/);
    await expectAccessible(page, "new authenticator set-up");
    const visited = await visitNavigation(page);
    expect(visited.length).toBeGreaterThanOrEqual(1);
    for (const href of ["/cookies", "/privacy", "/accessibility", "/no-such-page"]) {
      await page.goto(href);
      await expectAccessible(page, href);
    }

    // A governance body's members (framework §2.1): add one, with a refusal first, then end it.
    const member = await createUser(running.services, ["board-member"]);
    await page.goto("/governance/CSG");
    await expect.poll(() => page.locator("h1").textContent()).toContain("Core Strategy Group");
    await expectAccessible(page, "governance body page");
    await page.getByRole("button", { name: "Add member" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("Select the person to add");
    await expectAccessible(page, "governance body page, add refused");
    await page.getByLabel("Person").selectOption({ value: member.id });
    await page.getByRole("group", { name: "Role in the body" }).getByLabel("Member", { exact: true }).check();
    const from = page.getByRole("group", { name: "First day in the body" });
    await from.getByLabel("Day", { exact: true }).fill("1");
    await from.getByLabel("Month", { exact: true }).fill("4");
    await from.getByLabel("Year", { exact: true }).fill("2025");
    await page.getByRole("button", { name: "Add member" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain(`${member.name} has been added`);
    await page.getByRole("link", { name: `End membership of ${member.name} (member)` }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("End a membership");
    await expectAccessible(page, "end a membership");
    const to = page.getByRole("group", { name: "Last day in the body" });
    await to.getByLabel("Day", { exact: true }).fill("31");
    await to.getByLabel("Month", { exact: true }).fill("3");
    await to.getByLabel("Year", { exact: true }).fill("2026");
    await page.getByRole("button", { name: "End membership" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("ends on Tuesday 31 March 2026");
    await expectAccessible(page, "governance body page after ending a membership");
    expect(errors.filter((e) => !e.includes("404"))).toEqual([]);
  });
});

describe("an administrator looking after a user", () => {
  it("changes roles after an error, deactivates and reactivates, unlocks and resets two-factor", async () => {
    const admin = await createUser(running.services, ["administrator"]);
    const target = await createUser(running.services, ["evaluator"]);
    // A user who is locked out and enrolled in two-factor, so that every action is on their page.
    await asFixture(running.services.database.db, (tx) =>
      tx
        .update(users)
        .set({
          lockedUntil: new Date(Date.now() + 15 * 60_000),
          totpSecret: "JBSWY3DPEHPK3PXP",
          totpEnabled: true,
        })
        .where(eq(users.id, target.id)),
    );
    const { page, errors } = await newPage();
    await signIn(page, admin.email);
    const secret = ((await page.locator("#secret-key").textContent()) ?? "").trim();
    await page.getByLabel("Security code").fill(authenticator.generate(secret));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain(`Welcome, ${admin.name}`);

    await page.goto("/users");
    await expectAccessible(page, "users with status");
    await page.getByRole("link", { name: target.name }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe(target.name);
    await expectAccessible(page, "user page");

    await page.getByLabel("Evaluator").uncheck();
    await page.getByRole("button", { name: "Save roles and organisation" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("Select at least one role");
    await expectAccessible(page, "user page with errors");
    await page.getByLabel("Board member").check();
    await page.getByRole("button", { name: "Save roles and organisation" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("have been saved");

    await page.getByRole("button", { name: "Unlock account" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("unlocked");

    await page.getByRole("button", { name: "Reset two-factor sign-in" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("reset");
    await expectAccessible(page, "reset two-factor confirmation");
    await page.getByRole("button", { name: "Reset two-factor sign-in" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("has been reset");

    await page.getByRole("button", { name: "Deactivate account" }).click();
    await expect
      .poll(() => page.locator("h1").textContent())
      .toContain("Are you sure you want to deactivate");
    await expectAccessible(page, "deactivate confirmation");
    await page.getByRole("button", { name: "Deactivate account" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("has been deactivated");
    await expectAccessible(page, "deactivated user");
    await page.getByRole("button", { name: "Reactivate account" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner--success").textContent())
      .toContain("reactivated");
    expect(errors).toEqual([]);
  });
});

describe("a supplier", () => {
  it("sees a 403 page that is accessible and leaks nothing", async () => {
    const supplier = await createUser(running.services, ["supplier-user"]);
    const { page } = await newPage();
    await signIn(page, supplier.email);
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");
    await expectAccessible(page, "supplier home");
    const response = await page.goto("/users");
    expect(response?.status()).toBe(403);
    expect(await page.locator("h1").textContent()).toContain("You do not have permission");
    await expectAccessible(page, "403");
  });
});
