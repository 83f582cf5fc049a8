import { addDays, addMonthsClamped, type IsoDate } from "./dates.js";

/**
 * When a provider's data return is due. Commissioners manage current contracts and monitor and report
 * the performance of commissioned services to the operational groups and boards (§3.3 g, h), and once
 * a new service is running its contract is monitored in the same way (§3.19). The indicators that
 * report it are computed from the client-level data providers upload (docs/indicators.md), Appendix B's
 * for a quarter unless asked for another; providers send their monitoring returns quarterly.
 *
 * The rule (the choice made here, as docs/indicators.md does where the framework is silent):
 * - Quarters are the financial year's: April to June, July to September, October to December,
 *   January to March.
 * - The return for a quarter is due by the last day of the month after the quarter ends
 *   (the quarter ending 30 June is due by 31 July), and overdue from the day after.
 * - The return that is due is the one for the last complete quarter (the latest quarter that ended
 *   before today). It is received when the provider has an upload made after the quarter ended whose
 *   data reaches into the quarter (its latest event date on or after the quarter's first day): data
 *   uploaded before a quarter is over cannot be that quarter's return.
 * - Once it is received, nothing is due until the current quarter ends: the next return is the current
 *   quarter's, due by the end of the month after it.
 */

export interface Quarter {
  /** First day, YYYY-MM-DD. */
  start: IsoDate;
  /** Last day, YYYY-MM-DD. */
  end: IsoDate;
  /** "April to June 2026", "January to March 2027". */
  label: string;
  /** The last day of the month after the quarter: when its return is due. */
  dueBy: IsoDate;
}

/** One client-level data upload holding the provider's code. */
export interface ReturnUpload {
  /** The day it was uploaded (in London). */
  uploadedOn: IsoDate;
  /** The latest event date in the file. */
  periodEnd: IsoDate;
}

export type ReturnState =
  | { status: "due" | "overdue"; quarter: Quarter }
  | { status: "received"; quarter: Quarter; receivedOn: IsoDate; next: Quarter };

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** The financial-year quarter that holds `day`. */
export function quarterContaining(day: IsoDate): Quarter {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  // Quarters start in January, April, July and October.
  const firstMonth = month - ((month - 1) % 3);
  const lastMonth = firstMonth + 2;
  const start = `${String(year)}-${pad(firstMonth)}-01`;
  const end = addDays(addMonthsClamped(start, 3), -1);
  const dueBy = addDays(addMonthsClamped(start, 4), -1);
  return {
    start,
    end,
    label: `${MONTHS[firstMonth - 1] ?? ""} to ${MONTHS[lastMonth - 1] ?? ""} ${String(year)}`,
    dueBy,
  };
}

/** The quarter before the one that holds `day`: the last complete quarter on that day. */
export function lastCompleteQuarter(day: IsoDate): Quarter {
  return quarterContaining(addDays(quarterContaining(day).start, -1));
}

/** Whether an upload is the quarter's return: made after the quarter ended, with data reaching into it. */
function isReturnFor(upload: ReturnUpload, quarter: Quarter): boolean {
  return upload.uploadedOn > quarter.end && upload.periodEnd >= quarter.start;
}

/** The provider's data return on `today`, from its uploads (any order). */
export function dataReturnState(uploads: readonly ReturnUpload[], today: IsoDate): ReturnState {
  const quarter = lastCompleteQuarter(today);
  const received = uploads
    .filter((u) => isReturnFor(u, quarter))
    .map((u) => u.uploadedOn)
    .sort()[0];
  if (received) {
    return { status: "received", quarter, receivedOn: received, next: quarterContaining(today) };
  }
  return { status: today > quarter.dueBy ? "overdue" : "due", quarter };
}
