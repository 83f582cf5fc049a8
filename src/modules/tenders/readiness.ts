import type { FieldError } from "../../errors.js";
import type { MissingOutput, ProjectSnapshot } from "../../domain/stages.js";
import { evaluateGate } from "../../domain/stages.js";
import {
  hasPqqStage,
  PACK_DOCUMENT_NAMES,
  REQUIRED_PACK_KINDS,
  SECTION_NAMES,
  timetableProblems,
  type Procedure,
  type Section,
} from "../../domain/tendering.js";

/**
 * What a tender must be before it is published (framework §3.9–3.13, App C 5.1–5.4), as pure checks
 * over what the service has read: its questions' structure, and the `missing` list the publish button
 * shows and the API's 409 carries (the same shape as a project's stage gate).
 */

export interface QuestionShape {
  code: string;
  section: Section;
  kind: "pass-fail" | "scored" | "price";
  weightPct?: number | null | undefined;
  wordLimit?: number | null | undefined;
}

/** Per cent, as a weight is written. */
const pct = (n: number) => `${String(n)}%`;

/** The structure of a tender's questions, each problem on its field path (`questions.2.weightPct`). */
export function questionProblems(procedure: Procedure, questions: readonly QuestionShape[]): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Map<string, number>();
  let prices = 0;
  questions.forEach((q, i) => {
    const at = (field: string) => `questions.${String(i)}.${field}`;
    const code = q.code.trim().toUpperCase();
    if (seen.has(code)) {
      problems.push({ path: at("code"), message: `Question codes must be unique: ${q.code} is used twice` });
    }
    seen.set(code, i);
    if (q.section === "pqq" && !hasPqqStage(procedure)) {
      problems.push({
        path: at("section"),
        message:
          "Only a restricted procedure has a pre-qualification questionnaire: put the question in the ITT",
      });
    }
    if (q.kind === "scored" && (q.weightPct === undefined || q.weightPct === null)) {
      problems.push({ path: at("weightPct"), message: "Enter the weight of a scored question, in per cent" });
    }
    if (q.kind !== "scored" && q.weightPct !== undefined && q.weightPct !== null) {
      problems.push({ path: at("weightPct"), message: "Only a scored question has a weight" });
    }
    if (q.wordLimit !== undefined && q.wordLimit !== null && q.wordLimit < 1) {
      problems.push({ path: at("wordLimit"), message: "A word limit must be a whole number above 0" });
    }
    if (q.kind === "price") {
      if (q.section !== "itt") {
        problems.push({ path: at("kind"), message: "The price question belongs in the ITT" });
      } else if (++prices > 1) {
        problems.push({ path: at("kind"), message: "The ITT has at most one price question" });
      }
    }
  });
  for (const section of ["pqq", "itt"] as const) {
    const scored = questions
      .map((q, i) => ({ q, i }))
      .filter(({ q }) => q.section === section && q.kind === "scored" && typeof q.weightPct === "number");
    const total = scored.reduce((sum, { q }) => sum + (q.weightPct ?? 0), 0);
    const last = scored.at(-1);
    if (last && total !== 100) {
      problems.push({
        path: `questions.${String(last.i)}.weightPct`,
        message: `The weights of the ${section.toUpperCase()}'s scored questions total ${pct(total)}: they must total 100%`,
      });
    }
  }
  return problems;
}

export interface PublishFacts {
  procedure: Procedure;
  /** The project's snapshot, as its stage gate reads it. */
  project: ProjectSnapshot;
  /** The kinds of the pack's current documents. */
  packKinds: readonly string[];
  questions: readonly QuestionShape[];
  now: Date;
  clarificationDeadline: Date;
  pqqDeadline: Date | null;
  submissionDeadline: Date;
}

/** What the award asks for comes after the tender: the evaluation recommendation and decision, the award. */
function beforeTheTender(m: MissingOutput): boolean {
  return m.output !== "award" && m.output !== "evaluation-report";
}

/**
 * §3.9–3.10: the project's Stage 4 gate, read by its own check (`evaluateGate`) as though it stood at
 * Stage 4, less what only the tender's outcome can give: the final documents approved by the programme's
 * governance, the procurement plan signed off, the EqIA signed off.
 */
function projectMissing(p: ProjectSnapshot): MissingOutput[] {
  const missing: MissingOutput[] = [];
  if (p.outcome !== "open") {
    missing.push({
      output: "project",
      kind: "record",
      reason: "The project has ended: a closed or rejected project publishes no tender",
      paragraph: "§3.17",
    });
  } else if (p.stage !== 4) {
    missing.push({
      output: "stage-4",
      kind: "record",
      reason: `The project must be at Stage 4, contracting and tendering (it is at ${p.stage === "closed" ? "its close" : `Stage ${String(p.stage)}`})`,
      paragraph: "§3.9",
    });
  }
  const gate = evaluateGate({ ...p, stage: 4, outcome: "open" });
  return [...missing, ...gate.missing.filter(beforeTheTender)];
}

/** App C 5.4: the pack has the specification, terms and conditions, pricing schedule and instructions. */
function packMissing(kinds: readonly string[]): MissingOutput[] {
  return REQUIRED_PACK_KINDS.filter((kind) => !kinds.includes(kind)).map((kind) => ({
    output: kind,
    kind: "document" as const,
    reason: `Add the ${PACK_DOCUMENT_NAMES[kind].toLowerCase()} to the tender's document pack`,
    paragraph: "App C 5.4",
  }));
}

/** The first stage's questionnaire needs questions: the PQQ for a restricted procedure, else the ITT. */
function questionsMissing(procedure: Procedure, questions: readonly QuestionShape[]): MissingOutput[] {
  const section: Section = hasPqqStage(procedure) ? "pqq" : "itt";
  const missing: MissingOutput[] = [];
  if (!questions.some((q) => q.section === section)) {
    missing.push({
      output: `${section}-questions`,
      kind: "record",
      reason: `Add the questions of the ${SECTION_NAMES[section]}`,
      paragraph: section === "pqq" ? "App C 5.2" : "App C 5.4",
    });
  }
  const structure = questionProblems(procedure, questions);
  if (structure[0]) {
    missing.push({
      output: "questions",
      kind: "record",
      reason: structure[0].message,
      paragraph: "App C 5.4",
    });
  }
  return missing;
}

/** Everything that stops the tender being published now; empty when it may be. */
export function publishMissing(f: PublishFacts): MissingOutput[] {
  const timetable = timetableProblems(f.procedure, {
    publishedAt: f.now,
    clarificationDeadline: f.clarificationDeadline,
    pqqDeadline: f.pqqDeadline,
    submissionDeadline: f.submissionDeadline,
  }).map((p) => ({
    output: p.field,
    kind: "record" as const,
    reason: p.message,
    paragraph: "App C 5.5",
  }));
  return [
    ...projectMissing(f.project),
    ...packMissing(f.packKinds),
    ...questionsMissing(f.procedure, f.questions),
    ...timetable,
  ];
}
