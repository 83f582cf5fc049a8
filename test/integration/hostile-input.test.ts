import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORMATS } from "../../src/domain/indicators/formats.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import {
  apiTokenFor,
  buildTestApp,
  createProjectThroughApi,
  createUser,
  formToken,
  html,
  multipart,
  signIn,
  type TestApp,
} from "../helpers.js";

/**
 * Text the database cannot store (docs/security.md): a null character or half a surrogate pair in any
 * text field, a null byte in a CSV cell, a cursor past any list. Each used to answer 500; each is now
 * a 400 naming the field (422 with line and column for a data file), and nothing is stored.
 */

let t: TestApp;
let token: string;
let cookies: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  await t.services.organisations.create(SYSTEM_ACTOR, {
    name: "Hostile input provider",
    kind: "provider",
    code: "HX1",
    companyNumber: undefined,
    charityNumber: undefined,
  });
  const staff = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, staff.id);
  cookies = await signIn(t.app, staff.email);
});
afterAll(async () => t.close());

const NUL = "a\u0000b";
const LONE = "a\ud800b";
const bigCursor = Buffer.from("99999999999999999999999").toString("base64url");

async function storedCounts() {
  const [row] = await t.database.rows<{ projects: number; organisations: number; audit: number }>(
    sql`SELECT (SELECT count(*)::int FROM projects) AS projects,
      (SELECT count(*)::int FROM organisations) AS organisations,
      (SELECT count(*)::int FROM audit_events) AS audit`,
  );
  return row;
}

describe("the API refuses text it cannot store, naming the field", () => {
  const api = [
    [
      "a null character in a query string",
      "GET",
      "/api/v1/indicator-values?framework=A&periodEnd=2025-03-31&providerCode=%00",
      undefined,
      "providerCode",
    ],
    ["a null character in a path", "GET", "/api/v1/governance-bodies/%00/awaiting", undefined, "code"],
    ["a cursor past any list", "GET", `/api/v1/datasets?cursor=${bigCursor}`, undefined, "cursor"],
    [
      "a null character in a JSON body",
      "POST",
      "/api/v1/projects",
      { title: NUL, programmeCode: "SP", estimatedValuePence: 100 },
      "title",
    ],
    [
      "half a surrogate pair in a JSON body",
      "POST",
      "/api/v1/projects",
      { title: LONE, programmeCode: "SP", estimatedValuePence: 100 },
      "title",
    ],
    [
      "a null character in another resource's body",
      "POST",
      "/api/v1/organisations",
      { name: NUL, kind: "partner" },
      "name",
    ],
    [
      "half a surrogate pair in another resource's body",
      "POST",
      "/api/v1/organisations",
      { name: LONE, kind: "partner" },
      "name",
    ],
  ] as const;

  it.each(api)("%s: 400 with errors[].path, nothing stored", async (_what, method, url, payload, path) => {
    const before = await storedCounts();
    const response = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json<{ errors: { path: string; message: string }[] }>();
    expect(problem.errors.map((e) => e.path)).toContain(path);
    expect(await storedCounts()).toEqual(before);
  });

  it("a null byte in a CSV cell: 422 with its line and column, nothing stored", async () => {
    const columns = FORMATS["treatment-journeys"].columns.map((c) => c.name);
    const row: Record<string, string> = {
      episode_id: "NUL-1",
      client_ref: "client\u0000one",
      provider_code: "HX1",
      date_of_birth: "1980-01-01",
      triage_date: "2025-01-10",
      substances: "opiate",
      referral_source: "self",
    };
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/datasets/treatment-journeys",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      payload: `${columns.join(",")}\n${columns.map((c) => row[c] ?? "").join(",")}\n`,
    });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json<{ rows: unknown[] }>().rows).toEqual([
      { line: 2, column: "client_ref", message: expect.stringContaining("null byte") as unknown },
    ]);
  });
});

describe("multipart forms, read by their routes as the file streams in", () => {
  const pdf = { contentType: "application/pdf", data: Buffer.from("%PDF-1.4 test") };

  it.each([
    ["a document's title", "a\u0000b", "x.pdf", "title"],
    ["a document's file name", "Needs assessment", "x\u0000.pdf", "file"],
  ])(
    "%s with a null character: 400 naming the field, nothing stored",
    async (_what, title, filename, path) => {
      const { id } = await createProjectThroughApi(t.app, token);
      const before = await t.database.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM document_versions`,
      );
      const form = multipart([
        { name: "kind", value: "needs-assessment" },
        { name: "title", value: title },
        { name: "file", filename, ...pdf },
      ]);
      const response = await t.app.inject({
        method: "POST",
        url: `/api/v1/projects/${id}/documents`,
        headers: { authorization: `Bearer ${token}`, ...form.headers },
        payload: form.payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual([path]);
      expect(await t.database.rows(sql`SELECT count(*)::int AS n FROM document_versions`)).toEqual(before);
    },
  );

  it("a data file's name with a null character: 400 naming the field", async () => {
    const form = multipart([
      { name: "file", filename: "data\u0000.csv", contentType: "text/csv", data: Buffer.from("x\n") },
    ]);
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/datasets/hia-activity",
      headers: { authorization: `Bearer ${token}`, ...form.headers },
      payload: form.payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(["file"]);
  });
});

describe("pages refuse text they cannot store", () => {
  it("a query string: 400 with a GOV.UK error summary naming the field", async () => {
    const response = await t.app.inject({
      url: "/indicators/values?framework=A&periodEnd=2025-03-31&providerCode=%00",
      cookies,
    });
    expect(response.statusCode).toBe(400);
    const $ = html(response.body);
    expect($("title").text()).toMatch(/^Error:/);
    expect($(".govuk-error-summary").text()).toContain("providerCode contains a null character");
  });

  // A browser cannot send half a surrogate pair in a form (it sends U+FFFD instead); a null character it can.
  it.each([
    ["a project", "/projects/new", "/projects", "title", { programmeCode: "SP", estimatedValue: "100" }],
    ["an organisation", "/organisations/new", "/organisations", "name", { kind: "partner" }],
  ] as const)(
    "the form for %s: back to the form with the error summary and what was typed",
    async (_what, form, action, field, rest) => {
      const before = await storedCounts();
      const { csrf, cookies: jar } = await formToken(t.app, form, cookies);
      const response = await t.app.inject({
        method: "POST",
        url: action,
        cookies: jar,
        headers: { "content-type": "application/x-www-form-urlencoded", referer: `http://localhost${form}` },
        payload: new URLSearchParams({ _csrf: csrf, [field]: NUL, ...rest }).toString(),
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(form);
      const page = await t.app.inject({ url: form, cookies: jar });
      const $ = html(page.body);
      expect($(`.govuk-error-summary a[href='#${field}']`).text()).toContain(
        `${field} contains a null character`,
      );
      expect($(`input#${field}`).val()).toBe("a\uFFFDb");
      expect(await storedCounts()).toEqual(before);
    },
  );
});
