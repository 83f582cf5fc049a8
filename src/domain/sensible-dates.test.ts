import { describe, expect, it } from "vitest";
import {
  dateInWords,
  earliestRegime,
  eventDateProblem,
  isAfterToday,
  periodEndProblem,
  startDateProblem,
} from "./sensible-dates.js";

describe("the earliest regime held (docs/rules.md)", () => {
  it("is the Public Contracts Regulations 2006, from 31 January 2006", () => {
    expect(earliestRegime()).toEqual({
      name: "Public Contracts Regulations 2006",
      appliesFrom: "2006-01-31",
    });
  });
});

describe("a procurement's start date (§3.12)", () => {
  const refused =
    "Start date must be on or after 31 January 2006, when the Public Contracts Regulations 2006 came into force";
  it.each([
    { startedOn: "2006-01-30", expected: refused },
    { startedOn: "1999-12-31", expected: refused },
    { startedOn: "2006-01-31", expected: null },
    { startedOn: "2025-04-01", expected: null },
    { startedOn: "2006-02-30", expected: null }, // not a real date: another rule's to refuse
  ])("$startedOn → $expected", ({ startedOn, expected }) => {
    expect(startDateProblem(startedOn, "Start date")).toBe(expected);
  });
});

describe("dates after today", () => {
  const today = "2026-12-03";
  it.each([
    { date: "2026-12-02", after: false },
    { date: "2026-12-03", after: false },
    { date: "2026-12-04", after: true },
    { date: "2027-01-01", after: true },
  ])("$date is after $today: $after", ({ date, after }) => {
    expect(isAfterToday(date, today)).toBe(after);
  });

  it.each([
    { date: "2026-12-03", expected: null },
    {
      date: "2026-12-25",
      expected:
        'triage_date "2026-12-25" is after today, 3 December 2026: the file records only what has happened',
    },
  ])("an imported event on $date (docs/indicators.md)", ({ date, expected }) => {
    expect(eventDateProblem("triage_date", date, today)).toBe(expected);
  });

  it.each([
    { periodEnd: "2026-09-30", expected: null },
    { periodEnd: "2026-12-03", expected: null },
    { periodEnd: "2026-12-31", expected: "Period end must be today or in the past" },
    { periodEnd: "2026-02-30", expected: null },
  ])("an indicator period ending $periodEnd (§3.3 h)", ({ periodEnd, expected }) => {
    expect(periodEndProblem(periodEnd, today, "Period end")).toBe(expected);
  });

  it("writes a date in words", () => {
    expect(dateInWords("2006-01-31")).toBe("31 January 2006");
  });
});
