import { dateInLondon, isIsoDate, type IsoDate } from "./dates.js";

/**
 * Where the use cases learn the day. "Today" is the date in London (docs/architecture.md, data rules):
 * what is overdue, the day a task is completed when none is given, the latest day a meeting can have
 * been held. The composition root makes one clock and hands it to every service and page that needs
 * the day, so a test can fix the date instead of depending on the machine's.
 */
export interface Clock {
  /** Today's date in London, `YYYY-MM-DD`. */
  today(): IsoDate;
  /** This instant. */
  now(): Date;
}

/** The machine's clock: what the service runs on. */
export const systemClock: Clock = {
  today: () => dateInLondon(new Date()),
  now: () => new Date(),
};

/**
 * A clock stopped at one instant, or at noon UTC of a date: noon is the same date in London in winter
 * (GMT) and summer (BST), so `fixedClock("2025-03-30").today()` is "2025-03-30" either side of a change.
 */
export function fixedClock(at: Date | IsoDate): Clock {
  if (typeof at === "string" && !isIsoDate(at)) throw new RangeError(`not a date in YYYY-MM-DD form: ${at}`);
  const instant = typeof at === "string" ? new Date(`${at}T12:00:00Z`) : new Date(at.getTime());
  return {
    today: () => dateInLondon(instant),
    now: () => new Date(instant.getTime()),
  };
}
