import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokenFor, buildTestApp, createUser, html, postForm, signIn, type TestApp } from "../helpers.js";

let t: TestApp;
let commissioner: Record<string, string>;
let token: string;

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  commissioner = await signIn(t.app, user.email);
  token = await apiTokenFor(t.services, user.id);
});
afterAll(async () => t.close());

const auth = () => ({ authorization: `Bearer ${token}` });
let n = 0;
const unique = (prefix: string) => `${prefix} ${++n}-${Date.now().toString(36)}`;
const uniqueCode = (prefix = "P") => `${prefix}${++n}${Date.now().toString(36)}`.toUpperCase().slice(0, 20);

describe("organisation pages", () => {
  it("shows the empty state before there are any organisations", async () => {
    const page = await t.app.inject({ url: "/organisations", cookies: commissioner });
    expect(page.statusCode).toBe(200);
    const $ = html(page.body);
    expect($("h1").text()).toBe("Organisations");
    expect($("#no-organisations").text()).toContain("There are no organisations yet");
    expect($('a.govuk-button[href="/organisations/new"]').text()).toContain("Add an organisation");
  });

  it("adds a provider through the form, then shows it with a success banner and in the list by kind", async () => {
    const name = unique("Turning Point");
    const code = uniqueCode();
    const { response, cookies } = await postForm(
      t.app,
      "/organisations/new",
      "/organisations",
      commissioner,
      {
        name,
        kind: "provider",
        code: code.toLowerCase(),
        companyNumber: "01234567",
        charityNumber: "",
      },
    );
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    expect(location).toMatch(/^\/organisations\/[0-9a-f-]{36}$/);

    const detail = await t.app.inject({ url: location, cookies });
    const $ = html(detail.body);
    expect($(".govuk-notification-banner--success").text()).toContain(`${name} has been added`);
    expect($("h1").text()).toBe(name);
    const details = $("#organisation-details").text();
    expect(details).toContain("Provider");
    expect(details).toContain(code);
    expect(details).toContain("01234567");
    expect($("#no-members").text()).toContain("Nobody belongs");

    // The banner is shown once.
    const again = await t.app.inject({ url: location, cookies });
    expect(html(again.body)(".govuk-notification-banner--success")).toHaveLength(0);

    const list = html((await t.app.inject({ url: "/organisations", cookies })).body);
    const row = list("#organisations-provider tbody tr").filter((_i, el) => list(el).text().includes(name));
    expect(row).toHaveLength(1);
    expect(row.find("a").attr("href")).toBe(location);
    expect(row.text()).toContain(code);
    expect(list("#organisations-provider caption").text()).toContain("Providers");
  });

  it("groups the list by kind, councils first", async () => {
    await t.services.organisations.create(
      { id: null, label: "test", roles: ["administrator"], organisationId: null },
      {
        name: unique("Kent County Council"),
        kind: "council",
        code: undefined,
        companyNumber: undefined,
        charityNumber: undefined,
      },
    );
    const $ = html((await t.app.inject({ url: "/organisations", cookies: commissioner })).body);
    const captions = $("table caption")
      .map((_i, el) => $(el).text().trim())
      .get();
    expect(captions[0]).toMatch(/^Councils \(\d+\)$/);
    expect(captions.indexOf(captions.find((c) => c.startsWith("Providers")) ?? "")).toBeGreaterThan(0);
  });

  it("refuses a bad form with an error summary linked to each field, keeping what was typed", async () => {
    const { response, cookies } = await postForm(
      t.app,
      "/organisations/new",
      "/organisations",
      commissioner,
      {
        name: "",
        kind: "provider",
        code: "",
        companyNumber: "SC123456",
        charityNumber: "1098765",
      },
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/organisations/new");
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($("title").text()).toMatch(/^Error: /);
    const summary = $(".govuk-error-summary");
    expect(summary.find('a[href="#name"]').text()).toContain("Enter the organisation's name");
    expect(summary.find('a[href="#code"]').text()).toContain("Enter a code for the provider");
    expect($("#name-error").text()).toContain("Enter the organisation's name");
    expect($("#code-error").text()).toContain("provider_code");
    expect($("#companyNumber").val()).toBe("SC123456");
    expect($("#charityNumber").val()).toBe("1098765");
    expect($('input[name="kind"][value="provider"]').attr("checked")).toBeDefined();
  });

  it("keeps a refused code in the form and says which characters a code may have", async () => {
    const { cookies } = await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name: unique("Bad code"),
      kind: "supplier",
      code: "P 001!",
    });
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($("#code-error").text()).toContain(
      "Code can only contain letters, numbers, hyphens and underscores",
    );
    expect($("#code").val()).toBe("P 001!");
  });

  it("asks for a kind when none is chosen", async () => {
    const { cookies } = await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name: unique("No kind"),
    });
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($('.govuk-error-summary a[href="#kind"]').text()).toContain(
      "Select what kind of organisation it is",
    );
    expect($("#kind-error").text()).toContain("Select what kind");
  });

  it("shows a duplicate name as a field error, keeping the input", async () => {
    const name = unique("Porchlight");
    const first = await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name,
      kind: "partner",
    });
    expect(first.response.statusCode).toBe(303);
    const { response, cookies } = await postForm(
      t.app,
      "/organisations/new",
      "/organisations",
      commissioner,
      {
        name: name.toUpperCase(),
        kind: "partner",
        companyNumber: "778899",
      },
    );
    expect(response.headers.location).toBe("/organisations/new");
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($('.govuk-error-summary a[href="#name"]').text()).toContain(
      "An organisation with this name already exists",
    );
    expect($("#name-error").text()).toContain("already exists");
    expect($("#name").val()).toBe(name.toUpperCase());
    expect($("#companyNumber").val()).toBe("778899");
  });

  it("shows a duplicate code as a field error on the code", async () => {
    const code = uniqueCode();
    await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name: unique("First holder"),
      kind: "provider",
      code,
    });
    const { cookies } = await postForm(t.app, "/organisations/new", "/organisations", commissioner, {
      name: unique("Second holder"),
      kind: "provider",
      code,
    });
    const $ = html((await t.app.inject({ url: "/organisations/new", cookies })).body);
    expect($("#code-error").text()).toContain("An organisation with this code already exists");
    expect($("#code").val()).toBe(code);
  });

  it("lists the people who belong to an organisation on its page", async () => {
    const member = await createUser(t.services, ["provider-user"]);
    const organisationId = member.organisationId;
    expect(organisationId).toBeTruthy();
    const $ = html(
      (await t.app.inject({ url: `/organisations/${organisationId ?? ""}`, cookies: commissioner })).body,
    );
    const row = $("#members tbody tr");
    expect(row.text()).toContain(member.name);
    expect(row.text()).toContain("Provider user");
    // Only administrators may follow a link to a user.
    expect(row.find("a")).toHaveLength(0);
  });

  it("answers 404 for a bad or unknown id", async () => {
    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "1%27%20OR%201=1"]) {
      const page = await t.app.inject({ url: `/organisations/${id}`, cookies: commissioner });
      expect(page.statusCode).toBe(404);
      expect(html(page.body)("h1").text()).toContain("Page not found");
    }
  });

  it("lets an evaluator read the list but not add to it", async () => {
    const evaluator = await createUser(t.services, ["evaluator"]);
    const cookies = await signIn(t.app, evaluator.email);
    const list = await t.app.inject({ url: "/organisations", cookies });
    expect(list.statusCode).toBe(200);
    expect(html(list.body)('a[href="/organisations/new"]')).toHaveLength(0);
    expect((await t.app.inject({ url: "/organisations/new", cookies })).statusCode).toBe(403);
    const { response } = await postForm(t.app, "/organisations", "/organisations", cookies, {
      name: unique("Not allowed"),
      kind: "partner",
    });
    expect(response.statusCode).toBe(403);
  });

  it("sends a visitor who is not signed in to sign in", async () => {
    const response = await t.app.inject({ url: "/organisations" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/sign-in?next=%2Forganisations");
  });
});

describe("organisations API", () => {
  it("creates an organisation (201) and reads it back by id and in the list", async () => {
    const name = unique("Forward Trust");
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: {
        name,
        kind: "provider",
        code: "fwd-001",
        companyNumber: "02891234",
        charityNumber: "1001234",
      },
    });
    expect(response.statusCode).toBe(201);
    const created = response.json<{ id: string; code: string }>();
    expect(created).toMatchObject({
      name,
      kind: "provider",
      code: "FWD-001",
      companyNumber: "02891234",
      charityNumber: "1001234",
      version: expect.any(Number) as number,
    });

    const one = await t.app.inject({ url: `/api/v1/organisations/${created.id}`, headers: auth() });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(created);

    const list = await t.app.inject({ url: "/api/v1/organisations?limit=500", headers: auth() });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { id: string }[] }>().items.map((o) => o.id)).toContain(created.id);
  });

  it("leaves out optional fields as null", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { name: unique("Quiet Partner"), kind: "partner" },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ code: null, companyNumber: null, charityNumber: null });
  });

  it("answers 400 with the path code for a provider without a code", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { name: unique("Codeless"), kind: "provider" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json<{ status: number; errors: { path: string; message: string }[] }>();
    expect(body.status).toBe(400);
    expect(body.errors).toContainEqual({
      path: "code",
      message: "Enter a code for the provider (data files call it provider_code)",
    });
  });

  it("answers 400 with paths for missing and wrong fields", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { kind: "charity" },
    });
    expect(response.statusCode).toBe(400);
    const paths = response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "kind"]));
  });

  it("answers 409 for a duplicate name or code", async () => {
    const name = unique("Change Grow Live");
    const code = uniqueCode();
    const first = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { name, kind: "provider", code },
    });
    expect(first.statusCode).toBe(201);
    const sameName = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { name, kind: "supplier" },
    });
    expect(sameName.statusCode).toBe(409);
    expect(sameName.json()).toMatchObject({
      status: 409,
      detail: "An organisation with this name already exists",
      errors: [{ path: "name" }],
    });
    const sameCode = await t.app.inject({
      method: "POST",
      url: "/api/v1/organisations",
      headers: auth(),
      payload: { name: unique("Other"), kind: "provider", code: code.toLowerCase() },
    });
    expect(sameCode.statusCode).toBe(409);
    expect(sameCode.json()).toMatchObject({ errors: [{ path: "code" }] });
  });

  it("answers 404 for an unknown id and 400 for an id that is not a uuid", async () => {
    const unknown = await t.app.inject({
      url: "/api/v1/organisations/00000000-0000-4000-8000-000000000000",
      headers: auth(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ status: 404 });
    const bad = await t.app.inject({ url: "/api/v1/organisations/not-a-uuid", headers: auth() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 400, errors: [{ path: "id" }] });
  });

  it("pages the list with limit and cursor", async () => {
    const first = await t.app.inject({ url: "/api/v1/organisations?limit=2", headers: auth() });
    const body = first.json<{ items: { id: string }[]; nextCursor?: string }>();
    expect(body.items).toHaveLength(2);
    expect(body.nextCursor).toBeTruthy();
    const second = await t.app.inject({
      url: `/api/v1/organisations?limit=2&cursor=${body.nextCursor ?? ""}`,
      headers: auth(),
    });
    const next = second.json<{ items: { id: string }[] }>();
    expect(next.items.length).toBeGreaterThan(0);
    expect(next.items.map((o) => o.id)).not.toContain(body.items[0]?.id);
  });

  it("answers 401 without a token and shows in the OpenAPI document", async () => {
    const response = await t.app.inject({ url: "/api/v1/organisations" });
    expect(response.statusCode).toBe(401);
    const doc = (await t.app.inject({ url: "/api/v1/openapi.json" })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/organisations", "/api/v1/organisations/{id}"]),
    );
  });
});
