import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { episode, stay } from "../../../test/generators/indicators.js";
import {
  ageInWholeYears,
  contactDeadline,
  episodeInPeriod,
  exitInPeriod,
  financialYearStart,
  firstEpisode,
  firstSixMonths,
  followUpComplete,
  followedByRepresentation,
  formatPercentage,
  isAdult,
  isNewPresentation,
  isSuccessfulExit,
  isYoungPerson,
  percentage,
  percentageTenths,
  quarterEnding,
  sixMonthsAfter,
  stayEndedIn,
  stayInPeriod,
  substanceGroup,
  suppressAgainstDifferencing,
  suppressForPublic,
  twelveMonthsEnding,
  visitDeadline,
  type DischargeReason,
  type IndicatorFigures,
  type IsoDate,
  type Substance,
  type TreatmentEpisode,
} from "./terms.js";

describe("adult and young person (docs/indicators.md: aged 18 or over at the episode's triage date)", () => {
  it.each([
    ["2007-03-15", "2025-03-14", 17, false],
    ["2007-03-15", "2025-03-15", 18, true],
    ["2007-03-15", "2025-03-16", 18, true],
    ["2008-02-29", "2026-02-28", 17, false],
    ["2008-02-29", "2026-03-01", 18, true],
    ["1990-12-31", "2025-01-01", 34, true],
  ])("born %s, triaged %s: %i whole years, adult %s", (dob, triage, age, adult) => {
    expect(ageInWholeYears(dob, triage)).toBe(age);
    expect(isAdult({ ageAtTriage: age })).toBe(adult);
    expect(isYoungPerson({ ageAtTriage: age })).toBe(!adult);
  });

  it.each([
    [17, false],
    [18, true],
    [0, false],
    [99, true],
  ])("stored age %i at triage → adult %s", (age, adult) => {
    expect(isAdult({ ageAtTriage: age })).toBe(adult);
  });
});

describe("periods", () => {
  it.each([
    ["2025-03-31", "2024-04-01"],
    ["2025-12-31", "2025-01-01"],
    ["2025-06-30", "2024-07-01"],
    ["2024-02-29", "2023-03-01"],
    // "S = E − 12 months + 1 day", literally: 28 Feb 2025 − 12 months = 28 Feb 2024, + 1 day.
    ["2025-02-28", "2024-02-29"],
    ["2025-08-30", "2024-08-31"],
  ])("12 months ending %s start on %s", (end, start) => {
    expect(twelveMonthsEnding(end)).toEqual({ start, end });
  });

  it.each([
    ["2025-03-31", "2025-01-01"],
    ["2025-06-30", "2025-04-01"],
    ["2025-09-30", "2025-07-01"],
    ["2025-12-31", "2025-10-01"],
    ["2025-05-15", "2025-02-16"],
  ])("the quarter ending %s starts on %s", (end, start) => {
    expect(quarterEnding(end)).toEqual({ start, end });
  });

  it.each([
    ["2025-03-31", "2024-04-01"],
    ["2025-04-01", "2025-04-01"],
    ["2025-12-31", "2025-04-01"],
    ["2026-01-01", "2025-04-01"],
  ])("the financial year containing %s starts on %s", (end, start) => {
    expect(financialYearStart(end)).toBe(start);
  });

  it.each([
    ["2025-08-31", "2026-02-28"],
    ["2023-08-31", "2024-02-29"],
    ["2024-02-29", "2024-08-29"],
    ["2024-06-20", "2024-12-20"],
  ])("6 months after %s is %s", (d, after) => {
    expect(sixMonthsAfter(d)).toBe(after);
  });

  it("SM10's first six months of the 12 ending 30 August 2025 run from 31 August to 27 February", () => {
    expect(firstSixMonths(twelveMonthsEnding("2025-08-30"))).toEqual({
      start: "2024-08-31",
      end: "2025-02-27",
    });
  });
});

const P = twelveMonthsEnding("2025-03-31"); // [2024-04-01, 2025-03-31]

describe("episode in the period (triage_date ≤ E and (discharge_date empty or ≥ S))", () => {
  it.each<[string, IsoDate, IsoDate | null, boolean]>([
    ["open, started before S", "2020-01-01", null, true],
    ["started on E", "2025-03-31", null, true],
    ["started the day after E", "2025-04-01", null, false],
    ["discharged on S", "2023-01-01", "2024-04-01", true],
    ["discharged the day before S", "2023-01-01", "2024-03-31", false],
    ["discharged after E", "2024-05-01", "2025-06-01", true],
  ])("%s", (_, triageDate, dischargeDate, expected) => {
    const e = episode({
      episodeId: "e",
      clientHash: "c",
      triageDate,
      dischargeDate,
      dischargeReason: dischargeDate ? "dropped-out" : null,
    });
    expect(episodeInPeriod(e, P)).toBe(expected);
  });
});

describe("substance group hierarchy", () => {
  const eps = (...lists: Substance[][]) =>
    lists.map((substances, i) =>
      episode({ episodeId: `e${i}`, clientHash: "c", triageDate: "2024-06-01", substances }),
    );
  it.each<[Substance[][], string | null]>([
    [[["opiate"]], "opiate"],
    [[["opiate", "alcohol"]], "opiate"],
    [[["crack", "alcohol"]], "non-opiate-and-alcohol"],
    [[["cannabis"]], "non-opiate-only"],
    [[["novel-psychoactive"]], "non-opiate-only"],
    [[["other-drug", "alcohol"]], "non-opiate-and-alcohol"],
    [[["alcohol"]], "alcohol-only"],
    // The union over the client's episodes decides.
    [[["alcohol"], ["cannabis"]], "non-opiate-and-alcohol"],
    [[["alcohol"], ["opiate"]], "opiate"],
    [[["cocaine"], ["benzodiazepine"]], "non-opiate-only"],
    [[["alcohol"], ["alcohol"]], "alcohol-only"],
    [[], null],
  ])("%j → %s", (lists, expected) => {
    expect(substanceGroup(eps(...lists))).toBe(expected);
  });
});

function discharged(
  id: string,
  triageDate: IsoDate,
  dischargeDate: IsoDate | null,
  reason: DischargeReason | null,
  more: Partial<TreatmentEpisode> = {},
): TreatmentEpisode {
  return episode({
    episodeId: id,
    clientHash: "c",
    triageDate,
    dischargeDate,
    dischargeReason: reason,
    ...more,
  });
}

describe("exit in the period: latest discharge_date in [S, E], ties by the order of the reasons", () => {
  it.each<[string, TreatmentEpisode[], IsoDate | null, DischargeReason | null]>([
    ["no discharge", [discharged("a", "2024-05-01", null, null)], null, null],
    [
      "the latest of two",
      [
        discharged("a", "2024-05-01", "2024-06-01", "completed-drug-free"),
        discharged("b", "2024-05-01", "2024-09-01", "dropped-out"),
      ],
      "2024-09-01",
      "dropped-out",
    ],
    [
      "a discharge after E does not count",
      [
        discharged("a", "2024-05-01", "2024-06-01", "dropped-out"),
        discharged("b", "2024-05-01", "2025-04-01", "completed-drug-free"),
      ],
      "2024-06-01",
      "dropped-out",
    ],
    [
      "a discharge before S does not count",
      [discharged("a", "2024-01-01", "2024-03-31", "completed-drug-free")],
      null,
      null,
    ],
    [
      "same day: completed-drug-free before dropped-out",
      [
        discharged("a", "2024-05-01", "2024-10-10", "dropped-out"),
        discharged("b", "2024-05-01", "2024-10-10", "completed-drug-free"),
      ],
      "2024-10-10",
      "completed-drug-free",
    ],
    [
      "same day: transferred-in-custody before died",
      [
        discharged("a", "2024-05-01", "2024-10-10", "died"),
        discharged("b", "2024-05-01", "2024-10-10", "transferred-in-custody"),
      ],
      "2024-10-10",
      "transferred-in-custody",
    ],
    [
      "same day: completed-occasional-user before transferred-not-in-custody",
      [
        discharged("a", "2024-05-01", "2024-10-10", "transferred-not-in-custody"),
        discharged("b", "2024-05-01", "2024-10-10", "completed-occasional-user"),
      ],
      "2024-10-10",
      "completed-occasional-user",
    ],
  ])("%s", (_, episodes, date, reason) => {
    const exit = exitInPeriod(episodes, P);
    expect(exit?.date ?? null).toBe(date);
    expect(exit?.reason ?? null).toBe(reason);
  });
});

describe("successful exit: a successful reason and no other episode open on that date", () => {
  const exitEpisode = discharged("x", "2024-05-01", "2025-01-10", "completed-drug-free");
  it.each<[string, TreatmentEpisode[], boolean]>([
    ["alone", [], true],
    ["another episode started the same day, open", [discharged("o", "2025-01-10", null, null)], false],
    ["another episode started the next day", [discharged("o", "2025-01-11", null, null)], true],
    [
      "another episode discharged the same day",
      [discharged("o", "2024-06-01", "2025-01-10", "dropped-out")],
      true,
    ],
    [
      "another episode discharged the next day",
      [discharged("o", "2024-06-01", "2025-01-11", "dropped-out")],
      false,
    ],
    [
      "another episode open at another provider",
      [discharged("o", "2024-06-01", null, null, { providerCode: "P2" })],
      false,
    ],
    [
      "another episode, a young person's, open",
      [discharged("o", "2024-06-01", null, null, { ageAtTriage: 17 })],
      false,
    ],
    [
      "another episode ended before",
      [discharged("o", "2024-01-01", "2024-12-31", "completed-drug-free")],
      true,
    ],
  ])("%s → %s", (_, others, expected) => {
    const all = [exitEpisode, ...others];
    const exit = exitInPeriod([exitEpisode], P);
    expect(exit).not.toBeNull();
    if (exit) expect(isSuccessfulExit(exit, all)).toBe(expected);
  });

  it.each<[DischargeReason, boolean]>([
    ["completed-drug-free", true],
    ["completed-alcohol-free", true],
    ["completed-occasional-user", true],
    ["transferred-not-in-custody", false],
    ["transferred-to-adult-services", false],
    ["dropped-out", false],
    ["died", false],
  ])("reason %s → successful %s", (reason, expected) => {
    const e = discharged("x", "2024-05-01", "2025-01-10", reason);
    const exit = exitInPeriod([e], P);
    if (!exit) throw new Error("no exit");
    expect(isSuccessfulExit(exit, [e])).toBe(expected);
  });
});

describe("followed by re-presentation: an episode with d < triage_date ≤ d + 6 months", () => {
  it.each<[string, IsoDate, IsoDate, boolean]>([
    ["on exactly d + 6 months", "2024-06-20", "2024-12-20", true],
    ["one day after d + 6 months", "2024-06-20", "2024-12-21", false],
    ["the day after d", "2024-06-20", "2024-06-21", true],
    ["on d itself (that episode is open, not a re-presentation)", "2024-06-20", "2024-06-20", false],
    ["31 August + 6 months = 28 February", "2025-08-31", "2026-02-28", true],
    ["31 August + 6 months + 1 day = 1 March", "2025-08-31", "2026-03-01", false],
    ["31 August 2023 + 6 months = 29 February 2024", "2023-08-31", "2024-02-29", true],
    ["… and 1 March 2024 is after", "2023-08-31", "2024-03-01", false],
  ])("%s", (_, d, triage, expected) => {
    expect(followedByRepresentation(d, [discharged("n", triage, null, null)])).toBe(expected);
  });
});

describe("new presentation: no other episode with an earlier triage_date and discharge empty or ≥ triage − 12 months", () => {
  const newEpisode = discharged("new", "2025-06-15", null, null);
  it.each<[string, TreatmentEpisode[], boolean]>([
    ["no other episode", [], true],
    [
      "an earlier episode discharged exactly 12 months before",
      [discharged("o", "2024-01-01", "2024-06-15", "dropped-out")],
      false,
    ],
    [
      "an earlier episode discharged 12 months and a day before",
      [discharged("o", "2024-01-01", "2024-06-14", "dropped-out")],
      true,
    ],
    ["an earlier episode still open", [discharged("o", "2020-01-01", null, null)], false],
    [
      "an earlier episode at another provider",
      [discharged("o", "2024-01-01", "2024-09-01", "dropped-out", { providerCode: "P9" })],
      false,
    ],
    [
      "an earlier young person's episode",
      [discharged("o", "2024-01-01", "2024-09-01", "dropped-out", { ageAtTriage: 16 })],
      false,
    ],
    [
      "another episode triaged the same day (not before it)",
      [discharged("o", "2025-06-15", null, null)],
      true,
    ],
    ["a later episode only", [discharged("o", "2025-07-01", null, null)], true],
  ])("%s → %s", (_, others, expected) => {
    expect(isNewPresentation(newEpisode, [newEpisode, ...others])).toBe(expected);
  });

  it.each([
    ["2025-02-28", "2024-02-28", false],
    ["2025-02-28", "2024-02-27", true],
    ["2024-02-29", "2023-02-28", false],
    ["2024-02-29", "2023-02-27", true],
  ])("triaged %s, an earlier episode discharged %s → new %s", (triage, discharge, expected) => {
    const e = discharged("new", triage, null, null);
    expect(isNewPresentation(e, [e, discharged("o", "2022-01-01", discharge, "dropped-out")])).toBe(expected);
  });
});

describe("first episode: earliest triage_date, then episode_id", () => {
  it("takes the earliest date, then the lowest id", () => {
    const a = discharged("b-2", "2025-05-01", null, null);
    const b = discharged("a-9", "2025-05-01", null, null);
    const c = discharged("a-1", "2025-05-02", null, null);
    expect(firstEpisode([a, b, c])?.episodeId).toBe("a-9");
    expect(firstEpisode([c])?.episodeId).toBe("a-1");
    expect(firstEpisode([])).toBeNull();
  });
});

describe("complete once the latest triage_date is at least E + 6 months", () => {
  it.each<[IsoDate | null, boolean]>([
    [null, false],
    ["2025-09-29", false],
    ["2025-09-30", true],
    ["2026-01-01", true],
  ])("latest triage %s → complete %s for E = 31 March 2025", (latest, expected) => {
    expect(followUpComplete(latest, "2025-03-31")).toBe(expected);
  });
});

describe("stays", () => {
  const Q = quarterEnding("2025-06-30");
  it.each<[IsoDate, IsoDate | null, boolean, boolean]>([
    ["2025-01-01", null, true, false],
    ["2025-06-30", null, true, false],
    ["2025-07-01", null, false, false],
    ["2025-01-01", "2025-03-31", false, false],
    ["2025-01-01", "2025-04-01", true, true],
    ["2025-04-01", "2025-06-30", true, true],
    ["2025-04-01", "2025-07-01", true, false],
  ])("started %s, ended %s: in the quarter %s, ended in it %s", (startDate, endDate, inIt, endedIn) => {
    const s = stay({ stayId: "s", startDate, endDate, departure: endDate ? "planned" : null });
    expect(stayInPeriod(s, Q)).toBe(inIt);
    expect(stayEndedIn(s, Q)).toBe(endedIn);
  });
});

describe("HIA deadlines", () => {
  it.each([
    ["2025-12-29", "2025-12-31"],
    ["2025-12-30", "2026-01-01"],
  ])("contact deadline for a referral on %s is %s (calendar days)", (referral, deadline) => {
    expect(contactDeadline(referral)).toBe(deadline);
  });

  it.each([
    ["2025-06-02", "2025-06-16", "a plain fortnight"],
    ["2025-12-12", "2025-12-30", "over Christmas Day and Boxing Day"],
    ["2025-12-16", "2026-01-02", "over Christmas and New Year's Day"],
    ["2025-04-17", "2025-05-06", "over Good Friday, Easter Monday and the early May bank holiday"],
    ["2026-05-22", "2026-06-08", "over the spring bank holiday"],
    ["2025-12-29", "2026-01-13", "from the Monday after Christmas"],
  ])("the 10th working day after %s is %s (%s)", (referral, deadline) => {
    expect(visitDeadline(referral)).toBe(deadline);
  });
});

describe("percentages rounded half-up to 1 decimal place, exactly", () => {
  it.each<[number, number, number | null]>([
    [2, 3, 66.7],
    [1, 3, 33.3],
    [1, 6, 16.7],
    [1, 8, 12.5],
    [1, 16, 6.3],
    [5, 16, 31.3],
    [7, 16, 43.8],
    [1, 80, 1.3],
    [1, 400, 0.3],
    [1, 2000, 0.1],
    [1, 2001, 0],
    [3, 7, 42.9],
    [0, 5, 0],
    [5, 5, 100],
    [333_333, 1_000_000, 33.3],
    [666_665, 1_000_000, 66.7],
    [0, 0, null],
    [3, 0, null],
  ])("%i / %i → %s", (n, d, expected) => {
    expect(percentage(n, d)).toBe(expected);
  });

  it("shows one decimal place", () => {
    expect(formatPercentage(100)).toBe("100.0");
    expect(formatPercentage(0)).toBe("0.0");
    expect(formatPercentage(66.7)).toBe("66.7");
  });

  it("refuses what is not a count", () => {
    expect(() => percentage(-1, 3)).toThrow(RangeError);
    expect(() => percentage(1.5, 3)).toThrow(RangeError);
  });

  it("is the nearest tenth, halves rounded up (property)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10_000_000 })
          .chain((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.constant(d))),
        ([n, d]) => {
          const t = percentageTenths(n, d);
          if (t === null) return false;
          // t − 1/2 ≤ 1000·n/d < t + 1/2, in integers: (2t − 1)·d ≤ 2000·n < (2t + 1)·d.
          const N = 2000n * BigInt(n);
          const D = BigInt(d);
          return (2n * BigInt(t) - 1n) * D <= N && N < (2n * BigInt(t) + 1n) * D;
        },
      ),
    );
  });
});

describe("public suppression of counts from 1 to 4 and percentages built on one", () => {
  it.each([
    [
      { numerator: 0, denominator: null, value: 0 },
      { numerator: 0, denominator: null, value: 0 },
    ],
    [
      { numerator: 1, denominator: null, value: 1 },
      { numerator: "*", denominator: null, value: "*" },
    ],
    [
      { numerator: 4, denominator: null, value: 4 },
      { numerator: "*", denominator: null, value: "*" },
    ],
    [
      { numerator: 5, denominator: null, value: 5 },
      { numerator: 5, denominator: null, value: 5 },
    ],
    [
      { numerator: 3, denominator: 10, value: 30 },
      { numerator: "*", denominator: 10, value: "*" },
    ],
    [
      { numerator: 0, denominator: 4, value: 0 },
      { numerator: 0, denominator: "*", value: "*" },
    ],
    [
      { numerator: 5, denominator: 10, value: 50 },
      { numerator: 5, denominator: 10, value: 50 },
    ],
    [
      { numerator: 0, denominator: 10, value: 0 },
      { numerator: 0, denominator: 10, value: 0 },
    ],
    [
      { numerator: 0, denominator: 0, value: null },
      { numerator: 0, denominator: 0, value: null },
    ],
  ])("%j → %j", (figures, shown) => {
    expect(suppressForPublic(figures)).toEqual(shown);
  });
});

describe("secondary suppression (docs/indicators.md: public outputs suppress counts of 1 to 4, not only as shown but as worked out)", () => {
  const count = (n: number): IndicatorFigures => ({ numerator: n, denominator: null, value: n });
  const pct = (n: number, d: number): IndicatorFigures => ({
    numerator: n,
    denominator: d,
    value: d === 0 ? null : Math.round((n / d) * 1000) / 10,
  });

  it.each([
    ["others have 0: shown (0 is shown)", count(12), [count(12)], count(12)],
    ["others have 1", count(13), [count(12)], { numerator: "*", denominator: null, value: "*" }],
    ["others have 4", count(16), [count(12)], { numerator: "*", denominator: null, value: "*" }],
    ["others have 5: shown", count(17), [count(12)], count(17)],
    [
      "the total itself 1–4 (primary)",
      count(3),
      [count(0)],
      { numerator: "*", denominator: null, value: "*" },
    ],
    ["no own figures: primary only", count(7), [], count(7)],
    [
      "two own codes, each far off, together 3 short",
      count(23),
      [count(10), count(10)],
      { numerator: "*", denominator: null, value: "*" },
    ],
    [
      "two own codes: one of them 2 short",
      count(30),
      [count(28), count(0)],
      { numerator: "*", denominator: null, value: "*" },
    ],
  ] as const)("a count: %s", (_what, total, own, shown) => {
    expect(suppressAgainstDifferencing(total, own)).toEqual(shown);
  });

  it.each([
    [
      "both differences 5 or more: shown",
      pct(20, 40),
      [pct(10, 20)],
      { numerator: 20, denominator: 40, value: 50 },
    ],
    [
      "numerator 2 off: it and the value hidden",
      pct(12, 40),
      [pct(10, 20)],
      { numerator: "*", denominator: 40, value: "*" },
    ],
    [
      "denominator 3 off: it and the value hidden",
      pct(15, 23),
      [pct(5, 20)],
      { numerator: 15, denominator: "*", value: "*" },
    ],
    ["both off", pct(11, 21), [pct(10, 20)], { numerator: "*", denominator: "*", value: "*" }],
    [
      "numerator the same (others 0): shown",
      pct(10, 40),
      [pct(10, 20)],
      { numerator: 10, denominator: 40, value: 25 },
    ],
    [
      "zero denominator stays no value",
      pct(0, 0),
      [pct(0, 0)],
      { numerator: 0, denominator: 0, value: null },
    ],
    [
      "denominator 1 off with no value",
      { numerator: 0, denominator: 1, value: 0 },
      [pct(0, 0)],
      { numerator: 0, denominator: "*", value: "*" },
    ],
  ] as const)("a percentage: %s", (_what, total, own, shown) => {
    expect(suppressAgainstDifferencing(total, own)).toEqual(shown);
  });
});
