import { eq, and } from "drizzle-orm";
import { authenticator } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, sessions, users } from "../../src/db/schema/index.js";
import { resetTwoFactor, unlockAccount } from "../../src/modules/accounts/service.js";
import {
  buildTestApp,
  cookiesFrom,
  createUser,
  formToken,
  html,
  postForm,
  signIn,
  TEST_PASSWORD,
  type TestApp,
  asFixture,
} from "../helpers.js";

/**
 * The promises of docs/security.md about sign-in: throttles that parallel requests cannot race,
 * two-factor that no link can switch off, codes used once and stored encrypted, no open redirect.
 */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const WRONG_CREDENTIALS = "Enter a correct email address and password";

async function userRow(id: string) {
  const [row] = await t.database.db.select().from(users).where(eq(users.id, id));
  if (!row) throw new Error("no such user");
  return row;
}

async function auditActions(entityId: string): Promise<string[]> {
  const rows = await t.database.db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, "user"), eq(auditEvents.entityId, entityId)))
    .orderBy(auditEvents.seq);
  return rows.map((r) => r.action);
}

/** A browser on its own address, with the sign-in form's CSRF token. */
async function browserAt(address: string) {
  const response = await t.app.inject({ url: "/sign-in", remoteAddress: address });
  const csrf = html(response.body)('input[name="_csrf"]').val() as string;
  return { address, csrf, cookies: cookiesFrom(response) };
}

function postSignIn(
  browser: { address: string; csrf: string; cookies: Record<string, string> },
  email: string,
  password: string,
  next = "/",
) {
  return t.app.inject({
    method: "POST",
    url: "/sign-in",
    remoteAddress: browser.address,
    cookies: browser.cookies,
    payload: { _csrf: browser.csrf, email, password, next },
  });
}

/** The error the sign-in page shows after a refused attempt. */
async function shownError(response: Awaited<ReturnType<typeof postSignIn>>, cookies: Record<string, string>) {
  if (response.statusCode === 429) return "throttled";
  const page = await t.app.inject({ url: "/sign-in", cookies: cookiesFrom(response, cookies) });
  return html(page.body)(".govuk-error-summary li").text().trim();
}

describe("parallel sign-ins", () => {
  it("lock the account after five failures however many arrive at once, and refuse the right password after", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const browsers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => browserAt(`10.1.0.${String(i + 1)}`)),
    );
    const wrong = browsers.slice(0, 99);
    const right = browsers[99];
    if (!right) throw new Error("no browser");
    const responses = await Promise.all([
      ...wrong.map((b, i) => postSignIn(b, user.email, `wrong password ${String(i)}`)),
      postSignIn(right, user.email, TEST_PASSWORD),
    ]);
    const rightResponse = responses[99];
    expect(rightResponse?.headers.location).toBe("/sign-in");
    const row = await userRow(user.id);
    expect(row.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
    const errors = await Promise.all(
      responses.slice(0, 99).map((r, i) => shownError(r, wrong[i]?.cookies ?? {})),
    );
    // Only the four attempts before the fifth failure are told "wrong": the rest are told "locked".
    expect(errors.filter((e) => e === WRONG_CREDENTIALS).length).toBeLessThanOrEqual(4);
    expect(errors.filter((e) => e.startsWith("Your account is locked")).length).toBeGreaterThanOrEqual(95);
    expect((await auditActions(user.id)).filter((a) => a === "locked-out")).toHaveLength(1);
  }, 120_000);

  it("cannot race the throttle of one address", async () => {
    const browsers = await Promise.all(Array.from({ length: 60 }, () => browserAt("10.2.0.1")));
    const responses = await Promise.all(
      browsers.map((b, i) => postSignIn(b, `nobody${String(i)}@nowhere.example`, "wrong password")),
    );
    const admitted = responses.filter((r) => r.statusCode !== 429);
    expect(admitted.length).toBeLessThanOrEqual(20);
  });
});

describe("unknown email addresses", () => {
  it("are answered exactly as accounts are, locking after five failures", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 7; i++) {
      const a = await browserAt(`10.3.0.${String(i + 1)}`);
      known.push(await shownError(await postSignIn(a, user.email, "wrong password"), a.cookies));
      const b = await browserAt(`10.3.1.${String(i + 1)}`);
      unknown.push(
        await shownError(await postSignIn(b, "no-such-person@test.example", "wrong password"), b.cookies),
      );
    }
    expect(unknown).toEqual(known);
    expect(known.slice(0, 4)).toEqual(Array(4).fill(WRONG_CREDENTIALS));
    expect(known[4]).toMatch(/^Your account is locked/);
    expect(known[6]).toMatch(/^Your account is locked/);
  });

  it("take about as long to refuse as an account's wrong password (a dummy argon2 hash is verified)", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const time = async (email: string, address: string) => {
      const b = await browserAt(address);
      const started = performance.now();
      await postSignIn(b, email, "wrong password");
      return performance.now() - started;
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      knownTimes.push(await time(user.email, `10.4.0.${String(i + 1)}`));
      unknownTimes.push(await time(`ghost${String(i)}@test.example`, `10.4.1.${String(i + 1)}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
    expect(median(unknownTimes)).toBeGreaterThan(median(knownTimes) * 0.4);
  });
});

/** Signs in an administrator with two-factor; returns their cookies and authenticator secret. */
async function enrolledAdministrator() {
  const admin = await createUser(t.services, ["administrator"]);
  const first = await postForm(
    t.app,
    "/sign-in",
    "/sign-in",
    {},
    { email: admin.email, password: TEST_PASSWORD },
  );
  const setup = await t.app.inject({ url: "/sign-in/two-factor", cookies: first.cookies });
  const secret = html(setup.body)("#secret-key").text().trim();
  const done = await postForm(t.app, "/sign-in/two-factor", "/sign-in/two-factor", first.cookies, {
    securityCode: authenticator.generate(secret),
    next: "/",
  });
  expect(done.response.headers.location).toBe("/");
  expect(await auditActions(admin.id)).toEqual(["created", "two-factor-setup-started", "two-factor-enabled"]);
  return { admin, secret, cookies: cookiesFrom(done.response, first.cookies) };
}

/** Password accepted, second factor owed: the cookies of that pending sign-in. */
async function pendingSignIn(email: string) {
  const first = await postForm(t.app, "/sign-in", "/sign-in", {}, { email, password: TEST_PASSWORD });
  expect(first.response.headers.location).toContain("/sign-in/two-factor");
  return first.cookies;
}

function codeOtherThan(secret: string): string {
  const right = authenticator.generate(secret);
  return right === "123456" ? "654321" : "123456";
}

describe("two-factor codes", () => {
  it("end the pending sign-in after five wrong codes, even with the right code after", async () => {
    const { admin, secret } = await enrolledAdministrator();
    const cookies = await pendingSignIn(admin.email);
    const { csrf } = await formToken(t.app, "/sign-in/two-factor", cookies);
    const attempt = (securityCode: string) =>
      t.app.inject({
        method: "POST",
        url: "/sign-in/two-factor",
        cookies,
        payload: { _csrf: csrf, securityCode, next: "/" },
      });
    // Fired at once: counted before they are checked, so no more than five are ever checked.
    await Promise.all(Array.from({ length: 30 }, () => attempt(codeOtherThan(secret))));
    const after = await attempt(authenticator.generate(secret));
    expect(after.headers.location).toBe("/sign-in");
    expect((await t.app.inject({ url: "/account", cookies })).statusCode).toBe(303);
    const failures = (await auditActions(admin.id)).filter((a) => a === "two-factor-code-refused");
    expect(failures.length).toBe(5);
  });

  it("lock the account after ten wrong codes in an hour until an administrator unlocks it", async () => {
    const { admin, secret } = await enrolledAdministrator();
    for (let round = 0; round < 2; round++) {
      const cookies = await pendingSignIn(admin.email);
      for (let i = 0; i < 5; i++)
        await postForm(t.app, "/sign-in/two-factor", "/sign-in/two-factor", cookies, {
          securityCode: codeOtherThan(secret),
          next: "/",
        });
    }
    expect((await userRow(admin.id)).totpLockedAt).not.toBeNull();
    expect(await auditActions(admin.id)).toContain("two-factor-locked");
    // The right password and the right code no longer sign in, and the page says whom to ask.
    const refused = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: admin.email, password: TEST_PASSWORD },
    );
    expect(refused.response.headers.location).toBe("/sign-in");
    const page = await t.app.inject({ url: "/sign-in", cookies: refused.cookies });
    expect(html(page.body)(".govuk-error-summary").text()).toContain("Ask an administrator to unlock it");

    await t.database.db.transaction((tx) => unlockAccount(tx, admin.id));
    const row = await userRow(admin.id);
    expect([row.totpLockedAt, row.totpFailures, row.failedSignIns, row.lockedUntil]).toEqual([
      null,
      0,
      0,
      null,
    ]);
    // Unlocked: the password is accepted again and the code is asked for.
    await pendingSignIn(admin.email);
  });

  it("cannot be used twice", async () => {
    const { admin, secret } = await enrolledAdministrator();
    const code = authenticator.generate(secret);
    const a = await pendingSignIn(admin.email);
    const first = await postForm(t.app, "/sign-in/two-factor", "/sign-in/two-factor", a, {
      securityCode: code,
      next: "/",
    });
    const b = await pendingSignIn(admin.email);
    const second = await postForm(t.app, "/sign-in/two-factor", "/sign-in/two-factor", b, {
      securityCode: code,
      next: "/",
    });
    // The enrolment above may have used this step's code already; either way it works at most once.
    const accepted = [first, second].filter((r) => r.response.headers.location === "/");
    expect(accepted.length).toBeLessThanOrEqual(1);
    expect(second.response.headers.location).not.toBe("/");
  });

  it("are stored encrypted, not as the secret an authenticator is given", async () => {
    const { admin, secret } = await enrolledAdministrator();
    const stored = (await userRow(admin.id)).totpSecret ?? "";
    expect(stored).not.toBe("");
    expect(stored).not.toContain(secret);
    expect(stored).not.toMatch(/^[A-Z2-7]+=*$/);
  });

  it("still work from a secret stored in plain text before encryption, which is then encrypted", async () => {
    const admin = await createUser(t.services, ["administrator"]);
    const plain = authenticator.generateSecret();
    await asFixture(t.database.db, (tx) =>
      tx.update(users).set({ totpSecret: plain, totpEnabled: true }).where(eq(users.id, admin.id)),
    );
    const cookies = await pendingSignIn(admin.email);
    const done = await postForm(t.app, "/sign-in/two-factor", "/sign-in/two-factor", cookies, {
      securityCode: authenticator.generate(plain),
      next: "/",
    });
    expect(done.response.headers.location).toBe("/");
    expect((await userRow(admin.id)).totpSecret).not.toContain(plain);
  });

  it("resetTwoFactor clears the secret, the enrolment and the last step used", async () => {
    const { admin } = await enrolledAdministrator();
    await asFixture(t.database.db, (tx) => resetTwoFactor(tx, admin.id));
    const row = await userRow(admin.id);
    expect([row.totpSecret, row.totpEnabled, row.totpPendingSecret, row.totpLastStep]).toEqual([
      null,
      false,
      null,
      null,
    ]);
  });
});

describe("the two-factor page", () => {
  it("changes nothing when it is opened, so a link cannot switch two-factor off", async () => {
    const { admin, cookies } = await enrolledAdministrator();
    const before = await userRow(admin.id);
    const auditBefore = await auditActions(admin.id);
    const page = await t.app.inject({ url: "/account/two-factor", cookies });
    expect(page.statusCode).toBe(200);
    const after = await userRow(admin.id);
    expect(after).toEqual(before);
    expect(await auditActions(admin.id)).toEqual(auditBefore);
  });

  it("sets up a new authenticator only with the current password, audited, keeping the old one until confirmed", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const wrong = await postForm(t.app, "/account/two-factor", "/account/two-factor/setup", cookies, {
      currentPassword: "not my password",
    });
    expect(wrong.response.headers.location).toBe("/account/two-factor");
    const errorPage = await t.app.inject({ url: "/account/two-factor", cookies });
    const $ = html(errorPage.body);
    expect($(".govuk-error-summary").text()).toContain("Your current password is not correct");
    expect((await userRow(user.id)).totpPendingSecret).toBeNull();

    const started = await postForm(t.app, "/account/two-factor", "/account/two-factor/setup", cookies, {
      currentPassword: TEST_PASSWORD,
    });
    expect(started.response.headers.location).toBe("/account/two-factor");
    const setup = await t.app.inject({ url: "/account/two-factor", cookies });
    const secret = html(setup.body)("#secret-key").text().trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const confirmed = await postForm(t.app, "/account/two-factor", "/account/two-factor", cookies, {
      securityCode: authenticator.generate(secret),
    });
    expect(confirmed.response.headers.location).toBe("/account");
    expect((await userRow(user.id)).totpEnabled).toBe(true);
    expect(await auditActions(user.id)).toEqual(
      expect.arrayContaining(["two-factor-setup-started", "two-factor-enabled"]),
    );
  });

  it("turns two-factor off only with the current password, audited, and never for a role that needs it", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    await postForm(t.app, "/account/two-factor", "/account/two-factor/setup", cookies, {
      currentPassword: TEST_PASSWORD,
    });
    const setup = await t.app.inject({ url: "/account/two-factor", cookies });
    const secret = html(setup.body)("#secret-key").text().trim();
    await postForm(t.app, "/account/two-factor", "/account/two-factor", cookies, {
      securityCode: authenticator.generate(secret),
    });
    const refused = await postForm(t.app, "/account/two-factor", "/account/two-factor/remove", cookies, {
      removePassword: "wrong",
    });
    expect(refused.response.headers.location).toBe("/account/two-factor");
    expect((await userRow(user.id)).totpEnabled).toBe(true);
    const removed = await postForm(t.app, "/account/two-factor", "/account/two-factor/remove", cookies, {
      removePassword: TEST_PASSWORD,
    });
    expect(removed.response.headers.location).toBe("/account");
    expect((await userRow(user.id)).totpEnabled).toBe(false);
    expect(await auditActions(user.id)).toContain("two-factor-removed");

    const { admin, cookies: adminCookies } = await enrolledAdministrator();
    await postForm(t.app, "/account/two-factor", "/account/two-factor/remove", adminCookies, {
      removePassword: TEST_PASSWORD,
    });
    expect((await userRow(admin.id)).totpEnabled).toBe(true);
  });
});

describe("a password change", () => {
  it("ends the person's other sessions and says so", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const elsewhere = await signIn(t.app, user.email);
    const here = await signIn(t.app, user.email);
    const changed = await postForm(t.app, "/account/password", "/account/password", here, {
      currentPassword: TEST_PASSWORD,
      newPassword: "another long enough password",
      confirmPassword: "another long enough password",
    });
    expect(changed.response.headers.location).toBe("/account");
    const page = await t.app.inject({ url: "/account", cookies: changed.cookies });
    expect(page.statusCode).toBe(200);
    expect(html(page.body)(".govuk-notification-banner").text()).toContain("signed out");
    expect((await t.app.inject({ url: "/", cookies: elsewhere })).statusCode).toBe(303);
    const left = await t.database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(left).toHaveLength(1);
  });
});

describe("where sign-in goes next", () => {
  const cases: [string, string][] = [
    ["/projects", "/projects"],
    ["/projects?x=1#top", "/projects?x=1#top"],
    ["//evil.example/", "/"],
    ["/\\evil.example/", "/"],
    ["/\t/evil.example/", "/"],
    ["/%09/evil.example/", "/%09/evil.example/"],
    ["/\r\nSet-Cookie: x=1", "/"],
    ["https://evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["", "/"],
  ];
  it.each(cases)("after sign-in, next=%j goes to %j", async (next, expected) => {
    const user = await createUser(t.services, ["commissioner"]);
    const { response } = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      {
        email: user.email,
        password: TEST_PASSWORD,
        next,
      },
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(expected);
  });

  it("answers a next address with a line break in the query with the sign-in page, not an error", async () => {
    const response = await t.app.inject({ url: "/sign-in?next=%2F%0D%0Aevil" });
    expect(response.statusCode).toBe(200);
    expect(html(response.body)('input[name="next"]').val()).toBe("/");
  });
});

describe("signed-in pages", () => {
  it("are never stored by a browser or proxy, nor is the page that shows a new API token", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    for (const url of ["/", "/account", "/account/password", "/account/two-factor"]) {
      const response = await t.app.inject({ url, cookies });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["cache-control"], url).toBe("no-store");
    }
    const created = await postForm(t.app, "/account", "/account/tokens", cookies, { name: "Script" });
    expect(created.response.headers["cache-control"]).toBe("no-store");
  });
});
