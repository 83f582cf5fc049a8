import { and, asc, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { riskHistory, risks, users } from "../../db/schema/index.js";

/**
 * The risk register's reads. `reviewOverdue` is the one SQL form of `isReviewOverdue`
 * (src/domain/risk-review.ts): an open risk whose review date has passed (App C 1). The projects'
 * page and the pipeline ask it through here.
 */
export function reviewOverdue(today: string): SQL {
  return sql`(${eq(risks.status, "open")} AND ${lt(risks.reviewOn, today)})`;
}

/** Open risks whose review date has passed, per project (pipeline dashboard). */
export async function overdueReviewCounts(ex: Executor, projectIds: string[], today: string) {
  if (projectIds.length === 0) return new Map<string, number>();
  const rows = await ex
    .select({ projectId: risks.projectId, n: sql<number>`count(*)::int` })
    .from(risks)
    .where(and(reviewOverdue(today), inArray(risks.projectId, projectIds)))
    .groupBy(risks.projectId);
  return new Map(rows.map((r) => [r.projectId, r.n]));
}

/** The project's risks, open ones first, highest score first, then the earliest review. */
export async function registerRows(ex: Executor, projectId: string) {
  return ex
    .select()
    .from(risks)
    .where(eq(risks.projectId, projectId))
    .orderBy(
      asc(sql`CASE WHEN ${risks.status} = 'open' THEN 0 ELSE 1 END`),
      desc(sql`${risks.likelihood} * ${risks.impact}`),
      asc(risks.reviewOn),
      asc(risks.createdAt),
    );
}

/** One risk's row, or null (an id that is no uuid names none). */
export async function findRisk(ex: Executor, riskId: string) {
  if (!z.uuid().safeParse(riskId).success) return null;
  const [row] = await ex.select().from(risks).where(eq(risks.id, riskId));
  return row ?? null;
}

/** Every change made to a risk, newest first, with who made it. */
export async function historyRows(ex: Executor, riskId: string) {
  return ex
    .select({
      version: riskHistory.version,
      snapshot: riskHistory.snapshot,
      changedAt: riskHistory.changedAt,
      changedBy: users.name,
    })
    .from(riskHistory)
    .leftJoin(users, eq(users.id, riskHistory.changedById))
    .where(eq(riskHistory.riskId, riskId))
    .orderBy(desc(riskHistory.version));
}
