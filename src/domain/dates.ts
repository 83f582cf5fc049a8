import Holidays from "date-holidays";

/**
 * Date-only values are ISO `YYYY-MM-DD` strings (docs/architecture.md, dates). All arithmetic here is on calendar
 * dates in UTC, so a clock change never moves a day.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (2025-02-30 is not). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** Days in each month of a common year (February gains one in a leap year). */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by `length` ASCII digits at `start`, or -1 when one of them is not a digit. */
function digitsAt(value: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A real calendar date in `YYYY-MM-DD` form (docs/indicators.md, common rules), decided by arithmetic on the
 * characters: the importer checks up to four dates a row, and a regular expression and a Date for each
 * cost more than the rest of the row's checks. It answers as `isIsoDate` does for every string
 * (dates.test.ts compares them), years 0000–0099 included: `Date.UTC` reads those as 1900–1999, so
 * `isIsoDate` refuses them, and so does this.
 */
export function isRealDate(value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] ?? 0));
}

function toUtc(date: IsoDate): Date {
  if (!isIsoDate(date)) throw new RangeError(`not a date in YYYY-MM-DD form: ${date}`);
  return new Date(`${date}T00:00:00Z`);
}

function fromUtc(d: Date): IsoDate {
  return d.toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = toUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtc(d);
}

/** d plus n calendar months, clamped to the month's last day (31 August + 6 months = 28/29 February). */
export function addMonthsClamped(date: IsoDate, months: number): IsoDate {
  const d = toUtc(date);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return fromUtc(target);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: IsoDate): number {
  return toUtc(date).getUTCDay();
}

export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Which parts of the UK's bank holidays a rule counts (docs/rules.md: working day by regime). */
export type BankHolidayArea = "england-and-wales" | "any-part-of-uk";

const calendars = {
  ENG: new Holidays("GB", "ENG"),
  SCT: new Holidays("GB", "SCT"),
  NIR: new Holidays("GB", "NIR"),
};
const yearCache = new Map<string, Set<IsoDate>>();

/** Where date-holidays (3.37) is wrong, held as data with the reason. */
const CORRECTIONS: { year: number; remove: IsoDate; add: IsoDate; reason: string }[] = [
  {
    year: 2012,
    remove: "2012-05-28",
    add: "2012-06-04",
    reason: "spring bank holiday moved for the Diamond Jubilee",
  },
];

/**
 * Bank holidays of one year from `date-holidays` (GB; ENG, and SCT/NIR when every part of the UK
 * counts), keeping only days of type `public`: that includes substitute days and one-off holidays.
 */
export function bankHolidays(year: number, area: BankHolidayArea = "england-and-wales"): Set<IsoDate> {
  const key = `${year}:${area}`;
  const cached = yearCache.get(key);
  if (cached) return cached;
  const regions =
    area === "england-and-wales" ? [calendars.ENG] : [calendars.ENG, calendars.SCT, calendars.NIR];
  const days = new Set<IsoDate>();
  for (const calendar of regions) {
    for (const h of calendar.getHolidays(year)) if (h.type === "public") days.add(h.date.slice(0, 10));
  }
  for (const fix of CORRECTIONS.filter((c) => c.year === year)) {
    days.delete(fix.remove);
    days.add(fix.add);
  }
  yearCache.set(key, days);
  return days;
}

/** Not Saturday, Sunday or a bank holiday (Christmas Day and Good Friday are bank holidays in England). */
export function isWorkingDay(date: IsoDate, area: BankHolidayArea = "england-and-wales"): boolean {
  const dow = dayOfWeek(date);
  if (dow === 0 || dow === 6) return false;
  return !bankHolidays(Number(date.slice(0, 4)), area).has(date);
}

/** The nth working day after `date` (n ≥ 1); `date` itself never counts. */
export function addWorkingDays(
  date: IsoDate,
  n: number,
  area: BankHolidayArea = "england-and-wales",
): IsoDate {
  let d = date;
  let counted = 0;
  while (counted < n) {
    d = addDays(d, 1);
    if (isWorkingDay(d, area)) counted++;
  }
  return d;
}

/** `date` when it is a working day, else the next working day. */
export function nextWorkingDayOnOrAfter(date: IsoDate, area: BankHolidayArea = "england-and-wales"): IsoDate {
  let d = date;
  while (!isWorkingDay(d, area)) d = addDays(d, 1);
  return d;
}

const LONDON_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/**
 * The date in England (a council's working day) at an instant, as `YYYY-MM-DD`. "Today" is this at
 * the clock's now (clock.ts): what is overdue, the default day a question about the rules is asked
 * for, the day a task is completed when no date is given.
 */
export function dateInLondon(instant: Date): IsoDate {
  return LONDON_DAY.format(instant);
}
