import { isIsoDate, type IsoDate } from "../domain/dates.js";

/**
 * The one reader of GOV.UK date inputs: a date named `name` arrives as three boxes, `name-day`,
 * `name-month` and `name-year`. Pages fold them into the `YYYY-MM-DD` the use cases and the API take.
 */
export type DateInput = { kind: "empty" } | { kind: "date"; iso: IsoDate } | { kind: "invalid" };

function box(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first.trim() : "";
}

export function readDateInput(body: Record<string, unknown>, name: string): DateInput {
  const day = box(body, `${name}-day`);
  const month = box(body, `${name}-month`);
  const year = box(body, `${name}-year`);
  if (!day && !month && !year) return { kind: "empty" };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return { kind: "invalid" };
  const iso = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
  return isIsoDate(iso) ? { kind: "date", iso } : { kind: "invalid" };
}

/** Where a date input's error links to: its first box (GOV.UK date input pattern). */
export const dateErrorPath = (name: string) => `${name}.day`;

/** The message for boxes that do not make a date, in the words the GOV.UK pattern uses. */
export const invalidDateMessage = (label: string) => `${label} must be a real date, for example 27 3 2025`;

/** `YYYY-MM-DD` → the three boxes of a GOV.UK date input, to show a saved date in a form. */
export function dateParts(iso: string | null | undefined): { day: string; month: string; year: string } {
  if (!iso || !isIsoDate(iso)) return { day: "", month: "", year: "" };
  return {
    day: String(Number(iso.slice(8, 10))),
    month: String(Number(iso.slice(5, 7))),
    year: iso.slice(0, 4),
  };
}
