import { eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { checklistTasks, projects } from "../../db/schema/index.js";
import type { IsoDate } from "../../domain/dates.js";
import { OPEN_TASK_STATUSES } from "../../domain/overdue.js";

/**
 * The one SQL form of `isTaskOverdue` (domain/overdue.ts, App C): a checklist task still to be done and
 * planned for a day before `today`. The checklist, the projects list and home page and the pipeline
 * all ask it, so that what they call overdue is the same tasks.
 */
export function taskOverdueOn(today: IsoDate): SQL {
  const planned = lt(checklistTasks.plannedOn, today);
  const open = inArray(checklistTasks.status, [...OPEN_TASK_STATUSES]);
  return sql`(${planned} and ${open})`;
}

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
