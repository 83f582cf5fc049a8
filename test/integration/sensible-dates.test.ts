import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { apiTokenFor, buildTestApp, createUser, html, postForm, signIn, type TestApp } from "../helpers.js";

/**
 * Dates that make sense (src/domain/sensible-dates.ts): a project cannot start before the earliest
 * regime held (§3.12), and indicator values are not asked of a period still to come (§3.3 h). Imported
 * event dates after today are in test/integration/datasets.test.ts.
 */

const TODAY = "2025-06-02";
const EARLIEST =
  "Start date must be on or after 31 January 2006, when the Public Contracts Regulations 2006 came into force";

let t: TestApp;
let token: string;
let cookies: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp({}, { clock: fixedClock(TODAY) });
  const user = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, user.id);
  cookies = await signIn(t.app, user.email);
});
afterAll(async () => t.close());

const auth = () => ({ authorization: `Bearer ${token}` });
interface Problem {
  errors: { path: string; message: string }[];
}

describe("a project's start date", () => {
  it.each([
    ["2006-01-30", 400],
    ["2006-01-31", 201],
  ])("starting on %s through the API answers %i", async (startedOn, status) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/projects",
      headers: auth(),
      payload: { title: "Old procurement", programmeCode: "KDAAT", estimatedValuePence: 100, startedOn },
    });
    expect(response.statusCode, response.body).toBe(status);
    if (status === 400)
      expect(response.json<Problem>().errors).toContainEqual({ path: "startedOn", message: EARLIEST });
  });

  it("refuses a change of start date to before it", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/api/v1/projects",
      headers: auth(),
      payload: { title: "Moved back", programmeCode: "SP", estimatedValuePence: 100 },
    });
    const { id, version } = created.json<{ id: string; version: number }>();
    const response = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/projects/${id}`,
      headers: auth(),
      payload: { startedOn: "2001-04-01", version },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<Problem>().errors).toContainEqual({ path: "startedOn", message: EARLIEST });
  });

  it("says so on the form, beside the date", async () => {
    const { response, cookies: jar } = await postForm(t.app, "/projects/new", "/projects", cookies, {
      title: "Before the regulations",
      programmeCode: "KDAAT",
      estimatedValue: "100",
      "startedOn-day": "1",
      "startedOn-month": "1",
      "startedOn-year": "2006",
      regime: "",
      description: "",
    });
    expect(response.statusCode).toBe(303);
    const $ = html((await t.app.inject({ url: "/projects/new", cookies: jar })).body);
    expect($('.govuk-error-summary a[href="#startedOn-day"]').text().trim()).toBe(EARLIEST);
  });
});

describe("indicator values of a period still to come", () => {
  it("are refused on the page with a GOV.UK error beside the period end", async () => {
    const response = await t.app.inject({
      url: "/indicators/values?framework=A&periodEnd=2025-06-03",
      cookies,
    });
    expect(response.statusCode).toBe(400);
    const $ = html(response.body);
    expect($('.govuk-error-summary a[href="#periodEnd"]').text().trim()).toBe(
      "Period end must be today or in the past",
    );
    expect($("#periodEnd-error").text()).toContain("Period end must be today or in the past");
    expect($("input#periodEnd").val()).toBe("2025-06-03");
  });

  it("are refused by the API as a problem naming the field", async () => {
    const response = await t.app.inject({
      url: "/api/v1/indicator-values?framework=B&periodEnd=2025-09-30",
      headers: auth(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(response.json<Problem>().errors).toEqual([
      { path: "periodEnd", message: "Period end must be today or in the past" },
    ]);
  });

  it("are given for a period ending today", async () => {
    const response = await t.app.inject({
      url: `/api/v1/indicator-values?framework=B&periodEnd=${TODAY}`,
      headers: auth(),
    });
    expect(response.statusCode).toBe(200);
  });
});
