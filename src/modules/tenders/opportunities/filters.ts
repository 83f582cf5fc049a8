import { z } from "zod";
import { addDays, type IsoDate } from "../../../domain/dates.js";
import { isoDateField } from "../../../inputs.js";
import type { OpportunityFilters } from "./queries.js";

/**
 * The search's filters (docs/tendering.md, "Finding opportunities"), as the API's query string takes
 * them. The page asks for money in pounds and folds it into these (routes.ts).
 */
const pence = (label: string) =>
  z.coerce
    .number({ error: `${label} must be a number of pence` })
    .int(`${label} must be a whole number of pence`)
    .min(0, `${label} cannot be negative`)
    .max(Number.MAX_SAFE_INTEGER, `${label} is too large`);

export const opportunityFields = z.object({
  q: z.string().trim().max(200, "Search words must be 200 characters or fewer").optional(),
  programme: z
    .string()
    .trim()
    .max(20, "Programme must be a programme's code")
    .regex(/^[A-Za-z0-9-]*$/, "Programme must be a programme's code, like SP")
    .optional(),
  minValuePence: pence("Minimum value").optional(),
  maxValuePence: pence("Maximum value").optional(),
  closingBefore: isoDateField("Closing on or before").optional(),
  closingAfter: isoDateField("Closing on or after").optional(),
  includeClosed: z
    .enum(["true", "false"], { error: "includeClosed must be true or false" })
    .optional()
    .transform((v) => v === "true"),
});

/** A band and a date range that cannot match anything are refused, naming the field. */
export function consistentFilters(
  value: {
    minValuePence?: number | undefined;
    maxValuePence?: number | undefined;
    closingBefore?: string | undefined;
    closingAfter?: string | undefined;
  },
  ctx: z.RefinementCtx,
) {
  if (
    value.minValuePence !== undefined &&
    value.maxValuePence !== undefined &&
    value.minValuePence > value.maxValuePence
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["maxValuePence"],
      message: "Maximum value must be at least the minimum value",
    });
  }
  if (value.closingBefore && value.closingAfter && value.closingAfter > value.closingBefore) {
    ctx.addIssue({
      code: "custom",
      path: ["closingBefore"],
      message: "“Closing on or before” must be on or after “Closing on or after”",
    });
  }
}

export const opportunityQuery = opportunityFields.superRefine(consistentFilters);
export type OpportunityQuery = z.output<typeof opportunityQuery>;

/** Midnight at the start of a day in London, as an instant (GMT or BST). */
export function startOfLondonDay(date: IsoDate): Date {
  const utcMidnight = new Date(`${date}T00:00:00Z`);
  const londonHour = Number(
    new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone: "Europe/London" }).format(
      utcMidnight,
    ),
  );
  return new Date(utcMidnight.getTime() - londonHour * 3_600_000);
}

/** The filters as the query reads them: whole London days for the closing range. */
export function filtersFrom(query: OpportunityQuery): OpportunityFilters {
  return {
    q: query.q || undefined,
    programme: query.programme ? query.programme.toUpperCase() : undefined,
    minValuePence: query.minValuePence,
    maxValuePence: query.maxValuePence,
    closingAfter: query.closingAfter ? startOfLondonDay(query.closingAfter) : undefined,
    closingBefore: query.closingBefore
      ? new Date(startOfLondonDay(addDays(query.closingBefore, 1)).getTime() - 1)
      : undefined,
    includeClosed: query.includeClosed,
  };
}
