/// <reference lib="dom" />
import { authenticator } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../helpers.js";
import { expectAccessible, launchBrowser, startApp, watchConsole, type RunningApp } from "./browser.js";

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

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("a forgotten password, with no mail service (the outbox)", () => {
  it("asks for a link, which an administrator reads in the outbox, and sets a new password with it", async () => {
    const user = await createUser(running.services, ["commissioner"]);
    const admin = await createUser(running.services, ["administrator"]);

    const { page, errors } = await newPage();
    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Reset your password");
    await expectAccessible(page, "forgot password");
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("Enter your email address");
    await expectAccessible(page, "forgot password with errors");
    await page.getByLabel("Email address").fill(user.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Check your email");
    await expectAccessible(page, "check your email");

    // The administrator reads the message in the outbox.
    const { page: adminPage } = await newPage();
    await signIn(adminPage, admin.email, "correct horse battery staple");
    const secret = ((await adminPage.locator("#secret-key").textContent()) ?? "").trim();
    await adminPage.getByLabel("Security code").fill(authenticator.generate(secret));
    await adminPage.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => adminPage.locator("h1").textContent()).toContain("Welcome");
    await adminPage.getByRole("link", { name: "Outbox" }).click();
    await expect.poll(() => adminPage.locator("h1").textContent()).toBe("Outbox");
    await expectAccessible(adminPage, "outbox");
    await adminPage.getByRole("link", { name: "Password reset link" }).first().click();
    await expect.poll(() => adminPage.locator("h1").textContent()).toBe("Reset your Commissioner password");
    await expectAccessible(adminPage, "outbox message");
    const text = (await adminPage.locator("#message-body").textContent()) ?? "";
    const link = /https?:\/\/\S+\/reset-password\?token=\S+/.exec(text)?.[0] ?? "";
    expect(link).not.toBe("");

    // The link's page, on this server.
    const path = new URL(link).pathname + new URL(link).search;
    await page.goto(path);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Choose a new password");
    await expectAccessible(page, "choose a new password");
    await page.getByLabel("New password", { exact: true }).fill("a fresh long passphrase");
    await page.getByLabel("Confirm new password").fill("something else entirely");
    await page.getByRole("button", { name: "Save password" }).click();
    await expect
      .poll(() => page.locator(".govuk-error-summary").textContent())
      .toContain("The passwords do not match");
    await expectAccessible(page, "choose a new password with errors");
    await page.getByLabel("New password", { exact: true }).fill("a fresh long passphrase");
    await page.getByLabel("Confirm new password").fill("a fresh long passphrase");
    await page.getByRole("button", { name: "Save password" }).click();
    await expect
      .poll(() => page.locator(".govuk-notification-banner").textContent())
      .toContain("Your password has been changed");
    await expectAccessible(page, "sign-in after a reset");
    await signIn(page, user.email, "a fresh long passphrase");
    await expect.poll(() => page.locator("h1").textContent()).toContain("Welcome");

    await page.goto(path);
    await expect.poll(() => page.locator("h1").textContent()).toBe("The link has expired or has been used");
    await expectAccessible(page, "expired link");
    // The refused password form answers 400 (shown again on that response, so the token is never
    // stored with the errors); the browser reports the status, nothing else may appear.
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
  });
});
