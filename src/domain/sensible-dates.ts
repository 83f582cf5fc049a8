import { compareDates, isIsoDate, type IsoDate } from "./dates.js";
import { REGIMES } from "./regimes.js";

/**
 * Dates that make sense: a date is refused when what it says could not have happened.
 *
 * - A procurement starts under a regime (§3.12: "in line with … the Public Contracts Regulations 2006");
 *   the rules register holds none before the earliest regime's first day (docs/rules.md), so a project
 *   cannot start before it.
 * - Imported files record what has happened: a triage, a discharge, a referral (docs/indicators.md). A
 *   date after today (the injected clock's) is a typing error, not an event.
 * - Indicator values are computed for a period that has ended, or is ending today: the performance
 *   monitoring of Stage 1 (§3.3 h) reports on what services have done, not on a period still to come.
 */

const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** `2006-01-31` as "31 January 2006". */
export function dateInWords(date: IsoDate): string {
  return LONG_DATE.format(new Date(`${date}T00:00:00Z`));
}

/** The regime held that applies earliest: its name and first day (src/domain/regimes.ts). */
export function earliestRegime(): { name: string; appliesFrom: IsoDate } {
  const [first, ...rest] = REGIMES;
  if (!first) throw new Error("no regime is held");
  const earliest = rest.reduce((a, b) => (compareDates(b.appliesFrom, a.appliesFrom) < 0 ? b : a), first);
  return { name: earliest.name, appliesFrom: earliest.appliesFrom };
}

/**
 * What is wrong with a procurement's start date, in the words of the field as the page shows it
 * (`label`, "Start date"), or null when a regime held applies on or before it. A date that is not a
 * real date is another rule's to refuse.
 */
export function startDateProblem(startedOn: string, label: string): string | null {
  const { name, appliesFrom } = earliestRegime();
  if (!isIsoDate(startedOn) || compareDates(startedOn, appliesFrom) >= 0) return null;
  return `${label} must be on or after ${dateInWords(appliesFrom)}, when the ${name} came into force`;
}

/** True when `date` is after `today`: an event recorded as happening in the future. */
export function isAfterToday(date: IsoDate, today: IsoDate): boolean {
  return compareDates(date, today) > 0;
}

/** What is wrong with an event's date in an imported file (`column` names it), or null. */
export function eventDateProblem(column: string, date: IsoDate, today: IsoDate): string | null {
  if (!isAfterToday(date, today)) return null;
  return `${column} "${date}" is after today, ${dateInWords(today)}: the file records only what has happened`;
}

/** What is wrong with the last day of an indicator period (`label`, "Period end"), or null. */
export function periodEndProblem(periodEnd: string, today: IsoDate, label: string): string | null {
  if (!isIsoDate(periodEnd) || !isAfterToday(periodEnd, today)) return null;
  return `${label} must be today or in the past`;
}
