import { and, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { risks } from "../../db/schema/index.js";

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
