import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema/index.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import {
  apiTokenFor,
  buildTestApp,
  createUser,
  html,
  postForm,
  signIn,
  signInAdministrator,
  type TestApp,
} from "../helpers.js";

let t: TestApp;
let admin: Record<string, string>;
let adminToken: string;
let providerCode: string;
let councilName: string;
let n = 0;
const email = (prefix: string) => `${prefix}.${++n}.${Date.now().toString(36)}@test.example`;

beforeAll(async () => {
  t = await buildTestApp();
  const administrator = await createUser(t.services, ["administrator"]);
  admin = await signInAdministrator(t.app, administrator.email);
  adminToken = await apiTokenFor(t.services, administrator.id);
  providerCode = `PRV${Date.now().toString(36)}`.toUpperCase();
  await t.services.organisations.create(SYSTEM_ACTOR, {
    name: "Users Test Provider",
    kind: "provider",
    code: providerCode,
    companyNumber: undefined,
    charityNumber: undefined,
  });
  councilName = "Users Test County Council";
  await t.services.organisations.create(SYSTEM_ACTOR, {
    name: councilName,
    kind: "council",
    code: undefined,
    companyNumber: undefined,
    charityNumber: undefined,
  });
});
afterAll(async () => t.close());

const auth = (token = adminToken) => ({ authorization: `Bearer ${token}` });

describe("user pages", () => {
  it("lists users with their email, roles, organisation and two-factor state", async () => {
    const provider = await createUser(t.services, ["provider-user"]);
    const page = await t.app.inject({ url: "/users", cookies: admin });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($("h1").text()).toBe("Users");
    expect($("#users thead").text()).toContain("Two-factor sign-in");
    const row = $("#users tbody tr").filter((_i, el) => $(el).text().includes(provider.email));
    expect(row).toHaveLength(1);
    expect(row.text()).toContain(provider.name);
    expect(row.text()).toContain("Provider user");
    expect(row.text()).toContain(provider.organisationName ?? "missing");
    expect(row.find("td").last().text().trim()).toBe("Off");
    const adminRow = $("#users tbody tr").filter((_i, el) => $(el).text().includes("Administrator"));
    expect(adminRow.first().find("td").last().text().trim()).toBe("On");
    expect($('a.govuk-button[href="/users/new"]').text()).toContain("Add a user");
  });

  it("offers every role as a checkbox and every organisation in a select", async () => {
    const $ = html((await t.app.inject({ url: "/users/new", cookies: admin })).body);
    const labels = $(".govuk-checkboxes__label")
      .map((_i, el) => $(el).text().trim())
      .get();
    expect(labels).toEqual([
      "Administrator",
      "Commissioner",
      "Procurement officer",
      "Evaluator",
      "Authorised officer",
      "Board member",
      "Provider user",
      "Supplier user",
    ]);
    expect($('input[name="roles"][value="provider-user"]')).toHaveLength(1);
    const options = $("#organisationCode option")
      .map((_i, el) => ({ value: $(el).attr("value"), text: $(el).text().trim() }))
      .get();
    expect(options).toContainEqual({ value: providerCode, text: "Users Test Provider (Provider)" });
    expect(options).toContainEqual({ value: councilName, text: `${councilName} (Council)` });
    expect(options[0]).toEqual({ value: "", text: "None (council staff)" });
  });

  it("adds a user and shows the generated password once, never in a redirect", async () => {
    const address = email("new.commissioner");
    const { response } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Asha Patel",
      email: address,
      roles: "commissioner",
      organisationCode: councilName,
      password: "",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers["cache-control"]).toBe("no-store");
    const $ = html(response.body);
    expect($(".govuk-panel__title").text()).toContain("User added");
    const password = $("#generated-password").text().trim();
    expect(password.length).toBeGreaterThanOrEqual(12);

    // The password works, and appears nowhere else: not on the user's page, the list or the audit trail.
    expect(await signIn(t.app, address, password)).toBeTruthy();
    const user = await t.services.users.findByEmail(address);
    expect(user).toMatchObject({
      name: "Asha Patel",
      roles: ["commissioner"],
      organisationName: councilName,
    });
    const detail = await t.app.inject({ url: `/users/${user?.id ?? ""}`, cookies: admin });
    expect(detail.body).not.toContain(password);
    expect((await t.app.inject({ url: "/users", cookies: admin })).body).not.toContain(password);
    const audit = await t.database.db.select().from(auditEvents);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it("adds a user with the password given, several roles, then shows their page with a banner", async () => {
    const address = email("several.roles");
    const { response, cookies } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Sam Okafor",
      email: address.toUpperCase(),
      roles: ["evaluator", "board-member"],
      organisationCode: "",
      password: "a long enough password",
    });
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(location).toMatch(/^\/users\/[0-9a-f-]{36}$/);
    const $ = html((await t.app.inject({ url: location, cookies })).body);
    expect($(".govuk-notification-banner--success").text()).toContain("Sam Okafor has been added");
    const details = $("#user-details").text();
    expect(details).toContain(address);
    expect(details).toContain("Evaluator, Board member");
    expect(details).toContain("None");
    expect(await signIn(t.app, address, "a long enough password")).toBeTruthy();
  });

  it("names a wrong field once, however many of its values are wrong (a forged post)", async () => {
    const { cookies } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Forged Roles",
      email: email("forged.roles"),
      roles: ["not-a-role", "nor-this", "evaluator"],
      organisationCode: "",
      password: "a long enough password",
    });
    const $ = html((await t.app.inject({ url: "/users/new", cookies })).body);
    const links = $(".govuk-error-summary a")
      .map((_i, el) => $(el).attr("href"))
      .get();
    expect(links).toEqual(["#roles"]);
  });

  it("refuses a bad form with an error summary, keeping what was typed but not the password", async () => {
    const { response, cookies } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Kept Name",
      email: "not an email",
      organisationCode: providerCode,
      password: "short",
    });
    expect(response.headers.location).toBe("/users/new");
    const $ = html((await t.app.inject({ url: "/users/new", cookies })).body);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#email"]').text()).toContain("Enter an email address in the correct format");
    expect(summary.find('a[href="#roles"]').text()).toContain("Select at least one role");
    expect(summary.find('a[href="#password"]').text()).toContain("12 characters or more");
    expect($("#roles-error").text()).toContain("Select at least one role");
    expect($("#name").val()).toBe("Kept Name");
    expect($("#email").val()).toBe("not an email");
    expect($("#organisationCode option:selected").val()).toBe(providerCode);
    expect($("#password").val()).toBeUndefined();
    expect(cookies).toBeTruthy();
  });

  it("keeps the checked roles and refuses a role that does not exist", async () => {
    const { cookies } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Role Check",
      email: "role.check@test.example",
      roles: ["commissioner", "emperor"],
    });
    const $ = html((await t.app.inject({ url: "/users/new", cookies })).body);
    expect($("#roles-error").text()).toContain("Select a role from the list");
    expect($('input[name="roles"][value="commissioner"]').attr("checked")).toBeDefined();
    expect($('input[name="roles"][value="evaluator"]').attr("checked")).toBeUndefined();
  });

  it("refuses a provider user outside a provider organisation, on the organisation field", async () => {
    for (const organisationCode of ["", councilName]) {
      const { response, cookies } = await postForm(t.app, "/users/new", "/users", admin, {
        name: "Pat Provider",
        email: email("pat.provider"),
        roles: "provider-user",
        organisationCode,
      });
      expect(response.headers.location).toBe("/users/new");
      const $ = html((await t.app.inject({ url: "/users/new", cookies })).body);
      expect($("#organisationCode-error").text()).toContain(
        "A provider user must belong to a provider organisation",
      );
      expect($('input[name="roles"][value="provider-user"]').attr("checked")).toBeDefined();
    }
  });

  it("refuses an email that is taken, on the email field", async () => {
    const existing = await createUser(t.services, ["evaluator"]);
    const { cookies } = await postForm(t.app, "/users/new", "/users", admin, {
      name: "Second Person",
      email: existing.email.toUpperCase(),
      roles: "evaluator",
    });
    const $ = html((await t.app.inject({ url: "/users/new", cookies })).body);
    expect($("#email-error").text()).toContain("A user with this email address already exists");
    expect($("#name").val()).toBe("Second Person");
  });

  it("answers 404 for a bad or unknown user id", async () => {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000"]) {
      const page = await t.app.inject({ url: `/users/${id}`, cookies: admin });
      expect(page.statusCode).toBe(404);
    }
  });

  it("links a user's organisation from their page", async () => {
    const provider = await createUser(t.services, ["provider-user"], { organisationCode: providerCode });
    const $ = html((await t.app.inject({ url: `/users/${provider.id}`, cookies: admin })).body);
    expect($("#user-details a").attr("href")).toBe(`/organisations/${provider.organisationId ?? ""}`);
    const org = html(
      (await t.app.inject({ url: `/organisations/${provider.organisationId ?? ""}`, cookies: admin })).body,
    );
    expect(org(`#members a[href="/users/${provider.id}"]`).text()).toBe(provider.name);
  });
});

describe("users API", () => {
  it("creates a user (201) with a generated password returned once", async () => {
    const address = email("api.user");
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: auth(),
      payload: {
        email: address,
        name: "Api User",
        roles: ["provider-user"],
        organisationCode: providerCode.toLowerCase(),
      },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers["cache-control"]).toBe("no-store");
    const body = response.json<{ id: string; generatedPassword: string }>();
    expect(body).toMatchObject({
      email: address,
      name: "Api User",
      roles: ["provider-user"],
      organisationCode: providerCode,
      organisationName: "Users Test Provider",
      active: true,
      twoFactor: false,
    });
    expect(body.generatedPassword.length).toBeGreaterThanOrEqual(12);
    expect(await signIn(t.app, address, body.generatedPassword)).toBeTruthy();

    const one = await t.app.inject({ url: `/api/v1/users/${body.id}`, headers: auth() });
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty("generatedPassword");
    expect(one.json()).toMatchObject({ id: body.id, email: address });
  });

  it("does not return a password that was given", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: auth(),
      payload: {
        email: email("given"),
        name: "Given",
        roles: ["commissioner"],
        password: "a long enough password",
      },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).not.toHaveProperty("generatedPassword");
  });

  it("answers 400 with path organisationCode for a provider user without a provider organisation", async () => {
    for (const organisationCode of [undefined, councilName, "NO-SUCH-ORG"]) {
      const response = await t.app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: auth(),
        payload: { email: email("lost"), name: "Lost", roles: ["provider-user"], organisationCode },
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json()).toMatchObject({ status: 400, errors: [{ path: "organisationCode" }] });
    }
  });

  it("answers 400 with field paths for a bad body and 409 for a taken email", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: auth(),
      payload: { email: "nope", name: "", roles: ["emperor"] },
    });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json<{ errors: { path: string }[] }>().errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["email", "name", "roles.0"]));

    const existing = await createUser(t.services, ["evaluator"]);
    const taken = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: auth(),
      payload: { email: existing.email, name: "Again", roles: ["evaluator"] },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ status: 409, errors: [{ path: "email" }] });
  });

  it("lists users with paging, and answers 404 and 400 for unknown and bad ids", async () => {
    const list = await t.app.inject({ url: "/api/v1/users?limit=1", headers: auth() });
    expect(list.statusCode).toBe(200);
    const body = list.json<{ items: { email: string }[]; nextCursor?: string }>();
    expect(body.items).toHaveLength(1);
    expect(body.nextCursor).toBeTruthy();
    const unknown = await t.app.inject({
      url: "/api/v1/users/00000000-0000-4000-8000-000000000000",
      headers: auth(),
    });
    expect(unknown.statusCode).toBe(404);
    const bad = await t.app.inject({ url: "/api/v1/users/1", headers: auth() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ path: "id" }] });
  });

  it("lets an administrator make a token for anyone, and a user for themself", async () => {
    const evaluator = await createUser(t.services, ["evaluator"]);
    const byAdmin = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${evaluator.id}/tokens`,
      headers: auth(),
      payload: { name: "Scoring script" },
    });
    expect(byAdmin.statusCode).toBe(201);
    const created = byAdmin.json<{ token: string; name: string }>();
    expect(created.name).toBe("Scoring script");
    expect(created.token).toMatch(/^cmr_/);

    // The new token is the evaluator's: it can make the evaluator another one, without a body.
    const own = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${evaluator.id}/tokens`,
      headers: auth(created.token),
    });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json()).toMatchObject({ name: "API token", token: expect.stringMatching(/^cmr_/) as string });

    const unknown = await t.app.inject({
      method: "POST",
      url: "/api/v1/users/00000000-0000-4000-8000-000000000000/tokens",
      headers: auth(),
      payload: {},
    });
    expect(unknown.statusCode).toBe(404);
  });
});
