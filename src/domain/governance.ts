import { isOneOf } from "./codes.js";

/**
 * The framework's programmes and who governs each, held once (§1.1–1.2, §2.1, §3.4): substance
 * misuse services (KDAAT) answer to the Joint Commissioning Groups and the KDAAT Board; housing-related
 * support (SP, and the services hosted with it: KSE, KSAS) to the Core Strategy Group and the SP
 * Commissioning Body. The gates (stages.ts), the approvals by value (approvals.ts) and the reference
 * data read them from here.
 */
export const PROGRAMME_CODES = ["SP", "KDAAT", "KSE", "KSAS"] as const;
export type ProgrammeCode = (typeof PROGRAMME_CODES)[number];

export type OperationalGroup = "JCG" | "CSG";
export type ExecutiveBoard = "KDAAT_BOARD" | "SP_COMMISSIONING_BODY";

export const PROGRAMME_GOVERNANCE: Record<
  ProgrammeCode,
  { operationalGroup: OperationalGroup; executiveBoard: ExecutiveBoard }
> = {
  KDAAT: { operationalGroup: "JCG", executiveBoard: "KDAAT_BOARD" },
  SP: { operationalGroup: "CSG", executiveBoard: "SP_COMMISSIONING_BODY" },
  KSE: { operationalGroup: "CSG", executiveBoard: "SP_COMMISSIONING_BODY" },
  KSAS: { operationalGroup: "CSG", executiveBoard: "SP_COMMISSIONING_BODY" },
};

/** The bodies a gate or an approval may wait for, named as the framework names them, for reasons. */
export const BODY_NAMES: Record<string, string> = {
  JCG: "the Joint Commissioning Groups (JCG)",
  CSG: "the Core Strategy Group (CSG)",
  KDAAT_BOARD: "the KDAAT Board",
  SP_COMMISSIONING_BODY: "the SP Commissioning Body",
  PROCUREMENT_BOARD: "the Procurement Board",
  PROCUREMENT_MANAGER: "the Procurement Manager",
  DIRECTOR: "the Director of Service Improvement, Customer and Communities",
  EQUALITIES_TEAM: "the Equalities team",
};

export function bodyName(code: string): string {
  return BODY_NAMES[code] ?? code;
}

export function isProgrammeCode(value: string): value is ProgrammeCode {
  return isOneOf(PROGRAMME_CODES, value);
}

/** The kinds of governance body of the framework's structure (§2, Figure 1), as pages name them. */
export type BodyKind = "executive-board" | "operational-group" | "procurement-board" | "officer" | "team";

export const KIND_LABELS: Record<BodyKind, string> = {
  "executive-board": "Executive board",
  "operational-group": "Operational group",
  "procurement-board": "Procurement board",
  officer: "Officer",
  team: "Team",
};

/** The framework's order of programmes (§1.1): SP, KDAAT, KSE, KSAS; programmes added later follow by code. */
export function byFrameworkOrder<T extends { code: string }>(items: T[]): T[] {
  const rank = (code: string) => {
    const i = PROGRAMME_CODES.findIndex((c) => c === code);
    return i === -1 ? PROGRAMME_CODES.length : i;
  };
  return [...items].sort((a, b) => rank(a.code) - rank(b.code) || a.code.localeCompare(b.code));
}
