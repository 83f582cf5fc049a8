import type { SealedContent } from "../sealed-content.js";
import type { OpeningRecord } from "../opening/presenter.js";

/** The PQQ stage's view model (App C 5.3): each opened response with its answers, assessments and outcome. */

interface QuestionFacts {
  code: string;
  kind: "pass-fail" | "scored" | "price";
  text: string;
}

interface AssessmentFacts {
  submissionId: string;
  questionCode: string;
  passed: boolean | null;
  score: number | null;
  rationale: string;
}

interface OutcomeFacts {
  submissionId: string;
  shortlisted: boolean;
  reason: string;
  notifiedAt: Date | null;
}

export function presentPqq(input: {
  record: OpeningRecord;
  questions: QuestionFacts[];
  contents: Map<string, SealedContent>;
  assessments: AssessmentFacts[];
  outcomes: OutcomeFacts[];
}) {
  const { record, questions, contents, assessments, outcomes } = input;
  const responses = record.submissions.map((s) => {
    const content = contents.get(s.submissionId);
    const own = assessments.filter((a) => a.submissionId === s.submissionId);
    const answers = questions.map((q) => {
      const a = own.find((x) => x.questionCode === q.code);
      return {
        code: q.code,
        kind: q.kind,
        text: q.text,
        value: content?.answers.find((x) => x.questionCode === q.code)?.value ?? "",
        assessment: a ? { passed: a.passed, score: a.score, rationale: a.rationale } : null,
      };
    });
    const outcome = outcomes.find((o) => o.submissionId === s.submissionId);
    return {
      submissionId: s.submissionId,
      organisationId: s.organisationId,
      organisationName: s.organisationName,
      submittedAt: s.submittedAt,
      sha256: s.sha256,
      answers,
      failedQuestionCodes: own.filter((a) => a.passed === false).map((a) => a.questionCode),
      totalScore: own.reduce((sum, a) => sum + (a.score ?? 0), 0),
      assessedAll: answers.every((a) => a.kind === "price" || a.assessment !== null),
      outcome: outcome
        ? {
            shortlisted: outcome.shortlisted,
            reason: outcome.reason,
            notifiedAt: outcome.notifiedAt?.toISOString() ?? null,
          }
        : null,
    };
  });
  return { questions, responses, decided: outcomes.length > 0 };
}

/** An outcome as the API gives it. */
export function presentOutcome(o: OutcomeFacts) {
  return {
    submissionId: o.submissionId,
    shortlisted: o.shortlisted,
    reason: o.reason,
    notifiedAt: o.notifiedAt?.toISOString() ?? null,
  };
}
