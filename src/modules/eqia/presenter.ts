import type { equalityAssessments } from "../../db/schema/index.js";
import { isOneOf } from "../../domain/codes.js";
import {
  CHARACTERISTICS,
  IMPACTS,
  eqiaScreeningDone,
  missingScreening,
  screeningRequiresFullAssessment,
  type ScreeningEntry,
} from "./screening.js";

export type EqiaRow = typeof equalityAssessments.$inferSelect;

/** The assessment as its page and the API show it: every characteristic, and what blocks sign-off. */
export function presentEqia(projectId: string, row: EqiaRow | null, signedOffByName: string | null) {
  const entries: ScreeningEntry[] = row?.entries ?? [];
  const byScreening = screeningRequiresFullAssessment(entries);
  const required = Boolean(row?.fullAssessmentRequired) || byScreening;
  const screeningDone = eqiaScreeningDone({ entries });
  const missing = missingScreening(entries);
  const blockers: string[] = [];
  if (!screeningDone)
    blockers.push(
      `Screen every characteristic: ${missing.length} of ${CHARACTERISTICS.length} still need an impact and the evidence for it`,
    );
  if (required && !row?.fullAssessmentDocumentId)
    blockers.push("Add the full assessment document: a full assessment is required");
  return {
    projectId,
    id: row?.id ?? null,
    screening: CHARACTERISTICS.map((c) => {
      const e = entries.find((x) => x.characteristic === c.code);
      const impact = e?.impact;
      return {
        characteristic: c.code,
        name: c.name,
        impact: isOneOf(IMPACTS, impact) ? impact : null,
        evidence: e?.evidence ?? "",
        mitigation: e?.mitigation ?? null,
      };
    }),
    screeningDone,
    missing,
    fullAssessmentRequired: required,
    fullAssessmentRequiredByScreening: byScreening,
    fullAssessmentRequiredByHand: Boolean(row?.fullAssessmentRequired) && !byScreening,
    fullAssessmentDocumentId: row?.fullAssessmentDocumentId ?? null,
    updatedAfterConsultation: row?.updatedAfterConsultation ?? false,
    signedOff:
      row?.signedOffById && row.signedOffOn
        ? { byId: row.signedOffById, byName: signedOffByName ?? "", on: row.signedOffOn }
        : null,
    /** What stands between this assessment and sign-off (empty when it can be signed off). */
    signOffBlockers: blockers,
    version: row?.version ?? 0,
  };
}
export type PresentedEqia = ReturnType<typeof presentEqia>;
