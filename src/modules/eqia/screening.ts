import { isOneOf } from "../../domain/codes.js";
/**
 * Equality impact assessment screening (App C 1 and 3): the protected characteristics of the
 * Equality Act 2010, plus carers, each with an impact and its evidence. Pure rules, no I/O, so the
 * stage gate (src/domain/stages.ts, "EqIA screening done") can take their answer as a flag.
 */

export const CHARACTERISTIC_CODES = [
  "age",
  "disability",
  "gender-reassignment",
  "marriage-civil-partnership",
  "pregnancy-maternity",
  "race",
  "religion-belief",
  "sex",
  "sexual-orientation",
  "carers",
] as const;
export type CharacteristicCode = (typeof CHARACTERISTIC_CODES)[number];

const CHARACTERISTIC_NAMES: Record<CharacteristicCode, string> = {
  age: "Age",
  disability: "Disability",
  "gender-reassignment": "Gender reassignment",
  "marriage-civil-partnership": "Marriage and civil partnership",
  "pregnancy-maternity": "Pregnancy and maternity",
  race: "Race",
  "religion-belief": "Religion or belief",
  sex: "Sex",
  "sexual-orientation": "Sexual orientation",
  carers: "Carers",
};

/** The characteristics in the order the form and the API list them. */
export const CHARACTERISTICS: readonly { code: CharacteristicCode; name: string }[] =
  CHARACTERISTIC_CODES.map((code) => ({ code, name: CHARACTERISTIC_NAMES[code] }));

export const IMPACTS = ["positive", "neutral", "negative", "unknown"] as const;
export type Impact = (typeof IMPACTS)[number];

export const IMPACT_NAMES: Record<Impact, string> = {
  positive: "Positive",
  neutral: "Neutral",
  negative: "Negative",
  unknown: "Not known yet",
};

export interface ScreeningEntry {
  characteristic: string;
  impact: string | null;
  evidence: string;
  mitigation?: string | null | undefined;
}

export interface ScreeningAssessment {
  entries: readonly ScreeningEntry[];
}

function entryFor(entries: readonly ScreeningEntry[], code: string) {
  return entries.find((e) => e.characteristic === code);
}

/** The characteristics still without an impact or without evidence for it. */
export function missingScreening(entries: readonly ScreeningEntry[]): CharacteristicCode[] {
  return CHARACTERISTIC_CODES.filter((code) => {
    const entry = entryFor(entries, code);
    return !entry?.impact || !isOneOf(IMPACTS, entry.impact) || !entry.evidence.trim();
  });
}

/**
 * "EqIA screening done" (App C 1; stage 2 gate): every characteristic has an impact and the
 * evidence for it. A missing assessment is not done.
 */
export function eqiaScreeningDone(assessment: ScreeningAssessment | null | undefined): boolean {
  return Boolean(assessment) && missingScreening(assessment?.entries ?? []).length === 0;
}

/** A full assessment is needed when any impact screened is negative or not known yet. */
export function screeningRequiresFullAssessment(entries: readonly ScreeningEntry[]): boolean {
  return entries.some((e) => e.impact === "negative" || e.impact === "unknown");
}
