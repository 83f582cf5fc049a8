import type { IsoDate } from "./dates.js";
import { formatPence, percentOf } from "./money.js";
import { getRegime, SSP_CLOSE, thresholdOn, type RegimeCode, type Threshold } from "./regimes.js";
import { belowBoardRules, procurementBoardRules } from "./plan-rules.js";
import {
  found,
  noThresholdFlag,
  regimeDuties,
  regimeFlags,
  thresholdRules,
  type Asked,
  type Found,
} from "./regime-rules.js";
import { bodyName, PROGRAMME_GOVERNANCE, type ProgrammeCode } from "./governance.js";
import type { DocumentKind } from "./stages.js";

/**
 * Approvals by value (docs/rules.md, governance routes). Money is integer pence.
 * Thresholds are data: the framework's values, held here once.
 */
export const PROCUREMENT_BOARD_ABOVE_PENCE = 100_000_000; // £1,000,000 (§3.10)
export const PROCUREMENT_MANAGER_ABOVE_PENCE = 5_000_000; // £50,000 (§3.10)
/** App C 7: any contract with a value in excess of £1m is sealed, or signed by two authorised officers. */
export const SEAL_ABOVE_PENCE = 100_000_000;

export type PlanApprover = "PROCUREMENT_BOARD" | "PROCUREMENT_MANAGER";

/**
 * Who signs off the procurement plan (§3.10): the Procurement Board for specifications over £1,000,000,
 * the Procurement Manager over £50,000 up to £1,000,000; below that, nobody beyond the programme's own
 * governance.
 */
export function procurementPlanApprover(valuePence: number): PlanApprover | null {
  if (valuePence > PROCUREMENT_BOARD_ABOVE_PENCE) return "PROCUREMENT_BOARD";
  if (valuePence > PROCUREMENT_MANAGER_ABOVE_PENCE) return "PROCUREMENT_MANAGER";
  return null;
}

/**
 * What the body's approval is recorded on: its decision on the latest version of each of these
 * documents, its decision on the project (the procurement plan, §3.10), or a record another capability
 * keeps (the Equalities team's sign-off of the EqIA, App C 3). The gates (stages.ts `approvalStatus`)
 * read it to say whether the approval is met.
 */
export type ApprovalSubject =
  | { type: "documents"; kinds: readonly DocumentKind[] }
  | { type: "procurement-plan" }
  | { type: "eqia-sign-off" };

export interface Approval {
  bodyCode: string;
  what: string;
  reason: string;
  paragraph: string;
  /** The stage of the cycle it belongs to (§3.3): the gate out of that stage asks for it. */
  stage: 1 | 2 | 3 | 4 | 5;
  subject: ApprovalSubject;
}

const documents = (...kinds: DocumentKind[]): ApprovalSubject => ({ type: "documents", kinds });
const FINAL_DOCUMENTS = documents(
  "service-specification-final",
  "procurement-strategy",
  "tender-evaluation-plan",
);

export const FLAG_CODES = [
  "REGIME_NOT_IN_FORCE",
  "ABOVE_THRESHOLD",
  "SSP_ENGAGEMENT_ESSENTIAL",
  "THRESHOLD_NOT_HELD",
  "NO_THRESHOLD",
  "PROCUREMENT_PLAN_APPROVAL",
  "PROCUREMENT_BOARD_REQUIRED",
  "SEAL_REQUIRED",
  "COST_AVOIDANCE_PAPER_IF_REJECTED",
  "CONTRACT_AWARD_NOTICE",
  "CONTRACTS_FINDER",
  "CONFLICTS_ASSESSMENT",
  "CONTRACT_DETAILS_NOTICE",
  "BELOW_THRESHOLD_CONTRACT_DETAILS_NOTICE",
  "STANDSTILL_VOLUNTARY",
  "KPIS_PUBLISHED",
  "CONTRACT_PERFORMANCE_NOTICE",
  "TERMINATION_NOTICE",
  "PSR_ROUTES",
  "PSR_NOTICES",
  "PSR_SCOPE",
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

export interface Flag {
  code: FlagCode;
  reason: string;
  paragraph: string;
  /** What to confirm, for an item docs/rules.md marks "(check)". */
  check?: string;
}

export interface ApprovalsQuery {
  regime: RegimeCode;
  valuePence: number;
  programmeCode: ProgrammeCode;
  /** The day the procurement starts (the rules in force then): the caller's today when it asks of now. */
  on: IsoDate;
  /** A light touch contract, as the framework's services are (docs/rules.md): true unless said otherwise. */
  lightTouch?: boolean;
}

export interface ApprovalsAnswer {
  regime: RegimeCode;
  on: IsoDate;
  valuePence: number;
  programmeCode: ProgrammeCode;
  lightTouch: boolean;
  /** The threshold these services are held to on that date, or null (none held, or none in the regime). */
  threshold: Threshold | null;
  /** 80% of the threshold: from this value SSP engagement is essential (§3.13). */
  sspEngagementFromPence: number | null;
  approvals: Approval[];
  flags: Flag[];
  /** What a different value would need, and why this one does not (the rule that was not met). */
  notRequired: Flag[];
}

/** The programme's two bodies, by code and in words. */
interface Governance {
  programmeCode: ProgrammeCode;
  group: string;
  board: string;
  groupWords: string;
  boardWords: string;
}

/**
 * What the programme's own governance approves whatever the value: the needs assessment (§3.4), and the
 * business case with the procurement proposal and the EqIA (§3.5–3.6, App C 1).
 */
function governanceApprovals({
  programmeCode,
  group,
  board,
  groupWords,
  boardWords,
}: Governance): Approval[] {
  return [
    {
      bodyCode: group,
      what: "Needs assessment",
      reason: `Needs assessments are approved by the programme's operational group, ${groupWords} for ${programmeCode}, and then by its executive board.`,
      paragraph: "§3.4",
      stage: 1,
      subject: documents("needs-assessment"),
    },
    {
      bodyCode: board,
      what: "Needs assessment",
      reason: `Needs assessments are approved by the programme's executive board, ${boardWords} for ${programmeCode}, after its operational group.`,
      paragraph: "§3.4",
      stage: 1,
      subject: documents("needs-assessment"),
    },
    {
      bodyCode: group,
      what: "Business case, procurement proposal and equality impact assessment",
      reason: `They are submitted for approval through the Commissioned Services governance process, starting with the programme's operational group, ${groupWords}.`,
      paragraph: "§3.5–3.6, App C 1",
      stage: 2,
      subject: documents("business-case"),
    },
    {
      bodyCode: board,
      what: "Business case, procurement proposal and equality impact assessment",
      reason: `The business case is driven by the priorities of ${boardWords}, which approves it with the procurement proposal and the EqIA.`,
      paragraph: "§3.5–3.6, App C 1",
      stage: 2,
      subject: documents("business-case"),
    },
  ];
}

/**
 * What the programme's governance approves at Stage 4 whatever the value: the EqIA's sign-off after
 * consultation (App C 3), and the final specification, strategy and evaluation plan (§3.9, App C 3–4).
 */
function finalApprovals({ group, board, groupWords, boardWords }: Governance): Approval[] {
  return [
    {
      bodyCode: "EQUALITIES_TEAM",
      what: "Equality impact assessment, updated after consultation",
      reason:
        "The EqIA is updated with the changes made after consultation and sent to the Equalities team for sign-off.",
      paragraph: "App C 3",
      stage: 4,
      subject: { type: "eqia-sign-off" },
    },
    {
      bodyCode: group,
      what: "Final service specification, procurement strategy and tender evaluation plan",
      reason: `Signed off through the programme's governance structures, ${groupWords} first, and documented in minutes.`,
      paragraph: "§3.9, App C 3–4",
      stage: 4,
      subject: FINAL_DOCUMENTS,
    },
    {
      bodyCode: board,
      what: "Final service specification, procurement strategy and tender evaluation plan",
      reason: `Signed off through the programme's governance structures, then ${boardWords}, and documented in minutes.`,
      paragraph: "§3.9, App C 3–4",
      stage: 4,
      subject: FINAL_DOCUMENTS,
    },
  ];
}

/** The evaluation recommendation to the Director (§3.14) and the board's decision to award (§3.15). */
function awardApprovals({ board, boardWords }: Governance): Approval[] {
  return [
    {
      bodyCode: "DIRECTOR",
      what: "Evaluation recommendation",
      reason:
        "The evaluation team recommends to the Director the most economically advantageous bid(s) after all quality requirements have been met.",
      paragraph: "§3.14",
      stage: 4,
      subject: documents("evaluation-report"),
    },
    {
      bodyCode: board,
      what: "Final decision to award: accept or reject the recommendation",
      reason: `Representatives of ${boardWords} authorised to award contracts may question the evaluation team and then accept or reject the recommendation; a rejection ends the procurement (§3.17).`,
      paragraph: "§3.15",
      stage: 4,
      subject: documents("evaluation-report"),
    },
  ];
}

/**
 * The approvals of a value and programme, whatever the regime and date, with the flags that turn on the
 * value alone: the programme's governance (§3.4, §3.6, §3.9), the procurement plan and Procurement
 * Board (§3.10, App C 1), sealing (App C 7), and the award (§3.14–3.15).
 */
function valueRules(valuePence: number, programmeCode: ProgrammeCode): Found {
  const { operationalGroup: group, executiveBoard: board } = PROGRAMME_GOVERNANCE[programmeCode];
  const governance = {
    programmeCode,
    group,
    board,
    groupWords: bodyName(group),
    boardWords: bodyName(board),
  };
  const planApprover = procurementPlanApprover(valuePence);
  const value = formatPence(valuePence);
  const plan =
    planApprover === "PROCUREMENT_BOARD"
      ? procurementBoardRules(value)
      : belowBoardRules(value, planApprover);
  return {
    approvals: [
      ...governanceApprovals(governance),
      ...finalApprovals(governance),
      ...plan.approvals,
      ...awardApprovals(governance),
    ],
    flags: plan.flags,
    notRequired: plan.notRequired,
  };
}

/**
 * The flags the value alone sets off, and those it does not (§3.10, App C 1, App C 7): the checklist's
 * relevance rules (checklist-template.ts) read them, as approvalsFor does.
 */
export function valueFlags(valuePence: number): { applies: FlagCode[]; notRequired: Flag[] } {
  const rules = valueRules(valuePence, "SP");
  return { applies: rules.flags.map((f) => f.code), notRequired: rules.notRequired };
}

/**
 * The approvals a project of this value and programme needs, in the order of the cycle: what
 * `approvalsFor` lists, and what the gates (stages.ts) ask for, so the two cannot disagree.
 */
export function approvalsNeeded(valuePence: number, programmeCode: ProgrammeCode): Approval[] {
  return valueRules(valuePence, programmeCode).approvals;
}

/**
 * Which approvals a procurement needs and what applies to it, each with its reason and paragraph
 * (docs/rules.md governance routes and regimes; docs/api.md `/rules/approvals`). Boundaries: "over £50,000" and
 * "over £1,000,000" are strictly over (§3.10, App C 7); a threshold is met at or above its value; SSP
 * engagement is essential at 80% of the threshold or more (§3.13).
 */
export function approvalsFor(query: ApprovalsQuery): ApprovalsAnswer {
  const { valuePence, programmeCode, on } = query;
  if (!Number.isSafeInteger(valuePence) || valuePence < 0)
    throw new RangeError(`value must be a whole number of pence, not ${valuePence}`);
  const lightTouch = query.lightTouch ?? true;
  const regime = getRegime(query.regime);
  const asked: Asked = { valuePence, value: formatPence(valuePence), on, lightTouch };
  const plan = valueRules(valuePence, programmeCode);

  // The regime: is it in force, what is its threshold on that date (docs/rules.md, regimes).
  const thresholdKind = lightTouch ? "for-these-services" : regime.otherServicesThreshold;
  const threshold = thresholdKind ? thresholdOn(regime.code, on, thresholdKind) : null;
  const sspEngagementFromPence = threshold ? percentOf(threshold.valuePence, SSP_CLOSE.percent) : null;
  const byValue =
    threshold && sspEngagementFromPence !== null
      ? thresholdRules(threshold, sspEngagementFromPence, asked)
      : found({ flags: [noThresholdFlag(regime, thresholdKind, asked)] });
  const duties = regimeDuties(regime, threshold, asked);

  return {
    regime: regime.code,
    on,
    valuePence,
    programmeCode,
    lightTouch,
    threshold,
    sspEngagementFromPence,
    approvals: plan.approvals,
    flags: [...plan.flags, ...regimeFlags(regime, on), ...byValue.flags, ...duties.flags],
    notRequired: [...plan.notRequired, ...byValue.notRequired, ...duties.notRequired],
  };
}
