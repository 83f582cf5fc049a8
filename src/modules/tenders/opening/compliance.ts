import { hasPqqStage, isLate, isProcedure, type Section } from "../../../domain/tendering.js";
import type { SealedContent } from "../sealed-content.js";

/**
 * The checks made on each submission at its opening (App C 5.6–5.7): late, incomplete, and pass/fail
 * questions answered "no". The officer's conclusion comes after, with its reason.
 */
export interface QuestionFacts {
  code: string;
  kind: "pass-fail" | "scored" | "price";
}

/** A pass/fail answer that fails: "no" (the submission form's answer), or its synonyms. */
const FAILING = new Set(["no", "false", "fail", "n"]);

export function complianceChecks(
  questions: QuestionFacts[],
  content: SealedContent,
  submittedAt: Date | null,
  deadline: Date,
) {
  const answers = new Map(content.answers.map((a) => [a.questionCode, a.value.trim()]));
  const missingQuestionCodes = questions
    .filter((q) => (q.kind === "price" ? content.priceTotalPence === null : !answers.get(q.code)))
    .map((q) => q.code);
  const failedQuestionCodes = questions
    .filter((q) => q.kind === "pass-fail" && FAILING.has((answers.get(q.code) ?? "").toLowerCase()))
    .map((q) => q.code);
  // Late submissions are refused at the door; compared here too, so the record says so if one got in.
  const late = submittedAt === null || isLate(submittedAt, deadline);
  return { late, missingQuestionCodes, failedQuestionCodes };
}

/** The sections a tender opens, in order: the PQQ first for a restricted procedure (App C 5.2), then the ITT. */
export function sectionsOf(tender: { procedure: string; pqqDeadline: Date | null }): Section[] {
  const pqq = isProcedure(tender.procedure) && hasPqqStage(tender.procedure) && tender.pqqDeadline !== null;
  return pqq ? ["pqq", "itt"] : ["itt"];
}
