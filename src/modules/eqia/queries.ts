import type { SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.js";
import { equalityAssessments } from "../../db/schema/index.js";
import { eqiaScreeningDone } from "./screening.js";

/**
 * The projects whose EqIA screening is done (App C 1: every characteristic screened with its
 * evidence), among those `within` selects by their project id: one query for any number of projects
 * (the gates of the pipeline read it).
 */
export async function projectsScreened(
  ex: Executor,
  within: (projectId: PgColumn) => SQL,
): Promise<Set<string>> {
  const screenings = await ex
    .select({ projectId: equalityAssessments.projectId, entries: equalityAssessments.entries })
    .from(equalityAssessments)
    .where(within(equalityAssessments.projectId));
  return new Set(screenings.filter((s) => eqiaScreeningDone(s)).map((s) => s.projectId));
}
