import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokenFor, buildTestApp, createUser, html, signIn, type TestApp } from "../helpers.js";

let t: TestApp;
let token: string;
let supplierToken: string;
let commissioner: Record<string, string>;
let supplier: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  const user = await createUser(t.services, ["commissioner"]);
  const supplierUser = await createUser(t.services, ["supplier-user"]);
  token = await apiTokenFor(t.services, user.id);
  supplierToken = await apiTokenFor(t.services, supplierUser.id);
  commissioner = await signIn(t.app, user.email);
  supplier = await signIn(t.app, supplierUser.email);
});
afterAll(async () => t.close());

const api = (url: string, bearer = token) =>
  t.app.inject({ url, headers: { authorization: `Bearer ${bearer}` } });

describe("GET /api/v1/rules/regimes", () => {
  it("lists the four regimes as dated data", async () => {
    const response = await api("/api/v1/rules/regimes");
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      items: { code: string; name: string; appliesFrom: string; appliesTo?: string; thresholds: unknown[] }[];
    }>();
    expect(body.items.map((r) => [r.code, r.appliesFrom, r.appliesTo ?? null])).toEqual([
      ["PCR2006", "2006-01-31", "2015-02-25"],
      ["PCR2015", "2015-02-26", "2025-02-23"],
      ["PA2023", "2025-02-24", null],
      ["PSR", "2024-01-01", null],
    ]);
    expect(body.items[0]).toMatchObject({
      name: "Public Contracts Regulations 2006",
    });
    // Every figure of PCR 2006, each with its dates and source (docs/rules.md, regimes).
    expect(body.items[0]?.thresholds).toHaveLength(5);
    expect(body.items[0]?.thresholds).toContainEqual(
      expect.objectContaining({
        valuePence: 17_393_400,
        from: "2012-01-01",
        to: "2013-12-31",
        source: "§3.13; PCR 2006 reg 8",
      }),
    );
  });

  it("is open to any signed-in user, suppliers included", async () => {
    expect((await api("/api/v1/rules/regimes", supplierToken)).statusCode).toBe(200);
  });

  it("answers 401 without a token", async () => {
    const response = await t.app.inject({ url: "/api/v1/rules/regimes" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("application/problem+json");
  });
});

describe("GET /api/v1/rules/approvals", () => {
  it("answers approvals and flags with reasons and paragraphs", async () => {
    const response = await api(
      "/api/v1/rules/approvals?regime=PA2023&valuePence=100000001&programmeCode=KDAAT&on=2025-06-02",
    );
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      regime: string;
      approvals: { bodyCode: string; what: string; reason: string; paragraph: string }[];
      flags: { code: string; reason: string; paragraph: string }[];
    }>();
    expect(body.regime).toBe("PA2023");
    expect(body.approvals[0]).toEqual({
      bodyCode: "JCG",
      what: "Needs assessment",
      reason: expect.stringContaining("operational group") as unknown,
      paragraph: "§3.4",
      stage: 1,
    });
    expect(body.approvals.map((a) => a.bodyCode)).toContain("PROCUREMENT_BOARD");
    expect(body.flags.map((f) => f.code)).toEqual(
      expect.arrayContaining([
        "PROCUREMENT_BOARD_REQUIRED",
        "SEAL_REQUIRED",
        "ABOVE_THRESHOLD",
        "SSP_ENGAGEMENT_ESSENTIAL",
        "CONFLICTS_ASSESSMENT",
      ]),
    );
    for (const f of body.flags) expect(f.paragraph).not.toBe("");
  });

  it("defaults the regime to the one in force on the date", async () => {
    const old = await api("/api/v1/rules/approvals?valuePence=15000000&programmeCode=SP&on=2013-06-03");
    expect(old.json()).toMatchObject({ regime: "PCR2006", threshold: { valuePence: 17_393_400 } });
    expect(old.json<{ flags: { code: string }[] }>().flags.map((f) => f.code)).toContain(
      "SSP_ENGAGEMENT_ESSENTIAL",
    );
    const now = await api("/api/v1/rules/approvals?valuePence=100&programmeCode=SP&on=2025-02-24");
    expect(now.json()).toMatchObject({ regime: "PA2023" });
  });

  it.each([
    ["valuePence=12.5&programmeCode=SP", "valuePence"],
    ["valuePence=-1&programmeCode=SP", "valuePence"],
    ["programmeCode=SP", "valuePence"],
    ["valuePence=100&programmeCode=NOPE", "programmeCode"],
    ["valuePence=100&programmeCode=SP&regime=PCR1999", "regime"],
    ["valuePence=100&programmeCode=SP&on=2025-02-30", "on"],
    ["valuePence=100&programmeCode=SP&on=1999-01-01", "on"], // no regime in force then
    ["valuePence=100&programmeCode=SP&lightTouch=maybe", "lightTouch"],
  ])("answers 400 for %s naming %s", async (query, path) => {
    const response = await api(`/api/v1/rules/approvals?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json<{ status: number; errors: { path: string; message: string }[] }>();
    expect(body.status).toBe(400);
    expect(body.errors.map((e) => e.path)).toContain(path);
  });

  it("answers 401 without a token", async () => {
    const response = await t.app.inject({ url: "/api/v1/rules/approvals?valuePence=1&programmeCode=SP" });
    expect(response.statusCode).toBe(401);
  });
});

describe("GET /api/v1/rules/standstill", () => {
  it("answers docs/rules.md's worked example", async () => {
    const response = await api("/api/v1/rules/standstill?regime=PCR2006&notifiedOn=2010-03-23");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      startsOn: "2010-03-23",
      endsOn: "2010-04-06",
      earliestContractOn: "2010-04-07",
      dayKind: "calendar",
      days: 10,
      explanation: expect.stringContaining("Easter Monday") as unknown,
    });
  });

  it("defaults to the regime in force and counts working days under the Act", async () => {
    const response = await api("/api/v1/rules/standstill?notifiedOn=2025-04-14");
    expect(response.json()).toMatchObject({
      regime: "PA2023",
      startsOn: "2025-04-14",
      endsOn: "2025-04-25",
      earliestContractOn: "2025-04-26",
      dayKind: "working",
      days: 8,
    });
  });

  it("counts 15 days for letters not sent electronically", async () => {
    const response = await api(
      "/api/v1/rules/standstill?regime=PCR2006&notifiedOn=2010-03-23&byElectronicMeans=false",
    );
    expect(response.json()).toMatchObject({ days: 15, endsOn: "2010-04-07" });
  });

  it.each([
    ["notifiedOn=2025-02-30", "notifiedOn"],
    ["notifiedOn=23/03/2010", "notifiedOn"],
    ["", "notifiedOn"],
    ["notifiedOn=2025-04-14&regime=XYZ", "regime"],
    ["notifiedOn=2025-04-14&byElectronicMeans=yes", "byElectronicMeans"],
  ])("answers 400 for %j naming %s", async (query, path) => {
    const response = await api(`/api/v1/rules/standstill?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toContain(path);
  });

  it("answers 401 without a token", async () => {
    expect((await t.app.inject({ url: "/api/v1/rules/standstill?notifiedOn=2025-04-14" })).statusCode).toBe(
      401,
    );
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await t.app.inject({ url: "/api/v1/openapi.json" })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/rules/regimes",
        "/api/v1/rules/approvals",
        "/api/v1/rules/standstill",
      ]),
    );
  });
});

describe("the rules page", () => {
  it("shows the form and explains each regime before anything is asked", async () => {
    const response = await t.app.inject({ url: "/rules", cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Rules explained");
    expect($("form[method=get] #value").length).toBe(1);
    expect($("#regime option").first().text()).toBe("The one in force on the date");
    expect(
      $("#programme option")
        .map((_, o) => $(o).attr("value"))
        .get(),
    ).toEqual(["", "SP", "KDAAT", "KSE", "KSAS"]);
    expect($("#results").length).toBe(0);
    for (const code of ["PCR2006", "PCR2015", "PA2023", "PSR"]) expect($(`#regime-${code}`).length).toBe(1);
    expect($("#regime-PCR2006").text()).toBe("Public Contracts Regulations 2006");
    expect(response.body).toContain("£173,935");
  });

  it("shows approvals, flags and standstill for a value, with reasons and sources", async () => {
    const query = new URLSearchParams({
      value: "£1,250,000",
      regime: "",
      programme: "KDAAT",
      "on-day": "14",
      "on-month": "4",
      "on-year": "2025",
      electronic: "yes",
    });
    const response = await t.app.inject({ url: `/rules?${query.toString()}`, cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($(".govuk-error-summary").length).toBe(0);
    expect($("#results").text()).toBe("£1,250,000 under the Procurement Act 2023");
    expect($("main").text()).toContain("Procurement Act 2023 (in force on 14 April 2025)");

    const rows = $("table tbody tr")
      .toArray()
      .map((tr) =>
        $(tr)
          .find("th, td")
          .toArray()
          .map((c) => $(c).text().trim()),
      );
    expect(rows[0]?.[0]).toBe("Joint Commissioning Groups");
    expect(rows[0]?.[3]).toBe("§3.4");
    const procurementBoard = rows.find(
      (r) => r[0] === "Procurement Board" && r[1]?.startsWith("Procurement plan"),
    );
    expect(procurementBoard?.[2]).toContain("£1,250,000 is over £1,000,000");
    expect(procurementBoard?.[3]).toBe("§3.10");

    const flags = $("#flags + ul li")
      .map((_, li) => $(li).attr("data-code"))
      .get();
    expect(flags).toEqual(
      expect.arrayContaining([
        "PROCUREMENT_BOARD_REQUIRED",
        "SEAL_REQUIRED",
        "ABOVE_THRESHOLD",
        "SSP_ENGAGEMENT_ESSENTIAL",
      ]),
    );
    expect($("#flags-SEAL_REQUIRED").text()).toContain("App C 7");

    expect($("#standstill-explanation").text()).toContain("Good Friday");
    expect($("#standstill-explanation").text()).toContain("Easter Monday");
    expect($("main").text()).toContain("25 April 2025, ending at midnight");
    // What was typed is kept.
    expect($("#value").val()).toBe("£1,250,000");
    expect($("#programme option[selected]").attr("value")).toBe("KDAAT");
  });

  it("shows the worked example for letters emailed on 23 March 2010", async () => {
    const response = await t.app.inject({
      url: "/rules?value=100000&programme=SP&on=2010-03-23",
      cookies: commissioner,
    });
    const $ = html(response.body);
    expect($("#results").text()).toBe("£100,000 under the Public Contracts Regulations 2006");
    expect($("main").text()).toContain("6 April 2010, ending at midnight");
    expect($("main").text()).toContain("7 April 2010");
    // £156,442 from 1 January 2010 (docs/rules.md): a threshold is held for every day of PCR 2006.
    expect($("#flags-THRESHOLD_NOT_HELD").length).toBe(0);
    expect($("main").text()).toContain("£156,442");
    expect($("#on-day").val()).toBe("23");
  });

  it("shows an error summary and field errors for a bad value and a date that does not exist, keeping the input", async () => {
    const query = new URLSearchParams({
      value: "£12,34a",
      regime: "",
      programme: "SP",
      "on-day": "30",
      "on-month": "2",
      "on-year": "2025",
      electronic: "yes",
    });
    const response = await t.app.inject({ url: `/rules?${query.toString()}`, cookies: commissioner });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("title").text()).toMatch(/^Error: /);
    const summary = $(".govuk-error-summary");
    expect(summary.find("h2").text().trim()).toBe("There is a problem");
    const links = summary
      .find("a")
      .map((_, a) => [[$(a).attr("href"), $(a).text().trim()]])
      .get() as string[][];
    expect(links).toEqual([
      ["#value", "Enter the value in pounds, like £1,250,000 or 1250000.50"],
      ["#on-day", "Date must be a real date, like 14 4 2025"],
    ]);
    expect($("#value-error").text()).toContain("Enter the value in pounds");
    expect($("#on-error").text()).toContain("Date must be a real date");
    expect($("#value").val()).toBe("£12,34a");
    expect($("#on-day").val()).toBe("30");
    expect($("#on-month").val()).toBe("2");
    expect($("#results").length).toBe(0);
  });

  it.each([
    ["value=&programme=SP", "#value", "Enter the value of the contract in pounds"],
    ["value=100&programme=", "#programme", "Select the programme"],
    ["value=100&programme=SP&regime=NOPE", "#regime", "Select a regime from the list"],
    ["value=100&programme=SP&on=2025-02-30", "#on-day", "Date must be a real date, like 14 4 2025"],
    ["value=100&programme=SP&on-day=1&on-month=&on-year=2025", "#on-month", "Date must include a month"],
    [
      "value=100&programme=SP&on=2001-01-01",
      "#on-day",
      "No regime is held for a procurement started before 31 January 2006",
    ],
  ])("refuses %s with an error linked to %s", async (query, href, message) => {
    const response = await t.app.inject({ url: `/rules?${query}`, cookies: commissioner });
    const $ = html(response.body);
    const link = $(`.govuk-error-summary a[href="${href}"]`);
    expect(link.text()).toContain(message);
  });

  it("can be used by a supplier, since anyone signed in may read the rules", async () => {
    const response = await t.app.inject({
      url: "/rules?value=50000.01&programme=SP&on=2025-06-02",
      cookies: supplier,
    });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect(
      $("table tbody tr th")
        .map((_, th) => $(th).text().trim())
        .get(),
    ).toContain("Procurement Manager");
  });

  it("sends someone not signed in to sign in", async () => {
    const response = await t.app.inject({ url: "/rules?value=1" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/sign-in?next=${encodeURIComponent("/rules?value=1")}`);
  });
});
