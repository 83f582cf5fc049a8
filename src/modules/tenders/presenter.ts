import {
  hasPqqStage,
  isProcedure,
  PACK_DOCUMENT_KINDS,
  PACK_DOCUMENT_NAMES,
  PROCEDURE_NAMES,
  SECTION_NAMES,
  type Section,
} from "../../domain/tendering.js";
import { isOneOf } from "../../domain/codes.js";
import { procedureOf } from "./drafts.js";
import { formatPence } from "../../domain/money.js";
import type { MissingOutput } from "../../domain/stages.js";
import type { TenderAddendumRow, TenderDocumentRow, TenderQuestionRow, TenderRow } from "./queries.js";

/**
 * A tender as it leaves the service (docs/tendering.md): the staff's whole view (everything but the
 * wrapped data key, which never leaves the database), and the public part a supplier sees once it is
 * published. Instants go out as ISO 8601; pages show them in UK time.
 */

export function presentQuestion(q: TenderQuestionRow) {
  return {
    id: q.id,
    code: q.code,
    section: q.section,
    kind: q.kind,
    text: q.text,
    guidance: q.guidance,
    weightPct: q.weightPct,
    wordLimit: q.wordLimit,
    attachmentAllowed: q.attachmentAllowed,
    position: q.position,
  };
}

export type PresentedQuestion = ReturnType<typeof presentQuestion>;

export function presentDocument(d: TenderDocumentRow) {
  return {
    id: d.id,
    tenderId: d.tenderId,
    kind: d.kind,
    kindName: isOneOf(PACK_DOCUMENT_KINDS, d.kind) ? PACK_DOCUMENT_NAMES[d.kind] : d.kind,
    title: d.title,
    sha256: d.sha256,
    bytes: d.bytes,
    mediaType: d.mediaType,
    fileName: d.fileName,
    uploadedAt: d.createdAt.toISOString(),
    supersededAt: d.supersededAt?.toISOString() ?? null,
  };
}

export function presentAddendum(
  a: Pick<TenderAddendumRow, "id" | "number" | "summary" | "changes" | "createdAt">,
) {
  return {
    id: a.id,
    number: a.number,
    summary: a.summary,
    changes: a.changes,
    createdAt: a.createdAt.toISOString(),
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The fields every view of a tender shares. */
function tenderCore(t: TenderRow) {
  return {
    id: t.id,
    projectId: t.projectId,
    reference: t.reference,
    title: t.title,
    description: t.description,
    procedure: procedureOf(t),
    procedureName: PROCEDURE_NAMES[procedureOf(t)],
    lots: t.lots,
    valuePence: t.valuePence,
    status: t.status,
    publishedAt: iso(t.publishedAt),
    clarificationDeadline: t.clarificationDeadline.toISOString(),
    pqqDeadline: iso(t.pqqDeadline),
    submissionDeadline: t.submissionDeadline.toISOString(),
    plannedAwardOn: t.plannedAwardOn,
  };
}

export interface TenderParts {
  questions: readonly TenderQuestionRow[];
  documents: readonly TenderDocumentRow[];
  addenda: readonly Pick<TenderAddendumRow, "id" | "number" | "summary" | "changes" | "createdAt">[];
}

/** The staff's view: everything except the wrapped data key; with what still stops publication. */
export function presentTender(t: TenderRow, parts: TenderParts, missing: MissingOutput[] = []) {
  return {
    ...tenderCore(t),
    version: t.version,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    questions: parts.questions.map(presentQuestion),
    documents: parts.documents.map(presentDocument),
    addenda: parts.addenda.map(presentAddendum),
    missing: t.status === "draft" ? missing : [],
  };
}

export type PresentedTender = ReturnType<typeof presentTender>;

/** What a supplier sees of a published tender: no version, no internal notes, current documents only. */
export function presentPublicTender(t: TenderRow, parts: TenderParts) {
  return {
    ...tenderCore(t),
    questions: parts.questions.map(presentQuestion),
    documents: parts.documents.filter((d) => d.supersededAt === null).map(presentDocument),
    addenda: parts.addenda.map(presentAddendum),
  };
}

/** A tender in a project's list. */
export function presentTenderSummary(t: TenderRow) {
  return tenderCore(t);
}

/** The sections a tender's procedure has, in order, with their questions (the tender page). */
export function questionSections(procedure: string, questions: readonly PresentedQuestion[]) {
  const sections: Section[] = isProcedure(procedure) && hasPqqStage(procedure) ? ["pqq", "itt"] : ["itt"];
  const present = new Set(questions.map((q) => q.section));
  for (const s of ["pqq", "itt"] as const) if (present.has(s) && !sections.includes(s)) sections.push(s);
  return sections.map((section) => {
    const items = questions.filter((q) => q.section === section);
    return {
      section,
      name: SECTION_NAMES[section],
      questions: items,
      scoredTotal: items.reduce((sum, q) => sum + (q.kind === "scored" ? (q.weightPct ?? 0) : 0), 0),
    };
  });
}

const KIND_NAMES: Record<string, string> = { "pass-fail": "Pass or fail", scored: "Scored", price: "Price" };

export function questionKindName(kind: string): string {
  return KIND_NAMES[kind] ?? kind;
}

/** Pence as pounds, for the pages. */
export function pounds(pence: number): string {
  return formatPence(pence);
}

const UK_DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

/** An instant as the council's people and suppliers read it: UK time, e.g. "27 March 2026 at 12:00pm". */
export function ukDateTime(instant: Date): string {
  return UK_DATE_TIME.format(instant);
}
