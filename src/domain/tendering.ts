import { isOneOf } from "./codes.js";
import type { RegimeCode } from "./regimes.js";

/**
 * Tendering's rules (framework §3.11–3.14, App C 5; docs/tendering.md): the procedures a tender may
 * follow under each regime, which of them has a pre-qualification stage, the order of a timetable, and
 * when a submission is late. Instants are compared as instants; pages show them in UK time.
 */

export const PROCEDURES = ["open", "restricted", "competitive-flexible", "psr-competitive"] as const;
export type Procedure = (typeof PROCEDURES)[number];

export const PROCEDURE_NAMES: Record<Procedure, string> = {
  open: "Open procedure",
  restricted: "Restricted procedure (with a pre-qualification stage)",
  "competitive-flexible": "Competitive flexible procedure",
  "psr-competitive": "Provider Selection Regime: competitive process",
};

/** Which procedures each regime offers (docs/rules.md, "Regimes"). */
export const PROCEDURES_BY_REGIME: Record<RegimeCode, readonly Procedure[]> = {
  // §3.11: "Tendering processes may or may not involve a Pre-Qualification Stage."
  PCR2006: ["open", "restricted"],
  PCR2015: ["open", "restricted"],
  PA2023: ["open", "competitive-flexible"],
  PSR: ["psr-competitive"],
};

export function isProcedure(value: string): value is Procedure {
  return isOneOf(PROCEDURES, value);
}

/** A restricted procedure first pre-qualifies: PQQ issued, evaluated, then ITT to the shortlist (App C 5.2–5.4). */
export function hasPqqStage(procedure: Procedure): boolean {
  return procedure === "restricted";
}

export const SECTIONS = ["pqq", "itt"] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_NAMES: Record<Section, string> = {
  pqq: "Pre-qualification questionnaire (PQQ)",
  itt: "Invitation to tender (ITT)",
};

export const QUESTION_KINDS = ["pass-fail", "scored", "price"] as const;

export const PACK_DOCUMENT_KINDS = [
  "specification",
  "terms-and-conditions",
  "pricing-schedule",
  "instructions",
  "other",
] as const;
export type PackDocumentKind = (typeof PACK_DOCUMENT_KINDS)[number];

export const PACK_DOCUMENT_NAMES: Record<PackDocumentKind, string> = {
  specification: "Service specification",
  "terms-and-conditions": "Terms and conditions",
  "pricing-schedule": "Pricing schedule",
  instructions: "Instructions to tenderers",
  other: "Other document",
};

/** App C 5.4: the ITT includes terms and conditions, the specification, instructions and the financial model. */
export const REQUIRED_PACK_KINDS: readonly PackDocumentKind[] = [
  "specification",
  "terms-and-conditions",
  "pricing-schedule",
  "instructions",
];

export interface Timetable {
  publishedAt: Date;
  clarificationDeadline: Date;
  pqqDeadline?: Date | null | undefined;
  submissionDeadline: Date;
}

export interface TimetableProblem {
  field: "clarificationDeadline" | "pqqDeadline" | "submissionDeadline";
  message: string;
}

/**
 * The timetable's order: publication, then the PQQ deadline (restricted only), then the clarification
 * deadline, then the tender deadline; questions must close before tenders do so that every answer can
 * reach every bidder (App C 5.5).
 */
export function timetableProblems(procedure: Procedure, t: Timetable): TimetableProblem[] {
  const problems: TimetableProblem[] = [];
  if (t.clarificationDeadline <= t.publishedAt) {
    problems.push({
      field: "clarificationDeadline",
      message: "The clarification deadline must be after publication",
    });
  }
  if (t.submissionDeadline <= t.clarificationDeadline) {
    problems.push({
      field: "submissionDeadline",
      message: "The tender deadline must be after the clarification deadline",
    });
  }
  if (hasPqqStage(procedure)) {
    if (!t.pqqDeadline) {
      problems.push({
        field: "pqqDeadline",
        message: "Enter the PQQ deadline: a restricted procedure has one",
      });
    } else if (t.pqqDeadline <= t.publishedAt || t.pqqDeadline >= t.submissionDeadline) {
      problems.push({
        field: "pqqDeadline",
        message: "The PQQ deadline must be after publication and before the tender deadline",
      });
    }
  } else if (t.pqqDeadline) {
    problems.push({ field: "pqqDeadline", message: "Only a restricted procedure has a PQQ deadline" });
  }
  return problems;
}

/**
 * A submission is on time when the server's clock reads no later than the deadline; one second after
 * is late and refused (App C 5.6, "tender opening and recording").
 */
export function isLate(at: Date, deadline: Date): boolean {
  return at.getTime() > deadline.getTime();
}

/** The deadline for a section: the PQQ's for the PQQ, the tender deadline for the ITT. */
export function sectionDeadline(
  section: Section,
  t: { pqqDeadline: Date | null; submissionDeadline: Date },
): Date | null {
  return section === "pqq" ? t.pqqDeadline : t.submissionDeadline;
}

/** Words in an answer, as a word limit counts them: runs of non-space characters. */
export function wordCount(text: string): number {
  const words = text.trim().match(/\S+/g);
  return words ? words.length : 0;
}
