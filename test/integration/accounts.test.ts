import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authenticator } from "otplib";
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
} from "../helpers.js";
import { otpauthUri, setupQrCode } from "../../src/modules/accounts/two-factor/qr-code.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe("sign-in", () => {
  it("sends a visitor who is not signed in to the sign-in page", async () => {
    const response = await t.app.inject({ url: "/account" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in?next=%2Faccount");
  });

  it("signs a commissioner in and shows their home page", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const home = await t.app.inject({ url: "/", cookies });
    expect(home.statusCode).toBe(200);
    expect(html(home.body)("h1").text()).toContain(`Welcome, ${user.name}`);
  });

  it("refuses a wrong password with an error summary, keeping the email and not the password", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const { response, cookies } = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: user.email, password: "wrong password" },
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in");
    const page = await t.app.inject({ url: "/sign-in", cookies });
    const $ = html(page.body);
    expect($(".govuk-error-summary").text()).toContain("Enter a correct email address and password");
    expect($("title").text()).toMatch(/^Error: /);
    expect($("#email").val()).toBe(user.email);
    expect($("#password").val()).toBeUndefined();
  });

  it("refuses a form without its CSRF token and changes nothing", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const response = await t.app.inject({
      method: "POST",
      url: "/sign-in",
      payload: { email: user.email, password: TEST_PASSWORD },
    });
    expect(response.statusCode).toBe(403);
    expect(html(response.body)("h1").text()).toContain("Your form could not be sent");
    expect(response.cookies.find((c) => c.name === "commissioner_session" && c.value)).toBeUndefined();
  });

  it("refuses a CSRF token from another browser", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const mine = await formToken(t.app, "/sign-in");
    const theirs = await formToken(t.app, "/sign-in");
    const response = await t.app.inject({
      method: "POST",
      url: "/sign-in",
      cookies: mine.cookies,
      payload: { _csrf: theirs.csrf, email: user.email, password: TEST_PASSWORD },
    });
    expect(response.statusCode).toBe(403);
  });

  it("locks an account after five failed attempts, even with the right password after", async () => {
    const user = await createUser(t.services, ["evaluator"]);
    for (let i = 0; i < 5; i++)
      await postForm(t.app, "/sign-in", "/sign-in", {}, { email: user.email, password: `wrong ${i}` });
    const { cookies } = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: user.email, password: TEST_PASSWORD },
    );
    const page = await t.app.inject({ url: "/sign-in", cookies });
    expect(html(page.body)(".govuk-error-summary").text()).toContain("Your account is locked");
  });

  it("does not follow a next address to another site", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const { response } = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: user.email, password: TEST_PASSWORD, next: "//evil.example/" },
    );
    expect(response.headers.location).toBe("/");
  });

  it("signs out and ends the session on the server", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const { response } = await postForm(t.app, "/", "/sign-out", cookies, {});
    expect(response.headers.location).toBe("/sign-in");
    const after = await t.app.inject({ url: "/", cookies });
    expect(after.statusCode).toBe(303);
  });
});

describe("two-factor sign-in", () => {
  it("makes an administrator set up TOTP before signing in, then asks for a code every time", async () => {
    const admin = await createUser(t.services, ["administrator"]);
    const first = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: admin.email, password: TEST_PASSWORD, next: "/account" },
    );
    expect(first.response.headers.location).toBe("/sign-in/two-factor?next=%2Faccount");
    // Not signed in yet.
    expect((await t.app.inject({ url: "/account", cookies: first.cookies })).statusCode).toBe(303);
    const setup = await t.app.inject({ url: "/sign-in/two-factor?next=%2Faccount", cookies: first.cookies });
    const secret = html(setup.body)("#secret-key").text().trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // The same key as a QR code of the setup link, with a name for screen readers.
    const qr = html(setup.body)("#qr-code svg");
    expect(qr.attr("role")).toBe("img");
    expect(qr.find("title").text()).toContain("QR code of the setup link");
    const link = otpauthUri(admin.email, secret);
    expect(html(setup.body)(".govuk-details__text").text()).toContain(link);
    const modules = async (uri: string) =>
      html(await setupQrCode(uri))("path")
        .last()
        .attr("d");
    expect(qr.find("path").last().attr("d")).toBe(await modules(link));
    expect(await modules(otpauthUri(admin.email, "AAAAAAAAAAAAAAAA"))).not.toBe(await modules(link));

    const wrong = await postForm(
      t.app,
      "/sign-in/two-factor?next=%2Faccount",
      "/sign-in/two-factor",
      first.cookies,
      { securityCode: "000000", next: "/account" },
    );
    expect(wrong.response.headers.location).toContain("/sign-in/two-factor");

    const ok = await postForm(
      t.app,
      "/sign-in/two-factor?next=%2Faccount",
      "/sign-in/two-factor",
      first.cookies,
      { securityCode: authenticator.generate(secret), next: "/account" },
    );
    expect(ok.response.headers.location).toBe("/account");
    const cookies = cookiesFrom(ok.response, first.cookies);
    expect((await t.app.inject({ url: "/account", cookies })).statusCode).toBe(200);

    const again = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      { email: admin.email, password: TEST_PASSWORD },
    );
    expect(again.response.headers.location).toContain("/sign-in/two-factor");
    const prompt = await t.app.inject({ url: "/sign-in/two-factor", cookies: again.cookies });
    expect(html(prompt.body)("label").text()).toContain("Enter your security code");
  });
});

describe("account", () => {
  it("changes the password, refusing a wrong current one with a field error", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const bad = await postForm(t.app, "/account/password", "/account/password", cookies, {
      currentPassword: "not it",
      newPassword: "a much longer new password",
      confirmPassword: "a much longer new password",
    });
    const page = await t.app.inject({ url: "/account/password", cookies: bad.cookies });
    expect(html(page.body)("#currentPassword-error").text()).toContain(
      "Your current password is not correct",
    );

    const short = await postForm(t.app, "/account/password", "/account/password", cookies, {
      currentPassword: TEST_PASSWORD,
      newPassword: "short",
      confirmPassword: "short",
    });
    const page2 = await t.app.inject({ url: "/account/password", cookies: short.cookies });
    expect(html(page2.body)(".govuk-error-summary").text()).toContain("12 characters or more");

    const good = await postForm(t.app, "/account/password", "/account/password", cookies, {
      currentPassword: TEST_PASSWORD,
      newPassword: "a much longer new password",
      confirmPassword: "a much longer new password",
    });
    expect(good.response.headers.location).toBe("/account");
    await expect(signIn(t.app, user.email)).rejects.toThrow();
    expect(await signIn(t.app, user.email, "a much longer new password")).toBeTruthy();
  });

  it("creates an API token shown once, which then works as a bearer token, and revokes it", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const { response } = await postForm(t.app, "/account", "/account/tokens", cookies, {
      name: "Reporting script",
    });
    const token = html(response.body)("#token").text().trim();
    expect(token).toMatch(/^cmr_/);
    const account = await t.app.inject({ url: "/account", cookies });
    expect(account.body).not.toContain(token);
    expect(account.body).toContain("Reporting script");
  });
});

describe("sessions and tokens end", () => {
  it("signs a person out when their session has expired", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    expect((await t.app.inject({ url: "/", cookies })).statusCode).toBe(200);
    // Nine hours on, past the 8-hour session: only Date is faked, timers run as usual.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 9 * 3_600_000 });
    const after = await t.app.inject({ url: "/", cookies }).finally(() => vi.useRealTimers());
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe("/sign-in?next=%2F");
  });

  it("refuses a revoked API token", async () => {
    const user = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, user.email);
    const { response } = await postForm(t.app, "/account", "/account/tokens", cookies, {
      name: "Soon revoked",
    });
    const token = html(response.body)("#token").text().trim();
    const auth = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ url: "/api/v1/programmes", headers: auth })).statusCode).toBe(200);
    const account = await t.app.inject({ url: "/account", cookies });
    const revokeAction = html(account.body)('form[action$="/revoke"]').attr("action") ?? "";
    const revoked = await postForm(t.app, "/account", revokeAction, cookies, {});
    expect(revoked.response.headers.location).toBe("/account");
    expect((await t.app.inject({ url: "/api/v1/programmes", headers: auth })).statusCode).toBe(401);
  });

  it("does not let one person revoke another's token", async () => {
    const owner = await createUser(t.services, ["commissioner"]);
    const created = await t.services.accounts.createApiToken(
      { id: owner.id, label: "o", roles: ["commissioner"], organisationId: null },
      owner.id,
      "mine",
    );
    const other = await createUser(t.services, ["commissioner"]);
    const cookies = await signIn(t.app, other.email);
    const attempt = await postForm(t.app, "/account", `/account/tokens/${created.id}/revoke`, cookies, {});
    expect(attempt.response.statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          url: "/api/v1/programmes",
          headers: { authorization: `Bearer ${created.token}` },
        })
      ).statusCode,
    ).toBe(200);
  });
});
