import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { projects } from "../../db/schema/index.js";
import { isIsoDate, type IsoDate } from "../../domain/dates.js";

/**
 * What the checklist, risk register and EqIA need to know about their project. They read the
 * projects table themselves so that they do not depend on the projects module's service.
 */
export interface ProjectContext {
  id: string;
  title: string;
  programmeCode: string;
  estimatedValuePence: number;
  stage: string;
}

export async function findProject(db: Executor, id: string): Promise<ProjectContext | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await db
    .select({
      id: projects.id,
      title: projects.title,
      programmeCode: projects.programmeCode,
      estimatedValuePence: projects.estimatedValuePence,
      stage: projects.stage,
    })
    .from(projects)
    .where(eq(projects.id, id));
  return row ?? null;
}

/** A date-only field of an API body or form: `YYYY-MM-DD` and a real calendar date. */
export function isoDateField(label: string) {
  return z
    .string({ error: `${label} must be a date in the form YYYY-MM-DD` })
    .refine(isIsoDate, `${label} must be a real date in the form YYYY-MM-DD, like 2025-03-27`);
}

/** Day, month and year boxes of a GOV.UK date input → `YYYY-MM-DD`, "" when all are empty, null when not a date. */
export function dateFromParts(day: unknown, month: unknown, year: unknown): IsoDate | null {
  const parts = [day, month, year].map((p) => (typeof p === "string" ? p.trim() : ""));
  const [d = "", m = "", y = ""] = parts;
  if (!d && !m && !y) return "";
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return null;
  const iso = `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
  return isIsoDate(iso) ? iso : null;
}

/** `YYYY-MM-DD` → the three boxes of a GOV.UK date input. */
export function dateParts(iso: string | null | undefined): { day: string; month: string; year: string } {
  if (!iso || !isIsoDate(iso)) return { day: "", month: "", year: "" };
  return {
    day: String(Number(iso.slice(8, 10))),
    month: String(Number(iso.slice(5, 7))),
    year: iso.slice(0, 4),
  };
}
