import { describe, expect, it } from "vitest";
import type { RegimeCode } from "./regimes.js";
import { longDate, standstill } from "./standstill.js";

interface Case {
  name: string;
  regime: RegimeCode;
  notifiedOn: string;
  electronic?: boolean;
  startsOn: string;
  endsOn: string;
  earliestContractOn: string;
  /** Bank holidays the explanation must name as passed over or not counted. */
  names: string[];
}

const cases: Case[] = [
  {
    name: "docs/rules.md worked example: emailed Tuesday 23 March 2010, day 10 is Good Friday",
    regime: "PCR2006",
    notifiedOn: "2010-03-23",
    startsOn: "2010-03-23",
    endsOn: "2010-04-06",
    earliestContractOn: "2010-04-07",
    names: ["Good Friday", "Easter Monday"],
  },
  {
    name: "the same letters sent by post: 15 days, ending on a working day",
    regime: "PCR2006",
    notifiedOn: "2010-03-23",
    electronic: false,
    startsOn: "2010-03-23",
    endsOn: "2010-04-07",
    earliestContractOn: "2010-04-08",
    names: [],
  },
  // Easter
  {
    name: "PCR 2015 over Easter 2025: day 10 is Good Friday",
    regime: "PCR2015",
    notifiedOn: "2025-04-08",
    startsOn: "2025-04-08",
    endsOn: "2025-04-22",
    earliestContractOn: "2025-04-23",
    names: ["Good Friday", "Easter Monday"],
  },
  {
    name: "PA 2023 over Easter 2025: published Monday 14 April, which is day 1",
    regime: "PA2023",
    notifiedOn: "2025-04-14",
    startsOn: "2025-04-14",
    endsOn: "2025-04-25",
    earliestContractOn: "2025-04-26",
    names: ["Good Friday", "Easter Monday"],
  },
  {
    name: "PA 2023 published on Easter Saturday: day 1 is the Tuesday after Easter Monday",
    regime: "PA2023",
    notifiedOn: "2025-04-19",
    startsOn: "2025-04-19",
    endsOn: "2025-05-01",
    earliestContractOn: "2025-05-02",
    names: ["Easter Monday"],
  },
  {
    name: "PSR over Easter 2025: counting from the day after, Good Friday",
    regime: "PSR",
    notifiedOn: "2025-04-17",
    startsOn: "2025-04-18",
    endsOn: "2025-05-01",
    earliestContractOn: "2025-05-02",
    names: ["Good Friday", "Easter Monday"],
  },
  // Christmas
  {
    name: "PCR 2015 over Christmas 2025: day 10 is Christmas Day",
    regime: "PCR2015",
    notifiedOn: "2025-12-15",
    startsOn: "2025-12-15",
    endsOn: "2025-12-29",
    earliestContractOn: "2025-12-30",
    names: ["Christmas Day", "Boxing Day"],
  },
  {
    name: "PCR 2015: Christmas inside the period counts as a calendar day",
    regime: "PCR2015",
    notifiedOn: "2025-12-19",
    startsOn: "2025-12-19",
    endsOn: "2025-12-29",
    earliestContractOn: "2025-12-30",
    names: ["Christmas Day", "Boxing Day"],
  },
  {
    name: "PA 2023 published Christmas Eve 2024, over Christmas and New Year (2 January in Scotland)",
    regime: "PA2023",
    notifiedOn: "2024-12-24",
    startsOn: "2024-12-24",
    endsOn: "2025-01-08",
    earliestContractOn: "2025-01-09",
    names: ["Christmas Day", "Boxing Day", "New Year's Day", "January 2nd in Scotland"],
  },
  {
    name: "PSR over Christmas 2025 and New Year 2026 (England: 2 January is a working day)",
    regime: "PSR",
    notifiedOn: "2025-12-22",
    startsOn: "2025-12-23",
    endsOn: "2026-01-06",
    earliestContractOn: "2026-01-07",
    names: ["Christmas Day", "Boxing Day", "New Year's Day"],
  },
  // New Year
  {
    name: "PCR 2015 over New Year 2022: day 10 is Saturday 1 January, Monday 3 is the substitute day",
    regime: "PCR2015",
    notifiedOn: "2021-12-22",
    startsOn: "2021-12-22",
    endsOn: "2022-01-04",
    earliestContractOn: "2022-01-05",
    names: ["New Year's Day", "New Year's Day (substitute day)"],
  },
  {
    name: "PA 2023 over New Year 2026: any part of the UK, so 2 January (Scotland) is not counted",
    regime: "PA2023",
    notifiedOn: "2025-12-29",
    startsOn: "2025-12-29",
    endsOn: "2026-01-09",
    earliestContractOn: "2026-01-10",
    names: ["New Year's Day", "January 2nd in Scotland"],
  },
  // One-off bank holidays
  {
    name: "2012: day 10 is the Queen's Diamond Jubilee, Tuesday 5 June",
    regime: "PCR2006",
    notifiedOn: "2012-05-26",
    startsOn: "2012-05-26",
    endsOn: "2012-06-06",
    earliestContractOn: "2012-06-07",
    names: ["Queen’s Diamond Jubilee"],
  },
  {
    name: "2020: day 10 is the early May bank holiday moved to VE day, Friday 8 May",
    regime: "PCR2015",
    notifiedOn: "2020-04-28",
    startsOn: "2020-04-28",
    endsOn: "2020-05-11",
    earliestContractOn: "2020-05-12",
    names: ["Early May bank holiday (VE day)"],
  },
  {
    name: "2020: Monday 4 May was a working day that year, so the standstill does not move",
    regime: "PCR2015",
    notifiedOn: "2020-04-24",
    startsOn: "2020-04-24",
    endsOn: "2020-05-04",
    earliestContractOn: "2020-05-05",
    names: [],
  },
  {
    name: "2022: day 10 is the Queen's funeral, Monday 19 September",
    regime: "PCR2015",
    notifiedOn: "2022-09-09",
    startsOn: "2022-09-09",
    endsOn: "2022-09-20",
    earliestContractOn: "2022-09-21",
    names: ["Queen Elizabeth's Funeral Day"],
  },
  {
    name: "2022: day 10 is the moved spring bank holiday, then the Platinum Jubilee",
    regime: "PCR2015",
    notifiedOn: "2022-05-23",
    startsOn: "2022-05-23",
    endsOn: "2022-06-06",
    earliestContractOn: "2022-06-07",
    names: ["Spring bank holiday", "Queen’s Platinum Jubilee"],
  },
  {
    name: "2023: day 10 is the coronation, Monday 8 May",
    regime: "PCR2015",
    notifiedOn: "2023-04-28",
    startsOn: "2023-04-28",
    endsOn: "2023-05-09",
    earliestContractOn: "2023-05-10",
    names: ["King Charles III's Coronation"],
  },
  {
    name: "2023: 8 working days over the coronation, beginning with the day of publication",
    regime: "PA2023",
    notifiedOn: "2023-05-02",
    startsOn: "2023-05-02",
    endsOn: "2023-05-12",
    earliestContractOn: "2023-05-13",
    names: ["King Charles III's Coronation"],
  },
  {
    name: "2023: PSR over the coronation, from the day after",
    regime: "PSR",
    notifiedOn: "2023-05-02",
    startsOn: "2023-05-03",
    endsOn: "2023-05-15",
    earliestContractOn: "2023-05-16",
    names: ["King Charles III's Coronation"],
  },
];

describe("standstill periods (docs/rules.md, regimes; §3.16, App C 7)", () => {
  it.each(cases)("$name", (c) => {
    const result = standstill({
      regime: c.regime,
      notifiedOn: c.notifiedOn,
      ...(c.electronic === false ? { byElectronicMeans: false } : {}),
    });
    expect(result).toMatchObject({
      startsOn: c.startsOn,
      endsOn: c.endsOn,
      earliestContractOn: c.earliestContractOn,
    });
    for (const name of c.names) expect(result.explanation).toContain(name);
    // The explanation names the day it ends and the day the contract may be signed.
    expect(result.explanation).toContain(`end of ${longDate(c.endsOn)}`);
    expect(result.explanation).toContain(`from ${longDate(c.earliestContractOn)}`);
    // Every holiday skipped is named.
    for (const day of result.skipped) expect(result.explanation).toContain(day.label);
  });

  it("explains the worked example in plain English", () => {
    const result = standstill({ regime: "PCR2006", notifiedOn: "2010-03-23" });
    expect(result).toMatchObject({ dayKind: "calendar", days: 10, lastCountedDay: "2010-04-02" });
    expect(result.skipped.map((d) => [d.date, d.holiday])).toEqual([
      ["2010-04-02", "Good Friday"],
      ["2010-04-03", null],
      ["2010-04-04", null],
      ["2010-04-05", "Easter Monday"],
    ]);
    expect(result.explanation).toContain("day 10 is Friday 2 April 2010");
    expect(result.explanation).toContain(
      "Friday 2 April 2010 (Good Friday) is not a working day, so the standstill moves to the end of the next working day",
    );
  });

  it("says calendar days count over a holiday inside the period", () => {
    const result = standstill({ regime: "PCR2015", notifiedOn: "2025-12-19" });
    expect(result.skipped).toEqual([]);
    expect(result.holidaysCounted.map((d) => d.date)).toEqual(["2025-12-25", "2025-12-26"]);
    expect(result.explanation).toContain("Calendar days count whether or not they are working days");
    expect(result.explanation).toContain("unclear (check)");
  });

  it("says how it reads s.51 (PA 2023) and that light touch standstill is voluntary", () => {
    const result = standstill({ regime: "PA2023", notifiedOn: "2025-04-14" });
    expect(result).toMatchObject({
      dayKind: "working",
      days: 8,
      firstCountedDay: "2025-04-14",
      mandatory: "no",
    });
    expect(result.explanation).toContain('We read "beginning with" as counting the day of publication');
    expect(result.explanation).toContain("Monday 14 April 2025 is a working day, so it is day 1.");
    expect(result.explanation).toContain("voluntary standstill");
  });

  it("counts a bank holiday in any part of the UK for PA 2023 but only England's for PSR", () => {
    // St Andrew's Day 2026 (Monday 30 November) is a bank holiday in Scotland only.
    const pa = standstill({ regime: "PA2023", notifiedOn: "2026-11-25" });
    const psr = standstill({ regime: "PSR", notifiedOn: "2026-11-24" });
    expect(pa.endsOn).toBe("2026-12-07");
    expect(pa.explanation).toContain("St Andrew’s Day in Scotland");
    expect(psr.endsOn).toBe("2026-12-04");
  });

  it("ignores byElectronicMeans for the working-day regimes", () => {
    expect(standstill({ regime: "PA2023", notifiedOn: "2025-04-14", byElectronicMeans: false }).endsOn).toBe(
      "2025-04-25",
    );
  });
});
