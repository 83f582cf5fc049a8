import { and, asc, eq, inArray } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { pqqAssessments, pqqOutcomes, tenderSubmissions } from "../../../db/schema/index.js";

/** The PQQ stage's reads (App C 5.3): the assessments and outcomes of the opened PQQ responses. */

export type AssessmentRow = typeof pqqAssessments.$inferSelect;
export type OutcomeRow = typeof pqqOutcomes.$inferSelect;

export async function assessmentsOf(ex: Executor, submissionIds: string[]): Promise<AssessmentRow[]> {
  if (submissionIds.length === 0) return [];
  return ex
    .select()
    .from(pqqAssessments)
    .where(inArray(pqqAssessments.submissionId, submissionIds))
    .orderBy(asc(pqqAssessments.questionCode));
}

export async function outcomesOf(ex: Executor, tenderId: string): Promise<OutcomeRow[]> {
  const rows = await ex
    .select({ o: pqqOutcomes })
    .from(pqqOutcomes)
    .innerJoin(tenderSubmissions, eq(tenderSubmissions.id, pqqOutcomes.submissionId))
    .where(and(eq(tenderSubmissions.tenderId, tenderId), eq(tenderSubmissions.section, "pqq")));
  return rows.map((r) => r.o);
}

/** The sealed content of the tender's PQQ submissions, by id (read only once the PQQ is opened). */
export async function sealedPqqContent(ex: Executor, tenderId: string, submissionIds: string[]) {
  if (submissionIds.length === 0) return [];
  return ex
    .select({ id: tenderSubmissions.id, sealedContent: tenderSubmissions.sealedContent })
    .from(tenderSubmissions)
    .where(
      and(
        eq(tenderSubmissions.tenderId, tenderId),
        eq(tenderSubmissions.section, "pqq"),
        inArray(tenderSubmissions.id, submissionIds),
      ),
    );
}
