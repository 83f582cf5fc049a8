import { Writable } from "node:stream";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { buildApp, loggerOptions } from "../../src/web/app.js";
import {
  apiTokenFor,
  buildTestApp,
  createTestDatabase,
  createUser,
  html,
  postForm,
  signIn,
  testConfig,
  type TestApp,
} from "../helpers.js";

let t: TestApp;
let supplier: Record<string, string>;
let supplierToken: string;
let commissioner: Record<string, string>;
let commissionerId: string;
let commissionerToken: string;
let adminToken: string;
let organisationId: string;

const FORBIDDEN_HEADING = "You do not have permission to see this page";
const SCRIPT = "<script>alert(1)</script>";
const SQL_QUOTE = "O'Brien'; DROP TABLE organisations; --";
const SQL_WILD = '100% _off_ \\ "quoted"';

beforeAll(async () => {
  t = await buildTestApp();
  const supplierUser = await createUser(t.services, ["supplier-user"]);
  supplier = await signIn(t.app, supplierUser.email);
  supplierToken = await apiTokenFor(t.services, supplierUser.id);
  const commissionerUser = await createUser(t.services, ["commissioner"]);
  commissionerId = commissionerUser.id;
  commissioner = await signIn(t.app, commissionerUser.email);
  commissionerToken = await apiTokenFor(t.services, commissionerUser.id);
  const admin = await createUser(t.services, ["administrator"]);
  adminToken = await apiTokenFor(t.services, admin.id);
  organisationId = supplierUser.organisationId ?? "";
});
afterAll(async () => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("the one permission policy", () => {
  it("shows a supplier user the 403 page on organisation, user and audit pages", async () => {
    for (const url of [
      "/organisations",
      "/organisations/new",
      `/organisations/${organisationId}`,
      "/users",
      "/users/new",
      `/users/${commissionerId}`,
      "/audit",
    ]) {
      const page = await t.app.inject({ url, cookies: supplier });
      expect(page.statusCode, url).toBe(403);
      expect(html(page.body)("h1").text(), url).toBe(FORBIDDEN_HEADING);
    }
  });

  it("refuses a supplier user's form posts and changes nothing", async () => {
    const before = (await t.services.organisations.list()).length;
    const org = await postForm(t.app, "/", "/organisations", supplier, {
      name: "Sneaky Ltd",
      kind: "supplier",
    });
    expect(org.response.statusCode).toBe(403);
    expect(html(org.response.body)("h1").text()).toBe(FORBIDDEN_HEADING);
    const user = await postForm(t.app, "/", "/users", supplier, {
      name: "Sneaky",
      email: "sneaky@test.example",
      roles: "administrator",
    });
    expect(user.response.statusCode).toBe(403);
    expect((await t.services.organisations.list()).length).toBe(before);
    expect(await t.services.users.findByEmail("sneaky@test.example")).toBeNull();
  });

  it("answers a supplier user's token with a 403 problem on the organisations and users API", async () => {
    const calls = [
      { method: "GET" as const, url: "/api/v1/organisations" },
      { method: "GET" as const, url: `/api/v1/organisations/${organisationId}` },
      {
        method: "POST" as const,
        url: "/api/v1/organisations",
        payload: { name: "Sneaky Ltd", kind: "supplier" },
      },
      // Refused before the body is read: an invalid body is still 403, not 400.
      { method: "POST" as const, url: "/api/v1/organisations", payload: { kind: "nonsense" } },
      { method: "GET" as const, url: "/api/v1/users" },
      { method: "GET" as const, url: `/api/v1/users/${commissionerId}` },
      {
        method: "POST" as const,
        url: "/api/v1/users",
        payload: { email: "sneaky@test.example", name: "Sneaky", roles: ["administrator"] },
      },
    ];
    for (const call of calls) {
      const response = await t.app.inject({ ...call, headers: bearer(supplierToken) });
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(403);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json()).toMatchObject({ status: 403, title: "Forbidden" });
    }
  });

  it("shows a commissioner the 403 page on the user pages, and 403 on the users API", async () => {
    for (const url of ["/users", "/users/new", `/users/${commissionerId}`]) {
      const page = await t.app.inject({ url, cookies: commissioner });
      expect(page.statusCode, url).toBe(403);
      expect(html(page.body)("h1").text()).toBe(FORBIDDEN_HEADING);
    }
    const nav = html((await t.app.inject({ url: "/organisations", cookies: commissioner })).body);
    expect(nav('a[href="/users"]')).toHaveLength(0);
    const api = await t.app.inject({ url: "/api/v1/users", headers: bearer(commissionerToken) });
    expect(api.statusCode).toBe(403);
    expect(api.json()).toMatchObject({ status: 403 });
  });

  it("does not let a non-administrator's token make a token for someone else or read users", async () => {
    const other = await createUser(t.services, ["evaluator"]);
    const forOther = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${other.id}/tokens`,
      headers: bearer(commissionerToken),
      payload: { name: "take over" },
    });
    expect(forOther.statusCode).toBe(403);
    expect(forOther.json()).toMatchObject({ status: 403 });
    // The same answer for an id nobody has, so ids cannot be discovered this way.
    const forNobody = await t.app.inject({
      method: "POST",
      url: "/api/v1/users/00000000-0000-4000-8000-000000000000/tokens",
      headers: bearer(commissionerToken),
      payload: {},
    });
    expect(forNobody.statusCode).toBe(403);
    const read = await t.app.inject({ url: "/api/v1/users", headers: bearer(commissionerToken) });
    expect(read.statusCode).toBe(403);
    const readOne = await t.app.inject({
      url: `/api/v1/users/${other.id}`,
      headers: bearer(commissionerToken),
    });
    expect(readOne.statusCode).toBe(403);
    // Their own is fine.
    const own = await t.app.inject({
      method: "POST",
      url: `/api/v1/users/${commissionerId}/tokens`,
      headers: bearer(commissionerToken),
      payload: { name: "mine" },
    });
    expect(own.statusCode).toBe(201);
  });

  it("answers 401 to the API without a token, and sends a visitor to sign in", async () => {
    for (const url of ["/api/v1/organisations", "/api/v1/users"]) {
      expect((await t.app.inject({ url })).statusCode).toBe(401);
    }
    const page = await t.app.inject({ url: "/users" });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/sign-in?next=%2Fusers");
  });

  it("refuses a form without its CSRF token", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/organisations",
      cookies: commissioner,
      payload: { name: "No token Ltd", kind: "supplier" },
    });
    expect(response.statusCode).toBe(403);
    expect(await t.services.organisations.findByCodeOrName("No token Ltd")).toBeNull();
  });
});

describe("hostile text", () => {
  it("shows a script in an organisation's name as text on pages and literally in JSON", async () => {
    const { response, cookies } = await postForm(
      t.app,
      "/organisations/new",
      "/organisations",
      commissioner,
      {
        name: SCRIPT,
        kind: "partner",
      },
    );
    expect(response.statusCode).toBe(303);
    const detailUrl = String(response.headers.location);
    const id = detailUrl.split("/").pop() ?? "";

    const detail = await t.app.inject({ url: detailUrl, cookies });
    for (const body of [detail.body, (await t.app.inject({ url: "/organisations", cookies })).body]) {
      expect(body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(body).not.toContain("<script>alert");
    }
    const $ = html(detail.body);
    expect($("h1").text()).toBe(SCRIPT);
    expect($("title").text()).toContain(SCRIPT);

    const api = await t.app.inject({
      url: `/api/v1/organisations/${id}`,
      headers: bearer(commissionerToken),
    });
    expect(api.json()).toMatchObject({ name: SCRIPT });
    expect(api.headers["content-type"]).toContain("application/json");
  });

  it("shows a script in a user's or organisation's name as text on the user pages", async () => {
    const org = await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `${SCRIPT} Supplies`,
      kind: "supplier",
      code: "XSS-SUP",
      companyNumber: undefined,
      charityNumber: undefined,
    });
    const { user } = await t.services.users.create(SYSTEM_ACTOR, {
      email: "xss.user@test.example",
      name: `<img src=x onerror=alert(1)>${SCRIPT}`,
      roles: ["supplier-user"],
      organisationCode: org.code ?? "",
      password: "a long enough password",
    });
    const users = await t.app.inject({
      url: `/api/v1/users/${user.id}`,
      headers: bearer(adminToken),
    });
    expect(users.json()).toMatchObject({ name: user.name, organisationName: org.name });
    // The organisation page, seen by a commissioner, lists the member by name as text.
    const orgPage = await t.app.inject({ url: `/organisations/${org.id}`, cookies: commissioner });
    expect(orgPage.body).not.toContain("<script>alert");
    expect(orgPage.body).not.toContain("<img src=x");
    expect(html(orgPage.body)("#members").text()).toContain(user.name);
  });

  it("stores and shows SQL metacharacters in every organisation text field literally", async () => {
    const cases = [
      { name: SQL_QUOTE, companyNumber: SQL_WILD, charityNumber: SQL_QUOTE, code: "O-BRIEN_1" },
      { name: SQL_WILD, companyNumber: SQL_QUOTE, charityNumber: SQL_WILD, code: undefined },
    ];
    for (const fields of cases) {
      const { response, cookies } = await postForm(
        t.app,
        "/organisations/new",
        "/organisations",
        commissioner,
        {
          kind: "provider",
          ...fields,
          code: fields.code ?? "P-WILD_2",
        },
      );
      expect(response.statusCode).toBe(303);
      const url = String(response.headers.location);
      expect(url).toMatch(/^\/organisations\/[0-9a-f-]{36}$/);
      const $ = html((await t.app.inject({ url, cookies })).body);
      expect($("h1").text()).toBe(fields.name);
      const values = $("#organisation-details .govuk-summary-list__value")
        .map((_i, el) => $(el).text().trim())
        .get();
      expect(values).toEqual([
        fields.name,
        "Provider",
        fields.code ?? "P-WILD_2",
        fields.companyNumber,
        fields.charityNumber,
      ]);

      const api = await t.app.inject({
        url: `/api/v1/organisations/${url.split("/").pop() ?? ""}`,
        headers: bearer(commissionerToken),
      });
      expect(api.json()).toMatchObject({
        name: fields.name,
        companyNumber: fields.companyNumber,
        charityNumber: fields.charityNumber,
      });
    }
    // And through the API, with the list page showing the names as they were typed.
    const viaApi = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: bearer(commissionerToken),
      payload: {
        name: `${SQL_QUOTE} (API)`,
        kind: "supplier",
        companyNumber: SQL_WILD,
        charityNumber: SQL_QUOTE,
      },
    });
    expect(viaApi.statusCode).toBe(201);
    expect(viaApi.json()).toMatchObject({ name: `${SQL_QUOTE} (API)`, companyNumber: SQL_WILD });
    const list = html((await t.app.inject({ url: "/organisations", cookies: commissioner })).body);
    const names = list("tbody th")
      .map((_i, el) => list(el).text().trim())
      .get();
    expect(names).toEqual(expect.arrayContaining([SQL_QUOTE, SQL_WILD, `${SQL_QUOTE} (API)`]));
    // The table is still there.
    expect((await t.services.organisations.list()).length).toBeGreaterThan(3);
  });

  it("refuses SQL metacharacters in a code with a clear message, on pages and in the API", async () => {
    for (const code of [SQL_QUOTE, SQL_WILD, "P001'--"]) {
      const api = await t.app.inject({
        method: "POST",
        url: "/api/v1/organisations",
        headers: bearer(commissionerToken),
        payload: { name: `Code test ${code.length}`, kind: "provider", code },
      });
      expect(api.statusCode).toBe(400);
      const errors = api.json<{ errors: { path: string; message: string }[] }>().errors;
      expect(errors.map((e) => e.path)).toContain("code");
      expect(errors.find((e) => e.path === "code")?.message).toMatch(
        /Code (can only contain letters, numbers, hyphens and underscores|must be 20 characters or fewer)/,
      );
    }
    const { cookies } = await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name: "Code page test",
      kind: "provider",
      code: "P1';--",
    });
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($("#code-error").text()).toContain(
      "Code can only contain letters, numbers, hyphens and underscores",
    );
    expect($("#code").val()).toBe("P1';--");
  });

  it("matches an organisation by its exact name, not as a pattern", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: bearer(adminToken),
      payload: {
        email: "wild.card@test.example",
        name: "Wild",
        roles: ["provider-user"],
        organisationCode: "100% %",
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ path: "organisationCode" }] });
  });

  it("stores and shows SQL metacharacters in a user's name literally on pages and in the API", async () => {
    for (const [i, name] of [SQL_QUOTE, SQL_WILD].entries()) {
      const response = await t.app.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: bearer(adminToken),
        payload: {
          email: `meta.${i}@test.example`,
          name,
          roles: ["provider-user"],
          organisationCode: SQL_WILD,
        },
      });
      expect(response.statusCode, response.body).toBe(201);
      const created = response.json<{ id: string; organisationId: string; organisationName: string }>();
      expect(created).toMatchObject({ name, organisationName: SQL_WILD });
      const again = await t.app.inject({ url: `/api/v1/users/${created.id}`, headers: bearer(adminToken) });
      expect(again.json()).toMatchObject({ name });
      const orgPage = html(
        (await t.app.inject({ url: `/organisations/${created.organisationId}`, cookies: commissioner })).body,
      );
      expect(
        orgPage("#members tbody th")
          .map((_j, el) => orgPage(el).text().trim())
          .get(),
      ).toContain(name);
    }
    // The list is still whole and in order.
    const list = await t.app.inject({ url: "/api/v1/users?limit=500", headers: bearer(adminToken) });
    const names = list.json<{ items: { name: string }[] }>().items.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining([SQL_QUOTE, SQL_WILD]));
  });
});

describe("logs", () => {
  it("carry no names, email addresses, passwords or tokens", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = testConfig({ LOG_LEVEL: "debug" });
    const database = await createTestDatabase();
    const app = await buildApp(config, { database, logger: { ...loggerOptions(config), stream } });
    try {
      await app.ready();
      const admin = await createUser(app.services, ["administrator"]);
      const token = await apiTokenFor(app.services, admin.id);
      const secretName = "Zebediah Quibblesworth";
      const secretEmail = "zebediah.q@private.example";
      const created = await app.inject({
        method: "POST",
        url: "/api/v1/users?email=zebediah.q%40private.example",
        headers: bearer(token),
        payload: { email: secretEmail, name: secretName, roles: ["commissioner"] },
      });
      expect(created.statusCode).toBe(201);
      const password = created.json<{ generatedPassword: string }>().generatedPassword;
      const refused = await app.inject({
        method: "POST",
        url: "/api/v1/organisations",
        headers: bearer(token),
        payload: { name: secretName, kind: "provider" },
      });
      expect(refused.statusCode).toBe(400);
      const page = await app.inject({ url: "/users", headers: { cookie: "commissioner_session=x" } });
      expect(page.statusCode).toBe(303);
      const log = lines.join("");
      expect(log.length).toBeGreaterThan(0);
      for (const secret of [secretName, secretEmail, "private.example", password, token]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await app.close();
      await database.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
