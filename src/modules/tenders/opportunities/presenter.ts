import { hasPqqStage, isProcedure, PACK_DOCUMENT_NAMES, PROCEDURE_NAMES } from "../../../domain/tendering.js";
import { isOneOf } from "../../../domain/codes.js";
import { PACK_DOCUMENT_KINDS } from "../../../domain/tendering.js";
import type { DownloadRow, OpportunityRow, PackDocumentRow } from "./queries.js";

interface Deadlines {
  procedure: string;
  pqqDeadline: Date | null;
  submissionDeadline: Date;
}

/**
 * The deadline a supplier races: a restricted tender's PQQ deadline while it is still ahead, else the
 * tender deadline (App C 5.2, 5.4). `opportunityRows` applies the same rule in SQL.
 */
export function closingAt(t: Deadlines, now: Date): { at: Date; stage: "pqq" | "itt" } {
  if (t.procedure === "restricted" && t.pqqDeadline && t.pqqDeadline > now) {
    return { at: t.pqqDeadline, stage: "pqq" };
  }
  return { at: t.submissionDeadline, stage: "itt" };
}

/**
 * Until when a supplier may register interest: the PQQ deadline of a restricted procedure (after it only
 * the shortlist takes part, App C 5.4), else the tender deadline.
 */
export function interestClosesAt(t: Deadlines): Date {
  return isProcedure(t.procedure) && hasPqqStage(t.procedure) && t.pqqDeadline
    ? t.pqqDeadline
    : t.submissionDeadline;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function procedureName(procedure: string): string {
  return isProcedure(procedure) ? PROCEDURE_NAMES[procedure] : procedure;
}

export function documentKindName(kind: string): string {
  return isOneOf(PACK_DOCUMENT_KINDS, kind) ? PACK_DOCUMENT_NAMES[kind] : kind;
}

/** Pence as pounds for people: "£2,500,000" (whole pounds) or "£1,234.50". */
export function pounds(pence: number): string {
  const whole = pence % 100 === 0;
  return `£${(pence / 100).toLocaleString("en-GB", {
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  })}`;
}

/** One opportunity as the API and the list show it: instants as ISO 8601 with offset. */
export function presentOpportunity(row: OpportunityRow, now: Date) {
  const closing = closingAt(row, now);
  return {
    id: row.id,
    reference: row.reference,
    title: row.title,
    description: row.description,
    programme: { code: row.programmeCode, name: row.programmeName ?? row.programmeCode },
    valuePence: row.valuePence,
    procedure: row.procedure,
    procedureName: procedureName(row.procedure),
    lots: row.lots.map((l) => ({ code: l.code, title: l.title, valuePence: l.valuePence ?? null })),
    closingAt: closing.at.toISOString(),
    closingStage: closing.stage,
    open: closing.at > now,
    cancelled: row.status === "cancelled",
    timetable: {
      publishedAt: iso(row.publishedAt),
      clarificationDeadline: row.clarificationDeadline.toISOString(),
      pqqDeadline: iso(row.pqqDeadline),
      submissionDeadline: row.submissionDeadline.toISOString(),
      plannedAwardOn: row.plannedAwardOn ?? null,
    },
  };
}

/** A pack document: its name, and whether a later version replaced it (still downloadable, marked). */
export function presentPackDocument(row: PackDocumentRow) {
  return {
    id: row.id,
    kind: row.kind,
    kindName: documentKindName(row.kind),
    title: row.title,
    fileName: row.fileName,
    bytes: row.bytes,
    mediaType: row.mediaType,
    sha256: row.sha256,
    superseded: row.supersededAt !== null,
    supersededAt: iso(row.supersededAt),
  };
}

export function presentDownload(row: DownloadRow) {
  return {
    id: row.id,
    at: row.at.toISOString(),
    documentId: row.documentId,
    documentTitle: row.documentTitle,
    fileName: row.fileName,
    superseded: row.superseded,
    organisationName: row.organisationName ?? "",
    userName: row.userName ?? "",
  };
}

/** `Content-Disposition: attachment` with a safe ASCII name and the exact name in RFC 5987 form. */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_") || "document";
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const ukFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

/** An instant in UK time for a message, as the `dateTime` filter shows it on pages. */
export function ukDateTime(at: Date): string {
  return `${ukFormat.format(at)} (UK time)`;
}
