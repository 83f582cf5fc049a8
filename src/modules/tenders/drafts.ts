import { getRegime, isRegimeCode } from "../../domain/regimes.js";
import {
  isProcedure,
  PROCEDURE_NAMES,
  PROCEDURES_BY_REGIME,
  timetableProblems,
  type Procedure,
} from "../../domain/tendering.js";
import type { FieldError } from "../../errors.js";
import type { QuestionInput, TenderUpdateInput } from "./inputs.js";
import type { TenderRow } from "./queries.js";
import { questionProblems } from "./readiness.js";

/**
 * What a draft tender must be at every save (docs/tendering.md): a procedure the project's regime
 * offers, questions well formed, and a timetable in order from now. Pure: the service reads, this judges.
 */

/** The procedure must be one the project's regime offers (docs/rules.md, regimes). */
export function procedureProblems(regime: string, procedure: Procedure): FieldError[] {
  if (!isRegimeCode(regime)) {
    return [{ path: "procedure", message: `The project's regime (${regime}) offers no tendering procedure` }];
  }
  const offered = PROCEDURES_BY_REGIME[regime];
  if (offered.includes(procedure)) return [];
  const names = offered.map((p) => PROCEDURE_NAMES[p].toLowerCase()).join(" or ");
  return [
    {
      path: "procedure",
      message: `The project is under the ${getRegime(regime).name}, which offers the ${names}: not the ${PROCEDURE_NAMES[procedure].toLowerCase()}`,
    },
  ];
}

export interface DraftFacts {
  regime: string;
  procedure: Procedure;
  clarificationDeadline: Date;
  pqqDeadline: Date | null;
  submissionDeadline: Date;
  questions: readonly QuestionInput[];
}

/** What a draft must be at every save: a procedure of the regime, questions well formed, a timetable in order. */
export function draftProblems(f: DraftFacts, now: Date): FieldError[] {
  const timetable = timetableProblems(f.procedure, { ...f, publishedAt: now }).map((p) => ({
    path: p.field,
    message: p.message,
  }));
  return [
    ...procedureProblems(f.regime, f.procedure),
    ...timetable,
    ...questionProblems(f.procedure, f.questions),
  ];
}

export const questionRows = (tenderId: string, questions: readonly QuestionInput[]) =>
  questions.map((q, i) => ({
    tenderId,
    code: q.code,
    section: q.section,
    kind: q.kind,
    text: q.text,
    guidance: q.guidance ?? "",
    weightPct: q.weightPct ?? null,
    wordLimit: q.wordLimit ?? null,
    attachmentAllowed: q.attachmentAllowed ?? false,
    position: i + 1,
  }));

/** The stored procedure (always one of PROCEDURES: only this service writes it). */
export function procedureOf(tender: Pick<TenderRow, "procedure">): Procedure {
  return isProcedure(tender.procedure) ? tender.procedure : "open";
}

/** The draft's facts after the update: what the input gives, else what is stored. */
export function draftFactsAfter(
  tender: TenderRow,
  regime: string,
  input: TenderUpdateInput,
  questions: QuestionInput[],
) {
  const pqq = input.pqqDeadline;
  return {
    regime,
    procedure: input.procedure ?? procedureOf(tender),
    clarificationDeadline: input.clarificationDeadline
      ? new Date(input.clarificationDeadline)
      : tender.clarificationDeadline,
    pqqDeadline: pqq === undefined ? tender.pqqDeadline : pqq === null ? null : new Date(pqq),
    submissionDeadline: input.submissionDeadline
      ? new Date(input.submissionDeadline)
      : tender.submissionDeadline,
    questions,
  };
}
