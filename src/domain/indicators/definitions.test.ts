import { describe, expect, it } from "vitest";
import { INDICATOR_CODES, INDICATOR_DEFINITIONS, definitionsOf, indicatorDefinition } from "./definitions.js";
import { OUTCOME_CODES } from "./terms.js";

const COLUMNS: Record<string, readonly string[]> = {
  "treatment-journeys": [
    "episode_id",
    "client_ref",
    "provider_code",
    "date_of_birth",
    "triage_date",
    "discharge_date",
    "discharge_reason",
    "substances",
    "referral_source",
    "injecting_status",
    "hepb_status",
    "hepc_tested_on",
  ],
  "sp-outcomes": [
    "stay_id",
    "client_ref",
    "provider_code",
    "service_type",
    "start_date",
    "end_date",
    "departure",
    "accommodation",
    "needs",
    "achieved",
  ],
  "hia-activity": [
    "referral_id",
    "client_ref",
    "provider_code",
    "service",
    "referral_date",
    "contacted_on",
    "visited_on",
  ],
};

describe("the indicator library (docs/indicators.md tables)", () => {
  it("has every indicator once, in the order of docs/indicators.md", () => {
    expect(INDICATOR_CODES).toEqual([
      "SM01",
      "SM02",
      "SM03",
      "SM04",
      "SM05",
      "SM06",
      "SM07",
      "SM08",
      "SM09",
      "SM10",
      "SM11",
      "SM12",
      "SM13",
      "SM13R",
      "SM14",
      "SM14R",
      "KPI1",
      "KPI2",
      ...OUTCOME_CODES.map((o) => `OUT-${o}`),
      "G1",
      "G2",
      "H1",
      "H2",
    ]);
    expect(new Set(INDICATOR_CODES).size).toBe(INDICATOR_CODES.length);
    expect(OUTCOME_CODES).toHaveLength(20);
  });

  it.each([
    ["SM01", "count"],
    ["SM02", "count"],
    ["SM03", "percentage"],
    ["SM04", "count"],
    ["SM05", "count"],
    ["SM06", "percentage"],
    ["SM07", "percentage"],
    ["SM08", "percentage"],
    ["SM09", "percentage"],
    ["SM10", "percentage"],
    ["SM11", "count"],
    ["SM12", "percentage"],
    ["SM13", "count"],
    ["SM13R", "percentage"],
    ["SM14", "count"],
    ["SM14R", "percentage"],
    ["KPI1", "percentage"],
    ["KPI2", "percentage"],
    ["OUT-paid-work", "percentage"],
    ["G1", "percentage"],
    ["H2", "percentage"],
  ])("%s is a %s", (code, kind) => {
    expect(indicatorDefinition(code)?.kind).toBe(kind);
  });

  it("gives a denominator exactly to percentages", () => {
    for (const d of INDICATOR_DEFINITIONS) {
      expect(d.denominator === null, d.code).toBe(d.kind === "count");
      expect(d.name.length, d.code).toBeGreaterThan(10);
      expect(d.numerator.length, d.code).toBeGreaterThan(10);
    }
  });

  it("names only columns of the file it is computed from", () => {
    for (const d of INDICATOR_DEFINITIONS) {
      for (const field of d.fields) expect(COLUMNS[d.source], `${d.code} ${field}`).toContain(field);
    }
  });

  it("marks the indicators that need six months of follow-up", () => {
    expect(INDICATOR_DEFINITIONS.filter((d) => d.needsFollowUp).map((d) => d.code)).toEqual([
      "SM13",
      "SM13R",
      "SM14",
      "SM14R",
    ]);
  });

  it("covers a quarter for KPI1, KPI2 and outcomes, otherwise 12 months", () => {
    for (const d of INDICATOR_DEFINITIONS) {
      expect(d.periodDefault, d.code).toBe(d.framework === "B" ? "quarter" : "12-months");
    }
  });

  it("groups by framework", () => {
    expect(definitionsOf("A")).toHaveLength(16);
    expect(definitionsOf("B")).toHaveLength(22);
    expect(definitionsOf("HIA").map((d) => d.code)).toEqual(["G1", "G2", "H1", "H2"]);
    expect(indicatorDefinition("nope")).toBeUndefined();
  });
});
