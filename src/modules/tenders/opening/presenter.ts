import { z } from "zod";
import { SECTION_NAMES, type Section } from "../../../domain/tendering.js";

/**
 * The opening's view models (App C 5.6–5.7): the record as it was made at the opening, and each opened
 * submission's compliance. Never touches the database.
 */

/** What `tender_openings.record` holds, written once at the opening and never changed. */
export const openingRecordSchema = z.object({
  section: z.enum(["pqq", "itt"]),
  deadline: z.string(),
  openedBy: z.object({ id: z.string(), name: z.string() }),
  witnesses: z.array(z.object({ id: z.string(), name: z.string() })),
  submissions: z.array(
    z.object({
      submissionId: z.string(),
      organisationId: z.string(),
      organisationName: z.string(),
      submittedAt: z.string(),
      sha256: z.string(),
      lotCodes: z.array(z.string()),
    }),
  ),
  withdrawnCount: z.number().int(),
  supersededCount: z.number().int(),
});
export type OpeningRecord = z.infer<typeof openingRecordSchema>;

export interface ComplianceFacts {
  submissionId: string;
  late: boolean;
  missingQuestionCodes: string[];
  failedQuestionCodes: string[];
  compliant: boolean | null;
  reason: string | null;
}

const ukTimeParts = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
  timeZone: "Europe/London",
});

/** An instant in UK time as a message says it: "12:00pm on 1 February 2027". */
export function ukDeadline(at: Date): string {
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    ukTimeParts.formatToParts(at).find((p) => p.type === type)?.value ?? "";
  const hour = part("hour") === "0" ? "12" : part("hour");
  return `${hour}:${part("minute")}${part("dayPeriod").toLowerCase().replace(/\s|\./g, "")} on ${part("day")} ${part("month")} ${part("year")}`;
}

export interface PresentedOpening {
  id: string;
  section: Section;
  sectionName: string;
  openedAt: string;
  deadline: string;
  openedBy: { id: string; name: string };
  witnesses: { id: string; name: string }[];
  submissions: (OpeningRecord["submissions"][number] & { compliance: ComplianceFacts | null })[];
  withdrawnCount: number;
  supersededCount: number;
}

/** One opening with the compliance of each submission it opened. */
export function presentOpening(
  row: { id: string; section: Section; openedAt: Date; record: unknown },
  compliance: ComplianceFacts[],
): PresentedOpening {
  const record = openingRecordSchema.parse(row.record);
  const bySubmission = new Map(compliance.map((c) => [c.submissionId, c]));
  return {
    id: row.id,
    section: row.section,
    sectionName: SECTION_NAMES[row.section],
    openedAt: row.openedAt.toISOString(),
    deadline: record.deadline,
    openedBy: record.openedBy,
    witnesses: record.witnesses,
    submissions: record.submissions.map((s) => ({
      ...s,
      compliance: bySubmission.get(s.submissionId) ?? null,
    })),
    withdrawnCount: record.withdrawnCount,
    supersededCount: record.supersededCount,
  };
}

/** The words for a compliance check's findings, for the page. */
export function complianceFindings(c: ComplianceFacts | null): string {
  if (!c) return "Not checked";
  const findings: string[] = [];
  if (c.late) findings.push("Late");
  if (c.missingQuestionCodes.length) findings.push(`Missing answers: ${c.missingQuestionCodes.join(", ")}`);
  if (c.failedQuestionCodes.length) findings.push(`Failed pass/fail: ${c.failedQuestionCodes.join(", ")}`);
  return findings.length ? findings.join("; ") : "Complete, no pass/fail question failed";
}

/** The officer's conclusion, for the page. */
export function complianceConclusion(c: ComplianceFacts | null): string {
  if (c?.compliant === true) return c.reason ? `Compliant: ${c.reason}` : "Compliant";
  if (c?.compliant === false) return `Not compliant: ${c.reason ?? ""}`;
  return "Not yet recorded";
}
