import { isIsoDate, type IsoDate } from "../domain/dates.js";

/**
 * The one reader of GOV.UK date inputs: a date named `name` arrives as three boxes, `name-day`,
 * `name-month` and `name-year`. Pages fold them into the `YYYY-MM-DD` the use cases and the API take.
 */
export type DateBox = "day" | "month" | "year";

/** What was wrong with boxes that do not make a date, and the box the error summary links to. */
export type DateProblem =
  | { problem: "missing"; missing: DateBox[]; box: DateBox }
  | { problem: "year"; box: "year" }
  | { problem: "real"; box: "day" };

export type DateInput =
  { kind: "empty" } | { kind: "date"; iso: IsoDate } | ({ kind: "invalid" } & DateProblem);

function box(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first.trim() : "";
}

export function readDateInput(body: Record<string, unknown>, name: string): DateInput {
  const boxes = {
    day: box(body, `${name}-day`),
    month: box(body, `${name}-month`),
    year: box(body, `${name}-year`),
  };
  const { day, month, year } = boxes;
  if (!day && !month && !year) return { kind: "empty" };
  const missing = (["day", "month", "year"] as const).filter((part) => !boxes[part]);
  const [first] = missing;
  if (first) return { kind: "invalid", problem: "missing", missing, box: first };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month))
    return { kind: "invalid", problem: "real", box: "day" };
  if (!/^\d{4}$/.test(year)) return { kind: "invalid", problem: "year", box: "year" };
  const iso = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
  return isIsoDate(iso) ? { kind: "date", iso } : { kind: "invalid", problem: "real", box: "day" };
}

/** Where a date input's error links to: its first box, or the box that is wrong (GOV.UK date input). */
export const dateErrorPath = (name: string, part: DateBox = "day") => `${name}.${part}`;

/** The GOV.UK date input pattern's messages for boxes that do not make a date. */
export function invalidDateMessage(
  label: string,
  wrong: DateProblem = { problem: "real", box: "day" },
): string {
  if (wrong.problem === "missing") return `${label} must include a ${wrong.missing.join(" and ")}`;
  if (wrong.problem === "year") return "Year must include 4 numbers, for example 2025";
  return `${label} must be a real date, for example 27 3 2025`;
}

/** `YYYY-MM-DD` → the three boxes of a GOV.UK date input, to show a saved date in a form. */
export function dateParts(iso: string | null | undefined): { day: string; month: string; year: string } {
  if (!iso || !isIsoDate(iso)) return { day: "", month: "", year: "" };
  return {
    day: String(Number(iso.slice(8, 10))),
    month: String(Number(iso.slice(5, 7))),
    year: iso.slice(0, 4),
  };
}
