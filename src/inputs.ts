import { z } from "zod";
import { isIsoDate } from "./domain/dates.js";
import type { FieldError } from "./errors.js";

/**
 * Fields that use cases, the API and pages parse alike. They live outside web/ because use cases
 * parse with them and use cases do not import web/ (docs/architecture.md).
 */

/** A date-only field of an API body or form: `YYYY-MM-DD` and a real calendar date. */
export function isoDateField(label: string) {
  return z
    .string({ error: `${label} must be a date in the form YYYY-MM-DD` })
    .refine(isIsoDate, `${label} must be a real date in the form YYYY-MM-DD, like 2025-03-27`);
}

/** A Zod refusal as the field errors both faces show: the first message for each field's path. */
export function zodFieldErrors(error: z.ZodError): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".") || "form";
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, message: issue.message });
  }
  return out;
}
