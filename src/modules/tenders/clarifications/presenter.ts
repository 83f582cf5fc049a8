import type { ClarificationLogRow, SupplierLogRow } from "./queries.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Where the answer went: to every interested supplier, to the asker only, or not yet answered. */
export function statusOf(row: { answer: string | null; visibility: string | null }) {
  if (row.answer === null) return "awaiting-answer" as const;
  return row.visibility === "all" ? ("published" as const) : ("answered-privately" as const);
}

export const STATUS_NAMES = {
  "awaiting-answer": "Awaiting an answer",
  published: "Answer published to every interested supplier",
  "answered-privately": "Answered privately to the asker",
} as const;

/** Staff's view of one question: who asked it, and the private reason when it was answered privately. */
export function presentForStaff(row: ClarificationLogRow) {
  return {
    id: row.id,
    tenderId: row.tenderId,
    number: row.number,
    question: row.question,
    answer: row.answer,
    publish: row.visibility,
    status: statusOf(row),
    privateReason: row.privateReason,
    askedAt: iso(row.askedAt),
    answeredAt: iso(row.answeredAt),
    answeredBy: row.answeredByName,
    askedBy: { organisationId: row.organisationId, organisationName: row.organisationName },
  };
}

/**
 * A supplier's view: no organisation is ever named. `ours` tells the supplier which questions it
 * asked; another supplier's question appears only once its answer is published (App C 5.5).
 */
export function presentForSupplier(row: SupplierLogRow) {
  return {
    id: row.id,
    tenderId: row.tenderId,
    number: row.number,
    question: row.question,
    answer: row.answer,
    publish: row.visibility,
    status: statusOf(row),
    privateReason: row.ours ? row.privateReason : null,
    askedAt: row.ours ? iso(row.askedAt) : null,
    answeredAt: iso(row.answeredAt),
    ours: row.ours,
  };
}
