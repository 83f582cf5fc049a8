import Holidays from "date-holidays";
import {
  addDays,
  addWorkingDays,
  compareDates,
  dayOfWeek,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  type BankHolidayArea,
  type IsoDate,
} from "./dates.js";
import { getRegime, type Regime, type RegimeCode } from "./regimes.js";

/**
 * The standstill (Alcatel) period: the pause between telling bidders the result and entering into the
 * contract, during which they may challenge (§3.16, App C 7; docs/rules.md, regimes). Each regime counts it
 * its own way; the working days come from `dates.ts` (date-holidays, as docs/rules.md says).
 */

export interface StandstillQuery {
  regime: RegimeCode;
  /** The day the letters are sent (PCR) or the notice is published (PA 2023, PSR). */
  notifiedOn: IsoDate;
  /** PCR only: sent by fax or electronic means (10 days) or otherwise (15 days). Default true. */
  byElectronicMeans?: boolean;
}

export interface NamedDay {
  date: IsoDate;
  /** "Friday 2 April 2010 (Good Friday)". */
  label: string;
  /** The bank holiday's name, when it is one. */
  holiday: string | null;
}

export interface Standstill {
  regime: RegimeCode;
  notifiedOn: IsoDate;
  /** The first day of the standstill. */
  startsOn: IsoDate;
  /** The last day of the standstill: it ends at midnight at the end of this day. */
  endsOn: IsoDate;
  /** The contract may be entered into from this day. */
  earliestContractOn: IsoDate;
  dayKind: "calendar" | "working";
  days: number;
  /** Day 1 of the count and the last day counted (for PCR, before a move to the next working day). */
  firstCountedDay: IsoDate;
  lastCountedDay: IsoDate;
  /** Days not counted (working-day regimes), or the days the end moved over (calendar-day regimes). */
  skipped: NamedDay[];
  /** Calendar-day regimes: bank holidays inside the period, which count like any other day. */
  holidaysCounted: NamedDay[];
  mandatory: "yes" | "no" | "unclear";
  source: string;
  explanation: string;
}

// ---------------------------------------------------------------------------------------------
// Words for dates and bank holidays.

const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** "Tuesday 23 March 2010" (GOV.UK style: no comma). */
export function longDate(date: IsoDate): string {
  const parts = LONG_DATE.formatToParts(new Date(`${date}T00:00:00Z`));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}`;
}

/** "23 March 2010". */
export function shortDate(date: IsoDate): string {
  return longDate(date).split(" ").slice(1).join(" ");
}

// Only to name the days `isWorkingDay` has already found not to be working days.
const NAMING_CALENDARS = [
  { region: "England and Wales", calendar: new Holidays("GB", "ENG") },
  { region: "Scotland", calendar: new Holidays("GB", "SCT") },
  { region: "Northern Ireland", calendar: new Holidays("GB", "NIR") },
] as const;
const namesByYear = new Map<string, Map<IsoDate, string>>();

function holidayNames(year: number, area: BankHolidayArea): Map<IsoDate, string> {
  const key = `${year}:${area}`;
  const cached = namesByYear.get(key);
  if (cached) return cached;
  const byDate = new Map<IsoDate, { name: string; regions: string[] }[]>();
  const calendars = area === "england-and-wales" ? NAMING_CALENDARS.slice(0, 1) : NAMING_CALENDARS;
  for (const { region, calendar } of calendars) {
    for (const h of calendar.getHolidays(year)) {
      if (h.type !== "public") continue;
      const date = h.date.slice(0, 10);
      const entries = byDate.get(date) ?? [];
      const same = entries.find((e) => e.name === h.name);
      if (same) same.regions.push(region);
      else entries.push({ name: h.name, regions: [region] });
      byDate.set(date, entries);
    }
  }
  const names = new Map<IsoDate, string>();
  for (const [date, entries] of byDate) {
    const englandToo = entries.some((e) => e.regions.includes("England and Wales"));
    names.set(
      date,
      entries
        .filter((e) => !englandToo || e.regions.includes("England and Wales"))
        .map((e) => (englandToo ? e.name : `${e.name} in ${e.regions.join(" and ")}`))
        .join("; "),
    );
  }
  namesByYear.set(key, names);
  return names;
}

export function nameDay(date: IsoDate, area: BankHolidayArea): NamedDay {
  const holiday = holidayNames(Number(date.slice(0, 4)), area).get(date) ?? null;
  return { date, holiday, label: holiday ? `${longDate(date)} (${holiday})` : longDate(date) };
}

/** The days from `from` to `to` inclusive that are not working days, named. */
function nonWorkingDays(from: IsoDate, to: IsoDate, area: BankHolidayArea): NamedDay[] {
  const out: NamedDay[] = [];
  for (let d = from; compareDates(d, to) <= 0; d = addDays(d, 1)) {
    if (!isWorkingDay(d, area)) out.push(nameDay(d, area));
  }
  return out;
}

/** Bank holidays from `from` to `to` inclusive that fall on a weekday. */
function weekdayHolidays(from: IsoDate, to: IsoDate, area: BankHolidayArea): NamedDay[] {
  return nonWorkingDays(from, to, area).filter((d) => {
    const dow = dayOfWeek(d.date);
    return dow !== 0 && dow !== 6;
  });
}

/** "(To check: …)" for an item docs/rules.md marks "(check)". */
export function toCheck(text: string): string {
  return `(To check: ${text.charAt(0).toLowerCase()}${text.slice(1)})`;
}

/** "a, b and c". */
export function listInWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

// ---------------------------------------------------------------------------------------------

/**
 * When the standstill starts and ends, and from when the contract may be entered into:
 * - PCR 2006 and 2015: 10 calendar days after the notices are sent electronically (15 otherwise),
 *   ending at midnight at the end of the last day; a last day that is not a working day (England and
 *   Wales) moves to the end of the next working day. The period begins on the day they are sent.
 * - PA 2023 (s.51): 8 working days (any part of the UK) beginning with the day the contract award
 *   notice is published; that day is day 1 when it is a working day. Not mandatory for light touch.
 * - PSR: 8 working days (England) from the day after the notice is published.
 * In each, the contract may be entered into from the day after the last day.
 */
export function standstill(query: StandstillQuery): Standstill {
  const regime = getRegime(query.regime);
  const electronic = query.byElectronicMeans ?? true;
  return regime.standstill.dayKind === "calendar"
    ? calendarDayStandstill(regime, query.notifiedOn, electronic)
    : workingDayStandstill(regime, query.notifiedOn);
}

/** The standstill's dates, before they are put into words. */
type StandstillDates = Omit<Standstill, "explanation">;

/**
 * PCR 2006 and 2015 (§3.16, App C 7): calendar days after the day the letters are sent; a last day
 * that is not a working day moves to the end of the next working day.
 */
function calendarDayStandstill(regime: Regime, notifiedOn: IsoDate, electronic: boolean): Standstill {
  const rule = regime.standstill;
  const area = regime.workingDay.area;
  const days = electronic ? rule.days : (rule.otherMeansDays ?? rule.days);
  const firstCountedDay = addDays(notifiedOn, 1);
  const lastCountedDay = addDays(notifiedOn, days);
  const endsOn = rule.lastDayMovesToNextWorkingDay
    ? nextWorkingDayOnOrAfter(lastCountedDay, area)
    : lastCountedDay;
  const skipped =
    compareDates(endsOn, lastCountedDay) > 0 ? nonWorkingDays(lastCountedDay, addDays(endsOn, -1), area) : [];
  const holidaysCounted = weekdayHolidays(firstCountedDay, addDays(lastCountedDay, -1), area);
  const earliestContractOn = addDays(endsOn, 1);
  const dates: StandstillDates = {
    regime: regime.code,
    notifiedOn,
    startsOn: notifiedOn,
    endsOn,
    earliestContractOn,
    dayKind: "calendar",
    days,
    firstCountedDay,
    lastCountedDay,
    skipped,
    holidaysCounted,
    mandatory: rule.mandatoryForTheseServices,
    source: rule.source,
  };
  return { ...dates, explanation: explainCalendarDays(regime, dates, electronic) };
}

/** The calendar-day count in words: what started it, the days counted, whether the end moved and why. */
function explainCalendarDays(regime: Regime, dates: StandstillDates, electronic: boolean): string {
  const rule = regime.standstill;
  const { notifiedOn, days, firstCountedDay, lastCountedDay, holidaysCounted, skipped } = dates;
  const sentences = [
    `The letters to bidders were sent ${electronic ? "electronically" : "by other than electronic means"} on ${longDate(notifiedOn)}, which starts the standstill.`,
    `Under ${regime.shortName} it lasts ${days} calendar days after that day (${rule.source}): day 1 is ${longDate(firstCountedDay)} and day ${days} is ${longDate(lastCountedDay)}.`,
  ];
  if (holidaysCounted.length)
    sentences.push(
      `Calendar days count whether or not they are working days, so ${listInWords(holidaysCounted.map((d) => d.label))} ${holidaysCounted.length === 1 ? "counts" : "count"}.`,
    );
  const [lastDay, ...passedOver] = skipped;
  if (lastDay) {
    sentences.push(
      `${lastDay.label} is not a working day, so the standstill moves to the end of the next working day${passedOver.length ? `, passing over ${listInWords(passedOver.map((d) => d.label))}` : ""}.`,
      `A working day is ${regime.workingDay.text}.`,
    );
  } else {
    sentences.push(`${longDate(lastCountedDay)} is a working day, so the standstill does not move.`);
  }
  sentences.push(
    `The standstill ends at midnight at the end of ${longDate(dates.endsOn)}, and the contract may be entered into from ${longDate(dates.earliestContractOn)}.`,
  );
  if (rule.mandatoryForTheseServices === "unclear") sentences.push(rule.mandatoryNote);
  return sentences.join(" ");
}

/**
 * PA 2023 (s.51) and PSR: working days, PA 2023 beginning with the day the notice is published, PSR
 * from the day after.
 */
function workingDayStandstill(regime: Regime, notifiedOn: IsoDate): Standstill {
  const rule = regime.standstill;
  const area = regime.workingDay.area;
  // Working days. PA 2023 counts the day of publication ("beginning with"); PSR the day after.
  const countFrom = rule.counting === "beginning-with-day-published" ? notifiedOn : addDays(notifiedOn, 1);
  const endsOn = addWorkingDays(addDays(countFrom, -1), rule.days, area);
  const dates: StandstillDates = {
    regime: regime.code,
    notifiedOn,
    startsOn: countFrom,
    endsOn,
    earliestContractOn: addDays(endsOn, 1),
    dayKind: "working",
    days: rule.days,
    firstCountedDay: nextWorkingDayOnOrAfter(countFrom, area),
    lastCountedDay: endsOn,
    skipped: nonWorkingDays(countFrom, endsOn, area),
    holidaysCounted: [],
    mandatory: rule.mandatoryForTheseServices,
    source: rule.source,
  };
  return { ...dates, explanation: explainWorkingDays(regime, dates) };
}

/** The working-day count in words: what started it, day 1, the days not counted, and the readings to check. */
function explainWorkingDays(regime: Regime, dates: StandstillDates): string {
  const rule = regime.standstill;
  const area = regime.workingDay.area;
  const { notifiedOn, startsOn, firstCountedDay, skipped } = dates;
  const sentences: string[] = [];
  if (rule.counting === "beginning-with-day-published") {
    sentences.push(
      `The contract award notice was published on ${longDate(notifiedOn)}, which starts the standstill.`,
      `Under the ${regime.name} (${rule.source}) it lasts ${rule.days} working days beginning with the day the notice is published. We read "beginning with" as counting the day of publication as the first of the ${rule.days} when it is a working day, whatever the time the notice was published.`,
      isWorkingDay(notifiedOn, area)
        ? `${longDate(notifiedOn)} is a working day, so it is day 1.`
        : `${longDate(notifiedOn)} is not a working day, so day 1 is ${longDate(firstCountedDay)}.`,
    );
  } else {
    sentences.push(
      `The notice was published on ${longDate(notifiedOn)}.`,
      `Under the ${regime.name} the standstill lasts ${rule.days} working days from the day after, ${longDate(startsOn)}${firstCountedDay === startsOn ? ", which is day 1" : `; day 1 is ${longDate(firstCountedDay)}`}.`,
    );
  }
  sentences.push(
    skipped.length
      ? `A working day is ${regime.workingDay.text}, so ${listInWords(skipped.map((d) => d.label))} ${skipped.length === 1 ? "is" : "are"} not counted.`
      : `A working day is ${regime.workingDay.text}; every day in this period is one.`,
  );
  if (regime.workingDay.check) sentences.push(toCheck(regime.workingDay.check));
  sentences.push(
    `The standstill ends at midnight at the end of ${longDate(dates.endsOn)}, day ${rule.days}, and the contract may be entered into from ${longDate(dates.earliestContractOn)}.`,
  );
  if (rule.mandatoryForTheseServices === "no")
    sentences.push(
      "For a light touch contract, as these services are, the standstill is not mandatory; a voluntary standstill, if used, runs for the same days.",
    );
  if (regime.applies.check) sentences.push(toCheck(regime.applies.check));
  return sentences.join(" ");
}
