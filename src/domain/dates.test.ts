import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonthsClamped,
  addWorkingDays,
  isIsoDate,
  isRealDate,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  dateInLondon,
} from "./dates.js";

describe("isIsoDate", () => {
  it.each([
    ["2025-02-28", true],
    ["2024-02-29", true],
    ["2025-02-29", false],
    ["2025-02-30", false],
    ["2025-13-01", false],
    ["2025-1-01", false],
    ["01/02/2025", false],
  ])("%s → %s", (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });
});

describe("addMonthsClamped (docs/indicators.md: 6 months after d)", () => {
  it.each([
    ["2025-08-31", 6, "2026-02-28"],
    ["2023-08-31", 6, "2024-02-29"],
    ["2025-01-15", 6, "2025-07-15"],
    ["2025-03-31", 1, "2025-04-30"],
    ["2025-12-31", 2, "2026-02-28"],
    ["2025-04-01", -12, "2024-04-01"],
  ])("%s + %i months = %s", (date, months, expected) => {
    expect(addMonthsClamped(date, months)).toBe(expected);
  });
});

describe("working days (England and Wales bank holidays from date-holidays)", () => {
  it.each([
    ["2026-11-25", true, "a Wednesday"],
    ["2026-11-28", false, "a Saturday"],
    ["2010-04-02", false, "Good Friday 2010"],
    ["2010-04-05", false, "Easter Monday 2010"],
    ["2026-12-25", false, "Christmas Day"],
    ["2026-12-28", false, "Boxing Day substitute 2026"],
    ["2022-09-19", false, "one-off: the Queen's funeral"],
    ["2023-05-08", false, "one-off: the coronation"],
    ["2012-06-05", false, "one-off: the diamond jubilee"],
    ["2012-06-04", false, "spring bank holiday moved for the 2012 jubilee"],
    ["2012-05-28", true, "the usual spring date, moved in 2012"],
    ["2020-05-08", false, "VE day moved 2020"],
    ["2020-05-04", true, "the usual early May date, moved in 2020"],
  ])("%s is a working day: %s (%s)", (date, expected) => {
    expect(isWorkingDay(date)).toBe(expected);
  });

  it("counts St Andrew's Day only where every part of the UK counts", () => {
    expect(isWorkingDay("2026-11-30")).toBe(true);
    expect(isWorkingDay("2026-11-30", "any-part-of-uk")).toBe(false);
  });

  it.each([
    ["2026-11-25", 1, "2026-11-26"],
    ["2026-11-27", 1, "2026-11-30"],
    ["2026-12-23", 3, "2026-12-30"],
    ["2010-03-31", 2, "2010-04-06"],
    ["2026-01-02", 10, "2026-01-16"],
  ])("%s + %i working days = %s", (date, n, expected) => {
    expect(addWorkingDays(date, n)).toBe(expected);
  });

  it.each([
    ["2010-04-02", "2010-04-06"],
    ["2026-11-25", "2026-11-25"],
    ["2026-12-25", "2026-12-29"],
  ])("next working day on or after %s is %s", (date, expected) => {
    expect(nextWorkingDayOnOrAfter(date)).toBe(expected);
  });

  it("refuses a date that is not YYYY-MM-DD", () => {
    expect(() => addDays("2025-02-30", 1)).toThrow("not a date");
  });
});

describe("today in London, from the instant", () => {
  it.each([
    ["2026-03-28T23:30:00Z", "2026-03-28"], // winter: London is on UTC
    ["2026-06-30T23:30:00Z", "2026-07-01"], // summer: 00:30 the next day in London
    ["2026-10-24T22:59:59Z", "2026-10-24"], // the last second before midnight in summer time
    ["2026-10-24T23:00:00Z", "2026-10-25"], // midnight in London, the night the clocks go back
    ["2026-12-31T23:59:59Z", "2026-12-31"],
  ])("%s is %s", (instant, day) => {
    expect(dateInLondon(new Date(instant))).toBe(day);
  });
});

describe("isRealDate", () => {
  it("answers as isIsoDate does, on dates near the edges and on any text", () => {
    const digits = (n: number) => fc.nat(10 ** n - 1).map((v) => String(v).padStart(n, "0"));
    const dateLike = fc.tuple(digits(4), digits(2), digits(2)).map(([y, m, d]) => `${y}-${m}-${d}`);
    const edges = fc
      .tuple(
        fc.constantFrom("0000", "0099", "0100", "1900", "2000", "2023", "2024", "2100", "9999"),
        fc.constantFrom("00", "01", "02", "04", "12", "13"),
        fc.constantFrom("00", "01", "28", "29", "30", "31", "32"),
      )
      .map(([y, m, d]) => `${y}-${m}-${d}`);
    fc.assert(
      fc.property(
        fc.oneof(edges, dateLike, fc.string(), fc.string({ minLength: 10, maxLength: 10 })),
        (text) => {
          expect(isRealDate(text)).toBe(isIsoDate(text));
        },
      ),
      { numRuns: 5_000 },
    );
    expect(
      ["2024-02-29", "2023-02-29", "2100-02-29", "2000-02-29", "2025-04-31", "0050-01-01"].map(isRealDate),
    ).toEqual([true, false, false, true, false, false]);
  });
});
