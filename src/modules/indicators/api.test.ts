import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { episode, referral, stay } from "../../../test/generators/indicators.js";
import { apiTokenFor, buildTestApp, createUser, type TestApp } from "../../../test/helpers.js";
import { loadIndicatorData } from "../../../test/indicator-data.js";
import { indicatorDefinition, type Framework } from "../../domain/indicators/definitions.js";
import {
  computeReference,
  type IndicatorDataset,
  type ReferenceOptions,
} from "../../domain/indicators/reference.js";

/**
 * GET /api/v1/indicator-values?period=: Appendix B and the HIA list for a quarter or 12 months ending
 * on the period end, as the reference computes them; Appendix A only ever covers 12 months.
 */

const PERIOD_END = "2025-03-31";

/** Rows inside the quarter ending on E and rows only inside the 12 months, so the two periods differ. */
const DATA: IndicatorDataset = {
  treatmentEpisodes: [episode({ episodeId: "e1", clientHash: "c1", triageDate: "2024-06-01" })],
  spStays: [
    stay({ stayId: "s1", startDate: "2025-01-05", endDate: "2025-03-01", departure: "planned" }),
    stay({ stayId: "s2", startDate: "2024-05-01", endDate: "2024-07-01", departure: "unplanned" }),
    stay({
      stayId: "s3",
      startDate: "2024-04-10",
      endDate: "2024-06-01",
      departure: "planned",
      providerCode: "P2",
    }),
    stay({ stayId: "s4", startDate: "2023-01-01", serviceType: "long-term", accommodation: "sheltered" }),
  ],
  hiaReferrals: [
    referral({
      referralId: "r1",
      referralDate: "2025-03-03",
      contactedOn: "2025-03-04",
      visitedOn: "2025-03-10",
    }),
    referral({ referralId: "r2", referralDate: "2024-06-03", contactedOn: "2024-06-10" }),
    referral({ referralId: "r3", referralDate: "2024-09-02", service: "handyperson", providerCode: "P2" }),
  ],
};

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await buildTestApp();
  await loadIndicatorData(t.database.db, DATA);
  const staff = await createUser(t.services, ["commissioner"]);
  token = await apiTokenFor(t.services, staff.id);
});
afterAll(async () => t.close());

const get = (query: string) =>
  t.app.inject({
    method: "GET",
    url: `/api/v1/indicator-values?${query}`,
    headers: { authorization: `Bearer ${token}` },
  });

const reference = (framework: Framework, options: ReferenceOptions = {}) =>
  computeReference(DATA, PERIOD_END, options)
    .filter((r) => indicatorDefinition(r.code)?.framework === framework)
    .map((r) => ({ ...r, suppressed: false }));

describe("GET /api/v1/indicator-values?period=", () => {
  it.each([
    ["B", "quarter", "2025-01-01"],
    ["B", "12-months", "2024-04-01"],
    ["HIA", "quarter", "2025-01-01"],
    ["HIA", "12-months", "2024-04-01"],
  ] as const)(
    "computes framework %s for the %s ending on the period end",
    async (framework, period, start) => {
      const response = await get(`framework=${framework}&periodEnd=${PERIOD_END}&period=${period}`);
      expect(response.statusCode).toBe(200);
      const items = response.json<{ items: { periodStart: string }[] }>().items;
      expect(items).toEqual(reference(framework, { period: { [framework]: period } }));
      expect(new Set(items.map((i) => i.periodStart))).toEqual(new Set([start]));
    },
  );

  it("keeps each framework's own period when none is asked for", async () => {
    for (const framework of ["B", "HIA"] as const) {
      const response = await get(`framework=${framework}&periodEnd=${PERIOD_END}`);
      expect(response.json<{ items: unknown[] }>().items).toEqual(reference(framework));
    }
  });

  it("gives different figures for the two periods (the data is built so)", async () => {
    const kpi2 = async (period: string) =>
      (await get(`framework=B&periodEnd=${PERIOD_END}&period=${period}`))
        .json<{ items: { code: string; providerCode: string | null; denominator: number | null }[] }>()
        .items.find((i) => i.code === "KPI2" && i.providerCode === null)?.denominator;
    expect(await kpi2("quarter")).toBe(1);
    expect(await kpi2("12-months")).toBe(3);
  });

  it("takes one provider's figures for the period asked for", async () => {
    const response = await get(`framework=HIA&periodEnd=${PERIOD_END}&period=12-months&providerCode=P2`);
    expect(response.json<{ items: unknown[] }>().items).toEqual(
      reference("HIA", { period: { HIA: "12-months" } }).filter((r) => r.providerCode === "P2"),
    );
  });

  it("accepts 12-months for Appendix A, its only period", async () => {
    const response = await get(`framework=A&periodEnd=${PERIOD_END}&period=12-months`);
    expect(response.statusCode).toBe(200);
    expect(response.json<{ items: unknown[] }>().items).toEqual(reference("A"));
  });

  it.each([
    ["framework=A&periodEnd=2025-03-31&period=quarter", "Appendix A covers the 12 months"],
    ["framework=B&periodEnd=2025-03-31&period=month", "Select a period"],
  ])("refuses %s with a problem naming period", async (query, message) => {
    const response = await get(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json<{ errors: { path: string; message: string }[] }>();
    const period = problem.errors.filter((e) => e.path === "period");
    expect(period.length).toBe(1);
    expect(period[0]?.message).toContain(message);
  });

  it("documents the parameter", async () => {
    const doc = (await t.app.inject({ url: "/api/v1/openapi.json" })).json<{
      paths: Record<string, { get?: { parameters?: { name: string }[] } } | undefined>;
    }>();
    const parameters = doc.paths["/api/v1/indicator-values"]?.get?.parameters?.map((p) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(["framework", "periodEnd", "providerCode", "period"]));
  });
});
