import { z } from "zod";
import type { risks } from "../../db/schema/index.js";
import { isReviewOverdue } from "../../domain/risk-review.js";
import { ratingFor, riskScore } from "./heatmap.js";

export type RiskRow = typeof risks.$inferSelect;

const FIELD_NAMES: Partial<Record<string, string>> = {
  title: "Risk",
  description: "Description",
  likelihood: "Likelihood",
  impact: "Impact",
  score: "Score",
  owner: "Owner",
  mitigation: "Mitigation",
  reviewOn: "Review date",
  status: "Status",
};

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  return typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value);
}

export function presentRisk(row: RiskRow, today: string) {
  const score = riskScore(row.likelihood, row.impact);
  const rating = ratingFor(score);
  return {
    id: row.id,
    projectId: row.projectId,
    title: row.title,
    description: row.description,
    likelihood: row.likelihood,
    impact: row.impact,
    score,
    rating: rating.code,
    ratingName: rating.name,
    owner: row.owner,
    mitigation: row.mitigation,
    reviewOn: row.reviewOn,
    status: row.status,
    /** An open risk whose review date has passed. */
    overdue: isReviewOverdue(row, today),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type PresentedRisk = ReturnType<typeof presentRisk>;

/**
 * What risk_history keeps of one change (service.ts writes it): the action, the fields before, and
 * each changed field's from and to. Read back with defaults, as a record written before a field
 * existed lacks it.
 */
const historySnapshot = z.object({
  action: z.string().catch("updated"),
  before: z.record(z.string(), z.unknown()).nullable().catch(null),
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).catch({}),
});

export interface HistoryRow {
  version: number;
  snapshot: Record<string, unknown>;
  changedAt: Date;
  changedBy: string | null;
}

/** One change of a risk, with the same changes in words for the page. */
export function presentHistory(h: HistoryRow) {
  const { action, before, changes } = historySnapshot.parse(h.snapshot);
  return {
    version: h.version,
    changedAt: h.changedAt.toISOString(),
    changedBy: h.changedBy ?? "the system",
    action,
    before,
    changes,
    /** The same changes in words, for the page. */
    changeList: Object.entries(changes).map(([field, c]) => ({
      field: FIELD_NAMES[field] ?? field,
      from: shown(c.from),
      to: shown(c.to),
    })),
  };
}
