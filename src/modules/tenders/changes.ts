import { timetableProblems, type Procedure } from "../../domain/tendering.js";
import type { FieldError } from "../../errors.js";
import type { QuestionInput, TenderUpdateInput } from "./inputs.js";
import { ukDateTime } from "./presenter.js";
import type { TenderQuestionRow, TenderRow } from "./queries.js";

/**
 * What a change to a tender amounts to, worked out before anything is written: for a published tender,
 * the addendum's changes and the reasons to refuse it (App C 5.5); for a draft's questions, the list as
 * it will stand after one question is added, changed or removed.
 */

/** What a published tender may change: its deadlines and description, each change an addendum. */
const AMENDABLE = new Set([
  "clarificationDeadline",
  "pqqDeadline",
  "submissionDeadline",
  "description",
  "version",
]);

const DEADLINE_NAMES = {
  clarificationDeadline: "clarification deadline",
  pqqDeadline: "PQQ deadline",
  submissionDeadline: "tender deadline",
} as const;
type DeadlineField = keyof typeof DEADLINE_NAMES;
const DEADLINES: DeadlineField[] = ["clarificationDeadline", "pqqDeadline", "submissionDeadline"];

export interface Amendment {
  /** {field: {from, to}} as the addendum records it. */
  changes: Record<string, { from: string | null; to: string | null }>;
  /** The addendum's words, as suppliers read them. */
  summary: string;
  values: Partial<Pick<TenderRow, DeadlineField | "description">>;
  /** The sections whose deadline moved: each gets a new reminder. */
  moved: { pqq: boolean; itt: boolean };
}

/** Fields a published tender cannot change, each on its path. */
export function unamendable(input: TenderUpdateInput): FieldError[] {
  const given: Record<string, unknown> = input;
  return Object.entries(given)
    .filter(([key, value]) => value !== undefined && !AMENDABLE.has(key))
    .map(([key]) => ({
      path: key,
      message: "A published tender changes only its deadlines and description, each change an addendum",
    }));
}

function deadlineProblems(field: DeadlineField, from: Date | null, to: Date | null, now: Date): FieldError[] {
  const name = DEADLINE_NAMES[field];
  if (from && from.getTime() <= now.getTime()) {
    return [{ path: field, message: `The ${name} has passed: it can no longer change` }];
  }
  if (to && to.getTime() <= now.getTime()) {
    return [{ path: field, message: `The ${name} cannot move into the past` }];
  }
  return [];
}

/** The addendum a published tender's change makes, or the problems that refuse it. */
export function publishedChanges(
  tender: TenderRow,
  procedure: Procedure,
  input: TenderUpdateInput,
  now: Date,
): { ok: true; amendment: Amendment | null } | { ok: false; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const amendment: Amendment = { changes: {}, summary: "", values: {}, moved: { pqq: false, itt: false } };
  const words: string[] = [];
  const next = { ...tender };
  for (const field of DEADLINES) {
    const given = input[field];
    if (given === undefined) continue;
    const to = given === null ? null : new Date(given);
    const from = tender[field];
    if ((from?.getTime() ?? null) === (to?.getTime() ?? null)) continue;
    problems.push(...deadlineProblems(field, from, to, now));
    if (field === "pqqDeadline") next.pqqDeadline = to;
    else if (to) next[field] = to;
    amendment.values = { ...amendment.values, [field]: to };
    amendment.changes[field] = { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null };
    if (field === "pqqDeadline") amendment.moved.pqq = true;
    if (field === "submissionDeadline") amendment.moved.itt = true;
    const name = DEADLINE_NAMES[field];
    words.push(
      `The ${name} is now ${to ? ukDateTime(to) : "none"} (it was ${from ? ukDateTime(from) : "none"}).`,
    );
  }
  if (input.description !== undefined && input.description !== tender.description) {
    amendment.values.description = input.description;
    amendment.changes.description = { from: tender.description, to: input.description };
    words.push("The tender's description has changed.");
  }
  if (Object.keys(amendment.changes).length === 0) return { ok: true, amendment: null };
  const order = timetableProblems(procedure, { ...next, publishedAt: tender.publishedAt ?? now });
  // The order is broken by the deadline that moved: the problem is shown on it, whichever the rule names.
  const moved = DEADLINES.filter((f) => f in amendment.changes);
  const on = (field: DeadlineField) => (moved.includes(field) ? field : (moved[0] ?? field));
  problems.push(...order.map((p) => ({ path: on(p.field), message: p.message })));
  if (problems.length) return { ok: false, problems };
  amendment.summary = words.join(" ");
  return { ok: true, amendment };
}

/** A stored question as the input that would make it again. */
export function questionAsInput(q: TenderQuestionRow): QuestionInput {
  return {
    code: q.code,
    section: q.section,
    kind: q.kind,
    text: q.text,
    guidance: q.guidance,
    ...(q.weightPct === null ? {} : { weightPct: q.weightPct }),
    ...(q.wordLimit === null ? {} : { wordLimit: q.wordLimit }),
    attachmentAllowed: q.attachmentAllowed,
  };
}

export type QuestionEdit =
  { add: QuestionInput } | { change: string; to: QuestionInput } | { remove: string };

/** The questions after one edit, and where the edited one stands (its index), or null when it is not there. */
export function changeQuestions(
  current: readonly TenderQuestionRow[],
  edit: QuestionEdit,
): { questions: QuestionInput[]; index: number } | null {
  const questions = current.map(questionAsInput);
  if ("add" in edit) return { questions: [...questions, edit.add], index: questions.length };
  const index = current.findIndex((q) => q.id === ("change" in edit ? edit.change : edit.remove));
  if (index < 0) return null;
  if ("change" in edit) questions[index] = edit.to;
  else questions.splice(index, 1);
  return { questions, index };
}
