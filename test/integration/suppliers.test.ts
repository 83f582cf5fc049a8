import { createHash } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emailVerifications, organisations, outbox, users } from "../../src/db/schema/index.js";
import {
  apiTokenFor,
  asFixture,
  buildTestApp,
  cookiesFrom,
  createUser,
  formToken,
  html,
  postForm,
  signIn,
  type TestApp,
} from "../helpers.js";

/** Supplier accounts (docs/tendering.md): registering, confirming an address, colleagues. */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

let n = 0;
/** Each test registers from an address of its own, so the throttle of one does not reach another. */
const nextIp = () => `10.20.${String(Math.floor(++n / 200))}.${String(n % 200)}`;
const unique = (prefix: string) => `${prefix} ${String(++n)}-${Date.now().toString(36)}`;
const emailFor = (who: string) => `${who}-${String(++n)}-${Date.now().toString(36)}@supplier.example`;

function registration(overrides: Record<string, string> = {}) {
  return {
    name: unique("Riverside Recovery"),
    companyNumber: "01234567",
    charityNumber: "",
    noNumberReason: "",
    address: "1 High Street\nMaidstone\nME14 1XX",
    sme: "yes",
    vcse: "no",
    contactName: "Rita Rivers",
    contactEmail: emailFor("rita"),
    ...overrides,
  };
}

/** Posts the registration form as a browser at `ip` would, with the form's CSRF token. */
async function registerThroughPage(fields: Record<string, string>, ip = nextIp()) {
  const { csrf, cookies } = await formToken(t.app, "/suppliers/register");
  const response = await t.app.inject({
    method: "POST",
    url: "/suppliers/register",
    remoteAddress: ip,
    cookies,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
  return { response, cookies: cookiesFrom(response, cookies) };
}

async function registerThroughApi(body: Record<string, unknown>, ip = nextIp()) {
  return t.app.inject({ method: "POST", url: "/api/v1/public/suppliers", remoteAddress: ip, payload: body });
}

async function messagesTo(address: string) {
  return t.database.db
    .select()
    .from(outbox)
    .where(eq(outbox.recipient, address))
    .orderBy(desc(outbox.createdAt));
}

/** The link of the newest message to the address: its path and query, as a browser opens it. */
async function linkSentTo(address: string): Promise<string> {
  const [message] = await messagesTo(address);
  const link = message?.personalisation.link;
  if (typeof link !== "string") throw new Error(`no link was sent to ${address}`);
  expect(link.startsWith(`${t.config.publicUrl}/suppliers/verify?token=`)).toBe(true);
  return link.slice(t.config.publicUrl.length);
}

async function userRow(email: string) {
  const [row] = await t.database.db.select().from(users).where(eq(users.email, email));
  return row;
}

async function choosePassword(linkPath: string, password: string, confirm = password) {
  const page = await t.app.inject({ url: linkPath });
  const $ = html(page.body);
  const token = $('input[name="token"]').val();
  const csrf = $('input[name="_csrf"]').val();
  const cookies = cookiesFrom(page);
  const response = await t.app.inject({
    method: "POST",
    url: "/suppliers/verify",
    cookies,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      _csrf: String(csrf),
      token: String(token ?? new URL(linkPath, "http://x").searchParams.get("token")),
      newPassword: password,
      confirmPassword: confirm,
    }).toString(),
  });
  return { page, response, cookies: cookiesFrom(response, cookies) };
}

const PASSWORD = "river bank otter lantern";

describe("registering a supplier", () => {
  it("is open to anyone, and linked from the sign-in page", async () => {
    const page = await t.app.inject({ url: "/suppliers/register" });
    expect(page.statusCode).toBe(200);
    expect(html(page.body)("h1").text()).toBe("Register your organisation as a supplier");
    const signInPage = html((await t.app.inject({ url: "/sign-in" })).body);
    expect(signInPage('a[href="/suppliers/register"]').text()).toBe(
      "Register your organisation as a supplier",
    );
    // Signed in, too.
    const staff = await createUser(t.services, ["commissioner"]);
    const signedIn = await t.app.inject({
      url: "/suppliers/register",
      cookies: await signIn(t.app, staff.email),
    });
    expect(signedIn.statusCode).toBe(200);
  });

  it("creates the organisation and an unverified user, and emails a link that works once", async () => {
    const fields = registration();
    const { response } = await registerThroughPage(fields);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/suppliers/register/check-your-email");
    const sent = html((await t.app.inject({ url: String(response.headers.location) })).body);
    expect(sent("h1").text()).toBe("Check your email");

    const [org] = await t.database.db.select().from(organisations).where(eq(organisations.name, fields.name));
    expect(org).toMatchObject({
      kind: "supplier",
      companyNumber: "01234567",
      charityNumber: null,
      address: fields.address,
      sme: true,
      vcse: false,
      contactEmail: fields.contactEmail,
    });
    const user = await userRow(fields.contactEmail);
    expect(user).toMatchObject({
      name: "Rita Rivers",
      roles: ["supplier-user"],
      organisationId: org?.id,
      passwordHash: null,
      emailVerifiedAt: null,
      active: true,
    });
    const messages = await messagesTo(fields.contactEmail);
    expect(messages.map((m) => m.templateKey)).toEqual(["email-verification"]);
    expect(messages[0]?.personalisation.hours).toBe("48");
    const link = await linkSentTo(fields.contactEmail);

    // Only the token's SHA-256 is stored, and the link lasts 48 hours.
    const token = new URL(link, "http://x").searchParams.get("token") ?? "";
    const [stored] = await t.database.db
      .select()
      .from(emailVerifications)
      .where(eq(emailVerifications.userId, user?.id ?? ""));
    expect(stored?.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(stored?.tokenHash).not.toContain(token);
    const hours = ((stored?.expiresAt.getTime() ?? 0) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(hours).toBeLessThanOrEqual(48);

    // Audited: the organisation and the user.
    const audited = await t.database.db
      .select({ entityType: auditEvents.entityType, action: auditEvents.action })
      .from(auditEvents)
      .where(sql`${auditEvents.entityId} IN (${org?.id ?? ""}, ${user?.id ?? ""})`);
    expect(audited).toEqual(
      expect.arrayContaining([
        { entityType: "organisation", action: "created" },
        { entityType: "user", action: "created" },
      ]),
    );

    // Before the link is used the person cannot sign in, and is told only the usual words.
    const refused = await postForm(
      t.app,
      "/sign-in",
      "/sign-in",
      {},
      {
        email: fields.contactEmail,
        password: PASSWORD,
        next: "/",
      },
    );
    expect(refused.response.headers.location).toBe("/sign-in");
    const refusedPage = html((await t.app.inject({ url: "/sign-in", cookies: refused.cookies })).body);
    expect(refusedPage(".govuk-error-summary").text()).toContain(
      "Enter a correct email address and password",
    );

    // The link opens the password form; the password is set, the address confirmed.
    const chosen = await choosePassword(link, PASSWORD);
    expect(html(chosen.page.body)("h1").text()).toBe("Confirm your email address and choose a password");
    expect(chosen.page.headers["cache-control"]).toBe("no-store");
    expect(chosen.response.statusCode).toBe(303);
    expect(chosen.response.headers.location).toBe("/sign-in");
    const banner = html((await t.app.inject({ url: "/sign-in", cookies: chosen.cookies })).body);
    expect(banner(".govuk-notification-banner--success").text()).toContain("Your email address is confirmed");
    const verified = await userRow(fields.contactEmail);
    expect(verified?.emailVerifiedAt).toBeInstanceOf(Date);
    expect(verified?.passwordHash).toMatch(/^\$argon2id\$/);
    const [verifiedAudit] = await t.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, user?.id ?? ""), eq(auditEvents.action, "email-verified")));
    expect(verifiedAudit?.actorId).toBe(user?.id);

    // They sign in, and land on the supplier's home.
    const cookies = await signIn(t.app, fields.contactEmail, PASSWORD);
    const home = html((await t.app.inject({ url: "/", cookies })).body);
    expect(home('#opportunities a[href="/opportunities"]').text()).toContain("Find opportunities");
    expect(home('#supplier-people a[href="/suppliers/colleagues"]').text()).toBe(
      "Your organisation's people",
    );

    // The link works once.
    const again = await t.app.inject({ url: link });
    expect(html(again.body)("h1").text()).toBe("The link has expired or has been used");
    const reused = await choosePassword(link, "another password entirely");
    expect(html(reused.response.body)("h1").text()).toBe("The link has expired or has been used");
    await signIn(t.app, fields.contactEmail, PASSWORD);
  });

  it("refuses the form without its CSRF token and creates nothing", async () => {
    const fields = registration();
    const response = await t.app.inject({
      method: "POST",
      url: "/suppliers/register",
      remoteAddress: nextIp(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams(fields).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(html(response.body)("h1").text()).toContain("Your form could not be sent");
    expect(await userRow(fields.contactEmail)).toBeUndefined();
    const [org] = await t.database.db.select().from(organisations).where(eq(organisations.name, fields.name));
    expect(org).toBeUndefined();
  });

  it("names a bad email address, a bad company number and each missing answer, and keeps what was typed", async () => {
    const fields = registration({
      contactEmail: "rita at example",
      companyNumber: "1234",
      sme: "",
      vcse: "",
    });
    const { response, cookies } = await registerThroughPage(fields);
    expect(response.headers.location).toBe("/suppliers/register");
    const $ = html((await t.app.inject({ url: "/suppliers/register", cookies })).body);
    const summary = $(".govuk-error-summary").text();
    expect(summary).toContain("Enter an email address in the correct format, like name@example.org");
    expect(summary).toContain("Enter a company number of 8 characters, like 01234567 or SC123456");
    expect(summary).toContain("Select whether your organisation is a small or medium-sized enterprise (SME)");
    expect($('.govuk-error-summary a[href="#companyNumber"]')).toHaveLength(1);
    expect($('.govuk-error-summary a[href="#contactEmail"]')).toHaveLength(1);
    expect($("#name").val()).toBe(fields.name);
    expect($("#companyNumber").val()).toBe("1234");
    const [org] = await t.database.db.select().from(organisations).where(eq(organisations.name, fields.name));
    expect(org).toBeUndefined();
  });

  it("asks for a company or charity number, or why there is neither", async () => {
    const neither = registration({ companyNumber: "", charityNumber: "" });
    const refused = await registerThroughApi({ ...neither, sme: true, vcse: true });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: unknown[] }>().errors).toContainEqual({
      path: "companyNumber",
      message: "Enter a company number or a charity number, or say why your organisation has neither",
    });

    const charity = registration({ companyNumber: "", charityNumber: "12345" });
    const badCharity = await registerThroughApi({ ...charity, sme: true, vcse: true });
    expect(badCharity.json<{ errors: unknown[] }>().errors).toContainEqual({
      path: "charityNumber",
      message: "Enter a charity number of 6 to 8 digits, like 1234567",
    });

    const reason = registration({ companyNumber: "", noNumberReason: "An unincorporated community group" });
    const accepted = await registerThroughApi({ ...reason, sme: true, vcse: true });
    expect(accepted.statusCode).toBe(202);
    const [org] = await t.database.db.select().from(organisations).where(eq(organisations.name, reason.name));
    expect(org).toMatchObject({ companyNumber: null, charityNumber: null, vcse: true });
    const [audit] = await t.database.db
      .select({ summary: auditEvents.summary })
      .from(auditEvents)
      .where(and(eq(auditEvents.entityId, org?.id ?? ""), eq(auditEvents.entityType, "organisation")));
    expect(audit?.summary).toMatchObject({ noNumberReason: "An unincorporated community group" });

    // Spaces and small letters in a company number are forgiven.
    const scottish = registration({ companyNumber: "sc 123 456" });
    expect((await registerThroughApi({ ...scottish, sme: false, vcse: false })).statusCode).toBe(202);
    const [sc] = await t.database.db
      .select()
      .from(organisations)
      .where(eq(organisations.name, scottish.name));
    expect(sc?.companyNumber).toBe("SC123456");
  });

  it("refuses a name already registered, on the name field of the page and of the API's problem", async () => {
    const first = registration();
    expect((await registerThroughApi({ ...first, sme: true, vcse: false })).statusCode).toBe(202);

    const second = registration({ name: first.name.toUpperCase() });
    const api = await registerThroughApi({ ...second, sme: true, vcse: false });
    expect(api.statusCode).toBe(409);
    expect(api.headers["content-type"]).toContain("application/problem+json");
    const problem = api.json<{ errors: { path: string; message: string }[] }>();
    expect(problem.errors).toEqual([
      {
        path: "name",
        message:
          "An organisation with this name is already registered. If it is yours, ask a colleague who has an account to add you",
      },
    ]);

    const { response, cookies } = await registerThroughPage(second);
    expect(response.headers.location).toBe("/suppliers/register");
    const $ = html((await t.app.inject({ url: "/suppliers/register", cookies })).body);
    expect($("#name-error").text()).toContain("An organisation with this name is already registered");
    expect(await userRow(second.contactEmail)).toBeUndefined();
    expect(await messagesTo(second.contactEmail)).toEqual([]);
  });

  it("answers an address that has an account as any other, and creates and sends nothing", async () => {
    const existing = await createUser(t.services, ["commissioner"]);
    const fields = registration({ contactEmail: existing.email });
    const before = await messagesTo(existing.email);
    const { response } = await registerThroughPage(fields);
    expect(response.headers.location).toBe("/suppliers/register/check-your-email");
    const api = await registerThroughApi({
      ...registration({ contactEmail: existing.email }),
      sme: true,
      vcse: true,
    });
    expect(api.statusCode).toBe(202);
    const [org] = await t.database.db.select().from(organisations).where(eq(organisations.name, fields.name));
    expect(org).toBeUndefined();
    expect(await messagesTo(existing.email)).toHaveLength(before.length);
  });

  it("throttles registrations from one source address", async () => {
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await registerThroughApi({ ...registration(), sme: true, vcse: true }, ip)).statusCode);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
    expect(statuses[10]).toBe(429);
    const page = await registerThroughPage(registration(), ip);
    expect(page.response.statusCode).toBe(429);
    // Another address is not held up.
    expect((await registerThroughApi({ ...registration(), sme: true, vcse: true })).statusCode).toBe(202);
  });
});

describe("the link that confirms an address", () => {
  it("says when a link has expired, and sends a new one that works", async () => {
    const fields = registration();
    await registerThroughPage(fields);
    const link = await linkSentTo(fields.contactEmail);
    await asFixture(t.database.db, (tx) =>
      tx
        .update(emailVerifications)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(
          sql`${emailVerifications.userId} = (SELECT id FROM users WHERE email = ${fields.contactEmail})`,
        ),
    );
    const expired = html((await t.app.inject({ url: link })).body);
    expect(expired("h1").text()).toBe("The link has expired or has been used");
    expect(expired('form[action="/suppliers/verify/new-link"] button').text()).toContain("Send a new link");
    expect((await choosePassword(link, PASSWORD)).response.body).toContain(
      "The link has expired or has been used",
    );
    expect((await userRow(fields.contactEmail))?.passwordHash).toBeNull();

    // An unknown token says the same.
    const unknown = html((await t.app.inject({ url: "/suppliers/verify?token=not-a-token" })).body);
    expect(unknown("h1").text()).toBe("The link has expired or has been used");

    const asked = await postForm(
      t.app,
      link,
      "/suppliers/verify/new-link",
      {},
      { email: fields.contactEmail },
    );
    expect(asked.response.headers.location).toBe("/suppliers/register/check-your-email");
    expect(await messagesTo(fields.contactEmail)).toHaveLength(2);
    const fresh = await linkSentTo(fields.contactEmail);
    expect(fresh).not.toBe(link);
    const chosen = await choosePassword(fresh, PASSWORD);
    expect(chosen.response.headers.location).toBe("/sign-in");
    await signIn(t.app, fields.contactEmail, PASSWORD);

    // A confirmed address, or one with no account, is sent nothing, with the same answer.
    await postForm(t.app, link, "/suppliers/verify/new-link", {}, { email: fields.contactEmail });
    const nobody = emailFor("nobody");
    const none = await postForm(t.app, link, "/suppliers/verify/new-link", {}, { email: nobody });
    expect(none.response.headers.location).toBe("/suppliers/register/check-your-email");
    expect(await messagesTo(fields.contactEmail)).toHaveLength(2);
    expect(await messagesTo(nobody)).toEqual([]);
  });

  it("keeps to the accounts' password rules, without spending the link", async () => {
    const fields = registration();
    await registerThroughPage(fields);
    const link = await linkSentTo(fields.contactEmail);
    const short = await choosePassword(link, "short");
    expect(short.response.statusCode).toBe(400);
    expect(html(short.response.body)(".govuk-error-summary").text()).toContain(
      "Password must be 12 characters or more",
    );
    const mismatch = await choosePassword(link, PASSWORD, `${PASSWORD}!`);
    expect(html(mismatch.response.body)(".govuk-error-summary").text()).toContain(
      "The passwords do not match",
    );
    expect((await choosePassword(link, PASSWORD)).response.headers.location).toBe("/sign-in");
  });
});

describe("a supplier's colleagues", () => {
  it("lists only the user's own organisation's people, and adds a colleague to it", async () => {
    const alice = await createUser(t.services, ["supplier-user"]);
    const bob = await createUser(t.services, ["supplier-user"]);
    const aliceCookies = await signIn(t.app, alice.email);

    const page = html((await t.app.inject({ url: "/suppliers/colleagues", cookies: aliceCookies })).body);
    expect(page("h1").text()).toBe("Your organisation's people");
    expect(page("#colleagues tbody").text()).toContain(alice.email);
    expect(page("#colleagues tbody").text()).not.toContain(bob.email);

    const colleague = emailFor("colin");
    const added = await postForm(t.app, "/suppliers/colleagues", "/suppliers/colleagues", aliceCookies, {
      name: "Colin Colleague",
      email: colleague,
    });
    expect(added.response.headers.location).toBe("/suppliers/colleagues");
    const after = html((await t.app.inject({ url: "/suppliers/colleagues", cookies: added.cookies })).body);
    expect(after(".govuk-notification-banner--success").text()).toContain("Colin Colleague has been added");
    const row = after("#colleagues tbody tr").filter((_i, el) => after(el).text().includes(colleague));
    expect(row.text()).toContain("Waiting for them to confirm their email");

    const aliceRow = await userRow(alice.email);
    const colinRow = await userRow(colleague);
    expect(colinRow).toMatchObject({
      roles: ["supplier-user"],
      organisationId: aliceRow?.organisationId,
      passwordHash: null,
    });
    const [message] = await messagesTo(colleague);
    expect(message?.templateKey).toBe("supplier-colleague-added");
    const [org] = await t.database.db
      .select()
      .from(organisations)
      .where(eq(organisations.id, aliceRow?.organisationId ?? ""));
    expect(message?.personalisation.organisationName).toBe(org?.name);

    // The colleague confirms and signs in; they see the same people.
    await choosePassword(await linkSentTo(colleague), PASSWORD);
    const colinCookies = await signIn(t.app, colleague, PASSWORD);
    const theirs = html((await t.app.inject({ url: "/suppliers/colleagues", cookies: colinCookies })).body);
    expect(theirs("#colleagues tbody").text()).toContain(alice.email);

    // Bob sees none of them.
    const bobs = html(
      (await t.app.inject({ url: "/suppliers/colleagues", cookies: await signIn(t.app, bob.email) })).body,
    );
    expect(bobs("#colleagues tbody").text()).toContain(bob.email);
    expect(bobs("#colleagues tbody").text()).not.toContain(alice.email);
    expect(bobs("#colleagues tbody").text()).not.toContain(colleague);
  });

  it("refuses an address that has an account, on the email field", async () => {
    const alice = await createUser(t.services, ["supplier-user"]);
    const other = await createUser(t.services, ["supplier-user"]);
    const cookies = await signIn(t.app, alice.email);
    const { response, cookies: jar } = await postForm(
      t.app,
      "/suppliers/colleagues",
      "/suppliers/colleagues",
      cookies,
      {
        name: "Someone",
        email: other.email.toUpperCase(),
      },
    );
    expect(response.headers.location).toBe("/suppliers/colleagues#add-colleague");
    const $ = html((await t.app.inject({ url: "/suppliers/colleagues", cookies: jar })).body);
    expect($("#email-error").text()).toContain("This email address already has an account");
    expect((await userRow(other.email))?.organisationId).not.toBe(
      (await userRow(alice.email))?.organisationId,
    );
  });

  it("through the API: the caller's own organisation only, whatever the body names", async () => {
    const alice = await createUser(t.services, ["supplier-user"]);
    const bob = await createUser(t.services, ["supplier-user"]);
    const aliceToken = await apiTokenFor(t.services, alice.id);
    const bobToken = await apiTokenFor(t.services, bob.id);
    const bobOrg = (await userRow(bob.email))?.organisationId;

    const email = emailFor("dora");
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/suppliers/colleagues",
      headers: { authorization: `Bearer ${aliceToken}` },
      payload: { name: "Dora Doe", email, organisationId: bobOrg },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: "Dora Doe", email, status: "awaiting-confirmation" });
    expect((await userRow(email))?.organisationId).toBe((await userRow(alice.email))?.organisationId);

    const list = async (token: string) =>
      (
        await t.app.inject({
          url: "/api/v1/suppliers/colleagues",
          headers: { authorization: `Bearer ${token}` },
        })
      ).json<{ items: { email: string }[] }>();
    expect((await list(aliceToken)).items.map((i) => i.email).sort()).toEqual([alice.email, email].sort());
    expect((await list(bobToken)).items.map((i) => i.email)).toEqual([bob.email]);

    const bad = await t.app.inject({
      method: "POST",
      url: "/api/v1/suppliers/colleagues",
      headers: { authorization: `Bearer ${aliceToken}` },
      payload: { name: "", email: "not an email" },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: { path: string }[] }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(["email", "name"]);
  });

  it("is for supplier users only", async () => {
    const staff = await createUser(t.services, ["administrator"]);
    const token = await apiTokenFor(t.services, staff.id);
    const api = await t.app.inject({
      url: "/api/v1/suppliers/colleagues",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.statusCode).toBe(403);
    const post = await t.app.inject({
      method: "POST",
      url: "/api/v1/suppliers/colleagues",
      headers: { authorization: `Bearer ${token}` },
      payload: { name: "X", email: emailFor("x") },
    });
    expect(post.statusCode).toBe(403);
    const commissioner = await createUser(t.services, ["commissioner"]);
    const page = await t.app.inject({
      url: "/suppliers/colleagues",
      cookies: await signIn(t.app, commissioner.email),
    });
    expect(page.statusCode).toBe(403);
    const anonymous = await t.app.inject({ url: "/suppliers/colleagues" });
    expect(anonymous.statusCode).toBe(303);
    expect((await t.app.inject({ url: "/api/v1/suppliers/colleagues" })).statusCode).toBe(401);
  });
});

describe("suppliers added by staff", () => {
  it("carry an address, SME and VCSE status and a contact email, through the API and the page", async () => {
    const officer = await createUser(t.services, ["procurement-officer"]);
    const token = await apiTokenFor(t.services, officer.id);
    const name = unique("Hilltop Housing");
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: { authorization: `Bearer ${token}` },
      payload: {
        name,
        kind: "supplier",
        address: "2 Low Road, Ashford",
        sme: false,
        vcse: true,
        contactEmail: "Bids@Hilltop.example",
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name,
      kind: "supplier",
      address: "2 Low Road, Ashford",
      sme: false,
      vcse: true,
      contactEmail: "bids@hilltop.example",
    });

    const notSupplier = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: { authorization: `Bearer ${token}` },
      payload: { name: unique("Partner"), kind: "partner", sme: true },
    });
    expect(notSupplier.statusCode).toBe(400);
    expect(notSupplier.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(["sme"]);

    const badEmail = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: { authorization: `Bearer ${token}` },
      payload: { name: unique("Supplier"), kind: "supplier", contactEmail: "nope" },
    });
    expect(badEmail.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual([
      "contactEmail",
    ]);

    const cookies = await signIn(t.app, officer.email);
    const pageName = unique("Valley Support");
    const { response } = await postForm(t.app, "/organisations/new", "/organisations", cookies, {
      name: pageName,
      kind: "supplier",
      code: "",
      companyNumber: "",
      charityNumber: "",
      address: "3 Valley Way\nDover",
      sme: "yes",
      vcse: "no",
      contactEmail: "tenders@valley.example",
    });
    expect(response.statusCode).toBe(303);
    const detail = html((await t.app.inject({ url: String(response.headers.location), cookies })).body);
    const details = detail("#organisation-details").text();
    expect(details).toContain("3 Valley Way");
    expect(details).toContain("Dover");
    expect(details).toContain("tenders@valley.example");
    expect(
      detail("#organisation-details .govuk-summary-list__row")
        .filter((_i, el) => detail(el).text().includes("SME"))
        .text(),
    ).toContain("Yes");
  });
});
