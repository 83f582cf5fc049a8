import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { projects } from "../../db/schema/index.js";

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
