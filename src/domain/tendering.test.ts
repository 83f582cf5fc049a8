import { describe, expect, it } from "vitest";
import { hasPqqStage, isLate, timetableProblems, wordCount, type Procedure } from "./tendering.js";

const at = (iso: string) => new Date(iso);

describe("tender timetables (App C 5)", () => {
  const published = at("2027-01-04T09:00:00Z");
  it.each<[Procedure, string, string | null, string, string[]]>([
    ["open", "2027-01-20T12:00:00Z", null, "2027-02-01T12:00:00Z", []],
    ["open", "2027-01-04T09:00:00Z", null, "2027-02-01T12:00:00Z", ["clarificationDeadline"]],
    ["open", "2027-02-01T12:00:00Z", null, "2027-02-01T12:00:00Z", ["submissionDeadline"]],
    ["open", "2027-01-20T12:00:00Z", "2027-01-10T12:00:00Z", "2027-02-01T12:00:00Z", ["pqqDeadline"]],
    ["restricted", "2027-01-20T12:00:00Z", null, "2027-02-01T12:00:00Z", ["pqqDeadline"]],
    ["restricted", "2027-01-20T12:00:00Z", "2027-01-11T12:00:00Z", "2027-02-01T12:00:00Z", []],
    ["restricted", "2027-01-20T12:00:00Z", "2027-02-02T12:00:00Z", "2027-02-01T12:00:00Z", ["pqqDeadline"]],
  ])("%s: clarifications %s, PQQ %s, tenders %s → problems %j", (procedure, clar, pqq, sub, fields) => {
    const problems = timetableProblems(procedure, {
      publishedAt: published,
      clarificationDeadline: at(clar),
      pqqDeadline: pqq ? at(pqq) : null,
      submissionDeadline: at(sub),
    });
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it.each<[Procedure, boolean]>([
    ["open", false],
    ["restricted", true],
    ["competitive-flexible", false],
    ["psr-competitive", false],
  ])("%s has a PQQ stage: %s", (procedure, expected) => {
    expect(hasPqqStage(procedure)).toBe(expected);
  });
});

describe("late submissions (App C 5.6)", () => {
  const deadline = at("2027-02-01T12:00:00Z");
  it.each<[string, boolean]>([
    ["2027-02-01T11:59:59.999Z", false],
    ["2027-02-01T12:00:00.000Z", false],
    ["2027-02-01T12:00:00.001Z", true],
    ["2027-02-01T12:00:01Z", true],
  ])("at %s late: %s", (when, late) => {
    expect(isLate(at(when), deadline)).toBe(late);
  });
});

describe("word counts", () => {
  it.each<[string, number]>([
    ["", 0],
    ["   ", 0],
    ["one", 1],
    [" two  words\n", 2],
    ["hyphen-ated counts once", 3],
  ])("%j has %i words", (text, n) => {
    expect(wordCount(text)).toBe(n);
  });
});
