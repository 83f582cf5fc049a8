/**
 * When a risk's review is overdue. The risk register is a live document that must be continually
 * updated (App C 1, "Begin Risk Register"): each risk names the date by which it is next looked at,
 * and an open risk whose date has passed is flagged on the register, the project's page and the
 * pipeline. A closed risk is never overdue; a review due today is not yet late.
 *
 * The reads ask the same thing in SQL (`reviewOverdue` in src/modules/risks/queries.ts); the two are
 * kept the same by their tests.
 */
export interface ReviewedRisk {
  status: string;
  /** The review date, YYYY-MM-DD. */
  reviewOn: string;
}

export function isReviewOverdue(risk: ReviewedRisk, today: string): boolean {
  return risk.status === "open" && risk.reviewOn < today;
}
