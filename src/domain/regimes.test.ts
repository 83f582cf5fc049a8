import { addDays, dateInLondon } from "./dates.js";
import { describe, expect, it } from "vitest";
import {
  appliesOn,
  contractsFinderOn,
  getRegime,
  REGIME_CODES,
  REGIMES,
  regimeInForceOn,
  thresholdOn,
  type Sourced,
} from "./regimes.js";

describe("the regime in force on a date (docs/rules.md, regimes: applies to procurements started)", () => {
  it.each([
    ["2006-01-30", null],
    ["2006-01-31", "PCR2006"],
    ["2013-03-23", "PCR2006"],
    ["2015-02-25", "PCR2006"],
    ["2015-02-26", "PCR2015"],
    ["2024-01-01", "PCR2015"], // the Provider Selection Regime starts, but is never the default
    ["2025-02-23", "PCR2015"],
    ["2025-02-24", "PA2023"],
    ["2030-01-01", "PA2023"],
  ])("%s → %s", (date, expected) => {
    expect(regimeInForceOn(date)).toBe(expected);
  });

  it("holds the Provider Selection Regime, chosen only when asked for", () => {
    expect(appliesOn("PSR", "2023-12-31")).toBe(false);
    expect(appliesOn("PSR", "2024-01-01")).toBe(true);
    expect(getRegime("PSR").chosenOnly).toBe(true);
  });
});

describe("thresholds by date, in pence (docs/rules.md, threshold for these services)", () => {
  // Every year boundary of docs/rules.md: the last day of one figure and the first of the next.
  it.each([
    ["PCR2006", "2006-01-30", null], // before PCR 2006
    ["PCR2006", "2006-01-31", 14_437_100], // £144,371 from 31 Jan 2006 (check)
    ["PCR2006", "2007-12-31", 14_437_100],
    ["PCR2006", "2008-01-01", 13_989_300], // £139,893 from 1 Jan 2008 (check)
    ["PCR2006", "2009-12-31", 13_989_300],
    ["PCR2006", "2010-01-01", 15_644_200], // £156,442 from 1 Jan 2010
    ["PCR2006", "2011-12-31", 15_644_200],
    ["PCR2006", "2012-01-01", 17_393_400], // £173,934; the framework quotes £173,935
    ["PCR2006", "2013-12-31", 17_393_400],
    ["PCR2006", "2014-01-01", 17_251_400], // £172,514 from 1 Jan 2014
    ["PCR2006", "2015-02-25", 17_251_400], // the last day of PCR 2006
    ["PCR2006", "2015-02-26", null], // PCR 2006 no longer in force
    ["PCR2015", "2015-02-25", null], // before PCR 2015
    ["PCR2015", "2015-02-26", 62_505_000], // light touch £625,050 from 26 Feb 2015
    ["PCR2015", "2015-12-31", 62_505_000],
    ["PCR2015", "2016-01-01", 58_914_800], // £589,148 from 1 Jan 2016
    ["PCR2015", "2017-12-31", 58_914_800],
    ["PCR2015", "2018-01-01", 61_527_800], // £615,278 from 1 Jan 2018
    ["PCR2015", "2019-12-31", 61_527_800],
    ["PCR2015", "2020-01-01", 66_354_000], // £663,540 from 1 Jan 2020 (net)
    ["PCR2015", "2021-12-31", 66_354_000],
    ["PCR2015", "2022-01-01", 66_354_000], // £663,540 incl. VAT from 1 Jan 2022
    ["PCR2015", "2025-02-23", 66_354_000], // the last day of PCR 2015
    ["PCR2015", "2025-02-24", null], // PCR 2015 no longer in force
    ["PA2023", "2025-02-24", 66_354_000], // light touch £663,540 incl. VAT
    ["PA2023", "2027-06-01", 66_354_000],
    ["PSR", "2025-06-01", null], // none
  ] as const)("%s on %s → %s", (regime, date, pence) => {
    expect(thresholdOn(regime, date)?.valuePence ?? null).toBe(pence);
  });

  it.each([
    ["PCR2015", "2021-12-31", "net"],
    ["PCR2015", "2022-01-01", "incl-vat"],
    ["PCR2006", "2015-02-25", "net"],
  ] as const)("%s on %s is %s", (regime, date, vat) => {
    expect(thresholdOn(regime, date)?.vat).toBe(vat);
  });

  it("holds a threshold for these services on every day each regime is in force, from its first day to 2030", () => {
    for (const regime of REGIMES.filter((r) => !r.chosenOnly)) {
      let day = regime.appliesFrom;
      const last = regime.appliesTo ?? "2030-12-31";
      while (day <= last) {
        if (!thresholdOn(regime.code, day)) throw new Error(`${regime.code} has no threshold on ${day}`);
        day = addDays(day, 1);
      }
    }
  });

  it("holds the figures of each regime end to end: each starts the day after the one before ends", () => {
    for (const regime of REGIMES) {
      const figures = regime.thresholds.filter((t) => t.forTheseServices);
      for (const [i, t] of figures.entries()) {
        const next = figures[i + 1];
        if (next) expect([regime.code, t.to && addDays(t.to, 1)]).toEqual([regime.code, next.from]);
      }
    }
  });

  it.each([
    ["2025-02-24", 21_490_400],
    ["2025-12-31", 21_490_400],
    ["2026-01-01", 20_772_000],
  ])("PA 2023 goods and services for sub-central authorities on %s → %i", (date, pence) => {
    expect(thresholdOn("PA2023", date, "goods-and-services")?.valuePence).toBe(pence);
  });

  it("notes the framework's £173,935 beside the regulations' £173,934", () => {
    const t = thresholdOn("PCR2006", "2013-01-01");
    expect(t?.rulesText).toContain("£173,935");
    expect(t?.note).toContain("£173,935");
    expect(t?.vat).toBe("net");
  });

  it.each([
    ["2015-02-26", 2_500_000, "net"],
    ["2021-12-31", 2_500_000, "net"],
    ["2022-01-01", 3_000_000, "incl-vat"],
  ])("Contracts Finder figure on %s is %i pence (%s)", (date, pence, vat) => {
    expect(contractsFinderOn(date)).toMatchObject({ valuePence: pence, vat });
  });
});

describe("every value carries its source", () => {
  const sourced: [string, Sourced][] = REGIMES.flatMap((r) => [
    [`${r.code} applies`, r.applies],
    [`${r.code} services`, r.services],
    ...r.thresholds.map((t): [string, Sourced] => [`${r.code} threshold from ${t.from}`, t]),
    [`${r.code} standstill`, r.standstill],
    [`${r.code} working day`, r.workingDay],
    ...[...r.awardPublication, ...r.otherDuties].map((d): [string, Sourced] => [`${r.code} ${d.code}`, d]),
  ]);

  it.each(sourced)("%s has docs/rules.md text and a source", (_name, value) => {
    expect(value.rulesText.length).toBeGreaterThan(0);
    expect(value.source.length).toBeGreaterThan(0);
  });

  it.each(sourced.filter(([, v]) => v.rulesText.includes("check")))(
    "%s is marked (check) in docs/rules.md and flagged as such",
    (_name, value) => {
      expect(value.check).toBeTruthy();
    },
  );

  it("holds the four regimes with the standstill and working day each uses", () => {
    expect(REGIME_CODES).toEqual(["PCR2006", "PCR2015", "PA2023", "PSR"]);
    expect(REGIMES.map((r) => [r.code, r.standstill.dayKind, r.standstill.days, r.workingDay.area])).toEqual([
      ["PCR2006", "calendar", 10, "england-and-wales"],
      ["PCR2015", "calendar", 10, "england-and-wales"],
      ["PA2023", "working", 8, "any-part-of-uk"],
      ["PSR", "working", 8, "england-and-wales"],
    ]);
  });

  it("keeps money in whole pence", () => {
    for (const t of REGIMES.flatMap((r) => r.thresholds))
      expect(Number.isSafeInteger(t.valuePence)).toBe(true);
  });
});

describe("dateInLondon", () => {
  it.each([
    ["2025-06-30T23:30:00Z", "2025-07-01"], // British Summer Time: already 1 July in London
    ["2025-12-31T23:30:00Z", "2025-12-31"], // GMT
  ])("%s → %s", (instant, date) => {
    expect(dateInLondon(new Date(instant))).toBe(date);
  });
});
