import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIndicatorsArguments, runIndicators } from "../../src/cli/indicators.js";
import type { Output } from "../../src/cli/context.js";
import { CliError, EXIT, describeFailure } from "../../src/cli/errors.js";
import { buildProgram } from "../../src/cli/program.js";
import { INDICATOR_DEFINITIONS, indicatorDefinition } from "../../src/domain/indicators/definitions.js";
import { computeReference, type IndicatorDataset } from "../../src/domain/indicators/reference.js";
import { SYSTEM_ACTOR } from "../../src/domain/policy.js";
import { computeIndicators } from "../../src/modules/indicators/service.js";
import { episode, referral, stay } from "../generators/indicators.js";
import { apiTokenFor, buildTestApp, createUser, html, signIn, type TestApp } from "../helpers.js";
import { loadIndicatorData } from "../indicator-data.js";

/**
 * The indicators' three faces: GET /api/v1/indicators and
 * /api/v1/indicator-values, the library and values pages, and `commissioner indicators` in-process.
 * The numbers themselves are held to the reference by src/modules/indicators/sql-vs-reference.test.ts;
 * here the API answers the reference's figures, and who sees what.
 */

const PERIOD_END = "2025-03-31";

/** Two providers; all-providers SM01 is 3 (suppressed for a provider's users), IP1 has 2 of them. */
const DATA: IndicatorDataset = {
  treatmentEpisodes: [
    episode({
      episodeId: "e1",
      clientHash: "c1",
      providerCode: "IP1",
      triageDate: "2024-05-01",
      dischargeDate: "2024-11-30",
      dischargeReason: "completed-drug-free",
    }),
    episode({ episodeId: "e2", clientHash: "c2", providerCode: "IP1", triageDate: "2024-06-01" }),
    episode({
      episodeId: "e3",
      clientHash: "c3",
      providerCode: "IP2",
      triageDate: "2024-07-01",
      substances: ["cannabis"],
    }),
    episode({
      episodeId: "e4",
      clientHash: "c4",
      providerCode: "IP2",
      triageDate: "2024-08-01",
      substances: ["alcohol"],
    }),
    episode({
      episodeId: "e5",
      clientHash: "c5",
      providerCode: "IP2",
      triageDate: "2024-09-01",
      ageAtTriage: 16,
    }),
  ],
  spStays: [
    stay({
      stayId: "s1",
      providerCode: "IP1",
      startDate: "2025-01-05",
      endDate: "2025-03-01",
      departure: "planned",
    }),
    stay({
      stayId: "s2",
      providerCode: "IP2",
      startDate: "2024-01-05",
      serviceType: "long-term",
      accommodation: "sheltered",
    }),
  ],
  hiaReferrals: [
    referral({
      referralId: "r1",
      providerCode: "IP1",
      referralDate: "2025-03-03",
      contactedOn: "2025-03-04",
      visitedOn: "2025-03-10",
    }),
    referral({ referralId: "r2", providerCode: "IP2", referralDate: "2025-03-28", service: "handyperson" }),
  ],
};

let t: TestApp;
let staffToken: string;
let providerToken: string;
let supplierToken: string;
let staffCookies: Record<string, string>;
let providerCookies: Record<string, string>;

beforeAll(async () => {
  t = await buildTestApp();
  for (const code of ["IP1", "IP2"])
    await t.services.organisations.create(SYSTEM_ACTOR, {
      name: `Indicator provider ${code}`,
      kind: "provider",
      code,
      companyNumber: undefined,
      charityNumber: undefined,
    });
  await loadIndicatorData(t.database.db, DATA);
  const staff = await createUser(t.services, ["commissioner"]);
  staffToken = await apiTokenFor(t.services, staff.id);
  staffCookies = await signIn(t.app, staff.email);
  const provider = await createUser(t.services, ["provider-user"], { organisationCode: "IP1" });
  providerToken = await apiTokenFor(t.services, provider.id);
  providerCookies = await signIn(t.app, provider.email);
  const supplier = await createUser(t.services, ["supplier-user"]);
  supplierToken = await apiTokenFor(t.services, supplier.id);
});
afterAll(async () => t.close());

const get = (url: string, token?: string) =>
  t.app.inject({ method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });

const reference = (framework: "A" | "B" | "HIA") =>
  computeReference(DATA, PERIOD_END).filter((r) => indicatorDefinition(r.code)?.framework === framework);

// ------------------------------------------------------------------------------------------------
// API
// ------------------------------------------------------------------------------------------------

describe("OpenAPI", () => {
  it("documents both endpoints with their query parameters", async () => {
    const response = await t.app.inject({ url: "/api/v1/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{
      paths: Record<string, { get?: { parameters?: { name: string }[] } } | undefined>;
    }>();
    expect(doc.paths["/api/v1/indicators"]?.get).toBeDefined();
    const parameters = doc.paths["/api/v1/indicator-values"]?.get?.parameters?.map((p) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(["framework", "periodEnd", "providerCode"]));
  });
});

describe("GET /api/v1/indicators", () => {
  it("needs a token", async () => {
    const response = await get("/api/v1/indicators");
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("application/problem+json");
  });

  it("lists every definition in catalogue order, with its source and fields", async () => {
    const response = await get("/api/v1/indicators?limit=500", staffToken);
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      items: { code: string; fields: string[]; source: string; needsFollowUp: boolean }[];
    }>();
    expect(body.items.map((i) => i.code)).toEqual(INDICATOR_DEFINITIONS.map((d) => d.code));
    const sm13 = body.items.find((i) => i.code === "SM13");
    expect(sm13).toMatchObject({ source: "treatment-journeys", needsFollowUp: true });
    expect(sm13?.fields).toContain("discharge_reason");
  });

  it("filters by framework", async () => {
    const response = await get("/api/v1/indicators?framework=HIA", staffToken);
    expect(response.json<{ items: { code: string }[] }>().items.map((i) => i.code)).toEqual([
      "G1",
      "G2",
      "H1",
      "H2",
    ]);
  });
});

describe("GET /api/v1/indicator-values", () => {
  it.each(["A", "B", "HIA"] as const)(
    "answers the reference's figures for framework %s (staff)",
    async (framework) => {
      const response = await get(
        `/api/v1/indicator-values?framework=${framework}&periodEnd=${PERIOD_END}`,
        staffToken,
      );
      expect(response.statusCode).toBe(200);
      const body = response.json<{ items: unknown[]; complete: boolean }>();
      const expected = reference(framework);
      expect(body.items).toEqual(expected.map((r) => ({ ...r, suppressed: false })));
      expect(body.complete).toBe(expected.every((r) => r.complete));
    },
  );

  it("gives one provider's figures with providerCode", async () => {
    const response = await get(
      `/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}&providerCode=IP2`,
      staffToken,
    );
    const items = response.json<{ items: { providerCode: string | null }[] }>().items;
    expect(items.length).toBe(16);
    expect(new Set(items.map((i) => i.providerCode))).toEqual(new Set(["IP2"]));
  });

  it("says SM13 is provisional until six months of data after the period end", async () => {
    const body = (
      await get(`/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}`, staffToken)
    ).json<{
      items: { code: string; complete: boolean }[];
      complete: boolean;
    }>();
    expect(body.complete).toBe(false);
    expect(body.items.filter((i) => !i.complete).map((i) => i.code)).toEqual(
      expect.arrayContaining(["SM13", "SM13R", "SM14", "SM14R"]),
    );
    expect(body.items.find((i) => i.code === "SM01")?.complete).toBe(true);
  });

  it.each([
    ["framework=X&periodEnd=2025-03-31", "framework"],
    ["framework=A&periodEnd=2025-02-30", "periodEnd"],
    ["framework=A&periodEnd=31/03/2025", "periodEnd"],
    ["framework=A", "periodEnd"],
    ["periodEnd=2025-03-31", "framework"],
  ])("refuses %s with a problem naming %s", async (query, field) => {
    const response = await get(`/api/v1/indicator-values?${query}`, staffToken);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json<{ errors: { path: string }[] }>();
    expect(problem.errors.map((e) => e.path)).toContain(field);
  });

  it("shows a provider's users their own figures and the all-providers figures suppressed, nobody else's", async () => {
    const response = await get(`/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}`, providerToken);
    expect(response.statusCode).toBe(200);
    const items = response.json<{
      items: {
        code: string;
        providerCode: string | null;
        numerator: unknown;
        value: unknown;
        suppressed: boolean;
      }[];
    }>().items;
    expect(new Set(items.map((i) => i.providerCode))).toEqual(new Set([null, "IP1"]));
    const all = items.find((i) => i.code === "SM01" && i.providerCode === null);
    expect(all).toMatchObject({ numerator: "*", value: "*", suppressed: true });
    const own = items.find((i) => i.code === "SM01" && i.providerCode === "IP1");
    expect(own).toMatchObject({ numerator: 2, value: 2, suppressed: false });
    // A zero is shown: suppression hides 1 to 4 only.
    expect(items.find((i) => i.code === "SM05" && i.providerCode === null)).toMatchObject({ numerator: 0 });
  });

  it("refuses a provider's users another provider's code, and suppliers altogether", async () => {
    const other = await get(
      `/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}&providerCode=IP2`,
      providerToken,
    );
    expect(other.statusCode).toBe(403);
    expect(other.json<{ detail: string }>().detail).toContain("IP1");
    const own = await get(
      `/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}&providerCode=IP1`,
      providerToken,
    );
    expect(own.statusCode).toBe(200);
    const supplier = await get(`/api/v1/indicator-values?framework=A&periodEnd=${PERIOD_END}`, supplierToken);
    expect(supplier.statusCode).toBe(403);
  });
});

// ------------------------------------------------------------------------------------------------
// Pages
// ------------------------------------------------------------------------------------------------

describe("indicator library page", () => {
  it("sends someone not signed in to sign in", async () => {
    const response = await t.app.inject({ url: "/indicators" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toContain("/sign-in");
  });

  it("explains every indicator: what it counts, its period, its source and fields", async () => {
    const response = await t.app.inject({ url: "/indicators", cookies: staffCookies });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("h1").text()).toBe("Indicator library");
    expect($("#framework-a").text()).toContain("Appendix A");
    for (const d of INDICATOR_DEFINITIONS)
      expect($(`#indicator-${d.code.toLowerCase()}`).length, d.code).toBe(1);
    const sm03 = $("#indicator-sm03-definition");
    expect(sm03.text()).toContain("Denominator");
    expect(sm03.text()).toContain("Adult drug users in treatment (SM01).");
    expect(
      sm03
        .find("code")
        .map((_, el) => $(el).text())
        .get(),
    ).toContain("discharge_reason");
    expect($("#indicator-sm07-definition").text()).toContain("1 April to the period end");
    expect($("#indicator-kpi1-definition").text()).toContain("quarter");
    expect($("#indicator-sm13-definition").text()).toContain("Provisional");
    expect($("#indicator-g2-definition").text()).toContain("hia-activity");
  });
});

describe("indicator values page", () => {
  it("shows the form on its own until it is sent", async () => {
    const response = await t.app.inject({ url: "/indicators/values", cookies: staffCookies });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("form#values-form input[name=periodEnd]").length).toBe(1);
    expect($("#results").length).toBe(0);
  });

  it("shows a table per indicator, all providers first, then each provider", async () => {
    const response = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}`,
      cookies: staffCookies,
    });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const sm01 = $("#values-sm01 tbody tr")
      .toArray()
      .map((row) =>
        $(row)
          .find("th, td")
          .toArray()
          .map((c) => $(c).text().trim()),
      );
    expect(sm01).toEqual([
      ["All providers", "3"],
      ["Indicator provider IP1 (IP1)", "2"],
      ["Indicator provider IP2 (IP2)", "1"],
    ]);
    const sm03 = $("#values-sm03 tbody tr")
      .first()
      .find("td")
      .map((_, c) => $(c).text().trim())
      .get();
    expect(sm03).toEqual(["1", "3", "33.3%"]);
    expect($("#values-sm13 caption").text()).toContain("Provisional");
    expect($("#values-sm06 tbody tr").eq(1).find("td").last().text().trim()).toBe("No value");
  });

  it("draws a server-rendered bar chart under each percentage indicator with a value, none for counts", async () => {
    const response = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}`,
      cookies: staffCookies,
    });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    const tables = $("table[id^=values-]").toArray();
    let charted = 0;
    for (const table of tables) {
      const code = $(table).attr("id")?.replace("values-", "").toUpperCase() ?? "";
      const isCount = $(table).find("thead th").length === 2;
      const hasValue = $(table)
        .find("tbody tr td:last-child")
        .toArray()
        .some((c) => $(c).text().trim().endsWith("%"));
      const chart = $(`svg#chart-${code.toLowerCase()}`);
      if (isCount || !hasValue) {
        expect(chart.length, code).toBe(0);
        continue;
      }
      charted++;
      expect(chart.length, code).toBe(1);
      expect(chart.attr("role")).toBe("img");
      expect(chart.attr("aria-label")).toMatch(new RegExp(`^${code}: .+ Bar chart of the percentage`));
      expect(chart.find("path").length).toBeGreaterThan(0);
    }
    expect(charted).toBeGreaterThan(0);
    const sm03 = $("svg#chart-sm03");
    expect(sm03.attr("aria-label")).toContain("All providers 33.3%");
    expect(sm03.attr("aria-label")).toContain("Indicator provider IP1 (IP1)");
    expect(sm03.find("text").text()).toContain("33.3%");
    expect($("svg#chart-sm01").length).toBe(0);
    // The CSP forbids inline styles: the charts carry presentation attributes only.
    expect($("svg [style]").length).toBe(0);
    expect($("svg style").length).toBe(0);
  });

  it("names the provider asked for, not its code alone", async () => {
    const response = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}&providerCode=IP2`,
      cookies: staffCookies,
    });
    expect(response.statusCode).toBe(200);
    expect(html(response.body)("#results h2").text()).toContain(", Indicator provider IP2 (IP2)");
  });

  it("says what is wrong with a date that does not exist", async () => {
    const response = await t.app.inject({
      url: "/indicators/values?framework=A&periodEnd=2025-02-30",
      cookies: staffCookies,
    });
    expect(response.statusCode).toBe(400);
    const $ = html(response.body);
    expect($(".govuk-error-summary a[href='#periodEnd']").text()).toContain("real date");
    expect($("input#periodEnd").val()).toBe("2025-02-30");
  });

  it("suppresses small all-providers numbers for a provider's users and refuses another provider", async () => {
    const response = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}`,
      cookies: providerCookies,
    });
    expect(response.statusCode).toBe(200);
    const $ = html(response.body);
    expect($("#suppression-note").length).toBe(1);
    const providers = $("#values-sm01 tbody tr th")
      .map((_, c) => $(c).text().trim())
      .get();
    expect(providers).toEqual(["All providers", "Indicator provider IP1 (IP1)"]);
    expect($("#values-sm01 tbody tr").first().find("td").text().trim()).toBe("*");
    const refused = await t.app.inject({
      url: `/indicators/values?framework=A&periodEnd=${PERIOD_END}&providerCode=IP2`,
      cookies: providerCookies,
    });
    expect(refused.statusCode).toBe(403);
    expect(html(refused.body)(".govuk-error-summary a[href='#providerCode']").length).toBe(1);
  });
});

// ------------------------------------------------------------------------------------------------
// Command line, in-process
// ------------------------------------------------------------------------------------------------

function collector(): Output & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l) };
}

describe("commissioner indicators", () => {
  it("lists its options in --help", () => {
    const command = buildProgram().commands.find((c) => c.name() === "indicators");
    if (!command) throw new Error("no indicators command");
    expect(command.description()).toMatch(/^[a-z].+[^.]$/);
    const help = command.helpInformation();
    for (const option of [
      "--framework <framework>",
      "--period-end <date>",
      "--provider <code>",
      "--period <period>",
      "--format <format>",
    ])
      expect(help).toContain(option);
  });

  it.each([
    [{ framework: "C", periodEnd: "2025-03-31" }, "--framework"],
    [{ framework: "A", periodEnd: "2025-02-30" }, "--period-end"],
    [{ framework: "A", periodEnd: "2025-03-31", format: "xml" }, "--format"],
    [{ framework: "B", periodEnd: "2025-03-31", period: "month" }, "--period"],
    [{ framework: "A", periodEnd: "2025-03-31", period: "quarter" }, "--period"],
  ])("refuses %o before opening anything (exit 2)", (options, mentions) => {
    let error: unknown;
    try {
      parseIndicatorsArguments(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as CliError).message).toContain(mentions);
  });

  it("is a usage error (exit 2) without --framework", async () => {
    const program = buildProgram();
    for (const command of [program, ...program.commands])
      command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    const error = await program.parseAsync(["indicators", "--period-end", PERIOD_END], { from: "user" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(describeFailure(error).exitCode).toBe(EXIT.usage);
  });

  it("prints the API's items as JSON", async () => {
    const output = collector();
    const args = parseIndicatorsArguments({ framework: "HIA", periodEnd: PERIOD_END });
    await runIndicators({ database: t.database }, args, output);
    expect(JSON.parse(output.out_.join("\n"))).toEqual(reference("HIA"));
  });

  it("computes B over 12 months with --period 12-months, as the API's period does", async () => {
    const output = collector();
    const args = parseIndicatorsArguments({ framework: "B", periodEnd: PERIOD_END, period: "12-months" });
    const results = await runIndicators({ database: t.database }, args, output);
    expect(results[0]?.periodStart).toBe("2024-04-01");
    expect(results).toEqual(
      await computeIndicators(t.database.db, {
        framework: "B",
        periodEnd: PERIOD_END,
        period: { B: "12-months" },
      }),
    );
    const quarter = await runIndicators(
      { database: t.database },
      parseIndicatorsArguments({ framework: "B", periodEnd: PERIOD_END }),
      collector(),
    );
    expect(quarter[0]?.periodStart).toBe("2025-01-01");
  });

  it("prints CSV with a header row, one provider's only with --provider", async () => {
    const output = collector();
    const args = parseIndicatorsArguments({
      framework: "B",
      periodEnd: PERIOD_END,
      provider: "IP1",
      format: "csv",
    });
    const results = await runIndicators({ database: t.database }, args, output);
    expect(output.out_[0]).toBe(
      "code,providerCode,periodStart,periodEnd,numerator,denominator,value,complete",
    );
    expect(output.out_.length).toBe(results.length + 1);
    expect(output.out_).toContain("KPI2,IP1,2025-01-01,2025-03-31,1,1,100,true");
    expect(output.out_).toContain("KPI1,IP1,2025-01-01,2025-03-31,0,0,,true");
    expect(results).toEqual(
      await computeIndicators(t.database.db, { framework: "B", periodEnd: PERIOD_END, providerCode: "IP1" }),
    );
  });
});
