import { describe, expect, it } from "vitest";
import {
  CHARACTERISTICS,
  eqiaScreeningDone,
  missingScreening,
  screeningRequiresFullAssessment,
  type ScreeningEntry,
} from "./screening.js";

const all = (impact: string, evidence = "Needs assessment, section 4"): ScreeningEntry[] =>
  CHARACTERISTICS.map((c) => ({ characteristic: c.code, impact, evidence }));

describe("EqIA screening (App C 1 and 3)", () => {
  it("covers the nine protected characteristics and carers", () => {
    expect(CHARACTERISTICS.map((c) => c.name)).toEqual([
      "Age",
      "Disability",
      "Gender reassignment",
      "Marriage and civil partnership",
      "Pregnancy and maternity",
      "Race",
      "Religion or belief",
      "Sex",
      "Sexual orientation",
      "Carers",
    ]);
  });

  it.each<[string, ScreeningEntry[] | null, boolean]>([
    ["no assessment", null, false],
    ["nothing screened", [], false],
    ["every characteristic with an impact and evidence", all("neutral"), true],
    ["unknown impacts still count as screened", all("unknown"), true],
    [
      "one without evidence",
      [...all("positive").slice(1), { characteristic: "age", impact: "positive", evidence: " " }],
      false,
    ],
    [
      "one without an impact",
      [...all("positive").slice(1), { characteristic: "age", impact: null, evidence: "x" }],
      false,
    ],
    ["one left out", all("neutral").slice(0, 9), false],
    [
      "an impact that is not one of the four",
      [...all("neutral").slice(1), { characteristic: "age", impact: "maybe", evidence: "x" }],
      false,
    ],
  ])("%s → screening done: %s", (_name, entries, expected) => {
    expect(eqiaScreeningDone(entries ? { entries } : null)).toBe(expected);
  });

  it("names what is missing", () => {
    expect(missingScreening(all("neutral").slice(2))).toEqual(["age", "disability"]);
  });

  it.each([
    ["positive", false],
    ["neutral", false],
    ["negative", true],
    ["unknown", true],
  ])("an impact that is %s requires a full assessment: %s", (impact, expected) => {
    const entries = [...all("neutral").slice(1), { characteristic: "age", impact, evidence: "x" }];
    expect(screeningRequiresFullAssessment(entries)).toBe(expected);
  });
});
